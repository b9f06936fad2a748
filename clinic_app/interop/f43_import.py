"""MOPH 43 files -> FHIR: PERSON, SERVICE, DIAGNOSIS_OPD, DRUG_OPD and EPI as resources
shaped like the ones the app makes itself (services/patients.py `register`, `record_visit`),
without loss (issue 15): every field of every row goes out again as it came in
(test_f43_roundtrip.py). f43_more maps the other eight files the same way.

`to_resources` checks every row and maps it; the caller stores the resources only when
there is no problem at all (or, with a partial import, sets the refused rows aside). A
problem names "FILE.txt line N" and says what is wrong in English and in Thai, never quoting
a citizen ID, a name or a phone number.

- Only this unit's rows: another HOSPCODE is a problem on each row (the code is quoted
  only when it looks like a facility code, 5 or 9 digits).
- Ids are uuid5 of https://clinic-app/f43/<hcode>/<kind>/<key> so importing the same
  files again meets the same records (services/interop.py keeps those already here):
  Patient PID/<PID>, Encounter SEQ/<SEQ>, its vital signs SEQ/<SEQ>/<field>, Condition
  DX/<SEQ>/<DIAGCODE>, MedicationDispense DRUG/<SEQ>/<DIDSTD or DNAME>/<n> (n counts
  repeats of the same drug in the visit, not lines), Immunization EPI/<SEQ>/<VACCINETYPE>
  (EPI/<PID>/<DATE_SERV>/<VACCINETYPE> when SEQ is empty). A repeated diagnosis or vaccine
  of the same visit is the same record (the repeats are counted in a note).
- SERVICE is read in its version-2 layout (`...|D_UPDATE|HSUB|CID`) and in the one before
  (no HSUB): a header line says which, else each line's number of fields (f43.OLDER_LAYOUTS).
- Buddhist-era dates (a year above 2400) are converted and counted; extra fields, TIS-620
  files, rows of an older layout and files not read are noted.

Where each field goes. The SIL-TH guides' element when they have one (TRM terminology-ig
de0592c4, EXT extension-ig 71ef022e, THC th-core 9f64951f, PC1 mophpc1 b9564af1, F43
43fileplus-ig e87e5b8b; paths under input/fsh/; the code lists are resources/standards/);
a code goes there only when it is in the element's list (f43_homes). Every field the
record would not give back as it came — one with no place in the guides ("kept" below), a
code outside its list, a number written "37.0", an empty field the export would fill for a
record made here — is kept in the project's one extension
https://clinic-app.invalid/fhir/StructureDefinition/f43-fields (a complex extension, one
valueString sub-extension per 43 field name; f43_fields), found by writing the row back
from the record (f43_export, the same code as an export) and comparing; D_UPDATE is always
kept. The export writes each field from its element and puts the kept ones over it.

| field | FHIR element | source |
|---|---|---|
| PERSON.HOSPCODE | Patient.managingOrganization (this unit) | THC Profiles/SD_Patient.fsh |
| CID | identifier type `cid`, system th-cid (check digit checked; 0, 6, 7, 8 first digits are real IDs) | TRM AL_ID.fsh:5; THC Profiles/SD_Patient.fsh:23-35 |
| PID | identifier `localPid`, .../hcode/5/<hcode>/PID | TRM AL_ID.fsh:27 |
| HID | address.extension ex-address-home-reference -> Location by its `localHouse` identifier (.../HouseId; f43_more makes the household from HOME) | PC1 Profiles/SD_Patient/SD_Patient_Base.fsh:147-152; EXT Extensions/SD_EX_DataType.fsh:131-151; TRM AL_ID.fsh:28 |
| PRENAME | name[th]._prefix ex-humanname-name-prefix, cs-dopa-nameprefix (DOPA's whole list, 504 codes), the prefix written out (the everyday ones as registration writes them, else DOPA's display); not a DOPA code: kept | EXT Extensions/SD_EX_DataType.fsh:8-21; PC1 SD_Patient_Base.fsh:109 |
| NAME, LNAME | name[th] (language `th`) given, family | THC Profiles/SD_Patient.fsh:64-93 |
| HN | identifier `localHn` (HN, else the PID) | TRM AL_ID.fsh:24; THC SD_Patient.fsh:50-63 |
| SEX | gender (1 male, 2 female, else unknown) | R4 Patient.gender |
| BIRTH | birthDate (required) | R4 Patient.birthDate |
| MSTATUS | maritalStatus, cs-thcc-marital | PC1 SD_Patient_Base.fsh:165-176; TRM CodeSystems/CS_MoPH_Patient.fsh:2 |
| OCCUPATION_OLD, OCCUPATION_NEW | kept (the guides have occupation as an Observation of its own, LOINC 11341-5, not a register field) | THC Profiles/SD_Observation_Occupation.fsh |
| RACE | extension ex-patient-race, cs-thcc-nationality | EXT Extensions/SD_EX_Patient.fsh:7-20 |
| NATION | extension patient-nationality (R4 core URL, as EXT's profile of it keeps), sub-extension `code` in cs-thcc-nationality | EXT Profiles/SD_Patient.fsh:1-20 |
| RELIGION | extension patient-religion (R4 core URL), cs-thcc-religion | EXT Profiles/SD_Patient.fsh:22-41 |
| EDUCATION | extension ex-patient-education-level, cs-thcc-education-level | EXT Extensions/SD_EX_Patient.fsh:30-43 |
| FSTATUS, VSTATUS, MOVEIN | kept (no place in the guides) | |
| FATHER, MOTHER, COUPLE | kept (the guides' place is a RelatedPerson record per relative, FTH/MTH/SPS; the app makes none from a citizen ID it has not checked) | PC1 Examples/EX_RelatedPerson/EX_RelatedPersonPatient1.fsh:17,46,75 |
| DISCHARGE | extension ex-patient-pid-remove-reason, cs-43file-pid-remove-reason (1 ตาย, 2 ย้าย, 3 สาบสูญ, 9 ไม่จำหน่าย) | EXT SD_EX_Patient.fsh:94-107; TRM CodeSystems/CS_MoPH_Death.fsh:1-12 |
| DDISCHARGE | with DISCHARGE 1, deceasedDateTime (deceasedBoolean true without a day); the day of a move or a disappearance is kept | F43 Examples/EX_Patient/EX_Patient3.fsh:6-9 |
| ABOGROUP, RHGROUP | kept (the guides' place is a lab result Observation, not a register field) | F43 Profiles/SD_Observation/Lab/SD_Observation_LabBloodAbo.fsh, _LabBloodRh.fsh |
| LABOR | extension ex-patient-foreigner-type, cs-thcc-foreigner-type | EXT SD_EX_Patient.fsh:72-85 |
| PASSPORT | identifier v2-0203 PPN, the guides' country-unknown system (the file does not say the country) | THC SD_Patient.fsh:36-49; TRM AL_ID.fsh:21 |
| TYPEAREA | extension ex-patient-person-status, cs-thcc-person-status (1-5; another code is a problem); empty stays empty | EXT SD_EX_Patient.fsh:52-65 |
| TELEPHONE, MOBILE | telecom phone `home`, phone `mobile` (the mobile first) | PC1 SD_Patient_Base.fsh:120-136 |
| D_UPDATE (every file) | kept | |
| SERVICE.PID, HN, CID | subject (the person); HN and CID are the person's, kept when the row's differ | |
| SEQ | Encounter.identifier `localVn`, .../VN | F43 Profiles/SD_Encounter/SD_Encounter_Base.fsh:15-30 |
| DATE_SERV, TIME_SERV | period.start = end, Thai time (+07:00); a date alone without a time | |
| LOCATION | subject.extension ex-encounter-patient-location-type, cs-thcc-patient-location-type | EXT Extensions/SD_EX_Encounter.fsh:1-14; F43 Examples/EX_Encounter/EX_EncounterOPD.fsh:24-27 |
| INTIME | period.extension ex-encounter-service-hour, cs-thcc-service-hour | EXT SD_EX_Encounter.fsh:21-38; F43 EX_EncounterOPD.fsh:34-37 |
| INSTYPE, INSID, MAIN | kept on the visit. The guides' place for a right is a Coverage (type cs-thcc-coverage-type, MAIN its contracted provider), which an R4 Encounter reaches only through an Account per visit; the app makes neither per visit. The person's rights are CARD's Coverages (f43_more); the export of a visit recorded here writes INSTYPE from the person's Coverage | F43 Profiles/SD_Account/SD_Account.fsh, Examples/EX_Account/EX_AccountOPD.fsh, Profiles/SD_Coverage/SD_Coverage.fsh:10-31 |
| TYPEIN | hospitalization.admitSource, cs-thcc-admit-source | F43 SD_Encounter_Base.fsh:120-135; TRM CodeSystems/CS_MoPH_Encounter.fsh:14-24 |
| REFERINHOSP | hospitalization.origin: the facility by its hcode identifier | F43 SD_Encounter_Base.fsh:118-119; EX_EncounterOPD.fsh:52-53 |
| CAUSEIN, CAUSEOUT | kept (the guides put a referral's reason, cs-thcc-refer-in-reason, on its ServiceRequest; ex-encounter-refer-purpose is one per visit, CHI/eClaim codes, and cannot tell in from out) | F43 Profiles/SD_ServiceRequest/SD_ServiceRequest_Refer.fsh:60-67; EXT SD_EX_Encounter.fsh:347-370 |
| CHIEFCOMP | reasonCode.text | F43 EX_EncounterOPD.fsh:40-42 |
| SERVPLACE | location[0].extension ex-encounter-service-location-type, cs-pcu-service-location-type | EXT SD_EX_Encounter.fsh:43-56; F43 SD_Encounter_Base.fsh:143-146; EX_EncounterOPD.fsh:60-64 |
| HSUB | location[0].location: the sub-unit by its hcode identifier (without one, the place's kind as display) | F43 SD_Encounter_Base.fsh:143-146 |
| BTEMP, SBP+DBP, PR, RR | vital-sign Observations (8310-5, the 85354-9 panel, 8867-4, 9279-1); 0 is "not measured" | THC Profiles/SD_Observation_Vital.fsh |
| TYPEOUT | hospitalization.extension ex-encounter-discharge-status, cs-thcc-discharge-status | EXT SD_EX_Encounter.fsh:83-110; F43 SD_Encounter_Base.fsh:115-116 |
| REFEROUTHOSP | hospitalization.destination: the facility by its hcode identifier | F43 SD_Encounter_Base.fsh:140-142 |
| COST, PRICE, PAYPRICE, ACTUALPAY | kept (the guides' money is on Claim items, ex-claim-item-cost ...; no Claim is made) | EXT Extensions/SD_EX_Claim.fsh:1-21 |
| DIAGNOSIS_OPD.SEQ, DATE_SERV | encounter, recordedDate (the visit's; a DATE_SERV that differs is kept) | |
| DIAGTYPE | category coding cs-43plus-encounter-diagnosis-role 1-7 (6 additional code, 7 morphology; another code is a problem) | PC1 Profiles/SD_Condition/SD_Condition_Base.fsh:33-34; TRM CS_MoPH_Encounter.fsh:102-115 |
| DIAGCODE | code, ICD-10 with its dot put back | PC1 SD_Condition_Base.fsh:42-48 |
| CLINIC (and DRUG_OPD's) | kept (a department is a Location the app does not have) | |
| PROVIDER (DIAGNOSIS_OPD, DRUG_OPD, EPI) | asserter / performer: a Practitioner by its `localProv` identifier; a record made here names its Practitioner by id, whose localProv is written (the visit's when the record names none) | TRM AL_ID.fsh:29; THC Profiles/SD_Immunization.fsh:35-41 |
| DRUG_OPD.DIDSTD | medicationCodeableConcept coding cs-th-24drug (24 digits); another code is the unit's cs-th-local-drug-code and is kept as DIDSTD | F43 Profiles/SD_MedicationDispense/SD_MedicationDispense.fsh:17-37 |
| DNAME, AMOUNT, UNIT | text; quantity.value, quantity.unit (UNIT as read; the export writes a unit only in HDC's code form, never a word such as เม็ด) | |
| UNIT_PACKING | extension ex-claim-chi-packsize (valueString) | EXT Extensions/SD_EX_MedicationDispense.fsh:39-52 |
| DRUGPRICE, DRUGCOST | kept (the guides' prices are on Claim items) | EXT SD_EX_Claim.fsh:1-21 |
| EPI.SEQ | encounter (the visit), else a `localVn` identifier of its own | |
| DATE_SERV, VACCINETYPE | occurrenceDateTime; vaccineCode cs-thcc-vaccine-code | F43 Profiles/SD_Immunization/SD_Immunization.fsh:11-35 |
| VACCINEPLACE | another facility's code: location by its hcode identifier and primarySource false (TH Core's performer is a person only); this unit or empty: primarySource true; anything else kept | THC SD_Immunization.fsh:35-41 |
"""

