"""FHIR -> MOPH 43 files: PERSON, SERVICE, DIAGNOSIS_OPD, DRUG_OPD and EPI rows.

`to_tables` turns one unit's own records (the service chooses them) into rows of text,
one dict per row over the layout's fields (fields not mapped are ""). Records are read in
the SIL-TH shapes the app writes and in the shapes it wrote before (data version 1, still
in older data folders and other facilities' records): each field below names both. Each
row is written from its record, then the fields the record kept as read (f43_fields: a
record made from a 43 file) are put over it, so a file imported comes out as it went in;
where each field lives is f43_import's docstring, the coded ones f43_homes.

- PERSON per Patient. PID is the patient's PID identifier when it has one (a patient
  imported from another system keeps the PID the province already knows), else the HN,
  else the first 16 hex digits of the record id (noted). The name is the Thai one
  (language `th`; before: the official one); PRENAME its DOPA prefix code (on `_prefix`),
  else coded from the prefix written (core.thai.PREFIX_CODES: ด.ช. 001, ด.ญ. 002, นาย 003,
  นางสาว/น.ส. 004, นาง 005); HID the household its address points at; MSTATUS, NATION,
  RACE, RELIGION, EDUCATION, LABOR from their elements, NATION 099 for a person recorded
  here with a Thai national's citizen ID (first digit 1-5); PASSPORT a passport under any
  passport system; TYPEAREA the person-status extension (before: F43_EXTENSION +
  "TYPEAREA"), else empty — never a made-up 1 (it changes the unit's population at HDC,
  which requires it: a note counts them); MOBILE the first phone that is not a home phone,
  TELEPHONE the home one. DISCHARGE 1 (died) with DDISCHARGE the day of deceasedDateTime
  (empty for deceasedBoolean true); else the pid-remove-reason extension's 1, 2 (moved), 3
  (missing) or 9; else 9 (not discharged).
- SERVICE per Encounter. SEQ is the Encounter's visit number (VN identifier; before: the
  SEQ identifier), else the first 16 hex digits of its id. DATE_SERV/TIME_SERV are
  period.start in Thailand's time (+07:00, `f43.thai_local`: a visit stored as
  2026-11-30T23:30:00Z is 20261201 063000); a start with only a date leaves TIME_SERV
  empty. Every date taken from a date-time is so shifted. Vital signs come from the
  Observations pointing at the visit: BTEMP 8310-5, SBP/DBP the components of 85354-9, PR
  8867-4, RR 9279-1; whole numbers lose their ".0". LOCATION, INTIME, TYPEIN, SERVPLACE,
  TYPEOUT, REFERINHOSP, REFEROUTHOSP and HSUB from their elements (f43_homes); for a visit
  recorded here what the app knows — TYPEIN 2 when it kept an appointment — and nothing
  made up (a note counts the visits that do not say them all); INSTYPE the person's right
  (their active Coverage's cs-thcc-coverage-type code), else empty with a note (HDC
  requires it); money fields "0" for a visit recorded here.
- DIAGNOSIS_OPD per Condition of an exported visit with an ICD-10 code, the dot removed.
  DIAGTYPE is the category coded in cs-43plus-encounter-diagnosis-role, 1-7 (before: the
  F43_EXTENSION + "DIAGTYPE" extension); a Condition without one is principal (1) when it
  is the first such of a visit (in the order given) and no other diagnosis of the visit is
  principal, else "other" (4). CLINIC is 00100 (general medicine) for a diagnosis recorded
  here, as in DRUG_OPD.
- DRUG_OPD per MedicationDispense of an exported visit. DIDSTD is only ever the 24-digit
  code (cs-th-24drug, or any 24-digit code: the app filed them under TMT before): a drug
  without one has DIDSTD empty and a note (HDC requires it; the unit's own code is never
  written there); DNAME the text or display; UNIT the quantity's unit when it has the form
  of HDC's unit code (up to 3 letters or digits), else empty with a note (the unit's drug
  list has words: เม็ด, tablet); UNIT_PACKING the pack size; prices "0" for a drug recorded
  here.
- EPI per Immunization with a THCC vaccine code (cs-thcc-vaccine-code, or the systems used
  before). SEQ is its visit's SEQ, else its own VN (or, before, SEQ) identifier (set by the
  import, so a round trip keeps it), else the first 16 hex digits of its id. VACCINEPLACE
  is the facility of its `location` (kept by the import; before: a performer
  Organization), else this unit for a dose given here (primarySource), else empty.
- PROVIDER (EPI, DRUG_OPD, DIAGNOSIS_OPD) is the unit's provider code of the performer
  (the diagnosis' asserter): its `localProv` identifier when the reference carries one
  (the import's), else the localProv identifier of the Practitioner it names by id (the
  app's own records; `providers`, or Practitioners among the records); without one, the
  visit's practitioner's (the Encounter's participant), else empty.
- Every row carries HOSPCODE, CID and D_UPDATE (the `updated` stamp, or the one the record
  kept). Records whose patient or visit is not among those given, and records of other
  types, are left out.
- Rows are sorted (PERSON by PID, the others by PID, DATE_SERV, SEQ and then their own
  fields) so the same records always give the same bytes.

Notes say what was approximated, left empty or left out, in counts, never values.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from clinic_app.core.builders import BLOOD_PRESSURE_PANEL, VITAL_SIGNS
from clinic_app.core.fhir import Resource, patient_cid, reference_id
from clinic_app.core.identifiers import (
    COVERAGE_TYPE_SYSTEM,
    DIAGTYPE_SYSTEM,
    DRUG24_SYSTEM,
    EPI_VACCINE_SYSTEM,
    HCODE_SYSTEM,
    ICD10_TM,
    LANGUAGE_EXTENSION,
    LOCAL_DRUG_SYSTEM,
    LOINC,
    NAME_PREFIX_EXTENSION,
    NAME_PREFIX_SYSTEM,
    OLD_DIAGTYPE_SYSTEM,
    OLD_TMT_SYSTEM,
    OLD_VACCINE_SYSTEMS,
    PERSON_STATUS_EXTENSION,
    PERSON_STATUS_SYSTEM,
    PID_REMOVE_EXTENSION,
    PID_REMOVE_SYSTEM,
    TMT_SYSTEM,
    is_local_system,
    is_passport_system,
    local_system,
)
from clinic_app.core.thai import PREFIX_CODES, birth_date_of
from clinic_app.interop import f43, f43_fields, f43_homes

TABLES = ("PERSON", "SERVICE", "DIAGNOSIS_OPD", "DRUG_OPD", "EPI")
PRENAME_CODES = {prefix: code for prefix, (code, _display) in PREFIX_CODES.items()}  # the prefix written -> DOPA
SEX_CODES = {"male": "1", "female": "2"}
CLINIC_GENERAL = "00100"
DIAGTYPE_PRINCIPAL, DIAGTYPE_OTHER = "1", "4"
CODES_1_TO_5 = frozenset("12345")  # TYPEAREA
DIAGTYPES = frozenset("1234567")  # cs-43plus-encounter-diagnosis-role: 6 additional code, 7 morphology
DISCHARGE_DIED, DISCHARGE_NONE = "1", "9"
DISCHARGES = frozenset("1239")  # died, moved away, missing, not discharged (the default)
THAI_NATION = "099"  # cs-thcc-nationality ไทย: NATION of a person registered here with a Thai citizen ID
THAI_CID_CATEGORIES = frozenset("12345")  # DOPA's first digits of Thai nationals (6, 7, 0: not Thai; 8: by law)
TYPEIN_APPOINTMENT = "2"  # cs-thcc-admit-source: มารับบริการตามนัดหมาย
SERVICE_ASKED = ("LOCATION", "INTIME", "TYPEIN", "SERVPLACE", "TYPEOUT")  # what a visit recorded here may not say
VACCINE_SYSTEMS = (EPI_VACCINE_SYSTEM, *sorted(OLD_VACCINE_SYSTEMS - {EPI_VACCINE_SYSTEM}))  # the current first
DIAGTYPE_SYSTEMS = (DIAGTYPE_SYSTEM, OLD_DIAGTYPE_SYSTEM)
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
    "no_typearea": "{n} patients have no TYPEAREA (their person status, which HDC requires): it is left empty, "
                   "never guessed; set it on each before sending",
    "no_instype": "{n} visits have no INSTYPE (the person's right, which HDC requires): it is left empty",
    "service_unknown": "{n} visits do not say all of LOCATION, INTIME, TYPEIN, SERVPLACE and TYPEOUT (a visit "
                       "recorded here has no place for most): what is not known is left empty, never guessed",
    "no_discharge_day": "{n} patients moved away or went missing on a day not recorded: DDISCHARGE is left empty",
    "no_start": "{n} visits have no start: DATE_SERV and TIME_SERV are left empty",
    "no_patient": "{n} records whose patient is not among the records given were left out",
    "no_visit": "{n} diagnoses and drugs whose visit is not among the records given were left out",
    "no_icd10": "{n} diagnoses without an ICD-10 code were left out",
    "no_drug24": "{n} drugs have no 24-digit code (DIDSTD, which HDC requires): it is left empty",
    "unit_word": "{n} drugs have their unit as a word, not HDC's 3-character unit code: UNIT is left empty",
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
    provider: str = ""  # the provider code of who saw the patient (the Encounter's participant)


def pid_of(patient: Resource, hcode: str) -> str:
    """The PID written for a patient: the unit's PID identifier (kept from an import), else
    the HN, else the first 16 hex digits of the record id. The export goes through
    patients in this order, so rows come out sorted batch after batch."""
    return local_value(patient, hcode, "PID") or local_value(patient, hcode, "HN") or _short_id(patient)


def local_value(resource: Resource, hcode: str, kind: str) -> str:
    """The value of the unit's own identifier of `kind` (HN, PID, VN, SEQ ...), "" when none.
    A 9-digit facility code's systems are read in both spellings (`/hcode/9/`, and the
    `/hcode/5/` the app wrote before for every code)."""
    systems = {local_system(hcode, kind), f"https://terms.sil-th.org/hcode/5/{hcode}/{kind}"}
    return next((str(i["value"]) for i in resource.get("identifier", []) or []
                 if isinstance(i, dict) and i.get("system") in systems and i.get("value")), "")


def visit_number(resource: Resource, hcode: str) -> str:
    """The unit's visit number of an Encounter (or of a dose given outside a visit here):
    the VN identifier, or the SEQ identifier of records from before (data version 1)."""
    return local_value(resource, hcode, "VN") or local_value(resource, hcode, "SEQ")


def to_tables(resources: Iterable[Resource], *, hcode: str, updated: _dt.datetime,
              providers: Mapping[str, str] | None = None) -> Export:
    """The 43-file rows of this unit's records (only the unit's own should be given).
    `providers` is Practitioner id -> the unit's provider code (`provider_codes`) for the
    records that name their Practitioner by id (Practitioners among `resources` count too)."""
    return _Writer(hcode, f43.stamp_text(updated), providers).write(list(resources))


def writer(hcode: str) -> _Writer:
    """A writer of rows from records one at a time (the import's check of what a record
    gives back: f43_import), D_UPDATE left empty."""
    return _Writer(hcode, "")


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


def _passport(patient: Resource) -> str:
    """The passport number, under whichever passport system (by country, country unknown,
    or the one `passport-THA` for all the app wrote before)."""
    return next((str(i["value"]) for i in patient.get("identifier", []) or []
                 if isinstance(i, dict) and is_passport_system(i.get("system")) and i.get("value")), "")


def _date_field(text: str | None) -> str:
    """YYYYMMDD of a FHIR date, or of a dateTime in Thailand's time ("" when it has no
    full date)."""
    moment = f43.thai_local(text)
    return f43.date_text(moment.date()) if moment else ""


def _time_field(text: str | None) -> str:
    """HHMMSS of a FHIR dateTime in Thailand's time ("" for a date alone)."""
    moment = f43.thai_local(text)
    return f"{moment:%H%M%S}" if moment and len((text or "").strip()) > 10 else ""


