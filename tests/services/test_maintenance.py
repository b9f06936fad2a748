from __future__ import annotations

from pathlib import Path

import pytest

from clinic_app.core.errors import CorruptDatabaseError, FolderInUseError, StoreError, WrongKeyError
from clinic_app.core.permissions import DEVICE
from clinic_app.security.keys import KeyStore
from clinic_app.services import maintenance
from clinic_app.services.installation import Installation, open_installation, rotate_key
from clinic_app.services.records import RecordService
from clinic_app.store import database


def _patients(inst: Installation) -> int:
    store = inst.connect()
    try:
        return store.counts_by_type().get("Patient", 0)
    finally:
        store.close()


def _add_demo(inst: Installation, n: int, seed: int) -> None:
    store = inst.connect()
    try:
        RecordService(store, actor=DEVICE).load_demo(n, seed=seed)
    finally:
        store.close()


def test_backup_then_restore_brings_back_the_state(installation: Installation, tmp_path: Path) -> None:
    _add_demo(installation, 3, 1)
    backup = maintenance.backup(installation, tmp_path / "b.db")
    _add_demo(installation, 2, 2)
    assert _patients(installation) == 5
    kept = maintenance.restore(installation, backup)
    assert kept.exists()
    assert _patients(installation) == 3
    assert maintenance.check(installation).ok
    with pytest.raises(maintenance.BackupTargetExistsError):
        maintenance.backup(installation, backup)


def test_a_damaged_backup_is_refused_and_the_live_data_stays(installation: Installation, tmp_path: Path) -> None:
    _add_demo(installation, 2, 1)
    backup = maintenance.backup(installation, tmp_path / "b.db")
    data = bytearray(backup.read_bytes())
    data[50:80] = bytes(30)
    backup.write_bytes(bytes(data))
    with pytest.raises(maintenance.BackupUnreadableError):
        maintenance.restore(installation, backup)
    assert _patients(installation) == 2


def test_rekey_changes_the_key_and_keeps_the_data(installation: Installation, keystore: KeyStore) -> None:
    _add_demo(installation, 2, 1)
    old = installation.key
    rotate_key(installation)
    assert installation.key != old
    again = open_installation(installation.folder.path, keys=keystore)
    assert again.key == installation.key
    assert _patients(again) == 2
    with pytest.raises(Exception):
        database.connect(installation.folder.db_path, old)


def test_a_rotation_interrupted_after_the_file_was_rekeyed_finishes_on_open(
        installation: Installation, keystore: KeyStore) -> None:
    _add_demo(installation, 2, 1)
    label = installation.installation_id
    new = bytes(range(32))
    keystore.store(label, new, passphrase=None, pending=True)
    marker = dict(installation.marker, pending_key_check=database.key_check(new))
    installation.folder.write_marker(marker)
    store = installation.connect()
    database.rekey(store.conn, new)
    store.close()
    # "crash" here: the marker and the main keyring entry still name the old key
    reopened = open_installation(installation.folder.path, keys=keystore)
    assert reopened.key == new
    assert "pending_key_check" not in reopened.folder.read_marker()
    assert _patients(reopened) == 2
    assert open_installation(installation.folder.path, keys=keystore).key == new


def test_a_wrong_pending_key_is_still_a_wrong_key(installation: Installation, keystore: KeyStore) -> None:
    label = installation.installation_id
    stranger = bytes(32)
    keystore.store(label, stranger, passphrase=None)  # main entry replaced by a stranger's key
    with pytest.raises(WrongKeyError):
        open_installation(installation.folder.path, keys=keystore)
    # ... and a pending key that is not the file's either
    keystore.store(label, stranger, passphrase=None, pending=True)
    installation.folder.write_marker(dict(installation.marker, pending_key_check=database.key_check(bytes(range(32)))))
    with pytest.raises(WrongKeyError):
        open_installation(installation.folder.path, keys=keystore)
    keystore.forget(label, installation.marker["key"], pending=True)


def test_restore_repairs_a_truncated_database(installation: Installation, keystore: KeyStore, tmp_path: Path) -> None:
    _add_demo(installation, 3, 1)
    backup = maintenance.backup(installation, tmp_path / "b.db")
    installation.close()
    db = installation.folder.db_path
    db.write_bytes(db.read_bytes()[:3000])
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    with pytest.raises(CorruptDatabaseError):
        open_installation(installation.folder.path, keys=keystore)
    damaged = open_installation(installation.folder.path, keys=keystore, verify_open=False)
    maintenance.restore(damaged, backup)
    assert _patients(damaged) == 3
    damaged.close()


def test_restore_and_rekey_wait_until_other_windows_close(installation: Installation, keystore: KeyStore,
                                                          tmp_path: Path) -> None:
    _add_demo(installation, 1, 1)
    backup = maintenance.backup(installation, tmp_path / "b.db")
    other = open_installation(installation.folder.path, keys=keystore)  # another window
    with pytest.raises(FolderInUseError):
        maintenance.restore(installation, backup)
    with pytest.raises(FolderInUseError):
        rotate_key(installation)
    assert open_installation(installation.folder.path, keys=keystore).key == installation.key
    other.close()


def test_a_restore_that_fails_half_way_puts_the_old_file_back(installation: Installation, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _add_demo(installation, 2, 1)
    backup = maintenance.backup(installation, tmp_path / "b.db")
    _add_demo(installation, 1, 5)
    real_replace = maintenance.os.replace

    def flaky(src, dst):  # type: ignore[no-untyped-def]
        if ".restore-" in str(src):
            raise PermissionError(13, "held by another program")
        return real_replace(src, dst)

    monkeypatch.setattr(maintenance.os, "replace", flaky)
    with pytest.raises(StoreError):
        maintenance.restore(installation, backup)
    monkeypatch.undo()
    assert _patients(installation) == 3
