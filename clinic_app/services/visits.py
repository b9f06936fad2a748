"""A day's work at the desk: today's list, the visit from arrival to done, allergies,
appointments, corrections and visits entered in error.

Today's list is the day's Encounters and the Appointments due today. A clerk puts a
patient on it (`check_in`: an Encounter, status arrived; the patient's appointment today
is kept, fulfilled); the nurse opens the visit (`open_visit`: in-progress, with who sees
the patient) and saves it (`save`: finished, with every part). Each step is one
transaction, offline, queued for the hub, so the list on one desktop is the list on the
unit's others after a sync.

A visit (`VisitForm`) holds vital signs and blood sugar, several diagnoses each with its
43-file DIAGTYPE, several drugs (from the unit's drug list, or written freely and kept as
text alone), procedures (ICD-9-CM), a vaccine, a note, and the next appointment. A drug
the patient is recorded as allergic to is refused (`AllergyConflictError`) until a reason
is given; the reason is kept on the dispense and in the audit trail.

Corrections: `correct` saves a visit again as a new version of its Encounter; the parts
it had are marked entered-in-error and the corrected ones written, and the audit entry
names what changed (not the values). `void` marks a visit and its parts entered in error:
kept, never deleted, out of the chart and the lists.

Printouts (ui/printouts.py) read `slip` (what a visit's slip prints: the patient, the
diagnoses' titles, the drugs' Thai labels, the next appointment) and `appointment_card`.
"""

from __future__ import annotations

import datetime as _dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from clinic_app.core import builders as build
from clinic_app.core import epi
from clinic_app.core.changes import ChangeSet, Done
from clinic_app.core.errors import InvalidInputError, Problem
from clinic_app.core.fhir import Resource, entered_in_error, reference_id
from clinic_app.core.identifiers import (
    ADMIT_SOURCE_SYSTEM,
    ALLERGY_OVERRIDE_EXTENSION,
    DIAGTYPE_SYSTEM,
    DISCHARGE_STATUS_SYSTEM,
    LOCAL_DRUG_SYSTEM,
    LOINC,
    OLD_DIAGTYPE_SYSTEM,
    SERVICE_PLACE_SYSTEM,
    UCUM,
    local_system,
)
from clinic_app.core.permissions import DEVICE_ROLE, Actor, require
from clinic_app.core.thai import age_in_years, birth_date_of
from clinic_app.core.worklist import BLOOD_SUGAR, display_name, own_hn
from clinic_app.services.accounts import StaffDetails
from clinic_app.services.catalogs import icd9_by_code, icd10_by_code
from clinic_app.services.duplicates import current_patient_id, merged_patient_ids
from clinic_app.services.formulary import FREQUENCIES, Drug, FormularyService, instructions, quantity_for
from clinic_app.services.records import UseCases
from clinic_app.store.record_store import RecordStore

# (low, high) usual ranges: a reading outside one is saved only once a person confirms it
# (a real 270 mmHg must be recordable) ...
RANGES = {"systolic": (60, 260), "diastolic": (30, 160), "weight": (0.5, 250), "temperature": (34, 43),
          "pulse": (30, 220), "blood_sugar": (40, 400)}
# ... and the bounds of what a living person can show: outside them the value is refused.
POSSIBLE = {"systolic": (20, 350), "diastolic": (10, 250), "weight": (0.2, 500), "temperature": (20, 47),
            "pulse": (10, 350), "blood_sugar": (10, 1500)}
GLUCOMETER = (BLOOD_SUGAR[0], "Glucose [Mass/volume] in Capillary blood by Glucometer")

# Today's list: an Encounter's status -> the state the desk sees.
STATES = {"planned": "expected", "arrived": "waiting", "triaged": "waiting", "in-progress": "being-seen",
          "onleave": "being-seen", "finished": "done", "cancelled": "cancelled"}


class UnusualValuesError(InvalidInputError):
    """Readings outside the usual ranges: saved once a person confirms them."""

    code = "unusual-values"


class AllergyConflictError(InvalidInputError):
    """A drug the patient is recorded as allergic to: saved once a reason is given."""

    code = "allergy-conflict"


@dataclass
class DrugLine:
    """One drug of a visit: from the unit's list (`code`) or written freely (`text`)."""

    code: str = ""
    text: str = ""
    dose: float | None = None       # per time, in the drug's dose unit
    frequency: str = ""             # a code of formulary.FREQUENCIES
    meals: str = ""                 # "pc" after, "ac" before meals, "" neither
    days: int | None = None
    quantity: float | None = None   # handed over; worked out from dose, frequency and days when not given
    unit: str = ""                  # of a drug written freely
    label: str = ""                 # the instructions as printed; made from the above when empty


@dataclass
class VisitForm:
    complaint: str = ""
    systolic: float | None = None
    diastolic: float | None = None
    weight: float | None = None
    temperature: float | None = None
    pulse: float | None = None
    blood_sugar: float | None = None   # capillary, mg/dL
    diagnosis: str = ""          # one ICD-10 code (the principal), kept for the short form
    diagnoses: list[tuple[str, str]] = field(default_factory=list)  # (ICD-10, DIAGTYPE 1-5)
    drug: str = ""               # one drug written freely, kept for the short form
    drug_amount: float | None = None
    drug_unit: str = "tablet"
    drugs: list[DrugLine] = field(default_factory=list)
    procedures: list[str] = field(default_factory=list)  # ICD-9-CM codes
    vaccine: str = ""            # EPI code
    note: str = ""
    when: _dt.datetime | None = None
    appointment_day: _dt.date | None = None
    appointment_reason: str = ""
    unusual_confirmed: bool = False  # the person saw the unusual readings and means them
    allergy_reason: str = ""         # why a drug the patient is allergic to is given anyway
    # How the patient came and left, as HDC asks of every visit (43-file SERVICE): TYPEIN
    # (cs-thcc-admit-source; "": 2 when the visit kept an appointment, else 1, came by
    # themselves), SERVPLACE (cs-pcu-service-location-type: 1 in the unit, 2 outside it, a home
    # visit), TYPEOUT (cs-thcc-discharge-status: 1 went home).
    type_in: str = ""
    serv_place: str = "1"
    type_out: str = "1"

    def all_diagnoses(self) -> list[tuple[str, str]]:
        """Every diagnosis with its DIAGTYPE: the short form's one first; of those without a
        type, the first is the principal (1) when none is marked so, the others other (4)."""
        found = [(c.strip(), t) for c, t in self.diagnoses if c.strip()]
        if self.diagnosis and self.diagnosis not in [c for c, _ in found]:
            found.insert(0, (self.diagnosis, ""))
        principal = any(t == "1" for _, t in found)
        out = []
        for code, kind in found:  # a type not given: the first is the principal, if none is, the rest other
            if not kind:
                kind = "4" if principal else "1"
                principal = True
            out.append((code, kind))
        return out

    def all_drugs(self) -> list[DrugLine]:
        lines = list(self.drugs)
        if self.drug.strip():
            lines.insert(0, DrugLine(text=self.drug.strip(), quantity=self.drug_amount, unit=self.drug_unit))
        return lines


