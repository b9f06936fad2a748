"""FHIR -> MOPH 43 files: PERSON, SERVICE, DIAGNOSIS_OPD, DRUG_OPD and EPI rows.

`to_tables` turns one unit's own records (the service chooses them) into rows of text,
one dict per row over the layout's fields (fields not mapped are ""). Mapping choices:

- PERSON per Patient. PID is the patient's PID identifier when it has one (a patient
  imported from another system keeps the PID the province already knows), else the HN,
  else the first 16 hex digits of the record id (noted). PRENAME is coded from the Thai
  prefix of the official name (ด.ช. 001, ด.ญ. 002, นาย 003, นางสาว/น.ส. 004, นาง 005);
  NATION is 099 when there is a citizen ID; TYPEAREA the F43_EXTENSION + "TYPEAREA"
  extension (kept by the import), else 1; MOBILE the first phone. DISCHARGE 1 (died) with
  DDISCHARGE the day of deceasedDateTime (empty for deceasedBoolean true), else 9 (not
  discharged) with DDISCHARGE empty.
- SERVICE per Encounter. SEQ is the Encounter's SEQ identifier, else the first 16 hex
  digits of its id. DATE_SERV/TIME_SERV are period.start in Thailand's time (+07:00,
  `f43.thai_local`: a visit stored as 2026-11-30T23:30:00Z is 20261201 063000); a start
  with only a date leaves TIME_SERV empty. Every date taken from a date-time is so shifted.
  Vital signs come from the Observations pointing at the visit: BTEMP 8310-5, SBP/DBP the
  components of 85354-9, PR 8867-4, RR 9279-1; whole numbers lose their ".0". INSTYPE is
  left empty (the NHSO right codes are not mapped); money fields are "0".
- DIAGNOSIS_OPD per Condition of an exported visit with an ICD-10 code, the dot removed.
  DIAGTYPE is the F43_EXTENSION + "DIAGTYPE" extension (1-5, kept by the import); a
  Condition without one is principal (1) when it is the first such of a visit (in the
  order given) and no other diagnosis of the visit is principal, else "other" (4). CLINIC
  is 00100 (general medicine), as in DRUG_OPD.
- DRUG_OPD per MedicationDispense of an exported visit. DIDSTD is the 24-digit (TMT
  system) code, else the local code, else ""; DNAME the text or display.
- EPI per Immunization with an EPI vaccine code. SEQ is its visit's SEQ, else its own SEQ
  identifier (set by the import, so a round trip keeps it), else the first 16 hex digits
  of its id. VACCINEPLACE is the facility code of its performer Organization (kept by
  the import), else this unit.
- Every row carries HOSPCODE, CID and D_UPDATE (the `updated` stamp). Records whose
  patient or visit is not among those given, and records of other types, are left out.
- Rows are sorted (PERSON by PID, the others by PID, DATE_SERV, SEQ and then their own
  fields) so the same records always give the same bytes.

Notes say what was approximated or left out, in counts, never values.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from clinic_app.core.builders import BLOOD_PRESSURE_PANEL, VITAL_SIGNS
from clinic_app.core.fhir import Resource, patient_cid, reference_id
from clinic_app.core.thai import birth_date_of
from clinic_app.core.identifiers import (
    EPI_VACCINE_SYSTEM,
    ICD10_TM,
    LOINC,
    PASSPORT_SYSTEM,
    TMT_SYSTEM,
    local_system,
)
from clinic_app.interop import f43

TABLES = ("PERSON", "SERVICE", "DIAGNOSIS_OPD", "DRUG_OPD", "EPI")
PRENAME_CODES = {"ด.ช.": "001", "ด.ญ.": "002", "นาย": "003", "นางสาว": "004", "น.ส.": "004", "นาง": "005"}
SEX_CODES = {"male": "1", "female": "2"}
CLINIC_GENERAL = "00100"
DIAGTYPE_PRINCIPAL, DIAGTYPE_OTHER = "1", "4"
CODES_1_TO_5 = frozenset("12345")  # DIAGTYPE and TYPEAREA
TYPEAREA_DEFAULT = "1"  # registered and living in the area
DISCHARGE_DIED, DISCHARGE_NONE = "1", "9"
BP_PANEL = BLOOD_PRESSURE_PANEL[0]
Concept = dict[str, Any]  # a FHIR CodeableConcept
VITAL_FIELDS = {VITAL_SIGNS[kind].code: field for kind, field in (
    ("temperature", "BTEMP"), ("heart_rate", "PR"), ("respiratory_rate", "RR"), ("systolic", "SBP"),
    ("diastolic", "DBP"))}

# Count name -> the note written when the count is not zero.
NOTES = {
    "pid_from_id": "{n} patients have neither a PID nor an HN: their PID is made from the record id",
    "no_birth": "{n} patients have no birth date: BIRTH is left empty",
    "partial_birth": "{n} patients have a birth date known only to its year or month: BIRTH is its middle "
                     "(1 July, or the 15th)",
    "instype": "INSTYPE is left empty in service.txt: the NHSO right codes are not mapped",
    "no_start": "{n} visits have no start: DATE_SERV and TIME_SERV are left empty",
    "no_patient": "{n} records whose patient is not among the records given were left out",
    "no_visit": "{n} diagnoses and drugs whose visit is not among the records given were left out",
    "no_icd10": "{n} diagnoses without an ICD-10 code were left out",
    "local_drug": "{n} drugs have no 24-digit code: their local code is written in DIDSTD",
    "uncoded_drug": "{n} drugs have no code at all: DIDSTD is left empty",
    "no_epi_code": "{n} vaccinations without an EPI vaccine code were left out",
    "other_observation": "{n} observations other than temperature, blood pressure, pulse and "
                         "respiratory rate were not written (SERVICE has no field for them)",
}


@dataclass
class Export:
    """The rows of the five tables (always all five keys) and what to tell the user."""

    tables: dict[str, list[dict[str, str]]]
    notes: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)  # behind the notes; add batches' up


def notes_for(counts: Counter[str]) -> list[str]:
    """The notes for counts (of one export, or of several batches added up)."""
    return [text.format(n=counts[name]) for name, text in NOTES.items() if counts[name]]


# The order of each table's rows, so that two exports of the same records are byte-identical.
SORT_FIELDS = {
    "PERSON": ("PID", "HN", "CID"),
    "SERVICE": ("PID", "DATE_SERV", "SEQ", "TIME_SERV"),
    "DIAGNOSIS_OPD": ("PID", "DATE_SERV", "SEQ", "DIAGTYPE", "DIAGCODE"),
    "DRUG_OPD": ("PID", "DATE_SERV", "SEQ", "DIDSTD", "DNAME", "AMOUNT", "UNIT"),
    "EPI": ("PID", "DATE_SERV", "SEQ", "VACCINETYPE"),
}


def sort_key(name: str, row: dict[str, str]) -> tuple[str, ...]:
    return tuple(row[f] for f in SORT_FIELDS[name])


def sort_tables(tables: dict[str, list[dict[str, str]]]) -> None:
    for name, rows in tables.items():
        rows.sort(key=lambda row, name=name: sort_key(name, row))  # type: ignore[misc]


@dataclass(frozen=True)
class _Person:
    pid: str
    hn: str
    cid: str


@dataclass(frozen=True)
class _Visit:
    person: _Person
    seq: str
    date: str


def pid_of(patient: Resource, hcode: str) -> str:
    """The PID written for a patient: the unit's PID identifier (kept from an import), else
    the HN, else the first 16 hex digits of the record id. The export goes through
    patients in this order, so rows come out sorted batch after batch."""
    return (_identifier(patient, local_system(hcode, "PID")) or _identifier(patient, local_system(hcode, "HN"))
            or _short_id(patient))


def to_tables(resources: Iterable[Resource], *, hcode: str, updated: _dt.datetime) -> Export:
    """The 43-file rows of this unit's records (only the unit's own should be given)."""
    return _Writer(hcode, f43.stamp_text(updated)).write(list(resources))


# -- small helpers ----------------------------------------------------------------------------

def _number(value: object) -> str:
    """37.0 -> "37", 37.5 -> "37.5", anything not a number -> ""."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _short_id(resource: Resource) -> str:
    """The first 16 hex digits of a UUID id (the id's first 16 characters otherwise)."""
    return str(resource.get("id", "")).replace("-", "")[:16]


