"""The worklists' queries over `record_index` (rows from core/worklist.py, kept by
store/resources.py): a day's visits, appointments in a range; and over `patient_summary`
(one row a patient, kept here with every write: `touch`, `put_card`): the chronic-disease
register and the children by birth date with their vaccines.

Each query is one indexed SQL statement; lists of records come back as FHIR JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from clinic_app.core.fhir import Resource
from clinic_app.core.worklist import SUMMARY, Column, patient_card, summary_columns
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

    # -- the patient summary (core/worklist.py: patient_card, SUMMARY) -----------------------

    def chronic(self, *, cutoff: str, today: str, overdue_only: bool = False) -> list[tuple[Any, ...]]:
        """The chronic-disease register from the patient summary: (patient id, name, HN,
        village, DM since, HT since, last finished visit, last booked appointment, last
        blood pressure's day and reading, last blood sugar's day and reading, no visit since
        `cutoff`, an appointment before `today` missed since the last visit), the patients
        in care with DM or HT, by village, name, HN and id; only the overdue (either of the
        last two) when asked. (`summaries_pending` first: an older folder's rows may be
        still to make.)"""
        rows = self.db.rows(
            "SELECT patient_id, name, hn, village, dm_since, ht_since, last_visit, booked, bp_day, bp, sugar_day,"
            " sugar, (last_visit IS NULL OR last_visit < :cutoff) AS no_visit,"
            " coalesce(booked < :today AND (last_visit IS NULL OR booked > last_visit), 0) AS missed"
            " FROM patient_summary WHERE in_care = 1 AND (dm_since IS NOT NULL OR ht_since IS NOT NULL)"
            + (" AND (no_visit OR missed)" if overdue_only else "")
            + " ORDER BY village_no, village, name, hn, patient_id", {"cutoff": cutoff, "today": today})
        return [tuple(r) for r in rows]

    def children(self, start: str, end: str) -> list[tuple[Any, ...]]:
        """(patient id, sex, birth date, name, HN, village, house number, TYPEAREA, the
        vaccine codes given as a set, the order key: village, house number, name, HN, id) of
        the patients in care born from `start` to `end`, in no order (the caller sorts the
        few it lists)."""
        rows = self.db.rows(
            "SELECT patient_id, sex, born, name, hn, village, house, typearea, vaccines, village_no, house_no"
            " FROM patient_summary WHERE in_care = 1 AND born >= ? AND born <= ?", (start, end))
        return [(*r[:8], set(r[8].split(",")) if r[8] else set(), (r[9], r[5], r[10], r[6], r[3], r[4], r[0]))
                for r in rows]

    def summaries_pending(self) -> bool:
        """True while an older folder's summary rows are still to be made (migration V11), or
        when its summary is not there at all (a folder from before it opened read-only)."""
        if self.db.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'summary_fill'") is None:
            return True
        return self.db.one("SELECT 1 FROM summary_fill") is not None

    def fill_summaries(self, progress: Callable[[int, int], bool] | None = None, *, batch: int = 500) -> bool:
        """Make the summary rows of the Patients already stored when the folder came to data
        version 11, `batch` patients a transaction, from where the last run stopped;
        `progress(done, total)` returning False stops it (what is done is kept). True once
        none are left."""
        if not self.summaries_pending():
            return True
        total = self.db.one("SELECT count(*) FROM resources WHERE type = 'Patient' AND deleted = 0")[0]
        after = self.db.one("SELECT after FROM summary_fill")
        # counted once: counted again each batch, the count read every patient before it
        done = self.db.one("SELECT count(*) FROM resources WHERE type = 'Patient' AND deleted = 0 AND id <= ?",
                           (after[0],))[0] if after else total
        while True:
            after = self.db.one("SELECT after FROM summary_fill")
            if after is None:
                return True
            if progress is not None and progress(min(done, total), total) is False:
                return False
            with self.db.transaction():  # read inside it: a Patient written meanwhile is not undone
                found = self.db.rows("SELECT id, json FROM resources WHERE type = 'Patient' AND deleted = 0"
                                     " AND id > ? ORDER BY id LIMIT ?", (after[0], batch))
                done += len(found)
                for pid, text in found:
                    put_card(self.db, pid, json.loads(text), whole=True)
                if found:
                    self.db.write("UPDATE summary_fill SET after = ?", (found[-1][0],))
                else:
                    self.db.write("DELETE FROM summary_fill")

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


# -- keeping the summary: called by store/resources.py inside the write's transaction ------

CARD = ("in_care", "name", "hn", "village", "village_no", "house", "house_no", "typearea", "sex", "born")


def _names(column: Column) -> tuple[str, ...]:
    return (f"{column.name}_day", column.name) if column.with_value else (column.name,)


def _work_out(db: Db, patient_id: str, column: Column) -> tuple[Any, ...]:
    """A summary column's value(s) for one patient, from their index rows (Column says how)."""
    where, params = "patient_id = ? AND kind = ?", [patient_id, column.kind]
    if column.codes:
        where += f" AND code IN ({_marks(column.codes)})"
        params += list(column.codes)
    elif column.ranges:
        where += " AND (" + " OR ".join("(code >= ? AND code < ?)" for _ in column.ranges) + ")"
        params += [bound for pair in column.ranges for bound in pair]
    if column.how == "latest":
        row = db.one(f"SELECT day, value FROM record_index INDEXED BY record_index_patient WHERE {where}"
                     f" AND day IS NOT NULL ORDER BY day DESC, rid DESC LIMIT 1", params)
        found = (row[0], row[1]) if row else (None, None)
        return found if column.with_value else found[:1]
    if column.how == "first":
        count, first = db.one(f"SELECT count(*), min(day) FROM record_index INDEXED BY record_index_patient"
                              f" WHERE {where}", params)
        return ((first or "") if count else None,)
    codes = db.rows(f"SELECT DISTINCT code FROM record_index INDEXED BY record_index_patient WHERE {where}"
                    f" ORDER BY code", params)
    return (",".join(r[0] for r in codes),)


