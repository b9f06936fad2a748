"""Health of the link: clock skew warnings, count checks that repair a diverged desktop,
progress and cancel."""

from __future__ import annotations

import datetime as dt

import pytest

from clinic_app.hub.server import RunningHub
from clinic_app.services.sync import make_client
from clinic_app.sync.engine import SyncCancelled, SyncEngine
from tests.sync.conftest import FAST_RETRY, UNIT, Factory, service, sync


def _engine(inst, store, **kw):  # type: ignore[no-untyped-def]
    return SyncEngine(store, make_client(inst, store, **FAST_RETRY), hcode=UNIT, **kw)


def test_a_clock_far_from_the_hubs_gives_a_warning_and_nothing_else(hub: RunningHub, desktop: Factory) -> None:
    a = desktop(hub, "a")
    store = a.connect()
    fast = _engine(a, store, clock=lambda: dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=42)).run()
    assert fast.clock_skew_seconds is not None and fast.clock_skew_seconds > 2000
    assert len(fast.warnings) == 1 and "42 minutes ahead" in fast.warnings[0] and "นาฬิกา" in fast.warnings[0]
    assert _engine(a, store).run().warnings == []
    assert store.checkpoints.get("last_sync")  # recorded from the hub's clock
    store.close()


def test_a_count_mismatch_is_reported_and_that_type_pulled_again(hub: RunningHub, desktop: Factory) -> None:
    a, b = desktop(hub, "a"), desktop(hub, "b")
    svc_a = service(a)
    svc_a.load_demo(4, seed=30)
    sync(a), sync(b)
    store = b.connect()
    lost = store.conn.execute("SELECT id FROM resources WHERE type = 'Condition' LIMIT 1").fetchone()[0]
    store.conn.execute("DELETE FROM resources WHERE type = 'Condition' AND id = ?", (lost,))
    assert sync(b).mismatches == []  # the counts were compared at the first sync: not again today
    report = sync(b, verify_counts=True)
    assert report.mismatches and report.mismatches[0].startswith("Condition: here")
    assert store.get("Condition", lost) is not None
    stale = {"resourceType": "Condition", "id": "stale-1", "subject": {"reference": "Patient/x"},
             "meta": {"tag": [{"system": "https://terms.sil-th.org/id/th-moph-hcode", "code": UNIT}]}}
    with store.transaction():
        store.put(stale, version_id="1")  # something the hub never had, with no change waiting
    assert sync(b, verify_counts=True).mismatches[0].startswith("Condition: here")
    assert store.get("Condition", "stale-1") is None
    assert store.counts_by_type() == svc_a.store.counts_by_type()
    assert sync(b).mismatches == []  # a mismatch makes the next sync count again: all agree now
    store.close()


def test_progress_is_reported_and_a_cancel_stops_between_bundles(hub: RunningHub, desktop: Factory) -> None:
    a = desktop(hub, "a")
    svc = service(a)
    svc.load_demo(10, seed=31)
    total = sum(svc.store.counts_by_type().values())
    seen: list[tuple[str, int, int]] = []
    bytes_seen: list[int] = []

    def progress(p) -> None:  # type: ignore[no-untyped-def]
        seen.append((p.phase, p.done, p.total))
        bytes_seen.append(p.bytes)

    calls = {"n": 0}

    def cancelled() -> bool:
        calls["n"] += 1
        return any(phase == "push" for phase, _, _ in seen)

    with pytest.raises(SyncCancelled):
        _engine(a, svc.store, bundle_size=20, progress=progress, cancelled=cancelled).run()
    pushes = [p for p in seen if p[0] == "push"]
    assert pushes[0][0] == "push" and 0 < pushes[0][1] <= 20 and pushes[0][2] == total  # a Bundle (ends with a patient)
    assert bytes_seen[-1] > bytes_seen[0]  # the bytes on the wire grow as the Bundles go
    assert 0 < svc.store.outbox.counts()["pending"] < total  # stopped part-way, the rest still queued
    assert sync(a).pending == 0


def test_the_count_check_never_drops_local_work_the_hub_never_had(hub: RunningHub, desktop: Factory) -> None:
    a = desktop(hub, "a")
    svc = service(a)
    svc.load_demo(2, seed=33)
    sync(a)
    svc.load_demo(1, seed=34)
    unsent = svc.store.search_patients("0", limit=100)
    svc.store.conn.execute("DELETE FROM outbox")  # local records with no outbox entry, never on the hub
    report = sync(a, verify_counts=True)
    assert report.mismatches == []  # only what the hub acknowledged is compared
    assert len(svc.store.search_patients("0", limit=100)) == len(unsent)  # nothing of it was dropped


def test_a_count_mismatch_that_pulling_again_does_not_heal_is_a_failed_sync(hub: RunningHub, desktop: Factory) -> None:
    from clinic_app.core.errors import EXIT_FAILURE
    from clinic_app.core.identifiers import HCODE_SYSTEM
    from tests.conftest import run_cli

    a = desktop(hub, "a")
    service(a).load_demo(1, seed=31)
    assert sync(a).unhealed == []
    # A record the hub counts among this unit's but that says it is another facility's first:
    # what a hub that took two facility tags would hold (this hub now refuses them).
    odd = {"resourceType": "Patient", "meta": {"tag": [{"system": HCODE_SYSTEM, "code": "10669"},
                                                       {"system": HCODE_SYSTEM, "code": UNIT}]}}
    with hub.engine.store.transaction():
        hub.engine.store.put("Patient", "two-tags", odd)
    report = sync(a, verify_counts=True)
    assert report.unhealed == ["Patient: here 1, hub 2"]
    assert "still differ" in (report.problem() or "") and "ไม่ตรงกัน" in (report.problem() or "")
    a.close()
    cli = run_cli("--data-dir", str(a.folder.path), "sync")
    assert cli.returncode == EXIT_FAILURE and "still differ" in cli.stderr
