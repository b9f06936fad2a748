"""The main window, and the window's side of start-up (the composition root, app.py, decides
what to open and hands the window a unit session).

The window holds a `UnitSession` and nothing below it: it imports services and core only.
Every use case's ChangeSet is broadcast once on the window's `ChangeBus`, and each page
refreshes what the changes touch (the status bar always).

Fonts: the app asks for Thai-capable families in order (Noto Sans Thai, Leelawadee UI
and Tahoma on Windows, Loma and Garuda from Debian's fonts-thai-tlwg); Qt falls back per
glyph to whichever is installed. No font is shipped.
"""

from __future__ import annotations

import datetime as _dt
import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QFileDialog,
    QHBoxLayout,
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
from clinic_app.core.changes import ChangeSet
from clinic_app.core.errors import KnownError
from clinic_app.core.fhir import Resource, patient_cid
from clinic_app.core.identifiers import is_local_system
from clinic_app.core.permissions import Actor, PermissionDeniedError, allowed
from clinic_app.core.thai import age_in_years, birth_date_of, birth_estimated, mask_cid
from clinic_app.services.session import UnitSession, setup_unit_with
from clinic_app.ui.chart import ChartPage
from clinic_app.ui.consent import ConsentPage
from clinic_app.ui.duplicates import DuplicatesDialog
from clinic_app.ui.f43_review import F43ReviewDialog, HdcMonthDialog, Import43Dialog
from clinic_app.ui.followup import FollowUpPage
from clinic_app.ui.formulary import FormularyDialog
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
from clinic_app.ui.register import RegisterPage
from clinic_app.ui.referral import ReferralsPage
from clinic_app.ui.session import IdleLock, SignIn, SignInDialog, who
from clinic_app.ui.setup import SetupDialog, SetupDoneDialog
from clinic_app.ui.start import StartWindow, show_start_window, window_size
from clinic_app.ui.sync_page import SyncPage
from clinic_app.ui.today import TodayPage, check_in
from clinic_app.ui.tasks import ChangeBus, DbWorker, NetWorker, RefreshesWhenShown
from clinic_app.ui.unit_settings import UnitSettingsDialog
from clinic_app.ui.widgets import Relay, sexes, show_error

log = logging.getLogger(__name__)

TRAINING_PATIENTS = 200
THAI_FONTS = ["Noto Sans Thai", "Leelawadee UI", "Tahoma", "Loma", "Garuda", "Sans Serif"]
SEARCH_DELAY_MS = 150
CARD_WATCH_AFTER_MS = 1000  # the ID card reader is watched from a second after the window opens


def _patient_row(patient: Resource, today: _dt.date) -> list[str]:
    names = patient.get("name") or [{}]
    name = names[0].get("text") or " ".join([*names[0].get("given", []), names[0].get("family", "")])
    cid = patient_cid(patient) or ""
    hn = next((i["value"] for i in patient.get("identifier", []) if is_local_system(str(i.get("system", "")), "HN")), "")
    born = birth_date_of(patient)
    age = translate("FindPage", "{years} ปี").format(years=age_in_years(born, today)) if born else ""
    if born and birth_estimated(patient):
        age = "~" + age  # an estimated age, or a birth date known only to its year
    sex = dict(sexes()).get(patient.get("gender", ""), "-")
    return [hn, name, mask_cid(cid) if cid else "-", age, sex]


