"""Background work without freezing the window, and the broadcast of what changed.

Two executors, as in Anki: `DbWorker` runs work on the one thread that owns the unit
session's connection (writes are serialised); `NetWorker` runs calls that wait on the hub
(emergency access), so no database query ever waits on the network. Results, errors and
progress come back to the main thread through Qt signals (queued across threads); code
that runs on a worker never touches a widget. A task can be cancelled: its progress
callback then returns False and the service stops at its next step.

`ChangeBus` carries each use case's ChangeSet to every page once
(`changes_applied(changes, initiator)`); each page refreshes only what the changes touch.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from clinic_app.core.changes import ChangeSet, Done
from clinic_app.core.errors import KnownError
from clinic_app.services.session import UnitSession

log = logging.getLogger(__name__)

Progress = Callable[[int, int], bool]
Work = Callable[[UnitSession, Progress], Any]


@dataclass
class Task:
    on_done: Callable[[Any], None] | None = None
    on_error: Callable[[KnownError], None] | None = None
    on_progress: Callable[[int, int], None] | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self.cancelled.set()


@dataclass
class _Delivery:
    """What the worker hands to the main thread. One object per signal: PySide6 (6.12,
    Python 3.11) has been seen to mis-count references to None passed as a separate
    `object` argument across threads, so payloads always travel wrapped."""

    kind: str
    task: Task
    payload: Any = None
    done: int = 0
    total: int = 0


class _Bridge(QObject):
    delivered = Signal(object)


class _Executor(QObject):
    """One worker thread; what it returns, raises or reports arrives on the main thread."""

    crashed = Signal(str)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._bridge = _Bridge()
        self._bridge.delivered.connect(self._on_bridge_delivered)
        self.pending = 0
        self._closed = False

    def _submit(self, call: Callable[[Progress], Any], on_done: Callable[[Any], None] | None,
                on_error: Callable[[KnownError], None] | None,
                on_progress: Callable[[int, int], None] | None) -> Task:
        task = Task(on_done, on_error, on_progress)
        if self._closed:  # the window is closing: late work (a sync's last report) is let go quietly
            task.cancel()
            return task
        self.pending += 1
        self._pool.submit(self._run, task, call)
        return task

    def _run(self, task: Task, call: Callable[[Progress], Any]) -> None:
        def progress(done: int, total: int) -> bool:
            self._bridge.delivered.emit(_Delivery("progress", task, done=done, total=total))
            return not task.cancelled.is_set()

        try:
            result = call(progress)
        except KnownError as exc:
            self._bridge.delivered.emit(_Delivery("failed", task, exc))
        except Exception:  # noqa: BLE001 - the bug tier: log with traceback, tell the window
            log.exception("background task failed")
            self._bridge.delivered.emit(_Delivery("crashed", task))
        else:
            self._bridge.delivered.emit(_Delivery("finished", task, result))

    def _on_bridge_delivered(self, d: _Delivery) -> None:
        task = d.task
        if d.kind == "progress":
            if task.on_progress is not None:
                task.on_progress(d.done, d.total)
            return
        self.pending -= 1
        if d.kind == "finished" and task.on_done is not None:
            task.on_done(d.payload)
        elif d.kind == "failed" and task.on_error is not None:
            task.on_error(d.payload)
        elif d.kind == "crashed":
            self.crashed.emit("background task failed")

    def _finish(self, last: Callable[[], None] | None = None) -> None:
        if self._closed:
            return
        self._closed = True
        if last is not None:
            self._pool.submit(last)
        self._pool.shutdown(wait=True)


class DbWorker(_Executor):
    """Runs work on the one thread that owns the unit session's connection."""

    def __init__(self, session: UnitSession, parent: QObject | None = None) -> None:
        super().__init__("clinic-db", parent)
        self.session = session

    def submit(self, work: Work, *, on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[KnownError], None] | None = None,
               on_progress: Callable[[int, int], None] | None = None) -> Task:
        return self._submit(lambda progress: work(self.session, progress), on_done, on_error, on_progress)

    def shutdown(self) -> None:
        """Close the session's connection on its own thread and stop; again does nothing."""
        self._finish(self.session.close)


class NetWorker(_Executor):
    """Runs calls that wait on the hub; they get no session (no database on this thread)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__("clinic-net", parent)

    def submit(self, call: Callable[[], Any], *, on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[KnownError], None] | None = None) -> Task:
        return self._submit(lambda _progress: call(), on_done, on_error, None)

    def shutdown(self) -> None:
        self._finish()


class RefreshesWhenShown:
    """For a page: refresh now when it is on screen, else when it is next shown (a page in
    a tab behind another does no work for changes nobody sees yet)."""

    _stale = False

    def refresh(self) -> None:
        raise NotImplementedError

    def refresh_soon(self) -> None:
        if self.isVisible():  # type: ignore[attr-defined]
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)  # type: ignore[misc]
        if self._stale:
            self._stale = False
            self.refresh()


class ChangeBus(QObject):
    """Each use case's changes, broadcast once to every page (payload: [changes, initiator])."""

    changes_applied = Signal(object)
    actor_changed = Signal(object)  # [the person now acting]

    def broadcast(self, changes: ChangeSet, initiator: object = None) -> None:
        if not changes.empty:
            self.changes_applied.emit([changes, initiator])

    def result(self, outcome: Any, initiator: object = None) -> Any:
        """Broadcast what a use case returned (a ChangeSet, a Done or something carrying
        `.changes`) and hand back its value."""
        if isinstance(outcome, ChangeSet):
            self.broadcast(outcome, initiator)
            return outcome
        changes = getattr(outcome, "changes", None)
        if isinstance(changes, ChangeSet):
            self.broadcast(changes, initiator)
        return outcome.value if isinstance(outcome, Done) else outcome
