"""The lossless round trip of PERSON, SERVICE, DIAGNOSIS_OPD, DRUG_OPD and EPI (issue 15): a
synthetic unit (f43_generator: every field filled with a valid value, citizen IDs starting
with 0, every DIAGTYPE, SERVICE in the version-2 layout with HSUB, UTF-8 with a header and
TIS-620 without one) goes through the real import (services/interop.py, the real encrypted
store) and the real export, and every field of every row comes back as it went in. A
difference is printed by file, field and count.

Also checked on the records stored: they pass the SIL-TH conformance check, and a field kept
in the project's f43-fields extension is one the guides have no place for (a field with a
place that lands in the extension means its place was not used)."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from pathlib import Path

import pytest

from clinic_app.conformance import check_all
from clinic_app.core.permissions import DEVICE
from clinic_app.interop import f43, f43_fields
from clinic_app.services.installation import Installation
from clinic_app.services.interop import Interop43
from tests.interop.f43_generator import TABLES, WHERE_VALID, Unit, generate

PEOPLE = int(os.environ.get("F43_ROUNDTRIP_PEOPLE", "300"))  # the 5,000: F43_ROUNDTRIP_PEOPLE=5000
VISITS = 1.2  # a visit a year or so: the store's validation of each record is what takes the time
KEYS = {"PERSON": ("PID",), "SERVICE": ("SEQ",), "DIAGNOSIS_OPD": ("SEQ", "DIAGCODE"), "DRUG_OPD": ("SEQ", "DIDSTD"),
        "EPI": ("SEQ", "VACCINETYPE")}
# The fields the SIL-TH guides have no place for (f43_import's docstring): the only ones a
# valid row keeps in the f43-fields extension (D_UPDATE always; INSTYPE, INSID, MAIN on the
# visit; DDISCHARGE only for a move or a disappearance, a death's day being deceasedDateTime).
HOMELESS = {
    "Patient": {"OCCUPATION_OLD", "OCCUPATION_NEW", "FSTATUS", "FATHER", "MOTHER", "COUPLE", "VSTATUS",
                "MOVEIN", "DDISCHARGE", "ABOGROUP", "RHGROUP", "D_UPDATE"},
    "Encounter": {"INSTYPE", "INSID", "MAIN", "CAUSEIN", "CAUSEOUT", "COST", "PRICE", "PAYPRICE", "ACTUALPAY",
                  "D_UPDATE"},
    "Condition": {"CLINIC", "D_UPDATE"},
    "MedicationDispense": {"CLINIC", "DRUGPRICE", "DRUGCOST", "D_UPDATE"},
    "Immunization": {"D_UPDATE"},
}


def _key(name: str, row: dict[str, str]) -> tuple[str, ...]:
    return tuple(row[f] for f in KEYS[name])


def differences(sent: dict[str, list[dict[str, str]]], back: dict[str, list[dict[str, str]]]) -> Counter[tuple[str, str]]:
    """(file, field) -> rows where the field came back otherwise; a row missing or added
    counts under the field "(row missing)" or "(row added)"."""
    found: Counter[tuple[str, str]] = Counter()
    for name in TABLES:
        file = f"{name.lower()}.txt"
        mine = {_key(name, row): row for row in sent[name]}
        theirs = {_key(name, row): row for row in back.get(name, [])}
        found[(file, "(row missing)")] += len(mine.keys() - theirs.keys())
        found[(file, "(row added)")] += len(theirs.keys() - mine.keys())
        for key in mine.keys() & theirs.keys():
            for field_name in f43.LAYOUTS[name]:
                if mine[key].get(field_name, "") != theirs[key].get(field_name, ""):
                    found[(file, field_name)] += 1
    return +found


def _report(found: Counter[tuple[str, str]]) -> str:
    return "\n".join(f"{file} {field_name}: {n} rows" for (file, field_name), n in sorted(found.items()))


def _coverage_of(unit: Unit) -> None:
    """The generator fills every field: each in every row, the ones valid only with another
    field's value in some rows (WHERE_VALID)."""
    for name, rows in unit.tables.items():
        for field_name in f43.LAYOUTS[name]:
            filled = sum(bool(row[field_name]) for row in rows)
            if field_name in WHERE_VALID.get(name, ()):
                assert 0 < filled < len(rows), (name, field_name)
            else:
                assert filled == len(rows), (name, field_name)
    assert {row["DIAGTYPE"] for row in unit.tables["DIAGNOSIS_OPD"]} == set("1234567")
    assert {row["CID"][0] for row in unit.tables["PERSON"]} >= {"0", "1", "3", "6", "7"}


def test_the_generator_is_deterministic_and_fills_every_field() -> None:
    one, two = generate(60, seed=3), generate(60, seed=3)
    assert one.tables == two.tables and one.tables != generate(60, seed=4).tables
    _coverage_of(generate(PEOPLE, seed=7))
    assert all(len(row) == len(f43.LAYOUTS[name]) for name, rows in one.tables.items() for row in rows)
    assert one.file_bytes("SERVICE").split(b"\r\n")[0].endswith(b"|D_UPDATE|HSUB|CID")  # the version-2 layout
    one.file_bytes("PERSON", encoding=f43.TIS620)  # Thai and ASCII only: TIS-620 holds it


