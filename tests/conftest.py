"""Shared fixtures: real SQLCipher files in temporary folders, the real keyring backend.

The suite expects a working OS keyring (CI and `installer/test.sh` start gnome-keyring
in a D-Bus session). Without one the keyring tests fail with a message saying so rather
than being skipped, so a missing install step cannot hide.
"""

from __future__ import annotations

from typing import Any

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The window keeps per-user choices (its language) with QSettings, under XDG_CONFIG_HOME on
# Linux: give the run its own, so tests neither read nor change the developer's.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="clinic-test-config-")
# The rest of what the app (platformdirs) keeps per user goes to the run's own folders too: the
# log written before a data folder exists (user_log_dir: $XDG_STATE_HOME/clinic-app/log), the
# default data folder ($XDG_DATA_HOME/clinic-app), caches. Children started by run_cli inherit
# them. A test that scans what was written points them into its tmp_path (`user_folders`).
for _name, _prefix in (("XDG_STATE_HOME", "state"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache")):
    os.environ[_name] = tempfile.mkdtemp(prefix=f"clinic-test-{_prefix}-")
os.environ.pop("CLINIC_APP_LANG", None)

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinic_app.core import demo
from clinic_app.core.permissions import DEVICE
from clinic_app.security.keys import KeyStore
from clinic_app.services.installation import Installation, initialise
from clinic_app.services.records import RecordService

HCODE = "12345"


@pytest.fixture(scope="session")
def keystore() -> KeyStore:
    ks = KeyStore()
    if not ks.keyring_works():
        pytest.fail("No working OS keyring: run the suite with installer/test.sh, which starts "
                    "gnome-keyring in a D-Bus session (see README).")
    return ks


@pytest.fixture
def installation(tmp_path: Path, keystore: KeyStore) -> Iterator[Installation]:
    inst = initialise(tmp_path / "data", hcode=HCODE, name="รพ.สต.ทดสอบ", keys=keystore)
    yield inst
    inst.forget_secrets()


@pytest.fixture
def service(installation: Installation) -> Iterator[RecordService]:
    store = installation.connect()
    yield RecordService(store, actor=DEVICE)
    store.close()


USER_FOLDERS = ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")


@pytest.fixture
def user_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The per-user folders platformdirs reads on Linux (config, state with the fallback log,
    data, cache) and the temporary folder, all inside this test's tmp_path, for this process
    and the CLI children it starts: a scan of tmp_path then sees everything the app wrote,
    `init`'s log before the data folder exists included."""
    root = tmp_path / "user"
    for name in USER_FOLDERS:
        (root / name).mkdir(parents=True)
        monkeypatch.setenv(name, str(root / name))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return root


@pytest.fixture(scope="session")
def demo_patients() -> list[demo.DemoPatient]:
    return list(demo.generate(12, seed=7, hcode=HCODE))


def run_cli(*args: str, env: dict[str, str] | None = None, stdin: str | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the real `clinic-app` entry point in a child process."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "clinic_app", *args], capture_output=True, text=True,
                          env=full_env, input=stdin, timeout=timeout)


def write_json(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def back_to_data_version_10(conn: Any) -> None:
    """Make a folder's database look as data version 10 left it: what migrations 11 to 13 made
    dropped (the patient summary, the 43-file staging, the staff details and versions)."""
    conn.execute("DROP TABLE patient_summary")
    conn.execute("DROP TABLE summary_fill")
    conn.execute("DROP TABLE f43_stage")
    conn.execute("ALTER TABLE staff DROP COLUMN details")
    conn.execute("ALTER TABLE staff DROP COLUMN version")
    conn.execute("ALTER TABLE sign_in_failures DROP COLUMN version")
    conn.execute("PRAGMA user_version = 10")
