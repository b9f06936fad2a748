"""A patient's chart: header (name, age, masked citizen ID, allergies in red), the visits
of this unit and of other facilities (each marked with its facility and the consent it
came under), blood pressure and weight over time, immunizations and what the EPI
schedule says is due. "Record a visit" opens the visit form; saving works offline."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_app.core import epi
from clinic_app.core.fhir import patient_cid
from clinic_app.core.permissions import Actor, allowed
from clinic_app.core.thai import format_thai_date
from clinic_app.services.catalogs import icd10_codes
from clinic_app.services.consent import ConsentService
from clinic_app.services.patients import Chart, PatientService, VisitForm
from clinic_app.store.records import RecordStore
from clinic_app.sync.records import ConsentNeededError
from clinic_app.ui.session import Session
from clinic_app.ui.tasks import DbWorker
from clinic_app.ui.widgets import VitalsPlot, bold, show_error


def _thai_when(text: str) -> str:
    try:
        return format_thai_date(_dt.date.fromisoformat(text[:10]))
    except ValueError:
        return text


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    """Fill in one layout pass (a resize-to-contents header re-measures on every cell)."""
    table.setUpdatesEnabled(False)
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    for c in range(table.columnCount() - 1):
        table.resizeColumnToContents(c)
    table.setUpdatesEnabled(True)


class ChartPage(QWidget):
    @property
    def actor(self) -> Actor:
        return self.session.actor

    visit_saved = Signal()

    def __init__(self, worker: DbWorker, session: Session, patient_id: str, inst: Any) -> None:
        super().__init__()
        self.worker, self.session, self.patient_id, self.inst = worker, session, patient_id, inst
        self.header = bold(QLabel("…"))
        self.header.setObjectName("chartHeader")
        self.allergies = QLabel()
        self.allergies.setObjectName("allergies")
        self.allergies.setStyleSheet("color:#b00020;font-weight:bold;")
        self.visits = _table(["วันที่", "หน่วยบริการ", "อาการสำคัญ", "การวินิจฉัย"])
        self.visits.setAccessibleName("ประวัติการรับบริการ / Visits")
        self.plot = VitalsPlot()
        self.shots = _table(["วันที่", "วัคซีน", "หน่วยบริการ"])
        self.due = QLabel()
        self.due.setObjectName("epiDue")
        self.due.setWordWrap(True)
        self.record = QPushButton("บันทึกการตรวจ (Ctrl+N) / Record a visit")
        self.record.setObjectName("recordVisit")
        self.record.clicked.connect(self._on_record_clicked)
        QShortcut(QKeySequence("Ctrl+N"), self, activated=self._on_record_clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.allergies)
        layout.addWidget(self.record)
        layout.addWidget(QLabel("ประวัติการรับบริการ (รวมหน่วยบริการอื่นที่ได้รับความยินยอม)"))
        layout.addWidget(self.visits, 3)
        layout.addWidget(self.plot, 2)
        row = QHBoxLayout()
        shots = QVBoxLayout()
        shots.addWidget(QLabel("วัคซีนที่ได้รับ"))
        shots.addWidget(self.shots)
        row.addLayout(shots, 2)
        row.addWidget(self.due, 1)
        layout.addLayout(row, 2)
        self.refresh()

    def refresh(self) -> None:
        pid, actor, inst = self.patient_id, self.actor, self.inst

        def work(store: RecordStore, _p: Any) -> Chart:
            foreign: list[dict[str, Any]] = []
            cid = patient_cid(store.get("Patient", pid))
            consent = ConsentService(store, inst, actor=actor)
            if cid and allowed(actor, "foreign.view") and consent.grants.grants(cid=cid, state="active"):
                try:
                    foreign = consent.show_records(cid)
                except ConsentNeededError:
                    foreign = []
            return PatientService(store, actor=actor).chart(pid, foreign=foreign)

        self.worker.submit(work, on_done=self._show, on_error=lambda e: show_error(self, e))

    def _show(self, chart: Chart) -> None:
        self.header.setText(f"{chart.name}   อายุ {chart.age}   เลขประจำตัวประชาชน {chart.masked_cid}")
        self.allergies.setText("แพ้ยา/สาร: " + ", ".join(chart.allergies) if chart.allergies else "ไม่มีประวัติแพ้")
        self.allergies.setStyleSheet("color:#b00020;font-weight:bold;" if chart.allergies else "color:#555;")
        _fill(self.visits, [[_thai_when(v["when"]),
                             v["facility"] + (" (ตามความยินยอม)" if v["grant"] == "consent" else
                                              " (ฉุกเฉิน)" if v["grant"] == "btg" else ""),
                             v["complaint"], v["diagnosis"]] for v in chart.visits])
        self.plot.set_rows(chart.vitals)
        _fill(self.shots, [[_thai_when(i["date"]), i["name"], i["facility"]] for i in chart.immunizations])
        self.due.setText("ครบกำหนดวัคซีน (EPI): " + ", ".join(d.name_th for d in chart.due) if chart.due
                         else "ไม่มีวัคซีนค้าง (EPI)")

    def _on_record_clicked(self) -> None:
        dialog = VisitDialog(self)
        dialog.setModal(True)
        dialog.accepted.connect(lambda: self._save_visit(dialog.form()))
        dialog.open()

    def _save_visit(self, visit: VisitForm) -> None:
        pid, actor = self.patient_id, self.actor

        def work(store: RecordStore, _p: Any) -> Any:
            return PatientService(store, actor=actor).record_visit(pid, visit)

        def done(_changes: Any) -> None:
            self.refresh()
            self.visit_saved.emit()

        self.worker.submit(work, on_done=done, on_error=lambda e: show_error(self, e))


class VisitDialog(QDialog):
    """Vital signs, complaint, diagnosis (search as you type), drug, vaccine, note.
    Keyboard first: Tab moves down the form, Enter saves, Esc cancels."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("บันทึกการตรวจ / Record a visit")
        form = QFormLayout(self)
        self.complaint = QLineEdit()
        self.complaint.setAccessibleName("อาการสำคัญ / Chief complaint")
        form.addRow("อาการสำคัญ", self.complaint)

        def spin(low: float, high: float, decimals: int, suffix: str) -> QDoubleSpinBox:
            box = QDoubleSpinBox()
            box.setRange(0, high * 4)
            box.setDecimals(decimals)
            box.setSuffix(f" {suffix}")
            box.setSpecialValueText("-")  # 0 means "not measured"
            return box

        self.sbp, self.dbp = spin(60, 260, 0, "mmHg"), spin(30, 160, 0, "mmHg")
        bp = QHBoxLayout()
        bp.addWidget(self.sbp)
        bp.addWidget(QLabel("/"))
        bp.addWidget(self.dbp)
        form.addRow("ความดันโลหิต", bp)
        self.weight = spin(0.5, 250, 1, "kg")
        self.temperature = spin(34, 43, 1, "°C")
        self.pulse = spin(30, 220, 0, "/นาที")
        form.addRow("น้ำหนัก", self.weight)
        form.addRow("อุณหภูมิ", self.temperature)
        form.addRow("ชีพจร", self.pulse)
        self.diagnosis = QLineEdit()
        self.diagnosis.setPlaceholderText("พิมพ์รหัสหรือชื่อโรค เช่น J00 หรือ หวัด")
        labels = [d.label() for d in icd10_codes()]
        completer = QCompleter(labels, self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.diagnosis.setCompleter(completer)
        form.addRow("การวินิจฉัย (ICD-10)", self.diagnosis)
        self.drug = QLineEdit()
        self.amount = spin(0, 1000, 0, "")
        drug = QHBoxLayout()
        drug.addWidget(self.drug, 3)
        drug.addWidget(self.amount, 1)
        form.addRow("ยาที่จ่าย / จำนวน", drug)
        self.vaccine = QComboBox()
        self.vaccine.addItem("-", "")
        for dose in epi.SCHEDULE + [epi.BY_CODE["815"]]:
            self.vaccine.addItem(f"{dose.code} {dose.name_th}", dose.code)
        form.addRow("วัคซีน", self.vaccine)
        self.note = QPlainTextEdit()
        self.note.setMaximumHeight(70)
        self.note.setTabChangesFocus(True)
        form.addRow("บันทึกเพิ่มเติม", self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def form(self) -> VisitForm:
        def value(box: QDoubleSpinBox) -> float | None:
            return box.value() or None

        code = self.diagnosis.text().strip().split(" ")[0] if self.diagnosis.text().strip() else ""
        return VisitForm(complaint=self.complaint.text(), systolic=value(self.sbp), diastolic=value(self.dbp),
                         weight=value(self.weight), temperature=value(self.temperature), pulse=value(self.pulse),
                         diagnosis=code, drug=self.drug.text(), drug_amount=value(self.amount),
                         vaccine=self.vaccine.currentData() or "", note=self.note.toPlainText())

