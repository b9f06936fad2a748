"""What HDC (the Ministry's Health Data Center) refuses in a monthly 43-file submission, checked
before the files are written (`export-43 --month`), each refusal naming its file, line, row
and field.

The rules, in `resources/standards/hdc-43-columns.csv` (table, field, type, length, required):
the column definitions of a provincial 43-file database (an HDC mirror's MySQL tables, the
"yiidc" dump of 2016-06-24, read through this project's code search; the same columns and
lengths as the district HDC tables of `utehnphnu2015/dhdcsql` `knott/person_repo.sql`), but for
two columns where that dump is older than the files units send today: PASSPORT up to 15
characters (varchar(8) there; a Thai passport number alone is 9; JHCIS's PERSON export has
15) and PAYPRICE with two decimals like PRICE and ACTUALPAY (double(11,0) there):

- a NOT NULL column must be filled (HDC counts an empty field as missing);
- a varchar/char column holds at most its length in characters;
- a date is a real day written YYYYMMDD, a datetime YYYYMMDDHHMMSS;
- a decimal(p,s) / int column is a number with at most p digits, s of them after the point;
- coded fields are in their code lists (the shipped SIL-TH lists: PRENAME the DOPA prefixes,
  NATION, INSTYPE and INSTYPE_NEW, VACCINETYPE, TYPEAREA, DISCHARGE, DIAGTYPE; SEX 1-2;
  DIAGCODE, CHRONIC and the causes of death ICD-10 without the dot);
- D_UPDATE (when the row was last changed) is not after the moment the files are made, and
  not before the day of the service it is about (DATE_SERV).

Fields a layout has beyond those columns (PERSON's TELEPHONE and MOBILE, SERVICE's HSUB and
CID of the version-2 layout) are not checked. Pure: rows in, reasons out.
"""

from __future__ import annotations

import csv
import datetime as _dt
import functools
import re
from dataclasses import dataclass

from clinic_app.core.errors import Problem
from clinic_app.interop import f43
from clinic_app.shipped import resource_path

COLUMNS_FILE = "standards/hdc-43-columns.csv"


@dataclass(frozen=True)
class Column:
    kind: str       # varchar, char, text, date, datetime, decimal, int
    length: str     # "13"; "11.2" for decimal(11,2); "" for dates and text
    required: bool


@functools.cache
def columns() -> dict[str, dict[str, Column]]:
    """table -> field -> its HDC column."""
    out: dict[str, dict[str, Column]] = {}
    with resource_path(COLUMNS_FILE).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            out.setdefault(row["table"], {})[row["field"]] = Column(row["type"], row["length"], row["required"] == "1")
    return out


@functools.cache
def _shipped(name: str) -> frozenset[str]:
    from clinic_app.conformance.codes import code_list

    return frozenset(code_list(name).display)


_ICD10 = re.compile(r"^[A-Z][0-9]{2}[0-9A-Z]{0,3}$")
_FIXED = {
    ("PERSON", "SEX"): frozenset({"1", "2"}),
    ("PROVIDER", "SEX"): frozenset({"1", "2"}),
}
_LISTS = {
    ("PERSON", "TYPEAREA"): "cs-thcc-person-status",
    ("PERSON", "DISCHARGE"): "cs-43file-pid-remove-reason",
    ("DIAGNOSIS_OPD", "DIAGTYPE"): "cs-43plus-encounter-diagnosis-role",
    ("PERSON", "PRENAME"): "cs-dopa-nameprefix",
    ("PERSON", "NATION"): "cs-thcc-nationality",
    ("SERVICE", "INSTYPE"): "cs-thcc-coverage-type",
    ("CARD", "INSTYPE_NEW"): "cs-thcc-coverage-type",
    ("EPI", "VACCINETYPE"): "cs-thcc-vaccine-code",
    ("PROVIDER", "PROVIDERTYPE"): "cs-thcc-individual-provider-type",
}
_ICD10_FIELDS = {("DIAGNOSIS_OPD", "DIAGCODE"), ("CHRONIC", "CHRONIC"), ("DEATH", "CDEATH_A"), ("DEATH", "CDEATH"),
                 ("DEATH", "CDEATH_B"), ("DEATH", "CDEATH_C"), ("DEATH", "CDEATH_D"), ("DEATH", "ODISEASE"),
                 ("APPOINTMENT", "APDIAG")}


def _day(text: str) -> _dt.date | None:
    try:
        return _dt.datetime.strptime(text, "%Y%m%d").date() if len(text) == 8 and text.isdigit() else None
    except ValueError:
        return None


def _moment(text: str) -> _dt.datetime | None:
    try:
        return _dt.datetime.strptime(text, "%Y%m%d%H%M%S") if len(text) == 14 and text.isdigit() else None
    except ValueError:
        return None


def _number_fits(text: str, length: str, kind: str) -> bool:
    if kind == "int":  # int(n)'s n is MySQL's display width, not a limit: up to 12 digits as int(12)
        return re.fullmatch(r"-?[0-9]{1,12}", text) is not None
    match = re.fullmatch(r"-?([0-9]*)(?:\.([0-9]*))?", text)
    if match is None or not (match.group(1) or match.group(2)):
        return False
    whole, fraction = match.group(1) or "", (match.group(2) or "").rstrip("0")
    digits, scale = (int(part) for part in (length.split(".") + ["0"])[:2]) if length else (99, 99)
    return len(fraction) <= scale and len(whole.lstrip("0")) <= digits - scale


