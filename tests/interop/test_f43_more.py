"""HOME, CARD, PROVIDER, DRUGALLERGY, CHRONIC, DEATH, APPOINTMENT and PROCEDURE_OPD
(interop/f43_more.py): each file with every field filled goes in through the real service
into the encrypted store and comes back out the same, field by field; the records it makes
take the app's shapes and pass the SIL-TH conformance check; importing again meets the same
records; an allergy, an appointment and a procedure recorded in the app come out in their
files; a bad row is a problem at its file and line, in English and Thai, never quoting a
citizen ID or a name."""

from __future__ import annotations

import datetime as dt
import json
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clinic_app.conformance import check_all
from clinic_app.core.errors import InvalidInputError
from clinic_app.core.fhir import Resource, validate_resource
from clinic_app.core.identifiers import (
    ALLERGY_CERTAINTY_SYSTEM,
    ALLERGY_SEVERITY_SYSTEM,
    COVERAGE_TYPE_SYSTEM,
    F43_FIELDS_EXTENSION,
    ICD9CM,
    local_system,
)
from clinic_app.core.permissions import ADMIN, CLINICIAN, DEVICE, Actor
from clinic_app.interop import f43, f43_import, f43_more
from clinic_app.interop.f43_import import to_resources
from clinic_app.services import interop
from clinic_app.services.installation import Installation
from clinic_app.services.patients import PatientForm
from clinic_app.services.session import UnitSession
from clinic_app.services.visits import VisitForm

HCODE = "12345"  # the installation fixture's unit (tests/conftest.py)
OTHER = "10670"
CID_1 = "1101700207030"
CID_2 = "3100500123458"
CID_PROVIDER = "1509900000017"
CID_NURSE = "3700100001236"
CODE_24 = "100176000004493120381620"
STAMP = "20241020103000"

