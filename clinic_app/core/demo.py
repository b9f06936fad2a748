"""Deterministic Thai demo data: patients with visits, vital signs, diagnoses, drugs,
EPI vaccines and allergies, as FHIR R4 JSON, the same for the same seed.

Used by training mode and the benchmarks. Names are common Thai given and family names
with their usual romanisation; addresses use real DOPA codes of a few provinces. Drug
codes are unit-local (no made-up codes in the national TMT system); diagnosis codes are
from the shipped primary-care ICD-10 list.

What the data holds, and the rules that keep it plausible (tests/core/test_demo.py checks
them over hundreds of patients):

- Births spread over 0-90 years before `today`; nothing is dated before the birth or
  after `today`. The prefix fits age and sex: ด.ช./ด.ญ. under 15, then นาย, นาง or
  นางสาว (นางสาว for every woman under 20).
- Everyday visits (none to three in the last three years) with a complaint for the age
  at the visit: childhood complaints under 15 (cold, fever, diarrhoea, ear ache,
  chickenpox, a rash), adult ones from 15, knee pain from 60; urinary infection and
  antenatal care only for women 18-42.
- Hypertension (I10) and type 2 diabetes (E11.9) only from 35, more often with age; a
  chronic patient comes back every two to three months (three to six follow-ups, the
  last one recent) to the unit's clinic for the disease, given amlodipine or metformin;
  a patient with both goes to each clinic on its own day, a week or so apart. Every
  visit has one diagnosis and at most one drug.
- Drugs fit the diagnosis and the age: syrups and drops under 12 (paracetamol drops
  under 2), tablets and capsules from 12, no antihistamine under 2, no steroid cream for
  infants, and no drug of the class the patient is allergic to.
- Vital signs at every visit: weight by age (a growth curve in childhood, each child
  keeping their own centile; adults 40-95 kg, steady between visits), temperature
  (37.6-39.4 with a febrile complaint, else 36.2-37.3), blood pressure from 15 only
  (higher in the hypertensive).
- EPI by the Thai schedule (`core.epi.SCHEDULE`) for everyone under 18: each dose due by
  today's age given at its scheduled age (birth, 2, 4, 6, 9, 12, 18, 30 months; a few
  days to weeks late at most); about one child in seven has missed one dose, so the
  chart's "due" list has something to show. Most people of 60 and over had an influenza
  dose (815) in a recent May-August campaign.
- About 8% have a drug allergy.

`history_at` gives one demo person's record at another facility (the training hub's
demo hospital uses it): that facility's own Patient resource for the same person and a
few visits there, admissions among them, with laboratory results.
"""

from __future__ import annotations

import copy
import datetime as _dt
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from clinic_app.core import builders as build
from clinic_app.core import epi
from clinic_app.core.epi import add_months
from clinic_app.core.fhir import Resource, patient_cid
from clinic_app.core.identifiers import ACT_CODE, LOINC, OBSERVATION_CATEGORY, profile
from clinic_app.core.places import home_address
from clinic_app.core.thai import PREFIX_CODES, age_in_years, cid_check_digit

MALE_GIVEN = [
    ("สมชาย", "Somchai"), ("สมศักดิ์", "Somsak"), ("ประเสริฐ", "Prasert"), ("วิชัย", "Wichai"),
    ("สุรชัย", "Surachai"), ("บุญมี", "Bunmi"), ("อนุชา", "Anucha"), ("ธนากร", "Thanakorn"),
    ("ณัฐพล", "Natthaphon"), ("กิตติพงษ์", "Kittiphong"), ("ชัยวัฒน์", "Chaiwat"), ("สุทธิพงษ์", "Sutthiphong"),
    ("ปิยะ", "Piya"), ("ธีรภัทร", "Theeraphat"), ("วีระ", "Weera"), ("ทองดี", "Thongdee"),
]
FEMALE_GIVEN = [
    ("สมหญิง", "Somying"), ("มาลี", "Mali"), ("วันเพ็ญ", "Wanphen"), ("สุดารัตน์", "Sudarat"),
    ("กาญจนา", "Kanchana"), ("นภาพร", "Napaporn"), ("ปราณี", "Pranee"), ("อรุณี", "Arunee"),
    ("จันทร์เพ็ญ", "Chanphen"), ("พิมพ์ชนก", "Phimchanok"), ("ศิริพร", "Siriporn"), ("บุญเรือน", "Bunruean"),
    ("รัตนา", "Rattana"), ("อัญชลี", "Anchalee"), ("ณัฐธิดา", "Natthida"), ("ทองใบ", "Thongbai"),
]
FAMILY = [
    ("ใจดี", "Jaidee"), ("สุขสวัสดิ์", "Suksawat"), ("ศรีสุข", "Srisuk"), ("แก้วมณี", "Kaewmanee"),
    ("บุญมา", "Bunma"), ("ทองคำ", "Thongkham"), ("พรหมวงศ์", "Phromwong"), ("สายสุวรรณ", "Saisuwan"),
    ("จันทร์หอม", "Chanhom"), ("วงศ์ใหญ่", "Wongyai"), ("ศรีประเสริฐ", "Sriprasert"), ("มีสุข", "Meesuk"),
    ("ชัยมงคล", "Chaimongkhon"), ("อินทร์แก้ว", "Inkaew"), ("นาคสวัสดิ์", "Naksawat"), ("ปัญญาดี", "Panyadee"),
    ("คำแสน", "Khamsaen"), ("บัวขาว", "Buakhao"), ("เพชรรัตน์", "Phetcharat"), ("สมบูรณ์", "Sombun"),
]
# DOPA subdistrict codes of a few provinces (names, district and province from core.places).
PLACES = ["300101", "300102", "400101", "500101", "340101", "100101"]

