"""MOPH 43 files through the real command line and the real encrypted store: a unit's
records out as F43_<HOSPCODE>_<stamp>.zip and into a fresh installation of the same unit
(moving from another PCU system), a monthly window, and bad files refused whole."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from clinic_app.security.keys import SERVICE
from tests.conftest import run_cli

HCODE = "10669"
PERSON_HEADER = ("HOSPCODE|CID|PID|HID|PRENAME|NAME|LNAME|HN|SEX|BIRTH|MSTATUS|OCCUPATION_OLD|OCCUPATION_NEW|RACE|"
                 "NATION|RELIGION|EDUCATION|FSTATUS|FATHER|MOTHER|COUPLE|VSTATUS|MOVEIN|DISCHARGE|DDISCHARGE|ABOGROUP|"
                 "RHGROUP|LABOR|PASSPORT|TYPEAREA|D_UPDATE|TELEPHONE|MOBILE")


def _person(cid: str, pid: str, name: str, birth: str, *, hcode: str = HCODE, prename: str = "003") -> str:
    fields = [hcode, cid, pid, "", prename, name, "ทดสอบ", pid, "1", birth] + [""] * 19 + ["1", "20261101120000", "",
                                                                                            "0812345678"]
    return "|".join(fields)


@pytest.fixture
def units(tmp_path: Path, keystore: object) -> Iterator[tuple[Path, Path]]:
    made = []
    for name in ("old", "new"):
        data = tmp_path / name
        assert run_cli("--data-dir", str(data), "init", "--hcode", HCODE).returncode == 0
        made.append(data)
    yield made[0], made[1]
    for data in made:
        keyring.delete_password(SERVICE, json.loads((data / "clinic-app.json").read_text())["installation_id"])


def _status(data: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(run_cli("--data-dir", str(data), "status").stdout)


def test_export_then_import_into_a_fresh_installation_of_the_unit(units: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = units
    assert run_cli("--data-dir", str(old), "demo-data", "--patients", "25", "--seed", "3").returncode == 0
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli("--data-dir", str(old), "export-43", str(out))
    assert result.returncode == 0, result.stderr
    [archive] = list(out.glob(f"F43_{HCODE}_*.zip"))
    rows = json.loads(result.stdout[result.stdout.index("{"):])
    counts = _status(old)["counts"]
    assert rows["PERSON"] == counts["Patient"] == 25 and rows["SERVICE"] == counts["Encounter"]
    assert rows["DIAGNOSIS_OPD"] == counts["Condition"] and rows["EPI"] == counts.get("Immunization", 0)
    with zipfile.ZipFile(archive) as z:
        assert sorted(z.namelist()) == ["appointment.txt", "card.txt", "chronic.txt", "death.txt", "diagnosis_opd.txt",
                                        "drug_opd.txt", "drugallergy.txt", "epi.txt", "home.txt", "person.txt",
                                        "procedure_opd.txt", "provider.txt", "service.txt"]
        person = z.read("person.txt")
    assert person.startswith(PERSON_HEADER.encode() + b"\r\n") and person.count(b"\r\n") == 26

    result = run_cli("--data-dir", str(new), "import-43", str(archive))
    assert result.returncode == 0, result.stderr
    moved = _status(new)["counts"]
    for kind in ("Patient", "Encounter", "Condition", "MedicationDispense", "Immunization"):
        assert moved.get(kind, 0) == counts.get(kind, 0), kind
    # the same files again update the same records instead of adding twins
    assert run_cli("--data-dir", str(new), "import-43", str(archive)).returncode == 0
    assert _status(new)["counts"] == moved


def test_a_monthly_window_keeps_every_person_but_only_that_months_visits(units: tuple[Path, Path],
                                                                         tmp_path: Path) -> None:
    old, _ = units
    assert run_cli("--data-dir", str(old), "demo-data", "--patients", "25", "--seed", "3").returncode == 0
    everything, month = tmp_path / "all.zip", tmp_path / "month.zip"
    assert run_cli("--data-dir", str(old), "export-43", str(everything)).returncode == 0
    # a Buddhist-era range is understood (2568 = 2025)
    result = run_cli("--data-dir", str(old), "export-43", str(month), "--from", "2568-01-01", "--to", "2568-06-30",
                     "--encoding", "tis-620")
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(everything) as a, zipfile.ZipFile(month) as m:
        assert m.read("person.txt").count(b"\r\n") == a.read("person.txt").count(b"\r\n")
        service = m.read("service.txt").decode("cp874").splitlines()[1:]
        assert 0 < len(service) < len(a.read("service.txt").splitlines()) - 1
        assert all("20250101" <= line.split("|")[4] <= "20250630" for line in service)
        seqs = {line.split("|")[3] for line in service}
        assert {line.split("|")[2] for line in m.read("diagnosis_opd.txt").decode("cp874").splitlines()[1:]} <= seqs
    bad = run_cli("--data-dir", str(old), "export-43", str(month), "--from", "1 Jan")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr and "Traceback" not in bad.stderr


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


def test_a_file_from_an_older_system_in_tis620_with_buddhist_era_years(units: tuple[Path, Path], tmp_path: Path) -> None:
    _, new = units
    lines = [_person("1101700207030", "1", "สมชาย", "25230415"),
             _person("3100500123458", "2", "สมศักดิ์", "19900101", prename="134")]  # นพ., not an everyday prefix
    source = tmp_path / "legacy"
    source.mkdir()
    (source / "PERSON.TXT").write_bytes("\r\n".join(lines).encode("cp874"))
    result = run_cli("--data-dir", str(new), "import-43", str(source))
    assert result.returncode == 0, result.stderr
    assert _status(new)["counts"] == {"Patient": 2}
    assert "TIS-620" in result.stderr and "Buddhist era" in result.stderr
    export = json.loads(run_cli("--data-dir", str(new), "export-fhir", "--patient", "1101700207030").stdout)
    patient = export["entry"][0]["resource"]
    assert patient["birthDate"] == "1980-04-15"  # 2523 BE
    # the SIL-TH shapes: typed identifiers, the Thai name with DOPA's prefix code
    assert [i["type"]["coding"][0]["code"] for i in patient["identifier"]] == ["cid", "localHn", "localPid"]
    assert patient["identifier"][0]["system"] == "https://terms.sil-th.org/id/th-cid"
    assert patient["name"][0]["extension"] == [{"url": "http://hl7.org/fhir/StructureDefinition/language",
                                                "valueCode": "th"}]
    assert (patient["name"][0]["prefix"], patient["name"][0]["_prefix"][0]["extension"][0]["valueCodeableConcept"]) == (
        ["นาย"], {"coding": [{"system": "https://terms.sil-th.org/core/CodeSystem/cs-dopa-nameprefix", "code": "003",
                              "display": "นาย"}]})
    # a code outside the everyday ones is written out from DOPA's list shipped with the app
    doctor = json.loads(run_cli("--data-dir", str(new), "export-fhir", "--patient", "3100500123458").stdout)
    name = doctor["entry"][0]["resource"]["name"][0]
    assert (name["text"], name["_prefix"][0]["extension"][0]["valueCodeableConcept"]["coding"][0]["code"]) == (
        "นพ.สมศักดิ์ ทดสอบ", "134")


@pytest.mark.parametrize("files, where", [
    ({"person.txt": (_person("1101700207031", "1", "สมชาย", "19800415") + "\r\n").encode()}, "person.txt line 1"),
    ({"person.txt": (PERSON_HEADER + "\r\n" + _person("1101700207030", "1", "สมชาย", "19800415", hcode="10670")
                     + "\r\n").encode()}, "person.txt line 2"),
    ({"person.txt": b"10669|1101700207030|1\r\n"}, "person.txt line 1"),
])
def test_bad_files_are_refused_whole_with_the_line_to_fix(units: tuple[Path, Path], tmp_path: Path,
                                                         files: dict[str, bytes], where: str) -> None:
    _, new = units
    good = _person("3100500123458", "2", "สมศักดิ์", "19900101")
    files = {name: data + (good + "\r\n").encode() for name, data in files.items()}
    result = run_cli("--data-dir", str(new), "import-43", str(_zip(tmp_path / "bad.zip", files)))
    assert result.returncode == 2 and where in result.stderr and "Traceback" not in result.stderr
    for cid in ("1101700207030", "1101700207031", "3100500123458"):
        assert cid not in result.stderr + result.stdout  # no citizen ID quoted back
    assert _status(new)["counts"] == {}  # not even the good row


def test_something_that_is_not_43_files(units: tuple[Path, Path], tmp_path: Path) -> None:
    _, new = units
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 this is not really a zip")
    result = run_cli("--data-dir", str(new), "import-43", str(junk))
    assert result.returncode == 2 and "43" in result.stderr and "Traceback" not in result.stderr
    empty = _zip(tmp_path / "empty.zip", {"readme.txt": b"hello"})
    result = run_cli("--data-dir", str(new), "import-43", str(empty))
    assert result.returncode == 2 and "person.txt" in result.stderr
    assert _status(new)["counts"] == {}


def test_a_person_already_registered_is_met_by_citizen_id_and_gets_the_old_visits(units: tuple[Path, Path],
                                                                                  tmp_path: Path) -> None:
    _, new = units
    here = {"resourceType": "Patient", "id": "here-1", "name": [{"text": "นายสมชาย ทดสอบ", "family": "ทดสอบ"}],
            "identifier": [{"system": "https://terms.sil-th.org/id/th-cid", "value": "1101700207030"}]}
    (tmp_path / "p.json").write_text(json.dumps(here, ensure_ascii=False), encoding="utf-8")
    assert run_cli("--data-dir", str(new), "import-fhir", str(tmp_path / "p.json")).returncode == 0
    service = "|".join([HCODE, "1", "1", "V0001", "20240105", "093000", "1", "1", "", "", "", "1", "", "", "ไข้",
                        "1", "37.8", "120", "80", "88", "20", "1", "", "", "0", "0", "0", "0", "20240105093000",
                        "1101700207030"])
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "person.txt").write_text(_person("1101700207030", "1", "สมชาย", "19800415") + "\r\n", encoding="utf-8")
    (legacy / "service.txt").write_text(service + "\r\n", encoding="utf-8")
    result = run_cli("--data-dir", str(new), "import-43", str(legacy))
    assert result.returncode == 0, result.stderr
    assert "already here" in result.stderr
    counts = _status(new)["counts"]
    assert counts["Patient"] == 1 and counts["Encounter"] == 1
    bundle = json.loads(run_cli("--data-dir", str(new), "export-fhir", "--type", "Encounter").stdout)
    assert bundle["entry"][0]["resource"]["subject"]["reference"] == "Patient/here-1"
    assert bundle["entry"][0]["resource"]["identifier"] == [{  # SEQ is the visit number (VN)
        "type": {"coding": [{"system": "https://terms.sil-th.org/core/CodeSystem/cs-th-identifier-type",
                             "code": "localVn"}]},
        "system": f"https://terms.sil-th.org/hcode/5/{HCODE}/VN", "value": "V0001", "use": "secondary"}]


def test_files_that_disagree_with_an_earlier_import_change_nothing(units: tuple[Path, Path], tmp_path: Path) -> None:
    """PID 1 was one person; another set of files says PID 1 is someone else: refused, and
    the first person and their edits made here stay as they are."""
    _, new = units
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "person.txt").write_text(_person("1101700207030", "1", "สมชาย", "19800415") + "\r\n", encoding="utf-8")
    (second / "person.txt").write_text(_person("3100500123458", "1", "สมศักดิ์", "19900101") + "\r\n", encoding="utf-8")
    assert run_cli("--data-dir", str(new), "import-43", str(first)).returncode == 0
    result = run_cli("--data-dir", str(new), "import-43", str(second))
    assert result.returncode == 2 and "PID 1" in result.stderr and "another person" in result.stderr
    found = json.loads(run_cli("--data-dir", str(new), "export-fhir", "--patient", "1101700207030").stdout)
    assert len(found["entry"]) == 1
    assert json.loads(run_cli("--data-dir", str(new), "export-fhir", "--patient", "3100500123458").stdout)["entry"] == []
    # an edit made here (a phone number) survives the same files imported again
    patient = found["entry"][0]["resource"]
    patient["telecom"] = [{"system": "phone", "value": "0899999999", "use": "mobile"}]
    (tmp_path / "edit.json").write_text(json.dumps(patient, ensure_ascii=False), encoding="utf-8")
    assert run_cli("--data-dir", str(new), "import-fhir", str(tmp_path / "edit.json")).returncode == 0
    again = run_cli("--data-dir", str(new), "import-43", str(first))
    assert again.returncode == 0 and "already here" in again.stderr
    kept = json.loads(run_cli("--data-dir", str(new), "export-fhir", "--patient", "1101700207030").stdout)
    assert kept["entry"][0]["resource"]["telecom"][0]["value"] == "0899999999"
