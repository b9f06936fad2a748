"""Attacks on "no consent, no data", run against the real hub over loopback with enrolled
facilities (a unit, another unit, the district hospital). Each test is one attack from the
adversarial review (issue 20): it failed on the hub before the fix and passes after."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from clinic_app.core.audit import FACILITY_EXTENSION
from clinic_app.core.identifiers import CID_SYSTEM, HCODE_SYSTEM
from clinic_app.hub.search import parse
from clinic_app.hub.seed import HOSPITAL, OTHER_UNIT, TRAINING_UNIT
from clinic_app.hub.server import RunningHub
from tests.hub.conftest import Desktop, secured_hub  # noqa: F401 - secured_hub is a fixture
from tests.hub.test_health_link import admin, consent, hospital_patient, tag

UNIT, OTHER = TRAINING_UNIT, OTHER_UNIT
REASON = "ผู้ป่วยหมดสติ ไม่มีญาติ ต้องทราบประวัติแพ้ยาก่อนให้ยา"


def _granted(hub: RunningHub, client: httpx.Client, cid: str, hcode: str) -> dict[str, Any]:
    """A consent the patient approved in the phone app."""
    created = client.post("Consent", json=consent(cid, hcode))
    assert created.status_code == 201, created.text
    assert admin(hub, f"/admin/consents/{created.json()['id']}/approve").status_code == 200
    return client.get(f"Consent/{created.json()['id']}").json()


def _other_hospital_patient(hub: RunningHub, not_pid: str) -> tuple[str, str]:
    found, _ = hub.engine.store.search("Patient", parse("Patient", [("_tag", f"{HCODE_SYSTEM}|{HOSPITAL}")]))
    patient = next(s.resource for s in found if s.id != not_pid)
    return patient["id"], next(i["value"] for i in patient["identifier"] if i["system"] == CID_SYSTEM)


def _audit_count(hub: RunningHub) -> int:
    return hub.engine.store.count("AuditEvent", parse("AuditEvent", [("_tag", f"{HCODE_SYSTEM}|hub")]))


# -- critical ----------------------------------------------------------------------------------


def test_an_approved_consent_cannot_be_rewritten_by_the_facility_that_asked(secured_hub: RunningHub) -> None:
    unit, other = Desktop(secured_hub, UNIT).client(), Desktop(secured_hub, OTHER).client()
    pid, cid = hospital_patient(secured_hub)
    victim_pid, victim_cid = _other_hospital_patient(secured_hub, pid)
    granted = _granted(secured_hub, unit, cid, UNIT)
    assert unit.get(f"Patient/{pid}/$everything").status_code == 200  # what the patient allowed
    provision = granted["provision"]
    rewrites = {
        "another patient": {**granted, "patient": {"identifier": {"system": CID_SYSTEM, "value": victim_cid}}},
        "a wider period": {**granted, "provision": {**provision, "period": {"start": "2000-01-01", "end": "2099-12-31"}}},
        "no period, no purpose": {**granted, "provision": {k: v for k, v in provision.items()
                                                           if k not in ("period", "purpose")}},
        "another recipient": {**granted, "provision": {**provision, "actor": provision["actor"] + [
            {**provision["actor"][0], "reference": {"reference": f"Organization/{OTHER}"}}]}},
    }
    for what, body in rewrites.items():
        answer = unit.put(f"Consent/{granted['id']}", json=body)
        assert answer.status_code == 403, what
        assert "only the patient" in answer.json()["issue"][0]["diagnostics"]
    assert unit.get(f"Patient/{victim_pid}/$everything").status_code == 403
    assert other.get(f"Patient/{pid}/$everything").status_code == 403
    assert unit.put(f"Consent/{granted['id']}", json=granted).status_code == 200  # a resend of the same is fine


def test_a_proposed_consent_cannot_be_edited_only_withdrawn(secured_hub: RunningHub) -> None:
    unit = Desktop(secured_hub, UNIT).client()
    pid, cid = hospital_patient(secured_hub)
    _victim_pid, victim_cid = _other_hospital_patient(secured_hub, pid)
    asked = unit.post("Consent", json=consent(cid, UNIT)).json()
    edited = {**asked, "patient": {"identifier": {"system": CID_SYSTEM, "value": victim_cid}}}
    assert unit.put(f"Consent/{asked['id']}", json=edited).status_code == 403
    withdrawn = unit.put(f"Consent/{asked['id']}", json={**asked, "status": "entered-in-error"})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "entered-in-error"


@pytest.mark.parametrize("request_for", ["another recipient", "the other unit only in organization", "deny",
                                         "no end", "ten years", "no purpose", "research", "nested provisions"])
def test_a_consent_request_asks_only_for_what_a_desktop_may_ask(secured_hub: RunningHub, request_for: str) -> None:
    unit = Desktop(secured_hub, UNIT).client()
    _pid, cid = hospital_patient(secured_hub)
    body = consent(cid, UNIT)
    provision = body["provision"]
    start = dt.date.fromisoformat(provision["period"]["start"])
    changed = {
        "another recipient": {"provision": {**provision, "actor": [{**provision["actor"][0],
                                                                    "reference": {"reference": f"Organization/{OTHER}"}}]}},
        "the other unit only in organization": {"organization": [{"reference": f"Organization/{OTHER}"}]},
        "deny": {"provision": {**provision, "type": "deny"}},
        "no end": {"provision": {**provision, "period": {"start": start.isoformat()}}},
        "ten years": {"provision": {**provision, "period": {"start": start.isoformat(),
                                                            "end": (start + dt.timedelta(days=3650)).isoformat()}}},
        "no purpose": {"provision": {k: v for k, v in provision.items() if k != "purpose"}},
        "research": {"provision": {**provision, "purpose": [{**provision["purpose"][0], "code": "HRESCH"}]}},
        "nested provisions": {"provision": {**provision, "provision": [{"type": "permit"}]}},
    }[request_for]
    answer = unit.post("Consent", json={**body, **changed})
    assert answer.status_code == 422, answer.text
    assert "consent request" in answer.json()["issue"][0]["diagnostics"]


def test_only_an_active_permit_grants_and_only_to_its_recipient(secured_hub: RunningHub) -> None:
    other = Desktop(secured_hub, OTHER).client()
    pid, cid = hospital_patient(secured_hub)
    store = secured_hub.engine.store
    deny = {**consent(cid, OTHER), "status": "active"}
    deny["provision"] = {**deny["provision"], "type": "deny"}
    named_elsewhere = {**consent(cid, UNIT), "status": "active", "organization": [{"reference": f"Organization/{OTHER}"}]}
    with store.transaction():  # as if they had got past the rules some other way
        store.put("Consent", "deny-1", deny)
        store.put("Consent", "elsewhere-1", named_elsewhere)
    assert other.get(f"Patient/{pid}/$everything").status_code == 403


def test_records_cannot_be_repointed_at_a_patient_of_the_attackers_choosing(secured_hub: RunningHub) -> None:
    hospital, other = Desktop(secured_hub, HOSPITAL).client(), Desktop(secured_hub, OTHER).client()
    pid, cid = hospital_patient(secured_hub)
    _accomplice_pid, accomplice_cid = _other_hospital_patient(secured_hub, pid)
    _granted(secured_hub, other, accomplice_cid, OTHER)  # the attacker holds one real consent
    # A hospital record about a Patient id that does not exist (yet), and one about a deleted one.
    for enc_id, patient_id in (("enc-ghost", "ghost-1"), ("enc-gone", "gone-1")):
        if patient_id == "gone-1":
            assert hospital.put("Patient/gone-1", json={"resourceType": "Patient", "meta": tag(HOSPITAL),
                                                       "identifier": [{"system": CID_SYSTEM, "value": cid}]}).status_code == 201
        assert hospital.put(f"Encounter/{enc_id}", json={
            "resourceType": "Encounter", "meta": tag(HOSPITAL), "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "subject": {"reference": f"Patient/{patient_id}"}}).status_code == 201
    assert hospital.delete("Patient/gone-1").status_code == 200
    fake = {"resourceType": "Patient", "meta": tag(OTHER), "identifier": [{"system": CID_SYSTEM, "value": accomplice_cid}]}
    taken = other.put("Patient/gone-1", json=fake)
    assert taken.status_code == 403 and "not reused" in taken.json()["issue"][0]["diagnostics"]
    assert other.put("Patient/ghost-1", json=fake).status_code == 201  # a free id: the attacker may create it ...
    assert other.get("Encounter/enc-ghost").status_code == 403  # ... but the hospital's record is not its patient's
    assert other.get("Encounter", params={"patient": "Patient/ghost-1"}).status_code == 403
    assert other.get("Encounter/enc-gone").status_code == 403


# -- high -------------------------------------------------------------------------------------------


def test_every_read_across_facilities_is_audited(secured_hub: RunningHub) -> None:
    desk = Desktop(secured_hub, UNIT)
    pid, cid = hospital_patient(secured_hub)
    token = desk.token_response(purpose_of_use="BTG", patient_identifier=cid, reason=REASON).json()["access_token"]
    enc = next(s for s in secured_hub.engine.store.search("Encounter", parse("Encounter", [("patient", f"Patient/{pid}")]))[0])
    with httpx.Client(base_url=secured_hub.url + "/", timeout=30,
                      headers={"Content-Type": "application/fhir+json", "Authorization": f"Bearer {token}"}) as btg:
        reads = {
            "instance history": lambda: btg.get(f"Encounter/{enc.id}/_history"),
            "type history": lambda: btg.get("Encounter/_history"),
            "create if none exists": lambda: btg.post("Encounter", json={**enc.resource, "meta": tag(UNIT)},
                                                      headers={"If-None-Exist": f"_id={enc.id}"}),
            "batch ifNoneExist": lambda: btg.post("", json={"resourceType": "Bundle", "type": "batch", "entry": [
                {"resource": {**enc.resource, "meta": tag(UNIT)},
                 "request": {"method": "POST", "url": "Encounter", "ifNoneExist": f"_id={enc.id}"}}]}),
        }
        for what, read in reads.items():
            before = _audit_count(secured_hub)
            answer = read()
            assert answer.status_code == 200, (what, answer.text)
            assert enc.id in answer.text, what  # the hospital's record came back ...
            assert _audit_count(secured_hub) > before, what  # ... and the hub wrote down who read it


def test_the_receiving_facility_moves_a_referral_but_cannot_rewrite_it(secured_hub: RunningHub) -> None:
    unit, hospital = Desktop(secured_hub, UNIT).client(), Desktop(secured_hub, HOSPITAL).client()
    other = Desktop(secured_hub, OTHER).client()
    unit.put("Patient/rp", json={"resourceType": "Patient", "meta": tag(UNIT)})
    task = {"resourceType": "Task", "meta": tag(UNIT), "status": "requested", "intent": "order",
            "description": "ส่งต่อ ความดันสูง", "for": {"reference": "Patient/rp"},
            "requester": {"reference": f"Organization/{UNIT}"}, "owner": {"reference": f"Organization/{HOSPITAL}"}}
    assert unit.put("Task/t1", json=task).status_code == 201
    current = hospital.get("Task/t1").json()
    rewrites = {"description": {"description": "changed"}, "for": {"for": {"reference": "Patient/elsewhere"}},
                "requester": {"requester": {"reference": f"Organization/{OTHER}"}},
                "owner": {"owner": {"reference": f"Organization/{OTHER}"}}}
    for what, change in rewrites.items():
        answer = hospital.put("Task/t1", json={**current, **change})
        assert answer.status_code == 403, what
        assert what in answer.json()["issue"][0]["diagnostics"], what
    assert other.get("Task/t1").status_code == 403
    accepted = hospital.put("Task/t1", json={**current, "status": "accepted", "statusReason": {"text": "รับไว้"},
                                             "output": [{"type": {"text": "note"}, "valueString": "นัด 2 ธ.ค."}]})
    assert accepted.status_code == 200, accepted.text
    dropped = hospital.put("Task/t1", json={**accepted.json(), "output": []})
    assert dropped.status_code == 403 and "outputs" in dropped.json()["issue"][0]["diagnostics"]
    assert unit.get("Task/t1").json()["output"][0]["valueString"] == "นัด 2 ธ.ค."


# -- medium ----------------------------------------------------------------------------------------


def test_a_resource_carries_one_facility_tag(secured_hub: RunningHub) -> None:
    unit = Desktop(secured_hub, UNIT).client()
    two = {"resourceType": "Patient", "meta": {"tag": [{"system": HCODE_SYSTEM, "code": UNIT},
                                                       {"system": HCODE_SYSTEM, "code": OTHER}]}}
    answer = unit.put("Patient/two-tags", json=two)
    assert answer.status_code == 422 and "one facility tag" in answer.json()["issue"][0]["diagnostics"]


def test_a_facility_cannot_post_break_glass_entries_for_another(secured_hub: RunningHub) -> None:
    attacker, victim = Desktop(secured_hub, OTHER), Desktop(secured_hub, UNIT)
    _pid, cid = hospital_patient(secured_hub)
    forged = {"resourceType": "AuditEvent", "meta": tag(OTHER),
              "type": {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110113"},
              "subtype": [{"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110127"}],
              "action": "E", "recorded": "2026-11-30T10:00:00Z", "outcome": "0",
              "agent": [{"who": {"identifier": {"system": "urn:clinic-app:actor", "value": victim.client_id}},
                         "requestor": True,
                         "extension": [{"url": FACILITY_EXTENSION,
                                        "valueIdentifier": {"system": HCODE_SYSTEM, "value": UNIT}}]}],
              "source": {"observer": {"display": "Health Link sandbox hub"}},
              "entity": [{"what": {"identifier": {"system": CID_SYSTEM, "value": cid}}}]}
    with attacker.client() as client:
        answer = client.post("AuditEvent", json=forged)
        assert answer.status_code == 403
        own = {**forged, "agent": [{**forged["agent"][0], "who": {"identifier": {"system": "urn:clinic-app:actor",
                                                                                "value": "nurse"}},
                                    "extension": [{"url": FACILITY_EXTENSION,
                                                   "valueIdentifier": {"system": HCODE_SYSTEM, "value": OTHER}}]}]}
        assert client.post("AuditEvent", json=own).status_code == 201  # its own people's record is its to keep
    assert secured_hub.hub.admin.break_glass_log() == []  # the review list holds what the hub itself wrote


# -- low --------------------------------------------------------------------------------------------


def test_paging_and_refusals_tell_nothing_about_what_exists_elsewhere(secured_hub: RunningHub) -> None:
    unit, hospital = Desktop(secured_hub, UNIT).client(), Desktop(secured_hub, HOSPITAL).client()
    for i in range(3):
        assert unit.put(f"Patient/mine-{i}", json={"resourceType": "Patient", "meta": tag(UNIT)}).status_code == 201
    page = unit.get("Patient", params={"_count": "1", "_sort": "_lastUpdated"}).json()
    next_url = next(link["url"] for link in page["link"] if link["relation"] == "next")
    cursor = httpx.URL(next_url).params["_cursor"]
    assert "mine-" not in cursor and "," not in cursor and ":" not in cursor  # no id, no time: sealed
    assert unit.get(next_url).status_code == 200
    forged = unit.get("Patient", params={"_count": "1", "_cursor": "2000-01-01T00:00:00Z,x"})
    assert forged.status_code == 400
    pid, _cid = hospital_patient(secured_hub)
    assert hospital.put("Patient/h-gone", json={"resourceType": "Patient", "meta": tag(HOSPITAL)}).status_code == 201
    assert hospital.delete("Patient/h-gone").status_code == 200
    answers = [unit.get(path) for path in (f"Patient/{pid}", "Patient/h-gone", "Patient/never-was")]
    assert [a.status_code for a in answers] == [403, 403, 403]  # not yours, deleted, not there: one answer
    assert len({a.json()["issue"][0]["diagnostics"] for a in answers}) == 1
    assert unit.get("Patient/mine-0").status_code == 200
    assert unit.delete("Patient/mine-0").status_code == 200
    assert unit.get("Patient/mine-0").status_code == 410  # its own record: said as it is
    searched = unit.get("Observation", params={"patient": f"Patient/{pid}"})
    assert searched.status_code == 403 and not any(ch.isdigit() for ch in searched.json()["issue"][0]["diagnostics"])


def test_a_token_is_for_the_hubs_own_address_whatever_the_host_header(secured_hub: RunningHub) -> None:
    desk = Desktop(secured_hub, UNIT)
    elsewhere = "http://attacker.invalid/auth/token"
    spoofed = httpx.post(secured_hub.token_url, headers={"Host": "attacker.invalid"}, data={
        "grant_type": "client_credentials", "scope": "system/*.read",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": desk.assertion(aud=elsewhere)})
    assert spoofed.status_code == 401
    conf = httpx.get(secured_hub.url + "/.well-known/smart-configuration", headers={"Host": "attacker.invalid"})
    assert conf.json()["token_endpoint"] == secured_hub.token_url
    assert desk.token_response().status_code == 200


def test_bodies_that_would_exhaust_the_hub_are_refused_plainly(secured_hub: RunningHub) -> None:
    import json as _json

    unit = Desktop(secured_hub, UNIT).client()
    deep: dict[str, Any] = {"url": "https://example.org/x", "valueString": "x"}
    for _ in range(300):
        deep = {"url": "https://example.org/x", "extension": [deep]}
    bodies = {"300-level extension": _json.dumps({"resourceType": "Patient", "meta": tag(UNIT), "extension": [deep]}),
              "5,000-digit number": '{"resourceType": "Patient", "multipleBirthInteger": ' + "9" * 5000 + "}",
              "millions of empty objects": "[" + "{}," * 3_000_000 + "{}]"}
    for what, body in bodies.items():
        answer = unit.post("Patient", content=body.encode())
        assert answer.status_code in (400, 413), what
        assert answer.json()["resourceType"] == "OperationOutcome", what
    assert unit.get("metadata").status_code == 200


def test_a_count_says_what_the_reader_may_read_without_walking_the_hub(secured_hub: RunningHub) -> None:
    unit = Desktop(secured_hub, UNIT).client()
    pid, cid = hospital_patient(secured_hub)
    unit.put("Patient/own-1", json={"resourceType": "Patient", "meta": tag(UNIT)})

    def paged(rtype: str) -> int:
        seen, url, params = 0, rtype, {"_count": "50"}
        while url:
            page = unit.get(url, params=params).json()
            seen += sum(1 for e in page.get("entry", []) if e.get("search", {}).get("mode") == "match")
            url, params = next((link["url"] for link in page["link"] if link["relation"] == "next"), None), None
        return seen

    def counted(rtype: str) -> int:
        return unit.get(rtype, params={"_summary": "count"}).json()["total"]

    assert counted("Patient") == paged("Patient") == 1 and counted("Observation") == paged("Observation") == 0
    _granted(secured_hub, unit, cid, UNIT)
    for rtype in ("Patient", "Observation", "Encounter", "Consent", "Organization"):
        assert counted(rtype) == paged(rtype), rtype
    assert counted("Patient") == 2 and counted("Observation") > 0
    loaded: list[int] = []
    real_search = secured_hub.engine.store.search

    def watched(rtype, crit):  # type: ignore[no-untyped-def]
        found = real_search(rtype, crit)
        loaded.append(len(found[0]) if rtype == "Observation" else 0)
        return found

    secured_hub.engine.store.search = watched  # type: ignore[method-assign]
    try:
        readable = counted("Observation")
    finally:
        secured_hub.engine.store.search = real_search  # type: ignore[method-assign]
    total = secured_hub.engine.store.count("Observation", parse("Observation", []))
    assert sum(loaded) == readable < total  # only the consented patient's records were read, not every one


def test_one_slow_request_does_not_stall_the_hub(secured_hub: RunningHub) -> None:
    import threading

    unit = Desktop(secured_hub, UNIT).client()
    engine = secured_hub.engine
    entered, release = threading.Event(), threading.Event()
    real_search = engine.search

    def slow_search(*args, **kwargs):  # type: ignore[no-untyped-def]
        entered.set()
        release.wait(20)  # a search that takes its time
        return real_search(*args, **kwargs)

    engine.search = slow_search  # type: ignore[method-assign]
    answers: list[int] = []
    slow = threading.Thread(target=lambda: answers.append(unit.get("Observation").status_code))
    slow.start()
    try:
        assert entered.wait(10)
        assert httpx.get(secured_hub.url + "/metadata", timeout=5).status_code == 200  # answered meanwhile
        assert slow.is_alive() and answers == []
    finally:
        release.set()
        slow.join(20)
        engine.search = real_search  # type: ignore[method-assign]
    assert answers == [200]
