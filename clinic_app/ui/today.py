"""Today's list, the front desk's home: who came today and who is expected (an
appointment due today), by time, each with their state in words (waiting, being seen, done,
expected, taken off), who is seeing them and why they came.

A clerk puts a patient on the list from the find page (Ctrl+T), from a chart ("ส่งเข้ารายการ
วันนี้") or, after registering someone, from the chart that opens with that button focused
(Enter). A nurse opens the visit from here (Enter): a waiting patient becomes "being seen"
by them and the visit form opens; saved, the line reads "done". A patient expected by
appointment is put on the list by the same Enter. The form closed without saving leaves the
patient being seen; Enter opens it again. A waiting patient who left is taken off (Delete;
kept as cancelled). The list follows every change that touches visits or
appointments, this desktop's or a sync's, and starts again at midnight.

Everything goes through the unit session on the database worker; nothing here reads the
database or the network itself.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_app.core.changes import ChangeSet
from clinic_app.services.visits import TodayRow, VisitForm
from clinic_app.ui.i18n import format_date
from clinic_app.ui.tasks import ChangeBus, DbWorker, RefreshesWhenShown
from clinic_app.ui.visit_form import VisitDialog, open_visit_form
from clinic_app.ui.widgets import bold, record_table, show_error

# What a change must touch for the list to be read again.
LIST_TYPES = {"Encounter", "Appointment", "Patient", "Practitioner"}
STATE_COLOURS = {"waiting": "#8a4b00", "being-seen": "#1f4e79", "done": "#1b7f3b", "expected": "#555555",
                 "cancelled": "#999999"}


def state_words() -> dict[str, str]:
    """Today's list's states in the window's language."""
    return {"waiting": QCoreApplication.translate("TodayPage", "รอตรวจ"),
            "being-seen": QCoreApplication.translate("TodayPage", "กำลังตรวจ"),
            "done": QCoreApplication.translate("TodayPage", "เสร็จแล้ว"),
            "expected": QCoreApplication.translate("TodayPage", "นัดไว้ ยังไม่มา"),
            "cancelled": QCoreApplication.translate("TodayPage", "ยกเลิก")}


def clock(text: str) -> str:
    """HH:MM of an ISO date-time, on this computer's clock ("" when it has no time)."""
    try:
        moment = _dt.datetime.fromisoformat(text)
    except ValueError:
        return ""
    return f"{(moment.astimezone() if moment.tzinfo else moment):%H:%M}"


def announce(widget: QWidget, text: str) -> None:
    """A line in the window's status bar for a while (nothing when there is no window)."""
    window = widget.window()
    if isinstance(window, QMainWindow):
        window.statusBar().showMessage(text, 10_000)


def check_in(widget: QWidget, worker: DbWorker, bus: ChangeBus, patient_id: str, *,
             on_done: Callable[[], None] | None = None) -> None:
    """Put a patient on today's list (waiting), on the worker; the window's status bar says
    so, or that they were on it already."""
    def work(unit: Any, _p: Any) -> tuple[Any, str]:
        done = unit.visits.check_in(patient_id)
        name = next((r.name for r in unit.visits.today() if r.encounter_id == done.value["id"]), "")
        return done, name

    def finished(found: tuple[Any, str]) -> None:
        done, name = found
        bus.result(done, widget)
        if done.changes.empty:
            announce(widget, QCoreApplication.translate("TodayPage", "{name} อยู่ในรายการวันนี้แล้ว").format(name=name))
        else:
            announce(widget, QCoreApplication.translate("TodayPage", "ส่ง {name} เข้ารายการวันนี้แล้ว (รอตรวจ)").format(
                name=name))
        if on_done is not None:
            on_done()

    worker.submit(work, on_done=finished, on_error=lambda error: show_error(widget, error))


