"""The relay's feed: which records of this store changed, in order, so the unit relay can
copy them to what it serves the unit's other desktops (services/relay.py).

Only a folder that serves as the unit's relay has the feed: `enable()` makes its table and
the triggers that fill it (and puts every record already here in it once), so an ordinary
desktop pays nothing on its writes. A trigger writes in the transaction that changed the
record: a change is in the feed exactly when it is in the store.
"""

from __future__ import annotations

from clinic_app.store.unit_of_work import Db

_ENABLE = (
    "CREATE TABLE relay_feed (seq INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, id TEXT NOT NULL)",
    "CREATE TRIGGER relay_feed_insert AFTER INSERT ON resources"
    " BEGIN INSERT INTO relay_feed (type, id) VALUES (NEW.type, NEW.id); END",
    "CREATE TRIGGER relay_feed_update AFTER UPDATE OF json, deleted ON resources"
    " BEGIN INSERT INTO relay_feed (type, id) VALUES (NEW.type, NEW.id); END",
    "CREATE TRIGGER relay_feed_delete AFTER DELETE ON resources"
    " BEGIN INSERT INTO relay_feed (type, id) VALUES (OLD.type, OLD.id); END",
)


class RelayFeed:
    def __init__(self, db: Db) -> None:
        self.db = db

    def enabled(self) -> bool:
        return self.db.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'relay_feed'") is not None

    def enable(self) -> bool:
        """Start the feed (inside a transaction); True when it was new (every record put in)."""
        self.db.require_transaction()
        if self.enabled():
            return False
        for statement in _ENABLE:
            self.db.write(statement)
        self.db.write("INSERT INTO relay_feed (type, id) SELECT type, id FROM resources ORDER BY rid")
        return True

    def refill(self) -> None:
        """Every record here goes in the feed again (what the relay serves was made afresh)."""
        if not self.enable():  # a new feed starts with every record already
            self.db.write("INSERT INTO relay_feed (type, id) SELECT type, id FROM resources ORDER BY rid")

    def after(self, seq: int, *, limit: int = 500) -> list[tuple[int, str, str]]:
        """(seq, type, id) of changes after `seq`, oldest first (a record may come twice)."""
        if not self.enabled():
            return []
        return [tuple(r) for r in self.db.rows("SELECT seq, type, id FROM relay_feed WHERE seq > ? ORDER BY seq LIMIT ?",
                                               (seq, limit))]

    def forget_through(self, seq: int) -> None:
        """What the relay has copied need not be kept (inside a transaction)."""
        self.db.write("DELETE FROM relay_feed WHERE seq <= ?", (seq,))
