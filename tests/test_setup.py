"""What a fresh desktop needs to show the real window: every library Qt's X11 (xcb) platform
plugin links against is installed (Qt 6.5 and later need libxcb-cursor0, which nothing
installed before), so `installer/run-app.sh` opens a window rather than a Qt error."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import PySide6


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plugin is Linux's")
def test_the_x11_platform_plugin_finds_every_library_it_needs() -> None:
    assert shutil.which("ldd"), "ldd (libc-bin) is part of every Debian system"
    qt = Path(PySide6.__file__).parent / "Qt"
    plugin = qt / "plugins" / "platforms" / "libqxcb.so"
    assert plugin.is_file()
    for library in [plugin, *sorted((qt / "lib").glob("libQt6XcbQpa.so*"))[:1]]:
        linked = subprocess.run(["ldd", str(library)], capture_output=True, text=True, check=True).stdout
        missing = [line.split()[0] for line in linked.splitlines() if "not found" in line]
        assert missing == [], f"{library.name} needs {missing}: add them to installer/system-packages.sh"


def test_the_app_uses_the_environment_the_tests_made(tmp_path: Path) -> None:
    """After `installer/test.sh`, `installer/run-app.sh` starts at once: no second install."""
    venv_sh = Path(__file__).parents[1] / "installer" / "venv.sh"
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    fake = tmp_path / ".venv" / "bin" / "python"
    fake.write_text('#!/bin/sh\necho "$@" >> "$(dirname "$0")/../calls"\n')
    fake.chmod(0o755)
    (tmp_path / "pyproject.toml").write_text("")
    subprocess.run(["touch", "-d", "1 hour ago", str(tmp_path / "pyproject.toml")], check=True)
    (tmp_path / ".venv" / ".installed-test").write_text("")  # what test.sh left
    subprocess.run(["bash", "-c", f"source {venv_sh} && ensure_venv ''"], cwd=tmp_path, check=True)
    assert not (tmp_path / ".venv" / "calls").exists()  # pip was not run again
    subprocess.run(["touch", str(tmp_path / "pyproject.toml")], check=True)  # the project changed since
    subprocess.run(["touch", "-d", "1 minute ago", str(tmp_path / ".venv" / ".installed-test")], check=True)
    subprocess.run(["bash", "-c", f"source {venv_sh} && ensure_venv ''"], cwd=tmp_path, check=True)
    assert "pip install" in (tmp_path / ".venv" / "calls").read_text()  # then it installs
