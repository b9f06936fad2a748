"""Exactly once through a hostile network, and through a sync killed at random points."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from clinic_app.hub.server import RunningHub
from clinic_app.sync.errors import HubUnreachableError
from tests.sync.conftest import Factory, service, sync
from tests.sync.faultproxy import FaultProxy


def _sync_until_through(inst, rounds: int = 30) -> None:  # type: ignore[no-untyped-def]
    for _ in range(rounds):
        try:
            report = sync(inst)
        except HubUnreachableError:
            continue
        if report.pending == 0:
            return
    raise AssertionError("sync never got through")


def _hub_versions(hub: RunningHub, *, audit: bool = False) -> dict[tuple[str, str], int]:
    rows = hub.engine.store._conn.execute("SELECT type, id, version FROM resources WHERE deleted = 0").fetchall()
    return {(t, i): v for t, i, v in rows if (t == "AuditEvent") == audit}


def _local(inst) -> dict[tuple[str, str], str | None]:  # type: ignore[no-untyped-def]
    store = inst.connect()
    try:
        rows = store.conn.execute("SELECT type, id, version_id FROM resources WHERE deleted = 0").fetchall()
        return {(t, i): v for t, i, v in rows if t != "AuditEvent"}
    finally:
        store.close()


def _trail_ids(inst) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    store = inst.connect()
    try:
        return {("AuditEvent", f"{inst.installation_id[:18]}-audit-{row[0]}") for row in store.audit.rows()}
    finally:
        store.close()


def test_thousands_of_changes_from_three_desktops_reach_the_hub_exactly_once(hub: RunningHub, desktop: Factory) -> None:
    proxy = FaultProxy(hub.url, rate=0.3, seed=11)
    try:
        desks = [desktop(hub, name, url=proxy.url) for name in ("a", "b", "c")]
        expected: dict[tuple[str, str], int] = {}
        for n, inst in enumerate(desks):
            svc = service(inst)
            svc.load_demo(40, seed=100 + n, batch=10)
            for key in _local(inst):
                expected[key] = 1
            edited = svc.store.search_patients("0", limit=5)
            svc.save_resources([{**p, "gender": "other"} for p in edited])  # edits before the first sync squash
            svc.store.close()
        assert len(expected) > 2000
        for inst in desks:
            _sync_until_through(inst)
        for inst in desks:  # and once more, to pull what the others sent
            _sync_until_through(inst)
        versions = _hub_versions(hub)
        assert set(versions) == set(expected)  # nothing lost, nothing extra
        assert set(versions.values()) == {1}  # each change applied once: resends made no new versions
        trails = {k: v for k, v in _hub_versions(hub, audit=True).items()  # every desktop's audit trail, each
                  if "-anchor-" not in k[1]}                                 # entry once (anchors aside)
        assert set(trails) == set().union(*(_trail_ids(inst) for inst in desks)) and set(trails.values()) == {1}
        for inst in desks:
            store = inst.connect()
            assert store.outbox.counts() == {}
            store.close()
            assert _local(inst) == {k: str(v) for k, v in versions.items()}  # every desktop agrees with the hub
        assert sum(proxy.counts[f] for f in ("reset", "drop_after_commit", "truncate", "503", "429")) > 20
    finally:
        proxy.stop()


def _kill_trials(folder: Path, rng: random.Random, trials: int) -> int:
    kills = 0
    for _ in range(trials):
        proc = subprocess.Popen([sys.executable, "-m", "clinic_app", "--data-dir", str(folder), "sync"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 1.2))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
    final = subprocess.run([sys.executable, "-m", "clinic_app", "--data-dir", str(folder), "sync"],
                           capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    return kills


def test_a_sync_killed_at_random_points_finishes_exactly_once(hub: RunningHub, desktop: Factory) -> None:
    # A slow link (every request delayed) so that the kills land in the middle of the work.
    slow = FaultProxy(hub.url, rate=1.0, seed=3, faults=("delay",))
    try:
        _killed_sync(hub, desktop, slow.url)
    finally:
        slow.stop()


def _killed_sync(hub: RunningHub, desktop: Factory, url: str) -> None:
    a, b = desktop(hub, "a", url=url), desktop(hub, "b", url=url)
    svc = service(a)
    svc.load_demo(100, seed=21, batch=50)
    with svc.store.transaction():
        svc.store.settings.set("sync_bundle_size", 25)
    expected = set(_local(a))
    svc.store.close()
    a.close()
    rng = random.Random(5)
    assert _kill_trials(a.folder.path, rng, 10) >= 3  # killed while pushing
    versions = _hub_versions(hub)
    assert set(versions) == expected and set(versions.values()) == {1}
    assert _local(a) == {k: "1" for k in expected}
    store = a.connect()
    assert store.outbox.counts() == {}
    store.close()
    other = b.connect()
    with other.transaction():
        other.settings.set("sync_page_size", 50)
    other.close()
    b.close()
    assert _kill_trials(b.folder.path, rng, 6) >= 2  # killed while pulling: it resumes
    assert _local(b) == {k: "1" for k in expected}