class FindPage(RefreshesWhenShown, QWidget):
    """Find a patient: one box for citizen ID, HN, name (Thai or English) or phone. Enter
    opens the chart of the selected result; Ctrl+T (or the button) puts them on today's list."""

    patient_opened = Signal(str)
    check_in_requested = Signal(str)  # the selected result's id: put them on today's list

    def __init__(self, worker: DbWorker, bus: ChangeBus) -> None:
        super().__init__()
        self.worker = worker
        bus.changes_applied.connect(self._on_bus_changes_applied)
        layout = QVBoxLayout(self)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("ค้นหา: เลขประจำตัวประชาชน, HN, ชื่อ-สกุล (ไทย/อังกฤษ), เบอร์โทร"))
        self.search.setAccessibleName(self.tr("ค้นหาผู้ป่วย"))
        self.search.setClearButtonEnabled(True)
        self.check_in = QPushButton(self.tr("ส่งเข้ารายการวันนี้ (Ctrl+T)"))
        self.check_in.setObjectName("findCheckIn")
        self.check_in.setEnabled(False)
        self.check_in.clicked.connect(self._on_check_in_clicked)
        QShortcut(QKeySequence("Ctrl+T"), self, activated=self._on_check_in_clicked)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.check_in)
        layout.addLayout(top)
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
        QShortcut(QKeySequence(Qt.Key.Key_Return), self.results, context=Qt.ShortcutContext.WidgetShortcut,
                  activated=lambda: self._on_results_cell_double_clicked(self.results.currentRow(), 0))
        self.search.installEventFilter(self)  # Up and Down in the box move through the results
        self._query_serial = 0

    def eventFilter(self, watched: Any, event: Any) -> bool:  # noqa: N802 - Qt's name
        if watched is self.search and event.type() == QEvent.Type.KeyPress \
                and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.results.rowCount():
            step = 1 if event.key() == Qt.Key.Key_Down else -1
            row = min(max(self.results.currentRow() + step, 0), self.results.rowCount() - 1)
            self.results.setCurrentCell(row, 0)
            return True
        return super().eventFilter(watched, event)

    def _on_search_text_changed(self, _text: str) -> None:
        self._timer.start()

    def _on_timer_timeout(self) -> None:
        self._query_serial += 1
        serial, text = self._query_serial, self.search.text()
        self.worker.submit(lambda unit, _p: unit.search_patients(text, limit=100),
                           on_done=lambda rows: self._show_results(serial, rows),
                           on_error=lambda e: show_error(self, e))

    def _show_results(self, serial: int, patients: list[Resource]) -> None:
        if serial != self._query_serial:
            return  # an older query finished after a newer one started
        today = _dt.date.today()
        self._ids = [p["id"] for p in patients]
        self.check_in.setEnabled(bool(self._ids))
        # One layout pass for the whole result set, not one per cell (it kept the window busy).
        self.results.setUpdatesEnabled(False)
        self.results.setRowCount(len(patients))
        for row, patient in enumerate(patients):
            for col, text in enumerate(_patient_row(patient, today)):
                self.results.setItem(row, col, QTableWidgetItem(text))
        for col in (0, 2, 3, 4):
            self.results.resizeColumnToContents(col)
        self.results.setUpdatesEnabled(True)

    def _on_bus_changes_applied(self, wrapped: list[Any]) -> None:
        """A patient shown here changed, or a new one may match: ask again."""
        changes: ChangeSet = wrapped[0]
        if not self.search.text().strip() or "Patient" not in changes.types:
            return
        if changes.created["Patient"] or changes.deleted["Patient"] or changes.patient_ids & set(self._ids):
            self.refresh_soon()

    def refresh(self) -> None:
        """Ask the same question again."""
        self._on_timer_timeout()

    def _on_search_return_pressed(self) -> None:
        if self._ids:
            self.patient_opened.emit(self._ids[max(0, self.results.currentRow())])

    def _on_results_cell_double_clicked(self, row: int, _col: int) -> None:
        if 0 <= row < len(self._ids):
            self.patient_opened.emit(self._ids[row])

    def _on_check_in_clicked(self) -> None:
        if self._ids:
            self.check_in_requested.emit(self._ids[max(0, self.results.currentRow())])


