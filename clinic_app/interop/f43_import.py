"""MOPH 43 files -> FHIR: PERSON, SERVICE, DIAGNOSIS_OPD, DRUG_OPD and EPI as resources
shaped like the ones the app makes itself (services/patients.py `register`, `record_visit`).

`to_resources` checks every row and maps it; the caller stores the resources only when
there is no problem at all. A problem names "FILE.txt line N" and says what is wrong in
English and in Thai, never quoting a citizen ID, a name or a phone number. Mapping choices:

- Only this unit's rows: another HOSPCODE is a problem on each row (the code is quoted
  only when it looks like a facility code, 5 or 9 digits).
- Ids are uuid5 of https://clinic-app/f43/<hcode>/<kind>/<key> so importing the same
  files again meets the same records (services/interop.py keeps those already here): Patient PID/<PID>, Encounter SEQ/<SEQ>, its vital
  signs SEQ/<SEQ>/<field>, Condition DX/<SEQ>/<DIAGCODE>, MedicationDispense
  DRUG/<SEQ>/<DIDSTD or DNAME>/<n> (n counts repeats of the same drug in the visit, not
  lines), Immunization EPI/<SEQ>/<VACCINETYPE> (EPI/<PID>/<DATE_SERV>/<VACCINETYPE> when
  SEQ is empty). A repeated diagnosis or vaccine of the same visit is the same record.
The records take the SIL-TH guides' shapes (resources/standards/sil-th-summary.md), as
registration and visits do (core/builders.py):

- PERSON -> Patient: identifiers typed as TH Core slices them: CID (`cid`, checked), HN
  (`localHn`; HN, else PID), PID (`localPid`), PASSPORT (v2-0203 PPN; the 43 file does not
  say the issuing country, so the system is the guides' country-unknown one). The Thai name
  (language `th`) with PRENAME, DOPA's 3-digit name-prefix code, kept on the prefix
  (`_prefix`, ex-humanname-name-prefix, with DOPA's display) and the prefix written out:
  the everyday ones as the app's registration writes them (001 ด.ช., 002 ด.ญ., 003 นาย,
  004 นางสาว, 005 นาง: core.thai.PREFIX_CODES), another as DOPA's display (134 นพ.) when
  `to_resources(prefixes=)` gives DOPA's list, else kept as the code alone. SEX 1 male,
  2 female, else unknown; BIRTH (required); MOBILE (else TELEPHONE, as a home phone);
  managingOrganization this unit. Two rows with the same citizen ID (and different PIDs)
  are a problem. TYPEAREA (1-5) -> the person-status extension (cs-thcc-person-status).
  DISCHARGE (1 died, 2 moved, 3 missing, 9 not discharged) -> the pid-remove-reason
  extension (cs-43file-pid-remove-reason); for 1, deceasedDateTime = DDISCHARGE (the date),
  or deceasedBoolean true without one. The day of a move or a disappearance (DDISCHARGE
  with 2 or 3) has no home in the guides and is not kept (no invented extension: the
  conformance check and the hub refuse them). Another DISCHARGE code is not mapped.
- SERVICE -> Encounter (SEQ as the visit number: VN identifier, `localVn`; ambulatory,
  finished, period start = end = DATE_SERV + TIME_SERV at +07:00, or the date alone
  without a time; CHIEFCOMP as the reason) and Observations for BTEMP, SBP+DBP (one panel,
  both needed), PR and RR. A vital sign written as 0 means "not measured" (older systems
  write 0 for empty) and is skipped.
- DIAGNOSIS_OPD -> Condition (encounter-diagnosis, ICD-10 with the dot put back, DIAGTYPE
  (1-5) as a second category coding in cs-43plus-encounter-diagnosis-role, MoPH-PC's
  `category[th]`), DRUG_OPD -> MedicationDispense (a 24-digit DIDSTD under cs-th-24drug,
  another one as the unit's code under cs-th-local-drug-code; DNAME the text), both tied to
  the visit of their SEQ: patient, recordedDate and whenHandedOver are the visit's; a row
  whose PID is not the visit's is a problem.
- EPI -> Immunization (cs-thcc-vaccine-code) on DATE_SERV, tied to the visit when SEQ is
  one; otherwise the SEQ is kept as a VN identifier (so an export writes it back). A
  VACCINEPLACE that is another facility's code (5 or 9 digits) is the place given
  (`location`, by the facility's hcode identifier; TH Core allows only a person as
  performer); one other than this unit (or empty) is recorded as not primary source.
  PROVIDER (the unit's own provider code) of EPI, DRUG_OPD and DIAGNOSIS_OPD is the
  performer (the asserter of a diagnosis): a Practitioner named by its `localProv`
  identifier, as the PROVIDER file is not read.
- Buddhist-era dates are converted and counted; extra fields, TIS-620 files and files
  not read yet are noted (the service reads the archive with `parse=READ`, so the others
  are only counted and cannot block an import).
"""

