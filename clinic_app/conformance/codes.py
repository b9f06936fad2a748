"""The code lists the conformance check validates against, read from the CSV files in
`resources/standards/` (extracted from the SIL-TH guides' FSH by `extract.py` there; sources
and licences in that folder's README.md). Each list is read once, on first use.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass

from clinic_app.shipped import resource_path

TERMS = "https://terms.sil-th.org/core/CodeSystem/"
TH_EXTENSIONS = "https://fhir-ig.sil-th.org/th/extensions/StructureDefinition/"


def _rows(name: str) -> list[dict[str, str]]:
    with resource_path(f"standards/{name}").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass(frozen=True)
class CodeList:
    """One code system's concepts: code -> display (and definition, where the FSH has one)."""

    url: str
    display: dict[str, str]
    definition: dict[str, str]

    def __contains__(self, code: object) -> bool:
        return code in self.display

    def __len__(self) -> int:
        return len(self.display)


@functools.cache
def code_list(cs_id: str) -> CodeList:
    """`cs_id` is the code system's id (its URL is TERMS + id), also the CSV's name."""
    rows = _rows(f"{cs_id}.csv")
    return CodeList(TERMS + cs_id, {r["code"]: r["display"] for r in rows},
                    {r["code"]: r.get("definition") or "" for r in rows})


@dataclass(frozen=True)
class Place:
    code: str
    level: str  # province | district | subdistrict
    parent: str
    name: str
    name_now: str  # DOPA's name today where the FSH display is cut or outdated, else ""


@functools.cache
def places() -> dict[str, Place]:
    """cs-dopa-location: 77 provinces (2 digits), 928 districts (4), 7,438 subdistricts (6)."""
    return {r["code"]: Place(r["code"], r["level"], r["parent"], r["display"], r["name_now"])
            for r in _rows("cs-dopa-location.csv")}


@functools.cache
def code_systems() -> frozenset[str]:
    """Every https://terms.sil-th.org/core/CodeSystem/ URL the terminology guide names."""
    return frozenset(r["url"] for r in _rows("sil-th-code-systems.csv"))


@dataclass(frozen=True)
class ExtensionDef:
    url: str
    contexts: tuple[str, ...]
    source: str


@functools.cache
def extensions() -> dict[str, ExtensionDef]:
    """The extensions the guides define (EXT's registry and TH Core's own), by URL."""
    return {r["url"]: ExtensionDef(r["url"], tuple(r["context"].split()), f"{r['guide']} {r['file']}:{r['line']}")
            for r in _rows("sil-th-extensions.csv")}


@functools.cache
def profiles() -> dict[str, str]:
    """TH Core and MoPH-PC 1.0 profile canonicals -> the (R4) resource type they profile."""
    return {r["url"]: r["resource_type"] for r in _rows("sil-th-profiles.csv")}