class MainWindow(QMainWindow):
    """Tabs: today's list (the window opens on it), find, register, consent, sync; a chart
    tab per opened patient. The status bar says online or offline, what waits to be sent,
    the last sync and the last error, and holds "Sync now" with progress and cancel."""

    def __init__(self, unit: UnitSession, *, training: bool, facility: str, sign_in: SignIn | None = None,
                 sign_out: Callable[[Actor], None] | None = None) -> None:
        super().__init__()
        self.unit = unit
        self.worker, self.net = DbWorker(unit), NetWorker()
        self.bus = ChangeBus()
        self.sign_in = sign_in
        self.sign_out = sign_out
        self.setWindowTitle(f"clinic-app {__version__} — {facility}")
        self.resize(*window_size())
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
        self.today = TodayPage(self.worker, self.bus)
        self.today.chart_wanted.connect(self.open_chart)
        self.find = FindPage(self.worker, self.bus)
        self.find.patient_opened.connect(self.open_chart)
        self.find.check_in_requested.connect(self.check_in)
        self.search, self.results = self.find.search, self.find.results
        self.register = RegisterPage(self.worker, self.bus)
        self.register.patient_registered.connect(self._on_register_patient_registered)
        self.register.patient_opened.connect(self.open_chart)
        self.tabs.addTab(self.today, self.tr("วันนี้"))  # the front desk's home: the window opens on it
        self.tabs.addTab(self.find, self.tr("ค้นหาผู้ป่วย"))
        self.tabs.addTab(self.register, self.tr("ลงทะเบียน"))
        self.followup = FollowUpPage(self.worker, self.bus)  # chronic register, children's vaccines, appointments
        self.followup.patient_opened.connect(self.open_chart)
        self.tabs.addTab(self.followup, self.tr("ติดตาม"))
        self.consent = ConsentPage(self.worker, self.bus, self._emergency)
        self.tabs.addTab(self.consent, self.tr("ความยินยอม"))
        self.referrals = ReferralsPage(self.worker, self.bus)  # referrals to this unit and from it
        self.referrals.patient_opened.connect(self.open_chart)
        self.tabs.addTab(self.referrals, self.tr("ส่งต่อ"))
        self.sync_page = SyncPage(self.worker, self.bus)
        self.tabs.addTab(self.sync_page, self.tr("ซิงก์"))
        for i in range(self.tabs.count()):
            self.tabs.tabBar().setTabButton(i, self.tabs.tabBar().ButtonPosition.RightSide, None)
        layout.addWidget(self.tabs)
        self.setCentralWidget(central)
        self.status_label = QLabel()
        self.online_label = QLabel(self.tr("กำลังตรวจสอบการเชื่อมต่อ…"))
        self.online_label.setObjectName("onlineLabel")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(140)
        self.progress.setTextVisible(False)  # the words are beside it (a busy bar shows no text)
        self.progress.setVisible(False)
        self.progress_label = QLabel()
        self.progress_label.setObjectName("syncProgress")
        self.progress_label.setVisible(False)
        self.sync_button = QPushButton(self.tr("ซิงก์เดี๋ยวนี้ (F5)"))
        self.sync_button.setObjectName("syncNow")
        self.cancel_button = QPushButton(self.tr("ยกเลิก"))
        self.cancel_button.setVisible(False)
        self.user_label = QLabel(who(unit.actor))
        self.user_label.setObjectName("userLabel")
        self.lock_button = QPushButton(self.tr("ล็อก / สลับผู้ใช้"))
        self.lock_button.setVisible(sign_in is not None)
        self.lock_button.clicked.connect(self.lock_now)
        self.statusBar().addWidget(self.user_label)
        self.statusBar().addWidget(self.online_label)
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.progress_label)
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
        self.hdc_action = menu.addAction(self.tr("ส่ง HDC ประจำเดือน (43 แฟ้ม)…"))
        self.hdc_action.triggered.connect(self.open_hdc_month)
        self.import43_action = menu.addAction(self.tr("นำเข้า 43 แฟ้ม…"))
        self.import43_action.triggered.connect(self._on_import43_triggered)
        self.f43_review_action = menu.addAction(self.tr("แถวที่นำเข้าไม่ได้ (43 แฟ้ม)…"))
        self.f43_review_action.triggered.connect(self.open_f43_review)
        menu.addSeparator()
        self.duplicates_action = menu.addAction(self.tr("ผู้ป่วยซ้ำและการรวมแฟ้ม…"))  # administrators only
        self.duplicates_action.triggered.connect(self.open_duplicates)
        self.settings_action = menu.addAction(self.tr("ตั้งค่าหน่วยบริการ…"))  # administrators only
        self.settings_action.triggered.connect(self.open_settings)
        self.relay_action = menu.addAction(self.tr("เครื่องแม่ข่ายของหน่วยบริการ…"))  # administrators only
        self.relay_action.triggered.connect(self.open_relay)
        self.formulary_action = menu.addAction(self.tr("บัญชียา…"))  # administrators only
        self.formulary_action.triggered.connect(self.open_formulary)
        self.bus.actor_changed.connect(self._on_bus_actor_changed)
        self._on_bus_actor_changed([unit.actor])
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
        self.relay = Relay(self)
        self.relay.arrived.connect(self._on_relay_arrived)
        self.scheduler: Any = None
        self.idle_lock: IdleLock | None = None  # the start-up gives it (when there are staff accounts)
        self.sync_button.clicked.connect(self._on_sync_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.worker.crashed.connect(self._on_worker_crashed)
        self.net.crashed.connect(self._on_worker_crashed)
        self.bus.changes_applied.connect(self._on_bus_changes_applied)
        self._last_error: str | None = None
        self._last_report: Any = None
        self.refresh_status()
        self.card_desk: Any = None  # the ID card reader, watched once the window is up
        QTimer.singleShot(CARD_WATCH_AFTER_MS, self._watch_card_reader)

    def _watch_card_reader(self) -> None:
        from clinic_app.ui.idcard import CardDeskUi  # PC/SC loads after the first paint

        if self.card_desk is None and self.isVisible():
            self.card_desk = CardDeskUi(self)
            self.card_desk.start()
            self.tabs.currentChanged.connect(self._on_tabs_current_changed_card)

    def _on_tabs_current_changed_card(self, _index: int) -> None:
        """A card already in the reader is read when the find or registration page opens."""
        if self.card_desk is not None:
            self.card_desk.show_state(self.card_desk.watcher.last_state)

    @property
    def actor(self) -> Actor:
        return self.unit.actor

    def _on_bus_changes_applied(self, wrapped: list[Any]) -> None:
        self.refresh_status()
        if wrapped[0].settings and wrapped[1] is not self.scheduler:  # a person changed them (not a sync's time)
            self.worker.submit(lambda unit, _p: unit.setting_values(), on_done=self._apply_settings,
                               on_error=self.show_error)

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

    def _on_bus_actor_changed(self, wrapped: list[Actor]) -> None:
        """What only an administrator may do is offered only to one."""
        self.duplicates_action.setVisible(allowed(wrapped[0], "data.maintain"))
        self.settings_action.setVisible(allowed(wrapped[0], "account.manage"))
        self.relay_action.setVisible(allowed(wrapped[0], "account.manage"))
        self.formulary_action.setVisible(allowed(wrapped[0], "formulary.manage"))

    def open_duplicates(self) -> DuplicatesDialog:
        """Patients recorded twice under one citizen ID, and merging them (administrators)."""
        dialog = DuplicatesDialog(self, self.worker, self.bus)
        dialog.open()
        return dialog

    def open_formulary(self) -> FormularyDialog | None:
        """The unit's drug list: import, add, edit, withdraw (administrators; others are told why not)."""
        if not allowed(self.actor, "formulary.manage"):
            self.show_error(PermissionDeniedError(self.actor, "formulary.manage"))
            return None
        dialog = FormularyDialog(self, self.worker, self.bus)
        dialog.open()
        return dialog

    def open_relay(self) -> Any:
        """The unit relay: this computer serving the unit's desktops, or joining one (administrators)."""
        from clinic_app.ui.relay import RelayDialog

        dialog = RelayDialog(self, self.worker, self.net, self.bus)
        dialog.open()
        return dialog

    def start_relay(self) -> None:
        """Serve the unit's desktops (the setting says this computer is the unit relay)."""
        self.worker.submit(lambda unit, _p: unit.start_relay(), on_done=lambda _s: self.refresh_status(),
                           on_error=self.show_error)

    def open_settings(self) -> UnitSettingsDialog:
        """The unit's settings (administrators); what changes takes effect at once."""
        dialog = UnitSettingsDialog(self, self.worker, self.bus)
        dialog.open()
        return dialog

    def _apply_settings(self, values: dict[str, Any]) -> None:
        """A setting changed: the title, the sync's hub and interval, the idle lock."""
        name = str(values.get("facility_name") or "")
        self.setWindowTitle(f"clinic-app {__version__} — {name}" if name else f"clinic-app {__version__}")
        if self.scheduler is not None:
            from clinic_app.services.sync import hub_probe  # loaded with the scheduler (app.py), not before

            self.scheduler.configure(hub_probe(str(values.get("hub_url") or ""), values.get("hub_ca_bundle") or True),
                                     interval_seconds=float(values["sync_interval_minutes"]) * 60)
        if self.idle_lock is not None:
            self.idle_lock.set_minutes(float(values["idle_lock_minutes"]))

    def open_setup(self) -> SetupDialog:
        dialog = SetupDialog(self, setup_unit_with(self.unit))
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

    def open_hdc_month(self) -> HdcMonthDialog:
        """HDC's monthly submission: the month, then the folder; nothing is written when a row
        would be refused (each named in the error's details)."""
        dialog = HdcMonthDialog(self)
        dialog.accepted.connect(lambda: self._write_hdc_month(dialog.chosen()))
        dialog.open()
        return dialog

    def _write_hdc_month(self, month: tuple[_dt.date, _dt.date]) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("เลือกโฟลเดอร์ที่จะเก็บ 43 แฟ้ม"))
        if folder:
            self.export_43(Path(folder), month=month)

    def _on_import43_triggered(self) -> Import43Dialog:
        """Which files, and all or nothing or what is valid (--partial)."""
        dialog = Import43Dialog(self)
        dialog.accepted.connect(lambda: self.import_43(*dialog.chosen()))
        dialog.open()
        return dialog

    def open_f43_review(self) -> F43ReviewDialog:
        """The rows a partial 43-file import refused: fix one and import it again."""
        dialog = F43ReviewDialog(self, self.worker, self.bus)
        dialog.open()
        return dialog

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

    def export_43(self, folder: Path, *, month: tuple[_dt.date, _dt.date] | None = None) -> QProgressDialog:
        """Every patient of the unit and all its visits into F43_<HOSPCODE>_<stamp>.zip in
        `folder`, on the worker with progress and cancel; with `month` (first and last day),
        HDC's monthly submission: that month's visits, every row checked as HDC checks it."""
        dialog = QProgressDialog(self.tr("กำลังเขียน 43 แฟ้ม…"), self.tr("ยกเลิก"), 0, 0, self)
        dialog.setWindowTitle("clinic-app")
        dialog.setMinimumDuration(0)

        def work(unit: UnitSession, progress: Callable[[int, int], bool]) -> Any:
            first, last = month or (None, None)
            return unit.interop43.export(folder, progress=progress, first=first, last=last, hdc_check=bool(month))

        def done(report: Any) -> None:
            dialog.reset()
            rows = ", ".join(f"{name} {count:,}" for name, count in report.rows.items())
            self._report_box(self.tr("เขียน 43 แฟ้มแล้ว:\n{path}\n{rows}").format(path=report.path, rows=rows),
                             report.notes)

        def failed(error: KnownError) -> None:
            dialog.reset()
            if error.code != "cancelled":
                self.show_error(error)

        task = self.worker.submit(work, on_done=done, on_error=failed, on_progress=shows_progress(dialog))
        dialog.canceled.connect(task.cancel)
        return dialog

    def import_43(self, source: Path, partial: bool = False) -> QProgressDialog:
        """Import a 43-file zip or folder: all of it, or nothing with every problem listed
        (with `partial`, what is valid, the rest kept for review). It is one transaction: the
        dialog counts the people done, and cancelling stores nothing."""
        dialog = QProgressDialog(self.tr("กำลังตรวจและนำเข้า 43 แฟ้ม…"), self.tr("ยกเลิก"), 0, 0, self)
        dialog.setWindowTitle("clinic-app")
        dialog.setMinimumDuration(0)

        def done(report: Any) -> None:
            dialog.reset()
            kinds = ", ".join(f"{name} {count:,}" for name, count in report.by_type.items())
            text = self.tr("นำเข้า 43 แฟ้มแล้ว {count} รายการ\n{kinds}").format(count=f"{report.stored:,}",
                                                                              kinds=kinds)
            if report.refused:
                text += "\n" + self.tr("นำเข้าไม่ได้ {count} แถว เก็บไว้ให้แก้ที่ "
                                       "เมนูไฟล์ > แถวที่นำเข้าไม่ได้ (43 แฟ้ม)").format(
                    count=f"{sum(report.refused.values()):,}")
            self._report_box(text, report.notes)
            self.bus.broadcast(report.changes, self)
            for review in self.findChildren(F43ReviewDialog):
                review.refresh()

        def failed(error: KnownError) -> None:
            dialog.reset()
            if error.code != "cancelled":
                self.show_error(error)

        task = self.worker.submit(lambda unit, progress: unit.interop43.import_(source, partial=partial,
                                                                                progress=progress),
                                  on_done=done, on_error=failed, on_progress=shows_progress(dialog))
        dialog.canceled.connect(task.cancel)
        return dialog

    def _signed_in(self, dialog: SignInDialog) -> None:
        if dialog.actor is not None and dialog.actor != self.actor:
            if self.sign_out is not None:
                self.sign_out(self.actor)
            self.change_actor(dialog.actor)
        dialog.deleteLater()

    def change_actor(self, actor: Actor) -> None:
        """Who acts from now on (on the database worker too: its queue runs in order)."""
        self.unit.act_as(actor)
        self.user_label.setText(who(actor))
        self.bus.actor_changed.emit([actor])
        self.refresh_status()

    # -- navigation ---------------------------------------------------------------------

    def check_in(self, patient_id: str) -> None:
        """Put a patient on today's list from the find page; the box is ready for the next."""
        check_in(self, self.worker, self.bus, patient_id, on_done=self.search.selectAll)

    def _on_register_patient_registered(self, patient_id: str) -> ChartPage:
        """A patient just registered: their chart, with "put on today's list" focused so Enter
        puts them on it. Not done by itself: a patient registered for another reason (records
        brought in, a home visit entered afterwards) is not waiting to be seen."""
        page = self.open_chart(patient_id)
        page.offer_check_in()
        self.statusBar().showMessage(self.tr("ลงทะเบียนแล้ว: กด Enter เพื่อส่งเข้ารายการวันนี้"), 10_000)
        return page

    def _focus_search(self) -> None:
        self.tabs.setCurrentWidget(self.find)
        self.search.setFocus()

    def open_chart(self, patient_id: str) -> ChartPage:
        """The patient's chart in a tab titled with their name; a chart already open is shown
        again rather than opened twice."""
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if isinstance(page, ChartPage) and page.patient_id == patient_id:
                self.tabs.setCurrentIndex(index)
                return page
        page = ChartPage(self.worker, self.bus, patient_id)
        index = self.tabs.addTab(page, self.tr("แฟ้มผู้ป่วย"))
        page.titled.connect(lambda name, page=page: self._title_chart(page, name))
        page.wants_other_facilities.connect(self._ask_other_facilities)
        self.tabs.setCurrentIndex(index)
        return page

    def _ask_other_facilities(self, cid: str) -> None:
        self.tabs.setCurrentWidget(self.consent)
        self.consent.ask_for(cid)

    def _title_chart(self, page: ChartPage, name: str) -> None:
        index = self.tabs.indexOf(page)
        if index >= 0:
            short = name if len(name) <= 28 else name[:27] + "…"
            self.tabs.setTabText(index, short)
            self.tabs.setTabToolTip(index, name)

    def _on_tabs_tab_close_requested(self, index: int) -> None:
        if isinstance(self.tabs.widget(index), ChartPage):
            self.tabs.removeTab(index)

    def _emergency(self, cid: str, reason: str, after: Callable[[], None]) -> None:
        """Break the glass in three steps: check (database worker), fetch (network worker:
        no query waits on the hub meanwhile), keep and audit in one transaction (database
        worker); the records are shown only after that."""
        def fetched(plan: Any, records: list[Any]) -> None:
            self.worker.submit(lambda unit, _p: unit.keep_emergency(plan, records), on_done=kept,
                               on_error=self.show_error)

        def planned(plan: Any) -> None:
            self.net.submit(lambda: UnitSession.fetch_emergency(plan),
                            on_done=lambda records: fetched(plan, records), on_error=self.show_error)

        def kept(outcome: Any) -> None:
            self.bus.result(outcome, self)
            after()

        self.worker.submit(lambda unit, _p: unit.plan_emergency(cid, reason), on_done=planned,
                           on_error=self.show_error)

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
        self.progress_label.setVisible(state.running)
        self.cancel_button.setVisible(state.running)
        self.sync_button.setEnabled(not state.running)
        if state.running:
            self.progress_label.setText(self.progress_text(state.phase, state.done, state.total, sent=state.bytes,
                                                           eta=state.eta_seconds))
            self.progress.setMaximum(max(state.total, 0))  # 0: a busy bar (how much will come is not known)
            self.progress.setValue(min(state.done, state.total) if state.total else 0)
        else:
            self._last_error = state.last_error
            report = state.last_report
            if report is not None and report is not self._last_report:
                self._last_report = report
                self.bus.broadcast(report.changes, self.scheduler)  # everything the sync changed here
            self.refresh_status()

    def progress_text(self, phase: str, done: int, total: int, *, sent: int = 0, eta: float | None = None) -> str:
        """The sync's progress in records, bytes on the wire and the time left where known:
        "ส่งข้อมูล 120/3,400 รายการ · 1.2 MB · เหลืออีกราว 3 นาที", "รับข้อมูล 5,000 รายการ"."""
        name = self._phase_names().get(phase, phase)
        if total:
            text = self.tr("{phase} {done}/{total} รายการ").format(phase=name, done=f"{done:,}", total=f"{total:,}")
        elif done:
            text = self.tr("{phase} {done} รายการ").format(phase=name, done=f"{done:,}")
        else:
            text = name
        if sent >= 100_000:
            text += f" · {sent / 1e6:.1f} MB"
        if eta is not None:
            if eta < 60:
                text += " · " + self.tr("เหลือไม่ถึง 1 นาที")
            else:
                text += " · " + self.tr("เหลืออีกราว {minutes} นาที").format(minutes=f"{round(eta / 60):,}")
        return text

    def _phase_names(self) -> dict[str, str]:
        return {"connect": self.tr("กำลังเชื่อมต่อ"), "push": self.tr("ส่งข้อมูล"), "pull": self.tr("รับข้อมูล"),
                "verify": self.tr("ตรวจนับ")}

    def refresh_status(self) -> None:
        self.worker.submit(lambda unit, _p: unit.status(), on_done=self._show_status, on_error=self.show_error)

    def _show_status(self, status: dict[str, Any]) -> None:
        patients = status["counts"].get("Patient", 0)
        outbox = status["outbox"]
        last = status["last_sync"]
        last_text = format_moment(last) if last else self.tr("ยังไม่เคย")
        if status.get("relay_url") and last:  # a desktop of a unit relay: whom it last talked to
            last_text += " " + (self.tr("(ผ่านเครื่องแม่ข่าย)") if status.get("last_partner") == "relay"
                                else self.tr("(กับระบบกลางโดยตรง)"))
        parts = [self.tr("ผู้ป่วย {count} ราย").format(count=f"{patients:,}"),
                 self.tr("รอส่ง {count} รายการ").format(count=f"{outbox['pending']:,}"),
                 self.tr("ซิงก์ล่าสุด: {when}").format(when=last_text)]
        if status.get("referrals_waiting"):
            parts.append(self.tr("ส่งต่อมารอตอบ {count} ราย").format(count=status["referrals_waiting"]))
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
        show_crash(self)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        if self.card_desk is not None:
            self.card_desk.stop()
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.sign_out is not None:
            self.sign_out(self.actor)
            self.sign_out = None
        self.worker.shutdown()
        self.net.shutdown()
        super().closeEvent(event)


