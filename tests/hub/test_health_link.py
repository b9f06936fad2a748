"""Health Link's rules on the sandbox hub: SMART Backend Services auth, ownership, consent,
break-the-glass, audit and referral, against a real server on a loopback port."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import httpx

from clinic_app.core.identifiers import CID_SYSTEM, HCODE_SYSTEM
from clinic_app.hub.seed import HOSPITAL, OTHER_UNIT, TRAINING_UNIT
from clinic_app.hub.server import RunningHub, start_in_thread
from tests.hub.conftest import FHIR, Desktop

UNIT, OTHER = TRAINING_UNIT, OTHER_UNIT


def tag(hcode: str) -> dict:
    return {"tag": [{"system": HCODE_SYSTEM, "code": hcode}]}


def hospital_patient(hub: RunningHub) -> tuple[str, str]:
    found, _ = hub.engine.store.search("Patient", __import__("clinic_app.hub.search", fromlist=["parse"]).parse(
        "Patient", [("_tag", f"{HCODE_SYSTEM}|{HOSPITAL}")]))
    patient = found[0].resource
    cid = next(i["value"] for i in patient["identifier"] if i["system"] == CID_SYSTEM)
    return patient["id"], cid


def consent(cid: str, hcode: str, *, end: str | None = None) -> dict:
    """A consent request as a desktop makes it: 30 days from today unless `end` is given."""
    today = dt.date.today()
    period = {"start": (today - dt.timedelta(days=60) if end else today).isoformat(),
              "end": end or (today + dt.timedelta(days=30)).isoformat()}
    return {
        "resourceType": "Consent", "status": "proposed", "meta": tag(hcode),
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"identifier": {"system": CID_SYSTEM, "value": cid}},
        "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
        "provision": {"type": "permit", "period": period,
                      "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                                      "code": "IRCP"}]},
                                 "reference": {"reference": f"Organization/{hcode}"}}],
                      "purpose": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "TREAT"}]},
    }


def admin(hub: RunningHub, path: str) -> httpx.Response:
    return httpx.post(hub.url.rsplit("/fhir", 1)[0] + path, headers={"Authorization": f"Bearer {hub.hub.admin_token}"})


def test_tokens_are_needed_and_checked(secured_hub: RunningHub) -> None:
    base = secured_hub.url
    conf = httpx.get(base + "/.well-known/smart-configuration").json()
    assert conf["token_endpoint"] == secured_hub.token_url
    assert "private_key_jwt" in conf["token_endpoint_auth_methods_supported"]
    assert httpx.get(base + "/metadata").status_code == 200  # the CapabilityStatement is public
    r = httpx.get(base + "/Patient")
    assert r.status_code == 401 and r.json()["resourceType"] == "OperationOutcome" and "WWW-Authenticate" in r.headers
    assert httpx.get(base + "/Patient", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    desk = Desktop(secured_hub, UNIT)
    stranger = Desktop(secured_hub, UNIT, enroll=False)
    assert stranger.token_response().json()["error"] == "invalid_client"
    other_key = Desktop(secured_hub, OTHER, enroll=False).private_key
    assert desk.token_response(assertion=desk.assertion(key=other_key)).status_code == 401
    assert desk.token_response(assertion=desk.assertion(aud="https://elsewhere/token")).status_code == 401
    reused = desk.assertion(jti="same-jti")
    assert desk.token_response(assertion=reused).status_code == 200
    assert desk.token_response(assertion=reused).json()["error_description"].endswith("(replay)")
    with desk.client() as c:
        assert c.get("Organization").status_code == 200
    bad = httpx.post(base.rsplit("/fhir", 1)[0] + "/admin/clients", json={"client_id": "x", "hcode": "12",
                                                                           "jwks": {"keys": []}},
                     headers={"Authorization": f"Bearer {secured_hub.hub.admin_token}"})
    assert bad.status_code == 400
    assert httpx.post(base.rsplit("/fhir", 1)[0] + "/admin/clients", json=desk.enrolment).status_code == 401


def test_a_facility_writes_only_its_own_records(secured_hub: RunningHub) -> None:
    unit, other = Desktop(secured_hub, UNIT).client(), Desktop(secured_hub, OTHER).client()
    mine = {"resourceType": "Patient", "meta": tag(UNIT), "name": [{"text": "นายของเรา หน่วยเดียว"}]}
    assert unit.put("Patient/u1", json=mine).status_code == 201
    r = unit.put("Patient/u2", json={**mine, "meta": tag(OTHER)})
    assert r.status_code == 403 and "facility" in r.json()["issue"][0]["diagnostics"]
    assert unit.put("Patient/u3", json={k: v for k, v in mine.items() if k != "meta"}).status_code == 403
    assert other.put("Patient/u1", json={**mine, "meta": tag(OTHER)}).status_code == 403
    assert other.delete("Patient/u1").status_code == 403
    assert unit.put(f"Organization/{UNIT}", json={"resourceType": "Organization", "name": "x"}).status_code == 403
    # own records come back in an incremental pull by tag; the other unit's search shows none of them
    own = unit.get("Patient", params={"_tag": f"{HCODE_SYSTEM}|{UNIT}"}).json()
    assert [e["resource"]["id"] for e in own["entry"]] == ["u1"]
    theirs = other.get("Patient", params={"_tag": f"{HCODE_SYSTEM}|{UNIT}"}).json()
    assert [e["resource"]["resourceType"] for e in theirs["entry"]] == ["OperationOutcome"]


def test_consent_workflow_gates_another_facilitys_records(secured_hub: RunningHub) -> None:
    unit = Desktop(secured_hub, UNIT).client()
    pid, cid = hospital_patient(secured_hub)
    for response in (unit.get(f"Patient/{pid}"), unit.get(f"Patient/{pid}/$everything"),
                     unit.get("Patient", params={"identifier": f"{CID_SYSTEM}|{cid}"}),
                     unit.get("Observation", params={"patient": pid})):
        assert response.status_code == 403, response.request.url
        assert "consent needed" in response.json()["issue"][0]["diagnostics"]

    created = unit.post("Consent", json=consent(cid, UNIT))
    assert created.status_code == 201
    cons = created.json()
    assert unit.put(f"Consent/{cons['id']}", json={**cons, "status": "active"}).status_code == 403
    assert unit.post("Consent", json={**consent(cid, UNIT), "status": "active"}).status_code == 403
    assert admin(secured_hub, f"/admin/consents/{cons['id']}/approve").json()["status"] == "active"
    assert admin(secured_hub, f"/admin/consents/{cons['id']}/approve").status_code == 409  # illegal transition

    everything = unit.get(f"Patient/{pid}/$everything")
    assert everything.status_code == 200
    owners = {e["resource"]["meta"]["tag"][0]["code"] for e in everything.json()["entry"]}
    assert owners == {HOSPITAL} and len(everything.json()["entry"]) > 3
    assert unit.get("Patient", params={"identifier": f"{CID_SYSTEM}|{cid}"}).json()["entry"][0]["resource"]["id"] == pid
    audits = [s.resource for s in secured_hub.engine.store.search(
        "AuditEvent", __import__("clinic_app.hub.search", fromlist=["parse"]).parse("AuditEvent", []))[0]]
    assert any(a["entity"][0]["what"]["identifier"]["value"] == cid and
               a["agent"][0]["extension"][0]["valueIdentifier"]["value"] == UNIT for a in audits)
    # the unit sees its own consent with the patient's answer in the normal pull
    mine = unit.get("Consent", params={"_tag": f"{HCODE_SYSTEM}|{UNIT}"}).json()["entry"]
    assert mine[0]["resource"]["status"] == "active"

    assert admin(secured_hub, f"/admin/consents/{cons['id']}/revoke").json()["status"] == "inactive"
    assert unit.get(f"Patient/{pid}/$everything").status_code == 403
    other = Desktop(secured_hub, OTHER).client()
    assert other.get(f"Patient/{pid}").status_code == 403  # the consent never named this unit


def test_rejected_and_expired_consents_give_no_access(secured_hub: RunningHub) -> None:
    unit = Desktop(secured_hub, UNIT).client()
    pid, cid = hospital_patient(secured_hub)
    rejected = unit.post("Consent", json=consent(cid, UNIT)).json()
    assert admin(secured_hub, f"/admin/consents/{rejected['id']}/reject").json()["status"] == "rejected"
    assert unit.get(f"Patient/{pid}").status_code == 403
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    expired = unit.post("Consent", json=consent(cid, UNIT, end=yesterday)).json()
    admin(secured_hub, f"/admin/consents/{expired['id']}/approve")
    assert unit.get(f"Patient/{pid}").status_code == 403
    withdrawn = unit.post("Consent", json=consent(cid, UNIT)).json()
    assert unit.put(f"Consent/{withdrawn['id']}", json={**withdrawn, "status": "entered-in-error"}).status_code == 200


def test_break_the_glass_is_short_lived_per_patient_and_audited(secured_hub: RunningHub) -> None:
    desk = Desktop(secured_hub, UNIT)
    pid, cid = hospital_patient(secured_hub)
    short = desk.token_response(purpose_of_use="BTG", patient_identifier=cid, reason="unconscious")
    assert short.status_code == 400 and "reason" in short.json()["error_description"]
    r = desk.token_response(purpose_of_use="BTG", patient_identifier=cid,
                            reason="ผู้ป่วยหมดสติ ไม่มีญาติ ต้องทราบประวัติแพ้ยาก่อนให้ยา")
    assert r.status_code == 200 and r.json()["expires_in"] == 900 and "btg" in r.json()["scope"]
    with httpx.Client(base_url=secured_hub.url + "/", headers={**FHIR, "Authorization": f"Bearer {r.json()['access_token']}"}) as c:
        assert c.get(f"Patient/{pid}/$everything").status_code == 200
        other_pid = next(s.id for s in secured_hub.engine.store.search(
            "Patient", __import__("clinic_app.hub.search", fromlist=["parse"]).parse("Patient", []))[0]
            if s.id != pid and s.resource["meta"]["tag"][0]["code"] == HOSPITAL)
        assert c.get(f"Patient/{other_pid}").status_code == 403
    review = httpx.get(secured_hub.url.rsplit("/fhir", 1)[0] + "/admin/break-glass",
                       headers={"Authorization": f"Bearer {secured_hub.hub.admin_token}"}).json()
    [event] = [e["resource"] for e in review["entry"]]
    assert event["type"]["code"] == "110113" and event["subtype"][0]["code"] == "110127"
    assert event["entity"][0]["what"]["identifier"]["value"] == cid and "หมดสติ" in event["entity"][0]["description"]
    assert event["purposeOfEvent"][0]["coding"][0]["code"] == "BTG"


def test_referral_task_flows_to_the_receiving_facility(secured_hub: RunningHub) -> None:
    unit, hospital = Desktop(secured_hub, UNIT).client(), Desktop(secured_hub, HOSPITAL).client()
    unit.put("Patient/rp", json={"resourceType": "Patient", "meta": tag(UNIT)})
    sr = {"resourceType": "ServiceRequest", "meta": tag(UNIT), "status": "active", "intent": "order",
          "category": [{"coding": [{"system": "http://snomed.info/sct", "code": "3457005", "display": "Referral"}]}],
          "subject": {"reference": "Patient/rp"}, "performer": [{"reference": f"Organization/{HOSPITAL}"}],
          "reasonCode": [{"text": "ความดันสูงควบคุมไม่ได้"}]}
    assert unit.put("ServiceRequest/sr1", json=sr).status_code == 201
    task = {"resourceType": "Task", "meta": tag(UNIT), "status": "requested", "intent": "order",
            "focus": {"reference": "ServiceRequest/sr1"}, "for": {"reference": "Patient/rp"},
            "requester": {"reference": f"Organization/{UNIT}"}, "owner": {"reference": f"Organization/{HOSPITAL}"}}
    assert unit.put("Task/t1", json=task).status_code == 201
    inbox = hospital.get("Task", params={"owner": f"Organization/{HOSPITAL}", "status": "requested"}).json()
    [entry] = inbox["entry"]
    assert entry["resource"]["id"] == "t1"
    assert hospital.get("ServiceRequest/sr1").status_code == 200
    accepted = hospital.put("Task/t1", json={**entry["resource"], "status": "accepted"},
                            headers={"If-Match": 'W/"1"'})
    assert accepted.status_code == 200
    assert hospital.put("Task/t1", json={**accepted.json(), "status": "requested"}).status_code == 422
    assert hospital.put("Task/t1", json={**accepted.json(), "meta": tag(HOSPITAL)}).status_code == 403
    assert unit.get("Task/t1").json()["status"] == "accepted"  # the result flows back


def test_auto_approve_for_demos(tmp_path: Path) -> None:
    from clinic_app.hub.seed import seed_demo

    running = start_in_thread(tmp_path / "hub", auth=True, auto_approve_seconds=0)
    try:
        seed_demo(running.engine, patients=2)
        unit = Desktop(running, UNIT).client()
        pid, cid = hospital_patient(running)
        cons = unit.post("Consent", json=consent(cid, UNIT)).json()
        assert unit.get(f"Consent/{cons['id']}").json()["status"] == "active"
        assert unit.get(f"Patient/{pid}").status_code == 200
    finally:
        running.stop()


def test_hub_admin_commands(tmp_path: Path) -> None:
    from clinic_app.hub.server import open_hub

    hub_dir = tmp_path / "hub"
    hub = open_hub(hub_dir)
    stored, _ = hub.engine.store.put("Consent", "c1", consent("1234567890121", UNIT))
    hub.close()
    running = start_in_thread(tmp_path / "x", auth=True)
    enrolment = Desktop(running, UNIT, enroll=False).enrolment
    running.stop()
    (tmp_path / "device.json").write_text(json.dumps(enrolment))

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "clinic_app", "hub", *args, "--data-dir", str(hub_dir)],
                              capture_output=True, text=True, timeout=120)

    r = cli("enroll", str(tmp_path / "device.json"))
    assert r.returncode == 0 and json.loads(r.stdout)["hcode"] == UNIT
    r = cli("consent", "approve", "c1")
    assert r.returncode == 0 and "active" in r.stdout
    r = cli("consent", "approve", "c1")
    assert r.returncode == 2 and "needs it to be proposed" in r.stderr and "Traceback" not in r.stderr
    r = cli("consent", "approve", "nope")
    assert r.returncode == 2
    assert json.loads(cli("break-glass").stdout) == []


def test_a_count_of_own_records_is_the_same_by_the_index_or_record_by_record(secured_hub: RunningHub) -> None:
    unit = Desktop(secured_hub, UNIT).client()
    for i in range(3):
        unit.put(f"Patient/own{i}", json={"resourceType": "Patient", "meta": tag(UNIT)})
    own = unit.get("Patient", params={"_tag": f"{HCODE_SYSTEM}|{UNIT}", "_summary": "count"}).json()["total"]
    everything = unit.get("Patient", params={"_summary": "count"}).json()["total"]  # filtered one by one
    assert own == everything == 3  # the hospital's seeded patients are not counted for the unit
