from __future__ import annotations

import json

import pytest

from clinic_app.core.errors import InvalidInputError
from clinic_app.core.identifiers import CID_SYSTEM
from clinic_app.services.records import Cancelled, RecordService
from clinic_app.store.records import broken_audit_links


def _bundle(*resources: dict, full_urls: list[str] | None = None) -> dict:
    entries = []
    for i, res in enumerate(resources):
        entry = {"resource": res}
        if full_urls:
            entry["fullUrl"] = full_urls[i]
        entries.append(entry)
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


PATIENT = {"resourceType": "Patient", "identifier": [{"system": CID_SYSTEM, "value": "1234567890121"}],
           "name": [{"text": "นางสมหญิง ใจดี"}], "gender": "female", "birthDate": "1980-02-03"}
VISIT = {"resourceType": "Encounter", "status": "finished",
         "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
         "subject": {"reference": "urn:uuid:11111111-1111-4111-8111-111111111111"}}


def test_bundle_import_resolves_urn_uuid_tags_owner_and_queues(service: RecordService) -> None:
    changes = service.import_fhir(_bundle(PATIENT, VISIT, full_urls=[
        "urn:uuid:11111111-1111-4111-8111-111111111111", "urn:uuid:22222222-2222-4222-8222-222222222222"]))
    assert changes.created == {"Patient": 1, "Encounter": 1}
    patient = service.store.find_patients("cid", "1234567890121")[0]
    chart = service.store.chart(patient["id"])
    encounter = next(r for r in chart if r["resourceType"] == "Encounter")
    assert encounter["subject"]["reference"] == f"Patient/{patient['id']}"
    assert all(r["meta"]["tag"][0]["code"] == "12345" for r in chart)
    assert service.store.outbox_counts() == {"pending": 2}
    assert broken_audit_links(service.store.audit_rows()) == []
    assert service.store.audit_rows()[-1][3] == "import"


def test_any_invalid_entry_stores_nothing_and_reports_every_problem(service: RecordService) -> None:
    bad_obs = {"resourceType": "Observation", "code": {"text": "bp"}, "effectiveDateTime": "2024-13-45"}
    foreign = {**PATIENT, "meta": {"tag": [{"system": "https://terms.sil-th.org/id/th-moph-hcode", "code": "99999"}]}}
    with pytest.raises(InvalidInputError) as exc:
        service.import_fhir(_bundle(PATIENT, bad_obs, {"resourceType": "Nonsense"}, foreign))
    where = {(p.index, p.path) for p in exc.value.problems}
    assert (1, "entry[1].resource.effectiveDateTime") in where
    assert (2, "entry[2].resource.resourceType") in where
    assert (3, "entry[3].resource.meta.tag") in where
    assert 0 not in {p.index for p in exc.value.problems}
    assert service.store.counts_by_type() == {}
    assert service.store.outbox_counts() == {}


def test_reimport_is_an_update_not_a_duplicate(service: RecordService) -> None:
    service.import_fhir({**PATIENT, "id": "p-1"})
    changes = service.import_fhir({**PATIENT, "id": "p-1", "gender": "other"})
    assert changes.updated == {"Patient": 1}
    assert service.store.counts_by_type() == {"Patient": 1}
    assert service.store.get("Patient", "p-1")["gender"] == "other"
    assert service.store.outbox_counts() == {"pending": 1}


def test_export_by_patient_and_by_type(service: RecordService) -> None:
    service.load_demo(4, seed=9)
    some_cid = service.store.search_patients("1")[0]["identifier"][0]["value"]
    bundle = json.loads("".join(service.export_bundle(cid=some_cid)))
    patient_ids = {e["resource"]["id"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"}
    assert len(patient_ids) == 1
    assert all(e["resource"].get("subject", e["resource"].get("patient", {"reference": "Patient/" + next(iter(patient_ids))}))
               for e in bundle["entry"])
    only = json.loads("".join(service.export_bundle(resource_type="Condition")))
    assert {e["resource"]["resourceType"] for e in only["entry"]} == {"Condition"}
    assert len(only["entry"]) == service.store.counts_by_type()["Condition"]


def test_status_counts(service: RecordService) -> None:
    service.load_demo(3, seed=2)
    status = service.status()
    assert status["hcode"] == "12345"
    assert status["counts"]["Patient"] == 3
    assert status["outbox"]["pending"] == sum(status["counts"].values())
    assert status["last_sync"] is None


def test_demo_load_reports_progress_and_can_be_cancelled(service: RecordService) -> None:
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        seen.append((done, total))
        return done < 4

    with pytest.raises(Cancelled):
        service.load_demo(10, seed=1, batch=2, progress=progress)
    assert seen == [(2, 10), (4, 10)]
    assert service.store.counts_by_type()["Patient"] == 4