@dataclass
class TodayRow:
    """One line of today's list."""

    patient_id: str
    name: str
    hn: str
    state: str                  # expected (an appointment), waiting, being-seen, done, cancelled
    encounter_id: str | None    # None for an appointment not yet come
    since: str                  # the time of arrival (or of the appointment)
    seen_by: str                # the staff member's name, "" before the visit opens
    reason: str                 # the complaint, or the appointment's reason


@dataclass
class VisitSlip:
    """What a visit slip prints (`VisitService.slip`): the unit, the patient, the visit's
    parts as the chart shows them (services/patients.visit_details: "diagnoses" with Thai
    and English titles, "vitals", "drugs" each with its "label", the instructions in Thai,
    "vaccines" with their epi.Dose, "procedures", "note") and the next appointment."""

    facility: str               # the unit's name (its code when it has none)
    hcode: str
    patient_id: str
    name: str
    hn: str
    age: int | None             # whole years on the day of the visit
    when: str                   # the visit's start, ISO
    vn: str
    complaint: str
    details: dict[str, Any]
    allergies: list[str]        # what the patient is allergic to, in words
    appointment: dict[str, str] | None  # the first appointment after the visit: id, day, start, reason


@dataclass
class AppointmentCard:
    """What an appointment card prints (`VisitService.appointment_card`)."""

    facility: str
    hcode: str
    patient_id: str
    name: str
    hn: str
    id: str
    day: str                    # ISO date
    start: str                  # ISO date-time as booked
    reason: str


def unusual_readings(visit: VisitForm) -> list[Problem]:
    """Possible readings outside the usual ranges: to be confirmed, not refused."""
    out = []
    for name, (low, high) in RANGES.items():
        value = getattr(visit, name)
        possible_low, possible_high = POSSIBLE[name]
        if value is not None and possible_low <= value <= possible_high and not low <= value <= high:
            out.append(Problem(None, name, f"{value:g} is unusual (usually {low:g}-{high:g}); confirm it is right",
                               f"{value:g} ผิดปกติ (ปกติ {low:g}-{high:g}) โปรดยืนยันว่าถูกต้อง"))
    return out


# How a patient came and left, as the visit form offers them (43-file SERVICE TYPEIN,
# SERVPLACE, TYPEOUT; their code lists in VisitForm): (Thai, English)
ARRIVALS = {"": ("มาเอง หรือตามนัด (ตามที่บันทึก)", "By themselves or for an appointment (as recorded)"),
            "1": ("มาเอง", "Came by themselves"), "2": ("มาตามนัด", "For an appointment"),
            "3": ("ส่งต่อมาจากสถานพยาบาลอื่น", "Referred from another facility"), "4": ("EMS ส่งตัวมา", "Brought by EMS"),
            "5": ("บริการทางไกล", "Telehealth")}
SERVICE_PLACES = {"1": ("ในสถานบริการ", "In the unit"), "2": ("นอกสถานบริการ (เช่น เยี่ยมบ้าน)", "Outside (a home visit)")}
DISCHARGES = {"1": ("กลับบ้าน", "Went home"), "2": ("รับไว้เป็นผู้ป่วยใน", "Admitted"),
              "3": ("ส่งต่อไปสถานพยาบาลอื่น", "Referred on"), "4": ("เสียชีวิต", "Died"),
              "5": ("เสียชีวิตก่อนมาถึง", "Dead on arrival"), "6": ("เสียชีวิตระหว่างส่งต่อ", "Died while referred"),
              "7": ("ปฏิเสธการรักษา", "Refused treatment"), "8": ("หนีกลับ", "Left before the end")}


def visit_problems(visit: VisitForm, drugs: dict[str, Drug] | None = None,
                   *, today: _dt.date | None = None) -> list[Problem]:
    """What makes the visit impossible to save as it is (unusual readings are not among them)."""
    from clinic_app.interop import f43_homes  # the 43-file code loads when a visit is first checked

    problems = []
    for name, (low, high) in POSSIBLE.items():
        value = getattr(visit, name)
        if value is not None and not low <= value <= high:
            problems.append(Problem(None, name, f"{value:g} cannot be a reading ({low:g}-{high:g}); check it",
                                    f"{value:g} เป็นค่าที่วัดได้จริงไม่ได้ ({low:g}-{high:g}) โปรดตรวจอีกครั้ง"))
    if (visit.systolic is None) != (visit.diastolic is None):
        problems.append(Problem(None, "blood pressure", "enter both numbers of the blood pressure",
                                "โปรดกรอกความดันให้ครบทั้งสองค่า"))
    elif visit.systolic is not None and visit.diastolic is not None and visit.diastolic >= visit.systolic:
        problems.append(Problem(None, "blood pressure", "the lower number must be below the upper one",
                                "ความดันตัวล่างต้องน้อยกว่าตัวบน"))
    diagnoses = visit.all_diagnoses()
    for code, kind in diagnoses:
        if code not in icd10_by_code():
            problems.append(Problem(None, "diagnosis", f"{code}: choose a code from the list",
                                    f"{code}: โปรดเลือกรหัสจากรายการ"))
        if kind not in build.DIAGTYPES:
            problems.append(Problem(None, "diagnosis", f"{code}: the diagnosis type is 1-5", f"{code}: ประเภทการวินิจฉัยคือ 1-5"))
    if sum(kind == "1" for _, kind in diagnoses) > 1:
        problems.append(Problem(None, "diagnosis", "one principal diagnosis only", "การวินิจฉัยหลักมีได้หนึ่งรายการ"))
    if len({c for c, _ in diagnoses}) != len(diagnoses):
        problems.append(Problem(None, "diagnosis", "a diagnosis is listed twice", "มีการวินิจฉัยซ้ำ"))
    for line in visit.all_drugs():
        problems += _drug_line_problems(line, drugs or {})
    for name, value, system in (("type_in", visit.type_in, ADMIT_SOURCE_SYSTEM),
                                ("serv_place", visit.serv_place, SERVICE_PLACE_SYSTEM),
                                ("type_out", visit.type_out, DISCHARGE_STATUS_SYSTEM)):
        if value and f43_homes.coded(system, value) is None:
            problems.append(Problem(None, name, f"{value!r} is not one of the choices", f"{value!r} ไม่ใช่ตัวเลือกที่มี"))
    for code in visit.procedures:
        if code not in icd9_by_code():
            problems.append(Problem(None, "procedure", f"{code}: choose a procedure from the list",
                                    f"{code}: โปรดเลือกหัตถการจากรายการ"))
    if visit.vaccine and visit.vaccine not in epi.BY_CODE:
        problems.append(Problem(None, "vaccine", "unknown EPI vaccine code", "ไม่รู้จักรหัสวัคซีน EPI นี้"))
    seen_on = visit.when.date() if visit.when else (today or _dt.date.today())
    if visit.appointment_day is not None and visit.appointment_day <= seen_on:
        problems.append(Problem(None, "appointment", "the next appointment is a day after the visit",
                                "วันนัดครั้งต่อไปต้องอยู่หลังวันที่มารับบริการ"))
    if not (visit.complaint.strip() or diagnoses or visit.vaccine):
        problems.append(Problem(None, "complaint", "write the chief complaint (or a diagnosis or vaccine)",
                                "โปรดกรอกอาการสำคัญ (หรือการวินิจฉัย หรือวัคซีน)"))
    return problems


