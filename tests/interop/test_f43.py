"""MOPH 43 files <-> FHIR, pure: demo records out to tables, through the bytes of the
files (UTF-8 and TIS-620) and back to the same records; records in the SIL-TH shapes and in
the shapes the app wrote before (data version 1) give the same rows; then small
hand-written files, one for each kind of problem, each problem at its exact file and line."""

from __future__ import annotations

import datetime as _dt
import uuid
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from clinic_app.core import builders as build
from clinic_app.core import demo
from clinic_app.core.fhir import Resource, patient_cid, validate_resource
from clinic_app.core.identifiers import (
    DIAGTYPE_SYSTEM,
    CID_SYSTEM,
    DRUG24_SYSTEM,
    EPI_VACCINE_SYSTEM,
    HCODE_SYSTEM,
    ICD10_TM,
    IDENTIFIER_TYPE_SYSTEM,
    LANGUAGE_EXTENSION,
    LOCAL_DRUG_SYSTEM,
    LOINC,
    NAME_PREFIX_EXTENSION,
    NAME_PREFIX_SYSTEM,
    OLD_PASSPORT_SYSTEM,
    OLD_TMT_SYSTEM,
    PASSPORT_UNKNOWN_COUNTRY,
    PERSON_STATUS_EXTENSION,
    PERSON_STATUS_SYSTEM,
    PID_REMOVE_EXTENSION,
    PID_REMOVE_SYSTEM,
    TMT_SYSTEM,
    local_system,
    profile,
)
from clinic_app.core.thai import PREFIX_CODES
from clinic_app.interop import f43, f43_fields, f43_homes, f43_import
from clinic_app.interop.f43_export import pid_of, to_tables, visit_number
from clinic_app.interop.f43_import import to_resources

HCODE = "12345"
UPDATED = _dt.datetime(2026, 11, 1, 12, 30, 0)
STAMP = "20261101123000"
CID = "1101700207030"    # valid check digit
CID_2 = "3100500123458"  # valid check digit
CODE_24 = "100000000000000000000001"  # 24 digits
# How the app wrote records before the SIL-TH shapes (data version 1): still read.
OLD_VACCINE_SYSTEM = "https://terms.sil-th.org/CodeSystem/cs-th-vaccine-code"
OLD_DRUG_SYSTEM = local_system(HCODE, "DRUG")
OLD_SEQ_SYSTEM = local_system(HCODE, "SEQ")
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"


def _typed(code: str, system: str, value: str) -> dict[str, Any]:
    """An identifier typed with cs-th-identifier-type, as TH Core slices them."""
    return {"type": {"coding": [{"system": IDENTIFIER_TYPE_SYSTEM, "code": code}]}, "system": system, "value": value}


def _coded(url: str, system: str, code: str, display: str | None = None) -> dict[str, Any]:
    """An extension whose value is one coding."""
    return {"url": url, "valueCodeableConcept": {"coding": [{"system": system, "code": code,
                                                             **({"display": display} if display else {})}]}}


def _prefix_code(code: str, display: str | None = None) -> list[dict[str, Any]]:
    """A name's `_prefix`: DOPA's name-prefix code on the prefix."""
    return [{"extension": [_coded(NAME_PREFIX_EXTENSION, NAME_PREFIX_SYSTEM, code, display)]}]


# -- helpers --------------------------------------------------------------------------------

def _by_type(resources: list[Resource], rtype: str) -> list[Resource]:
    return [r for r in resources if r["resourceType"] == rtype]


KEPT_NOTE = "fields the records have no place for, kept as they came and written back so"


def _unkept(notes: list[str]) -> list[str]:
    """The notes but the counts of rows keeping fields (f43_fields; test_what_rows_keep)."""
    return [note for note in notes if KEPT_NOTE not in note]


def _without_kept(resource: Resource) -> Resource:
    """A record without its f43-fields extension (what the rows keep is tested on its own)."""
    out = {**resource, "extension": [e for e in resource.get("extension", []) if e.get("url") != f43_fields.URL]}
    if not out["extension"]:
        del out["extension"]
    return out


def _through_files(tables: dict[str, list[dict[str, str]]], encoding: str) -> dict[str, f43.Table]:
    """Render each table to the bytes of its file and read it back."""
    problems: list[Any] = []
    read = {name: f43.read_table(name, f43.render_table(name, rows, encoding=encoding), problems)
            for name, rows in tables.items()}
    assert problems == []
    return read


def _rendered(tables: dict[str, list[dict[str, str]]]) -> dict[str, bytes]:
    return {name: f43.render_table(name, rows) for name, rows in tables.items()}


