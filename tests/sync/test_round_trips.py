"""Round trips are what a rural link pays for (issue 18): a sync with nothing to do costs at
most two requests, one with two changes at most five, and what was just pushed is not
stored again. Counted on the wire under the client, against the sandbox hub with auth."""

from __future__ import annotations

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

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(f"{request.method} {request.url.path}")
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def counted(inst: Any, **options: Any) -> tuple[Any, list[str]]:
    wire = Counting()
    report = sync(inst, client_options={"transport": wire}, **options)
    return report, wire.seen


def test_an_idle_sync_costs_two_requests_and_two_changes_five(hub: RunningHub, desktop: Factory) -> None:
    a, b = desktop(hub, "a"), desktop(hub, "b")
    svc = RecordService(a.connect(), actor=DEVICE)
    svc.load_demo(3, seed=5)
    first, _ = counted(a)
    assert first.pushed > 0 and first.pending == 0
    idle, seen = counted(a)
    assert len(seen) <= 2, seen  # a token and one batch of every search
    assert idle.pulled == 0 and idle.pushed == 0
    assert Counter(s.split()[0] for s in seen) == Counter({"POST": len(seen)})

    patient = svc.store.get("Patient", svc.store.search_patients("0", limit=1)[0]["id"])
    changed = dict(patient, gender="other" if patient.get("gender") != "other" else "female")
    svc.save_resources([changed])  # the patient, and its audit entry at the next sync
    two, seen = counted(a)
    assert 1 <= two.pushed and len(seen) <= 5, seen
    assert two.pulled == 0  # the versions just pushed are known: nothing stored again

    # The other desktop sees the changes with its own few requests.
    counted(b)
    assert b.connect().get("Patient", patient["id"]) is not None
