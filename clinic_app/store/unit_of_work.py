"""One open connection and its unit of work, shared by the store's repositories.

`transaction()` is the unit of work: a use case runs inside exactly one, and everything it
wrote lands together or not at all (`BEGIN IMMEDIATE`, so a second writer waits instead of
failing half-way). Repositories refuse to write outside one. Every statement runs under
`guard()`, which turns SQLite's errors into known errors a clerk can act on.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from typing import Any

from clinic_app.store.database import Connection, guard


def dumps(value: Any) -> str:
    """JSON as stored: compact, Thai kept as it is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=False)


class Db:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with guard():
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def require_transaction(self) -> None:
        """Refuse a write outside a transaction (a use case is one transaction, never several)."""
        if not self.conn.in_transaction:
            raise RuntimeError("writes must happen inside the store's transaction()")

    def rows(self, sql: str, params: Any = ()) -> list[Any]:
        with guard():
            return self.conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: Any = ()) -> Any:
        """The first row, or None."""
        with guard():
            return self.conn.execute(sql, params).fetchone()

    def write(self, sql: str, params: Any = ()) -> Any:
        """Run one statement inside the open transaction; returns the cursor."""
        self.require_transaction()
        with guard():
            return self.conn.execute(sql, params)

    def write_many(self, sql: str, params: Iterable[Any]) -> None:
        self.require_transaction()
        with guard():
            self.conn.executemany(sql, params)

    def close(self) -> None:
        self.conn.close()