def _drug_line_problems(line: DrugLine, drugs: dict[str, Drug]) -> list[Problem]:
    name = line.code or line.text
    out = []
    if line.code and line.code not in drugs:
        out.append(Problem(None, "drugs", f"{line.code}: not on the unit's drug list", f"{line.code}: ไม่มีในบัญชียาของหน่วย"))
    elif line.code and not drugs[line.code].active:
        out.append(Problem(None, "drugs", f"{line.code}: withdrawn from the drug list", f"{line.code}: ถอนออกจากบัญชียาแล้ว"))
    if not line.code and not line.text.strip():
        out.append(Problem(None, "drugs", "choose a drug from the list or write its name", "โปรดเลือกยาจากบัญชีหรือพิมพ์ชื่อยา"))
    if line.frequency and line.frequency not in FREQUENCIES:
        out.append(Problem(None, "drugs", f"{name}: unknown frequency", f"{name}: ไม่รู้จักความถี่นี้"))
    for what, value in (("dose", line.dose), ("days", line.days), ("quantity", line.quantity)):
        if value is not None and value <= 0:
            out.append(Problem(None, "drugs", f"{name}: the {what} is above 0", f"{name}: ต้องมากกว่า 0"))
    return out


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[^0-9A-Za-z\u0E00-\u0E7F]+", text.casefold()) if len(w) >= 4}


def allergy_matches(allergy: Resource, concept: dict[str, Any], group: str = "") -> bool:
    """Whether a drug (its medication CodeableConcept, the drug list's group) is one the
    allergy names: a code in common (the unit's, TMT, 24-digit), or a word of four letters
    or more of the substance in the drug's name or group, or the group in the substance
    ("Penicillin" and a drug of the penicillins group; "Amoxicillin" and "Amoxicillin 500 mg")."""
    theirs = {(c.get("system"), c.get("code")) for c in (allergy.get("code") or {}).get("coding") or []}
    mine = {(c.get("system"), c.get("code")) for c in concept.get("coding") or []}
    if theirs & mine:
        return True
    substance = _words((allergy.get("code") or {}).get("text") or "")
    names = _words(" ".join([concept.get("text") or "", *(c.get("display") or "" for c in concept.get("coding") or []),
                             group]))
    if substance & names:
        return True
    group_words = _words(group)
    singular = {w.rstrip("s") for w in group_words}
    return bool(group_words and ({w.rstrip("s") for w in substance} & singular))


def _is_active_allergy(resource: Resource) -> bool:
    status = ((resource.get("clinicalStatus") or {}).get("coding") or [{}])[0].get("code")
    verification = ((resource.get("verificationStatus") or {}).get("coding") or [{}])[0].get("code")
    return status in (None, "active") and verification not in ("refuted", "entered-in-error")


def staff_records(store: RecordStore, hcode: str, actor: Actor) -> tuple[Resource | None, Resource | None]:
    """The Practitioner of the signed-in staff member (None for the desktop's own identity:
    one id per unit and sign-in name, so every desktop of the unit makes the same), with
    their licence and details (services/accounts.py StaffDetails), and their
    PractitionerRole at the unit (provider type, start date) when the details give either."""
    from clinic_app.interop.f43_import import thai_name
    from clinic_app.interop.f43_more import name_prefixes

    if actor.role == DEVICE_ROLE:
        return None, None
    pid = str(uuid.uuid5(uuid.NAMESPACE_URL, local_system(hcode, "Provider") + "/" + actor.name))
    account = store.staff.get(actor.name) or {}
    kind, _, number = str(account.get("licence") or "").partition(":")
    details = StaffDetails.of(account)
    human = thai_name(details.given, details.family, details.prefix, name_prefixes()) if (
        details.given and details.family) else None
    practitioner = build.practitioner(id=pid, hcode=hcode, username=actor.name,
                                      name=str(account.get("full_name") or actor.name),
                                      licence=(kind, number) if number else None, cid=details.cid, human=human,
                                      gender=details.sex, birth_date=details.birth)
    role = build.practitioner_role(id=build.role_id(hcode, actor.name), practitioner=pid, hcode=hcode,
                                   code=details.provider_type, start=details.start) if (
        details.provider_type or details.start) else None
    return practitioner, role


def staff_to_write(store: RecordStore, hcode: str, actor: Actor) -> tuple[Resource | None, list[Resource]]:
    """The staff member's Practitioner, and it (and their PractitionerRole) in a list when
    they are to be written: the first time they record, or when their name, licence or
    details changed."""
    practitioner, role = staff_records(store, hcode, actor)
    return practitioner, [made for made in (practitioner, role) if made is not None and _changed(store, made)]


def _changed(store: RecordStore, made: Resource) -> bool:
    """True when the record is not stored yet, or stored otherwise (but for what the store adds to meta)."""
    stored = store.get(made["resourceType"], made["id"])
    return stored is None or any(stored.get(k) != v for k, v in made.items() if k != "meta")


def new_vn(when: str) -> str:
    """A visit number (VN) for the unit: the visit's date and time and four random digits,
    16 characters as the 43 files' SEQ allows; unique across the unit's desktops offline."""
    moment = _dt.datetime.fromisoformat(when)
    return f"{moment:%y%m%d%H%M%S}{uuid.uuid4().int % 10_000:04d}"


def _div(text: str) -> str:
    import html

    return f'<div xmlns="http://www.w3.org/1999/xhtml">{html.escape(text)}</div>'


PART_TYPES = ("Condition", "Observation", "MedicationDispense", "Immunization", "Procedure")


