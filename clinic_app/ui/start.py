"""The window's first paint, before the rest of the program loads (issue 18).

With no command, `clinic-app` shows this first: the application object and the main window's
shell (its title and size, nothing of the unit yet), painted before app.py loads the pages
and the services behind them, opens the data folder (a key from the keyring, or a
passphrase's deliberately slow key derivation) and signs in. The dialogs of those steps (the
passphrase, a training folder's fresh start, the sign-in) open over it, and the main window
takes its place where it is (ui/main.py, `Gui`).

This module imports PySide6 alone: tests/ui/test_first_paint.py checks that the network,
FHIR-model, demo and 43-file code are not loaded when the shell paints, and
tests/benchmarks/bench_ui.py times that paint against a bare PySide6 window's.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEventLoop, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMainWindow

from clinic_app import __version__

# How long the start waits for the shell's first paint: a window that is not painted at once
# (one started minimised) does not hold the start up longer than this.
PAINT_WAIT_MS = 1000


def window_size() -> tuple[int, int]:
    """The main window's size: 1100x720 where there is room; on a 1366x768 screen with a
    taskbar, what is there."""
    screen = QApplication.primaryScreen()
    room = screen.availableGeometry() if screen is not None else None
    return (min(1100, room.width() - 40) if room else 1100, min(720, room.height() - 60) if room else 720)


class StartWindow(QMainWindow):
    """The main window's shell: its title and size, shown while the unit is opened."""

    painted = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("startWindow")
        self.setWindowTitle(f"clinic-app {__version__}")
        self.resize(*window_size())
        self.statusBar()
        self.was_painted = False

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        if not self.was_painted:
            self.was_painted = True
            self.painted.emit()


def show_start_window(argv: list[str]) -> StartWindow:
    """The application object (made now, or the one there is) and the shell shown; returns
    once the shell has painted (at most PAINT_WAIT_MS). The shell shows no words: the font
    and the language are set after it (Gui), with the rest of the window's code."""
    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("clinic-app")
    shell = StartWindow()
    shell.show()
    if not shell.was_painted:
        wait, enough = QEventLoop(), QTimer()
        enough.setSingleShot(True)
        enough.timeout.connect(wait.quit)
        shell.painted.connect(wait.quit)
        enough.start(PAINT_WAIT_MS)
        wait.exec()
    return shell
