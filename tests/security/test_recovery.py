"""A lost keyring entry never means lost records: the recovery key shown once at init
puts the key back."""

from __future__ import annotations

import json
from pathlib import Path

import keyring

from clinic_app.security.keys import SERVICE
from tests.conftest import run_cli


def _recovery_key(init_stdout: str) -> str:
    lines = init_stdout.splitlines()
    return next(lines[i + 1].strip() for i, line in enumerate(lines) if "Recovery key" in line or "recovery key" in line)


def test_recovery_after_the_keyring_entry_is_deleted(tmp_path: Path, keystore: object) -> None:
    data = tmp_path / "d"
    init = run_cli("--data-dir", str(data), "init", "--hcode", "12345")
    assert init.returncode == 0, init.stderr
    recovery = _recovery_key(init.stdout)
    assert len(recovery) == 29 and recovery.count("-") == 5
    assert recovery not in (data / "clinic-app.json").read_text()
    assert run_cli("--data-dir", str(data), "demo-data", "--patients", "2").returncode == 0
    label = json.loads((data / "clinic-app.json").read_text())["installation_id"]
    keyring.delete_password(SERVICE, label)
    lost = run_cli("--data-dir", str(data), "status")
    assert lost.returncode == 2 and "missing" in lost.stderr
    (tmp_path / "wrong").write_text("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")
    wrong = run_cli("--data-dir", str(data), "db", "recover", "--recovery-key-file", str(tmp_path / "wrong"))
    assert wrong.returncode == 2 and "does not open" in wrong.stderr
    (tmp_path / "right").write_text(recovery.lower().replace("-", " ") + "\n")  # however it was written down
    back = run_cli("--data-dir", str(data), "db", "recover", "--recovery-key-file", str(tmp_path / "right"))
    assert back.returncode == 0, back.stderr
    status = run_cli("--data-dir", str(data), "status")
    assert status.returncode == 0 and json.loads(status.stdout)["counts"]["Patient"] == 2
    rekey = run_cli("--data-dir", str(data), "db", "rekey")
    assert rekey.returncode == 0
    new_recovery = _recovery_key(rekey.stdout)
    keyring.delete_password(SERVICE, label)
    assert run_cli("--data-dir", str(data), "db", "recover", "--recovery-key-file",
                   str(tmp_path / "right")).returncode == 2  # the old one opens only the old key
    (tmp_path / "new").write_text(new_recovery)
    assert run_cli("--data-dir", str(data), "db", "recover", "--recovery-key-file", str(tmp_path / "new")).returncode == 0
    assert run_cli("--data-dir", str(data), "status").returncode == 0
    keyring.delete_password(SERVICE, label)