def shows_progress(dialog: QProgressDialog) -> Callable[[int, int], None]:
    """A worker's progress (done, of total; 0 of 0: busy) on a progress dialog."""
    def step(done: int, total: int) -> None:
        dialog.setMaximum(total)
        dialog.setValue(min(done, total))

    return step


def apply_thai_font(app: QApplication) -> None:
    font = QFont()
    font.setFamilies(THAI_FONTS)
    font.setPointSize(11)
    app.setFont(font)


def gui_passphrase(parent: QWidget | None = None) -> Callable[[bool], str | None]:
    """A passphrase source asking in a dialog (where no OS keyring works); a new key's
    passphrase is typed twice. It asks only on the window's thread: elsewhere it answers
    None (app.py wraps it so the first answer serves the whole run, from any thread)."""
    def prompt(text: str) -> str | None:
        answer, ok = QInputDialog.getText(parent, "clinic-app", text, QLineEdit.EchoMode.Password)
        return answer if ok and answer else None

    def ask(new: bool) -> str | None:
        if threading.current_thread() is not threading.main_thread():
            return None  # a dialog belongs to the window's thread
        while True:
            first = prompt(translate("Passphrase", "เครื่องนี้ไม่มีที่เก็บกุญแจ โปรดใส่รหัสผ่าน (อย่างน้อย 12 ตัวอักษร)"))
            if first is None or not new:
                return first
            if prompt(translate("Passphrase", "พิมพ์รหัสผ่านเดิมอีกครั้งเพื่อยืนยัน")) == first:
                return first
            QMessageBox.warning(parent, "clinic-app", translate("Passphrase", "รหัสผ่านสองครั้งไม่ตรงกัน โปรดพิมพ์ใหม่"))

    return ask


