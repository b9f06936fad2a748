"""A patient's chart: header (name, age, masked citizen ID, allergies in red), the visits
of this unit and of other facilities (each marked with its facility and the consent it
came under), blood pressure and weight over time, immunizations and what the EPI
schedule says is due. "Record a visit" opens the visit form; saving works offline."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_app.core import epi
from clinic_app.core.changes import ChangeSet
from clinic_app.core.errors import InvalidInputError, KnownError
from clinic_app.core.fhir import patient_cid
from clinic_app.core.permissions import Actor
from clinic_app.services.catalogs import icd10_codes
from clinic_app.services.patients import Chart, VisitForm
from clinic_app.services.session import UnitSession
from clinic_app.ui.i18n import english, format_moment, format_when, pick
from clinic_app.ui.tasks import ChangeBus, DbWorker, RefreshesWhenShown
from clinic_app.ui.widgets import VitalsPlot, bold, both_languages, problem_labels, sexes, show_error


def dose_name(dose: epi.Dose) -> str:
    """A vaccine dose's name in the window's language."""
    return pick(dose.name_th, dose.name)


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


def diagnosis_text(diagnosis: dict[str, str]) -> str:
    """"J00 หวัด": the code and its title in the window's language; in Thai, the English
    title marked "(EN)" where no Thai one is known."""
    if english():
        title = diagnosis["en"] or diagnosis["th"]
    else:
        title = diagnosis["th"] or (f"{diagnosis['en']} (EN)" if diagnosis["en"] else "")
    return f"{diagnosis['code']} {title}".strip()


def identity_field(what: str) -> str:
    return {"name": QCoreApplication.translate("Identity", "ชื่อ-สกุล"),
            "sex": QCoreApplication.translate("Identity", "เพศ"),
            "birth date": QCoreApplication.translate("Identity", "วันเกิด")}.get(what, what)


def identity_value(what: str, value: str) -> str:
    if what == "sex":
        return dict(sexes()).get(value, value)
    return format_when(value) if what == "birth date" else value


def vital_name(kind: str) -> str:
    return {"blood pressure": QCoreApplication.translate("Vitals", "ความดันโลหิต"),
            "weight": QCoreApplication.translate("Vitals", "น้ำหนัก"),
            "height": QCoreApplication.translate("Vitals", "ส่วนสูง"),
            "temperature": QCoreApplication.translate("Vitals", "อุณหภูมิ"),
            "heart_rate": QCoreApplication.translate("Vitals", "ชีพจร"),
            "respiratory_rate": QCoreApplication.translate("Vitals", "การหายใจ")}.get(kind, kind)


class VisitDetailsDialog(QDialog):
    """What one visit recorded, read-only: when and where, complaint, vital signs,
    diagnoses, drugs with their amounts, vaccines, the note."""

    def __init__(self, visit: dict[str, Any], facility: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("รายละเอียดการรับบริการ"))
        self.setObjectName("visitDetails")
        none = self.tr("ไม่มี")
        rows = [("when", self.tr("วันที่"), format_moment(visit["when"])), ("facility", self.tr("หน่วยบริการ"), facility),
                ("complaint", self.tr("อาการสำคัญ"), visit["complaint"] or none),
                ("vitals", self.tr("สัญญาณชีพ"), ", ".join(f"{vital_name(k)} {v} {u}".strip() for k, v, u in visit["vitals"]) or none),
                ("diagnoses", self.tr("การวินิจฉัย"), "\n".join(diagnosis_text(d) for d in visit["diagnoses"]) or none),
                ("drugs", self.tr("ยาที่จ่าย"), "\n".join(f"{d['text'] or d['code']}"
                                                 + (f"  × {d['amount']:g} {d['unit']}".rstrip() if d["amount"] else "")
                                                 for d in visit["drugs"]) or none),
                ("vaccines", self.tr("วัคซีน"), ", ".join(dose_name(v["dose"]) if v["dose"] else (v["text"] or v["code"])
                                              for v in visit["vaccines"]) or none),
                ("note", self.tr("บันทึกเพิ่มเติม"), visit["note"] or none)]
        form = QFormLayout(self)
        self.values: dict[str, QLabel] = {}
        for key, label, value in rows:
            shown = QLabel(value)
            shown.setWordWrap(True)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(bold(QLabel(label)), shown)
            self.values[key] = shown
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        form.addRow(close)
        self.resize(520, self.sizeHint().height())


class ChartPage(RefreshesWhenShown, QWidget):
    """One patient's chart; it refreshes by itself when a change touches this patient (a
    visit saved here, or one a sync brought from another desktop). `titled` carries the
    patient's name (the window titles the chart's tab with it); "records from other
    facilities" hands the patient's citizen ID to the consent page."""

    titled = Signal(str)
    wants_other_facilities = Signal(str)  # the patient's citizen ID: ask consent / see their records elsewhere

    @property
    def actor(self) -> Actor:
        return self.worker.session.actor

    def __init__(self, worker: DbWorker, bus: ChangeBus, patient_id: str) -> None:
        super().__init__()
        self.worker, self.bus, self.patient_id = worker, bus, patient_id
        bus.changes_applied.connect(self._on_bus_changes_applied)
        self.refreshes = 0  # how many times the chart was read (tests watch it)
        self.header = bold(QLabel("…"))
        self.header.setObjectName("chartHeader")
        self.allergies = QLabel()
        self.allergies.setObjectName("allergies")
        self.allergies.setStyleSheet("color:#b00020;font-weight:bold;")
        self.visits = _table([self.tr("วันที่"), self.tr("หน่วยบริการ"), self.tr("อาการสำคัญ"), self.tr("การวินิจฉัย")])
        self.visits.setAccessibleName(self.tr("ประวัติการรับบริการ (ดับเบิลคลิกหรือ Enter เพื่อดูรายละเอียด)"))
        self.visits.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.visits.cellDoubleClicked.connect(lambda row, _col: self.show_visit(row))
        QShortcut(QKeySequence(Qt.Key.Key_Return), self.visits, activated=lambda: self.show_visit(self.visits.currentRow()),
                  context=Qt.ShortcutContext.WidgetShortcut)
        self.shown_visits: list[dict[str, Any]] = []
        self.plot = VitalsPlot()
        self.plot.setAccessibleName(self.tr("กราฟความดันโลหิตและน้ำหนัก"))
        self.shots = _table([self.tr("วันที่"), self.tr("วัคซีน"), self.tr("หน่วยบริการ")])
        self.shots.setAccessibleName(self.tr("วัคซีนที่ได้รับ"))
        self.due = QLabel()
        self.due.setObjectName("epiDue")
        self.due.setWordWrap(True)
        self.record = QPushButton(self.tr("บันทึกการตรวจ (Ctrl+N)"))
        self.record.setObjectName("recordVisit")
        self.record.clicked.connect(self._on_record_clicked)
        QShortcut(QKeySequence("Ctrl+N"), self, activated=self._on_record_clicked)
        self.other_facilities = QPushButton(self.tr("ประวัติจากหน่วยอื่น…"))
        self.other_facilities.setObjectName("otherFacilities")
        self.other_facilities.setEnabled(False)  # until the chart says the patient has a citizen ID
        self.other_facilities.clicked.connect(lambda: self.wants_other_facilities.emit(self._cid))
        self._cid = ""
        self.identity = QFrame()
        self.identity.setObjectName("identityWarning")
        self.identity.setStyleSheet("#identityWarning{background:#fff4e5;border:1px solid #e0a030;}")
        self.identity.setLayout(QVBoxLayout())
        self.identity.setVisible(False)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        names = QVBoxLayout()
        names.addWidget(self.header)
        names.addWidget(self.allergies)
        top.addLayout(names, 1)
        top.addWidget(self.other_facilities)
        top.addWidget(self.record)
        layout.addLayout(top)
        layout.addWidget(self.identity)
        layout.addWidget(QLabel(self.tr("ประวัติการรับบริการ (รวมหน่วยบริการอื่นที่ได้รับความยินยอม) "
                                        "ดับเบิลคลิกหรือกด Enter เพื่อดูรายละเอียด")))
        layout.addWidget(self.visits, 3)
        row = QHBoxLayout()
        row.addWidget(self.plot, 3)
        shots = QVBoxLayout()
        shots.addWidget(QLabel(self.tr("วัคซีนที่ได้รับ")))
        shots.addWidget(self.shots, 1)
        shots.addWidget(self.due)
        row.addLayout(shots, 2)
        layout.addLayout(row, 2)
        self.refresh()

    def _on_bus_changes_applied(self, wrapped: list[Any]) -> None:
        changes, initiator = wrapped
        if initiator is not self and changes.touches_patient(self.patient_id):
            self.refresh_soon()

    def refresh(self) -> None:
        pid = self.patient_id

        def shown(outcome: Any) -> None:
            self.refreshes += 1
            self._show(self.bus.result(outcome, self))  # a view of other facilities' records is audited

        self.worker.submit(lambda unit, _p: unit.chart(pid), on_done=shown, on_error=lambda e: show_error(self, e))

    def _facility(self, facility: str | None, grant: str | None = None) -> str:
        """Where a record comes from (None: this unit), and the access it came under."""
        name = facility or self.tr("หน่วยนี้")
        if grant == "consent":
            return self.tr("{facility} (ตามความยินยอม)").format(facility=name)
        if grant == "btg":
            return self.tr("{facility} (ฉุกเฉิน)").format(facility=name)
        return name

    def _show(self, chart: Chart) -> None:
        self.patient_id = chart.patient["id"]  # a record merged into another shows (and records on) that one
        age = self.tr("{years} ปี").format(years=chart.age) if chart.age is not None else "-"
        if chart.age is not None and chart.age_estimated:
            age = self.tr("ประมาณ {age}").format(age=age)
        self.header.setText(self.tr("{name}   อายุ {age}   เลขประจำตัวประชาชน {cid}").format(
            name=chart.name, age=age, cid=chart.masked_cid))
        self.allergies.setText(self.tr("แพ้ยา/สาร: {allergies}").format(allergies=", ".join(chart.allergies))
                               if chart.allergies else self.tr("ไม่มีประวัติแพ้"))
        self.allergies.setStyleSheet("color:#b00020;font-weight:bold;" if chart.allergies else "color:#555;")
        self.shown_visits = list(chart.visits)
        _fill(self.visits, [[format_when(v["when"]), self._facility(v["facility"], v["grant"]),
                             v["complaint"], "; ".join(diagnosis_text(d) for d in v["diagnoses"])]
                            for v in chart.visits])
        self.titled.emit(chart.name)
        self._cid = patient_cid(chart.patient) or ""
        self.other_facilities.setEnabled(bool(self._cid))
        self._show_identity(chart)
        self.plot.set_rows(chart.vitals)
        _fill(self.shots, [[format_when(i["date"]), dose_name(i["dose"]) if i["dose"] else i["code"],
                            self._facility(i["facility"])] for i in chart.immunizations])
        self.due.setText(self.tr("ครบกำหนดวัคซีน (EPI): {doses}").format(doses=", ".join(dose_name(d) for d in chart.due))
                         if chart.due else self.tr("ไม่มีวัคซีนค้าง (EPI)"))

    def _show_identity(self, chart: Chart) -> None:
        """Before another facility's records join the chart: where its record of this citizen
        ID disagrees with ours, both side by side, and the clinician's two answers."""
        box = self.identity.layout()
        while box.count():
            item = box.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        shown = False
        for issue in chart.identity:
            if issue["decision"] == "same":
                continue
            shown = True
            if issue["decision"] == "set-aside":
                text = self.tr("ประวัติจาก {facility} ถูกกันไว้ ไม่ใช่ผู้ป่วยคนนี้ (โดย {who})").format(
                    facility=issue["facility_name"], who=issue["actor"])
            else:
                lines = [self.tr("ข้อมูลผู้ป่วยที่ {facility} ไม่ตรงกับของหน่วยนี้ (เลขประจำตัวประชาชนเดียวกัน) "
                                 "ประวัติจากที่นั่นยังไม่แสดง:").format(facility=issue["facility_name"])]
                for what, ours, theirs in issue["differences"]:
                    lines.append(self.tr("• {what}: หน่วยนี้ {ours} / {facility} {theirs}").format(
                        what=identity_field(what), ours=identity_value(what, ours), facility=issue["facility_name"],
                        theirs=identity_value(what, theirs)))
                text = "\n".join(lines)
            label = QLabel(text)
            label.setWordWrap(True)
            box.addWidget(label)
            row = QHBoxLayout()
            same = QPushButton(self.tr("เป็นคนเดียวกัน แสดงประวัติ") if issue["decision"] is None
                               else self.tr("เป็นคนเดียวกัน แสดงประวัติอีกครั้ง"))
            same.setObjectName("identitySame")
            same.clicked.connect(lambda _c=False, i=issue: self.decide_identity(i, same=True))
            row.addWidget(same)
            if issue["decision"] is None:
                other = QPushButton(self.tr("ไม่ใช่คนเดียวกัน กันประวัตินี้ไว้"))
                other.setObjectName("identitySetAside")
                other.clicked.connect(lambda _c=False, i=issue: self.decide_identity(i, same=False))
                row.addWidget(other)
            row.addStretch(1)
            holder = QWidget()
            holder.setLayout(row)
            box.addWidget(holder)
        self.identity.setVisible(shown)

    def decide_identity(self, issue: dict[str, Any], *, same: bool) -> None:
        pid = self.patient_id

        def done(changes: ChangeSet) -> None:
            self.bus.broadcast(changes, self)
            self.refresh()

        self.worker.submit(lambda unit, _p: unit.patients.decide_identity(pid, issue["facility"], issue["foreign_id"],
                                                                           same=same),
                           on_done=done, on_error=lambda e: show_error(self, e))

    def show_visit(self, row: int) -> VisitDetailsDialog | None:
        """One visit's details: vital signs, diagnoses, drugs, vaccines, note."""
        if not 0 <= row < len(self.shown_visits):
            return None
        visit = self.shown_visits[row]
        dialog = VisitDetailsDialog(visit, self._facility(visit["facility"], visit["grant"]), self)
        dialog.open()
        return dialog

    def _on_record_clicked(self) -> VisitDialog:
        dialog = VisitDialog(self)
        dialog.setModal(True)
        dialog.save_requested.connect(lambda wrapped: self._save_visit(wrapped[0], dialog))
        dialog.open()
        return dialog

    def _save_visit(self, visit: VisitForm, dialog: VisitDialog | None = None) -> None:
        """Save on the worker; the form closes only once the visit is saved. Refused, it stays
        open with everything typed and says why beside the fields; unusual readings are
        asked about and saved once confirmed."""
        pid = self.patient_id

        def work(unit: UnitSession, _p: Any) -> ChangeSet:
            return unit.patients.record_visit(pid, visit)

        def done(changes: ChangeSet) -> None:
            if dialog is not None:
                dialog.saved()
            self.bus.broadcast(changes, self)
            self.refresh()

        def failed(error: KnownError) -> None:
            if dialog is None:
                show_error(self, error)
            elif error.code == "unusual-values":
                dialog.ask_to_confirm(error)
            else:
                dialog.refused(error)

        self.worker.submit(work, on_done=done, on_error=failed)


