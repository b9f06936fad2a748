"""What the command line says when it refuses, through the real `clinic-app` (issue 13,
item 15): no log line at the user, each reason wholly in Thai on the Thai line and wholly
in English on the English one, a missing file called missing (not damaged), the same
problem on many lines said once with the lines and their count, and a folder not set up
named, with the way into training mode."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_cli

HCODE = "10669"
NO_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
PERSON_HEADER = ("HOSPCODE|CID|PID|HID|PRENAME|NAME|LNAME|HN|SEX|BIRTH|MSTATUS|OCCUPATION_OLD|OCCUPATION_NEW|RACE|"
                 "NATION|RELIGION|EDUCATION|FSTATUS|FATHER|MOTHER|COUPLE|VSTATUS|MOVEIN|DISCHARGE|DDISCHARGE|ABOGROUP|"
                 "RHGROUP|LABOR|PASSPORT|TYPEAREA|D_UPDATE|TELEPHONE|MOBILE")


def _lines(result: subprocess.CompletedProcess[str]) -> tuple[str, str]:
    """The Thai and the English line of a refusal (exit 2, no traceback)."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    thai = next(line for line in result.stderr.splitlines() if line.startswith("ข้อผิดพลาด: "))
    english = next(line for line in result.stderr.splitlines() if line.startswith("Error: "))
    return thai, english


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """No keyring (a passphrase file keeps the key) and a log folder of the test's own."""
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("a long passphrase for tests\n", encoding="utf-8")
    return {**NO_KEYRING, "CLINIC_APP_PASSPHRASE_FILE": str(passphrase), "XDG_STATE_HOME": str(tmp_path / "state"),
            "XDG_CACHE_HOME": str(tmp_path / "cache")}


@pytest.fixture
def data(tmp_path: Path, env: dict[str, str]) -> Path:
    folder = tmp_path / "data"
    result = run_cli("--data-dir", str(folder), "init", "--hcode", HCODE, env=env)
    assert result.returncode == 0, result.stderr
    return folder


def test_a_refusal_before_the_log_is_set_up_goes_to_the_log_not_the_screen(tmp_path: Path,
                                                                           env: dict[str, str]) -> None:
    # the screens command without a keyring or a passphrase, and a hub command, refuse
    # before any data folder's log is set up: the "refused: <code>" record is the log's
    no_passphrase = {k: v for k, v in env.items() if k != "CLINIC_APP_PASSPHRASE_FILE"}
    for args in (("screens", str(tmp_path / "shots")),
                 ("hub", "enroll", str(tmp_path / "no-such.json"), "--data-dir", str(tmp_path / "hub"))):
        result = run_cli(*args, env=no_passphrase)
        _lines(result)
        assert result.stderr.startswith("ข้อผิดพลาด: "), result.stderr
        assert "refused" not in result.stderr
    log = (tmp_path / "state" / "clinic-app" / "log" / "clinic-app.log").read_text(encoding="utf-8")
    assert "refused: keyring-unavailable" in log and "refused: file" in log


def test_a_missing_43_file_is_missing_in_both_languages_not_damaged(tmp_path: Path, data: Path,
                                                                    env: dict[str, str]) -> None:
    thai, english = _lines(run_cli("--data-dir", str(data), "import-43", str(tmp_path / "f43.zip"), env=env))
    assert "ไม่มีไฟล์หรือโฟลเดอร์นี้" in thai and "เสีย" not in thai and "f43.zip" in thai
    assert "no such file or folder" in english and "Errno" not in english and str(tmp_path) not in english


def test_the_thai_of_a_backup_refusal_has_no_english_in_it(tmp_path: Path, data: Path, env: dict[str, str]) -> None:
    for args in (("db", "backup", str(tmp_path / "no-such-folder" / "b.db")),
                 ("db", "restore", str(tmp_path / "no-such-backup.db"))):
        thai, english = _lines(run_cli("--data-dir", str(data), *args, env=env))
        assert not re.search("[A-Za-z]", thai), thai
        assert "ไม่มี" in thai and ("does not exist" in english or "no such file" in english)


def test_the_same_problem_on_518_lines_is_said_once_with_the_lines_and_their_count(tmp_path: Path, data: Path,
                                                                                   env: dict[str, str]) -> None:
    other = "|".join(["10670", "", "{pid}", "", "003", "สมชาย", "ทดสอบ", "{pid}", "1", "19800415"] + [""] * 19
                     + ["1", "20261101120000", "", ""])
    rows = [other.format(pid=n) for n in range(1, 519)]
    folder = tmp_path / "f43"
    folder.mkdir()
    (folder / "person.txt").write_text("\r\n".join([PERSON_HEADER, *rows]) + "\r\n", encoding="utf-8")
    result = run_cli("--data-dir", str(data), "import-43", str(folder), env=env)
    _lines(result)
    listed = [line for line in result.stderr.splitlines() if "person.txt" in line]
    assert listed == [
        "  - person.txt บรรทัดที่ 2-519 (518 บรรทัด): เป็นข้อมูลของหน่วยบริการ 10670 "
        "นำเข้าได้เฉพาะแฟ้มของหน่วยบริการนี้",
        "    person.txt lines 2-519 (518 lines): belongs to facility 10670; only this unit's files can be imported",
    ], result.stderr
    assert len(result.stderr.splitlines()) == 4


def test_status_on_a_folder_not_set_up_names_it_and_the_way_into_training_mode(tmp_path: Path,
                                                                                env: dict[str, str]) -> None:
    folder = tmp_path / "not-yet"
    thai, english = _lines(run_cli("--data-dir", str(folder), "status", env=env))
    assert str(folder) in thai and str(folder) in english
    assert "โหมดฝึกอบรม" in thai and "init --hcode" in thai
    assert "training mode" in english and "no command" in english and "init --hcode" in english
    assert not folder.exists()  # looking set nothing up


def test_no_consent_on_the_command_line_says_which_command_asks_for_it(data: Path, env: dict[str, str]) -> None:
    # the window says it with its own button (tests/ui/test_desk.py); the CLI, with its command
    result = run_cli("--data-dir", str(data), "records", "show", "--cid", "1101700207030", env=env)
    thai, english = _lines(result)
    assert "เป๋าตัง" in thai and "clinic-app" not in thai + english
    assert "clinic-app consent request --cid" in result.stderr  # the hint, in both languages
    assert result.stderr.count("consent request") == 2
