"""Repositories over one open connection: resources and their search indexes, the outbox,
settings and sync checkpoints, and the hash-chained audit log.

`RecordStore.transaction()` is the unit of work: a service writes a record, its outbox
entry and its audit entry inside one, and they land together or not at all. Resources go
in and come out as FHIR JSON dicts; the index columns are derived here from the JSON.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from clinic_app.core.changes import ChangeSet
from clinic_app.core.fhir import Resource, now_instant, owner_of, patient_id_of, patient_index
from clinic_app.core.identifiers import IdentifierSystems
from clinic_app.core.outbox import LIVE_STATES, Op, OutboxEntry, squash
from clinic_app.store.database import Connection, guard

GENESIS_HASH = "0" * 64


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=False)


def _prefix_upper(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


class RecordStore:
    """All reads and writes of one installation's database, over one connection."""

    def __init__(self, conn: Connection, *, systems: IdentifierSystems | None = None) -> None:
        self.conn = conn
        self.systems = systems or IdentifierSystems()

    # -- unit of work -------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[RecordStore]:
        with guard():
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def require_transaction(self) -> None:
        """Refuse a write outside a transaction (a use case is one transaction, never several)."""
        if not self.conn.in_transaction:
            raise RuntimeError("writes must happen inside RecordStore.transaction()")

    _in_tx = require_transaction

    def _rows(self, sql: str, params: Any = ()) -> list[Any]:
        with guard():
            return self.conn.execute(sql, params).fetchall()

    def close(self) -> None:
        self.conn.close()

    # -- resources ----------------------------------------------------------------

    def put(self, resource: Resource, *, version_id: str | None = None,
            last_updated: str | None = None) -> int:
        """Insert or replace a resource (already validated) and its index rows."""
        self._in_tx()
        rtype, rid = resource["resourceType"], resource["id"]
        updated = last_updated or resource.get("meta", {}).get("lastUpdated") or now_instant()
        with guard():
            row = self.conn.execute(
                "INSERT INTO resources (type, id, version_id, owner, patient_id, last_updated, deleted, json)"
                " VALUES (?, ?, ?, ?, ?, ?, 0, ?)"
                " ON CONFLICT (type, id) DO UPDATE SET"
                " version_id = coalesce(excluded.version_id, resources.version_id),"
                " owner = excluded.owner, patient_id = excluded.patient_id,"
                " last_updated = excluded.last_updated, deleted = 0, json = excluded.json"
                " RETURNING rid",
                (rtype, rid, version_id, owner_of(resource), patient_id_of(resource), updated,
                 _dumps(resource)),
            ).fetchone()
            key = row[0]
            if rtype == "Patient":
                self._index_patient(key, resource)
        return key

    def _index_patient(self, key: int, resource: Resource) -> None:
        idx = patient_index(resource, self.systems)
        self.conn.execute("DELETE FROM patient_keys WHERE rid = ?", (key,))
        self.conn.executemany(
            "INSERT INTO patient_keys (kind, value, rid) VALUES (?, ?, ?)",
            [("cid", v, key) for v in idx.cids]
            + [("hn", v, key) for v in idx.hns]
            + [("phone", v, key) for v in idx.phones],
        )
        self.conn.execute("DELETE FROM patient_names WHERE rowid = ?", (key,))
        if idx.names:
            self.conn.execute("INSERT INTO patient_names (rowid, text) VALUES (?, ?)",
                              (key, " | ".join(idx.names)))

    def delete(self, resource_type: str, resource_id: str) -> bool:
        """Mark a resource deleted (kept as a tombstone until the hub has the delete)."""
        self._in_tx()
        with guard():
            row = self.conn.execute(
                "UPDATE resources SET deleted = 1, last_updated = ? WHERE type = ? AND id = ?"
                " AND deleted = 0 RETURNING rid",
                (now_instant(), resource_type, resource_id),
            ).fetchone()
            if row:
                self.conn.execute("DELETE FROM patient_keys WHERE rid = ?", (row[0],))
                self.conn.execute("DELETE FROM patient_names WHERE rowid = ?", (row[0],))
        return row is not None

    def get(self, resource_type: str, resource_id: str) -> Resource | None:
        rows = self._rows("SELECT json FROM resources WHERE type = ? AND id = ? AND deleted = 0",
                          (resource_type, resource_id))
        return json.loads(rows[0][0]) if rows else None

    def version_of(self, resource_type: str, resource_id: str) -> str | None:
        rows = self._rows("SELECT version_id FROM resources WHERE type = ? AND id = ?",
                          (resource_type, resource_id))
        return rows[0][0] if rows else None

    def stored_state(self, resource_type: str, resource_id: str) -> tuple[str | None, bool] | None:
        """(owner, live) of a stored resource (deleted ones included), or None when unknown."""
        rows = self._rows("SELECT owner, deleted = 0 FROM resources WHERE type = ? AND id = ?",
                          (resource_type, resource_id))
        return (rows[0][0], bool(rows[0][1])) if rows else None

    def _patients_by_rids(self, sql: str, params: Any) -> list[Resource]:
        rows = self._rows(
            f"SELECT r.json FROM resources r WHERE r.rid IN ({sql}) AND r.deleted = 0 ORDER BY r.rid", params)
        return [json.loads(r[0]) for r in rows]

    def find_patients(self, kind: str, value: str) -> list[Resource]:
        """Patients with an exact citizen ID, HN or phone (kind: cid, hn, phone)."""
        return self._patients_by_rids(
            "SELECT rid FROM patient_keys WHERE kind = ? AND value = ?", (kind, value))

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
                " AND value >= ? AND value < ? ORDER BY rid LIMIT ?",
                (digits, _prefix_upper(digits), limit))
        if len(text) >= 3:
            # A quoted FTS5 phrase on the trigram index: a substring match that uses the index.
            phrase = '"' + text.replace('"', '""') + '"'
            return self._patients_by_rids(
                "SELECT rowid FROM patient_names WHERE patient_names MATCH ? ORDER BY rowid LIMIT ?",
                (phrase, limit))
        # One or two characters are shorter than a trigram: scan (LIKE without ESCAPE, so
        # wildcards typed by a person are taken literally by stripping them).
        cleaned = text.replace("%", "").replace("_", "")
        if not cleaned:
            return []
        return self._patients_by_rids(
            "SELECT rowid FROM patient_names WHERE text LIKE ? ORDER BY rowid LIMIT ?", (f"%{cleaned}%", limit))

    def chart(self, patient_id: str) -> list[Resource]:
        """Everything about one patient (the Patient first), oldest first within a type."""
        rows = self._rows(
            "SELECT json FROM resources WHERE patient_id = ? AND deleted = 0"
            " ORDER BY type = 'Patient' DESC, type, last_updated", (patient_id,))
        return [json.loads(r[0]) for r in rows]

    def iter_resources(self, *, resource_type: str | None = None,
                       patient_ids: Iterable[str] | None = None,
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
            rows = self._rows(
                f"SELECT rid, json FROM resources WHERE {' AND '.join(where)} AND rid > ?"
                " ORDER BY rid LIMIT ?", (*params, last, batch))
            if not rows:
                return
            for rid, text in rows:
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
        rows = self._rows(f"SELECT type, count(*) FROM resources WHERE {' AND '.join(where)}"
                          " GROUP BY type ORDER BY type", params)
        return {t: n for t, n in rows}

    # -- sync bookkeeping ----------------------------------------------------------------

    def keep_base(self, resource_type: str, resource_id: str) -> None:
        """Before the first local edit of a synced resource, keep the server's version."""
        self._in_tx()
        with guard():
            self.conn.execute(
                "INSERT OR IGNORE INTO resource_base (type, id, version_id, json)"
                " SELECT type, id, version_id, json FROM resources"
                " WHERE type = ? AND id = ? AND version_id IS NOT NULL AND deleted = 0",
                (resource_type, resource_id))

    def base_of(self, resource_type: str, resource_id: str) -> tuple[str, Resource] | None:
        rows = self._rows("SELECT version_id, json FROM resource_base WHERE type = ? AND id = ?",
                          (resource_type, resource_id))
        return (rows[0][0], json.loads(rows[0][1])) if rows else None

    def live_entry(self, resource_type: str, resource_id: str) -> OutboxEntry | None:
        rows = self._rows(
            "SELECT seq, type, id, op, base_version, state, reason, attempts, created_at FROM outbox"
            " WHERE type = ? AND id = ? ORDER BY seq DESC LIMIT 1", (resource_type, resource_id))
        return OutboxEntry(*rows[0]) if rows else None

    def set_outbox_state(self, seqs: Iterable[int], state: str, *, reason: str | None = None) -> None:
        self._in_tx()
        with guard():
            self.conn.executemany(
                "UPDATE outbox SET state = ?, reason = ?, attempts = attempts + (? = 'sending'), updated_at = ?"
                " WHERE seq = ?", [(state, reason, state, now_instant(), seq) for seq in seqs])

    def acknowledge(self, entry: OutboxEntry, *, version_id: str | None, server_copy: Resource | None) -> None:
        """The hub has the change: the entry leaves the outbox with the server's version.

        If the resource was edited again while it was being sent, that newer entry stays
        queued and now builds on the version just acknowledged.
        """
        self._in_tx()
        with guard():
            self.conn.execute("DELETE FROM outbox WHERE seq = ?", (entry.seq,))
            newer = self.conn.execute("SELECT seq FROM outbox WHERE type = ? AND id = ? AND state != 'sent'",
                                      (entry.type, entry.id)).fetchone()
            if entry.op == "delete":
                if newer is None:
                    self._purge(entry.type, entry.id)
                return
            if newer is not None:
                self.conn.execute("UPDATE outbox SET base_version = ? WHERE seq = ?", (version_id, newer[0]))
                if server_copy is not None:
                    self.conn.execute(
                        "INSERT INTO resource_base (type, id, version_id, json) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (type, id) DO UPDATE SET version_id = excluded.version_id, json = excluded.json",
                        (entry.type, entry.id, version_id, _dumps(server_copy)))
                self.conn.execute("UPDATE resources SET version_id = ? WHERE type = ? AND id = ?",
                                  (version_id, entry.type, entry.id))
                return
            self.conn.execute("DELETE FROM resource_base WHERE type = ? AND id = ?", (entry.type, entry.id))
        if server_copy is not None:
            self.put(server_copy, version_id=version_id)
        else:
            with guard():
                self.conn.execute("UPDATE resources SET version_id = ? WHERE type = ? AND id = ?",
                                  (version_id, entry.type, entry.id))

    def drop_local(self, resource_type: str, resource_id: str) -> None:
        """Remove a resource from this desktop only (nothing is queued)."""
        self._in_tx()
        with guard():
            self._purge(resource_type, resource_id)

    def _purge(self, resource_type: str, resource_id: str) -> None:
        row = self.conn.execute("SELECT rid FROM resources WHERE type = ? AND id = ?",
                                (resource_type, resource_id)).fetchone()
        if row:
            self.conn.execute("DELETE FROM patient_keys WHERE rid = ?", (row[0],))
            self.conn.execute("DELETE FROM patient_names WHERE rowid = ?", (row[0],))
            self.conn.execute("DELETE FROM resources WHERE rid = ?", (row[0],))
        self.conn.execute("DELETE FROM resource_base WHERE type = ? AND id = ?", (resource_type, resource_id))

    def apply_pulled_page(self, resource_type: str, resources: list[Resource]) -> ChangeSet:
        """Store one pulled page of a type: two look-ups for the page, then only what is new
        and has no local change waiting. Returns what was stored."""
        self._in_tx()
        changes = ChangeSet()
        if not resources:
            return changes
        ids = [r["id"] for r in resources]
        marks = ",".join("?" * len(ids))
        waiting = {r[0] for r in self._rows(f"SELECT id FROM outbox WHERE type = ? AND id IN ({marks})",
                                            (resource_type, *ids))}
        known = dict(self._rows(f"SELECT id, version_id FROM resources WHERE type = ? AND id IN ({marks})",
                                (resource_type, *ids)))
        for resource in resources:
            version = str((resource.get("meta") or {}).get("versionId") or "0")
            if resource["id"] in waiting or known.get(resource["id"]) == version:
                continue
            self.put(resource, version_id=version)
            changes.note("update" if resource["id"] in known else "create", resource_type, patient_id_of(resource))
        return changes

    def apply_pulled_delete(self, resource_type: str, resource_id: str) -> bool:
        self._in_tx()
        if self.live_entry(resource_type, resource_id) is not None:
            return False
        with guard():
            existed = self.conn.execute("SELECT 1 FROM resources WHERE type = ? AND id = ?",
                                        (resource_type, resource_id)).fetchone()
            self._purge(resource_type, resource_id)
        return existed is not None

    def own_ids(self, resource_type: str, owner: str) -> list[str]:
        """Ids of this facility's live records of a type that the hub has had (a server
        version) and that wait for nothing. Records the hub never acknowledged are never
        listed: a count check may drop what the hub deleted, never unsent local work."""
        rows = self._rows(
            "SELECT r.id FROM resources r WHERE r.type = ? AND r.owner = ? AND r.deleted = 0"
            " AND r.version_id IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.type = r.type AND o.id = r.id)",
            (resource_type, owner))
        return [r[0] for r in rows]

    def record_conflict(self, entry: OutboxEntry, *, remote: Resource, remote_version: str,
                        elements: list[str]) -> None:
        self._in_tx()
        with guard():
            self.conn.execute(
                "INSERT INTO conflicts (type, id, remote_version, remote_json, elements, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (type, id) DO UPDATE SET"
                " remote_version = excluded.remote_version, remote_json = excluded.remote_json,"
                " elements = excluded.elements", (entry.type, entry.id, remote_version, _dumps(remote),
                                                  _dumps(elements), now_instant()))
            self.conn.execute("UPDATE outbox SET state = 'conflict', reason = ?, updated_at = ? WHERE seq = ?",
                              ("changed on another desktop: " + ", ".join(elements), now_instant(), entry.seq))

    def conflicts(self) -> list[dict[str, Any]]:
        rows = self._rows("SELECT type, id, remote_version, remote_json, elements, created_at FROM conflicts"
                          " ORDER BY created_at")
        return [{"type": t, "id": i, "remote_version": v, "remote": json.loads(r), "elements": json.loads(e),
                 "created_at": c} for t, i, v, r, e, c in rows]

    def clear_conflict(self, resource_type: str, resource_id: str) -> None:
        self._in_tx()
        with guard():
            self.conn.execute("DELETE FROM conflicts WHERE type = ? AND id = ?", (resource_type, resource_id))

    # -- outbox -------------------------------------------------------------------

    def enqueue(self, resource_type: str, resource_id: str, op: Op) -> None:
        """Queue a local change for the hub.

        It squashes into the resource's entry that is waiting (pending) or was refused
        (failed: the edit may be the fix, so it goes back to pending). An entry being sent or
        in conflict is left alone and the change queues behind it.
        """
        self._in_tx()
        now = now_instant()
        with guard():
            live = self.conn.execute(
                "SELECT seq, op FROM outbox WHERE type = ? AND id = ? AND state IN ('pending', 'failed')"
                " ORDER BY seq DESC LIMIT 1", (resource_type, resource_id)).fetchone()
            if live:
                merged = squash(live[1], op)
                if merged is None:
                    self.conn.execute("DELETE FROM outbox WHERE seq = ?", (live[0],))
                else:
                    self.conn.execute("UPDATE outbox SET op = ?, state = 'pending', reason = NULL, updated_at = ?"
                                      " WHERE seq = ?", (merged, now, live[0]))
                return
            self.conn.execute(
                "INSERT INTO outbox (type, id, op, base_version, state, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, 'pending', ?, ?)",
                (resource_type, resource_id, op, self.version_of(resource_type, resource_id), now, now))

    def outbox_counts(self) -> dict[str, int]:
        rows = self._rows("SELECT state, count(*) FROM outbox GROUP BY state")
        return {s: n for s, n in rows}

    def outbox_entries(self, *, states: Iterable[str] = LIVE_STATES, limit: int = 1000) -> list[OutboxEntry]:
        st = list(states)
        rows = self._rows(
            "SELECT seq, type, id, op, base_version, state, reason, attempts, created_at FROM outbox"
            f" WHERE state IN ({','.join('?' * len(st))}) ORDER BY seq LIMIT ?", (*st, limit))
        return [OutboxEntry(*r) for r in rows]

    # -- settings and checkpoints ---------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        rows = self._rows("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else default

    def set_setting(self, key: str, value: Any) -> None:
        self._in_tx()
        with guard():
            self.conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key)"
                              " DO UPDATE SET value = excluded.value", (key, _dumps(value)))

    def get_checkpoint(self, scope: str) -> str | None:
        rows = self._rows("SELECT value FROM sync_checkpoints WHERE scope = ?", (scope,))
        return rows[0][0] if rows else None

    def set_checkpoint(self, scope: str, value: str) -> None:
        self._in_tx()
        with guard():
            self.conn.execute(
                "INSERT INTO sync_checkpoints (scope, value, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (scope) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                (scope, value, now_instant()))

    # -- audit ----------------------------------------------------------------------

    def append_audit(self, *, actor: str, action: str, entity_type: str | None = None,
                     entity_id: str | None = None, detail: dict[str, Any] | None = None) -> str:
        """Add an audit entry chained to the previous one; returns its hash."""
        self._in_tx()
        at = now_instant()
        detail_text = _dumps(detail or {})
        with guard():
            row = self.conn.execute("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
            prev = row[0] if row else GENESIS_HASH
            digest = audit_hash(prev, at, actor, action, entity_type, entity_id, detail_text)
            self.conn.execute(
                "INSERT INTO audit_log (at, actor, action, entity_type, entity_id, detail, prev_hash, hash)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (at, actor, action, entity_type, entity_id, detail_text, prev, digest))
        return digest

    def unsynced_audit(self, limit: int = 5000) -> list[tuple[Any, ...]]:
        """Audit entries not yet sent to the hub as AuditEvents (seq, at, actor, action, type, id, detail)."""
        return self._rows("SELECT seq, at, actor, action, entity_type, entity_id, detail FROM audit_log"
                          " WHERE synced = 0 ORDER BY seq LIMIT ?", (limit,))

    def mark_audit_synced(self, seqs: list[int]) -> None:
        self._in_tx()
        with guard():
            self.conn.executemany("UPDATE audit_log SET synced = 1 WHERE seq = ?", [(s,) for s in seqs])

    def audit_rows(self) -> list[tuple[Any, ...]]:
        return self._rows("SELECT seq, at, actor, action, entity_type, entity_id, detail, prev_hash, hash"
                          " FROM audit_log ORDER BY seq")


class GrantStore:
    """Grants (consents and emergency accesses) and the sealed foreign records they cover,
    over the same connection as the RecordStore (use its transaction)."""

    def __init__(self, store: RecordStore) -> None:
        self.store = store
        self.conn = store.conn

    def _rows(self, sql: str, params: Any = ()) -> list[Any]:
        return self.store._rows(sql, params)

    def upsert_grant(self, grant_id: str, *, kind: str, cid: str, state: str, expires_at: str | None,
                     reason: str | None = None) -> None:
        self.store._in_tx()
        with guard():
            self.conn.execute(
                "INSERT INTO grants (grant_id, kind, cid, state, expires_at, reason, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (grant_id) DO UPDATE SET state = excluded.state,"
                " expires_at = excluded.expires_at", (grant_id, kind, cid, state, expires_at, reason, now_instant()))

    def grants(self, *, cid: str | None = None, state: str | None = None) -> list[dict[str, Any]]:
        where, params = ["1 = 1"], []
        if cid:
            where.append("cid = ?")
            params.append(cid)
        if state:
            where.append("state = ?")
            params.append(state)
        rows = self._rows(f"SELECT grant_id, kind, cid, state, expires_at, reason, created_at FROM grants"
                          f" WHERE {' AND '.join(where)} ORDER BY created_at", params)
        keys = ("grant_id", "kind", "cid", "state", "expires_at", "reason", "created_at")
        return [dict(zip(keys, r)) for r in rows]

    def replace_records(self, grant_id: str, sealed: list[tuple[str, str, str | None, bytes]]) -> None:
        """The grant's cache becomes exactly these sealed records (type, id, owner, sealed)."""
        self.store._in_tx()
        now = now_instant()
        with guard():
            self.conn.execute("DELETE FROM foreign_records WHERE grant_id = ?", (grant_id,))
            self.conn.executemany(
                "INSERT INTO foreign_records (grant_id, type, id, owner, sealed, fetched_at) VALUES (?, ?, ?, ?, ?, ?)",
                [(grant_id, t, i, o, blob, now) for t, i, o, blob in sealed])

    def sealed_records(self, grant_id: str) -> list[tuple[str, str, str | None, bytes]]:
        return [tuple(r) for r in self._rows(
            "SELECT type, id, owner, sealed FROM foreign_records WHERE grant_id = ? ORDER BY type, id", (grant_id,))]

    def end_grant(self, grant_id: str) -> int:
        """Remove a grant's records (the caller destroys its key); returns how many went."""
        self.store._in_tx()
        with guard():
            gone = self.conn.execute("DELETE FROM foreign_records WHERE grant_id = ?", (grant_id,)).rowcount
            self.conn.execute("UPDATE grants SET state = 'ended' WHERE grant_id = ?", (grant_id,))
        return int(gone)

    def count_records(self, grant_id: str) -> int:
        return int(self._rows("SELECT count(*) FROM foreign_records WHERE grant_id = ?", (grant_id,))[0][0])

    def request_records(self, cid: str) -> None:
        self.store._in_tx()
        with guard():
            self.conn.execute("INSERT INTO record_requests (cid, requested_at, state) VALUES (?, ?, 'waiting')"
                              " ON CONFLICT (cid) DO UPDATE SET state = 'waiting', detail = NULL",
                              (cid, now_instant()))

    def record_requests(self, *, state: str | None = None) -> list[dict[str, Any]]:
        rows = self._rows("SELECT cid, requested_at, state, detail FROM record_requests"
                          + (" WHERE state = ?" if state else "") + " ORDER BY requested_at",
                          (state,) if state else ())
        return [dict(zip(("cid", "requested_at", "state", "detail"), r)) for r in rows]

    def set_request(self, cid: str, state: str, detail: str | None = None) -> None:
        self.store._in_tx()
        with guard():
            self.conn.execute("UPDATE record_requests SET state = ?, detail = ? WHERE cid = ?", (state, detail, cid))


class StaffStore:
    """Staff accounts (hash, role, lock-out state) over a RecordStore's connection."""

    COLUMNS = ("name", "role", "password", "disabled", "failures", "locked_until", "created_at")

    def __init__(self, store: RecordStore) -> None:
        self.store = store

    def count(self) -> int:
        return int(self.store._rows("SELECT count(*) FROM staff WHERE disabled = 0")[0][0])

    def get(self, name: str) -> dict[str, Any] | None:
        rows = self.store._rows(f"SELECT {', '.join(self.COLUMNS)} FROM staff WHERE name = ?", (name,))
        return dict(zip(self.COLUMNS, rows[0])) if rows else None

    def all(self) -> list[dict[str, Any]]:
        rows = self.store._rows(f"SELECT {', '.join(self.COLUMNS)} FROM staff ORDER BY name")
        return [dict(zip(self.COLUMNS, r)) for r in rows]

    def add(self, name: str, role: str, password_hash: str) -> None:
        self.store._in_tx()
        with guard():
            self.store.conn.execute("INSERT INTO staff (name, role, password, created_at) VALUES (?, ?, ?, ?)",
                                    (name, role, password_hash, now_instant()))

    def update(self, name: str, **fields: Any) -> None:
        self.store._in_tx()
        allowed = {k: v for k, v in fields.items() if k in self.COLUMNS and k not in ("name", "created_at")}
        with guard():
            self.store.conn.execute(f"UPDATE staff SET {', '.join(f'{k} = ?' for k in allowed)} WHERE name = ?",
                                    (*allowed.values(), name))


def audit_hash(prev: str, at: str, actor: str, action: str, entity_type: str | None,
               entity_id: str | None, detail: str) -> str:
    canonical = _dumps([prev, at, actor, action, entity_type, entity_id, detail])
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def broken_audit_links(rows: list[tuple[Any, ...]]) -> list[int]:
    """Sequence numbers where the chain is broken (edited, removed or reordered entries)."""
    bad, prev = [], GENESIS_HASH
    for seq, at, actor, action, etype, eid, detail, prev_hash, digest in rows:
        if prev_hash != prev or audit_hash(prev_hash, at, actor, action, etype, eid, detail) != digest:
            bad.append(seq)
        prev = digest
    return bad
