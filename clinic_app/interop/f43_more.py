"""Eight more of the MOPH 43 files, both ways: HOME, CARD, PROVIDER, DRUGALLERGY, CHRONIC,
DEATH, APPOINTMENT and PROCEDURE_OPD <-> FHIR in the SIL-TH shapes the app writes
(core/builders.py), without loss: every field of every row comes back out as it came in.

Field lists. The layouts (f43.LAYOUTS; CHRONIC and PROVIDER were there already) are the
table definitions of a provincial 43-file database, `tehnplk/SUB_HDC`
`init_db/sub_hdc.sql` at commit 9aa6fd5c (the HDC "sub" database each province loads the
files into: one column per field, in the files' order, HOSPCODE first, its own `cid_aes`
and `log_import_id` after them), checked against the 43-file-plus guide's files listing
(sil-th/43fileplus-ig `input/pagecontent/files-listing.md`: แฟ้มที่ 3 DEATH, 4 CHRONIC,
5 CARD, 6 HOME, 9 PROVIDER, 11 DRUGALLERGY, 28 APPOINTMENT) and its examples of each file's
resources (`input/fsh/Examples/EX_Bundle/EX_File*.fsh`). Code lists are the guides'
(sil-th/terminology-ig de0592c4): TYPEDX cs-thcc-allergy-certainty 1-5, ALEVEL
cs-thcc-allergy-severity 1-8, SYMPTOM cs-thcc-allergy-manifest 01-39, INFORMANT
cs-thcc-allergy-assert-type 1-4 (CS_MoPH_Allergy.fsh); TYPEDISCH
cs-thcc-chronic-discharge-reason 01-11 (CS_MoPH_Discharge.fsh:20-37); COUNCIL
cs-thcc-qualification-issuer 01-07 and PROVIDERTYPE cs-thcc-individual-provider-type
(CS_MoPH_Provider.fsh); APTYPE cs-thcc-appoint-service-type (CS_MoPH_Appointment.fsh);
HOUSETYPE cs-thcc-house-type, LOCATYPE cs-thcc-in-municipality (CS_MoPH_Location.fsh);
INSTYPE_NEW cs-thcc-coverage-type (the shipped resources/standards/cs-thcc-coverage-type.csv).

The mapping (each file: the record it becomes; its fields at home):

- DRUGALLERGY -> AllergyIntolerance (builders.allergy_intolerance): DATERECORD recordedDate;
  DRUGALLERGY code.coding (24 digits: cs-th-24drug, else the unit's cs-th-local-drug-code);
  DNAME code.text; TYPEDX, ALEVEL the certainty and severity extensions (verificationStatus
  and criticality follow); SYMPTOM reaction.manifestation (cs-thcc-allergy-manifest);
  INFORMANT ex-allergyintolerance-allergy-assert-type; INFORMHOSP
  ex-allergyintolerance-allergy-assert-org (the facility by its hcode); PROVIDER recorder.
- APPOINTMENT -> Appointment (builders.appointment; fulfilled when service.txt has the
  person's visit on APDATE, else booked): SEQ, DATE_SERV the visit it was made at
  (supportingInformation, F43 SD_Appointment.fsh); APDATE start (09:00 Thai time, as the app
  books); APTYPE reasonCode cs-thcc-appoint-service-type; APDIAG reasonCode ICD-10; PROVIDER
  the practitioner participant.
- PROCEDURE_OPD -> Procedure (builders.procedure) of the visit SEQ: PROCEDCODE code, ICD-9-CM
  with its dot (3-4 digits), an ICD-10-TM procedure code (7 digits, cs-th-icd10tm), else the
  unit's cs-th-local-procedure-code (PC1 SD_Procedure_Base.fsh:13-31); PROVIDER performer.
- CHRONIC -> Condition on the problem list (builders.condition(encounter=None), as
  followup.add_chronic): CHRONIC code (ICD-10 with its dot); DATE_DIAG recordedDate;
  TYPEDISCH ex-condition-chronic-discharge-reason (EXT SD_EX_Combine.fsh:1-16) and the
  clinicalStatus it means (01, 07 resolved; 08 remission; 02 inactive; 11 recurrence; else
  active); DATE_DISCH abatementDateTime when the status allows one.
- DEATH -> Patient.deceasedDateTime (DDEATH; set when person.txt did not say so) and the cause
  as a Condition (F43 EX_File3.fsh, EX_ConditionDeath.fsh), categorised
  cs-meta-extended-hl7-diagnosis-role#death, no visit (so neither DIAGNOSIS_OPD nor CHRONIC
  takes it): CDEATH code (ICD-10); PROVIDER asserter.
- CARD -> Coverage (builders.coverage for the rights registration offers, the same shape for
  the others): INSTYPE_NEW type (cs-thcc-coverage-type); INSID subscriberId; STARTDATE,
  EXPIREDATE period; MAIN, SUB ex-coverage-contracted-provider primary / secondary (EXT
  SD_EX_Coverage.fsh:13-46).
- PROVIDER -> Practitioner (builders.practitioner, with the id the app gives the staff member
  of that sign-in name) and its PractitionerRole at the unit (PC1 SD_PractitionerRole_Base.fsh):
  PROVIDER the localProv identifier; REGISTERNO + COUNCIL the licence identifier of that
  council (proDoc, proNurse, proPharm, proDent, proPhysio, proMedtech, proVet); CID; PRENAME,
  NAME, LNAME the name (DOPA's prefix code on the prefix); SEX, BIRTH; PROVIDERTYPE the role's
  code; STARTDATE, OUTDATE its period; MOVEFROM, MOVETO ex-practitionerrole-provider-move.
- HOME -> Location (F43's mophpc-location-home, SD_Location_Home.fsh: a household, not a
  person's address): HID the localHouse identifier (.../HouseId); HOUSE_ID the DOPA house
  number (th-dopa-house-no); HOUSETYPE ex-address-house-type; HOUSE, VILLANAME, VILLAGE,
  ROAD, SOIMAIN the structured address line; CHANGWAT, AMPUR, TAMBON the address code and
  names; TELEPHONE telecom; LATITUDE, LONGITUDE position; NFAMILY household count; LOCATYPE
  in-municipality; HEADID, VHVID house owner and responsible volunteer (their PIDs);
  OUTDATE makes it inactive.

Every other field — INSTYPE_OLD, HOSP_DX, HOSP_RX, CLINIC, SERVICEPRICE, AN, HOSPDEATH, the
chain of causes CDEATH_A-D, ODISEASE, PREGDEATH, PDEATH, the house's room, building, side
lane and sanitation survey, OUTDATE, D_UPDATE — and any field whose text the record would
not give back as it came (a code outside its list, "1" where the export writes "01", a date
that disagrees with person.txt ...) is kept in the project's one extension for them
(core.identifiers.F43_FIELDS_EXTENSION, interop/f43_fields.py): a complex extension, one
sub-extension per field named by the 43 field, valueString. An empty field is kept only
where the record would fill it (an empty CID of a person who has one), as " " (f43_fields:
FHIR strings may not be empty; the writer strips it); a Buddhist-era date kept is kept in
the common era, as the dates at home are read. The import finds those fields by writing the
row back from the record it made and comparing (D_UPDATE is always kept: the records have no
place for it; f43_fields.touched drops it from a record changed here, which then gets the
export's time); the export writes the row from the record and puts the kept fields over it. A record
made in the app has no such extension: its row is written from the record alone, with this
unit's defaults (CLINIC 00100, INFORMHOSP this unit, HOSP_RX this unit, TYPEDISCH from the
clinical status, PROVIDERTYPE from the licence) and D_UPDATE the export's time.

A month's export (services/interop.py, `within`) has the allergies recorded and the
appointments made in the month (an appointment recorded before the app tied it to its visit
goes with the patient's last visit before its day, `attach_visits`); CHRONIC, DEATH and CARD
whole, as PERSON is; PROVIDER and HOME once, from the unit's Practitioners, PractitionerRoles
and Locations. An import meets what is here (`keep_what_is_here`): a record of these files
already stored (the same id) is kept as it is.

Ids are uuid5 of https://clinic-app/f43/<hcode>/<kind>/<key>, as f43_import makes them:
ALLERGY/<PID>/<DRUGALLERGY or DNAME>/<n>, APPOINTMENT/<PID>/<SEQ>/<APDATE>/<APTYPE>/<n>,
PROCEDURE/<SEQ>/<PROCEDCODE>/<n>, CHRONIC/<PID>/<CHRONIC>/<n>, DEATH/<PID>,
CARD/<PID>/<INSTYPE_NEW>/<n>, HOME/<HID>, PROVIDER/<PROVIDER>/role (n counts repeats of the
same key, so no row is lost and ids never depend on line numbers); a Practitioner's id is
the one the app gives the staff member of that provider code (services/visits.py
staff_records). A row of another facility, a PID not in person.txt (or refused there),
a SEQ not in service.txt (PROCEDURE_OPD), a missing required field or date is a problem,
in English and Thai, never quoting a citizen ID or a name.
"""

from __future__ import annotations

