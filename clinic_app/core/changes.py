"""What a mutation changed, so views can decide whether to refresh (Anki's OpChanges)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ChangeSet:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)
    patient_ids: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values()) + sum(self.deleted.values())

    def merge(self, other: ChangeSet) -> None:
        self.created.update(other.created)
        self.updated.update(other.updated)
        self.deleted.update(other.deleted)
        self.patient_ids |= other.patient_ids

    def summary(self) -> dict[str, dict[str, int]]:
        return {"created": dict(self.created), "updated": dict(self.updated), "deleted": dict(self.deleted)}