class TodayPage(RefreshesWhenShown, QWidget):
    """Today's list: Enter opens the selected patient's visit (see the module docstring),
    Delete takes a waiting patient off, Ctrl+O opens the chart."""

    chart_wanted = Signal(str)  # a patient's id: open their chart

    def __init__(self, worker: DbWorker, bus: ChangeBus) -> None:
        super().__init__()
        self.worker, self.bus = worker, bus
        bus.changes_applied.connect(self._on_bus_changes_applied)
        self.rows: list[TodayRow] = []
        self.refreshes = 0  # how many times the list was read (tests watch it)
        self.shown_day = _dt.date.today()
        self.title = bold(QLabel())
        self.title.setObjectName("todayTitle")
        self.summary = QLabel()
        self.summary.setObjectName("todaySummary")
        columns = [self.tr("เวลา"), "HN", self.tr("ชื่อ-สกุล"), self.tr("สถานะ"), self.tr("ผู้ตรวจ"),
                   self.tr("อาการ / เหตุที่นัด")]
        self.table = record_table(columns, name="todayTable", accessible=self.tr(
            "รายการผู้ป่วยวันนี้ (Enter เปิดการตรวจ, Delete เอาออกจากรายการ)"))
        self.table.cellDoubleClicked.connect(lambda row, _col: self.open_row(row))
        self.table.currentCellChanged.connect(lambda *_a: self._update_buttons())
        QShortcut(QKeySequence(Qt.Key.Key_Return), self.table, context=Qt.ShortcutContext.WidgetShortcut,
                  activated=lambda: self.open_row(self.table.currentRow()))
        QShortcut(QKeySequence(Qt.Key.Key_Enter), self.table, context=Qt.ShortcutContext.WidgetShortcut,
                  activated=lambda: self.open_row(self.table.currentRow()))
        QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table, context=Qt.ShortcutContext.WidgetShortcut,
                  activated=lambda: self.cancel_row(self.table.currentRow()))
        QShortcut(QKeySequence("Ctrl+O"), self, activated=lambda: self.open_chart_of(self.table.currentRow()))
        self.open_button = QPushButton(self.tr("เปิดการตรวจ (Enter)"))
        self.open_button.setObjectName("todayOpen")
        self.open_button.clicked.connect(lambda: self.open_row(self.table.currentRow()))
        self.cancel_button = QPushButton(self.tr("เอาออกจากรายการ (Delete)"))
        self.cancel_button.setObjectName("todayCancel")
        self.cancel_button.setToolTip(self.tr("ผู้ป่วยกลับไปก่อนได้ตรวจ: เก็บไว้เป็น ยกเลิก ไม่ลบ"))
        self.cancel_button.clicked.connect(lambda: self.cancel_row(self.table.currentRow()))
        self.chart_button = QPushButton(self.tr("เปิดแฟ้มผู้ป่วย (Ctrl+O)"))
        self.chart_button.setObjectName("todayChart")
        self.chart_button.clicked.connect(lambda: self.open_chart_of(self.table.currentRow()))
        hint = QLabel(self.tr("เพิ่มผู้ป่วยเข้ารายการ: ค้นหา (Ctrl+F) แล้วกด Ctrl+T หรือปุ่ม \"ส่งเข้ารายการวันนี้\""))
        hint.setObjectName("todayHint")
        hint.setStyleSheet("color:#555;")
        hint.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.summary)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.chart_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(hint)
        self._midnight = QTimer(self)
        self._midnight.setInterval(60_000)
        self._midnight.timeout.connect(self._on_midnight_timeout)
        self._midnight.start()
        self.setFocusProxy(self.table)  # the page shown: Enter opens the selected line at once
        self._update_buttons()
        self.refresh()

    # -- reading the list -----------------------------------------------------------------------

    def _on_bus_changes_applied(self, wrapped: list[Any]) -> None:
        changes: ChangeSet = wrapped[0]
        if changes.types & LIST_TYPES:
            self.refresh_soon()

    def _on_midnight_timeout(self) -> None:
        if _dt.date.today() != self.shown_day:
            self.refresh_soon()

    def refresh(self) -> None:
        self.worker.submit(lambda unit, _p: unit.visits.today(), on_done=self._show,
                           on_error=lambda error: show_error(self, error))

    def _show(self, rows: list[TodayRow]) -> None:
        self.refreshes += 1
        self.shown_day = _dt.date.today()
        keep = self._key(self.table.currentRow())
        self.rows = list(rows)
        words = state_words()
        self.title.setText(self.tr("รายการวันนี้ {day}").format(day=format_date(self.shown_day)))
        count = {state: sum(r.state == state for r in rows) for state in words}
        self.summary.setText(self.tr("รอตรวจ {waiting} · กำลังตรวจ {seen} · เสร็จแล้ว {done} · นัดไว้ยังไม่มา {expected}")
                             .format(waiting=count["waiting"], seen=count["being-seen"], done=count["done"],
                                     expected=count["expected"]))
        self.table.setUpdatesEnabled(False)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            cells = [clock(row.since), row.hn, row.name, words.get(row.state, row.state), row.seen_by, row.reason]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 3:
                    item.setForeground(QBrush(QColor(STATE_COLOURS.get(row.state, "#000000"))))
                    font = QFont(item.font())
                    font.setBold(row.state in ("waiting", "being-seen"))
                    item.setFont(font)
                if row.state == "cancelled":
                    item.setForeground(QBrush(QColor(STATE_COLOURS["cancelled"])))
                self.table.setItem(r, c, item)
        for c in range(self.table.columnCount() - 1):
            self.table.resizeColumnToContents(c)
        self.table.setUpdatesEnabled(True)
        again = next((i for i in range(len(rows)) if self._key(i) == keep), None) if keep else None
        if again is not None:
            self.table.setCurrentCell(again, 0)
        elif rows and self.table.currentRow() < 0:
            first = next((i for i, r in enumerate(rows) if r.state == "waiting"),
                         next((i for i, r in enumerate(rows) if r.state == "being-seen"), 0))
            self.table.setCurrentCell(first, 0)
        self._update_buttons()

    def _key(self, index: int) -> tuple[str, str | None] | None:
        if not 0 <= index < len(self.rows):
            return None
        return self.rows[index].patient_id, self.rows[index].encounter_id

    def _row(self, index: int) -> TodayRow | None:
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def _update_buttons(self) -> None:
        row = self._row(self.table.currentRow())
        state = row.state if row else ""
        self.open_button.setEnabled(row is not None)
        self.chart_button.setEnabled(row is not None)
        self.cancel_button.setEnabled(state == "waiting")
        if state == "expected":
            self.open_button.setText(self.tr("มาตามนัด: เข้ารายการ (Enter)"))
        elif state in ("done", "cancelled"):
            self.open_button.setText(self.tr("เปิดแฟ้มผู้ป่วย (Enter)"))
        else:
            self.open_button.setText(self.tr("เปิดการตรวจ (Enter)"))

    # -- acting on a line ---------------------------------------------------------------------

    def open_row(self, index: int) -> VisitDialog | None:
        """Enter on a line: waiting, the visit opens (being seen, by whoever is signed in)
        and its form; being seen, the form; expected, the patient is put on the list; done
        or taken off, the chart."""
        row = self._row(index)
        if row is None:
            return None
        if row.state == "waiting" and row.encounter_id:
            eid = row.encounter_id

            def opened(outcome: Any) -> None:
                self.bus.result(outcome, self)
                self.open_form(row)

            self.worker.submit(lambda unit, _p: unit.visits.open_visit(eid), on_done=opened,
                               on_error=lambda error: show_error(self, error))
            return None
        if row.state == "being-seen" and row.encounter_id:
            return self.open_form(row)
        if row.state == "expected":
            check_in(self, self.worker, self.bus, row.patient_id)
            return None
        self.chart_wanted.emit(row.patient_id)
        return None

    def open_form(self, row: TodayRow) -> VisitDialog:
        """The visit form of a line on the list; saved, that visit is done."""
        pid, eid = row.patient_id, row.encounter_id

        def save(unit: Any, form: VisitForm) -> Any:
            return unit.visits.save(pid, form, encounter_id=eid)

        self.form = open_visit_form(self, self.worker, self.bus, pid, patient_name=row.name, save=save,
                                    complaint=row.reason)
        return self.form

    def cancel_row(self, index: int) -> QMessageBox | None:
        """Take a waiting patient off the list (they left before being seen), once confirmed."""
        row = self._row(index)
        if row is None or row.state != "waiting" or not row.encounter_id:
            return None
        eid = row.encounter_id
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("เอาออกจากรายการวันนี้"),
                          self.tr("เอา {name} ออกจากรายการวันนี้หรือไม่? (ผู้ป่วยกลับไปก่อนได้ตรวจ "
                                  "การรับบริการนี้จะเก็บไว้เป็น ยกเลิก)").format(name=row.name),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("confirmTakeOff")
        box.setTextFormat(Qt.TextFormat.PlainText)  # the patient's name: never read as HTML
        box.setDefaultButton(QMessageBox.StandardButton.No)

        def confirmed() -> None:
            self.worker.submit(lambda unit, _p: unit.visits.cancel(eid),
                               on_done=lambda changes: self.bus.broadcast(changes, self),
                               on_error=lambda error: show_error(self, error))

        box.accepted.connect(confirmed)
        box.finished.connect(lambda _result: box.deleteLater())
        box.open()
        return box

    def open_chart_of(self, index: int) -> None:
        row = self._row(index)
        if row is not None:
            self.chart_wanted.emit(row.patient_id)
