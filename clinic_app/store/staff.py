"""Staff accounts as kept: name, role, password hash (security/passwords.py makes it),
disabled, the lock-out state after wrong passwords, and the full name, professional licence
("proNurse:4512345") and details (JSON: what HDC's PROVIDER file asks) their Practitioner
carries."""

from __future__ import annotations

from typing import Any

from clinic_app.core.fhir import now_instant
from clinic_app.store.unit_of_work import Db

COLUMNS = ("name", "role", "password", "disabled", "failures", "locked_until", "created_at", "full_name", "licence",
           "details")
_CHANGEABLE = frozenset(COLUMNS) - {"name", "created_at"}


class Staff:
    def __init__(self, db: Db) -> None:
        self.db = db

    def count(self) -> int:
        """Accounts in use (not disabled)."""
        return int(self.db.one("SELECT count(*) FROM staff WHERE disabled = 0")[0])

    def get(self, name: str) -> dict[str, Any] | None:
        row = self.db.one(f"SELECT {', '.join(COLUMNS)} FROM staff WHERE name = ?", (name,))
        return dict(zip(COLUMNS, row)) if row else None

    def all(self) -> list[dict[str, Any]]:
        return [dict(zip(COLUMNS, r)) for r in self.db.rows(f"SELECT {', '.join(COLUMNS)} FROM staff ORDER BY name")]

    def add(self, name: str, role: str, password_hash: str, *, full_name: str | None = None,
            licence: str | None = None, details: str = "{}") -> None:
        self.db.write("INSERT INTO staff (name, role, password, created_at, full_name, licence, details)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?)", (name, role, password_hash, now_instant(), full_name, licence, details))

    def failures(self, name: str) -> tuple[int, float]:
        """(failed sign-ins in a row, locked until) for a name typed at sign-in, known or not."""
        row = self.db.one("SELECT failures, locked_until FROM sign_in_failures WHERE name = ?", (name,))
        return (int(row[0]), float(row[1])) if row else (0, 0.0)

    def set_failures(self, name: str, failures: int, locked_until: float) -> None:
        if failures == 0:
            self.db.write("DELETE FROM sign_in_failures WHERE name = ?", (name,))
            return
        self.db.write("INSERT INTO sign_in_failures (name, failures, locked_until) VALUES (?, ?, ?)"
                      " ON CONFLICT (name) DO UPDATE SET failures = excluded.failures,"
                      " locked_until = excluded.locked_until", (name, failures, locked_until))

    def update(self, name: str, **fields: Any) -> None:
        changed = {k: v for k, v in fields.items() if k in _CHANGEABLE}
        self.db.write(f"UPDATE staff SET {', '.join(f'{k} = ?' for k in changed)} WHERE name = ?",
                      (*changed.values(), name))