def _f43_id(kind: str, key: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://clinic-app/f43/{HCODE}/{kind}/{key}"))


# -- the demo round trip ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_records() -> list[Resource]:
    records = [r for person in demo.generate(40, seed=11, hcode=HCODE) for r in person.resources]
    kinds = {r["resourceType"] for r in records}
    assert {"Patient", "Encounter", "Observation", "Condition", "MedicationDispense", "Immunization",
            "AllergyIntolerance"} <= kinds  # the round trip below is about something
    return records


def _patients(resources: list[Resource]) -> dict[str, tuple[Any, ...]]:
    """CID -> (prefix, given, family, birthDate, gender, phone)."""
    out = {}
    for p in _by_type(resources, "Patient"):
        name = next(n for n in p["name"] if n["use"] == "official")
        out[patient_cid(p)] = (name.get("prefix"), name["given"], name["family"], p["birthDate"], p["gender"],
                               p["telecom"][0]["value"])
    return out


def _cids(resources: list[Resource]) -> dict[str, str]:
    return {f"Patient/{p['id']}": patient_cid(p) for p in _by_type(resources, "Patient")}


def _visits(resources: list[Resource]) -> dict[str, tuple[str, str]]:
    """Encounter reference -> (CID, start)."""
    cids = _cids(resources)
    return {f"Encounter/{e['id']}": (cids[e["subject"]["reference"]], e["period"]["start"])
            for e in _by_type(resources, "Encounter")}


def _summary(resources: list[Resource]) -> dict[str, Counter[Any]]:
    """What must survive a round trip, keyed by CID and visit start rather than by id."""
    cids, visits = _cids(resources), _visits(resources)
    vitals: Counter[Any] = Counter()
    for o in _by_type(resources, "Observation"):
        code = o["code"]["coding"][0]["code"]
        if code == "85354-9":
            vitals[(visits[o["encounter"]["reference"]], code,
                    tuple(c["valueQuantity"]["value"] for c in o["component"]))] += 1
        elif code != "29463-7":  # body weight has no field in SERVICE
            vitals[(visits[o["encounter"]["reference"]], code, o["valueQuantity"]["value"])] += 1
    return {
        "visits": Counter(visits.values()),
        "complaints": Counter((visits[f"Encounter/{e['id']}"], e["reasonCode"][0]["text"])
                              for e in _by_type(resources, "Encounter")),
        "diagnoses": Counter((visits[c["encounter"]["reference"]], c["code"]["coding"][0]["code"])
                             for c in _by_type(resources, "Condition")),
        # DIDSTD is only ever the 24-digit code and UNIT HDC's unit code: the demo's local codes and
        # unit words (tablet) are not written (test_demo_export_counts_and_notes)
        "drugs": Counter((visits[d["context"]["reference"]], d["medicationCodeableConcept"]["text"],
                          d["quantity"]["value"]) for d in _by_type(resources, "MedicationDispense")),
        "vaccines": Counter((cids[i["patient"]["reference"]], i["vaccineCode"]["coding"][0]["code"],
                             i["occurrenceDateTime"][:10]) for i in _by_type(resources, "Immunization")),
        "vitals": vitals,
    }


@pytest.mark.parametrize("encoding", [f43.UTF8, f43.TIS620])
def test_demo_records_round_trip_through_the_files(demo_records: list[Resource], encoding: str) -> None:
    export = to_tables(demo_records, hcode=HCODE, updated=UPDATED)
    result = to_resources(_through_files(export.tables, encoding), hcode=HCODE)
    assert result.problems == []
    back = result.resources
    assert _patients(back) == _patients(demo_records)
    assert len(_by_type(back, "Encounter")) == len(_by_type(demo_records, "Encounter"))
    original, returned = _summary(demo_records), _summary(back)
    for key in original:
        assert returned[key] == original[key], key
    assert ("person.txt was TIS-620" in result.notes) == (encoding == f43.TIS620)


def test_every_imported_resource_is_valid_fhir(demo_records: list[Resource]) -> None:
    export = to_tables(demo_records, hcode=HCODE, updated=UPDATED)
    resources = to_resources(_through_files(export.tables, f43.UTF8), hcode=HCODE).resources
    assert len(resources) > 500
    assert [(r["resourceType"], p) for r in resources for p in validate_resource(r)] == []


def test_exporting_the_imported_records_gives_the_same_files_and_ids(demo_records: list[Resource]) -> None:
    first = to_tables(demo_records, hcode=HCODE, updated=UPDATED)
    imported = to_resources(_through_files(first.tables, f43.UTF8), hcode=HCODE).resources
    second = to_tables(imported, hcode=HCODE, updated=UPDATED)
    assert _rendered(second.tables) == _rendered(first.tables)
    again = to_resources(_through_files(second.tables, f43.TIS620), hcode=HCODE).resources
    assert again == imported  # the same ids: a second import updates, never duplicates


def test_the_same_records_in_another_order_give_the_same_bytes(demo_records: list[Resource]) -> None:
    forward = to_tables(demo_records, hcode=HCODE, updated=UPDATED)
    backward = to_tables(list(reversed(demo_records)), hcode=HCODE, updated=UPDATED)
    assert _rendered(backward.tables) == _rendered(forward.tables)
    assert [row["PID"] for row in forward.tables["PERSON"]] == sorted(row["PID"] for row in forward.tables["PERSON"])


def test_demo_export_counts_and_notes(demo_records: list[Resource]) -> None:
    export = to_tables(demo_records, hcode=HCODE, updated=UPDATED)
    assert {name: len(rows) for name, rows in export.tables.items()} == {
        "PERSON": 40, "SERVICE": len(_by_type(demo_records, "Encounter")),
        "DIAGNOSIS_OPD": len(_by_type(demo_records, "Condition")),
        "DRUG_OPD": len(_by_type(demo_records, "MedicationDispense")),
        "EPI": len(_by_type(demo_records, "Immunization"))}
    drugs, weights = len(_by_type(demo_records, "MedicationDispense")), len(_by_type(demo_records, "Encounter"))
    assert export.notes == [
        "40 patients have no TYPEAREA (their person status, which HDC requires): it is left empty, never guessed; "
        "set it on each before sending",
        f"{weights} visits do not say all of LOCATION, INTIME, TYPEIN, SERVPLACE and TYPEOUT (a visit recorded here "
        "has no place for most): what is not known is left empty, never guessed",
        f"{drugs} drugs have no 24-digit code (DIDSTD, which HDC requires): it is left empty",
        f"{drugs} drugs have their unit as a word, not HDC's 3-character unit code: UNIT is left empty",
        (f"{weights} observations other than temperature, blood pressure, pulse and respiratory rate were not "
         "written (SERVICE has no field for them)"),
    ]
    # the demo's people have their right (a Coverage): it is each visit's INSTYPE
    assert {row["INSTYPE"] for row in export.tables["SERVICE"]} <= {"0100", "4200", "1100", "9100"}
    assert all(row["INSTYPE"] for row in export.tables["SERVICE"])
    assert all(row["D_UPDATE"] == STAMP and row["HOSPCODE"] == HCODE for rows in export.tables.values()
               for row in rows)


# -- export, field by field -------------------------------------------------------------------

def _patient(pid: str = "p1", *, prefix: str = "นาย", cid: str | None = CID, hn: str | None = "0000007",
             old: bool = False, prefix_code: tuple[str, str] | None = None, **extra: Any) -> Resource:
    """A Patient as the app writes it (typed identifiers; the English name first, `official`
    too, so only the language tells the Thai one; the prefix's DOPA code, the everyday one
    unless `prefix_code` is given), or with `old` as it wrote it before (untyped identifiers,
    an `official` Thai and a `usual` English name, no languages, no prefix code)."""
    if old:
        identifiers = ([{"system": CID_SYSTEM, "value": cid}] if cid else []) + (
            [{"system": local_system(HCODE, "HN"), "value": hn}] if hn else [])
        names = [{"use": "usual", "given": ["Somchai"], "family": "Jaidee", "prefix": ["Mr."]},
                 {"use": "official", "text": f"{prefix}สมชาย ใจดี", "given": ["สมชาย"], "family": "ใจดี",
                  "prefix": [prefix]}]
    else:
        identifiers = ([build.cid_identifier(cid)] if cid else []) + (
            [build.local_identifier(HCODE, "HN", hn)] if hn else [])
        names = [build.human_name("Somchai", "Jaidee", language="en", prefix="Mr."),
                 build.human_name("สมชาย", "ใจดี", prefix=prefix, prefix_code=prefix_code or PREFIX_CODES.get(prefix))]
    return {"resourceType": "Patient", "id": pid, "identifier": identifiers + extra.pop("identifier", []),
            "name": names, "gender": "male", "birthDate": "1980-04-15",
            "telecom": [{"system": "email", "value": "x@example.org"},
                        {"system": "phone", "value": "0812345678", "use": "mobile"}], **extra}


ENC_ID = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"


def _visit_records() -> list[Resource]:
    subject, enc = {"reference": "Patient/p1"}, {"reference": f"Encounter/{ENC_ID}"}

    def vital(code: str, value: float) -> Resource:
        return {"resourceType": "Observation", "id": f"o{code}", "status": "final", "subject": subject,
                "encounter": enc, "code": {"coding": [{"system": LOINC, "code": code}]},
                "valueQuantity": {"value": value}}

    def condition(cid: str, code: str) -> Resource:
        return {"resourceType": "Condition", "id": cid, "subject": subject, "encounter": enc,
                "code": {"coding": [{"system": ICD10_TM, "code": code}]}}

    def dispense(did: str, coding: list[dict[str, str]], amount: float) -> Resource:
        return {"resourceType": "MedicationDispense", "id": did, "status": "completed", "subject": subject,
                "context": enc, "medicationCodeableConcept": {"coding": coding},
                "quantity": {"value": amount, "unit": "tablet"}}

    return [
        _patient(),
        {"resourceType": "Encounter", "id": ENC_ID, "status": "finished", "subject": subject,
         "period": {"start": "2026-10-15T09:30:05Z"}, "reasonCode": [{"text": "ไข้"}, {"text": "ไอ"}]},
        vital("8310-5", 36.0), vital("8867-4", 88), vital("9279-1", 20.5),
        {"resourceType": "Observation", "id": "bp", "status": "final", "subject": subject, "encounter": enc,
         "code": {"coding": [{"system": LOINC, "code": "85354-9"}]},
         "component": [{"code": {"coding": [{"system": LOINC, "code": "8480-6"}]}, "valueQuantity": {"value": 120.0}},
                       {"code": {"coding": [{"system": LOINC, "code": "8462-4"}]}, "valueQuantity": {"value": 80}}]},
        condition("c1", "E11.9"), condition("c2", "I10"),
        {"resourceType": "Condition", "id": "c3", "subject": subject, "encounter": {"reference": "Encounter/gone"},
         "code": {"coding": [{"system": ICD10_TM, "code": "J00"}]}},
        dispense("d1", [{"system": DRUG24_SYSTEM, "code": CODE_24, "display": "Paracetamol 500 mg"}], 20.0),
        dispense("d2", [{"system": LOCAL_DRUG_SYSTEM, "code": "AMLO5", "display": "Amlodipine 5 mg"}], 30),
        {"resourceType": "Immunization", "id": "i1", "status": "completed", "patient": subject, "encounter": enc,
         "vaccineCode": {"coding": [{"system": EPI_VACCINE_SYSTEM, "code": "815"}]},
         "occurrenceDateTime": "2026-10-15T09:30:05+07:00"},
        {"resourceType": "Immunization", "id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "status": "completed",
         "patient": subject, "vaccineCode": {"coding": [{"system": EPI_VACCINE_SYSTEM, "code": "010"}]},
         "occurrenceDateTime": "1980-04-16"},
        {"resourceType": "AllergyIntolerance", "id": "a1", "patient": subject},
    ]


@pytest.mark.parametrize("passport", [
    build.passport_identifier("AA1234567"),            # the issuing country not known
    build.passport_identifier("AA1234567", "LAO"),     # http://hl7.org/fhir/sid/passport-LAO
    {"system": OLD_PASSPORT_SYSTEM, "value": "AA1234567"},  # the one passport-THA the app wrote before
])
def test_person_row(passport: dict[str, Any]) -> None:
    [row] = to_tables([_patient(identifier=[passport])], hcode=HCODE, updated=UPDATED).tables["PERSON"]
    assert row == {**dict.fromkeys(f43.LAYOUTS["PERSON"], ""),
                   "HOSPCODE": HCODE, "CID": CID, "PID": "0000007", "HN": "0000007", "PRENAME": "003",
                   "NAME": "สมชาย", "LNAME": "ใจดี", "SEX": "1", "BIRTH": "19800415", "NATION": "099",
                   "DISCHARGE": "9", "PASSPORT": "AA1234567", "TYPEAREA": "", "D_UPDATE": STAMP,
                   "MOBILE": "0812345678"}  # no TYPEAREA: never guessed (a note says so)


@pytest.mark.parametrize("prefix, code", [("ด.ช.", "001"), ("ด.ญ.", "002"), ("นาย", "003"), ("นางสาว", "004"),
                                          ("น.ส.", "004"), ("นาง", "005"), ("เด็กหญิง", "002"), ("พระ", "")])
@pytest.mark.parametrize("old", [False, True])
def test_prename_codes(prefix: str, code: str, old: bool) -> None:
    [row] = to_tables([_patient(prefix=prefix, old=old)], hcode=HCODE, updated=UPDATED).tables["PERSON"]
    assert row["PRENAME"] == code


def test_prename_is_the_prefix_code_when_the_name_has_one() -> None:
    doctor = _patient(prefix="นพ.", prefix_code=("134", "นพ."))
    code_only = _patient("p2", prefix="", hn="0000008")  # what the import keeps of a code it cannot write out
    code_only["name"][1]["_prefix"] = _prefix_code("140")
    other_system = _patient("p3", prefix="นาย", hn="0000009")
    other_system["name"][1]["_prefix"] = [{"extension": [_coded(NAME_PREFIX_EXTENSION, "urn:other", "999")]}]
    rows = to_tables([doctor, code_only, other_system], hcode=HCODE, updated=UPDATED).tables["PERSON"]
    assert [(r["HN"], r["PRENAME"]) for r in rows] == [("0000007", "134"), ("0000008", "140"), ("0000009", "003")]


def test_pid_is_kept_from_an_earlier_import_else_the_hn_else_made_from_the_id() -> None:
    imported = _patient("p1", identifier=[{"system": local_system(HCODE, "PID"), "value": "55"}])
    foreigner = _patient("7d0c4a5e-1111-4222-8333-944455556666", cid=None, hn=None, gender="female",
                         birthDate="1990")
    export = to_tables([imported, foreigner, _patient("p3", hn="0000009")], hcode=HCODE, updated=UPDATED)
    rows = export.tables["PERSON"]
    assert [(r["PID"], r["HN"]) for r in rows] == [("0000009", "0000009"), ("55", "0000007"),
                                                   ("7d0c4a5e11114222", "")]
    # a birth year alone stands at 1 July (BIRTH is required at HDC; core/thai.py birth_date_of)
    assert (rows[2]["CID"], rows[2]["NATION"], rows[2]["SEX"], rows[2]["BIRTH"]) == ("", "", "2", "19900701")
    assert export.notes[:2] == ["1 patients have neither a PID nor an HN: their PID is made from the record id",
                                "1 patients have a birth date known only to its year or month: BIRTH is its middle "
                                "(1 July, or the 15th)"]


def test_visit_rows() -> None:
    export = to_tables(_visit_records(), hcode=HCODE, updated=UPDATED)
    seq = ENC_ID.replace("-", "")[:16]
    [service] = export.tables["SERVICE"]
    assert {k: v for k, v in service.items() if v} == {
        "HOSPCODE": HCODE, "PID": "0000007", "HN": "0000007", "SEQ": seq, "DATE_SERV": "20261015",
        "TIME_SERV": "163005", "CHIEFCOMP": "ไข้; ไอ",  # LOCATION, INTIME ... not known: never "1"
        "BTEMP": "36", "SBP": "120", "DBP": "80", "PR": "88", "RR": "20.5",
        "COST": "0", "PRICE": "0", "PAYPRICE": "0", "ACTUALPAY": "0", "D_UPDATE": STAMP, "CID": CID}
    assert [(r["SEQ"], r["DATE_SERV"], r["DIAGTYPE"], r["DIAGCODE"], r["CLINIC"])
            for r in export.tables["DIAGNOSIS_OPD"]] == [(seq, "20261015", "1", "E119", "00100"),
                                                         (seq, "20261015", "4", "I10", "00100")]
    # DIDSTD only ever the 24-digit code, UNIT only HDC's code (a word like "tablet" is not one)
    assert [(r["SEQ"], r["DIDSTD"], r["DNAME"], r["AMOUNT"], r["UNIT"], r["DRUGPRICE"])
            for r in export.tables["DRUG_OPD"]] == [(seq, "", "Amlodipine 5 mg", "30", "", "0"),
                                                    (seq, CODE_24, "Paracetamol 500 mg", "20", "", "0")]
    assert [(r["PID"], r["CID"], r["SEQ"], r["DATE_SERV"], r["VACCINETYPE"], r["VACCINEPLACE"])
            for r in export.tables["EPI"]] == [("0000007", CID, "0a1b2c3d4e5f4a6b", "19800416", "010", HCODE),
                                               ("0000007", CID, seq, "20261015", "815", HCODE)]
    assert export.notes == [
        "1 patients have no TYPEAREA (their person status, which HDC requires): it is left empty, never guessed; "
        "set it on each before sending",
        "1 visits have no INSTYPE (the person's right, which HDC requires): it is left empty",
        "1 visits do not say all of LOCATION, INTIME, TYPEIN, SERVPLACE and TYPEOUT (a visit recorded here "
        "has no place for most): what is not known is left empty, never guessed",
        "1 diagnoses and drugs whose visit is not among the records given were left out",
        "1 drugs have no 24-digit code (DIDSTD, which HDC requires): it is left empty",
        "2 drugs have their unit as a word, not HDC's 3-character unit code: UNIT is left empty",
    ]


def test_the_first_diagnosis_of_a_visit_is_the_principal_one() -> None:
    records = _visit_records()
    c1, c2 = (i for i, r in enumerate(records) if r["id"] in ("c1", "c2"))
    records[c1], records[c2] = records[c2], records[c1]
    rows = to_tables(records, hcode=HCODE, updated=UPDATED).tables["DIAGNOSIS_OPD"]
    assert [(r["DIAGTYPE"], r["DIAGCODE"]) for r in rows] == [("1", "I10"), ("4", "E119")]


def _diagtype(code: str) -> dict[str, Any]:
    """A DIAGTYPE as the import keeps it: a category in cs-43plus-encounter-diagnosis-role."""
    return {"category": [{"coding": [{"system": CONDITION_CATEGORY, "code": "encounter-diagnosis"},
                                     {"system": DIAGTYPE_SYSTEM, "code": code}]}]}


def _old_diagtype(code: str) -> dict[str, Any]:
    """A DIAGTYPE as the import kept it before (data version 1)."""
    return {"extension": [{"url": f43.F43_EXTENSION + "DIAGTYPE", "valueCode": code}]}


@pytest.mark.parametrize("_diagtype", [_diagtype, _old_diagtype])
def test_a_kept_diagtype_is_written_back_and_the_rule_only_fills_the_others(_diagtype: Any) -> None:
    records = _visit_records()
    c1, c2 = (i for i, r in enumerate(records) if r["id"] in ("c1", "c2"))
    records[c2] = {**records[c2], **_diagtype("1")}  # I10 is principal, though E11.9 comes first
    rows = to_tables(records, hcode=HCODE, updated=UPDATED).tables["DIAGNOSIS_OPD"]
    assert [(r["DIAGTYPE"], r["DIAGCODE"]) for r in rows] == [("1", "I10"), ("4", "E119")]
    records[c1], records[c2] = {**records[c1], **_diagtype("2")}, {**records[c2], **_diagtype("5")}
    rows = to_tables(records, hcode=HCODE, updated=UPDATED).tables["DIAGNOSIS_OPD"]
    assert [(r["DIAGTYPE"], r["DIAGCODE"]) for r in rows] == [("2", "E119"), ("5", "I10")]
    records[c1] = {**records[c1], **_diagtype("principal")}  # not a DIAGTYPE: the rule decides
    rows = to_tables(records, hcode=HCODE, updated=UPDATED).tables["DIAGNOSIS_OPD"]
    assert [(r["DIAGTYPE"], r["DIAGCODE"]) for r in rows] == [("1", "E119"), ("5", "I10")]


def test_dates_and_times_are_written_in_thailands_time() -> None:
    records = _visit_records()
    for i, record in enumerate(records):
        if record["resourceType"] == "Encounter":
            records[i] = {**record, "period": {"start": "2026-11-30T23:30:00Z"}}
        elif record["id"] == "i1":  # 20:15 in New York on 30 November is 08:15 on 1 December in Thailand
            records[i] = {**record, "occurrenceDateTime": "2026-11-30T20:15:00-05:00"}
    tables = to_tables(records, hcode=HCODE, updated=UPDATED).tables
    assert [(r["DATE_SERV"], r["TIME_SERV"]) for r in tables["SERVICE"]] == [("20261201", "063000")]
    assert {r["DATE_SERV"] for name in ("DIAGNOSIS_OPD", "DRUG_OPD", "EPI") for r in tables[name]} == {
        "20261201", "19800416"}  # the vaccine outside a visit keeps its date-only day


@pytest.mark.parametrize("text, expected", [
    ("2026-11-30T23:30:00Z", "2026-12-01T06:30:00+07:00"),
    ("2026-11-30T23:30:00.250+00:00", "2026-12-01T06:30:00.250000+07:00"),
    ("2026-12-01T06:30:00+07:00", "2026-12-01T06:30:00+07:00"),
    ("2026-12-01T06:30:00", "2026-12-01T06:30:00+07:00"),  # no offset: read as Thai time already
    ("2026-12-01", "2026-12-01T00:00:00+07:00"),           # a date alone stays that date
    ("1990-04", None), ("1990", None), ("", None), (None, None), ("2026-02-30", None), ("yesterday", None),
])
def test_thai_local(text: str | None, expected: str | None) -> None:
    moment = f43.thai_local(text)
    assert (moment.isoformat() if moment else None) == expected


def _status(code: str) -> dict[str, Any]:
    """The person-status extension as the import writes it: with the list's display."""
    from clinic_app.conformance.codes import code_list

    return _coded(PERSON_STATUS_EXTENSION, PERSON_STATUS_SYSTEM, code,
                  code_list("cs-thcc-person-status").display.get(code))


def _removed(code: str) -> dict[str, Any]:
    return _coded(PID_REMOVE_EXTENSION, PID_REMOVE_SYSTEM, code)


@pytest.mark.parametrize("extra, fields", [
    ({}, ("9", "", "")),  # no TYPEAREA: never guessed (was 1)
    ({"deceasedBoolean": False}, ("9", "", "")),
    ({"deceasedBoolean": True}, ("1", "", "")),
    ({"deceasedDateTime": "2026-03-04"}, ("1", "20260304", "")),
    ({"deceasedDateTime": "2026-03-04T20:00:00Z"}, ("1", "20260305", "")),  # 03:00 on the 5th in Thailand
    ({"deceasedDateTime": "2026-03-04", "extension": [_removed("1")]}, ("1", "20260304", "")),
    ({"extension": [_removed("1")]}, ("1", "", "")),  # died, the day not known
    ({"extension": [_removed("2")]}, ("2", "", "")),  # the day of a move is not kept (no home in the guides)
    ({"extension": [_removed("3")]}, ("3", "", "")),
    ({"extension": [_removed("9")]}, ("9", "", "")),
    ({"extension": [_coded(PID_REMOVE_EXTENSION, "urn:other", "2")]}, ("9", "", "")),  # not the guides' codes
    ({"extension": [_status("3")]}, ("9", "", "3")),
    ({"extension": [_status("x")]}, ("9", "", "")),
    ({"extension": [_coded(PERSON_STATUS_EXTENSION, "urn:other", "3")]}, ("9", "", "")),
    # how the app's import kept TYPEAREA before (data version 1)
    ({"extension": [{"url": f43.F43_EXTENSION + "TYPEAREA", "valueCode": "3"}]}, ("9", "", "3")),
    ({"extension": [{"url": f43.F43_EXTENSION + "TYPEAREA", "valueCode": "x"}]}, ("9", "", "")),
])
def test_discharge_and_typearea_are_written_from_the_patient(extra: dict[str, Any], fields: tuple[str, ...]) -> None:
    export = to_tables([_patient(**extra)], hcode=HCODE, updated=UPDATED)
    [row] = export.tables["PERSON"]
    assert (row["DISCHARGE"], row["DDISCHARGE"], row["TYPEAREA"]) == fields
    no_typearea = ("1 patients have no TYPEAREA (their person status, which HDC requires): it is left empty, never "
                   "guessed; set it on each before sending")
    assert export.notes == ([no_typearea] if not fields[2] else []) + (
        ["1 patients moved away or went missing on a day not recorded: DDISCHARGE is left empty"]
        if fields[0] in "23" else [])


def test_records_without_their_patient_or_of_other_types_are_left_out() -> None:
    export = to_tables([r for r in _visit_records() if r["resourceType"] != "Patient"], hcode=HCODE,
                       updated=UPDATED)
    assert list(export.tables) == ["PERSON", "SERVICE", "DIAGNOSIS_OPD", "DRUG_OPD", "EPI"]
    assert all(rows == [] for rows in export.tables.values())
    assert "3 records whose patient is not among the records given were left out" in export.notes
    only_other = to_tables([{"resourceType": "AllergyIntolerance", "id": "a1"}], hcode=HCODE, updated=UPDATED)
    assert only_other.tables == {name: [] for name in only_other.tables} and only_other.notes == []


# -- export: records in the shapes of before (data version 1) give the same rows -----------------

def _one_of_each(old: bool) -> list[Resource]:
    """One patient's records with every field the 43 files carry: as the app writes them now
    (the builders, the SIL-TH shapes) or, with `old`, by hand as it wrote them before (an older
    desktop, another facility): the visit's `/SEQ` identifier, the 24-digit code under the old
    TMT system and the unit's `.../DRUG` system, the `cs-th-vaccine-code` system, a performer
    Organization, TYPEAREA and DIAGTYPE under urn:clinic-app:f43:, the `passport-THA` system."""
    subject = {"reference": "Patient/p1"}
    visit = {"reference": f"Encounter/{ENC_ID}"}
    at: dict[str, Any] = {"subject": subject, "encounter": visit, "when": "2026-10-15T09:30:05+07:00"}
    if old:
        patient = _patient(old=True, identifier=[{"system": OLD_PASSPORT_SYSTEM, "value": "AA1234567"}],
                           extension=[{"url": f43.F43_EXTENSION + "TYPEAREA", "valueCode": "3"}])
        encounter = {"resourceType": "Encounter", "id": ENC_ID, "identifier": [{"system": OLD_SEQ_SYSTEM,
                                                                                  "value": "V100"}],
                     "status": "finished", "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                                                     "code": "AMB"},
                     "subject": subject, "period": {"start": at["when"], "end": at["when"]},
                     "serviceProvider": {"reference": f"Organization/{HCODE}"}, "reasonCode": [{"text": "ไข้"}]}
        conditions = [{**build.condition("E11.9", id="c1", **at), **_old_diagtype("2")},
                      {**build.condition("I10", id="c2", **at), **_old_diagtype("1")}]
        for condition in conditions:
            condition.pop("meta")
        drugs = [{"system": OLD_TMT_SYSTEM, "code": CODE_24}, {"system": OLD_DRUG_SYSTEM, "code": "AMLO5"}]
        doses = [{"resourceType": "Immunization", "id": "i1", "status": "completed",
                  "vaccineCode": {"coding": [{"system": OLD_VACCINE_SYSTEM, "code": "815"}]}, "patient": subject,
                  "occurrenceDateTime": at["when"], "primarySource": True, "encounter": visit,
                  "performer": [{"actor": {"reference": f"Organization/{HCODE}"}}]},
                 {"resourceType": "Immunization", "id": "i2", "status": "completed",
                  "vaccineCode": {"coding": [{"system": OLD_VACCINE_SYSTEM, "code": "010"}]}, "patient": subject,
                  "occurrenceDateTime": "1980-04-16", "primarySource": False,
                  "performer": [{"actor": {"reference": "Organization/10670"}}],
                  "identifier": [{"system": OLD_SEQ_SYSTEM, "value": "9001"}]}]
    else:
        patient = _patient(identifier=[build.passport_identifier("AA1234567")],
                           extension=[_status("3"), _removed("9")])
        encounter = build.encounter(id=ENC_ID, subject=subject, when=at["when"], hcode=HCODE, reason="ไข้", vn="V100",
                                    practitioner={"reference": "Practitioner/staff-1"})
        conditions = [{**build.condition("E11.9", id="c1", **at), **_diagtype("2")},
                      {**build.condition("I10", id="c2", **at), **_diagtype("1")}]
        drugs = [{"system": DRUG24_SYSTEM, "code": CODE_24}, {"system": LOCAL_DRUG_SYSTEM, "code": "AMLO5"}]
        dose = build.immunization("010", id="i2", patient=subject, when="1980-04-16", primary_source=False,
                                  identifiers=[build.local_identifier(HCODE, "VN", "9001")])
        dose["location"] = {"type": "Location", "identifier": build.identifier(HCODE_SYSTEM, "10670", "hcode")}
        doses = [build.immunization("815", id="i1", patient=subject, encounter=visit, when=at["when"],
                                    performer={"reference": "Practitioner/staff-1"}), dose]
    dispenses = [build.medication_dispense({"coding": [coding], "text": name}, id=f"d{n}", subject=subject,
                                           encounter=visit, when=at["when"], amount=20, unit="tablet")
                 for n, (coding, name) in enumerate(zip(drugs, ("Paracetamol 500 mg", "Amlodipine 5 mg")))]
    return [patient, encounter, build.vital_sign("temperature", 37.5, id="o1", **at), *conditions, *dispenses,
            *doses]


def test_records_in_the_old_shapes_give_the_same_rows() -> None:
    new = to_tables(_one_of_each(old=False), hcode=HCODE, updated=UPDATED)
    old = to_tables(_one_of_each(old=True), hcode=HCODE, updated=UPDATED)
    assert _rendered(old.tables) == _rendered(new.tables)
    assert old.notes == new.notes
    tables = new.tables
    [person], [service] = tables["PERSON"], tables["SERVICE"]
    assert (person["PRENAME"], person["NAME"], person["PASSPORT"], person["TYPEAREA"], person["DISCHARGE"]) == (
        "003", "สมชาย", "AA1234567", "3", "9")
    assert (service["SEQ"], service["DATE_SERV"], service["TIME_SERV"], service["BTEMP"]) == (
        "V100", "20261015", "093005", "37.5")
    assert [(r["SEQ"], r["DIAGTYPE"], r["DIAGCODE"]) for r in tables["DIAGNOSIS_OPD"]] == [
        ("V100", "1", "I10"), ("V100", "2", "E119")]
    assert [(r["SEQ"], r["DIDSTD"], r["DNAME"]) for r in tables["DRUG_OPD"]] == [
        ("V100", "", "Amlodipine 5 mg"), ("V100", CODE_24, "Paracetamol 500 mg")]  # a local code is not a DIDSTD
    assert [(r["SEQ"], r["DATE_SERV"], r["VACCINETYPE"], r["VACCINEPLACE"]) for r in tables["EPI"]] == [
        ("9001", "19800416", "010", "10670"), ("V100", "20261015", "815", HCODE)]


def test_the_units_own_numbers_in_either_spelling() -> None:
    """The VN before the SEQ of data version 1; a 9-digit facility code's systems (`/hcode/9/`)
    and the `/hcode/5/` the app wrote before for every code."""
    both = {"identifier": [{"system": OLD_SEQ_SYSTEM, "value": "S1"}, build.local_identifier(HCODE, "VN", "V1")]}
    assert (visit_number(both, HCODE), visit_number({"identifier": both["identifier"][:1]}, HCODE)) == ("V1", "S1")
    assert visit_number({"identifier": [{"system": local_system("10670", "VN"), "value": "X"}]}, HCODE) == ""
    unit = "000012345"
    assert build.local_identifier(unit, "VN", "2")["system"] == f"https://terms.sil-th.org/hcode/9/{unit}/VN"
    assert visit_number({"identifier": [build.local_identifier(unit, "VN", "2")]}, unit) == "2"
    assert visit_number({"identifier": [{"system": f"https://terms.sil-th.org/hcode/5/{unit}/SEQ", "value": "1"}]},
                        unit) == "1"
    old_pid = {"id": "p", "identifier": [{"system": f"https://terms.sil-th.org/hcode/5/{unit}/PID", "value": "77"}]}
    assert pid_of(old_pid, unit) == "77"


@pytest.mark.parametrize("codings, didstd", [
    ([{"system": TMT_SYSTEM, "code": "227162"}, {"system": LOCAL_DRUG_SYSTEM, "code": "AMOX5"},
      {"system": DRUG24_SYSTEM, "code": CODE_24}], CODE_24),
    ([{"system": TMT_SYSTEM, "code": "227162"}, {"system": LOCAL_DRUG_SYSTEM, "code": "AMOX5"}], ""),
    ([{"system": TMT_SYSTEM, "code": "227162"}, {"system": OLD_DRUG_SYSTEM, "code": "AMOX5"}], ""),
    ([{"system": "urn:other", "code": "X1"}, {"system": TMT_SYSTEM, "code": "227162"}], ""),
    ([{"system": OLD_TMT_SYSTEM, "code": CODE_24}], CODE_24),  # 24 digits filed under TMT before
    ([], ""),
])
def test_didstd_is_only_ever_the_24_digit_code(codings: list[dict[str, str]], didstd: str) -> None:
    """HDC's DIDSTD is the 24-digit code (NOT NULL there): never the unit's own code, TMT or
    another; without one it is left empty and a note says how many."""
    records = [r for r in _visit_records() if r["resourceType"] in ("Patient", "Encounter")]
    records.append({"resourceType": "MedicationDispense", "id": "d1", "status": "completed",
                    "subject": {"reference": "Patient/p1"}, "context": {"reference": f"Encounter/{ENC_ID}"},
                    "medicationCodeableConcept": {"coding": codings, "text": "Amoxicillin 500 mg"}})
    export = to_tables(records, hcode=HCODE, updated=UPDATED)
    assert [r["DIDSTD"] for r in export.tables["DRUG_OPD"]] == [didstd]
    assert ("1 drugs have no 24-digit code (DIDSTD, which HDC requires): it is left empty" in export.notes) == (
        not didstd)


# -- import: a small good set of files ----------------------------------------------------------

PERSON_1 = {"HOSPCODE": HCODE, "CID": CID, "PID": "1", "PRENAME": "003", "NAME": "สมชาย", "LNAME": "ใจดี",
            "HN": "0000001", "SEX": "1", "BIRTH": "19800415", "TYPEAREA": "1", "MOBILE": "0812345678"}
PERSON_2 = {"HOSPCODE": HCODE, "CID": CID_2, "PID": "2", "PRENAME": "004", "NAME": "มาลี", "LNAME": "ศรีสุข",
            "SEX": "2", "BIRTH": "19920102", "TELEPHONE": "044123456"}
SERVICE_1 = {"HOSPCODE": HCODE, "PID": "1", "HN": "0000001", "SEQ": "100", "DATE_SERV": "20261015",
             "TIME_SERV": "093000", "CHIEFCOMP": "ไข้ ไอ", "BTEMP": "37.5", "SBP": "120", "DBP": "80", "PR": "88",
             "RR": "20"}
DX_1 = {"HOSPCODE": HCODE, "PID": "1", "SEQ": "100", "DATE_SERV": "20261015", "DIAGTYPE": "1", "DIAGCODE": "E119"}
DRUG_1 = {"HOSPCODE": HCODE, "PID": "1", "SEQ": "100", "DATE_SERV": "20261015", "DIDSTD": CODE_24,
          "DNAME": "Paracetamol 500 mg", "AMOUNT": "20", "UNIT": "tablet"}
EPI_1 = {"HOSPCODE": HCODE, "PID": "1", "SEQ": "100", "DATE_SERV": "20261015", "VACCINETYPE": "815",
         "VACCINEPLACE": HCODE}
GOOD = {"PERSON": [PERSON_1, PERSON_2], "SERVICE": [SERVICE_1], "DIAGNOSIS_OPD": [DX_1], "DRUG_OPD": [DRUG_1],
        "EPI": [EPI_1]}


def _line(name: str, row: dict[str, str], extra: tuple[str, ...] = ()) -> str:
    return "|".join([*(row.get(f, "") for f in f43.LAYOUTS[name]), *extra])


def _file(name: str, rows: list[dict[str, str]], *, header: bool = False) -> str:
    return "\r\n".join(["|".join(f43.LAYOUTS[name])] * header + [_line(name, row) for row in rows]) + "\r\n"


def _read(files: dict[str, str | bytes]) -> tuple[dict[str, f43.Table], list[Any]]:
    problems: list[Any] = []
    tables = {name: f43.read_table(name, text if isinstance(text, bytes) else text.encode(), problems)
              for name, text in files.items()}
    return tables, problems


def _import(changes: dict[str, list[dict[str, str]]] | None = None, **text: str | bytes) -> Any:
    files: dict[str, str | bytes] = {name: _file(name, rows) for name, rows in {**GOOD, **(changes or {})}.items()}
    tables, problems = _read({**files, **text})
    assert problems == []
    return to_resources(tables, hcode=HCODE)


def test_good_files_become_the_records_the_app_makes() -> None:
    result = _import()
    assert result.problems == [] and _unkept(result.notes) == []
    resources = [_without_kept(r) for r in result.resources]  # what the rows keep: test_what_rows_keep
    assert [problem for r in resources for problem in validate_resource(r)] == []
    p1, p2 = _by_type(resources, "Patient")
    assert p1 == {
        "resourceType": "Patient", "id": _f43_id("PID", "1"), "meta": {"profile": [profile("th-core-patient")]},
        "extension": [{
            "url": "https://fhir-ig.sil-th.org/th/extensions/StructureDefinition/ex-patient-person-status",
            "valueCodeableConcept": {"coding": [
                {"system": "https://terms.sil-th.org/core/CodeSystem/cs-thcc-person-status", "code": "1",
                 "display": "มีชื่ออยู่ตามทะเบียนบ้านในเขตรับผิดชอบและอยู่จริง"}]}}],
        "identifier": [_typed("cid", "https://terms.sil-th.org/id/th-cid", CID),
                       _typed("localHn", f"https://terms.sil-th.org/hcode/5/{HCODE}/HN", "0000001"),
                       _typed("localPid", f"https://terms.sil-th.org/hcode/5/{HCODE}/PID", "1")],
        "active": True, "name": [{
            "extension": [{"url": LANGUAGE_EXTENSION, "valueCode": "th"}], "use": "official",
            "text": "นายสมชาย ใจดี", "given": ["สมชาย"], "family": "ใจดี", "prefix": ["นาย"],
            "_prefix": [{"extension": [{
                "url": "https://fhir-ig.sil-th.org/th/extensions/StructureDefinition/ex-humanname-name-prefix",
                "valueCodeableConcept": {"coding": [{
                    "system": "https://terms.sil-th.org/core/CodeSystem/cs-dopa-nameprefix", "code": "003",
                    "display": "นาย"}]}}]}]}],
        "gender": "male", "birthDate": "1980-04-15", "managingOrganization": {"reference": f"Organization/{HCODE}"},
        "telecom": [{"system": "phone", "value": "0812345678", "use": "mobile"}]}
    assert "extension" not in p2 and "deceasedBoolean" not in p2  # no TYPEAREA, no DISCHARGE
    assert p2["identifier"][1:] == [_typed("localHn", local_system(HCODE, "HN"), "2"),
                                    _typed("localPid", local_system(HCODE, "PID"), "2")]  # no HN: the PID
    # นางสาว written as the app's registration writes it, with DOPA's code and display
    assert (p2["name"][0]["text"], p2["name"][0]["prefix"], p2["name"][0]["_prefix"], p2["gender"], p2["telecom"]) == (
        "นางสาวมาลี ศรีสุข", ["นางสาว"], _prefix_code("004", "น.ส."), "female",
        [{"system": "phone", "value": "044123456", "use": "home"}])

    start, subject = "2026-10-15T09:30:00+07:00", {"reference": f"Patient/{p1['id']}"}
    [encounter] = _by_type(resources, "Encounter")
    enc = {"reference": f"Encounter/{_f43_id('SEQ', '100')}"}
    assert encounter == {
        "resourceType": "Encounter", "id": _f43_id("SEQ", "100"), "meta": {"profile": [profile("th-core-encounter")]},
        "identifier": [{**_typed("localVn", f"https://terms.sil-th.org/hcode/5/{HCODE}/VN", "100"),
                        "use": "secondary"}],
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": subject, "period": {"start": start, "end": start},
        "serviceProvider": {"reference": f"Organization/{HCODE}"}, "reasonCode": [{"text": "ไข้ ไอ"}]}
    observations = {o["code"]["coding"][0]["code"]: o for o in _by_type(resources, "Observation")}
    assert set(observations) == {"8310-5", "8867-4", "9279-1", "85354-9"}
    assert all(o["encounter"] == enc and o["subject"] == subject and o["effectiveDateTime"] == start
               for o in observations.values())
    assert observations["9279-1"]["code"]["coding"][0]["display"] == "Respiratory rate"
    assert observations["9279-1"]["valueQuantity"] == {"value": 20, "unit": "/min",
                                                       "system": "http://unitsofmeasure.org", "code": "/min"}
    assert observations["8310-5"]["valueQuantity"]["value"] == 37.5
    assert type(observations["8867-4"]["valueQuantity"]["value"]) is int  # "88" stays 88 in the JSON, not 88.0
    assert [c["valueQuantity"]["value"] for c in observations["85354-9"]["component"]] == [120, 80]

    [condition] = _by_type(resources, "Condition")
    assert (condition["id"], condition["code"], condition["encounter"], condition["recordedDate"]) == (
        _f43_id("DX", "100/E119"), {"coding": [{"system": ICD10_TM, "code": "E11.9"}]}, enc, start)
    assert "extension" not in condition  # DIAGTYPE is MoPH-PC's category[th]
    assert condition["category"] == [{"coding": [
        {"system": CONDITION_CATEGORY, "code": "encounter-diagnosis"},
        {"system": "https://terms.sil-th.org/core/CodeSystem/cs-43plus-encounter-diagnosis-role", "code": "1"}]}]
    [dispense] = _by_type(resources, "MedicationDispense")
    assert dispense["medicationCodeableConcept"] == {  # a 24-digit code is never filed as TMT
        "coding": [{"system": "https://terms.sil-th.org/core/CodeSystem/cs-th-24drug", "code": CODE_24}],
        "text": "Paracetamol 500 mg"}
    assert (dispense["context"], dispense["whenHandedOver"], dispense["quantity"]) == (
        enc, start, {"value": 20, "unit": "tablet"})
    [immunization] = _by_type(resources, "Immunization")
    assert immunization["vaccineCode"] == {"coding": [
        {"system": "https://terms.sil-th.org/core/CodeSystem/cs-thcc-vaccine-code", "code": "815",
         "display": "Influenza"}]}
    assert (immunization["id"], immunization["encounter"], immunization["occurrenceDateTime"],
            immunization["primarySource"]) == (_f43_id("EPI", "100/815"), enc, "2026-10-15", True)
    # given here: no Organization as performer (TH Core allows only a person), no location (the visit's)
    assert "performer" not in immunization and "location" not in immunization


def test_mapping_the_same_files_twice_gives_the_same_records() -> None:
    """The mapping is deterministic (ids included): the same files give the same resources.
    That importing them twice into a folder stores nothing the second time is
    tests/services/test_interop.py (against the real store)."""
    first, second = _import().resources, _import().resources
    assert first == second and len(first) > 5


def test_drug_ids_do_not_depend_on_line_numbers_and_repeats_stay_apart() -> None:
    local = {**DRUG_1, "DIDSTD": "AMLO5", "DNAME": "Amlodipine", "AMOUNT": "30"}
    one = _import({"DRUG_OPD": [DRUG_1, local, local]}).resources
    other = _import({"DRUG_OPD": [local, local, {**DRUG_1, "SEQ": "100"}]}).resources
    ids = [d["id"] for d in _by_type(one, "MedicationDispense")]
    assert len(set(ids)) == 3 and set(ids) == {d["id"] for d in _by_type(other, "MedicationDispense")}
    codings = [d["medicationCodeableConcept"]["coding"] for d in _by_type(one, "MedicationDispense")]
    assert codings == [[{"system": DRUG24_SYSTEM, "code": CODE_24}], [{"system": LOCAL_DRUG_SYSTEM, "code": "AMLO5"}],
                       [{"system": LOCAL_DRUG_SYSTEM, "code": "AMLO5"}]]
    by_name = _import({"DRUG_OPD": [{**DRUG_1, "DIDSTD": "", "DNAME": "ยาแก้ไอน้ำดำ"}]}).resources
    assert _by_type(by_name, "MedicationDispense")[0]["medicationCodeableConcept"] == {"text": "ยาแก้ไอน้ำดำ"}


def test_a_vaccine_outside_a_visit_keeps_its_seq_and_place() -> None:
    elsewhere = {**EPI_1, "SEQ": "9001", "DATE_SERV": "19800416", "VACCINETYPE": "010", "VACCINEPLACE": "10670"}
    no_seq = {**EPI_1, "SEQ": "", "VACCINETYPE": "XYZ"}
    result = _import({"EPI": [EPI_1, elsewhere, no_seq]})
    assert result.problems == []
    _, given_elsewhere, unknown = _by_type(result.resources, "Immunization")
    assert "encounter" not in given_elsewhere and given_elsewhere["primarySource"] is False
    assert given_elsewhere["identifier"] == [_typed("localVn", local_system(HCODE, "VN"), "9001")]
    assert unknown["id"] == _f43_id("EPI", "1/2026-10-15/XYZ") and "display" not in unknown["vaccineCode"]["coding"][0]
    assert given_elsewhere["location"] == {"type": "Location",
                                           "identifier": _typed("hcode", HCODE_SYSTEM, "10670")}
    assert "performer" not in given_elsewhere
    back = to_tables(result.resources, hcode=HCODE, updated=UPDATED).tables["EPI"]
    assert [r["SEQ"] for r in back] == ["9001", "", "100"]  # each as read: the empty SEQ stays empty
    assert [r["VACCINEPLACE"] for r in back] == ["10670", HCODE, HCODE]
    made_here = to_tables([_without_kept(r) for r in result.resources], hcode=HCODE, updated=UPDATED).tables["EPI"]
    assert [r["SEQ"] for r in made_here] == ["9001", "100", unknown["id"].replace("-", "")[:16]]


def test_a_vaccine_place_that_is_not_a_facility_code_is_no_location() -> None:
    rows = [{**EPI_1, "VACCINEPLACE": place, "VACCINETYPE": code}
            for place, code in [("", "010"), ("รพ.สต.บ้านนา", "041"), ("1067", "042"), ("000010670", "043"),
                                (HCODE, "061")]]
    immunizations = _by_type(_import({"EPI": rows}).resources, "Immunization")
    assert [(i.get("location"), i["primarySource"]) for i in immunizations] == [
        (None, True), (None, False), (None, False),
        ({"type": "Location", "identifier": _typed("hcode", HCODE_SYSTEM, "000010670")}, False), (None, True)]
    assert not any("performer" in i for i in immunizations)
    back = to_tables(_import({"EPI": rows}).resources, hcode=HCODE, updated=UPDATED).tables["EPI"]
    assert [r["VACCINEPLACE"] for r in back] == ["", "รพ.สต.บ้านนา", "1067", "000010670", HCODE]  # as read
    # a dose recorded here is given here; one elsewhere with no facility code has no place written
    made_here = [_without_kept(r) for r in _import({"EPI": rows}).resources]
    back = to_tables(made_here, hcode=HCODE, updated=UPDATED).tables["EPI"]
    assert [r["VACCINEPLACE"] for r in back] == [HCODE, "", "", "000010670", HCODE]


def test_a_visit_without_a_time_starts_on_its_day() -> None:
    result = _import({"SERVICE": [{**SERVICE_1, "TIME_SERV": ""}]})
    [encounter] = _by_type(result.resources, "Encounter")
    assert encounter["period"] == {"start": "2026-10-15", "end": "2026-10-15"}
    assert to_tables(result.resources, hcode=HCODE, updated=UPDATED).tables["SERVICE"][0]["TIME_SERV"] == ""


def test_a_vital_sign_of_zero_is_not_measured() -> None:
    result = _import({"SERVICE": [{**SERVICE_1, "BTEMP": "0", "RR": "0.0"}]})
    assert {o["code"]["coding"][0]["code"] for o in _by_type(result.resources, "Observation")} == {"8867-4", "85354-9"}
    assert _unkept(result.notes) == ["service.txt: 2 vital signs were 0 and read as not measured"]
    [row] = to_tables(result.resources, hcode=HCODE, updated=UPDATED).tables["SERVICE"]
    assert (row["BTEMP"], row["RR"]) == ("0", "0.0")  # written back as read


def test_tis620_file_with_a_header_extra_fields_and_buddhist_era_years() -> None:
    header = "|".join([*f43.LAYOUTS["PERSON"], "HOSPCODE9"])
    person = "\r\n".join([header, _line("PERSON", {**PERSON_1, "BIRTH": "25230415"}, ("000012345",)),
                          _line("PERSON", {**PERSON_2, "BIRTH": "25350102"}, ("000012345",))]).encode("cp874")
    service = (_line("SERVICE", {**SERVICE_1, "DATE_SERV": "25691015"}, ("x", "y")) + "\r\n").encode()
    tables, problems = _read({"PERSON": person, "SERVICE": service})
    assert problems == [] and tables["PERSON"].header and tables["PERSON"].encoding == f43.TIS620
    result = to_resources(tables, hcode=HCODE)
    assert result.problems == []
    assert [p["birthDate"] for p in _by_type(result.resources, "Patient")] == ["1980-04-15", "1992-01-02"]
    assert [p["name"][0]["text"] for p in _by_type(result.resources, "Patient")] == ["นายสมชาย ใจดี",
                                                                                    "นางสาวมาลี ศรีสุข"]
    assert _by_type(result.resources, "Encounter")[0]["period"]["start"] == "2026-10-15T09:30:00+07:00"
    assert _unkept(result.notes) == [
        "person.txt was TIS-620",
        "person.txt has extra fields HOSPCODE9: ignored",
        "service.txt has extra fields FIELD32, FIELD33: ignored",
        "BIRTH in person.txt: 2 dates were Buddhist era (year > 2400) and were converted",
        "DATE_SERV in service.txt: 1 date was Buddhist era (year > 2400) and was converted",
    ]


def test_diagtype_is_kept_and_written_back() -> None:
    rows = [{**DX_1, "DIAGTYPE": "2", "DIAGCODE": "I10"}, {**DX_1, "DIAGTYPE": "1"}, {**DX_1, "DIAGTYPE": "5",
                                                                                      "DIAGCODE": "W19"},
            {**DX_1, "DIAGTYPE": "", "DIAGCODE": "J00"}]
    result = _import({"DIAGNOSIS_OPD": rows})
    assert result.problems == []
    conditions = _by_type(result.resources, "Condition")
    assert [(c["code"]["coding"][0]["code"], c["category"]) for c in conditions] == [
        ("I10", _diagtype("2")["category"]), ("E11.9", _diagtype("1")["category"]), ("W19", _diagtype("5")["category"]),
        ("J00", [{"coding": [{"system": CONDITION_CATEGORY, "code": "encounter-diagnosis"}]}])]
    assert not any("extension" in _without_kept(c) for c in conditions)
    back = to_tables(result.resources, hcode=HCODE, updated=UPDATED).tables["DIAGNOSIS_OPD"]
    assert [(r["DIAGTYPE"], r["DIAGCODE"]) for r in back] == [("", "J00"), ("1", "E119"), ("2", "I10"),
                                                              ("5", "W19")]  # the empty one as read
    back = to_tables([_without_kept(r) for r in result.resources], hcode=HCODE,
                     updated=UPDATED).tables["DIAGNOSIS_OPD"]  # as if recorded here: the rule fills it
    assert [(r["DIAGTYPE"], r["DIAGCODE"]) for r in back] == [("1", "E119"), ("2", "I10"), ("4", "J00"),
                                                              ("5", "W19")]


def test_a_death_and_typearea_are_kept_and_written_back() -> None:
    died = {**PERSON_1, "DISCHARGE": "1", "DDISCHARGE": "25690304", "TYPEAREA": "3"}
    died_no_day = {**PERSON_2, "DISCHARGE": "1", "TYPEAREA": "4"}
    moved = {**PERSON_2, "PID": "3", "CID": "", "DISCHARGE": "2", "DDISCHARGE": "25690101"}  # the day: no home
    missing = {**PERSON_2, "PID": "4", "CID": "", "DISCHARGE": "3", "DDISCHARGE": "2026-01-01"}
    here = {**PERSON_2, "PID": "5", "CID": "", "DISCHARGE": "9", "TYPEAREA": "1"}
    odd = {**PERSON_2, "PID": "6", "CID": "", "DISCHARGE": "7"}  # not a DISCHARGE code: kept as read
    result = _import({"PERSON": [died, died_no_day, moved, missing, here, odd]})
    assert result.problems == []
    patients = _by_type(result.resources, "Patient")
    death = _coded(PID_REMOVE_EXTENSION, PID_REMOVE_SYSTEM, "1", "ตาย")
    assert [(p.get("deceasedDateTime"), p.get("deceasedBoolean"), _without_kept(p).get("extension"))
            for p in patients] == [
        ("2026-03-04", None, [_status("3"), death]),
        (None, True, [_status("4"), death]),
        (None, None, [_coded(PID_REMOVE_EXTENSION, PID_REMOVE_SYSTEM, "2", "ย้าย")]),
        (None, None, [_coded(PID_REMOVE_EXTENSION, PID_REMOVE_SYSTEM, "3", "สาบสูญ")]),
        (None, None, [_status("1"), _coded(PID_REMOVE_EXTENSION, PID_REMOVE_SYSTEM, "9", "ไม่จำหน่าย")]),
        (None, None, None)]
    assert [problem for p in patients for problem in validate_resource(p)] == []
    back = to_tables(result.resources, hcode=HCODE, updated=UPDATED).tables["PERSON"]
    # as read (the day of a move kept, in the common era), an empty TYPEAREA empty (never 1)
    assert [(r["PID"], r["DISCHARGE"], r["DDISCHARGE"], r["TYPEAREA"]) for r in back] == [
        ("1", "1", "20260304", "3"), ("2", "1", "", "4"), ("3", "2", "20260101", ""), ("4", "3", "2026-01-01", ""),
        ("5", "9", "", "1"), ("6", "7", "", "")]
    assert "DDISCHARGE in person.txt: 2 dates were Buddhist era (year > 2400) and were converted" in result.notes


EVERYDAY_ONLY_NOTE = ("person.txt: 1 PRENAME is not one of the everyday prefixes: kept as the DOPA code, without "
                      "the prefix written out")
NOT_DOPA_NOTE = ("person.txt: 1 PRENAME is not a DOPA name-prefix code: the name has no prefix (the code is kept "
                 "as read)")


@pytest.mark.parametrize("prename, whole_list, prefix, code, note", [
    ("003", False, ["นาย"], ("003", "นาย"), None),
    ("3", False, ["นาย"], ("003", "นาย"), None),       # the zeros left out
    ("นาย", False, ["นาย"], ("003", "นาย"), None),     # the prefix written instead of its code
    ("004", True, ["นางสาว"], ("004", "น.ส."), None),  # an everyday one: as registration writes it
    ("134", False, None, ("134", None), EVERYDAY_ONLY_NOTE),  # without DOPA's list: the code alone
    ("134", True, ["นพ."], ("134", "นพ."), None),      # with it: DOPA's display
    ("999", True, None, None, NOT_DOPA_NOTE),
    ("Mr", False, None, None, NOT_DOPA_NOTE),
    ("0", False, None, None, NOT_DOPA_NOTE),  # DOPA's codes start at 001
    ("", False, None, None, None),
])
def test_prename_is_the_dopa_prefix_code(prename: str, whole_list: bool, prefix: list[str] | None,
                                         code: tuple[str, str | None] | None, note: str | None) -> None:
    from clinic_app.services.interop import name_prefixes

    prefixes = name_prefixes() if whole_list else None
    assert not whole_list or (prefixes and len(prefixes) == 504)  # resources/standards/cs-dopa-nameprefix.csv
    files = {"PERSON": _file("PERSON", [{**PERSON_1, "PRENAME": prename}])}
    result = to_resources(_read(files)[0], hcode=HCODE, prefixes=prefixes)
    assert result.problems == [] and _unkept(result.notes) == ([note] if note else [])
    [patient] = _by_type(result.resources, "Patient")
    [name] = patient["name"]
    assert (name.get("prefix"), name.get("_prefix")) == (prefix, _prefix_code(*code) if code else None)
    assert name["text"] == f"{(prefix or [''])[0]}สมชาย ใจดี"
    assert validate_resource(patient) == []
    [row] = to_tables(result.resources, hcode=HCODE, updated=UPDATED).tables["PERSON"]
    assert row["PRENAME"] == prename  # written back as read
    [row] = to_tables([_without_kept(patient)], hcode=HCODE, updated=UPDATED).tables["PERSON"]
    assert row["PRENAME"] == (code[0] if code else "")  # from the record


def test_a_passport_and_the_provider_codes() -> None:
    provider = {"PROVIDER": "P0012"}
    result = _import({"PERSON": [{**PERSON_1, "PASSPORT": "AA1234567"}, PERSON_2],
                      "DIAGNOSIS_OPD": [{**DX_1, **provider}], "DRUG_OPD": [{**DRUG_1, **provider}],
                      "EPI": [{**EPI_1, **provider}]})
    assert result.problems == []
    person = _by_type(result.resources, "Patient")[0]
    # the 43 file does not say which country issued it: the guides' system for an unknown country
    assert person["identifier"][-1] == {
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "PPN"}]},
        "system": PASSPORT_UNKNOWN_COUNTRY, "value": "AA1234567"}
    practitioner = {"type": "Practitioner", "identifier": _typed("localProv", local_system(HCODE, "Provider"), "P0012")}
    [condition], [dispense], [dose] = (_by_type(result.resources, kind)
                                       for kind in ("Condition", "MedicationDispense", "Immunization"))
    assert condition["asserter"] == practitioner
    assert dispense["performer"] == [{"actor": practitioner}]
    assert dose["performer"] == [{"function": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0443",
                                                           "code": "AP"}]}, "actor": practitioner}]
    assert [problem for r in result.resources for problem in validate_resource(r)] == []
    tables = to_tables(result.resources, hcode=HCODE, updated=UPDATED).tables
    assert [r["PASSPORT"] for r in tables["PERSON"]] == ["AA1234567", ""]
    assert [tables[name][0]["PROVIDER"] for name in ("DIAGNOSIS_OPD", "DRUG_OPD", "EPI")] == ["P0012"] * 3
    other_unit = {"type": "Practitioner", "identifier": _typed("localProv", local_system("10670", "Provider"), "P9")}
    dose["performer"] = [{"actor": {"reference": "Practitioner/staff-1"}}, {"actor": other_unit}]
    assert to_tables(result.resources, hcode=HCODE, updated=UPDATED).tables["EPI"][0]["PROVIDER"] == ""


