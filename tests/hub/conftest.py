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