class VisitDialog(QDialog):
    """Vital signs, complaint, diagnosis (search as you type), drug, vaccine, note.
    Keyboard first: Tab moves down the form, Enter saves, Esc cancels. It closes only once
    the visit is saved: refused, it keeps everything typed and says why beside the fields."""

    save_requested = Signal(object)  # [VisitForm]: the chart saves it and calls saved() or refused()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("บันทึกการตรวจ"))
        form = QFormLayout(self)
        self.complaint = QLineEdit()
        self.complaint.setAccessibleName(self.tr("อาการสำคัญ"))
        form.addRow(self.tr("อาการสำคัญ"), self.complaint)

        def spin(low: float, high: float, decimals: int, suffix: str) -> QDoubleSpinBox:
            box = QDoubleSpinBox()
            box.setRange(0, high * 4)
            box.setDecimals(decimals)
            box.setSuffix(f" {suffix}")
            box.setSpecialValueText("-")  # 0 means "not measured"
            return box

        self.sbp, self.dbp = spin(60, 260, 0, "mmHg"), spin(30, 160, 0, "mmHg")
        self.sbp.setAccessibleName(self.tr("ความดันตัวบน"))
        self.dbp.setAccessibleName(self.tr("ความดันตัวล่าง"))
        bp = QHBoxLayout()
        bp.addWidget(self.sbp)
        bp.addWidget(QLabel("/"))
        bp.addWidget(self.dbp)
        form.addRow(self.tr("ความดันโลหิต"), bp)
        self.weight = spin(0.5, 250, 1, "kg")
        self.temperature = spin(34, 43, 1, "°C")
        self.pulse = spin(30, 220, 0, self.tr("/นาที"))
        form.addRow(self.tr("น้ำหนัก"), self.weight)
        form.addRow(self.tr("อุณหภูมิ"), self.temperature)
        form.addRow(self.tr("ชีพจร"), self.pulse)
        self.diagnosis = QLineEdit()
        self.diagnosis.setPlaceholderText(self.tr("พิมพ์รหัสหรือชื่อโรค เช่น J00 หรือ หวัด"))
        labels = [d.label() for d in icd10_codes()]
        completer = QCompleter(labels, self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.diagnosis.setCompleter(completer)
        # leaving the field shows the code at the start, not the end of a long title
        self.diagnosis.editingFinished.connect(lambda: self.diagnosis.setCursorPosition(0))
        form.addRow(self.tr("การวินิจฉัย (ICD-10)"), self.diagnosis)
        self.drug = QLineEdit()
        self.drug.setAccessibleName(self.tr("ยาที่จ่าย"))
        self.amount = spin(0, 1000, 0, "")
        self.amount.setAccessibleName(self.tr("จำนวนยา"))
        drug = QHBoxLayout()
        drug.addWidget(self.drug, 3)
        drug.addWidget(self.amount, 1)
        form.addRow(self.tr("ยาที่จ่าย / จำนวน"), drug)
        self.vaccine = QComboBox()
        self.vaccine.addItem("-", "")
        for dose in epi.SCHEDULE + [epi.BY_CODE["815"]]:
            self.vaccine.addItem(f"{dose.code} {dose_name(dose)}", dose.code)
        form.addRow(self.tr("วัคซีน"), self.vaccine)
        self.note = QPlainTextEdit()
        self.note.setMaximumHeight(70)
        self.note.setTabChangesFocus(True)
        form.addRow(self.tr("บันทึกเพิ่มเติม"), self.note)
        self.problems = QLabel()
        self.problems.setObjectName("visitProblems")
        self.problems.setStyleSheet("color:#b00020;")
        self.problems.setWordWrap(True)
        self.problems.setVisible(False)
        form.addRow(self.problems)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self._unusual_confirmed = False
        self._fields = {"complaint": self.complaint, "systolic": self.sbp, "diastolic": self.dbp,
                        "blood pressure": self.sbp, "weight": self.weight, "temperature": self.temperature,
                        "pulse": self.pulse, "diagnosis": self.diagnosis, "vaccine": self.vaccine}

    def accept(self) -> None:  # Enter or Save: ask to save; the dialog closes once it is saved
        self.buttons.setEnabled(False)
        self.save_requested.emit([self.form()])

    def saved(self) -> None:
        super().accept()

    def refused(self, error: KnownError) -> None:
        """Say why beside the fields; everything typed stays."""
        self.buttons.setEnabled(True)
        labels = problem_labels()
        for widget in self._fields.values():
            widget.setStyleSheet("")
            widget.setToolTip("")
        lines = [both_languages(error)]
        for problem in error.problems if isinstance(error, InvalidInputError) else []:
            widget = self._fields.get(problem.path)
            if widget is not None:
                widget.setStyleSheet("border: 2px solid #b00020;")
                widget.setToolTip(problem.reason_in("en" if english() else "th"))
            lines.append(f"• {labels.get(problem.path, problem.path)}: {problem.reason_in('en' if english() else 'th')}")
        self.problems.setText("\n".join(lines))
        self.problems.setVisible(True)
        first = next((self._fields[p.path] for p in getattr(error, "problems", []) if p.path in self._fields), None)
        if first is not None:
            first.setFocus()

    def ask_to_confirm(self, error: KnownError) -> QMessageBox:
        """Unusual readings: shown beside their fields, and asked about; Yes saves them."""
        self.refused(error)
        box = QMessageBox(QMessageBox.Icon.Question, self.windowTitle(),
                          self.tr("ค่าที่วัดได้ผิดปกติมาก ยืนยันว่าถูกต้องและบันทึกหรือไม่?") + "\n\n" + self.problems.text(),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("confirmUnusual")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.accepted.connect(self._on_confirm_accepted)
        box.open()
        return box

    def _on_confirm_accepted(self) -> None:
        self._unusual_confirmed = True
        self.accept()

    def form(self) -> VisitForm:
        def value(box: QDoubleSpinBox) -> float | None:
            return box.value() or None

        code = self.diagnosis.text().strip().split(" ")[0] if self.diagnosis.text().strip() else ""
        return VisitForm(complaint=self.complaint.text(), systolic=value(self.sbp), diastolic=value(self.dbp),
                         weight=value(self.weight), temperature=value(self.temperature), pulse=value(self.pulse),
                         diagnosis=code, drug=self.drug.text(), drug_amount=value(self.amount),
                         vaccine=self.vaccine.currentData() or "", note=self.note.toPlainText(),
                         unusual_confirmed=self._unusual_confirmed)