def _void(resource: Resource) -> Resource:
    """The record marked entered in error (each type where R4 keeps that)."""
    out = dict(resource)
    if out["resourceType"] == "Condition":
        out["verificationStatus"] = {"coding": [build.coding(
            "http://terminology.hl7.org/CodeSystem/condition-ver-status", "entered-in-error")]}
        out.pop("clinicalStatus", None)  # R4: no clinical status on an entered-in-error condition
    else:
        out["status"] = "entered-in-error"
    return out


def _the_encounter(resources: list[Resource]) -> Resource:
    return next(r for r in resources if r["resourceType"] == "Encounter")


class VisitService(UseCases):
    def __init__(self, store: RecordStore, *, actor: Actor) -> None:
        super().__init__(store, actor=actor)
        self.formulary = FormularyService(store, actor=actor)

    def _patient(self, patient_id: str) -> str:
        patient_id = current_patient_id(self.store, patient_id)  # never onto a record merged into another
        if self.store.get("Patient", patient_id) is None:
            raise InvalidInputError("ไม่พบผู้ป่วย", "No such patient.")
        return patient_id

    def _staff(self) -> tuple[Resource | None, list[Resource]]:
        return staff_to_write(self.store, self.hcode, self.actor)

    def _encounter(self, encounter_id: str) -> Resource:
        found = self.store.get("Encounter", encounter_id)
        if found is None or found.get("status") == "entered-in-error":
            raise InvalidInputError("ไม่พบการรับบริการนี้", "No such visit.")
        return found

    # -- today's list ------------------------------------------------------------------------

    def today(self, day: _dt.date | None = None) -> list[TodayRow]:
        """The day's list: every visit started that day (but those entered in error), and
        each appointment due that day whose patient has not come; by time."""
        require(self.actor, "record.read")
        day_text = (day or _dt.date.today()).isoformat()
        visits = self.store.worklists.records("visit", day_text, day_text)
        booked = self.store.worklists.records("appointment", day_text, day_text, codes=("booked",))
        came = {reference_id(v.get("subject"), "Patient") for v in visits}
        waiting = [(a, pid) for a in booked if (pid := _appointment_patient(a)) and pid not in came]
        patients = self.store.worklists.patients({reference_id(v.get("subject"), "Patient") or "" for v in visits}
                                                 | {pid for _, pid in waiting})
        names = self._practitioner_names({ref for v in visits for ref in _participants(v)})
        rows = []
        for v in visits:
            pid = reference_id(v.get("subject"), "Patient") or ""
            rows.append(TodayRow(pid, display_name(patients.get(pid) or {}) or "?", own_hn(patients.get(pid) or {}),
                                 STATES.get(str(v.get("status")), str(v.get("status"))), v["id"],
                                 (v.get("period") or {}).get("start", ""),
                                 ", ".join(names.get(ref, "") for ref in _participants(v)),
                                 "; ".join(r.get("text", "") for r in v.get("reasonCode") or [])))
        for a, pid in waiting:
            rows.append(TodayRow(pid, display_name(patients.get(pid) or {}) or "?", own_hn(patients.get(pid) or {}),
                                 "expected", None,
                                 a.get("start", ""), "", a.get("description", "")))
        return sorted(rows, key=lambda r: r.since)

    def _practitioner_names(self, ids: set[str]) -> dict[str, str]:
        out = {}
        for pid in ids:
            found = self.store.get("Practitioner", pid)
            if found:
                out[pid] = ((found.get("name") or [{}])[0]).get("text", "")
        return out

    def check_in(self, patient_id: str, *, complaint: str = "", when: _dt.datetime | None = None) -> Done[Resource]:
        """Put a patient on today's list (waiting). A patient already on it, not yet done,
        is not put twice; their appointment due today is kept (fulfilled)."""
        require(self.actor, "record.write")
        patient_id = self._patient(patient_id)
        moment = (when or _dt.datetime.now().astimezone()).replace(microsecond=0)
        day = moment.date().isoformat()
        subject = build.reference("Patient", patient_id)
        # The look-ups inside the write's transaction (BEGIN IMMEDIATE): the window and the
        # command line on one folder checking the same patient in make one visit, not two.
        with self.store.transaction():
            for visit in self.store.worklists.records("visit", day, day, codes=("arrived", "in-progress")):
                if reference_id(visit.get("subject"), "Patient") == patient_id:
                    return Done(visit, ChangeSet())
            due = self._due(patient_id, day)
            eid = str(uuid.uuid4())
            encounter = build.encounter(id=eid, subject=subject, when=moment.isoformat(), hcode=self.hcode,
                                        reason=complaint.strip() or None, vn=new_vn(moment.isoformat()),
                                        status="arrived",
                                        appointment=build.reference("Appointment", due[0]["id"]) if due else None)
            out = [encounter] + [{**a, "status": "fulfilled"} for a in due[:1]]
            changes = self.records.write(out, action="check-in", entity=("Encounter", eid))
        return Done(encounter, changes)

    def _due(self, patient_id: str, day: str) -> list[Resource]:
        """The patient's appointments booked for `day` (ISO)."""
        return [a for a in self.store.worklists.records("appointment", day, day, codes=("booked",))
                if _appointment_patient(a) == patient_id]

    def open_visit(self, encounter_id: str) -> Done[Resource]:
        """The nurse takes the patient in: being seen, by them."""
        require(self.actor, "record.write")
        encounter = self._encounter(encounter_id)
        if encounter.get("status") == "finished":
            return Done(encounter, ChangeSet())
        staff, fresh = self._staff()
        opened = {**encounter, "status": "in-progress"}
        if staff:
            opened["participant"] = [build.performer(build.reference("Practitioner", staff["id"]))]
        with self.store.transaction():
            changes = self.records.write([*fresh, opened], action="open-visit", entity=("Encounter", encounter_id))
        return Done(opened, changes)

    def cancel(self, encounter_id: str) -> ChangeSet:
        """Take a patient off the list who left before being seen (cancelled, kept)."""
        require(self.actor, "record.write")
        encounter = self._encounter(encounter_id)
        if encounter.get("status") == "finished":
            raise InvalidInputError("การรับบริการนี้บันทึกเสร็จแล้ว ยกเลิกไม่ได้ ถ้าบันทึกผิดให้ทำเครื่องหมายว่าบันทึกผิดพลาด",
                                    "This visit is done; mark it entered in error instead if it was a mistake.")
        with self.store.transaction():
            return self.records.write([{**encounter, "status": "cancelled"}], action="cancel-visit",
                                      entity=("Encounter", encounter_id))

    # -- the visit ----------------------------------------------------------------------------

    def save(self, patient_id: str, visit: VisitForm, *, encounter_id: str | None = None) -> Done[Resource]:
        """Save a visit, done: the Encounter on today's list (`encounter_id`) or a new one,
        with every part, in one transaction."""
        from clinic_app.interop import f43_homes
        from clinic_app.interop.f43_export import TYPEIN_APPOINTMENT

        require(self.actor, "record.write")
        patient_id = self._patient(patient_id)
        existing = self._encounter(encounter_id) if encounter_id else None
        if existing is not None and reference_id(existing.get("subject"), "Patient") not in (
                patient_id, None) and current_patient_id(self.store, reference_id(existing.get("subject"), "Patient")
                                                         or "") != patient_id:
            raise InvalidInputError("การรับบริการนี้เป็นของผู้ป่วยคนอื่น", "This visit is another patient's.")
        if existing is not None and existing.get("status") == "finished":
            raise InvalidInputError("การรับบริการนี้บันทึกเสร็จแล้ว ถ้าต้องการแก้ให้ใช้ แก้ไขการรับบริการ",
                                    "This visit is saved already; correct it instead.")
        out, detail = self._build(patient_id, visit, existing)
        encounter = _the_encounter(out)
        with self.store.transaction():
            if existing is None:  # not checked in (`visit add`, the chart): the appointment due that day is kept too
                due = self._due(patient_id, encounter["period"]["start"][:10])
                if due:
                    encounter["appointment"] = [build.reference("Appointment", due[0]["id"])]
                    out.append({**due[0], "status": "fulfilled"})
                    if not visit.type_in:  # came for the appointment (TYPEIN 2)
                        encounter.setdefault("hospitalization", {})["admitSource"] = f43_homes.coded(
                            ADMIT_SOURCE_SYSTEM, TYPEIN_APPOINTMENT)
            changes = self.records.write(out, action="record-visit", entity=("Encounter", encounter["id"]), detail=detail)
        return Done(encounter, changes)

    def correct(self, encounter_id: str, visit: VisitForm) -> Done[Resource]:
        """Save a done visit again: the Encounter's new version, its old parts entered in
        error, the corrected ones written; the audit entry names what changed."""
        require(self.actor, "record.void")  # a clinical correction: clinicians and administrators
        existing = self._encounter(encounter_id)
        patient_id = self._patient(reference_id(existing.get("subject"), "Patient") or "")
        before = _held_by_form(self.parts(encounter_id))  # what the form does not hold stays as it is
        out, detail = self._build(patient_id, visit, existing, keep_time=True)
        encounter = _the_encounter(out)
        changed = sorted(_what_changed(existing, before, encounter, [r for r in out if r["resourceType"] in PART_TYPES]))
        with self.store.transaction():
            changes = self.records.write([*out, *(_void(r) for r in before)], action="correct-visit",
                                         entity=("Encounter", encounter_id), detail={**detail, "changed": changed})
        return Done(encounter, changes)

    def void(self, encounter_id: str, reason: str) -> ChangeSet:
        """Mark a visit entered in error, with its parts: kept, out of the chart and lists. The
        appointment made at it is cancelled; the one it kept is booked again."""
        require(self.actor, "record.void")
        if not reason.strip():
            raise InvalidInputError("โปรดระบุเหตุผลที่บันทึกผิดพลาด", "Say why the visit was entered in error.",
                                    problems=[Problem(None, "reason", "required", "ต้องระบุ")])
        existing = self._encounter(encounter_id)
        ref = f"Encounter/{encounter_id}"
        kept = {r.get("reference") for r in existing.get("appointment") or []}
        pid = reference_id(existing.get("subject"), "Patient") or ""
        appointments = []
        for a in self.store.chart(pid):
            if a["resourceType"] != "Appointment":
                continue
            if a.get("status") == "booked" and ref in [r.get("reference") for r in a.get("supportingInformation") or []]:
                appointments.append({**a, "status": "cancelled"})  # made at the visit in error: not made
            elif a.get("status") == "fulfilled" and f"Appointment/{a['id']}" in kept:
                appointments.append({**a, "status": "booked"})  # kept by the visit in error: not kept
        with self.store.transaction():
            return self.records.write([_void(existing), *(_void(r) for r in self.parts(encounter_id)), *appointments],
                                      action="void-visit", entity=("Encounter", encounter_id),
                                      detail={"reason": reason.strip()[:200]})

    def parts(self, encounter_id: str) -> list[Resource]:
        """The live records a visit holds (diagnoses, readings, drugs, vaccines, procedures)."""
        encounter = self._encounter(encounter_id)
        pid = reference_id(encounter.get("subject"), "Patient") or ""
        ref = f"Encounter/{encounter_id}"
        return [r for r in self.store.chart(pid) if r["resourceType"] in PART_TYPES
                and (r.get("encounter") or r.get("context") or {}).get("reference") == ref and not entered_in_error(r)]

    def form_of(self, encounter_id: str) -> VisitForm:
        """A saved visit as the visit form holds it, for a correction: readings, diagnoses
        with their types (the principal first), drugs (by the unit's code when the drug is
        on the list and not withdrawn, else by its words), procedures, the vaccine, note,
        complaint, and the reason an allergy was overridden. The next appointment is not
        in it: an appointment is a record of its own, kept as it is by a correction."""
        from clinic_app.interop import f43_homes

        require(self.actor, "record.read")
        encounter = self._encounter(encounter_id)
        form = VisitForm(complaint="; ".join(r.get("text", "") for r in encounter.get("reasonCode") or []),
                         note=_plain_text(encounter))
        start = (encounter.get("period") or {}).get("start")
        if start:
            form.when = _dt.datetime.fromisoformat(start)
        drugs = self.formulary.by_code()
        kinds = {build.VITAL_SIGNS[k].code: k for k in ("weight", "temperature", "heart_rate")}
        diagnoses: list[tuple[str, str]] = []
        for part in self.parts(encounter_id):
            kind = part["resourceType"]
            coding = ((part.get("code") or {}).get("coding") or [{}])[0]
            if kind == "Observation":
                value = (part.get("valueQuantity") or {}).get("value")
                if coding.get("code") == build.BLOOD_PRESSURE_PANEL[0]:
                    by_code = {((c.get("code") or {}).get("coding") or [{}])[0].get("code"):
                               (c.get("valueQuantity") or {}).get("value") for c in part.get("component") or []}
                    form.systolic = by_code.get(build.VITAL_SIGNS["systolic"].code)
                    form.diastolic = by_code.get(build.VITAL_SIGNS["diastolic"].code)
                elif coding.get("code") in BLOOD_SUGAR:
                    form.blood_sugar = value
                elif coding.get("code") in kinds:
                    setattr(form, {"heart_rate": "pulse"}.get(kinds[coding["code"]], kinds[coding["code"]]), value)
            elif kind == "Condition":
                diagtype = next((c.get("code") for cat in part.get("category") or [] for c in cat.get("coding") or []
                                 if c.get("system") in (DIAGTYPE_SYSTEM, OLD_DIAGTYPE_SYSTEM)), "")
                diagnoses.append((str(coding.get("code") or ""), str(diagtype or "")))
            elif kind == "MedicationDispense":
                form.drugs.append(_drug_line_of(part, drugs))
                reason = next((e.get("valueString") for e in part.get("extension") or []
                               if e.get("url") == ALLERGY_OVERRIDE_EXTENSION), None)
                form.allergy_reason = form.allergy_reason or (reason or "")
            elif kind == "Procedure":
                form.procedures.append(str(coding.get("code") or ""))
            elif kind == "Immunization" and not form.vaccine:
                form.vaccine = str((((part.get("vaccineCode") or {}).get("coding") or [{}])[0]).get("code") or "")
        form.diagnoses = sorted(diagnoses, key=lambda d: (d[1] or "9", d[0]))
        codes = f43_homes.encounter_codes(encounter)
        form.type_in = codes["TYPEIN"]
        form.serv_place, form.type_out = codes["SERVPLACE"] or "1", codes["TYPEOUT"] or "1"
        return form

    def _build(self, patient_id: str, visit: VisitForm, existing: Resource | None, *,
               keep_time: bool = False) -> tuple[list[Resource], dict[str, Any]]:
        from clinic_app.interop import f43_homes
        from clinic_app.interop.f43_export import TYPEIN_APPOINTMENT

        drugs = self.formulary.by_code()
        problems = visit_problems(visit, drugs)
        if problems:
            raise InvalidInputError("ข้อมูลการตรวจมีค่าที่ต้องตรวจสอบ", "The visit form has values to check.",
                                    problems=problems)
        unusual = [] if visit.unusual_confirmed else unusual_readings(visit)
        if unusual:
            raise UnusualValuesError("ค่าที่วัดได้ผิดปกติมาก โปรดตรวจสอบ ถ้าถูกต้องให้ยืนยันแล้วบันทึก",
                                     "Some readings are far from usual: check them, and confirm to save them "
                                     "as they are.", problems=unusual)
        lines = visit.all_drugs()
        conflicts = self.allergy_conflicts(patient_id, lines, drugs)
        if conflicts and not visit.allergy_reason.strip():
            raise AllergyConflictError(
                "ผู้ป่วยมีประวัติแพ้ยาที่สั่ง โปรดตรวจสอบ ถ้าจำเป็นต้องให้ ให้ระบุเหตุผล",
                "The patient is recorded as allergic to a drug prescribed: check, and give a reason to prescribe it anyway.",
                problems=[Problem(None, "drugs", f"{drug}: allergic to {allergy}", f"{drug}: แพ้ {allergy}")
                          for drug, allergy in conflicts])
        now = _dt.datetime.now().astimezone().replace(microsecond=0)
        if keep_time and existing is not None:
            when = (existing.get("period") or {}).get("start") or now.isoformat()
            end = (existing.get("period") or {}).get("end") or when
        else:
            when = (visit.when or now).isoformat(timespec="seconds") if existing is None \
                else (existing.get("period") or {}).get("start") or now.isoformat()
            end = (visit.when or now).isoformat(timespec="seconds") if existing is None else now.isoformat()
        subject = build.reference("Patient", patient_id)
        eid = existing["id"] if existing else str(uuid.uuid4())
        at: dict[str, Any] = {"subject": subject, "encounter": build.reference("Encounter", eid), "when": when}
        staff, fresh = self._staff()
        by = build.reference("Practitioner", staff["id"]) if staff else None
        vn = _vn_of(existing) or new_vn(when)
        encounter = build.encounter(id=eid, subject=subject, when=when, end=end, hcode=self.hcode,
                                    reason=visit.complaint.strip() or None, vn=vn, practitioner=by,
                                    appointment=(existing.get("appointment") or [None])[0] if existing else None)
        if existing and existing.get("identifier"):
            encounter["identifier"] = existing["identifier"]
        if existing:  # what the 43 files gave the visit and the form has no place for stays
            f43_homes.carry_visit(existing, encounter)
        # how the patient came and left (the form's), with the referrals and the sub-unit the
        # visit had (43 files) kept
        codes = {**(f43_homes.encounter_codes(existing) if existing else {}),
                 "TYPEIN": visit.type_in or (TYPEIN_APPOINTMENT if encounter.get("appointment") else "1"),
                 "SERVPLACE": visit.serv_place, "TYPEOUT": visit.type_out}
        encounter.pop("hospitalization", None)
        encounter.pop("location", None)
        f43_homes.encounter_homes(encounter, {k: codes.get(k, "") for k in (
            "TYPEIN", "REFERINHOSP", "TYPEOUT", "REFEROUTHOSP", "SERVPLACE", "HSUB")})
        if visit.note.strip():
            encounter["text"] = {"status": "additional", "div": _div(visit.note.strip())}
        out: list[Resource] = [*fresh, encounter]
        if visit.systolic is not None and visit.diastolic is not None:
            out.append(build.blood_pressure(visit.systolic, visit.diastolic, id=str(uuid.uuid4()), **at))
        for kind, value in (("weight", visit.weight), ("temperature", visit.temperature), ("heart_rate", visit.pulse)):
            if value is not None:
                out.append(build.vital_sign(kind, value, id=str(uuid.uuid4()), **at))
        if visit.blood_sugar is not None:
            out.append(_blood_sugar(visit.blood_sugar, id=str(uuid.uuid4()), **at))
        titles = icd10_by_code()
        for code, kind in visit.all_diagnoses():
            dx = titles[code]
            out.append(build.condition(dx.code, id=str(uuid.uuid4()), display=dx.title_en, text=dx.title_th,
                                       diagtype=kind, **at))
        overridden = 0
        for line in lines:
            drug = drugs.get(line.code) if line.code else None
            concept = drug.concept() if drug else build.medication(line.text.strip())
            label = line.label.strip() or instructions(drug, dose=line.dose, frequency=line.frequency, meals=line.meals,
                                                       dose_unit="" if drug else line.unit)
            amount = line.quantity if line.quantity is not None else quantity_for(drug, dose=line.dose,
                                                                                  frequency=line.frequency,
                                                                                  days=line.days)
            conflict = any(name == _line_name(line, drugs) for name, _ in conflicts)
            overridden += conflict
            out.append(build.medication_dispense(concept, id=str(uuid.uuid4()), amount=amount,
                                                 unit=(drug.unit if drug else line.unit) or None, performer=by,
                                                 instructions=label or None, days_supply=line.days,
                                                 override_reason=visit.allergy_reason.strip() if conflict else None,
                                                 **at))
        procedures = icd9_by_code()
        for code in visit.procedures:
            out.append(build.procedure(code, id=str(uuid.uuid4()), display=procedures[code].title_en,
                                       text=procedures[code].title_th, performer=by, **at))
        if visit.vaccine:
            out.append(build.immunization(visit.vaccine, id=str(uuid.uuid4()), patient=subject,
                                          encounter=at["encounter"], when=when, performer=by))
        if visit.appointment_day is not None:
            start = _dt.datetime.combine(visit.appointment_day, _dt.time(9, 0)).astimezone().isoformat()
            out.append(build.appointment(id=str(uuid.uuid4()), patient=subject, start=start, made_at=at["encounter"],
                                         reason=visit.appointment_reason.strip() or None, practitioner=by,
                                         hcode=self.hcode))
        detail: dict[str, Any] = {}
        if overridden:
            detail["allergy_override"] = overridden
            detail["allergy_reason"] = visit.allergy_reason.strip()[:200]
        return out, detail

    # -- allergies -----------------------------------------------------------------------------

    def allergies(self, patient_id: str) -> list[Resource]:
        """The patient's active allergies."""
        pid = self._patient(patient_id)
        records = self.store.chart(pid)
        for merged in merged_patient_ids(self.store, pid):  # as the chart shows them: the allergy stop sees them too
            records += self.store.chart(merged)
        return [r for r in records if r["resourceType"] == "AllergyIntolerance" and _is_active_allergy(r)]

    def allergy_conflicts(self, patient_id: str, lines: list[DrugLine],
                          drugs: dict[str, Drug] | None = None) -> list[tuple[str, str]]:
        """(drug, allergy) for each drug of the lines the patient is recorded as allergic to."""
        drugs = drugs if drugs is not None else self.formulary.by_code()
        allergies = self.allergies(patient_id)
        out = []
        for line in lines:
            drug = drugs.get(line.code) if line.code else None
            concept = drug.concept() if drug else build.medication(line.text.strip())
            for allergy in allergies:
                if allergy_matches(allergy, concept, drug.group if drug else ""):
                    out.append((_line_name(line, drugs), (allergy.get("code") or {}).get("text") or "?"))
                    break
        return out

    def add_allergy(self, patient_id: str, substance: str, *, reaction: str = "", certainty: str = "2",
                    severity: str = "1", drug_code: str = "") -> Done[Resource]:
        """Record an allergy on the chart: the substance in words, or a drug of the list."""
        require(self.actor, "record.write")
        pid = self._patient(patient_id)
        drug = self.formulary.by_code().get(drug_code) if drug_code else None
        problems = []
        if drug_code and drug is None:
            problems.append(Problem(None, "substance", f"{drug_code}: not on the unit's drug list",
                                    f"{drug_code}: ไม่มีในบัญชียาของหน่วย"))
        if not (substance.strip() or drug):
            problems.append(Problem(None, "substance", "write what the patient is allergic to",
                                    "โปรดระบุสิ่งที่แพ้"))
        if certainty not in build.ALLERGY_CERTAINTY:
            problems.append(Problem(None, "certainty", "1-5", "1-5"))
        if severity not in build.ALLERGY_SEVERITY:
            problems.append(Problem(None, "severity", "1-7", "1-7"))
        if problems:
            raise InvalidInputError("ข้อมูลการแพ้ไม่ครบหรือไม่ถูกต้อง", "The allergy has problems.", problems=problems)
        staff, fresh = self._staff()
        allergy = build.allergy_intolerance(
            substance.strip() or (drug.name if drug else ""), id=str(uuid.uuid4()), patient=build.reference("Patient", pid),
            when=_dt.datetime.now().astimezone().replace(microsecond=0).isoformat(), reaction=reaction.strip() or None,
            certainty=certainty, severity=severity,
            drug={"coding": drug.concept()["coding"]} if drug else None,
            recorder=build.reference("Practitioner", staff["id"]) if staff else None)
        with self.store.transaction():
            changes = self.records.write([*fresh, allergy], action="add-allergy", entity=("AllergyIntolerance", allergy["id"]))
        return Done(allergy, changes)

    # -- appointments ---------------------------------------------------------------------------

    def appointments(self, start: _dt.date, end: _dt.date) -> list[dict[str, Any]]:
        """Booked or kept appointments from `start` to `end`: day, patient, name, HN, reason,
        status (booked, fulfilled, noshow) and whether it was missed (booked, its day gone)."""
        require(self.actor, "record.read")
        found = self.store.worklists.records("appointment", start.isoformat(), end.isoformat(),
                                             codes=("booked", "fulfilled", "noshow", "arrived", "checked-in"))
        pids = {_appointment_patient(a) or "" for a in found}
        patients = self.store.worklists.patients(pids)
        today = _dt.date.today().isoformat()
        return [{"id": a["id"], "day": a.get("start", "")[:10], "patient_id": _appointment_patient(a) or "",
                 "name": display_name(patients.get(_appointment_patient(a) or "") or {}) or "?",
                 "hn": own_hn(patients.get(_appointment_patient(a) or "") or {}), "reason": a.get("description", ""),
                 "status": a.get("status"), "missed": a.get("status") in ("booked", "noshow") and a.get("start", "")[:10] < today}
                for a in found if _appointment_patient(a) in patients]

    # -- printouts ------------------------------------------------------------------------------

    def _facility(self) -> str:
        return str(self.store.settings.get("facility_name") or self.hcode)

    def _appointments_of(self, patient_id: str) -> list[Resource]:
        """The patient's appointments that still stand (booked, kept or missed), by time."""
        return sorted((r for r in self.store.chart(patient_id) if r["resourceType"] == "Appointment"
                       and r.get("status") not in ("cancelled", "entered-in-error")), key=lambda a: a.get("start", ""))

    def slip(self, encounter_id: str) -> VisitSlip:
        """A visit's slip: the unit, the patient (name, HN, age), what the visit recorded
        (diagnoses with their titles, drugs with the label's words), the patient's allergies
        and the first appointment booked for a day after the visit."""
        from clinic_app.services.patients import visit_details  # patients imports this module

        require(self.actor, "record.read")
        encounter = self._encounter(encounter_id)
        pid = self._patient(reference_id(encounter.get("subject"), "Patient") or "")
        patient = self.store.get("Patient", pid) or {}
        when = (encounter.get("period") or {}).get("start") or ""
        born = birth_date_of(patient)
        seen = _dt.date.fromisoformat(when[:10]) if when else _dt.date.today()
        later = [a for a in self._appointments_of(pid) if a.get("start", "")[:10] > seen.isoformat()]
        appointment = {"id": later[0]["id"], "day": later[0].get("start", "")[:10], "start": later[0].get("start", ""),
                       "reason": later[0].get("description", "")} if later else None
        allergies = [(a.get("code") or {}).get("text") or "?" for a in self.allergies(pid)]
        return VisitSlip(self._facility(), self.hcode, pid, display_name(patient) or "?", own_hn(patient),
                         age_in_years(born, seen) if born else None, when, _vn_of(encounter) or "",
                         "; ".join(r.get("text", "") for r in encounter.get("reasonCode") or []),
                         visit_details(encounter, self.parts(encounter_id)), allergies, appointment)

    def appointment_card(self, patient_id: str, *, appointment_id: str | None = None,
                         today: _dt.date | None = None) -> AppointmentCard:
        """The card for one appointment: the one named, else the patient's next booked one
        from today. InvalidInputError when there is none."""
        require(self.actor, "record.read")
        pid = self._patient(patient_id)
        patient = self.store.get("Patient", pid) or {}
        day = (today or _dt.date.today()).isoformat()
        standing = self._appointments_of(pid)
        chosen = next((a for a in standing if a["id"] == appointment_id), None) if appointment_id else next(
            (a for a in standing if a.get("status") == "booked" and a.get("start", "")[:10] >= day), None)
        if chosen is None:
            raise InvalidInputError("ไม่พบนัดหมายที่จะพิมพ์", "There is no appointment to print.")
        return AppointmentCard(self._facility(), self.hcode, pid, display_name(patient) or "?", own_hn(patient), chosen["id"],
                               chosen.get("start", "")[:10], chosen.get("start", ""), chosen.get("description", ""))


