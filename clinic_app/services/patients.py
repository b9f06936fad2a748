"""Registering patients, recording visits, and the chart summary.

A registration form becomes a FHIR Patient (citizen ID or passport or none, Thai and
English names, sex, birth date given in Buddhist-era years, address with DOPA codes,
phone, health-insurance right), with an HN from the unit's counter. Possible duplicates
(the same citizen ID; the same birth date and a similar name) are shown before saving.

A visit form becomes one Encounter with its vital signs (LOINC), diagnosis (ICD-10),
dispensed drug, vaccine and note, saved in one transaction — offline like everything else.
"""

from __future__ import annotations

import base64
import datetime as _dt
import difflib
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from clinic_app.core import builders as build
from clinic_app.core import epi
from clinic_app.core.changes import ChangeSet, Done
from clinic_app.core.errors import InvalidInputError, Problem
from clinic_app.core.fhir import Resource, entered_in_error, patient_cid
from clinic_app.core.identifiers import (
    DIAGTYPE_SYSTEM,
    NATIONALITY_EXTENSION,
    OLD_DIAGTYPE_SYSTEM,
    PERSON_STATUS_EXTENSION,
)
from clinic_app.core.identity import disagreements
from clinic_app.core.worklist import BLOOD_SUGAR, own_hn, typearea
from clinic_app.core.permissions import require
from clinic_app.core.places import address_codes, home_address, is_subdistrict
from clinic_app.core.thai import (
    BE_OFFSET,
    BIRTH_ESTIMATED_URL,
    EN_PREFIXES,
    PREFIX_CODES,
    age_in_years,
    birth_date_of,
    birth_estimated,
    cid_problem,
    has_thai,
    mask_cid,
    normalise_cid,
)
from clinic_app.services.catalogs import icd9_by_code, icd10_by_code
from clinic_app.services.duplicates import current_patient_id, merged_patient_ids
from clinic_app.services.records import UseCases
from clinic_app.services.visits import VisitForm, VisitService


# The PERSON fields the correction form sets: kept values of them (f43_fields) give way to the form's.
CORRECTED_F43_FIELDS = ("CID", "PRENAME", "NAME", "LNAME", "SEX", "BIRTH", "PASSPORT", "MOBILE", "TELEPHONE")
# Health-insurance rights: code -> (Thai, English) label.
RIGHTS = {"UCS": ("บัตรทอง (UC)", "Universal Coverage (gold card)"), "SSS": ("ประกันสังคม", "Social Security"),
          "CSMBS": ("ข้าราชการ", "Civil servant (CSMBS)"), "SELF": ("ชำระเอง", "Self-pay")}

class AlreadyRegisteredError(InvalidInputError):
    """One citizen ID is one patient: the record already here is to be opened, not doubled."""

    code = "already-registered"

    def __init__(self, patient: Resource) -> None:
        super().__init__("เลขประจำตัวประชาชนนี้ลงทะเบียนไว้แล้ว โปรดเปิดแฟ้มเดิม ไม่ต้องลงทะเบียนซ้ำ",
                         "This citizen ID is registered already: open that record instead of registering again.",
                         problems=[Problem(None, "cid", "registered already", "ลงทะเบียนไว้แล้ว")])
        self.patient = patient


# TYPEAREA (cs-thcc-person-status), as the registration form offers it: (Thai, English)
PERSON_STATUSES = {
    "": ("- ยังไม่ระบุ", "- not given"),
    "1": ("1 มีชื่อในทะเบียนบ้านในเขต และอยู่จริง", "1 Registered in the area and lives here"),
    "2": ("2 มีชื่อในทะเบียนบ้านในเขต แต่ตัวไม่อยู่", "2 Registered in the area, lives elsewhere"),
    "3": ("3 อยู่ในเขต แต่ทะเบียนบ้านอยู่นอกเขต", "3 Lives in the area, registered outside it"),
    "4": ("4 อยู่นอกเขต มารับบริการ", "4 Lives outside the area, came for care"),
    "5": ("5 อยู่ในเขต ไม่มีทะเบียนบ้านในเขต (เช่น คนเร่ร่อน)", "5 In the area with no house registration there"),
}
TYPEAREAS = frozenset(code for code in PERSON_STATUSES if code)
THAI_NATION = "099"  # cs-thcc-nationality: ไทย
# The nationality (cs-thcc-nationality) of a passport's issuing country, for the countries the
# registration form offers (ui/register.py passport_countries): a passport is its holder's
# nationality's.
NATION_BY_PASSPORT = {"THA": THAI_NATION, "MMR": "048", "LAO": "056", "KHM": "057", "VNM": "046", "CHN": "044",
                      "MYS": "050"}

