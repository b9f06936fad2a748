"""One transaction per use case: an error raised inside any step of registering, asking for
consent or keeping an emergency access leaves nothing half-written; reads write nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from clinic_app.core.errors import ConsentNeededError
from clinic_app.core.permissions import CLINICIAN, Actor
from clinic_app.services.installation import Installation
from clinic_app.services.patients import PatientForm, VisitForm
from clinic_app.services.records import RecordService
from clinic_app.services.session import UnitSession
from clinic_app.store.grants import Grants
from clinic_app.store.outbox import Outbox
from clinic_app.store.audit_log import AuditLog
from clinic_app.store.record_store import RecordStore

NURSE = Actor("nurse.somsri", CLINICIAN)
FORM = PatientForm(given_th="สมศรี", family_th="มีสุข", sex="female", birth_day=3, birth_month=2,
                   birth_year_be=2523, cid="1101700207030")
OTHER_CID = "3100500123458"
REASON = "ผู้ป่วยหมดสติ ไม่มีญาติมาด้วย ต้องทราบประวัติแพ้ยา"


class Injected(Exception):
    pass


def _fail(*_args: object, **_kwargs: object) -> None:
    raise Injected()


def _fails_whole(unit: UnitSession, monkeypatch: pytest.MonkeyPatch, target: tuple[type, str],
                 use_case: Callable[[], object]) -> None:
    """An error raised at `target` inside the use case leaves the store as it was."""
    before = _footprint(unit.store)
    with monkeypatch.context() as patch:
        patch.setattr(*target, _fail)
        with pytest.raises(Injected):
            use_case()
    assert _footprint(unit.store) == before


def _footprint(store: RecordStore) -> tuple[object, ...]:
    """Everything a use case could leave behind."""
    return (store.counts_by_type(), store.outbox.counts(), len(store.audit.rows()), store.settings.get("next_hn"),
            store.grants.grants(), store.grants.record_requests())


@pytest.fixture
def unit(installation: Installation) -> UnitSession:
    session = UnitSession(installation, actor=NURSE)
    yield session
    session.close()


@pytest.mark.parametrize("step", ["validate", "store", "audit"])
def test_a_failed_registration_skips_no_hn(unit: UnitSession, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    target = {"validate": (RecordService, "_prepare"), "store": (Outbox, "enqueue"),
              "audit": (AuditLog, "append")}[step]
    _fails_whole(unit, monkeypatch, target, lambda: unit.patients.register(FORM))
    done = unit.patients.register(FORM)
    hn = next(i["value"] for i in done.value["identifier"] if i["system"].endswith("/HN"))
    assert hn == "0000001"  # the failed attempt took no number
    assert done.changes.created == {"Patient": 1, "Coverage": 1} and done.changes.patient_ids == {done.value["id"]}


@pytest.mark.parametrize("step", ["consent", "record-request", "audit"])
def test_a_failed_consent_request_leaves_neither_half(unit: UnitSession, monkeypatch: pytest.MonkeyPatch,
                                                      step: str) -> None:
    target = {"consent": (Outbox, "enqueue"), "record-request": (Grants, "request_records"),
              "audit": (AuditLog, "append")}[step]
    _fails_whole(unit, monkeypatch, target, lambda: unit.consent.request_consent(OTHER_CID))
    done = unit.consent.request_consent(OTHER_CID)
    assert unit.store.counts_by_type() == {"Consent": 1}
    assert [r["cid"] for r in unit.store.grants.record_requests()] == [OTHER_CID]
    assert done.changes.grants and done.changes.outbox and done.changes.created == {"Consent": 1}


def _hospital_records() -> list[dict[str, object]]:
    tag = {"meta": {"tag": [{"system": "https://terms.sil-th.org/id/th-moph-hcode", "code": "99990"}]}}
    return [{"resourceType": "Patient", "id": "h-1", **tag,
             "identifier": [{"system": "https://terms.sil-th.org/id/th-cid", "value": OTHER_CID}]},
            {"resourceType": "AllergyIntolerance", "id": "h-2", **tag, "patient": {"reference": "Patient/h-1"},
             "code": {"text": "penicillin"}}]


@pytest.mark.parametrize("step", ["grant", "records", "audit-event", "audit-log"])
def test_a_failed_emergency_access_keeps_no_unaudited_records(unit: UnitSession, monkeypatch: pytest.MonkeyPatch,
                                                              step: str) -> None:
    plan = unit.consent.plan_emergency(OTHER_CID, REASON)
    keys_before = set(unit.inst.marker.get("grants", {}))
    target = {"grant": (Grants, "upsert_grant"), "records": (Grants, "replace_records"),
              "audit-event": (Outbox, "enqueue"), "audit-log": (AuditLog, "append")}[step]
    _fails_whole(unit, monkeypatch, target, lambda: unit.keep_emergency(plan, _hospital_records()))
    assert set(unit.inst.marker.get("grants", {})) == keys_before  # no key left for records never kept
    with pytest.raises(ConsentNeededError):
        unit.consent.show_records(OTHER_CID)
    done = unit.keep_emergency(plan, _hospital_records())
    assert done.value == 2 and done.changes.created == {"AuditEvent": 1} and done.changes.grants
    shown = unit.consent.show_records(OTHER_CID).value
    assert {r["resource"]["id"] for r in shown} == {"h-1", "h-2"} and {r["grant"] for r in shown} == {"btg"}
    assert [e["who"] for e in unit.consent.emergency_log()] == ["nurse.somsri"]


def test_reading_a_chart_writes_nothing(unit: UnitSession) -> None:
    patient = unit.patients.register(FORM).value
    unit.patients.record_visit(patient["id"], VisitForm(complaint="ไข้"))
    unit.consent.request_consent(OTHER_CID)
    before = _footprint(unit.store)
    done = unit.chart(patient["id"])
    assert done.value.visits and done.changes.empty
    unit.search_patients("มีสุข")
    unit.status()
    unit.outbox_view()
    unit.consent.consents()
    assert _footprint(unit.store) == before
