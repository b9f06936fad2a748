"""The outbox and what sync keeps beside it: queued changes, the server's base version of
edited records, conflicts waiting for a person, and the application of pulled pages.

A change is queued in the same transaction that writes the record; several edits before a
sync squash into one live entry (core/outbox.py); an entry leaves only when the hub has
acknowledged it, in the transaction that records the server's version. Pulled resources
never enter the outbox, and a resource with a local change waiting is left alone by a pull
(the push reconciles it). Writes need the unit of work's open transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from clinic_app.core.changes import ChangeSet
from clinic_app.core.fhir import Resource, now_instant, patient_id_of
from clinic_app.core.outbox import LIVE_STATES, Op, OutboxEntry, squash
from clinic_app.store.resources import Resources
from clinic_app.store.unit_of_work import Db, dumps

_ENTRY = "seq, type, id, op, base_version, state, reason, attempts, created_at"


class Outbox:
    def __init__(self, db: Db, resources: Resources) -> None:
        self.db = db
        self.resources = resources

    # -- the queue ----------------------------------------------------------------------

    def enqueue(self, resource_type: str, resource_id: str, op: Op) -> None:
        """Queue a local change for the hub.

        It squashes into the resource's entry that is waiting (pending) or was refused
        (failed: the edit may be the fix, so it goes back to pending). An entry being sent or
        in conflict is left alone and the change queues behind it.
        """
        now = now_instant()
        live = self.db.write("SELECT seq, op FROM outbox WHERE type = ? AND id = ? AND state IN ('pending', 'failed')"
                             " ORDER BY seq DESC LIMIT 1", (resource_type, resource_id)).fetchone()
        if live:
            merged = squash(live[1], op)
            if merged is None:
                self.db.write("DELETE FROM outbox WHERE seq = ?", (live[0],))
            else:
                self.db.write("UPDATE outbox SET op = ?, state = 'pending', reason = NULL, updated_at = ?"
                              " WHERE seq = ?", (merged, now, live[0]))
            return
        self.db.write("INSERT INTO outbox (type, id, op, base_version, state, created_at, updated_at)"
                      " VALUES (?, ?, ?, ?, 'pending', ?, ?)",
                      (resource_type, resource_id, op, self.resources.version_of(resource_type, resource_id), now,
                       now))

    def live_entry(self, resource_type: str, resource_id: str) -> OutboxEntry | None:
        """The resource's newest entry, or None when nothing of it waits."""
        row = self.db.one(f"SELECT {_ENTRY} FROM outbox WHERE type = ? AND id = ? ORDER BY seq DESC LIMIT 1",
                          (resource_type, resource_id))
        return OutboxEntry(*row) if row else None

    def entries(self, *, states: Iterable[str] = LIVE_STATES, limit: int = 1000) -> list[OutboxEntry]:
        """Entries in these states, oldest first."""
        st = list(states)
        rows = self.db.rows(f"SELECT {_ENTRY} FROM outbox WHERE state IN ({','.join('?' * len(st))})"
                            " ORDER BY seq LIMIT ?", (*st, limit))
        return [OutboxEntry(*r) for r in rows]

    def counts(self) -> dict[str, int]:
        """Entries per state."""
        return {s: n for s, n in self.db.rows("SELECT state, count(*) FROM outbox GROUP BY state")}

    def set_state(self, seqs: Iterable[int], state: str, *, reason: str | None = None) -> None:
        """Move entries to a state (with the hub's reason for a refusal); counts attempts."""
        self.db.write_many(
            "UPDATE outbox SET state = ?, reason = ?, attempts = attempts + (? = 'sending'), updated_at = ?"
            " WHERE seq = ?", [(state, reason, state, now_instant(), seq) for seq in seqs])

    def acknowledge(self, entry: OutboxEntry, *, version_id: str | None, server_copy: Resource | None) -> None:
        """The hub has the change: the entry leaves the outbox with the server's version.

        If the resource was edited again while it was being sent, that newer entry stays
        queued and now builds on the version just acknowledged.
        """
        self.db.write("DELETE FROM outbox WHERE seq = ?", (entry.seq,))
        newer = self.db.write("SELECT seq FROM outbox WHERE type = ? AND id = ? AND state != 'sent'",
                              (entry.type, entry.id)).fetchone()
        if entry.op == "delete":
            if newer is None:
                self.resources.purge(entry.type, entry.id)
            return
        if newer is not None:
            self.db.write("UPDATE outbox SET base_version = ? WHERE seq = ?", (version_id, newer[0]))
            if server_copy is not None:
                self.db.write("INSERT INTO resource_base (type, id, version_id, json) VALUES (?, ?, ?, ?)"
                              " ON CONFLICT (type, id) DO UPDATE SET version_id = excluded.version_id,"
                              " json = excluded.json", (entry.type, entry.id, version_id, dumps(server_copy)))
            self.resources.set_version(entry.type, entry.id, version_id)
            return
        self.db.write("DELETE FROM resource_base WHERE type = ? AND id = ?", (entry.type, entry.id))
        if server_copy is not None:
            self.resources.put(server_copy, version_id=version_id)
        else:
            self.resources.set_version(entry.type, entry.id, version_id)

    # -- bases and conflicts --------------------------------------------------------------

    def keep_base(self, resource_type: str, resource_id: str) -> None:
        """Before the first local edit of a synced resource, keep the server's version."""
        self.db.write("INSERT OR IGNORE INTO resource_base (type, id, version_id, json)"
                      " SELECT type, id, version_id, json FROM resources"
                      " WHERE type = ? AND id = ? AND version_id IS NOT NULL AND deleted = 0",
                      (resource_type, resource_id))

    def base_of(self, resource_type: str, resource_id: str) -> tuple[str, Resource] | None:
        """(server version, server copy) that local edits were based on, if kept."""
        row = self.db.one("SELECT version_id, json FROM resource_base WHERE type = ? AND id = ?",
                          (resource_type, resource_id))
        return (row[0], json.loads(row[1])) if row else None

    def record_conflict(self, entry: OutboxEntry, *, remote: Resource, remote_version: str,
                        elements: list[str]) -> None:
        """Both sides changed the same elements: keep the hub's copy beside ours for a person."""
        self.db.write("INSERT INTO conflicts (type, id, remote_version, remote_json, elements, created_at)"
                      " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (type, id) DO UPDATE SET"
                      " remote_version = excluded.remote_version, remote_json = excluded.remote_json,"
                      " elements = excluded.elements",
                      (entry.type, entry.id, remote_version, dumps(remote), dumps(elements), now_instant()))
        self.db.write("UPDATE outbox SET state = 'conflict', reason = ?, updated_at = ? WHERE seq = ?",
                      ("changed on another desktop: " + ", ".join(elements), now_instant(), entry.seq))

    def conflicts(self) -> list[dict[str, Any]]:
        rows = self.db.rows("SELECT type, id, remote_version, remote_json, elements, created_at FROM conflicts"
                            " ORDER BY created_at")
        return [{"type": t, "id": i, "remote_version": v, "remote": json.loads(r), "elements": json.loads(e),
                 "created_at": c} for t, i, v, r, e, c in rows]

    def clear_conflict(self, resource_type: str, resource_id: str) -> None:
        self.db.write("DELETE FROM conflicts WHERE type = ? AND id = ?", (resource_type, resource_id))

    # -- what a pull brings ---------------------------------------------------------------------

    def apply_pulled_page(self, resource_type: str, resources: list[Resource]) -> ChangeSet:
        """Store one pulled page of a type: two look-ups for the page, then only what is new
        and has no local change waiting. Returns what was stored."""
        changes = ChangeSet()
        if not resources:
            return changes
        ids = [r["id"] for r in resources]
        marks = ",".join("?" * len(ids))
        waiting = {r[0] for r in self.db.rows(f"SELECT id FROM outbox WHERE type = ? AND id IN ({marks})",
                                              (resource_type, *ids))}
        known = dict(self.db.rows(f"SELECT id, version_id FROM resources WHERE type = ? AND id IN ({marks})",
                                  (resource_type, *ids)))
        for resource in resources:
            version = str((resource.get("meta") or {}).get("versionId") or "0")
            if resource["id"] in waiting or known.get(resource["id"]) == version:
                continue
            self.resources.put(resource, version_id=version)
            changes.note("update" if resource["id"] in known else "create", resource_type, patient_id_of(resource))
        return changes

    def apply_pulled_delete(self, resource_type: str, resource_id: str) -> bool:
        """The hub deleted it: gone here too, unless a local change waits; True if removed."""
        self.db.require_transaction()
        if self.live_entry(resource_type, resource_id) is not None:
            return False
        return self.resources.purge(resource_type, resource_id)

    def drop_local(self, resource_type: str, resource_id: str) -> None:
        """Remove a resource from this desktop only (nothing is queued)."""
        self.resources.purge(resource_type, resource_id)

    def own_ids(self, resource_type: str, owner: str) -> list[str]:
        """Ids of this facility's live records of a type that the hub has had (a server
        version) and that wait for nothing. Records the hub never acknowledged are never
        listed: a count check may drop what the hub deleted, never unsent local work."""
        rows = self.db.rows(
            "SELECT r.id FROM resources r WHERE r.type = ? AND r.owner = ? AND r.deleted = 0"
            " AND r.version_id IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.type = r.type AND o.id = r.id)",
            (resource_type, owner))
        return [r[0] for r in rows]
