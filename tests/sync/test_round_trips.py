"""Round trips are what a rural link pays for (issue 18): a sync with nothing to do costs at
most two requests, one with two changes at most five, and what was just pushed is not
stored again. Counted on the wire under the client, against the sandbox hub with auth."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import httpx

from clinic_app.core.permissions import DEVICE
from clinic_app.hub.server import RunningHub
from clinic_app.services.records import RecordService
from tests.sync.conftest import Factory, sync


class Counting(httpx.BaseTransport):
    """The real HTTP transport, counting each request by method and path."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.seen: list[str] = []
        self.pulled: list[str] = []  # "Type/id" of every resource a search or batch of searches answered

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(f"{request.method} {request.url.path}")
        response = self.inner.handle_request(request)
        if request.method == "GET" or request.url.path.endswith("/fhir/"):
            response.read()
            try:
                body = json.loads(response.content)  # read() has inflated it
            except ValueError:
                return response
            pages = [e.get("resource") or {} for e in body.get("entry", []) or []] if body.get("type") == "batch-response" \
                else [body]
            self.pulled += [f"{r['resourceType']}/{r['id']}" for page in pages if page.get("type") == "searchset"
                            for r in (e.get("resource") or {} for e in page.get("entry", []) or []) if r.get("id")]
        return response

    def close(self) -> None:
        self.inner.close()


def counted(inst: Any, **options: Any) -> tuple[Any, list[str]]:
    wire = Counting()
    report = sync(inst, client_options={"transport": wire}, **options)
    report.wire = wire  # type: ignore[attr-defined]
    return report, wire.seen


def test_an_idle_sync_costs_two_requests_and_two_changes_five(hub: RunningHub, desktop: Factory) -> None:
    a, b = desktop(hub, "a"), desktop(hub, "b")
    svc = RecordService(a.connect(), actor=DEVICE)
    svc.load_demo(3, seed=5)
    first, _ = counted(a)
    assert first.pushed > 0 and first.pending == 0
    mine = {f"{r['resourceType']}/{r['id']}" for r in svc.store.iter_resources()}
    assert not mine & set(first.wire.pulled)  # what the sync had just pushed did not come back
    idle, seen = counted(a)
    assert len(seen) <= 2, seen  # a token and one batch of every search
    assert idle.pulled == 0 and idle.pushed == 0
    # nor at the next sync, but for the last of each type: a checkpoint is asked for with `ge`
    # (records stamped the same instant are never lost), so the one at the boundary comes again
    assert len(mine & set(idle.wire.pulled)) <= len({m.split("/")[0] for m in mine}) < len(mine) / 5
    assert Counter(s.split()[0] for s in seen) == Counter({"POST": len(seen)})

    patient = svc.store.get("Patient", svc.store.search_patients("0", limit=1)[0]["id"])
    changed = dict(patient, gender="other" if patient.get("gender") != "other" else "female")
    svc.save_resources([changed])  # the patient, and its audit entry at the next sync
    two, seen = counted(a)
    assert 1 <= two.pushed and len(seen) <= 5, seen
    assert two.pulled == 0 and f"Patient/{patient['id']}" not in two.wire.pulled  # not pulled back

    # The other desktop sees the changes with its own few requests.
    counted(b)
    assert b.connect().get("Patient", patient["id"]) is not None


