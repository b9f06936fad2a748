"""Background work without freezing the window.

`DbWorker` runs functions on one worker thread that owns the UI's database connection
(writes are serialised, as in Anki's collection executor). Results, errors and progress
come back to the main thread through Qt signals (queued across threads); code that runs
on the worker never touches a widget. A task can be cancelled: its progress callback then
returns False and the service stops at its next step.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from clinic_app.core.errors import KnownError
from clinic_app.store.records import RecordStore

log = logging.getLogger(__name__)

Work = Callable[[RecordStore, Callable[[int, int], bool]], Any]


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


class DbWorker(QObject):
    """Runs work on the one thread that owns the UI's store."""

    crashed = Signal(str)

    def __init__(self, open_store: Callable[[], RecordStore], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._open_store = open_store
        self._store: RecordStore | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clinic-db")
        self._bridge = _Bridge()
        self._bridge.delivered.connect(self._on_bridge_delivered)
        self.pending = 0
        self._closed = False

    def submit(self, work: Work, *, on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[KnownError], None] | None = None,
               on_progress: Callable[[int, int], None] | None = None) -> Task:
        task = Task(on_done, on_error, on_progress)
        self.pending += 1
        self._pool.submit(self._run, task, work)
        return task

    def _run(self, task: Task, work: Work) -> None:
        def progress(done: int, total: int) -> bool:
            self._bridge.delivered.emit(_Delivery("progress", task, done=done, total=total))
            return not task.cancelled.is_set()

        try:
            if self._store is None:
                self._store = self._open_store()
            result = work(self._store, progress)
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

    def shutdown(self) -> None:
        """Close the store on its own thread and stop; calling it again does nothing."""
        if self._closed:
            return
        self._closed = True

        def close() -> None:
            if self._store is not None:
                self._store.close()
                self._store = None

        self._pool.submit(close)
        self._pool.shutdown(wait=True)
