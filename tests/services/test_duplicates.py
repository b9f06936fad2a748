"""Patients recorded twice under one citizen ID: listed, and merged by an administrator
(every visit kept, one transaction, one audit entry), on the real encrypted store."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from clinic_app.core import builders as build
from clinic_app.core.fhir import stamp_owner
from clinic_app.core.identifiers import CID_SYSTEM, PASSPORT_UNKNOWN_COUNTRY, local_system
from clinic_app.core.permissions import ADMIN, CLERK, CLINICIAN, Actor, PermissionDeniedError
from clinic_app.services.duplicates import MergeRefusedError
from clinic_app.services.installation import Installation
from clinic_app.services.patients import AlreadyRegisteredError, PatientForm, VisitForm
from clinic_app.services.session import UnitSession
from clinic_app.store.audit_log import AuditLog
from clinic_app.store.outbox import Outbox
from tests.conftest import HCODE

ADMINISTRATOR = Actor("admin.preecha", ADMIN)
CID, OTHER_CID = "1101700207030", "3100500123458"
FORM = PatientForm(given_th="สมศรี", family_th="มีสุข", sex="female", birth_day=3, birth_month=2,
                   birth_year_be=2523, cid=CID, phone="081-234-5678")


@pytest.fixture
def unit(installation: Installation) -> Iterator[UnitSession]:
    session = UnitSession(installation, actor=ADMINISTRATOR)
    yield session
    session.close()


def _old_record(unit: UnitSession, *, hn: str, cid: str = CID, pid: str = "old-1", hcode: str = HCODE) -> str:
    """The same person as an old system had them (another HN), imported as FHIR: how a
    duplicate arrives on one desktop (registration itself refuses a second citizen ID)."""
    patient = build.patient(id=pid, identifiers=[build.identifier(CID_SYSTEM, cid),
                                                 build.identifier(local_system(hcode, "HN"), hn),
                                                 build.passport_identifier("AA1234567")],
                            names=[build.human_name("สมศรี", "มีสุข", prefix="นาง")], gender="female",
                            birth_date="1980-02-03", hcode=hcode)
    subject = build.reference("Patient", pid)
    encounter = build.encounter(id=f"{pid}-visit", subject=subject, when="2024-05-01T09:00:00+07:00", hcode=hcode,
                                reason="ปวดหัว")
    condition = build.condition("R51", id=f"{pid}-dx", subject=subject, display="Headache", text="ปวดศีรษะ",
                                encounter=build.reference("Encounter", f"{pid}-visit"),
                                when="2024-05-01T09:00:00+07:00")
    allergy = {"resourceType": "AllergyIntolerance", "id": f"{pid}-allergy", "patient": subject,
               "code": {"text": "penicillin"}}
    unit.records.import_fhir({"resourceType": "Bundle", "type": "collection",
                              "entry": [{"resource": r} for r in (patient, encounter, condition, allergy)]})
    return pid


def _registered_with_a_visit(unit: UnitSession) -> str:
    patient = unit.patients.register(FORM).value
    unit.patients.record_visit(patient["id"], VisitForm(complaint="ไข้ ไอ", systolic=120, diastolic=80, diagnosis="J00"))
    return str(patient["id"])


def _footprint(unit: UnitSession) -> tuple[object, ...]:
    store = unit.store
    return (store.counts_by_type(), store.outbox.counts(), len(store.audit.rows()),
            json.dumps([store.get("Patient", p["id"]) for p in store.iter_resources(resource_type="Patient")]))


def test_duplicates_are_listed_by_citizen_id(unit: UnitSession) -> None:
    kept = _registered_with_a_visit(unit)
    _old_record(unit, hn="0004711")
    unit.patients.register(PatientForm(**{**FORM.__dict__, "cid": OTHER_CID, "given_th": "บุญมี",
                                          "family_th": "ทองดี", "birth_year_be": 2530}))  # no twin
    groups = unit.duplicates.groups()
    assert len(groups) == 1
    group = groups[0]
    assert group.masked_cid == "x-xxxx-xxxx7-03-0"
    by_id = {p.id: p for p in group.patients}
    assert set(by_id) == {kept, "old-1"}
    assert (by_id[kept].hn, by_id["old-1"].hn) == ("0000001", "0004711")
    assert by_id[kept].name == "สมศรี มีสุข" and by_id["old-1"].name == "นางสมศรี มีสุข"
    assert by_id["old-1"].birth_date == "1980-02-03" and by_id["old-1"].sex == "female"
    assert (by_id[kept].visits, by_id["old-1"].visits) == (1, 1)
    # BP panel + Condition + the right (Coverage); Condition + allergy
    assert (by_id[kept].records, by_id["old-1"].records) == (3, 2)
    assert by_id[kept].first_recorded and by_id[kept].last_updated >= by_id[kept].first_recorded
    assert "1101700207030" not in repr(groups)  # only the masked citizen ID leaves the service


def test_a_record_no_longer_in_use_is_no_duplicate(unit: UnitSession) -> None:
    _registered_with_a_visit(unit)
    pid = _old_record(unit, hn="0004711")
    unit.records.save_resources([{**unit.store.get("Patient", pid), "active": False}])
    assert unit.duplicates.groups() == []


def test_merge_keeps_every_visit_and_leaves_one_patient(unit: UnitSession) -> None:
    kept = _registered_with_a_visit(unit)
    dropped = _old_record(unit, hn="0004711")
    moved_ids = {r["id"] for r in unit.store.chart(dropped) if r["resourceType"] != "Patient"}
    outbox_before = {(e.type, e.id) for e in unit.store.outbox.entries()}
    audit_before = len(unit.store.audit.rows())

    changes = unit.duplicates.merge(kept, dropped)

    assert changes.patient_ids == {kept, dropped} and changes.outbox
    assert changes.updated == {"Patient": 2, "Encounter": 1, "Condition": 1, "AllergyIntolerance": 1}
    # every record of the dropped patient now belongs to the kept one
    assert unit.store.chart(dropped) == [unit.store.get("Patient", dropped)]
    assert moved_ids <= {r["id"] for r in unit.store.chart(kept)}
    chart = unit.patients.chart(kept)
    assert len(chart.visits) == 2 and chart.allergies == ["penicillin"]
    # FHIR's merge shape, and the identifiers the kept one lacked
    keep, drop = unit.store.get("Patient", kept), unit.store.get("Patient", dropped)
    assert drop["active"] is False
    assert drop["link"] == [{"other": {"reference": f"Patient/{kept}"}, "type": "replaced-by"}]
    assert keep["link"] == [{"other": {"reference": f"Patient/{dropped}"}, "type": "replaces"}]
    assert keep["active"] is True
    hns = [i for i in keep["identifier"] if i["system"].endswith("/HN")]
    assert [(i["system"], i["value"], i.get("use")) for i in hns] == [(local_system(HCODE, "HN"), "0000001", None),
                                                                      (local_system(HCODE, "HN"), "0004711", "old")]
    assert ("AA1234567", PASSPORT_UNKNOWN_COUNTRY) in [(i["value"], i["system"]) for i in keep["identifier"]]
    assert [i["value"] for i in keep["identifier"]].count(CID) == 1
    # each changed record queued once for the hub (squashed into what already waited)
    queued = [(e.type, e.id) for e in unit.store.outbox.entries()]
    assert len(queued) == len(set(queued))
    assert {("Patient", kept), ("Patient", dropped)} | {(t, i) for t, i in queued if i in moved_ids} <= set(queued)
    assert outbox_before <= set(queued)
    # one audit entry naming both ids, and neither the citizen ID nor a name
    rows = unit.store.audit.rows()
    assert len(rows) == audit_before + 1
    _seq, _at, actor, action, entity_type, entity_id, detail, *_ = rows[-1]
    assert (actor, action, entity_type, entity_id) == ("admin.preecha", "patient-merge", "Patient", kept)
    assert json.loads(detail)["kept"] == kept and json.loads(detail)["replaced"] == dropped
    assert CID not in detail and "สมศรี" not in detail and "0004711" not in detail
    # afterwards: one person everywhere
    assert unit.duplicates.groups() == []
    assert [p["id"] for p in unit.search_patients("สมศรี")] == [kept]
    assert [p["id"] for p in unit.search_patients(CID)] == [kept]
    assert [p["id"] for p in unit.store.find_patients("hn", "0004711")] == [kept]  # the old HN finds the person
    with pytest.raises(AlreadyRegisteredError) as refused:
        unit.patients.register(FORM)
    assert refused.value.patient["id"] == kept
    assert unit.patients.chart(dropped).patient["id"] == kept  # the replaced record opens the kept one
    unit.patients.record_visit(dropped, VisitForm(complaint="ติดตามอาการ"))  # a form left open on the old chart
    assert len(unit.patients.chart(kept).visits) == 3 and unit.store.chart(dropped) == [drop]


def test_a_visit_filed_under_the_replaced_record_still_shows(unit: UnitSession) -> None:
    """Another desktop that had not heard of the merge saved a visit against the old record."""
    kept = _registered_with_a_visit(unit)
    dropped = _old_record(unit, hn="0004711")
    unit.duplicates.merge(kept, dropped)
    late = build.encounter(id="late-visit", subject=build.reference("Patient", dropped),
                           when="2025-01-02T10:00:00+07:00", hcode=HCODE, reason="มาทีหลัง")
    unit.records.save_resources([late])
    assert "มาทีหลัง" in [v["complaint"] for v in unit.patients.chart(kept).visits]


@pytest.mark.parametrize("role", [CLERK, CLINICIAN])
def test_only_an_administrator_merges(unit: UnitSession, role: str) -> None:
    kept = _registered_with_a_visit(unit)
    dropped = _old_record(unit, hn="0004711")
    before = _footprint(unit)
    unit.act_as(Actor("someone", role))
    assert len(unit.duplicates.groups()) == 1  # listing is a read: any staff member
    with pytest.raises(PermissionDeniedError):
        unit.duplicates.merge(kept, dropped)
    assert _footprint(unit) == before


def test_refusals_name_the_reason_and_write_nothing(unit: UnitSession) -> None:
    kept = _registered_with_a_visit(unit)
    twin = _old_record(unit, hn="0004711")
    stranger = _old_record(unit, hn="0004712", cid=OTHER_CID, pid="old-2")
    elsewhere = "other-1"
    foreign = build.patient(id=elsewhere, identifiers=[build.identifier(CID_SYSTEM, CID)], names=[], gender="female",
                            birth_date="1980-02-03", hcode="99990")
    with unit.store.transaction():  # another facility's record of the same person (pulled, say)
        unit.store.put(stamp_owner(foreign, "99990"))
    before = _footprint(unit)
    cases = {(kept, stranger): "citizen ID", (kept, kept): "same record", (kept, "nobody"): "No such patient",
             (kept, elsewhere): "another facility"}
    for (keep_id, drop_id), said in cases.items():
        with pytest.raises(MergeRefusedError) as refused:
            unit.duplicates.merge(keep_id, drop_id)
        assert said in refused.value.english and refused.value.thai, (keep_id, drop_id)
    assert _footprint(unit) == before
    unit.duplicates.merge(kept, twin)
    with pytest.raises(MergeRefusedError) as again:  # merged already: not in use any more
        unit.duplicates.merge(kept, twin)
    assert "merged into another already" in again.value.english


@pytest.mark.parametrize("step", ["store", "audit"])
def test_a_failed_merge_leaves_nothing_half_done(unit: UnitSession, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    kept = _registered_with_a_visit(unit)
    dropped = _old_record(unit, hn="0004711")
    before = _footprint(unit)
    calls = {"n": 0}

    def fail_late(*_args: object, **_kwargs: object) -> None:
        calls["n"] += 1
        raise RuntimeError("injected")

    target = {"store": (Outbox, "enqueue"), "audit": (AuditLog, "append")}[step]
    with monkeypatch.context() as patch:
        patch.setattr(*target, fail_late)
        with pytest.raises(RuntimeError):
            unit.duplicates.merge(kept, dropped)
    assert calls["n"] == 1 and _footprint(unit) == before
    assert len(unit.duplicates.groups()) == 1


def test_patients_are_named_by_hn_or_id(unit: UnitSession) -> None:
    kept = _registered_with_a_visit(unit)
    dropped = _old_record(unit, hn="0000001")  # two desktops both gave HN 0000001
    service = unit.duplicates
    assert service.patient_id_for(dropped) == dropped
    with pytest.raises(MergeRefusedError) as ambiguous:
        service.patient_id_for("0000001")
    assert "give the patient's id" in ambiguous.value.english
    with pytest.raises(MergeRefusedError):
        service.patient_id_for("0009999")
    service.merge(kept, dropped)
    assert service.patient_id_for("0000001") == kept


def test_a_merged_person_is_one_person_in_the_43_files(unit: UnitSession, tmp_path) -> None:  # type: ignore[no-untyped-def]
    kept = _registered_with_a_visit(unit)
    dropped = _old_record(unit, hn="0004711")
    unit.duplicates.merge(kept, dropped)
    report = unit.interop43.export(tmp_path)
    assert report.rows["PERSON"] == 1 and report.rows["SERVICE"] == 2  # one PERSON row, both visits under it
