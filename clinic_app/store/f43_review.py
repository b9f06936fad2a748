"""The 43-file review list (table `f43_review`, migration 10): the rows a partial import
(`import-43 --partial`) refused, each kept whole as it was read — the line's text, its
fields, the file and line it came from, its encoding — with the reasons in English and
Thai, and the refused row it depends on (its person, its visit) when that is why.

A row leaves the list when it is imported again, discarded, or replaced by the same row
(layout and key) refused again by a later import. services/interop_review.py decides; this
module only keeps the rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from clinic_app.store.unit_of_work import Db, dumps

_COLUMNS = ("id, batch, source, file, layout, line, encoding, text, fields, row_key, reasons, parent, edited, "
            "created_at, updated_at, context")


@dataclass(frozen=True)
class ReviewRow:
    """One refused row. `fields` are (name, value) in the line's order (the layout's, then
    any extra fields); `reasons` are (English, Thai); `context` what the files said of the
    row's person (PERSON_CID: the citizen ID of its PID's PERSON row), to find them here."""

    id: int
    batch: str
    source: str
    file: str
    layout: str
    line: int
    encoding: str
    text: str
    fields: tuple[tuple[str, str], ...]
    key: str
    reasons: tuple[tuple[str, str], ...]
    parent: int | None
    edited: bool
    created_at: str
    updated_at: str
    context: dict[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return next((value for named, value in self.fields if named == name), "")


def _row(values: Sequence[Any]) -> ReviewRow:
    (rid, batch, source, file, layout, line, encoding, text, fields, key, reasons, parent, edited, created,
     updated, context) = values
    return ReviewRow(int(rid), batch, source, file, layout, int(line), encoding, text,
                     tuple((str(n), str(v)) for n, v in json.loads(fields)), key,
                     tuple((str(e), str(t)) for e, t in json.loads(reasons)),
                     None if parent is None else int(parent), bool(edited), created, updated,
                     {str(k): str(v) for k, v in json.loads(context or "{}").items()})


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


class F43Review:
    def __init__(self, db: Db) -> None:
        self.db = db

    def add(self, *, batch: str, source: str, file: str, layout: str, line: int, encoding: str, text: str,
            fields: Sequence[tuple[str, str]], key: str, reasons: Sequence[tuple[str, str]], parent: int | None,
            at: str, context: Mapping[str, str] | None = None) -> int:
        """Keep one refused row (inside the caller's transaction); its id."""
        cursor = self.db.write(
            "INSERT INTO f43_review (batch, source, file, layout, line, encoding, text, fields, row_key, reasons,"
            " parent, edited, created_at, updated_at, context) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
            (batch, source, file, layout, line, encoding, text, dumps([list(f) for f in fields]), key,
             dumps([list(r) for r in reasons]), parent, at, at, dumps(dict(context or {}))))
        return int(cursor.lastrowid)

    def rows(self, ids: Iterable[int] | None = None) -> list[ReviewRow]:
        """The rows (those with `ids` when given), in the order they were kept."""
        if ids is None:
            return [_row(r) for r in self.db.rows(f"SELECT {_COLUMNS} FROM f43_review ORDER BY id")]
        wanted = sorted(set(ids))
        out: list[ReviewRow] = []
        for start in range(0, len(wanted), 500):
            part = wanted[start:start + 500]
            out += [_row(r) for r in self.db.rows(f"SELECT {_COLUMNS} FROM f43_review WHERE id IN ({_marks(part)})"
                                                  " ORDER BY id", part)]
        return out

    def get(self, row_id: int) -> ReviewRow | None:
        found = self.rows([row_id])
        return found[0] if found else None

    def count(self) -> int:
        return int(self.db.one("SELECT count(*) FROM f43_review")[0])

    def keys(self) -> list[tuple[int, str, str, str]]:
        """(id, layout, key, batch) of every row: what a later import matches its rows against."""
        return [(int(i), layout, key, batch) for i, layout, key, batch in
                self.db.rows("SELECT id, layout, row_key, batch FROM f43_review ORDER BY id")]

    def children(self, row_id: int) -> list[ReviewRow]:
        """The rows refused because this one was (its person's visits, its visit's diagnoses)."""
        return [_row(r) for r in self.db.rows(f"SELECT {_COLUMNS} FROM f43_review WHERE parent = ? ORDER BY id",
                                              (row_id,))]

    def update(self, row_id: int, *, text: str, fields: Sequence[tuple[str, str]], key: str,
               reasons: Sequence[tuple[str, str]], edited: bool, at: str) -> None:
        """A row fixed (its text, fields and key) or checked again (its reasons)."""
        self.db.write("UPDATE f43_review SET text = ?, fields = ?, row_key = ?, reasons = ?, edited = ?, updated_at = ?"
                      " WHERE id = ?", (text, dumps([list(f) for f in fields]), key, dumps([list(r) for r in reasons]),
                                        int(edited), at, row_id))

    def set_context(self, row_id: int, context: Mapping[str, str]) -> None:
        """What the files said of the row's person, now (a fixed PERSON row's citizen ID)."""
        self.db.write("UPDATE f43_review SET context = ? WHERE id = ?", (dumps(dict(context)), row_id))

    def remove(self, ids: Iterable[int]) -> int:
        """Take rows off the list (imported, discarded or replaced); how many were."""
        wanted = sorted(set(ids))
        removed = 0
        for start in range(0, len(wanted), 500):
            part = wanted[start:start + 500]
            removed += self.db.write(f"DELETE FROM f43_review WHERE id IN ({_marks(part)})", part).rowcount
        return removed