import csv
import datetime as _dt
import functools
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from clinic_app.core import builders as build
from clinic_app.core import places
from clinic_app.core.errors import Problem
from clinic_app.core.fhir import Resource, owner_of, patient_cid, reference_id
from clinic_app.core.identifiers import (
    ALLERGY_CERTAINTY_EXTENSION,
    ALLERGY_CERTAINTY_SYSTEM,
    ALLERGY_SEVERITY_EXTENSION,
    ALLERGY_SEVERITY_SYSTEM,
    COVERAGE_TYPE_SYSTEM,
    DRUG24_SYSTEM,
    HCODE_SYSTEM,
    ICD9CM,
    ICD10_TM,
    LICENCE_SYSTEMS,
    LOCAL_DRUG_SYSTEM,
    NAME_PREFIX_EXTENSION,
    NAME_PREFIX_SYSTEM,
    PROVIDER_TYPE_SYSTEM,
    STRUCTURED_LINE_EXTENSION,
    TERMS,
    TH_EXTENSIONS,
    TMT_SYSTEM,
    is_local_system,
    local_system,
    profile,
)
from clinic_app.core.reshape import reshape
from clinic_app.core.thai import PREFIX_CODES, cid_problem, has_thai, normalise_cid
from clinic_app.interop import f43, f43_fields
from clinic_app.interop.f43_export import local_value, pid_of, provider_codes, visit_number
from clinic_app.shipped import resource_path

TABLES = ("HOME", "CARD", "PROVIDER", "DRUGALLERGY", "CHRONIC", "DEATH", "APPOINTMENT", "PROCEDURE_OPD")
READ = frozenset(TABLES)  # f43_import reads these too
UNIT_TABLES = ("HOME", "PROVIDER")  # the unit's own, not a patient's: written once per export

ALLERGY_ASSERT_TYPE_EXTENSION = TH_EXTENSIONS + "ex-allergyintolerance-allergy-assert-type"
ALLERGY_ASSERT_ORG_EXTENSION = TH_EXTENSIONS + "ex-allergyintolerance-allergy-assert-org"
ALLERGY_ASSERT_TYPE_SYSTEM = TERMS + "cs-thcc-allergy-assert-type"
ALLERGY_MANIFEST_SYSTEM = TERMS + "cs-thcc-allergy-manifest"
APPOINT_TYPE_SYSTEM = TERMS + "cs-thcc-appoint-service-type"
ICD10TM_SYSTEM = TERMS + "cs-th-icd10tm"
LOCAL_PROCEDURE_SYSTEM = TERMS + "cs-th-local-procedure-code"
CHRONIC_DISCHARGE_EXTENSION = TH_EXTENSIONS + "ex-condition-chronic-discharge-reason"
CHRONIC_DISCHARGE_SYSTEM = TERMS + "cs-thcc-chronic-discharge-reason"
DIAGNOSIS_ROLE_SYSTEM = TERMS + "cs-meta-extended-hl7-diagnosis-role"  # #death: cause of death
CONTRACTED_PROVIDER_EXTENSION = TH_EXTENSIONS + "ex-coverage-contracted-provider"
PROVIDER_TYPE_COVERAGE_SYSTEM = TERMS + "cs-meta-provider-type-coverage"
PROVIDER_MOVE_EXTENSION = TH_EXTENSIONS + "ex-practitionerrole-provider-move"
HOUSE_TYPE_EXTENSION = TH_EXTENSIONS + "ex-address-house-type"
HOUSE_TYPE_SYSTEM = TERMS + "cs-thcc-house-type"
HOUSE_OWNER_EXTENSION = TH_EXTENSIONS + "ex-location-house-owner"
VOLUNTEER_EXTENSION = TH_EXTENSIONS + "ex-location-responsible-volunteer"
HOUSEHOLDS_EXTENSION = TH_EXTENSIONS + "ex-location-household-count"
MUNICIPALITY_EXTENSION = TH_EXTENSIONS + "ex-location-in-municipality"
MUNICIPALITY_SYSTEM = TERMS + "cs-thcc-in-municipality"
HOUSE_NO_SYSTEM = "https://terms.sil-th.org/id/th-dopa-house-no"
ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"

ALLERGY_SEVERITY = {**build.ALLERGY_SEVERITY, "8": "Other serious"}  # THCC ID 67 has 8 (ร้ายแรง - อื่นๆ)
ALLERGY_ASSERT_TYPES = {"1": "ผู้ป่วยให้ประวัติเอง", "2": "ผู้ป่วยให้ประวัติจากการให้ข้อมูลของสถานพยาบาลอื่น",
                        "3": "สถานพยาบาลอื่นเป็นผู้ให้ข้อมูล", "4": "สถานพยาบาลแห่งนี้เป็นผู้พบการแพ้ยาเอง"}
TYPEDISCH = {"01": "หาย", "02": "ตาย", "03": "ยังรักษาอยู่", "04": "ไม่ทราบ(ไม่มีข้อมูล)", "05": "รอจำหน่าย/เฝ้าระวัง",
             "06": "ขาดการรักษาไม่มาติดต่ออีก(ทราบว่าขาดการรักษา)", "07": "ครบการรักษา",
             "08": "โรคอยู่ในภาวะสงบ(inactive)ไม่มีความจำเป็นต้องรักษา", "09": "ปฎิเสธการรักษา", "10": "ออกจากพื้นที่",
             "11": "กลับเป็นซ้ำ"}
CLINICAL_BY_TYPEDISCH = {"01": "resolved", "07": "resolved", "08": "remission", "02": "inactive", "11": "recurrence"}
TYPEDISCH_BY_CLINICAL = {"active": "03", "recurrence": "03", "relapse": "03", "resolved": "01", "remission": "08",
                         "inactive": "08"}
ABATED = frozenset({"inactive", "resolved", "remission"})  # the statuses an abatement date goes with (con-4)
# COUNCIL (cs-thcc-qualification-issuer) -> the licence's identifier type, and back
COUNCILS = {"01": "proDoc", "02": "proNurse", "03": "proPharm", "04": "proDent", "05": "proPhysio",
            "06": "proMedtech", "07": "proVet"}
LICENCES = {**LICENCE_SYSTEMS, "proVet": "https://terms.sil-th.org/id/th-vet-id"}
COUNCIL_BY_TYPE = {kind: council for council, kind in COUNCILS.items()}
# the provider type a licence says, for the app's own staff (cs-thcc-individual-provider-type)
PROVIDERTYPE_BY_LICENCE = {"proDoc": "01", "proDent": "02", "proNurse": "03", "healthVolun": "07", "proPharm": "11",
                           "proMedtech": "13"}
HOUSE_TYPES = frozenset("12345689")
MUNICIPALITY = {"1": "ในเขตเทศบาล", "2": "นอกเขตเทศบาล"}
SEXES = {"1": "male", "2": "female"}
SEX_CODES = {"male": "1", "female": "2"}
CLINIC_GENERAL = "00100"
APPOINTMENT_TIME = "T09:00:00+07:00"  # APDATE is a day; the app books at 09:00 (services/visits.py)
ICD10_CODE = re.compile(r"^[A-Z][0-9]{2}(?:\.[0-9A-Z]{1,4})?$")
ICD9CM_CODE = re.compile(r"^[0-9]{2}\.?[0-9]{1,2}$")
ICD10TM_PROCEDURE = re.compile(r"^[0-9]{7}$")
NUMBER = re.compile(r"^-?[0-9]+(?:\.[0-9]+)?$")

SORT_FIELDS = {
    "HOME": ("HID",),
    "CARD": ("PID", "INSTYPE_NEW", "STARTDATE", "INSID"),
    "PROVIDER": ("PROVIDER",),
    "DRUGALLERGY": ("PID", "DATERECORD", "DRUGALLERGY", "DNAME"),
    "CHRONIC": ("PID", "DATE_DIAG", "CHRONIC"),
    "DEATH": ("PID",),
    "APPOINTMENT": ("PID", "DATE_SERV", "SEQ", "APDATE", "APTYPE", "APDIAG"),
    "PROCEDURE_OPD": ("PID", "DATE_SERV", "SEQ", "PROCEDCODE"),
}

# Count name -> the note written when the count is not zero (names apart from f43_export's).
NOTES = {
    "more_no_patient": "{n} allergies, appointments, procedures, problems, rights or deaths whose patient is not "
                       "among the records given were left out",
    "more_no_visit": "{n} procedures whose visit is not among the records given were left out",
    "more_no_drug_code": "{n} allergies have no drug code: DRUGALLERGY is left empty",
    "more_no_informant": "{n} allergies recorded here do not say who gave the history: INFORMANT is left empty",
    "more_guessed_visit": "{n} appointments do not name the visit they were made at: SEQ is the patient's last "
                          "visit before the appointment",
    "more_no_visit_appointment": "{n} appointments have no visit: SEQ and DATE_SERV are left empty",
    "more_no_aptype": "{n} appointments have no type: APTYPE is left empty",
    "more_no_hosp_dx": "{n} chronic diseases put on the register here do not say where they were diagnosed: "
                       "HOSP_DX is left empty",
    "more_no_procedure_code": "{n} procedures without a code were left out",
    "more_no_chronic_code": "{n} problems without an ICD-10 code were left out",
}


def notes_for(counts: Counter[str]) -> list[str]:
    return [text.format(n=counts[name]) for name, text in NOTES.items() if counts[name]]


# -- the kept fields ------------------------------------------------------------------------------

def kept_fields(resource: Resource) -> dict[str, str] | None:
    """{field: text} kept on a record made from a 43 file (None for a record made here);
    a field kept empty reads "" again."""
    return f43_fields.kept(resource)


# -- shipped code lists -------------------------------------------------------------------------

@functools.cache
def _csv(name: str) -> dict[str, str]:
    """code -> display of a shipped SIL-TH list (resources/standards/<name>.csv); empty when absent."""
    try:
        with resource_path(f"standards/{name}.csv").open(encoding="utf-8", newline="") as fh:
            return {row["code"]: row["display"] for row in csv.DictReader(fh)}
    except (OSError, KeyError):
        return {}


