"""Resources and the patient index: FHIR JSON in, FHIR JSON out.

Each resource is one row (type, id, the server's version, owner, patient, last update,
JSON); a deleted one stays as a tombstone until the hub has the delete. Patients are also
indexed: citizen ID, HN and phone in a key table (exact or prefix look-ups), names in an
FTS5 trigram index (Thai substring search). The index columns are derived here from the
JSON, never given by callers. Writes need the unit of work's open transaction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from clinic_app.core.fhir import Resource, now_instant, owner_of, patient_id_of, patient_index
from clinic_app.core.identifiers import IdentifierSystems
from clinic_app.core.worklist import index_entries
from clinic_app.store import worklists as summary
from clinic_app.store.unit_of_work import Db, dumps

# The types that have worklist rows (core/worklist.py).
INDEXED_TYPES = frozenset({"Encounter", "Appointment", "Condition", "Observation", "Immunization", "Patient"})

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def _prefix_upper(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


class Resources:
    def __init__(self, db: Db, *, systems: IdentifierSystems | None = None) -> None:
        self.db = db
        self.systems = systems or IdentifierSystems()

    # -- writes -------------------------------------------------------------------------

    def put(self, resource: Resource, *, version_id: str | None = None, last_updated: str | None = None) -> int:
        """Insert or replace a resource (already validated) and its index rows; its row key."""
        rtype, rid = resource["resourceType"], resource["id"]
        updated = last_updated or resource.get("meta", {}).get("lastUpdated") or now_instant()
        row = self.db.write(
            "INSERT INTO resources (type, id, version_id, owner, patient_id, last_updated, deleted, json)"
            " VALUES (?, ?, ?, ?, ?, ?, 0, ?)"
            " ON CONFLICT (type, id) DO UPDATE SET"
            " version_id = coalesce(excluded.version_id, resources.version_id),"
            " owner = excluded.owner, patient_id = excluded.patient_id,"
            " last_updated = excluded.last_updated, deleted = 0, json = excluded.json"
            " RETURNING rid",
            (rtype, rid, version_id, owner_of(resource), patient_id_of(resource), updated, dumps(resource)),
        ).fetchone()
        key = int(row[0])
        if rtype == "Patient":
            self._index_patient(key, resource)
        if rtype in INDEXED_TYPES:
            before = self._drop_worklist_rows(key)
            pid = patient_id_of(resource)
            rows = [(key, kind, code, day, pid, value) for kind, code, day, value in index_entries(resource)]
            self.db.write_many("INSERT INTO record_index (rid, kind, code, day, patient_id, value) VALUES (?, ?, ?, ?, ?, ?)",
                               rows)
            summary.touch(self.db, before + [(kind, code, pid) for _k, kind, code, _d, pid, _v in rows])
        if rtype == "Patient":
            summary.put_card(self.db, rid, resource)
        return key

    def _drop_worklist_rows(self, key: int) -> list[tuple[str, str, str | None]]:
        """Remove a record's worklist rows; what they were (kind, code, patient id)."""
        return [tuple(r) for r in self.db.write("DELETE FROM record_index WHERE rid = ? RETURNING kind, code, patient_id",
                                                (key,)).fetchall()]

    def _index_patient(self, key: int, resource: Resource) -> None:
        idx = patient_index(resource, self.systems)
        self._unindex(key)
        self.db.write_many("INSERT INTO patient_keys (kind, value, rid) VALUES (?, ?, ?)",
                           [("cid", v, key) for v in idx.cids] + [("hn", v, key) for v in idx.hns]
                           + [("phone", v, key) for v in idx.phones])
        if idx.names:
            self.db.write("INSERT INTO patient_names (rowid, text) VALUES (?, ?)", (key, " | ".join(idx.names)))

    def _unindex(self, key: int) -> None:
        self.db.write("DELETE FROM patient_keys WHERE rid = ?", (key,))
        self.db.write("DELETE FROM patient_names WHERE rowid = ?", (key,))

    def _unindex_all(self, key: int, resource_type: str, resource_id: str, *, purged: bool = False) -> None:
        """A record leaving (deleted, or `purged` for good): its patient keys, its worklist
        rows and what the patient summary counted of it."""
        self._unindex(key)
        summary.touch(self.db, self._drop_worklist_rows(key))
        if resource_type == "Patient":
            summary.drop_card(self.db, resource_id, purged=purged)

    def delete(self, resource_type: str, resource_id: str) -> bool:
        """Mark a resource deleted (kept as a tombstone until the hub has the delete)."""
        row = self.db.write("UPDATE resources SET deleted = 1, last_updated = ? WHERE type = ? AND id = ?"
                            " AND deleted = 0 RETURNING rid", (now_instant(), resource_type, resource_id)).fetchone()
        if row:
            self._unindex_all(row[0], resource_type, resource_id)
        return row is not None

    def purge(self, resource_type: str, resource_id: str) -> bool:
        """Remove a resource, its index rows and its sync base for good; True if it was here."""
        row = self.db.write("SELECT rid FROM resources WHERE type = ? AND id = ?",
                            (resource_type, resource_id)).fetchone()
        if row:
            self._unindex_all(row[0], resource_type, resource_id, purged=True)
            self.db.write("DELETE FROM resources WHERE rid = ?", (row[0],))
        self.db.write("DELETE FROM resource_base WHERE type = ? AND id = ?", (resource_type, resource_id))
        return row is not None

    def set_version(self, resource_type: str, resource_id: str, version_id: str | None) -> None:
        self.db.write("UPDATE resources SET version_id = ? WHERE type = ? AND id = ?",
                      (version_id, resource_type, resource_id))

    # -- reads --------------------------------------------------------------------------

    def patient_ids(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """(type, id) -> the id of the patient each stored record is about, from the index
        column (no record is read); records of no patient are left out."""
        out: dict[tuple[str, str], str] = {}
        wanted = list(keys)
        for start in range(0, len(wanted), 400):
            part = wanted[start:start + 400]
            marks = " OR ".join("(type = ? AND id = ?)" for _ in part)
            for rtype, rid, pid in self.db.rows(f"SELECT type, id, patient_id FROM resources WHERE ({marks})"
                                                " AND patient_id IS NOT NULL", [v for key in part for v in key]):
                out[(rtype, rid)] = pid
        return out

    def get(self, resource_type: str, resource_id: str) -> Resource | None:
        row = self.db.one("SELECT json FROM resources WHERE type = ? AND id = ? AND deleted = 0",
                          (resource_type, resource_id))
        return json.loads(row[0]) if row else None

    def version_of(self, resource_type: str, resource_id: str) -> str | None:
        row = self.db.one("SELECT version_id FROM resources WHERE type = ? AND id = ?", (resource_type, resource_id))
        return row[0] if row else None

    def stored_state(self, resource_type: str, resource_id: str) -> tuple[str | None, bool] | None:
        """(owner, live) of a stored resource (deleted ones included), or None when unknown."""
        row = self.db.one("SELECT owner, deleted = 0 FROM resources WHERE type = ? AND id = ?",
                          (resource_type, resource_id))
        return (row[0], bool(row[1])) if row else None

    def _patients_by_rids(self, sql: str, params: Any) -> list[Resource]:
        rows = self.db.rows(
            f"SELECT r.json FROM resources r WHERE r.rid IN ({sql}) AND r.deleted = 0 ORDER BY r.rid", params)
        return [json.loads(r[0]) for r in rows]

    def find_patients(self, kind: str, value: str) -> list[Resource]:
        """Patients with an exact citizen ID, HN or phone (kind: cid, hn, phone)."""
        return self._patients_by_rids("SELECT rid FROM patient_keys WHERE kind = ? AND value = ?", (kind, value))

    def search_patients(self, text: str, *, limit: int = 50) -> list[Resource]:
        """Patients whose name contains `text` (Thai or English), or whose citizen ID, HN or
        phone starts with it when it is all digits."""
        text = text.strip().translate(_THAI_DIGITS)
        if not text:
            return []
        digits = re.sub(r"[\s\-]", "", text)
        if digits.isascii() and digits.isdigit():
            return self._patients_by_rids(
                "SELECT DISTINCT rid FROM patient_keys WHERE kind IN ('cid', 'hn', 'phone')"
                " AND value >= ? AND value < ? ORDER BY rid LIMIT ?", (digits, _prefix_upper(digits), limit))
        if len(text) >= 3:
            # A quoted FTS5 phrase on the trigram index: a substring match that uses the index.
            phrase = '"' + text.replace('"', '""') + '"'
            return self._patients_by_rids(
                "SELECT rowid FROM patient_names WHERE patient_names MATCH ? ORDER BY rowid LIMIT ?", (phrase, limit))
        # One or two characters are shorter than a trigram: scan (LIKE without ESCAPE, so
        # wildcards typed by a person are taken literally by stripping them).
        cleaned = text.replace("%", "").replace("_", "")
        if not cleaned:
            return []
        return self._patients_by_rids(
            "SELECT rowid FROM patient_names WHERE text LIKE ? ORDER BY rowid LIMIT ?", (f"%{cleaned}%", limit))

    def patients_sharing(self, kind: str, *, owner: str) -> list[tuple[str, list[Resource]]]:
        """(value, Patients) for each value of a look-up key (cid, hn, phone) that more than
        one live Patient of `owner` holds, in key order, the oldest row first. A Patient
        merged into another holds no keys (core/fhir.py patient_index), so it is never one."""
        rows = self.db.rows(
            "SELECT k.value, r.rid, r.json FROM patient_keys k JOIN resources r ON r.rid = k.rid"
            " WHERE k.kind = ? AND r.owner = ? AND r.deleted = 0 AND k.value IN"
            " (SELECT value FROM patient_keys WHERE kind = ? GROUP BY value HAVING count(DISTINCT rid) > 1)"
            " GROUP BY k.value, r.rid ORDER BY k.value, r.rid", (kind, owner, kind))
        groups: dict[str, list[Resource]] = {}
        for value, _rid, text in rows:
            groups.setdefault(value, []).append(json.loads(text))
        return [(value, found) for value, found in groups.items() if len(found) > 1]

    def record_counts(self, patient_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """For each of these patients: live records per type about them ("types", the Patient
        itself included), and the earliest and latest time any of them was stored or updated
        here ("first", "last")."""
        ids = list(patient_ids)
        out: dict[str, dict[str, Any]] = {pid: {"types": {}, "first": None, "last": None} for pid in ids}
        if not ids:
            return out
        rows = self.db.rows("SELECT patient_id, type, count(*), min(last_updated), max(last_updated)"
                            f" FROM resources WHERE patient_id IN ({','.join('?' * len(ids))}) AND deleted = 0"
                            " GROUP BY patient_id, type", ids)
        for pid, rtype, count, first, last in rows:
            entry = out[pid]
            entry["types"][rtype] = int(count)
            entry["first"] = first if entry["first"] is None else min(entry["first"], first)
            entry["last"] = last if entry["last"] is None else max(entry["last"], last)
        return out

    def chart(self, patient_id: str) -> list[Resource]:
        """Everything about one patient (the Patient first), oldest first within a type."""
        rows = self.db.rows("SELECT json FROM resources WHERE patient_id = ? AND deleted = 0"
                            " ORDER BY type = 'Patient' DESC, type, last_updated", (patient_id,))
        return [json.loads(r[0]) for r in rows]

    def iter_resources(self, *, resource_type: str | None = None, patient_ids: Iterable[str] | None = None,
                       batch: int = 500) -> Iterator[Resource]:
        """Stream resources (for export) without holding them all in memory."""
        where, params = ["deleted = 0"], []
        if resource_type:
            where.append("type = ?")
            params.append(resource_type)
        if patient_ids is not None:
            ids = list(patient_ids)
            if not ids:
                return
            where.append(f"patient_id IN ({','.join('?' * len(ids))})")
            params.extend(ids)
        last = 0
        while True:
            rows = self.db.rows(f"SELECT rid, json FROM resources WHERE {' AND '.join(where)} AND rid > ?"
                                " ORDER BY rid LIMIT ?", (*params, last, batch))
            if not rows:
                return
            for _rid, text in rows:
                yield json.loads(text)
            last = rows[-1][0]

    def counts_by_type(self, *, owner: str | None = None, synced_only: bool = False) -> dict[str, int]:
        """Live resources per type (of one owner; only those the hub has acknowledged)."""
        where, params = ["deleted = 0"], []
        if owner is not None:
            where.append("owner = ?")
            params.append(owner)
        if synced_only:
            where.append("version_id IS NOT NULL")
        rows = self.db.rows(f"SELECT type, count(*) FROM resources WHERE {' AND '.join(where)}"
                            " GROUP BY type ORDER BY type", params)
        return {t: n for t, n in rows}
