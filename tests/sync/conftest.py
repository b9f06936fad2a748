from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from clinic_app.core.permissions import DEVICE
from clinic_app.hub.engine import Limits
from clinic_app.hub.server import RunningHub, start_in_thread
from clinic_app.security.device import enrolment
from clinic_app.security.keys import KeyStore
from clinic_app.services.installation import Installation, configure_hub, initialise
from clinic_app.services.records import RecordService
from clinic_app.services.sync import sync_now
from clinic_app.sync.client import RetryPolicy
from clinic_app.sync.engine import SyncReport

UNIT = "99999"
FAST_RETRY = {"retry": RetryPolicy(attempts=4, base_seconds=0.01, cap_seconds=0.05)}


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[RunningHub]:
    running = start_in_thread(tmp_path / "hub", auth=True)
    yield running
    running.stop()


Factory = Callable[..., Installation]


@pytest.fixture
def desktop(tmp_path: Path, keystore: KeyStore) -> Iterator[Factory]:
    made: list[Installation] = []

    def make(hub: RunningHub, name: str, *, hcode: str = UNIT, url: str | None = None, auth: bool = True) -> Installation:
        inst = initialise(tmp_path / name, hcode=hcode, keys=keystore)
        configure_hub(inst, url or hub.url, auth=auth)
        if auth:
            hub.hub.authority.enroll(enrolment(inst.device(), hcode))
        made.append(inst)
        return inst

    yield make
    for inst in made:
        inst.forget_secrets()
        inst.close()


def sync(inst: Installation, **options: object) -> SyncReport:
    return sync_now(inst, client_options={**FAST_RETRY, **options.pop("client_options", {})}, **options)  # type: ignore[arg-type]


def service(inst: Installation) -> RecordService:
    return RecordService(inst.connect(), actor=DEVICE)


def hub_count(hub: RunningHub, rtype: str) -> int:
    from clinic_app.hub.search import parse

    return hub.engine.store.count(rtype, parse(rtype, []))


def limited_hub(tmp_path: Path, **limits: object) -> RunningHub:
    return start_in_thread(tmp_path / "plain-hub", auth=False, limits=Limits(**limits))  # type: ignore[arg-type]