from __future__ import annotations

import copy
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from clinic_app.core import builders as build
from clinic_app.core.errors import Problem
from clinic_app.core.fhir import Resource
from clinic_app.core.identifiers import (
    DIAGTYPE_SYSTEM,
    HCODE_SYSTEM,
    NAME_PREFIX_EXTENSION,
    NAME_PREFIX_SYSTEM,
)
from clinic_app.core.thai import PREFIX_CODES, cid_problem, normalise_cid
from clinic_app.interop import f43, f43_export, f43_fields, f43_homes, f43_more

_ORDER = ("PERSON", "SERVICE", "DIAGNOSIS_OPD", "DRUG_OPD", "EPI")  # the tables read, in the order read
READ = frozenset(_ORDER) | f43_more.READ  # for f43.read_archive(source, parse=READ); f43_more maps its eight
ORDER = (*_ORDER, *f43_more.TABLES)  # every file read, a row's person and visit first
DIAGTYPES = frozenset("1234567")  # cs-43plus-encounter-diagnosis-role (6 additional code, 7 morphology)
TYPEAREAS = frozenset("12345")
# The everyday prefixes: DOPA name-prefix code -> (the prefix as the app writes it, as
# registration and demo data do; DOPA's display). core.thai.PREFIX_CODES reversed, keeping its
# first spelling of each code ("ด.ช.", not "เด็กชาย"; "นางสาว", not "น.ส.").
EVERYDAY_PREFIXES = {code: (written, display) for written, (code, display) in reversed(PREFIX_CODES.items())}
DISCHARGE_DIED = "1"  # PERSON.DISCHARGE ตาย (cs-43file-pid-remove-reason, TRM CS_MoPH_Death.fsh:1-12)
GENDERS = {"1": "male", "2": "female"}
TIME_ZONE = "+07:00"
_NUMBER = re.compile(r"^\d+(\.\d+)?$")
_ICD10_FORM = re.compile(r"^[A-Z][0-9]{2}(\.?[0-9A-Z]{1,4})?$")  # ICD-10 and ICD-10-TM, with or without the dot

