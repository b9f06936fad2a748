"""Where each conformance rule comes from: the SIL-TH guides at the commits the rules were
read at (their FHIR Shorthand under `input/fsh/`), FHIR R4 itself, or a rule of our own.

The commits are those of `resources/standards/sil-th-rules.md` §0; `resources/standards/
extract.py` reads the shipped code lists at the same commits.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Guide:
    key: str
    repo: str
    commit: str
    title: str


GUIDES = {g.key: g for g in (
    Guide("THC", "sil-th/th-core", "9f64951f609823532eaba604d9ee5c02fc73dc50", "TH Core 0.1.0-preview (draft, R5)"),
    Guide("TRM", "sil-th/terminology-ig", "de0592c4921e61bf517a32ed169b1af5e0ecc32f",
          "SIL-TH Terminology 0.1.2 (trial use, R5)"),
    Guide("EXT", "sil-th/extension-ig", "71ef022ed21519aa4fef43d04c1fa3d5e9afd34b",
          "SIL-TH Extensions 1.0.0 (trial use, R5)"),
    Guide("PC1", "sil-th/mophpc1", "b9564af1f90b17bd95fbcfbe95321da2060bc6e2", "MoPH-PC 1.0.0 (trial use, R5)"),
    Guide("F43", "sil-th/43fileplus-ig", "e87e5b8bb35de0d9e59674a4f03123f3aab0cf38",
          "43-file-plus 0.1.0 (draft, R4B)"),
)}


@dataclass(frozen=True)
class Source:
    """One place a rule is read from: a guide's file and lines, or (guide "R4", "own")
    a text saying what else."""

    guide: str
    where: str

    def __str__(self) -> str:
        guide = GUIDES.get(self.guide)
        if guide is None:
            return f"{self.guide}: {self.where}"
        return f"{guide.key} {guide.repo}@{guide.commit[:8]} {self.where}"


def fsh(guide: str, path: str) -> Source:
    """A file under the guide's `input/fsh/` ("Invariants.fsh:18-21")."""
    return Source(guide, f"input/fsh/{path}")


def r4(where: str) -> Source:
    return Source("R4", f"FHIR R4 (4.0.1) {where}")


def own(why: str) -> Source:
    return Source("clinic-app", why)
