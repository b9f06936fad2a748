"""The main window and the GUI's start-up.

First start with no data folder: training mode, no questions asked — a facility code
reserved for training (99999), demo patients loaded in the background with progress, and
a banner that says it is training. Setting up a real unit is the `init` command for now
(a setup window arrives with the security issue).

Fonts: the app asks for Thai-capable families in order (Noto Sans Thai, Leelawadee UI
and Tahoma on Windows, Loma and Garuda from Debian's fonts-thai-tlwg); Qt falls back per
glyph to whichever is installed. No font is shipped.
"""

from __future__ import annotations

import datetime as _dt
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_app import __version__
from clinic_app.core.errors import KnownError
from clinic_app.core.fhir import Resource
from clinic_app.core.identifiers import TRAINING_HCODE, IdentifierSystems
from clinic_app.core.thai import age_in_years, format_thai_date, mask_cid
from clinic_app.security.keys import KeyStore, PassphraseSource
from clinic_app.services.installation import Installation, initialise, open_installation
from clinic_app.services.records import RecordService
from clinic_app.store.folder import DataFolder
from clinic_app.store.records import RecordStore
from clinic_app.ui.tasks import DbWorker

log = logging.getLogger(__name__)

TRAINING_PATIENTS = 200
THAI_FONTS = ["Noto Sans Thai", "Leelawadee UI", "Tahoma", "Loma", "Garuda", "Sans Serif"]
SEARCH_DELAY_MS = 150


def _patient_row(patient: Resource, systems: IdentifierSystems, today: _dt.date) -> list[str]:
    names = patient.get("name") or [{}]
    name = names[0].get("text") or " ".join([*names[0].get("given", []), names[0].get("family", "")])
    cid = next((i["value"] for i in patient.get("identifier", []) if systems.is_cid(i.get("system"))), "")
    hn = next((i["value"] for i in patient.get("identifier", []) if str(i.get("system", "")).endswith("/HN")), "")
    age = ""
    if patient.get("birthDate"):
        try:
            born = _dt.date.fromisoformat(patient["birthDate"])
            age = f"{age_in_years(born, today)} ปี"
        except ValueError:
            age = ""
    sex = {"male": "ชาย", "female": "หญิง"}.get(patient.get("gender", ""), "-")
    return [hn, name, mask_cid(cid) if cid else "-", age, sex]


class MainWindow(QMainWindow):
    """Find a patient: one box for citizen ID, HN, name (Thai or English) or phone."""

    COLUMNS = ["HN", "ชื่อ-สกุล", "เลขประจำตัวประชาชน", "อายุ", "เพศ"]

    def __init__(self, worker: DbWorker, *, training: bool, facility: str) -> None:
        super().__init__()
        self.worker = worker
        self.systems = IdentifierSystems()
        self.setWindowTitle(f"clinic-app {__version__} — {facility}")
        self.resize(980, 640)
        central = QWidget()
        layout = QVBoxLayout(central)
        self.banner = QLabel("โหมดฝึกอบรม — ข้อมูลตัวอย่าง ไม่ใช่ข้อมูลผู้ป่วยจริง  ·  Training mode: demo data")
        self.banner.setObjectName("trainingBanner")
        self.banner.setStyleSheet("background:#ffe08a;color:#5a4100;padding:6px;font-weight:bold;")
        self.banner.setVisible(training)
        layout.addWidget(self.banner)
        self.search = QLineEdit()
        self.search.setPlaceholderText("ค้นหา: เลขประจำตัวประชาชน, HN, ชื่อ-สกุล (ไทย/อังกฤษ), เบอร์โทร")
        self.search.setAccessibleName("ค้นหาผู้ป่วย / Find a patient")
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        self.results = QTableWidget(0, len(self.COLUMNS))
        self.results.setHorizontalHeaderLabels(self.COLUMNS)
        self.results.setAccessibleName("ผลการค้นหา / Search results")
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results.verticalHeader().setVisible(False)
        header = self.results.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.results)
        self.setCentralWidget(central)
        self.status_label = QLabel()
        self.statusBar().addWidget(self.status_label)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.search.textChanged.connect(self._on_search_text_changed)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self.search.setFocus)
        self._query_serial = 0
        self.worker.crashed.connect(self._on_worker_crashed)
        self.refresh_status()

    # -- search -------------------------------------------------------------------

    def _on_search_text_changed(self, _text: str) -> None:
        self._timer.start()

    def _on_timer_timeout(self) -> None:
        self._query_serial += 1
        serial, text = self._query_serial, self.search.text()
        self.worker.submit(lambda store, _p: store.search_patients(text, limit=100),
                           on_done=lambda rows: self._show_results(serial, rows),
                           on_error=self.show_error)

    def _show_results(self, serial: int, patients: list[Resource]) -> None:
        if serial != self._query_serial:
            return  # an older query finished after a newer one started
        today = _dt.date.today()
        self.results.setRowCount(len(patients))
        for row, patient in enumerate(patients):
            for col, text in enumerate(_patient_row(patient, self.systems, today)):
                self.results.setItem(row, col, QTableWidgetItem(text))

    # -- status ----------------------------------------------------------------------

    def refresh_status(self) -> None:
        def read(store: RecordStore, _p: Any) -> dict[str, Any]:
            return RecordService(store, actor="ui").status()

        self.worker.submit(read, on_done=self._show_status, on_error=self.show_error)

    def _show_status(self, status: dict[str, Any]) -> None:
        patients = status["counts"].get("Patient", 0)
        pending = status["outbox"]["pending"]
        last = status["last_sync"]
        last_text = format_thai_date(_dt.date.fromisoformat(last[:10])) if last else "ยังไม่เคย / never"
        hub = f"  ·  ฮับ / hub: {status['hub_url']}" if status.get("hub_url") else ""
        self.status_label.setText(
            f"ออฟไลน์ / Offline  ·  ผู้ป่วย {patients:,} ราย  ·  รอส่ง {pending:,} รายการ  ·  ซิงก์ล่าสุด: {last_text}{hub}")

    # -- errors ------------------------------------------------------------------------

    def show_error(self, error: KnownError) -> None:
        QMessageBox.warning(self, "clinic-app", error.bilingual())

    def _on_worker_crashed(self, _what: str) -> None:
        QMessageBox.critical(self, "clinic-app",
                             "เกิดข้อผิดพลาดภายในโปรแกรม ข้อมูลที่บันทึกแล้วยังอยู่ครบ "
                             "รายละเอียดอยู่ในไฟล์บันทึกในโฟลเดอร์ logs ของโฟลเดอร์ข้อมูล\n"
                             "Internal error; saved data is intact. Details are in the log file "
                             "in the data folder's logs/.")

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        self.worker.shutdown()
        super().closeEvent(event)


