"""The data folder: its files and its marker (`clinic-app.json`).

The marker says "this is a clinic-app data folder" and carries what is needed to find the
database key (which keyring entry, or the passphrase-wrapped key) plus a key check value,
so a wrong key can be told apart from a damaged file. It never holds a key in clear.
Writes are atomic (temp file + rename), so a crash never leaves half a marker.
"""

from __future__ import annotations

import contextlib
import json
import os
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
# Files our own tools may leave in a folder before it is set up (a log, for instance).
_TOLERATED = {"logs", ".lock"}


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
    an open window. POSIX `flock`; elsewhere a no-op (documented in the README)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / ".lock"
        self._fd: int | None = None

    def acquire_shared(self) -> None:
        if self._fd is not None or os.name != "posix":
            return
        import fcntl

        try:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise os_error(exc) from exc
        fcntl.flock(self._fd, fcntl.LOCK_SH)

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        if self._fd is None:
            yield
            return
        import fcntl

        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            fcntl.flock(self._fd, fcntl.LOCK_SH)
            raise FolderInUseError() from exc
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_SH)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


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
                p.name not in _TOLERATED for p in self.path.iterdir()
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
            if any(p.name not in _TOLERATED for p in self.path.iterdir()):
                raise NotClinicFolderError(has_other_files=True, folder=self.path)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise os_error(exc) from exc
