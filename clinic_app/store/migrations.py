"""Schema migrations, numbered by `PRAGMA user_version`.

MIGRATIONS[n] takes a database from version n to n+1. Each runs in one transaction with
the version bump, so a crash mid-migration leaves the old version intact. Never edit a
released migration; add a new one (tests/store/test_migrations.py builds a database at
every earlier version and migrates it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_V1 = """
CREATE TABLE resources (
    rid           INTEGER PRIMARY KEY,
    type          TEXT NOT NULL,
    id            TEXT NOT NULL,
    version_id    TEXT,              -- the server's version; NULL until the hub has it
    owner         TEXT,              -- hcode from meta.tag
    patient_id    TEXT,              -- logical id of the Patient it is about
    last_updated  TEXT NOT NULL,
    deleted       INTEGER NOT NULL DEFAULT 0,
    json          TEXT NOT NULL,
    UNIQUE (type, id)
);
CREATE INDEX resources_patient ON resources (patient_id, type);
CREATE INDEX resources_type_updated ON resources (type, last_updated);

-- What a Patient is looked up by (cid, hn, phone): one row per value.
CREATE TABLE patient_keys (
    kind   TEXT NOT NULL,
    value  TEXT NOT NULL,
    rid    INTEGER NOT NULL REFERENCES resources (rid) ON DELETE CASCADE
);
CREATE INDEX patient_keys_lookup ON patient_keys (kind, value);
CREATE INDEX patient_keys_rid ON patient_keys (rid);

-- Names (Thai and English) for substring search; rowid = resources.rid.
CREATE VIRTUAL TABLE patient_names USING fts5 (text, tokenize = 'trigram');

-- Every local change waiting for the hub. One live entry per resource (edits squash).
CREATE TABLE outbox (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    type          TEXT NOT NULL,
    id            TEXT NOT NULL,
    op            TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
    base_version  TEXT,
    state         TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'conflict')),
    reason        TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX outbox_resource ON outbox (type, id, state);
CREATE INDEX outbox_state ON outbox (state, seq);

CREATE TABLE sync_checkpoints (
    scope       TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL             -- JSON
);

-- Hash-chained audit trail: hash = sha256(prev_hash + the entry's canonical JSON).
CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    entity_type  TEXT,
    entity_id    TEXT,
    detail       TEXT NOT NULL DEFAULT '{}',
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL,
    synced       INTEGER NOT NULL DEFAULT 0
);
"""

_V2 = """
-- Export by type walks rowids within a type instead of sorting every remaining row.
CREATE INDEX resources_type_live ON resources (type, deleted);
-- At most one pending (squashable) outbox entry per resource.
CREATE UNIQUE INDEX outbox_one_pending ON outbox (type, id) WHERE state = 'pending';
"""

_V3 = """
-- The server's version a local edit started from, kept for the three-way merge.
CREATE TABLE resource_base (
    type        TEXT NOT NULL,
    id          TEXT NOT NULL,
    version_id  TEXT NOT NULL,
    json        TEXT NOT NULL,
    PRIMARY KEY (type, id)
);
-- Edits that clashed with another desktop's, element by element, until a person decides.
CREATE TABLE conflicts (
    type            TEXT NOT NULL,
    id              TEXT NOT NULL,
    remote_version  TEXT NOT NULL,
    remote_json     TEXT NOT NULL,
    elements        TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (type, id)
);
"""

_V4 = """
-- Another facility's records, fetched under a consent or an emergency access ("grant"),
-- each sealed (AES-256-GCM) under that grant's own key, which lives outside this file
-- (keyring or the passphrase-wrapped marker) and is destroyed when the grant ends.
CREATE TABLE grants (
    grant_id     TEXT PRIMARY KEY,      -- the Consent id, or btg-<uuid>
    kind         TEXT NOT NULL CHECK (kind IN ('consent', 'btg')),
    cid          TEXT NOT NULL,
    state        TEXT NOT NULL,          -- active, ended
    expires_at   TEXT,
    reason       TEXT,
    created_at   TEXT NOT NULL
);
CREATE TABLE foreign_records (
    grant_id     TEXT NOT NULL REFERENCES grants (grant_id) ON DELETE CASCADE,
    type         TEXT NOT NULL,
    id           TEXT NOT NULL,
    owner        TEXT,
    sealed       BLOB NOT NULL,
    fetched_at   TEXT NOT NULL,
    PRIMARY KEY (grant_id, type, id)
);
-- "Fetch this patient's records when the consent is granted", kept until done.
CREATE TABLE record_requests (
    cid           TEXT PRIMARY KEY,
    requested_at  TEXT NOT NULL,
    state         TEXT NOT NULL,         -- waiting, fetched, refused
    detail        TEXT
);
"""

_V5 = """
-- Staff accounts: Argon2id password hashes, a role, lock-out after failures.
CREATE TABLE staff (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('administrator', 'clinician', 'clerk')),
    password      TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    failures      INTEGER NOT NULL DEFAULT 0,
    locked_until  REAL NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);
