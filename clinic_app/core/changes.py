"""What a use case changed, so each open view decides whether to refresh (Anki's OpChanges).

Every use case of the unit session returns a `ChangeSet` (or a `Done` carrying a value and
its ChangeSet); the window broadcasts it once and each page looks only at what touches it:
a chart at its patient's id, a result list at the patients it shows, the sync page at the
queue, the consent page at consents and grants. A sync returns one too, listing what it
pulled and what it sent.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class ChangeSet:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)
    patient_ids: set[str] = field(default_factory=set)
    outbox: bool = False      # the queue for the hub changed (local writes, a push, a resolved conflict)
    grants: bool = False      # consents' grants, records from other facilities or record requests changed
    settings: bool = False    # a setting changed (the hub's address, the unit's name ...)
    accounts: bool = False    # staff accounts changed
    sent: set[str] = field(default_factory=set)  # types of records that reached the hub (their state: sent)

    @property
    def total(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values()) + sum(self.deleted.values())

    @property
    def types(self) -> set[str]:
        """Every resource type created, updated or deleted."""
        return {t for counter in (self.created, self.updated, self.deleted) for t, n in counter.items() if n}

    @property
    def empty(self) -> bool:
        return not (self.total or self.patient_ids or self.outbox or self.grants or self.settings or self.accounts
                    or self.sent)

    def touches_patient(self, patient_id: str) -> bool:
        return patient_id in self.patient_ids

    def note(self, op: str, resource_type: str, patient_id: str | None) -> None:
        """Count one created, updated or deleted resource (and its patient)."""
        {"create": self.created, "update": self.updated, "delete": self.deleted}[op][resource_type] += 1
        if patient_id:
            self.patient_ids.add(patient_id)

    def merge(self, other: ChangeSet) -> ChangeSet:
        self.created.update(other.created)
        self.updated.update(other.updated)
        self.deleted.update(other.deleted)
        self.patient_ids |= other.patient_ids
        self.outbox |= other.outbox
        self.grants |= other.grants
        self.settings |= other.settings
        self.accounts |= other.accounts
        self.sent |= other.sent
        return self

    def summary(self) -> dict[str, dict[str, int]]:
        return {"created": dict(self.created), "updated": dict(self.updated), "deleted": dict(self.deleted)}


@dataclass
class Done(Generic[T]):
    """A use case's value together with what it changed (Anki's OpChangesWithId)."""

    value: T
    changes: ChangeSet