@pytest.mark.parametrize("whole_list", [False, True])
def test_an_import_using_every_field_conforms_to_the_guides(whole_list: bool) -> None:
    """Checked by the conformance rules (clinic_app.conformance, written from the guides apart
    from the builders): the fields GOOD leaves empty too, and nothing under urn:clinic-app:f43:."""
    import json

    from clinic_app.conformance import check_all
    from clinic_app.services.interop import name_prefixes

    rows = {**GOOD,
            "PERSON": [{**PERSON_1, "PASSPORT": "AA1234567", "TYPEAREA": "3", "DISCHARGE": "2", "DDISCHARGE": "20260101"},
                       {**PERSON_2, "PRENAME": "134", "DISCHARGE": "1", "DDISCHARGE": "20260304"}],
            "DIAGNOSIS_OPD": [{**DX_1, "DIAGTYPE": "2", "PROVIDER": "P1"}],
            "DRUG_OPD": [{**DRUG_1, "PROVIDER": "P1"}, {**DRUG_1, "DIDSTD": "AMLO5", "DNAME": "Amlodipine"},
                         {**DRUG_1, "DIDSTD": "", "DNAME": "ยาแก้ไอ"}],
            "EPI": [{**EPI_1, "PROVIDER": "P1"},
                    {**EPI_1, "SEQ": "9001", "VACCINEPLACE": "10670", "VACCINETYPE": "010"}]}
    tables = _read({name: _file(name, table) for name, table in rows.items()})[0]
    result = to_resources(tables, hcode=HCODE, prefixes=name_prefixes() if whole_list else None)
    assert result.problems == []
    assert [str(v) for v in check_all(result.resources)] == []
    assert "urn:clinic-app" not in json.dumps(result.resources)