PERSON = [
    {"HOSPCODE": HCODE, "CID": CID_1, "PID": "1", "HID": "H001", "PRENAME": "003", "NAME": "สมชาย", "LNAME": "ใจดี",
     "HN": "0000001", "SEX": "1", "BIRTH": "19800415", "TYPEAREA": "1", "MOBILE": "0812345678"},
    {"HOSPCODE": HCODE, "CID": CID_2, "PID": "2", "HID": "H001", "PRENAME": "004", "NAME": "มาลี", "LNAME": "ศรีสุข",
     "HN": "0000002", "SEX": "2", "BIRTH": "19520102", "TYPEAREA": "1", "DISCHARGE": "1", "DDISCHARGE": "20250105"},
]
SERVICE = [
    {"HOSPCODE": HCODE, "PID": "1", "HN": "0000001", "SEQ": "100", "DATE_SERV": "20241015", "TIME_SERV": "093000",
     "CHIEFCOMP": "ไข้ ไอ"},
    {"HOSPCODE": HCODE, "PID": "2", "HN": "0000002", "SEQ": "101", "DATE_SERV": "20250105", "TIME_SERV": "140000",
     "CHIEFCOMP": "เหนื่อย"},
]
MORE: dict[str, list[dict[str, str]]] = {
    "HOME": [
        {"HID": "H001", "HOUSE_ID": "30010123456", "HOUSETYPE": "1", "ROOMNO": "12A", "CONDO": "อาคารสุขใจ",
         "HOUSE": "12/3", "SOISUB": "ซอยย่อย 2", "SOIMAIN": "ซอยสุขใจ", "ROAD": "มิตรภาพ",
         "VILLANAME": "หมู่บ้านสุขสันต์", "VILLAGE": "04", "TAMBON": "01", "AMPUR": "01", "CHANGWAT": "30",
         "TELEPHONE": "044123456", "LATITUDE": "14.9799", "LONGITUDE": "102.0977", "NFAMILY": "2", "LOCATYPE": "1",
         "VHVID": "2", "HEADID": "1", "TOILET": "1", "WATER": "1", "WATERTYPE": "2", "GARBAGE": "1", "HOUSING": "1",
         "DURABILITY": "1", "CLEANLINESS": "1", "VENTILATION": "1", "LIGHT": "1", "WATERTM": "1", "MFOOD": "1",
         "BCONTROL": "1", "ACONTROL": "1", "CHEMICAL": "2", "OUTDATE": "20250201", "D_UPDATE": STAMP},
        {"HID": "H002", "HOUSE_ID": "30010123457", "HOUSETYPE": "9", "ROOMNO": "1", "CONDO": "-", "HOUSE": "7",
         "SOISUB": "-", "SOIMAIN": "-", "ROAD": "-", "VILLANAME": "-", "VILLAGE": "1", "TAMBON": "99", "AMPUR": "01",
         "CHANGWAT": "30", "TELEPHONE": "-", "LATITUDE": "15.10", "LONGITUDE": "abc", "NFAMILY": "01", "LOCATYPE": "3",
         "VHVID": "1", "HEADID": "2", "TOILET": "0", "WATER": "0", "WATERTYPE": "0", "GARBAGE": "0", "HOUSING": "0",
         "DURABILITY": "0", "CLEANLINESS": "0", "VENTILATION": "0", "LIGHT": "0", "WATERTM": "0", "MFOOD": "0",
         "BCONTROL": "0", "ACONTROL": "0", "CHEMICAL": "0", "OUTDATE": "x", "D_UPDATE": STAMP},
    ],
    "CARD": [
        {"PID": "1", "INSTYPE_OLD": "74", "INSTYPE_NEW": "0100", "INSID": "UC123456789", "STARTDATE": "20200101",
         "EXPIREDATE": "20301231", "MAIN": OTHER, "SUB": HCODE, "D_UPDATE": STAMP, "CID": CID_1},
        {"PID": "2", "INSTYPE_OLD": "11", "INSTYPE_NEW": "1200", "INSID": "G0001", "STARTDATE": "25630101",
         "EXPIREDATE": "20191231", "MAIN": "1067", "SUB": OTHER, "D_UPDATE": STAMP, "CID": ""},
    ],
    "PROVIDER": [
        {"PROVIDER": "P001", "REGISTERNO": "ว.12345", "COUNCIL": "01", "CID": CID_PROVIDER, "PRENAME": "134",
         "NAME": "สมศักดิ์", "LNAME": "รักษา", "SEX": "1", "BIRTH": "19750310", "PROVIDERTYPE": "01",
         "STARTDATE": "20150601", "OUTDATE": "20240930", "MOVEFROM": OTHER, "MOVETO": "10671", "D_UPDATE": STAMP},
        {"PROVIDER": "P002", "REGISTERNO": "4511223344", "COUNCIL": "02", "CID": CID_NURSE, "PRENAME": "5",
         "NAME": "Jane", "LNAME": "Doe", "SEX": "2", "BIRTH": "25300101", "PROVIDERTYPE": "03",
         "STARTDATE": "20200101", "OUTDATE": "", "MOVEFROM": "", "MOVETO": "", "D_UPDATE": STAMP},
    ],
    "DRUGALLERGY": [
        {"PID": "1", "DATERECORD": "20240115", "DRUGALLERGY": CODE_24, "DNAME": "Amoxicillin 500 mg", "TYPEDX": "1",
         "ALEVEL": "2", "SYMPTOM": "01", "INFORMANT": "3", "INFORMHOSP": OTHER, "D_UPDATE": STAMP, "PROVIDER": "P001",
         "CID": CID_1},
        {"PID": "1", "DATERECORD": "20240116", "DRUGALLERGY": "SULFA", "DNAME": "", "TYPEDX": "9", "ALEVEL": "8",
         "SYMPTOM": "x", "INFORMANT": "4", "INFORMHOSP": "", "D_UPDATE": STAMP, "PROVIDER": "P002", "CID": CID_1},
    ],
    "CHRONIC": [
        {"PID": "1", "DATE_DIAG": "20190301", "CHRONIC": "E119", "HOSP_DX": OTHER, "HOSP_RX": HCODE,
         "DATE_DISCH": "20240101", "TYPEDISCH": "03", "D_UPDATE": STAMP, "CID": CID_1},
        {"PID": "1", "DATE_DIAG": "20100505", "CHRONIC": "I10", "HOSP_DX": HCODE, "HOSP_RX": HCODE,
         "DATE_DISCH": "20230101", "TYPEDISCH": "01", "D_UPDATE": STAMP, "CID": CID_1},
    ],
    "DEATH": [
        {"PID": "2", "HOSPDEATH": OTHER, "AN": "AN0001", "SEQ": "101", "DDEATH": "20250105", "CDEATH_A": "I219",
         "CDEATH_B": "I10", "CDEATH_C": "E119", "CDEATH_D": "N189", "ODISEASE": "J449", "CDEATH": "I219",
         "PREGDEATH": "4", "PDEATH": "1", "PROVIDER": "P001", "D_UPDATE": STAMP, "CID": CID_2},
    ],
    "APPOINTMENT": [
        {"PID": "1", "AN": "AN0002", "SEQ": "100", "DATE_SERV": "20241015", "CLINIC": "00100", "APDATE": "20241029",
         "APTYPE": "181", "APDIAG": "E119", "PROVIDER": "P001", "D_UPDATE": STAMP, "CID": CID_1},
        {"PID": "1", "AN": "", "SEQ": "999", "DATE_SERV": "20240101", "CLINIC": "01100", "APDATE": "25680110",
         "APTYPE": "zz", "APDIAG": "hello", "PROVIDER": "", "D_UPDATE": STAMP, "CID": CID_1},
    ],
    "PROCEDURE_OPD": [
        {"PID": "1", "SEQ": "100", "DATE_SERV": "20241015", "CLINIC": "00100", "PROCEDCODE": "9357",
         "SERVICEPRICE": "50.00", "PROVIDER": "P001", "D_UPDATE": STAMP, "CID": CID_1},
        {"PID": "1", "SEQ": "100", "DATE_SERV": "20241015", "CLINIC": "00100", "PROCEDCODE": "2387010",
         "SERVICEPRICE": "0", "PROVIDER": "P002", "D_UPDATE": STAMP, "CID": CID_1},
        {"PID": "1", "SEQ": "100", "DATE_SERV": "20241015", "CLINIC": "01100", "PROCEDCODE": "X01",
         "SERVICEPRICE": "", "PROVIDER": "", "D_UPDATE": STAMP, "CID": CID_1},
        {"PID": "1", "SEQ": "100", "DATE_SERV": "20241015", "CLINIC": "00100", "PROCEDCODE": "9357",
         "SERVICEPRICE": "50.00", "PROVIDER": "P001", "D_UPDATE": STAMP, "CID": CID_1},  # twice: both kept
    ],
}
# every field of the first row of each file is filled
for _name, _rows in MORE.items():
    assert all(_rows[0].get(f) for f in f43.LAYOUTS[_name] if f != "HOSPCODE"), _name