def _identifier(resource: Resource, system: str) -> str:
    for ident in resource.get("identifier", []) or []:
        if ident.get("system") == system and ident.get("value"):
            return str(ident["value"])
    return ""


def _date_field(text: str | None) -> str:
    """YYYYMMDD of a FHIR date, or of a dateTime in Thailand's time ("" when it has no
    full date)."""
    moment = f43.thai_local(text)
    return f43.date_text(moment.date()) if moment else ""


def _time_field(text: str | None) -> str:
    """HHMMSS of a FHIR dateTime in Thailand's time ("" for a date alone)."""
    moment = f43.thai_local(text)
    return f"{moment:%H%M%S}" if moment and len((text or "").strip()) > 10 else ""


def _f43_code(resource: Resource, name: str, allowed: frozenset[str]) -> str:
    """The code of the F43_EXTENSION + name extension when it is one of `allowed`, else ""."""
    for ext in resource.get("extension", []) or []:
        if isinstance(ext, dict) and ext.get("url") == f43.F43_EXTENSION + name:
            code = str(ext.get("valueCode") or "")
            return code if code in allowed else ""
    return ""


def _discharge(patient: Resource) -> tuple[str, str]:
    """(DISCHARGE, DDISCHARGE): died (with the day when known), else not discharged."""
    if patient.get("deceasedDateTime"):
        return DISCHARGE_DIED, _date_field(patient["deceasedDateTime"])
    if patient.get("deceasedBoolean") is True:
        return DISCHARGE_DIED, ""
    return DISCHARGE_NONE, ""


