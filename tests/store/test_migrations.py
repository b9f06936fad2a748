from __future__ import annotations

import os
from pathlib import Path

import pytest

from clinic_app.core.errors import NewerDatabaseError
from clinic_app.store import database
from clinic_app.store.migrations import LATEST_VERSION, migrate
from clinic_app.security.audit_chain import link
from clinic_app.store.record_store import RecordStore


@pytest.mark.parametrize("start", range(LATEST_VERSION))
def test_each_earlier_version_migrates_to_the_latest(tmp_path: Path, start: int) -> None:
    key = os.urandom(32)
    path = tmp_path / "old.db"
    conn = database.connect(path, key, create=True, migrate_schema=False)
    assert migrate(conn, target=start) == start
    if start >= 1:
        conn.execute("INSERT INTO settings (key, value) VALUES ('hcode', '\"12345\"')")
    conn.close()
    store = RecordStore(database.connect(path, key), link=link)
    try:
        assert database.user_version(store.conn) == LATEST_VERSION
        if start >= 1:
            assert store.settings.get("hcode") == "12345"
        with store.transaction():
            store.put({"resourceType": "Patient", "id": "p1", "name": [{"text": "ทดสอบ"}]})
        assert store.search_patients("ทดสอบ")[0]["id"] == "p1"
    finally:
        store.close()


def test_a_database_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    key = os.urandom(32)
    path = tmp_path / "new.db"
    conn = database.connect(path, key, create=True)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(NewerDatabaseError) as exc:
        database.connect(path, key)
    assert "newer" in exc.value.english and exc.value.thai
    assert path.read_bytes() == before


def test_migration_12_keeps_the_grants_and_their_sealed_records_and_allows_referral_grants(tmp_path: Path) -> None:
    """Migration 12 makes the grants table again (a CHECK cannot change in SQLite): what a
    consent fetched stays, still tied to its grant (a grant's end takes its records), and
    a grant of kind referral is allowed; the staff keep their accounts, with no details yet."""
    key = os.urandom(32)
    path = tmp_path / "v11.db"
    conn = database.connect(path, key, create=True, migrate_schema=False)
    assert migrate(conn, target=11) == 11
    conn.execute("INSERT INTO grants (grant_id, kind, cid, state, expires_at, reason, created_at)"
                 " VALUES ('c1', 'consent', '1101700207030', 'active', NULL, NULL, '2026-11-30')")
    conn.execute("INSERT INTO foreign_records (grant_id, type, id, owner, sealed, fetched_at)"
                 " VALUES ('c1', 'Observation', 'o1', '99990', x'00ff', '2026-11-30')")
    conn.execute("INSERT INTO staff (name, role, password, created_at) VALUES ('somchai', 'administrator', 'h', 'x')")
    assert migrate(conn) == LATEST_VERSION
    assert conn.execute("SELECT grant_id, type, id, sealed FROM foreign_records").fetchall() == [
        ("c1", "Observation", "o1", b"\x00\xff")]
    assert conn.execute("SELECT name, details FROM staff").fetchall() == [("somchai", "{}")]
    conn.execute("INSERT INTO grants (grant_id, kind, cid, state, created_at)"
                 " VALUES ('t1', 'referral', '1101700207030', 'active', 'x')")
    with pytest.raises(Exception, match="CHECK"):
        conn.execute("INSERT INTO grants (grant_id, kind, cid, state, created_at) VALUES ('x', 'other', '1', 'a', 'x')")
    conn.execute("DELETE FROM grants WHERE grant_id = 'c1'")
    assert conn.execute("SELECT count(*) FROM foreign_records").fetchone()[0] == 0  # still cascades
    conn.close()