def test_files_not_mapped_yet_are_named_with_their_row_count() -> None:
    anc = {"HOSPCODE": HCODE, "PID": "1", "SEQ": "100"}
    result = _import(ANC=_file("ANC", [anc, anc], header=True), CHRONICFU=_file("CHRONICFU", [anc]))
    assert result.problems == []
    assert _unkept(result.notes) == ["anc.txt: not imported yet (2 rows)", "chronicfu.txt: not imported yet (1 row)"]


# -- issue 15: every field in its place, the rest kept as read ----------------------------------------

def test_what_rows_keep_is_what_their_records_would_not_give_back() -> None:
    """D_UPDATE always; an empty field the export would fill for a record made here (NATION
    099, DISCHARGE 9, CLINIC 00100, money 0, the CID of a child row); a unit word that is not
    HDC's unit code. Each kept once, empty as a space."""
    kept = {(r["resourceType"], r["id"]): f43_fields.kept(r) for r in _import().resources}
    person_1, person_2 = _f43_id("PID", "1"), _f43_id("PID", "2")
    assert kept[("Patient", person_1)] == {"NATION": "", "DISCHARGE": "", "D_UPDATE": ""}
    assert kept[("Patient", person_2)] == {"HN": "", "NATION": "", "DISCHARGE": "", "D_UPDATE": ""}
    assert kept[("Encounter", _f43_id("SEQ", "100"))] == dict.fromkeys(
        ("COST", "PRICE", "PAYPRICE", "ACTUALPAY", "D_UPDATE", "CID"), "")
    assert [v for (rtype, _id), v in kept.items() if rtype == "MedicationDispense"] == [
        {"CLINIC": "", "UNIT": "tablet", "DRUGPRICE": "", "DRUGCOST": "", "D_UPDATE": "", "CID": ""}]
    assert all(v is None for (rtype, _id), v in kept.items() if rtype == "Observation")
    extension = next(e for e in _import().resources[0]["extension"] if e["url"] == f43_fields.URL)
    assert extension == {"url": "https://clinic-app.invalid/fhir/StructureDefinition/f43-fields", "extension": [
        {"url": "NATION", "valueString": " "}, {"url": "DISCHARGE", "valueString": " "},
        {"url": "D_UPDATE", "valueString": " "}]}


