"""A patient's chart: header (name, age, masked citizen ID, allergies in red), the visits
of this unit and of other facilities (each marked with its facility and the consent it
came under), blood pressure and weight over time, immunizations and what the EPI
schedule says is due. "Record a visit" opens the visit form; saving works offline."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_app.core import epi
from clinic_app.core.changes import ChangeSet
from clinic_app.core.errors import KnownError
from clinic_app.core.fhir import patient_cid
from clinic_app.core.permissions import Actor, allowed
from clinic_app.services.patients import Chart, VisitForm
from clinic_app.services.session import UnitSession
from clinic_app.ui.allergy import AllergyDialog, AllergyEntry, allergy_text
from clinic_app.ui.corrections import VoidDialog, diagtype_name, history_text
from clinic_app.ui.i18n import english, format_moment, format_when, pick
from clinic_app.ui.printouts import print_visit
from clinic_app.ui.register import PatientEditDialog
from clinic_app.ui.tasks import ChangeBus, DbWorker, RefreshesWhenShown
from clinic_app.ui.today import check_in
from clinic_app.ui.visit_form import VisitDialog  # the visit form (importable from here too)
from clinic_app.ui.widgets import VitalsPlot, bold, record_table, sexes, show_error


def dose_name(dose: epi.Dose) -> str:
    """A vaccine dose's name in the window's language."""
    return pick(dose.name_th, dose.name)


def _table(headers: list[str]) -> QTableWidget:
    """A read-only table whose cells are selected as Qt selects them (the chart's, consent's, sync page's)."""
    return record_table(headers, single_row=False)


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
            "respiratory_rate": QCoreApplication.translate("Vitals", "การหายใจ"),
            "blood_sugar": QCoreApplication.translate("Vitals", "น้ำตาลในเลือด")}.get(kind, kind)