def _extension(resource: Resource, url: str) -> dict[str, Any] | None:
    return next((ext for ext in resource.get("extension", []) or [] if isinstance(ext, dict) and ext.get("url") == url),
                None)


def _f43_code(resource: Resource, name: str, allowed: frozenset[str]) -> str:
    """The code of the F43_EXTENSION + name extension (data version 1) when it is one of
    `allowed`, else ""."""
    code = str((_extension(resource, f43.F43_EXTENSION + name) or {}).get("valueCode") or "")
    return code if code in allowed else ""


def _extension_code(resource: Resource, url: str, system: str, allowed: frozenset[str]) -> str:
    """The code in `system` of the extension `url` (a CodeableConcept) when it is one of
    `allowed`, else ""."""
    code = _coding((_extension(resource, url) or {}).get("valueCodeableConcept"), system)
    return code if code in allowed else ""


def _typearea(patient: Resource) -> str:
    """TYPEAREA: the person-status extension (before: F43_EXTENSION + "TYPEAREA"); "" when
    the person has none (never a default: it changes the unit's population counts at HDC)."""
    return (_extension_code(patient, PERSON_STATUS_EXTENSION, PERSON_STATUS_SYSTEM, CODES_1_TO_5)
            or _f43_code(patient, "TYPEAREA", CODES_1_TO_5))


