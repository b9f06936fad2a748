"""A sync's progress as the window and the command line show it (the engine makes it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SyncProgress:
    """Where a sync is: its phase (connect, push, pull, verify), records done of `total`
    (0: not known), bytes on the wire both ways so far, seconds since the phase began."""

    phase: str
    done: int = 0
    total: int = 0
    bytes: int = 0
    seconds: float = 0.0

    def eta_seconds(self) -> float | None:
        """The time left at the rate so far, when there is a total and enough to judge by."""
        if not self.total or self.done <= 0 or self.done >= self.total or self.seconds < 1:
            return None
        return self.seconds * (self.total - self.done) / self.done
