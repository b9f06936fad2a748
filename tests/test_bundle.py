"""The one-folder program (installer/clinic-app.spec) is built with PyInstaller and used
as a desktop without Python would use it: set up a unit in the OS keyring, add patients,
write the 43 files, render the window offscreen (the training hub runs inside it), and
say what is wrong with bad input in Thai and English with exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keyring

from clinic_app import __version__
from clinic_app.security.keys import SERVICE

ROOT = Path(__file__).resolve().parents[1]


def test_the_built_program_runs_on_its_own(tmp_path: Path, keystore: object) -> None:
    dist, work = tmp_path / "dist", tmp_path / "build"
    built = subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
                            "--distpath", str(dist), "--workpath", str(work), str(ROOT / "installer" / "clinic-app.spec")],
                           capture_output=True, text=True, timeout=1500)
    assert built.returncode == 0, built.stderr[-3000:]
    program = dist / "clinic-app" / ("clinic-app.exe" if os.name == "nt" else "clinic-app")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    away = tmp_path / "elsewhere"  # not the source tree: nothing can come from there
    away.mkdir()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(program), *args], capture_output=True, text=True, env=env, cwd=away, timeout=600)

    assert __version__ in run("--version").stdout
    data = tmp_path / "data"
    done = run("--data-dir", str(data), "init", "--hcode", "10669")
    assert done.returncode == 0 and "OS keyring" in done.stdout, done.stderr
    try:
        assert run("--data-dir", str(data), "demo-data", "--patients", "5").returncode == 0
        counts = json.loads(run("--data-dir", str(data), "status").stdout)["counts"]
        assert counts["Patient"] == 5
        out = tmp_path / "f43.zip"
        assert run("--data-dir", str(data), "export-43", str(out)).returncode == 0 and out.stat().st_size > 0
        bad = run("--data-dir", str(data), "import-43", str(tmp_path / "missing.zip"))
        assert bad.returncode == 2 and "43 แฟ้ม" in bad.stderr and "43 files" in bad.stderr
        assert "Traceback" not in bad.stderr
        shots = run("screens", str(tmp_path / "shots"))
        assert shots.returncode == 0, shots.stderr[-2000:]
        assert sorted(p.name for p in (tmp_path / "shots").glob("*.png")) == [
            "chart.png", "consent.png", "find.png", "followup.png", "referrals.png", "register.png", "sync.png", "today.png",
            "visit-form.png"]
    finally:
        keyring.delete_password(SERVICE, json.loads((data / "clinic-app.json").read_text())["installation_id"])