def _held_by_form(parts: list[Resource]) -> list[Resource]:
    """The parts of a visit the visit form holds (`VisitService.form_of`): diagnoses, drugs,
    procedures, the first vaccine and the readings it has a field for. A correction
    replaces these; a respiratory rate or height, or a second vaccine of the same visit (a
    visit from the 43 files), is not on the form and is kept."""
    readings = {build.BLOOD_PRESSURE_PANEL[0], *BLOOD_SUGAR,
                *(build.VITAL_SIGNS[k].code for k in ("weight", "temperature", "heart_rate"))}
    held, vaccine = [], False
    for part in parts:
        if part["resourceType"] == "Observation":
            if ((part.get("code") or {}).get("coding") or [{}])[0].get("code") not in readings:
                continue
        elif part["resourceType"] == "Immunization":
            if vaccine:
                continue
            vaccine = True
        held.append(part)
    return held


def _blood_sugar(value: float, *, id: str, subject: Any, encounter: Any, when: str) -> Resource:
    """A capillary blood sugar (glucometer), mg/dL: a laboratory Observation."""
    return {"resourceType": "Observation", "id": id, "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                      "code": "laboratory"}]}],
            "code": {"coding": [build.coding(LOINC, *GLUCOMETER)]}, "subject": subject, "encounter": encounter,
            "effectiveDateTime": when, "valueQuantity": {"value": value, "unit": "mg/dL", "system": UCUM, "code": "mg/dL"}}


