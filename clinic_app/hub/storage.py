"""The hub's own storage: a plain SQLite file in the hub's data folder (a server's disk,
not a clinic desktop, so no SQLCipher). It shares nothing with `clinic_app.store`.

Every version of every resource is kept (`history`), the current one in `resources`, and
search values in `search`. `meta.lastUpdated` is strictly increasing across the whole
hub (a clock that never repeats or goes back), so clients can use it as a checkpoint and
keyset paging never skips a resource written while a client pages. One connection under
one lock: requests are serialised, which keeps transactions simple and all-or-nothing.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clinic_app.hub.errors import HubError, gone, not_found
from clinic_app.hub.search import Criteria, format_instant, index_values

_SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, last_updated TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0, json TEXT NOT NULL, PRIMARY KEY (type, id));
CREATE INDEX IF NOT EXISTS resources_updated ON resources (type, last_updated, id);
CREATE INDEX IF NOT EXISTS resources_live ON resources (type, deleted);
CREATE TABLE IF NOT EXISTS history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, id TEXT NOT NULL,
    version INTEGER NOT NULL, last_updated TEXT NOT NULL, method TEXT NOT NULL, json TEXT);
CREATE INDEX IF NOT EXISTS history_resource ON history (type, id, version);
CREATE INDEX IF NOT EXISTS history_updated ON history (last_updated);
CREATE TABLE IF NOT EXISTS search (
    type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, system TEXT, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS search_lookup ON search (type, param, value);
CREATE INDEX IF NOT EXISTS search_resource ON search (type, id);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Stored:
    type: str
    id: str
    version: int
    last_updated: str
    deleted: bool
    resource: dict[str, Any] | None

    @property
    def etag(self) -> str:
        return f'W/"{self.version}"'


class HubStore:
    def __init__(self, path: Path, *, key: bytes | None = None, version_base: int = 0) -> None:
        """`key`: the store is a SQLCipher file under it (the training hub and the unit
        relay inside a desktop's data folder, where records must not lie in clear); None:
        plain SQLite (the sandbox server, which stands for the cloud). `version_base`: a
        record's first version is base + 1 (the relay counts from a billion, so a version
        of the relay sent to the cloud, or the cloud's sent to the relay, never matches
        by chance: it is a 412 and a three-way merge, never a silent overwrite)."""
        self.version_base = version_base
        path.parent.mkdir(parents=True, exist_ok=True)
        if key is None:
            self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
        else:
            import sqlcipher3

            self._conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
            self._conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = FULL")
        self._conn.execute("PRAGMA cache_size = -65536")
        self._conn.executescript(_SCHEMA)
        columns = {r[1] for r in self._conn.execute("PRAGMA table_info(history)")}
        if "origin" not in columns:  # who wrote a version when not a client (the relay's copies)
            self._conn.execute("ALTER TABLE history ADD COLUMN origin TEXT")
        self.lock = threading.RLock()
        row = self._conn.execute("SELECT max(last_updated) FROM history").fetchone()
        self._last_instant = row[0] or ""

    def close(self) -> None:
        with self.lock:
            self._conn.close()

    # -- transactions and clock -----------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[HubStore]:
        with self.lock:
            if self._conn.in_transaction:  # nested: part of the caller's transaction
                yield self
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def next_instant(self) -> str:
        now = format_instant(_dt.datetime.now(_dt.timezone.utc))
        if now <= self._last_instant:
            last = _dt.datetime.strptime(self._last_instant, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=_dt.timezone.utc)
            now = format_instant(last + _dt.timedelta(microseconds=1))
        self._last_instant = now
        return now

    # -- reads ------------------------------------------------------------------------

    def _stored(self, row: Any) -> Stored:
        rtype, rid, version, updated, deleted, text = row
        return Stored(rtype, rid, version, updated, bool(deleted), json.loads(text) if text else None)

    def current(self, rtype: str, rid: str) -> Stored | None:
        with self.lock:
            row = self._conn.execute(
                "SELECT type, id, version, last_updated, deleted, json FROM resources WHERE type = ? AND id = ?",
                (rtype, rid)).fetchone()
        return self._stored(row) if row else None

    def read(self, rtype: str, rid: str) -> Stored:
        found = self.current(rtype, rid)
        if found is None:
            raise not_found(rtype, rid)
        if found.deleted:
            raise gone(rtype, rid)
        return found

    def vread(self, rtype: str, rid: str, version: int) -> Stored:
        with self.lock:
            row = self._conn.execute(
                "SELECT type, id, version, last_updated, method = 'DELETE', json FROM history"
                " WHERE type = ? AND id = ? AND version = ?", (rtype, rid, version)).fetchone()
        if row is None:
            raise HubError(404, f"{rtype}/{rid} has no version {version}", code="not-found")
        stored = self._stored(row)
        if stored.deleted:
            raise gone(rtype, rid)
        return stored

    # -- writes -----------------------------------------------------------------------

    def put(self, rtype: str, rid: str, resource: dict[str, Any], *, if_match: int | None = None,
            method: str = "PUT", origin: str | None = None) -> tuple[Stored, bool]:
        """Create or update; returns (stored, created). `if_match` guards against lost updates;
        `origin` marks a version no client wrote (the relay's copy of its own store)."""
        with self.transaction():
            existing = self.current(rtype, rid)
            if if_match is not None:
                live = existing.version if existing and not existing.deleted else None
                if live != if_match:
                    raise HubError(412, f"{rtype}/{rid} is at version {live if live is not None else 'none'},"
                                        f" not {if_match}: read it again and merge", code="conflict",
                                   headers={"ETag": f'W/"{live}"'} if live is not None else {})
            version = (existing.version + 1) if existing else self.version_base + 1
            created = existing is None or existing.deleted
            updated = self.next_instant()
            body = dict(resource)
            body["id"] = rid
            meta = dict(body.get("meta") or {})
            meta["versionId"] = str(version)
            meta["lastUpdated"] = updated
            body["meta"] = meta
            text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
            self._conn.execute(
                "INSERT INTO resources (type, id, version, last_updated, deleted, json) VALUES (?, ?, ?, ?, 0, ?)"
                " ON CONFLICT (type, id) DO UPDATE SET version = excluded.version,"
                " last_updated = excluded.last_updated, deleted = 0, json = excluded.json",
                (rtype, rid, version, updated, text))
            self._conn.execute("INSERT INTO history (type, id, version, last_updated, method, json, origin)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?)", (rtype, rid, version, updated, method, text, origin))
            self._conn.execute("DELETE FROM search WHERE type = ? AND id = ?", (rtype, rid))
            self._conn.executemany("INSERT INTO search (type, id, param, system, value) VALUES (?, ?, ?, ?, ?)",
                                   [(rtype, rid, p, s, v) for p, s, v in index_values(body)])
            return Stored(rtype, rid, version, updated, False, body), created

    def delete(self, rtype: str, rid: str, *, origin: str | None = None) -> Stored | None:
        """Delete (idempotent): a new version marked deleted; None when there was nothing."""
        with self.transaction():
            existing = self.current(rtype, rid)
            if existing is None or existing.deleted:
                return None
            version = existing.version + 1
            updated = self.next_instant()
            self._conn.execute("UPDATE resources SET version = ?, last_updated = ?, deleted = 1 WHERE type = ? AND id = ?",
                               (version, updated, rtype, rid))
            self._conn.execute("INSERT INTO history (type, id, version, last_updated, method, json, origin)"
                               " VALUES (?, ?, ?, ?, 'DELETE', NULL, ?)", (rtype, rid, version, updated, origin))
            self._conn.execute("DELETE FROM search WHERE type = ? AND id = ?", (rtype, rid))
            return Stored(rtype, rid, version, updated, True, None)

    # -- search and history --------------------------------------------------------------

    def _where(self, rtype: str, crit: Criteria) -> tuple[str, list[Any]]:
        # With search conditions, "+" keeps the planner on the primary key (type, id IN ...)
        # rather than walking every live row of the type.
        where, params = ["r.type = ?", "+r.deleted = 0" if crit.conditions else "r.deleted = 0"], [rtype]
        for cond in crit.conditions:
            alts, alt_params = [], []
            for system, value in cond.alternatives:
                if system is None:
                    alts.append("(s.value = ?)")
                    alt_params.append(value)
                elif value == "":
                    alts.append("(s.system = ?)")
                    alt_params.append(system)
                else:
                    alts.append("(s.value = ? AND s.system = ?)")
                    alt_params += [value, system]
            # Drive from the search index (type, param, value), then the primary key.
            where.append(f"r.id {'NOT IN' if cond.negated else 'IN'} (SELECT s.id FROM search s WHERE s.type = ?"
                         f" AND s.param = ? AND ({' OR '.join(alts)}))")
            params += [rtype, cond.param, *alt_params]
        for bound in crit.last_updated:
            where.append(f"r.last_updated {bound.op} ?")
            params.append(bound.value)
        return " AND ".join(where), params

    def count(self, rtype: str, crit: Criteria) -> int:
        where, params = self._where(rtype, crit)
        with self.lock:
            return int(self._conn.execute(f"SELECT count(*) FROM resources r WHERE {where}", params).fetchone()[0])

    def search(self, rtype: str, crit: Criteria) -> tuple[list[Stored], tuple[str, str] | None]:
        """One page of matches in lastUpdated order, and the cursor of the next page."""
        where, params = self._where(rtype, crit)
        op = "<" if crit.descending else ">"
        if crit.cursor:
            where += f" AND (r.last_updated, r.id) {op} (?, ?)"
            params += list(crit.cursor)
        order = "DESC" if crit.descending else "ASC"
        # With search conditions the few matches are sorted after the search index found
        # them ("+" keeps SQLite from walking the lastUpdated index through every row).
        key = "+r.last_updated" if crit.conditions else "r.last_updated"
        sql = (f"SELECT r.type, r.id, r.version, r.last_updated, r.deleted, r.json FROM resources r WHERE {where}"
               f" ORDER BY {key} {order}, r.id {order} LIMIT ?")
        with self.lock:
            rows = self._conn.execute(sql, [*params, crit.count + 1]).fetchall()
        page = [self._stored(r) for r in rows[: crit.count]]
        more = len(rows) > crit.count
        return page, ((page[-1].last_updated, page[-1].id) if more and page else None)

    def history(self, rtype: str | None, rid: str | None, *, since: str | None, count: int,
                after_seq: int | None) -> tuple[list[tuple[int, Stored, str]], int | None]:
        """Versions (including deletes) oldest first: (seq, stored, method); next seq cursor."""
        where, params = ["1 = 1"], []
        if rtype:
            where.append("type = ?")
            params.append(rtype)
        if rid:
            where.append("id = ?")
            params.append(rid)
        if since:
            where.append("last_updated >= ?")
            params.append(since)
        if after_seq is not None:
            where.append("seq > ?")
            params.append(after_seq)
        with self.lock:
            rows = self._conn.execute(
                f"SELECT seq, type, id, version, last_updated, method, json FROM history WHERE {' AND '.join(where)}"
                " ORDER BY seq LIMIT ?", [*params, count + 1]).fetchall()
        out = [(seq, Stored(t, i, v, u, m == "DELETE", json.loads(j) if j else None), m)
               for seq, t, i, v, u, m, j in rows[:count]]
        return out, (out[-1][0] if len(rows) > count and out else None)

    def written_after(self, seq: int, *, limit: int = 500) -> list[tuple[int, Stored, str | None]]:
        """Versions written after history position `seq`, oldest first: (seq, stored, origin)
        (the relay forwards what its desktops wrote)."""
        with self.lock:
            rows = self._conn.execute(
                "SELECT seq, type, id, version, last_updated, method, json, origin FROM history WHERE seq > ?"
                " ORDER BY seq LIMIT ?", (seq, limit)).fetchall()
        return [(q, Stored(t, i, v, u, m == "DELETE", json.loads(j) if j else None), o)
                for q, t, i, v, u, m, j, o in rows]

    def last_seq(self) -> int:
        with self.lock:
            return int(self._conn.execute("SELECT coalesce(max(seq), 0) FROM history").fetchone()[0])

    # -- small settings store -------------------------------------------------------------

    def get_kv(self, key: str) -> Any:
        with self.lock:
            row = self._conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def set_kv(self, key: str, value: Any) -> None:
        with self.transaction():
            self._conn.execute("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                               (key, json.dumps(value)))

    def all_kv(self, prefix: str) -> dict[str, Any]:
        with self.lock:
            rows = self._conn.execute("SELECT key, value FROM kv WHERE key LIKE ?", (prefix + "%",)).fetchall()
        return {k: json.loads(v) for k, v in rows}