@dataclass
class PatientForm:
    given_th: str
    family_th: str
    sex: str
    birth_day: int
    birth_month: int
    birth_year_be: int
    cid: str = ""
    passport: str = ""
    passport_country: str = ""  # ISO 3166 alpha-3 of the issuing country; "" when not known
    prefix: str = ""
    given_en: str = ""
    family_en: str = ""
    house: str = ""
    moo: str = ""
    subdistrict_code: str = ""
    postal_code: str = ""
    phone: str = ""
    right: str = "UCS"
    age_years: int | None = None  # an age the person estimated, when the birth year is not known
    typearea: str = ""  # 43-file TYPEAREA (cs-thcc-person-status 1-5: where the person lives, as HDC counts them); "" not asked
    photo: bytes = field(default=b"", repr=False)  # a JPEG from the ID card, kept when the unit keeps photos

    # 0 in birth_day, birth_month or birth_year_be: not known. A birth date is at least its
    # year, or an estimated age; it is kept as FHIR keeps a partial date (core/thai.py).

    @property
    def estimated(self) -> bool:
        return not self.birth_year_be and self.age_years is not None

    def birth_text(self, *, today: _dt.date | None = None) -> str:
        """The FHIR birthDate: "1985-03-12", "1985-03" or "1985"; ValueError when there is
        no year (nor an age), a day without its month, or a date that does not exist."""
        if self.estimated:
            return f"{(today or _dt.date.today()).year - int(self.age_years or 0):04d}"
        if not self.birth_year_be:
            raise ValueError("no birth year")
        year = self.birth_year_be - BE_OFFSET
        if self.birth_month and self.birth_day:
            return _dt.date(year, self.birth_month, self.birth_day).isoformat()
        if self.birth_day:
            raise ValueError("a day without its month")
        _dt.date(year, self.birth_month or 1, 1)  # a real year and month
        return f"{year:04d}-{self.birth_month:02d}" if self.birth_month else f"{year:04d}"

    def birth_date(self, *, today: _dt.date | None = None) -> _dt.date:
        """The birth date as a whole date (a partial one at the middle of what is known)."""
        born = birth_date_of({"birthDate": self.birth_text(today=today)})
        if born is None:
            raise ValueError("not a date")
        return born


def _statuses(patient: Resource) -> list[Any]:
    """The person status (TYPEAREA) and nationality extensions of a Patient, in order."""
    return [e for e in patient.get("extension") or [] if e.get("url") in (PERSON_STATUS_EXTENSION, NATIONALITY_EXTENSION)]


def _photo(patient: Resource) -> bytes:
    """The patient's photo (from the ID card) as JPEG bytes, b"" when there is none."""
    for photo in patient.get("photo") or []:
        try:
            return base64.b64decode(str(photo.get("data") or ""), validate=True)
        except ValueError:
            return b""
    return b""