def _performer_facility(immunization: Resource) -> str:
    """The facility code of the Immunization's performer Organization, else ""."""
    for performer in immunization.get("performer", []) or []:
        code = reference_id((performer or {}).get("actor"), "Organization") or ""
        if f43.is_facility_code(code):
            return code
    return ""


def _official_name(patient: Resource) -> dict[str, Any]:
    names = patient.get("name") or [{}]
    return next((n for n in names if n.get("use") == "official"), names[0])


def _phone(patient: Resource) -> str:
    return next((str(t["value"]) for t in patient.get("telecom", []) or []
                 if t.get("system") == "phone" and t.get("value")), "")


def _coding(concept: Concept | None, system: str) -> str:
    for coding in (concept or {}).get("coding", []) or []:
        if coding.get("system") == system and coding.get("code"):
            return str(coding["code"])
    return ""


def _drug_code(concept: Concept | None) -> tuple[str, str]:
    """(DIDSTD, kind): kind is "standard" (24 digits or TMT), "local" or "none"."""
    codings = [c for c in (concept or {}).get("coding", []) or [] if c.get("code")]
    for coding in codings:
        code = str(coding["code"])
        if coding.get("system") == TMT_SYSTEM or (len(code) == 24 and code.isdigit()):
            return code, "standard"
    if codings:
        return str(codings[0]["code"]), "local"
    return "", "none"


def _drug_name(concept: Concept | None) -> str:
    concept = concept or {}
    if concept.get("text"):
        return str(concept["text"])
    return next((str(c["display"]) for c in concept.get("coding", []) or [] if c.get("display")), "")


def _readings(obs: Resource) -> dict[str, str]:
    """{SERVICE field: value} of one vital-sign Observation (both numbers of a blood pressure)."""
    is_panel = _coding(obs.get("code"), LOINC) == BP_PANEL
    parts = (obs.get("component") or []) if is_panel else [obs]
    readings = {}
    for part in parts:
        name = VITAL_FIELDS.get(_coding(part.get("code"), LOINC))
        value = _number((part.get("valueQuantity") or {}).get("value"))
        if name and value:
            readings[name] = value
    return readings


# -- the writer -------------------------------------------------------------------------------

