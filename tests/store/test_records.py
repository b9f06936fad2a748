from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinic_app.core import demo
from clinic_app.core.errors import DatabaseBusyError
from clinic_app.store import database
from clinic_app.store.records import RecordStore, broken_audit_links


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RecordStore]:
    s = RecordStore(database.connect(tmp_path / "clinic.db", os.urandom(32), create=True))
    yield s
    s.close()


def _load(store: RecordStore, people: list[demo.DemoPatient]) -> None:
    with store.transaction():
        for person in people:
            for res in person.resources:
                store.put(res)


def test_lookups_by_cid_hn_phone_and_thai_substring(store: RecordStore,
                                                    demo_patients: list[demo.DemoPatient]) -> None:
    _load(store, demo_patients)
    person = demo_patients[3]
    patient = person.resources[0]
    assert [p["id"] for p in store.find_patients("cid", person.cid)] == [patient["id"]]
    hn = patient["identifier"][1]["value"]
    assert [p["id"] for p in store.find_patients("hn", hn)] == [patient["id"]]
    family_th = patient["name"][0]["family"]
    middle = family_th[1:4]
    found = store.search_patients(middle, limit=100)
    assert patient["id"] in [p["id"] for p in found]
    assert all(middle in p["name"][0]["text"] or middle in p["name"][1]["text"] for p in found)
    assert patient["id"] in [p["id"] for p in store.search_patients(person.cid[:6])]
    english = patient["name"][1]["given"][0].lower()
    assert patient["id"] in [p["id"] for p in store.search_patients(english)]
    assert store.search_patients("ฮฮฮฮ") == []
    assert store.search_patients("%") == []


def test_chart_returns_every_resource_of_the_patient(store: RecordStore,
                                                     demo_patients: list[demo.DemoPatient]) -> None:
    _load(store, demo_patients)
    person = demo_patients[0]
    chart = store.chart(person.resources[0]["id"])
    assert chart[0]["resourceType"] == "Patient"
    assert sorted(r["id"] for r in chart) == sorted(r["id"] for r in person.resources)


def test_update_reindexes_and_delete_hides(store: RecordStore, demo_patients: list[demo.DemoPatient]) -> None:
    _load(store, demo_patients[:1])
    patient = dict(demo_patients[0].resources[0])
    patient["name"] = [{"text": "นายทดสอบ เปลี่ยนชื่อ"}]
    with store.transaction():
        store.put(patient)
    assert store.search_patients("เปลี่ยนชื่อ")[0]["id"] == patient["id"]
    assert store.search_patients(demo_patients[0].resources[0]["name"][0]["family"]) == []
    with store.transaction():
        assert store.delete("Patient", patient["id"])
    assert store.get("Patient", patient["id"]) is None
    assert store.find_patients("cid", demo_patients[0].cid) == []


def test_a_failed_transaction_leaves_nothing(store: RecordStore, demo_patients: list[demo.DemoPatient]) -> None:
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.put(demo_patients[0].resources[0])
            store.enqueue("Patient", demo_patients[0].resources[0]["id"], "create")
            raise RuntimeError("boom")
    assert store.counts_by_type() == {}
    assert store.outbox_counts() == {}


def test_writes_outside_a_transaction_are_refused(store: RecordStore) -> None:
    with pytest.raises(RuntimeError):
        store.put({"resourceType": "Patient", "id": "x"})


def test_outbox_squashes_edits_of_one_resource(store: RecordStore) -> None:
    with store.transaction():
        store.put({"resourceType": "Patient", "id": "p1"})
        store.enqueue("Patient", "p1", "create")
        store.enqueue("Patient", "p1", "update")
        store.enqueue("Patient", "p2", "create")
        store.enqueue("Patient", "p2", "delete")
    entries = store.outbox_entries()
    assert [(e.id, e.op, e.state) for e in entries] == [("p1", "create", "pending")]


def test_settings_and_checkpoints_round_trip(store: RecordStore) -> None:
    with store.transaction():
        store.set_setting("hcode", "12345")
        store.set_setting("nested", {"a": [1, "ไทย"]})
        store.set_checkpoint("Patient", "2026-11-01T00:00:00Z")
    assert store.get_setting("nested") == {"a": [1, "ไทย"]}
    assert store.get_setting("missing", 7) == 7
    assert store.get_checkpoint("Patient") == "2026-11-01T00:00:00Z"


def test_audit_chain_detects_edit_delete_and_reorder(store: RecordStore) -> None:
    with store.transaction():
        for i in range(4):
            store.append_audit(actor="nurse", action=f"a{i}", entity_type="Patient", entity_id=str(i))
    rows = store.audit_rows()
    assert broken_audit_links(rows) == []
    edited = list(rows)
    edited[1] = (*rows[1][:3], "changed", *rows[1][4:])
    assert broken_audit_links(edited) == [2]
    assert broken_audit_links(rows[:1] + rows[2:]) == [3]
    assert broken_audit_links([rows[0], rows[2], rows[1], rows[3]]) != []


def test_rare_thai_substring_uses_the_trigram_index_and_short_input_scans(store: RecordStore,
                                                                         demo_patients: list[demo.DemoPatient]) -> None:
    _load(store, demo_patients)
    odd = {"resourceType": "Patient", "id": "rare", "name": [{"text": "นายฤๅษี เฌอเอม"}]}
    with store.transaction():
        store.put(odd)
    assert [p["id"] for p in store.search_patients("ฤๅษี")] == ["rare"]
    assert [p["id"] for p in store.search_patients("เฌ")] == ["rare"]
    assert [p["id"] for p in store.search_patients("๐๘")] == [p["id"] for p in store.search_patients("08")]
    plan = " ".join(str(r) for r in store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT rowid FROM patient_names WHERE patient_names MATCH ?", ('"ฤๅษี"',)))
    assert "VIRTUAL TABLE INDEX" in plan and ":M" in plan


def test_a_new_edit_of_a_refused_change_goes_back_to_pending(store: RecordStore) -> None:
    with store.transaction():
        store.enqueue("Patient", "p1", "update")
    store.conn.execute("UPDATE outbox SET state = 'failed', reason = 'hub said no'")
    with store.transaction():
        store.enqueue("Patient", "p1", "update")
    [entry] = store.outbox_entries()
    assert (entry.state, entry.reason) == ("pending", None)
    store.conn.execute("UPDATE outbox SET state = 'sending'")
    with store.transaction():
        store.enqueue("Patient", "p1", "delete")
    assert [(e.state, e.op) for e in store.outbox_entries()] == [("sending", "update"), ("pending", "delete")]


def test_a_busy_database_is_a_known_error(tmp_path: Path) -> None:
    import sqlcipher3

    key = os.urandom(32)
    path = tmp_path / "busy.db"
    holder = database.connect(path, key, create=True)
    holder.execute("BEGIN IMMEDIATE")
    other = sqlcipher3.connect(str(path), isolation_level=None, timeout=0)
    other.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    with pytest.raises(DatabaseBusyError):
        with database.guard():
            other.execute("BEGIN IMMEDIATE")
    holder.execute("ROLLBACK")
    other.close()
    holder.close()
