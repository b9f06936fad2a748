"""The layer rules of the architecture note, checked by import-linter (pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and " 0 broken" in result.stdout


def test_every_module_has_a_docstring() -> None:
    import ast

    missing = [str(p.relative_to(ROOT)) for p in (ROOT / "clinic_app").rglob("*.py")
               if ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None]
    assert missing == []
