"""The sandbox hub's FHIR REST API, against a real server on a loopback port."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx

from clinic_app.core.identifiers import CID_SYSTEM
from clinic_app.hub.server import RunningHub, start_in_thread
from tests.hub.conftest import FHIR

TAG = "https://terms.sil-th.org/id/th-moph-hcode"


def patient(cid: str = "1234567890121", **extra: object) -> dict:
    return {"resourceType": "Patient", "identifier": [{"system": CID_SYSTEM, "value": cid}],
            "name": [{"text": "นางทดสอบ ฮับ"}], "meta": {"tag": [{"system": TAG, "code": "12345"}]}, **extra}


def outcome_of(r: httpx.Response) -> str:
    body = r.json()
    assert body["resourceType"] == "OperationOutcome", body
    return body["issue"][0]["diagnostics"]


def test_metadata_lists_what_is_supported(client: httpx.Client) -> None:
    cap = client.get("metadata").json()
    assert cap["resourceType"] == "CapabilityStatement" and cap["fhirVersion"] == "4.0.1"
    types = {r["type"]: r for r in cap["rest"][0]["resource"]}
    assert {"Patient", "Consent", "Task", "AuditEvent", "Organization"} <= set(types)
    names = {p["name"] for p in types["Patient"]["searchParam"]}
    assert {"identifier", "_tag", "_lastUpdated", "patient", "status", "owner"} <= names
    assert types["Patient"]["operation"][0]["name"] == "everything"
    assert {"code": "transaction"} in cap["rest"][0]["interaction"]


def test_put_create_update_if_match_delete_history(client: httpx.Client) -> None:
    pid = str(uuid.uuid4())
    r = client.put(f"Patient/{pid}", json=patient())
    assert r.status_code == 201 and r.headers["ETag"] == 'W/"1"'
    assert r.headers["Location"].endswith(f"/Patient/{pid}/_history/1") and "Last-Modified" in r.headers
    assert client.put(f"Patient/{pid}", json=patient()).status_code == 200  # resend: no new version
    assert client.get(f"Patient/{pid}").headers["ETag"] == 'W/"1"'
    r = client.put(f"Patient/{pid}", json=patient(gender="female"), headers={"If-Match": 'W/"1"'})
    assert r.status_code == 200 and r.json()["meta"]["versionId"] == "2"
    # the same change resent with the old If-Match (response lost): recognised, not a conflict
    assert client.put(f"Patient/{pid}", json=patient(gender="female"), headers={"If-Match": 'W/"1"'}).status_code == 200
    stale = client.put(f"Patient/{pid}", json=patient(gender="male"), headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 412 and stale.headers["ETag"] == 'W/"2"' and "version 2" in outcome_of(stale)
    assert client.get(f"Patient/{pid}/_history/1").json().get("gender") is None
    assert client.delete(f"Patient/{pid}").status_code == 200
    gone = client.get(f"Patient/{pid}")
    assert gone.status_code == 410 and outcome_of(gone)
    hist = client.get(f"Patient/{pid}/_history").json()
    assert [e["request"]["method"] for e in hist["entry"]] == ["PUT", "PUT", "DELETE"]
    assert client.put(f"Patient/{pid}", json=patient()).status_code == 201  # re-created after delete


def test_post_and_conditional_create_and_update(client: httpx.Client) -> None:
    r = client.post("Patient", json=patient("1101700207030"))
    assert r.status_code == 201
    pid = r.json()["id"]
    again = client.post("Patient", json=patient("1101700207030"),
                        headers={"If-None-Exist": f"identifier={CID_SYSTEM}|1101700207030"})
    assert again.status_code == 200 and again.json()["id"] == pid
    upd = client.put(f"Patient?identifier={CID_SYSTEM}|1101700207030", json=patient("1101700207030", gender="male"))
    assert upd.status_code == 200 and upd.json()["id"] == pid and upd.json()["gender"] == "male"
    new = client.put(f"Patient?identifier={CID_SYSTEM}|3100500123458", json=patient("3100500123458"))
    assert new.status_code == 201
    assert client.get("Patient", params={"_summary": "count"}).json()["total"] == 2


def test_search_parameters_and_paging_while_others_write(client: httpx.Client) -> None:
    ids = []
    for i in range(25):
        r = client.put(f"Patient/p{i:02d}", json=patient("1234567890121"))
        ids.append(r.json()["id"])
    obs = {"resourceType": "Observation", "status": "final", "code": {"text": "bp"},
           "subject": {"reference": "Patient/p03"}}
    client.put("Observation/o1", json=obs)
    task = {"resourceType": "Task", "status": "requested", "intent": "order",
            "owner": {"reference": "Organization/10669"}}
    client.put("Task/t1", json=task)
    assert [e["resource"]["id"] for e in client.get("Observation", params={"patient": "p03"}).json()["entry"]] == ["o1"]
    assert len(client.get("Observation", params={"subject": "Patient/p03"}).json()["entry"]) == 1
    owned = client.get("Task", params={"owner": "Organization/10669", "status": "requested"}).json()
    assert [e["resource"]["id"] for e in owned["entry"]] == ["t1"]
    assert client.get("Task", params={"status": "completed"}).json()["entry"] == []
    assert len(client.get("Patient", params={"_tag": f"{TAG}|12345", "_count": "100"}).json()["entry"]) == 25
    assert client.get("Patient", params={"_tag": f"{TAG}|99999"}).json()["entry"] == []

    seen: list[str] = []
    url: str | None = "Patient?_count=10&_sort=_lastUpdated"
    writes = 0
    while url:
        page = client.get(url).json()
        seen += [e["resource"]["id"] for e in page["entry"]]
        if writes < 2:  # other clients write between pages: an edit of an early resource, a new one
            client.put("Patient/p00", json=patient(gender="other" if writes else "unknown"))
            client.put(f"Patient/new{writes}", json=patient())
            writes += 1
        url = next((link["url"] for link in page["link"] if link["relation"] == "next"), None)
    assert set(ids) <= set(seen)  # nothing skipped
    assert {"new0", "new1"} <= set(seen)
    first = client.get("Patient", params={"_sort": "_lastUpdated", "_count": "1"}).json()["entry"][0]["resource"]
    after = client.get("Patient", params={"_lastUpdated": f"gt{first['meta']['lastUpdated']}", "_summary": "count"})
    assert after.json()["total"] == 26  # everything but the first
    newest = client.get("Patient", params={"_sort": "-_lastUpdated", "_count": "1"}).json()["entry"][0]
    assert newest["resource"]["id"] == "new1"  # the last write


def test_history_type_and_system_level_with_since(client: httpx.Client) -> None:
    client.put("Patient/h1", json=patient())
    mark = client.get("Patient/h1").json()["meta"]["lastUpdated"]
    client.put("Patient/h2", json=patient())
    client.delete("Patient/h1")
    typed = client.get("Patient/_history", params={"_since": mark}).json()
    assert [(e["fullUrl"].rsplit("/", 1)[1], e["request"]["method"]) for e in typed["entry"]] == \
        [("h1", "PUT"), ("h2", "PUT"), ("h1", "DELETE")]
    page = client.get("_history", params={"_count": "2"}).json()
    assert len(page["entry"]) == 2
    nxt = next(link["url"] for link in page["link"] if link["relation"] == "next")
    assert len(client.get(nxt).json()["entry"]) == 1


def test_transaction_is_atomic_and_resolves_urn_uuids(client: httpx.Client) -> None:
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000001", "resource": patient(),
         "request": {"method": "POST", "url": "Patient"}},
        {"fullUrl": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000002",
         "resource": {"resourceType": "Encounter", "status": "finished",
                      "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
                      "subject": {"reference": "urn:uuid:aaaaaaaa-0000-4000-8000-000000000001"}},
         "request": {"method": "PUT", "url": "Encounter/e1"}},
    ]}
    r = client.post("", json=bundle)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["type"] == "transaction-response"
    assert [e["response"]["status"] for e in out["entry"]] == ["201", "201"]
    pid = out["entry"][0]["resource"]["id"]
    assert client.get("Encounter/e1").json()["subject"]["reference"] == f"Patient/{pid}"

    bad = json.loads(json.dumps(bundle))
    bad["entry"][0]["request"] = {"method": "PUT", "url": "Patient/tx-new"}
    bad["entry"][1]["resource"]["status"] = None
    bad["entry"][1]["resource"]["period"] = {"start": "not a date"}
    r = client.post("", json=bad)
    assert r.status_code in (400, 422) and "entry 1" in outcome_of(r)
    assert client.get("Patient/tx-new").status_code == 404  # all or nothing


def test_batch_entries_succeed_or_fail_alone(client: httpx.Client) -> None:
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": [
        {"resource": patient(), "request": {"method": "PUT", "url": "Patient/b1"}},
        {"resource": {"resourceType": "Patient", "birthDate": "31/12/2530"}, "request": {"method": "PUT", "url": "Patient/b2"}},
        {"request": {"method": "GET", "url": "Patient/b1"}},
    ]}
    out = client.post("", json=bundle).json()
    assert [e["response"]["status"] for e in out["entry"]] == ["201", "422", "200"]
    assert "birthDate" in json.dumps(out["entry"][1]["response"]["outcome"])


def test_everything_returns_the_patient_compartment(client: httpx.Client) -> None:
    client.put("Patient/e1", json=patient())
    client.put("Observation/eo", json={"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                                      "subject": {"reference": "Patient/e1"}})
    client.put("Observation/other", json={"resourceType": "Observation", "status": "final", "code": {"text": "x"},
                                         "subject": {"reference": "Patient/zz"}})
    ids = [e["resource"]["id"] for e in client.get("Patient/e1/$everything").json()["entry"]]
    assert ids == ["e1", "eo"]


def test_bad_requests_get_an_operation_outcome_and_the_server_keeps_serving(client: httpx.Client, hub: RunningHub) -> None:
    cases = [
        (client.post("Patient", content=b'{"resourceType": "Patient",'), 400),
        (client.post("Patient", content=b"<Patient/>", headers={"Content-Type": "application/xml"}), 415),
        (client.get("Nonsense/1"), 404),
        (client.get("Patient/bad id!"), 400),
        (client.get("Patient", params={"nmae": "x"}), 400),
        (client.get("Patient", params={"name:exact": "x"}), 400),
        (client.get("Patient", params={"_lastUpdated": "gtyesterday"}), 400),
        (client.get("Patient", params={"_count": "ten"}), 400),
        (client.put("Patient/x1", json={"resourceType": "Observation"}), 400),
        (client.put("Patient/x1", json={**patient(), "id": "other"}), 400),
        (client.post("", json={"resourceType": "Bundle", "type": "transaction",
                               "entry": [{"request": {"method": "GET", "url": "Patient/x"}}] * 51}), 413),
        (client.post("Patient", content=b'{"resourceType":"Patient","text":"' + b"x" * 2_100_000 + b'"}'), 413),
        (client.get("no/such/path/here/at/all"), 404),
    ]
    for response, status in cases:
        assert response.status_code == status, (response.request.url, response.text[:200])
        assert response.json()["resourceType"] == "OperationOutcome"
    invalid = client.put("Patient/x2", json={"resourceType": "Patient", "gender": 7})
    assert invalid.status_code == 422 and invalid.json()["issue"][0]["expression"] == ["gender"]
    assert client.get("metadata").status_code == 200


def test_gzip_when_asked(client: httpx.Client) -> None:
    for i in range(20):
        client.put(f"Patient/g{i}", json=patient())
    raw = httpx.get(str(client.base_url) + "Patient?_count=20", headers={"Accept-Encoding": "gzip"})
    assert raw.headers["Content-Encoding"] == "gzip"
    assert len(raw.json()["entry"]) == 20


def test_data_survives_a_restart(tmp_path: Path) -> None:
    first = start_in_thread(tmp_path / "hub")
    with httpx.Client(base_url=first.url + "/", headers=FHIR) as c:
        c.put("Patient/keep", json=patient())
        c.put("Patient/keep", json=patient(gender="female"))
    first.stop()
    second = start_in_thread(tmp_path / "hub")
    try:
        with httpx.Client(base_url=second.url + "/", headers=FHIR) as c:
            r = c.get("Patient/keep")
            assert r.status_code == 200 and r.json()["gender"] == "female" and r.headers["ETag"] == 'W/"2"'
            assert c.put("Patient/next", json=patient()).json()["meta"]["lastUpdated"] > r.json()["meta"]["lastUpdated"]
    finally:
        second.stop()


def test_source_not_leaves_out_what_one_sync_marked_and_a_resend_is_no_new_version(client: httpx.Client) -> None:
    def put(rid: str, source: str | None, gender: str = "female") -> httpx.Response:
        body: dict = {"resourceType": "Patient", "id": rid, "gender": gender}
        if source:
            body["meta"] = {"source": source}
        return client.put(f"Patient/{rid}", json=body)

    nurse = "urn:clinic-app:staff:nurse"
    assert put("s1", f"{nurse}#sync-a").status_code == 201
    assert put("s2", f"{nurse}#sync-b").status_code == 201
    assert put("s3", None).status_code == 201
    found = client.get("Patient", params={"_source:not": "#sync-a"}).json()
    assert sorted(e["resource"]["id"] for e in found["entry"]) == ["s2", "s3"]
    assert client.get("Patient", params={"_source": nurse + "#sync-b"}).json()["entry"][0]["resource"]["id"] == "s2"
    assert put("s1", f"{nurse}#sync-b").json()["meta"]["versionId"] == "1"  # the same content, resent by another sync
    assert put("s1", "urn:clinic-app:staff:clerk#sync-b").json()["meta"]["versionId"] == "2"  # another author
    assert put("s1", f"{nurse}#sync-c", gender="male").json()["meta"]["versionId"] == "3"
    found = client.get("Patient", params={"_source:not": "#sync-a"}).json()
    assert "s1" in [e["resource"]["id"] for e in found["entry"]]  # its latest version is another sync's
    refused = client.get("Patient", params={"_id:not": "s1"})
    assert refused.status_code == 400  # other modifiers are still refused, not ignored
    statement = client.get("metadata").json()
    assert any(e["url"].endswith("/source-not") and e["valueBoolean"] for e in statement["extension"])