def coverage_types() -> dict[str, str]:
    """NHSO's rights, cs-thcc-coverage-type (110 codes)."""
    return _csv("cs-thcc-coverage-type")


def name_prefixes() -> dict[str, str]:
    """DOPA's name prefixes, cs-dopa-nameprefix (504 codes): code -> the abbreviation."""
    return _csv("cs-dopa-nameprefix")


# -- small helpers -------------------------------------------------------------------------------

def _coding(concept: Any, *systems: str) -> str:
    for coding in (concept or {}).get("coding") or [] if isinstance(concept, dict) else []:
        if isinstance(coding, dict) and coding.get("system") in systems and coding.get("code"):
            return str(coding["code"])
    return ""


def _extension(element: Any, url: str) -> dict[str, Any] | None:
    return next((e for e in (element or {}).get("extension") or [] if isinstance(e, dict) and e.get("url") == url),
                None) if isinstance(element, dict) else None


def _part(ext: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
    return _extension(ext, name)


def _coded_ext(url: str, system: str, code: str, display: str | None = None) -> dict[str, Any]:
    return {"url": url, "valueCodeableConcept": {"coding": [build.coding(system, code, display)]}}


def _ext_code(resource: Any, url: str, system: str) -> str:
    return _coding((_extension(resource, url) or {}).get("valueCodeableConcept"), system)


def _facility(code: str) -> dict[str, Any]:
    """A reference to a facility by its hcode (the Organization is not in the records)."""
    return {"type": "Organization", "identifier": build.identifier(HCODE_SYSTEM, code, "hcode")}


def _facility_code(reference: Any) -> str:
    ident = (reference or {}).get("identifier") if isinstance(reference, dict) else None
    if isinstance(ident, dict) and ident.get("system") == HCODE_SYSTEM:
        return str(ident.get("value") or "")
    return reference_id(reference, "Organization") or ""


def _day(text: Any) -> str:
    """YYYYMMDD of a FHIR date or dateTime in Thailand's time ("" when not a whole date)."""
    moment = f43.thai_local(text if isinstance(text, str) else None)
    return f43.date_text(moment.date()) if moment else ""


def _icd10(code: str) -> str:
    """ "E119" -> "E11.9"; "J00" and "E11.9" stay."""
    code = code.strip().upper()
    return f"{code[:3]}.{code[3:]}" if len(code) > 3 and "." not in code else code


def _procedure_coding(text: str) -> dict[str, str]:
    """PROCEDCODE as a coding: ICD-9-CM (the dot put back), an ICD-10-TM procedure code, or
    the unit's own procedure code."""
    if ICD9CM_CODE.match(text):
        digits = text.replace(".", "")
        return build.coding(ICD9CM, f"{digits[:2]}.{digits[2:]}")
    if ICD10TM_PROCEDURE.match(text):
        return build.coding(ICD10TM_SYSTEM, text)
    return build.coding(LOCAL_PROCEDURE_SYSTEM, text)


def _drug_concept(code: str) -> dict[str, Any] | None:
    """DRUGALLERGY as a drug's codes: the 24-digit code, else the unit's own drug code."""
    if not code:
        return None
    if len(code) == 24 and code.isdigit():
        return {"coding": [build.coding(DRUG24_SYSTEM, code)]}
    return {"coding": [build.coding(LOCAL_DRUG_SYSTEM, code)]}


def _drug_code(concept: Any) -> str:
    """The 24-digit code, else the unit's own code, else a TMT code; "" when none."""
    codings = [c for c in (concept or {}).get("coding") or [] if isinstance(c, dict) and c.get("code")]
    for coding in codings:
        code = str(coding["code"])
        if coding.get("system") == DRUG24_SYSTEM or (len(code) == 24 and code.isdigit()):
            return code

    def rank(coding: dict[str, Any]) -> int:
        system = str(coding.get("system") or "")
        return 0 if system == LOCAL_DRUG_SYSTEM or is_local_system(system, "DRUG") else 1 if system == TMT_SYSTEM else 2

    return str(min(codings, key=rank)["code"]) if codings else ""


def _number_text(value: Any) -> str:
    """14 -> "14", 14.0 -> "14", 13.75 -> "13.75"; "" for anything not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return ""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _practitioner_id(hcode: str, code: str) -> str:
    """The id the app gives the Practitioner of a provider code (services/visits.py staff_records)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, local_system(hcode, "Provider") + "/" + code))


def _name_parts(name: dict[str, Any]) -> tuple[str, str]:
    """(NAME, LNAME): the given and family names, else the text's first word and the rest."""
    given = " ".join(str(g) for g in name.get("given") or [] if g)
    if given or name.get("family"):
        return given, str(name.get("family") or "")
    text = str(name.get("text") or "").strip()
    first, _, rest = text.partition(" ")
    return first, rest.strip()


def _prefix_code(name: dict[str, Any]) -> str:
    for element in name.get("_prefix") or []:
        code = _ext_code(element, NAME_PREFIX_EXTENSION, NAME_PREFIX_SYSTEM)
        if code:
            return code
    written = ((name.get("prefix") or [""])[0] or "").strip()
    return PREFIX_CODES[written][0] if written in PREFIX_CODES else ""


def _person_name(given: str, family: str, prename: str) -> dict[str, Any] | None:
    """A practitioner's name, Thai when written in Thai letters; the DOPA prefix code on the
    prefix (written as DOPA's abbreviation) when it is one of the list."""
    if not (given or family):
        return None
    language = "th" if has_thai(given + family) or not (given + family).isascii() else "en"
    display = name_prefixes().get(prename, "") if language == "th" else ""
    if display:
        return build.human_name(given, family, language=language, prefix=display, prefix_code=(prename, display))
    return build.human_name(given, family, language=language)


# -- the rows a record writes (the export's half, also run by the import to find what to keep) ---

@dataclass(frozen=True)
class _Person:
    pid: str
    cid: str


@dataclass(frozen=True)
class _Visit:
    seq: str
    date: str      # YYYYMMDD
    start: str     # the FHIR dateTime
    patient: str   # Patient id


@dataclass
class _Context:
    hcode: str
    persons: dict[str, _Person] = field(default_factory=dict)    # Patient id ->
    patients: dict[str, Resource] = field(default_factory=dict)  # Patient id ->
    visits: dict[str, _Visit] = field(default_factory=dict)      # Encounter id ->
    providers: Mapping[str, str] = field(default_factory=dict)   # Practitioner id -> provider code
    roles: dict[str, Resource] = field(default_factory=dict)     # Practitioner id -> its PractitionerRole
    counts: Counter[str] = field(default_factory=Counter)

    def add_patient(self, patient: Resource) -> None:
        pid = str(patient.get("id"))
        self.patients[pid] = patient
        self.persons[pid] = _Person(pid_of(patient, self.hcode), patient_cid(patient) or "")

    def add_visit(self, encounter: Resource) -> None:
        start = str((encounter.get("period") or {}).get("start") or "")
        seq = visit_number(encounter, self.hcode) or str(encounter.get("id", "")).replace("-", "")[:16]
        self.visits[str(encounter.get("id"))] = _Visit(seq, _day(start), start,
                                                         reference_id(encounter.get("subject"), "Patient") or "")

    def provider(self, references: Any) -> str:
        """The provider code of the first Practitioner reference that has one (by its
        localProv identifier, or by the id of a Practitioner of the unit)."""
        for ref in references if isinstance(references, list) else [references]:
            if not isinstance(ref, dict):
                continue
            ident = ref.get("identifier")
            if isinstance(ident, dict):
                code = local_value({"identifier": [ident]}, self.hcode, "Provider")
                if code:
                    return code
            code = self.providers.get(reference_id(ref, "Practitioner") or "", "")
            if code:
                return code
        return ""


def _is_death(condition: Resource) -> bool:
    return any(_coding(c, DIAGNOSIS_ROLE_SYSTEM) == "death" for c in condition.get("category") or [])


def _is_problem(condition: Resource) -> bool:
    """On the problem list: no visit, a problem-list-item (the app's chronic register)."""
    return not condition.get("encounter") and not _is_death(condition) and any(
        _coding(c, CONDITION_CATEGORY) == "problem-list-item" for c in condition.get("category") or [])


def _appointment_patient(appointment: Resource) -> str:
    return next((pid for p in appointment.get("participant") or [] if isinstance(p, dict)
                 if (pid := reference_id(p.get("actor"), "Patient"))), "")


def _appointment_visit(appointment: Resource) -> str:
    return next((eid for ref in appointment.get("supportingInformation") or []
                 if (eid := reference_id(ref, "Encounter"))), "")