# SERVICE field -> the kind of vital sign (core.builders.VITAL_SIGNS), as record_visit writes them.
VITALS = {"BTEMP": "temperature", "PR": "heart_rate", "RR": "respiratory_rate"}
BP_FIELDS = ("SBP", "DBP")  # the blood-pressure panel: systolic, diastolic


@dataclass
class Import:
    resources: list[Resource] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Visit:
    encounter: dict[str, str]  # {"reference": "Encounter/<id>"}
    subject: dict[str, str]    # {"reference": "Patient/<id>"}
    pid: str
    start: str


def to_resources(tables: dict[str, f43.Table], *, hcode: str, prefixes: Mapping[str, str] | None = None) -> Import:
    """FHIR resources of the 43 files read (see f43.read_archive), with every problem.
    `prefixes` is DOPA's name-prefix list (code -> display); without it the everyday
    prefixes are known and another PRENAME is kept as its code alone."""
    mapper = Mapper(hcode, prefixes)
    mapper.describe(tables)
    out = mapper.map(tables)
    out.notes = mapper.notes()
    return out


# -- small helpers ----------------------------------------------------------------------------

def _file(table: f43.Table) -> str:
    return f"{table.name.lower()}.txt"


def _rows(table: f43.Table | None) -> list[tuple[str, dict[str, str]]]:
    """(where, row) of each row: where is "person.txt line 7"."""
    if table is None:
        return []
    return [(f"{_file(table)} line {line}", row) for line, row in zip(table.lines, table.rows, strict=True)]


