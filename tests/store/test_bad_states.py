"""Each bad state of the data folder: exit code 2, a Thai and English message, no
traceback, and the existing file left exactly as it was."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass
class SmallDisk:
    """Where a data folder is put to run out of room or go read-only.

    Where this process may mount (root with CAP_SYS_ADMIN: CI runs as root, `.ci/run`), a
    real 4 MiB tmpfs: it fills up (ENOSPC) and is remounted read-only (EROFS). Where it may
    not (`why` says what mount answered), real limits of another kind, announced with a
    warning rather than skipped: a file-size limit on the commands (RLIMIT_FSIZE: the kernel
    refuses the write, EFBIG) and a folder without write permission (EACCES; root's commands
    run without the capabilities that let root write there anyway, by util-linux's setpriv).
    CLINIC_TEST_SMALL_DISK=limits takes the second way even where a mount would work."""

    path: Path
    mounted: bool
    why: str = ""
    file_limit: int | None = None  # bytes, for the commands run by `run`
    read_only: bool = False

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "clinic_app", *args]
        if self.read_only and not self.mounted and os.geteuid() == 0:
            command = [_setpriv(), "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--", *command]
        limit = self.file_limit

        def limited() -> None:
            if limit is not None:
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        return subprocess.run(command, capture_output=True, text=True, timeout=120, preexec_fn=limited)

    def make_read_only(self) -> None:
        if self.mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(self.path)], check=True, capture_output=True)
        else:
            for path in [self.path, *self.path.rglob("*")]:
                path.chmod(path.stat().st_mode & ~0o222)
        self.read_only = True

    def make_writable(self) -> None:
        if self.mounted:
            subprocess.run(["mount", "-o", "remount,rw", str(self.path)], check=True, capture_output=True)
        else:
            for path in [self.path, *self.path.rglob("*")]:
                path.chmod(path.stat().st_mode | 0o200)
        self.read_only = False


def _setpriv() -> str:
    found = shutil.which("setpriv")
    assert found, "setpriv (util-linux) is missing: installer/system-packages.sh installs it"
    return found


def _mount_tmpfs(mount: Path) -> str:
    """"" when a 4 MiB tmpfs is mounted there, else why not (what mount said)."""
    if os.environ.get("CLINIC_TEST_SMALL_DISK") == "limits":
        return "CLINIC_TEST_SMALL_DISK=limits"
    tool = shutil.which("mount")
    assert tool, "mount (util-linux) is missing: installer/system-packages.sh installs it"
    result = subprocess.run([tool, "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True, text=True)
    if result.returncode == 0:
        return ""
    said = " ".join((result.stderr or result.stdout).split()) or f"exit code {result.returncode}"
    who = f"uid {os.geteuid()}" + ("" if _has_cap_sys_admin() else " without CAP_SYS_ADMIN")
    return f"mounting a tmpfs failed as {who}: {said}"


def _has_cap_sys_admin() -> bool:
    status = Path("/proc/self/status").read_text()
    effective = next(line.split()[1] for line in status.splitlines() if line.startswith("CapEff:"))
    return bool(int(effective, 16) >> 21 & 1)  # CAP_SYS_ADMIN is capability 21


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    mount = tmp_path / "disk"
    mount.mkdir()
    why = _mount_tmpfs(mount)
    disk = SmallDisk(mount, mounted=not why, why=why)
    if why:
        warnings.warn(f"no small tmpfs ({why}); a file-size limit and a folder without write permission "
                      "stand in for a full and a read-only disk", stacklevel=1)
    try:
        yield disk
    finally:
        if disk.read_only:
            disk.make_writable()
        if disk.mounted:
            subprocess.run(["umount", "-l", str(mount)], check=False)


def _count(folder: Path) -> dict[str, int]:
    result = run_cli("--data-dir", str(folder), "status")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["counts"]


def test_full_disk_loses_nothing_saved(small_disk: SmallDisk, tmp_path: Path, keystore: object) -> None:
    data = small_disk.path / "data"
    assert run_cli("--data-dir", str(data), "init", "--hcode", "12345").returncode == 0
    small = {"resourceType": "Bundle", "type": "collection",
             "entry": [{"resource": r} for p in demo.generate(2, seed=1, hcode="12345") for r in p.resources]}
    assert run_cli("--data-dir", str(data), "import-fhir", str(write_json(tmp_path / "s.json", small))).returncode == 0
    saved = _count(data)
    big = {"resourceType": "Bundle", "type": "collection",
           "entry": [{"resource": r} for p in demo.generate(600, seed=2, hcode="12345") for r in p.resources]}
    if not small_disk.mounted:  # no file of the folder may grow more than 1 MiB past the largest now
        small_disk.file_limit = max(p.stat().st_size for p in data.iterdir()) + 2**20
    result = small_disk.run("--data-dir", str(data), "import-fhir", str(write_json(tmp_path / "big.json", big)))
    # A full disk is named; a file-size limit (the kernel's "file too large") is a failed write.
    _assert_refused(result, "disk is full" if small_disk.mounted else "Reading or writing the database failed")
    assert _count(data) == saved
    assert run_cli("--data-dir", str(data), "db", "check").returncode == 0
    _cleanup_keyring(data)


def test_read_only_disk(small_disk: SmallDisk, tmp_path: Path, keystore: object) -> None:
    data = small_disk.path / "data"
    assert run_cli("--data-dir", str(data), "init", "--hcode", "12345").returncode == 0
    one = {"resourceType": "Patient", "name": [{"text": "นายทดสอบ อ่านอย่างเดียว"}]}
    assert run_cli("--data-dir", str(data), "import-fhir", str(write_json(tmp_path / "p.json", one))).returncode == 0
    before = _digest(data / "clinic.db")
    small_disk.make_read_only()
    try:
        result = small_disk.run("--data-dir", str(data), "import-fhir", str(tmp_path / "p.json"))
        _assert_refused(result, "read-only")
        assert _digest(data / "clinic.db") == before
        # ... but what is there can be rescued: looked at, exported, backed up elsewhere
        status = small_disk.run("--data-dir", str(data), "status")
        assert status.returncode == 0 and json.loads(status.stdout)["counts"] == {"Patient": 1}, status.stderr
        exported = small_disk.run("--data-dir", str(data), "export-fhir")
        assert exported.returncode == 0 and "อ่านอย่างเดียว" in exported.stdout and "read-only" in exported.stderr
        rescued = small_disk.run("--data-dir", str(data), "db", "backup", str(tmp_path / "rescued.db"))
        assert rescued.returncode == 0, rescued.stderr
        assert _digest(data / "clinic.db") == before
    finally:
        small_disk.make_writable()
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
