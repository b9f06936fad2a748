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

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QFileDialog,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QProgressDialog,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from clinic_app import __version__
from clinic_app.core.errors import KnownError
from clinic_app.core.fhir import Resource, patient_cid
from clinic_app.core.permissions import DEVICE, Actor
from clinic_app.core.identifiers import TRAINING_HCODE, is_local_system
from clinic_app.core.thai import age_in_years, mask_cid
from clinic_app.security.keys import KeyStore, PassphraseSource
from clinic_app.services.installation import Installation, initialise, open_installation
from clinic_app.services.interop import Interop43
from clinic_app.services.accounts import AccountService
from clinic_app.services.consent import ConsentService
from clinic_app.services.records import RecordService
from clinic_app.services.sync import make_client, scheduler_for
from clinic_app.store.folder import DataFolder
from clinic_app.store.records import RecordStore
from clinic_app.ui.chart import ChartPage
from clinic_app.ui.consent import ConsentPage
from clinic_app.ui.i18n import (
    LANGUAGES,
    chosen_language,
    english,
    format_moment,
    install_language,
    pick,
    remember_language,
    translate,
)
from clinic_app.ui.register import RegisterPage, sexes
from clinic_app.ui.sync_page import SyncPage
from clinic_app.ui.session import IdleLock, Session, SignIn, SignInDialog, who
from clinic_app.ui.setup import SetupDialog, SetupDoneDialog
from clinic_app.ui.tasks import DbWorker
from clinic_app.ui.widgets import Relay, show_error

log = logging.getLogger(__name__)

TRAINING_PATIENTS = 200
THAI_FONTS = ["Noto Sans Thai", "Leelawadee UI", "Tahoma", "Loma", "Garuda", "Sans Serif"]
SEARCH_DELAY_MS = 150


def _patient_row(patient: Resource, today: _dt.date) -> list[str]:
    names = patient.get("name") or [{}]
    name = names[0].get("text") or " ".join([*names[0].get("given", []), names[0].get("family", "")])
    cid = patient_cid(patient) or ""
    hn = next((i["value"] for i in patient.get("identifier", []) if is_local_system(str(i.get("system", "")), "HN")), "")
    age = ""
    if patient.get("birthDate"):
        try:
            born = _dt.date.fromisoformat(patient["birthDate"])
            age = translate("FindPage", "{years} ปี").format(years=age_in_years(born, today))
        except ValueError:
            age = ""
    sex = dict(sexes()).get(patient.get("gender", ""), "-")
    return [hn, name, mask_cid(cid) if cid else "-", age, sex]


class FindPage(QWidget):
    """Find a patient: one box for citizen ID, HN, name (Thai or English) or phone."""

    patient_opened = Signal(str)
    def __init__(self, worker: DbWorker) -> None:
        super().__init__()
        self.worker = worker
        layout = QVBoxLayout(self)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("ค้นหา: เลขประจำตัวประชาชน, HN, ชื่อ-สกุล (ไทย/อังกฤษ), เบอร์โทร"))
        self.search.setAccessibleName(self.tr("ค้นหาผู้ป่วย"))
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        columns = ["HN", self.tr("ชื่อ-สกุล"), self.tr("เลขประจำตัวประชาชน"), self.tr("อายุ"), self.tr("เพศ")]
        self.results = QTableWidget(0, len(columns))
        self.results.setHorizontalHeaderLabels(columns)
        self.results.setAccessibleName(self.tr("ผลการค้นหา"))
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results.verticalHeader().setVisible(False)
        header = self.results.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.results)
        self._ids: list[str] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.returnPressed.connect(self._on_search_return_pressed)
        self.results.cellDoubleClicked.connect(self._on_results_cell_double_clicked)
        self._query_serial = 0

    def _on_search_text_changed(self, _text: str) -> None:
        self._timer.start()

    def _on_timer_timeout(self) -> None:
        self._query_serial += 1
        serial, text = self._query_serial, self.search.text()
        self.worker.submit(lambda store, _p: store.search_patients(text, limit=100),
                           on_done=lambda rows: self._show_results(serial, rows),
                           on_error=lambda e: show_error(self, e))

    def _show_results(self, serial: int, patients: list[Resource]) -> None:
        if serial != self._query_serial:
            return  # an older query finished after a newer one started
        today = _dt.date.today()
        self._ids = [p["id"] for p in patients]
        # One layout pass for the whole result set, not one per cell (it kept the window busy).
        self.results.setUpdatesEnabled(False)
        self.results.setRowCount(len(patients))
        for row, patient in enumerate(patients):
            for col, text in enumerate(_patient_row(patient, today)):
                self.results.setItem(row, col, QTableWidgetItem(text))
        for col in (0, 2, 3, 4):
            self.results.resizeColumnToContents(col)
        self.results.setUpdatesEnabled(True)

    def _on_search_return_pressed(self) -> None:
        if self._ids:
            self.patient_opened.emit(self._ids[max(0, self.results.currentRow())])

    def _on_results_cell_double_clicked(self, row: int, _col: int) -> None:
        self.patient_opened.emit(self._ids[row])


