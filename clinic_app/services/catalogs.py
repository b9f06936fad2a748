"""Lists shipped in `resources/`: the primary-care ICD-10 codes for diagnosis search.

Found next to the source tree (a checkout, `pip install -e .`), in `sys.prefix/share/
clinic-app` (a wheel's data files), or beside a frozen executable (PyInstaller).
"""

from __future__ import annotations

import csv
import functools
import sys
from dataclasses import dataclass
from pathlib import Path


def resource_path(name: str) -> Path:
    candidates = [Path(__file__).resolve().parents[2] / "resources" / name,
                  Path(sys.prefix) / "share" / "clinic-app" / name,
                  Path(getattr(sys, "_MEIPASS", "")) / "resources" / name]
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError(name)


@dataclass(frozen=True)
class Diagnosis:
    code: str
    title_en: str
    title_th: str

    def label(self) -> str:
        return f"{self.code}  {self.title_th} ({self.title_en})"


@functools.cache
def icd10_codes() -> tuple[Diagnosis, ...]:
    with resource_path("icd10_primary_care.csv").open(encoding="utf-8") as fh:
        return tuple(Diagnosis(r["code"], r["title_en"], r["title_th"]) for r in csv.DictReader(fh))

