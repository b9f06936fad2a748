"""The window paints first (issue 18): `clinic-app` with no command shows the main window's
shell before the pages, the services behind them, the network, FHIR-model, demo and
43-file code are imported, and the folder is opened; the main window then takes its place.
Each check starts a process of its own, so what an earlier test imported cannot hide an
import (tests/ui/first_paint.py watches the paint)."""

from __future__ import annotations

import os
import subprocess
import sys

from clinic_app.services.installation import Installation
from tests.ui.first_paint import APP, HEAVY, parse


def _child(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120)


def test_the_shell_paints_before_the_rest_of_the_program_loads(unit: Installation) -> None:
    done = _child(APP, str(unit.folder.path))
    assert done.returncode == 0, done.stderr[-3000:]
    said = parse(done.stdout.splitlines())
    assert said["first"] == "StartWindow", done.stdout
    assert said["loaded"] == "", f"imported before the window's first paint: {said['loaded']}"
    assert said["ui.main"] == "no"  # the pages load after the shell has painted
    assert "main" in said, done.stdout  # and the main window came, in its place


def test_the_window_s_code_imports_no_network_fhir_demo_or_43_file_code() -> None:
    """What the command line and the whole window import before anything runs: the code the
    shell and the main window paint with. A top-level import of any of HEAVY in that chain
    (httpx, the sync, the consent service that speaks to the hub, the FHIR models, the demo
    generator, the 43-file code) fails here; import it where it is used."""
    code = ("import sys\n"
            "import clinic_app.cli, clinic_app.app, clinic_app.ui.start, clinic_app.ui.main\n"
            f"heavy = {HEAVY!r}\n"
            "print(','.join(h for h in heavy if any(m == h or m.startswith(h + '.') for m in sys.modules)))\n")
    done = _child(code)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "", f"imported with the window's code: {done.stdout.strip()}"


def test_the_start_module_imports_nothing_of_the_program() -> None:
    """ui/start.py paints the shell: it imports PySide6 and the package's version alone."""
    done = _child("import sys\nimport clinic_app.ui.start\n"
                  "print(','.join(sorted(m for m in sys.modules if m.startswith('clinic_app.'))))\n")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "clinic_app.ui,clinic_app.ui.start"
