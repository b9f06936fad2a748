"""The worklists' queries over `record_index` (rows from core/worklist.py, kept by
store/resources.py): a day's visits, appointments in a range, patients by diagnosis,
each patient's latest reading or visit, children by birth date and their vaccines.

Each query is one indexed SQL statement; lists of records come back as FHIR JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from clinic_app.core.fhir import Resource
from clinic_app.store.unit_of_work import Db

T = TypeVar("T")


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


class Worklists:
    def __init__(self, db: Db) -> None:
        self.db = db

    def records(self, kind: str, start: str, end: str, *, codes: Sequence[str] = ()) -> list[Resource]:
        """The records with an index row of `kind` on a day from `start` to `end` (ISO
        dates, both included), oldest first; only those with one of `codes` when given
        ("visit" and "appointment" rows: their statuses)."""
        where = "i.kind = ? AND i.day >= ? AND i.day <= ?"
        params: list[Any] = [kind, start, end]
        if codes:
            where += f" AND i.code IN ({_marks(codes)})"
            params += list(codes)
        rows = self.db.rows(f"SELECT r.json FROM record_index i JOIN resources r ON r.rid = i.rid"
                            f" WHERE {where} AND r.deleted = 0 ORDER BY i.day, r.rid", params)
        return [json.loads(r[0]) for r in rows]

    def patients_diagnosed(self, ranges: Iterable[tuple[str, str]]) -> dict[str, tuple[str, set[str]]]:
        """Patient id -> (the first day, the codes) of diagnoses with an ICD-10 code in one
        of the `ranges` (low, high): a code from low up to, not including, high."""
        out: dict[str, tuple[str, set[str]]] = {}
        for low, high in ranges:
            for pid, code, first in self.db.rows(
                    "SELECT patient_id, code, min(day) FROM record_index WHERE kind = 'diagnosis' AND code >= ?"
                    " AND code < ? AND patient_id IS NOT NULL GROUP BY patient_id, code", (low, high)):
                day, codes = out.get(pid, (first or "", set()))
                codes.add(code)
                out[pid] = (min(day, first or day), codes)
        return out

    def latest(self, kind: str, codes: Sequence[str], patient_ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        """Patient id -> (day, value) of the latest row of `kind` with one of `codes`, for
        each of these patients that has one."""
        ids = list(patient_ids)
        out: dict[str, tuple[str, str | None]] = {}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            # SQLite gives the bare column (value) of the row holding max(day). The index is
            # named: with 500 ids the planner (no ANALYZE statistics) took (kind, code) and read
            # every row of the kind, 100 times slower on 100,000 patients (bench_worklists).
            for pid, day, value in self.db.rows(
                    f"SELECT patient_id, max(day), value FROM record_index INDEXED BY record_index_patient"
                    f" WHERE patient_id IN ({_marks(part)})"
                    f" AND kind = ? AND code IN ({_marks(codes)}) GROUP BY patient_id", [*part, kind, *codes]):
                out[pid] = (day, value)
        return out

    def born_between(self, start: str, end: str) -> list[tuple[str, str, str]]:
        """(patient id, sex, birth date) of the live patients born from `start` to `end`."""
        return [tuple(r) for r in self.db.rows(
            "SELECT patient_id, code, day FROM record_index WHERE kind = 'born' AND day >= ? AND day <= ?"
            " ORDER BY day", (start, end))]

    def codes_of(self, kind: str, patient_ids: Iterable[str]) -> dict[str, set[str]]:
        """Patient id -> the codes of their rows of `kind` (the vaccines a child was given)."""
        ids = list(patient_ids)
        out: dict[str, set[str]] = {pid: set() for pid in ids}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            for pid, code in self.db.rows(f"SELECT patient_id, code FROM record_index INDEXED BY record_index_patient"
                                          f" WHERE patient_id IN ({_marks(part)}) AND kind = ?", [*part, kind]):
                out[pid].add(code)
        return out

    def patients(self, patient_ids: Iterable[str]) -> dict[str, Resource]:
        """The live Patients with these ids."""
        return self.patient_fields(patient_ids, lambda patient: patient)

    def patient_fields(self, patient_ids: Iterable[str], pick: Callable[[Resource], T]) -> dict[str, T]:
        """Patient id -> `pick(patient)` for the live Patients with these ids (in the order
        `patients` gives them). Each record is let go once picked from: a list over tens of
        thousands of patients that kept every parsed record kept Python's garbage collector
        busy for seconds (3 s of the chronic register's 8 on 100,000 patients; bench_worklists)."""
        ids = list(patient_ids)
        out: dict[str, T] = {}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            # `+deleted`: not an index column here, or the planner walks every Patient by
            # (type, deleted) instead of looking up these 500 by (type, id) (see `latest`).
            for text, in self.db.rows(f"SELECT json FROM resources WHERE type = 'Patient' AND id IN ({_marks(part)})"
                                      " AND +deleted = 0", part):
                patient = json.loads(text)
                out[patient["id"]] = pick(patient)
        return out