def _drug_line_of(dispense: Resource, drugs: dict[str, Drug]) -> DrugLine:
    """A saved dispense as a line of the form: the unit's code when the drug is still on the
    list (and not withdrawn), else its words; the amount, days and the label as saved."""
    concept = dispense.get("medicationCodeableConcept") or {}
    local = next((str(c.get("code")) for c in concept.get("coding") or [] if c.get("system") == LOCAL_DRUG_SYSTEM), "")
    quantity = dispense.get("quantity") or {}
    days = (dispense.get("daysSupply") or {}).get("value")
    line = DrugLine(quantity=quantity.get("value"), days=int(days) if days else None,
                    label=((dispense.get("dosageInstruction") or [{}])[0]).get("text") or "")
    if local and local in drugs and drugs[local].active:
        line.code = local
    else:
        line.text = concept.get("text") or next((str(c.get("display")) for c in concept.get("coding") or []
                                                 if c.get("display")), local)
        line.unit = quantity.get("unit") or ""
    return line


def _plain_text(resource: Resource) -> str:
    """A resource's narrative as plain text (the note a visit was saved with)."""
    import html

    div = (resource.get("text") or {}).get("div") or ""
    return html.unescape(re.sub(r"<[^>]+>", "", div)).strip()


def _line_name(line: DrugLine, drugs: dict[str, Drug]) -> str:
    drug = drugs.get(line.code) if line.code else None
    return f"{drug.name} {drug.strength}".strip() if drug else line.text.strip()