TODAY = _dt.date(2026, 11, 1)  # the default "today" of the demo data
CHRONIC_AGE = 35  # hypertension and diabetes from this age only
TABLET_AGE = 12  # tablets and capsules from this age; syrups and drops below it
BP_AGE = 15  # blood pressure is measured from this age
CHILD_COMPLAINTS_UNTIL = 15  # childhood complaints below this age
EPI_UNTIL = 18  # people younger than this have their EPI doses on record
ELDERLY = 60  # influenza vaccine, knee pain


@dataclass(frozen=True)
class Drug:
    code: str  # unit-local drug code
    name: str
    unit: str
    amount: float
    min_age: int = 0  # years, inclusive
    max_age: int = 200  # years, exclusive
    allergen: str | None = None  # the ALLERGENS entry (English) that rules it out


DRUGS = {d.code: d for d in [
    Drug("PARADROP", "Paracetamol drops 60 mg/0.6 ml (15 ml)", "bottle", 1, 0, 2),
    Drug("PARASYR", "Paracetamol syrup 120 mg/5 ml (60 ml)", "bottle", 1, 0, TABLET_AGE),
    Drug("PARA500", "Paracetamol 500 mg tablet", "tablet", 20, TABLET_AGE),
    Drug("CPMSYR", "Chlorpheniramine syrup 2 mg/5 ml (60 ml)", "bottle", 1, 2, TABLET_AGE),
    Drug("CPM4", "Chlorpheniramine 4 mg tablet", "tablet", 10, TABLET_AGE),
    Drug("AMOXSYR", "Amoxicillin syrup 125 mg/5 ml (60 ml)", "bottle", 1, 0, TABLET_AGE, "Penicillin"),
    Drug("AMOX500", "Amoxicillin 500 mg capsule", "capsule", 20, TABLET_AGE, allergen="Penicillin"),
    Drug("ROXISYR", "Roxithromycin syrup 50 mg/5 ml (60 ml)", "bottle", 1, 0, TABLET_AGE),
    Drug("ROXI150", "Roxithromycin 150 mg tablet", "tablet", 10, TABLET_AGE),
    Drug("ORS", "Oral rehydration salts sachet", "sachet", 10),
    Drug("ZINCPASTE", "Zinc oxide paste 15 g", "tube", 1, 0, 3),
    Drug("TA01", "Triamcinolone acetonide 0.1% cream 5 g", "tube", 1, 1),
    Drug("CALAMINE", "Calamine lotion 60 ml", "bottle", 1),
    Drug("POVI", "Povidone-iodine solution 10% 30 ml", "bottle", 1),
    Drug("ANTA", "Antacid suspension 240 ml", "bottle", 1, TABLET_AGE),
    Drug("OMP20", "Omeprazole 20 mg capsule", "capsule", 14, 18),
    Drug("IBU400", "Ibuprofen 400 mg tablet", "tablet", 10, 15, allergen="Aspirin"),
    Drug("MSCREAM", "Methyl salicylate cream 25 g", "tube", 1, TABLET_AGE, allergen="Aspirin"),
    Drug("NORF400", "Norfloxacin 400 mg tablet", "tablet", 6, 18),
    Drug("TFD150", "Triferdine 150 tablet (iron, folic acid, iodine)", "tablet", 30, 15),
    Drug("AMLO5", "Amlodipine 5 mg tablet", "tablet", 30, CHRONIC_AGE),
    Drug("MET500", "Metformin 500 mg tablet", "tablet", 60, CHRONIC_AGE),
    # given at the demo hospital
    Drug("SIMVA20", "Simvastatin 20 mg tablet", "tablet", 30, CHRONIC_AGE),
    Drug("ENA5", "Enalapril 5 mg tablet", "tablet", 30, CHRONIC_AGE),
    Drug("FEFUM", "Ferrous fumarate 200 mg tablet", "tablet", 30, 15),
    Drug("AMOXCLAV", "Amoxicillin-clavulanate 1 g tablet", "tablet", 14, TABLET_AGE, allergen="Penicillin"),
    Drug("AZISYR", "Azithromycin syrup 200 mg/5 ml (15 ml)", "bottle", 1, 0, TABLET_AGE),
    Drug("AZI250", "Azithromycin 250 mg capsule", "capsule", 6, TABLET_AGE),
]}