class VisitDetailsDialog(QDialog):
    """What one visit recorded, read-only: when and where, complaint, vital signs (blood
    sugar among them), diagnoses with their types, procedures, drugs with their amounts and
    instructions (those written freely marked so), vaccines, the note, and the record's
    history (who recorded it, who corrected what, when; why it was entered in error). For
    this unit's own saved visits: "correct" (the visit form, filled in) and "entered in
    error" (clinicians and administrators); the chart does both on the worker."""

    correct_requested = Signal(str)  # the visit's (Encounter's) id
    void_requested = Signal(str)

    def __init__(self, visit: dict[str, Any], facility: str, parent: QWidget | None = None, *,
                 can_correct: bool = False, can_void: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("รายละเอียดการรับบริการ"))
        self.setObjectName("visitDetails")
        self.can_correct, self.can_void = can_correct, can_void
        layout = QVBoxLayout(self)
        self.status = QLabel(self.tr("รายการนี้บันทึกผิดพลาด (ยกเลิกแล้ว) เก็บไว้เป็นหลักฐาน ไม่นับในแฟ้มและรายการต่าง ๆ"))
        self.status.setObjectName("visitVoided")
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color:#b00020;font-weight:bold;")
        layout.addWidget(self.status)
        form = QFormLayout()
        labels = [("when", self.tr("วันที่")), ("facility", self.tr("หน่วยบริการ")), ("complaint", self.tr("อาการสำคัญ")),
                  ("vitals", self.tr("สัญญาณชีพ")), ("diagnoses", self.tr("การวินิจฉัย")),
                  ("procedures", self.tr("หัตถการ")), ("drugs", self.tr("ยาที่จ่าย")), ("vaccines", self.tr("วัคซีน")),
                  ("note", self.tr("บันทึกเพิ่มเติม")), ("history", self.tr("ประวัติการบันทึก"))]
        self.values: dict[str, QLabel] = {}
        for key, label in labels:
            shown = QLabel()
            shown.setWordWrap(True)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            shown.setObjectName(f"visit_{key}")
            form.addRow(bold(QLabel(label)), shown)
            self.values[key] = shown
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.correct = self.buttons.addButton(self.tr("แก้ไขการรับบริการ…"), QDialogButtonBox.ButtonRole.ActionRole)
        self.correct.setObjectName("correctVisit")
        self.void = self.buttons.addButton(self.tr("บันทึกผิดพลาด (ยกเลิกการรับบริการ)…"),
                                           QDialogButtonBox.ButtonRole.ActionRole)
        self.void.setObjectName("voidVisit")
        self.print_button = self.buttons.addButton(self.tr("พิมพ์ใบนัด/ใบสั่งยา…"), QDialogButtonBox.ButtonRole.ActionRole)
        self.print_button.setObjectName("printVisit")  # the chart connects it (ui/printouts.print_visit)
        self.correct.clicked.connect(lambda: self.correct_requested.emit(self.visit["id"]))
        self.void.clicked.connect(lambda: self.void_requested.emit(self.visit["id"]))
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.visit: dict[str, Any] = visit
        self.set_visit(visit, facility)
        self.set_history(None)
        self.resize(600, self.sizeHint().height())

    def _drug_text(self, drug: dict[str, Any]) -> str:
        line = drug["text"] or drug["code"]
        if drug["amount"]:
            line += f"  × {drug['amount']:g} {drug['unit']}".rstrip()
        if drug.get("days"):
            line += " " + self.tr("({days} วัน)").format(days=drug["days"])
        if not drug.get("coded", True):
            line += " " + self.tr("[พิมพ์เอง]")
        if drug.get("label"):
            line += "\n    " + drug["label"]
        return line

    def set_visit(self, visit: dict[str, Any], facility: str | None = None) -> None:
        """Show the visit (again, after a correction); the buttons follow what it is now."""
        self.visit = visit
        none = self.tr("ไม่มี")
        values = {
            "when": format_moment(visit["when"]), "complaint": visit["complaint"] or none,
            "vitals": ", ".join(f"{vital_name(k)} {v} {u}".strip() for k, v, u in visit["vitals"]) or none,
            "diagnoses": "\n".join(diagnosis_text(d) + (f" ({diagtype_name(d['type'])})" if d.get("type") else "")
                                   for d in visit["diagnoses"]) or none,
            "procedures": "\n".join(f"{p['code']} {pick(p['th'] or p['en'], p['en'] or p['th'])}".strip()
                                    for p in visit.get("procedures") or []) or none,
            "drugs": "\n".join(self._drug_text(d) for d in visit["drugs"]) or none,
            "vaccines": ", ".join(dose_name(v["dose"]) if v["dose"] else (v["text"] or v["code"])
                                  for v in visit["vaccines"]) or none,
            "note": visit["note"] or none}
        if facility is not None:
            values["facility"] = facility
        for key, text in values.items():
            self.values[key].setText(text)
        self.mark(voided=bool(visit.get("voided")))

    def mark(self, *, voided: bool) -> None:
        """Entered in error: said at the top, and nothing more to correct or void."""
        self.visit = {**self.visit, "voided": voided}
        self.status.setVisible(voided)
        own = self.visit.get("facility") is None and bool(self.visit.get("id"))
        done = own and not voided and not self.visit.get("open")
        self.correct.setEnabled(done and self.can_correct)
        self.void.setEnabled(done and self.can_void)
        self.correct.setVisible(own)
        self.void.setVisible(own)
        self.print_button.setVisible(own and not voided)

    def set_history(self, entries: list[dict[str, Any]] | None) -> None:
        """The record's audit trail in words (None: being read; [] for another facility's)."""
        if entries is None:
            text = self.tr("กำลังอ่าน…") if self.visit.get("facility") is None else self.tr("บันทึกโดยหน่วยบริการอื่น")
        else:
            text = history_text(entries) or self.tr("ไม่มี")
        self.values["history"].setText(text)
        self._fit()

    def _fit(self) -> None:
        """Grow to show what the labels now hold (a history read after the dialog opened)."""
        self.layout().activate()
        wanted = self.layout().totalHeightForWidth(self.width())
        self.resize(self.width(), max(self.height(), wanted if wanted > 0 else self.sizeHint().height()))


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
        self.header.setWordWrap(True)  # a long name must not widen the window past the screen
        self.header.setObjectName("chartHeader")
        self.allergies = QLabel()
        self.allergies.setObjectName("allergies")
        self.allergies.setStyleSheet("color:#b00020;font-weight:bold;")
        self.allergies.setWordWrap(True)
        self.next_appointment = QLabel()
        self.next_appointment.setObjectName("nextAppointment")
        self.show_voided = QCheckBox(self.tr("แสดงรายการที่บันทึกผิดพลาด"))
        self.show_voided.setObjectName("showVoided")
        self.show_voided.toggled.connect(lambda _on: self.refresh())
        self.details: list[VisitDetailsDialog] = []  # open visit details, shown again after a change
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
        self.check_in = QPushButton(self.tr("ส่งเข้ารายการวันนี้ (Ctrl+T)"))
        self.check_in.setObjectName("chartCheckIn")
        self.check_in.setAutoDefault(True)  # focused after a registration: Enter puts them on the list
        self.check_in.clicked.connect(self._on_check_in_clicked)
        QShortcut(QKeySequence("Ctrl+T"), self, activated=self._on_check_in_clicked)
        self.other_facilities = QPushButton(self.tr("ประวัติจากหน่วยอื่น…"))
        self.other_facilities.setObjectName("otherFacilities")
        self.other_facilities.setEnabled(False)  # until the chart says the patient has a citizen ID
        self.other_facilities.clicked.connect(lambda: self.wants_other_facilities.emit(self._cid))
        self.add_allergy = QPushButton(self.tr("บันทึกการแพ้…"))
        self.add_allergy.setObjectName("addAllergy")
        self.add_allergy.clicked.connect(self._on_add_allergy_clicked)
        self.refer = QPushButton(self.tr("ส่งต่อ…"))
        self.refer.setObjectName("refer")
        self.refer.clicked.connect(self._on_refer_clicked)
        self.referral_state = QLabel()
        self.referral_state.setObjectName("referralState")
        self.referral_state.setWordWrap(True)
        self.edit_patient = QPushButton(self.tr("แก้ไขข้อมูลผู้ป่วย…"))
        self.edit_patient.setObjectName("editPatient")
        self.edit_patient.clicked.connect(self._on_edit_patient_clicked)
        self._cid = ""
        self._name = ""  # the patient's name as the chart shows it (the referral dialog's title)
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
        names.addWidget(self.next_appointment)
        top.addLayout(names, 1)
        top.addWidget(self.refer)
        top.addWidget(self.add_allergy)
        top.addWidget(self.edit_patient)
        top.addWidget(self.other_facilities)
        top.addWidget(self.check_in)
        top.addWidget(self.record)
        layout.addLayout(top)
        layout.addWidget(self.referral_state)  # the patient's referrals and where each stands, the width of the page
        layout.addWidget(self.identity)
        above_visits = QHBoxLayout()
        above_visits.addWidget(QLabel(self.tr("ประวัติการรับบริการ (รวมหน่วยบริการอื่นที่ได้รับความยินยอม) "
                                              "ดับเบิลคลิกหรือกด Enter เพื่อดูรายละเอียด")), 1)
        above_visits.addWidget(self.show_voided)
        layout.addLayout(above_visits)
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

        voided = self.show_voided.isChecked()
        self.worker.submit(lambda unit, _p: unit.chart(pid, include_voided=voided), on_done=shown,
                           on_error=lambda e: show_error(self, e))

    def _facility(self, facility: str | None, grant: str | None = None) -> str:
        """Where a record comes from (None: this unit), and the access it came under."""
        name = facility or self.tr("หน่วยนี้")
        if grant == "consent":
            return self.tr("{facility} (ตามความยินยอม)").format(facility=name)
        if grant == "btg":
            return self.tr("{facility} (ฉุกเฉิน)").format(facility=name)
        if grant == "referral":
            return self.tr("{facility} (ตามการส่งต่อ)").format(facility=name)
        return name

    def _show(self, chart: Chart) -> None:
        self.patient_id = chart.patient["id"]  # a record merged into another shows (and records on) that one
        age = self.tr("{years} ปี").format(years=chart.age) if chart.age is not None else "-"
        if chart.age is not None and chart.age_estimated:
            age = self.tr("ประมาณ {age}").format(age=age)
        self.header.setText(self.tr("{name}   อายุ {age}   เลขประจำตัวประชาชน {cid}").format(
            name=chart.name, age=age, cid=chart.masked_cid))
        allergies = [allergy_text(a) for a in chart.allergy_records] or chart.allergies
        self.allergies.setText(self.tr("แพ้ยา/สาร: {allergies}").format(allergies="; ".join(allergies))
                               if allergies else self.tr("ไม่มีประวัติแพ้"))
        self.allergies.setStyleSheet("color:#b00020;font-weight:bold;" if allergies else "color:#555;")
        self._show_appointment(chart)
        self.shown_visits = list(chart.visits)
        voided = self.tr("[บันทึกผิดพลาด]")
        _fill(self.visits, [[format_when(v["when"]), self._facility(v["facility"], v["grant"]),
                             f"{voided} {v['complaint']}".strip() if v.get("voided") else v["complaint"],
                             "; ".join(diagnosis_text(d) for d in v["diagnoses"])]
                            for v in chart.visits])
        self._mark_voided_rows()
        self.show_voided.setEnabled(bool(chart.voided) or self.show_voided.isChecked())
        self.show_voided.setToolTip(self.tr("รายการที่บันทึกผิดพลาด: {count}").format(count=chart.voided))
        writer = allowed(self.actor, "record.write")
        self.refer.setEnabled(writer)
        self._name = chart.name
        self._show_referrals(chart)
        self.add_allergy.setEnabled(writer)
        self.edit_patient.setEnabled(writer)
        self._show_details_again()
        self.titled.emit(chart.name)
        self._cid = patient_cid(chart.patient) or ""
        self.other_facilities.setEnabled(bool(self._cid))
        self._show_identity(chart)
        self.plot.set_rows(chart.vitals)
        _fill(self.shots, [[format_when(i["date"]), dose_name(i["dose"]) if i["dose"] else i["code"],
                            self._facility(i["facility"])] for i in chart.immunizations])
        self.due.setText(self.tr("ครบกำหนดวัคซีน (EPI): {doses}").format(doses=", ".join(dose_name(d) for d in chart.due))
                         if chart.due else self.tr("ไม่มีวัคซีนค้าง (EPI)"))

    def _show_referrals(self, chart: Chart) -> None:
        """The patient's referrals and where each stands (the newest three)."""
        from clinic_app.ui.referral import state_text

        lines = [self.tr("ส่งต่อ {facility} ({when}): {state}").format(
            facility=r.facility_name, when=format_when(r.when), state=state_text(r)) for r in chart.referrals[:3]]
        self.referral_state.setText("  ·  ".join(lines))
        self.referral_state.setVisible(bool(lines))

    def _on_refer_clicked(self) -> None:
        from clinic_app.ui.referral import ReferralDialog

        dialog = ReferralDialog(self.worker, self.bus, self.patient_id, self._name, self)
        dialog.saved.connect(lambda _task: self.refresh())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

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

    def _show_appointment(self, chart: Chart) -> None:
        if chart.appointments:
            first = chart.appointments[0]
            text = self.tr("นัดครั้งต่อไป: {day}").format(day=format_when(first["day"]))
            if first.get("reason"):
                text += f" ({first['reason']})"
        else:
            text = self.tr("ไม่มีนัดครั้งต่อไป")
        self.next_appointment.setText(text)

    def _mark_voided_rows(self) -> None:
        """Visits entered in error (shown on asking): greyed and struck through."""
        grey = QColor("#888888")
        for row, visit in enumerate(self.shown_visits):
            if not visit.get("voided"):
                continue
            for column in range(self.visits.columnCount()):
                item = self.visits.item(row, column)
                font = item.font()
                font.setStrikeOut(True)
                item.setFont(font)
                item.setForeground(grey)
                item.setToolTip(self.tr("บันทึกผิดพลาด"))

    def show_visit(self, row: int) -> VisitDetailsDialog | None:
        """One visit's details with the record's history; for this unit's own visits, its
        correction and "entered in error"."""
        if not 0 <= row < len(self.shown_visits):
            return None
        visit = self.shown_visits[row]
        dialog = VisitDetailsDialog(visit, self._facility(visit["facility"], visit["grant"]), self,
                                    can_correct=allowed(self.actor, "record.void"),
                                    can_void=allowed(self.actor, "record.void"))
        dialog.correct_requested.connect(lambda eid: self.correct_visit(eid, dialog))
        dialog.void_requested.connect(lambda eid: self.void_visit(eid, dialog))
        dialog.print_button.clicked.connect(lambda: print_visit(dialog, self.worker, dialog.visit["id"]))
        self.details = [d for d in self.details if d.isVisible()]
        self.details.append(dialog)
        self._load_history(dialog)
        dialog.open()
        return dialog

    def _load_history(self, dialog: VisitDetailsDialog) -> None:
        """The visit's audit trail (this unit's visits only: another facility's is theirs)."""
        eid = dialog.visit.get("id")
        if dialog.visit.get("facility") is not None or not eid:
            return
        self.worker.submit(lambda unit, _p: unit.history("Encounter", eid), on_done=dialog.set_history,
                           on_error=lambda e: show_error(self, e))

    def _show_details_again(self) -> None:
        """Open visit details after the chart changed: the visit as it is now (corrected,
        or entered in error) and its history with the change."""
        self.details = [d for d in self.details if d.isVisible()]
        for dialog in self.details:
            if dialog.visit.get("facility") is not None:
                continue
            now = next((v for v in self.shown_visits if v["facility"] is None and v["id"] == dialog.visit["id"]), None)
            if now is not None:
                dialog.set_visit(now)
            else:  # entered in error, and such visits are not shown
                dialog.mark(voided=True)
            self._load_history(dialog)

    def void_visit(self, encounter_id: str, details: VisitDetailsDialog) -> VoidDialog:
        """Ask why, then mark the visit entered in error (the service refuses without a reason
        and for those who may not)."""
        box = VoidDialog(details.visit["when"], details)
        box.setModal(True)
        box.void_requested.connect(lambda wrapped: self._void(encounter_id, wrapped[0], box))
        box.open()
        return box

    def _void(self, encounter_id: str, reason: str, box: VoidDialog) -> None:
        def done(changes: ChangeSet) -> None:
            box.saved()
            self.bus.broadcast(changes, self)
            self.refresh()

        self.worker.submit(lambda unit, _p: unit.visits.void(encounter_id, reason), on_done=done, on_error=box.refused)

    def correct_visit(self, encounter_id: str, details: VisitDetailsDialog) -> None:
        """The visit form filled in with the saved visit (with the unit's drug list and the
        patient's allergies); saving it saves a correction of that visit."""
        pid = self.patient_id

        def work(unit: UnitSession, _p: Any) -> tuple[VisitForm, list[Any], str, list[Any]]:
            chart = unit.patients.chart(pid)
            return unit.visits.form_of(encounter_id), unit.formulary.drugs(), chart.name, list(chart.allergy_records)

        def opened(found: tuple[VisitForm, list[Any], str, list[Any]]) -> None:
            form, drugs, name, allergies = found
            dialog = VisitDialog(details)
            dialog.setObjectName("correctVisitForm")
            dialog.set_drugs(drugs)
            dialog.set_patient(name, allergies)
            dialog.setWindowTitle(self.tr("แก้ไขการรับบริการ — {name}").format(name=name))
            dialog.set_form(form)
            dialog.setModal(True)
            dialog.save_requested.connect(lambda wrapped: self._save_correction(encounter_id, wrapped[0], dialog))
            dialog.open()

        self.worker.submit(work, on_done=opened, on_error=lambda e: show_error(self, e))

    def _save_correction(self, encounter_id: str, visit: VisitForm, dialog: VisitDialog) -> None:
        """Refused, the form says why (and asks about unusual readings or an allergy)."""

        def done(outcome: Any) -> None:
            dialog.saved()
            self.bus.result(outcome, self)
            self.refresh()

        self.worker.submit(lambda unit, _p: unit.visits.correct(encounter_id, visit), on_done=done,
                           on_error=dialog.refused)

    def _on_add_allergy_clicked(self) -> None:
        """The allergy form, with the unit's drug list to pick from."""

        def opened(drugs: list[Any]) -> None:
            dialog = AllergyDialog(drugs, self)
            dialog.setModal(True)
            dialog.save_requested.connect(lambda wrapped: self._save_allergy(wrapped[0], dialog))
            dialog.open()

        self.worker.submit(lambda unit, _p: unit.formulary.drugs(), on_done=opened, on_error=lambda e: show_error(self, e))

    def _save_allergy(self, entry: AllergyEntry, dialog: AllergyDialog) -> None:
        pid = self.patient_id

        def done(outcome: Any) -> None:
            dialog.saved()
            self.bus.result(outcome, self)
            self.refresh()

        self.worker.submit(lambda unit, _p: unit.visits.add_allergy(
            pid, entry.substance, reaction=entry.reaction, certainty=entry.certainty, severity=entry.severity,
            drug_code=entry.drug_code), on_done=done, on_error=dialog.refused)

    def _on_edit_patient_clicked(self) -> PatientEditDialog:
        """The registration form with the patient's details, to correct them (the chart
        refreshes from the change it broadcasts)."""
        dialog = PatientEditDialog(self.worker, self.bus, self.patient_id, self)
        dialog.open()
        return dialog

    def _on_check_in_clicked(self) -> None:
        check_in(self, self.worker, self.bus, self.patient_id)

    def offer_check_in(self) -> None:
        """A patient just registered: "put on today's list" gets the keyboard (Enter does it)."""
        self.check_in.setFocus()

    def _on_record_clicked(self) -> VisitDialog:
        dialog = VisitDialog(self, worker=self.worker, patient_id=self.patient_id)
        dialog.setModal(True)
        dialog.save_requested.connect(lambda wrapped: self._save_visit(wrapped[0], dialog))
        dialog.open()
        return dialog

    def _save_visit(self, visit: VisitForm, dialog: VisitDialog | None = None) -> None:
        """Save on the worker; the form closes only once the visit is saved. Refused, it stays
        open with everything typed and says why beside the fields; unusual readings are
        asked about and saved once confirmed, a drug the patient is allergic to once a reason
        is given. A patient on today's list (waiting or being seen) has that visit saved,
        done; otherwise the visit is a new one, done."""
        pid = self.patient_id

        def work(unit: UnitSession, _p: Any) -> ChangeSet:
            listed = next((row.encounter_id for row in unit.visits.today() if row.patient_id == pid
                           and row.state in ("waiting", "being-seen")), None)
            return unit.visits.save(pid, visit, encounter_id=listed).changes

        def done(changes: ChangeSet) -> None:
            if dialog is not None:
                dialog.saved()
            self.bus.broadcast(changes, self)
            self.refresh()

        def failed(error: KnownError) -> None:
            if dialog is None:
                show_error(self, error)
            else:
                dialog.refused(error)  # asks about unusual readings or an allergy itself

        self.worker.submit(work, on_done=done, on_error=failed)
