"""Accept what is valid, keep what is not (issue 15): the partial 43-file import
(`import-43 SOURCE --partial`) and the review list of the rows it refused.

The partial import works over the mapping's answers only, never its internals: it runs
`to_resources` over the files, takes the file and line of each problem, sets those rows
aside with the rows that depend on them (a person's visits, diagnoses, drugs and vaccines;
a visit's diagnoses, drugs and vaccines — "the person on PERSON line 12 was refused"), and
runs it again over what is left, until no problem is left (`MAX_ROUNDS` at most; each
round sets at least one more row aside, or the import stops with nothing stored). Meeting
what is already here (`Interop43._meet`: a PID or SEQ imported before for another person)
sets its row aside the same way. What is left is stored in one transaction, as an
all-or-nothing import stores it, and the refused rows go to the review list (the store's
`f43_review`) in that same transaction, each whole: the line as it was in the file (read
again from the zip or folder), its fields, the file, the line number, the file's encoding
and the reasons in English and Thai. Every row read is either imported or in the list;
the import checks that before it stores anything.

A problem that is on no row (two files for PERSON) refuses the import whole, as without
`--partial`.

The review list (`F43ReviewService`): listed, a row's fields fixed, imported again (the
same checks, with the records already here as its context: a SERVICE row's person, a
DIAGNOSIS row's visit, found by PID, HN or citizen ID and by SEQ among the patient's
visits; when a row imports, the rows refused because of it are tried again), discarded,
or written back as 43 files (`import-43 --rejects OUT`) for the unit's old system. A later
import that brings a row of the same file and key (PID, SEQ, ...) again, imported or
refused, takes the old one off the list.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import re
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from clinic_app.core.changes import ChangeSet
from clinic_app.core.errors import InvalidInputError, KnownError, Problem, os_reason
from clinic_app.core.fhir import Resource, rewrite_references
from clinic_app.core.permissions import require
from clinic_app.core.thai import normalise_cid
from clinic_app.interop import f43
from clinic_app.interop.f43_import import ORDER, READ, Mapper, to_resources
from clinic_app.services.interop_stage import Chunk, ImportCancelled, Met, StagedFiles
from clinic_app.services.records import Progress
from clinic_app.store.f43_review import ReviewRow
from clinic_app.store.record_store import RecordStore

if TYPE_CHECKING:
    from clinic_app.services.interop import ImportReport, Interop43

MAX_ROUNDS = 10
Where = tuple[str, int]  # (layout, line)
Reason = tuple[str, str]  # (English, Thai)

# What names a row across imports: a later import's row with the same key replaces it.
KEY_FIELDS = {"PERSON": ("PID",), "SERVICE": ("SEQ",), "DIAGNOSIS_OPD": ("SEQ", "DIAGCODE"),
              "DRUG_OPD": ("SEQ", "DIDSTD", "DNAME"), "EPI": ("PID", "SEQ", "DATE_SERV", "VACCINETYPE")}
# What a row depends on: (the layout of the row it needs, the field that names it, the words).
DEPENDS = (("PERSON", "PID", ("the person on PERSON line {line} was refused",
                              "บุคคลในแฟ้ม PERSON บรรทัดที่ {line} นำเข้าไม่ได้")),
           ("SERVICE", "SEQ", ("the visit on SERVICE line {line} was refused",
                               "การรับบริการในแฟ้ม SERVICE บรรทัดที่ {line} นำเข้าไม่ได้")))
_AT = re.compile(r"^(?P<file>[^ /\\]+)\.txt line (?P<line>[0-9]+)$", re.IGNORECASE)


def locate(problem: Problem) -> Where | None:
    """The (layout, line) a problem names ("person.txt line 7" -> ("PERSON", 7)), or None."""
    found = _AT.match(problem.path)
    if found is None or problem.lines or found["file"].upper() not in f43.LAYOUTS:
        return None
    return found["file"].upper(), int(found["line"])


def reason_of(problem: Problem) -> Reason:
    return problem.reason, problem.thai or problem.reason


def row_key(layout: str, values: Mapping[str, str]) -> str:
    """What names the row across imports (PID, SEQ, SEQ and DIAGCODE ...); the whole row
    when its first key field is empty."""
    names = KEY_FIELDS.get(layout, ())
    parts = [values.get(n, "").strip().upper().replace(".", "") if n == "DIAGCODE" else values.get(n, "").strip()
             for n in names]
    if not parts or not parts[0]:
        return "row:" + "|".join(v.strip() for v in values.values())
    return "|".join(parts)


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="microseconds")


@dataclass
class _Refused:
    reasons: list[Reason] = field(default_factory=list)
    parent: Where | None = None


def _not_on_a_row(problems: list[Problem]) -> InvalidInputError:
    return InvalidInputError(
        f"43 แฟ้มมีปัญหา {len(problems)} จุดที่ไม่ได้อยู่ที่แถวใดแถวหนึ่ง จึงกันไว้เฉพาะแถวไม่ได้ ไม่ได้นำเข้าอะไรเลย",
        f"The 43 files have {len(problems)} problem(s) that are not on one row, so no row can be set aside for "
        "them; nothing was imported.", problems=problems)


class PartialImport:
    """One `import-43 --partial` of the files staged from `source` (see the module's words),
    a few people at a time (services/interop_stage.py), inside the import's transaction."""

    def __init__(self, interop: Interop43, source: Path, staged: StagedFiles, mapper: Mapper,
                 problems: list[Problem]) -> None:
        self.interop, self.store, self.source = interop, interop.store, source
        self.staged, self.mapper = staged, mapper
        self.archive_problems = problems
        self.batch = _now()
        self.met = Met()
        self.changes, self.by_type = ChangeSet(), Counter[str]()
        self.imported: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()

    def run(self, progress: Progress | None = None) -> ImportReport:
        from clinic_app.services.interop import ImportReport

        if self.archive_problems:
            raise _not_on_a_row(self.archive_problems)
        done, people = 0, self.staged.people
        for chunk in self.staged.chunks():
            _PeopleImport(self, chunk).run()
            done += chunk.people
            if progress is not None and progress(done, people) is False:
                raise ImportCancelled
        for name in self.staged.readers:  # every row read is imported or in the review list: none lost
            if self.imported[name] + self.refused[name] != self.staged.tables[name].line_count:
                raise RuntimeError(f"{name}: {self.imported[name]} imported + {self.refused[name]} refused is not "
                                   f"{self.staged.tables[name].line_count} rows read")
        total = sum(self.refused.values())
        self.store.audit.append(actor=self.interop.actor.name, action="import-43",
                                detail={"partial": True, "refused": total, **self.changes.summary()})
        notes = self.mapper.notes() + self.met.notes()
        if total:
            notes.append(f"{total} rows were refused and kept in the review list (File menu, or "
                         "import-43 --review): fix them there, or write them out with import-43 --rejects OUT")
        return ImportReport(self.changes.total, dict(self.by_type), notes, self.changes,
                            rows={name: self.imported[name] for name in ORDER if name in self.staged.readers},
                            refused={name: self.refused[name] for name in ORDER if self.refused[name]})


class _PeopleImport:
    """The partial import of a few people's rows (a chunk): set aside what is refused, with
    what depends on it, map again until nothing more is, then store the rest and keep the
    refused rows in the review list."""

    def __init__(self, whole: PartialImport, chunk: Chunk) -> None:
        self.whole, self.store = whole, whole.store
        self.tables, self.texts = chunk.tables, chunk.texts
        self.read_problems = chunk.problems
        self.rows_at: dict[Where, dict[str, str]] = {
            (name, line): row for name in ORDER if name in self.tables
            for row, line in zip(self.tables[name].rows, self.tables[name].lines, strict=True)}
        self.short: dict[Where, dict[str, str]] = {}  # lines the reader refused (too few fields), split here
        self.refused: dict[Where, _Refused] = {}

    def values(self, at: Where) -> dict[str, str]:
        return self.rows_at.get(at) or self.short.get(at) or {}

    def run(self) -> None:
        unplaced = []
        for problem in self.read_problems:
            at = locate(problem)
            text = self.texts.get(at) if at is not None else None
            if at is None or text is None:
                unplaced.append(problem)
                continue
            if at not in self.rows_at:
                self.short[at] = f43.fields_as_far_as_they_go(at[0], text)
            self.refuse(at, reason_of(problem))
        if unplaced:
            raise _not_on_a_row(unplaced)
        self.cascade()
        mapper = self.whole.mapper
        for _round in range(MAX_ROUNDS):
            current = self.current()
            counted = mapper.checkpoint()
            result = mapper.map(current)
            found = self.place(result.problems)
            if not found:
                met = Met()
                kept, conflicts = self.whole.interop._meet(result.resources, met)
                found = self.place_conflicts(conflicts, current)
                if not found:
                    self.whole.met.add(met)
                    self.store_all(current, kept)
                    return
            mapper.rewind(counted)  # only the last round's rows are counted in the notes
            for at, reasons in found.items():
                for reason in reasons:
                    self.refuse(at, reason)
            self.cascade()
        raise KnownError(f"ตรวจ 43 แฟ้มซ้ำ {MAX_ROUNDS} รอบแล้วยังพบแถวที่ต้องกันไว้อีก ไม่ได้นำเข้าอะไรเลย "
                         "โปรดนำเข้าแบบทั้งหมด (ไม่ใช้ --partial) เพื่อดูปัญหาทั้งหมด",
                         f"After {MAX_ROUNDS} rounds the 43 files still had rows to set aside; nothing was imported. "
                         "Import without --partial to see every problem.", code="invalid-input")

    def refuse(self, at: Where, reason: Reason) -> None:
        entry = self.refused.setdefault(at, _Refused())
        if reason not in entry.reasons:
            entry.reasons.append(reason)

    def place(self, problems: list[Problem]) -> dict[Where, list[Reason]]:
        """The rows the mapping's problems are on; any problem on no row left refuses the import."""
        found: dict[Where, list[Reason]] = {}
        unplaced = []
        for problem in problems:
            at = locate(problem)
            if at is None or at not in self.rows_at or at in self.refused:
                unplaced.append(problem)
            else:
                found.setdefault(at, []).append(reason_of(problem))
        if unplaced:
            raise _not_on_a_row(unplaced)
        return found

    def place_conflicts(self, conflicts: list[tuple[str, str, Problem]],
                        current: dict[str, f43.Table]) -> dict[Where, list[Reason]]:
        """A PID or SEQ imported before for another person: the row of that PID or SEQ."""
        found: dict[Where, list[Reason]] = {}
        unplaced = []
        for layout, key, problem in conflicts:
            name = "PID" if layout == "PERSON" else "SEQ"
            table = current.get(layout)
            line = next((line for row, line in zip(table.rows, table.lines, strict=True) if row.get(name) == key),
                        None) if table else None
            if line is None:
                unplaced.append(problem)
            else:
                found.setdefault((layout, line), []).append(reason_of(problem))
        if unplaced:
            raise _not_on_a_row(unplaced)
        return found

    def cascade(self) -> None:
        """Rows whose person (PID) or visit (SEQ) has no row left are set aside with it."""
        for parent_layout, name, (english, thai) in DEPENDS:
            gone: dict[str, int] = {}
            kept: set[str] = set()
            for at in sorted([a for a in self.rows_at if a[0] == parent_layout]
                             + [a for a in self.short if a[0] == parent_layout], key=lambda a: a[1]):
                value = self.values(at).get(name, "")
                if at in self.refused:
                    gone.setdefault(value, at[1])
                else:
                    kept.add(value)
            gone = {value: line for value, line in gone.items() if value and value not in kept}
            if not gone:
                continue
            for at in sorted([*self.rows_at, *self.short], key=lambda a: (ORDER.index(a[0]), a[1])):
                if at[0] in ("PERSON", parent_layout) or name not in f43.LAYOUTS[at[0]]:
                    continue
                line = gone.get(self.values(at).get(name, ""))
                entry = self.refused.get(at)
                if line is None or (entry is not None and entry.parent is not None):
                    continue
                entry = self.refused.setdefault(at, _Refused())
                entry.parent = (parent_layout, line)
                entry.reasons.append((english.format(line=line), thai.format(line=line)))

    def current(self) -> dict[str, f43.Table]:
        """The tables without the rows set aside."""
        out = {}
        for name, table in self.tables.items():
            kept = [(row, line) for row, line in zip(table.rows, table.lines, strict=True)
                    if (name, line) not in self.refused]
            out[name] = dataclasses.replace(table, rows=[r for r, _ in kept], lines=[n for _, n in kept])
        return out

    def store_all(self, current: dict[str, f43.Table], kept: list[Resource]) -> None:
        whole, staged = self.whole, self.whole.staged
        imported = {name: len(current[name].rows) for name in ORDER if name in current}
        refused = Counter(at[0] for at in self.refused)
        lines = Counter(layout for layout, _line in self.texts)
        for name in imported:  # every row read is imported or in the review list: none lost
            if imported[name] + refused[name] != lines[name]:
                raise RuntimeError(f"{name}: {imported[name]} imported + {refused[name]} refused is not "
                                   f"{lines[name]} lines staged")
        whole.imported.update(imported)
        whole.refused.update(refused)
        if kept:
            whole.interop.records.write_part(kept, whole.changes, author=True)
            whole.interop.imported.update(r["id"] for r in kept if r["resourceType"] == "Patient")
            whole.by_type.update(r["resourceType"] for r in kept)
        batch = whole.batch
        keys = {(at[0], row_key(at[0], self.values(at))) for at in self.refused}
        cids = {}  # PID -> the citizen ID its PERSON row gives: finds the person here when the row has none
        for at in [a for a in (*self.rows_at, *self.short) if a[0] == "PERSON"]:
            values = self.values(at)
            cids.setdefault(values.get("PID", ""), normalise_cid(values.get("CID", "")))
        forget_reviewed(self.store, current, batch=batch, also=keys)
        ids: dict[Where, int] = {}
        for at in sorted(self.refused, key=lambda a: (ORDER.index(a[0]), a[1])):
            entry, values = self.refused[at], self.values(at)
            ids[at] = self.store.f43_review.add(
                batch=batch, source=whole.source.name, file=staged.where[at[0]], layout=at[0], line=at[1],
                encoding=staged.tables[at[0]].encoding, text=self.texts.get(at) or "|".join(values.values()),
                fields=list(values.items()), key=row_key(at[0], values), reasons=entry.reasons,
                parent=ids.get(entry.parent) if entry.parent else None, at=batch,
                context=_person_context(at[0], values, cids))


def _person_context(layout: str, values: Mapping[str, str], cids: Mapping[str, str]) -> dict[str, str] | None:
    """The citizen ID the files give the person of a row other than PERSON (by its PID)."""
    cid = cids.get(values.get("PID", "")) if layout != "PERSON" and values.get("PID") else None
    return {"PERSON_CID": cid} if cid else None


def forget_reviewed(store: RecordStore, tables: Mapping[str, f43.Table], *, batch: str,
                    also: Iterable[tuple[str, str]] = ()) -> int:
    """Take off the review list the rows of earlier imports (not of `batch`) that come again
    in `tables` (same layout and key) or are among `also` (refused again now: the new copy
    replaces them). Inside the caller's transaction; how many left."""
    entries = [entry for entry in store.f43_review.keys() if entry[3] != batch]
    wanted = {(layout, key) for _id, layout, key, _batch in entries}
    if not wanted:
        return 0
    hit = set(also) & wanted
    for name in ORDER:
        table = tables.get(name)
        for row in table.rows if table else ():
            key = (name, row_key(name, row))
            if key in wanted:
                hit.add(key)
    return store.f43_review.remove([i for i, layout, key, _batch in entries if (layout, key) in hit])


# -- the review list ----------------------------------------------------------------------

@dataclass
class ReimportReport:
    imported: list[int]               # the review rows that were imported and left the list
    refused: dict[int, list[Reason]]  # those still refused, with their reasons now
    changes: ChangeSet = field(default_factory=ChangeSet)


@dataclass
class RejectsReport:
    path: Path
    rows: dict[str, int]
    notes: list[str] = field(default_factory=list)


_SEPARATORS = str.maketrans({"|": " ", "\r": " ", "\n": " ", "\t": " "})


def _clean(value: str) -> str:
    """A value typed into a row: no pipe or line break can split it."""
    return str(value).translate(_SEPARATORS).strip()


def display_fields(row: ReviewRow) -> list[tuple[str, str]]:
    """The row's fields as the window shows them: every field of its layout (a short line's
    missing ones empty, to be filled), then any extra fields."""
    values = dict(row.fields)
    layout = f43.LAYOUTS.get(row.layout, ())
    return [(name, values.get(name, "")) for name in layout] + [(n, v) for n, v in row.fields if n not in layout]


class F43ReviewService:
    """The rows a partial import refused: list, fix, import again, discard, write out."""

    def __init__(self, interop: Interop43) -> None:
        self.interop, self.store, self.actor = interop, interop.store, interop.actor

    def rows(self) -> list[ReviewRow]:
        require(self.actor, "record.read")
        return self.store.f43_review.rows()

    def count(self) -> int:
        require(self.actor, "record.read")
        return self.store.f43_review.count()

    # -- fixing and importing again ---------------------------------------------------------

    def _edit(self, row: ReviewRow, values: Mapping[str, str], at: str) -> ReviewRow:
        if not values:
            return row
        fields = display_fields(row)
        known = {name for name, _ in fields}
        unknown = sorted(set(values) - known)
        if unknown:
            raise InvalidInputError(f"แถวนี้ไม่มีช่อง {', '.join(unknown)}",
                                    f"The row has no field {', '.join(unknown)}.")
        fixed = [(name, _clean(values[name]) if name in values else value) for name, value in fields]
        if fixed == fields:
            return row
        text = "|".join(value for _name, value in fixed)
        key = row_key(row.layout, dict(fixed))
        self.store.f43_review.update(row.id, text=text, fields=fixed, key=key, reasons=row.reasons, edited=True, at=at)
        self.store.audit.append(actor=self.actor.name, action="import-43-review-edit", entity_type="f43-review",
                                entity_id=str(row.id), detail={"fields": sorted(values)})  # names, never values
        return dataclasses.replace(row, text=text, fields=tuple(fixed), key=key, edited=True)

    def edit(self, row_id: int, values: Mapping[str, str]) -> ReviewRow:
        """Fix fields of a row (kept in the list, not imported yet)."""
        require(self.actor, "record.write")
        with self.store.transaction():
            row = self._row(row_id)
            return self._edit(row, values, _now())

    def _row(self, row_id: int) -> ReviewRow:
        row = self.store.f43_review.get(row_id)
        if row is None:
            raise KnownError("ไม่มีแถวนี้ในรายการที่นำเข้าไม่ได้แล้ว (นำเข้าหรือลบไปแล้ว)",
                             "That row is no longer in the review list (imported or discarded).", code="not-found")
        return row

    def reimport(self, ids: Iterable[int], edits: Mapping[int, Mapping[str, str]] | None = None) -> ReimportReport:
        """Fix (`edits`: row id -> field -> value) and import these rows again, each through the
        same checks as the files, with the records here as its context; one transaction. A
        row that imports leaves the list, and the rows refused because of it are tried
        again; one still refused stays, fixed, with its reasons now."""
        require(self.actor, "record.write")
        report = ReimportReport([], {})
        at = _now()
        with self.store.transaction():
            rows = [self._row(i) for i in sorted(set(ids))]
            rows = [self._edit(row, (edits or {}).get(row.id, {}), at) for row in rows]
            queue = deque(sorted(rows, key=_order))
            tried: set[int] = set()
            while queue:
                row = queue.popleft()
                if row.id in tried:
                    continue
                tried.add(row.id)
                resources, reasons = self._check(row)
                if not reasons and resources:
                    try:
                        report.changes.merge(self.interop.records.write(
                            resources, action="import-43-review", entity=("f43-review", str(row.id)),
                            detail={"layout": row.layout, "line": row.line}))
                    except InvalidInputError as error:  # refused before anything of the row was written
                        reasons = [(p.describe("en"), p.describe("th")) for p in error.problems] or [
                            (error.english, error.thai)]
                if reasons:
                    self.store.f43_review.update(row.id, text=row.text, fields=row.fields, key=row.key,
                                                 reasons=reasons, edited=row.edited, at=at)
                    report.refused[row.id] = reasons
                    continue
                report.refused.pop(row.id, None)
                report.imported.append(row.id)
                children = self.store.f43_review.children(row.id)
                cid = normalise_cid(row.value("CID"))
                if row.layout == "PERSON" and cid:  # the person as fixed is how the rows refused with them find them
                    for child in children:
                        if child.value("PID") == row.value("PID"):
                            self.store.f43_review.set_context(child.id, {**child.context, "PERSON_CID": cid})
                    children = self.store.f43_review.children(row.id)
                self.store.f43_review.remove([row.id])
                queue.extend(sorted((c for c in children if c.id not in tried), key=_order))
            self.store.audit.append(actor=self.actor.name, action="import-43-review",
                                    detail={"imported": len(report.imported), "refused": len(report.refused)})
        return report

    def _check(self, row: ReviewRow) -> tuple[list[Resource], list[Reason]]:
        """The records of one row, or why not: its line read as a file of one line; its
        person and visit, when it needs them, as rows made from the records here; the
        mapping run over them; what the row adds mapped onto the records here and met with
        what is here (`_meet`)."""
        from clinic_app.services.interop import name_prefixes

        if row.layout not in READ:
            return [], [("this file is not imported yet", "แฟ้มนี้ยังนำเข้าไม่ได้")]
        parent = self.store.f43_review.get(row.parent) if row.parent is not None else None
        if parent is not None:
            return [], [(f"waits for {parent.layout} line {parent.line}, still in the review list",
                         f"รอแฟ้ม {parent.layout} บรรทัดที่ {parent.line} ซึ่งยังอยู่ในรายการที่นำเข้าไม่ได้")]
        problems: list[Problem] = []
        table = f43.read_table(row.layout, row.text.encode(f43.UTF8), problems)
        if problems or len(table.rows) != 1:
            return [], [reason_of(p) for p in problems] or [("the line is not a row of the file",
                                                             "บรรทัดนี้ไม่ใช่ข้อมูลของแฟ้ม")]
        table = dataclasses.replace(table, lines=[row.line])
        values = table.rows[0]
        context, mapping, reasons = self._context(row.layout, values, row.context.get("PERSON_CID", ""))
        if reasons:
            return [], reasons
        prefixes = name_prefixes()
        before = {r["id"] for r in to_resources(context, hcode=self.interop.hcode, prefixes=prefixes).resources}
        result = to_resources({**context, row.layout: table}, hcode=self.interop.hcode, prefixes=prefixes)
        mine = [reason_of(p) for p in result.problems if locate(p) == (row.layout, row.line)]
        if mine:
            return [], mine
        added = [rewrite_references(r, mapping) for r in result.resources if r["id"] not in before]
        kept, conflicts = self.interop._meet(added, Met())
        if conflicts:
            return [], [reason_of(problem) for _layout, _key, problem in conflicts]
        return kept, []

    def _context(self, layout: str, values: Mapping[str, str], person_cid: str = ""
                 ) -> tuple[dict[str, f43.Table], dict[str, str], list[Reason]]:
        """The rows a row needs (its person; its visit), made from the records here, and
        the references from theirs to the records here; or why they cannot be. The person
        is found by the PID (as these files' import stored it), else by the row's citizen
        ID or, without one, `person_cid` (its PERSON row's)."""
        if layout == "PERSON" or "PID" not in f43.LAYOUTS.get(layout, ()):
            return {}, {}, []  # a person, or a file not about one (HOME, PROVIDER)
        hcode = self.interop.hcode
        pid = values.get("PID", "")
        person = dict.fromkeys(f43.LAYOUTS["PERSON"], "") | {"HOSPCODE": hcode, "PID": pid, "NAME": "-",
                                                              "LNAME": "-", "BIRTH": "19000101"}
        context = {"PERSON": f43.Table("PERSON", rows=[person], lines=[1], line_count=1)}
        made = to_resources(context, hcode=hcode).resources
        patient = self.interop.stored_patient(pid, cid=values.get("CID", "") or person_cid, ids=tuple(
            r["id"] for r in made if r["resourceType"] == "Patient"))
        if patient is None or not made:
            return {}, {}, [("the person (PID) is not here yet: import their PERSON row first",
                             "ยังไม่มีบุคคล (PID) นี้ในระบบ โปรดนำเข้าแถวของบุคคลนี้ในแฟ้ม PERSON ก่อน")]
        mapping = {f"Patient/{made[0]['id']}": f"Patient/{patient['id']}"}
        seq = values.get("SEQ", "")
        if layout == "SERVICE" or "SEQ" not in f43.LAYOUTS[layout] or not seq:
            return context, mapping, []  # the mapping says what it thinks of a missing SEQ
        visit = self.interop.stored_visit(patient["id"], seq)
        if visit is None:
            if layout not in ("DIAGNOSIS_OPD", "DRUG_OPD"):  # a dose outside a visit here keeps its SEQ, ...
                return context, mapping, []
            return {}, {}, [("the visit (SEQ) is not here yet: import its SERVICE row first",
                             "ยังไม่มีการรับบริการ (SEQ) นี้ในระบบ โปรดนำเข้าแถวของการรับบริการนี้ในแฟ้ม SERVICE ก่อน")]
        moment = f43.thai_local((visit.get("period") or {}).get("start"))
        if moment is None:
            return {}, {}, [("the visit (SEQ) here has no date", "การรับบริการ (SEQ) นี้ในระบบไม่มีวันที่")]
        service = dict.fromkeys(f43.LAYOUTS["SERVICE"], "") | {
            "HOSPCODE": hcode, "PID": pid, "SEQ": seq, "DATE_SERV": f"{moment:%Y%m%d}", "TIME_SERV": f"{moment:%H%M%S}"}
        context["SERVICE"] = f43.Table("SERVICE", rows=[service], lines=[1], line_count=1)
        made = [r for r in to_resources(context, hcode=hcode).resources if r["resourceType"] == "Encounter"]
        if made:
            mapping[f"Encounter/{made[0]['id']}"] = f"Encounter/{visit['id']}"
        return context, mapping, []

    # -- discarding and writing out ---------------------------------------------------------

    def discard(self, ids: Iterable[int]) -> int:
        """Take rows off the list without importing them (audited: how many)."""
        require(self.actor, "record.write")
        with self.store.transaction():
            removed = self.store.f43_review.remove(ids)
            self.store.audit.append(actor=self.actor.name, action="import-43-review-discard",
                                    detail={"rows": removed})
        return removed

    def write_rejects(self, out: Path, *, encoding: str = "utf-8", now: _dt.datetime | None = None) -> RejectsReport:
        """The list written back as 43 files: each layout's header, then its rows as they were
        read (or as fixed here), in a zip (into `out` when it is a folder)."""
        from clinic_app.services.interop import ENCODINGS

        require(self.actor, "record.read")
        if encoding not in ENCODINGS:
            raise InvalidInputError("การเข้ารหัสต้องเป็น utf-8 หรือ tis-620", "--encoding is utf-8 or tis-620.")
        rows = sorted(self.store.f43_review.rows(), key=lambda r: (ORDER.index(r.layout) if r.layout in ORDER
                                                                   else len(ORDER), r.layout, r.batch, r.line))
        if not rows:
            raise KnownError("ไม่มีแถวในรายการที่นำเข้าไม่ได้ ไม่ได้เขียนไฟล์", "The review list is empty; no file was "
                             "written.", code="empty")
        now = now or _dt.datetime.now().astimezone()
        path = out / f"F43_{self.interop.hcode}_{now:%Y%m%d%H%M%S}_rejects.zip" if out.is_dir() else out
        names = list(dict.fromkeys(r.layout for r in rows))
        try:
            with f43.ArchiveWriter(path, names, encoding=ENCODINGS[encoding]) as archive:
                for row in rows:
                    archive.write(row.layout, row.text)
                lost = archive.finish()
        except OSError as exc:
            thai, english = os_reason(exc)
            raise KnownError(f"เขียนไฟล์ไม่ได้ ({thai}) โปรดตรวจโฟลเดอร์ปลายทางและพื้นที่ดิสก์",
                             f"Cannot write the file ({english}); check the folder and free space.",
                             code="file") from exc
        with self.store.transaction():
            self.store.audit.append(actor=self.actor.name, action="export-43-rejects", detail=dict(archive.rows))
        notes = []
        if lost:
            notes.append(f"{lost} lines hold characters {encoding} cannot write; they were written as ?: write them "
                         "in utf-8 to keep them")
        others = sorted({r.file for r in rows if r.encoding != ENCODINGS[encoding]})
        if others:
            notes.append(f"rows of {', '.join(others)} were read in another encoding than {encoding}: written in "
                         f"{encoding} (--encoding {'tis-620' if encoding == 'utf-8' else 'utf-8'} writes them as "
                         "they were)")
        return RejectsReport(path, dict(archive.rows), notes)


def _order(row: ReviewRow) -> tuple[int, str, int, int]:
    return ORDER.index(row.layout) if row.layout in ORDER else len(ORDER), row.batch, row.line, row.id
