"""The outbox entry: one local change waiting to reach the hub.

States a person can see: pending (queued), sending, sent, failed (with the server's
reason), conflict (waits for a person). Several edits of one resource before a sync are
squashed into one live entry, so the hub gets the latest state once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Op = Literal["create", "update", "delete"]
State = Literal["pending", "sending", "sent", "failed", "conflict"]
LIVE_STATES: tuple[State, ...] = ("pending", "sending", "failed", "conflict")


@dataclass(frozen=True)
class OutboxEntry:
    seq: int
    type: str
    id: str
    op: Op
    base_version: str | None
    state: State
    reason: str | None
    attempts: int
    created_at: str


def squash(existing: Op, new: Op) -> Op | None:
    """The single op that stands for `existing` followed by `new`; None: nothing to send.

    A create followed by edits is still a create (the hub never saw it); a create then a
    delete cancels out; an update then a delete is a delete.
    """
    if existing == "create":
        return None if new == "delete" else "create"
    if new == "delete":
        return "delete"
    if existing == "delete":
        return "update"
    return "update"
