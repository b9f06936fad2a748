"""Register a patient: citizen ID with a live check-digit verdict, Thai and English names,
sex, birth date in Buddhist-era years, address (DOPA subdistrict), phone, insurance right.
Possible duplicates are listed before saving; saving works offline."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from clinic_app.core.demo import PLACES
from clinic_app.core.permissions import Actor
from clinic_app.core.identifiers import is_local_system
from clinic_app.core.thai import BE_OFFSET, THAI_MONTHS_SHORT, cid_problem
from clinic_app.services.patients import RIGHTS, PatientForm, PatientService
from clinic_app.store.records import RecordStore
from clinic_app.ui.session import Session
from clinic_app.ui.tasks import DbWorker
from clinic_app.ui.widgets import show_error

SEXES = [("female", "หญิง"), ("male", "ชาย"), ("other", "อื่น ๆ"), ("unknown", "ไม่ระบุ")]
PREFIXES = ["นาย", "นาง", "นางสาว", "ด.ช.", "ด.ญ.", ""]


class RegisterPage(QWidget):
    @property
    def actor(self) -> Actor:
        return self.session.actor

    patient_registered = Signal(str)  # the new patient's id

    def __init__(self, worker: DbWorker, session: Session) -> None:
        super().__init__()
        self.worker, self.session = worker, session
        form = QFormLayout()
        self.cid = QLineEdit()
        self.cid.setPlaceholderText("เลข 13 หลัก (เว้นว่างได้ถ้าไม่มี)")
        self.cid.setAccessibleName("เลขประจำตัวประชาชน / Citizen ID")
        self.cid.setMaxLength(17)
        self.cid_verdict = QLabel()
        self.cid_verdict.setObjectName("cidVerdict")
        row = QHBoxLayout()
        row.addWidget(self.cid)
        row.addWidget(self.cid_verdict)
        form.addRow("เลขประจำตัวประชาชน", row)
        self.passport = QLineEdit()
        form.addRow("หนังสือเดินทาง (ถ้าไม่มีเลข 13 หลัก)", self.passport)
        self.prefix = QComboBox()
        self.prefix.addItems(PREFIXES)
        form.addRow("คำนำหน้า", self.prefix)
        self.given_th, self.family_th = QLineEdit(), QLineEdit()
        self.given_en, self.family_en = QLineEdit(), QLineEdit()
        for widget, label in ((self.given_th, "ชื่อ (ไทย)"), (self.family_th, "นามสกุล (ไทย)"),
                              (self.given_en, "ชื่อ (อังกฤษ)"), (self.family_en, "นามสกุล (อังกฤษ)")):
            widget.setAccessibleName(label)
            form.addRow(label, widget)
        self.sex = QComboBox()
        for code, label in SEXES:
            self.sex.addItem(label, code)
        form.addRow("เพศ", self.sex)
        birth = QHBoxLayout()
        self.day, self.month, self.year = QSpinBox(), QComboBox(), QSpinBox()
        self.day.setRange(1, 31)
        self.month.addItems(list(THAI_MONTHS_SHORT))
        this_year = _dt.date.today().year + BE_OFFSET
        self.year.setRange(this_year - 120, this_year)
        self.year.setValue(this_year - 30)
        self.year.setAccessibleName("ปี พ.ศ. / Buddhist-era year")
        for w in (self.day, self.month, self.year):
            birth.addWidget(w)
        form.addRow("วันเกิด (พ.ศ.)", birth)
        self.house, self.moo = QLineEdit(), QLineEdit()
        self.place = QComboBox()
        for (prov, prov_th), (dist, dist_th), (sub, sub_th) in PLACES:
            self.place.addItem(f"ต.{sub_th} อ.{dist_th} จ.{prov_th}", sub)
        address = QHBoxLayout()
        address.addWidget(QLabel("บ้านเลขที่"))
        address.addWidget(self.house)
        address.addWidget(QLabel("หมู่"))
        address.addWidget(self.moo)
        form.addRow("ที่อยู่", address)
        form.addRow("ตำบล/อำเภอ/จังหวัด", self.place)
        self.phone = QLineEdit()
        form.addRow("โทรศัพท์", self.phone)
        self.right = QComboBox()
        for code, label in RIGHTS.items():
            self.right.addItem(label, code)
        form.addRow("สิทธิการรักษา", self.right)
        self.duplicates = QListWidget()
        self.duplicates.setObjectName("duplicates")
        self.duplicates.setMaximumHeight(90)
        self.save = QPushButton("บันทึก (Enter) / Save")
        self.save.setDefault(True)
        self.save.setObjectName("saveButton")
        self.message = QLabel()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("อาจซ้ำกับผู้ป่วยเดิม:"))
        layout.addWidget(self.duplicates)
        layout.addWidget(self.save)
        layout.addWidget(self.message)
        layout.addStretch()
        self.cid.textChanged.connect(self._on_cid_text_changed)
        self.save.clicked.connect(self._on_save_clicked)
        self.family_th.returnPressed.connect(self._on_save_clicked)
        self._confirmed = False

    def _on_cid_text_changed(self, text: str) -> None:
        self._confirmed = False
        if not text.strip():
            self.cid_verdict.setText("")
            return
        why = cid_problem(text)
        self.cid_verdict.setText("✗ " + why[0] if why else "✓ ถูกต้อง")
        self.cid_verdict.setStyleSheet("color:#b00020;" if why else "color:#1b7f3b;")

    def form(self) -> PatientForm:
        return PatientForm(given_th=self.given_th.text(), family_th=self.family_th.text(), sex=self.sex.currentData(),
                           birth_day=self.day.value(), birth_month=self.month.currentIndex() + 1,
                           birth_year_be=self.year.value(), cid=self.cid.text(), passport=self.passport.text(),
                           prefix=self.prefix.currentText(), given_en=self.given_en.text(),
                           family_en=self.family_en.text(), house=self.house.text(), moo=self.moo.text(),
                           subdistrict_code=self.place.currentData() or "", place_text=self.place.currentText(),
                           phone=self.phone.text(), right=self.right.currentData())

    def _on_save_clicked(self) -> None:
        form, confirmed, actor = self.form(), self._confirmed, self.actor

        def work(store: RecordStore, _p: Any) -> Any:
            service = PatientService(store, actor=actor)
            twins = service.duplicates(form)
            if twins and not confirmed:
                return ("duplicates", twins)
            return ("saved", service.register(form, allow_duplicates=True))

        self.worker.submit(work, on_done=self._on_saved, on_error=lambda e: show_error(self, e))

    def _on_saved(self, result: tuple[str, Any]) -> None:
        kind, value = result
        if kind == "duplicates":
            self.duplicates.clear()
            for p in value:
                self.duplicates.addItem(f"{p['name'][0].get('text', '')}  เกิด {p.get('birthDate', '?')}")
            self.message.setText("พบผู้ป่วยที่อาจซ้ำ ตรวจรายชื่อด้านบน แล้วกดบันทึกอีกครั้งถ้าเป็นคนละคน")
            self._confirmed = True
            return
        self.duplicates.clear()
        self._confirmed = False
        hn = next((i["value"] for i in value["identifier"] if is_local_system(i["system"], "HN")), "")
        self.message.setText(f"บันทึกแล้ว HN {hn} (รอส่งเมื่อออนไลน์) / Saved")
        self.patient_registered.emit(value["id"])

