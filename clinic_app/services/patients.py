"""Registering patients, recording visits, and the chart summary.

A registration form becomes a FHIR Patient (citizen ID or passport or none, Thai and
English names, sex, birth date given in Buddhist-era years, address with DOPA codes,
phone, health-insurance right), with an HN from the unit's counter. Possible duplicates
(the same citizen ID; the same birth date and a similar name) are shown before saving.

A visit form becomes one Encounter with its vital signs (LOINC), diagnosis (ICD-10),
dispensed drug, vaccine and note, saved in one transaction — offline like everything else.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from clinic_app.core import epi
from clinic_app.core.changes import ChangeSet
from clinic_app.core.errors import InvalidInputError, Problem
from clinic_app.core.fhir import Resource, patient_cid
from clinic_app.core.identifiers import (
    CID_SYSTEM,
    EPI_VACCINE_SYSTEM,
    ICD10_TM,
    LOINC,
    OBSERVATION_CATEGORY,
    PASSPORT_SYSTEM,
    UCUM,
    local_system,
)
from clinic_app.core.permissions import Actor, require
from clinic_app.core.places import home_address, is_subdistrict
from clinic_app.core.thai import BE_OFFSET, cid_problem, mask_cid, normalise_cid, age_in_years
from clinic_app.services.catalogs import icd10_codes
from clinic_app.services.records import RecordService
from clinic_app.store.records import RecordStore

# Health-insurance rights: code -> (Thai, English) label.
RIGHTS = {"UCS": ("บัตรทอง (UC)", "Universal Coverage (gold card)"), "SSS": ("ประกันสังคม", "Social Security"),
          "CSMBS": ("ข้าราชการ", "Civil servant (CSMBS)"), "SELF": ("ชำระเอง", "Self-pay")}
RIGHTS_SYSTEM = "https://terms.sil-th.org/CodeSystem/cs-th-health-insurance"

# (low, high) plausible ranges; outside them the form refuses the value.
RANGES = {"systolic": (60, 260), "diastolic": (30, 160), "weight": (0.5, 250), "temperature": (34, 43),
          "pulse": (30, 220)}


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
    prefix: str = ""
    given_en: str = ""
    family_en: str = ""
    house: str = ""
    moo: str = ""
    subdistrict_code: str = ""
    postal_code: str = ""
    phone: str = ""
    right: str = "UCS"

    def birth_date(self) -> _dt.date:
        return _dt.date(self.birth_year_be - BE_OFFSET, self.birth_month, self.birth_day)


def form_problems(form: PatientForm, *, today: _dt.date | None = None) -> list[Problem]:
    """What is wrong with a registration form, each reason in English (Thai in the window)."""
    today = today or _dt.date.today()
    problems: list[Problem] = []
    if form.cid.strip():
        why = cid_problem(form.cid)
        if why:
            problems.append(Problem(None, "cid", why[1]))
    if not form.given_th.strip() or not form.family_th.strip():
        problems.append(Problem(None, "name", "the Thai given name and family name are required"))
    if form.sex not in ("male", "female", "other", "unknown"):
        problems.append(Problem(None, "sex", "choose a sex"))
    try:
        born = form.birth_date()
        if born > today or born.year < today.year - 130:
            problems.append(Problem(None, "birth", "the birth date is in the future or too far back"))
    except ValueError:
        problems.append(Problem(None, "birth", "not a real date (day, month, Buddhist-era year)"))
    if form.phone and not form.phone.replace("-", "").replace(" ", "").isdigit():
        problems.append(Problem(None, "phone", "digits only"))
    if form.subdistrict_code and not is_subdistrict(form.subdistrict_code):
        problems.append(Problem(None, "address", "choose the subdistrict from the list (no such DOPA code)"))
    if form.moo.strip() and not (re.fullmatch(r"[0-9]{1,2}", form.moo.strip()) and int(form.moo) > 0):
        problems.append(Problem(None, "address", "the village number (หมู่) is a number from 1 to 99"))
    if form.postal_code.strip() and not re.fullmatch(r"[0-9]{5}", form.postal_code.strip()):
        problems.append(Problem(None, "address", "a postal code has 5 digits"))
    return problems


def _name_key(patient: Resource) -> str:
    names = patient.get("name") or [{}]
    first = names[0]
    return (" ".join(first.get("given", [])) + " " + first.get("family", "")).strip() or first.get("text", "")


@dataclass
class VisitForm:
    complaint: str = ""
    systolic: float | None = None
    diastolic: float | None = None
    weight: float | None = None
    temperature: float | None = None
    pulse: float | None = None
    diagnosis: str = ""          # ICD-10 code
    drug: str = ""
    drug_amount: float | None = None
    drug_unit: str = "tablet"
    vaccine: str = ""            # EPI code
    note: str = ""
    when: _dt.datetime | None = None


def visit_problems(visit: VisitForm) -> list[Problem]:
    problems = []
    for name, (low, high) in RANGES.items():
        value = getattr(visit, name)
        if value is not None and not low <= value <= high:
            problems.append(Problem(None, name, f"{value:g} is outside {low:g}-{high:g}; check the reading"))
    if (visit.systolic is None) != (visit.diastolic is None):
        problems.append(Problem(None, "blood pressure", "enter both numbers of the blood pressure"))
    elif visit.systolic is not None and visit.diastolic is not None and visit.diastolic >= visit.systolic:
        problems.append(Problem(None, "blood pressure", "the lower number must be below the upper one"))
    if visit.diagnosis and visit.diagnosis not in {d.code for d in icd10_codes()}:
        problems.append(Problem(None, "diagnosis", "choose a code from the list"))
    if visit.vaccine and visit.vaccine not in epi.BY_CODE:
        problems.append(Problem(None, "vaccine", "unknown EPI vaccine code"))
    if not (visit.complaint.strip() or visit.diagnosis or visit.vaccine):
        problems.append(Problem(None, "complaint", "write the chief complaint (or a diagnosis or vaccine)"))
    return problems


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


class PatientService:
    def __init__(self, store: RecordStore, *, actor: Actor) -> None:
        self.store = store
        self.actor = actor
        self.records = RecordService(store, actor=actor.name)

    @property
    def hcode(self) -> str:
        return str(self.store.get_setting("hcode"))

    # -- registration -------------------------------------------------------------------------

    def duplicates(self, form: PatientForm) -> list[Resource]:
        found: dict[str, Resource] = {}
        if form.cid.strip():
            for p in self.store.find_patients("cid", normalise_cid(form.cid)):
                found[p["id"]] = p
        try:
            born = form.birth_date().isoformat()
        except ValueError:
            born = None
        wanted = f"{form.given_th} {form.family_th}".strip()
        if born and len(form.family_th.strip()) >= 3:
            for p in self.store.search_patients(form.family_th.strip(), limit=200):
                similar = difflib.SequenceMatcher(None, _name_key(p), wanted).ratio() >= 0.75
                if p.get("birthDate") == born and similar:
                    found[p["id"]] = p
        return list(found.values())

    def register(self, form: PatientForm, *, allow_duplicates: bool = False) -> Resource:
        require(self.actor, "record.write")
        problems = form_problems(form)
        if problems:
            raise InvalidInputError("ข้อมูลลงทะเบียนไม่ครบหรือไม่ถูกต้อง", "The registration form has problems.",
                                    problems=problems)
        if not allow_duplicates and self.duplicates(form):
            raise InvalidInputError("อาจเป็นผู้ป่วยที่ลงทะเบียนไว้แล้ว โปรดตรวจรายชื่อที่คล้ายกันก่อน",
                                    "This may be a patient registered already; check the similar ones first.",
                                    problems=[Problem(None, "duplicate", "same citizen ID, or same birth date and "
                                                                         "a similar name")])
        with self.store.transaction():
            hn = int(self.store.get_setting("next_hn", 1))
            while self.store.find_patients("hn", f"{hn:07d}"):
                hn += 1
            self.store.set_setting("next_hn", hn + 1)
        patient = self._patient(form, f"{hn:07d}")
        self.records.save_resources([patient], action="register")
        return patient

    def _patient(self, form: PatientForm, hn: str) -> Resource:
        identifiers = [{"system": local_system(self.hcode, "HN"), "value": hn}]
        if form.cid.strip():
            identifiers.insert(0, {"system": CID_SYSTEM, "value": normalise_cid(form.cid)})
        if form.passport.strip():
            identifiers.append({"system": PASSPORT_SYSTEM, "value": form.passport.strip()})
        names = [{"use": "official", "text": f"{form.prefix}{form.given_th} {form.family_th}".strip(),
                  "given": [form.given_th.strip()], "family": form.family_th.strip(),
                  **({"prefix": [form.prefix]} if form.prefix else {})}]
        if form.given_en.strip() or form.family_en.strip():
            names.append({"use": "usual", "text": f"{form.given_en} {form.family_en}".strip(),
                          "given": [form.given_en.strip()], "family": form.family_en.strip()})
        patient: Resource = {"resourceType": "Patient", "id": str(uuid.uuid4()), "identifier": identifiers,
                             "active": True, "name": names, "gender": form.sex,
                             "birthDate": form.birth_date().isoformat(),
                             "managingOrganization": {"reference": f"Organization/{self.hcode}"},
                             "extension": [{"url": "https://terms.sil-th.org/StructureDefinition/health-insurance",
                                            "valueCoding": {"system": RIGHTS_SYSTEM, "code": form.right}}]}
        if form.phone.strip():
            patient["telecom"] = [{"system": "phone", "value": form.phone.strip(), "use": "mobile"}]
        if form.house.strip() or form.moo.strip() or form.subdistrict_code:
            patient["address"] = [home_address(form.subdistrict_code, house=form.house, moo=form.moo,
                                               postal=form.postal_code)]
        return patient

    # -- visits ----------------------------------------------------------------------------------

    def record_visit(self, patient_id: str, visit: VisitForm) -> ChangeSet:
        require(self.actor, "record.write")
        problems = visit_problems(visit)
        if problems:
            raise InvalidInputError("ข้อมูลการตรวจมีค่าที่ต้องตรวจสอบ", "The visit form has values to check.",
                                    problems=problems)
        if self.store.get("Patient", patient_id) is None:
            raise InvalidInputError("ไม่พบผู้ป่วย", "No such patient.")
        when = (visit.when or _dt.datetime.now().astimezone()).isoformat(timespec="seconds")
        subject, eid = {"reference": f"Patient/{patient_id}"}, str(uuid.uuid4())
        enc = {"reference": f"Encounter/{eid}"}
        out: list[Resource] = [{"resourceType": "Encounter", "id": eid, "status": "finished",
                                "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
                                "subject": subject, "period": {"start": when, "end": when},
                                "serviceProvider": {"reference": f"Organization/{self.hcode}"},
                                **({"reasonCode": [{"text": visit.complaint.strip()}]} if visit.complaint.strip() else {})}]

        def vital(code: str, display: str, **value: Any) -> Resource:
            return {"resourceType": "Observation", "id": str(uuid.uuid4()), "status": "final",
                    "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "vital-signs"}]}],
                    "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
                    "subject": subject, "encounter": enc, "effectiveDateTime": when, **value}

        def qty(v: float, unit: str, code: str) -> dict[str, Any]:
            return {"value": v, "unit": unit, "system": UCUM, "code": code}

        if visit.systolic is not None and visit.diastolic is not None:
            out.append(vital("85354-9", "Blood pressure panel", component=[
                {"code": {"coding": [{"system": LOINC, "code": "8480-6"}]}, "valueQuantity": qty(visit.systolic, "mmHg", "mm[Hg]")},
                {"code": {"coding": [{"system": LOINC, "code": "8462-4"}]}, "valueQuantity": qty(visit.diastolic, "mmHg", "mm[Hg]")}]))
        if visit.weight is not None:
            out.append(vital("29463-7", "Body weight", valueQuantity=qty(visit.weight, "kg", "kg")))
        if visit.temperature is not None:
            out.append(vital("8310-5", "Body temperature", valueQuantity=qty(visit.temperature, "Cel", "Cel")))
        if visit.pulse is not None:
            out.append(vital("8867-4", "Heart rate", valueQuantity=qty(visit.pulse, "/min", "/min")))
        if visit.diagnosis:
            dx = next(d for d in icd10_codes() if d.code == visit.diagnosis)
            out.append({"resourceType": "Condition", "id": str(uuid.uuid4()),
                        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category",
                                                  "code": "encounter-diagnosis"}]}],
                        "code": {"coding": [{"system": ICD10_TM, "code": dx.code, "display": dx.title_en}],
                                 "text": dx.title_th},
                        "subject": subject, "encounter": enc, "recordedDate": when})
        if visit.drug.strip():
            out.append({"resourceType": "MedicationDispense", "id": str(uuid.uuid4()), "status": "completed",
                        "medicationCodeableConcept": {"text": visit.drug.strip()}, "subject": subject, "context": enc,
                        "whenHandedOver": when,
                        **({"quantity": {"value": visit.drug_amount, "unit": visit.drug_unit}}
                           if visit.drug_amount else {})})
        if visit.vaccine:
            dose = epi.BY_CODE[visit.vaccine]
            out.append({"resourceType": "Immunization", "id": str(uuid.uuid4()), "status": "completed",
                        "vaccineCode": {"coding": [{"system": EPI_VACCINE_SYSTEM, "code": dose.code, "display": dose.name}]},
                        "patient": subject, "encounter": enc, "occurrenceDateTime": when, "primarySource": True})
        if visit.note.strip():
            out[0]["text"] = {"status": "additional", "div": _div(visit.note.strip())}
        return self.records.save_resources(out, action="record-visit")

    # -- chart --------------------------------------------------------------------------------------

    def chart(self, patient_id: str, *, foreign: list[dict[str, Any]] | None = None,
              today: _dt.date | None = None) -> Chart:
        """The chart: the unit's own records plus, when given, records from other facilities
        (each marked with its facility and the grant it came under)."""
        require(self.actor, "record.read")
        today = today or _dt.date.today()
        resources = self.store.chart(patient_id)
        patient = next((r for r in resources if r["resourceType"] == "Patient"), None)
        if patient is None:
            raise InvalidInputError("ไม่พบผู้ป่วย", "No such patient.")
        items = [(r, None, None) for r in resources] + [(f["resource"], f["facility_name"], f["grant"])
                                                        for f in foreign or []]
        name = (patient.get("name") or [{}])[0].get("text") or _name_key(patient)
        birth = _dt.date.fromisoformat(patient["birthDate"]) if patient.get("birthDate") else None
        cid = patient_cid(patient) or ""
        chart = Chart(patient, name, age_in_years(birth, today) if birth else None,
                      mask_cid(cid) if cid else "-",
                      [a.get("code", {}).get("text") or "?" for a, _, _ in items if a["resourceType"] == "AllergyIntolerance"])
        by_encounter: dict[str, list[Resource]] = {}
        for r, _, _ in items:
            ref = (r.get("encounter") or r.get("context") or {}).get("reference", "")
            if ref.startswith("Encounter/"):
                by_encounter.setdefault(ref.split("/", 1)[1], []).append(r)
        for r, facility, grant in items:
            if r["resourceType"] != "Encounter":
                continue
            parts = by_encounter.get(r["id"], [])
            dx = [c["code"].get("text") or c["code"]["coding"][0].get("display", "") for c in parts
                  if c["resourceType"] == "Condition"]
            chart.visits.append({"when": (r.get("period") or {}).get("start", ""), "facility": facility,
                                 "grant": grant, "complaint": "; ".join(x.get("text", "") for x in r.get("reasonCode", [])),
                                 "diagnosis": "; ".join(dx)})
            row = {"date": ((r.get("period") or {}).get("start") or "")[:10], "sbp": None, "dbp": None, "weight": None}
            for o in parts:
                if o["resourceType"] != "Observation":
                    continue
                code = o["code"]["coding"][0]["code"]
                if code == "85354-9":
                    row["sbp"], row["dbp"] = (c["valueQuantity"]["value"] for c in o["component"][:2])
                elif code == "29463-7":
                    row["weight"] = o["valueQuantity"]["value"]
            if row["sbp"] is not None or row["weight"] is not None:
                chart.vitals.append(row)
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


def _div(text: str) -> str:
    import html

    return f'<div xmlns="http://www.w3.org/1999/xhtml">{html.escape(text)}</div>'
