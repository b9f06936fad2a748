"""Request bodies may come gzip-compressed (issue 18: a rural link's upload is the narrow
side): the hub inflates them within the same bound as a plain body, so a small bomb stays
small, and says so when the gzip is broken."""

from __future__ import annotations

import gzip
import json

import httpx

from tests.hub.conftest import FHIR

PATIENT = {"resourceType": "Patient", "id": "gz-1", "gender": "female", "birthDate": "1980-01-01"}


def test_a_gzip_body_is_read_like_a_plain_one(client: httpx.Client) -> None:
    body = gzip.compress(json.dumps(PATIENT).encode())
    put = client.put("Patient/gz-1", content=body, headers={**FHIR, "Content-Encoding": "gzip"})
    assert put.status_code in (200, 201), put.text
    assert client.get("Patient/gz-1").json()["birthDate"] == "1980-01-01"


def test_a_bomb_inflating_past_the_limit_is_refused_and_broken_gzip_is_said(client: httpx.Client) -> None:
    bomb = gzip.compress(b" " * 3_000_000 + json.dumps(PATIENT).encode())  # ~3 KB on the wire, 3 MB inflated
    assert len(bomb) < 20_000
    refused = client.put("Patient/gz-1", content=bomb, headers={**FHIR, "Content-Encoding": "gzip"})
    assert refused.status_code == 413 and "inflated" in refused.text
    broken = client.put("Patient/gz-1", content=b"\x1f\x8bnot gzip", headers={**FHIR, "Content-Encoding": "gzip"})
    assert broken.status_code == 400 and "gzip" in broken.text
    other = client.put("Patient/gz-1", content=json.dumps(PATIENT).encode(), headers={**FHIR, "Content-Encoding": "br"})
    assert other.status_code == 415
