"""The data folder: its files and its marker (`clinic-app.json`).

The marker says "this is a clinic-app data folder" and carries what is needed to find the
database key (which keyring entry, or the passphrase-wrapped key) plus a key check value,
so a wrong key can be told apart from a damaged file. It never holds a key in clear.
Writes are atomic (temp file + rename), so a crash never leaves half a marker.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clinic_app.core.errors import (
    AlreadyInitialisedError,
    FolderInUseError,
    NotClinicFolderError,
    ReadOnlyError,
    DiskFullError,
    StoreError,
)

MARKER_NAME = "clinic-app.json"
DB_NAME = "clinic.db"
MARKER_FORMAT = "clinic-app-data-folder/1"
# Files our own tools may leave in a folder before it is set up (a log, for instance), in
# lower case: on Windows the default data folder is also where platformdirs puts the log
# ("Logs") and the pointer to the folder in use (the check under Wine found init refused there).
_TOLERATED = {"logs", ".lock", "current-folder.json"}


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old or the new content, never a mix."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            fsync_dir(path.parent)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise os_error(exc) from exc


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` survive a power cut (POSIX; Windows has no directory fsync)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FolderLock:
    """A lock file held by every process that has the folder open: shared for ordinary
    work, exclusive for restore and key rotation, so those never pull the file from under
    an open window. POSIX `flock`; Windows `LockFileEx` (`_WindowsLocks`); elsewhere a
    no-op. `locks` is for tests: the Windows calls against a stand-in kernel32."""

    def __init__(self, folder: Path, locks: _Locks | None = None) -> None:
        self.path = folder / ".lock"
        self._fd: int | None = None
        self._locks = locks if locks is not None else _platform_locks()

    def acquire_shared(self) -> None:
        if self._fd is not None or self._locks is None:
            return
        try:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise os_error(exc) from exc
        try:
            self._locks.shared(self._fd)
        except BaseException:
            os.close(self._fd)
            self._fd = None
            raise

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        if self._fd is None or self._locks is None:
            yield
            return
        if not self._locks.try_exclusive(self._fd):  # the shared lock is held again
            raise FolderInUseError()
        try:
            yield
        finally:
            self._locks.back_to_shared(self._fd)

    def release(self) -> None:
        if self._fd is not None:
            if self._locks is not None:
                self._locks.unlock(self._fd)
            os.close(self._fd)
            self._fd = None


class _Locks:
    """One platform's lock calls on an open file: take a shared lock (waiting), try for the
    exclusive one without waiting (False, with the shared lock held again, when another
    process has the file open), go back to shared, let go."""

    def shared(self, fd: int) -> None:
        raise NotImplementedError

    def try_exclusive(self, fd: int) -> bool:
        raise NotImplementedError

    def back_to_shared(self, fd: int) -> None:
        self.shared(fd)

    def unlock(self, fd: int) -> None:
        """Closing the file lets go too; Windows may take a while to, so it is said."""


def _platform_locks() -> _Locks | None:
    if os.name == "posix":
        return _PosixLocks()
    if sys.platform == "win32":
        return _WindowsLocks()
    return None


class _PosixLocks(_Locks):
    """flock(2): converts the shared lock to exclusive and back on the one file."""

    def shared(self, fd: int) -> None:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_SH)

    def try_exclusive(self, fd: int) -> bool:
        import fcntl

        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fcntl.flock(fd, fcntl.LOCK_SH)
            return False
        return True


class _Overlapped(ctypes.Structure):
    """OVERLAPPED: where the locked range starts (byte 0 of `.lock`, one byte long)."""

    _fields_ = [("Internal", ctypes.c_size_t), ("InternalHigh", ctypes.c_size_t),
                ("Offset", ctypes.c_uint32), ("OffsetHigh", ctypes.c_uint32), ("hEvent", ctypes.c_void_p)]


class _WindowsLocks(_Locks):
    """LockFileEx/UnlockFileEx on byte 0 of the lock file: a shared lock without
    LOCKFILE_EXCLUSIVE_LOCK, the exclusive one with it and LOCKFILE_FAIL_IMMEDIATELY.
    Windows does not convert a lock held by the same handle (an exclusive request over our
    own shared lock fails), so the shared lock is let go first and taken again after; flock
    on Linux converts the same way, not atomically, so the two behave alike. msvcrt.locking
    has no shared locks, hence kernel32 through ctypes."""

    LOCKFILE_FAIL_IMMEDIATELY = 0x1
    LOCKFILE_EXCLUSIVE_LOCK = 0x2
    ERROR_LOCK_VIOLATION = 33
    ERROR_NOT_LOCKED = 158

    def __init__(self, kernel32: Any = None, handle_of: Any = None, last_error: Any = None) -> None:
        if kernel32 is None:
            import msvcrt
            from ctypes import wintypes

            kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
            lpov = ctypes.POINTER(_Overlapped)
            kernel32.LockFileEx.argtypes = [wintypes.HANDLE, wintypes.DWORD, wintypes.DWORD,
                                            wintypes.DWORD, wintypes.DWORD, lpov]
            kernel32.LockFileEx.restype = wintypes.BOOL
            kernel32.UnlockFileEx.argtypes = [wintypes.HANDLE, wintypes.DWORD, wintypes.DWORD,
                                              wintypes.DWORD, lpov]
            kernel32.UnlockFileEx.restype = wintypes.BOOL
            handle_of = msvcrt.get_osfhandle  # type: ignore[attr-defined]
            last_error = ctypes.get_last_error  # type: ignore[attr-defined]
        self._k = kernel32
        self._handle_of = handle_of
        self._last_error = last_error

    def _lock(self, fd: int, flags: int) -> bool:
        ov = _Overlapped()
        if self._k.LockFileEx(self._handle_of(fd), flags, 0, 1, 0, ctypes.byref(ov)):
            return True
        code = self._last_error()
        if flags & self.LOCKFILE_FAIL_IMMEDIATELY and code == self.ERROR_LOCK_VIOLATION:
            return False
        raise _windows_error("LockFileEx", code)

    def shared(self, fd: int) -> None:
        self._lock(fd, 0)

    def try_exclusive(self, fd: int) -> bool:
        self.unlock(fd)
        if self._lock(fd, self.LOCKFILE_EXCLUSIVE_LOCK | self.LOCKFILE_FAIL_IMMEDIATELY):
            return True
        self._lock(fd, 0)
        return False

    def back_to_shared(self, fd: int) -> None:
        self.unlock(fd)
        self._lock(fd, 0)

    def unlock(self, fd: int) -> None:
        ov = _Overlapped()
        if not self._k.UnlockFileEx(self._handle_of(fd), 0, 1, 0, ctypes.byref(ov)):
            code = self._last_error()
            if code != self.ERROR_NOT_LOCKED:
                raise _windows_error("UnlockFileEx", code)


def _windows_error(call: str, code: int) -> StoreError:
    return StoreError(
        "ล็อกโฟลเดอร์ข้อมูลไม่ได้ โปรดตรวจดิสก์หรือสิทธิ์ของโฟลเดอร์แล้วลองใหม่",
        f"Could not lock the data folder ({call} failed, Windows error {code}). "
        "Check the disk and the folder's permissions, and try again.",
        code="io",
    )


def os_error(exc: OSError) -> StoreError:
    import errno

    if exc.errno == errno.ENOSPC:
        return DiskFullError()
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return ReadOnlyError()
    return StoreError(
        "อ่านหรือเขียนไฟล์ในโฟลเดอร์ข้อมูลไม่ได้ โปรดตรวจดิสก์แล้วลองใหม่",
        f"Could not read or write the data folder ({exc.strerror}). Check the disk and try again.",
        code="io",
    )


@dataclass
class DataFolder:
    """Paths inside one installation's data folder."""

    path: Path

    @property
    def marker_path(self) -> Path:
        return self.path / MARKER_NAME

    @property
    def db_path(self) -> Path:
        return self.path / DB_NAME

    @property
    def log_dir(self) -> Path:
        return self.path / "logs"

    def exists(self) -> bool:
        return self.marker_path.is_file()

    def read_marker(self) -> dict[str, Any]:
        """The marker, or NotClinicFolderError when this is not (yet) a data folder."""
        if not self.marker_path.is_file():
            others = self.path.is_dir() and any(
                p.name.lower() not in _TOLERATED for p in self.path.iterdir()
            )
            raise NotClinicFolderError(has_other_files=others, folder=self.path)
        try:
            data = json.loads(self.marker_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise NotClinicFolderError(has_other_files=True, folder=self.path) from exc
        if not isinstance(data, dict) or data.get("format") != MARKER_FORMAT:
            raise NotClinicFolderError(has_other_files=True, folder=self.path)
        return data

    def write_marker(self, marker: dict[str, Any]) -> None:
        marker = {**marker, "format": MARKER_FORMAT}
        text = json.dumps(marker, indent=2, sort_keys=True, ensure_ascii=False)
        atomic_write_bytes(self.marker_path, text.encode("utf-8"))

    def prepare_new(self) -> None:
        """Make the folder ready for `init`: refuse a set-up or foreign, non-empty folder."""
        if self.exists():
            raise AlreadyInitialisedError()
        if self.path.exists():
            if not self.path.is_dir():
                raise NotClinicFolderError(has_other_files=True, folder=self.path)
            if any(p.name.lower() not in _TOLERATED for p in self.path.iterdir()):
                raise NotClinicFolderError(has_other_files=True, folder=self.path)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise os_error(exc) from exc