FULL_PERSON = {**PERSON_1, "HID": "77", "MSTATUS": "2", "OCCUPATION_OLD": "001", "OCCUPATION_NEW": "6111",
               "RACE": "099", "NATION": "048", "RELIGION": "02", "EDUCATION": "05", "FSTATUS": "1",
               "FATHER": "3100500123458", "MOTHER": "1101700207030", "COUPLE": "3100500123458", "VSTATUS": "2",
               "MOVEIN": "20100101", "DISCHARGE": "2", "DDISCHARGE": "20250101", "ABOGROUP": "1", "RHGROUP": "1",
               "LABOR": "12", "PASSPORT": "MA1234567", "TYPEAREA": "3", "D_UPDATE": "20251231120000",
               "TELEPHONE": "044123456", "MOBILE": "0812345678"}
FULL_SERVICE = {**SERVICE_1, "LOCATION": "2", "INTIME": "2", "INSTYPE": "0100", "INSID": "1101700207030",
                "MAIN": "10669", "TYPEIN": "3", "REFERINHOSP": "10670", "CAUSEIN": "1", "SERVPLACE": "2",
                "TYPEOUT": "3", "REFEROUTHOSP": "10669", "CAUSEOUT": "4", "COST": "100.00", "PRICE": "150.00",
                "PAYPRICE": "0.00", "ACTUALPAY": "0.00", "D_UPDATE": "20261015100000", "HSUB": "14790", "CID": CID}


