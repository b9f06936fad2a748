"""Consent and record requests end to end, against the real hub on loopback: queued
offline, sent on reconnect, approved, fetched, shown with their facility, audited; also
rejected, revoked (gone, and an old backup cannot read them), expired, refused without
consent, emergency access, a clerk refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from clinic_app.core.errors import KeyMissingError
from clinic_app.core.identifiers import CID_SYSTEM, HCODE_SYSTEM
from clinic_app.core.permissions import CLERK, CLINICIAN, Actor, PermissionDeniedError
from clinic_app.hub.search import parse
from clinic_app.hub.seed import HOSPITAL, seed_demo
from clinic_app.hub.server import RunningHub
from clinic_app.services import maintenance
from clinic_app.services.consent import ConsentEndedError, ConsentService, ReasonTooShortError, EmergencyNeedsHubError
from clinic_app.services.installation import configure_hub
from clinic_app.services.sync import make_client
from clinic_app.sync.foreign import ConsentNeededError, fetch_patient_records
from tests.sync.conftest import FAST_RETRY, Factory, sync

NURSE = Actor("nurse.somsri", CLINICIAN)


def _hospital_cid(hub: RunningHub) -> str:
    found, _ = hub.engine.store.search("Patient", parse("Patient", [("_tag", f"{HCODE_SYSTEM}|{HOSPITAL}")]))
    return next(i["value"] for i in found[0].resource["identifier"] if i["system"] == CID_SYSTEM)


def _hub_consent(hub: RunningHub, cid: str) -> str:
    found, _ = hub.engine.store.search("Consent", parse("Consent", []))
    return next(s.id for s in found if s.resource["patient"]["identifier"]["value"] == cid)


def _asked(hub: RunningHub, desktop: Factory):  # type: ignore[no-untyped-def]
    """A unit that asked for a hospital patient's consent and synced the request."""
    unit = desktop(hub, "unit")
    store = unit.connect()
    consent = ConsentService(store, unit, actor=NURSE)
    cid = _hospital_cid(hub)
    consent.request_consent(cid)
    sync(unit)
    return unit, store, consent, cid


@pytest.fixture
def seeded(hub: RunningHub) -> RunningHub:
    seed_demo(hub.engine, patients=3)
    return hub


def test_offline_request_then_granted_fetched_shown_and_audited(seeded: RunningHub, desktop: Factory) -> None:
    unit = desktop(seeded, "unit", url="http://127.0.0.1:9/fhir")  # the link is down
    hospital_before = seeded.engine.store.count("Observation", parse("Observation", [("_tag", f"{HCODE_SYSTEM}|{HOSPITAL}")]))
    store = unit.connect()
    consent = ConsentService(store, unit, actor=NURSE)
    cid = _hospital_cid(seeded)
    consent.request_consent(cid, days=30)
    assert [c["state"] for c in consent.consents()] == ["queued"]
    assert consent.request_records(cid).value == "waiting"
    configure_hub(unit, seeded.url, auth=True)  # the link returns
    sync(unit)
    [row] = consent.consents()
    assert row["state"] == "waiting" and "รอผู้ป่วย" in row["label_th"]
    seeded.hub.admin.decide_consent(_hub_consent(seeded, cid), "approve")  # the patient taps "allow"
    sync(unit)
    [row] = consent.consents()
    assert row["state"] == "granted" and row["label_en"].startswith("granted until")
    shown = consent.show_records(cid).value
    assert len(shown) > 5 and {r["facility"] for r in shown} == {HOSPITAL}
    assert shown[0]["facility_name"] == "โรงพยาบาลชุมชนตัวอย่าง" and shown[0]["grant"] == "consent"
    assert store.counts_by_type(owner=HOSPITAL) == {}  # kept apart from the unit's own records
    sync(unit)  # the view's AuditEvent goes to the hub
    events, _ = seeded.engine.store.search("AuditEvent", parse("AuditEvent", [("_tag", f"{HCODE_SYSTEM}|99999")]))
    assert any(e.resource.get("entity", [{}])[0].get("what", {}).get("identifier", {}).get("value") == cid
               for e in events)
    hospital_after = seeded.engine.store.count("Observation", parse("Observation", [("_tag", f"{HCODE_SYSTEM}|{HOSPITAL}")]))
    assert hospital_after == hospital_before  # nothing foreign was pushed back
    assert store.outbox.counts() == {}
    store.close()


