"""Files shipped in `resources/` (the ICD-10 list, the translations, the SIL-TH code lists),
found wherever the program runs: next to the source tree (a checkout, `pip install -e .`), in
`sys.prefix/share/clinic-app` (a wheel's data files), or beside a frozen executable
(PyInstaller's `_MEIPASS/resources`).

It imports nothing of the app, so every layer may use it (services' catalogs, the
conformance check the hub runs); pyproject.toml's layer contract keeps it at the bottom.
"""

from __future__ import annotations

import sys
from pathlib import Path


def resource_path(name: str) -> Path:
    """The path of `resources/<name>` (`name` may have folders: "standards/x.csv");
    FileNotFoundError when no candidate has it."""
    candidates = [Path(__file__).resolve().parents[1] / "resources" / name,
                  Path(sys.prefix) / "share" / "clinic-app" / name,
                  Path(getattr(sys, "_MEIPASS", "")) / "resources" / name]
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError(name)
