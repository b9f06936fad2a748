"""When to sync: on demand, every few minutes, and as soon as the hub answers again.

`SyncScheduler` owns one background thread. It probes the hub (a cheap `GET metadata`,
no retries) every `probe_seconds` while offline and every two minutes while online (each
request costs on a rural link; a sync also tells), runs a sync when asked, when
`interval_seconds` have passed since the last one, or when the hub comes back after being
unreachable. Its state (online or offline, running, last report, last error) goes to an
`on_state` callback, which the window turns into the status bar (through a Qt signal, on
its own thread). Nothing here touches Qt.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from clinic_app.core.errors import KnownError
from clinic_app.sync.engine import Progress, SyncReport
from clinic_app.sync.errors import HubUnreachableError

log = logging.getLogger(__name__)

RunSync = Callable[[Callable[[], bool], Progress], SyncReport]


@dataclass(frozen=True)
class SyncState:
    online: bool | None = None  # None: not known yet
    running: bool = False
    phase: str = ""  # connect, push, pull or verify
    done: int = 0
    total: int = 0
    bytes: int = 0  # on the wire so far
    eta_seconds: float | None = None  # time left, where it can be told
    last_report: SyncReport | None = None
    last_error: str | None = None  # the Thai line, a newline, the English line


class SyncScheduler:
    def __init__(self, run_sync: RunSync, probe: Callable[[], bool], *, interval_seconds: float = 300,
                 probe_seconds: float = 30, on_state: Callable[[SyncState], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._run_sync = run_sync
        self._probe = probe
        self.interval = interval_seconds
        self.probe_every = probe_seconds
        self._on_state = on_state or (lambda state: None)
        self._clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._cancel = threading.Event()
        self._requested = False
        self._last_sync = float("-inf")
        self._last_probe = float("-inf")
        self.online_probe_every = max(probe_seconds, 120.0)  # seconds between probes while online
        self.state = SyncState()
        self._thread = threading.Thread(target=self._loop, name="sync-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def configure(self, probe: Callable[[], bool], *, interval_seconds: float) -> None:
        """A new hub address or interval (a setting changed): used from the next probe on."""
        self._probe = probe
        self.interval = interval_seconds
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._cancel.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def request_sync(self) -> None:
        """"Sync now": run as soon as the thread is free."""
        self._requested = True
        self._wake.set()

    def cancel(self) -> None:
        self._cancel.set()

    def _set(self, **changes: Any) -> None:
        self.state = replace(self.state, **changes)
        try:
            self._on_state(self.state)
        except Exception:  # noqa: BLE001 - a listener's bug must not stop syncing
            log.exception("sync state listener failed")

    def _loop(self) -> None:
        while not self._stop.is_set():
            due = self._clock() - self._last_sync >= self.interval
            if self._requested or (self.state.online and due):
                self._sync()
            elif not self.state.online or self._clock() - self._last_probe >= self.online_probe_every:
                # offline or not known yet: a cheap question every probe_seconds; online, only
                # now and then (a rural link pays for every request; a sync says it too)
                was = self.state.online
                self._last_probe = self._clock()
                online = self._safe_probe()
                self._set(online=online)
                if online and (was is not True or due):
                    self._sync()  # the link came back (or the first look): go at once
            left = self.interval - (self._clock() - self._last_sync)
            wait = self.probe_every if not self.state.online else min(self.online_probe_every, left)
            self._wake.wait(timeout=max(0.01, wait))
            self._wake.clear()

    def _safe_probe(self) -> bool:
        try:
            return bool(self._probe())
        except Exception:  # noqa: BLE001 - any failure to reach the hub means offline
            return False

    def _sync(self) -> None:
        self._requested = False
        self._cancel.clear()
        self._set(running=True, phase="connect", done=0, total=0, bytes=0, eta_seconds=None)
        try:
            report = self._run_sync(self._cancel.is_set,
                                    lambda p: self._set(phase=p.phase, done=p.done, total=p.total, bytes=p.bytes,
                                                        eta_seconds=p.eta_seconds()))
        except HubUnreachableError as exc:
            self._set(online=False, running=False, last_error=f"{exc.thai}\n{exc.english}")
        except KnownError as exc:
            self._set(online=True, running=False, last_error=f"{exc.thai}\n{exc.english}")
        except Exception:  # noqa: BLE001 - the bug tier: logged; the scheduler keeps going
            log.exception("sync failed")
            self._set(running=False, last_error="ข้อผิดพลาดภายใน ดูไฟล์บันทึก\ninternal error; see the log")
        else:
            self._set(online=True, running=False, last_report=report, last_error=report.problem())
        finally:
            self._last_sync = self._clock()