@dataclass(frozen=True)
class Complaint:
    text: str  # the chief complaint, as a nurse writes it
    icd: str
    display: str
    drugs: tuple[str, ...]  # DRUGS codes, the first that fits the age and allergies is given
    fever: bool = False


def _c(text: str, icd: str, display: str, *drugs: str, fever: bool = False) -> Complaint:
    return Complaint(text, icd, display, drugs, fever)


COLD = "Acute nasopharyngitis [common cold]"
DIARRHOEA = "Diarrhoea and gastroenteritis of presumed infectious origin"
CHILD_COMPLAINTS = [
    _c("ไข้ น้ำมูกไหล ไอ 2 วัน", "J00", COLD, "PARADROP", "PARASYR", "PARA500", fever=True),
    _c("ไข้ ตัวร้อน 1 วัน", "R50.9", "Fever, unspecified", "PARADROP", "PARASYR", "PARA500", fever=True),
    _c("ถ่ายเหลว 4 ครั้ง", "A09", DIARRHOEA, "ORS"),
    _c("ไข้ ปวดหู", "H66.9", "Otitis media, unspecified", "AMOXSYR", "ROXISYR", "AMOX500", "ROXI150", fever=True),
    _c("ไข้ เจ็บคอ", "J02.9", "Acute pharyngitis, unspecified", "PARADROP", "PARASYR", "PARA500", fever=True),
    _c("ผื่นแดงคัน", "L30.9", "Dermatitis, unspecified", "ZINCPASTE", "TA01"),
]
CHILD_ONLY_AFTER_1 = [  # not for infants
    _c("ไข้ มีตุ่มน้ำใสตามตัว คัน", "B01.9", "Varicella without complication", "CPMSYR", "CPM4", "CALAMINE",
       fever=True),
    _c("หกล้ม แผลถลอกที่มือ", "S61.9", "Open wound of wrist and hand, part unspecified", "POVI"),
]
ADULT_COMPLAINTS = [
    _c("ไข้ ไอ เจ็บคอ 2 วัน", "J00", COLD, "PARA500", fever=True),
    _c("น้ำมูก จาม คัดจมูก", "J00", COLD, "CPM4"),
    _c("ปวดหลังส่วนล่าง", "M54.5", "Low back pain", "IBU400", "PARA500"),
    _c("ปวดท้อง จุกแน่นลิ้นปี่", "K30", "Functional dyspepsia", "ANTA", "OMP20"),
    _c("ท้องเสีย ถ่ายเหลว 3 ครั้ง", "A09", DIARRHOEA, "ORS"),
    _c("ผื่นคัน", "L30.9", "Dermatitis, unspecified", "TA01"),
    _c("ปวดศีรษะ", "R51", "Headache", "PARA500"),
    _c("ปวดเมื่อยกล้ามเนื้อ", "M79.1", "Myalgia", "MSCREAM", "PARA500"),
    _c("มีดบาดมือ", "S61.9", "Open wound of wrist and hand, part unspecified", "POVI"),
]
ELDERLY_COMPLAINTS = [_c("ปวดเข่าทั้งสองข้าง", "M17.9", "Gonarthrosis, unspecified", "PARA500", "MSCREAM")]
WOMEN_COMPLAINTS = [  # women of 18-42
    _c("ปัสสาวะแสบขัด", "N39.0", "Urinary tract infection, site not specified", "NORF400"),
    _c("ฝากครรภ์", "Z34.9", "Supervision of normal pregnancy, unspecified", "TFD150"),
]
HYPERTENSION = ("I10", "Essential (primary) hypertension")
DIABETES = ("E11.9", "Type 2 diabetes mellitus without complications")
# A chronic patient's follow-up at the unit's clinic for the disease (a patient with both
# comes to each clinic on its own day): one diagnosis and its drug a visit.
FOLLOW_UP = {
    HYPERTENSION[0]: _c("มาตามนัด คลินิกความดันโลหิตสูง", *HYPERTENSION, "AMLO5"),
    DIABETES[0]: _c("มาตามนัด คลินิกเบาหวาน", *DIABETES, "MET500"),
}
ALLERGENS = [("Penicillin", "เพนิซิลลิน"), ("Sulfonamide", "ยากลุ่มซัลฟา"), ("Aspirin", "แอสไพริน")]
INFLUENZA = "815"


@dataclass(frozen=True)
class DemoPatient:
    """One patient's resources in reference order (Patient first)."""

    cid: str
    resources: list[Resource]


@dataclass
class _Person:
    """What the visits of one person are drawn from."""

    ref: dict[str, str]
    birth: _dt.date
    male: bool
    size: float  # a child's weight centile, as a factor of the median
    adult_weight: float
    allergen: str | None = None
    chronic: tuple[str, ...] = ()

    def age(self, on: _dt.date) -> int:
        return age_in_years(self.birth, on)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def make_cid(rng: random.Random) -> str:
    first12 = str(rng.randint(1, 8)) + "".join(str(rng.randint(0, 9)) for _ in range(11))
    return first12 + str(cid_check_digit(first12))


