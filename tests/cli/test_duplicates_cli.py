"""`clinic-app patients duplicates` and `patients merge` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import keyring

from tests.conftest import run_cli, write_json

CID, OTHER_CID = "1101700207030", "3100500123458"
HN_SYSTEM = "https://terms.sil-th.org/hcode/5/12345/HN"


def _person(pid: str, hn: str, cid: str, name: str) -> list[dict[str, object]]:
    patient = {"resourceType": "Patient", "id": pid, "name": [{"text": name}], "birthDate": "1980-02-03",
               "gender": "female", "identifier": [{"system": "https://terms.sil-th.org/id/th-cid", "value": cid},
                                                  {"system": HN_SYSTEM, "value": hn}]}
    visit = {"resourceType": "Encounter", "id": f"{pid}-v", "status": "finished",
             "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
             "subject": {"reference": f"Patient/{pid}"}, "period": {"start": "2024-05-01T09:00:00+07:00"}}
    return [patient, visit]


def test_duplicates_are_listed_and_merged_by_an_administrator(tmp_path: Path, keystore: object) -> None:
    data = str(tmp_path / "d")
    admin_pw, clerk_pw = tmp_path / "admin.pw", tmp_path / "clerk.pw"
    admin_pw.write_text("admin-pass-2026\n", encoding="utf-8")
    clerk_pw.write_text("ลงทะเบียน-กล้วยหอม-2026\n", encoding="utf-8")
    assert run_cli("--data-dir", data, "init", "--hcode", "12345", "--admin", "somchai",
                   "--admin-password-file", str(admin_pw)).returncode == 0
    as_admin = ("--data-dir", data, "--user", "somchai", "--password-file", str(admin_pw))
    as_clerk = ("--data-dir", data, "--user", "mali", "--password-file", str(clerk_pw))
    try:
        added = run_cli(*as_admin, "user", "add", "mali", "--role", "clerk", "--new-password-file", str(clerk_pw))
        assert added.returncode == 0, added.stderr
        none = run_cli(*as_admin, "patients", "duplicates")
        assert none.returncode == 0 and "ไม่พบผู้ป่วยซ้ำ" in none.stdout and "No duplicates" in none.stdout
        # old data: the same person twice (HN 0000101 and 0000257), and someone else
        resources = (_person("p-1", "0000101", CID, "นางสมศรี มีสุข") + _person("p-2", "0000257", CID, "สมศรี มีสุข")
                     + _person("p-3", "0000300", OTHER_CID, "นายบุญมี ทองดี"))
        bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}
        imported = run_cli(*as_admin, "import-fhir", str(write_json(tmp_path / "old.json", bundle)))
        assert imported.returncode == 0, imported.stderr

        listed = run_cli(*as_clerk, "patients", "duplicates")  # a read: any staff member
        assert listed.returncode == 0, listed.stderr
        assert "x-xxxx-xxxx7-03-0" in listed.stdout and CID not in listed.stdout
        rows = [line.split() for line in listed.stdout.splitlines() if line.strip().startswith("0000")]
        assert [(r[0], r[-2]) for r in rows] == [("0000101", "1"), ("0000257", "1")]  # HN, visits
        assert "นางสมศรี" in listed.stdout and "0000300" not in listed.stdout

        refused = run_cli(*as_clerk, "patients", "merge", "--keep", "0000101", "--drop", "0000257")
        assert refused.returncode == 2 and "Error:" in refused.stderr and "ข้อผิดพลาด" in refused.stderr
        assert "account.manage" in refused.stderr or "data.maintain" in refused.stderr
        nobody = run_cli("--data-dir", data, "patients", "merge", "--keep", "0000101", "--drop", "0000257")
        assert nobody.returncode == 2 and "Traceback" not in nobody.stderr
        for keep, drop, said in (("0000101", "0000300", "citizen ID"), ("0000101", "0009999", "No patient"),
                                 ("0000101", "0000101", "same record")):
            bad = run_cli(*as_admin, "patients", "merge", "--keep", keep, "--drop", drop)
            assert bad.returncode == 2 and said in bad.stderr and "ข้อผิดพลาด" in bad.stderr, (keep, drop, bad.stderr)

        merged = run_cli(*as_admin, "patients", "merge", "--keep", "0000101", "--drop", "0000257")
        assert merged.returncode == 0, merged.stderr
        assert "Merged" in merged.stdout and "1 record(s) moved" in merged.stdout
        after = run_cli(*as_admin, "patients", "duplicates")
        assert after.returncode == 0 and "No duplicates" in after.stdout
        # the person's records: both visits, now about the kept record
        exported = json.loads(run_cli(*as_admin, "export-fhir", "--patient", CID).stdout)
        visits = [e["resource"] for e in exported["entry"] if e["resource"]["resourceType"] == "Encounter"]
        assert sorted(v["id"] for v in visits) == ["p-1-v", "p-2-v"]
        assert {v["subject"]["reference"] for v in visits} == {"Patient/p-1"}
        again = run_cli(*as_admin, "patients", "merge", "--keep", "0000101", "--drop", "0000257")
        assert again.returncode == 2  # the old HN now names the kept record: nothing left to merge
        trail = run_cli(*as_admin, "audit", "verify")
        assert trail.returncode == 0, trail.stderr
    finally:
        label = json.loads((tmp_path / "d" / "clinic-app.json").read_text())["installation_id"]
        keyring.delete_password("clinic-app", label)
