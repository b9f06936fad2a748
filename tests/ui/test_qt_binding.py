"""Guard against a broken Qt binding: PySide6 6.12.0 on Python 3.11 decremented None's
reference count on every call of a method returning void, and crashed the app within
minutes. pyproject.toml excludes it; this test catches a regression in any later version."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel


def test_void_calls_keep_none_alive(qapp) -> None:  # type: ignore[no-untyped-def]
    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("x")
        qapp.processEvents()
    assert abs(sys.getrefcount(None) - before) < 100
