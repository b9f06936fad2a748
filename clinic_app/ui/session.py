"""Who is at the keyboard: the signed-in person (or the device before accounts exist),
the sign-in dialog, and the idle lock.

The idle lock covers the window after `idle_lock_minutes` (setting, default 10) without a
key press or a click; unlocking needs the same person's password, or another person may
sign in instead (switching user). Nothing is closed or discarded: unsaved form data stays
in the widgets behind the lock, and queued changes stay queued.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from clinic_app.core.errors import KnownError
from clinic_app.core.permissions import ROLE_EN, ROLE_TH, Actor
from clinic_app.ui.i18n import pick
from clinic_app.ui.widgets import both_languages

SignIn = Callable[[str, str], Actor]  # raises KnownError on a wrong password or lock-out


class SignInDialog(QDialog):
    """Name and password; the error says what to do (wrong password, wait, ...)."""

    def __init__(self, parent: QWidget | None, sign_in: SignIn, *, name: str = "", locked: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.setWindowTitle(self.tr("ล็อกหน้าจอ") if locked else self.tr("เข้าสู่ระบบ"))
        self._sign_in = sign_in
        self.actor: Actor | None = None
        form = QFormLayout(self)
        if locked:
            form.addRow(QLabel(self.tr("หน้าจอถูกล็อกเพราะไม่มีการใช้งาน ข้อมูลที่กรอกค้างไว้ยังอยู่")))
        self.name = QLineEdit(name)
        self.name.setAccessibleName(self.tr("ชื่อผู้ใช้"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("รหัสผ่าน"))
        self.error = QLabel()
        self.error.setObjectName("signInError")
        self.error.setStyleSheet("color:#b00020;")
        self.error.setWordWrap(True)
        form.addRow(self.tr("ชื่อผู้ใช้"), self.name)
        form.addRow(self.tr("รหัสผ่าน"), self.password)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self._on_buttons_accepted)
        form.addRow(buttons)
        (self.password if name else self.name).setFocus()

    def _on_buttons_accepted(self) -> None:
        try:
            self.actor = self._sign_in(self.name.text().strip(), self.password.text())
        except KnownError as exc:
            self.error.setText(both_languages(exc))
            self.password.clear()
            return
        self.accept()

    def reject(self) -> None:  # Esc must not get past a lock
        self.error.setText(self.tr("โปรดเข้าสู่ระบบ"))


def who(actor: Actor) -> str:
    return f"{actor.name} ({pick(ROLE_TH.get(actor.role, actor.role), ROLE_EN.get(actor.role, actor.role))})"


class IdleLock(QObject):
    """Watches the application's input events; after the idle time, asks to lock."""

    idle = Signal()

    def __init__(self, app: QObject, minutes: float) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(max(1, int(minutes * 60_000)))
        self.timer.timeout.connect(self.idle.emit)
        app.installEventFilter(self)
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel):
            self.timer.start()
        return False

    def set_minutes(self, minutes: float) -> None:
        self.timer.setInterval(max(1, int(minutes * 60_000)))
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

