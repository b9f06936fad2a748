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
- blank lines are skipped; a file name is matched without regard to case, in any folder
  of the zip; two files for the same table (2566/person.txt and 2567/person.txt, or
  PERSON.TXT and person.txt) are a problem, never one silently chosen;
- only the tables asked for are parsed (`read_archive(parse=...)`); the others are only
  counted, so a file the import does not read cannot block it.

Writing: a header line, CRLF, UTF-8 by default (TIS-620 on request, for older importers);
a field value never carries a pipe or a line break (they are replaced by spaces). A
character TIS-620 cannot hold is written as "?", and `write_archive` counts the lines that
lost one so the caller can say so.

Times: the files carry Thailand's local time (UTC+07:00, no daylight saving);
`thai_local` brings a FHIR dateTime stored at any offset there.

Layouts: LAYOUTS holds the layout written; OLDER_LAYOUTS the older ones still read (SERVICE
before version 2 had no HSUB): a header line names its layout, and without one a line's
number of fields says which; the fields an older row lacks are read as empty.

Extensions: a 43 field goes where the SIL-TH guides put it (TYPEAREA and DISCHARGE in
their Patient extensions, DIAGTYPE as a Condition category, ...: f43_import's docstring),
and what the guides have no place for is kept in the project's f43-fields extension
(f43_fields), so a round trip writes every field back. Nothing is written under
F43_EXTENSION any more (the guides' conformance rules refuse invented extensions); the
app's records from before (F43_EXTENSION + "TYPEAREA", + "DIAGTYPE") are still read.

This module only moves text; `f43_export` and `f43_import` map tables to and from FHIR.
"""

from __future__ import annotations

import codecs
import datetime as _dt
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from clinic_app.core.errors import Problem

LAYOUTS: dict[str, tuple[str, ...]] = {
    "PERSON": ("HOSPCODE", "CID", "PID", "HID", "PRENAME", "NAME", "LNAME", "HN", "SEX", "BIRTH", "MSTATUS",
               "OCCUPATION_OLD", "OCCUPATION_NEW", "RACE", "NATION", "RELIGION", "EDUCATION", "FSTATUS", "FATHER",
               "MOTHER", "COUPLE", "VSTATUS", "MOVEIN", "DISCHARGE", "DDISCHARGE", "ABOGROUP", "RHGROUP", "LABOR",
               "PASSPORT", "TYPEAREA", "D_UPDATE", "TELEPHONE", "MOBILE"),
    "SERVICE": ("HOSPCODE", "PID", "HN", "SEQ", "DATE_SERV", "TIME_SERV", "LOCATION", "INTIME", "INSTYPE", "INSID",
                "MAIN", "TYPEIN", "REFERINHOSP", "CAUSEIN", "CHIEFCOMP", "SERVPLACE", "BTEMP", "SBP", "DBP", "PR", "RR",
                "TYPEOUT", "REFEROUTHOSP", "CAUSEOUT", "COST", "PRICE", "PAYPRICE", "ACTUALPAY", "D_UPDATE", "HSUB",
                "CID"),
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
    # issue 15, read and written by f43_more (fields: tehnplk/SUB_HDC init_db/sub_hdc.sql @9aa6fd5c)
    "HOME": ("HOSPCODE", "HID", "HOUSE_ID", "HOUSETYPE", "ROOMNO", "CONDO", "HOUSE", "SOISUB", "SOIMAIN", "ROAD",
             "VILLANAME", "VILLAGE", "TAMBON", "AMPUR", "CHANGWAT", "TELEPHONE", "LATITUDE", "LONGITUDE", "NFAMILY",
             "LOCATYPE", "VHVID", "HEADID", "TOILET", "WATER", "WATERTYPE", "GARBAGE", "HOUSING", "DURABILITY",
             "CLEANLINESS", "VENTILATION", "LIGHT", "WATERTM", "MFOOD", "BCONTROL", "ACONTROL", "CHEMICAL", "OUTDATE",
             "D_UPDATE"),
    "CARD": ("HOSPCODE", "PID", "INSTYPE_OLD", "INSTYPE_NEW", "INSID", "STARTDATE", "EXPIREDATE", "MAIN", "SUB",
             "D_UPDATE", "CID"),
    "DRUGALLERGY": ("HOSPCODE", "PID", "DATERECORD", "DRUGALLERGY", "DNAME", "TYPEDX", "ALEVEL", "SYMPTOM", "INFORMANT",
                    "INFORMHOSP", "D_UPDATE", "PROVIDER", "CID"),
    "DEATH": ("HOSPCODE", "PID", "HOSPDEATH", "AN", "SEQ", "DDEATH", "CDEATH_A", "CDEATH_B", "CDEATH_C", "CDEATH_D",
              "ODISEASE", "CDEATH", "PREGDEATH", "PDEATH", "PROVIDER", "D_UPDATE", "CID"),
    "APPOINTMENT": ("HOSPCODE", "PID", "AN", "SEQ", "DATE_SERV", "CLINIC", "APDATE", "APTYPE", "APDIAG", "PROVIDER",
                    "D_UPDATE", "CID"),
    "PROCEDURE_OPD": ("HOSPCODE", "PID", "SEQ", "DATE_SERV", "CLINIC", "PROCEDCODE", "SERVICEPRICE", "PROVIDER",
                      "D_UPDATE", "CID"),
}

# Older layouts of a table, still read (the one in LAYOUTS is the one written): SERVICE before
# version 2 had no HSUB (the sub-unit's facility code, just before CID). A header line says
# which layout a file has; without one, each line's number of fields does (30 fields: the
# older SERVICE; 31 or more: version 2, the fields after CID extra; 31 with a citizen ID as the
# 30th field and none as the 31st: the older one with a field of its own after CID, as
# HOSPCODE9). A row read in an older layout has the newer fields empty.
OLDER_LAYOUTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "SERVICE": (tuple(f for f in LAYOUTS["SERVICE"] if f != "HSUB"),),
}

UTF8, TIS620 = "utf-8", "cp874"
_NEWLINE_TEXT = re.compile(r"\r\n|\r|\n")  # a line ends as a file from any system ends it
_NEWLINE = re.compile(rb"\r\n|\r|\n")
_CHUNK = 1 << 20  # bytes read at a time from a file of the archive
F43_EXTENSION = "urn:clinic-app:f43:"  # + the 43 field's name: an extension's url
MAX_FILE_BYTES = 512 * 1024 * 1024  # a district's five years fit; a zip bomb does not


def is_facility_code(text: str) -> bool:
    """A MOPH facility code: 5 digits, or the 9-digit form (thai-data.md)."""
    return len(text) in (5, 9) and text.isascii() and text.isdigit()


@dataclass
class Table:
    """One file read: its rows as {field: text} over the layout's fields (extra fields
    are kept under their names), and how it was read. A table not parsed (see
    `read_archive`) has no rows, only `line_count`, and an unknown ("") encoding."""

    name: str
    rows: list[dict[str, str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # the line number of each row, for messages
    extra_fields: list[str] = field(default_factory=list)
    encoding: str = UTF8
    header: bool = False
    line_count: int = 0  # the file's lines other than blank ones and the header
    older_rows: int = 0  # rows read in an older layout (OLDER_LAYOUTS): their newer fields are empty


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode(UTF8), UTF8
    try:
        return data.decode(UTF8), UTF8
    except UnicodeDecodeError:
        return data.decode(TIS620, errors="replace"), TIS620


def _layouts(name: str) -> tuple[tuple[str, ...], ...]:
    """The table's layouts, the one written first."""
    return (LAYOUTS[name], *OLDER_LAYOUTS.get(name, ()))


def _header_layout(name: str, fields: list[str]) -> tuple[str, ...] | None:
    """The layout a line of field names names (the longest that matches), else None."""
    names = [f.strip().upper() for f in fields]
    return next((layout for layout in sorted(_layouts(name), key=len, reverse=True)
                 if names[:len(layout)] == list(layout)), None)


def _is_cid(text: str) -> bool:
    return len(text) == 13 and text.isascii() and text.isdigit()


def _layout_for(name: str, fields: list[str]) -> tuple[str, ...]:
    """The layout of a line without a header: the one with exactly its number of fields,
    else the current one (more fields are extra ones; fewer, a short line). An older line
    with one field of its own after CID (HOSPCODE9 ...) has the current one's count: a
    citizen ID where the older layout has CID, and none where the current one has it, says
    which."""
    count = len(fields)
    found = next((layout for layout in _layouts(name) if len(layout) == count), LAYOUTS[name])
    if count >= len(found) and "CID" in found and not _is_cid(fields[found.index("CID")]):
        for older in OLDER_LAYOUTS.get(name, ()):
            if len(older) < count and "CID" in older and _is_cid(fields[older.index("CID")]):
                return older
    return found


class LineReader:
    """One file's lines read into rows, a line at a time, as `read_table` reads them: the
    first line that names a layout is the header; each line's layout (a header's, else its
    number of fields); a short line is a problem. `table` gathers what the file is (header,
    extra fields, line and older-row counts); the rows are the caller's to keep, so a file
    can be read without holding it (services/interop.py stages its lines)."""

    def __init__(self, name: str, encoding: str = UTF8) -> None:
        self.name, self.layout = name, LAYOUTS[name]
        self.table = Table(name, encoding=encoding)
        self.where = f"{name.lower()}.txt"
        self.named: tuple[str, ...] | None = None  # the layout the header names
        self.rows = 0

    def read(self, number: int, line: str, problems: list[Problem]) -> dict[str, str] | None:
        """The row of line `number` (counted in `table`); None for a blank line or the
        header; {} for a line too short to be a row (a problem)."""
        if not line.strip():
            return None
        fields = [f.strip() for f in line.split("|")]
        table = self.table
        if not self.rows and not table.header and (named := _header_layout(self.name, fields)):
            table.header, self.named = True, named
            table.extra_fields = [f.upper() or f"FIELD{len(named) + i + 1}" for i, f in enumerate(fields[len(named):])]
            return None
        table.line_count += 1
        row = self.parse(number, line, problems, fields)
        if row:
            self.rows += 1
            table.older_rows += self.used(fields) is not self.layout
        return row

    def used(self, fields: list[str]) -> tuple[str, ...]:
        return self.named or _layout_for(self.name, fields)

    def parse(self, number: int, line: str, problems: list[Problem], fields: list[str] | None = None) -> dict[str, str]:
        """The row of a line that is not the header ({} and a problem when it is too short)."""
        fields = [f.strip() for f in line.split("|")] if fields is None else fields
        used, layout = self.used(fields), self.layout
        if len(fields) < len(used):
            problems.append(Problem(None, f"{self.where} line {number}",
                                    f"{len(fields)} fields where {self.name} has {len(used)}; "
                                    f"missing from {used[len(fields)]} on",
                                    f"มี {len(fields)} ช่อง แต่ {self.name} มี {len(used)} ช่อง "
                                    f"ขาดตั้งแต่ {used[len(fields)]} เป็นต้นไป"))
            return {}
        extra = fields[len(used):]
        names = self.table.extra_fields
        if len(extra) > len(names):
            names += [f"FIELD{len(used) + i + 1}" for i in range(len(names), len(extra))]
        row = dict.fromkeys(layout, "") if used is not layout else {}
        row.update(zip(used, fields))
        row.update(zip(names, extra))
        return row


def fields_as_far_as_they_go(name: str, line: str) -> dict[str, str]:
    """The fields of a line too short to be a row, under the layout's names (its person
    and visit, for a partial import's review list)."""
    return dict(zip(LAYOUTS[name], (f.strip() for f in line.split("|")), strict=False))


def read_table(name: str, data: bytes, problems: list[Problem]) -> Table:
    """Parse one file of layout `name` (PERSON, SERVICE, ...); what is wrong goes to
    `problems` as "FILE.txt line N: ..." so a clerk can open the file and find it. Each row
    has every field of the current layout (LAYOUTS); a row of an older layout (a header
    names it, or, without a header, the line's number of fields) has the newer ones empty."""
    text, encoding = _decode(data)
    reader = LineReader(name, encoding)
    table = reader.table
    for number, line in enumerate(_NEWLINE_TEXT.split(text), start=1):
        row = reader.read(number, line, problems)
        if row:
            table.rows.append(row)
            table.lines.append(number)
    return table


class FileTooBig(ValueError):
    """A file of the archive is larger than MAX_FILE_BYTES (read_archive refuses it unread)."""

    def __init__(self, where: str) -> None:
        self.where, self.mib = where, MAX_FILE_BYTES // 2**20
        super().__init__(f"{where} is larger than {self.mib} MiB")


def _too_big(where: str, size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise FileTooBig(where)


@dataclass(frozen=True)
class Member:
    """One 43 file of a zip or folder, not read yet: its layout, its name there, its size."""

    layout: str
    where: str  # its name in the zip (with any folder) or the folder
    source: Path
    size: int

    def open(self) -> BinaryIO:
        """A new stream of its bytes (the caller closes it)."""
        if self.source.is_dir():
            return (self.source / self.where).open("rb")
        archive = zipfile.ZipFile(self.source)
        try:
            stream = archive.open(self.where)
        except BaseException:
            archive.close()
            raise
        archive.close()  # the stream keeps the file open until it is closed
        return stream

    def read(self) -> bytes:
        with self.open() as stream:
            return stream.read()

    def encoding(self) -> str:
        """UTF-8 when the whole file decodes as UTF-8, else TIS-620 (as `read_table` decides),
        found without holding the file."""
        decoder = codecs.getincrementaldecoder(UTF8)()
        try:
            with self.open() as stream:
                while chunk := stream.read(_CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return TIS620
        return UTF8

    def lines(self, encoding: str) -> Iterator[tuple[int, str]]:
        """(number, text) of every line, numbered as `read_table` numbers them (blank lines
        count), decoded in `encoding` (a UTF-8 byte-order mark dropped), a chunk of the file
        at a time. Neither byte of a line end occurs inside a UTF-8 or TIS-620 character, so
        the lines are split before they are decoded."""
        errors = "replace" if encoding == TIS620 else "strict"
        number, tail = 0, b""

        def text(part: bytes) -> str:
            decoded = part.decode(encoding, errors)
            return decoded.removeprefix("\ufeff") if number == 1 and encoding == UTF8 else decoded

        with self.open() as stream:
            while chunk := stream.read(_CHUNK):
                data = tail + chunk
                held = data.endswith(b"\r")  # perhaps the first half of a CRLF split between chunks
                parts = _NEWLINE.split(data[:-1] if held else data)
                tail = parts.pop() + (b"\r" if held else b"")
                for part in parts:
                    number += 1
                    yield number, text(part)
        for part in _NEWLINE.split(tail):
            number += 1
            yield number, text(part)

    def count_rows(self) -> int:
        """The lines of a file not parsed, a chunk at a time: blank ones and a header line do
        not count. Read as latin-1, whichever the encoding (both keep ASCII as it is)."""
        count, first = 0, True
        for _number, line in self.lines("latin-1"):
            if not line.strip():
                continue
            if first and _header_layout(self.layout, line.removeprefix("\xef\xbb\xbf").split("|")) is not None:
                first = False
                continue
            first = False
            count += 1
        return count


def members(source: Path) -> dict[str, list[Member]]:
    """{LAYOUT: [Member, ...]} of the 43 files in a zip (in any of its folders) or a folder
    (other files are ignored), by name; a file larger than MAX_FILE_BYTES raises FileTooBig
    unread; more than one file for a layout is the caller's problem to report."""
    found: dict[str, list[Member]] = {}
    if source.is_dir():
        for path in sorted(source.iterdir()):
            name = path.stem.upper()
            if path.suffix.lower() == ".txt" and name in LAYOUTS and path.is_file():
                _too_big(path.name, path.stat().st_size)
                found.setdefault(name, []).append(Member(name, path.name, source, path.stat().st_size))
        return found
    with zipfile.ZipFile(source) as archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            base = Path(info.filename).name
            name = Path(base).stem.upper()
            if base.lower().endswith(".txt") and name in LAYOUTS and not info.is_dir():
                _too_big(base, info.file_size)
                found.setdefault(name, []).append(Member(name, info.filename, source, info.file_size))
    return found


def two_files(source: Path, layout: str, found: list[Member]) -> Problem:
    """The problem of more than one file for one layout (the first by name is the one read)."""
    names = [member.where for member in found]
    return Problem(None, source.name, f"{_number_word(len(found))} files for {layout}: {_and(names)}",
                   f"มีไฟล์ของ {layout} {len(found)} ไฟล์: {_and(names, 'และ')}")


def _number_word(n: int) -> str:
    return {2: "two", 3: "three"}.get(n, str(n))


def _and(names: list[str], word: str = "and") -> str:
    return ", ".join(names[:-1]) + f" {word} " + names[-1]


def read_archive(source: Path, parse: set[str] | frozenset[str] | None = None
                 ) -> tuple[dict[str, Table], list[Problem]]:
    """Every 43 file in a zip or folder: the tables in `parse` (all when None) parsed, the
    others only counted (`Table.line_count`, no rows). Raises OSError, zipfile.BadZipFile
    or ValueError for a file that cannot be read at all (the service turns them into a
    message); two files for one table and row-level problems come back in the list (of
    two files, the first by name is the one read, so its own problems are found too).
    This holds the files in memory; an import reads them a line at a time (`members`)."""
    problems: list[Problem] = []
    tables: dict[str, Table] = {}
    for name, files in members(source).items():
        if len(files) > 1:
            problems.append(two_files(source, name, files))
        if parse is None or name in parse:
            tables[name] = read_table(name, files[0].read(), problems)
        else:
            tables[name] = Table(name, encoding="", line_count=files[0].count_rows())
    return tables, problems


_SEPARATORS = str.maketrans({"|": " ", "\r": " ", "\n": " ", "\t": " "})


def _clean(value: object) -> str:
    """A field's text: no pipe or line break can reach the file and split the row."""
    return "" if value is None or value == "" else str(value).translate(_SEPARATORS).strip()


def render_line(name: str, row: dict[str, str]) -> str:
    """One row as its line (no line end), fields in the layout's order."""
    return "|".join(_clean(row.get(f, "")) for f in LAYOUTS[name])


def _file_bytes(name: str, lines: list[str], encoding: str) -> tuple[bytes, int]:
    """The file's bytes, and how many lines lost a character the encoding cannot hold
    (written as "?")."""
    out, lost = ["|".join(LAYOUTS[name]).encode(encoding)], 0
    for line in lines:
        try:
            out.append(line.encode(encoding))
        except UnicodeEncodeError:
            lost += 1
            out.append(line.encode(encoding, errors="replace"))
    out.append(b"")
    return b"\r\n".join(out), lost


def render_table(name: str, rows: list[dict[str, str]], *, encoding: str = UTF8) -> bytes:
    """A header line and one CRLF line per row, fields in the layout's order."""
    return _file_bytes(name, [render_line(name, row) for row in rows], encoding)[0]


def archive_name(hcode: str, when: _dt.datetime) -> str:
    return f"F43_{hcode}_{when:%Y%m%d%H%M%S}.zip"


class ArchiveWriter:
    """Lines written as they come, each table compressed in memory (an archive's worth,
    about 24 MiB at 100,000 patients, never the lines themselves), then written into the
    zip under a temporary name and moved into place, so a full disk or a crash never leaves
    half an archive under the final name, and nothing of it in clear anywhere else.
    `note_partial(path)` is told the temporary name before it is written and `None` once
    it is gone, so whoever keeps a record can remove it after a crash.

        with ArchiveWriter(path, ["PERSON", "SERVICE"]) as archive:
            archive.write("PERSON", render_line("PERSON", row))
            lost = archive.finish()
    """

    def __init__(self, path: Path, names: list[str] | tuple[str, ...], *, encoding: str = UTF8,
                 note_partial: Callable[[Path | None], None] | None = None) -> None:
        self.path, self.encoding = path, encoding
        self.rows = dict.fromkeys(names, 0)
        self.lost = 0  # lines that lost a character the encoding cannot hold (written as "?")
        self._note = note_partial or (lambda _path: None)
        self._packers = {name: zlib.compressobj(6) for name in names}
        self._packed: dict[str, list[bytes]] = {name: [] for name in names}
        for name in names:
            self._add(name, "|".join(LAYOUTS[name]).encode(encoding) + b"\r\n")

    def _add(self, name: str, data: bytes) -> None:
        chunk = self._packers[name].compress(data)
        if chunk:
            self._packed[name].append(chunk)

    def write(self, name: str, line: str) -> None:
        try:
            data = line.encode(self.encoding)
        except UnicodeEncodeError:
            self.lost += 1
            data = line.encode(self.encoding, errors="replace")
        self._add(name, data + b"\r\n")
        self.rows[name] += 1

    def finish(self) -> int:
        """Zip the tables into `path`; returns how many lines lost a character."""
        partial = self.path.with_name(self.path.name + ".partial")
        self._note(partial)
        try:
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, packer in self._packers.items():
                    self._packed[name].append(packer.flush())
                    unpack = zlib.decompressobj()
                    with archive.open(f"{name.lower()}.txt", "w", force_zip64=True) as entry:
                        for chunk in self._packed[name]:
                            entry.write(unpack.decompress(chunk))
                        entry.write(unpack.flush())
                    self._packed[name].clear()
            partial.replace(self.path)
        finally:
            partial.unlink(missing_ok=True)
            self._note(None)
        return self.lost

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._packed.clear()


def write_archive(path: Path, lines: dict[str, list[str]], *, encoding: str = UTF8) -> int:
    """Write each table's lines (from `render_line`) as <name>.txt, with its header, in one
    zip (see ArchiveWriter). Returns how many lines lost a character the encoding cannot
    hold (TIS-620 has no emoji, no Lao, ...): written as "?", for a note."""
    with ArchiveWriter(path, list(lines), encoding=encoding) as archive:
        for name, rows in lines.items():
            for line in rows:
                archive.write(name, line)
        return archive.finish()


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


THAI_TIME = _dt.timezone(_dt.timedelta(hours=7), "ICT")  # no daylight saving


def thai_local(iso_text: str | None) -> _dt.datetime | None:
    """A FHIR date or dateTime at Thailand's time (+07:00): "2026-11-30T23:30:00Z" ->
    2026-12-01 06:30:00+07:00. A date alone stays that day (at 00:00), and so does a time
    without an offset (read as Thai time already); None for a partial date ("1990",
    "1990-04") or text that is not a date."""
    text = (iso_text or "").strip()
    if len(text) < 10:
        return None
    try:
        if len(text) == 10:
            return _dt.datetime.combine(_dt.date.fromisoformat(text), _dt.time(), THAI_TIME)
        moment = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=THAI_TIME)
    return moment.astimezone(THAI_TIME)


def date_text(day: _dt.date | None) -> str:
    return f"{day:%Y%m%d}" if day else ""


def stamp_text(moment: _dt.datetime) -> str:
    """YYYYMMDDHHMMSS in Thailand's time, as the files carry every time (a moment without an
    offset is taken as Thai time already)."""
    return f"{moment.astimezone(THAI_TIME) if moment.tzinfo else moment:%Y%m%d%H%M%S}"