def _rows(name: str) -> list[dict[str, str]]:
    return [{**dict.fromkeys(f43.LAYOUTS[name], ""), **row, "HOSPCODE": HCODE} for row in MORE[name]]


def _text(name: str, rows: list[dict[str, str]]) -> str:
    lines = ["|".join(f43.LAYOUTS[name])] + ["|".join(row.get(f, "") for f in f43.LAYOUTS[name]) for row in rows]
    return "\r\n".join(lines) + "\r\n"


def _files(**changes: list[dict[str, str]]) -> dict[str, str]:
    tables = {"PERSON": PERSON, "SERVICE": SERVICE, **{name: _rows(name) for name in MORE}, **changes}
    return {name: _text(name, rows) for name, rows in tables.items()}


def _tables(files: dict[str, str]) -> dict[str, f43.Table]:
    problems: list[Any] = []
    tables = {name: f43.read_table(name, text.encode(), problems) for name, text in files.items()}
    assert problems == []
    return tables


def _folder(path: Path, files: dict[str, str]) -> Path:
    path.mkdir()
    for name, text in files.items():
        (path / f"{name.lower()}.txt").write_text(text, encoding="utf-8")
    return path


def _read_zip(path: Path) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(path) as archive:
        return {name: f43.read_table(name, archive.read(f"{name.lower()}.txt"), []).rows
                for name in interop.EXPORTED}


