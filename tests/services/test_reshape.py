"""A folder from before the SIL-TH shapes (data version 1) opens, rewrites its own records in
the new shapes in one step, and syncs: the hub, checking conformance on write, ends up with
only conforming records, each once. The chart, the find box and the 43-file export read the
same facts before and after. The old records are a fixture written by the release before
(tests/fixtures/old_shapes_v1.json, made by its demo generator and its registration shape)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from clinic_app.conformance import check_all
from clinic_app.core.changes import ChangeSet
from clinic_app.core.fhir import owner_of, stamp_owner
from clinic_app.core.permissions import CLINICIAN, Actor
from clinic_app.core.reshape import reshape
from clinic_app.hub.search import parse
from clinic_app.hub.server import start_in_thread
from clinic_app.security.device import enrolment
from clinic_app.security.keys import KeyStore
from clinic_app.services.installation import Installation, configure_hub, initialise
from clinic_app.services.reshape import reshape_folder
from clinic_app.services.session import UnitSession
from clinic_app.services.sync import sync_now

FIXTURE = json.loads((Path(__file__).parents[1] / "fixtures" / "old_shapes_v1.json").read_text(encoding="utf-8"))
HCODE = FIXTURE["hcode"]
NURSE = Actor("nurse", CLINICIAN)


def _old_folder(tmp_path: Path, keystore: KeyStore) -> Installation:
    """A unit folder as the release before left it: its records in the old shapes, queued."""
    inst = initialise(tmp_path / "old", hcode=HCODE, keys=keystore)
    store = inst.connect()
    try:
        with store.transaction():
            store.settings.set("record_shape", 1)
            for record in FIXTURE["records"]:
                store.put(stamp_owner(record, HCODE))
                store.outbox.enqueue(record["resourceType"], record["id"], "create")
    finally:
        store.close()
    return inst


def _facts(unit: UnitSession, tmp_path: Path, name: str) -> dict[str, object]:
    """What a person sees: the find box by citizen ID, HN and name, a chart, the 43 files."""
    found = {query: [p["id"] for p in unit.search_patients(query)] for query in ("1101700207030", "0000100", "สมศรี")}
    chart = unit.patients.chart("0f8e2a3c-5d1b-4c6e-9a7f-1b2c3d4e5f60")
    report = unit.interop43.export(tmp_path / name)
    return {"found": found, "name": chart.name, "age": chart.age, "visits": len(chart.visits),
            "diagnoses": [d["code"] for v in chart.visits for d in v["diagnoses"]],
            "shots": [i["code"] for i in chart.immunizations], "rows": report.rows}


def test_reshape_is_pure_and_idempotent() -> None:
    for record in FIXTURE["records"]:
        new = reshape(record, HCODE)
        assert new, record["resourceType"]  # every old record changes (at least its profile)
        assert [r["id"] for r in new][:1] == [record["id"]]
        assert all(reshape(r, HCODE) == [] for r in new)  # twice: nothing more
    assert check_all(r for record in FIXTURE["records"] for r in reshape(record, HCODE)) == []


def test_an_old_folder_migrates_in_one_step_and_syncs_conforming_records_once(tmp_path: Path,
                                                                              keystore: KeyStore) -> None:
    inst = _old_folder(tmp_path, keystore)
    hub = start_in_thread(tmp_path / "hub", auth=True, conformance=True)  # refuses what breaks a rule
    try:
        configure_hub(inst, hub.url, auth=True)
        hub.hub.authority.enroll(enrolment(inst.device(), HCODE))
        store = inst.connect()
        assert check_all(store.iter_resources())  # the old shapes break the rules ...
        store.close()
        with UnitSession(inst, actor=NURSE) as unit:
            assert int(unit.store.settings.get("record_shape")) == 2  # ... the first open rewrote them
            mine = [r for r in unit.store.iter_resources() if owner_of(r) == HCODE]
            assert check_all(mine) == [], [str(v) for v in check_all(mine)][:10]
            coverages = [r for r in mine if r["resourceType"] == "Coverage"]
            assert [c["type"]["coding"][0]["code"] for c in coverages] == ["4200"]  # the old right, SSS
            audit = [row[3] for row in unit.store.audit.rows()]
            assert audit.count("reshape-records") == 1
            assert reshape_folder(unit.store).empty  # once only
        report = sync_now(inst)
        assert report.failed == 0 and report.conflicts == 0, report
        stored: Counter[str] = Counter()
        for rtype in {r["resourceType"] for r in FIXTURE["records"]} | {"Coverage"}:
            found, _ = hub.engine.store.search(rtype, parse(rtype, [("_count", "1000")]))
            held = [f.resource for f in found]
            assert check_all(held) == [], [str(v) for v in check_all(held)][:5]
            stored.update(r["resourceType"] for r in held)
        local = Counter(r["resourceType"] for r in mine)
        assert {t: stored[t] for t in local} == dict(local)  # each record once
    finally:
        hub.stop()
        inst.forget_secrets()
        inst.close()


def test_the_chart_find_box_and_43_files_read_the_same_before_and_after(tmp_path: Path, keystore: KeyStore,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    inst = _old_folder(tmp_path, keystore)
    try:
        with monkeypatch.context() as patch:  # read the old shapes as they are
            patch.setattr("clinic_app.services.session.reshape_folder", lambda store, progress=None: ChangeSet())
            with UnitSession(inst, actor=NURSE) as unit:
                old = _facts(unit, tmp_path, "before")
                assert int(unit.store.settings.get("record_shape")) == 1
        with UnitSession(inst, actor=NURSE) as unit:
            new = _facts(unit, tmp_path, "after")
            assert int(unit.store.settings.get("record_shape")) == 2
        assert new["rows"] == old["rows"], str(sorted(set(old["rows"].items()) ^ set(new["rows"].items())))
        assert new == old and old["visits"] and all(old["found"].values())
    finally:
        inst.forget_secrets()
        inst.close()


def test_a_crash_half_way_leaves_the_old_folder_as_it_was_and_the_next_start_migrates(
        tmp_path: Path, keystore: KeyStore, monkeypatch: pytest.MonkeyPatch) -> None:
    from clinic_app.services import reshape as step

    inst = _old_folder(tmp_path, keystore)
    monkeypatch.setattr(step, "BATCH", 10)  # several batches, the crash after the first
    calls = []
    real = step.RecordService.rewrite

    def crash_second(self, resources, *, action):  # type: ignore[no-untyped-def]
        calls.append(len(resources))
        if len(calls) == 2:
            raise OSError("power cut")
        return real(self, resources, action=action)

    try:
        store = inst.connect()
        before = sorted(json.dumps(r, sort_keys=True) for r in store.iter_resources())
        queued = store.outbox.counts()
        with monkeypatch.context() as patch:
            patch.setattr(step.RecordService, "rewrite", crash_second)
            with pytest.raises(OSError):
                reshape_folder(store)
        assert sorted(json.dumps(r, sort_keys=True) for r in store.iter_resources()) == before  # nothing half done
        assert store.outbox.counts() == queued and int(store.settings.get("record_shape")) == 1
        assert not reshape_folder(store).empty and int(store.settings.get("record_shape")) == 2  # the next start
        store.close()
    finally:
        inst.forget_secrets()
        inst.close()


def test_both_spellings_of_the_citizen_id_system_are_found(tmp_path: Path, keystore: KeyStore) -> None:
    inst = initialise(tmp_path / "data", hcode=HCODE, keys=keystore)
    try:
        with UnitSession(inst, actor=NURSE) as unit:
            draft = {"resourceType": "Patient", "id": "dopa-1", "gender": "male", "birthDate": "1970-01-01",
                     "identifier": [{"system": "http://dopa.go.th", "value": "3100500123458"}],
                     "name": [{"text": "นายทดสอบ ระบบเดิม", "given": ["ทดสอบ"], "family": "ระบบเดิม"}]}
            with unit.store.transaction():
                unit.store.put(stamp_owner(draft, "10670"))  # another facility's, in Health Link's draft spelling
            assert [p["id"] for p in unit.search_patients("3100500123458")] == ["dopa-1"]
    finally:
        inst.forget_secrets()
        inst.close()


def test_what_the_desktop_writes_now_needs_no_reshaping() -> None:
    """The builders and the migration agree: demo data (every kind of record it makes) comes
    back from `reshape` unchanged."""
    from clinic_app.core import demo

    records = [r for person in demo.generate(150, hcode=HCODE) for r in person.resources]
    assert len({r["resourceType"] for r in records}) >= 8
    assert [r["resourceType"] for r in records if reshape(r, HCODE)] == []