def test_every_person_and_visit_field_goes_to_its_place_in_the_guides() -> None:
    from clinic_app.conformance import check_all

    def coding(system: str, code: str) -> dict[str, Any]:
        concept = f43_homes.coded(f"https://terms.sil-th.org/core/CodeSystem/{system}", code)
        assert concept is not None
        return concept

    result = _import({"PERSON": [FULL_PERSON, PERSON_2], "SERVICE": [FULL_SERVICE]})
    assert result.problems == []
    patient, encounter = _by_type(result.resources, "Patient")[0], _by_type(result.resources, "Encounter")[0]
    ext = {e["url"].rsplit("/", 1)[1]: e for e in patient["extension"]}
    assert ext["patient-nationality"]["extension"] == [{"url": "code",
                                                        "valueCodeableConcept": coding("cs-thcc-nationality", "048")}]
    assert ext["ex-patient-race"]["valueCodeableConcept"] == coding("cs-thcc-nationality", "099")
    assert ext["patient-religion"]["valueCodeableConcept"] == coding("cs-thcc-religion", "02")
    assert ext["ex-patient-education-level"]["valueCodeableConcept"] == coding("cs-thcc-education-level", "05")
    assert ext["ex-patient-foreigner-type"]["valueCodeableConcept"] == coding("cs-thcc-foreigner-type", "12")
    assert ext["ex-patient-pid-remove-reason"]["valueCodeableConcept"]["coding"][0]["code"] == "2"
    assert patient["maritalStatus"] == coding("cs-thcc-marital", "2")
    assert patient["telecom"] == [{"system": "phone", "value": "0812345678", "use": "mobile"},
                                  {"system": "phone", "value": "044123456", "use": "home"}]  # TELEPHONE no longer lost
    assert patient["address"] == [{"extension": [{
        "url": "https://fhir-ig.sil-th.org/th/extensions/StructureDefinition/ex-address-home-reference",
        "valueReference": {"type": "Location", "identifier": _typed("localHouse", local_system(HCODE, "HouseId"),
                                                                    "77")}}]}]
    assert f43_fields.kept(patient) == {  # the fields the guides have no place for
        "OCCUPATION_OLD": "001", "OCCUPATION_NEW": "6111", "FSTATUS": "1", "FATHER": "3100500123458",
        "MOTHER": "1101700207030", "COUPLE": "3100500123458", "VSTATUS": "2", "MOVEIN": "20100101",
        "DDISCHARGE": "20250101", "ABOGROUP": "1", "RHGROUP": "1", "D_UPDATE": "20251231120000"}

    assert encounter["subject"]["extension"] == [{
        "url": "https://fhir-ig.sil-th.org/th/extensions/StructureDefinition/ex-encounter-patient-location-type",
        "valueCodeableConcept": coding("cs-thcc-patient-location-type", "2")}]
    assert encounter["period"]["extension"][0]["valueCodeableConcept"] == coding("cs-thcc-service-hour", "2")
    facility = {"type": "Organization", "identifier": _typed("hcode", HCODE_SYSTEM, "10670")}
    assert encounter["hospitalization"] == {
        "extension": [{"url": "https://fhir-ig.sil-th.org/th/extensions/StructureDefinition/ex-encounter-discharge-status",
                       "valueCodeableConcept": coding("cs-thcc-discharge-status", "3")}],
        "origin": facility, "admitSource": coding("cs-thcc-admit-source", "3"),
        "destination": {**facility, "identifier": _typed("hcode", HCODE_SYSTEM, "10669")}}
    assert encounter["location"] == [{
        "extension": [{"url": "https://fhir-ig.sil-th.org/th/extensions/StructureDefinition/"
                              "ex-encounter-service-location-type",
                       "valueCodeableConcept": coding("cs-pcu-service-location-type", "2")}],
        "location": {"type": "Location", "identifier": _typed("hcode", HCODE_SYSTEM, "14790")}}]  # HSUB
    assert f43_fields.kept(encounter) == {
        "INSTYPE": "0100", "INSID": "1101700207030", "MAIN": "10669", "CAUSEIN": "1", "CAUSEOUT": "4",
        "COST": "100.00", "PRICE": "150.00", "PAYPRICE": "0.00", "ACTUALPAY": "0.00", "D_UPDATE": "20261015100000"}
    assert [str(v) for v in check_all(result.resources)] == []
    assert [p for r in result.resources for p in validate_resource(r)] == []
    tables = to_tables(result.resources, hcode=HCODE, updated=UPDATED).tables
    assert tables["PERSON"][0] == {**dict.fromkeys(f43.LAYOUTS["PERSON"], ""), **FULL_PERSON}
    assert tables["SERVICE"][0] == {**dict.fromkeys(f43.LAYOUTS["SERVICE"], ""), **FULL_SERVICE}