def test_revoked_consent_removes_the_records_and_an_old_backup_cannot_read_them(
        seeded: RunningHub, desktop: Factory, tmp_path: Path) -> None:
    unit, store, consent, cid = _asked(seeded, desktop)
    hub_id = _hub_consent(seeded, cid)
    seeded.hub.admin.decide_consent(hub_id, "approve")
    sync(unit)
    grant_id = consent.grants.grants(cid=cid)[0]["grant_id"]
    assert consent.grants.count_records(grant_id) > 5
    backup = maintenance.backup(unit, tmp_path / "while-granted.db")
    seeded.hub.admin.decide_consent(hub_id, "revoke")
    sync(unit)
    assert [c["state"] for c in consent.consents()] == ["revoked"]
    assert consent.grants.count_records(grant_id) == 0
    with pytest.raises(ConsentNeededError):
        consent.show_records(cid)
    store.close()
    maintenance.restore(unit, backup)  # the old backup brings the sealed rows back ...
    store = unit.connect()
    old = ConsentService(store, unit, actor=NURSE)
    rows = old.grants.sealed_records(grant_id)
    assert rows
    keys = unit.grant_keys()
    with pytest.raises(KeyMissingError):  # ... but not readable: the key is gone for good
        keys.open(grant_id, f"{rows[0][0]}/{rows[0][1]}", rows[0][3])
    with pytest.raises(ConsentEndedError) as ended:  # and a clinician is told so, not "a key is missing"
        old.show_records(cid)
    assert "consent" in ended.value.english and "backup" in ended.value.english
    store.close()


def test_rejected_and_expired_consents(seeded: RunningHub, desktop: Factory) -> None:
    unit, store, consent, cid = _asked(seeded, desktop)
    seeded.hub.admin.decide_consent(_hub_consent(seeded, cid), "reject")
    sync(unit)
    assert [c["state"] for c in consent.consents()] == ["rejected"]
    assert consent.grants.record_requests()[0]["state"] == "refused"
    with pytest.raises(ConsentNeededError):
        consent.request_records(cid)
    # a second request, granted, whose period then runs out
    consent.request_consent(cid)
    sync(unit)
    hub_id = next(s.id for s in seeded.engine.store.search("Consent", parse("Consent", [("status", "proposed")]))[0])
    seeded.hub.admin.decide_consent(hub_id, "approve")
    sync(unit)
    assert consent.show_records(cid).value
    stored = seeded.engine.store.read("Consent", hub_id)
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    ended = {**stored.resource, "provision": {**stored.resource["provision"],
                                              "period": {"start": "2026-01-01", "end": yesterday}}}
    seeded.engine.store.put("Consent", hub_id, ended)  # time passes on the hub's side
    sync(unit)
    assert "expired" in [c["state"] for c in consent.consents()]
    with pytest.raises(ConsentNeededError):
        consent.show_records(cid)
    store.close()


def test_without_consent_the_hub_refuses_and_the_clerk_is_told_how_to_ask(seeded: RunningHub, desktop: Factory) -> None:
    unit = desktop(seeded, "unit")
    store = unit.connect()
    client = make_client(unit, store, **FAST_RETRY)
    cid = _hospital_cid(seeded)
    with pytest.raises(ConsentNeededError) as exc:
        fetch_patient_records(client, cid, own_hcode="99999")
    assert "consent request --cid" in exc.value.cli_hint[1] and "เป๋าตัง" in exc.value.thai
    assert "clinic-app" not in exc.value.thai + exc.value.english  # the window says it its own way
    with pytest.raises(ConsentNeededError):
        ConsentService(store, unit, actor=NURSE).request_records(cid)
    client.close()
    store.close()


