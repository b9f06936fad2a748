"""Each bad state of the data folder: exit code 2, a Thai and English message, no
traceback, and the existing file left exactly as it was."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from clinic_app.core import demo
from clinic_app.security.keys import SERVICE
from clinic_app.store import database
from tests.conftest import run_cli, write_json


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_refused(result: subprocess.CompletedProcess[str], english: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert "ข้อผิดพลาด:" in result.stderr
    assert english in result.stderr, result.stderr


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    data = tmp_path / "data"
    result = run_cli("--data-dir", str(data), "init", "--hcode", "12345")
    assert result.returncode == 0, result.stderr
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": r} for p in demo.generate(3, seed=5, hcode="12345") for r in p.resources]}
    assert run_cli("--data-dir", str(data), "import-fhir", str(write_json(tmp_path / "b.json", bundle))).returncode == 0
    yield data
    marker = json.loads((data / "clinic-app.json").read_text())
    for entry in (marker["installation_id"], marker["installation_id"] + ":pending"):
        try:
            keyring.delete_password(SERVICE, entry)
        except keyring.errors.PasswordDeleteError:
            pass


def _label(folder: Path) -> str:
    return json.loads((folder / "clinic-app.json").read_text())["installation_id"]


def test_wrong_key(folder: Path, keystore: object) -> None:
    before = _digest(folder / "clinic.db")
    keyring.set_password(SERVICE, _label(folder), os.urandom(32).hex())
    _assert_refused(run_cli("--data-dir", str(folder), "status"), "does not open this database")
    assert _digest(folder / "clinic.db") == before


def test_key_missing_from_keyring(folder: Path, keystore: object) -> None:
    before = _digest(folder / "clinic.db")
    keyring.delete_password(SERVICE, _label(folder))
    _assert_refused(run_cli("--data-dir", str(folder), "status"), "missing from this computer's keyring")
    assert _digest(folder / "clinic.db") == before


def test_truncated_file(folder: Path, keystore: object) -> None:
    db = folder / "clinic.db"
    assert run_cli("--data-dir", str(folder), "db", "check").returncode == 0
    for extra in ("-wal", "-shm"):
        Path(f"{db}{extra}").unlink(missing_ok=True)
    db.write_bytes(db.read_bytes()[:1000])
    before = _digest(db)
    _assert_refused(run_cli("--data-dir", str(folder), "status"), "damaged or truncated")
    assert _digest(db) == before


def test_corrupted_page(folder: Path, keystore: object) -> None:
    db = folder / "clinic.db"
    for extra in ("-wal", "-shm"):
        Path(f"{db}{extra}").unlink(missing_ok=True)
    data = bytearray(db.read_bytes())
    data[200:216] = bytes(16)
    db.write_bytes(bytes(data))
    before = _digest(db)
    _assert_refused(run_cli("--data-dir", str(folder), "db", "check"), "damaged")
    assert _digest(db) == before


def test_file_from_a_newer_version(folder: Path, keystore) -> None:  # type: ignore[no-untyped-def]
    key = bytes.fromhex(keyring.get_password(SERVICE, _label(folder)))
    conn = database.connect(folder / "clinic.db", key)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = _digest(folder / "clinic.db")
    _assert_refused(run_cli("--data-dir", str(folder), "status"), "newer clinic-app")
    assert _digest(folder / "clinic.db") == before


def test_folder_that_is_not_a_clinic_folder(tmp_path: Path) -> None:
    other = tmp_path / "photos"
    other.mkdir()
    (other / "holiday.jpg").write_bytes(b"\xff\xd8 not ours")
    _assert_refused(run_cli("--data-dir", str(other), "status"), "not a clinic-app data folder")
    _assert_refused(run_cli("--data-dir", str(other), "init", "--hcode", "12345"), "not a clinic-app data folder")
    assert sorted(p.name for p in other.iterdir()) == ["holiday.jpg"]
    _assert_refused(run_cli("--data-dir", str(tmp_path / "new"), "status"), "not set up yet")


def test_init_twice_is_refused(folder: Path, keystore: object) -> None:
    before = _digest(folder / "clinic-app.json")
    _assert_refused(run_cli("--data-dir", str(folder), "init", "--hcode", "54321"), "already set up")
    assert _digest(folder / "clinic-app.json") == before


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 4 MiB tmpfs (needs root, as in CI), unmounted afterwards."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _count(folder: Path) -> dict[str, int]:
    result = run_cli("--data-dir", str(folder), "status")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["counts"]


def test_full_disk_loses_nothing_saved(small_disk: Path, tmp_path: Path, keystore: object) -> None:
    data = small_disk / "data"
    assert run_cli("--data-dir", str(data), "init", "--hcode", "12345").returncode == 0
    small = {"resourceType": "Bundle", "type": "collection",
             "entry": [{"resource": r} for p in demo.generate(2, seed=1, hcode="12345") for r in p.resources]}
    assert run_cli("--data-dir", str(data), "import-fhir", str(write_json(tmp_path / "s.json", small))).returncode == 0
    saved = _count(data)
    big = {"resourceType": "Bundle", "type": "collection",
           "entry": [{"resource": r} for p in demo.generate(600, seed=2, hcode="12345") for r in p.resources]}
    result = run_cli("--data-dir", str(data), "import-fhir", str(write_json(tmp_path / "big.json", big)))
    _assert_refused(result, "disk is full")
    assert _count(data) == saved
    assert run_cli("--data-dir", str(data), "db", "check").returncode == 0
    _cleanup_keyring(data)


def test_read_only_disk(small_disk: Path, tmp_path: Path, keystore: object) -> None:
    data = small_disk / "data"
    assert run_cli("--data-dir", str(data), "init", "--hcode", "12345").returncode == 0
    one = {"resourceType": "Patient", "name": [{"text": "นายทดสอบ อ่านอย่างเดียว"}]}
    assert run_cli("--data-dir", str(data), "import-fhir", str(write_json(tmp_path / "p.json", one))).returncode == 0
    before = _digest(data / "clinic.db")
    assert subprocess.run(["mount", "-o", "remount,ro", str(small_disk)]).returncode == 0
    try:
        result = run_cli("--data-dir", str(data), "import-fhir", str(tmp_path / "p.json"))
        _assert_refused(result, "read-only")
        assert _digest(data / "clinic.db") == before
        # ... but what is there can be rescued: looked at, exported, backed up elsewhere
        status = run_cli("--data-dir", str(data), "status")
        assert status.returncode == 0 and json.loads(status.stdout)["counts"] == {"Patient": 1}, status.stderr
        exported = run_cli("--data-dir", str(data), "export-fhir")
        assert exported.returncode == 0 and "อ่านอย่างเดียว" in exported.stdout and "read-only" in exported.stderr
        rescued = run_cli("--data-dir", str(data), "db", "backup", str(tmp_path / "rescued.db"))
        assert rescued.returncode == 0, rescued.stderr
        assert _digest(data / "clinic.db") == before
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert _count(data) == {"Patient": 1}
    _cleanup_keyring(data)


def _cleanup_keyring(folder: Path) -> None:
    try:
        keyring.delete_password(SERVICE, _label(folder))
    except keyring.errors.PasswordDeleteError:
        pass


def test_a_database_that_failed_its_check_is_read_not_written(folder: Path, keystore: object, tmp_path: Path) -> None:
    assert run_cli("--data-dir", str(folder), "db", "backup", str(tmp_path / "good.db")).returncode == 0
    db = folder / "clinic.db"
    checkpoint = run_cli("--data-dir", str(folder), "status")  # folds the WAL in
    assert checkpoint.returncode == 0
    for extra in ("-wal", "-shm"):
        Path(f"{db}{extra}").unlink(missing_ok=True)
    data = bytearray(db.read_bytes())
    page = 4096
    last = len(data) // page - 1  # a page deep in the file, past the ones every command reads
    data[last * page + 100:last * page + 140] = bytes(40)
    db.write_bytes(bytes(data))
    _assert_refused(run_cli("--data-dir", str(folder), "db", "check"), "Restore a backup")
    _assert_refused(run_cli("--data-dir", str(folder), "demo-data", "--patients", "1"), "failed its integrity check")
    rescue = run_cli("--data-dir", str(folder), "export-fhir")
    assert "failed its integrity check" in rescue.stderr and "Traceback" not in rescue.stderr
    _assert_refused(run_cli("--data-dir", str(folder), "audit", "verify"), "failed its integrity check")
    assert run_cli("--data-dir", str(folder), "db", "restore", str(tmp_path / "good.db")).returncode == 0
    assert run_cli("--data-dir", str(folder), "db", "check").returncode == 0
    assert run_cli("--data-dir", str(folder), "demo-data", "--patients", "1").returncode == 0  # writes again
