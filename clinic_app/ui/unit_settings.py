"""The unit's settings (File menu, administrators): facility name, the hub's address and
whether it needs tokens, a CA bundle, how often to sync, when the window locks, and the
sync's batch sizes. All are saved together or none (each change audited); the hub address,
the sync interval and the idle lock take effect at once."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from clinic_app.core.changes import ChangeSet
from clinic_app.core.errors import InvalidInputError, KnownError
from clinic_app.ui.tasks import ChangeBus, DbWorker
from clinic_app.ui.i18n import english
from clinic_app.ui.widgets import both_languages


class UnitSettingsDialog(QDialog):
    def __init__(self, parent: QWidget | None, worker: DbWorker, bus: ChangeBus) -> None:
        super().__init__(parent)
        self.setObjectName("unitSettings")
        self.setWindowTitle(self.tr("ตั้งค่าหน่วยบริการ"))
        self.worker, self.bus = worker, bus
        self.loaded: dict[str, Any] = {}
        self.facility_name = QLineEdit()
        self.hub_url = QLineEdit()
        self.hub_auth = QCheckBox(self.tr("ระบบกลางต้องใช้การยืนยันตัวตนของเครื่อง (SMART)"))
        self.ca_bundle = QLineEdit()
        self.ca_bundle.setPlaceholderText(self.tr("ว่าง: ใช้ใบรับรองของระบบ"))
        browse = QPushButton(self.tr("เลือกไฟล์…"))
        browse.setAccessibleName(self.tr("เลือกไฟล์ใบรับรอง"))
        browse.clicked.connect(self._on_browse_clicked)
        self.interval = QDoubleSpinBox()
        self.interval.setRange(0.5, 1440)
        self.interval.setSuffix(self.tr(" นาที"))
        self.idle = QDoubleSpinBox()
        self.idle.setRange(1, 480)
        self.idle.setSuffix(self.tr(" นาที"))
        self.bundle = QSpinBox()
        self.bundle.setRange(1, 5000)
        self.page = QSpinBox()
        self.page.setRange(1, 5000)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_bundle, 1)
        ca_row.addWidget(browse)
        form = QFormLayout(self)
        self.fields: dict[str, QWidget] = {
            "facility_name": self.facility_name, "hub_url": self.hub_url, "hub_auth": self.hub_auth,
            "hub_ca_bundle": self.ca_bundle, "sync_interval_minutes": self.interval,
            "idle_lock_minutes": self.idle, "sync_bundle_size": self.bundle, "sync_page_size": self.page}
        labels = {"facility_name": self.tr("ชื่อหน่วยบริการ"), "hub_url": self.tr("ที่อยู่ระบบกลาง (https)"),
                  "hub_auth": self.tr("การยืนยันตัวตน"), "hub_ca_bundle": self.tr("ใบรับรอง CA ของระบบกลาง"),
                  "sync_interval_minutes": self.tr("ซิงก์ทุก"), "idle_lock_minutes": self.tr("ล็อกหน้าจอเมื่อไม่ใช้งาน"),
                  "sync_bundle_size": self.tr("จำนวนรายการต่อการส่งหนึ่งครั้ง"),
                  "sync_page_size": self.tr("จำนวนรายการต่อการรับหนึ่งหน้า")}
        for key, widget in self.fields.items():
            widget.setAccessibleName(labels[key])
            form.addRow(labels[key], ca_row if key == "hub_ca_bundle" else widget)
        self.error = QLabel()
        self.error.setObjectName("settingsError")
        self.error.setStyleSheet("color:#b00020;")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        form.addRow(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.buttons.setEnabled(False)  # until the values are read
        form.addRow(self.buttons)
        worker.submit(lambda unit, _p: unit.setting_values(), on_done=self._show, on_error=self._refused)

    def _show(self, values: dict[str, Any]) -> None:
        self.loaded = values
        self.facility_name.setText(str(values.get("facility_name") or ""))
        self.hub_url.setText(str(values.get("hub_url") or ""))
        self.hub_auth.setChecked(bool(values.get("hub_auth")))
        self.ca_bundle.setText(str(values.get("hub_ca_bundle") or ""))
        self.interval.setValue(float(values.get("sync_interval_minutes") or 5))
        self.idle.setValue(float(values.get("idle_lock_minutes") or 10))
        self.bundle.setValue(int(values.get("sync_bundle_size") or 200))
        self.page.setValue(int(values.get("sync_page_size") or 500))
        self.buttons.setEnabled(True)

    def texts(self) -> dict[str, str]:
        """Every setting as the text the session parses."""
        return {"facility_name": self.facility_name.text().strip(), "hub_url": self.hub_url.text().strip(),
                "hub_auth": "true" if self.hub_auth.isChecked() else "false",
                "hub_ca_bundle": self.ca_bundle.text().strip(),
                "sync_interval_minutes": f"{self.interval.value():g}", "idle_lock_minutes": f"{self.idle.value():g}",
                "sync_bundle_size": str(self.bundle.value()), "sync_page_size": str(self.page.value())}

    def save(self) -> None:
        texts = self.texts()
        self.buttons.setEnabled(False)

        def done(changes: ChangeSet) -> None:
            self.bus.broadcast(changes, self)
            super(UnitSettingsDialog, self).accept()

        self.worker.submit(lambda unit, _p: unit.change_settings(texts), on_done=done, on_error=self._refused)

    def _refused(self, error: KnownError) -> None:
        """Said in the dialog; what was typed stays."""
        self.buttons.setEnabled(bool(self.loaded))
        for widget in self.fields.values():
            widget.setStyleSheet("")
        lines, lang = [both_languages(error)], "en" if english() else "th"
        for problem in error.problems if isinstance(error, InvalidInputError) else []:
            widget = self.fields.get(problem.path)
            if widget is not None:
                widget.setStyleSheet("border: 2px solid #b00020;")
            lines.append(f"• {problem.reason_in(lang)}")
        self.error.setText("\n".join(lines))
        self.error.setVisible(True)

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("ใบรับรอง CA"), "", "PEM (*.pem *.crt);;* (*)")
        if path:
            self.ca_bundle.setText(path)
