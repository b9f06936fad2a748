from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from clinic_app.store import database


def test_wrong_key_prints_nothing_of_sqlciphers_own(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    database.connect(path, os.urandom(32), create=True).close()
    code = (
        "import os, sys; from pathlib import Path; from clinic_app.store import database\n"
        "try:\n"
        f"    database.connect(Path({str(path)!r}), os.urandom(32))\n"
        "except Exception as e:\n"
        "    print(type(e).__name__)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "CorruptDatabaseError"  # key_ok defaults to True at this level
    assert "hmac" not in result.stderr.lower()


def test_pragmas_in_force(tmp_path: Path) -> None:
    conn = database.connect(tmp_path / "c.db", os.urandom(32), create=True)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA temp_store").fetchone()[0] == 2  # memory
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # full
        assert conn.execute("PRAGMA cipher_page_size").fetchone()[0] == "4096"
        assert conn.execute("PRAGMA kdf_iter").fetchone()[0] == "256000"
    finally:
        conn.close()


def test_key_check_tells_keys_apart() -> None:
    a, b = os.urandom(32), os.urandom(32)
    assert database.key_check(a) == database.key_check(a)
    assert database.key_check(a) != database.key_check(b)
    assert a.hex() not in database.key_check(a)
