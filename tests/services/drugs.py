"""A unit session with a drug list, for the day's-work tests (each file its own list)."""

from __future__ import annotations

from collections.abc import Iterator

from clinic_app.core.permissions import ADMIN, Actor
from clinic_app.services.installation import Installation
from clinic_app.services.session import UnitSession

ADMINISTRATOR = Actor("admin.somchai", ADMIN)


def session_with_drugs(installation: Installation, formulary: str, *, acting: Actor = ADMINISTRATOR
                       ) -> Iterator[UnitSession]:
    """A session whose administrator imported `formulary` (CSV text), then acting as `acting`."""
    with UnitSession(installation) as session:
        session.act_as(ADMINISTRATOR)
        session.formulary.import_csv(formulary)
        session.act_as(acting)
        yield session
