"""A 43-file import in flat memory (issue 15): the files are read a line at a time into
the encrypted store's staging table (store/f43_stage.py), then given back a few people at
a time — every line of each person, of every file, together — to be mapped, checked and
stored, all inside the import's one transaction (all or nothing still means all or
nothing; the staged lines never outlive it).

A chunk is closed: it holds every line of each of its people, and the people rows link
together (a diagnosis naming another person's visit, a SEQ or a citizen ID on rows of two
people) are always in the same chunk, so every check the mapping makes over the whole
files (a repeated PID, SEQ or citizen ID, a row's person and visit, what depends on a
refused row) comes out as it would over the whole files, in the files' order. The lines
of no person (HOME, PROVIDER, a row without a PID) come first, together.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from clinic_app.core.errors import KnownError, Problem
from clinic_app.core.thai import cid_problem, normalise_cid
from clinic_app.interop import f43, f43_more
from clinic_app.store.record_store import RecordStore

PEOPLE_AT_ONCE = 200  # people mapped and stored at a time: about 5,000 records, a few tens of MB
MAX_GROUP = 1_000  # people linked into one group at most (_groups)
_STAGED_AT_ONCE = 5_000

Where = tuple[str, int]  # (layout, line)


class ImportCancelled(KnownError):
    code = "cancelled"

    def __init__(self) -> None:
        super().__init__("ยกเลิกการนำเข้า 43 แฟ้มแล้ว ไม่ได้นำเข้าอะไรเลย", "Import cancelled; nothing was imported.")


@dataclasses.dataclass
class Chunk:
    """A few people's rows of every file: `tables` as f43.read_archive gives them (the
    rows only of these people), the problems of reading their lines, and each line's
    text as it was in the file."""

    tables: dict[str, f43.Table]
    problems: list[Problem]
    texts: dict[Where, str]
    people: int


class StagedFiles:
    """The 43 files of one import, staged (see the module's words). `tables` are what
    each file is (its encoding, header, extra fields, line count), without rows; `where`
    each file's name in the zip or folder."""

    def __init__(self, store: RecordStore) -> None:
        self.store = store
        self.tables: dict[str, f43.Table] = {}
        self.where: dict[str, str] = {}
        self.readers: dict[str, f43.LineReader] = {}
        self.groups: list[list[str]] = []  # the PIDs, those linked together in one group

    def stage(self, found: dict[str, list[f43.Member]], read: frozenset[str],
              progress: Callable[[int, int], bool] | None = None) -> None:
        """Stage the first file of each layout in `read` (the others are only counted),
        inside the caller's transaction. `progress(0, 0)` (busy, nothing counted yet) is
        called every few thousand lines; False cancels (ImportCancelled)."""
        for name, files in found.items():
            member = files[0]
            self.where[name] = member.where
            if name not in read:
                self.tables[name] = f43.Table(name, encoding="", line_count=member.count_rows())
                continue
            encoding = member.encoding()
            reader = self.readers[name] = f43.LineReader(name, encoding)
            self.tables[name] = reader.table
            batch: list[tuple[str, int, str, str, str, str]] = []
            for number, text in member.lines(encoding):
                staged = self._line(reader, number, text)
                if staged is not None:
                    batch.append(staged)
                if len(batch) >= _STAGED_AT_ONCE:
                    self._add(batch)
                    if progress is not None and progress(0, 0) is False:
                        raise ImportCancelled
            self._add(batch)
        self.groups = _groups(self.store.f43_stage.people(), self.store.f43_stage.links())

    @property
    def people(self) -> int:
        """How many people (PIDs) the files have."""
        return sum(len(group) for group in self.groups) - any("" in group for group in self.groups)

    def _line(self, reader: f43.LineReader, number: int, text: str) -> tuple[str, int, str, str, str, str] | None:
        name = reader.name
        row = reader.read(number, text, [])  # its problems come again when the line is read back
        if row is None:  # blank, or the header
            return None
        if not row:  # too short to be a row: its fields as far as they go, for its person
            row = f43.fields_as_far_as_they_go(name, text)
        cid = normalise_cid(row.get("CID", "")) if name == "PERSON" else ""
        cid = "" if cid_problem(cid) else cid  # a wrong ID (a placeholder 0000000000000) is refused anyway: it links no one
        return name, number, row.get("PID", ""), row.get("SEQ", ""), cid, text

    def _add(self, batch: list[tuple[str, int, str, str, str, str]]) -> None:
        self.store.f43_stage.add(batch)
        batch.clear()

    def chunks(self) -> Iterator[Chunk]:
        """The staged lines, a few people at a time, each line read again into its row."""
        for people in _chunks(self.groups):
            tables = {name: dataclasses.replace(reader.table, rows=[], lines=[])
                      for name, reader in self.readers.items()}
            problems: list[Problem] = []
            texts: dict[Where, str] = {}
            for layout, number, text in self.store.f43_stage.lines_of(people):
                texts[(layout, number)] = text
                row = self.readers[layout].parse(number, text, problems)
                if row:
                    tables[layout].rows.append(row)
                    tables[layout].lines.append(number)
            yield Chunk(tables, problems, texts, len(people) - ("" in people))

    def clear(self) -> None:
        self.store.f43_stage.clear()


@dataclass
class Met:
    """What meeting the records already here left out (Interop43._meet), over an import."""

    people: int = 0  # already here: their records kept as they are, new visits joined to them
    visits: int = 0  # the same SEQ
    doses: int = 0   # the same vaccine on the same day
    same: Counter[str] = field(default_factory=Counter)  # type -> the same fact made here
    here: Counter[str] = field(default_factory=Counter)  # type -> imported before (f43_more.keep_what_is_here)

    def add(self, other: Met) -> None:
        self.people, self.visits, self.doses = self.people + other.people, self.visits + other.visits, \
            self.doses + other.doses
        self.same.update(other.same)
        self.here.update(other.here)

    def notes(self) -> list[str]:
        notes = []
        if self.people:
            notes.append(f"{self.people} people were already here (imported before, or registered with the same "
                         "citizen ID): their records here were kept as they are and new visits joined to them")
        if self.visits:
            notes.append(f"{self.visits} visits were already here (same SEQ): left out with their records")
        if self.doses:
            notes.append(f"{self.doses} vaccinations were already here (same vaccine, same day): left out")
        notes += [f"{n} {kind} records were already here (the same fact for the same person): left out"
                  for kind, n in sorted(self.same.items())]
        return notes + f43_more.here_notes(self.here)


def _groups(people: list[str], links: list[tuple[str, str]]) -> list[list[str]]:
    """The people in groups of those linked (directly or through others), each group in
    the order of its first person, its people in their order. A group stops growing at
    MAX_GROUP people: files where a placeholder SEQ links thousands of people (every row a
    problem anyway) stay in flat memory, and only the words of a problem across the cut can
    differ from the whole files' ("SEQ repeats line N" naming another line)."""
    parent = {pid: pid for pid in people}
    size = dict.fromkeys(people, 1)

    def root(pid: str) -> str:
        while parent[pid] != pid:
            parent[pid] = parent[parent[pid]]
            pid = parent[pid]
        return pid

    for a, b in links:
        ra, rb = root(a), root(b)
        if ra != rb and size[ra] + size[rb] <= MAX_GROUP:
            parent[ra] = rb
            size[rb] += size[ra]
    groups: dict[str, list[str]] = {}
    for pid in people:
        groups.setdefault(root(pid), []).append(pid)
    return list(groups.values())


def _chunks(groups: list[list[str]]) -> Iterator[list[str]]:
    """The groups' people, whole groups at a time, about PEOPLE_AT_ONCE at a time."""
    chunk: list[str] = []
    for group in groups:
        chunk += group
        if len(chunk) >= PEOPLE_AT_ONCE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def open_files(source: Path) -> tuple[dict[str, list[f43.Member]], list[Problem]]:
    """The 43 files of a zip or folder, and the problem of each layout that has two."""
    found = f43.members(source)
    return found, [f43.two_files(source, name, files) for name, files in found.items() if len(files) > 1]