class _Rows:
    """The 43-file row of a record, without the kept fields: `own` records (made in the app)
    get the unit's defaults, those from a file do not (their fields are kept)."""

    def __init__(self, ctx: _Context) -> None:
        self.ctx = ctx

    def person(self, patient_id: str) -> _Person | None:
        return self.ctx.persons.get(patient_id)

    def allergy(self, a: Resource, own: bool) -> dict[str, str] | None:
        person = self.person(reference_id(a.get("patient"), "Patient") or "")
        if person is None:
            return None
        code = a.get("code") or {}
        drug = _drug_code(code)
        informant = _ext_code(a, ALLERGY_ASSERT_TYPE_EXTENSION, ALLERGY_ASSERT_TYPE_SYSTEM)
        symptom = next((c for r in a.get("reaction") or [] if isinstance(r, dict)
                        for m in r.get("manifestation") or [] if (c := _coding(m, ALLERGY_MANIFEST_SYSTEM))), "")
        org = _facility_code((_extension(a, ALLERGY_ASSERT_ORG_EXTENSION) or {}).get("valueReference"))
        if own:
            self.ctx.counts["more_no_drug_code"] += not drug
            self.ctx.counts["more_no_informant"] += not informant
        dname = str(code.get("text") or next((c.get("display") for c in code.get("coding") or [] if c.get("display")), ""))
        return {"PID": person.pid, "CID": person.cid, "DATERECORD": _day(a.get("recordedDate") or (a.get("meta") or {}).get("lastUpdated")), "DRUGALLERGY": drug,
                "DNAME": dname, "TYPEDX": _ext_code(a, ALLERGY_CERTAINTY_EXTENSION, ALLERGY_CERTAINTY_SYSTEM),
                "ALEVEL": _ext_code(a, ALLERGY_SEVERITY_EXTENSION, ALLERGY_SEVERITY_SYSTEM), "SYMPTOM": symptom,
                "INFORMANT": informant, "INFORMHOSP": org or (self.ctx.hcode if own else ""),
                "PROVIDER": self.ctx.provider([a.get("recorder"), a.get("asserter")])}

    def appointment(self, ap: Resource, own: bool, guessed: Mapping[str, str]) -> dict[str, str] | None:
        person = self.person(_appointment_patient(ap))
        if person is None:
            return None
        visit = self.ctx.visits.get(_appointment_visit(ap) or guessed.get(str(ap.get("id")), ""))
        if own:
            self.ctx.counts["more_guessed_visit"] += bool(visit) and not _appointment_visit(ap)
            self.ctx.counts["more_no_visit_appointment"] += visit is None
        reasons = ap.get("reasonCode") or []
        aptype = next((c for r in reasons if (c := _coding(r, APPOINT_TYPE_SYSTEM))), "")
        if own:
            self.ctx.counts["more_no_aptype"] += not aptype
        diag = next((c for r in reasons if (c := _coding(r, ICD10_TM, ICD10TM_SYSTEM))), "")
        return {"PID": person.pid, "CID": person.cid, "SEQ": visit.seq if visit else "",
                "DATE_SERV": visit.date if visit else "", "CLINIC": CLINIC_GENERAL if own else "",
                "APDATE": _day(ap.get("start")), "APTYPE": aptype, "APDIAG": diag.replace(".", ""),
                "PROVIDER": self.ctx.provider([p.get("actor") for p in ap.get("participant") or [] if isinstance(p, dict)])}

    def procedure(self, p: Resource, own: bool) -> dict[str, str] | None:
        visit = self.ctx.visits.get(reference_id(p.get("encounter"), "Encounter") or "")
        person = self.person(visit.patient if visit else reference_id(p.get("subject"), "Patient") or "")
        if visit is None or person is None:
            return None
        code = _coding(p.get("code"), ICD9CM).replace(".", "") or _coding(p.get("code"), ICD10TM_SYSTEM, LOCAL_PROCEDURE_SYSTEM)
        return {"PID": person.pid, "CID": person.cid, "SEQ": visit.seq, "DATE_SERV": visit.date,
                "CLINIC": CLINIC_GENERAL if own else "", "PROCEDCODE": code,
                "PROVIDER": self.ctx.provider([q.get("actor") for q in p.get("performer") or [] if isinstance(q, dict)])}

    def chronic(self, c: Resource, own: bool) -> dict[str, str] | None:
        person = self.person(reference_id(c.get("subject"), "Patient") or "")
        if person is None:
            return None
        status = _coding(c.get("clinicalStatus"), CONDITION_CLINICAL)
        typedisch = _ext_code(c, CHRONIC_DISCHARGE_EXTENSION, CHRONIC_DISCHARGE_SYSTEM)
        if own:
            typedisch = typedisch or TYPEDISCH_BY_CLINICAL.get(status or "active", "")
            self.ctx.counts["more_no_hosp_dx"] += 1
        return {"PID": person.pid, "CID": person.cid, "DATE_DIAG": _day(c.get("recordedDate") or c.get("onsetDateTime")),
                "CHRONIC": _coding(c.get("code"), ICD10_TM, ICD10TM_SYSTEM).replace(".", ""), "HOSP_DX": "",
                "HOSP_RX": self.ctx.hcode if own else "", "DATE_DISCH": _day(c.get("abatementDateTime")),
                "TYPEDISCH": typedisch}

    def death(self, c: Resource, own: bool) -> dict[str, str] | None:
        patient_id = reference_id(c.get("subject"), "Patient") or ""
        person = self.person(patient_id)
        if person is None:
            return None
        patient = self.ctx.patients.get(patient_id) or {}
        return {"PID": person.pid, "CID": person.cid, "DDEATH": _day(patient.get("deceasedDateTime")),
                "CDEATH": _coding(c.get("code"), ICD10_TM, ICD10TM_SYSTEM).replace(".", ""),
                "PROVIDER": self.ctx.provider(c.get("asserter"))}

    def coverage(self, cov: Resource, own: bool) -> dict[str, str] | None:
        person = self.person(reference_id(cov.get("beneficiary"), "Patient") or "")
        if person is None:
            return None
        period = cov.get("period") or {}
        contracted = {"primary": "", "secondary": ""}
        for ext in cov.get("extension") or []:
            if isinstance(ext, dict) and ext.get("url") == CONTRACTED_PROVIDER_EXTENSION:
                kind = _coding((_part(ext, "type") or {}).get("valueCodeableConcept"), PROVIDER_TYPE_COVERAGE_SYSTEM)
                if kind in contracted and not contracted[kind]:
                    contracted[kind] = _facility_code((_part(ext, "provider") or {}).get("valueReference"))
        return {"PID": person.pid, "CID": person.cid, "INSTYPE_NEW": _coding(cov.get("type"), COVERAGE_TYPE_SYSTEM),
                "INSID": str(cov.get("subscriberId") or ""), "STARTDATE": _day(period.get("start")),
                "EXPIREDATE": _day(period.get("end")), "MAIN": contracted["primary"], "SUB": contracted["secondary"]}

    def provider(self, pr: Resource, own: bool) -> dict[str, str] | None:
        code = local_value(pr, self.ctx.hcode, "Provider")
        if not code:
            return None
        licence = next(((str(i.get("value") or ""), kind) for i in pr.get("identifier") or [] if isinstance(i, dict)
                        for kind, system in LICENCES.items() if i.get("system") == system), ("", ""))
        cid = next((str(i.get("value")) for i in pr.get("identifier") or []
                    if isinstance(i, dict) and i.get("system") == "https://terms.sil-th.org/id/th-cid"), "")
        name = next((n for n in pr.get("name") or [] if isinstance(n, dict)), {})
        given, family = _name_parts(name)
        role = self.ctx.roles.get(str(pr.get("id"))) or {}
        period = role.get("period") or {}
        move = _extension(role, PROVIDER_MOVE_EXTENSION)
        providertype = _coding((role.get("code") or [{}])[0] if role.get("code") else None, PROVIDER_TYPE_SYSTEM)
        if own and not providertype:
            providertype = PROVIDERTYPE_BY_LICENCE.get(licence[1], "")
        return {"PROVIDER": code, "REGISTERNO": licence[0] if licence[1] in COUNCIL_BY_TYPE else "",
                "COUNCIL": COUNCIL_BY_TYPE.get(licence[1], ""), "CID": cid, "PRENAME": _prefix_code(name),
                "NAME": given, "LNAME": family, "SEX": SEX_CODES.get(str(pr.get("gender")), ""),
                "BIRTH": _day(pr.get("birthDate")), "PROVIDERTYPE": providertype,
                "STARTDATE": _day(period.get("start")), "OUTDATE": _day(period.get("end")),
                "MOVEFROM": _facility_code((_part(move, "movefrom") or {}).get("valueReference")),
                "MOVETO": _facility_code((_part(move, "moveto") or {}).get("valueReference"))}

    def home(self, loc: Resource, own: bool) -> dict[str, str] | None:
        hid = local_value(loc, self.ctx.hcode, "HouseId")
        if not hid:
            return None
        address = loc.get("address") or {}
        line = {str(p.get("url")): str(p.get("valueString") or "")
                for p in (_extension(address, STRUCTURED_LINE_EXTENSION) or {}).get("extension") or []
                if isinstance(p, dict)}
        subdistrict, _village = places.address_codes(address)
        moo = re.sub(r"[^0-9]", "", line.get("villageNo", ""))
        position = loc.get("position") or {}
        owner = (_part(_extension(loc, HOUSE_OWNER_EXTENSION), "pid") or {}).get("valueString") or ""
        volunteer = (_part(_extension(loc, VOLUNTEER_EXTENSION), "pid") or {}).get("valueString") or ""
        households = (_extension(loc, HOUSEHOLDS_EXTENSION) or {}).get("valueInteger")
        return {"HID": hid,
                "HOUSE_ID": next((str(i.get("value")) for i in loc.get("identifier") or []
                                  if isinstance(i, dict) and i.get("system") == HOUSE_NO_SYSTEM), ""),
                "HOUSETYPE": _ext_code(loc, HOUSE_TYPE_EXTENSION, HOUSE_TYPE_SYSTEM),
                "HOUSE": line.get("number", ""), "SOIMAIN": line.get("lane", ""), "ROAD": line.get("road", ""),
                "VILLANAME": line.get("buildingVillage", ""), "VILLAGE": moo.zfill(2) if moo else "",
                "CHANGWAT": subdistrict[:2], "AMPUR": subdistrict[2:4], "TAMBON": subdistrict[4:6],
                "TELEPHONE": next((str(t.get("value")) for t in loc.get("telecom") or []
                                   if isinstance(t, dict) and t.get("system") == "phone" and t.get("value")), ""),
                "LATITUDE": _number_text(position.get("latitude")), "LONGITUDE": _number_text(position.get("longitude")),
                "NFAMILY": _number_text(households), "LOCATYPE": _ext_code(loc, MUNICIPALITY_EXTENSION, MUNICIPALITY_SYSTEM),
                "VHVID": str(volunteer), "HEADID": str(owner)}


