"""How the window's first paint is watched, in a child process of its own (a cold start):
tests/ui/test_first_paint.py checks what is loaded by then, tests/benchmarks/bench_ui.py
times it against a bare PySide6 window's.

The child runs a prelude before the program: a filter on the application's events that
prints `first <window class>` when any window first paints, then `loaded <modules>` (those
of HEAVY imported by that moment, or a module under them; comma-separated) and
`ui.main <yes|no>`; and `main` when the program's main window first paints, which it then
closes (the program ends as when a person closes it). The filter on every event is removed
at the first paint (a Python call per event would slow the rest down); the main window gets
one of its own. The bare window's child runs the same prelude and quits at its first paint.
"""

from __future__ import annotations

# What the first paint must come before (issue 18): the network, FHIR-model, demo and
# 43-file code, and the hub; a module counts with everything under it.
HEAVY = ("httpx", "jwt", "fhir.resources", "fhir_core", "pydantic", "clinic_app.sync", "clinic_app.hub",
         "clinic_app.core.demo", "clinic_app.interop", "clinic_app.services.consent",
         "clinic_app.services.interop", "clinic_app.services.sync")

PRELUDE = f"""
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

HEAVY = {HEAVY!r}


class _Watch(QObject):
    def __init__(self, app, stop_at_first):
        super().__init__()
        self.app, self.stop_at_first, self.first = app, stop_at_first, False
        app.installEventFilter(self)
        show = QWidget.show

        def shown(widget):
            show(widget)
            if type(widget).__name__ == "MainWindow":
                widget.installEventFilter(self)

        QWidget.show = shown

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and isinstance(watched, QWidget):
            if not self.first:
                self.first = True
                self.app.removeEventFilter(self)
                print("first", type(watched.window()).__name__, flush=True)
                print("loaded", ",".join(h for h in HEAVY if any(
                    m == h or m.startswith(h + ".") for m in sys.modules)), flush=True)
                print("ui.main", "yes" if "clinic_app.ui.main" in sys.modules else "no", flush=True)
                if self.stop_at_first:
                    QTimer.singleShot(0, self.app.quit)
            if type(watched).__name__ == "MainWindow":
                watched.removeEventFilter(self)
                print("main", flush=True)
                QTimer.singleShot(0, watched.close)
        return False


_app = QApplication(sys.argv[:1])
"""

# The program as `clinic-app --data-dir FOLDER` starts it (argv[1]: the folder).
APP = PRELUDE + """
_watch = _Watch(_app, stop_at_first=False)
from clinic_app.cli import main
sys.exit(main(["--data-dir", sys.argv[1]]))
"""

BARE = PRELUDE + """
_watch = _Watch(_app, stop_at_first=True)
from PySide6.QtWidgets import QMainWindow
window = QMainWindow()
window.show()
_app.exec()
"""


def parse(lines: list[str]) -> dict[str, str]:
    """The child's lines by their first word: {"first": "StartWindow", "loaded": "...", ...}."""
    out = {}
    for line in lines:
        word, _, rest = line.strip().partition(" ")
        out[word] = rest
    return out