@pytest.mark.parametrize("encoding, header, people", [(f43.UTF8, True, PEOPLE), (f43.TIS620, False, PEOPLE // 3)])
def test_a_unit_comes_back_field_by_field(installation: Installation, tmp_path: Path, encoding: str, header: bool,
                                          people: int) -> None:
    unit = generate(people, seed=people, hcode="12345", visits=VISITS)  # the installation's hcode (tests/conftest.py)
    _coverage_of(unit)
    source = unit.write(tmp_path / "in", encoding=encoding, header=header)
    store = installation.connect()
    try:
        service = Interop43(store, actor=DEVICE)
        report = service.import_(source)
        assert report.by_type["Patient"] == people
        assert ("service.txt was TIS-620" in report.notes) == (encoding == f43.TIS620)
        exported = service.export(tmp_path / "out.zip", now=dt.datetime(2026, 11, 1, 12, 0).astimezone())
        stored = list(store.iter_resources())
    finally:
        store.close()
    tables, problems = f43.read_archive(exported.path, parse=frozenset(TABLES))
    assert problems == []
    found = differences(unit.tables, {name: table.rows for name, table in tables.items()})
    assert not found, "fields that did not come back as they went in:\n" + _report(found)

    violations = [str(v) for v in check_all(stored)]
    assert violations == [], "\n".join(violations[:30])
    misplaced: Counter[tuple[str, str]] = Counter()
    for resource in stored:
        kept = f43_fields.kept(resource) or {}
        for field_name in kept.keys() - HOMELESS.get(resource["resourceType"], set()):
            misplaced[(resource["resourceType"], field_name)] += 1
    assert not misplaced, "kept in f43-fields though the guides have a place:\n" + "\n".join(
        f"{rtype} {field_name}: {n}" for (rtype, field_name), n in sorted(misplaced.items()))


def test_a_correction_here_keeps_what_the_files_gave_and_goes_out_as_corrected(installation: Installation,
                                                                            tmp_path: Path) -> None:
    """A person and a visit read from the files, then corrected in the app: the household
    (HID), the visit's LOCATION ... HSUB and the kept fields stay; the corrected fields and a
    new D_UPDATE (the export's) go out, so HDC takes the correction."""
    from clinic_app.core.permissions import CLINICIAN, Actor
    from clinic_app.services.patients import PatientService
    from clinic_app.services.visits import VisitService
    from tests.interop.test_f43 import DX_1, FULL_PERSON, FULL_SERVICE, PERSON_2, _f43_id

    files = {"PERSON": [FULL_PERSON, PERSON_2], "SERVICE": [FULL_SERVICE], "DIAGNOSIS_OPD": [DX_1]}
    source = tmp_path / "in"
    source.mkdir()
    for name, rows in files.items():
        (source / f"{name.lower()}.txt").write_bytes(f43.render_table(name, rows))
    now = dt.datetime(2026, 11, 1, 12, 0).astimezone()
    store = installation.connect()
    try:
        Interop43(store, actor=DEVICE).import_(source)
        doctor = Actor("doc.somchai", CLINICIAN)
        patients, visits = PatientService(store, actor=doctor), VisitService(store, actor=doctor)
        form = patients.form_of(_f43_id("PID", "1"))
        form.given_th = "สมชัย"
        patients.update(_f43_id("PID", "1"), form)
        visit = visits.form_of(_f43_id("SEQ", "100"))
        visit.complaint = "ไข้สูง"
        visits.correct(_f43_id("SEQ", "100"), visit)
        exported = Interop43(store, actor=DEVICE).export(tmp_path / "out.zip", now=now)
    finally:
        store.close()
    tables, _problems = f43.read_archive(exported.path, parse=frozenset(TABLES))
    person = next(r for r in tables["PERSON"].rows if r["PID"] == "1")
    expected = {**FULL_PERSON, "NAME": "สมชัย", "D_UPDATE": f43.stamp_text(now)}
    assert {k: person[k] for k in expected} == expected
    [service] = tables["SERVICE"].rows
    expected = {**FULL_SERVICE, "CHIEFCOMP": "ไข้สูง", "D_UPDATE": f43.stamp_text(now)}
    assert {k: service[k] for k in expected} == expected


def test_what_the_unit_records_goes_out_with_its_provider_right_and_nothing_made_up(installation: Installation,
                                                                                  tmp_path: Path) -> None:
    """Registered and seen here (the window's services): PROVIDER is the staff member's own
    code (their Practitioner's localProv) in every file, INSTYPE the person's right, and
    TYPEAREA, LOCATION and INTIME (the forms do not ask them) are left empty with a note,
    never written as 1; TYPEIN, SERVPLACE and TYPEOUT are what the visit form recorded (its
    choices: came by themselves, in the unit, went home)."""
    from clinic_app.core.permissions import CLINICIAN, Actor
    from clinic_app.services.session import UnitSession
    from tests.conformance.test_desktop_records import register_and_visit

    with UnitSession(installation, actor=Actor("nurse.pim", CLINICIAN)) as unit:
        register_and_visit(unit)
        report = unit.interop43.export(tmp_path / "out.zip")
    tables, _problems = f43.read_archive(report.path, parse=frozenset(TABLES))
    rows = {name: tables[name].rows for name in TABLES}
    assert {r["PROVIDER"] for name in ("DIAGNOSIS_OPD", "DRUG_OPD", "EPI") for r in rows[name]} == {"nurse.pim"}
    assert len(rows["EPI"]) == 1 and len(rows["DRUG_OPD"]) == 2
    assert {r["INSTYPE"] for r in rows["SERVICE"]} == {"0100"}  # registered with the UC right (the form's default)
    assert {r["TYPEAREA"] for r in rows["PERSON"]} == {""}
    assert {(r["LOCATION"], r["INTIME"], r["TYPEIN"], r["SERVPLACE"], r["TYPEOUT"]) for r in rows["SERVICE"]} == {
        ("", "", "1", "1", "1")}
    assert "2 patients have no TYPEAREA (their person status, which HDC requires): it is left empty, never guessed; " \
           "set it on each before sending" in report.notes