def _discharge(patient: Resource) -> tuple[str, str]:
    """(DISCHARGE, DDISCHARGE): died (with the day when known); else died, moved away,
    missing or not discharged as the pid-remove-reason extension says (the day of a move
    has no place: kept as read, f43_fields); else not discharged."""
    if patient.get("deceasedDateTime"):
        return DISCHARGE_DIED, _date_field(patient["deceasedDateTime"])
    if patient.get("deceasedBoolean") is True:
        return DISCHARGE_DIED, ""
    reason = _extension_code(patient, PID_REMOVE_EXTENSION, PID_REMOVE_SYSTEM, DISCHARGES)
    return (reason or DISCHARGE_NONE), ""


def _diagtype(condition: Resource) -> str:
    """DIAGTYPE (1-7) of a Condition: its category in cs-43plus-encounter-diagnosis-role, or
    (data version 1) the F43_EXTENSION + "DIAGTYPE" extension; "" when neither."""
    for category in condition.get("category", []) or []:
        for system in DIAGTYPE_SYSTEMS:
            code = _coding(category, system)
            if code in DIAGTYPES:
                return code
    return _f43_code(condition, "DIAGTYPE", DIAGTYPES)


def _place(immunization: Resource) -> str:
    """The facility a dose was given at: its `location` named by the facility's code, or
    (data version 1) its performer Organization; "" when neither."""
    location = immunization.get("location")
    ident = (location.get("identifier") if isinstance(location, dict) else None) or {}
    if isinstance(ident, dict) and ident.get("system") == HCODE_SYSTEM and f43.is_facility_code(str(ident.get("value") or "")):
        return str(ident["value"])
    for performer in immunization.get("performer", []) or []:
        code = reference_id((performer or {}).get("actor"), "Organization") or ""
        if f43.is_facility_code(code):
            return code
    return ""