"""

_V6 = """
-- Sign-in failures by the name typed, known or not, so an unknown name meets the same
-- answers and waits as a real account (the staff table's own counters are no longer used).
CREATE TABLE sign_in_failures (
    name          TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    locked_until  REAL NOT NULL
);
"""

_V7 = """
-- A clinician's answer when another facility's record of a patient (found by citizen ID)
-- disagrees with this unit's on name, sex or birth date: the same person, or set aside.
CREATE TABLE identity_decisions (
    patient_id    TEXT NOT NULL,
    facility      TEXT NOT NULL,
    foreign_id    TEXT NOT NULL,
    decision      TEXT NOT NULL CHECK (decision IN ('same', 'set-aside')),
    actor         TEXT NOT NULL,
    decided_at    TEXT NOT NULL,
    PRIMARY KEY (patient_id, facility, foreign_id)
);
"""

_V8 = """
-- A staff member's full name and professional licence ("proNurse:4512345"), for the
-- Practitioner that their records name (TH Core).
ALTER TABLE staff ADD COLUMN full_name TEXT;
ALTER TABLE staff ADD COLUMN licence TEXT;
"""

_V9 = """
-- The worklists' index (core/worklist.py): a row per visit, appointment, diagnosis,
-- reading, vaccine and patient birth date, kept by store/resources.py beside each record.
CREATE TABLE record_index (
    rid           INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    code          TEXT NOT NULL,
    day           TEXT,
    patient_id    TEXT,
    value         TEXT
);
CREATE INDEX record_index_kind_day ON record_index (kind, day);
CREATE INDEX record_index_kind_code ON record_index (kind, code, day);
CREATE INDEX record_index_patient ON record_index (patient_id, kind, day);
CREATE INDEX record_index_rid ON record_index (rid);
"""

_V10 = """
-- The 43-file review list (import-43 --partial): each row a partial import refused, whole
-- as it was read (the line's text, its fields, the file and line it came from) with the
-- reasons in English and Thai, until it is imported again, discarded or replaced by the
-- same row (layout and key) refused by a later import. store/f43_review.py.
CREATE TABLE f43_review (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    batch         TEXT NOT NULL,          -- the import that refused it (its time, ISO)
    source        TEXT NOT NULL,          -- the zip or folder's name (no path)
    file          TEXT NOT NULL,          -- the file's name in the zip or folder
    layout        TEXT NOT NULL,          -- PERSON, SERVICE, ...
    line          INTEGER NOT NULL,       -- its line in that file
    encoding      TEXT NOT NULL,          -- the file's encoding: utf-8 or cp874 (TIS-620)
    text          TEXT NOT NULL,          -- the line (as fixed, once edited)
    fields        TEXT NOT NULL,          -- JSON: [[field, value], ...] in the line's order
    row_key       TEXT NOT NULL,          -- what names the row across imports (PID, SEQ ...)
    reasons       TEXT NOT NULL,          -- JSON: [[english, thai], ...]
    parent        INTEGER,                -- the refused row it depends on (its person, its visit)
    context       TEXT NOT NULL DEFAULT '{}',  -- JSON: what the files said of its person (PERSON_CID)
    edited        INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX f43_review_key ON f43_review (layout, row_key);
CREATE INDEX f43_review_parent ON f43_review (parent);
"""

_V11 = """
-- The patient summary (core/worklist.py: patient_card, SUMMARY): one row a patient, what the
-- follow-up lists show of them, kept by store/resources.py and store/worklists.py with every
-- write. A folder that had records before gets its rows from Worklists.fill_summaries (with
-- progress, resumable: summary_fill holds the last patient id done, and is emptied at the end).
CREATE TABLE patient_summary (
    patient_id    TEXT PRIMARY KEY,
    in_care       INTEGER NOT NULL DEFAULT 0,   -- 1: listed (not merged, inactive, dead, deleted)
    name          TEXT NOT NULL DEFAULT '',
    hn            TEXT NOT NULL DEFAULT '',
    village       TEXT NOT NULL DEFAULT '',
    village_no    INTEGER NOT NULL DEFAULT 1000000,  -- the lists' order (core.worklist.number_key)
    house         TEXT NOT NULL DEFAULT '',
    house_no      INTEGER NOT NULL DEFAULT 1000000,
    typearea      TEXT NOT NULL DEFAULT '',
    sex           TEXT NOT NULL DEFAULT 'unknown',
    born          TEXT,
    last_visit    TEXT,     -- the last finished visit's day
    booked        TEXT,     -- the last booked appointment's day
    bp_day        TEXT,
    bp            TEXT,     -- "130/85"
    sugar_day     TEXT,
    sugar         TEXT,
    dm_since      TEXT,     -- NULL: no diagnosis of diabetes; '': one of no known day
    ht_since      TEXT,
    vaccines      TEXT NOT NULL DEFAULT ''  -- the vaccine codes given, sorted, comma-separated
) WITHOUT ROWID;
-- The lists read their rows from these two alone (covering: no look-up in the table).
CREATE INDEX patient_summary_register ON patient_summary (village_no, village, name, hn, patient_id, dm_since,
    ht_since, last_visit, booked, bp_day, bp, sugar_day, sugar)
    WHERE in_care = 1 AND (dm_since IS NOT NULL OR ht_since IS NOT NULL);
CREATE INDEX patient_summary_children ON patient_summary (born, sex, name, hn, village, village_no, house, house_no,
    typearea, vaccines) WHERE in_care = 1;
-- A patient's index rows of a kind, read from the index alone as the summary is worked out
-- (store/worklists.py `_work_out`): what the row was (code, day, record, value) in it too.
DROP INDEX record_index_patient;
CREATE INDEX record_index_patient ON record_index (patient_id, kind, code, day, rid, value);
CREATE TABLE summary_fill (after TEXT NOT NULL);
INSERT INTO summary_fill SELECT '' WHERE EXISTS (SELECT 1 FROM resources WHERE type = 'Patient');
"""

_V12 = """
-- The 43-file import's staging (store/f43_stage.py): each line of the files read, while one
-- import runs, so the import maps a few people at a time instead of holding the files. Rows
-- live only inside the import's transaction: staged, read back by person, emptied before
-- the commit (a rollback takes them with it).
CREATE TABLE f43_stage (
    id      INTEGER PRIMARY KEY,
    layout  TEXT NOT NULL,          -- PERSON, SERVICE, ...
    line    INTEGER NOT NULL,       -- its line in the file
    pid     TEXT NOT NULL,          -- the row's PID ('' for HOME, PROVIDER and a row without one)
    seq     TEXT NOT NULL,          -- the row's SEQ ('' when its layout has none)
    cid     TEXT NOT NULL,          -- PERSON: the citizen ID, digits only
    text    TEXT NOT NULL           -- the line as read
);
CREATE INDEX f43_stage_pid ON f43_stage (pid, id);
CREATE INDEX f43_stage_seq ON f43_stage (seq, pid) WHERE seq != '';
CREATE INDEX f43_stage_cid ON f43_stage (cid, pid) WHERE cid != '';
-- What HDC's PROVIDER file asks of a staff member (services/accounts.py StaffDetails), as JSON:
-- citizen ID, name prefix code, given and family name, sex, birth date, provider type, start date.
ALTER TABLE staff ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
-- Records fetched under a referral addressed here (services/referrals.py) are a grant of
-- their own kind: the grants table made again with 'referral' allowed (SQLite cannot change
-- a CHECK), its records moved with it (the child table first, so nothing cascades).
CREATE TABLE grants_v12 (
    grant_id     TEXT PRIMARY KEY,      -- the Consent id, btg-<uuid>, or the referral's Task id
    kind         TEXT NOT NULL CHECK (kind IN ('consent', 'btg', 'referral')),
    cid          TEXT NOT NULL,
    state        TEXT NOT NULL,          -- active, ended
    expires_at   TEXT,
    reason       TEXT,
    created_at   TEXT NOT NULL
);
INSERT INTO grants_v12 SELECT grant_id, kind, cid, state, expires_at, reason, created_at FROM grants;
CREATE TABLE foreign_records_v12 (
    grant_id     TEXT NOT NULL REFERENCES grants_v12 (grant_id) ON DELETE CASCADE,
    type         TEXT NOT NULL,
    id           TEXT NOT NULL,
    owner        TEXT,
    sealed       BLOB NOT NULL,
    fetched_at   TEXT NOT NULL,
    PRIMARY KEY (grant_id, type, id)
);
INSERT INTO foreign_records_v12 SELECT grant_id, type, id, owner, sealed, fetched_at FROM foreign_records;
DROP TABLE foreign_records;
DROP TABLE grants;
ALTER TABLE grants_v12 RENAME TO grants;
ALTER TABLE foreign_records_v12 RENAME TO foreign_records;
"""


def _v9_fill(conn: Any) -> None:
    """The index's rows for the records already stored (one pass, in the migration's
    transaction)."""
    import json

    from clinic_app.core.worklist import index_entries
    from clinic_app.store.resources import INDEXED_TYPES

    types = ", ".join(f"'{t}'" for t in sorted(INDEXED_TYPES))
    last = 0
    while True:
        rows = conn.execute(f"SELECT rid, patient_id, json FROM resources WHERE rid > ? AND deleted = 0 AND type IN"
                            f" ({types}) ORDER BY rid LIMIT 2000", (last,)).fetchall()
        if not rows:
            return
        conn.executemany("INSERT INTO record_index (rid, kind, code, day, patient_id, value) VALUES (?, ?, ?, ?, ?, ?)",
                         [(rid, kind, code, day, pid, value) for rid, pid, text in rows
                          for kind, code, day, value in index_entries(json.loads(text))])
        last = rows[-1][0]


_V13 = """
-- Staff accounts travel between the unit's desktops through the unit relay (services/relay.py):
-- each change of an account, or of a typed name's sign-in failures, counts its version up;
-- where two desktops differ, the higher version is kept (and a disable anywhere stays).
ALTER TABLE staff ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sign_in_failures ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
"""


# Each step is a SQL script, or a script and then a function of the connection (data the
# script's new tables start with), run in the same transaction.
MIGRATIONS: list[str | tuple[str, Callable[[Any], None]]] = [_V1, _V2, _V3, _V4, _V5, _V6, _V7, _V8, (_V9, _v9_fill),
                                                        _V10, _V11, _V12, _V13]
LATEST_VERSION = len(MIGRATIONS)


def migrate(conn: Any, *, target: int = LATEST_VERSION) -> int:
    """Apply the migrations the database lacks, up to `target`; return the new version."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    while version < target:
        conn.execute("BEGIN IMMEDIATE")
        # Another connection may have migrated while this one waited for the lock.
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version >= target:
            conn.execute("COMMIT")
            break
        try:
            step = MIGRATIONS[version]
            script, fill = step if isinstance(step, tuple) else (step, None)
            for statement in _statements(script):
                conn.execute(statement)
            if fill is not None:
                fill(conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        version += 1
    return version


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (no semicolons inside our literals)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