def apply_thai_font(app: QApplication) -> None:
    font = QFont()
    font.setFamilies(THAI_FONTS)
    font.setPointSize(11)
    app.setFont(font)


def gui_passphrase(parent: QWidget | None = None) -> PassphraseSource:
    def ask(new: bool) -> str | None:
        text, ok = QInputDialog.getText(
            parent, "clinic-app",
            "เครื่องนี้ไม่มีที่เก็บกุญแจ โปรดใส่รหัสผ่าน (อย่างน้อย 12 ตัวอักษร)\n"
            "No keyring on this computer: enter the passphrase (12 characters or more)",
            QLineEdit.EchoMode.Password)
        return text if ok and text else None

    return ask


def open_or_start_training(data_dir: Path, keys: KeyStore,
                           passphrase: PassphraseSource | None) -> tuple[Installation, bool]:
    """Open the folder; with none there yet, set up training mode. True: demo data needed."""
    if DataFolder(data_dir).exists():
        return open_installation(data_dir, keys=keys, passphrase=passphrase), False
    inst = initialise(data_dir, hcode=TRAINING_HCODE, name="หน่วยบริการฝึกอบรม (Training unit)",
                      training=True, keys=keys, passphrase=passphrase)
    return inst, True


def load_training_demo(window: MainWindow, *, patients: int = TRAINING_PATIENTS,
                       on_finished: Callable[[], None] | None = None) -> QProgressDialog:
    dialog = QProgressDialog("กำลังเตรียมข้อมูลตัวอย่าง… / Preparing demo data…", "ยกเลิก / Cancel",
                             0, patients, window)
    dialog.setWindowTitle("clinic-app")
    dialog.setMinimumDuration(0)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)

    def work(store: RecordStore, progress: Callable[[int, int], bool]) -> int:
        RecordService(store, actor="training").load_demo(patients, seed=1, batch=20, progress=progress)
        return patients

    def done(_result: Any = None) -> None:
        dialog.reset()
        window.refresh_status()
        if on_finished is not None:
            on_finished()

    def failed(error: KnownError) -> None:
        done()
        if error.code != "cancelled":
            window.show_error(error)

    task = window.worker.submit(work, on_done=done, on_error=failed,
                                on_progress=lambda d, t: dialog.setValue(d))
    dialog.canceled.connect(task.cancel)
    return dialog


def run(*, data_dir: Path, keys: KeyStore, passphrase: PassphraseSource | None,
        configure_logging: Callable[[Path], Any], argv: list[str],
        start_training_hub: Callable[[Installation, str], Any] | None = None) -> int:
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("clinic-app")
    apply_thai_font(app)
    if passphrase is None and not keys.keyring_works():
        passphrase = gui_passphrase()
    try:
        inst, needs_demo = open_or_start_training(data_dir, keys, passphrase)
    except KnownError as exc:
        QMessageBox.critical(None, "clinic-app", exc.bilingual())
        return exc.exit_code
    configure_logging(inst.folder.log_dir)
    worker = DbWorker(lambda: inst.connect())
    probe = inst.connect()
    try:
        training = bool(probe.get_setting("training_mode", False))
        hcode = str(probe.get_setting("hcode"))
        facility = str(probe.get_setting("facility_name", "") or hcode)
    finally:
        probe.close()
    hub = None
    if training and start_training_hub is not None:
        try:
            hub = start_training_hub(inst, hcode)
        except Exception:  # noqa: BLE001 - training goes on offline; the bug is logged
            log.exception("the training hub did not start")
    window = MainWindow(worker, training=training, facility=facility)
    window.show()
    if needs_demo:
        load_training_demo(window)
    try:
        code = app.exec()
    finally:
        if hub is not None:
            hub.stop()
        inst.close()
    sys.stdout.flush()
    return int(code)
