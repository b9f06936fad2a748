"""Output is never what fails (issue 21): on an English Windows a command's output that goes
to a file or a pipe (a scheduled task, `status > status.json`) is in the system code page,
cp1252, which has no Thai; before, every command that printed Thai then failed with an
internal error after doing its work. Simulated here with PYTHONIOENCODING (the encoding
Python gives a redirected stream): the output is UTF-8 and the commands succeed; a Thai
code page (TIS-620) writes "?" for what it cannot hold instead of failing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

NO_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
    import os

    return subprocess.run([sys.executable, "-m", "clinic_app", *args], capture_output=True,
                          env={**os.environ, **NO_KEYRING, **env}, timeout=120)


def test_thai_output_to_a_file_on_an_english_code_page_is_utf8_and_the_command_succeeds(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("a passphrase for this test only\n")
    env = {"PYTHONIOENCODING": "cp1252", "CLINIC_APP_PASSPHRASE_FILE": str(tmp_path / "pw")}
    folder = str(tmp_path / "d")
    made = _run(env, "--data-dir", folder, "init", "--hcode", "12345", "--name", "รพ.สต.บ้านทดสอบ")
    assert made.returncode == 0, made.stderr.decode("utf-8", "replace")
    assert "ตั้งค่าโฟลเดอร์ข้อมูลแล้ว" in made.stdout.decode("utf-8")
    assert _run(env, "--data-dir", folder, "demo-data", "--patients", "2").returncode == 0
    status = _run(env, "--data-dir", folder, "status")
    assert status.returncode == 0 and json.loads(status.stdout.decode("utf-8"))["facility_name"] == "รพ.สต.บ้านทดสอบ"
    refused = _run(env, "--data-dir", folder, "import-43", str(tmp_path / "none.zip"))
    assert refused.returncode == 2 and "ไม่ได้" in refused.stderr.decode("utf-8")  # the Thai error too, readable


def test_a_thai_code_page_writes_what_it_cannot_hold_as_a_question_mark(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("a passphrase for this test only\n")
    env = {"PYTHONIOENCODING": "cp874", "CLINIC_APP_PASSPHRASE_FILE": str(tmp_path / "pw")}
    folder = str(tmp_path / "d")
    assert _run(env, "--data-dir", folder, "init", "--hcode", "12345", "--name", "รพ.สต.🏥").returncode == 0
    status = _run(env, "--data-dir", folder, "status")
    assert status.returncode == 0
    assert json.loads(status.stdout.decode("cp874"))["facility_name"] == "รพ.สต.?"