class MainWindow(QMainWindow):
    """Tabs: find, register, consent, sync; a chart tab per opened patient. The status bar
    says online or offline, what waits to be sent, the last sync and the last error, and
    holds "Sync now" with progress and cancel."""

    def __init__(self, worker: DbWorker, *, training: bool, facility: str, inst: Installation | None = None,
                 actor: Actor = DEVICE, sign_in: SignIn | None = None,
                 sign_out: Callable[[Actor], None] | None = None) -> None:
        super().__init__()
        self.worker, self.inst = worker, inst
        self.session = Session(actor)
        self.sign_in = sign_in
        self.sign_out = sign_out
        self.setWindowTitle(f"clinic-app {__version__} — {facility}")
        self.resize(1100, 720)
        central = QWidget()
        layout = QVBoxLayout(central)
        self.banner = QLabel(self.tr("โหมดฝึกอบรม — ข้อมูลตัวอย่าง ไม่ใช่ข้อมูลผู้ป่วยจริง"))
        self.banner.setObjectName("trainingBanner")
        self.banner.setStyleSheet("background:#ffe08a;color:#5a4100;padding:6px;font-weight:bold;")
        self.banner.setVisible(training)
        layout.addWidget(self.banner)
        self.tabs = QTabWidget()
        self.tabs.setTabsClosable(True)
        self.tabs.setAccessibleName(self.tr("หน้าจองาน"))
        self.tabs.tabCloseRequested.connect(self._on_tabs_tab_close_requested)
        self.find = FindPage(worker)
        self.find.patient_opened.connect(self.open_chart)
        self.search, self.results = self.find.search, self.find.results
        self.register = RegisterPage(worker, self.session)
        self.register.patient_registered.connect(self._on_register_patient_registered)
        self.tabs.addTab(self.find, self.tr("ค้นหาผู้ป่วย"))
        self.tabs.addTab(self.register, self.tr("ลงทะเบียน"))
        self.consent: ConsentPage | None = None
        if inst is not None:
            self.consent = ConsentPage(worker, self.session, inst, self._emergency)
            self.consent.consent_requested.connect(self.refresh_status)
            self.tabs.addTab(self.consent, self.tr("ความยินยอม"))
        self.sync_page = SyncPage(worker, self.session)
        self.sync_page.conflict_resolved.connect(self.refresh_status)
        self.tabs.addTab(self.sync_page, self.tr("ซิงก์"))
        for i in range(self.tabs.count()):
            self.tabs.tabBar().setTabButton(i, self.tabs.tabBar().ButtonPosition.RightSide, None)
        layout.addWidget(self.tabs)
        self.setCentralWidget(central)
        self.status_label = QLabel()
        self.online_label = QLabel(self.tr("กำลังตรวจสอบการเชื่อมต่อ…"))
        self.online_label.setObjectName("onlineLabel")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setVisible(False)
        self.sync_button = QPushButton(self.tr("ซิงก์เดี๋ยวนี้ (F5)"))
        self.sync_button.setObjectName("syncNow")
        self.cancel_button = QPushButton(self.tr("ยกเลิก"))
        self.cancel_button.setVisible(False)
        self.user_label = QLabel(who(actor))
        self.user_label.setObjectName("userLabel")
        self.lock_button = QPushButton(self.tr("ล็อก / สลับผู้ใช้"))
        self.lock_button.setVisible(sign_in is not None)
        self.lock_button.clicked.connect(self.lock_now)
        self.statusBar().addWidget(self.user_label)
        self.statusBar().addWidget(self.online_label)
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)
        self.statusBar().addPermanentWidget(self.sync_button)
        self.statusBar().addPermanentWidget(self.lock_button)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self._focus_search)
        QShortcut(QKeySequence("F5"), self, activated=self._on_sync_button_clicked)
        menu = self.menuBar().addMenu(self.tr("ไฟล์"))
        self.setup_action = menu.addAction(self.tr("ตั้งค่าหน่วยบริการจริง…"))
        self.setup_action.triggered.connect(self.open_setup)
        menu.addSeparator()
        self.export43_action = menu.addAction(self.tr("ส่งออก 43 แฟ้ม…"))
        self.export43_action.triggered.connect(self._on_export43_triggered)
        self.import43_action = menu.addAction(self.tr("นำเข้า 43 แฟ้ม…"))
        self.import43_action.triggered.connect(self._on_import43_triggered)
        # Named in both languages, so whoever cannot read the current one still finds it.
        languages = self.menuBar().addMenu("ภาษา / Language")
        languages.setObjectName("languageMenu")
        self.language_actions: dict[str, QAction] = {}
        for code, name in LANGUAGES.items():
            action = languages.addAction(name)
            action.setCheckable(True)
            action.setChecked(code == ("en" if english() else "th"))
            action.triggered.connect(lambda _checked=False, code=code: self.choose_language(code))
            self.language_actions[code] = action
        self.keys: KeyStore | None = None
        self.relay = Relay(self)
        self.relay.arrived.connect(self._on_relay_arrived)
        self.scheduler: Any = None
        self.sync_button.clicked.connect(self._on_sync_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.worker.crashed.connect(self._on_worker_crashed)
        self._last_error: str | None = None
        self.refresh_status()

    @property
    def actor(self) -> Actor:
        return self.session.actor

    # -- who is at the keyboard ---------------------------------------------------------

    def lock_now(self) -> SignInDialog | None:
        """Cover the window until someone signs in; the same person or another (switch user).
        Nothing behind the lock is closed or discarded."""
        if self.sign_in is None or self.findChild(SignInDialog, "signInDialog") is not None:
            return None
        dialog = SignInDialog(self, self.sign_in, name=self.actor.name, locked=True)
        dialog.setModal(True)
        dialog.accepted.connect(lambda: self._signed_in(dialog))
        dialog.open()
        return dialog

    def open_setup(self) -> SetupDialog:
        dialog = SetupDialog(self, self.keys or KeyStore())
        dialog.accepted.connect(lambda: SetupDoneDialog(self, dialog.result_unit).open()
                                if dialog.result_unit else None)
        dialog.open()
        return dialog

    def choose_language(self, code: str) -> QMessageBox:
        """Store the choice for this user; the window speaks it from the next start (the
        message says so in both languages)."""
        remember_language(code)
        for other, action in self.language_actions.items():
            action.setChecked(other == code)
        box = QMessageBox(QMessageBox.Icon.Information, "clinic-app",
                          "จะใช้ภาษาที่เลือกเมื่อเปิดโปรแกรมครั้งถัดไป\n"
                          "The chosen language applies the next time the app starts.",
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("languageBox")
        box.open()
        return box

    # -- MOPH 43 files ---------------------------------------------------------------------

    def _on_export43_triggered(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("เลือกโฟลเดอร์ที่จะเก็บ 43 แฟ้ม"))
        if folder:
            self.export_43(Path(folder))

    def _on_import43_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("เลือกไฟล์ 43 แฟ้ม (zip)"), "",
                                              self.tr("43 แฟ้ม (*.zip)"))
        if path:
            self.import_43(Path(path))

    def _report_box(self, text: str, notes: list[str]) -> QMessageBox:
        """What a long job did; its notes (English, from the 43-file mapping) behind
        "Show Details" so the box stays small."""
        box = QMessageBox(QMessageBox.Icon.Information, "clinic-app", text, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("reportBox")
        if notes:
            box.setInformativeText(self.tr("มีหมายเหตุ {count} ข้อ (ดูรายละเอียด)").format(count=len(notes)))
            box.setDetailedText("\n".join(f"• {note}" for note in notes))
        box.open()
        return box

    def export_43(self, folder: Path) -> QProgressDialog:
        """Every patient of the unit and all its visits into F43_<HOSPCODE>_<stamp>.zip in
        `folder`, on the worker with progress and cancel."""
        dialog = QProgressDialog(self.tr("กำลังเขียน 43 แฟ้ม…"), self.tr("ยกเลิก"), 0, 0, self)
        dialog.setWindowTitle("clinic-app")
        dialog.setMinimumDuration(0)
        actor = self.actor

        def work(store: RecordStore, progress: Callable[[int, int], bool]) -> Any:
            return Interop43(store, actor=actor).export(folder, progress=progress)

        def done(report: Any) -> None:
            dialog.reset()
            rows = ", ".join(f"{name} {count:,}" for name, count in report.rows.items())
            self._report_box(self.tr("เขียน 43 แฟ้มแล้ว:\n{path}\n{rows}").format(path=report.path, rows=rows),
                             report.notes)

        def failed(error: KnownError) -> None:
            dialog.reset()
            if error.code != "cancelled":
                self.show_error(error)

        def step(done_count: int, total: int) -> None:
            dialog.setMaximum(total)
            dialog.setValue(done_count)

        task = self.worker.submit(work, on_done=done, on_error=failed, on_progress=step)
        dialog.canceled.connect(task.cancel)
        return dialog

    def import_43(self, source: Path) -> QProgressDialog:
        """Import a 43-file zip or folder: all of it, or nothing with every problem listed.
        It is one transaction, so it shows that it works but cannot be stopped halfway."""
        actor = self.actor
        dialog = QProgressDialog(self.tr("กำลังตรวจและนำเข้า 43 แฟ้ม…"), "", 0, 0, self)
        dialog.setWindowTitle("clinic-app")
        dialog.setCancelButton(None)
        dialog.setMinimumDuration(0)

        def done(report: Any) -> None:
            dialog.reset()
            kinds = ", ".join(f"{name} {count:,}" for name, count in report.by_type.items())
            self._report_box(self.tr("นำเข้า 43 แฟ้มแล้ว {count} รายการ\n{kinds}").format(count=f"{report.stored:,}",
                                                                                     kinds=kinds), report.notes)
            self.refresh_status()

        def failed(error: KnownError) -> None:
            dialog.reset()
            self.show_error(error)

        self.worker.submit(lambda store, _p: Interop43(store, actor=actor).import_(source), on_done=done,
                           on_error=failed)
        return dialog

    def _signed_in(self, dialog: SignInDialog) -> None:
        if dialog.actor is not None and dialog.actor != self.actor:
            if self.sign_out is not None:
                self.sign_out(self.actor)
            self.session.change(dialog.actor)
            self.user_label.setText(who(dialog.actor))
            self.refresh_status()
        dialog.deleteLater()

    # -- navigation ---------------------------------------------------------------------

    def _focus_search(self) -> None:
        self.tabs.setCurrentWidget(self.find)
        self.search.setFocus()

    def open_chart(self, patient_id: str) -> None:
        page = ChartPage(self.worker, self.session, patient_id, self.inst)
        page.visit_saved.connect(self.refresh_status)
        index = self.tabs.addTab(page, self.tr("แฟ้มผู้ป่วย"))
        self.tabs.setCurrentIndex(index)

    def _on_register_patient_registered(self, patient_id: str) -> None:
        self.refresh_status()
        self.open_chart(patient_id)

    def _on_tabs_tab_close_requested(self, index: int) -> None:
        if isinstance(self.tabs.widget(index), ChartPage):
            self.tabs.removeTab(index)

    def _emergency(self, cid: str, reason: str, after: Callable[[], None]) -> None:
        """Break the glass on the worker thread (it needs the hub), then show the records."""
        inst, actor = self.inst, self.actor

        def work(store: RecordStore, _p: Any) -> int:
            client = make_client(inst, store)
            try:
                return ConsentService(store, inst, actor=actor).emergency_access(cid, reason, client)
            finally:
                client.close()

        def done(_count: int) -> None:
            self.refresh_status()
            after()

        self.worker.submit(work, on_done=done, on_error=self.show_error)

    # -- sync ---------------------------------------------------------------------------------

    def attach_scheduler(self, scheduler: Any) -> None:
        self.scheduler = scheduler

    def _on_sync_button_clicked(self) -> None:
        if self.scheduler is not None:
            self.scheduler.request_sync()

    def _on_cancel_button_clicked(self) -> None:
        if self.scheduler is not None:
            self.scheduler.cancel()

    def _on_relay_arrived(self, wrapped: list[Any]) -> None:
        state = wrapped[0]
        self.online_label.setText({True: "● " + self.tr("ออนไลน์"), False: "○ " + self.tr("ออฟไลน์")}.get(
            state.online, self.tr("กำลังตรวจสอบการเชื่อมต่อ…")))
        self.online_label.setStyleSheet("color:#1b7f3b;" if state.online else "color:#8a6d00;")
        self.progress.setVisible(state.running)
        self.cancel_button.setVisible(state.running)
        self.sync_button.setEnabled(not state.running)
        if state.running:
            self.progress.setMaximum(max(state.total, 0))
            self.progress.setValue(min(state.done, state.total) if state.total else 0)
            phase = self._phase_names().get(state.phase, state.phase)
            self.progress.setFormat(f"{phase} %v/%m" if state.total else phase)
        else:
            self._last_error = state.last_error
            self.refresh_status()
            self.sync_page.refresh()
            if self.consent is not None:
                self.consent.refresh()

    def _phase_names(self) -> dict[str, str]:
        return {"connect": self.tr("กำลังเชื่อมต่อ"), "push": self.tr("ส่งข้อมูล"), "pull": self.tr("รับข้อมูล"),
                "verify": self.tr("ตรวจนับ")}

    def refresh_status(self) -> None:
        def read(store: RecordStore, _p: Any) -> dict[str, Any]:
            return RecordService(store, actor="ui").status()

        self.worker.submit(read, on_done=self._show_status, on_error=self.show_error)

    def _show_status(self, status: dict[str, Any]) -> None:
        patients = status["counts"].get("Patient", 0)
        outbox = status["outbox"]
        last = status["last_sync"]
        last_text = format_moment(last) if last else self.tr("ยังไม่เคย")
        parts = [self.tr("ผู้ป่วย {count} ราย").format(count=f"{patients:,}"),
                 self.tr("รอส่ง {count} รายการ").format(count=f"{outbox['pending']:,}"),
                 self.tr("ซิงก์ล่าสุด: {when}").format(when=last_text)]
        if outbox["conflict"]:
            parts.append(self.tr("ขัดแย้ง {count} รายการ").format(count=outbox["conflict"]))
        if outbox["failed"]:
            parts.append(self.tr("ไม่ผ่าน {count} รายการ").format(count=outbox["failed"]))
        error = self._last_error or status.get("last_sync_error")
        if error:
            thai, _, english_text = error.partition("\n")
            parts.append(self.tr("ปัญหาล่าสุด: {problem}").format(problem=pick(thai, english_text)))
        self.status_label.setText("  ·  ".join(parts))

    # -- errors ------------------------------------------------------------------------------

    def show_error(self, error: KnownError) -> None:
        show_error(self, error)

    def _on_worker_crashed(self, _what: str) -> None:
        QMessageBox.critical(self, "clinic-app", self.tr(
            "เกิดข้อผิดพลาดภายในโปรแกรม ข้อมูลที่บันทึกแล้วยังอยู่ครบ รายละเอียดอยู่ในไฟล์บันทึกในโฟลเดอร์ logs ของโฟลเดอร์ข้อมูล"))

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.sign_out is not None:
            self.sign_out(self.actor)
            self.sign_out = None
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
            translate("Passphrase", "เครื่องนี้ไม่มีที่เก็บกุญแจ โปรดใส่รหัสผ่าน (อย่างน้อย 12 ตัวอักษร)"),
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
    dialog = QProgressDialog(translate("Training", "กำลังเตรียมข้อมูลตัวอย่าง…"), translate("Training", "ยกเลิก"),
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


def _accounts(inst: Installation) -> tuple[SignIn | None, Callable[[Actor], None] | None, Actor, float]:
    """(sign-in and sign-out functions, or None before accounts exist; the acting device;
    idle minutes)."""
    store = inst.connect()
    try:
        has = AccountService(store).has_accounts()
        minutes = float(store.get_setting("idle_lock_minutes", 10))
    finally:
        store.close()
    if not has:
        return None, None, DEVICE, minutes

    def sign_in(name: str, password: str) -> Actor:
        conn = inst.connect()
        try:
            return AccountService(conn).sign_in(name, password)
        finally:
            conn.close()

    def sign_out(actor: Actor) -> None:
        conn = inst.connect()
        try:
            AccountService(conn).sign_out(actor)
        finally:
            conn.close()

    return sign_in, sign_out, DEVICE, minutes


def run(*, data_dir: Path, keys: KeyStore, passphrase: PassphraseSource | None,
        configure_logging: Callable[[Path], Any], argv: list[str],
        start_training_hub: Callable[[Installation, str], Any] | None = None) -> int:
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("clinic-app")
    apply_thai_font(app)
    install_language(app, chosen_language())
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
    sign_in, sign_out, actor, idle_minutes = _accounts(inst)
    if sign_in is not None:
        first = SignInDialog(None, sign_in)
        if first.exec() != QDialog.DialogCode.Accepted or first.actor is None:
            inst.close()
            return 0
        actor = first.actor
    window = MainWindow(worker, training=training, facility=facility, inst=inst, actor=actor, sign_in=sign_in,
                        sign_out=sign_out)
    window.keys = keys
    window.show()
    idle = IdleLock(app, idle_minutes) if sign_in is not None else None
    if idle is not None:
        idle.idle.connect(window.lock_now)
    if needs_demo:
        load_training_demo(window)
    scheduler = scheduler_for(inst, on_state=window.relay.send)
    window.attach_scheduler(scheduler)
    scheduler.start()
    try:
        code = app.exec()
    finally:
        scheduler.stop()
        if hub is not None:
            hub.stop()
        inst.close()
    sys.stdout.flush()
    return int(code)