def _by_type(resources: list[Resource], kind: str) -> list[Resource]:
    return [r for r in resources if r["resourceType"] == kind]


def _differences(name: str, given: list[dict[str, str]], written: list[dict[str, str]]) -> list[str]:
    """Field by field, the rows matched in the export's order (each file sorted by its key)."""
    layout = f43.LAYOUTS[name]

    def key(row: dict[str, str]) -> tuple[str, ...]:
        return tuple(row.get(f, "") for f in layout)

    out = []
    if len(given) != len(written):
        out.append(f"{name}: {len(given)} rows given, {len(written)} written")
    for a, b in zip(sorted(given, key=key), sorted(written, key=key)):
        out += [f"{name}.{f}: {a.get(f, '')!r} -> {b.get(f, '')!r}" for f in layout if a.get(f, "") != b.get(f, "")]
    return out


def _expected(name: str) -> list[dict[str, str]]:
    """The rows as they should come back: a Buddhist-era date converted, as the five files' are."""
    out = []
    for row in _rows(name):
        row = dict(row)
        for f, value in row.items():
            day, be = f43.parse_date(value) if len(value) == 8 else (None, False)
            if be and day:
                row[f] = f43.date_text(day)
        out.append(row)
    return out


# -- pure: the files to records and back ----------------------------------------------------------

@pytest.fixture(scope="module")
def imported() -> f43_import.Import:
    result = to_resources(_tables(_files()), hcode=HCODE)
    assert [(p.path, p.reason) for p in result.problems] == []
    return result


def test_every_record_is_valid_fhir_and_conforms_to_the_guides(imported: f43_import.Import) -> None:
    made = [r for r in imported.resources if r["resourceType"] not in ("Patient", "Encounter", "Observation")]
    kinds = sorted({r["resourceType"] for r in made})
    assert kinds == ["AllergyIntolerance", "Appointment", "Condition", "Coverage", "Location", "Practitioner",
                     "PractitionerRole", "Procedure"]
    assert [(r["resourceType"], p.path, p.reason) for r in imported.resources for p in validate_resource(r)] == []
    assert [str(v) for v in check_all(imported.resources)] == []
    text = json.dumps(imported.resources)
    assert "urn:clinic-app" not in text and F43_FIELDS_EXTENSION in text


