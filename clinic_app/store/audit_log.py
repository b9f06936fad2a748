"""The audit trail as kept: who did what and when, each entry chained to the one before by
a hash. The chain's hashing is `security/audit_chain.py`'s, handed in as `link` when the
store is opened (this package does not import the security package)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from clinic_app.core.audit import AUDIT_GENESIS
from clinic_app.core.fhir import now_instant
from clinic_app.store.unit_of_work import Db, dumps

Link = Callable[[str, str, str, str, "str | None", "str | None", str], str]


class AuditLog:
    def __init__(self, db: Db, *, link: Link) -> None:
        self.db = db
        self.link = link

    def append(self, *, actor: str, action: str, entity_type: str | None = None, entity_id: str | None = None,
               detail: dict[str, Any] | None = None) -> str:
        """Add an entry chained to the previous one; returns its hash."""
        self.db.require_transaction()
        at = now_instant()
        detail_text = dumps(detail or {})
        row = self.db.one("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        prev = row[0] if row else AUDIT_GENESIS
        digest = self.link(prev, at, actor, action, entity_type, entity_id, detail_text)
        self.db.write("INSERT INTO audit_log (at, actor, action, entity_type, entity_id, detail, prev_hash, hash)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      (at, actor, action, entity_type, entity_id, detail_text, prev, digest))
        return digest

    def unsynced(self, limit: int = 5000) -> list[tuple[Any, ...]]:
        """Entries not yet sent to the hub as AuditEvents (seq, at, actor, action, type, id, detail)."""
        return self.db.rows("SELECT seq, at, actor, action, entity_type, entity_id, detail FROM audit_log"
                            " WHERE synced = 0 ORDER BY seq LIMIT ?", (limit,))

    def mark_synced(self, seqs: list[int]) -> None:
        self.db.write_many("UPDATE audit_log SET synced = 1 WHERE seq = ?", [(s,) for s in seqs])

    def head(self) -> tuple[int, str] | None:
        """(sequence number, link) of the last entry, or None for an empty trail."""
        row = self.db.one("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        return (int(row[0]), str(row[1])) if row else None

    def rows(self) -> list[tuple[Any, ...]]:
        """Every entry with its hashes, in order (for checking the chain)."""
        return self.db.rows("SELECT seq, at, actor, action, entity_type, entity_id, detail, prev_hash, hash"
                            " FROM audit_log ORDER BY seq")

    def entries(self, *, entity_type: str | None = None, entity_id: str | None = None,
                limit: int = 1000) -> list[dict[str, Any]]:
        """Entries as dicts (at, actor, action, entity_type, entity_id, detail), oldest
        first; those about one record when given."""
        where, params = [], []
        if entity_type:
            where.append("entity_type = ?")
            params.append(entity_type)
        if entity_id:
            where.append("entity_id = ?")
            params.append(entity_id)
        rows = self.db.rows("SELECT at, actor, action, entity_type, entity_id, detail FROM (SELECT * FROM audit_log"
                            + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY seq DESC LIMIT ?)"
                            " ORDER BY seq", (*params, limit))
        return [{"at": at, "actor": actor, "action": action, "entity_type": etype, "entity_id": eid,
                 "detail": json.loads(detail or "{}")} for at, actor, action, etype, eid, detail in rows]
