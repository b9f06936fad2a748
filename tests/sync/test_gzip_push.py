"""Pushes go gzip-compressed to a hub that says it takes them (issue 18: the upload is the
narrow side of a rural link), plain to one that does not say so, and plain again after a 415."""

from __future__ import annotations

import gzip
import json
import random

import httpx

from clinic_app.core.permissions import DEVICE
from clinic_app.hub.server import RunningHub
from clinic_app.services.records import RecordService
from clinic_app.sync.client import HubClient
from tests.sync.conftest import Factory, hub_count, sync


def test_a_push_is_compressed_on_the_wire_and_arrives_whole(hub: RunningHub, desktop: Factory) -> None:
    a = desktop(hub, "a")
    store = a.connect()
    RecordService(store, actor=DEVICE).load_demo(40, seed=2)
    queued = sum(store.outbox.counts().values())
    plain_bytes = sum(len(json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode())
                      for r in store.iter_resources())
    store.close()
    report = sync(a)
    assert report.failed == 0 and report.pushed >= queued
    assert hub_count(hub, "Patient") == 40
    assert report.bytes_sent < plain_bytes / 4  # sent plain, the Bundles would be larger than the records themselves


def test_without_the_hubs_word_or_after_a_415_bodies_go_plain() -> None:
    seen: list[tuple[str | None, bytes]] = []

    def server(request: httpx.Request) -> httpx.Response:
        encoding = request.headers.get("content-encoding")
        seen.append((encoding, request.content))
        if encoding == "gzip":
            return httpx.Response(415, json={"resourceType": "OperationOutcome"})
        return httpx.Response(200, json={"resourceType": "Bundle", "type": "transaction-response", "entry": []})

    big = {"resourceType": "Bundle", "type": "transaction", "entry": [{"resource": {"text": "ก" * 2000}}]}
    client = HubClient("http://127.0.0.1:1/fhir", auth=False, transport=httpx.MockTransport(server),
                       rng=random.Random(1), sleep=lambda s: None)
    client.request("POST", "", json_body=big)
    assert seen[-1][0] is None  # the server never said it takes gzip: plain
    client.gzip_requests = True  # as a hub's CapabilityStatement sets it
    response = client.request("POST", "", json_body=big)
    assert response.status_code == 200 and [e for e, _ in seen[-2:]] == ["gzip", None]  # refused, then plain
    assert json.loads(gzip.decompress(seen[-2][1])) == json.loads(seen[-1][1])
    client.request("POST", "", json_body=big)
    assert seen[-1][0] is None and not client.gzip_requests  # remembered