def _finish(name: str, row: dict[str, str], resource: Resource, hcode: str, stamp: str) -> dict[str, str]:
    """The whole line: every field "", the record's, then the kept fields over them."""
    out = dict.fromkeys(f43.LAYOUTS[name], "")
    out.update(row, HOSPCODE=hcode, D_UPDATE=stamp)
    out.update({k: v for k, v in (kept_fields(resource) or {}).items() if k in out})
    return out


# -- export --------------------------------------------------------------------------------------

@dataclass
class Export:
    tables: dict[str, list[dict[str, str]]]
    notes: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)


def _guess_visits(appointments: list[Resource], visits: dict[str, _Visit]) -> dict[str, str]:
    """Appointment id -> the visit it was most likely made at, for those that do not name
    one (made before the app tied them): the patient's last visit starting on or before its day."""
    by_patient: dict[str, list[tuple[str, str]]] = {}
    for eid, visit in visits.items():
        by_patient.setdefault(visit.patient, []).append((visit.date, eid))
    out = {}
    for ap in appointments:
        if _appointment_visit(ap):
            continue
        day = _day(ap.get("start"))
        before = sorted(v for v in by_patient.get(_appointment_patient(ap), []) if v[0] and v[0] <= day)
        if before:
            out[str(ap.get("id"))] = before[-1][1]
    return out


def attach_visits(batch: list[Resource]) -> list[Resource]:
    """The batch with each Appointment that names no visit tied (in memory only) to the
    visit it was most likely made at, so that a month's export keeps it with its visit."""
    ctx = _Context("")
    for encounter in (r for r in batch if r.get("resourceType") == "Encounter"):
        ctx.add_visit(encounter)
    guessed = _guess_visits([r for r in batch if r.get("resourceType") == "Appointment"], ctx.visits)
    return [{**r, "supportingInformation": [build.reference("Encounter", guessed[r["id"]])]}
            if r.get("resourceType") == "Appointment" and r.get("id") in guessed else r for r in batch]


def within(resource: Resource, first: _dt.date | None, last: _dt.date | None, outside: set[str]) -> bool:
    """Whether a record of these files goes into an export of the days [first, last]: an
    allergy recorded then, an appointment made at a visit then; the registers (problems,
    rights, deaths) whole, as PERSON is."""
    kind = resource.get("resourceType")
    if kind == "AllergyIntolerance":
        moment = f43.thai_local(resource.get("recordedDate"))
        day = moment.date() if moment else None
        return day is not None and (first is None or day >= first) and (last is None or day <= last)
    if kind == "Appointment":
        visit = _appointment_visit(resource)
        return bool(visit) and visit not in outside
    return True


def _old_rights(by_type: dict[str, list[Resource]]) -> list[Resource]:
    """The Coverage a Patient of data version 1 carried as its rights extension (what the
    rewrite of an older folder makes of it, core/reshape.py), for a patient with no Coverage:
    a folder read before its rewrite exports the same CARD as after it."""
    covered = {reference_id(c.get("beneficiary"), "Patient") for c in by_type.get("Coverage", [])}
    return [r for patient in by_type.get("Patient", []) if patient.get("id") not in covered
            for r in reshape(patient, owner_of(patient) or "") if r.get("resourceType") == "Coverage"]


def to_tables(resources: Iterable[Resource], *, hcode: str, updated: _dt.datetime,
              providers: Mapping[str, str] | None = None) -> Export:
    """The rows of the eight files of this unit's records given: a batch of patients with
    their records (DRUGALLERGY, APPOINTMENT, PROCEDURE_OPD, CHRONIC, DEATH, CARD), and the
    unit's Practitioners, PractitionerRoles and Locations (PROVIDER, HOME). `providers` names
    the provider code of Practitioner ids (provider_codes) for records made in the app."""
    stamp = f43.stamp_text(updated)
    by_type: dict[str, list[Resource]] = {}
    for resource in resources:
        by_type.setdefault(str(resource.get("resourceType")), []).append(resource)
    ctx = _Context(hcode, providers={**provider_codes(by_type.get("Practitioner", []), hcode), **(providers or {})})
    for patient in by_type.get("Patient", []):
        ctx.add_patient(patient)
    for encounter in by_type.get("Encounter", []):
        ctx.add_visit(encounter)
    for role in by_type.get("PractitionerRole", []):
        pid = reference_id(role.get("practitioner"), "Practitioner")
        if pid:
            ctx.roles[pid] = role
    rows = _Rows(ctx)
    guessed = _guess_visits(by_type.get("Appointment", []), ctx.visits)
    conditions = by_type.get("Condition", [])
    sources: dict[str, tuple[list[Resource], Callable[[Resource, bool], dict[str, str] | None]]] = {
        "DRUGALLERGY": (by_type.get("AllergyIntolerance", []), rows.allergy),
        "APPOINTMENT": (by_type.get("Appointment", []), lambda r, own: rows.appointment(r, own, guessed)),
        "PROCEDURE_OPD": (by_type.get("Procedure", []), rows.procedure),
        "CHRONIC": ([c for c in conditions if _is_problem(c)], rows.chronic),
        "DEATH": ([c for c in conditions if _is_death(c)], rows.death),
        "CARD": (by_type.get("Coverage", []) + _old_rights(by_type), rows.coverage),
        "PROVIDER": (by_type.get("Practitioner", []), rows.provider),
        "HOME": (by_type.get("Location", []), rows.home),
    }
    tables: dict[str, list[dict[str, str]]] = {name: [] for name in TABLES}
    for name, (records, make) in sources.items():
        for record in records:
            if _entered_in_error(record):
                continue
            row = make(record, kept_fields(record) is None)
            if row is None:
                if name == "PROCEDURE_OPD":
                    ctx.counts["more_no_visit"] += 1
                elif name not in UNIT_TABLES:
                    ctx.counts["more_no_patient"] += 1
                continue
            if name == "PROCEDURE_OPD" and not row["PROCEDCODE"] and kept_fields(record) is None:
                ctx.counts["more_no_procedure_code"] += 1
                continue
            if name == "CHRONIC" and not row["CHRONIC"] and kept_fields(record) is None:
                ctx.counts["more_no_chronic_code"] += 1
                continue
            tables[name].append(_finish(name, row, record, hcode, stamp))
    for name, found in tables.items():
        found.sort(key=lambda row, name=name: (*(row[f] for f in SORT_FIELDS[name]),  # type: ignore[misc]
                                               *(row[f] for f in f43.LAYOUTS[name])))
    return Export(tables, notes_for(ctx.counts), Counter(ctx.counts))


