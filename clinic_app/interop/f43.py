"""The MOPH 43-file format (43 แฟ้ม) as text: layouts, reading and writing tables, archives.

What the files look like (see ../shared/design/thai-data.md): one pipe-delimited text file
per table (person.txt, service.txt, ...), CRLF line ends, often zipped as
F43_<HOSPCODE>_<date>.zip; some variants start with a header line of field names, some
append fields of their own (HOSPCODE9 ...) after the standard ones. Older systems write
TIS-620 (cp874), newer ones UTF-8.

Reading is forgiving where the variants differ and strict where data would be lost:
- the encoding is UTF-8 (with or without a byte-order mark) when the bytes decode as
  UTF-8, else TIS-620; which one was used is reported;
- a first line made of the layout's field names is a header; extra trailing fields are
  kept aside and named in the report (from the header when there is one);
- a line with fewer fields than the layout is a problem (file, line, what is missing);
- blank lines are skipped; a file name is matched without regard to case.

Writing: a header line, CRLF, UTF-8 by default (TIS-620 on request, for older importers);
a field value never carries a pipe or a line break (they are replaced by spaces).

This module only moves text; `f43_export` and `f43_import` map tables to and from FHIR.
"""

from __future__ import annotations

import datetime as _dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from clinic_app.core.errors import Problem

LAYOUTS: dict[str, tuple[str, ...]] = {
    "PERSON": ("HOSPCODE", "CID", "PID", "HID", "PRENAME", "NAME", "LNAME", "HN", "SEX", "BIRTH", "MSTATUS",
               "OCCUPATION_OLD", "OCCUPATION_NEW", "RACE", "NATION", "RELIGION", "EDUCATION", "FSTATUS", "FATHER",
               "MOTHER", "COUPLE", "VSTATUS", "MOVEIN", "DISCHARGE", "DDISCHARGE", "ABOGROUP", "RHGROUP", "LABOR",
               "PASSPORT", "TYPEAREA", "D_UPDATE", "TELEPHONE", "MOBILE"),
    "SERVICE": ("HOSPCODE", "PID", "HN", "SEQ", "DATE_SERV", "TIME_SERV", "LOCATION", "INTIME", "INSTYPE", "INSID",
                "MAIN", "TYPEIN", "REFERINHOSP", "CAUSEIN", "CHIEFCOMP", "SERVPLACE", "BTEMP", "SBP", "DBP", "PR", "RR",
                "TYPEOUT", "REFEROUTHOSP", "CAUSEOUT", "COST", "PRICE", "PAYPRICE", "ACTUALPAY", "D_UPDATE", "CID"),
    "DIAGNOSIS_OPD": ("HOSPCODE", "PID", "SEQ", "DATE_SERV", "DIAGTYPE", "DIAGCODE", "CLINIC", "PROVIDER", "D_UPDATE",
                      "CID"),
    "DRUG_OPD": ("HOSPCODE", "PID", "SEQ", "DATE_SERV", "CLINIC", "DIDSTD", "DNAME", "AMOUNT", "UNIT", "UNIT_PACKING",
                 "DRUGPRICE", "DRUGCOST", "PROVIDER", "D_UPDATE", "CID"),
    "EPI": ("HOSPCODE", "PID", "SEQ", "DATE_SERV", "VACCINETYPE", "VACCINEPLACE", "PROVIDER", "D_UPDATE", "CID"),
    "CHRONIC": ("HOSPCODE", "PID", "DATE_DIAG", "CHRONIC", "HOSP_DX", "HOSP_RX", "DATE_DISCH", "TYPEDISCH", "D_UPDATE",
                "CID"),
    "ANC": ("HOSPCODE", "PID", "SEQ", "DATE_SERV", "GRAVIDA", "ANCNO", "GA", "ANCRESULT", "ANCPLACE", "PROVIDER",
            "D_UPDATE", "CID"),
    "CHRONICFU": ("HOSPCODE", "PID", "SEQ", "DATE_SERV", "WEIGHT", "HEIGHT", "WAIST_CM", "SBP", "DBP", "FOOT", "RETINA",
                  "PROVIDER", "D_UPDATE", "CHRONICFUPLACE", "CID"),
    "PROVIDER": ("HOSPCODE", "PROVIDER", "REGISTERNO", "COUNCIL", "CID", "PRENAME", "NAME", "LNAME", "SEX", "BIRTH",
                 "PROVIDERTYPE", "STARTDATE", "OUTDATE", "MOVEFROM", "MOVETO", "D_UPDATE"),
}

UTF8, TIS620 = "utf-8", "cp874"
MAX_FILE_BYTES = 512 * 1024 * 1024  # a district's five years fit; a zip bomb does not


