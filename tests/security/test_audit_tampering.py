"""Tampering with a stored audit trail, field by field, and what finds it.

Each entry's link is keyed (the installation's audit key) over the link before it and every
field the entry keeps: when, who, what, the record's type and id, and the detail. Changing
any one of them in the database breaks that entry's link, so `audit verify`
(`UnitSession.audit_check`) names it. The tests below would pass if a field were left out of
the hashed material only if they did not change that field: each field is changed on its own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clinic_app.hub.server import RunningHub
from clinic_app.security.audit_chain import broken_links
from clinic_app.services.installation import Installation
from clinic_app.services.session import UnitSession
from tests.sync.conftest import Factory, hub, desktop, service, sync  # noqa: F401 - hub and desktop are fixtures

# The fields of a stored entry, each with another value an editor might give it.
EDITS = {
    "at": "2020-01-01T00:00:00Z",
    "actor": "someone-else",
    "action": "export",
    "entity_type": "Encounter",
    "entity_id": "another-patient",
    "detail": '{"grant":"g-forged"}',
}


@pytest.fixture
def trail(installation: Installation) -> Iterator[UnitSession]:
    """Three entries on record 'Patient/p1' with a detail each, through the real store."""
    unit = UnitSession(installation)
    with unit.store.transaction():
        for n in range(3):
            unit.store.audit.append(actor="malee", action="view", entity_type="Patient", entity_id="p1",
                                    detail={"grant": f"g{n}"})
    yield unit
    unit.close()


@pytest.mark.parametrize("column", list(EDITS))
def test_changing_one_field_of_a_stored_entry_breaks_its_link(trail: UnitSession, column: str) -> None:
    entries, broken = trail.audit_check()
    assert broken == []
    seq = trail.store.audit.rows()[-2][0]  # an entry in the middle of what this test wrote
    trail.store.conn.execute(f"UPDATE audit_log SET {column} = ? WHERE seq = ?", (EDITS[column], seq))
    assert trail.audit_check() == (entries, [seq])  # that entry, and only it: the next one's prev_hash still matches


@pytest.mark.parametrize("column", ["entity_type", "entity_id"])
def test_clearing_the_record_an_entry_names_breaks_its_link(trail: UnitSession, column: str) -> None:
    seq = trail.store.audit.rows()[-1][0]
    trail.store.conn.execute(f"UPDATE audit_log SET {column} = NULL WHERE seq = ?", (seq,))
    assert trail.audit_check()[1] == [seq]


def test_entries_removed_from_the_end_are_found_only_against_the_hubs_anchor(hub: RunningHub,
                                                                             desktop: Factory) -> None:
    """What each check can find.

    Without the hub (the chain alone): an edited entry, one removed from the middle, entries
    reordered, a chain recomputed without the audit key. Not: the newest entries removed, or
    all of them; what is left still links up from the start, so the chain alone cannot tell a
    trail cut short from one that ended there.

    Against the hub's anchor (the trail's head, sent with every sync): a trail cut short
    below the anchored entry, or emptied, is found. Not even then: entries written after the
    last sync and removed before the next, which the hub never saw.
    """
    a = desktop(hub, "a")
    service(a).load_demo(2, seed=45)
    sync(a)  # the head goes to the hub
    with UnitSession(a) as unit:
        entries, broken = unit.audit_check()
        anchored = unit.audit_against_hub()
        assert broken == [] and anchored is not None and anchored[1] is True
        head = anchored[0]
        key, keyed_from = a.audit_key()
        rows = unit.store.audit.rows()
        assert broken_links(rows[:head - 2], key=key, keyed_from=keyed_from) == []  # the chain alone sees nothing

        unit.store.conn.execute("DELETE FROM audit_log WHERE seq > ?", (head - 2,))  # the newest anchored two go
        assert unit.audit_check() == (head - 2, [])  # locally: intact
        assert unit.audit_against_hub() == (head, False)  # against the anchor: cut short

        unit.store.conn.execute("DELETE FROM audit_log")  # or all of them
        assert unit.audit_check() == (0, []) and unit.audit_against_hub() == (head, False)
    a.close()


def test_the_limit_entries_made_after_the_last_sync_and_removed_are_not_found(hub: RunningHub,
                                                                              desktop: Factory) -> None:
    a = desktop(hub, "a")
    service(a).load_demo(1, seed=46)
    sync(a)
    with UnitSession(a) as unit:
        head, matches = unit.audit_against_hub() or (0, False)
        assert matches
        before = len(unit.store.audit.rows())
        service(a).load_demo(1, seed=47)  # new entries, not yet at the hub
        unit.store.conn.execute("DELETE FROM audit_log WHERE seq > ?", (before,))  # and removed again
        assert unit.audit_check() == (before, []) and unit.audit_against_hub() == (head, True)
    a.close()
