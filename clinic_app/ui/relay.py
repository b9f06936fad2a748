"""The unit relay dialog (File menu, administrators): this computer serving the unit's other
desktops (kept across restarts), its address and certificate fingerprint in large type for
the other screens to compare, its desktops and what waits for the cloud; and, on any
desktop, joining a relay by its address after comparing the fingerprint it shows with the
relay's screen, or leaving it. The certificate is read on the network worker; everything
that touches the folder runs on the database worker."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clinic_app.core.changes import ChangeSet
from clinic_app.core.errors import KnownError
from clinic_app.ui.tasks import ChangeBus, DbWorker, NetWorker
from clinic_app.ui.i18n import format_moment
from clinic_app.ui.widgets import both_languages

_BIG = "font-family: monospace; font-size: 13pt; font-weight: bold;"


class RelayDialog(QDialog):
    def __init__(self, parent: QWidget | None, worker: DbWorker, net: NetWorker, bus: ChangeBus) -> None:
        super().__init__(parent)
        self.setObjectName("relayDialog")
        self.setWindowTitle(self.tr("เครื่องแม่ข่ายของหน่วยบริการ"))
        self.worker, self.net, self.bus = worker, net, bus
        self._peeked: tuple[str, str, str] | None = None  # (url, pem, fingerprint) read off the relay
        layout = QVBoxLayout(self)

        serve_box = QGroupBox(self.tr("เครื่องนี้เป็นเครื่องแม่ข่าย"))
        serve = QVBoxLayout(serve_box)
        self.serve = QCheckBox(self.tr("ให้เครื่องอื่นของหน่วยบริการซิงก์ผ่านเครื่องนี้ (ขณะเปิดโปรแกรม)"))
        self.serve.setAccessibleName(self.tr("เป็นเครื่องแม่ข่าย"))
        self.serve.toggled.connect(self._on_serve_toggled)
        serve.addWidget(self.serve)
        shown = QFormLayout()
        self.address, self.fingerprint = _big("relayAddress"), _big("relayFingerprint")
        shown.addRow(self.tr("ที่อยู่"), self.address)
        shown.addRow(self.tr("ลายนิ้วมือ"), self.fingerprint)
        serve.addLayout(shown)
        self.desktops = QTableWidget(0, 2)
        self.desktops.setHorizontalHeaderLabels([self.tr("เครื่อง"), self.tr("ขอสิทธิ์ล่าสุด")])
        self.desktops.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.desktops.horizontalHeader().setStretchLastSection(True)
        self.desktops.setAccessibleName(self.tr("เครื่องที่ลงทะเบียนกับเครื่องแม่ข่าย"))
        self.desktops.setMaximumHeight(130)
        serve.addWidget(self.desktops)
        self.upstream = QLabel()
        self.upstream.setObjectName("relayUpstream")
        self.upstream.setWordWrap(True)
        serve.addWidget(self.upstream)
        layout.addWidget(serve_box)

        join_box = QGroupBox(self.tr("ซิงก์ผ่านเครื่องแม่ข่ายของหน่วยบริการ"))
        join = QVBoxLayout(join_box)
        self.joined = QLabel()
        self.joined.setObjectName("relayJoined")
        self.joined.setWordWrap(True)
        join.addWidget(self.joined)
        row = QHBoxLayout()
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://192.168.1.10:8766/fhir")
        self.url.setAccessibleName(self.tr("ที่อยู่เครื่องแม่ข่าย"))
        self.peek_button = QPushButton(self.tr("อ่านลายนิ้วมือ"))
        self.peek_button.clicked.connect(self._on_peek_clicked)
        row.addWidget(self.url, 1)
        row.addWidget(self.peek_button)
        join.addLayout(row)
        self.seen_caption = QLabel()
        self.seen_caption.setWordWrap(True)
        join.addWidget(self.seen_caption)
        self.seen = _big("relaySeen")
        join.addWidget(self.seen)
        buttons = QHBoxLayout()
        self.join_button = QPushButton(self.tr("ตรงกับหน้าจอเครื่องแม่ข่าย — เข้าร่วม"))
        self.join_button.setEnabled(False)
        self.join_button.clicked.connect(self._on_join_clicked)
        self.leave_button = QPushButton(self.tr("ออกจากเครื่องแม่ข่าย"))
        self.leave_button.clicked.connect(self._on_leave_clicked)
        buttons.addWidget(self.join_button)
        buttons.addWidget(self.leave_button)
        join.addLayout(buttons)
        layout.addWidget(join_box)

        self.error = QLabel()
        self.error.setObjectName("relayError")
        self.error.setStyleSheet("color:#b00020;")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        layout.addWidget(self.error)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.resize(640, 560)
        self._loading = False
        self.refresh()

    # -- reading -------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.worker.submit(lambda unit, _p: unit.relay_view(), on_done=self._show, on_error=self._refused)

    def _show(self, view: dict[str, Any]) -> None:
        self._loading = True
        self.serve.setChecked(bool(view["serving"]) or bool(view["serve_setting"]))
        self._loading = False
        serving = view["serving"]
        self.desktops.setRowCount(0)
        if serving:
            self.address.setText(serving["url"])
            self.fingerprint.setText(serving["fingerprint"])
            for d in serving["desktops"]:
                row = self.desktops.rowCount()
                self.desktops.insertRow(row)
                self.desktops.setItem(row, 0, QTableWidgetItem(str(d["client_id"])))
                self.desktops.setItem(row, 1, QTableWidgetItem(format_moment(d["last_token"]) if d.get("last_token")
                                                               else self.tr("ยังไม่เคย")))
            last = serving.get("last_cloud_sync")
            self.upstream.setText(self.tr("รอส่งขึ้นระบบกลาง {count} รายการ · ซิงก์กับระบบกลางล่าสุด: {when}").format(
                count=f"{serving['waiting_for_cloud']:,}", when=format_moment(last) if last else self.tr("ยังไม่เคย")))
        else:
            self.address.setText("")
            self.fingerprint.setText("")
            self.upstream.setText(self.tr("ไม่ได้เป็นเครื่องแม่ข่าย"))
        if view["joined"]:
            self.joined.setText(self.tr("ซิงก์ผ่าน {url} (ลายนิ้วมือ {fingerprint})").format(
                url=view["joined"], fingerprint=view["joined_fingerprint"]))
        else:
            self.joined.setText(self.tr("ยังไม่ได้เข้าร่วมเครื่องแม่ข่าย: ซิงก์กับระบบกลางโดยตรง"))
        self.leave_button.setEnabled(bool(view["joined"]))

    # -- serving -------------------------------------------------------------------------------

    def _on_serve_toggled(self, on: bool) -> None:
        if self._loading:
            return
        self.serve.setEnabled(False)

        def done(_serving: Any) -> None:
            self.serve.setEnabled(True)
            self.bus.broadcast(ChangeSet(settings=True), self)
            self.refresh()

        def refused(error: KnownError) -> None:
            self.serve.setEnabled(True)
            self._refused(error)
            self.refresh()

        self.worker.submit(lambda unit, _p: unit.serve_relay(on), on_done=done, on_error=refused)

    # -- joining -------------------------------------------------------------------------------

    def _on_peek_clicked(self) -> None:
        from clinic_app.services.session import UnitSession

        url = self.url.text().strip()
        self.join_button.setEnabled(False)
        self.seen_caption.setText(self.tr("กำลังอ่าน…"))
        self.seen.setText("")

        def done(found: tuple[str, str]) -> None:
            self._peeked = (url, *found)
            self.seen_caption.setText(self.tr("ลายนิ้วมือที่เครื่องแม่ข่ายส่งมา เทียบกับหน้าจอเครื่องแม่ข่ายทุกตัวอักษร "
                                              "ก่อนกดเข้าร่วม:"))
            self.seen.setText(found[1])
            self.join_button.setEnabled(True)

        def refused(error: KnownError) -> None:
            self.seen_caption.setText("")
            self._refused(error)

        self.net.submit(lambda: UnitSession.peek_relay(url), on_done=done, on_error=refused)

    def _on_join_clicked(self) -> None:
        if self._peeked is None:
            return
        url, pem, fingerprint = self._peeked
        self.join_button.setEnabled(False)

        def done(_pinned: str) -> None:
            self.seen.setText("")
            self.seen_caption.setText("")
            self.bus.broadcast(ChangeSet(settings=True), self)
            self.refresh()

        self.worker.submit(lambda unit, _p: unit.relay_join(url, fingerprint, pem=pem), on_done=done,
                           on_error=self._refused)

    def _on_leave_clicked(self) -> None:
        def done(_none: Any) -> None:
            self.bus.broadcast(ChangeSet(settings=True), self)
            self.refresh()

        self.worker.submit(lambda unit, _p: unit.relay_leave(), on_done=done, on_error=self._refused)

    def _refused(self, error: KnownError) -> None:
        self.error.setText(both_languages(error))
        self.error.setVisible(True)


def _big(name: str) -> QLabel:
    """An address or a fingerprint: large, fixed-width, selectable (to read out or copy)."""
    label = QLabel()
    label.setObjectName(name)
    label.setStyleSheet(_BIG)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
