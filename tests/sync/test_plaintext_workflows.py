"""After full workflows — staff sign-in, registration, a visit, a consent request synced
and granted, records fetched from the hospital and viewed, emergency access, a backup, a
failing command that reads a citizen ID — no file the app wrote holds a test patient's
citizen ID, Thai name or phone number in clear (database, WAL, backups, logs, marker, temp
files, the per-user folders). The scan walks the whole test folder but the sandbox hub's own
(it stands for the server, whose store holds the hospital's patients by design)."""

from __future__ import annotations

from pathlib import Path

from clinic_app.app import configure_logging
from clinic_app.core.identifiers import CID_SYSTEM, HCODE_SYSTEM

from clinic_app.hub.search import parse
from clinic_app.hub.seed import HOSPITAL, seed_demo
from clinic_app.services import maintenance
from clinic_app.services.accounts import AccountService
from clinic_app.services.consent import ConsentService
from clinic_app.services.patients import PatientForm, PatientService, VisitForm
from clinic_app.services.sync import make_client
from tests.conftest import run_cli
from tests.sync.conftest import FAST_RETRY, Factory, sync

OURS = PatientForm(given_th="ประภาพร", family_th="วงศ์สวัสดิ์", sex="female", birth_day=9, birth_month=9,
                   birth_year_be=2530, cid="3100500123458", phone="0861234567", given_en="Praphaporn",
                   family_en="Wongsawat")


def test_no_patient_data_in_clear_anywhere_the_app_wrote(user_folders: Path, hub, desktop: Factory,  # type: ignore[no-untyped-def]
                                                          tmp_path: Path) -> None:
    seed_demo(hub.engine, patients=3)
    unit = desktop(hub, "unit")
    configure_logging(unit.folder.log_dir)
    store = unit.connect()
    AccountService(store).add("somchai", "administrator", "admin-pass-2026")
    admin = AccountService(store).sign_in("somchai", "admin-pass-2026")
    AccountService(store, actor=admin).add("malee", "clinician", "nurse-pass-2026")
    nurse = AccountService(store).sign_in("malee", "nurse-pass-2026")
    patients = PatientService(store, actor=nurse)
    ours = patients.register(OURS).value
    patients.record_visit(ours["id"], VisitForm(complaint="ไข้", systolic=130, diastolic=85, diagnosis="J00"))
    found, _ = hub.engine.store.search("Patient", parse("Patient", [("_tag", f"{HCODE_SYSTEM}|{HOSPITAL}")]))
    theirs = [s.resource for s in found]
    cid = next(i["value"] for i in theirs[0]["identifier"] if i["system"] == CID_SYSTEM)
    consent = ConsentService(store, unit, actor=nurse)
    consent.request_consent(cid)
    sync(unit)
    hub.hub.admin.decide_consent(next(s.id for s in hub.engine.store.search("Consent", parse("Consent", []))[0]),
                                 "approve")
    sync(unit)
    assert consent.show_records(cid)
    client = make_client(unit, store, **FAST_RETRY)
    other = next(i["value"] for i in theirs[1]["identifier"] if i["system"] == CID_SYSTEM)
    consent.emergency_access(other, "ผู้ป่วยหมดสติ ไม่มีญาติ ต้องทราบประวัติแพ้ยา", client)
    client.close()
    backup = maintenance.backup(unit, tmp_path / "backup.db")
    # A failing command that gets as far as the citizen ID: signed in, no consent for this patient.
    password = tmp_path / "password"
    password.write_text("nurse-pass-2026", encoding="utf-8")
    unasked = next(i["value"] for i in theirs[2]["identifier"] if i["system"] == CID_SYSTEM)
    refused = run_cli("--data-dir", str(unit.folder.path), "--user", "malee", "--password-file", str(password),
                      "records", "show", "--cid", unasked)
    assert refused.returncode == 2 and "consent" in refused.stderr.lower(), refused.stderr
    password.unlink()

    secrets = [OURS.cid, OURS.given_th, OURS.family_th, OURS.phone, OURS.family_en]
    for patient in theirs:
        secrets += [i["value"] for i in patient["identifier"] if i["system"] == CID_SYSTEM]
        secrets += [patient["name"][0]["family"], patient["name"][1]["family"], patient["telecom"][0]["value"]]
    needles = [s.encode("utf-8") for s in secrets]
    server = tmp_path / "hub"  # the `hub` fixture's folder
    written = [p for p in tmp_path.rglob("*") if p.is_file() and server not in p.parents]
    assert backup in written and any(p.suffix == ".log" for p in written)
    assert any(p.name == "clinic.db-wal" for p in written)
    for path in written:
        data = path.read_bytes()
        leaked = [s for s, n in zip(secrets, needles) if n in data]
        assert leaked == [], f"{path.name} holds {len(leaked)} identifier(s) in clear"
    store.close()

