"""Consent and records from other facilities: ask a patient for consent (works offline),
see every request's state at a glance, see the records fetched under consent; and the
emergency-access (break-the-glass) dialog, for clinicians, with a written reason."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from clinic_app.core.errors import KnownError
from clinic_app.core.fhir import summary
from clinic_app.core.permissions import Actor, allowed
from clinic_app.services.patients import visit_details
from clinic_app.ui.chart import _fill, _table, diagnosis_text, vital_name
from clinic_app.ui.i18n import english, format_moment, format_when, pick
from clinic_app.ui.tasks import ChangeBus, DbWorker, RefreshesWhenShown
from clinic_app.ui.widgets import record_kinds, show_error

STATE_COLOURS = {"granted": "#1b7f3b", "waiting": "#8a6d00", "queued": "#555555", "rejected": "#b00020",
                 "expired": "#b00020", "revoked": "#b00020", "withdrawn": "#555555"}


def record_words(resource: dict[str, Any]) -> str:
    """A record from another facility in the window's language where the code says what it
    is: a diagnosis by its ICD-10 title, a vital sign by its name; else what it says itself."""
    details = visit_details({}, [resource])
    if details["diagnoses"]:
        return "; ".join(diagnosis_text(d) for d in details["diagnoses"])
    if details["vitals"]:
        return "; ".join(f"{vital_name(kind)} {value} {unit}".strip() for kind, value, unit in details["vitals"])
    return summary(resource)


class ConsentPage(RefreshesWhenShown, QWidget):
    """Refreshes when consents or grants change (a request here, a patient's answer pulled)."""

    @property
    def actor(self) -> Actor:
        return self.worker.session.actor

    def __init__(self, worker: DbWorker, bus: ChangeBus, emergency: Any) -> None:
        super().__init__()
        self.worker, self.bus, self._emergency = worker, bus, emergency
        bus.changes_applied.connect(self._on_bus_changes_applied)
        self.cid = QLineEdit()
        self.cid.setPlaceholderText(self.tr("เลขประจำตัวประชาชน 13 หลัก"))
        self.cid.setAccessibleName(self.tr("เลขประจำตัวประชาชนของผู้ป่วย"))
        self.days = QSpinBox()
        self.days.setRange(1, 365)
        self.days.setValue(30)
        self.days.setAccessibleName(self.tr("ขอความยินยอมกี่วัน"))
        self.ask = QPushButton(self.tr("ขอความยินยอมและประวัติ"))
        self.ask.setObjectName("askConsent")
        self.show_records = QPushButton(self.tr("ดูประวัติจากหน่วยอื่น"))
        self.emergency = QPushButton(self.tr("เข้าถึงฉุกเฉิน"))
        self.emergency.setStyleSheet("color:#b00020;")
        self.emergency.setEnabled(allowed(self.actor, "emergency.access"))
        bus.actor_changed.connect(lambda _a: self.emergency.setEnabled(allowed(self.actor, "emergency.access")))
        top = QHBoxLayout()
        for w in (QLabel(self.tr("ผู้ป่วย")), self.cid, QLabel(self.tr("วัน")), self.days, self.ask, self.show_records, self.emergency):
            top.addWidget(w)
        self.table = _table([self.tr("ผู้ป่วย"), self.tr("เลขประจำตัวประชาชน"), self.tr("สถานะ"), self.tr("ขอเมื่อ")])
        self.table.setObjectName("consentTable")
        self.table.setAccessibleName(self.tr("คำขอความยินยอม (ดับเบิลคลิกหรือ Enter เพื่อดูประวัติจากหน่วยอื่น)"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.cellDoubleClicked.connect(lambda row, _col: self.show_records_of(row))
        QShortcut(QKeySequence(Qt.Key.Key_Return), self.table, activated=lambda: self.show_records_of(self.table.currentRow()),
                  context=Qt.ShortcutContext.WidgetShortcut)
        self._rows: list[dict[str, Any]] = []
        self.records = _table([self.tr("วันที่"), self.tr("หน่วยบริการ"), self.tr("ประเภท"), self.tr("รายละเอียด"),
                               self.tr("ได้มาโดย")])
        self.records.setAccessibleName(self.tr("ประวัติจากหน่วยบริการอื่น"))
        self.message = QLabel()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(QLabel(self.tr("คำขอความยินยอม")))
        layout.addWidget(self.table)
        layout.addWidget(QLabel(self.tr("ประวัติจากหน่วยบริการอื่น (อ่านอย่างเดียว)")))
        layout.addWidget(self.records)
        self.ask.clicked.connect(self._on_ask_clicked)
        self.show_records.clicked.connect(self._on_show_records_clicked)
        self.emergency.clicked.connect(self._on_emergency_clicked)
        self.refresh()

    def _on_bus_changes_applied(self, wrapped: list[Any]) -> None:
        changes = wrapped[0]
        if "Consent" in changes.types | changes.sent or changes.grants:  # asked, sent, answered, records came
            self.refresh_soon()

    def refresh(self) -> None:
        self.worker.submit(lambda unit, _p: unit.consent.consents(), on_done=self._show,
                           on_error=lambda e: show_error(self, e))

    def _show(self, rows: list[dict[str, Any]]) -> None:
        """Each request: the patient's name (when registered here) and masked citizen ID, the
        state in colour, when it was asked."""
        self._rows = rows
        _fill(self.table, [[r["name"] or self.tr("(ไม่ได้ลงทะเบียนที่หน่วยนี้)"), r["masked_cid"],
                            pick(r["label_th"], r["label_en"]), format_moment(r["requested"] or "")] for r in rows])
        for i, r in enumerate(rows):
            self.table.item(i, 2).setForeground(QColor(STATE_COLOURS.get(r["state"], "#000")))

    def ask_for(self, cid: str) -> None:
        """Come here from a chart: the patient's citizen ID filled in, the next step focused."""
        self.cid.setText(cid)
        self.message.setText("")
        self.ask.setFocus()

    def show_records_of(self, row: int) -> None:
        """The records from other facilities of the patient of a request in the list."""
        if 0 <= row < len(self._rows) and self._rows[row]["cid"]:
            self._show_records_for(self._rows[row]["cid"])

    def _on_ask_clicked(self) -> None:
        cid, days = self.cid.text(), self.days.value()

        def done(outcome: Any) -> None:
            self.message.setText(self.tr("บันทึกคำขอแล้ว จะส่งเมื่อซิงก์"))
            self.bus.result(outcome, self)
            self.refresh()

        self.worker.submit(lambda unit, _p: unit.consent.request_consent(cid, days=days), on_done=done,
                           on_error=lambda e: show_error(self, e))

    def _on_show_records_clicked(self) -> None:
        self._show_records_for(self.cid.text())

    def _show_records_for(self, cid: str) -> None:
        def failed(error: KnownError) -> None:
            if error.code == "consent-needed":  # the window's own next step (in its language), not the CLI's
                hint = self.tr("ขอความยินยอมได้ด้วยปุ่ม “ขอความยินยอมและประวัติ” "
                               "เมื่อผู้ป่วยกดยินยอมในแอปแล้ว ประวัติจะมาหลังการซิงก์ครั้งถัดไป")
                if english():
                    error.english += "\n" + hint
                else:
                    error.thai += "\n" + hint
            show_error(self, error)

        self.worker.submit(lambda unit, _p: unit.consent.show_records(cid),
                           on_done=lambda outcome: self._show_records(self.bus.result(outcome, self)),
                           on_error=failed)

    def _show_records(self, rows: list[dict[str, Any]]) -> None:
        names = record_kinds()
        rows = sorted(rows, key=lambda r: r.get("date") or "", reverse=True)
        _fill(self.records, [[format_when(r.get("date") or ""), r["facility_name"],
                              names.get(r["resource"]["resourceType"], r["resource"]["resourceType"]),
                              record_words(r["resource"]),
                              self.tr("ความยินยอม") if r["grant"] == "consent" else self.tr("ฉุกเฉิน")] for r in rows])

    def _on_emergency_clicked(self) -> None:
        dialog = EmergencyDialog(self, self.cid.text())
        dialog.accepted.connect(lambda: self._emergency(dialog.cid.text(), dialog.reason.toPlainText(),
                                                        self._on_show_records_clicked))
        dialog.open()


class EmergencyDialog(QDialog):
    """Break the glass: who it is for, why (written out), and a confirmation."""

    def __init__(self, parent: QWidget | None, cid: str) -> None:
        from clinic_app.services.consent import MIN_REASON  # with the network code: not before the window paints

        super().__init__(parent)
        self.setWindowTitle(self.tr("เข้าถึงข้อมูลฉุกเฉิน"))
        form = QFormLayout(self)
        form.addRow(QLabel(self.tr("ใช้เมื่อผู้ป่วยไม่รู้สึกตัวและต้องทราบประวัติทันทีเท่านั้น การเข้าถึงจะถูกบันทึกและตรวจสอบ")))
        self.cid = QLineEdit(cid)
        form.addRow(self.tr("เลขประจำตัวประชาชน"), self.cid)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(self.tr("เหตุผล (อย่างน้อย {count} ตัวอักษร)").format(count=MIN_REASON))
        form.addRow(self.tr("เหตุผล"), self.reason)
        self.confirm = QCheckBox(self.tr("ข้าพเจ้ายืนยันว่าเป็นกรณีฉุกเฉิน"))
        form.addRow(self.confirm)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(False)

        def check() -> None:
            ok.setEnabled(self.confirm.isChecked() and len(self.reason.toPlainText().strip()) >= MIN_REASON)

        self.confirm.toggled.connect(lambda _c: check())
        self.reason.textChanged.connect(check)
