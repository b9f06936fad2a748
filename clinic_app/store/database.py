"""Opening the SQLCipher file: key, pragmas, migrations, and turning SQLite errors into
known errors a clerk can act on.

Settings and why:
- The key is 32 random bytes given as a raw key (`x'..'`), so no passphrase KDF runs on
  every open; SQLCipher 4's cipher defaults (AES-256, HMAC-SHA512 per page, 4 KiB pages)
  are kept as they are.
- WAL journal, `synchronous=FULL`: rural power cuts are common and a saved visit must
  survive one. Temp storage in memory, so no plaintext temp files reach the disk.
- SQLCipher's own log is silenced (it prints "hmac check failed" on a wrong key).
- `key=None` opens a plain SQLite file with the same code; only the benchmarks use it, to
  have a baseline for the encrypted store.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
from collections.abc import Iterator
from pathlib import Path

import sqlcipher3

from clinic_app.core.errors import (
    CorruptDatabaseError,
    DatabaseBusyError,
    DiskFullError,
    NewerDatabaseError,
    ReadOnlyError,
    StoreError,
    WrongKeyError,
)
from clinic_app.store.migrations import LATEST_VERSION, migrate

log = logging.getLogger(__name__)

Connection = sqlcipher3.Connection
DatabaseError = sqlcipher3.DatabaseError

_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26

KEY_BYTES = 32
CACHE_KIB = 128 * 1024  # a maximum, reached only as pages are read; see the README benchmark


def key_check(key: bytes) -> str:
    """A value that tells whether a key is the database's without opening it (not secret)."""
    return hmac.new(key, b"clinic-app database key check v1", hashlib.sha256).hexdigest()[:32]


def known_error(exc: BaseException, *, key_ok: bool = True) -> StoreError | None:
    """The known error behind a SQLite exception, or None when it is a bug."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return None
    primary = code & 0xFF
    if primary == _SQLITE_FULL:
        return DiskFullError()
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return DatabaseBusyError()
    if primary in (_SQLITE_READONLY, _SQLITE_CANTOPEN):
        return ReadOnlyError()
    if primary == _SQLITE_NOTADB:
        return CorruptDatabaseError() if key_ok else WrongKeyError()
    if primary == _SQLITE_CORRUPT:
        return CorruptDatabaseError()
    if primary == _SQLITE_IOERR:
        return StoreError(
            "อ่านหรือเขียนฐานข้อมูลไม่สำเร็จ ข้อมูลที่บันทึกแล้วยังอยู่ โปรดตรวจดิสก์แล้วลองใหม่",
            "Reading or writing the database failed. Saved data is intact. Check the disk and try again.",
            code="io",
        )
    return None


@contextlib.contextmanager
def guard(*, key_ok: bool = True) -> Iterator[None]:
    """Re-raise SQLite errors that come from the world as known errors."""
    try:
        yield
    except sqlcipher3.Error as exc:
        known = known_error(exc, key_ok=key_ok)
        if known is None:
            raise
        log.warning("database error %s (%s)", known.code, getattr(exc, "sqlite_errorname", "?"))
        raise known from exc


def _apply_key(conn: Connection, key: bytes) -> None:
    if len(key) != KEY_BYTES:
        raise ValueError("database key must be 32 bytes")
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")


def connect(path: Path, key: bytes | None, *, create: bool = False, migrate_schema: bool = True,
            check_same_thread: bool = True, cache_kib: int = CACHE_KIB, read_only: bool = False) -> Connection:
    """Open (or with create=True, make) the database and bring its schema up to date.

    The caller has already checked the key against the folder's key check, so a
    'not a database' here means the file itself is damaged. `read_only` opens a database on
    a folder that cannot be written (a disk gone read-only: rescue what is there), as it
    is: no journal mode set, no migration.
    """
    if not create and not path.is_file():
        raise CorruptDatabaseError()
    if not create and path.stat().st_size == 0:
        raise CorruptDatabaseError()
    if read_only:
        # `immutable`: on a read-only disk SQLite cannot make the WAL index; whatever an
        # unfinished WAL holds stays unread (it was never checkpointed into the file).
        target, uri = path.resolve().as_uri() + "?mode=ro&immutable=1", True
    else:
        target, uri = str(path), False
    with guard():
        conn = sqlcipher3.connect(target, uri=uri, isolation_level=None, timeout=10.0,
                                  check_same_thread=check_same_thread)
    try:
        with guard():
            conn.execute("PRAGMA cipher_log_level = NONE")
            if key is not None:
                _apply_key(conn, key)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            found = conn.execute("PRAGMA user_version").fetchone()[0]
            if found > LATEST_VERSION:
                raise NewerDatabaseError(found, LATEST_VERSION)
            if not read_only:
                conn.execute("PRAGMA journal_mode = WAL").fetchone()
                conn.execute("PRAGMA synchronous = FULL")
                conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
            if migrate_schema and not read_only and found < LATEST_VERSION:
                migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def integrity_problems(conn: Connection, *, encrypted: bool = True) -> list[str]:
    """Messages from SQLite's and SQLCipher's integrity checks (empty when all is well)."""
    problems: list[str] = []
    with guard():
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        problems += [r[0] for r in rows if r[0] != "ok"]
        if encrypted:
            problems += [r[0] for r in conn.execute("PRAGMA cipher_integrity_check").fetchall()]
    return problems


def export_copy(conn: Connection, target: Path, key: bytes | None) -> None:
    """Write a consistent, encrypted copy of the open database to `target` (must not exist).

    Uses SQLCipher's documented `sqlcipher_export`; readers and writers may go on.
    """
    keyspec = f"x'{key.hex()}'" if key is not None else ""
    with guard():
        conn.execute("ATTACH DATABASE ? AS backup KEY ?", (str(target), keyspec))
        try:
            conn.execute("BEGIN")
            try:
                conn.execute("SELECT sqlcipher_export('backup')").fetchall()
                version = conn.execute("PRAGMA main.user_version").fetchone()[0]
                conn.execute(f"PRAGMA backup.user_version = {int(version)}")
            finally:
                conn.execute("COMMIT")
        finally:
            conn.execute("DETACH DATABASE backup")


def rekey(conn: Connection, new_key: bytes) -> None:
    if len(new_key) != KEY_BYTES:
        raise ValueError("database key must be 32 bytes")
    with guard():
        conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()


def checkpoint(conn: Connection) -> None:
    """Fold the whole WAL back into the main file (before copying or replacing it)."""
    with guard():
        busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy:
        raise DatabaseBusyError()


def user_version(conn: Connection) -> int:
    with guard():
        return int(conn.execute("PRAGMA user_version").fetchone()[0])

