"""Known errors: failures that come from the world, with a message a clerk can act on.

Every known error carries a Thai and an English message and a process exit code. The CLI
prints both messages and exits with the code; the window shows them in a dialog. Anything
that is not a KnownError is a bug and goes to the crash handler with its traceback.

Messages must never contain patient data (names, citizen IDs, phone numbers): they are
logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_KNOWN_ERROR = 2
EXIT_HUB_UNREACHABLE = 3
EXIT_CONFLICTS = 4


class KnownError(Exception):
    """An environmental or input failure to be shown to people, never a traceback."""

    exit_code: int = EXIT_KNOWN_ERROR
    code: str = "error"
    # What to type next, for the command line only (the window has its own buttons): (Thai, English).
    cli_hint: tuple[str, str] | None = None

    def __init__(self, thai: str, english: str, *, code: str | None = None) -> None:
        super().__init__(english)
        self.thai = thai
        self.english = english
        if code is not None:
            self.code = code

    def bilingual(self) -> str:
        return f"{self.thai}\n{self.english}"


def os_reason(exc: OSError) -> tuple[str, str]:
    """Why the system would not let a file be used, in Thai and in English, from its error
    number (for a message's brackets: "(no such file or folder)"); the system's own English
    words, with a general Thai, for the rarer ones."""
    import errno

    known = {errno.ENOENT: ("ไม่มีไฟล์หรือโฟลเดอร์นี้", "no such file or folder"),
             errno.EACCES: ("ไม่มีสิทธิ์เข้าถึง", "no permission"),
             errno.EPERM: ("ไม่มีสิทธิ์เข้าถึง", "no permission"),
             errno.EROFS: ("ดิสก์อ่านได้อย่างเดียว", "the disk is read-only"),
             errno.ENOSPC: ("พื้นที่ดิสก์เต็ม", "the disk is full"),
             errno.EISDIR: ("เป็นโฟลเดอร์ ไม่ใช่ไฟล์", "it is a folder, not a file"),
             errno.ENOTDIR: ("ส่วนหนึ่งของที่อยู่ไม่ใช่โฟลเดอร์", "part of the path is not a folder"),
             errno.EIO: ("อ่านหรือเขียนดิสก์ไม่สำเร็จ", "the disk could not be read or written")}
    if exc.errno in known:
        return known[exc.errno]
    return "ระบบไม่ยอมให้ใช้ไฟล์นี้", (exc.strerror or "the system refused").lower()


class StoreError(KnownError):
    """The local encrypted database cannot be used as asked."""

    code = "store"


class WrongKeyError(StoreError):
    code = "wrong-key"

    def __init__(self) -> None:
        super().__init__(
            "กุญแจเข้ารหัสไม่ตรงกับฐานข้อมูลนี้ ข้อมูลยังอยู่ครบ "
            "โปรดใช้กุญแจกู้คืนหรือรหัสผ่านที่ถูกต้อง หรือติดต่อผู้ดูแลระบบ",
            "The encryption key does not open this database. Nothing was changed. "
            "Use the right passphrase or recovery key, or call your administrator.",
        )


class KeyMissingError(StoreError):
    code = "key-missing"

    def __init__(self) -> None:
        super().__init__(
            "ไม่พบกุญแจเข้ารหัสของฐานข้อมูลนี้ในที่เก็บกุญแจของเครื่อง (keyring) "
            "ข้อมูลยังอยู่ครบ โปรดกู้คืนกุญแจด้วยกุญแจกู้คืน หรือติดต่อผู้ดูแลระบบ",
            "The database key is missing from this computer's keyring. Nothing was "
            "changed. Restore it with the recovery key or call your administrator.",
        )


class KeyringUnavailableError(StoreError):
    code = "keyring-unavailable"

    def __init__(self) -> None:
        super().__init__(
            "เครื่องนี้ไม่มีที่เก็บกุญแจ (keyring) ที่ใช้งานได้ "
            "โปรดระบุไฟล์รหัสผ่านด้วย --passphrase-file หรือ CLINIC_APP_PASSPHRASE_FILE",
            "No working keyring on this computer. Give a passphrase with "
            "--passphrase-file or CLINIC_APP_PASSPHRASE_FILE.",
        )


class PassphraseNeededError(StoreError):
    code = "passphrase-needed"

    def __init__(self) -> None:
        super().__init__(
            "ฐานข้อมูลนี้ล็อกด้วยรหัสผ่าน โปรดระบุด้วย --passphrase-file "
            "หรือ CLINIC_APP_PASSPHRASE_FILE",
            "This database is locked with a passphrase. Give it with --passphrase-file "
            "or CLINIC_APP_PASSPHRASE_FILE.",
        )


class CorruptDatabaseError(StoreError):
    code = "corrupt"

    def __init__(self) -> None:
        super().__init__(
            "ไฟล์ฐานข้อมูลเสียหายหรือไม่ครบ (กุญแจถูกต้อง) ไม่ได้เขียนทับไฟล์เดิม "
            "โปรดกู้คืนจากไฟล์สำรองด้วยคำสั่ง clinic-app db restore",
            "The database file is damaged or truncated (the key is right). It was not "
            "overwritten. Restore a backup with `clinic-app db restore FILE`.",
        )


class NewerDatabaseError(StoreError):
    code = "newer-version"

    def __init__(self, found: int, supported: int) -> None:
        super().__init__(
            f"ฐานข้อมูลนี้สร้างโดยโปรแกรมรุ่นใหม่กว่า (รุ่นข้อมูล {found} "
            f"รองรับถึง {supported}) โปรดติดตั้งโปรแกรมรุ่นล่าสุด ไม่ได้แก้ไขไฟล์",
            f"This database was made by a newer clinic-app (data version {found}, this "
            f"one knows up to {supported}). Install the newest clinic-app. The file "
            "was not changed.",
        )


class DiskFullError(StoreError):
    code = "disk-full"

    def __init__(self) -> None:
        super().__init__(
            "พื้นที่ดิสก์เต็ม รายการล่าสุดยังไม่ได้บันทึก ข้อมูลที่บันทึกไว้ก่อนหน้ายังอยู่ครบ "
            "โปรดลบไฟล์ที่ไม่ใช้แล้วลองใหม่",
            "The disk is full. The last change was not saved; everything saved before "
            "is intact. Free some space and try again.",
        )


class ReadOnlyError(StoreError):
    code = "read-only"

    def __init__(self) -> None:
        super().__init__(
            "เขียนลงโฟลเดอร์ข้อมูลไม่ได้ (อ่านได้อย่างเดียว) ข้อมูลเดิมยังอยู่ครบ "
            "โปรดตรวจสิทธิ์ของโฟลเดอร์หรือดิสก์",
            "The data folder cannot be written (read-only). Existing data is intact. "
            "Check the folder's permissions or the disk.",
        )


class NotClinicFolderError(StoreError):
    code = "not-clinic-folder"

    def __init__(self, *, has_other_files: bool, folder: object = None) -> None:
        """`folder`, when given, is named: which folder was looked at."""
        th_folder, en_folder = ("โฟลเดอร์นี้", "This folder") if folder is None else (f"โฟลเดอร์ {folder}",
                                                                                     f"The folder {folder}")
        if has_other_files:
            super().__init__(
                f"{th_folder} ไม่ใช่โฟลเดอร์ข้อมูลของ clinic-app และมีไฟล์อื่นอยู่ "
                "ไม่ได้แก้ไขอะไร โปรดเลือกโฟลเดอร์ว่างหรือโฟลเดอร์ข้อมูลที่ถูกต้อง",
                f"{en_folder} is not a clinic-app data folder and holds other files. "
                "Nothing was changed. Choose an empty folder or the right data folder.",
            )
        else:
            th_data, en_data = ("โฟลเดอร์ข้อมูลนี้", "This data folder") if folder is None else (
                f"โฟลเดอร์ข้อมูล {folder}", f"The data folder {folder}")
            super().__init__(
                f"ยังไม่ได้ตั้งค่า{th_data} โปรดเรียก clinic-app init --hcode <รหัสหน่วยบริการ> "
                "หรือเปิดโปรแกรมโดยไม่ระบุคำสั่ง (clinic-app เฉย ๆ หรือพร้อม --data-dir เดิม) "
                "โปรแกรมจะตั้งค่าโฟลเดอร์นี้เป็นโหมดฝึกอบรมพร้อมข้อมูลตัวอย่างให้",
                f"{en_data} is not set up yet. Run `clinic-app init --hcode <facility code>` first, or start "
                "`clinic-app` with no command (and the same --data-dir, if you gave one): the window sets this "
                "folder up in training mode, with demo data.",
            )


class DatabaseBusyError(StoreError):
    code = "busy"

    def __init__(self) -> None:
        super().__init__(
            "ฐานข้อมูลกำลังถูกใช้งานโดยหน้าต่างหรือคำสั่งอื่นของ clinic-app โปรดรอสักครู่แล้วลองใหม่",
            "The database is busy in another clinic-app window or command. Wait a moment and try again.",
        )


class FolderInUseError(StoreError):
    code = "in-use"

    def __init__(self) -> None:
        super().__init__(
            "โฟลเดอร์ข้อมูลนี้เปิดอยู่ในหน้าต่างหรือคำสั่งอื่นของ clinic-app "
            "โปรดปิดก่อน แล้วจึงกู้คืนหรือเปลี่ยนกุญแจ ไม่ได้แก้ไขอะไร",
            "This data folder is open in another clinic-app window or command. Close it first, "
            "then restore or change the key. Nothing was changed.",
        )


class AlreadyInitialisedError(StoreError):
    code = "already-initialised"

    def __init__(self) -> None:
        super().__init__(
            "โฟลเดอร์นี้ตั้งค่าไว้แล้ว ไม่ได้เขียนทับ",
            "This data folder is already set up. Nothing was overwritten.",
        )


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located so a person can find and fix it.

    `reason` is in English and `thai` in Thai ("" where no Thai is known: the English
    stands in). `lines` is set on a problem that stands for the same problem on one or more
    lines of the file `path` (`group_problems`: 518 rows of another facility are one
    problem, not 518)."""

    index: int | None
    path: str
    reason: str
    thai: str = ""
    lines: tuple[int, ...] = ()

    def reason_in(self, lang: str) -> str:
        """The reason in `lang` ("th" or "en"); the English where no Thai is known."""
        return self.thai if lang == "th" and self.thai else self.reason

    def where(self, lang: str = "en") -> str:
        """Where the problem is, in `lang`: "entry 3: ...", "person.txt line 7",
        "person.txt lines 2-519 (518 lines)"."""
        thai = lang == "th"
        entry = "" if self.index is None else (f"รายการที่ {self.index}: " if thai else f"entry {self.index}: ")
        if not self.lines:
            return f"{entry}{self.path}"
        span = _spans(self.lines)
        if len(self.lines) == 1:
            return f"{entry}{self.path} " + (f"บรรทัดที่ {span}" if thai else f"line {span}")
        count = len(self.lines)
        return f"{entry}{self.path} " + (f"บรรทัดที่ {span} ({count} บรรทัด)" if thai else f"lines {span} ({count} lines)")

    def describe(self, lang: str = "en") -> str:
        """"where: reason" in `lang`: the form the command line prints (and logs keep)."""
        return f"{self.where(lang)}: {self.reason_in(lang)}"


_LINE = re.compile(r"^(?P<file>.+) line (?P<line>[0-9]+)$")
MOST_SPANS = 6  # "lines 2, 5, 9-12, ..." names this many runs of lines, then "…"


def _spans(lines: tuple[int, ...]) -> str:
    """"2-519" for a run of lines, "2, 5, 9-12" for several, the first MOST_SPANS then "…"."""
    runs: list[list[int]] = []
    for n in sorted(set(lines)):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    text = [str(a) if a == b else f"{a}-{b}" for a, b in runs]
    return ", ".join(text[:MOST_SPANS] + (["…"] if len(text) > MOST_SPANS else []))


def group_problems(problems: list[Problem]) -> list[Problem]:
    """The same problem (same reason) on many lines of one file as one problem that names
    the lines and counts them, where its first line was in the list; other problems as
    they are. A problem at "FILE line N" becomes one of `lines` (N) on FILE."""
    out: list[Problem] = []
    lines: dict[int, list[int]] = {}      # position in out -> its lines
    at: dict[tuple[object, ...], int] = {}  # (index, file, reason, thai) -> position in out
    for problem in problems:
        found = None if problem.lines else _LINE.match(problem.path)
        if found is None and not problem.lines:
            out.append(problem)
            continue
        file = found["file"] if found else problem.path
        numbers = [int(found["line"])] if found else list(problem.lines)
        key = (problem.index, file, problem.reason, problem.thai)
        if key in at:
            lines[at[key]] += numbers
        else:
            at[key] = len(out)
            lines[len(out)] = numbers
            out.append(Problem(problem.index, file, problem.reason, problem.thai))
    return [replace(p, lines=tuple(sorted(set(lines[i])))) if i in lines else p for i, p in enumerate(out)]


class InvalidInputError(KnownError):
    """Input (a file, a form) failed validation; nothing was stored."""

    code = "invalid-input"

    def __init__(self, thai: str, english: str, *, problems: list[Problem] | None = None) -> None:
        super().__init__(thai, english)
        self.problems: list[Problem] = group_problems(list(problems or []))

    def bilingual(self) -> str:
        lines = [self.thai, self.english]
        lines.extend(problem_text(p) for p in self.problems)
        return "\n".join(lines)


def problem_text(problem: Problem) -> str:
    """A problem as the command line prints it: "  - " and the Thai, the English on the
    next line under it (the English alone where no Thai is known)."""
    if not problem.thai:
        return f"  - {problem.describe('en')}"
    return f"  - {problem.describe('th')}\n    {problem.describe('en')}"


@dataclass
class ProblemList:
    """Collects problems while checking many entries, then raises them all at once."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, index: int | None, path: str, reason: str, thai: str = "") -> None:
        self.problems.append(Problem(index, path, reason, thai))

    def __bool__(self) -> bool:
        return bool(self.problems)


class HubUnreachableError(KnownError):
    """Offline is not a failure: changes stay queued. Exit code 3."""

    code = "hub-unreachable"
    exit_code = EXIT_HUB_UNREACHABLE

    def __init__(self, detail: str) -> None:
        super().__init__(
            "ติดต่อระบบกลาง (MOPH Cloud) ไม่ได้ ข้อมูลยังรอส่งอยู่ในเครื่อง จะส่งเมื่อต่อได้อีกครั้ง",
            f"The hub cannot be reached ({detail}). Changes stay queued on this computer and go "
            "out when the link returns.",
        )
        self.detail = detail


class ConsentNeededError(KnownError):
    code = "consent-needed"

    def __init__(self) -> None:
        super().__init__(
            "ต้องได้รับความยินยอมจากผู้ป่วยก่อน (ผ่านแอปเป๋าตัง หรือ ThaID) จึงจะดูประวัติจากหน่วยบริการอื่นได้",
            "The patient's consent is needed (given in the Pao Tang or ThaID app) to see another "
            "facility's records.",
        )

    cli_hint = ("ขอความยินยอมได้ด้วยคำสั่ง clinic-app consent request --cid <เลขประจำตัวประชาชน>",
                "Ask for it with `clinic-app consent request --cid CID`.")


class DatabaseDamagedError(StoreError):
    """The database failed `db check`: it can still be read (to rescue data), not written."""

    code = "database-damaged"

    def __init__(self) -> None:
        super().__init__(
            "ฐานข้อมูลไม่ผ่านการตรวจความสมบูรณ์ เปิดอ่านได้เพื่อกู้ข้อมูล แต่จะไม่บันทึกอะไรเพิ่ม "
            "โปรดกู้คืนจากไฟล์สำรอง (clinic-app db restore ไฟล์สำรอง)",
            "The database failed its integrity check: it can be read to rescue data, but nothing new "
            "is saved. Restore a backup (clinic-app db restore FILE).",
        )


class HubNotConfiguredError(KnownError):
    code = "no-hub"

    def __init__(self) -> None:
        super().__init__(
            "ยังไม่ได้ตั้งที่อยู่ระบบกลาง โปรดตั้งด้วย clinic-app config set hub_url ที่อยู่",
            "No hub address is set. Set one with `clinic-app config set hub_url URL`.",
        )
