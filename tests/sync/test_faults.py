"""Exactly once through a hostile network, and through a sync killed at chosen points: for
creates, for updates (If-Match, after a first sync) and for deletes."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from clinic_app.hub.server import RunningHub
from clinic_app.services.installation import Installation
from clinic_app.sync.errors import HubUnreachableError
from tests.sync.conftest import Factory, service, sync
from tests.sync.faultproxy import FaultProxy

Key = tuple[str, str]


def _sync_until_through(inst, rounds: int = 30) -> None:  # type: ignore[no-untyped-def]
    for _ in range(rounds):
        try:
            report = sync(inst)
        except HubUnreachableError:
            continue
        if report.pending == 0:
            return
    raise AssertionError("sync never got through")


def _hub_versions(hub: RunningHub, *, audit: bool = False, deleted: bool = False) -> dict[Key, int]:
    with hub.engine.store.lock:
        rows = hub.engine.store._conn.execute("SELECT type, id, version FROM resources WHERE deleted = ?",
                                              (int(deleted),)).fetchall()
    return {(t, i): v for t, i, v in rows if (t == "AuditEvent") == audit}


def _hub_history(hub: RunningHub) -> int:
    """Every version the hub has ever written (creates, updates, deletes): it only grows."""
    with hub.engine.store.lock:
        return int(hub.engine.store._conn.execute("SELECT count(*) FROM history").fetchone()[0])


def _local(inst) -> dict[Key, str | None]:  # type: ignore[no-untyped-def]
    store = inst.connect()
    try:
        rows = store.conn.execute("SELECT type, id, version_id FROM resources WHERE deleted = 0").fetchall()
        return {(t, i): v for t, i, v in rows if t != "AuditEvent"}
    finally:
        store.close()


def _queued(inst: Installation) -> int:
    store = inst.connect()
    try:
        return sum(store.outbox.counts().values())
    finally:
        store.close()


def _trail_ids(inst) -> set[Key]:  # type: ignore[no-untyped-def]
    store = inst.connect()
    try:
        return {("AuditEvent", f"{inst.installation_id[:18]}-audit-{row[0]}") for row in store.audit.rows()}
    finally:
        store.close()


def _edited(resource: dict, mark: str) -> dict:  # type: ignore[type-arg]
    """A real change to a record: a new phone number for a patient, a note on anything else."""
    if resource["resourceType"] == "Patient":
        return {**resource, "telecom": [{"system": "phone", "value": mark}]}
    return {**resource, "note": [{"text": f"edit {mark}"}]}


def _edit(inst: Installation, keys: list[Key], mark: str) -> None:
    svc = service(inst)
    try:
        svc.save_resources([_edited(svc.store.get(t, i), f"{mark}{n:04d}") for n, (t, i) in enumerate(keys)])
    finally:
        svc.store.close()


def _delete(inst: Installation, keys: list[Key]) -> None:
    store = inst.connect()
    try:
        with store.transaction():
            for rtype, rid in keys:
                assert store.delete(rtype, rid)
                store.outbox.enqueue(rtype, rid, "delete")
    finally:
        store.close()


def _of_type(keys: set[Key], rtype: str) -> list[Key]:
    return sorted(k for k in keys if k[0] == rtype)


def test_thousands_of_changes_from_three_desktops_reach_the_hub_exactly_once(hub: RunningHub, desktop: Factory) -> None:
    # Besides the random faults, the first Bundles carrying updates and the first carrying
    # deletes lose their answer after the hub committed them (twice) or have it cut short:
    # the resend must not make a second version (nor a second tombstone).
    proxy = FaultProxy(hub.url, rate=0.3, seed=11,
                       script={"update": ["drop_after_commit", "truncate", "drop_after_commit"],
                               "delete": ["drop_after_commit", "truncate", "drop_after_commit"]})
    try:
        desks = [desktop(hub, name, url=proxy.url) for name in ("a", "b", "c")]
        expected: dict[Key, int] = {}
        own: list[set[Key]] = []
        for n, inst in enumerate(desks):
            svc = service(inst)
            svc.load_demo(40, seed=100 + n, batch=10)
            own.append(set(_local(inst)))
            edited = svc.store.search_patients("0", limit=5)
            svc.save_resources([{**p, "gender": "other"} for p in edited])  # edits before the first sync squash
            svc.store.close()
        for keys in own:
            expected.update(dict.fromkeys(keys, 1))
        assert len(expected) > 2000
        for inst in desks:
            _sync_until_through(inst)
        for inst in desks:  # and once more, to pull what the others sent
            _sync_until_through(inst)
        assert _hub_versions(hub) == expected  # nothing lost, nothing extra; creates resent made no new versions
        assert {kind for kind, _ in proxy.seen} == {"create", "read"}  # no update nor delete went out yet

        # Round 2: each desktop edits and deletes some of its own records, synced before: they go
        # out as If-Match updates and deletes, in small Bundles so that updates and deletes
        # travel apart and many requests cross the proxy.
        tombstones: dict[Key, int] = {}
        picked = []
        for n, inst in enumerate(desks):
            store = inst.connect()
            with store.transaction():
                store.settings.set("sync_bundle_size", 10)
            store.close()
            patients, observations = _of_type(own[n], "Patient"), _of_type(own[n], "Observation")
            edit_p, edit_o, gone = patients[:8], observations[:8], observations[8:14]
            _edit(inst, edit_p + edit_o, f"08{n}2")
            _edit(inst, edit_p[:1], f"08{n}3")  # edited twice before a sync: one update goes out
            _delete(inst, gone)
            expected.update(dict.fromkeys(edit_p + edit_o, 2))
            for key in gone:
                tombstones[key] = expected.pop(key) + 1
            picked.append((patients, observations, edit_p, edit_o))
        for inst in desks:
            _sync_until_through(inst)
        for inst in desks:
            _sync_until_through(inst)
        # Round 3: each desktop edits and deletes records another desktop made (pulled here):
        # some edited in round 2 (to version 3), some not touched yet (to version 2).
        for n, inst in enumerate(desks):
            patients, observations, edit_p, edit_o = picked[(n + 1) % 3]
            again, fresh = edit_p[4:], patients[8:12]
            _edit(inst, again + fresh, f"08{n}4")
            gone = edit_o[:3] + observations[14:17]
            _delete(inst, gone)
            for key in again + fresh:
                expected[key] += 1
            for key in gone:
                tombstones[key] = expected.pop(key) + 1
        for inst in desks:
            _sync_until_through(inst)
        for inst in desks:
            _sync_until_through(inst)

        versions = _hub_versions(hub)
        assert versions == expected  # each create once, each synced update batch exactly one new version
        assert {v for k, v in versions.items() if k in set().union(*(p[2] for p in picked))} == {2, 3}
        assert len(tombstones) == 3 * (6 + 6)
        assert _hub_versions(hub, deleted=True) == tombstones  # each deleted once: no second tombstone on a resend
        trails = {k: v for k, v in _hub_versions(hub, audit=True).items()  # every desktop's audit trail, each
                  if "-anchor-" not in k[1]}                                 # entry once (anchors aside)
        assert set(trails) == set().union(*(_trail_ids(inst) for inst in desks)) and set(trails.values()) == {1}
        for inst in desks:
            assert _queued(inst) == 0
            assert _local(inst) == {k: str(v) for k, v in versions.items()}  # every desktop agrees with the hub
        assert sum(proxy.counts[f] for f in ("reset", "drop_after_commit", "truncate", "503", "429")) > 20
        for kind in ("update", "delete"):  # the answers lost after the commit did reach these changes
            assert proxy.seen[(kind, "drop_after_commit")] >= 2 and proxy.seen[(kind, "truncate")] >= 1
            assert proxy.delivered[kind] > 0
    finally:
        proxy.stop()


# -- SIGKILL --------------------------------------------------------------------------------------

_PROGRESS = re.compile(rb"\r(push|pull) (\d+)/(\d+|\?)")


@dataclass
class Killed:
    """One killed `clinic-app sync` run: what it had reported done, and what the hub and the
    desktop held just after the kill."""

    reported: int
    hub: int
    desk: int
    out: tuple[int, int] | None  # push: (changes out when killed, those of them the hub had applied)
    held: str  # what the answer held back when the run was killed answered: "create", "update", "delete", "read"


def _is_push(line: bytes) -> bool:
    return line.startswith(b"POST ") and line.split(b" ")[1].rstrip(b"/").count(b"/") == 1  # the Bundle endpoint


def _is_page(line: bytes) -> bool:
    return line.startswith(b"GET ") and b"_sort=_lastUpdated" in line  # a page of a pull


class _Terminal:
    """A run's stderr, a terminal (the CLI prints its progress only on one), read by the
    test's thread and by the proxy's, whichever comes first; `reported` is the last count
    the run printed for `phase`."""

    def __init__(self, phase: str) -> None:
        self.master, self.slave = pty.openpty()
        os.set_blocking(self.master, False)
        self.phase, self.reported, self.closed = phase.encode(), 0, False
        self._out, self._lock = b"", threading.Lock()

    def drain(self) -> int:
        with self._lock:
            while not self.closed:
                try:
                    chunk = os.read(self.master, 65536)
                except BlockingIOError:
                    break
                except OSError:  # EIO: the run has ended or been killed
                    chunk = b""
                if not chunk:
                    self.closed = True
                    break
                tail = self._out[-64:] + chunk
                self._out += chunk
                done = [int(m.group(2)) for m in _PROGRESS.finditer(tail) if m.group(1) == self.phase]
                self.reported = done[-1] if done else self.reported
            return self.reported

    def text(self) -> str:
        return self._out.decode(errors="replace")


@dataclass
class Trial:
    """`clinic-app sync` run again and again on one data folder, each run SIGKILLed while it
    is in the middle of its work, until a run finishes by itself.

    Where: once a run has itself reported `step` changes done in `phase` (push: acknowledged
    and committed; pull: stored and committed; read from the CLI's progress line, which it
    prints on a terminal), the kill comes when the hub has answered the run's next push
    Bundle (it has committed it) or pull page, before that answer reaches the desktop: the
    worst moment, the hub a step ahead of what the desktop knows. And only while `margin`
    changes or more are certainly left (`left()`, asked before each run, less what the run
    reported), so that no kill lands after the work is done.

    Kills follow progress, not a timer: on a loaded machine a timer lands during start-up
    or after the work (in an older version of this trial, four of six kills made no
    progress). `hub()` and `desk()` are measured after each kill; `assert_moved` checks
    they moved from kill to kill."""

    link: FaultProxy
    folder: Path
    phase: str
    step: int
    margin: int
    left: Callable[[], int]
    hub: Callable[[], int]
    desk: Callable[[], int]
    out: Callable[[], tuple[int, int]] | None = None
    kills: list[Killed] = field(default_factory=list)

    def run(self, *, limit: int = 12) -> None:
        for _ in range(limit):
            if self._once(self.left()):
                return
            if len(self.kills) >= 2 and self.kills[-1].desk == self.kills[-2].desk:
                raise AssertionError(f"{self.phase}: a killed run kept nothing of its work: {self.kills}")
        raise AssertionError(f"{self.phase}: still not through after {limit} runs: {self.kills}")

    def _once(self, left: int) -> bool:
        """One run: True when it finished by itself (and succeeded), False when killed."""
        term = _Terminal(self.phase)
        proc = subprocess.Popen([sys.executable, "-m", "clinic_app", "--data-dir", str(self.folder), "sync"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=term.slave)
        os.close(term.slave)
        at = _is_push if self.phase == "push" else _is_page
        killed, held = [False], [""]

        def on_answer(kind: str, line: bytes) -> bool:  # on the proxy's thread, holding the hub's answer
            if not killed[0] and at(line):
                # What the run printed before it sent this request is all there is to read: the
                # decision uses the run's progress up to now, however late the test's thread is.
                reported = term.drain()
                if reported >= self.step and left - reported >= self.margin:
                    os.kill(proc.pid, signal.SIGKILL)
                    killed[0], held[0] = True, kind
            return killed[0]

        self.link.on_answer = on_answer
        deadline = time.monotonic() + 240  # generous: a loaded 2-core machine
        try:
            while not term.closed:
                if time.monotonic() > deadline:
                    proc.kill()
                    raise AssertionError(f"{self.phase}: a run did not finish in time:\n{term.text()}")
                select.select([term.master], [], [], 0.5)
                term.drain()
        finally:
            self.link.on_answer = None
            proc.wait(timeout=60)
            os.close(term.master)
        if not killed[0]:
            assert proc.returncode == 0, term.text()
            return True
        assert proc.returncode == -signal.SIGKILL
        self.kills.append(Killed(term.reported, self.hub(), self.desk(), self.out() if self.out else None, held[0]))
        return False

    def assert_moved(self, *, start: tuple[int, int], end: tuple[int, int], kills: int = 2) -> None:
        """At least `kills` kills; at each, the hub's and the desktop's counts had moved since
        the one before (work done and kept: resumed, not redone) and had not yet reached the
        end (work interrupted mid-way)."""
        assert len(self.kills) >= kills, (self.phase, self.kills)
        hub = [start[0]] + [k.hub for k in self.kills] + [end[0]]
        desk = [start[1]] + [k.desk for k in self.kills] + [end[1]]
        for series in (hub, desk):
            rising = series[0] < series[-1]
            assert all((b > a) if rising else (b < a) for a, b in zip(series, series[1:])), \
                (self.phase, hub, desk, self.kills)
        if self.out is not None:  # each push killed with a Bundle out that the hub had committed (and
            # maybe the next on its way, or marked to go: push.IN_FLIGHT Bundles travel at once)
            assert all(k.out is not None and k.out[0] >= k.out[1] > 0 for k in self.kills), self.kills


def _out(inst: Installation, hub: RunningHub) -> tuple[int, int]:
    """(changes the desktop had out, in state "sending"; those of them the hub has applied)."""
    store = inst.connect()
    try:
        out = store.outbox.entries(states=("sending",), limit=100_000)
    finally:
        store.close()
    with hub.engine.store.lock:
        held = {(t, i): (v, bool(d)) for t, i, v, d in
                hub.engine.store._conn.execute("SELECT type, id, version, deleted FROM resources").fetchall()}

    def applied(op: str, key: Key, base: str | None) -> bool:
        version, deleted = held.get(key, (0, False))
        if op == "delete":
            return deleted
        return version > int(base or 0) and not deleted

    return len(out), sum(applied(e.op, (e.type, e.id), e.base_version) for e in out)


def test_a_sync_killed_mid_way_again_and_again_finishes_exactly_once(hub: RunningHub, desktop: Factory) -> None:
    """Creates pushed from one desktop and pulled by another, then updates and deletes the
    same way, each phase under repeated SIGKILLs that land while work is under way."""
    # Every request a little late, like a slow link (the kills themselves follow progress).
    link = FaultProxy(hub.url, rate=1.0, seed=3, faults=("delay",), delay=(0.002, 0.02))
    try:
        _killed_sync(hub, desktop, link)
    finally:
        link.stop()


def _killed_sync(hub: RunningHub, desktop: Factory, link: FaultProxy) -> None:
    bundle, page = 20, 40
    a, b = desktop(hub, "a", url=link.url), desktop(hub, "b", url=link.url)
    svc = service(a)
    svc.load_demo(60, seed=21, batch=60)
    for inst, name, value in ((a, "sync_bundle_size", bundle), (b, "sync_page_size", page)):
        store = inst.connect()
        with store.transaction():
            store.settings.set(name, value)
        store.close()
    made = set(_local(a))
    svc.store.close()
    a.close()
    b.close()
    total = len(made)
    assert total > 1000

    def pushing() -> Trial:  # each run killed after ~1/4 of the queue, with 3 Bundles or more left
        queued = _queued(a)
        return Trial(link, a.folder.path, "push", step=queued // 4, margin=3 * bundle, left=lambda: _queued(a),
                     hub=lambda: _hub_history(hub), desk=lambda: _queued(a), out=lambda: _out(a, hub))

    # 1. Creates, pushed.
    push, start = pushing(), (_hub_history(hub), _queued(a))
    push.run()
    push.assert_moved(start=start, end=(_hub_history(hub), _queued(a)))
    assert {k.held for k in push.kills} == {"create"}
    assert _hub_versions(hub) == dict.fromkeys(made, 1)  # each once, though some were resent after a kill
    assert _local(a) == {k: "1" for k in made} and _queued(a) == 0

    # 2. Pulled by the other desktop, each run killed after ~1/4, with 2 pages or more left.
    have = lambda: len(_local(b))  # noqa: E731
    pull = Trial(link, b.folder.path, "pull", step=total // 4, margin=2 * page, left=lambda: total - have(),
                 hub=lambda: link.delivered["read"], desk=have)
    start = (link.delivered["read"], have())
    pull.run()
    pull.assert_moved(start=start, end=(link.delivered["read"], have()))
    assert _local(b) == {k: "1" for k in made} and _queued(b) == 0
    # resumed where it stopped: what the killed runs reported is about what they added, not
    # the same first pages again (at most a record per type pulled twice at each restart)
    before = [start[1]] + [k.desk for k in pull.kills]
    assert all(k.reported <= k.desk - had + 20 for k, had in zip(pull.kills, before)), pull.kills

    # 3. Updates (If-Match, based on version 1) and deletes, pushed from the first desktop:
    # the deletes go last, so that the first kill lands on a Bundle of updates, the second on
    # one of deletes.
    changed = _of_type(made, "Patient") + _of_type(made, "Condition")
    gone = _of_type(made, "Observation")[:150]
    _edit(a, changed, "0811")
    _delete(a, gone)
    push, start = pushing(), (_hub_history(hub), _queued(a))
    push.run()
    push.assert_moved(start=start, end=(_hub_history(hub), _queued(a)))
    assert {"update", "delete"} <= {k.held for k in push.kills}, push.kills
    expected = {**dict.fromkeys(made - set(gone), 1), **dict.fromkeys(changed, 2)}
    assert _hub_versions(hub) == expected  # each update once
    assert _hub_versions(hub, deleted=True) == dict.fromkeys(gone, 2)  # each delete once
    assert _local(a) == {k: str(v) for k, v in expected.items()} and _queued(a) == 0

    # 4. ... pulled by the other desktop (smaller pages: fewer records changed), killed while
    # pulling the updates; the deletes follow.
    page = 20
    store = b.connect()
    with store.transaction():
        store.settings.set("sync_page_size", page)
    store.close()
    updated = lambda: sum(v == "2" for v in _local(b).values())  # noqa: E731
    pull = Trial(link, b.folder.path, "pull", step=len(changed) // 4, margin=2 * page,
                 left=lambda: len(changed) - updated(), hub=lambda: link.delivered["read"], desk=updated)
    start = (link.delivered["read"], updated())
    pull.run()
    pull.assert_moved(start=start, end=(link.delivered["read"], updated()))
    assert _local(b) == {k: str(v) for k, v in expected.items()} and _queued(b) == 0