def test_the_count_check_runs_on_the_first_sync_after_a_failure_and_once_a_day(hub: RunningHub, desktop: Factory) -> None:
    import datetime as dt

    from clinic_app.services.sync import make_client
    from clinic_app.sync.engine import SyncEngine
    from tests.sync.conftest import FAST_RETRY, UNIT

    a = desktop(hub, "a")
    store = a.connect()
    RecordService(store, actor=DEVICE).load_demo(2, seed=6)

    def run(days: float = 0) -> tuple[Any, list[str]]:
        wire = Counting()
        later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=days)
        client = make_client(a, store, transport=wire, **FAST_RETRY)
        try:
            return SyncEngine(store, client, hcode=UNIT, clock=lambda: later).run(), wire.seen
        finally:
            client.close()

    _, first = run()
    assert "GET /fhir/metadata" in first and store.checkpoints.get("verify:last")
    _, idle = run()
    assert len(idle) == 2  # no metadata, no counts: a token and the pull's batch
    _, next_day = run(days=1.1)
    assert "GET /fhir/metadata" in next_day and len(next_day) == 4  # the capability and the counts asked again
    with store.transaction():
        store.settings.set("last_sync_error", "ระบบกลางไม่ตอบ\nthe hub did not answer")
    _, after_failure = run(days=1.1)
    assert "GET /fhir/metadata" in after_failure and len(after_failure) == 4
    store.close()


def test_the_pull_asks_for_the_next_page_before_storing_the_last(hub: RunningHub, desktop: Factory) -> None:
    from clinic_app.services.sync import make_client
    from clinic_app.sync.pull import Puller, scopes_for
    from tests.sync.conftest import UNIT

    a, b = desktop(hub, "a"), desktop(hub, "b")
    RecordService(a.connect(), actor=DEVICE).load_demo(12, seed=7)
    sync(a)
    events: list[str] = []
    wire = Counting()
    original = wire.handle_request

    def logged(request: httpx.Request) -> httpx.Response:
        if "_sort=_lastUpdated" in str(request.url) or "_cursor" in str(request.url):
            events.append("asked")
        return original(request)

    wire.handle_request = logged  # type: ignore[method-assign]
    store = b.connect()
    apply = store.outbox.apply_pulled_page

    def stored(rtype: str, resources: list[Any]) -> Any:
        events.append("stored")
        return apply(rtype, resources)

    store.outbox.apply_pulled_page = stored  # type: ignore[method-assign]
    client = make_client(b, store, transport=wire)
    capability = client.capability()
    patients = next(s for s in scopes_for(UNIT, capability) if s.name == "own:Patient")
    puller = Puller(store, client, page_size=3)
    puller.pull(patients)
    client.close()
    assert puller.stats.pulled == 12 and events.count("stored") >= 4  # four pages (and maybe an empty last)
    assert events.index("asked", 1) < events.index("stored")  # page 2 was on its way before page 1 was stored
    assert len(store.outbox.own_ids("Patient", UNIT)) == 12
    store.close()


def test_a_terminal_shows_a_bar_bytes_and_the_time_left() -> None:
    from clinic_app.cli import progress_line
    from clinic_app.core.progress import SyncProgress

    line = progress_line(SyncProgress("pull", 2500, 10000, bytes=3_400_000, seconds=30))
    assert line.startswith("\rpull 2500/10000 [#####...............]  25% 3.4 MB ~1:30 left")
    assert progress_line(SyncProgress("pull", 700, 0, bytes=0, seconds=3)).strip() == "pull 700/?"


def test_a_hub_that_no_longer_takes_what_its_kept_capability_said_is_asked_again_in_the_same_sync(
        tmp_path, desktop: Factory) -> None:  # type: ignore[no-untyped-def]
    from tests.sync.conftest import limited_hub

    plain = limited_hub(tmp_path, tag_search=False)  # a server without _tag search
    try:
        a = desktop(plain, "a", auth=False)
        RecordService(a.connect(), actor=DEVICE).load_demo(1, seed=8)
        assert sync(a).pending == 0
        store = a.connect()
        kept = json.loads(store.checkpoints.get("hub:profile"))
        assert kept["capability"]["tag_search"] is False
        kept["capability"]["tag_search"] = True  # as if the server had said so yesterday
        with store.transaction():
            store.checkpoints.set("hub:profile", json.dumps(kept))
        report = sync(a)  # its _tag searches are refused (400): asked again, pulled as it says now
        assert report.pending == 0 and report.failed == 0
        assert json.loads(store.checkpoints.get("hub:profile"))["capability"]["tag_search"] is False
        store.close()
    finally:
        plain.stop()
