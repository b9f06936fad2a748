"""Deterministic Thai demo data: patients with visits, vital signs, diagnoses, drugs,
EPI vaccines and allergies, as FHIR R4 JSON, the same for the same seed.

Used by training mode and the benchmarks. Names are common Thai given and family names
with their usual romanisation; addresses use real DOPA codes of a few provinces. Drug
codes are unit-local (no made-up codes in the national TMT system).
"""

from __future__ import annotations

import datetime as _dt
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from clinic_app.core import builders as build
from clinic_app.core.fhir import Resource
from clinic_app.core.identifiers import CID_SYSTEM, local_system
from clinic_app.core.places import home_address
from clinic_app.core.thai import cid_check_digit

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
COMPLAINTS = [
    ("ไข้ ไอ เจ็บคอ 2 วัน", "J00", "Acute nasopharyngitis [common cold]"),
    ("ปวดศีรษะ ความดันสูง มาตามนัด", "I10", "Essential (primary) hypertension"),
    ("มาตามนัดเบาหวาน", "E11.9", "Type 2 diabetes mellitus without complications"),
    ("ปวดหลังส่วนล่าง", "M54.5", "Low back pain"),
    ("ปวดท้อง จุกแน่นลิ้นปี่", "K30", "Functional dyspepsia"),
    ("ท้องเสีย ถ่ายเหลว 3 ครั้ง", "A09", "Diarrhoea and gastroenteritis of presumed infectious origin"),
    ("ผื่นคัน", "L30.9", "Dermatitis, unspecified"),
    ("ไข้ ไม่ทราบสาเหตุ", "R50.9", "Fever, unspecified"),
]
DRUGS = [
    ("PARA500", "Paracetamol 500 mg tablet", "tablet", 20),
    ("AMLO5", "Amlodipine 5 mg tablet", "tablet", 30),
    ("MET500", "Metformin 500 mg tablet", "tablet", 60),
    ("ORS", "Oral rehydration salts sachet", "sachet", 10),
    ("CPM4", "Chlorpheniramine 4 mg tablet", "tablet", 10),
    ("ANTA", "Antacid suspension 240 ml", "bottle", 1),
    ("IBU400", "Ibuprofen 400 mg tablet", "tablet", 10),
]
CHILD_VACCINES = [("010", "BCG"), ("041", "HBV1"), ("081", "OPV1"), ("D21", "DTP-HB-Hib1"),
                  ("061", "MMR1"), ("J11", "JE1")]
ALLERGENS = [("Penicillin", "เพนิซิลลิน"), ("Sulfonamide", "ยากลุ่มซัลฟา"), ("Aspirin", "แอสไพริน")]


@dataclass(frozen=True)
class DemoPatient:
    """One patient's resources in reference order (Patient first)."""

    cid: str
    resources: list[Resource]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def make_cid(rng: random.Random) -> str:
    first12 = str(rng.randint(1, 8)) + "".join(str(rng.randint(0, 9)) for _ in range(11))
    return first12 + str(cid_check_digit(first12))


def generate(count: int, *, seed: int = 1, hcode: str = "99999",
             today: _dt.date = _dt.date(2026, 11, 1)) -> Iterator[DemoPatient]:
    """Yield `count` demo patients for facility `hcode`, the same for the same seed."""
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
    age = (today - birth).days // 365
    if age < 15:
        prefix = ("ด.ช.", "Master") if male else ("ด.ญ.", "Miss")
    else:
        prefix = ("นาย", "Mr.") if male else (("นาง", "Mrs.") if rng.random() < 0.6 else ("นางสาว", "Miss"))
    place = rng.choice(PLACES)
    moo = rng.randint(1, 15)
    pid = _uuid(rng)
    mobile = f"0{rng.choice('689')}{rng.randint(0, 99999999):08d}"  # drawn before the house number
    house = str(rng.randint(1, 250))
    hn = build.identifier(local_system(hcode, "HN"), f"{n + 1:07d}")
    out = [build.patient(
        id=pid, identifiers=[build.identifier(CID_SYSTEM, cid), hn],
        names=[build.human_name(given_th, family_th, prefix=prefix[0]),
               build.human_name(given_en, family_en, use="usual", prefix=prefix[1],
                                text=f"{prefix[1]} {given_en} {family_en}")],
        gender="male" if male else "female", birth_date=birth.isoformat(), hcode=hcode, phone=build.phone(mobile),
        address=home_address(place, house=house, moo=str(moo)))]
    ref = build.reference("Patient", pid)
    if rng.random() < 0.08:
        en, th = rng.choice(ALLERGENS)
        out.append({
            "resourceType": "AllergyIntolerance", "id": _uuid(rng),
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                                           "code": "active"}]},
            "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                                               "code": "confirmed"}]},
            "type": "allergy", "category": ["medication"], "criticality": "high",
            "code": {"text": f"{th} ({en})"}, "patient": ref,
        })
    if age < 6:
        for code, display in CHILD_VACCINES[: rng.randint(2, len(CHILD_VACCINES))]:
            out.append(_immunization(rng, ref, code, display, birth, today))
    elif age >= 60 and rng.random() < 0.7:
        out.append(_immunization(rng, ref, "815", "Influenza", birth, today))
    for _ in range(rng.choice((1, 2, 3, 3, 4, 5))):
        out.extend(_visit(rng, ref, hcode, today, age))
    return out


def _immunization(rng: random.Random, ref: dict[str, str], code: str, display: str,
                  birth: _dt.date, today: _dt.date) -> Resource:
    day = birth + _dt.timedelta(days=rng.randint(0, max(0, (today - birth).days)))
    return build.immunization(code, id=_uuid(rng), patient=ref, when=day.isoformat(), display=display)


def _visit(rng: random.Random, ref: dict[str, str], hcode: str, today: _dt.date, age: int) -> list[Resource]:
    day = today - _dt.timedelta(days=rng.randint(0, 3 * 365))
    when = f"{day.isoformat()}T{rng.randint(8, 15):02d}:{rng.randint(0, 59):02d}:00+07:00"
    eid = _uuid(rng)
    complaint, icd, icd_display = rng.choice(COMPLAINTS)
    at: dict[str, Any] = {"subject": ref, "encounter": build.reference("Encounter", eid), "when": when}
    out = [build.encounter(id=eid, subject=ref, when=when, hcode=hcode, reason=complaint)]
    # Each value is drawn before its resource's id: the order of the draws is the data.
    sbp = rng.randint(100, 165)
    dbp = rng.randint(60, min(105, sbp - 20))
    out.append(build.blood_pressure(sbp, dbp, id=_uuid(rng), **at))
    weight = round(rng.uniform(3, 20) if age < 5 else rng.uniform(38, 95), 1)
    out.append(build.vital_sign("weight", weight, id=_uuid(rng), **at))
    temperature = round(rng.uniform(36.0, 38.8), 1)
    out.append(build.vital_sign("temperature", temperature, id=_uuid(rng), **at))
    out.append(build.condition(icd, id=_uuid(rng), display=icd_display, clinical_status="active", **at))
    code, name, unit, amount = rng.choice(DRUGS)
    out.append(build.medication_dispense(build.medication(name, system=local_system(hcode, "DRUG"), code=code,
                                                          display=name),
                                         id=_uuid(rng), amount=amount, unit=unit, **at))
    return out
