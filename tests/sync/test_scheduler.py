"""The scheduler: sync on demand, detect the link going and coming back, sync on reconnect."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from clinic_app.hub.server import start_in_thread
from clinic_app.services.scheduler import SyncState
from clinic_app.services.sync import scheduler_for
from clinic_app.security.device import enrolment
from tests.sync.conftest import FAST_RETRY, Factory, service


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, seconds: float = 20) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_offline_then_back_online_syncs_by_itself(tmp_path: Path, desktop: Factory) -> None:
    port = _free_port()
    hub = start_in_thread(tmp_path / "hub", port=port, auth=True)
    a = desktop(hub, "a")
    states: list[SyncState] = []
    scheduler = scheduler_for(a, on_state=states.append, client_options=FAST_RETRY)
    scheduler.probe_every = 0.1
    scheduler.start()
    try:
        _wait(lambda: scheduler.state.online is True and scheduler.state.last_report is not None)
        hub.stop()
        svc = service(a)
        svc.load_demo(2, seed=40)  # saved while the link is down
        _wait(lambda: scheduler.state.online is False)  # noticed by the probe: a state, not an error
        scheduler.request_sync()  # "Sync now" while offline says why nothing went
        _wait(lambda: "cannot be reached" in (scheduler.state.last_error or ""))
        assert svc.store.outbox.counts()["pending"] > 0
        hub = start_in_thread(tmp_path / "hub", port=port, auth=True)  # the link returns
        hub.hub.authority.enroll(enrolment(a.device(), "99999"))
        _wait(lambda: scheduler.state.online is True and not scheduler.state.running
              and scheduler.state.last_error is None)
        assert svc.store.outbox.counts() == {}
        assert any(s.running and s.phase == "push" for s in states)
    finally:
        scheduler.stop()
        hub.stop()