def _provider(references: Any, hcode: str, providers: Mapping[str, str] | None = None) -> str:
    """The unit's provider code of the first Practitioner reference that gives one: by its
    `localProv` identifier (the import's), or, for a literal reference (Practitioner/<id>,
    the app's own records), the localProv identifier of that Practitioner (`providers`:
    id -> code, core.builders.practitioner); "" when none does."""
    for ref in references if isinstance(references, list) else [references]:
        if not isinstance(ref, dict):
            continue
        if isinstance(ref.get("identifier"), dict):
            code = local_value({"identifier": [ref["identifier"]]}, hcode, "Provider")
            if code:
                return code
        code = (providers or {}).get(reference_id(ref, "Practitioner") or "", "")
        if code:
            return code
    return ""


def provider_codes(practitioners: Iterable[Resource], hcode: str) -> dict[str, str]:
    """Practitioner id -> the unit's provider code (its localProv identifier), for PROVIDER."""
    return {str(p["id"]): code for p in practitioners
            if p.get("resourceType") == "Practitioner" and (code := local_value(p, hcode, "Provider"))}


def _right(coverage: Resource) -> str:
    """The NHSO/THCC 4-digit right (INSTYPE) of an active Coverage, "" else."""
    if coverage.get("status") not in (None, "active"):
        return ""
    return _coding(coverage.get("type"), COVERAGE_TYPE_SYSTEM)


def finish(name: str, row: dict[str, str], resource: Resource) -> dict[str, str]:
    """A row written from its record, with the fields the record kept as read (f43_fields:
    a record made from a 43 file) put over it; changed in place."""
    kept = f43_fields.kept(resource)
    if kept:
        row.update((field_name, text) for field_name, text in kept.items() if field_name in row)
    return row