def generate(count: int, *, seed: int = 1, hcode: str = "99999",
             today: _dt.date = TODAY) -> Iterator[DemoPatient]:
    """Yield `count` demo patients for facility `hcode`, the same for the same seed (the
    first n of a larger count are the n of a smaller one)."""
    rng = random.Random(seed)
    seen: set[str] = set()
    for n in range(count):
        cid = make_cid(rng)
        while cid in seen:
            cid = make_cid(rng)
        seen.add(cid)
        yield DemoPatient(cid, _patient_resources(rng, n, cid, hcode, today))


def _patient_resources(rng: random.Random, n: int, cid: str, hcode: str,
                       today: _dt.date) -> list[Resource]:
    male = rng.random() < 0.48
    given_th, given_en = rng.choice(MALE_GIVEN if male else FEMALE_GIVEN)
    family_th, family_en = rng.choice(FAMILY)
    birth = today - _dt.timedelta(days=rng.randint(0, 90 * 365))
    age = age_in_years(birth, today)
    if age < 15:
        prefix = ("ด.ช.", "Master") if male else ("ด.ญ.", "Miss")
    elif male:
        prefix = ("นาย", "Mr.")
    else:
        prefix = ("นาง", "Mrs.") if age >= 20 and rng.random() < 0.65 else ("นางสาว", "Miss")
    place = rng.choice(PLACES)
    moo = rng.randint(1, 15)
    pid = _uuid(rng)
    mobile = f"0{rng.choice('689')}{rng.randint(0, 99999999):08d}"  # drawn before the house number
    house = str(rng.randint(1, 250))
    hn = build.local_identifier(hcode, "HN", f"{n + 1:07d}")
    out = [build.patient(
        id=pid, identifiers=[build.cid_identifier(cid), hn],
        names=[build.human_name(given_th, family_th, prefix=prefix[0], prefix_code=PREFIX_CODES.get(prefix[0])),
               build.human_name(given_en, family_en, language="en", prefix=prefix[1],
                                text=f"{prefix[1]} {given_en} {family_en}")],
        gender="male" if male else "female", birth_date=birth.isoformat(), hcode=hcode, phone=build.phone(mobile),
        address=home_address(place, house=house, moo=str(moo)))]
    out.append(_coverage(pid))
    person = _Person(build.reference("Patient", pid), birth, male,
                     size=min(1.18, max(0.85, rng.gauss(1.0, 0.08))),
                     adult_weight=min(92.0, max(42.0, rng.gauss(64 if male else 56, 9))))
    if rng.random() < 0.08:
        en, th = rng.choice(ALLERGENS)
        person.allergen = en
        out.append({
            "resourceType": "AllergyIntolerance", "id": _uuid(rng),
            "meta": {"profile": [profile("th-core-allergyintolerance")]},
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                                           "code": "active"}]},
            "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                                               "code": "confirmed"}]},
            "type": "allergy", "category": ["medication"], "criticality": "high",
            "code": {"text": f"{th} ({en})"}, "patient": person.ref,
            "recordedDate": _birthday(person.birth, min(age, 3)).isoformat(),
        })
    if age < EPI_UNTIL:
        out.extend(_epi(rng, person, today))
    elif age >= ELDERLY:
        out.extend(_influenza(rng, person, today))
    person.chronic = _chronic_diseases(rng, age)
    if person.chronic:
        person.adult_weight = min(95.0, person.adult_weight + 6)
    visits = _follow_ups(rng, person, today)
    first = max(birth + _dt.timedelta(days=7), today - _dt.timedelta(days=3 * 365))
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
        if first > today:
            break
        day = first + _dt.timedelta(days=rng.randint(0, (today - first).days))
        visits.append((day, _complaint(rng, person, day)))
    for day, complaint in sorted(visits, key=lambda v: v[0]):
        out.extend(_visit(rng, person, hcode, day, complaint))
    return out


def _chronic_diseases(rng: random.Random, age: int) -> tuple[str, ...]:
    """Hypertension and type 2 diabetes, from 35, more often with age."""
    if age < CHRONIC_AGE:
        return ()
    band = 0 if age < 45 else 1 if age < 60 else 2
    found = []
    if rng.random() < (0.12, 0.28, 0.42)[band]:
        found.append(HYPERTENSION[0])
    if rng.random() < (0.06, 0.14, 0.18)[band]:
        found.append(DIABETES[0])
    return tuple(found)


def _birthday(birth: _dt.date, years: int) -> _dt.date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # 29 February
        return _dt.date(birth.year + years, 3, 1)


def _follow_ups(rng: random.Random, person: _Person, today: _dt.date) -> list[tuple[_dt.date, Complaint]]:
    """A chronic patient's follow-ups, every two to three months back from a recent one,
    none before the age chronic disease is diagnosed at; with both diseases, the diabetes
    clinic a week to three weeks from the hypertension one."""
    if not person.chronic:
        return []
    since = _birthday(person.birth, CHRONIC_AGE)
    first, *other = [FOLLOW_UP[code] for code in person.chronic]
    day = today - _dt.timedelta(days=rng.randint(21, 60) if other else rng.randint(0, 45))
    out = []
    for _ in range(rng.randint(3, 6)):
        days = [(day, first)]
        if other:
            days.append((day + _dt.timedelta(days=rng.randint(7, 21)), other[0]))
        out += [(d, c) for d, c in days if d >= since]
        day -= _dt.timedelta(days=rng.randint(56, 91))
    return out