def _number(text: str) -> float:
    value = float(text)
    return int(value) if value.is_integer() else value


def _icd10(code: str) -> str:
    """ "E119" -> "E11.9"; "J00" and "E11.9" stay."""
    code = code.strip().upper()
    return f"{code[:3]}.{code[3:]}" if len(code) > 3 and "." not in code else code


def _thai_where(where: str) -> str:
    """ "person.txt line 7" in Thai: "person.txt บรรทัดที่ 7"."""
    return where.replace(" line ", " บรรทัดที่ ")


_NOT_THE_VISITS_PID = ("PID is not the PID of the visit (SEQ) in service.txt",
                       "PID ไม่ตรงกับ PID ของการรับบริการ (SEQ) นี้ใน service.txt")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _prename(text: str) -> str:
    """PRENAME as a 3-digit code ("3" -> "003"); an everyday prefix written out instead of
    its code ("นาย") gives the code; "" for anything else."""
    text = text.strip()
    if text.isascii() and text.isdigit() and 1 <= len(text) <= 3:
        return text.zfill(3) if int(text) else ""  # DOPA's codes start at 001
    return PREFIX_CODES[text][0] if text in PREFIX_CODES else ""


def thai_name(given: str, family: str, code: str, prefixes: Mapping[str, str]) -> dict[str, Any]:
    """The Thai name with its DOPA prefix code and the prefix written out: an everyday one
    as the app writes it, another as DOPA's display (when the whole list is given)."""
    written, display = EVERYDAY_PREFIXES.get(code) or (prefixes.get(code), prefixes.get(code))
    if written and display:
        return build.human_name(given, family, language="th", prefix=written, prefix_code=(code, display))
    name = build.human_name(given, family, language="th")
    if code:  # the code alone, on a prefix without text
        name["_prefix"] = [{"extension": [{"url": NAME_PREFIX_EXTENSION, "valueCodeableConcept": {
            "coding": [build.coding(NAME_PREFIX_SYSTEM, code)]}}]}]
    return name


# -- the reader -------------------------------------------------------------------------------