def test_records_take_the_apps_shapes(imported: f43_import.Import) -> None:
    resources = imported.resources
    [patient_1, patient_2] = _by_type(resources, "Patient")
    allergy = next(a for a in _by_type(resources, "AllergyIntolerance") if a["code"].get("text"))
    assert allergy["patient"] == {"reference": f"Patient/{patient_1['id']}"}
    assert allergy["recordedDate"] == "2024-01-15" and allergy["criticality"] == "high"
    assert allergy["code"]["coding"][0]["code"] == CODE_24
    codes = {e["valueCodeableConcept"]["coding"][0]["system"]: e["valueCodeableConcept"]["coding"][0]["code"]
             for e in allergy["extension"] if "valueCodeableConcept" in e}
    assert codes[ALLERGY_CERTAINTY_SYSTEM] == "1" and codes[ALLERGY_SEVERITY_SYSTEM] == "2"
    assert allergy["recorder"]["identifier"]["value"] == "P001"
    appointment = next(a for a in _by_type(resources, "Appointment") if a.get("supportingInformation"))
    assert appointment["start"] == "2024-10-29T09:00:00+07:00" and appointment["status"] == "booked"
    visit = next(e for e in _by_type(resources, "Encounter") if e["subject"]["reference"] == f"Patient/{patient_1['id']}")
    assert appointment["supportingInformation"] == [{"reference": f"Encounter/{visit['id']}"}]
    procedures = {p["code"]["coding"][0]["system"]: p["code"]["coding"][0]["code"]
                  for p in _by_type(resources, "Procedure")}
    assert procedures[ICD9CM] == "93.57" and len(_by_type(resources, "Procedure")) == 4
    problems = [c for c in _by_type(resources, "Condition") if not c.get("encounter")]
    chronic = {c["code"]["coding"][0]["code"]: c for c in problems}
    assert chronic["E11.9"]["category"][0]["coding"][0]["code"] == "problem-list-item"
    assert chronic["E11.9"]["clinicalStatus"]["coding"][0]["code"] == "active"
    assert chronic["I10"]["clinicalStatus"]["coding"][0]["code"] == "resolved"
    assert chronic["I10"]["abatementDateTime"] == "2023-01-01"
    assert chronic["I21.9"]["category"][0]["coding"][0]["code"] == "death"
    assert patient_2["deceasedDateTime"] == "2025-01-05"
    coverages = {c["type"]["coding"][0]["code"]: c for c in _by_type(resources, "Coverage")}
    assert coverages["0100"]["type"]["coding"][0]["system"] == COVERAGE_TYPE_SYSTEM
    assert coverages["0100"]["period"] == {"start": "2020-01-01", "end": "2030-12-31"}
    assert coverages["0100"]["beneficiary"] == {"reference": f"Patient/{patient_1['id']}"}
    doctor = next(p for p in _by_type(resources, "Practitioner") if p["name"][0].get("prefix"))
    assert doctor["name"][0]["prefix"] == ["นพ."] and doctor["gender"] == "male"
    assert [i["type"]["coding"][0]["code"] for i in doctor["identifier"]] == ["localProv", "cid", "proDoc"]
    # the id the app gives the Practitioner of a staff member signed in as that provider code
    assert doctor["id"] == str(uuid.uuid5(uuid.NAMESPACE_URL, local_system(HCODE, "Provider") + "/P001"))
    [home, _other_home] = sorted(_by_type(resources, "Location"), key=lambda h: h["id"] != f43_more_id("HOME", "H001"))
    assert home["address"]["city"] == "ในเมือง" and home["position"] == {"longitude": 102.0977, "latitude": 14.9799}
    assert home["identifier"][0]["system"] == local_system(HCODE, "HouseId") and home["status"] == "inactive"


