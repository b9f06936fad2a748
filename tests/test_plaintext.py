"""The database file, its WAL, a backup and the logs hold no citizen ID or name in clear.

A control run on a plain (unencrypted) SQLite file with the same data must find them,
so the scan itself is shown to work; the logs' own control (the redactor switched off,
identifiers through every logging path) is tests/test_log_scan.py. The scan walks every
file under the test's folder, the per-user folders and the temporary folder included.
"""

from __future__ import annotations

import os
from pathlib import Path

from clinic_app.core import demo
from clinic_app.core.permissions import DEVICE
from clinic_app.services import maintenance
from clinic_app.services.installation import Installation
from clinic_app.services.records import RecordService
from clinic_app.store import database
from clinic_app.security.audit_chain import link
from clinic_app.store.record_store import RecordStore
from tests.conftest import run_cli, write_json


def _secrets(people: list[demo.DemoPatient]) -> list[bytes]:
    out = []
    for person in people:
        patient = person.resources[0]
        out.append(person.cid.encode())
        out.append(patient["name"][0]["family"].encode("utf-8"))
        out.append(patient["name"][1]["family"].encode("utf-8"))
        out.append(patient["telecom"][0]["value"].encode())
    return out


def _found(path: Path, secrets: list[bytes]) -> list[bytes]:
    data = path.read_bytes()
    return [s for s in secrets if s in data]


def test_control_plain_sqlite_shows_the_data(tmp_path: Path) -> None:
    people = list(demo.generate(5, seed=11))
    store = RecordStore(database.connect(tmp_path / "plain.db", None, create=True), link=link)
    with store.transaction():
        for person in people:
            for res in person.resources:
                store.put(res)
    assert len(_found(tmp_path / "plain.db-wal", _secrets(people))) > 0 or \
        len(_found(tmp_path / "plain.db", _secrets(people))) > 0
    store.close()


def test_no_patient_data_in_clear_in_db_wal_backup_or_logs(user_folders: Path, installation: Installation,
                                                           tmp_path: Path) -> None:
    people = list(demo.generate(20, seed=11, hcode="12345"))
    secrets = _secrets(people)
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": r} for p in people for r in p.resources]}
    data_dir = str(installation.folder.path)
    assert run_cli("--data-dir", data_dir, "import-fhir", str(write_json(tmp_path / "in.json", bundle))).returncode == 0
    # Failing commands too, so the log has error paths in it: a file that is not there, and a
    # patient refused for a citizen ID whose check digit is wrong (the command reads it).
    assert run_cli("--data-dir", data_dir, "import-fhir", str(tmp_path / "in.json.missing")).returncode == 2
    cid = people[1].cid
    wrong_cid = cid[:12] + str((int(cid[12]) + 1) % 10)
    wrong = dict(people[1].resources[0], id="wrong-cid", identifier=[
        dict(i, value=wrong_cid) if i["value"] == cid else i for i in people[1].resources[0]["identifier"]])
    secrets.append(wrong_cid.encode())
    bad = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": wrong}]}
    refused = run_cli("--data-dir", data_dir, "import-fhir", str(write_json(tmp_path / "bad.json", bad)))
    assert refused.returncode == 2 and "check" in refused.stderr
    os.remove(tmp_path / "in.json")
    os.remove(tmp_path / "bad.json")

    store = installation.connect()
    service = RecordService(store, actor=DEVICE)
    service.save_resources([dict(people[0].resources[0], gender="other")])
    wal = installation.folder.db_path.with_name("clinic.db-wal")
    assert wal.exists() and wal.stat().st_size > 0
    backup = maintenance.backup(installation, tmp_path / "backup.db")
    files = [p for p in tmp_path.rglob("*") if p.is_file()]  # data folder, backup, per-user and temp folders
    assert backup in files and any(p.name.endswith(".log") for p in files)
    for path in files:
        assert _found(path, secrets) == [], path.name
    store.close()