def _complaint(rng: random.Random, person: _Person, day: _dt.date) -> Complaint:
    age = person.age(day)
    if age < CHILD_COMPLAINTS_UNTIL:
        choices = CHILD_COMPLAINTS + (CHILD_ONLY_AFTER_1 if age >= 1 else [])
    else:
        choices = list(ADULT_COMPLAINTS)
        if age >= ELDERLY:
            choices += ELDERLY_COMPLAINTS
        if not person.male and 18 <= age <= 42:
            choices += WOMEN_COMPLAINTS
    return rng.choice(choices)


def _drug(codes: tuple[str, ...], person: _Person, day: _dt.date) -> Drug | None:
    """The first of the drugs that fits the age at `day` and the patient's allergy."""
    age = person.age(day)
    for code in codes:
        drug = DRUGS[code]
        if drug.min_age <= age < drug.max_age and (drug.allergen is None or drug.allergen != person.allergen):
            return drug
    return None


def _child_median(birth: _dt.date, day: _dt.date) -> float | None:
    """A child's median weight for age by the usual bedside formulas: 3.3 kg at birth, about 7
    at six months, 2 x age + 8 from 1 to 6, (7 x age - 5) / 2 from 7 to 12; None from 13."""
    days = (day - birth).days
    years = days / 365.25
    if years < 1:
        months = days / 30.44
        return 3.3 + 0.65 * months if months <= 6 else 7.2 + 0.25 * (months - 6)
    if years < 7:
        return 2 * years + 8
    if years < 13:
        return (7 * years - 5) / 2
    return None


def _weight(rng: random.Random, person: _Person, day: _dt.date) -> float:
    """Weight for age: a child's median times the child's own centile (infants kept within
    3-10 kg), reaching the adult weight at 18; adults steady, within a kilogram or two of
    their own weight (a little less from 75)."""
    median = _child_median(person.birth, day)
    years = (day - person.birth).days / 365.25
    if median is not None:
        weight = median * person.size
        return round(min(10.0, max(3.0, weight)) if years < 1 else weight, 1)
    if years < 18:
        at13 = (7 * 13 - 5) / 2 * person.size
        return round(at13 + (person.adult_weight - at13) * (years - 13) / 5, 1)
    drift = -3.0 if years >= 75 else 0.0
    return round(min(95.0, max(40.0, person.adult_weight + drift + rng.uniform(-1.5, 1.5))), 1)


def _blood_pressure(rng: random.Random, person: _Person, day: _dt.date) -> tuple[int, int]:
    age = person.age(day)
    if HYPERTENSION[0] in person.chronic:
        sbp = round(min(175, max(118, rng.gauss(140, 12))))
        dbp = round(min(105, max(65, rng.gauss(85, 8))))
    else:
        sbp = round(min(138, max(92, rng.gauss(112 + 0.35 * max(0, age - 20), 9))))
        dbp = round(min(88, max(55, rng.gauss(70 + 0.15 * max(0, age - 20), 7))))
    return sbp, min(dbp, sbp - 25)


def _when(rng: random.Random, day: _dt.date) -> str:
    return f"{day.isoformat()}T{rng.randint(8, 15):02d}:{rng.randint(0, 59):02d}:00+07:00"


def _visit(rng: random.Random, person: _Person, hcode: str, day: _dt.date, complaint: Complaint) -> list[Resource]:
    """One visit: a chronic follow-up or an everyday complaint, its diagnosis and drug."""
    when = _when(rng, day)
    eid = _uuid(rng)
    ref = person.ref
    at: dict[str, Any] = {"subject": ref, "encounter": build.reference("Encounter", eid), "when": when}
    out = [build.encounter(id=eid, subject=ref, when=when, hcode=hcode, reason=complaint.text, vn=_vn(when, eid))]
    # Each value is drawn before its resource's id: the order of the draws is the data.
    if person.age(day) >= BP_AGE:
        sbp, dbp = _blood_pressure(rng, person, day)
        out.append(build.blood_pressure(sbp, dbp, id=_uuid(rng), **at))
    weight = _weight(rng, person, day)
    out.append(build.vital_sign("weight", weight, id=_uuid(rng), **at))
    temperature = round(rng.uniform(37.6, 39.4) if complaint.fever else rng.uniform(36.2, 37.3), 1)
    out.append(build.vital_sign("temperature", temperature, id=_uuid(rng), **at))
    out.append(build.condition(complaint.icd, id=_uuid(rng), display=complaint.display, clinical_status="active",
                               **at))
    drug = _drug(complaint.drugs, person, day)
    if drug is not None:
        out.append(_dispense(rng, drug, hcode, at, child=person.age(day) < 5))
    return out


