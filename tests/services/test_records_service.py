from __future__ import annotations

import json

import pytest

from clinic_app.core.errors import InvalidInputError
from clinic_app.core.fhir import patient_id_of
from clinic_app.core.identifiers import CID_SYSTEM
from clinic_app.services.records import Cancelled, RecordService
from clinic_app.security.audit_chain import broken_links as broken_audit_links


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


def test_bundle_import_resolves_urn_uuid_tags_owner_and_queues(service: RecordService, installation) -> None:  # type: ignore[no-untyped-def]
    changes = service.import_fhir(_bundle(PATIENT, VISIT, full_urls=[
        "urn:uuid:11111111-1111-4111-8111-111111111111", "urn:uuid:22222222-2222-4222-8222-222222222222"]))
    assert changes.created == {"Patient": 1, "Encounter": 1}
    patient = service.store.find_patients("cid", "1234567890121")[0]
    chart = service.store.chart(patient["id"])
    encounter = next(r for r in chart if r["resourceType"] == "Encounter")
    assert encounter["subject"]["reference"] == f"Patient/{patient['id']}"
    assert all(r["meta"]["tag"][0]["code"] == "12345" for r in chart)
    assert service.store.outbox.counts() == {"pending": 2}
    key, keyed_from = installation.audit_key()
    assert key is not None and keyed_from == 1  # a new folder's chain is keyed from its first entry
    assert broken_audit_links(service.store.audit.rows(), key=key, keyed_from=keyed_from) == []
    assert broken_audit_links(service.store.audit.rows()) != []  # plain SHA-256 cannot recompute it
    assert service.store.audit.rows()[-1][3] == "import"


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
    assert service.store.outbox.counts() == {}


def test_reimport_is_an_update_not_a_duplicate(service: RecordService) -> None:
    service.import_fhir({**PATIENT, "id": "p-1"})
    changes = service.import_fhir({**PATIENT, "id": "p-1", "gender": "other"})
    assert changes.updated == {"Patient": 1}
    assert service.store.counts_by_type() == {"Patient": 1}
    assert service.store.get("Patient", "p-1")["gender"] == "other"
    assert service.store.outbox.counts() == {"pending": 1}


def test_export_by_patient_and_by_type(service: RecordService) -> None:
    service.load_demo(4, seed=9)
    chosen = service.store.search_patients("1")[0]
    some_cid = chosen["identifier"][0]["value"]
    bundle = json.loads("".join(service.export_bundle(cid=some_cid)))
    assert {patient_id_of(e["resource"]) for e in bundle["entry"]} == {chosen["id"]}
    assert sorted(e["resource"]["id"] for e in bundle["entry"]) == sorted(r["id"] for r in service.store.chart(chosen["id"]))
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


def test_reimporting_a_bundle_with_urn_uuids_updates_instead_of_duplicating(service: RecordService) -> None:
    bundle = _bundle(PATIENT, VISIT, full_urls=[
        "urn:uuid:11111111-1111-4111-8111-111111111111", "urn:uuid:22222222-2222-4222-8222-222222222222"])
    service.import_fhir(bundle)
    again = service.import_fhir(bundle)
    assert again.updated == {"Patient": 1, "Encounter": 1} and not again.created
    assert service.store.counts_by_type() == {"Patient": 1, "Encounter": 1}
    assert service.store.get("Patient", "11111111-1111-4111-8111-111111111111") is not None


def test_a_reference_to_an_entry_outside_the_bundle_is_refused(service: RecordService) -> None:
    with pytest.raises(InvalidInputError) as exc:
        service.import_fhir(_bundle(VISIT))
    assert [(p.index, p.path) for p in exc.value.problems] == [(0, "entry[0].resource.subject.reference")]
    assert service.store.counts_by_type() == {}


def test_citizen_ids_are_checked_and_found_however_they_were_typed(service: RecordService) -> None:
    bad = {**PATIENT, "identifier": [{"system": CID_SYSTEM, "value": "1234567890122"}]}
    with pytest.raises(InvalidInputError) as exc:
        service.import_fhir(bad)
    assert exc.value.problems[0].path == "identifier[0].value" and "check" in exc.value.problems[0].reason
    service.import_fhir({**PATIENT, "identifier": [{"system": CID_SYSTEM, "value": "1-2345-67890-12-1"}]})
    assert len(service.store.find_patients("cid", "1234567890121")) == 1
    assert service.patient_ids_for_cid("1 2345 67890 12 1")


def test_a_record_owned_by_another_facility_is_not_overwritten(service: RecordService) -> None:
    foreign = {**PATIENT, "id": "f1", "meta": {"tag": [{"system": "https://terms.sil-th.org/id/th-moph-hcode",
                                                       "code": "99999"}]}}
    with service.store.transaction():
        service.store.put(foreign, version_id="3")
    with pytest.raises(InvalidInputError) as exc:
        service.import_fhir({**PATIENT, "id": "f1"})
    assert "another facility" in exc.value.problems[0].reason
    assert service.store.get("Patient", "f1")["meta"]["tag"][0]["code"] == "99999"
    assert service.store.outbox.counts() == {}


def test_a_local_edit_keeps_the_server_version_as_its_base(service: RecordService) -> None:
    service.import_fhir({**PATIENT, "id": "p9"})
    with service.store.transaction():
        service.store.put(service.store.get("Patient", "p9"), version_id="3")  # as sync does on acknowledgement
        service.store.conn.execute("DELETE FROM outbox")
    service.save_resources([{**service.store.get("Patient", "p9"), "gender": "other"}])
    assert service.store.version_of("Patient", "p9") == "3"
    [entry] = service.store.outbox.entries()
    assert (entry.op, entry.base_version) == ("update", "3")