def test_emergency_access_is_audited_on_both_sides_and_a_clerk_is_refused(seeded: RunningHub, desktop: Factory) -> None:
    unit = desktop(seeded, "unit")
    store = unit.connect()
    cid = _hospital_cid(seeded)
    client = make_client(unit, store, **FAST_RETRY)
    with pytest.raises(PermissionDeniedError) as refused:
        ConsentService(store, unit, actor=Actor("clerk.mali", CLERK)).emergency_access(
            cid, "ผู้ป่วยหมดสติ ไม่มีญาติมาด้วย ต้องทราบประวัติแพ้ยา", client)
    assert "clinician" in refused.value.english
    nurse = ConsentService(store, unit, actor=NURSE)
    with pytest.raises(ReasonTooShortError):
        nurse.emergency_access(cid, "หมดสติ", client)
    count = nurse.emergency_access(cid, "ผู้ป่วยหมดสติ ไม่มีญาติมาด้วย ต้องทราบประวัติแพ้ยา", client).value
    assert count > 5
    shown = nurse.show_records(cid).value
    assert {r["grant"] for r in shown} == {"btg"}
    [logged] = nurse.emergency_log()
    assert logged["who"] == "nurse.somsri" and logged["cid"] == cid and "หมดสติ" in logged["reason"]
    client.close()
    sync(unit)
    hub_log = seeded.hub.admin.break_glass_log()
    assert {e["meta"]["tag"][0]["code"] for e in hub_log} == {"hub"}  # the hub's own review list
    assert {e["agent"][0]["who"]["identifier"]["value"] for e in hub_log} == {unit.device().client_id}
    store.close()
    offline = desktop(seeded, "far", url="http://127.0.0.1:9/fhir")
    far = offline.connect()
    with pytest.raises(EmergencyNeedsHubError):
        ConsentService(far, offline, actor=NURSE).emergency_access(
            cid, "ผู้ป่วยหมดสติ ไม่มีญาติมาด้วย ต้องทราบประวัติแพ้ยา", make_client(offline, far, **FAST_RETRY))
    far.close()


def test_the_device_may_act_until_accounts_exist(tmp_path, desktop: Factory, seeded: RunningHub) -> None:  # type: ignore[no-untyped-def]
    """Before any staff account the command line acts as the desktop itself (a consent request
    goes through); once the first account exists, the same command without --user is refused,
    and a clerk may ask for consent but not read another facility's records."""
    from tests.conftest import run_cli

    unit = desktop(seeded, "unit")
    unit.close()
    folder = str(unit.folder.path)
    cid = _hospital_cid(seeded)
    assert run_cli("--data-dir", folder, "consent", "request", "--cid", cid).returncode == 0  # the device acts
    admin_pw, clerk_pw = tmp_path / "admin.pw", tmp_path / "clerk.pw"
    admin_pw.write_text("admin-pass-2026-long\n", encoding="utf-8")
    clerk_pw.write_text("clerk-pass-2026-long\n", encoding="utf-8")
    added = run_cli("--data-dir", folder, "user", "add", "somchai", "--role", "administrator",
                    "--new-password-file", str(admin_pw))
    assert added.returncode == 0, added.stderr
    anonymous = run_cli("--data-dir", folder, "consent", "request", "--cid", cid)
    assert anonymous.returncode == 2 and "--user" in anonymous.stderr  # the device no longer acts
    as_admin = ("--data-dir", folder, "--user", "somchai", "--password-file", str(admin_pw))
    assert run_cli(*as_admin, "user", "add", "dao", "--role", "clerk", "--new-password-file", str(clerk_pw)).returncode == 0
    as_clerk = ("--data-dir", folder, "--user", "dao", "--password-file", str(clerk_pw))
    assert run_cli(*as_clerk, "consent", "request", "--cid", cid).returncode == 0
    refused = run_cli(*as_clerk, "records", "show", "--cid", cid)
    assert refused.returncode == 2 and "clinician" in refused.stderr


def test_consent_commands_on_the_command_line(seeded: RunningHub, desktop: Factory) -> None:
    from tests.conftest import run_cli

    unit = desktop(seeded, "unit")
    unit.close()
    folder = str(unit.folder.path)
    cid = _hospital_cid(seeded)
    bad = run_cli("--data-dir", folder, "consent", "request", "--cid", "1234567890122")
    assert bad.returncode == 2 and "check" in bad.stderr
    assert run_cli("--data-dir", folder, "consent", "request", "--cid", cid, "--days", "7").returncode == 0
    listed = run_cli("--data-dir", folder, "consent", "list")
    assert '"state": "queued"' in listed.stdout
    shown = run_cli("--data-dir", folder, "records", "show", "--cid", cid)
    assert shown.returncode == 2 and "consent" in shown.stderr and "Traceback" not in shown.stderr
    unconfirmed = run_cli("--data-dir", folder, "emergency-access", "--cid", cid, "--reason", "x" * 30)
    assert unconfirmed.returncode == 2 and "--confirm" in unconfirmed.stderr
    assert run_cli("--data-dir", folder, "sync").returncode == 0
    seeded.hub.admin.decide_consent(_hub_consent(seeded, cid), "approve")
    assert run_cli("--data-dir", folder, "sync").returncode == 0
    shown = run_cli("--data-dir", folder, "records", "show", "--cid", cid)
    assert shown.returncode == 0 and HOSPITAL in shown.stdout
