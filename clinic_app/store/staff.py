"""Staff accounts as kept: name, role, password hash (security/passwords.py makes it),
disabled, the lock-out state after wrong passwords, and the full name, professional licence
("proNurse:4512345") and details (JSON: what HDC's PROVIDER file asks) their Practitioner
carries."""

from __future__ import annotations

import json
from typing import Any

from clinic_app.core.fhir import now_instant
from clinic_app.core.permissions import ADMIN, CLERK, CLINICIAN
from clinic_app.store.unit_of_work import Db

COLUMNS = ("name", "role", "password", "disabled", "failures", "locked_until", "created_at", "full_name", "licence",
           "details", "version")
_CHANGEABLE = frozenset(COLUMNS) - {"name", "created_at", "version"}
SHARED = ("name", "role", "password", "disabled", "created_at", "full_name", "licence", "details", "version")
FAILURES = ("name", "failures", "locked_until", "version")  # a typed name's sign-in failures, as shared


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
        """A typed name's failures in a row (0 after a good sign-in: kept as a row, so the
        reset travels to the unit's other desktops like the count did)."""
        if failures == 0 and self.db.one("SELECT 1 FROM sign_in_failures WHERE name = ?", (name,)) is None:
            return
        self.db.write("INSERT INTO sign_in_failures (name, failures, locked_until) VALUES (?, ?, ?)"
                      " ON CONFLICT (name) DO UPDATE SET failures = excluded.failures,"
                      " locked_until = excluded.locked_until, version = sign_in_failures.version + 1",
                      (name, failures, locked_until))

    def update(self, name: str, **fields: Any) -> None:
        changed = {k: v for k, v in fields.items() if k in _CHANGEABLE}
        self.db.write(f"UPDATE staff SET {', '.join(f'{k} = ?' for k in changed)}, version = version + 1"
                      " WHERE name = ?", (*changed.values(), name))

    # -- the unit's accounts, shared through the unit relay ------------------------------------

    def shared(self) -> dict[str, list[dict[str, Any]]]:
        """Every account (its password hash included) and every name's sign-in failures, as
        the unit's desktops exchange them through the relay (never with the cloud)."""
        accounts = [dict(zip(SHARED, r)) for r in self.db.rows(f"SELECT {', '.join(SHARED)} FROM staff ORDER BY name")]
        failures = [dict(zip(FAILURES, r))
                    for r in self.db.rows(f"SELECT {', '.join(FAILURES)} FROM sign_in_failures ORDER BY name")]
        return {"accounts": accounts, "failures": failures}

    def take_shared(self, accounts: list[dict[str, Any]], failures: list[dict[str, Any]]) -> list[str]:
        """Keep what another desktop has newer (checked rows; inside a transaction): the
        later of each account (`_later`), a disable kept whatever the versions, and the later
        of each name's failures. The names of the accounts that changed."""
        changed = []
        for row in accounts:
            mine = self.db.one(f"SELECT {', '.join(SHARED)} FROM staff WHERE name = ?", (row["name"],))
            mine_row = dict(zip(SHARED, mine)) if mine else None
            if mine_row is None:
                values = [row[c] for c in SHARED]
                self.db.write(f"INSERT INTO staff ({', '.join(SHARED)}) VALUES ({', '.join('?' * len(SHARED))})", values)
                changed.append(row["name"])
                continue
            newer = _later(row, mine_row)
            kept = dict(newer)
            kept["disabled"] = int(bool(row["disabled"]) or bool(mine_row["disabled"]))
            if kept != mine_row:
                self.db.write(f"UPDATE staff SET {', '.join(f'{c} = ?' for c in SHARED[1:])} WHERE name = ?",
                              (*[kept[c] for c in SHARED[1:]], row["name"]))
                changed.append(row["name"])
        for row in failures:
            mine = self.db.one(f"SELECT {', '.join(FAILURES)} FROM sign_in_failures WHERE name = ?", (row["name"],))
            mine_row = dict(zip(FAILURES, mine)) if mine else None
            if mine_row is None or _later(row, mine_row) is row and row != mine_row:
                self.db.write("INSERT INTO sign_in_failures (name, failures, locked_until, version) VALUES (?, ?, ?, ?)"
                              " ON CONFLICT (name) DO UPDATE SET failures = excluded.failures,"
                              " locked_until = excluded.locked_until, version = excluded.version",
                              (row["name"], row["failures"], row["locked_until"], row["version"]))
        return changed


_RANK = {CLERK: 0, CLINICIAN: 1, ADMIN: 2}


def _later(theirs: dict[str, Any], mine: dict[str, Any]) -> dict[str, Any]:
    """The newer row: the higher version; at the same version (two desktops changed it
    apart) the disabled one, else the one with fewer rights, else by content, so that every
    desktop ends the same and a clash never hands out more rights."""
    if theirs["version"] != mine["version"]:
        return theirs if theirs["version"] > mine["version"] else mine

    def key(row: dict[str, Any]) -> tuple[int, int, str]:
        return (int(bool(row.get("disabled"))), -_RANK.get(str(row.get("role")), 0),
                json.dumps(row, sort_keys=True, default=str))

    return theirs if key(theirs) > key(mine) else mine
