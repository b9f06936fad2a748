"""The 43-file import's staging (table `f43_stage`, migration 12): every line of the files
being imported, with what the import groups them by (the row's PID, its SEQ, a PERSON
row's citizen ID), so services/interop_stage.py maps the files a few people at a time and
never holds them. Encrypted like every table; rows live only inside the import's
transaction (`clear` empties the table before it commits, and a rollback takes them with
it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from clinic_app.store.unit_of_work import Db

Staged = tuple[str, int, str, str, str, str]  # (layout, line, pid, seq, cid, text)


class F43Stage:
    def __init__(self, db: Db) -> None:
        self.db = db

    def add(self, rows: Iterable[Staged]) -> None:
        """Stage lines (inside the caller's transaction)."""
        self.db.write_many("INSERT INTO f43_stage (layout, line, pid, seq, cid, text) VALUES (?, ?, ?, ?, ?, ?)", rows)

    def people(self) -> list[str]:
        """The PIDs of the staged lines, each once, in the order first staged ('' first:
        the lines of no person, HOME and PROVIDER among them)."""
        return [pid for (pid,) in self.db.rows(
            "SELECT pid FROM f43_stage GROUP BY pid ORDER BY pid != '', min(id)")]

    def links(self) -> list[tuple[str, str]]:
        """(PID, PID) of people whose rows are about each other: a SEQ on rows of two PIDs
        (a visit, and a diagnosis naming it with another PID; a SEQ repeated), a citizen ID
        on PERSON rows of two PIDs. Each such SEQ or ID gives its PIDs, paired with the first."""
        pairs: list[tuple[str, str]] = []
        for sql in ("SELECT seq, pid FROM f43_stage WHERE seq IN (SELECT seq FROM f43_stage WHERE seq != ''"
                    " GROUP BY seq HAVING count(DISTINCT pid) > 1) GROUP BY seq, pid ORDER BY seq",
                    "SELECT cid, pid FROM f43_stage WHERE cid IN (SELECT cid FROM f43_stage WHERE cid != ''"
                    " GROUP BY cid HAVING count(DISTINCT pid) > 1) GROUP BY cid, pid ORDER BY cid"):
            first: dict[str, str] = {}
            for value, pid in self.db.rows(sql):
                pairs.append((first.setdefault(value, pid), pid))
        return [(a, b) for a, b in pairs if a != b]

    def lines_of(self, pids: Sequence[str]) -> list[tuple[str, int, str]]:
        """(layout, line, text) of the lines of these people, in the order staged."""
        out: list[tuple[int, str, int, str]] = []
        for start in range(0, len(pids), 500):
            part = list(pids[start:start + 500])
            out += self.db.rows(f"SELECT id, layout, line, text FROM f43_stage WHERE pid IN ({','.join('?' * len(part))})",
                                part)
        out.sort()
        return [(layout, int(line), text) for _id, layout, line, text in out]

    def clear(self) -> None:
        self.db.write("DELETE FROM f43_stage")