def test_a_code_outside_its_list_is_kept_as_read_never_filed_under_the_list() -> None:
    odd = {**FULL_PERSON, "MSTATUS": "8", "NATION": "998", "RELIGION": "1", "SEX": "3", "HID": ""}
    result = _import({"PERSON": [odd, PERSON_2], "SERVICE": [{**FULL_SERVICE, "LOCATION": "3", "HSUB": "ศสมช."}]})
    patient, encounter = _by_type(result.resources, "Patient")[0], _by_type(result.resources, "Encounter")[0]
    assert "maritalStatus" not in patient and patient["gender"] == "unknown"
    assert {"MSTATUS": "8", "NATION": "998", "RELIGION": "1", "SEX": "3"}.items() <= f43_fields.kept(patient).items()
    assert "extension" not in encounter["subject"] and "location" in encounter  # SERVPLACE still has its place
    assert encounter["location"][0]["location"] == {"display": "นอกสถานบริการ"}  # no sub-unit: the place's kind
    assert validate_resource(encounter) == [] and validate_resource(patient) == []
    assert {"LOCATION": "3", "HSUB": "ศสมช."}.items() <= f43_fields.kept(encounter).items()
    tables = to_tables(result.resources, hcode=HCODE, updated=UPDATED).tables
    assert {k: tables["PERSON"][0][k] for k in ("MSTATUS", "NATION", "RELIGION", "SEX", "HID")} == {
        "MSTATUS": "8", "NATION": "998", "RELIGION": "1", "SEX": "3", "HID": ""}
    assert (tables["SERVICE"][0]["LOCATION"], tables["SERVICE"][0]["HSUB"]) == ("3", "ศสมช.")


@pytest.mark.parametrize("header", [True, False])
def test_service_in_the_version_2_layout_with_hsub(header: bool) -> None:
    """`...|D_UPDATE|HSUB|CID`: a header naming HSUB is that layout (it was refused as another
    facility's code); without one, 31 fields are that layout and 30 the older one."""
    v2 = _line("SERVICE", FULL_SERVICE)
    v1 = "|".join(FULL_SERVICE.get(f, "") for f in f43.LAYOUTS["SERVICE"] if f != "HSUB")
    second = v1.replace("|100|", "|101|", 1)
    lines = (["|".join(f43.LAYOUTS["SERVICE"])] if header else []) + [v2]
    tables, problems = _read({"SERVICE": "\r\n".join(lines).encode(), **{
        name: _file(name, rows) for name, rows in {**GOOD, "SERVICE": []}.items() if name != "SERVICE"}})
    assert problems == [] and tables["SERVICE"].header == header
    [row] = tables["SERVICE"].rows
    assert (row["HSUB"], row["CID"]) == ("14790", CID)
    result = to_resources(tables, hcode=HCODE)
    assert result.problems == []
    if not header:  # an older file: 30 fields, HSUB empty, said in a note
        tables, problems = _read({"SERVICE": "\r\n".join([v2, second]).encode()})
        assert problems == [] and [(r["SEQ"], r["HSUB"], r["CID"]) for r in tables["SERVICE"].rows] == [
            ("100", "14790", CID), ("101", "", CID)]
        tables, problems = _read({"SERVICE": ("|".join(f for f in f43.LAYOUTS["SERVICE"] if f != "HSUB") + "\r\n"
                                              + second).encode()})
        assert problems == [] and tables["SERVICE"].header and tables["SERVICE"].older_rows == 1
        notes = to_resources({**_read({"PERSON": _file("PERSON", GOOD["PERSON"])})[0], **tables}, hcode=HCODE).notes
        assert "service.txt: 1 row is in the layout before HSUB: HSUB read as empty" in notes
        # the older layout with a field of its own after CID (HOSPCODE9): as many fields as version 2,
        # but a citizen ID where the older one has CID says which
        tables, problems = _read({"SERVICE": (second + "|000012345").encode()})
        assert problems == [] and tables["SERVICE"].extra_fields == ["FIELD31"]
        assert [(r["HSUB"], r["CID"], r["FIELD31"]) for r in tables["SERVICE"].rows] == [("", CID, "000012345")]


def test_diagtype_6_and_7_are_read_and_written_back() -> None:
    rows = [DX_1, {**DX_1, "DIAGTYPE": "6", "DIAGCODE": "U071"}, {**DX_1, "DIAGTYPE": "7", "DIAGCODE": "M81403"}]
    result = _import({"DIAGNOSIS_OPD": rows})
    assert result.problems == []
    assert sorted(c["category"][0]["coding"][1]["code"] for c in _by_type(result.resources, "Condition")) == \
        ["1", "6", "7"]
    back = to_tables(result.resources, hcode=HCODE, updated=UPDATED).tables["DIAGNOSIS_OPD"]
    assert sorted((r["DIAGTYPE"], r["DIAGCODE"]) for r in back) == [("1", "E119"), ("6", "U071"), ("7", "M81403")]


def test_what_the_app_records_goes_out_with_what_the_app_knows() -> None:
    """PROVIDER from the Practitioner the app names by id (its localProv code), the diagnosis'
    from the visit's; INSTYPE from the person's right (their Coverage); TYPEIN 2 for a kept
    appointment; UNIT only as HDC's code; TYPEAREA, LOCATION ... never made up."""
    subject = {"reference": "Patient/p1"}
    staff = build.practitioner(id="staff-1", hcode=HCODE, username="nurse.ann", name="แอน")
    encounter = build.encounter(id=ENC_ID, subject=subject, when="2026-10-15T09:30:05+07:00", hcode=HCODE, vn="V1",
                                practitioner={"reference": "Practitioner/staff-1"},
                                appointment={"reference": "Appointment/a1"})
    at: dict[str, Any] = {"subject": subject, "encounter": {"reference": f"Encounter/{ENC_ID}"},
                          "when": "2026-10-15T09:30:05+07:00"}
    records = [_patient(), encounter, build.condition("I10", id="c1", **at),
               build.medication_dispense(build.medication("Paracetamol", drug24=CODE_24), id="d1", amount=10, unit="TAB",
                                         performer={"reference": "Practitioner/staff-1"}, **at),
               build.medication_dispense(build.medication("Amlodipine", local="AMLO5"), id="d2", amount=30,
                                         unit="เม็ด", **at),
               build.coverage("SSS", id="cov1", beneficiary=subject)]
    for providers in ({"staff-1": "nurse.ann"}, None):
        export = to_tables(records + ([] if providers else [staff]), hcode=HCODE, updated=UPDATED,
                           providers=providers)
        tables = export.tables
        [service] = tables["SERVICE"]
        assert (service["INSTYPE"], service["TYPEIN"], service["LOCATION"], service["TYPEOUT"]) == ("4200", "2", "", "")
        assert [r["PROVIDER"] for r in tables["DIAGNOSIS_OPD"]] == ["nurse.ann"]
        assert [(r["DIDSTD"], r["UNIT"], r["PROVIDER"]) for r in tables["DRUG_OPD"]] == [
            ("", "", "nurse.ann"), (CODE_24, "TAB", "nurse.ann")]
        assert tables["PERSON"][0]["TYPEAREA"] == ""
        assert "1 drugs have their unit as a word, not HDC's 3-character unit code: UNIT is left empty" in export.notes


# -- import: problems, each at its file and line --------------------------------------------------

