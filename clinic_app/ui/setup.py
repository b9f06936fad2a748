"""Set up a real unit (File menu): facility code and name, the hub's address, the first
administrator. Shows the recovery key once and the device's enrolment for the hub, and
remembers the new folder so the next start opens it (training stays where it was)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from clinic_app.core.errors import InvalidInputError, KnownError
from clinic_app.core.thai import is_valid_hcode
from clinic_app.services.installation import NewUnit, default_data_dir, remember_data_dir
from clinic_app.ui.widgets import both_languages


class SetupDialog(QDialog):
    def __init__(self, parent: QWidget | None, setup_unit: Callable[..., NewUnit]) -> None:
        super().__init__(parent)
        self.setObjectName("setupDialog")
        self.setWindowTitle(self.tr("ตั้งค่าหน่วยบริการจริง"))
        self.setup_unit = setup_unit
        self.result_unit: NewUnit | None = None
        form = QFormLayout(self)
        self.hcode, self.name, self.hub = QLineEdit(), QLineEdit(), QLineEdit("https://")
        self.admin, self.password, self.repeat = QLineEdit(), QLineEdit(), QLineEdit()
        for box in (self.password, self.repeat):
            box.setEchoMode(QLineEdit.EchoMode.Password)
        self.folder = QLineEdit(str(default_data_dir().parent / "clinic-app-unit"))
        for label, box in ((self.tr("รหัสหน่วยบริการ (5 หลัก)"), self.hcode), (self.tr("ชื่อหน่วยบริการ"), self.name),
                           (self.tr("ที่อยู่ระบบกลาง (https)"), self.hub), (self.tr("ผู้ดูแลระบบคนแรก"), self.admin),
                           (self.tr("รหัสผ่าน"), self.password), (self.tr("ยืนยันรหัสผ่าน"), self.repeat),
                           (self.tr("โฟลเดอร์ข้อมูล"), self.folder)):
            box.setAccessibleName(label)
            form.addRow(label, box)
        self.error = QLabel()
        self.error.setObjectName("setupError")
        self.error.setStyleSheet("color:#b00020;")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _on_buttons_accepted(self) -> None:
        try:
            if not is_valid_hcode(self.hcode.text().strip()):
                raise InvalidInputError("รหัสหน่วยบริการต้องเป็นตัวเลข 5 หลัก", "The facility code has 5 digits.")
            if self.password.text() != self.repeat.text():
                raise InvalidInputError("รหัสผ่านสองครั้งไม่ตรงกัน", "The two passwords differ.")
            if not self.admin.text().strip():
                raise InvalidInputError("โปรดใส่ชื่อผู้ดูแลระบบ", "Give the administrator's user name.")
            unit = self.setup_unit(Path(self.folder.text().strip()), hcode=self.hcode.text().strip(),
                              name=self.name.text().strip(), hub_url=self.hub.text().strip(),
                              admin=self.admin.text().strip(), password=self.password.text())
        except KnownError as exc:
            self.error.setText(both_languages(exc))
            return
        remember_data_dir(unit.inst.folder.path)
        unit.inst.close()
        self.result_unit = unit
        self.accept()


class SetupDoneDialog(QDialog):
    """What to keep: the recovery key (once) and the enrolment to give the hub."""

    def __init__(self, parent: QWidget | None, unit: NewUnit) -> None:
        super().__init__(parent)
        self.setObjectName("setupDone")
        self.setWindowTitle(self.tr("ตั้งค่าเสร็จแล้ว"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("กุญแจกู้คืน (แสดงครั้งเดียว พิมพ์หรือจดเก็บในที่ปลอดภัย)")))
        key = QLabel(unit.recovery_key)
        key.setObjectName("recoveryKey")
        key.setStyleSheet("font-size:18pt;font-family:monospace;")
        layout.addWidget(key)
        layout.addWidget(QLabel(self.tr("ส่งข้อมูลนี้ให้ผู้ดูแลระบบกลางเพื่อลงทะเบียนเครื่อง")))
        text = QPlainTextEdit(json.dumps(unit.enrolment, indent=2))
        text.setReadOnly(True)
        text.setAccessibleName(self.tr("ข้อมูลลงทะเบียนเครื่องสำหรับระบบกลาง"))
        layout.addWidget(text)
        layout.addWidget(QLabel(self.tr("เปิดโปรแกรมใหม่เพื่อใช้หน่วยบริการนี้:\n{folder}").format(
            folder=unit.inst.folder.path)))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)