def _vn(when: str, eid: str) -> str:
    """The visit's number (VN, 16 characters as SEQ allows): its date, hour and minute and six
    digits of its id (no random draw: the draws are the data). Demo visits fall on whole
    minutes, hundreds a day: with the seconds and four digits, two of 50,000 demo patients'
    visits shared a VN (bench_f43), and a SEQ twice refuses the files' import."""
    moment = _dt.datetime.fromisoformat(when)
    return f"{moment:%y%m%d%H%M}{int(eid.replace('-', '')[:12], 16) % 1_000_000:06d}"


# Rights as the population holds them, roughly: most people UC, then social security,
# civil servants and their families, a few paying themselves (by the patient's id: no draw).
_RIGHT_SHARES = (("UCS", 74), ("SSS", 16), ("CSMBS", 7), ("SELF", 3))


def _coverage(pid: str) -> Resource:
    share = int(pid.replace("-", "")[:8], 16) % 100
    for right, part in _RIGHT_SHARES:
        if share < part:
            break
        share -= part
    return build.coverage(right, id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:clinic-app:coverage:{pid}")),
                          beneficiary=build.reference("Patient", pid))


def _dispense(rng: random.Random, drug: Drug, hcode: str, at: dict[str, Any], *, child: bool = False) -> Resource:
    amount = max(1, int(drug.amount) // 2) if child and drug.code == "ORS" else drug.amount
    return build.medication_dispense(
        build.medication(drug.name, local=drug.code, display=drug.name),
        id=_uuid(rng), amount=amount, unit=drug.unit, **at)


# -- vaccines -----------------------------------------------------------------------------------

def _epi(rng: random.Random, person: _Person, today: _dt.date) -> list[Resource]:
    """The EPI doses due by today's age, each at its scheduled age (a few days late, now and
    then a few weeks); about one child in seven missed one dose after the birth doses."""
    months = epi.months_old(person.birth, today)
    sex = "male" if person.male else "female"
    due = [d for d in epi.SCHEDULE if d.age_months <= months and epi.routine(d, sex)]
    later = [d for d in due if d.age_months > 0]
    missed = rng.choice(later).code if later and rng.random() < 0.15 else None
    out = []
    late: dict[int, int] = {}  # the doses of one scheduled age are given together
    for dose in due:
        if dose.age_months not in late:
            late[dose.age_months] = (rng.randint(0, 1) if dose.age_months == 0 else
                                     rng.randint(0, 14) if rng.random() < 0.85 else rng.randint(15, 45))
        day = add_months(person.birth, dose.age_months) + _dt.timedelta(days=late[dose.age_months])
        if dose.code == missed or day > today:
            continue
        out.append(build.immunization(dose.code, id=_uuid(rng), patient=person.ref, when=day.isoformat(),
                                      display=dose.name))
    return out


def _influenza(rng: random.Random, person: _Person, today: _dt.date) -> list[Resource]:
    """Most people of 60 and over: a dose in the last May-August campaign, some the year before too."""
    if rng.random() >= 0.65:
        return []
    year = today.year if today >= _dt.date(today.year, 6, 1) else today.year - 1
    years = [year - 1, year] if rng.random() < 0.4 else [year]
    out = []
    for y in years:
        day = _dt.date(y, 5, 1) + _dt.timedelta(days=rng.randint(0, 122))
        if day <= today and person.age(day) >= ELDERLY:
            out.append(build.immunization(INFLUENZA, id=_uuid(rng), patient=person.ref, when=day.isoformat(),
                                          display=epi.BY_CODE[INFLUENZA].name))
    return out


# -- a history at another facility ------------------------------------------------------------

LABS = {  # key: (LOINC code, display, unit shown, UCUM code)
    "hb": ("718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL", "g/dL"),
    "hct": ("4544-3", "Hematocrit [Volume Fraction] of Blood by Automated count", "%", "%"),
    "wbc": ("6690-2", "Leukocytes [#/volume] in Blood by Automated count", "10^3/uL", "10*3/uL"),
    "plt": ("777-3", "Platelets [#/volume] in Blood by Automated count", "10^3/uL", "10*3/uL"),
    "fbs": ("1558-6", "Fasting glucose [Mass/volume] in Serum or Plasma", "mg/dL", "mg/dL"),
    "hba1c": ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", "%"),
    "cr": ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL", "mg/dL"),
    "ldl": ("2089-1", "Cholesterol in LDL [Mass/volume] in Serum or Plasma", "mg/dL", "mg/dL"),
}


@dataclass(frozen=True)
class _Episode:
    reason: str
    diagnoses: tuple[tuple[str, str], ...]
    drugs: tuple[str, ...]  # DRUGS codes, the first that fits the age and allergies is given
    labs: tuple[tuple[str, float, float], ...]  # (LABS key, low, high)
    stay: tuple[int, int] = (0, 0)  # days admitted (0: an outpatient visit)
    fever: bool = False


PNEUMONIA = _Episode("ไข้ ไอ หอบเหนื่อย 3 วัน (ส่งต่อจาก รพ.สต.)", (("J18.9", "Pneumonia, unspecified"),),
                     ("AMOXSYR", "AZISYR", "AMOXCLAV", "AZI250"),
                     (("hb", 10.5, 13.5), ("wbc", 11.0, 19.0), ("plt", 180, 420)), (3, 6), fever=True)
DENGUE_CHILD = _Episode("ไข้สูง 3 วัน ปวดท้อง มีจุดเลือดออก", (("A91", "Dengue haemorrhagic fever"),),
                        ("PARASYR", "PARA500"), (("hct", 40, 48), ("wbc", 2.0, 4.0), ("plt", 35, 95)), (3, 5),
                        fever=True)
DENGUE = _Episode("ไข้สูง ปวดเมื่อยตัว 3 วัน", (("A90", "Dengue fever [classical dengue]"),),
                  ("PARA500",), (("hct", 40, 47), ("wbc", 2.5, 4.5), ("plt", 60, 140)), (2, 4), fever=True)
GASTRO = _Episode("ถ่ายเหลวหลายครั้ง อ่อนเพลีย", (("A09", DIARRHOEA),), ("ORS",),
                  (("hct", 38, 46), ("wbc", 6.0, 12.0)), (1, 3))
UTI = _Episode("ไข้ ปัสสาวะแสบขัด ปวดหลัง", (("N39.0", "Urinary tract infection, site not specified"),),
               ("NORF400",), (("wbc", 10.0, 16.0), ("cr", 0.6, 1.0)), (0, 0), fever=True)
DELIVERY = _Episode("เจ็บครรภ์คลอด", (("O80", "Single spontaneous delivery"),), ("FEFUM",),
                    (("hb", 10.5, 12.5), ("hct", 32, 38)), (2, 3))
KNEE = _Episode("ปวดเข่า เดินลำบาก (ส่งต่อจาก รพ.สต.)", (("M17.9", "Gonarthrosis, unspecified"),),
                ("PARA500",), (("cr", 0.7, 1.3),), (0, 0))


def history_at(person: DemoPatient, hcode: str, *, hn: str, seed: object = 0,
               today: _dt.date = TODAY) -> list[Resource]:
    """`person`'s record at facility `hcode` (a hospital the unit refers to): that
    facility's own Patient resource (a new id and its HN `hn`; the same citizen ID,
    names, sex, birth date, phone and address) and visits there that fit the person:
    a yearly review with laboratory results for a chronic patient, and one episode by
    age and sex (a child's pneumonia or dengue admission, a delivery for a woman of
    20-40, dengue, a urinary infection, pneumonia or knee pain for adults), with drugs and
    laboratory Observations. The same for the same person and seed."""
    rng = random.Random(f"{seed}/{hcode}/{person.cid}")
    mine = person.resources[0]
    pid = _uuid(rng)
    patient = copy.deepcopy(mine)
    patient["id"] = pid
    patient["identifier"] = [build.cid_identifier(patient_cid(mine) or person.cid),
                             build.local_identifier(hcode, "HN", hn)]
    patient["managingOrganization"] = build.reference("Organization", hcode)
    patient["meta"] = {"profile": list((mine.get("meta") or {}).get("profile") or [])}
    allergy = " ".join(r.get("code", {}).get("text", "") for r in person.resources
                       if r["resourceType"] == "AllergyIntolerance")
    diagnosed = {c["code"]["coding"][0]["code"] for c in person.resources if c["resourceType"] == "Condition"}
    who = _Person(build.reference("Patient", pid), _dt.date.fromisoformat(mine["birthDate"]),
                  mine.get("gender") == "male", size=1.0, adult_weight=0.0,
                  allergen=next((en for en, _ in ALLERGENS if en in allergy), None),
                  chronic=tuple(code for code in FOLLOW_UP if code in diagnosed))
    weighed = [(o["effectiveDateTime"][:10], float(o["valueQuantity"]["value"])) for o in person.resources
               if o["resourceType"] == "Observation" and o["code"]["coding"][0]["code"] == "29463-7"]
    if weighed:  # keep the unit's weights: the same adult weight, the same child's centile
        on, weight = max(weighed)
        median = _child_median(who.birth, _dt.date.fromisoformat(on))
        if median is not None:
            who.size = min(1.18, max(0.85, weight / median))
        elif who.age(_dt.date.fromisoformat(on)) >= 18:
            who.adult_weight = weight
    if not who.adult_weight:
        who.adult_weight = 64.0 if who.male else 56.0
    out: list[Resource] = [patient]
    if who.chronic:
        since = max(_birthday(who.birth, CHRONIC_AGE), today - _dt.timedelta(days=700))
        for years_back in (1, 0):
            day = today - _dt.timedelta(days=365 * years_back + rng.randint(20, 150))
            if day >= since:
                out.extend(_review(rng, who, hcode, day))
    episode, day = _episode(rng, who, today)
    if episode is not None:
        out.extend(_stay(rng, who, hcode, day, episode, today))
    return out


def _episode(rng: random.Random, who: _Person, today: _dt.date) -> tuple[_Episode | None, _dt.date]:
    """One episode at the hospital that fits the person's age (at that day) and sex."""
    first = max(who.birth + _dt.timedelta(days=60), today - _dt.timedelta(days=4 * 365))
    if first > today - _dt.timedelta(days=10):
        return None, today
    day = first + _dt.timedelta(days=rng.randint(0, (today - _dt.timedelta(days=10) - first).days))
    age = who.age(day)
    if age < 5:
        choices = [PNEUMONIA, GASTRO]
    elif age < 15:
        choices = [DENGUE_CHILD, DENGUE_CHILD, PNEUMONIA]
    elif age < ELDERLY:
        choices = [DENGUE, GASTRO] + ([UTI, DELIVERY, DELIVERY] if not who.male and 20 <= age <= 40 else [])
    else:
        choices = [PNEUMONIA, GASTRO, KNEE]
    return rng.choice(choices), day


def _lab(rng: random.Random, key: str, low: float, high: float, at: dict[str, Any]) -> Resource:
    code, display, unit, ucum = LABS[key]
    value = round(rng.uniform(low, high), 1)
    return {"resourceType": "Observation", "id": _uuid(rng), "status": "final",
            "category": [{"coding": [build.coding(OBSERVATION_CATEGORY, "laboratory")]}],
            "code": {"coding": [build.coding(LOINC, code, display)]},
            "subject": at["subject"], "encounter": at["encounter"], "effectiveDateTime": at["when"],
            "valueQuantity": build.quantity(value, unit, ucum)}


def _review(rng: random.Random, who: _Person, hcode: str, day: _dt.date) -> list[Resource]:
    """A yearly review of a chronic patient at the hospital's NCD clinic."""
    when = _when(rng, day)
    eid = _uuid(rng)
    at: dict[str, Any] = {"subject": who.ref, "encounter": build.reference("Encounter", eid), "when": when}
    out = [build.encounter(id=eid, subject=who.ref, when=when, hcode=hcode,
                           reason="ตรวจติดตามประจำปี คลินิกโรคไม่ติดต่อเรื้อรัง", vn=_vn(when, eid))]
    sbp, dbp = _blood_pressure(rng, who, day)
    out.append(build.blood_pressure(sbp, dbp, id=_uuid(rng), **at))
    out.append(build.vital_sign("weight", _weight(rng, who, day), id=_uuid(rng), **at))
    for code in who.chronic:
        out.append(build.condition(code, id=_uuid(rng), display=FOLLOW_UP[code].display, clinical_status="active",
                                   **at))
    labs = [("cr", 0.7, 1.4), ("ldl", 90, 170)]
    if DIABETES[0] in who.chronic:
        labs = [("fbs", 105, 190), ("hba1c", 6.2, 9.5)] + labs
    out.extend(_lab(rng, key, low, high, at) for key, low, high in labs)
    drugs = ["SIMVA20"] + (["ENA5"] if HYPERTENSION[0] in who.chronic else [])
    out.extend(_dispense(rng, DRUGS[code], hcode, at) for code in drugs)
    return out


def _stay(rng: random.Random, who: _Person, hcode: str, day: _dt.date, episode: _Episode,
          today: _dt.date) -> list[Resource]:
    """An episode: an admission (class IMP, from admission to discharge) or an outpatient visit."""
    when = _when(rng, day)
    eid = _uuid(rng)
    at: dict[str, Any] = {"subject": who.ref, "encounter": build.reference("Encounter", eid), "when": when}
    encounter = build.encounter(id=eid, subject=who.ref, when=when, hcode=hcode, reason=episode.reason,
                                vn=_vn(when, eid))
    nights = rng.randint(*episode.stay)
    if nights:
        out_day = min(today, day + _dt.timedelta(days=nights))
        encounter["class"] = build.coding(ACT_CODE, "IMP", "inpatient encounter")
        encounter["period"]["end"] = f"{out_day.isoformat()}T{rng.randint(10, 14):02d}:00:00+07:00"
    out = [encounter]
    if who.age(day) >= BP_AGE:
        sbp, dbp = _blood_pressure(rng, who, day)
        out.append(build.blood_pressure(sbp, dbp, id=_uuid(rng), **at))
    out.append(build.vital_sign("weight", _weight(rng, who, day), id=_uuid(rng), **at))
    temperature = round(rng.uniform(38.0, 39.6) if episode.fever else rng.uniform(36.4, 37.4), 1)
    out.append(build.vital_sign("temperature", temperature, id=_uuid(rng), **at))
    for icd, display in episode.diagnoses:
        out.append(build.condition(icd, id=_uuid(rng), display=display, clinical_status="resolved", **at))
    out.extend(_lab(rng, key, low, high, at) for key, low, high in episode.labs)
    drug = _drug(episode.drugs, who, day)
    if drug is not None:
        out.append(_dispense(rng, drug, hcode, at, child=who.age(day) < 5))
    return out