BAD = [
    ("wrong check digit", {"PERSON": [{**PERSON_1, "CID": "1101700207031"}, PERSON_2]},
     [("person.txt line 1", "CID: The last (check) digit does not match; please re-check the number")]),
    ("short citizen ID", {"PERSON": [PERSON_1, {**PERSON_2, "CID": "31005"}]},
     [("person.txt line 2", "CID: A citizen ID has 13 digits")]),
    ("foreign HOSPCODE", {"PERSON": [PERSON_1, {**PERSON_2, "HOSPCODE": "10670"}]},
     [("person.txt line 2", "belongs to facility 10670; only this unit's files can be imported")]),
    ("foreign 9-digit HOSPCODE", {"EPI": [{**EPI_1, "HOSPCODE": "000010670"}]},
     [("epi.txt line 1", "belongs to facility 000010670; only this unit's files can be imported")]),
    ("HOSPCODE not a facility code", {"PERSON": [PERSON_1, {**PERSON_2, "HOSPCODE": CID_2}]},
     [("person.txt line 2", "belongs to another facility's code; only this unit's files can be imported")]),
    ("same citizen ID twice", {"PERSON": [PERSON_1, PERSON_2, {**PERSON_2, "PID": "3", "CID": "3-1005-00123-45-8"}]},
     [("person.txt line 3", "the same citizen ID as line 2")]),
    ("TYPEAREA not a code", {"PERSON": [PERSON_1, {**PERSON_2, "TYPEAREA": "6"}]},
     [("person.txt line 2", "TYPEAREA is not a code 1-5")]),
    ("impossible death date", {"PERSON": [PERSON_1, {**PERSON_2, "DISCHARGE": "1", "DDISCHARGE": "20260231"}]},
     [("person.txt line 2", "DDISCHARGE is missing or not a real date (YYYYMMDD)")]),
    ("DIAGTYPE not a code", {"DIAGNOSIS_OPD": [{**DX_1, "DIAGTYPE": "8"}]},
     [("diagnosis_opd.txt line 1", "DIAGTYPE is not a code 1-7")]),
    ("no HOSPCODE", {"EPI": [EPI_1, {**EPI_1, "HOSPCODE": ""}]},
     [("epi.txt line 2", "belongs to facility (none); only this unit's files can be imported")]),
    ("no family name", {"PERSON": [PERSON_1, {**PERSON_2, "LNAME": ""}]},
     [("person.txt line 2", "NAME and LNAME are required")]),
    ("no birth date", {"PERSON": [{**PERSON_1, "BIRTH": ""}, PERSON_2]},
     [("person.txt line 1", "BIRTH is missing or not a real date (YYYYMMDD)")]),
    ("impossible birth date", {"PERSON": [PERSON_1, {**PERSON_2, "BIRTH": "25350231"}]},
     [("person.txt line 2", "BIRTH is missing or not a real date (YYYYMMDD)")]),
    ("no PID", {"PERSON": [PERSON_1, PERSON_2, {**PERSON_2, "PID": ""}]},
     [("person.txt line 3", "PID is empty")]),
    ("PID twice", {"PERSON": [PERSON_1, PERSON_2, {**PERSON_2, "CID": ""}]},
     [("person.txt line 3", "PID repeats person.txt line 2")]),
    ("visit of nobody", {"SERVICE": [SERVICE_1, {**SERVICE_1, "PID": "9", "SEQ": "101"}]},
     [("service.txt line 2", "PID is not in person.txt")]),
    ("SEQ twice", {"SERVICE": [SERVICE_1, {**SERVICE_1, "PID": "2"}]},
     [("service.txt line 2", "SEQ repeats service.txt line 1")]),
    ("no SEQ", {"SERVICE": [SERVICE_1, {**SERVICE_1, "SEQ": ""}]},
     [("service.txt line 2", "SEQ is empty")]),
    ("no visit day", {"SERVICE": [{**SERVICE_1, "DATE_SERV": "2026-10-15"}]},
     [("service.txt line 1", "DATE_SERV is missing or not a real date (YYYYMMDD)")]),
    ("impossible time", {"SERVICE": [{**SERVICE_1, "TIME_SERV": "253000"}]},
     [("service.txt line 1", "TIME_SERV is not a time (HHMMSS)")]),
    ("temperature with a comma", {"SERVICE": [{**SERVICE_1, "BTEMP": "37,5"}]},
     [("service.txt line 1", "BTEMP is not a number")]),
    ("two vital signs not numbers", {"SERVICE": [{**SERVICE_1, "PR": "-", "RR": "n/a"}]},
     [("service.txt line 1", "PR is not a number"), ("service.txt line 1", "RR is not a number")]),
    ("half a blood pressure", {"SERVICE": [{**SERVICE_1, "DBP": ""}]},
     [("service.txt line 1", "SBP and DBP go together; one of them is missing")]),
    ("diagnosis of an unknown visit", {"DIAGNOSIS_OPD": [DX_1, {**DX_1, "SEQ": "999"}]},
     [("diagnosis_opd.txt line 2", "SEQ is not a visit in service.txt")]),
    ("diagnosis of another patient's visit", {"DIAGNOSIS_OPD": [{**DX_1, "PID": "2"}]},
     [("diagnosis_opd.txt line 1", "PID is not the PID of the visit (SEQ) in service.txt")]),
    ("no diagnosis code", {"DIAGNOSIS_OPD": [{**DX_1, "DIAGCODE": ""}]},
     [("diagnosis_opd.txt line 1", "DIAGCODE is empty")]),
    ("drug of an unknown visit", {"DRUG_OPD": [{**DRUG_1, "SEQ": "999"}]},
     [("drug_opd.txt line 1", "SEQ is not a visit in service.txt")]),
    ("drug without code or name", {"DRUG_OPD": [DRUG_1, {**DRUG_1, "DIDSTD": "", "DNAME": ""}]},
     [("drug_opd.txt line 2", "DIDSTD and DNAME are both empty")]),
    ("drug amount not a number", {"DRUG_OPD": [{**DRUG_1, "AMOUNT": "1 box"}]},
     [("drug_opd.txt line 1", "AMOUNT is not a number")]),
    ("vaccine of nobody", {"EPI": [{**EPI_1, "PID": "9", "SEQ": ""}]},
     [("epi.txt line 1", "PID is not in person.txt")]),
    ("vaccine of another patient's visit", {"EPI": [{**EPI_1, "PID": "2"}]},
     [("epi.txt line 1", "PID is not the PID of the visit (SEQ) in service.txt")]),
    ("vaccine without a code", {"EPI": [{**EPI_1, "VACCINETYPE": ""}]},
     [("epi.txt line 1", "VACCINETYPE is empty")]),
]


@pytest.mark.parametrize("changes, expected", [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_each_problem_is_found_at_its_line(changes: dict[str, list[dict[str, str]]],
                                          expected: list[tuple[str, str]]) -> None:
    result = _import(changes)
    assert [(p.index, p.path, p.reason) for p in result.problems] == [(None, *e) for e in expected]
    private = (CID, CID_2, "1101700207031", "สมชาย", "ใจดี", "มาลี", "ศรีสุข", "0812345678", "044123456")
    assert not any(value in p.reason for p in result.problems for value in private)


def test_a_header_line_counts_in_the_line_numbers() -> None:
    person = _file("PERSON", [PERSON_1, {**PERSON_2, "CID": "3100500123459"}], header=True)
    tables, problems = _read({"PERSON": person})
    assert problems == []
    assert [(p.path, p.reason[:4]) for p in to_resources(tables, hcode=HCODE).problems] == [("person.txt line 3",
                                                                                             "CID:")]


def test_a_foreign_person_file_makes_its_visits_unknown_too() -> None:
    foreign = [{**row, "HOSPCODE": "10670"} for row in GOOD["PERSON"]]
    result = _import({"PERSON": foreign})
    assert [p.path for p in result.problems] == ["person.txt line 1", "person.txt line 2", "service.txt line 1",
                                                 "epi.txt line 1"]
    assert result.problems[2].reason == "PID is not in person.txt"


def test_a_short_line_is_a_problem_of_the_reader_and_the_rest_still_maps() -> None:
    text = _file("PERSON", [PERSON_1], header=True) + f"{HCODE}|{CID_2}|2\r\n"
    tables, problems = _read({"PERSON": text})
    assert [(p.path, p.reason) for p in problems] == [
        ("person.txt line 3", "3 fields where PERSON has 33; missing from HID on")]
    assert CID_2 not in problems[0].reason
    result = to_resources(tables, hcode=HCODE)
    assert result.problems == [] and len(result.resources) == 1


# -- archives: reading a zip or a folder, writing a zip ---------------------------------------------

def _zip(path: Path, files: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def test_two_files_for_one_table_in_a_zip_are_a_problem(tmp_path: Path) -> None:
    person = _file("PERSON", GOOD["PERSON"])
    source = _zip(tmp_path / "F43_12345.zip", {"2567/person.txt": person, "2566/person.txt": person,
                                                "2567/service.txt": _file("SERVICE", GOOD["SERVICE"])})
    tables, problems = f43.read_archive(source)
    assert [(p.path, p.reason) for p in problems] == [
        ("F43_12345.zip", "two files for PERSON: 2566/person.txt and 2567/person.txt")]
    assert len(tables["PERSON"].rows) == 2 and len(tables["SERVICE"].rows) == 1  # still checked


def test_files_for_one_table_differing_only_in_case_are_a_problem(tmp_path: Path) -> None:
    folder = tmp_path / "f43"
    folder.mkdir()
    for name in ("PERSON.TXT", "person.txt", "Person.txt"):
        (folder / name).write_text(_file("PERSON", GOOD["PERSON"]))
    if len(list(folder.iterdir())) < 3:
        pytest.skip("a file system that ignores case")
    _tables, problems = f43.read_archive(folder)
    assert [(p.path, p.reason) for p in problems] == [
        ("f43", "three files for PERSON: PERSON.TXT, Person.txt and person.txt")]
    source = _zip(tmp_path / "a.zip", {"PERSON.TXT": b"", "person.txt": _file("PERSON", GOOD["PERSON"])})
    assert [p.reason for p in f43.read_archive(source)[1]] == ["two files for PERSON: PERSON.TXT and person.txt"]


def test_only_the_tables_asked_for_are_parsed_the_others_counted(tmp_path: Path) -> None:
    anc = {"HOSPCODE": HCODE, "PID": "1", "SEQ": "100"}
    broken = _file("ANC", [anc, anc], header=True) + "\r\n" + f"{HCODE}|1\r\n"  # a blank and a short line
    files = {f"{name.lower()}.txt": _file(name, rows) for name, rows in GOOD.items()}
    source = _zip(tmp_path / "f43.zip", {**files, "anc.txt": broken.encode(),
                                         "chronicfu.txt": "ผู้ป่วย|ไม่|ครบ\r\n".encode("cp874")})
    _tables, problems = f43.read_archive(source)
    assert [p.path for p in problems] == ["anc.txt line 5", "chronicfu.txt line 1"]  # parsing everything

    tables, problems = f43.read_archive(source, parse=f43_import.READ)
    assert problems == []
    assert (tables["ANC"].rows, tables["ANC"].line_count, tables["CHRONICFU"].line_count) == ([], 3, 1)
    assert len(tables["PERSON"].rows) == tables["PERSON"].line_count == 2
    result = to_resources(tables, hcode=HCODE)
    assert result.problems == []
    assert _unkept(result.notes) == ["anc.txt: not imported yet (3 rows)", "chronicfu.txt: not imported yet (1 row)"]
    assert f43_import.READ == frozenset({"PERSON", "SERVICE", "DIAGNOSIS_OPD", "DRUG_OPD", "EPI", "HOME", "CARD",
                                         "PROVIDER", "DRUGALLERGY", "CHRONIC", "DEATH", "APPOINTMENT",
                                         "PROCEDURE_OPD"})


def test_an_unreadable_archive_still_raises(tmp_path: Path) -> None:
    (tmp_path / "bad.zip").write_bytes(b"not a zip")
    with pytest.raises(zipfile.BadZipFile):
        f43.read_archive(tmp_path / "bad.zip")


@pytest.mark.parametrize("encoding, lost", [(f43.UTF8, 0), (f43.TIS620, 2)])
def test_write_archive_counts_the_lines_that_lost_characters(tmp_path: Path, encoding: str, lost: int) -> None:
    rows = [{**PERSON_1, "NAME": "สมชาย 😀"}, PERSON_2, {**PERSON_2, "PID": "3", "LNAME": "ສີສຸກ"}]  # emoji, Lao
    lines = {"PERSON": [f43.render_line("PERSON", row) for row in rows],
             "SERVICE": [f43.render_line("SERVICE", SERVICE_1)]}
    path = tmp_path / "out.zip"
    assert f43.write_archive(path, lines, encoding=encoding) == lost
    tables, problems = f43.read_archive(path)
    assert problems == [] and tables["PERSON"].encoding == encoding
    assert [r["NAME"] for r in tables["PERSON"].rows] == ["สมชาย 😀" if not lost else "สมชาย ?", "มาลี", "มาลี"]
    assert [r["LNAME"] for r in tables["PERSON"].rows][2] == ("ສີສຸກ" if not lost else "?????")