def _thai_name(patient: Resource) -> dict[str, Any]:
    """The Thai name (language `th`); for records without languages, the official one;
    else the first."""
    names = [n for n in patient.get("name") or [] if isinstance(n, dict)] or [{}]
    thai = next((n for n in names if any(isinstance(e, dict) and e.get("url") == LANGUAGE_EXTENSION
                                         and e.get("valueCode") == "th" for e in n.get("extension", []) or [])), None)
    return thai or next((n for n in names if n.get("use") == "official"), names[0])


def _prename(name: dict[str, Any]) -> str:
    """PRENAME: the DOPA code on the prefix (`_prefix`), else the code of the prefix written."""
    for element in name.get("_prefix") or []:
        for ext in (element or {}).get("extension", []) or []:
            if isinstance(ext, dict) and ext.get("url") == NAME_PREFIX_EXTENSION:
                code = _coding(ext.get("valueCodeableConcept"), NAME_PREFIX_SYSTEM)
                if len(code) == 3 and code.isdigit():
                    return code
    return PRENAME_CODES.get(((name.get("prefix") or [""])[0] or "").strip(), "")


def _phones(patient: Resource) -> tuple[str, str]:
    """(MOBILE, TELEPHONE): the first phone that is not a home phone, and the first home one."""
    phones = [t for t in patient.get("telecom", []) or [] if isinstance(t, dict) and t.get("system") == "phone"
              and t.get("value")]
    return (next((str(t["value"]) for t in phones if t.get("use") != "home"), ""),
            next((str(t["value"]) for t in phones if t.get("use") == "home"), ""))


def _coding(concept: Concept | None, system: str) -> str:
    for coding in (concept or {}).get("coding", []) or []:
        if coding.get("system") == system and coding.get("code"):
            return str(coding["code"])
    return ""


def _is_24_digits(code: str) -> bool:
    return len(code) == 24 and code.isascii() and code.isdigit()


def _is_unit_code(unit: str) -> bool:
    """The form of HDC's drug unit code (UNIT): up to 3 letters or digits, never a word such
    as the unit's drug list has (เม็ด, tablet)."""
    return 0 < len(unit) <= 3 and unit.isascii() and unit.isalnum()


