"""Sync checkpoints: how far each pull scope has read (the server's `meta.lastUpdated`, never
this computer's clock), and when the last sync finished."""

from __future__ import annotations

from clinic_app.core.fhir import now_instant
from clinic_app.store.unit_of_work import Db


class Checkpoints:
    def __init__(self, db: Db) -> None:
        self.db = db

    def get(self, scope: str) -> str | None:
        row = self.db.one("SELECT value FROM sync_checkpoints WHERE scope = ?", (scope,))
        return row[0] if row else None

    def set(self, scope: str, value: str) -> None:
        self.db.write("INSERT INTO sync_checkpoints (scope, value, updated_at) VALUES (?, ?, ?)"
                      " ON CONFLICT (scope) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                      (scope, value, now_instant()))

    def scopes(self, prefix: str) -> list[str]:
        """The scopes whose names start with `prefix`."""
        return [r[0] for r in self.db.rows("SELECT scope FROM sync_checkpoints WHERE substr(scope, 1, ?) = ?",
                                           (len(prefix), prefix))]

    def clear(self, scope: str) -> None:
        self.db.write("DELETE FROM sync_checkpoints WHERE scope = ?", (scope,))