def form_problems(form: PatientForm, *, today: _dt.date | None = None) -> list[Problem]:
    """What is wrong with a registration form, each reason in English and in Thai."""
    today = today or _dt.date.today()
    problems: list[Problem] = []
    if form.typearea and form.typearea not in TYPEAREAS:
        problems.append(Problem(None, "typearea", "the person's status (TYPEAREA) is 1-5",
                                "สถานะบุคคล (TYPEAREA) คือ 1-5"))
    if form.cid.strip():
        why = cid_problem(form.cid)
        if why:
            problems.append(Problem(None, "cid", why[1], why[0]))
    if not form.given_th.strip() or not form.family_th.strip():
        problems.append(Problem(None, "name", "the Thai given name and family name are required",
                                "ต้องกรอกชื่อและนามสกุลภาษาไทย"))
    if bool(form.given_en.strip()) != bool(form.family_en.strip()):
        problems.append(Problem(None, "name", "the English given name and family name go together (both or neither)",
                                "ชื่อและนามสกุลภาษาอังกฤษต้องกรอกทั้งสองช่อง หรือเว้นว่างทั้งสองช่อง"))
    if form.sex not in ("male", "female", "other", "unknown"):
        problems.append(Problem(None, "sex", "choose a sex", "โปรดเลือกเพศ"))
    if not form.birth_year_be and form.age_years is None:
        problems.append(Problem(None, "birth", "enter the birth date (at least its Buddhist-era year) or an "
                                "estimated age", "กรอกวันเกิด (อย่างน้อยปี พ.ศ.) หรืออายุโดยประมาณ"))
    else:
        try:
            born = form.birth_date(today=today)
            if born.year > today.year or (len(form.birth_text(today=today)) == 10 and born > today) \
                    or born.year < today.year - 130:
                problems.append(Problem(None, "birth", "the birth date is in the future or too far back",
                                        "วันเกิดอยู่ในอนาคตหรือย้อนหลังเกินไป"))
        except ValueError:
            problems.append(Problem(None, "birth", "not a real date (day, month, Buddhist-era year; a day needs "
                                    "its month)", "ไม่ใช่วันที่ที่มีจริง (วัน เดือน ปี พ.ศ. ถ้าใส่วันต้องใส่เดือนด้วย)"))
    if form.phone and not form.phone.replace("-", "").replace(" ", "").isdigit():
        problems.append(Problem(None, "phone", "digits only", "ใส่ได้เฉพาะตัวเลข"))
    if form.subdistrict_code and not is_subdistrict(form.subdistrict_code):
        problems.append(Problem(None, "address", "choose the subdistrict from the list (no such DOPA code)",
                                "โปรดเลือกตำบลจากรายการ (ไม่มีรหัสตำบลนี้)"))
    if form.moo.strip() and not (re.fullmatch(r"[0-9]{1,2}", form.moo.strip()) and int(form.moo) > 0):
        problems.append(Problem(None, "address", "the village number (moo) is a number from 1 to 99",
                                "หมู่ที่ต้องเป็นตัวเลข 1 ถึง 99"))
    if form.postal_code.strip() and not re.fullmatch(r"[0-9]{5}", form.postal_code.strip()):
        problems.append(Problem(None, "address", "a postal code has 5 digits", "รหัสไปรษณีย์มี 5 หลัก"))
    return problems


def _name_key(patient: Resource) -> str:
    names = patient.get("name") or [{}]
    first = names[0]
    return (" ".join(first.get("given", [])) + " " + first.get("family", "")).strip() or first.get("text", "")


@dataclass
class Chart:
    patient: Resource
    name: str
    age: int | None  # whole years; None without a birth date
    masked_cid: str
    allergies: list[str]
    # newest first; "facility" is None for this unit's own visits
    visits: list[dict[str, Any]] = field(default_factory=list)
    vitals: list[dict[str, Any]] = field(default_factory=list)   # oldest first: date, sbp, dbp, weight
    # date, code, dose (an epi.Dose, None for a code outside the schedule), facility
    immunizations: list[dict[str, Any]] = field(default_factory=list)
    due: list[epi.Dose] = field(default_factory=list)
    # Other facilities whose record of this citizen ID disagrees with ours on name, sex or
    # birth date: facility, facility_name, foreign_id, differences [(what, ours, theirs)],
    # decision (None: not decided yet, "same", "set-aside"), actor, decided_at. The records
    # of a facility not decided yet or set aside are not in the chart.
    identity: list[dict[str, Any]] = field(default_factory=list)
    age_estimated: bool = False  # the birth date is an estimate or known only to its year/month
    allergy_records: list[Resource] = field(default_factory=list)  # the active AllergyIntolerances
    appointments: list[dict[str, Any]] = field(default_factory=list)  # booked, from today: day, reason, id
    voided: int = 0  # visits entered in error (not in `visits` unless asked for)
    referrals: list[Any] = field(default_factory=list)  # services/referrals.py ReferralRow, newest first


