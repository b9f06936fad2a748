from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from clinic_app.hub.engine import Limits
from clinic_app.hub.server import RunningHub, start_in_thread

FHIR = {"Content-Type": "application/fhir+json"}


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[RunningHub]:
    running = start_in_thread(tmp_path / "hub", limits=Limits(max_bundle_entries=50, max_body_bytes=2_000_000))
    yield running
    running.stop()


@pytest.fixture
def client(hub: RunningHub) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hub.url + "/", headers=FHIR, timeout=30) as c:
        yield c


class Desktop:
    """A test desktop: an EC P-384 key pair enrolled at the hub for one facility, signing
    SMART Backend Services client assertions to get bearer tokens."""

    def __init__(self, hub: RunningHub, hcode: str, *, enroll: bool = True) -> None:
        import json as _json
        import uuid as _uuid

        from cryptography.hazmat.primitives.asymmetric import ec
        from jwt.algorithms import ECAlgorithm

        self.hub, self.hcode = hub, hcode
        self.client_id = f"desktop-{hcode}-{_uuid.uuid4().hex[:8]}"
        self.private_key = ec.generate_private_key(ec.SECP384R1())
        jwk = _json.loads(ECAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update({"kid": "k1", "alg": "ES384", "use": "sig"})
        self.enrolment = {"client_id": self.client_id, "hcode": hcode, "jwks": {"keys": [jwk]}}
        if enroll:
            r = httpx.post(hub.url.rsplit("/fhir", 1)[0] + "/admin/clients", json=self.enrolment,
                           headers={"Authorization": f"Bearer {hub.hub.admin_token}"})
            assert r.status_code == 201, r.text

    def assertion(self, *, key: object | None = None, jti: str | None = None, aud: str | None = None) -> str:
        import time
        import uuid as _uuid

        import jwt

        now = int(time.time())
        claims = {"iss": self.client_id, "sub": self.client_id, "aud": aud or self.hub.token_url,
                  "exp": now + 240, "jti": jti or _uuid.uuid4().hex}
        return jwt.encode(claims, key or self.private_key, algorithm="ES384", headers={"kid": "k1"})

    def token_response(self, **extra: str) -> httpx.Response:
        form = {"grant_type": "client_credentials", "scope": "system/*.read system/*.write",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": extra.pop("assertion", None) or self.assertion(), **extra}
        return httpx.post(self.hub.token_url, data=form)

    def client(self, **extra: str) -> httpx.Client:
        r = self.token_response(**extra)
        assert r.status_code == 200, r.text
        return httpx.Client(base_url=self.hub.url + "/", timeout=30,
                            headers={**FHIR, "Authorization": f"Bearer {r.json()['access_token']}"})


@pytest.fixture
def secured_hub(tmp_path: Path) -> Iterator[RunningHub]:
    from clinic_app.hub.seed import seed_demo

    running = start_in_thread(tmp_path / "hub", auth=True)
    seed_demo(running.engine, patients=5)
    yield running
    running.stop()