def _drug_code(concept: Concept | None) -> tuple[str, str]:
    """(DIDSTD, kind): kind is "standard" (the 24-digit code: under cs-th-24drug, or 24
    digits under any system, as the app filed them under TMT before), "local" (the unit's
    own code, else a TMT or other code) or "none"."""
    codings = [c for c in (concept or {}).get("coding", []) or [] if isinstance(c, dict) and c.get("code")]
    for coding in sorted(codings, key=lambda c: c.get("system") != DRUG24_SYSTEM):
        if _is_24_digits(str(coding["code"])):
            return str(coding["code"]), "standard"

    def rank(coding: dict[str, Any]) -> int:
        system = str(coding.get("system") or "")
        if system == LOCAL_DRUG_SYSTEM or is_local_system(system, "DRUG"):
            return 0
        return 1 if system in (TMT_SYSTEM, OLD_TMT_SYSTEM) else 2

    if codings:
        return str(min(codings, key=rank)["code"]), "local"
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
    """Rows from records. Each `<table>_values` writes a row from its record alone (the
    import calls them too, to see which fields a record would not give back as read:
    f43_fields); `<table>_row` puts the kept fields over it and counts what is missing."""

    def __init__(self, hcode: str, stamp: str, providers: Mapping[str, str] | None = None) -> None:
        self.hcode = hcode
        self.stamp = stamp
        self.counts: Counter[str] = Counter()
        self.persons: dict[str, _Person] = {}  # Patient id ->
        self.visits: dict[str, _Visit] = {}    # Encounter id ->
        self.providers: dict[str, str] = dict(providers or {})  # Practitioner id -> provider code
        self.rights: dict[str, str] = {}  # Patient id -> INSTYPE of the person's right (their Coverage)

    def write(self, resources: list[Resource]) -> Export:
        by_type: dict[str, list[Resource]] = {}
        for resource in resources:
            by_type.setdefault(str(resource.get("resourceType")), []).append(resource)
        self.providers.update(provider_codes(by_type.get("Practitioner", []), self.hcode))
        for coverage in by_type.get("Coverage", []):
            patient, right = reference_id(coverage.get("beneficiary"), "Patient"), _right(coverage)
            if patient and right:
                self.rights.setdefault(patient, right)
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
        hn = local_value(patient, self.hcode, "HN")
        if not (local_value(patient, self.hcode, "PID") or hn):
            self.counts["pid_from_id"] += 1
        return _Person(pid_of(patient, self.hcode), hn, patient_cid(patient) or "")

    def person_values(self, patient: Resource) -> dict[str, str]:
        person = self.person_of(patient)
        self.persons[str(patient.get("id"))] = person
        name = _thai_name(patient)
        born = birth_date_of(patient)  # a year alone stands at 1 July (core/thai.py)
        birth = f43.date_text(born) if born else ""
        if not birth:
            self.counts["no_birth"] += 1
        elif len(str(patient.get("birthDate") or "")) < 10:
            self.counts["partial_birth"] += 1
        discharge, discharge_day = _discharge(patient)
        codes = f43_homes.patient_codes(patient)
        mobile, home = _phones(patient)
        thai = person.cid[:1] in THAI_CID_CATEGORIES  # a Thai national's citizen ID (DOPA's categories)
        return self.row(
            "PERSON", person, HID=f43_homes.household(patient, self.hcode), HN=person.hn,
            PRENAME=_prename(name),
            NAME=" ".join(name.get("given") or []), LNAME=str(name.get("family") or ""),
            SEX=SEX_CODES.get(str(patient.get("gender")), ""), BIRTH=birth, MSTATUS=codes["MSTATUS"],
            RACE=codes["RACE"], NATION=codes["NATION"] or (THAI_NATION if thai else ""), RELIGION=codes["RELIGION"],
            EDUCATION=codes["EDUCATION"], DISCHARGE=discharge, DDISCHARGE=discharge_day, LABOR=codes["LABOR"],
            PASSPORT=_passport(patient), TYPEAREA=_typearea(patient), TELEPHONE=home, MOBILE=mobile)

    def person_row(self, patient: Resource) -> dict[str, str]:
        row = finish("PERSON", self.person_values(patient), patient)
        self.counts["no_typearea"] += not row["TYPEAREA"]
        self.counts["no_discharge_day"] += row["DISCHARGE"] in ("2", "3") and not row["DDISCHARGE"]
        return row

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
        return [self.service_row(e, vitals.get(str(e.get("id")), {})) for e in encounters]

    def service_values(self, encounter: Resource, vitals: dict[str, str]) -> dict[str, str] | None:
        person = self.patient_of(encounter, "subject")
        if person is None:
            return None
        start = (encounter.get("period") or {}).get("start")
        staff = [p.get("individual") for p in encounter.get("participant") or [] if isinstance(p, dict)]
        visit = _Visit(person, visit_number(encounter, self.hcode) or _short_id(encounter), _date_field(start),
                       _provider(staff, self.hcode, self.providers))
        if not visit.date:
            self.counts["no_start"] += 1
        self.visits[str(encounter.get("id"))] = visit
        complaint = "; ".join(str(r["text"]) for r in encounter.get("reasonCode", []) or [] if r.get("text"))
        codes = f43_homes.encounter_codes(encounter)
        # what the app knows of a visit recorded here: a kept appointment is TYPEIN 2 (ตามนัด)
        typein = codes["TYPEIN"] or (TYPEIN_APPOINTMENT if encounter.get("appointment") else "")
        right = self.rights.get(reference_id(encounter.get("subject"), "Patient") or "", "")
        return self.row(
            "SERVICE", person, HN=person.hn, SEQ=visit.seq, DATE_SERV=visit.date, TIME_SERV=_time_field(start),
            LOCATION=codes["LOCATION"], INTIME=codes["INTIME"], INSTYPE=right, TYPEIN=typein,
            REFERINHOSP=codes["REFERINHOSP"], CHIEFCOMP=complaint, SERVPLACE=codes["SERVPLACE"],
            TYPEOUT=codes["TYPEOUT"], REFEROUTHOSP=codes["REFEROUTHOSP"],
            COST="0", PRICE="0", PAYPRICE="0", ACTUALPAY="0", HSUB=codes["HSUB"], **vitals)

    def service_row(self, encounter: Resource, vitals: dict[str, str]) -> dict[str, str] | None:
        row = self.service_values(encounter, vitals)
        if row is None:
            return None
        finish("SERVICE", row, encounter)
        self.counts["no_instype"] += not row["INSTYPE"]
        self.counts["service_unknown"] += not all(row[name] for name in SERVICE_ASKED)
        return row

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
            if visit and _diagtype(condition) == DIAGTYPE_PRINCIPAL:
                with_principal.add(visit.seq)
        return [self.diagnosis_row(condition, with_principal) for condition in conditions]

    def diagnosis_values(self, condition: Resource, with_principal: set[str]) -> dict[str, str] | None:
        visit = self.visit_of(condition, "encounter")
        if visit is None:
            return None
        code = _coding(condition.get("code"), ICD10_TM)
        if not code:
            self.counts["no_icd10"] += 1
            return None
        diagtype = _diagtype(condition)
        if not diagtype:
            diagtype = DIAGTYPE_OTHER if visit.seq in with_principal else DIAGTYPE_PRINCIPAL
            with_principal.add(visit.seq)
        return self.row("DIAGNOSIS_OPD", visit.person, SEQ=visit.seq, DATE_SERV=visit.date, DIAGTYPE=diagtype,
                        DIAGCODE=code.replace(".", ""), CLINIC=CLINIC_GENERAL,
                        PROVIDER=_provider(condition.get("asserter"), self.hcode, self.providers) or visit.provider)

    def diagnosis_row(self, condition: Resource, with_principal: set[str]) -> dict[str, str] | None:
        row = self.diagnosis_values(condition, with_principal)
        return finish("DIAGNOSIS_OPD", row, condition) if row else None

    # -- DRUG_OPD ---------------------------------------------------------------------------

    def drug_rows(self, dispenses: list[Resource]) -> list[dict[str, str] | None]:
        return [self.drug_row(d) for d in dispenses if d.get("context")]

    def drug_values(self, dispense: Resource) -> dict[str, str] | None:
        visit = self.visit_of(dispense, "context")
        if visit is None:
            return None
        concept = dispense.get("medicationCodeableConcept")
        code, kind = _drug_code(concept)
        quantity = dispense.get("quantity") or {}
        unit = str(quantity.get("unit") or "")
        performers = [p.get("actor") for p in dispense.get("performer", []) or [] if isinstance(p, dict)]
        return self.row("DRUG_OPD", visit.person, SEQ=visit.seq, DATE_SERV=visit.date, CLINIC=CLINIC_GENERAL,
                        DIDSTD=code if kind == "standard" else "", DNAME=_drug_name(concept),
                        AMOUNT=_number(quantity.get("value")), UNIT=unit if _is_unit_code(unit) else "",
                        UNIT_PACKING=f43_homes.pack_size(dispense), DRUGPRICE="0", DRUGCOST="0",
                        PROVIDER=_provider(performers, self.hcode, self.providers) or visit.provider)

    def drug_row(self, dispense: Resource) -> dict[str, str] | None:
        row = self.drug_values(dispense)
        if row is None:
            return None
        finish("DRUG_OPD", row, dispense)
        self.counts["no_drug24"] += not row["DIDSTD"]
        self.counts["unit_word"] += not row["UNIT"] and bool((dispense.get("quantity") or {}).get("unit"))
        return row

    # -- EPI --------------------------------------------------------------------------------

    def epi_rows(self, immunizations: list[Resource]) -> list[dict[str, str] | None]:
        return [self.epi_row(i) for i in immunizations]

    def epi_values(self, immunization: Resource) -> dict[str, str] | None:
        person = self.patient_of(immunization, "patient")
        if person is None:
            return None
        code = next(filter(None, (_coding(immunization.get("vaccineCode"), system)
                                  for system in VACCINE_SYSTEMS)), "")
        if not code:
            self.counts["no_epi_code"] += 1
            return None
        visit = self.visits.get(reference_id(immunization.get("encounter"), "Encounter") or "")
        seq = visit.seq if visit else (visit_number(immunization, self.hcode) or _short_id(immunization))
        performers = [p.get("actor") for p in immunization.get("performer", []) or [] if isinstance(p, dict)]
        here = immunization.get("primarySource") is not False  # given here: this unit is the place
        return self.row("EPI", person, SEQ=seq, DATE_SERV=_date_field(immunization.get("occurrenceDateTime")),
                        VACCINETYPE=code, VACCINEPLACE=_place(immunization) or (self.hcode if here else ""),
                        PROVIDER=_provider(performers, self.hcode, self.providers)
                        or (visit.provider if visit else ""))

    def epi_row(self, immunization: Resource) -> dict[str, str] | None:
        row = self.epi_values(immunization)
        return finish("EPI", row, immunization) if row else None
