"""Grants (consents and emergency accesses), the sealed records of other facilities they
cover, and the record requests waiting for a grant. The records arrive sealed (each under
its grant's own key, security/grants.py); nothing here can read them."""

from __future__ import annotations

from typing import Any

from clinic_app.core.fhir import now_instant
from clinic_app.store.unit_of_work import Db

_GRANT = ("grant_id", "kind", "cid", "state", "expires_at", "reason", "created_at")


class Grants:
    def __init__(self, db: Db) -> None:
        self.db = db

    def upsert_grant(self, grant_id: str, *, kind: str, cid: str, state: str, expires_at: str | None,
                     reason: str | None = None) -> None:
        self.db.write("INSERT INTO grants (grant_id, kind, cid, state, expires_at, reason, created_at)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (grant_id) DO UPDATE SET state = excluded.state,"
                      " expires_at = excluded.expires_at",
                      (grant_id, kind, cid, state, expires_at, reason, now_instant()))

    def grants(self, *, cid: str | None = None, state: str | None = None) -> list[dict[str, Any]]:
        where, params = ["1 = 1"], []
        if cid:
            where.append("cid = ?")
            params.append(cid)
        if state:
            where.append("state = ?")
            params.append(state)
        rows = self.db.rows(f"SELECT {', '.join(_GRANT)} FROM grants WHERE {' AND '.join(where)} ORDER BY created_at",
                            params)
        return [dict(zip(_GRANT, r)) for r in rows]

    def replace_records(self, grant_id: str, sealed: list[tuple[str, str, str | None, bytes]]) -> None:
        """The grant's cache becomes exactly these sealed records (type, id, owner, sealed)."""
        now = now_instant()
        self.db.write("DELETE FROM foreign_records WHERE grant_id = ?", (grant_id,))
        self.db.write_many("INSERT INTO foreign_records (grant_id, type, id, owner, sealed, fetched_at)"
                           " VALUES (?, ?, ?, ?, ?, ?)", [(grant_id, t, i, o, blob, now) for t, i, o, blob in sealed])

    def sealed_records(self, grant_id: str) -> list[tuple[str, str, str | None, bytes]]:
        return [tuple(r) for r in self.db.rows(
            "SELECT type, id, owner, sealed FROM foreign_records WHERE grant_id = ? ORDER BY type, id", (grant_id,))]

    def end_grant(self, grant_id: str) -> int:
        """Remove a grant's records (the caller destroys its key); returns how many went."""
        gone = self.db.write("DELETE FROM foreign_records WHERE grant_id = ?", (grant_id,)).rowcount
        self.db.write("UPDATE grants SET state = 'ended' WHERE grant_id = ?", (grant_id,))
        return int(gone)

    def count_records(self, grant_id: str) -> int:
        return int(self.db.one("SELECT count(*) FROM foreign_records WHERE grant_id = ?", (grant_id,))[0])

    def request_records(self, cid: str) -> None:
        self.db.write("INSERT INTO record_requests (cid, requested_at, state) VALUES (?, ?, 'waiting')"
                      " ON CONFLICT (cid) DO UPDATE SET state = 'waiting', detail = NULL", (cid, now_instant()))

    def record_requests(self, *, state: str | None = None) -> list[dict[str, Any]]:
        rows = self.db.rows("SELECT cid, requested_at, state, detail FROM record_requests"
                            + (" WHERE state = ?" if state else "") + " ORDER BY requested_at",
                            (state,) if state else ())
        return [dict(zip(("cid", "requested_at", "state", "detail"), r)) for r in rows]

    def set_request(self, cid: str, state: str, detail: str | None = None) -> None:
        self.db.write("UPDATE record_requests SET state = ?, detail = ? WHERE cid = ?", (state, detail, cid))

    # -- identity: another facility's record of a patient that disagrees with ours ----------

    def decide_identity(self, patient_id: str, facility: str, foreign_id: str, decision: str, actor: str) -> None:
        self.db.write("INSERT INTO identity_decisions (patient_id, facility, foreign_id, decision, actor, decided_at)"
                      " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (patient_id, facility, foreign_id) DO UPDATE SET"
                      " decision = excluded.decision, actor = excluded.actor, decided_at = excluded.decided_at",
                      (patient_id, facility, foreign_id, decision, actor, now_instant()))

    def identity_decisions(self, patient_id: str) -> dict[tuple[str, str], dict[str, str]]:
        """(facility, their patient id) -> {decision, actor, decided_at} for one of our patients."""
        rows = self.db.rows("SELECT facility, foreign_id, decision, actor, decided_at FROM identity_decisions"
                            " WHERE patient_id = ?", (patient_id,))
        return {(f, i): {"decision": d, "actor": a, "decided_at": t} for f, i, d, a, t in rows}