def run_with_progress(window: MainWindow, label: str, work: Callable[[UnitSession, Any], ChangeSet], *,
                      name: str = "", show_after_ms: int = 0, on_finished: Callable[[], None] | None = None,
                      when_done: ChangeSet | None = None) -> QProgressDialog:
    """Long work on the database worker behind a window-modal progress dialog with Cancel:
    the work's ChangeSet is broadcast (`when_done` stands in when it gives none, e.g. once
    cancelled), then `on_finished` runs; an error other than a cancel is shown."""
    dialog = QProgressDialog(label, translate("Progress", "ยกเลิก"), 0, 0, window)
    dialog.setObjectName(name)
    dialog.setWindowTitle("clinic-app")
    dialog.setMinimumDuration(show_after_ms)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)

    def done(changes: ChangeSet | None = None) -> None:
        dialog.reset()
        changes = changes or when_done
        if changes is not None and not changes.empty:
            window.bus.broadcast(changes, window)
        if on_finished is not None:
            on_finished()

    def failed(error: KnownError) -> None:
        done()
        if error.code != "cancelled":
            window.show_error(error)

    task = window.worker.submit(work, on_done=done, on_error=failed, on_progress=shows_progress(dialog))
    dialog.canceled.connect(task.cancel)
    return dialog


