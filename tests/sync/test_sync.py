"""Sync between desktops of one unit through a real hub on loopback."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from clinic_app.core.errors import EXIT_CONFLICTS, EXIT_HUB_UNREACHABLE
from clinic_app.core.permissions import DEVICE
from clinic_app.hub.server import RunningHub
from clinic_app.services.sync import resolve_conflict
from clinic_app.sync.client import RETRY_SCALE_ENV, HubClient, RetryPolicy
from clinic_app.sync.errors import HubUnreachableError
from clinic_app.sync.push import Pusher
from tests.conftest import run_cli
from tests.sync.conftest import Factory, hub_count, limited_hub, service, sync


def _patient_ids(inst) -> list[str]:  # type: ignore[no-untyped-def]
    store = inst.connect()
    try:
        return sorted(p["id"] for p in store.search_patients("0", limit=1000))
    finally:
        store.close()


def test_push_then_pull_between_two_desktops(hub: RunningHub, desktop: Factory) -> None:
    a, b = desktop(hub, "a"), desktop(hub, "b")
    svc = service(a)
    svc.load_demo(6, seed=3)
    total = sum(svc.store.counts_by_type().values())
    trail = len(svc.store.audit.unsynced())  # the audit trail goes along as AuditEvents
    report = sync(a)
    # ... and the trail's head, as an anchor the hub keeps (audit verify compares against it)
    assert report.pushed == total + trail + 1 and report.pending == 0 and report.failed == 0
    assert hub_count(hub, "AuditEvent") == trail + 1
    assert svc.store.outbox.counts() == {}
    assert hub_count(hub, "Patient") == 6
    patient = svc.store.search_patients("0")[0]
    assert svc.store.version_of("Patient", patient["id"]) == "1"
    own_trail = len(service(b).store.audit.unsynced())
    report_b = sync(b)
    assert report_b.pulled == total and report_b.pushed == own_trail + 1  # only its own audit trail and anchor
    other = service(b)
    assert other.store.counts_by_type() == svc.store.counts_by_type()
    assert other.store.outbox.counts() == {}  # pulled records are not sent back
    assert sync(b).pulled == 0  # nothing new: the checkpoint holds


def test_edits_and_deletes_reach_the_other_desktop(hub: RunningHub, desktop: Factory) -> None:
    a, b = desktop(hub, "a"), desktop(hub, "b")
    svc_a, svc_b = service(a), service(b)
    svc_a.load_demo(2, seed=4)
    sync(a), sync(b)
    patient = svc_a.store.search_patients("0")[0]
    svc_a.save_resources([{**patient, "gender": "other"}])
    obs = next(r for r in svc_a.store.chart(patient["id"]) if r["resourceType"] == "Observation")
    with svc_a.store.transaction():
        svc_a.store.delete("Observation", obs["id"])
        svc_a.store.outbox.enqueue("Observation", obs["id"], "delete")
    assert sync(a).pushed == 2 + 1 + 1  # the two changes, the audit entry of the edit, the trail's anchor
    report = sync(b)
    assert report.pulled >= 1 and report.deleted == 1
    assert svc_b.store.get("Patient", patient["id"])["gender"] == "other"
    assert svc_b.store.get("Observation", obs["id"]) is None


def test_non_overlapping_offline_edits_merge(hub: RunningHub, desktop: Factory) -> None:
    a, b = desktop(hub, "a"), desktop(hub, "b")
    svc_a, svc_b = service(a), service(b)
    svc_a.load_demo(1, seed=5)
    sync(a), sync(b)
    pid = svc_a.store.search_patients("0")[0]["id"]
    svc_a.save_resources([{**svc_a.store.get("Patient", pid), "telecom": [{"system": "phone", "value": "0899999999"}]}])
    svc_b.save_resources([{**svc_b.store.get("Patient", pid), "gender": "other"}])
    sync(a)
    report = sync(b)
    assert report.merged == 1 and report.conflicts == 0
    sync(a)
    for svc in (svc_a, svc_b):
        merged = svc.store.get("Patient", pid)
        assert merged["gender"] == "other" and merged["telecom"][0]["value"] == "0899999999"
    assert svc_a.store.version_of("Patient", pid) == svc_b.store.version_of("Patient", pid) == "3"


def test_the_same_element_edited_on_both_waits_for_a_person(hub: RunningHub, desktop: Factory) -> None:
    a, b = desktop(hub, "a"), desktop(hub, "b")
    svc_a, svc_b = service(a), service(b)
    svc_a.load_demo(1, seed=6)
    sync(a), sync(b)
    pid = svc_a.store.search_patients("0")[0]["id"]
    svc_a.save_resources([{**svc_a.store.get("Patient", pid), "gender": "other"}])
    svc_b.save_resources([{**svc_b.store.get("Patient", pid), "gender": "unknown", "birthDate": "1950-05-05"}])
    sync(a)
    report = sync(b)
    assert report.conflicts == 1
    [conflict] = svc_b.store.outbox.conflicts()
    assert conflict["elements"] == ["gender"] and conflict["remote"]["gender"] == "other"
    assert svc_b.store.get("Patient", pid)["gender"] == "unknown"  # nothing lost while it waits
    b.close()
    cli = run_cli("--data-dir", str(b.folder.path), "sync")
    assert cli.returncode == EXIT_CONFLICTS, cli.stderr
    resolve_conflict(svc_b.store, "Patient", pid, {"gender": "remote"}, actor=DEVICE)
    assert sync(b).conflicts == 0
    sync(a)
    for svc in (svc_a, svc_b):
        final = svc.store.get("Patient", pid)
        assert (final["gender"], final["birthDate"]) == ("other", "1950-05-05")
    assert hub_count(hub, "Provenance") == 1


def test_an_unreachable_hub_keeps_everything_queued(hub: RunningHub, desktop: Factory) -> None:
    a = desktop(hub, "a", url="http://127.0.0.1:9/fhir")
    svc = service(a)
    svc.load_demo(1, seed=7)
    before = [(e.type, e.id) for e in svc.store.outbox.entries()]
    with pytest.raises(HubUnreachableError):
        sync(a)
    assert [(e.type, e.id) for e in svc.store.outbox.entries() if e.type != "AuditEvent"] == before
    assert "cannot be reached" in svc.store.settings.get("last_sync_error")
    a.close()
    # The child's retries wait a hundredth of the real policy's (still six attempts): at most
    # 0.16 s in all, where the real waits (random, up to 0.5 * 2^n s) took 7.75 s on average.
    cli = run_cli("--data-dir", str(a.folder.path), "sync", env={RETRY_SCALE_ENV: "0.01"})
    assert cli.returncode == EXIT_HUB_UNREACHABLE and "queued" in cli.stderr and "Traceback" not in cli.stderr


def test_the_retry_waits_can_be_scaled_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv(RETRY_SCALE_ENV, raising=False)
    assert HubClient("http://127.0.0.1:9/fhir", auth=False).retry == RetryPolicy() == RetryPolicy(6, 0.5, 20.0)
    monkeypatch.setenv(RETRY_SCALE_ENV, "0.01")
    scaled = HubClient("http://127.0.0.1:9/fhir", auth=False).retry
    assert scaled == RetryPolicy(attempts=6, base_seconds=0.005, cap_seconds=0.2)
    assert max(scaled.delay(n, random.Random(n), None) for n in range(6)) <= 0.2
    assert scaled.delay(0, random.Random(1), 60.0) == 0.2  # a server's Retry-After is capped as well
    for wrong in ("0", "-1", "fast", "nan", "inf"):  # ignored, said in the log
        monkeypatch.setenv(RETRY_SCALE_ENV, wrong)
        assert RetryPolicy.from_environment() == RetryPolicy()
    assert "CLINIC_APP_RETRY_SCALE='fast' is not a positive number" in caplog.text


def test_a_refused_change_is_set_aside_and_the_rest_go_on(hub: RunningHub, desktop: Factory) -> None:
    a = desktop(hub, "a")
    svc = service(a)
    svc.load_demo(3, seed=8)
    cid = svc.store.search_patients("0")[0]["identifier"][0]["value"]
    svc.save_resources([{"resourceType": "Consent", "status": "active",  # only the patient may activate
                         "scope": {"text": "patient-privacy"}, "category": [{"text": "consent"}],
                         "patient": {"identifier": {"system": "https://terms.sil-th.org/id/th-cid", "value": cid}}}])
    report = sync(a)
    assert report.failed == 1 and hub_count(hub, "Patient") == 3
    [entry] = svc.store.outbox.entries(states=("failed",))
    assert entry.type == "Consent" and "HTTP 403" in entry.reason and "patient" in entry.reason


def test_works_against_a_plain_fhir_server_without_the_extras(tmp_path: Path, desktop: Factory) -> None:
    plain = limited_hub(tmp_path, max_bundle_entries=7, transactions=False, everything=False, tag_search=False)
    try:
        a = desktop(plain, "a", auth=False)
        b = desktop(plain, "b", auth=False)
        svc_a = service(a)
        svc_a.load_demo(2, seed=9)
        total = sum(svc_a.store.counts_by_type().values())
        trail = len(svc_a.store.audit.unsynced())
        report = sync(a)
        assert report.pushed == report.push_requests == total + trail + 1  # one request per change, no transactions
        assert sync(b).pulled == total
        assert service(b).store.counts_by_type() == svc_a.store.counts_by_type()
    finally:
        plain.stop()


def test_a_bundle_refused_as_too_large_is_split(tmp_path: Path, desktop: Factory) -> None:
    small = limited_hub(tmp_path, max_bundle_entries=10)
    try:
        a = desktop(small, "a", auth=False)
        svc = service(a)
        svc.load_demo(3, seed=10)
        total = sum(svc.store.counts_by_type().values())
        client = HubClient(small.url, auth=False)
        stats = Pusher(svc.store, client, bundle_size=40).run()
        client.close()
        assert stats.pushed == total and stats.failed == 0
        assert hub_count(small, "Patient") == 3 and svc.store.outbox.counts() == {}
    finally:
        small.stop()


def test_the_audit_trail_reaches_the_hub_once(hub: RunningHub, desktop: Factory) -> None:
    a = desktop(hub, "a")
    svc = service(a)
    svc.load_demo(1, seed=12)
    rows = svc.store.audit.rows()
    sync(a)
    sync(a)
    from clinic_app.hub.search import parse

    found, _ = hub.engine.store.search("AuditEvent", parse("AuditEvent", [("_count", "100")]))
    actions = sorted(e.resource["subtype"][0]["code"] for e in found)
    assert [a for a in actions if a != "audit-anchor"] == sorted(r[3] for r in rows)  # init, demo-data: each once
    assert actions.count("audit-anchor") == 1  # the second sync had no new entries: no new anchor
    assert svc.store.audit.unsynced() == [] and "AuditEvent" not in svc.store.counts_by_type()
