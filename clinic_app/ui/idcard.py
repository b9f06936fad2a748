"""The ID card reader at the front desk, in the window.

A watcher thread asks the reader's state twice a second (no command goes to the card, no
database is touched) and tells the window when it changes: no reader, no card, a card. A
card inserted while the find page or the registration page is open is read off the window's
thread (the network worker: PC/SC calls can take a second or two), then looked up on the
database worker: a patient registered with its citizen ID opens in a chart; a new person
fills the registration form. What the reader is doing shows in the status bar, in words the
front desk understands; a card that cannot be read or is not a Thai ID card is said there
and on the page, and nothing is half filled (the form is filled only from a whole read).
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel

from clinic_app.core.errors import KnownError
from clinic_app.services.idcard import card_state, read_card_data
from clinic_app.ui.i18n import pick

POLL_SECONDS = 0.5


class CardWatcher(QObject):
    """Polls the reader on a thread of its own; `changed` carries each new CardState."""

    changed = Signal(object)

    def __init__(self, parent: QObject | None = None, *, interval: float = POLL_SECONDS) -> None:
        super().__init__(parent)
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="id-card-watcher", daemon=True)
        self._last: tuple[Any, Any] | None = None
        self.last_state: Any = None  # the reader's state as last seen

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                state = card_state()
            except KnownError:  # no PC/SC library at all: said once, then nothing to watch
                self.changed.emit(None)
                return
            except Exception:  # noqa: BLE001 - the smart-card service restarting: look again
                state = None
            key = (state.reader, state.atr, state.events) if state is not None else None
            if key != self._last:
                self._last = key
                self.last_state = state
                self.changed.emit(state)
            self._stop.wait(self.interval)


class CardDeskUi(QObject):
    """Wires the watcher to a main window (its find and registration pages, its workers)."""

    read_done = Signal(object)  # a CardRead, for tests and the window

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.label = QLabel()
        self.label.setObjectName("cardReader")
        window.statusBar().addPermanentWidget(self.label)
        self.watcher = CardWatcher(self)
        self.watcher.changed.connect(self._on_watcher_changed)
        self.reading = False
        self.read_for: Any = None  # the card (its ATR) in the reader that was read: read once

    def start(self) -> None:
        self.watcher.start()

    def stop(self) -> None:
        self.watcher.stop()

    def wanted(self) -> bool:
        page = self.window.tabs.currentWidget()
        return page is self.window.find or page is self.window.register

    def show_state(self, state: Any) -> None:
        """The reader's state said (and a card in it read) when the find or registration page
        opens; elsewhere the label is hidden."""
        self._on_watcher_changed(state)

    def _on_watcher_changed(self, state: Any) -> None:
        # said on the find and registration pages, where a card is used (elsewhere the
        # status bar keeps its room for the sync's progress)
        self.label.setVisible(self.wanted() or self.reading)
        if state is None or state.reader is None:
            self.label.setText(self.tr("ไม่พบเครื่องอ่านบัตร"))
            return
        if not state.present:
            self.read_for = None  # the next card in is a new one
            self.label.setText(self.tr("เครื่องอ่านบัตร: รอเสียบบัตร"))
            return
        if not self.wanted() or self.read_for == (state.atr, state.events):
            return  # elsewhere, or this card read already (a page opened again reads it no more)
        self.read()

    def read(self) -> None:
        """Read the card in the reader now (also when a page opens with a card in). A card
        swapped while one is being read is read when that read ends (`_again`)."""
        if self.reading:
            return
        state = self.watcher.last_state
        self.read_for = (state.atr, state.events) if state is not None else None
        self.reading = True
        self.label.setText(self.tr("กำลังอ่านบัตร… อย่าเพิ่งดึงบัตรออก"))
        self.window.worker.submit(lambda unit, _p: unit.card.keeps_photos(), on_done=self._read_with_photo,
                                  on_error=self._failed)

    def _read_with_photo(self, keep: bool) -> None:
        self.window.net.submit(lambda: read_card_data(photo=bool(keep)),
                               on_done=lambda data: self._interpret(data, bool(keep)), on_error=self._failed)

    def _interpret(self, data: Any, keep: bool) -> None:
        self.window.worker.submit(lambda unit, _p: unit.card.interpret(data, keep_photo=keep),
                                  on_done=self._deliver, on_error=self._failed)

    def _again(self) -> None:
        """A card put in while the last one was being read: read it now."""
        state = self.watcher.last_state
        if state is not None and state.present and self.wanted() and self.read_for != (state.atr, state.events):
            self.read()

    def _failed(self, error: KnownError) -> None:
        self.reading = False
        QTimer.singleShot(0, self._again)
        text = pick(error.thai, error.english)
        self.label.setText(text)
        page = self.window.tabs.currentWidget()
        if page is self.window.register:
            self.window.register.message.setText(text)
        elif page is self.window.find and hasattr(self.window.find, "status"):
            self.window.find.status.setText(text)

    def _deliver(self, read: Any) -> None:
        self.reading = False
        QTimer.singleShot(0, self._again)
        self.label.setText(self.tr("อ่านบัตรแล้ว") + (" · " + self.tr("บัตรหมดอายุ") if read.expired else ""))
        if not self.wanted():
            self.read_done.emit(read)  # the clerk has gone to another page meanwhile: not pulled back
            return
        if self.window.tabs.currentWidget() is self.window.find and read.patient_ids:
            self.window.open_chart(read.patient_ids[0])
        else:
            self.window.tabs.setCurrentWidget(self.window.register)
            self.window.register.fill_from_card(read)
        self.read_done.emit(read)