def _what_changed(old: Resource, old_parts: list[Resource], new: Resource, new_parts: list[Resource]) -> set[str]:
    """The kinds of things a correction changed (names, never values)."""
    def strip(r: Resource) -> Any:
        return {k: v for k, v in r.items() if k not in ("id", "meta", "participant", "period")}

    def by_kind(parts: list[Resource]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for r in parts:
            key = r["resourceType"]
            if key == "Observation":
                key = "reading:" + ((r.get("code") or {}).get("coding") or [{}])[0].get("code", "")
            value = strip(r)
            value.pop("performer", None)
            out.setdefault(key, []).append(repr(sorted((k, repr(v)) for k, v in value.items()
                                                       if k not in ("encounter", "context", "recordedDate",
                                                                    "effectiveDateTime", "whenHandedOver",
                                                                    "performedDateTime", "occurrenceDateTime"))))
        return {k: sorted(v) for k, v in out.items()}

    names = {"Condition": "diagnoses", "MedicationDispense": "drugs", "Immunization": "vaccine",
             "Procedure": "procedures"}
    changed = set()
    if old.get("reasonCode") != new.get("reasonCode"):
        changed.add("complaint")
    if (old.get("text") or {}).get("div") != (new.get("text") or {}).get("div"):
        changed.add("note")
    before, after = by_kind(old_parts), by_kind(new_parts)
    for key in set(before) | set(after):
        if before.get(key) != after.get(key):
            changed.add("readings" if key.startswith("reading:") else names.get(key, key))
    return changed


def _vn_of(encounter: Resource | None) -> str | None:
    for ident in (encounter or {}).get("identifier") or []:
        if str(ident.get("system", "")).endswith("/VN"):
            return str(ident.get("value"))
    return None


def _appointment_patient(appointment: Resource) -> str | None:
    for p in appointment.get("participant") or []:
        pid = reference_id(p.get("actor"), "Patient")
        if pid:
            return pid
    return None


def _participants(encounter: Resource) -> list[str]:
    return [pid for p in encounter.get("participant") or [] if (pid := reference_id(p.get("individual"), "Practitioner"))]
