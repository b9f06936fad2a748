"""Two desktops of one unit register the same person while offline; after they sync, an
administrator finds the duplicate and merges it, and after the next syncs both desktops and
the hub hold one active patient with every visit (real hub on loopback, real stores)."""

from __future__ import annotations

from clinic_app.core.permissions import ADMIN, CLINICIAN, Actor
from clinic_app.hub.server import RunningHub
from clinic_app.services.patients import PatientForm, VisitForm
from clinic_app.services.session import UnitSession
from tests.sync.conftest import Factory, sync

CID = "1101700207030"
FORM = PatientForm(given_th="สมศรี", family_th="มีสุข", sex="female", birth_day=3, birth_month=2,
                   birth_year_be=2523, cid=CID)


def test_a_person_registered_offline_on_two_desktops_is_merged_into_one(hub: RunningHub, desktop: Factory) -> None:
    a, b = desktop(hub, "a"), desktop(hub, "b")
    with UnitSession(a, actor=Actor("admin", ADMIN)) as unit_a, \
            UnitSession(b, actor=Actor("nurse", CLINICIAN)) as unit_b:
        # both offline: each registers the person (each its HN 0000001) and records a visit
        at_a = unit_a.patients.register(FORM).value["id"]
        unit_a.patients.record_visit(at_a, VisitForm(complaint="ไข้", systolic=120, diastolic=80))
        at_b = unit_b.patients.register(FORM).value["id"]
        unit_b.patients.record_visit(at_b, VisitForm(complaint="ไอ", diagnosis="J00"))
        for inst in (a, b, a):
            report = sync(inst)
            assert report.failed == 0 and report.conflicts == 0
        groups = unit_a.duplicates.groups()
        assert [sorted(p.id for p in g.patients) for g in groups] == [sorted([at_a, at_b])]
        assert {p.hn for p in groups[0].patients} == {"0000001"} and [p.visits for p in groups[0].patients] == [1, 1]

        moved = [(r["resourceType"], r["id"]) for r in unit_a.store.chart(at_b) if r["resourceType"] != "Patient"]
        assert sorted(t for t, _ in moved) == ["Condition", "Coverage", "Encounter"]
        changes = unit_a.duplicates.merge(at_a, at_b)
        assert changes.patient_ids == {at_a, at_b}
        report = sync(a)
        assert report.failed == 0 and report.conflicts == 0 and report.pending == 0
        assert unit_a.store.outbox.counts() == {}
        report = sync(b)
        assert report.failed == 0 and report.conflicts == 0 and unit_b.store.outbox.counts() == {}

        for unit in (unit_a, unit_b):
            assert [p["id"] for p in unit.search_patients(CID)] == [at_a]
            assert [p["id"] for p in unit.search_patients("สมศรี")] == [at_a]
            assert unit.duplicates.groups() == []
            chart = unit.chart(at_b).value  # the replaced record opens the kept one
            assert chart.patient["id"] == at_a
            assert sorted(v["complaint"] for v in chart.visits) == ["ไข้", "ไอ"]
            assert [r["id"] for r in unit.store.chart(at_b)] == [at_b]  # nothing left filed under it
            assert unit.store.get("Patient", at_b)["active"] is False
        # the hub has the same: the merge's updates arrived once each (every moved record at version 2)
        store = hub.engine.store
        assert store.read("Patient", at_b).resource["link"] == [{"other": {"reference": f"Patient/{at_a}"},
                                                                 "type": "replaced-by"}]
        assert store.read("Patient", at_a).resource["link"][0]["type"] == "replaces"
        for rtype, rid in moved:  # re-pointed once each: one update after the create
            stored = store.read(rtype, rid)
            assert stored.version == 2, (rtype, stored.version)
            referred = stored.resource.get("subject") or stored.resource.get("patient") or stored.resource.get("beneficiary")
            assert referred["reference"] == f"Patient/{at_a}"
            assert unit_a.store.version_of(rtype, rid) == unit_b.store.version_of(rtype, rid) == "2"