def _upsert(db: Db, patient_id: str, values: dict[str, Any]) -> None:
    names = list(values)
    db.write(f"INSERT INTO patient_summary (patient_id, {', '.join(names)}) VALUES (?, {_marks(names)})"
             f" ON CONFLICT (patient_id) DO UPDATE SET " + ", ".join(f"{n} = excluded.{n}" for n in names),
             [patient_id, *values.values()])


def refresh(db: Db, patient_id: str, columns: Iterable[Column]) -> None:
    """Work these summary columns out again for one patient."""
    values: dict[str, Any] = {}
    for column in columns:
        values.update(zip(_names(column), _work_out(db, patient_id, column)))
    if values:
        _upsert(db, patient_id, values)


def touch(db: Db, rows: Iterable[tuple[str, str, str | None]]) -> None:
    """Index rows (kind, code, patient id) written or removed: their patients' summary
    columns that count them, worked out again."""
    by_patient: dict[str, list[tuple[str, str]]] = {}
    for kind, code, pid in rows:
        if pid:
            by_patient.setdefault(pid, []).append((kind, code))
    for pid, entries in by_patient.items():
        refresh(db, pid, summary_columns(entries))


def put_card(db: Db, patient_id: str, patient: Resource, *, whole: bool = False) -> None:
    """A Patient written: its card; every column worked out too when asked (`whole`: the fill
    of an older folder, whose rows a write may have begun meanwhile) or when the patient has
    no row yet. Records that came before their Patient made the row and kept its columns
    (`touch`), so a Patient written again costs one statement more, not eight."""
    whole = whole or db.one("SELECT 1 FROM patient_summary WHERE patient_id = ?", (patient_id,)) is None
    _upsert(db, patient_id, patient_card(patient))
    if whole:
        refresh(db, patient_id, SUMMARY)


def drop_card(db: Db, patient_id: str, *, purged: bool = False) -> None:
    """A Patient deleted: off the lists (its records' columns stay); purged (gone for good):
    its row goes too, name, HN and all."""
    if purged:
        db.write("DELETE FROM patient_summary WHERE patient_id = ?", (patient_id,))
    else:
        db.write("UPDATE patient_summary SET in_care = 0 WHERE patient_id = ?", (patient_id,))