from __future__ import annotations

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
    PERSON_STATUS_EXTENSION,
    PERSON_STATUS_SYSTEM,
    PID_REMOVE_EXTENSION,
    PID_REMOVE_SYSTEM,
)
from clinic_app.core.thai import PREFIX_CODES, cid_problem, normalise_cid
from clinic_app.interop import f43

_ORDER = ("PERSON", "SERVICE", "DIAGNOSIS_OPD", "DRUG_OPD", "EPI")  # the tables read, in the order read
READ = frozenset(_ORDER)  # for f43.read_archive(source, parse=READ)
DIAGTYPES = TYPEAREAS = frozenset("12345")
# The everyday prefixes: DOPA name-prefix code -> (the prefix as the app writes it, as
# registration and demo data do; DOPA's display). core.thai.PREFIX_CODES reversed, keeping its
# first spelling of each code ("ด.ช.", not "เด็กชาย"; "นางสาว", not "น.ส.").
EVERYDAY_PREFIXES = {code: (written, display) for written, (code, display) in reversed(PREFIX_CODES.items())}
# PERSON.DISCHARGE -> its display in cs-43file-pid-remove-reason (TRM CS_MoPH_Death.fsh:1-12)
DISCHARGES = {"1": "ตาย", "2": "ย้าย", "3": "สาบสูญ", "9": "ไม่จำหน่าย"}
DISCHARGE_DIED = "1"
GENDERS = {"1": "male", "2": "female"}
TIME_ZONE = "+07:00"
_NUMBER = re.compile(r"^\d+(\.\d+)?$")

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
    return _Reader(hcode, prefixes).read(tables)


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


def _coded_extension(url: str, system: str, code: str, display: str | None = None) -> dict[str, Any]:
    return {"url": url, "valueCodeableConcept": {"coding": [build.coding(system, code, display)]}}


def _prename(text: str) -> str:
    """PRENAME as a 3-digit code ("3" -> "003"); an everyday prefix written out instead of
    its code ("นาย") gives the code; "" for anything else."""
    text = text.strip()
    if text.isascii() and text.isdigit() and 1 <= len(text) <= 3:
        return text.zfill(3) if int(text) else ""  # DOPA's codes start at 001
    return PREFIX_CODES[text][0] if text in PREFIX_CODES else ""


def _thai_name(given: str, family: str, code: str, prefixes: Mapping[str, str]) -> dict[str, Any]:
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

