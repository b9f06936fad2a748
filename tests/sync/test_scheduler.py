"""The scheduler: sync on demand, detect the link going and coming back, sync on reconnect."""

from __future__ import annotations

import time
from pathlib import Path

from clinic_app.hub.server import start_in_thread
from clinic_app.services.scheduler import SyncState
from clinic_app.services.sync import scheduler_for
from clinic_app.security.device import enrolment
from tests.sync.conftest import FAST_RETRY, Factory, service
from tests.sync.faultproxy import FaultProxy


def _wait(predicate, seconds: float = 20) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_offline_then_back_online_syncs_by_itself(tmp_path: Path, desktop: Factory) -> None:
    # The desktop's hub address is a relay's, on a port the system gave it and that it holds
    # for the whole test; the hub behind it goes away and comes back on a port of its own.
    # (Asking for a free port, closing it and starting the hub on it later was a race: any
    # other process on the machine could take the port in between.)
    hub = start_in_thread(tmp_path / "hub", auth=True)
    link = FaultProxy(hub.url, rate=0.0)
    a = desktop(hub, "a", url=link.url)
    states: list[SyncState] = []
    scheduler = scheduler_for(a, on_state=states.append, client_options=FAST_RETRY)
    scheduler.probe_every = scheduler.online_probe_every = 0.1
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
        hub = start_in_thread(tmp_path / "hub", auth=True)  # the link returns
        hub.hub.authority.enroll(enrolment(a.device(), "99999"))
        link.retarget(hub.url)
        _wait(lambda: scheduler.state.online is True and not scheduler.state.running
              and scheduler.state.last_error is None)
        assert svc.store.outbox.counts() == {}
        assert any(s.running and s.phase == "push" for s in states)
    finally:
        scheduler.stop()
        hub.stop()
        link.stop()