def row_problems(table: str, row: dict[str, str], *, made_at: _dt.datetime) -> list[tuple[str, str, str]]:
    """(field, English, Thai) of each thing HDC would refuse in one row of `table`."""
    found: list[tuple[str, str, str]] = []
    for name, column in columns().get(table, {}).items():
        value = row.get(name, "")
        if not value:
            if column.required:
                found.append((name, f"{name} is empty; HDC requires it", f"{name} ว่าง แต่ HDC บังคับให้มี"))
            continue
        if column.kind in ("varchar", "char") and column.length and len(value) > int(column.length):
            found.append((name, f"{name} is {len(value)} characters; HDC takes at most {column.length}",
                          f"{name} ยาว {len(value)} ตัวอักษร HDC รับได้ไม่เกิน {column.length}"))
        elif column.kind == "date" and _day(value) is None:
            found.append((name, f"{name} {value!r} is not a day (YYYYMMDD)", f"{name} {value!r} ไม่ใช่วันที่ (ปปปปดดวว ค.ศ.)"))
        elif column.kind == "datetime" and _moment(value) is None:
            found.append((name, f"{name} {value!r} is not a date and time (YYYYMMDDHHMMSS)",
                          f"{name} {value!r} ไม่ใช่วันเวลา (ปปปปดดววชชนนวว ค.ศ.)"))
        elif column.kind in ("decimal", "int") and not _number_fits(value, column.length, column.kind):
            found.append((name, f"{name} {value!r} is not a number HDC takes", f"{name} {value!r} ไม่ใช่ตัวเลขที่ HDC รับ"))
        allowed = _FIXED.get((table, name)) or (_shipped(_LISTS[(table, name)]) if (table, name) in _LISTS else None)
        if allowed is not None and value not in allowed:
            found.append((name, f"{name} {value!r} is not in its code list", f"{name} {value!r} ไม่อยู่ในรายการรหัส"))
        if (table, name) in _ICD10_FIELDS and not _ICD10.match(value):
            found.append((name, f"{name} {value!r} is not an ICD-10 code written without its dot",
                          f"{name} {value!r} ไม่ใช่รหัส ICD-10 (เขียนไม่มีจุด)"))
    updated, served = _moment(row.get("D_UPDATE", "")), _day(row.get("DATE_SERV", ""))
    made = made_at.astimezone(f43.THAI_TIME).replace(tzinfo=None) if made_at.tzinfo else made_at  # the files' time
    if updated is not None and updated > made:
        found.append(("D_UPDATE", "D_UPDATE is after the files were made", "D_UPDATE อยู่หลังเวลาที่ทำแฟ้ม"))
    if updated is not None and served is not None and updated.date() < served:
        found.append(("D_UPDATE", "D_UPDATE is before the day of the service", "D_UPDATE อยู่ก่อนวันที่รับบริการ"))
    return found


_KEYS = {"PERSON": ("PID",), "SERVICE": ("PID", "SEQ"), "DIAGNOSIS_OPD": ("SEQ", "DIAGCODE"),
         "DRUG_OPD": ("SEQ", "DIDSTD"), "EPI": ("PID", "VACCINETYPE"), "PROCEDURE_OPD": ("SEQ", "PROCEDCODE"),
         "APPOINTMENT": ("SEQ", "APTYPE"), "CARD": ("PID", "INSTYPE_NEW"), "CHRONIC": ("PID", "CHRONIC"),
         "DEATH": ("PID",), "DRUGALLERGY": ("PID", "DRUGALLERGY"), "HOME": ("HID",), "PROVIDER": ("PROVIDER",)}


class Check:
    """The rows of one export checked as they are made; `problems` names each refusal by file,
    line (the header is line 1), field and the row's key (PID, SEQ ...), never by a person's
    name."""

    def __init__(self, made_at: _dt.datetime) -> None:
        self.made_at = made_at
        self.lines: dict[str, int] = {}
        self.problems: list[Problem] = []

    def row(self, table: str, row: dict[str, str]) -> None:
        line = self.lines[table] = self.lines.get(table, 1) + 1
        key = " ".join(f"{k}={row.get(k, '')}" for k in _KEYS.get(table, ()))
        found = row_problems(table, row, made_at=self.made_at)
        for field, english, thai in found:
            self.problems.append(Problem(None, f"{table.lower()}.txt line {line}", f"{english} ({key})",
                                         f"{thai} ({key})"))
        if table == "PROVIDER" and found:  # a staff member of the app gives theirs with one command
            command = f"clinic-app user details {row.get('PROVIDER', '')} --cid ... --prefix ... --given ... " \
                      "--family ... --sex ... --birth ... --provider-type ... --start ..."
            self.problems.append(Problem(None, f"{table.lower()}.txt line {line}",
                                         f"a staff member's details are given with: {command}",
                                         f"ข้อมูลของเจ้าหน้าที่ใส่ได้ด้วยคำสั่ง: {command}"))
        if table == "DRUG_OPD" and any(field == "DIDSTD" for field, _e, _t in found):
            self.problems.append(Problem(
                None, f"{table.lower()}.txt line {line}",
                "a drug of the unit's list gets its 24-digit code in the drug24 column of the list's CSV "
                "(clinic-app formulary import FILE.csv)",
                "ใส่รหัสยา 24 หลักของยาในบัญชียาของหน่วยบริการได้ที่คอลัมน์ drug24 ของไฟล์ CSV "
                "(clinic-app formulary import FILE.csv)"))
