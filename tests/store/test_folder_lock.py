"""The data-folder lock's Windows code path (issue 21), run on Linux against a stand-in
kernel32 that keeps LockFileEx's documented rules: locks belong to a handle, a shared lock
cannot overlap an exclusive one, an exclusive lock cannot overlap any lock, the holder's own
included (Windows does not convert a lock), and a lock that conflicts either waits or, with
LOCKFILE_FAIL_IMMEDIATELY, fails with ERROR_LOCK_VIOLATION. The real kernel32 is exercised by
installer/windows-check.sh under Wine (a restore refused while another process holds the
folder open); the POSIX path by tests/services/test_maintenance.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic_app.core.errors import FolderInUseError, StoreError
from clinic_app.store import folder as folder_mod
from clinic_app.store.folder import FolderLock, _WindowsLocks

FAIL_IMMEDIATELY, EXCLUSIVE = 0x1, 0x2


class WouldWait(Exception):
    """A lock call without FAIL_IMMEDIATELY that Windows would make wait."""


class Kernel32:
    """Byte 0 of one file, locked by handles (each FolderLock's own open file)."""

    def __init__(self) -> None:
        self.held: dict[int, str] = {}  # handle -> "shared" | "exclusive"
        self.error = 0
        self.calls: list[tuple[str, int, int]] = []
        self.fail_with: int | None = None

    def LockFileEx(self, handle: int, flags: int, reserved: int, low: int, high: int, overlapped: object) -> int:
        assert (reserved, low, high) == (0, 1, 0)
        self.calls.append(("lock", handle, flags))
        if self.fail_with is not None:
            self.error = self.fail_with
            return 0
        exclusive = bool(flags & EXCLUSIVE)
        # an exclusive lock overlaps no lock, one's own shared lock included (no conversion)
        conflict = bool(self.held) if exclusive else "exclusive" in self.held.values()
        if conflict:
            if not flags & FAIL_IMMEDIATELY:
                raise WouldWait()
            self.error = 33  # ERROR_LOCK_VIOLATION
            return 0
        self.held[handle] = "exclusive" if exclusive else "shared"
        return 1

    def UnlockFileEx(self, handle: int, reserved: int, low: int, high: int, overlapped: object) -> int:
        self.calls.append(("unlock", handle, 0))
        if self.held.pop(handle, None) is None:
            self.error = 158  # ERROR_NOT_LOCKED
            return 0
        return 1


@pytest.fixture()
def kernel32() -> Kernel32:
    return Kernel32()


def _lock(tmp_path: Path, kernel32: Kernel32) -> FolderLock:
    """A FolderLock on the Windows path: the file's descriptor stands for its handle."""
    lock = FolderLock(tmp_path, locks=_WindowsLocks(kernel32, handle_of=lambda fd: fd,
                                                    last_error=lambda: kernel32.error))
    lock.acquire_shared()
    return lock


def test_one_window_alone_gets_the_folder_exclusively_and_shares_it_again(tmp_path: Path,
                                                                          kernel32: Kernel32) -> None:
    lock = _lock(tmp_path, kernel32)
    fd = lock._fd
    assert fd is not None and kernel32.held == {fd: "shared"}
    with lock.exclusive():
        assert kernel32.held == {fd: "exclusive"}
        with pytest.raises(WouldWait):  # another window opening now waits for the restore
            _lock(tmp_path, kernel32)
    assert kernel32.held == {fd: "shared"}
    other = _lock(tmp_path, kernel32)  # and then opens
    assert other._fd is not None and kernel32.held == {fd: "shared", other._fd: "shared"}


def test_restore_is_refused_while_another_window_has_the_folder_open_and_both_keep_it(
        tmp_path: Path, kernel32: Kernel32) -> None:
    mine, other = _lock(tmp_path, kernel32), _lock(tmp_path, kernel32)
    ran = []
    with pytest.raises(FolderInUseError):
        with mine.exclusive():
            ran.append("restore")
    assert ran == []
    assert kernel32.held == {mine._fd: "shared", other._fd: "shared"}  # mine taken again, not lost
    with pytest.raises(FolderInUseError):
        with other.exclusive():
            pass
    other.release()
    assert kernel32.held == {mine._fd: "shared"} and other._fd is None
    with mine.exclusive():
        ran.append("restore")
    assert ran == ["restore"] and kernel32.held == {mine._fd: "shared"}


def test_the_exclusive_lock_is_given_back_when_the_restore_fails(tmp_path: Path, kernel32: Kernel32) -> None:
    lock = _lock(tmp_path, kernel32)
    with pytest.raises(RuntimeError):
        with lock.exclusive():
            raise RuntimeError("the swap failed")
    assert kernel32.held == {lock._fd: "shared"}


def test_release_unlocks_before_closing_and_twice_is_harmless(tmp_path: Path, kernel32: Kernel32) -> None:
    lock = _lock(tmp_path, kernel32)
    fd = lock._fd
    lock.release()
    lock.release()
    assert kernel32.held == {} and kernel32.calls[-1] == ("unlock", fd, 0)


def test_a_lock_call_that_fails_otherwise_is_a_clear_error_not_in_use(tmp_path: Path, kernel32: Kernel32) -> None:
    kernel32.fail_with = 5  # ERROR_ACCESS_DENIED
    lock = FolderLock(tmp_path, locks=_WindowsLocks(kernel32, handle_of=lambda fd: fd,
                                                    last_error=lambda: kernel32.error))
    with pytest.raises(StoreError) as caught:
        lock.acquire_shared()
    assert not isinstance(caught.value, FolderInUseError)
    assert "LockFileEx failed, Windows error 5" in caught.value.english and caught.value.thai
    assert lock._fd is None  # the file is not left open


def test_the_platform_picks_its_locks(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(folder_mod._platform_locks(), folder_mod._PosixLocks)
    monkeypatch.setattr(folder_mod.os, "name", "nt")
    monkeypatch.setattr(folder_mod.sys, "platform", "win32")
    made = []
    monkeypatch.setattr(folder_mod._WindowsLocks, "__init__", lambda self: made.append(self))
    assert isinstance(folder_mod._platform_locks(), folder_mod._WindowsLocks) and made
    monkeypatch.setattr(folder_mod.sys, "platform", "emscripten")
    assert folder_mod._platform_locks() is None


def test_a_new_folder_may_hold_what_windows_puts_there_first(tmp_path: Path) -> None:
    """On Windows the default data folder is also platformdirs' log folder ("Logs") and
    config folder (the pointer to the folder in use): init there must not be refused
    (found by installer/windows-check.sh: the installed program's first init failed)."""
    from clinic_app.core.errors import NotClinicFolderError
    from clinic_app.store.folder import DataFolder

    (tmp_path / "Logs").mkdir()
    (tmp_path / "current-folder.json").write_text("{}")
    (tmp_path / ".lock").touch()
    DataFolder(tmp_path).prepare_new()
    (tmp_path / "notes.txt").write_text("someone else's")
    with pytest.raises(NotClinicFolderError):
        DataFolder(tmp_path).prepare_new()