def load_training_demo(window: MainWindow, *, patients: int = TRAINING_PATIENTS,
                       on_finished: Callable[[], None] | None = None) -> QProgressDialog:
    """Training mode's demo patients, saved a few at a time with progress, then the drug
    list and a morning's work under way (services/demo_day.py)."""
    return run_with_progress(
        window, translate("Training", "กำลังเตรียมข้อมูลตัวอย่าง…"),
        lambda unit, progress: unit.records.load_demo(patients, seed=1, batch=20, progress=progress).merge(
            unit.demo_day()),
        name="trainingDemo", on_finished=on_finished, when_done=ChangeSet(outbox=True))


def upgrade_records(window: MainWindow, *, on_finished: Callable[[], None] | None = None) -> QProgressDialog:
    """A folder from an older version brought up to this one with progress (the dialog appears
    only when it takes a moment): records from before the SIL-TH shapes rewritten (once, in one
    transaction: cancelled, nothing is kept and the next start does it again; the window reads
    both shapes), then the follow-up lists' patient summary made (cancelled, what is done is
    kept; a list opened before it is finished makes the rest first)."""
    return run_with_progress(
        window, translate("Upgrade", "กำลังปรับข้อมูลเดิมให้ใช้กับโปรแกรมรุ่นนี้ (ทำครั้งเดียว)…"),
        lambda unit, progress: unit.upgrade_records(progress=progress),
        name="upgradeRecords", show_after_ms=400, on_finished=on_finished)


