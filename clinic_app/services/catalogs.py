"""Lists shipped in `resources/`: the primary-care ICD-10 codes for diagnosis search and
the ICD-9-CM procedures a health centre does.

`resource_path` (kept here for its callers) is `clinic_app.shipped`'s: a checkout, a
wheel's data files or a frozen executable.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass

from clinic_app.shipped import resource_path

__all__ = ["Diagnosis", "icd10_codes", "icd9_by_code", "icd9_codes", "resource_path"]


@dataclass(frozen=True)
class Diagnosis:
    code: str
    title_en: str
    title_th: str

    def label(self) -> str:
        return f"{self.code}  {self.title_th} ({self.title_en})"


@functools.cache
def icd10_by_code() -> dict[str, Diagnosis]:
    """The same list by code (read once: a chart looks up every visit's diagnoses)."""
    return {d.code: d for d in icd10_codes()}


@functools.cache
def icd10_codes() -> tuple[Diagnosis, ...]:
    with resource_path("icd10_primary_care.csv").open(encoding="utf-8") as fh:
        return tuple(Diagnosis(r["code"], r["title_en"], r["title_th"]) for r in csv.DictReader(fh))



@functools.cache
def icd9_codes() -> tuple[Diagnosis, ...]:
    """ICD-9-CM procedures (code with its dot, English and Thai titles)."""
    with resource_path("icd9cm_primary_care.csv").open(encoding="utf-8") as fh:
        return tuple(Diagnosis(r["code"], r["title_en"], r["title_th"]) for r in csv.DictReader(fh))


@functools.cache
def icd9_by_code() -> dict[str, Diagnosis]:
    return {d.code: d for d in icd9_codes()}
