"""Thai data rules: citizen-ID check digit, Buddhist-era years, facility codes.

Pure functions; see ../shared/design/thai-data.md for the rules they follow.
"""

from __future__ import annotations

import datetime as _dt
import re

BE_OFFSET = 543
# DOPA's categories: 1-8, and 0 for people without Thai nationality or with status
# problems (real residents of a unit: the check digit applies all the same); 9 is not one.
_CID_RE = re.compile(r"^[0-8]\d{12}$")
_HCODE_RE = re.compile(r"^(\d{5}|\d{9})$")

THAI_MONTHS_SHORT = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)


def cid_check_digit(first12: str) -> int:
    """The 13th digit of a citizen ID whose first twelve digits are given."""
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12[:12]))
    return (11 - total % 11) % 10


def normalise_cid(text: str) -> str:
    """Drop the spaces and dashes people type (1-2345-67890-12-1)."""
    return re.sub(r"[\s\-]", "", text)


def is_valid_cid(text: str) -> bool:
    cid = normalise_cid(text)
    return bool(_CID_RE.match(cid)) and cid_check_digit(cid) == int(cid[12])


def cid_problem(text: str) -> tuple[str, str] | None:
    """(Thai, English) reason a citizen ID is wrong, or None when it is valid."""
    cid = normalise_cid(text)
    if not cid.isdigit() or len(cid) != 13:
        return ("เลขประจำตัวประชาชนต้องมี 13 หลัก", "A citizen ID has 13 digits")
    if cid[0] == "9":
        return ("หลักแรกของเลขประจำตัวประชาชนต้องเป็น 0-8", "A citizen ID starts with 0 to 8")
    if cid_check_digit(cid) != int(cid[12]):
        return ("เลขตรวจสอบหลักสุดท้ายไม่ถูกต้อง โปรดตรวจเลขอีกครั้ง",
                "The last (check) digit does not match; please re-check the number")
    return None


def mask_cid(cid: str) -> str:
    """Show only the last four digits: x-xxxx-xxxxx-12-3 style for screens and receipts."""
    c = normalise_cid(cid)
    if len(c) != 13:
        return "*" * len(c)
    return f"x-xxxx-xxxx{c[9]}-{c[10:12]}-{c[12]}"


def is_valid_hcode(text: str) -> bool:
    return bool(_HCODE_RE.match(text))


def be_year(ce_year: int) -> int:
    return ce_year + BE_OFFSET


def ce_year_from_possible_be(year: int) -> int:
    """A year above 2400 is Buddhist era (legacy files); convert it, leave CE alone."""
    return year - BE_OFFSET if year > 2400 else year


def format_thai_date(day: _dt.date) -> str:
    """25 ก.ค. 2567 — how Thai staff read a date."""
    return f"{day.day} {THAI_MONTHS_SHORT[day.month - 1]} {be_year(day.year)}"


# DOPA name-prefix codes of the everyday prefixes (terminology-ig CS_DOPA_NamePrefix.fsh
# @de0592c4, code -> display: the display is DOPA's abbreviation). The whole list, 504 codes,
# is shipped as data in resources/standards/.
PREFIX_CODES = {"ด.ช.": ("001", "ด.ช."), "เด็กชาย": ("001", "ด.ช."), "ด.ญ.": ("002", "ด.ญ."),
                "เด็กหญิง": ("002", "ด.ญ."), "นาย": ("003", "นาย"), "นางสาว": ("004", "น.ส."),
                "น.ส.": ("004", "น.ส."), "นาง": ("005", "นาง")}
EN_PREFIXES = {"003": "Mr.", "004": "Miss", "005": "Mrs.", "001": "Master", "002": "Miss"}


# A birth date known only to its year (or month) is kept as FHIR keeps it ("1985",
# "1985-03"); where a whole date is needed (an age, a 43-file BIRTH) it stands at the middle
# of what is known: 1 July of the year, the 15th of the month (an age off by half a year at
# most). An age a person estimated is kept as the year alone and marked estimated.
BIRTH_ESTIMATED_URL = "https://clinic-app.github.io/fhir/StructureDefinition/birth-date-estimated"


def birth_date_of(patient: dict[str, object]) -> _dt.date | None:
    """A Patient's birth date as a whole date (see above for a partial one); None without one."""
    text = str(patient.get("birthDate") or "")
    try:
        if len(text) == 4:
            return _dt.date(int(text), 7, 1)
        if len(text) == 7:
            return _dt.date(int(text[:4]), int(text[5:7]), 15)
        return _dt.date.fromisoformat(text[:10]) if len(text) >= 10 else None
    except ValueError:
        return None


def birth_estimated(patient: dict[str, object]) -> bool:
    """Whether the birth date is an estimate (from an age a person gave), or partial."""
    ext = (patient.get("_birthDate") or {}) if isinstance(patient.get("_birthDate"), dict) else {}
    marked = any(e.get("url") == BIRTH_ESTIMATED_URL and e.get("valueBoolean") for e in ext.get("extension", [])
                 if isinstance(e, dict))  # type: ignore[union-attr]
    return marked or 0 < len(str(patient.get("birthDate") or "")) < 10


def has_thai(text: str) -> bool:
    """Whether the text has a letter of the Thai script (U+0E00-U+0E7F)."""
    return any("\u0e00" <= ch <= "\u0e7f" for ch in text)


def age_in_years(birth: _dt.date, on: _dt.date) -> int:
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years


_LEADING_VOWELS = "เแโใไ"


def thai_sort_key(text: str) -> str:
    """Dictionary order for Thai words: a leading vowel (เ แ โ ใ ไ) is written before its
    consonant but sorted after it, so "เมือง" files under ม, not after every consonant."""
    chars = list(text)
    i = 0
    while i < len(chars) - 1:
        if chars[i] in _LEADING_VOWELS:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
            i += 2
        else:
            i += 1
    return "".join(chars)