class Gui:
    """The window's side of start-up, driven by app.py: the application object and the main
    window's shell (ui/start.py: app.py shows it first, before this module loads), fonts and
    language, the crash hook, passphrase and sign-in dialogs over the shell, and the window's
    run, in the shell's place."""

    def __init__(self, argv: list[str], shell: StartWindow | None = None) -> None:
        self.shell = shell or show_start_window(argv)
        self.app = QApplication.instance() or QApplication(argv)
        apply_thai_font(self.app)
        install_language(self.app, chosen_language())
        install_crash_hook()

    def passphrase_source(self) -> Callable[[bool], str | None]:
        return gui_passphrase(self.shell)

    def fatal(self, error: KnownError) -> int:
        QMessageBox.critical(self.shell, "clinic-app", error.bilingual())
        return error.exit_code

    def ask_start_training_over(self, error: KnownError) -> bool:
        """Training data that can no longer be opened: start training over (the old folder is
        kept aside, not deleted) rather than ask for a recovery key nobody was shown."""
        box = QMessageBox(QMessageBox.Icon.Question, "clinic-app",
                          translate("Gui", "เปิดข้อมูลโหมดฝึกอบรมไม่ได้ เพราะกุญแจของข้อมูลหายไป "
                                           "(เช่น ล้างรหัสผ่านที่เครื่องจำไว้) ข้อมูลฝึกอบรมเป็นข้อมูลตัวอย่าง "
                                           "เริ่มโหมดฝึกอบรมใหม่หรือไม่? โฟลเดอร์เดิมจะถูกย้ายไปเก็บไว้ข้าง ๆ ไม่ถูกลบ")
                          + "\n\n" + error.bilingual(),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.shell)
        box.setObjectName("startTrainingOver")
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        return box.exec() == QMessageBox.StandardButton.Yes

    def first_sign_in(self, sign_in: SignIn) -> Actor | None:
        dialog = SignInDialog(self.shell, sign_in)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.actor

    def run(self, unit: UnitSession, *, training: bool, facility: str, needs_demo: bool,
            sign_in: SignIn | None, sign_out: Callable[[Actor], None] | None, idle_minutes: float,
            start_scheduler: Callable[[Callable[[Any], None]], Any], serve_relay: bool = False) -> int:
        """Show the window until it closes; `start_scheduler(on_state)` starts the syncs;
        `serve_relay`: this computer is the unit relay while the window is open."""
        window = MainWindow(unit, training=training, facility=facility, sign_in=sign_in, sign_out=sign_out)
        window.restoreGeometry(self.shell.saveGeometry())  # in the shell's place (moved, maximised...)
        window.show()
        self.shell.close()
        idle = IdleLock(self.app, idle_minutes) if sign_in is not None else None
        if idle is not None:
            idle.idle.connect(window.lock_now)
            window.idle_lock = idle
        if needs_demo:
            load_training_demo(window)
        started: list[Any] = []

        def syncs() -> None:  # once the records are in the shapes the hub takes
            started.append(start_scheduler(window.relay.send))
            window.attach_scheduler(started[0])

        upgrade_records(window, on_finished=syncs)  # an older folder's records in the new shapes, first
        if serve_relay:
            window.start_relay()
        try:
            return int(self.app.exec())
        finally:
            for scheduler in started:
                scheduler.stop()
            sys.stdout.flush()


