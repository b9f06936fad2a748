"""The hub client on its own: token renewal, refusal, Retry-After, plain http refused."""

from __future__ import annotations

import random

import httpx
import pytest

from clinic_app.hub.server import RunningHub
from clinic_app.sync.client import HubClient, RetryPolicy, check_url
from clinic_app.sync.errors import HubAuthError, HubUnreachableError, InsecureHubError
from tests.sync.conftest import Factory


def test_an_expired_token_is_renewed_once(hub: RunningHub, desktop: Factory) -> None:
    a = desktop(hub, "a")
    client = HubClient(hub.url, identity=a.device())

    def tokens() -> int:
        return int(hub.engine.store._conn.execute("SELECT count(*) FROM kv WHERE key LIKE 'token:%'").fetchone()[0])

    assert client.request("GET", "Organization").status_code == 200
    assert client.request("GET", "Organization").status_code == 200
    assert tokens() == 1  # the token is reused while it is good
    hub.engine.store._conn.execute("DELETE FROM kv WHERE key LIKE 'token:%'")  # the hub forgot it
    assert client.request("GET", "Organization").status_code == 200
    assert tokens() == 1  # renewed once, and the request went through with the new one
    client.close()


def test_a_desktop_the_hub_does_not_know_is_refused(hub: RunningHub, desktop: Factory) -> None:
    a = desktop(hub, "a")
    hub.engine.store._conn.execute("DELETE FROM kv WHERE key LIKE 'client:%'")
    client = HubClient(hub.url, identity=a.device())
    with pytest.raises(HubAuthError) as exc:
        client.request("GET", "Organization")
    assert "not enrolled" in exc.value.english and "enrol" in exc.value.english
    client.close()


def test_retry_after_is_honoured_and_attempts_are_bounded() -> None:
    calls: list[float] = []
    answers = iter([httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(503),
                    httpx.Response(200, json={"resourceType": "Bundle"})])
    transport = httpx.MockTransport(lambda request: next(answers))  # a single-class unit test
    client = HubClient("http://127.0.0.1:1/fhir", auth=False, transport=transport, sleep=calls.append,
                       rng=random.Random(1), retry=RetryPolicy(attempts=5, base_seconds=1, cap_seconds=30))
    assert client.request("GET", "Patient").status_code == 200
    assert calls[0] == 7 and 0 <= calls[1] <= 2
    assert len(calls) == 2  # two waits: three attempts, the third answered
    attempts: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        attempts.append(request.url.path)
        return httpx.Response(500)

    always = HubClient("http://127.0.0.1:1/fhir", auth=False, sleep=lambda s: None,
                       transport=httpx.MockTransport(refuse), retry=RetryPolicy(attempts=3))
    with pytest.raises(HubUnreachableError) as exc:
        always.request("GET", "Patient")
    assert "HTTP 500" in exc.value.english
    assert len(attempts) == 3  # bounded: exactly the policy's attempts, then it gives up


def test_plain_http_only_to_this_computer() -> None:
    check_url("https://cloud.moph.go.th/fhir")
    check_url("http://127.0.0.1:8765/fhir")
    check_url("http://localhost/fhir")
    with pytest.raises(InsecureHubError):
        check_url("http://cloud.example.org/fhir")