class _Reader:
    def __init__(self, hcode: str, prefixes: Mapping[str, str] | None = None) -> None:
        self.hcode = hcode
        self.whole_prefix_list = prefixes is not None  # DOPA's list given: a code not in it is no code
        self.prefixes = prefixes if prefixes is not None else {
            code: display for code, (_written, display) in EVERYDAY_PREFIXES.items()}
        self.out = Import()
        self.persons: dict[str, str] = {}   # PID -> where it was first seen
        self.cids: dict[str, str] = {}      # citizen ID -> the line number it was first seen on
        self.visits: dict[str, _Visit] = {}  # SEQ ->
        self.seq_lines: dict[str, str] = {}  # SEQ -> where it was first seen
        self.buddhist: Counter[tuple[str, str]] = Counter()  # (file, field) -> dates converted
        self.zero_vitals = 0
        self.prenames: Counter[str] = Counter()  # "code only" / "unknown" -> PRENAMEs so read

    def read(self, tables: dict[str, f43.Table]) -> Import:
        for name in [*_ORDER, *sorted(set(tables) - READ)]:
            if name in tables:
                self.describe(tables[name])
        self.persons_of(tables.get("PERSON"))
        self.services_of(tables.get("SERVICE"))
        self.each_once(tables.get("DIAGNOSIS_OPD"), self.condition)
        self.drugs_of(tables.get("DRUG_OPD"))
        self.each_once(tables.get("EPI"), self.immunization)
        self.note_counts()
        return self.out

    # -- shared -----------------------------------------------------------------------------

    def id(self, kind: str, *key: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://clinic-app/f43/{self.hcode}/{kind}/{'/'.join(key)}"))

    def problem(self, where: str, reason: str, thai: str) -> None:
        self.out.problems.append(Problem(None, where, reason, thai))

    def note(self, text: str) -> None:
        self.out.notes.append(text)

    def describe(self, table: f43.Table) -> None:
        """Notes about the file itself: encoding, extra fields, not read at all."""
        if table.encoding == f43.TIS620:
            self.note(f"{_file(table)} was TIS-620")
        if table.extra_fields:
            self.note(f"{_file(table)} has extra fields {', '.join(table.extra_fields)}: ignored")
        if table.name not in READ:
            self.note(f"{_file(table)}: not imported yet ({_plural(table.line_count, 'row', 'rows')})")

    def note_counts(self) -> None:
        for (file, name), n in self.buddhist.items():
            dates, were = ("1 date was", "was") if n == 1 else (f"{n} dates were", "were")
            self.note(f"{name} in {file}: {dates} Buddhist era (year > 2400) and {were} converted")
        if self.zero_vitals:
            self.note(f"service.txt: {_plural(self.zero_vitals, 'vital sign was', 'vital signs were')} 0 "
                      "and read as not measured")
        if self.prenames["code only"]:
            self.note(f"person.txt: {_plural(self.prenames['code only'], 'PRENAME is', 'PRENAMEs are')} not one of "
                      "the everyday prefixes: kept as the DOPA code, without the prefix written out")
        if self.prenames["unknown"]:
            self.note(f"person.txt: {_plural(self.prenames['unknown'], 'PRENAME is', 'PRENAMEs are')} not a DOPA "
                      "name-prefix code: the name has no prefix")

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
        return build.patient(
            id=self.id("PID", row["PID"]), identifiers=identifiers,
            names=[_thai_name(row["NAME"], row["LNAME"], self.prename(row["PRENAME"]), self.prefixes)],
            gender=GENDERS.get(row["SEX"], "unknown"), birth_date=birth, deceased=deceased, hcode=self.hcode,
            phone=_phone(row), extension=_person_extensions(row) or None)

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
        return [encounter, *vitals]

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
        if row["DIAGTYPE"] and row["DIAGTYPE"] not in DIAGTYPES:
            self.problem(where, "DIAGTYPE is not a code 1-5", "DIAGTYPE ต้องเป็นรหัส 1-5")
        if visit is None or len(self.out.problems) > before:
            return None
        code = _icd10(row["DIAGCODE"])
        condition = build.condition(code, id=self.id("DX", row["SEQ"], code.replace(".", "")), subject=visit.subject,
                                    encounter=visit.encounter, when=visit.start)
        if row["DIAGTYPE"]:  # MoPH-PC's category[th], beside the HL7 encounter-diagnosis
            condition["category"][0]["coding"].append(build.coding(DIAGTYPE_SYSTEM, row["DIAGTYPE"]))
        if row["PROVIDER"]:
            condition["asserter"] = self.provider(row["PROVIDER"])
        return condition

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
        return build.medication_dispense(
            _medication(row), id=did, subject=visit.subject, encounter=visit.encounter, when=visit.start,
            amount=_number(row["AMOUNT"]) if row["AMOUNT"] else None, unit=row["UNIT"],
            performer=self.provider(row["PROVIDER"]))

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
        return immunization

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


def _person_extensions(row: dict[str, str]) -> list[dict[str, Any]]:
    """TYPEAREA as the person status, DISCHARGE as the reason the person left the unit's list."""
    out = []
    if row["TYPEAREA"]:
        out.append(_coded_extension(PERSON_STATUS_EXTENSION, PERSON_STATUS_SYSTEM, row["TYPEAREA"]))
    if row["DISCHARGE"] in DISCHARGES:
        out.append(_coded_extension(PID_REMOVE_EXTENSION, PID_REMOVE_SYSTEM, row["DISCHARGE"],
                                    DISCHARGES[row["DISCHARGE"]]))
    return out


def _phone(row: dict[str, str]) -> dict[str, str] | None:
    if row["MOBILE"]:
        return build.phone(row["MOBILE"])
    if row["TELEPHONE"]:
        return build.phone(row["TELEPHONE"], use="home")
    return None