class PatientService(UseCases):
    # -- registration -------------------------------------------------------------------------

    def duplicates(self, form: PatientForm) -> list[Resource]:
        found: dict[str, Resource] = {}
        if form.cid.strip():
            for p in self.store.find_patients("cid", normalise_cid(form.cid)):
                found[p["id"]] = p
        try:
            born = form.birth_text()
        except ValueError:
            born = None
        wanted = f"{form.given_th} {form.family_th}".strip()
        if born and len(form.family_th.strip()) >= 3:
            for p in self.store.search_patients(form.family_th.strip(), limit=200):
                similar = difflib.SequenceMatcher(None, _name_key(p), wanted).ratio() >= 0.75
                if p.get("birthDate") == born and similar:
                    found[p["id"]] = p
        return list(found.values())

    def register(self, form: PatientForm, *, allow_duplicates: bool = False) -> Done[Resource]:
        """A new patient with the next HN: the counter and the record in one transaction, so
        a failure in between neither skips an HN nor leaves a patient without one."""
        require(self.actor, "record.write")
        problems = form_problems(form)
        if problems:
            raise InvalidInputError("ข้อมูลลงทะเบียนไม่ครบหรือไม่ถูกต้อง", "The registration form has problems.",
                                    problems=problems)
        same_cid = self.store.find_patients("cid", normalise_cid(form.cid)) if form.cid.strip() else []
        if same_cid:  # never, even when the clerk said "register anyway" to a similar name
            raise AlreadyRegisteredError(same_cid[0])
        if not allow_duplicates and self.duplicates(form):
            raise InvalidInputError("อาจเป็นผู้ป่วยที่ลงทะเบียนไว้แล้ว โปรดตรวจรายชื่อที่คล้ายกันก่อน",
                                    "This may be a patient registered already; check the similar ones first.",
                                    problems=[Problem(None, "duplicate", "same citizen ID, or same birth date and "
                                                                         "a similar name",
                                                      "เลขประจำตัวประชาชนเดียวกัน หรือวันเกิดเดียวกันและชื่อคล้ายกัน")])
        with self.store.transaction():
            hn = int(self.store.settings.get("next_hn"))
            while self.store.find_patients("hn", f"{hn:07d}"):
                hn += 1
            self.store.settings.set("next_hn", hn + 1)
            patient = self._patient(form, f"{hn:07d}")
            right = build.coverage(form.right, id=str(uuid.uuid4()), beneficiary=build.reference("Patient", patient["id"]))
            changes = self.records.write([patient, right], action="register")
        return Done(patient, changes)

    def form_of(self, patient_id: str) -> PatientForm:
        """A patient's details as the registration form shows them (for a correction)."""
        require(self.actor, "record.read")
        patient = self.store.get("Patient", patient_id)
        if patient is None:
            raise InvalidInputError("ไม่พบผู้ป่วย", "No such patient.")
        names = patient.get("name") or []
        th = next((n for n in names if _language(n) == "th"), names[0] if names else {})
        en = next((n for n in names if _language(n) == "en"), {})
        text = patient.get("birthDate") or ""
        year, month, day = (text.split("-") + ["", "", ""])[:3]
        # an estimate only when marked so: a birth year known without its day is a known year
        estimated = len(text) == 4 and any(e.get("url") == BIRTH_ESTIMATED_URL and e.get("valueBoolean")
                                           for e in (patient.get("_birthDate") or {}).get("extension") or [])
        address = (patient.get("address") or [{}])[0]
        subdistrict, village = address_codes(address)
        house = next((str(part.get("valueString") or "") for ext in address.get("extension") or []
                      for part in ext.get("extension") or [] if part.get("url") == "number"), "")
        cid = patient_cid(patient) or ""
        passport = next((i for i in patient.get("identifier") or []
                         if ((i.get("type") or {}).get("coding") or [{}])[0].get("code") == "PPN"), {})
        right = self._right(patient_id)
        return PatientForm(
            given_th=" ".join(th.get("given") or []), family_th=th.get("family") or "", sex=patient.get("gender") or "unknown",
            birth_day=int(day) if day else 0, birth_month=int(month) if month else 0,
            birth_year_be=0 if estimated or not year else int(year) + BE_OFFSET, cid=cid,
            passport=str(passport.get("value") or ""), prefix=(th.get("prefix") or [""])[0],
            passport_country=_passport_country(str(passport.get("system") or "")),
            given_en=" ".join(en.get("given") or []), family_en=en.get("family") or "", house=house, moo=village,
            subdistrict_code=subdistrict, postal_code=address.get("postalCode") or "",
            phone=next((t.get("value") or "" for t in patient.get("telecom") or [] if t.get("system") == "phone"), ""),
            right=right or "UCS",
            age_years=(_dt.date.today().year - int(year)) if estimated and year else None,
            typearea=typearea(patient), photo=_photo(patient))

    def _right(self, patient_id: str) -> str | None:
        for coverage in self.store.chart(patient_id):
            if coverage["resourceType"] == "Coverage":
                for coding in (coverage.get("type") or {}).get("coding") or []:
                    if coding.get("code") in build.RIGHT_BY_CODE:
                        return build.RIGHT_BY_CODE[coding["code"]]
        return None

    def update(self, patient_id: str, form: PatientForm) -> Done[Resource]:
        """Correct a patient's details: a new version of the same record (the id, HN and
        any other identifier kept), the right's Coverage changed with it; the audit entry
        names the details that changed, not their values."""
        from clinic_app.interop import f43_fields, f43_homes  # loaded when first needed, not at start-up

        require(self.actor, "record.write")
        old = self.store.get("Patient", patient_id)
        if old is None:
            raise InvalidInputError("ไม่พบผู้ป่วย", "No such patient.")
        problems = form_problems(form)
        if problems:
            raise InvalidInputError("ข้อมูลผู้ป่วยไม่ครบหรือไม่ถูกต้อง", "The patient's details have problems.",
                                    problems=problems)
        cid = normalise_cid(form.cid) if form.cid.strip() else ""
        if cid and any(p["id"] != patient_id for p in self.store.find_patients("cid", cid)):
            raise AlreadyRegisteredError(next(p for p in self.store.find_patients("cid", cid) if p["id"] != patient_id))
        hn = own_hn(old)  # the record's own HN, not one it kept from a merge
        fresh = self._patient(form, hn)
        # the HNs of records merged into this one (`use: old`) stay: they still find the person
        kept = [i for i in old.get("identifier") or []
                if not (str(i.get("system", "")).endswith("/HN") and i.get("use") != "old")
                and not self.store.systems.is_cid(i.get("system"))
                and ((i.get("type") or {}).get("coding") or [{}])[0].get("code") != "PPN"]
        new = {**old, **{k: v for k, v in fresh.items() if k not in ("id", "meta", "extension")}}
        new["identifier"] = [i for i in fresh["identifier"] if i.get("value")] + kept  # no HN: none made up empty
        for key in ("telecom", "address", "_birthDate"):
            if key not in fresh:
                new.pop(key, None)
        # a person read from the 43 files keeps their household and home phone (TELEPHONE: the form
        # has one phone, the mobile), and goes out again as corrected here
        f43_homes.carry_household(old, new)
        f43_homes.carry_home_phone(old, new)
        # the form's person status replaces the old one (a form without one leaves it); the
        # nationality a citizen ID says only where none was recorded; each in its place, so
        # saving what did not change changes nothing
        had = {e.get("url") for e in old.get("extension") or []}
        given = {e["url"]: e for e in fresh.get("extension") or [] if e["url"] != NATIONALITY_EXTENSION or e["url"] not in had}
        if given:
            extensions = [given.get(str(e.get("url")), e) for e in new.get("extension") or []]
            new["extension"] = extensions + [e for url, e in given.items() if url not in had]
        # what the form set goes out as set, not the field the 43 file had
        f43_fields.touched(new, *CORRECTED_F43_FIELDS, *(name for name, url in (
            ("TYPEAREA", PERSON_STATUS_EXTENSION), ("NATION", NATIONALITY_EXTENSION)) if url in given))
        changed = sorted(k for k in ("name", "gender", "birthDate", "identifier", "address", "telecom")
                         if old.get(k) != new.get(k))
        if _statuses(old) != _statuses(new):
            changed.append("person-status")
        out = [new]
        if self._right(patient_id) != form.right:
            coverage = next((c for c in self.store.chart(patient_id) if c["resourceType"] == "Coverage"), None)
            built = build.coverage(form.right, id=coverage["id"] if coverage else str(uuid.uuid4()),
                                   beneficiary=build.reference("Patient", patient_id))
            out.append(built)
            changed.append("right")
        if not changed:
            return Done(old, ChangeSet())
        with self.store.transaction():
            changes = self.records.write(out, action="update-patient", entity=("Patient", patient_id),
                                         detail={"changed": changed})
        return Done(new, changes)

    def _patient(self, form: PatientForm, hn: str) -> Resource:
        from clinic_app.interop import f43_homes

        identifiers = [build.local_identifier(self.hcode, "HN", hn)]
        if form.cid.strip():
            identifiers.insert(0, build.cid_identifier(normalise_cid(form.cid)))
        if form.passport.strip():
            identifiers.append(build.passport_identifier(form.passport.strip(), form.passport_country or None))
        code = PREFIX_CODES.get(form.prefix.strip())
        names = [build.human_name(form.given_th, form.family_th, prefix=form.prefix, prefix_code=code)]
        if form.given_en.strip() or form.family_en.strip():
            english_prefix = EN_PREFIXES.get(code[0], "") if code else ""
            names.append(build.human_name(form.given_en, form.family_en, language="en", prefix=english_prefix,
                                          text=f"{english_prefix} {form.given_en.strip()} {form.family_en.strip()}".strip()))
        address = None
        if form.house.strip() or form.moo.strip() or form.subdistrict_code:
            address = home_address(form.subdistrict_code, house=form.house, moo=form.moo, postal=form.postal_code)
        patient = build.patient(
            id=str(uuid.uuid4()), identifiers=identifiers, names=names, gender=form.sex,
            birth_date=form.birth_text(), hcode=self.hcode,
            phone=build.phone(form.phone.strip()) if form.phone.strip() else None, address=address)
        if form.photo:  # from the ID card: JPEG, in the record (encrypted here like all of it)
            patient["photo"] = [{"contentType": "image/jpeg", "data": base64.b64encode(form.photo).decode("ascii")}]
        if form.estimated:  # the year from an age the person gave: marked so no one reads it as known
            patient["_birthDate"] = {"extension": [{"url": BIRTH_ESTIMATED_URL, "valueBoolean": True}]}
        # TYPEAREA as the form says; NATION (HDC requires it): Thai (099) for a citizen ID of
        # DOPA's categories 1-5 (Thai nationals), else the nationality of the passport's
        # issuing country when the form names one (NATION_BY_PASSPORT), else not known
        cid = normalise_cid(form.cid) if form.cid.strip() else ""
        nation = THAI_NATION if cid[:1] in "12345" and cid else NATION_BY_PASSPORT.get(form.passport_country, "")
        f43_homes.patient_homes(patient, {"TYPEAREA": form.typearea, "NATION": nation}, self.hcode)
        return patient

    # -- visits ----------------------------------------------------------------------------------

    def record_visit(self, patient_id: str, visit: VisitForm) -> ChangeSet:
        """A whole visit saved in one go (services/visits.py: VisitService.save)."""
        return VisitService(self.store, actor=self.actor).save(patient_id, visit).changes

    # -- chart --------------------------------------------------------------------------------------

    def _identity(self, patient: Resource, foreign: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], set[str]]:
        """Other facilities' records of this person that disagree with ours, with what a
        clinician decided; and the facilities whose records stay out of the chart."""
        decided = self.store.grants.identity_decisions(patient["id"])
        out = []
        for f in foreign:
            theirs = f["resource"]
            if theirs.get("resourceType") != "Patient":
                continue
            differences = disagreements(patient, theirs)
            if not differences:
                continue
            decision = decided.get((f["facility"], theirs.get("id")), {})
            out.append({"facility": f["facility"], "facility_name": f["facility_name"], "foreign_id": theirs.get("id"),
                        "differences": differences, "decision": decision.get("decision"),
                        "actor": decision.get("actor"), "decided_at": decision.get("decided_at")})
        return out, _held(out)

    def decide_identity(self, patient_id: str, facility: str, foreign_id: str, *, same: bool) -> ChangeSet:
        """A clinician's answer to "is this the same person?": the same (the records show)
        or not (they stay set aside). Audited; it can be answered again."""
        require(self.actor, "foreign.view")
        if self.store.get("Patient", patient_id) is None:
            raise InvalidInputError("ไม่พบผู้ป่วย", "No such patient.")
        decision = "same" if same else "set-aside"
        with self.store.transaction():
            self.store.grants.decide_identity(patient_id, facility, foreign_id, decision, self.actor.name)
            self.store.audit.append(actor=self.actor.name, action=f"identity-{decision}", entity_type="Patient",
                                    entity_id=patient_id, detail={"facility": facility})
        changes = ChangeSet(grants=True)
        changes.patient_ids.add(patient_id)
        return changes

    def chart(self, patient_id: str, *, foreign: list[dict[str, Any]] | None = None,
              today: _dt.date | None = None, include_voided: bool = False) -> Chart:
        """The chart: the unit's own records plus, when given, records from other facilities
        (each marked with its facility and the grant it came under). A record merged into
        another opens that one, with what is still filed under the records it replaced.
        Records entered in error are left out (with `include_voided`, visits entered in
        error are listed, marked "voided"); a visit still on today's list is "open"."""
        require(self.actor, "record.read")
        today = today or _dt.date.today()
        patient_id = current_patient_id(self.store, patient_id)
        resources = self.store.chart(patient_id)
        for merged in merged_patient_ids(self.store, patient_id):
            resources += [r for r in self.store.chart(merged) if r["resourceType"] != "Patient"]
        patient = next((r for r in resources if r["resourceType"] == "Patient"), None)
        if patient is None:
            raise InvalidInputError("ไม่พบผู้ป่วย", "No such patient.")
        identity, held = self._identity(patient, foreign or [])
        voided = [r for r in resources if r["resourceType"] == "Encounter" and entered_in_error(r)]
        resources = [r for r in resources if not entered_in_error(r)]
        items = [(r, None, None) for r in resources] + [(f["resource"], f["facility_name"], f["grant"])
                                                        for f in foreign or [] if f["facility"] not in held
                                                        and not entered_in_error(f["resource"])]
        name = (patient.get("name") or [{}])[0].get("text") or _name_key(patient)
        birth = birth_date_of(patient)
        cid = patient_cid(patient) or ""
        allergies = [a for a, _, _ in items if a["resourceType"] == "AllergyIntolerance"
                     and ((a.get("clinicalStatus") or {}).get("coding") or [{}])[0].get("code") in (None, "active")]
        chart = Chart(patient, name, age_in_years(birth, today) if birth else None,
                      mask_cid(cid) if cid else "-", [a.get("code", {}).get("text") or "?" for a in allergies])
        chart.allergy_records = allergies
        chart.appointments = sorted(({"day": a.get("start", "")[:10], "reason": a.get("description", ""), "id": a["id"]}
                                     for a, facility, _ in items if a["resourceType"] == "Appointment"
                                     and facility is None and a.get("status") == "booked"
                                     and a.get("start", "")[:10] >= today.isoformat()), key=lambda a: a["day"])
        chart.identity = identity
        chart.age_estimated = birth_estimated(patient)
        by_encounter: dict[str, list[Resource]] = {}
        for r, _, _ in items:
            ref = (r.get("encounter") or r.get("context") or {}).get("reference", "")
            if ref.startswith("Encounter/"):
                by_encounter.setdefault(ref.split("/", 1)[1], []).append(r)
        for r, facility, grant in items:
            if r["resourceType"] != "Encounter":
                continue
            parts = by_encounter.get(r["id"], [])
            chart.visits.append({"when": (r.get("period") or {}).get("start", ""), "facility": facility,
                                 "grant": grant, "complaint": "; ".join(x.get("text", "") for x in r.get("reasonCode", [])),
                                 "voided": False, "open": r.get("status") in ("planned", "arrived", "in-progress"),
                                 **visit_details(r, parts)})
            row = {"date": ((r.get("period") or {}).get("start") or "")[:10], "sbp": None, "dbp": None, "weight": None}
            for o in parts:
                if o["resourceType"] != "Observation":
                    continue
                code = o["code"]["coding"][0]["code"]
                if code == build.BLOOD_PRESSURE_PANEL[0]:
                    # by each reading's code: another facility's panel may list them in any order
                    parts_by_code = {(c.get("code", {}).get("coding") or [{}])[0].get("code"):
                                     (c.get("valueQuantity") or {}).get("value") for c in o.get("component", [])}
                    row["sbp"] = parts_by_code.get(build.VITAL_SIGNS["systolic"].code)
                    row["dbp"] = parts_by_code.get(build.VITAL_SIGNS["diastolic"].code)
                elif code == build.VITAL_SIGNS["weight"].code:
                    row["weight"] = (o.get("valueQuantity") or {}).get("value")
            if row["sbp"] is not None or row["weight"] is not None:
                chart.vitals.append(row)
        if include_voided:
            chart.visits += [{"when": (r.get("period") or {}).get("start", ""), "facility": None, "grant": None,
                              "complaint": "; ".join(x.get("text", "") for x in r.get("reasonCode", [])),
                              "voided": True, "open": False, **visit_details(r, [])} for r in voided]
        chart.voided = len(voided)
        chart.visits.sort(key=lambda v: v["when"], reverse=True)
        chart.vitals.sort(key=lambda v: v["date"])
        given = set()
        for r, facility, _ in items:
            if r["resourceType"] == "Immunization":
                code = r["vaccineCode"]["coding"][0]["code"]
                given.add(code)
                chart.immunizations.append({"date": r.get("occurrenceDateTime", "")[:10], "code": code,
                                            "dose": epi.BY_CODE.get(code), "facility": facility})
        chart.immunizations.sort(key=lambda i: i["date"])
        if birth:
            chart.due = epi.due(birth, given, today)
        return chart