def _entered_in_error(resource: Resource) -> bool:
    """A record marked entered in error (a visit's parts voided with it, an allergy struck out)."""
    if resource.get("status") == "entered-in-error":
        return True
    return _coding(resource.get("verificationStatus"), "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                   "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification") == "entered-in-error"


# -- import ----------------------------------------------------------------------------------------

@dataclass
class Import:
    resources: list[Resource] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Tally:
    """What the notes of the eight files count, over every call of an import."""

    buddhist: Counter[tuple[str, str]] = field(default_factory=Counter)  # (file, field) -> dates converted
    kept: Counter[str] = field(default_factory=Counter)  # file -> rows keeping fields besides D_UPDATE
    deaths: int = 0

    def notes(self) -> list[str]:
        notes = []
        for (file, name), n in sorted(self.buddhist.items()):
            dates, were = ("1 date was", "was") if n == 1 else (f"{n} dates were", "were")
            notes.append(f"{name} in {file}: {dates} Buddhist era (year > 2400) and {were} converted")
        for file, n in sorted(self.kept.items()):
            notes.append(f"{file}: {n} {'row keeps' if n == 1 else 'rows keep'} fields the records have no "
                         "place for, kept as they came and written back so")
        if self.deaths:
            notes.append(f"death.txt: {self.deaths} {'person was' if self.deaths == 1 else 'people were'} not "
                         "discharged as dead in person.txt: recorded as died on DDEATH")
        return notes


def to_resources(tables: Mapping[str, f43.Table], *, hcode: str, resources: list[Resource],
                 tally: Tally | None = None) -> Import:
    """The records of the eight files read (f43.read_archive), beside the `resources` made
    from PERSON and SERVICE (f43_import): rows name their person by PID and their visit by
    SEQ. A DEATH sets the Patient's deceasedDateTime in `resources` when person.txt did not
    (the Patient dict is changed in place). Given a `tally`, the counts go there (an import
    of a few people at a time says them once, at the end) and no notes come back."""
    own = tally is None
    reader = _Reader(tables, hcode, resources, tally or Tally())
    out = reader.read()
    if own:
        out.notes = reader.tally.notes()
    return out


def _thai_where(where: str) -> str:
    return where.replace(" line ", " บรรทัดที่ ")


class _Reader:
    def __init__(self, tables: Mapping[str, f43.Table], hcode: str, resources: list[Resource], tally: Tally) -> None:
        self.tables, self.hcode, self.tally = tables, hcode, tally
        self.out = Import()
        self.ctx = _Context(hcode)
        self.by_pid: dict[str, Resource] = {}
        self.by_seq: dict[str, Resource] = {}
        for resource in resources:
            if resource.get("resourceType") == "Patient":
                self.ctx.add_patient(resource)
                self.by_pid[local_value(resource, hcode, "PID")] = resource
            elif resource.get("resourceType") == "Encounter":
                self.ctx.add_visit(resource)
                self.by_seq[visit_number(resource, hcode)] = resource
        self.pids_in_file = {row.get("PID", "") for row in (tables["PERSON"].rows if "PERSON" in tables else [])}
        self.seqs_in_file = {row.get("SEQ", "") for row in (tables["SERVICE"].rows if "SERVICE" in tables else [])}
        self.visit_days = {(visit.patient, visit.date) for visit in self.ctx.visits.values()}
        self.rows = _Rows(self.ctx)
        self.buddhist: set[tuple[str, str, str]] = set()  # (file, field, where): dates converted

    def read(self) -> Import:
        self.providers_of(self.tables.get("PROVIDER"))
        self.homes_of(self.tables.get("HOME"))
        self.each(self.tables.get("CARD"), "CARD", self.coverage, lambda row: (row["PID"], row["INSTYPE_NEW"]))
        self.each(self.tables.get("DRUGALLERGY"), "DRUGALLERGY", self.allergy,
                  lambda row: (row["PID"], row["DRUGALLERGY"] or row["DNAME"]))
        self.each(self.tables.get("CHRONIC"), "CHRONIC", self.chronic, lambda row: (row["PID"], row["CHRONIC"]))
        self.deaths_of(self.tables.get("DEATH"))
        self.each(self.tables.get("APPOINTMENT"), "APPOINTMENT", self.appointment,
                  lambda row: (row["PID"], row["SEQ"], row["APDATE"], row["APTYPE"]))
        self.each(self.tables.get("PROCEDURE_OPD"), "PROCEDURE_OPD", self.procedure,
                  lambda row: (row["SEQ"], row["PROCEDCODE"]))
        self.tally.buddhist.update(Counter((file, name) for file, name, _where in self.buddhist))
        return self.out

    # -- shared ------------------------------------------------------------------------------

    def id(self, kind: str, *key: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://clinic-app/f43/{self.hcode}/{kind}/{'/'.join(key)}"))

    def problem(self, where: str, reason: str, thai: str) -> None:
        self.out.problems.append(Problem(None, where, reason, thai))

    def lines(self, table: f43.Table | None) -> Iterator[tuple[str, dict[str, str]]]:
        """(where, row) of this unit's rows; another facility's are a problem."""
        if table is None:
            return
        file = f"{table.name.lower()}.txt"
        for line, row in zip(table.lines, table.rows, strict=True):
            where = f"{file} line {line}"
            code = row["HOSPCODE"]
            if code == self.hcode:
                yield where, row
                continue
            if not code:
                facility, thai = "facility (none)", "ไม่มีรหัสหน่วยบริการ (HOSPCODE ว่าง)"
            elif f43.is_facility_code(code):
                facility, thai = f"facility {code}", f"เป็นข้อมูลของหน่วยบริการ {code}"
            else:
                facility, thai = "another facility's code", "HOSPCODE ไม่ใช่รหัสของหน่วยบริการนี้"
            self.problem(where, f"belongs to {facility}; only this unit's files can be imported",
                         f"{thai} นำเข้าได้เฉพาะแฟ้มของหน่วยบริการนี้")

    def each(self, table: f43.Table | None, name: str,
             make: Callable[[str, dict[str, str], str], Resource | None],
             key: Callable[[dict[str, str]], tuple[str, ...]]) -> None:
        """The record of each row, its id from `key` and how many times that key came before."""
        repeats: Counter[tuple[str, ...]] = Counter()
        for where, row in self.lines(table):
            repeats[key(row)] += 1
            resource = make(where, row, str(repeats[key(row)]))
            if resource is not None:
                self.out.resources.append(resource)

    def date(self, where: str, row: dict[str, str], name: str, *, required: bool = True) -> str | None:
        """The ISO date of a YYYYMMDD field; a problem when required and missing or impossible
        (an optional one that is not a date is kept as it came)."""
        day, buddhist = f43.parse_date(row[name])
        if day is None:
            if required:
                self.problem(where, f"{name} is missing or not a real date (YYYYMMDD)",
                             f"{name} ว่างหรือไม่ใช่วันที่ที่มีจริง (ปปปปดดวว)")
            return None
        if buddhist:
            self.buddhist.add((where.partition(" line ")[0], name, where))
        return day.isoformat()

    def patient(self, where: str, row: dict[str, str]) -> Resource | None:
        """The Patient of the row's PID; a problem when it is not in person.txt or was refused there."""
        pid = row["PID"]
        found = self.by_pid.get(pid) if pid else None
        if found is not None:
            return found
        if not pid:
            self.problem(where, "PID is empty", "PID ว่าง")
        elif pid in self.pids_in_file:
            self.problem(where, "the person (PID) of this row was refused in person.txt",
                         "บุคคล (PID) ของแถวนี้ไม่ผ่านการตรวจใน person.txt")
        else:
            self.problem(where, "PID is not in person.txt", "ไม่พบ PID นี้ใน person.txt")
        return None

    def provider(self, code: str) -> dict[str, Any] | None:
        """The Practitioner of a PROVIDER code, by its localProv identifier (as the five files' records)."""
        return {"type": "Practitioner", "identifier": build.local_identifier(self.hcode, "Provider", code)} if code else None

    def keep(self, name: str, where: str, row: dict[str, str], resource: Resource,
             written: dict[str, str] | None) -> Resource:
        """The record with the fields its row would not write back as they came kept on it
        (D_UPDATE always: the record has no place for it)."""
        back = _finish(name, written or {}, resource, self.hcode, "")
        kept = f43_fields.differing(f43.LAYOUTS[name], row, back)
        file = f"{name.lower()}.txt"
        if any(field_name != "D_UPDATE" for field_name, _text in kept):
            self.tally.kept[file] += 1
        for field_name, text in kept:
            if text != row[field_name]:  # a Buddhist-era date kept in the common era
                self.buddhist.add((file, field_name, where))
        return f43_fields.keep(resource, kept)

    def icd10(self, where: str, row: dict[str, str], name: str) -> str | None:
        code = _icd10(row[name])
        if not ICD10_CODE.match(code):
            self.problem(where, f"{name} is not an ICD-10 code" if row[name] else f"{name} is empty",
                         f"{name} ไม่ใช่รหัส ICD-10" if row[name] else f"{name} ว่าง")
            return None
        return code

    # -- DRUGALLERGY ---------------------------------------------------------------------------

    def allergy(self, where: str, row: dict[str, str], n: str) -> Resource | None:
        before = len(self.out.problems)
        patient = self.patient(where, row)
        day = self.date(where, row, "DATERECORD")
        if not (row["DRUGALLERGY"] or row["DNAME"]):
            self.problem(where, "DRUGALLERGY and DNAME are both empty", "DRUGALLERGY และ DNAME ว่างทั้งคู่")
        if patient is None or day is None or len(self.out.problems) > before:
            return None
        certainty = row["TYPEDX"] if row["TYPEDX"] in build.ALLERGY_CERTAINTY else ""
        severity = row["ALEVEL"] if row["ALEVEL"] in ALLERGY_SEVERITY else ""
        allergy = build.allergy_intolerance(
            row["DNAME"] or row["DRUGALLERGY"], id=self.id("ALLERGY", row["PID"], row["DRUGALLERGY"] or row["DNAME"], n),
            patient=build.reference("Patient", patient["id"]), when=day, certainty=certainty or "5",
            drug=_drug_concept(row["DRUGALLERGY"]), recorder=self.provider(row["PROVIDER"]))
        if not row["DNAME"]:
            del allergy["code"]["text"]  # the code alone: DNAME stays empty
        extensions = [e for e in allergy["extension"] if e["url"] == ALLERGY_CERTAINTY_EXTENSION and certainty]
        if not certainty:
            allergy["verificationStatus"]["coding"][0]["code"] = "unconfirmed"
        if severity:
            extensions.append(_coded_ext(ALLERGY_SEVERITY_EXTENSION, ALLERGY_SEVERITY_SYSTEM, severity,
                                         ALLERGY_SEVERITY[severity]))
            allergy["criticality"] = "low" if severity == "1" else "high"
        else:
            del allergy["criticality"]
        if row["INFORMANT"] in ALLERGY_ASSERT_TYPES:
            extensions.append(_coded_ext(ALLERGY_ASSERT_TYPE_EXTENSION, ALLERGY_ASSERT_TYPE_SYSTEM, row["INFORMANT"],
                                         ALLERGY_ASSERT_TYPES[row["INFORMANT"]]))
        if f43.is_facility_code(row["INFORMHOSP"]):
            extensions.append({"url": ALLERGY_ASSERT_ORG_EXTENSION, "valueReference": _facility(row["INFORMHOSP"])})
        allergy["extension"] = extensions
        if re.fullmatch(r"[0-9]{2}", row["SYMPTOM"]):
            allergy["reaction"] = [{"manifestation": [{"coding": [build.coding(ALLERGY_MANIFEST_SYSTEM, row["SYMPTOM"])]}]}]
        return self.keep("DRUGALLERGY", where, row, allergy, self.rows.allergy(allergy, False))

    # -- APPOINTMENT -------------------------------------------------------------------------

    def appointment(self, where: str, row: dict[str, str], n: str) -> Resource | None:
        before = len(self.out.problems)
        patient = self.patient(where, row)
        day = self.date(where, row, "APDATE")
        visit = self.by_seq.get(row["SEQ"]) if row["SEQ"] else None
        if visit is not None and patient is not None and reference_id(visit.get("subject"), "Patient") != patient["id"]:
            self.problem(where, "PID is not the PID of the visit (SEQ) in service.txt",
                         "PID ไม่ตรงกับ PID ของการรับบริการ (SEQ) นี้ใน service.txt")
        if patient is None or day is None or len(self.out.problems) > before:
            return None
        appointment = build.appointment(
            id=self.id("APPOINTMENT", row["PID"], row["SEQ"], row["APDATE"], row["APTYPE"], n),
            patient=build.reference("Patient", patient["id"]), start=day + APPOINTMENT_TIME,
            practitioner=self.provider(row["PROVIDER"]), hcode=self.hcode,
            status="fulfilled" if (patient["id"], day.replace("-", "")) in self.visit_days else "booked")
        codings = []
        if re.fullmatch(r"[0-9A-Z]{3,4}", row["APTYPE"]):
            codings.append(build.coding(APPOINT_TYPE_SYSTEM, row["APTYPE"]))
        if row["APDIAG"] and ICD10_CODE.match(_icd10(row["APDIAG"])):
            codings.append(build.coding(ICD10_TM, _icd10(row["APDIAG"])))
        if codings:
            appointment["reasonCode"] = [{"coding": codings}]
        if visit is not None:
            appointment["supportingInformation"] = [build.reference("Encounter", visit["id"])]
        return self.keep("APPOINTMENT", where, row, appointment, self.rows.appointment(appointment, False, {}))

    # -- PROCEDURE_OPD -------------------------------------------------------------------------

    def procedure(self, where: str, row: dict[str, str], n: str) -> Resource | None:
        before = len(self.out.problems)
        visit = self.by_seq.get(row["SEQ"]) if row["SEQ"] else None
        if visit is None:
            if row["SEQ"] in self.seqs_in_file and row["SEQ"]:
                self.problem(where, "the visit (SEQ) of this row was refused in service.txt",
                             "การรับบริการ (SEQ) ของแถวนี้ไม่ผ่านการตรวจใน service.txt")
            else:
                self.problem(where, "SEQ is not a visit in service.txt", "ไม่พบการรับบริการ SEQ นี้ใน service.txt")
        elif local_value(self.ctx.patients.get(reference_id(visit.get("subject"), "Patient") or "") or {},
                         self.hcode, "PID") != row["PID"]:
            self.problem(where, "PID is not the PID of the visit (SEQ) in service.txt",
                         "PID ไม่ตรงกับ PID ของการรับบริการ (SEQ) นี้ใน service.txt")
        if not row["PROCEDCODE"]:
            self.problem(where, "PROCEDCODE is empty", "PROCEDCODE ว่าง")
        if visit is None or len(self.out.problems) > before:
            return None
        at = self.ctx.visits[visit["id"]]
        procedure = build.procedure(
            "-", id=self.id("PROCEDURE", row["SEQ"], row["PROCEDCODE"], n), subject=visit["subject"],
            encounter=build.reference("Encounter", visit["id"]), when=at.start, performer=self.provider(row["PROVIDER"]))
        procedure["code"] = {"coding": [_procedure_coding(row["PROCEDCODE"])]}
        return self.keep("PROCEDURE_OPD", where, row, procedure, self.rows.procedure(procedure, False))

    # -- CHRONIC -------------------------------------------------------------------------------

    def chronic(self, where: str, row: dict[str, str], n: str) -> Resource | None:
        before = len(self.out.problems)
        patient = self.patient(where, row)
        code = self.icd10(where, row, "CHRONIC")
        day = self.date(where, row, "DATE_DIAG")
        if patient is None or code is None or day is None or len(self.out.problems) > before:
            return None
        typedisch = row["TYPEDISCH"] if row["TYPEDISCH"] in TYPEDISCH else ""
        status = CLINICAL_BY_TYPEDISCH.get(typedisch, "active")
        condition = build.condition(
            code, id=self.id("CHRONIC", row["PID"], row["CHRONIC"], n), subject=build.reference("Patient", patient["id"]),
            encounter=None, when=day, clinical_status=status,
            extension=[_coded_ext(CHRONIC_DISCHARGE_EXTENSION, CHRONIC_DISCHARGE_SYSTEM, typedisch,
                                  TYPEDISCH[typedisch])] if typedisch else None)
        discharged = self.date(where, row, "DATE_DISCH", required=False)
        if discharged and status in ABATED:
            condition["abatementDateTime"] = discharged
        return self.keep("CHRONIC", where, row, condition, self.rows.chronic(condition, False))

    # -- DEATH -----------------------------------------------------------------------------------

    def deaths_of(self, table: f43.Table | None) -> None:
        seen: dict[str, str] = {}
        for where, row in self.lines(table):
            if row["PID"] in seen:
                self.problem(where, f"PID repeats {seen[row['PID']]}: one death per person",
                             f"PID ซ้ำกับ {_thai_where(seen[row['PID']])} บุคคลหนึ่งเสียชีวิตได้ครั้งเดียว")
                continue
            seen[row["PID"]] = where
            death = self.death(where, row)
            if death is not None:
                self.out.resources.append(death)

    def death(self, where: str, row: dict[str, str]) -> Resource | None:
        before = len(self.out.problems)
        patient = self.patient(where, row)
        day = self.date(where, row, "DDEATH")
        code = self.icd10(where, row, "CDEATH")
        if patient is None or day is None or code is None or len(self.out.problems) > before:
            return None
        if not patient.get("deceasedDateTime") and not patient.get("deceasedBoolean"):
            patient["deceasedDateTime"] = day
            self.tally.deaths += 1
        condition = build.condition(code, id=self.id("DEATH", row["PID"]), subject=build.reference("Patient", patient["id"]),
                                    encounter=None, when=day)
        condition["category"] = [{"coding": [build.coding(DIAGNOSIS_ROLE_SYSTEM, "death", "Cause of death")]}]
        if row["PROVIDER"]:
            condition["asserter"] = self.provider(row["PROVIDER"])
        return self.keep("DEATH", where, row, condition, self.rows.death(condition, False))

    # -- CARD ------------------------------------------------------------------------------------

    def coverage(self, where: str, row: dict[str, str], n: str) -> Resource | None:
        before = len(self.out.problems)
        patient = self.patient(where, row)
        right = row["INSTYPE_NEW"]
        rights = coverage_types()
        if right not in rights:
            self.problem(where, "INSTYPE_NEW is not a right of THCC's list (cs-thcc-coverage-type)" if right
                         else "INSTYPE_NEW is empty",
                         "INSTYPE_NEW ไม่ใช่รหัสสิทธิตามรายการของ THCC" if right else "INSTYPE_NEW ว่าง")
        if patient is None or len(self.out.problems) > before:
            return None
        beneficiary = build.reference("Patient", patient["id"])
        cid = self.id("CARD", row["PID"], right, n)
        if right in build.RIGHT_BY_CODE:
            coverage = build.coverage(build.RIGHT_BY_CODE[right], id=cid, beneficiary=beneficiary)
        else:
            coverage = {"resourceType": "Coverage", "id": cid, "meta": {"profile": [profile("th-core-coverage")]},
                        "status": "active", "type": {"coding": [build.coding(COVERAGE_TYPE_SYSTEM, right, rights[right])]},
                        "beneficiary": beneficiary, "payor": [{"display": rights[right]}]}
        if row["INSID"]:
            coverage["subscriberId"] = row["INSID"]
        start = self.date(where, row, "STARTDATE", required=False)
        end = self.date(where, row, "EXPIREDATE", required=False)
        if start and end and end < start:
            end = None  # a period ends after it starts (per-1): the date is kept as it came
        period = {k: v for k, v in (("start", start), ("end", end)) if v}
        if period:
            coverage["period"] = period
        contracted = [{"url": CONTRACTED_PROVIDER_EXTENSION, "extension": [
            {"url": "type", "valueCodeableConcept": {"coding": [build.coding(PROVIDER_TYPE_COVERAGE_SYSTEM, kind, label)]}},
            {"url": "provider", "valueReference": _facility(row[name])}]}
            for name, kind, label in (("MAIN", "primary", "สถานบริการหลัก"), ("SUB", "secondary", "สถานบริการรอง"))
            if f43.is_facility_code(row[name])]
        if contracted:
            coverage["extension"] = contracted
        return self.keep("CARD", where, row, coverage, self.rows.coverage(coverage, False))

    # -- PROVIDER --------------------------------------------------------------------------------

    def providers_of(self, table: f43.Table | None) -> None:
        seen: dict[str, str] = {}
        for where, row in self.lines(table):
            code = row["PROVIDER"]
            if not code:
                self.problem(where, "PROVIDER is empty", "PROVIDER ว่าง")
                continue
            if code in seen:
                self.problem(where, f"PROVIDER repeats {seen[code]}", f"PROVIDER ซ้ำกับ {_thai_where(seen[code])}")
                continue
            seen[code] = where
            self.out.resources.extend(self.practitioner(where, row))

    def practitioner(self, where: str, row: dict[str, str]) -> list[Resource]:
        before = len(self.out.problems)
        if row["CID"]:
            why = cid_problem(row["CID"])
            if why:
                self.problem(where, f"CID: {why[1]}", f"CID: {why[0]}")
        if len(self.out.problems) > before:
            return []
        code = row["PROVIDER"]
        pid = _practitioner_id(self.hcode, code)
        practitioner = build.practitioner(id=pid, hcode=self.hcode, username=code, name=code)
        name = _person_name(row["NAME"], row["LNAME"], row["PRENAME"].zfill(3) if row["PRENAME"].isdigit() else "")
        if name:
            practitioner["name"] = [name]
        else:
            del practitioner["name"]
        if row["CID"]:
            practitioner["identifier"].append(build.cid_identifier(normalise_cid(row["CID"])))
        kind = COUNCILS.get(row["COUNCIL"])
        if kind and row["REGISTERNO"]:
            practitioner["identifier"].append(build.identifier(LICENCES[kind], row["REGISTERNO"], kind))
        if row["SEX"] in SEXES:
            practitioner["gender"] = SEXES[row["SEX"]]
        birth = self.date(where, row, "BIRTH", required=False)
        if birth:
            practitioner["birthDate"] = birth
        out = [practitioner]
        role = self.role(where, row, pid)
        if role is not None:
            self.ctx.roles[pid] = role
            out.append(role)
        self.keep("PROVIDER", where, row, practitioner, self.rows.provider(practitioner, False))
        return out

    def role(self, where: str, row: dict[str, str], practitioner: str) -> Resource | None:
        """The provider's place at the unit: type, start and end, where they came from and went."""
        start = self.date(where, row, "STARTDATE", required=False)
        end = self.date(where, row, "OUTDATE", required=False)
        if start and end and end < start:
            end = None
        move = [{"url": part, "valueReference": _facility(row[name])}
                for name, part in (("MOVEFROM", "movefrom"), ("MOVETO", "moveto")) if f43.is_facility_code(row[name])]
        kind = row["PROVIDERTYPE"] if re.fullmatch(r"[0-9]{2,3}", row["PROVIDERTYPE"]) else ""
        if not (start or end or move or kind):
            return None
        return build.practitioner_role(
            id=build.role_id(self.hcode, row["PROVIDER"]), practitioner=practitioner, hcode=self.hcode, code=kind,
            start=start or "", end=end or "", active=not row["OUTDATE"],
            extension=[{"url": PROVIDER_MOVE_EXTENSION, "extension": move}] if move else None)

    # -- HOME ------------------------------------------------------------------------------------

    def homes_of(self, table: f43.Table | None) -> None:
        seen: dict[str, str] = {}
        for where, row in self.lines(table):
            hid = row["HID"]
            if not hid:
                self.problem(where, "HID is empty", "HID ว่าง")
                continue
            if hid in seen:
                self.problem(where, f"HID repeats {seen[hid]}", f"HID ซ้ำกับ {_thai_where(seen[hid])}")
                continue
            seen[hid] = where
            self.out.resources.append(self.home(where, row))

    def home(self, where: str, row: dict[str, str]) -> Resource:
        extensions: list[dict[str, Any]] = []
        if row["HOUSETYPE"] in HOUSE_TYPES:
            extensions.append(_coded_ext(HOUSE_TYPE_EXTENSION, HOUSE_TYPE_SYSTEM, row["HOUSETYPE"]))
        for name, url in (("HEADID", HOUSE_OWNER_EXTENSION), ("VHVID", VOLUNTEER_EXTENSION)):
            if row[name]:
                extensions.append({"url": url, "extension": [{"url": "pid", "valueString": row[name]},
                                                             {"url": "hcode", "valueString": self.hcode}]})
        if re.fullmatch(r"0|[1-9][0-9]{0,5}", row["NFAMILY"]):
            extensions.append({"url": HOUSEHOLDS_EXTENSION, "valueInteger": int(row["NFAMILY"])})
        if row["LOCATYPE"] in MUNICIPALITY:
            extensions.append(_coded_ext(MUNICIPALITY_EXTENSION, MUNICIPALITY_SYSTEM, row["LOCATYPE"],
                                         MUNICIPALITY[row["LOCATYPE"]]))
        identifiers = [build.identifier(local_system(self.hcode, "HouseId"), row["HID"], "localHouse")]
        if row["HOUSE_ID"]:
            identifiers.append(build.identifier(HOUSE_NO_SYSTEM, row["HOUSE_ID"], "houseNo"))
        location: Resource = {"resourceType": "Location", "id": self.id("HOME", row["HID"]),
                              "meta": {"profile": [profile("th-core-location")]}}
        if extensions:
            location["extension"] = extensions
        location.update(identifier=identifiers, status="inactive" if row["OUTDATE"] else "active",
                        type=[{"coding": [build.coding(ROLE_CODE, "PTRES", "patient's residence")]}])
        if row["TELEPHONE"]:
            location["telecom"] = [build.phone(row["TELEPHONE"], use="home")]
        address = self.address(row)
        if address:
            location["address"] = address
        position = self.position(row)
        if position:
            location["position"] = position
        location["managingOrganization"] = build.reference("Organization", self.hcode)
        return self.keep("HOME", where, row, location, self.rows.home(location, False))

    def address(self, row: dict[str, str]) -> dict[str, Any]:
        code = row["CHANGWAT"] + row["AMPUR"] + row["TAMBON"]
        known = all(re.fullmatch(r"[0-9]{2}", row[f]) for f in ("CHANGWAT", "AMPUR", "TAMBON")) and \
            places.is_subdistrict(code)
        moo = row["VILLAGE"] if re.fullmatch(r"[0-9]{1,3}", row["VILLAGE"]) and int(row["VILLAGE"]) else ""
        address = places.home_address(code if known else "", house=row["HOUSE"], moo=moo)
        parts = [(name, row[f]) for name, f in (("buildingVillage", "VILLANAME"), ("road", "ROAD"), ("lane", "SOIMAIN"))
                 if row[f]]
        if parts:
            line = _extension(address, STRUCTURED_LINE_EXTENSION)
            if line is None:
                line = {"url": STRUCTURED_LINE_EXTENSION, "extension": []}
                address.setdefault("extension", []).append(line)
            line["extension"] += [{"url": name, "valueString": value} for name, value in parts]
        if set(address) <= {"use", "type"}:
            return {}
        return address

    def position(self, row: dict[str, str]) -> dict[str, float] | None:
        texts = row["LATITUDE"], row["LONGITUDE"]
        if not all(NUMBER.match(t) for t in texts):
            return None
        latitude, longitude = (float(t) for t in texts)
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            return None
        return {"longitude": longitude, "latitude": latitude}


def fact_key(resource: Resource) -> tuple[str, ...] | None:
    """What makes a record of these files the same fact as one already here, whatever its
    id (a record the app made has a random id, the file's copy a uuid5 one): a right of
    the same type, an allergy to the same substance, an appointment on the same day, a
    chronic disease of the same code, a procedure of the same code on the same day, for
    the same patient. None for other records."""
    kind = str(resource.get("resourceType"))

    def ref(name: str) -> str:
        return str((resource.get(name) or {}).get("reference") or "")

    def first_code(concept: Any) -> str:
        codings = (concept or {}).get("coding") or [] if isinstance(concept, dict) else []
        return str(codings[0].get("code") or "") if codings and isinstance(codings[0], dict) else ""

    if kind == "Coverage":
        return (kind, ref("beneficiary"), first_code(resource.get("type")))
    if kind == "AllergyIntolerance":
        code = resource.get("code") or {}
        return (kind, ref("patient"), first_code(code) or str(code.get("text") or "").strip().casefold())
    if kind == "Appointment":
        patient = next((str((p.get("actor") or {}).get("reference") or "") for p in resource.get("participant") or []
                        if str((p.get("actor") or {}).get("reference") or "").startswith("Patient/")), "")
        return (kind, patient, str(resource.get("start") or "")[:10])
    if kind == "Condition" and not resource.get("encounter"):
        return (kind, ref("subject"), first_code(resource.get("code")))
    if kind == "Procedure":
        return (kind, ref("subject"), first_code(resource.get("code")), str(resource.get("performedDateTime") or "")[:10])
    return None


def keep_what_is_here(resources: list[Resource], get: Callable[[str, str], Resource | None], here: Counter[str]
                      ) -> list[Resource]:
    """The records of these files not already here (same id: imported before, or a
    Practitioner the app made for the same provider code); what is here is kept as it is
    (edits made here are not undone), as the five files' records are, and counted in `here`
    by type (`here_notes` says so). An appointment whose visit was left out (already here)
    is left out with it."""
    kinds = {"AllergyIntolerance", "Appointment", "Procedure", "Coverage", "Practitioner", "PractitionerRole", "Location"}
    visits = {str(r.get("id")) for r in resources if r.get("resourceType") == "Encounter"}
    kept = []
    for resource in resources:
        kind = str(resource.get("resourceType"))
        mine = kind in kinds or (kind == "Condition" and not resource.get("encounter"))
        if mine and get(kind, str(resource.get("id"))) is not None:
            here[kind] += 1
            continue
        visit = _appointment_visit(resource) if kind == "Appointment" else ""
        if visit and visit not in visits and get("Encounter", visit) is None:
            here[kind] += 1
            continue
        kept.append(resource)
    return kept


def here_notes(here: Counter[str]) -> list[str]:
    return [f"{n} {kind} records were already here (imported before): kept as they are"
            for kind, n in sorted(here.items())]
