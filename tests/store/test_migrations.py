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
