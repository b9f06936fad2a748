"""Database upkeep: integrity check, online encrypted backup, restore.

A backup is a full SQLCipher copy under the same key, written to a temporary name and
renamed, so a half-written backup never carries the final name. Restore checks the
backup opens with this folder's key and passes both integrity checks *before* touching
the live file, and keeps the file it replaces beside it (`clinic.db.before-restore-*`).
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from clinic_app.core.errors import (
    CorruptDatabaseError,
    KnownError,
    NewerDatabaseError,
    ReadOnlyError,
    StoreError,
    os_reason,
)
from clinic_app.services.installation import DEVICE_ACTOR, Installation
from clinic_app.store import database
from clinic_app.store.folder import fsync_dir, os_error


@dataclass(frozen=True)
class CheckReport:
    ok: bool
    problems: list[str]
    schema_version: int


def check(inst: Installation) -> CheckReport:
    """Both integrity checks. A failure is remembered beside the database: from then on it
    is read (to rescue data) but not written, until a restore or a check that passes."""
    store = inst.connect()
    try:
        problems = database.integrity_problems(store.conn)
        version = database.user_version(store.conn)
    except CorruptDatabaseError:
        inst.mark_damaged(True)  # the check itself met a damaged page
        raise
    finally:
        store.close()
    inst.mark_damaged(bool(problems))
    return CheckReport(not problems, problems, version)


class BackupTargetExistsError(KnownError):
    code = "backup-exists"

    def __init__(self) -> None:
        super().__init__("มีไฟล์ชื่อนี้อยู่แล้ว ไม่ได้เขียนทับ โปรดเลือกชื่อไฟล์ใหม่",
                         "A file with that name already exists; it was not overwritten. Choose a new name.")


class BackupPathError(KnownError):
    code = "backup-path"

    def __init__(self, thai: str, english: str) -> None:
        """Why, in each language: ("ไม่มีโฟลเดอร์นี้", "the folder does not exist")."""
        super().__init__(f"ใช้ไฟล์หรือโฟลเดอร์ที่ระบุไม่ได้ ({thai}) โปรดตรวจชื่อไฟล์และที่เก็บ",
                         f"Cannot use that file or folder ({english}). Check the path and the drive.")


def backup(inst: Installation, target: Path, *, actor: str = DEVICE_ACTOR) -> Path:
    target = target.expanduser().absolute()
    if target.exists():
        raise BackupTargetExistsError()
    if not target.parent.is_dir():
        raise BackupPathError("ไม่มีโฟลเดอร์นี้", "the folder does not exist")
    tmp = target.with_name(f".{target.name}.partial")
    tmp.unlink(missing_ok=True)
    store = inst.connect()
    try:
        database.export_copy(store.conn, tmp, inst.key)
        if store.writable:  # a rescue from a damaged or read-only database cannot be written in its trail
            with store.transaction():
                store.audit.append(actor=actor, action="backup")
    except ReadOnlyError as exc:
        tmp.unlink(missing_ok=True)
        raise BackupPathError("เขียนที่นั่นไม่ได้", "cannot write there") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        store.close()
    try:
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise BackupPathError(*os_reason(exc)) from exc
    return target


class BackupUnreadableError(StoreError):
    code = "backup-unreadable"

    def __init__(self) -> None:
        super().__init__(
            "เปิดไฟล์สำรองนี้ด้วยกุญแจของเครื่องนี้ไม่ได้ (ไฟล์เสีย หรือสำรองไว้ก่อนเปลี่ยนกุญแจ/จากเครื่องอื่น) "
            "ไม่ได้เปลี่ยนแปลงข้อมูลปัจจุบัน",
            "This backup does not open with this folder's key (damaged, made before a key "
            "rotation, or from another installation). Current data was not changed.",
        )


def restore(inst: Installation, source: Path, *, actor: str = DEVICE_ACTOR) -> Path:
    """Replace the live database with a verified backup; returns where the old file went.

    Works when the live file is damaged or missing. Refused while another window or
    command has the folder open. If the swap fails half-way, the old file is put back.
    """
    source = source.expanduser().absolute()
    if not source.is_file():
        raise BackupPathError("ไม่มีไฟล์นี้", "no such file")
    with inst.folder_lock().exclusive():
        return _restore(inst, source, actor)


def _restore(inst: Installation, source: Path, actor: str) -> Path:
    live_path = inst.folder.db_path
    staged = inst.folder.path / f".restore-{os.getpid()}.db"
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    kept = live_path.with_name(f"{live_path.name}.before-restore-{stamp}")
    try:
        try:
            shutil.copyfile(source, staged)
        except OSError as exc:
            raise BackupPathError(*os_reason(exc)) from exc
        try:
            conn = database.connect(staged, inst.key, migrate_schema=False)
        except (CorruptDatabaseError, NewerDatabaseError) as exc:
            raise BackupUnreadableError() from exc
        try:
            if database.integrity_problems(conn):
                raise BackupUnreadableError()
            database.checkpoint(conn)
        finally:
            conn.close()
        live_head = _fold_live_wal(inst)
        moved = False
        try:
            if live_path.exists():
                os.replace(live_path, kept)
                moved = True
            for suffix in ("-wal", "-shm"):
                Path(f"{live_path}{suffix}").unlink(missing_ok=True)
            os.replace(staged, live_path)
            fsync_dir(live_path.parent)
        except OSError as exc:
            if moved and not live_path.exists():
                os.replace(kept, live_path)
            raise os_error(exc) from exc
    finally:
        staged.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(f"{staged}{suffix}").unlink(missing_ok=True)
    inst.mark_damaged(False)  # a verified backup is in place
    store = inst.connect()  # migrates an older backup forward
    try:
        rows = store.audit.rows()
        restored_head = rows[-1][0] if rows else 0
        audit = inst.marker.get("audit")
        if audit and audit["keyed_from"] > restored_head + 1:  # a backup from before the audit key
            inst.marker = {**inst.marker, "audit": {**audit, "keyed_from": restored_head + 1}}
            inst.folder.write_marker(inst.marker)
        detail: dict[str, object] = {}
        if live_head is not None and live_head > restored_head:  # the trail says what the restore took back
            detail = {"rolled_back_entries": live_head - restored_head, "from_entry": restored_head + 1,
                      "to_entry": live_head}
        with store.transaction():
            store.audit.append(actor=actor, action="restore", detail=detail)
    finally:
        store.close()
    return kept


def _fold_live_wal(inst: Installation) -> int | None:
    """Checkpoint the live file's WAL into it so the kept copy is whole, and say how far its
    audit trail went; None for a file that is damaged or missing (that is why people restore)."""
    if not inst.folder.db_path.exists():
        return None
    try:
        live = inst.connect()
    except (CorruptDatabaseError, NewerDatabaseError):
        return None
    try:
        database.checkpoint(live.conn)
        try:
            rows = live.audit.rows()
        except StoreError:
            return None
        return int(rows[-1][0]) if rows else 0
    finally:
        live.close()
