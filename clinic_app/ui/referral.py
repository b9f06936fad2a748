"""Referral in the window (issue 16): the referral dialog from a chart (the receiving
facility found by name or hcode in the directory, why, the diagnoses, the urgency, the
clinical summary filled in and editable; saved offline too), and the referrals page: those
addressed to this unit (accept, reject with the reason, record the result) and those it
sent, with their state, and the referral letter as a PDF. The window's status bar counts
the referrals waiting for an answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_app.core.errors import KnownError
from clinic_app.core.permissions import Actor, allowed
from clinic_app.services.referrals import ReferralRow
from clinic_app.ui.chart import _fill, _table
from clinic_app.ui.i18n import english, format_when, translate
from clinic_app.ui.printouts import offer_printout, referral_letter_html, write_pdf
from clinic_app.ui.tasks import ChangeBus, DbWorker, RefreshesWhenShown
from clinic_app.ui.widgets import show_error


def urgency_names() -> dict[str, str]:
    return {"routine": translate("Referral", "ปกติ"), "urgent": translate("Referral", "เร่งด่วน"),
            "emergency": translate("Referral", "ฉุกเฉิน")}


def state_text(row: ReferralRow) -> str:
    words = row.state_words("en" if english() else "th")
    return f"{words}: {row.answer}" if row.answer else words


class ReferralDialog(QDialog):
    """Refer one patient (from the chart): saved to the queue, sent at the next sync."""

    saved = Signal(str)  # the referral's id

    def __init__(self, worker: DbWorker, bus: ChangeBus, patient_id: str, name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker, self.bus, self.patient_id = worker, bus, patient_id
        self.setWindowTitle(self.tr("ส่งต่อผู้ป่วย — {name}").format(name=name))
        self.facility = QComboBox()
        self.facility.setObjectName("referTo")
        self.facility.setEditable(True)
        self.facility.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.facility.setAccessibleName(self.tr("สถานบริการปลายทาง (พิมพ์ชื่อหรือรหัส)"))
        self.facility.lineEdit().setPlaceholderText(self.tr("พิมพ์ชื่อหรือรหัสสถานบริการ"))
        self.reason = QLineEdit()
        self.reason.setObjectName("referReason")
        self.reason.setAccessibleName(self.tr("เหตุผลการส่งต่อ"))
        self.diagnoses = QLineEdit()
        self.diagnoses.setObjectName("referDiagnoses")
        self.diagnoses.setPlaceholderText(self.tr("รหัส ICD-10 คั่นด้วยจุลภาค เช่น K35.8, R10.3"))
        self.diagnoses.setAccessibleName(self.tr("การวินิจฉัย (รหัส ICD-10)"))
        self.urgency = QComboBox()
        self.urgency.setObjectName("referUrgency")
        self.urgency.setAccessibleName(self.tr("ความเร่งด่วน"))
        for code, label in urgency_names().items():
            self.urgency.addItem(label, code)
        self.summary = QPlainTextEdit()
        self.summary.setObjectName("referSummary")
        self.summary.setAccessibleName(self.tr("สรุปอาการและการรักษา (แก้ไขได้)"))
        self.summary.setPlaceholderText(self.tr("กำลังสรุปจากประวัติ…"))
        self.summary.setTabChangesFocus(True)
        form = QFormLayout()
        form.addRow(self.tr("ส่งต่อไปยัง"), self.facility)
        form.addRow(self.tr("เหตุผล"), self.reason)
        form.addRow(self.tr("การวินิจฉัย"), self.diagnoses)
        form.addRow(self.tr("ความเร่งด่วน"), self.urgency)
        form.addRow(self.tr("สรุปอาการ"), self.summary)
        self.note = QLabel(self.tr("บันทึกได้แม้ไม่มีอินเทอร์เน็ต ระบบจะส่งเมื่อซิงก์"))
        self.note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("บันทึกการส่งต่อ"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("ยกเลิก"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self.resize(640, 480)
        pid = patient_id
        self.worker.submit(lambda unit, _p: (unit.referrals.facilities(limit=500), unit.referrals.summary(pid)),
                           on_done=self._filled, on_error=lambda e: show_error(self, e))

    def _filled(self, found: tuple[list[tuple[str, str]], str]) -> None:
        facilities, summary = found
        for hcode, name in facilities:
            self.facility.addItem(f"{name} ({hcode})", hcode)
        self.facility.setCurrentIndex(-1)
        if not self.summary.toPlainText():
            self.summary.setPlainText(summary)
        self.summary.setPlaceholderText("")

    def chosen_facility(self) -> str:
        """The hcode of the facility chosen, or typed: a code, or words that are in exactly
        one facility's name. "" when nothing is chosen, or the words fit none or several
        (the service then refuses: a referral never goes to a facility nobody chose)."""
        text = self.facility.currentText().strip()
        if not text:
            return ""
        current = self.facility.currentIndex()
        if current >= 0 and self.facility.itemText(current) == text:
            return str(self.facility.currentData())
        if text.isdigit():
            return text
        fits = [i for i in range(self.facility.count()) if text.casefold() in self.facility.itemText(i).casefold()]
        return str(self.facility.itemData(fits[0])) if len(fits) == 1 else ""

    def save(self) -> None:
        pid, to = self.patient_id, self.chosen_facility()
        reason, urgency, summary = self.reason.text(), str(self.urgency.currentData()), self.summary.toPlainText()
        codes = [c for c in self.diagnoses.text().replace(";", ",").replace(" ", ",").split(",") if c.strip()]
        self.buttons.setEnabled(False)

        def done(outcome: Any) -> None:
            task_id = self.bus.result(outcome, self)
            self.saved.emit(task_id)
            self.accept()

        def failed(error: KnownError) -> None:
            self.buttons.setEnabled(True)
            show_error(self, error)

        self.worker.submit(lambda unit, _p: unit.referrals.create(pid, to, reason, urgency=urgency, diagnoses=codes,
                                                                  summary=summary),
                           on_done=done, on_error=failed)


class ReferralsPage(RefreshesWhenShown, QWidget):
    """Referrals to this unit (waiting ones first) and from it, with their state."""

    patient_opened = Signal(str)
    waiting_changed = Signal(int)  # referrals to this unit waiting for an answer

    @property
    def actor(self) -> Actor:
        return self.worker.session.actor

    def __init__(self, worker: DbWorker, bus: ChangeBus) -> None:
        super().__init__()
        self.worker, self.bus = worker, bus
        bus.changes_applied.connect(self._on_bus_changes_applied)
        headers = [self.tr("วันที่"), self.tr("ผู้ป่วย"), self.tr("สถานบริการ"), self.tr("ความเร่งด่วน"),
                   self.tr("เหตุผล"), self.tr("สถานะ")]
        self.incoming = _table(headers)
        self.incoming.setObjectName("incomingReferrals")
        self.incoming.setAccessibleName(self.tr("การส่งต่อมายังหน่วยนี้"))
        self.outgoing = _table(headers)
        self.outgoing.setObjectName("outgoingReferrals")
        self.outgoing.setAccessibleName(self.tr("การส่งต่อจากหน่วยนี้ (ดับเบิลคลิกหรือ Enter เพื่อเปิดแฟ้ม)"))
        for table in (self.incoming, self.outgoing):
            table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.outgoing.cellDoubleClicked.connect(lambda row, _col: self._open(row))
        QShortcut(QKeySequence(Qt.Key.Key_Return), self.outgoing, activated=lambda: self._open(self.outgoing.currentRow()),
                  context=Qt.ShortcutContext.WidgetShortcut)
        self.accept_button = QPushButton(self.tr("รับการส่งต่อ"))
        self.accept_button.setObjectName("acceptReferral")
        self.reject_button = QPushButton(self.tr("ปฏิเสธ…"))
        self.reject_button.setObjectName("rejectReferral")
        self.complete_button = QPushButton(self.tr("บันทึกผลการรักษา…"))
        self.complete_button.setObjectName("completeReferral")
        self.cancel_button = QPushButton(self.tr("ยกเลิกการส่งต่อ…"))
        self.cancel_button.setObjectName("cancelReferral")
        self.letter_button = QPushButton(self.tr("พิมพ์ใบส่งตัว…"))
        self.letter_button.setObjectName("referralLetter")
        self.summary = QPlainTextEdit()
        self.summary.setObjectName("referralSummary")
        self.summary.setReadOnly(True)
        self.summary.setAccessibleName(self.tr("สรุปอาการที่ส่งมากับการส่งต่อ"))
        self.summary.setMaximumHeight(120)
        self.message = QLabel()
        buttons = QHBoxLayout()
        for button in (self.accept_button, self.reject_button, self.complete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.letter_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("ส่งต่อมายังหน่วยนี้")))
        layout.addWidget(self.incoming, 2)
        layout.addLayout(buttons)
        layout.addWidget(self.summary)
        layout.addWidget(self.message)
        layout.addWidget(QLabel(self.tr("ส่งต่อจากหน่วยนี้")))
        layout.addWidget(self.outgoing, 2)
        below = QHBoxLayout()
        below.addWidget(self.cancel_button)
        below.addStretch(1)
        layout.addLayout(below)
        self.rows_in: list[ReferralRow] = []
        self.rows_out: list[ReferralRow] = []
        self.accept_button.clicked.connect(lambda: self.answer("accept"))
        self.reject_button.clicked.connect(lambda: self.answer("reject"))
        self.complete_button.clicked.connect(lambda: self.answer("complete"))
        self.letter_button.clicked.connect(self._on_letter_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.incoming.currentCellChanged.connect(lambda *_a: self._show_selected())
        self.outgoing.currentCellChanged.connect(lambda *_a: self._show_selected(outgoing=True))
        self.refresh()

    def _on_bus_changes_applied(self, wrapped: list[Any]) -> None:
        changes = wrapped[0]
        if {"Task", "ServiceRequest"} & (changes.types | changes.sent):
            self.refresh_soon()

    def refresh(self) -> None:
        self.worker.submit(lambda unit, _p: (unit.referrals.list(incoming=True), unit.referrals.list()),
                           on_done=self._show, on_error=lambda e: show_error(self, e))

    def _show(self, found: tuple[list[ReferralRow], list[ReferralRow]]) -> None:
        incoming, outgoing = found
        self.rows_in = sorted(incoming, key=lambda r: r.state not in ("requested", "received"))
        self.rows_out = outgoing
        urgency = urgency_names()
        for table, rows in ((self.incoming, self.rows_in), (self.outgoing, self.rows_out)):
            _fill(table, [[format_when(r.when), r.patient, f"{r.facility_name} ({r.facility})",
                           urgency.get(r.urgency, r.urgency), r.reason, state_text(r)] for r in rows])
        if self.rows_in and self.incoming.currentRow() < 0:
            self.incoming.selectRow(0)
        self._show_selected()
        self.waiting_changed.emit(sum(1 for r in self.rows_in if r.state in ("requested", "received")))

    def selected(self, *, outgoing: bool = False) -> ReferralRow | None:
        table, rows = (self.outgoing, self.rows_out) if outgoing else (self.incoming, self.rows_in)
        row = table.currentRow()
        return rows[row] if 0 <= row < len(rows) else None

    def _show_selected(self, *, outgoing: bool = False) -> None:
        chosen = self.selected(outgoing=outgoing)
        writer = allowed(self.actor, "record.write")
        incoming = self.selected()
        self.accept_button.setEnabled(writer and incoming is not None and incoming.state in ("requested", "received"))
        self.reject_button.setEnabled(writer and incoming is not None and incoming.state in ("requested", "received"))
        self.complete_button.setEnabled(writer and incoming is not None and incoming.state in ("accepted", "in-progress"))
        self.letter_button.setEnabled(chosen is not None or incoming is not None)
        mine = self.selected(outgoing=True)
        self.cancel_button.setEnabled(writer and mine is not None and mine.state in (
            "queued", "requested", "received", "accepted", "in-progress", "on-hold"))
        if chosen is None:
            self.summary.clear()
            return
        task_id = chosen.id
        self.worker.submit(lambda unit, _p: unit.referrals.get(task_id).summary,
                           on_done=self.summary.setPlainText, on_error=lambda e: show_error(self, e))

    def _open(self, row: int) -> None:
        if 0 <= row < len(self.rows_out):
            self.patient_opened.emit(self.rows_out[row].patient_id)

    def answer(self, what: str, text: str | None = None) -> None:
        """Accept, reject (asking why) or record the result of the selected incoming referral."""
        chosen = self.selected()
        if chosen is None:
            return
        if text is None and what != "accept":
            title = self.tr("ปฏิเสธการส่งต่อ") if what == "reject" else self.tr("ผลการรักษา")
            label = self.tr("เหตุผลที่ปฏิเสธ (ผู้ส่งต่อจะเห็น)") if what == "reject" else \
                self.tr("ผลการรักษา (ผู้ส่งต่อจะเห็น)")
            text, ok = QInputDialog.getText(self, title, label)
            if not ok:
                return
        task_id, said = chosen.id, text or ""

        def done(outcome: Any) -> None:
            self.bus.result(outcome, self)
            self.message.setText(self.tr("บันทึกแล้ว ผู้ส่งต่อจะเห็นหลังซิงก์"))
            self.refresh()

        self.worker.submit(lambda unit, _p: unit.referrals.answer(task_id, what, said), on_done=done,
                           on_error=lambda e: show_error(self, e))

    def _on_cancel_clicked(self) -> None:
        chosen = self.selected(outgoing=True)
        if chosen is None:
            return
        reason, ok = QInputDialog.getText(self, self.tr("ยกเลิกการส่งต่อ"),
                                          self.tr("เหตุผลที่ยกเลิก (ปลายทางจะเห็น)"))
        if not ok:
            return
        task_id = chosen.id

        def done(outcome: Any) -> None:
            self.bus.result(outcome, self)
            self.message.setText(self.tr("ยกเลิกแล้ว ปลายทางจะเห็นหลังซิงก์"))
            self.refresh()

        self.worker.submit(lambda unit, _p: unit.referrals.cancel(task_id, reason), on_done=done,
                           on_error=lambda e: show_error(self, e))

    def _on_letter_clicked(self) -> None:
        """The letter of the referral chosen, offered for a printer or a PDF file."""
        chosen = self.selected(outgoing=True) if self.outgoing.hasFocus() else (self.selected() or
                                                                               self.selected(outgoing=True))
        if chosen is not None:
            self.letter(chosen.id, lambda printout: offer_printout(self, printout))

    def write_letter(self, task_id: str, path: Path) -> None:
        """The letter straight to a PDF file (the window's tests; the button asks how)."""
        def written(printout: Any) -> None:
            try:
                write_pdf(printout, path)
            except KnownError as error:
                show_error(self, error)
                return
            self.message.setText(self.tr("เขียนใบส่งตัวแล้ว: {path}").format(path=path))

        self.letter(task_id, written)

    def letter(self, task_id: str, then: Any) -> None:
        """The letter read on the database worker, then handed to `then` on this thread."""
        self.worker.submit(lambda unit, _p: (unit.referrals.get(task_id), unit.settings().facility_name),
                           on_done=lambda found: then(referral_letter_html(found[0], facility=found[1])),
                           on_error=lambda e: show_error(self, e))