class _Writer:
    def __init__(self, hcode: str, stamp: str) -> None:
        self.hcode = hcode
        self.stamp = stamp
        self.counts: Counter[str] = Counter()
        self.persons: dict[str, _Person] = {}  # Patient id ->
        self.visits: dict[str, _Visit] = {}    # Encounter id ->

    def write(self, resources: list[Resource]) -> Export:
        by_type: dict[str, list[Resource]] = {}
        for resource in resources:
            by_type.setdefault(str(resource.get("resourceType")), []).append(resource)
        tables = {
            "PERSON": [self.person_row(p) for p in by_type.get("Patient", [])],
            "SERVICE": self.service_rows(by_type.get("Encounter", []), by_type.get("Observation", [])),
            "DIAGNOSIS_OPD": self.diagnosis_rows(by_type.get("Condition", [])),
            "DRUG_OPD": self.drug_rows(by_type.get("MedicationDispense", [])),
            "EPI": self.epi_rows(by_type.get("Immunization", [])),
        }
        tables = {name: [row for row in rows if row is not None] for name, rows in tables.items()}
        sort_tables(tables)
        return Export(tables, notes_for(self.counts), Counter(self.counts))

    def row(self, name: str, person: _Person, **values: str) -> dict[str, str]:
        """A row of table `name`: every field "", then the ones every table shares, then `values`."""
        row = dict.fromkeys(f43.LAYOUTS[name], "")
        row.update(HOSPCODE=self.hcode, PID=person.pid, CID=person.cid, D_UPDATE=self.stamp)
        row.update(values)
        return row

    # -- PERSON ---------------------------------------------------------------------------

    def person_of(self, patient: Resource) -> _Person:
        hn = _identifier(patient, local_system(self.hcode, "HN"))
        if not (_identifier(patient, local_system(self.hcode, "PID")) or hn):
            self.counts["pid_from_id"] += 1
        return _Person(pid_of(patient, self.hcode), hn, patient_cid(patient) or "")

    def person_row(self, patient: Resource) -> dict[str, str]:
        person = self.person_of(patient)
        self.persons[str(patient.get("id"))] = person
        name = _official_name(patient)
        born = birth_date_of(patient)  # a year alone stands at 1 July (core/thai.py)
        birth = f43.date_text(born) if born else ""
        if not birth:
            self.counts["no_birth"] += 1
        elif len(str(patient.get("birthDate") or "")) < 10:
            self.counts["partial_birth"] += 1
        discharge, discharge_day = _discharge(patient)
        return self.row(
            "PERSON", person, HN=person.hn,
            PRENAME=PRENAME_CODES.get(((name.get("prefix") or [""])[0] or "").strip(), ""),
            NAME=" ".join(name.get("given") or []), LNAME=str(name.get("family") or ""),
            SEX=SEX_CODES.get(str(patient.get("gender")), ""), BIRTH=birth,
            NATION="099" if person.cid else "", DISCHARGE=discharge, DDISCHARGE=discharge_day,
            PASSPORT=_identifier(patient, PASSPORT_SYSTEM),
            TYPEAREA=_f43_code(patient, "TYPEAREA", CODES_1_TO_5) or TYPEAREA_DEFAULT, MOBILE=_phone(patient))

    def patient_of(self, resource: Resource, field_name: str) -> _Person | None:
        person = self.persons.get(reference_id(resource.get(field_name), "Patient") or "")
        if person is None:
            self.counts["no_patient"] += 1
        return person

    # -- SERVICE --------------------------------------------------------------------------

    def vitals_by_visit(self, observations: list[Resource]) -> dict[str, dict[str, str]]:
        """{Encounter id: {BTEMP: "37.2", SBP: ..., ...}} (the first reading of each kind)."""
        found: dict[str, dict[str, str]] = {}
        for obs in observations:
            visit = reference_id(obs.get("encounter"), "Encounter")
            readings = _readings(obs)
            if not readings or visit is None:
                self.counts["other_observation"] += 1
                continue
            values = found.setdefault(visit, {})
            for name, value in readings.items():
                values.setdefault(name, value)
        return found

    def service_rows(self, encounters: list[Resource], observations: list[Resource]) -> list[dict[str, str] | None]:
        vitals = self.vitals_by_visit(observations)
        rows = [self.service_row(e, vitals.get(str(e.get("id")), {})) for e in encounters]
        if any(rows):
            self.counts["instype"] = 1
        return rows

    def service_row(self, encounter: Resource, vitals: dict[str, str]) -> dict[str, str] | None:
        person = self.patient_of(encounter, "subject")
        if person is None:
            return None
        start = (encounter.get("period") or {}).get("start")
        visit = _Visit(person, _identifier(encounter, local_system(self.hcode, "SEQ")) or _short_id(encounter),
                       _date_field(start))
        if not visit.date:
            self.counts["no_start"] += 1
        self.visits[str(encounter.get("id"))] = visit
        complaint = "; ".join(str(r["text"]) for r in encounter.get("reasonCode", []) or [] if r.get("text"))
        return self.row(
            "SERVICE", person, HN=person.hn, SEQ=visit.seq, DATE_SERV=visit.date, TIME_SERV=_time_field(start),
            LOCATION="1", INTIME="1", TYPEIN="1", TYPEOUT="1", SERVPLACE="1", CHIEFCOMP=complaint,
            COST="0", PRICE="0", PAYPRICE="0", ACTUALPAY="0", **vitals)

    def visit_of(self, resource: Resource, field_name: str) -> _Visit | None:
        visit = self.visits.get(reference_id(resource.get(field_name), "Encounter") or "")
        if visit is None:
            self.counts["no_visit"] += 1
        return visit

    # -- DIAGNOSIS_OPD ----------------------------------------------------------------------

    def diagnosis_rows(self, conditions: list[Resource]) -> list[dict[str, str] | None]:
        conditions = [c for c in conditions if c.get("encounter")]  # not problem-list entries
        with_principal: set[str] = set()  # SEQ of the visits that already have a principal diagnosis
        for condition in conditions:
            visit = self.visits.get(reference_id(condition.get("encounter"), "Encounter") or "")
            if visit and _f43_code(condition, "DIAGTYPE", CODES_1_TO_5) == DIAGTYPE_PRINCIPAL:
                with_principal.add(visit.seq)
        return [self.diagnosis_row(condition, with_principal) for condition in conditions]

    def diagnosis_row(self, condition: Resource, with_principal: set[str]) -> dict[str, str] | None:
        visit = self.visit_of(condition, "encounter")
        if visit is None:
            return None
        code = _coding(condition.get("code"), ICD10_TM)
        if not code:
            self.counts["no_icd10"] += 1
            return None
        diagtype = _f43_code(condition, "DIAGTYPE", CODES_1_TO_5)
        if not diagtype:
            diagtype = DIAGTYPE_OTHER if visit.seq in with_principal else DIAGTYPE_PRINCIPAL
            with_principal.add(visit.seq)
        return self.row("DIAGNOSIS_OPD", visit.person, SEQ=visit.seq, DATE_SERV=visit.date, DIAGTYPE=diagtype,
                        DIAGCODE=code.replace(".", ""), CLINIC=CLINIC_GENERAL)

    # -- DRUG_OPD ---------------------------------------------------------------------------

    def drug_rows(self, dispenses: list[Resource]) -> list[dict[str, str] | None]:
        return [self.drug_row(d) for d in dispenses if d.get("context")]

    def drug_row(self, dispense: Resource) -> dict[str, str] | None:
        visit = self.visit_of(dispense, "context")
        if visit is None:
            return None
        concept = dispense.get("medicationCodeableConcept")
        code, kind = _drug_code(concept)
        if kind == "local":
            self.counts["local_drug"] += 1
        elif kind == "none":
            self.counts["uncoded_drug"] += 1
        quantity = dispense.get("quantity") or {}
        return self.row("DRUG_OPD", visit.person, SEQ=visit.seq, DATE_SERV=visit.date, CLINIC=CLINIC_GENERAL,
                        DIDSTD=code, DNAME=_drug_name(concept), AMOUNT=_number(quantity.get("value")),
                        UNIT=str(quantity.get("unit") or ""), DRUGPRICE="0", DRUGCOST="0")

    # -- EPI --------------------------------------------------------------------------------

    def epi_rows(self, immunizations: list[Resource]) -> list[dict[str, str] | None]:
        return [self.epi_row(i) for i in immunizations]

    def epi_row(self, immunization: Resource) -> dict[str, str] | None:
        person = self.patient_of(immunization, "patient")
        if person is None:
            return None
        code = _coding(immunization.get("vaccineCode"), EPI_VACCINE_SYSTEM)
        if not code:
            self.counts["no_epi_code"] += 1
            return None
        visit = self.visits.get(reference_id(immunization.get("encounter"), "Encounter") or "")
        seq = visit.seq if visit else (_identifier(immunization, local_system(self.hcode, "SEQ"))
                                       or _short_id(immunization))
        return self.row("EPI", person, SEQ=seq, DATE_SERV=_date_field(immunization.get("occurrenceDateTime")),
                        VACCINETYPE=code, VACCINEPLACE=_performer_facility(immunization) or self.hcode)