def f43_more_id(kind: str, *key: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://clinic-app/f43/{HCODE}/{kind}/{'/'.join(key)}"))


def test_what_has_no_place_is_kept_and_the_rest_is_not(imported: f43_import.Import) -> None:
    allergy = next(a for a in _by_type(imported.resources, "AllergyIntolerance") if a["code"].get("text"))
    assert f43_more.kept_fields(allergy) == {"D_UPDATE": STAMP}  # every other field is at home
    odd = next(a for a in _by_type(imported.resources, "AllergyIntolerance") if not a["code"].get("text"))
    assert f43_more.kept_fields(odd) == {"TYPEDX": "9", "SYMPTOM": "x", "D_UPDATE": STAMP}
    card = next(c for c in _by_type(imported.resources, "Coverage") if c["type"]["coding"][0]["code"] == "1200")
    assert f43_more.kept_fields(card) == {"INSTYPE_OLD": "11", "EXPIREDATE": "20191231", "MAIN": "1067",
                                          "D_UPDATE": STAMP, "CID": ""}
    assert "note" not in json.dumps(card)


def test_the_files_back_from_the_records_are_the_files_given(imported: f43_import.Import) -> None:
    export = f43_more.to_tables(imported.resources, hcode=HCODE, updated=dt.datetime(2026, 1, 1))
    differences = [d for name in MORE for d in _differences(name, _expected(name), export.tables[name])]
    assert differences == []


def test_importing_the_same_files_twice_gives_the_same_records() -> None:
    first = to_resources(_tables(_files()), hcode=HCODE).resources
    again = to_resources(_tables(_files()), hcode=HCODE).resources
    assert json.dumps(first, sort_keys=True) == json.dumps(again, sort_keys=True)
    assert len({r["id"] for r in first}) == len(first)


# -- problems ---------------------------------------------------------------------------------------

BAD = [
    ("another facility", "DRUGALLERGY", {"HOSPCODE": OTHER},
     "belongs to facility 10670; only this unit's files can be imported"),
    ("person not in PERSON", "CARD", {"PID": "77"}, "PID is not in person.txt"),
    ("no such right", "CARD", {"INSTYPE_NEW": "7777"},
     "INSTYPE_NEW is not a right of THCC's list (cs-thcc-coverage-type)"),
    ("impossible day", "DRUGALLERGY", {"DATERECORD": "20240231"},
     "DATERECORD is missing or not a real date (YYYYMMDD)"),
    ("no drug", "DRUGALLERGY", {"DRUGALLERGY": "", "DNAME": ""}, "DRUGALLERGY and DNAME are both empty"),
    ("no visit", "PROCEDURE_OPD", {"SEQ": "555"}, "SEQ is not a visit in service.txt"),
    ("another's visit", "PROCEDURE_OPD", {"PID": "2"}, "PID is not the PID of the visit (SEQ) in service.txt"),
    ("not ICD-10", "CHRONIC", {"CHRONIC": "diabetes"}, "CHRONIC is not an ICD-10 code"),
    ("no cause", "DEATH", {"CDEATH": ""}, "CDEATH is empty"),
    ("no appointment day", "APPOINTMENT", {"APDATE": ""}, "APDATE is missing or not a real date (YYYYMMDD)"),
    ("bad provider CID", "PROVIDER", {"CID": "1509900000018"},
     "CID: The last (check) digit does not match; please re-check the number"),
]


@pytest.mark.parametrize(("name", "change", "reason"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_row_is_a_problem_at_its_line(name: str, change: dict[str, str], reason: str) -> None:
    rows = _rows(name)
    rows[0] = {**rows[0], **change}
    result = to_resources(_tables(_files(**{name: rows})), hcode=HCODE)
    assert [(p.path, p.reason) for p in result.problems] == [(f"{name.lower()}.txt line 2", reason)]  # line 1: header
    assert all(p.thai and p.thai != p.reason for p in result.problems)
    said = json.dumps([(p.reason, p.thai) for p in result.problems], ensure_ascii=False)
    assert not any(secret in said for secret in (CID_1, CID_2, CID_PROVIDER, "สมชาย", "สมศักดิ์", "มาลี"))


def test_a_row_of_a_person_refused_in_person_txt_says_so() -> None:
    person = [PERSON[0], {**PERSON[1], "BIRTH": "xx"}]
    result = to_resources(_tables(_files(PERSON=person)), hcode=HCODE)
    assert ("card.txt line 3", "the person (PID) of this row was refused in person.txt") in \
        [(p.path, p.reason) for p in result.problems]


def test_a_repeated_key_is_a_problem_where_the_file_allows_one_row() -> None:
    homes = _rows("HOME")
    result = to_resources(_tables(_files(HOME=[*homes, homes[0]])), hcode=HCODE)
    assert [(p.path, p.reason) for p in result.problems] == [("home.txt line 4", "HID repeats home.txt line 2")]


# -- through the real service and the encrypted store ------------------------------------------------

@pytest.fixture
def unit(installation: Installation) -> Iterator[UnitSession]:
    with UnitSession(installation) as session:
        session.act_as(Actor("admin.somchai", ADMIN))
        yield session


def test_every_file_round_trips_through_the_store(installation: Installation, tmp_path: Path) -> None:
    source = _folder(tmp_path / "in", _files())
    store = installation.connect()
    try:
        service = interop.Interop43(store, actor=DEVICE)
        report = service.import_(source)
        assert report.by_type["Location"] == 2 and report.by_type["Practitioner"] == 2
        stored = [r for kind in ("AllergyIntolerance", "Appointment", "Procedure", "Condition", "Coverage",
                                 "Practitioner", "PractitionerRole", "Location", "Patient")
                  for r in store.iter_resources(resource_type=kind)]
        assert [str(v) for v in check_all(stored)] == []
        written = _read_zip(service.export(tmp_path / "out.zip", now=dt.datetime(2026, 1, 1, 8, 0)).path)
        differences = [d for name in MORE for d in _differences(name, _expected(name), written[name])]
        print("\n".join(differences))
        assert differences == []
        # the same files again: the same records, nothing doubled, nothing overwritten
        counts = {kind: len(list(store.iter_resources(resource_type=kind)))
                  for kind in ("AllergyIntolerance", "Appointment", "Procedure", "Condition", "Coverage",
                               "Practitioner", "PractitionerRole", "Location")}
        again = service.import_(source)
        assert again.stored == 0
        assert {kind: len(list(store.iter_resources(resource_type=kind))) for kind in counts} == counts
        assert any("Location records were already here" in note for note in again.notes)
    finally:
        store.close()


def test_the_files_are_read_in_tis620_and_refused_whole_with_a_bad_row(installation: Installation,
                                                                         tmp_path: Path) -> None:
    files = _files()
    source = tmp_path / "in"
    source.mkdir()
    for name, text in files.items():
        (source / f"{name.lower()}.txt").write_bytes(text.encode("cp874"))
    bad = _folder(tmp_path / "bad", _files(CHRONIC=[{**_rows("CHRONIC")[0], "PID": "404"}]))
    store = installation.connect()
    try:
        service = interop.Interop43(store, actor=DEVICE)
        with pytest.raises(InvalidInputError) as refused:
            service.import_(bad)
        assert [(p.path, p.lines, p.reason) for p in refused.value.problems] == [
            ("chronic.txt", (2,), "PID is not in person.txt")]
        assert list(store.iter_resources(resource_type="Location")) == []  # all or nothing
        report = service.import_(source)
        assert "home.txt was TIS-620" in report.notes
        written = _read_zip(service.export(tmp_path / "out.zip").path)
        assert [r["NAME"] for r in written["PROVIDER"]] == ["สมศักดิ์", "Jane"]
    finally:
        store.close()


def test_a_partial_import_keeps_the_bad_rows_of_these_files_for_review(installation: Installation,
                                                                     tmp_path: Path) -> None:
    person = [PERSON[0], {**PERSON[1], "BIRTH": "xx"}]  # the second person refused: their rows go with them
    chronic = [{**_rows("CHRONIC")[0], "PID": "404"}, _rows("CHRONIC")[1]]
    source = _folder(tmp_path / "in", _files(PERSON=person, CHRONIC=chronic))
    store = installation.connect()
    try:
        report = interop.Interop43(store, actor=DEVICE).import_(source, partial=True)
        assert report.refused == {"PERSON": 1, "SERVICE": 1, "CARD": 1, "CHRONIC": 1, "DEATH": 1}
        assert report.by_type["AllergyIntolerance"] == 2 and report.by_type["Location"] == 2
        refused = {(row.layout, row.line): [english for english, _thai in row.reasons] for row in store.f43_review.rows()}
        assert refused[("CHRONIC", 2)] == ["PID is not in person.txt"]
        assert "the person on PERSON line 3 was refused" in refused[("DEATH", 2)]
    finally:
        store.close()


def test_what_the_app_records_comes_out_in_its_file(unit: UnitSession, tmp_path: Path) -> None:
    form = PatientForm(given_th="สมศรี", family_th="มีสุข", sex="female", birth_day=3, birth_month=2,
                       birth_year_be=2523, house="12", moo="4", subdistrict_code="300101")
    pid = unit.patients.register(form, allow_duplicates=True).value["id"]
    unit.act_as(Actor("nurse.ploy", CLINICIAN))
    today = dt.date.today()
    visit = unit.visits.save(pid, VisitForm(complaint="ไข้", diagnoses=[("I10", "1")], procedures=["93.57"],
                                            appointment_day=today + dt.timedelta(days=14),
                                            appointment_reason="วัดความดัน")).value
    unit.visits.add_allergy(pid, "Penicillin", reaction="ผื่น", certainty="1", severity="3")
    unit.followup.add_chronic(pid, "HT", since=dt.date(2020, 1, 2))
    vn = next(i["value"] for i in visit["identifier"] if i["system"].endswith("/VN"))
    # the files carry Thailand's dates: what was recorded now is on Thailand's today (a day
    # after this machine's when the test runs between 17:00 and 24:00 UTC)
    thai_today = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date()
    for first, last in ((None, None), (thai_today, thai_today)):  # all, and the month's export of today
        written = _read_zip(unit.interop43.export(tmp_path / f"out{first}.zip", first=first, last=last).path)
        [person] = written["PERSON"]
        [allergy] = written["DRUGALLERGY"]
        assert (allergy["PID"], allergy["DATERECORD"], allergy["DNAME"], allergy["TYPEDX"], allergy["ALEVEL"],
                allergy["INFORMHOSP"], allergy["HOSPCODE"]) == (person["PID"], f43.date_text(thai_today), "Penicillin",
                                                                "1", "3", HCODE, HCODE)
        assert allergy["PROVIDER"] == "nurse.ploy" and allergy["D_UPDATE"]
        [appointment] = written["APPOINTMENT"]
        assert (appointment["PID"], appointment["SEQ"], appointment["DATE_SERV"], appointment["APDATE"],
                appointment["CLINIC"], appointment["PROVIDER"]) == (
            person["PID"], vn, f43.date_text(thai_today), f43.date_text(today + dt.timedelta(days=14)), "00100",
            "nurse.ploy")
        [procedure] = written["PROCEDURE_OPD"]
        assert (procedure["SEQ"], procedure["PROCEDCODE"]) == (vn, "9357")
        [chronic] = written["CHRONIC"]
        assert (chronic["CHRONIC"], chronic["DATE_DIAG"], chronic["TYPEDISCH"], chronic["HOSP_RX"]) == (
            "I10", "20200102", "03", HCODE)
        assert [p["PROVIDER"] for p in written["PROVIDER"]] == ["nurse.ploy"]
        assert [c["INSTYPE_NEW"] for c in written["CARD"]] in ([], ["0100"])
    # an export of another month leaves the day's allergy and appointment out, the register in
    old = today - dt.timedelta(days=400)
    written = _read_zip(unit.interop43.export(tmp_path / "old.zip", first=old, last=old).path)
    assert written["DRUGALLERGY"] == [] and written["APPOINTMENT"] == [] and written["PROCEDURE_OPD"] == []
    assert len(written["CHRONIC"]) == 1


def test_the_layouts_and_what_the_import_reads() -> None:
    assert set(f43_more.TABLES) <= set(f43.LAYOUTS) and f43_more.READ <= f43_import.READ
    assert set(f43_more.TABLES) <= set(interop.EXPORTED)
    assert f43.LAYOUTS["DRUGALLERGY"][-3:] == ("D_UPDATE", "PROVIDER", "CID")
    assert len(f43.LAYOUTS["HOME"]) == 38
