"""Ports: what the sync engine needs from the outer layers, as Protocols, so `sync` never
imports `store` or `security` (the store implements SyncStore; services wire them)."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from clinic_app.core.changes import ChangeSet
from clinic_app.core.fhir import Resource
from clinic_app.core.outbox import OutboxEntry


@dataclass(frozen=True)
class DeviceIdentity:
    """This desktop's SMART Backend Services identity: who it is and its signing key."""

    client_id: str
    kid: str
    private_key_pem: bytes = field(repr=False)


class OutboxPort(Protocol):
    """The queue of local changes and what sync keeps beside it (store/outbox.py)."""

    def entries(self, *, states: Iterable[str] = ..., limit: int = ...) -> list[OutboxEntry]:
        """Entries in these states, oldest first."""
    def counts(self) -> dict[str, int]:
        """Entries per state."""
    def set_state(self, seqs: Iterable[int], state: str, *, reason: str | None = None) -> None:
        """Move entries to a state (pending, sending, failed with the hub's reason)."""
    def acknowledge(self, entry: OutboxEntry, *, version_id: str | None, server_copy: Resource | None) -> None:
        """The hub has the change: the entry leaves with the server's version (and copy)."""
    def keep_base(self, resource_type: str, resource_id: str) -> None:
        """Keep the server's version before a local edit of it (for a three-way merge)."""
    def base_of(self, resource_type: str, resource_id: str) -> tuple[str, Resource] | None:
        """(server version, copy) that local edits were based on, if kept."""
    def enqueue(self, resource_type: str, resource_id: str, op: Any) -> None:
        """Queue a local change (squashed into one waiting for the same resource)."""
    def record_conflict(self, entry: OutboxEntry, *, remote: Resource, remote_version: str,
                        elements: list[str]) -> None:
        """Both sides changed these elements: the entry waits for a person."""
    def apply_pulled_page(self, resource_type: str, resources: list[Resource]) -> ChangeSet:
        """Store what is new in a pulled page (never over a waiting local change)."""
    def apply_pulled_delete(self, resource_type: str, resource_id: str) -> bool:
        """The hub deleted it: remove it here unless a local change waits; True if removed."""
    def drop_local(self, resource_type: str, resource_id: str) -> None:
        """Remove a resource from this desktop only, queueing nothing."""
    def own_ids(self, resource_type: str, owner: str) -> list[str]:
        """Ids of the facility's records the hub has had and that wait for nothing."""


class SettingsPort(Protocol):
    def get(self, key: str) -> Any:
        """A known setting (core/settings.py), its default when unset."""
    def set(self, key: str, value: Any) -> None:
        """Write a known setting; refused when the value does not suit it."""


class CheckpointsPort(Protocol):
    def get(self, scope: str) -> str | None:
        """How far a pull scope has read (a server instant), or None before the first pull."""
    def set(self, scope: str, value: str) -> None:
        """Move a scope's checkpoint (in the transaction that stored its page)."""
    def clear(self, scope: str) -> None:
        """Forget a checkpoint (the next sync starts that scope afresh)."""


class SyncStore(Protocol):
    """What the sync engine needs of the local store; the store implements it, services wire it."""

    outbox: OutboxPort
    settings: SettingsPort
    checkpoints: CheckpointsPort

    def transaction(self) -> AbstractContextManager[Any]:
        """The unit of work: what is written inside lands together or not at all."""
    def get(self, resource_type: str, resource_id: str) -> Resource | None:
        """A live resource, or None."""
    def put(self, resource: Resource, *, version_id: str | None = None, last_updated: str | None = None) -> int:
        """Insert or replace a resource with its indexes (inside a transaction)."""
    def counts_by_type(self, *, owner: str | None = None, synced_only: bool = False) -> dict[str, int]:
        """Live resources per type (of one owner; only those the hub has acknowledged)."""