class Mapper:
    """The mapping of 43 files to records: `to_resources` gives it the whole files; an
    import gives it a few people's rows at a time (`map`: every row of each person, of
    every file, and of anyone a row links them to: services/interop_stage.py), after the
    files' own notes (`describe`), and takes the notes of the whole at the end (`notes`)."""

    def __init__(self, hcode: str, prefixes: Mapping[str, str] | None = None) -> None:
        self.hcode = hcode
        self.whole_prefix_list = prefixes is not None  # DOPA's list given: a code not in it is no code
        self.prefixes = prefixes if prefixes is not None else {
            code: display for code, (_written, display) in EVERYDAY_PREFIXES.items()}
        self.out = Import()
        self.file_notes: list[str] = []
        self.more = f43_more.Tally()  # the eight files' counts, for their notes
        self.persons: dict[str, str] = {}   # PID -> where it was first seen
        self.cids: dict[str, str] = {}      # citizen ID -> the line number it was first seen on
        self.visits: dict[str, _Visit] = {}  # SEQ ->
        self.seq_lines: dict[str, str] = {}  # SEQ -> where it was first seen
        self.buddhist: Counter[tuple[str, str]] = Counter()  # (file, field) -> dates converted
        self.zero_vitals = 0
        self.prenames: Counter[str] = Counter()  # "code only" / "unknown" -> PRENAMEs so read
        self.back = f43_export.writer(hcode)  # each record written back, to keep what it would not give
        self.kept: Counter[str] = Counter()  # file -> rows keeping fields besides D_UPDATE
        self.repeats: Counter[str] = Counter()  # file -> rows repeating a diagnosis or vaccine of their visit

    def describe(self, tables: Mapping[str, f43.Table]) -> None:
        """The notes of the files themselves (their rows need not be there)."""
        for name in [*_ORDER, *f43_more.TABLES, *sorted(set(tables) - READ)]:
            if name in tables:
                self.describe_table(tables[name])

    def map(self, tables: Mapping[str, f43.Table]) -> Import:
        """The records and problems of these rows (every row of each person given)."""
        self.out = Import()
        self.persons, self.cids, self.visits, self.seq_lines = {}, {}, {}, {}
        self.persons_of(tables.get("PERSON"))
        self.services_of(tables.get("SERVICE"))
        self.each_once(tables.get("DIAGNOSIS_OPD"), self.condition)
        self.drugs_of(tables.get("DRUG_OPD"))
        self.each_once(tables.get("EPI"), self.immunization)
        more = f43_more.to_resources(tables, hcode=self.hcode, resources=self.out.resources,  # HOME, CARD ... (issue 15)
                                     tally=self.more)
        self.out.resources += more.resources
        self.out.problems += more.problems
        return self.out

    def checkpoint(self) -> tuple[Any, ...]:
        """The counts the notes say, as they are now (`rewind` goes back to them: a partial
        import maps a person's rows again after setting some aside, and counts the last time)."""
        return copy.deepcopy((self.buddhist, self.zero_vitals, self.prenames, self.kept, self.repeats, self.more))

    def rewind(self, counts: tuple[Any, ...]) -> None:
        self.buddhist, self.zero_vitals, self.prenames, self.kept, self.repeats, self.more = copy.deepcopy(counts)

    def notes(self) -> list[str]:
        """What to say of everything mapped so far."""
        return [*self.file_notes, *self.more.notes(), *self.count_notes()]

    # -- shared -----------------------------------------------------------------------------

    def id(self, kind: str, *key: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://clinic-app/f43/{self.hcode}/{kind}/{'/'.join(key)}"))

    def problem(self, where: str, reason: str, thai: str) -> None:
        self.out.problems.append(Problem(None, where, reason, thai))

    def note(self, text: str) -> None:
        self.file_notes.append(text)

    def describe_table(self, table: f43.Table) -> None:
        """Notes about the file itself: encoding, an older layout, extra fields, not read at all."""
        if table.encoding == f43.TIS620:
            self.note(f"{_file(table)} was TIS-620")
        if table.older_rows:
            newer = ", ".join(f for f in f43.LAYOUTS[table.name] if f not in f43.OLDER_LAYOUTS[table.name][0])
            self.note(f"{_file(table)}: {_plural(table.older_rows, 'row is', 'rows are')} in the layout before "
                      f"{newer}: {newer} read as empty")
        if table.extra_fields:
            self.note(f"{_file(table)} has extra fields {', '.join(table.extra_fields)}: ignored")
        if table.name not in READ:
            self.note(f"{_file(table)}: not imported yet ({_plural(table.line_count, 'row', 'rows')})")

    def count_notes(self) -> list[str]:
        notes: list[str] = []
        for (file, name), n in self.buddhist.items():
            dates, were = ("1 date was", "was") if n == 1 else (f"{n} dates were", "were")
            notes.append(f"{name} in {file}: {dates} Buddhist era (year > 2400) and {were} converted")
        if self.zero_vitals:
            notes.append(f"service.txt: {_plural(self.zero_vitals, 'vital sign was', 'vital signs were')} 0 "
                         "and read as not measured")
        if self.prenames["code only"]:
            notes.append(f"person.txt: {_plural(self.prenames['code only'], 'PRENAME is', 'PRENAMEs are')} not one of "
                         "the everyday prefixes: kept as the DOPA code, without the prefix written out")
        if self.prenames["unknown"]:
            notes.append(f"person.txt: {_plural(self.prenames['unknown'], 'PRENAME is', 'PRENAMEs are')} not a DOPA "
                         "name-prefix code: the name has no prefix (the code is kept as read)")
        for file in _ORDER:
            name = f"{file.lower()}.txt"
            if self.repeats[name]:
                notes.append(f"{name}: {_plural(self.repeats[name], 'row repeats', 'rows repeat')} a diagnosis or "
                             "vaccine of the same visit: read once")
            if self.kept[name]:
                notes.append(f"{name}: {self.kept[name]} {'row keeps' if self.kept[name] == 1 else 'rows keep'} fields "
                             "the records have no place for, kept as they came and written back so")
        return notes

    def own(self, where: str, row: dict[str, str]) -> bool:
        """True for a row of this unit; a problem otherwise."""
        code = row["HOSPCODE"]
        if code == self.hcode:
            return True
        if not code:
            facility, thai = "facility (none)", "ไม่มีรหัสหน่วยบริการ (HOSPCODE ว่าง)"
        elif f43.is_facility_code(code):
            facility, thai = f"facility {code}", f"เป็นข้อมูลของหน่วยบริการ {code}"
        else:  # not a facility code: it may be anything, even a citizen ID in the wrong field
            facility, thai = "another facility's code", "HOSPCODE ไม่ใช่รหัสของหน่วยบริการนี้"
        self.problem(where, f"belongs to {facility}; only this unit's files can be imported",
                     f"{thai} นำเข้าได้เฉพาะแฟ้มของหน่วยบริการนี้")
        return False

    def date(self, where: str, row: dict[str, str], name: str) -> str | None:
        """The ISO date of a YYYYMMDD field (Buddhist era converted and counted); a
        problem and None when it is missing or impossible."""
        day, buddhist = f43.parse_date(row[name])
        if day is None:
            self.problem(where, f"{name} is missing or not a real date (YYYYMMDD)",
                         f"{name} ว่างหรือไม่ใช่วันที่ที่มีจริง (ปปปปดดวว)")
            return None
        if buddhist:
            self.buddhist[(where.partition(" line ")[0], name)] += 1
        return day.isoformat()

    def patient_ref(self, where: str, pid: str) -> dict[str, str] | None:
        if pid not in self.persons:
            self.problem(where, "PID is not in person.txt", "ไม่พบ PID นี้ใน person.txt")
            return None
        return build.reference("Patient", self.id("PID", pid))

    def visit(self, where: str, row: dict[str, str]) -> _Visit | None:
        """The visit of a DIAGNOSIS_OPD or DRUG_OPD row; a problem when SEQ is not one or
        the PID is not the visit's."""
        visit = self.visits.get(row["SEQ"])
        if visit is None:
            self.problem(where, "SEQ is not a visit in service.txt", "ไม่พบการรับบริการ SEQ นี้ใน service.txt")
        elif visit.pid != row["PID"]:
            self.problem(where, *_NOT_THE_VISITS_PID)
            visit = None
        return visit

    def each_once(self, table: f43.Table | None, make: Callable[[str, dict[str, str]], Resource | None]) -> None:
        """The resources `make` builds from this unit's rows, each id once: a diagnosis or
        vaccine repeated in the same visit is the same record."""
        seen: set[str] = set()
        for where, row in _rows(table):
            if not self.own(where, row):
                continue
            resource = make(where, row)
            if resource and resource["id"] not in seen:
                seen.add(resource["id"])
                self.out.resources.append(resource)
            elif resource:
                self.repeats[where.partition(" line ")[0]] += 1

    def keep(self, name: str, row: dict[str, str], resource: Resource, back: dict[str, str] | None) -> Resource:
        """The record with what its row has and it would not write back as read (f43_fields):
        `back` is the row f43_export writes from the record alone."""
        kept = f43_fields.differing(f43.LAYOUTS[name], row, back or {})
        file = f"{name.lower()}.txt"
        if any(field_name != "D_UPDATE" for field_name, _text in kept):
            self.kept[file] += 1
        for field_name, text in kept:
            if text != row[field_name]:  # a Buddhist-era date kept in the common era
                self.buddhist[(file, field_name)] += 1
        return f43_fields.keep(resource, kept)

    def keyed_rows(self, table: f43.Table | None, name: str,
                   seen: dict[str, str]) -> Iterator[tuple[str, dict[str, str]]]:
        """This unit's rows whose key field `name` is filled and not seen on an earlier line
        (a problem otherwise)."""
        for where, row in _rows(table):
            if not self.own(where, row):
                continue
            if not row[name]:
                self.problem(where, f"{name} is empty", f"{name} ว่าง")
            elif self.first_time(seen, row[name], where, name):
                yield where, row

    def first_time(self, seen: dict[str, str], key: str, where: str, name: str) -> bool:
        """False (and a problem) when `key` was already seen on another line."""
        if key in seen:
            self.problem(where, f"{name} repeats {seen[key]}", f"{name} ซ้ำกับ {_thai_where(seen[key])}")
            return False
        seen[key] = where
        return True

    # -- PERSON -----------------------------------------------------------------------------

    def persons_of(self, table: f43.Table | None) -> None:
        for where, row in self.keyed_rows(table, "PID", self.persons):
            self.same_cid(where, row)
            patient = self.patient(where, row)
            if patient:
                self.out.resources.append(patient)

    def same_cid(self, where: str, row: dict[str, str]) -> None:
        """A problem when another person (another PID) of the file has this citizen ID;
        the message names the other line, never the number."""
        cid = normalise_cid(row["CID"])
        if not cid:
            return
        if cid in self.cids:
            self.problem(where, f"the same citizen ID as line {self.cids[cid]}",
                         f"เลขประจำตัวประชาชนซ้ำกับบรรทัดที่ {self.cids[cid]}")
        else:
            self.cids[cid] = where.rpartition(" line ")[2]

    def patient(self, where: str, row: dict[str, str]) -> Resource | None:
        before = len(self.out.problems)
        identifiers = self.patient_identifiers(where, row)
        if not row["NAME"] or not row["LNAME"]:
            self.problem(where, "NAME and LNAME are required", "ต้องมีทั้ง NAME และ LNAME")
        birth = self.date(where, row, "BIRTH")
        deceased = self.deceased(where, row)
        if row["TYPEAREA"] and row["TYPEAREA"] not in TYPEAREAS:
            self.problem(where, "TYPEAREA is not a code 1-5", "TYPEAREA ต้องเป็นรหัส 1-5")
        if len(self.out.problems) > before or birth is None:
            return None
        patient = build.patient(
            id=self.id("PID", row["PID"]), identifiers=identifiers,
            names=[thai_name(row["NAME"], row["LNAME"], self.prename(row["PRENAME"]), self.prefixes)],
            gender=GENDERS.get(row["SEX"], "unknown"), birth_date=birth, deceased=deceased, hcode=self.hcode)
        f43_homes.patient_homes(patient, row, self.hcode)  # HID, TYPEAREA, DISCHARGE, NATION, RACE, ... MSTATUS
        phones = _phones(row)
        if phones:
            patient["telecom"] = phones
        return self.keep("PERSON", row, patient, self.back.person_values(patient))

    def prename(self, text: str) -> str:
        """The DOPA code of PRENAME ("" when none), counting codes not known (for a note)."""
        code = _prename(text)
        if code in self.prefixes or not text.strip():
            return code
        if code and not self.whole_prefix_list:
            self.prenames["code only"] += 1
            return code
        self.prenames["unknown"] += 1
        return ""

    def deceased(self, where: str, row: dict[str, str]) -> str | bool | None:
        """The date of death (DDISCHARGE), or True without one, for DISCHARGE 1 (died); else
        None. A DDISCHARGE that is not a date is a problem."""
        if row["DISCHARGE"] != DISCHARGE_DIED:
            return None
        if not row["DDISCHARGE"]:
            return True
        return self.date(where, row, "DDISCHARGE")

    def patient_identifiers(self, where: str, row: dict[str, str]) -> list[dict[str, Any]]:
        identifiers = []
        if row["CID"]:
            why = cid_problem(row["CID"])
            if why:
                self.problem(where, f"CID: {why[1]}", f"CID: {why[0]}")
            identifiers.append(build.cid_identifier(normalise_cid(row["CID"])))
        identifiers.append(build.local_identifier(self.hcode, "HN", row["HN"] or row["PID"]))
        identifiers.append(build.local_identifier(self.hcode, "PID", row["PID"]))
        if row["PASSPORT"]:
            identifiers.append(build.passport_identifier(row["PASSPORT"]))
        return identifiers

    # -- SERVICE ----------------------------------------------------------------------------

    def services_of(self, table: f43.Table | None) -> None:
        for where, row in self.keyed_rows(table, "SEQ", self.seq_lines):
            self.out.resources.extend(self.encounter(where, row))

    def encounter(self, where: str, row: dict[str, str]) -> list[Resource]:
        """The Encounter and its vital signs (nothing when the row has a problem)."""
        before = len(self.out.problems)
        subject = self.patient_ref(where, row["PID"])
        start = self.start(where, row)
        eid = self.id("SEQ", row["SEQ"])
        visit = _Visit(build.reference("Encounter", eid), subject or {}, row["PID"], start or "")
        self.visits[row["SEQ"]] = visit
        vitals = self.vitals(where, row, visit)
        if len(self.out.problems) > before:
            return []
        encounter = build.encounter(id=eid, subject=visit.subject, when=visit.start, hcode=self.hcode,
                                    reason=row["CHIEFCOMP"], vn=row["SEQ"])
        f43_homes.encounter_homes(encounter, row)  # LOCATION, INTIME, TYPEIN ... HSUB
        readings = self.back.vitals_by_visit(vitals).get(eid, {})
        return [self.keep("SERVICE", row, encounter, self.back.service_values(encounter, readings)), *vitals]

    def start(self, where: str, row: dict[str, str]) -> str | None:
        """DATE_SERV (+ TIME_SERV) as a FHIR dateTime at Thai time."""
        day = self.date(where, row, "DATE_SERV")
        if not row["TIME_SERV"]:
            return day
        time = f43.parse_time(row["TIME_SERV"])
        if time is None:
            self.problem(where, "TIME_SERV is not a time (HHMMSS)", "TIME_SERV ไม่ใช่เวลา (ชชนนวว)")
            return None
        return f"{day}T{time:%H:%M:%S}{TIME_ZONE}" if day else None

    def reading(self, where: str, row: dict[str, str], name: str) -> float | None:
        """A vital sign's number; None when empty or 0 (not measured) or not a number (a problem)."""
        text = row[name]
        if not text:
            return None
        if not _NUMBER.match(text):
            self.problem(where, f"{name} is not a number", f"{name} ไม่ใช่ตัวเลข")
            return None
        if float(text) == 0:
            self.zero_vitals += 1
            return None
        return _number(text)

    def vitals(self, where: str, row: dict[str, str], visit: _Visit) -> list[Resource]:
        seq = row["SEQ"]
        at: dict[str, Any] = {"subject": visit.subject, "encounter": visit.encounter, "when": visit.start}
        out = []
        for name, kind in VITALS.items():
            value = self.reading(where, row, name)
            if value is not None:
                out.append(build.vital_sign(kind, value, id=self.id("SEQ", seq, name), **at))
        systolic, diastolic = (self.reading(where, row, name) for name in BP_FIELDS)
        if (systolic is None) != (diastolic is None):
            self.problem(where, "SBP and DBP go together; one of them is missing",
                         "SBP และ DBP ต้องมีคู่กัน แต่มีเพียงค่าเดียว")
        elif systolic is not None and diastolic is not None:
            out.append(build.blood_pressure(systolic, diastolic, id=self.id("SEQ", seq, "BP"), **at))
        return out

    # -- DIAGNOSIS_OPD ------------------------------------------------------------------------

    def condition(self, where: str, row: dict[str, str]) -> Resource | None:
        before = len(self.out.problems)
        visit = self.visit(where, row)
        if not row["DIAGCODE"]:
            self.problem(where, "DIAGCODE is empty", "DIAGCODE ว่าง")
        elif not _ICD10_FORM.match(row["DIAGCODE"].strip().upper()):  # issue 15: a code no ICD-10 has the form of
            self.problem(where, "DIAGCODE is not an ICD-10 code (a letter, two digits, up to four more: E119, E11.9)",
                         "DIAGCODE ไม่ใช่รหัส ICD-10 (อักษร 1 ตัว ตัวเลข 2 หลัก และอีกไม่เกิน 4 ตัว เช่น E119, E11.9)")
        if row["DIAGTYPE"] and row["DIAGTYPE"] not in DIAGTYPES:
            self.problem(where, "DIAGTYPE is not a code 1-7", "DIAGTYPE ต้องเป็นรหัส 1-7")
        if visit is None or len(self.out.problems) > before:
            return None
        code = _icd10(row["DIAGCODE"])
        condition = build.condition(code, id=self.id("DX", row["SEQ"], code.replace(".", "")), subject=visit.subject,
                                    encounter=visit.encounter, when=visit.start)
        if row["DIAGTYPE"]:  # MoPH-PC's category[th], beside the HL7 encounter-diagnosis
            condition["category"][0]["coding"].append(build.coding(DIAGTYPE_SYSTEM, row["DIAGTYPE"]))
        if row["PROVIDER"]:
            condition["asserter"] = self.provider(row["PROVIDER"])
        return self.keep("DIAGNOSIS_OPD", row, condition, self.back.diagnosis_values(condition, set()))

    # -- DRUG_OPD -----------------------------------------------------------------------------

    def drugs_of(self, table: f43.Table | None) -> None:
        repeats: Counter[tuple[str, str]] = Counter()
        for where, row in _rows(table):
            if not self.own(where, row):
                continue
            drug = row["DIDSTD"] or row["DNAME"]
            repeats[(row["SEQ"], drug)] += 1
            dispense = self.dispense(where, row, self.id("DRUG", row["SEQ"], drug, str(repeats[(row["SEQ"], drug)])))
            if dispense:
                self.out.resources.append(dispense)

    def dispense(self, where: str, row: dict[str, str], did: str) -> Resource | None:
        before = len(self.out.problems)
        visit = self.visit(where, row)
        if not row["DIDSTD"] and not row["DNAME"]:
            self.problem(where, "DIDSTD and DNAME are both empty", "DIDSTD และ DNAME ว่างทั้งคู่")
        if row["AMOUNT"] and not _NUMBER.match(row["AMOUNT"]):
            self.problem(where, "AMOUNT is not a number", "AMOUNT ไม่ใช่ตัวเลข")
        if visit is None or len(self.out.problems) > before:
            return None
        dispense = build.medication_dispense(
            _medication(row), id=did, subject=visit.subject, encounter=visit.encounter, when=visit.start,
            amount=_number(row["AMOUNT"]) if row["AMOUNT"] else None, unit=row["UNIT"],
            performer=self.provider(row["PROVIDER"]))
        f43_homes.with_pack_size(dispense, row["UNIT_PACKING"])
        return self.keep("DRUG_OPD", row, dispense, self.back.drug_values(dispense))

    # -- EPI ----------------------------------------------------------------------------------

    def immunization(self, where: str, row: dict[str, str]) -> Resource | None:
        before = len(self.out.problems)
        patient = self.patient_ref(where, row["PID"])
        day = self.date(where, row, "DATE_SERV")
        if not row["VACCINETYPE"]:
            self.problem(where, "VACCINETYPE is empty", "VACCINETYPE ว่าง")
        visit = self.visits.get(row["SEQ"])
        if visit and visit.pid != row["PID"]:
            self.problem(where, *_NOT_THE_VISITS_PID)
        if patient is None or day is None or len(self.out.problems) > before:
            return None
        key = (row["SEQ"],) if row["SEQ"] else (row["PID"], day)
        place = row["VACCINEPLACE"]
        immunization = build.immunization(
            row["VACCINETYPE"], id=self.id("EPI", *key, row["VACCINETYPE"]), patient=patient, when=day,
            primary_source=place in ("", self.hcode), encounter=visit.encounter if visit else None,
            performer=self.provider(row["PROVIDER"]),
            identifiers=[build.local_identifier(self.hcode, "VN", row["SEQ"])] if not visit and row["SEQ"] else None)
        if place != self.hcode and f43.is_facility_code(place):  # given at another facility
            immunization["location"] = {"type": "Location",
                                        "identifier": build.identifier(HCODE_SYSTEM, place, "hcode")}
        return self.keep("EPI", row, immunization, self.back.epi_values(immunization))

    def provider(self, code: str) -> dict[str, Any] | None:
        """The Practitioner of a PROVIDER code (the unit's own numbering), by its identifier."""
        if not code:
            return None
        return {"type": "Practitioner", "identifier": build.local_identifier(self.hcode, "Provider", code)}


def _medication(row: dict[str, str]) -> dict[str, Any]:
    """DIDSTD as the 24-digit code when it is one (never filed as TMT), else as the unit's
    own drug code; DNAME the text."""
    code = row["DIDSTD"]
    if len(code) == 24 and code.isdigit():
        return build.medication(row["DNAME"], drug24=code)
    return build.medication(row["DNAME"], local=code or None)


def _phones(row: dict[str, str]) -> list[dict[str, str]]:
    """MOBILE as the mobile phone (first: the one the app calls), TELEPHONE as the home one."""
    return ([build.phone(row["MOBILE"])] if row["MOBILE"] else []) + (
        [build.phone(row["TELEPHONE"], use="home")] if row["TELEPHONE"] else [])
