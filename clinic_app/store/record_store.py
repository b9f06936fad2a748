"""The store of one installation over one open connection: its resources and patient index,
with the outbox, settings, checkpoints, audit trail, grants and staff beside them, each a
repository of its own module sharing one unit of work.

`RecordStore.transaction()` is the unit of work: a use case writes a record, its outbox
entry and its audit entry inside one, and they land together or not at all. Resources go
in and come out as FHIR JSON dicts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from clinic_app.core.errors import KnownError
from clinic_app.core.identifiers import IdentifierSystems
from clinic_app.store.audit_log import AuditLog, Link
from clinic_app.store.checkpoints import Checkpoints
from clinic_app.store.database import Connection
from clinic_app.store.f43_review import F43Review
from clinic_app.store.f43_stage import F43Stage
from clinic_app.store.grants import Grants
from clinic_app.store.outbox import Outbox
from clinic_app.store.relay_feed import RelayFeed
from clinic_app.store.resources import Resources
from clinic_app.store.settings import Settings
from clinic_app.store.staff import Staff
from clinic_app.store.unit_of_work import Db
from clinic_app.store.worklists import Worklists


class RecordStore(Resources):
    """Resources (the methods here) and, beside them, `outbox`, `settings`, `checkpoints`,
    `audit`, `grants`, `staff`, `worklists`, `f43_review` (the 43-file review list) and
    `f43_stage` (the lines of a 43-file import while it runs), `relay_feed` (what changed, on
    the unit relay's folder). `link` is the audit chain's
    hash (security/audit_chain.py)."""

    def __init__(self, conn: Connection, *, link: Link, systems: IdentifierSystems | None = None,
                 refuse_writes: KnownError | None = None) -> None:
        db = Db(conn)
        self.refuse_writes = refuse_writes  # said instead of writing (a database that failed its check)
        super().__init__(db, systems=systems)
        self.conn = conn
        self.outbox = Outbox(db, self)
        self.settings = Settings(db)
        self.checkpoints = Checkpoints(db)
        self.audit = AuditLog(db, link=link)
        self.grants = Grants(db)
        self.staff = Staff(db)
        self.worklists = Worklists(db)
        self.f43_review = F43Review(db)
        self.f43_stage = F43Stage(db)
        self.relay_feed = RelayFeed(db)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[RecordStore]:
        if self.refuse_writes is not None:
            raise self.refuse_writes
        with self.db.transaction():
            yield self

    @property
    def writable(self) -> bool:
        """False on a database that failed its check or sits on a read-only disk."""
        return self.refuse_writes is None

    def require_transaction(self) -> None:
        self.db.require_transaction()

    def close(self) -> None:
        self.db.close()