def install_crash_hook() -> None:
    """An error in any slot reaches the log (with its traceback, without patient data) and
    the crash dialog, never a bare stack trace on stderr (qutebrowser's crashsignal)."""
    sys.excepthook = crash_hook


def crash_hook(kind: type[BaseException], error: BaseException, trace: Any) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, trace)
        return
    if isinstance(error, KnownError):  # a known error that escaped a slot: say it, no traceback
        log.warning("refused: %s", error.code)
        show_error(_main_window(), error)
        return
    log.error("unexpected error in the window", exc_info=(kind, error, trace))
    show_crash(_main_window())


def _main_window() -> QWidget | None:
    """The window to hang a dialog on (the active one, else the main window, else none)."""
    active = QApplication.activeWindow()
    if active is not None:
        return active
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()), None)


def show_crash(parent: QWidget | None) -> QMessageBox:
    """The bug tier's dialog: saved data is intact, the details are in the log."""
    box = QMessageBox(QMessageBox.Icon.Critical, "clinic-app", translate(
        "MainWindow", "เกิดข้อผิดพลาดภายในโปรแกรม ข้อมูลที่บันทึกแล้วยังอยู่ครบ รายละเอียดอยู่ในไฟล์บันทึกในโฟลเดอร์ logs "
        "ของโฟลเดอร์ข้อมูล"), QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("crashBox")
    if parent is None:  # nothing owns it: keep it alive until it is closed
        _UNOWNED.append(box)
        box.finished.connect(lambda _r: _UNOWNED.remove(box))
    box.open()
    return box


_UNOWNED: list[QMessageBox] = []