@dataclass
class Table:
    """One file read: its rows as {field: text} over the layout's fields (extra fields
    are kept under their names), and how it was read."""

    name: str
    rows: list[dict[str, str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # the line number of each row, for messages
    extra_fields: list[str] = field(default_factory=list)
    encoding: str = UTF8
    header: bool = False


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode(UTF8), UTF8
    try:
        return data.decode(UTF8), UTF8
    except UnicodeDecodeError:
        return data.decode(TIS620, errors="replace"), TIS620


def read_table(name: str, data: bytes, problems: list[Problem]) -> Table:
    """Parse one file of layout `name` (PERSON, SERVICE, ...); what is wrong goes to
    `problems` as "FILE.txt line N: ..." so a clerk can open the file and find it."""
    layout = LAYOUTS[name]
    text, encoding = _decode(data)
    table = Table(name, encoding=encoding)
    where = f"{name.lower()}.txt"
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split("|")]
        if not table.rows and not table.header and [f.upper() for f in fields[:len(layout)]] == list(layout):
            table.header = True
            table.extra_fields = [f.upper() or f"FIELD{len(layout) + i + 1}" for i, f in enumerate(fields[len(layout):])]
            continue
        if len(fields) < len(layout):
            problems.append(Problem(None, f"{where} line {number}",
                                    f"{len(fields)} fields where {name} has {len(layout)}; "
                                    f"missing from {layout[len(fields)]} on"))
            continue
        extra = fields[len(layout):]
        if len(extra) > len(table.extra_fields):
            table.extra_fields += [f"FIELD{len(layout) + i + 1}" for i in range(len(table.extra_fields), len(extra))]
        row = dict(zip(layout, fields))
        row.update(zip(table.extra_fields, extra))
        table.rows.append(row)
        table.lines.append(number)
    return table


def _members(source: Path) -> dict[str, bytes]:
    """{LAYOUT: bytes} of the 43 files in a zip or a folder (other files are ignored)."""
    found: dict[str, bytes] = {}
    if source.is_dir():
        for path in sorted(source.iterdir()):
            name = path.stem.upper()
            if path.suffix.lower() == ".txt" and name in LAYOUTS and path.is_file():
                if path.stat().st_size > MAX_FILE_BYTES:
                    raise ValueError(f"{path.name} is larger than {MAX_FILE_BYTES // 2**20} MiB")
                found[name] = path.read_bytes()
        return found
    with zipfile.ZipFile(source) as archive:
        for info in archive.infolist():
            base = Path(info.filename).name
            name = Path(base).stem.upper()
            if base.lower().endswith(".txt") and name in LAYOUTS and not info.is_dir():
                if info.file_size > MAX_FILE_BYTES:
                    raise ValueError(f"{base} is larger than {MAX_FILE_BYTES // 2**20} MiB")
                found[name] = archive.read(info)
    return found


def read_archive(source: Path) -> tuple[dict[str, Table], list[Problem]]:
    """Every 43 file in a zip or folder, parsed. Raises OSError, zipfile.BadZipFile or
    ValueError for a file that cannot be read at all (the service turns them into a
    message); row-level problems come back in the list."""
    problems: list[Problem] = []
    tables = {name: read_table(name, data, problems) for name, data in _members(source).items()}
    return tables, problems


def _clean(value: object) -> str:
    return "" if value is None else " ".join(str(value).replace("|", " ").split())


def render_table(name: str, rows: list[dict[str, str]], *, encoding: str = UTF8) -> bytes:
    """A header line and one CRLF line per row, fields in the layout's order."""
    layout = LAYOUTS[name]
    lines = ["|".join(layout)] + ["|".join(_clean(row.get(f, "")) for f in layout) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding, errors="replace")


def archive_name(hcode: str, when: _dt.datetime) -> str:
    return f"F43_{hcode}_{when:%Y%m%d%H%M%S}.zip"


def write_archive(path: Path, tables: dict[str, list[dict[str, str]]], *, encoding: str = UTF8) -> Path:
    """Write the tables as <name>.txt files in one zip (written beside, then moved into
    place, so a full disk never leaves half an archive under the final name)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, rows in tables.items():
            archive.writestr(f"{name.lower()}.txt", render_table(name, rows, encoding=encoding))
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(buffer.getvalue())
    partial.replace(path)
    return path


# -- dates --------------------------------------------------------------------------------------

BE_THRESHOLD = 2400  # thai-data.md: a year above 2400 is Buddhist era


def parse_date(text: str) -> tuple[_dt.date | None, bool]:
    """(date, was_buddhist_era) from YYYYMMDD (or the first 8 digits of D_UPDATE's
    YYYYMMDDHHMMSS); (None, False) for an empty or impossible date."""
    digits = text.strip()[:8]
    if len(digits) != 8 or not digits.isdigit():
        return None, False
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:8])
    be = year > BE_THRESHOLD
    try:
        return _dt.date(year - 543 if be else year, month, day), be
    except ValueError:
        return None, False


def parse_time(text: str) -> _dt.time | None:
    """HHMMSS (or HHMM) -> time; None when empty or impossible."""
    digits = text.strip()
    if not digits.isdigit() or len(digits) not in (4, 6):
        return None
    try:
        return _dt.time(int(digits[:2]), int(digits[2:4]), int(digits[4:6] or 0))
    except ValueError:
        return None


def date_text(day: _dt.date | None) -> str:
    return f"{day:%Y%m%d}" if day else ""


def stamp_text(moment: _dt.datetime) -> str:
    return f"{moment:%Y%m%d%H%M%S}"
