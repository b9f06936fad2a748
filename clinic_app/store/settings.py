"""The unit's settings, typed: only the names in core/settings.py, each read as its type
with its default when unset, each checked before it is written. Values are kept as JSON."""

from __future__ import annotations

import json
from typing import Any

from clinic_app.core.settings import checked, setting
from clinic_app.store.unit_of_work import Db, dumps


class Settings:
    def __init__(self, db: Db) -> None:
        self.db = db

    def get(self, key: str) -> Any:
        spec = setting(key)
        row = self.db.one("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(row[0]) if row else spec.default

    def set(self, key: str, value: Any) -> None:
        self.db.write("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key)"
                      " DO UPDATE SET value = excluded.value", (key, dumps(checked(key, value))))