def _held(identity: list[dict[str, Any]]) -> set[str]:
    return {i["facility"] for i in identity if i["decision"] != "same"}


def visit_details(encounter: Resource, parts: list[Resource]) -> dict[str, Any]:
    """What one visit holds, for the chart's list and its details: "id"; "diagnoses" as
    {code, th, en, type} (titles from the shipped ICD-10 list by code, else what the record says;
    "th" empty where no Thai title is known); "vitals" as (kind, value, unit) with kind a key
    of VITAL_SIGNS or "blood pressure" (value "120/80"); "drugs" and "vaccines" as
    {code, text, amount, unit}; "note" (the visit's own words, without markup)."""
    titles = icd10_by_code()
    out: dict[str, Any] = {"id": encounter.get("id"), "diagnoses": [], "vitals": [], "drugs": [],
                           "vaccines": [], "procedures": [], "note": _text_of(encounter)}
    shown_unit = {"Cel": "°C"}  # UCUM's code as people write it
    kinds = {sign.code: (kind, shown_unit.get(sign.unit, sign.unit)) for kind, sign in build.VITAL_SIGNS.items()}
    for r in parts:
        kind = r["resourceType"]
        if kind == "Condition":
            coding = next(iter((r.get("code") or {}).get("coding") or []), {})
            code = str(coding.get("code") or "")
            known = titles.get(code)
            text = (r.get("code") or {}).get("text") or ""
            th = known.title_th if known else (text if has_thai(text) else "")
            en = known.title_en if known else (coding.get("display") or ("" if has_thai(text) else text))
            kind = next((c.get("code") for cat in r.get("category") or [] for c in cat.get("coding") or []
                         if c.get("system") in (DIAGTYPE_SYSTEM, OLD_DIAGTYPE_SYSTEM)), "")
            out["diagnoses"].append({"code": code, "th": th, "en": en, "type": kind or ""})
        elif kind == "Observation":
            code = ((r.get("code") or {}).get("coding") or [{}])[0].get("code")
            if code == build.BLOOD_PRESSURE_PANEL[0]:
                by_code = {((c.get("code") or {}).get("coding") or [{}])[0].get("code"):
                           (c.get("valueQuantity") or {}).get("value") for c in r.get("component", [])}
                sbp, dbp = by_code.get(build.VITAL_SIGNS["systolic"].code), by_code.get(build.VITAL_SIGNS["diastolic"].code)
                if sbp is not None and dbp is not None:
                    out["vitals"].append(("blood pressure", f"{sbp:g}/{dbp:g}", "mmHg"))
            elif code in BLOOD_SUGAR and (r.get("valueQuantity") or {}).get("value") is not None:
                out["vitals"].append(("blood_sugar", f"{r['valueQuantity']['value']:g}", "mg/dL"))
            elif code in kinds and (r.get("valueQuantity") or {}).get("value") is not None:
                sign_kind, unit = kinds[code]
                out["vitals"].append((sign_kind, f"{r['valueQuantity']['value']:g}", unit))
        elif kind == "MedicationDispense":
            concept = r.get("medicationCodeableConcept") or {}
            coding = next(iter(concept.get("coding") or []), {})
            quantity = r.get("quantity") or {}
            out["drugs"].append({"code": coding.get("code") or "", "text": concept.get("text") or coding.get("display") or "",
                                 "amount": quantity.get("value"), "unit": quantity.get("unit") or "",
                                 "label": ((r.get("dosageInstruction") or [{}])[0]).get("text") or "",
                                 "days": (r.get("daysSupply") or {}).get("value"),
                                 "coded": bool(concept.get("coding"))})
        elif kind == "Procedure":
            coding = next(iter((r.get("code") or {}).get("coding") or []), {})
            code = str(coding.get("code") or "")
            known = icd9_by_code().get(code)
            out["procedures"].append({"code": code, "th": known.title_th if known else (r.get("code") or {}).get("text", ""),
                                      "en": known.title_en if known else coding.get("display") or ""})
        elif kind == "Immunization":
            coding = next(iter((r.get("vaccineCode") or {}).get("coding") or []), {})
            out["vaccines"].append({"code": coding.get("code") or "", "dose": epi.BY_CODE.get(coding.get("code") or ""),
                                    "text": coding.get("display") or ""})
    return out


def _text_of(resource: Resource) -> str:
    """A resource's narrative as plain text (the note a visit was saved with)."""
    import html

    div = (resource.get("text") or {}).get("div") or ""
    return html.unescape(re.sub(r"<[^>]+>", "", div)).strip()


def _passport_country(system: str) -> str:
    """The issuing country (ISO 3166 alpha-3) a passport's system names; "" when it names none."""
    prefix = "http://hl7.org/fhir/sid/passport-"
    code = system[len(prefix):] if system.startswith(prefix) else ""
    return code if len(code) == 3 and code.isalpha() else ""


def _language(name: dict[str, Any]) -> str:
    return next((str(e.get("valueCode")) for e in name.get("extension") or [] if e.get("url", "").endswith("/language")), "")
