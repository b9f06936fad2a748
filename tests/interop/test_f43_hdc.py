"""HDC's monthly submission (issue 15): `export-43 --month` writes every person and the month's
visits with what hangs from them, and refuses to write files HDC would reject, naming each
row (interop/f43_hdc.py). Through the real command line and the real encrypted store."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import keyring
import pytest

from clinic_app.core.errors import InvalidInputError
from clinic_app.interop import f43, f43_hdc
from clinic_app.security.keys import SERVICE
from clinic_app.services.interop import month_bounds
from tests.conftest import run_cli
from tests.interop.f43_generator import generate

HCODE = "10669"
MADE = dt.datetime(2026, 11, 30, 9, 0, 0)
GOOD_PERSON = {"HOSPCODE": HCODE, "CID": "1101700207030", "PID": "7", "PRENAME": "003", "NAME": "สมชาย",
               "LNAME": "ใจดี", "SEX": "1", "BIRTH": "19800203", "NATION": "099", "TYPEAREA": "1",
               "D_UPDATE": "20261101120000", "PASSPORT": "AA1234567"}
GOOD_SERVICE = {"HOSPCODE": HCODE, "PID": "7", "SEQ": "123", "DATE_SERV": "20261101", "INSTYPE": "0100", "TYPEIN": "1",
                "SERVPLACE": "1", "TYPEOUT": "1", "PRICE": "120.50", "PAYPRICE": "0", "ACTUALPAY": "0.00",
                "BTEMP": "36.8", "SBP": "128", "D_UPDATE": "20261101123000"}


def _fields(table: str, row: dict[str, str]) -> list[str]:
    return [name for name, _en, _th in f43_hdc.row_problems(table, row, made_at=MADE)]


def test_a_row_as_hdc_takes_it_passes() -> None:
    assert _fields("PERSON", GOOD_PERSON) == [] and _fields("SERVICE", GOOD_SERVICE) == []


@pytest.mark.parametrize(("table", "change", "field", "words"), [
    ("PERSON", {"TYPEAREA": ""}, "TYPEAREA", "HDC requires it"),
    ("PERSON", {"NAME": "ก" * 51}, "NAME", "at most 50"),
    ("PERSON", {"BIRTH": "20260230"}, "BIRTH", "not a day"),
    ("PERSON", {"BIRTH": "25230203"}, None, None),  # a Buddhist-era year is a real (far) day: not this check's
    ("PERSON", {"SEX": "3"}, "SEX", "code list"),
    ("PERSON", {"PRENAME": "999"}, "PRENAME", "code list"),
    ("PERSON", {"TYPEAREA": "6"}, "TYPEAREA", "code list"),
    ("PERSON", {"D_UPDATE": "20261301000000"}, "D_UPDATE", "not a date and time"),
    ("PERSON", {"D_UPDATE": "20261201000000"}, "D_UPDATE", "after the files were made"),
    ("SERVICE", {"INSTYPE": ""}, "INSTYPE", "HDC requires it"),
    ("SERVICE", {"INSTYPE": "9999"}, "INSTYPE", "code list"),
    ("SERVICE", {"PRICE": "12.345"}, "PRICE", "not a number"),
    ("SERVICE", {"SBP": "12O"}, "SBP", "not a number"),
    ("SERVICE", {"D_UPDATE": "20261031235959"}, "D_UPDATE", "before the day of the service"),
])
def test_each_rule_refuses_what_hdc_refuses_and_names_the_field(table: str, change: dict[str, str], field: str | None,
                                                                words: str | None) -> None:
    row = {**(GOOD_PERSON if table == "PERSON" else GOOD_SERVICE), **change}
    found = f43_hdc.row_problems(table, row, made_at=MADE)
    if field is None:
        assert found == []
        return
    assert [name for name, _en, _th in found] == [field]
    assert words in found[0][1] and found[0][2]  # English that says what, and Thai


def test_a_refused_drug_or_provider_row_says_how_the_unit_fixes_it() -> None:
    check = f43_hdc.Check(MADE)
    check.row("DRUG_OPD", {"HOSPCODE": HCODE, "PID": "7", "SEQ": "123", "DATE_SERV": "20261101", "DNAME": "ยาแก้ไอ",
                           "AMOUNT": "1", "D_UPDATE": "20261101123000"})
    check.row("PROVIDER", {"HOSPCODE": HCODE, "PROVIDER": "nurse.pim", "D_UPDATE": "20261101123000"})
    check.row("PROVIDER", {"HOSPCODE": HCODE, "PROVIDER": "dr.somchai", "CID": "3100500123458", "PRENAME": "003",
                           "NAME": "สมชาย", "LNAME": "ใจดี", "SEX": "1", "BIRTH": "19800203", "PROVIDERTYPE": "01",
                           "STARTDATE": "20200101", "D_UPDATE": "20261101123000"})
    said = [(p.path, p.reason) for p in check.problems]
    assert ("drug_opd.txt line 2", "a drug of the unit's list gets its 24-digit code in the drug24 column of the "
            "list's CSV (clinic-app formulary import FILE.csv)") in said
    assert any(path == "provider.txt line 2" and "clinic-app user details nurse.pim --cid" in reason
               for path, reason in said)
    assert not [path for path, _reason in said if path == "provider.txt line 3"]  # a whole row: nothing to say
    check.row("PROVIDER", {"HOSPCODE": HCODE, "PROVIDER": "x", "CID": "3100500123458", "PRENAME": "003", "NAME": "ก",
                           "LNAME": "ข", "SEX": "1", "BIRTH": "19800203", "PROVIDERTYPE": "99", "STARTDATE": "20200101",
                           "D_UPDATE": "20261101123000"})
    assert any(p.path == "provider.txt line 4" and "PROVIDERTYPE '99' is not in its code list" in p.reason
               for p in check.problems)


def test_icd10_and_diagtype_and_vaccine_codes() -> None:
    diagnosis = {"HOSPCODE": HCODE, "PID": "7", "SEQ": "1", "DATE_SERV": "20261101", "DIAGTYPE": "7", "DIAGCODE": "E119",
                 "CLINIC": "00100", "D_UPDATE": "20261101120000"}
    assert _fields("DIAGNOSIS_OPD", diagnosis) == []
    assert _fields("DIAGNOSIS_OPD", {**diagnosis, "DIAGCODE": "E11.9"}) == ["DIAGCODE"]  # written with its dot
    assert _fields("DIAGNOSIS_OPD", {**diagnosis, "DIAGTYPE": "8"}) == ["DIAGTYPE"]
    epi = {"HOSPCODE": HCODE, "PID": "7", "DATE_SERV": "20261101", "VACCINETYPE": "010", "D_UPDATE": "20261101120000"}
    assert _fields("EPI", epi) == [] and _fields("EPI", {**epi, "VACCINETYPE": "X99"}) == ["VACCINETYPE"]


def test_every_row_of_a_synthetic_unit_with_every_field_filled_passes() -> None:
    """The generator fills every field with a value from its list (test_f43_roundtrip): the
    check refuses none of them, so its rules are not stricter than the files units send."""
    unit = generate(150, seed=11, hcode=HCODE)
    found = [(t, f, e) for t, rows in unit.tables.items() for r in rows
             for f, e, _th in f43_hdc.row_problems(t, r, made_at=MADE)]
    assert found == [] and sum(len(rows) for rows in unit.tables.values()) > 1000


def test_a_month_is_read_in_either_era() -> None:
    assert month_bounds("2569-02") == month_bounds("2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert month_bounds("2024-02")[1] == dt.date(2024, 2, 29)
    assert month_bounds("2026-12") == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))


@pytest.fixture
def unit_folder(tmp_path: Path, keystore: object):  # type: ignore[no-untyped-def]
    data = tmp_path / "unit"
    assert run_cli("--data-dir", str(data), "init", "--hcode", HCODE).returncode == 0
    yield data
    keyring.delete_password(SERVICE, json.loads((data / "clinic-app.json").read_text())["installation_id"])


def test_the_monthly_submission_of_a_unit_moved_from_another_system(unit_folder: Path, tmp_path: Path) -> None:
    """A unit's 43 files imported, then one month sent to HDC: every person, only that month's
    visits and their diagnoses, drugs and vaccines, every row as HDC takes it."""
    source = generate(40, seed=5, hcode=HCODE).write_zip(tmp_path / "from-jhcis.zip")
    assert run_cli("--data-dir", str(unit_folder), "import-43", str(source)).returncode == 0
    with zipfile.ZipFile(source) as z:
        services = [line.split("|") for line in z.read("service.txt").decode().splitlines()[1:]]
    month = max(s[4] for s in services)[:6]  # the last month with visits, YYYYMM
    out = tmp_path / "hdc.zip"
    result = run_cli("--data-dir", str(unit_folder), "export-43", str(out), "--month", f"{month[:4]}-{month[4:]}")
    assert result.returncode == 0, result.stderr[-3000:]
    with zipfile.ZipFile(out) as z:
        person = z.read("person.txt").decode().splitlines()[1:]
        service = [line.split("|") for line in z.read("service.txt").decode().splitlines()[1:]]
        diagnosis = [line.split("|") for line in z.read("diagnosis_opd.txt").decode().splitlines()[1:]]
    assert len(person) == 40
    assert service and all(row[4][:6] == month for row in service)
    assert len(service) == sum(1 for s in services if s[4][:6] == month)
    assert {row[2] for row in diagnosis} <= {row[3] for row in service}


def test_a_month_hdc_would_refuse_is_not_written_and_each_row_is_named(unit_folder: Path, tmp_path: Path) -> None:
    """Demo patients registered in the app have no TYPEAREA (the registration form does not
    ask it yet) and their visits no TYPEIN, SERVPLACE or TYPEOUT: HDC requires them, so the
    month is refused, row by row, and nothing is written."""
    assert run_cli("--data-dir", str(unit_folder), "demo-data", "--patients", "8", "--seed", "3").returncode == 0
    out = tmp_path / "hdc.zip"
    today = dt.date.today()
    result = run_cli("--data-dir", str(unit_folder), "export-43", str(out), "--month", f"{today:%Y-%m}")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert not out.exists() and not list(tmp_path.glob("*.partial"))
    assert "person.txt line 2: TYPEAREA is empty; HDC requires it (PID=" in result.stderr
    assert "HDC would refuse these files" in result.stderr and "HDC จะไม่รับแฟ้มนี้" in result.stderr
    both = run_cli("--data-dir", str(unit_folder), "export-43", str(out), "--month", "2026-11", "--from", "2026-11-01")
    assert both.returncode == 2 and "--month" in both.stderr
    bad = run_cli("--data-dir", str(unit_folder), "export-43", str(out), "--month", "November")
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr


def test_a_month_of_records_made_here_passes_once_the_forms_say_what_hdc_asks(installation, tmp_path: Path  # type: ignore[no-untyped-def]
                                                                              ) -> None:
    """Registered with the person's status (TYPEAREA) and seen with the visit form's choices
    (came by themselves, in the unit, went home), by a nurse whose account has what HDC's
    PROVIDER file asks (citizen ID, name, sex, birth date, provider type, start date): every
    row of the month passes HDC's check and says what the forms said (NATION Thai from a
    citizen ID of DOPA's categories 1-5). Before the nurse's details are given, the month is
    refused on provider.txt alone, with the command that gives them."""
    from clinic_app.core.permissions import ADMIN, CLINICIAN, Actor
    from clinic_app.services.accounts import AccountService, StaffDetails
    from clinic_app.services.patients import PatientForm
    from clinic_app.services.session import UnitSession
    from clinic_app.services.visits import VisitForm

    nurse = Actor("nurse.pim", CLINICIAN)
    with UnitSession(installation, actor=Actor("admin", ADMIN)) as unit:
        unit.accounts.add("admin", "administrator", "a long enough password 1")
        unit.accounts.add("nurse.pim", "clinician", "a long enough password 2", licence="proNurse:4512345")
    with UnitSession(installation, actor=nurse) as unit:
        patient = unit.patients.register(PatientForm(
            given_th="สมศรี", family_th="มีสุข", sex="female", birth_day=3, birth_month=2, birth_year_be=2523,
            cid="1101700207030", prefix="นาง", house="12", moo="4", subdistrict_code="300101", typearea="3")).value
        unit.visits.save(patient["id"], VisitForm(complaint="ไข้", diagnoses=[("J00", "1")], systolic=120,
                                                  diastolic=80, type_out="3"))
        today = f43.thai_local(dt.datetime.now().astimezone().isoformat()).date()  # the files' days are Thailand's
        first = today.replace(day=1)
        with pytest.raises(InvalidInputError) as refused:
            unit.interop43.export(tmp_path / "hdc.zip", first=first, last=today, hdc_check=True)
        assert not (tmp_path / "hdc.zip").exists()
        assert {p.path for p in refused.value.problems} == {"provider.txt"}, [
            p.reason for p in refused.value.problems]
        assert any("clinic-app user details nurse.pim" in p.reason for p in refused.value.problems)

        AccountService(unit.store, actor=Actor("admin", ADMIN)).set_details("nurse.pim", StaffDetails(cid="3100500123458", prefix="นางสาว", given="พิมพ์",
                                                            family="ใจดี", sex="female", birth="2533-07-01",
                                                            provider_type="03", start="2020-06-01"))
        unit.visits.save(patient["id"], VisitForm(complaint="ตามนัด", diagnoses=[("I10", "1")], systolic=130,
                                                  diastolic=85, type_out="1"))
        worker = unit.patients.register(PatientForm(  # a migrant worker with a Myanmar passport: NATION 048
            given_th="หม่อง", family_th="อู", sex="male", birth_day=0, birth_month=0, birth_year_be=2535,
            passport="MA1234567", passport_country="MMR", prefix="นาย", house="3", moo="4", subdistrict_code="300101",
            typearea="4")).value
        unit.visits.save(worker["id"], VisitForm(complaint="ไข้", diagnoses=[("A09", "1")], type_out="1"))
        unit.interop43.export(tmp_path / "hdc.zip", first=first, last=today, hdc_check=True)
        report = unit.interop43.export(tmp_path / "all.zip", first=first, last=today)
    tables, _problems = f43.read_archive(report.path, parse=frozenset({"PERSON", "SERVICE", "DIAGNOSIS_OPD",
                                                                      "PROVIDER"}))
    people, services = tables["PERSON"].rows, tables["SERVICE"].rows
    assert sorted((p["TYPEAREA"], p["NATION"]) for p in people) == [("3", "099"), ("4", "048")]
    assert sorted((s["TYPEIN"], s["SERVPLACE"], s["TYPEOUT"], s["INSTYPE"]) for s in services) == [
        ("1", "1", "1", "0100"), ("1", "1", "1", "0100"), ("1", "1", "3", "0100")]
    [provider] = tables["PROVIDER"].rows
    assert {k: provider[k] for k in ("PROVIDER", "CID", "PRENAME", "NAME", "LNAME", "SEX", "BIRTH", "PROVIDERTYPE",
                                     "STARTDATE", "REGISTERNO", "COUNCIL")} == {
        "PROVIDER": "nurse.pim", "CID": "3100500123458", "PRENAME": "004", "NAME": "พิมพ์", "LNAME": "ใจดี",
        "SEX": "2", "BIRTH": "19900701", "PROVIDERTYPE": "03", "STARTDATE": "20200601", "REGISTERNO": "4512345",
        "COUNCIL": "02"}
    made = dt.datetime.now().astimezone()
    for name in ("PERSON", "SERVICE", "DIAGNOSIS_OPD", "PROVIDER"):
        for row in tables[name].rows:
            assert f43_hdc.row_problems(name, row, made_at=made) == [], name


def test_every_passport_country_the_form_offers_gives_a_nationality_of_thccs_list() -> None:
    from clinic_app.conformance.codes import code_list
    from clinic_app.services.patients import NATION_BY_PASSPORT
    from clinic_app.ui.register import passport_countries

    offered = {code for code, _label in passport_countries() if code}
    assert offered == set(NATION_BY_PASSPORT)
    assert all(code in code_list("cs-thcc-nationality") for code in NATION_BY_PASSPORT.values())


def test_d_update_is_written_in_thailands_time() -> None:
    """The export's stamp (D_UPDATE) on a machine whose clock is UTC: 20:00 UTC is already the
    next day in Thailand, the day its visits are dated; written in UTC, HDC would read every
    evening's update as made before the service."""
    assert f43.stamp_text(dt.datetime(2026, 11, 30, 20, 0, tzinfo=dt.timezone.utc)) == "20261201030000"
    assert f43.stamp_text(dt.datetime(2026, 11, 30, 20, 0)) == "20261130200000"  # no offset: Thai time already
