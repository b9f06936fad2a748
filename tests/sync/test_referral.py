"""Referral out and in through the real hub on loopback, with two facilities (issue 16): a
unit refers, the hospital receives, reads the patient's records under the referral and
accepts, the unit sees it; a rejection with its reason; a referral made offline goes out on
reconnect; the hub lets the hospital read the patient's records under an open referral or
the patient's consent, and refuses without either (and again once the referral is closed)."""

from __future__ import annotations

import pytest

from clinic_app.core.errors import ConsentNeededError, InvalidInputError
from clinic_app.core.fhir import owner_of, patient_cid
from clinic_app.core.identifiers import CID_SYSTEM, HCODE_SYSTEM
from clinic_app.core.permissions import CLINICIAN, Actor
from clinic_app.hub.search import parse
from clinic_app.hub.seed import HOSPITAL, seed_demo
from clinic_app.hub.server import RunningHub
from clinic_app.services.consent import ConsentService
from clinic_app.services.installation import Installation, configure_hub
from clinic_app.services.records import RecordService
from clinic_app.services.referrals import ReferralService
from clinic_app.services.sync import make_client
from clinic_app.store.record_store import RecordStore
from clinic_app.sync.foreign import fetch_patient_records
from tests.sync.conftest import FAST_RETRY, Factory, sync

NURSE = Actor("nurse.somsri", CLINICIAN)
DOCTOR = Actor("dr.anan", CLINICIAN)
REASON = "ปวดท้องน้อยด้านขวา สงสัยไส้ติ่งอักเสบ"


@pytest.fixture
def seeded(hub: RunningHub) -> RunningHub:
    seed_demo(hub.engine, patients=1)  # the Organization directory, the hospital among them
    return hub


def _unit_with_patient(hub: RunningHub, desktop: Factory, **options: object) -> tuple[Installation, RecordStore, str]:
    unit = desktop(hub, "unit", **options)
    store = unit.connect()
    RecordService(store, actor=NURSE).load_demo(1, seed=11)
    patient = next(p for p in store.iter_resources(resource_type="Patient") if patient_cid(p))
    return unit, store, patient["id"]


def _hospital(hub: RunningHub, desktop: Factory) -> tuple[Installation, RecordStore]:
    hospital = desktop(hub, "hospital", hcode=HOSPITAL)
    return hospital, hospital.connect()


def _referred(hub: RunningHub, desktop: Factory
              ) -> tuple[Installation, RecordStore, str, str, Installation, RecordStore]:
    """A unit's patient referred to the hospital, sent, and pulled by the hospital: (the unit,
    its store, the patient's id, the referral's id, the hospital, its store)."""
    unit, store, patient_id = _unit_with_patient(hub, desktop)
    sync(unit)
    task_id = ReferralService(store, actor=NURSE).create(patient_id, HOSPITAL, REASON).value
    sync(unit)
    hospital, hstore = _hospital(hub, desktop)
    sync(hospital)
    return unit, store, patient_id, task_id, hospital, hstore


def test_a_unit_refers_the_hospital_reads_accepts_and_completes_and_the_unit_sees_each_answer(
        seeded: RunningHub, desktop: Factory) -> None:
    unit, store, patient_id = _unit_with_patient(seeded, desktop)
    sync(unit)  # the directory
    referrals = ReferralService(store, actor=NURSE)
    assert (HOSPITAL, "โรงพยาบาลชุมชนตัวอย่าง") in referrals.facilities("ชุมชน")
    summary = referrals.summary(patient_id)
    assert "แพ้ยา" in summary and "การมารับบริการล่าสุด" in summary
    task_id = referrals.create(patient_id, HOSPITAL, REASON, urgency="urgent", diagnoses=["R103"]).value
    [row] = referrals.list()
    assert (row.id, row.state, row.facility, row.urgency) == (task_id, "queued", HOSPITAL, "urgent")
    sync(unit)
    assert referrals.list()[0].state == "requested"

    hospital, hstore = _hospital(seeded, desktop)
    sync(hospital)
    inbox = ReferralService(hstore, actor=DOCTOR)
    [incoming] = inbox.list(incoming=True)
    patient = store.get("Patient", patient_id)
    assert (incoming.id, incoming.state, incoming.facility, incoming.reason) == (task_id, "requested", "99999", REASON)
    assert incoming.patient == referrals.list()[0].patient and incoming.cid.endswith(patient_cid(patient)[-1])
    assert inbox.waiting() == 1 and inbox.list() == []
    detail = inbox.get(task_id)
    assert detail.diagnoses[0][0] == "R10.3" and "แพ้ยา" in detail.summary and detail.number.startswith("R")
    # the records the referral carries: read under the referral, kept with the others from elsewhere
    shown = ConsentService(hstore, hospital, actor=DOCTOR).show_records(patient_cid(patient)).value
    assert len(shown) > 3 and {r["facility"] for r in shown} == {"99999"} and {r["grant"] for r in shown} == {"referral"}

    inbox.answer(task_id, "accept")
    sync(hospital)
    sync(unit)
    assert referrals.list()[0].state == "accepted"
    inbox.answer(task_id, "complete", "ผ่าตัดไส้ติ่งแล้ว กลับบ้านได้ นัดตัดไหม 7 วัน")
    sync(hospital)
    sync(unit)
    done = referrals.list()[0]
    assert done.state == "completed" and "ผ่าตัดไส้ติ่งแล้ว" in done.answer
    sync(hospital)  # closed: the hospital's copy of the records goes
    with pytest.raises(ConsentNeededError):
        ConsentService(hstore, hospital, actor=DOCTOR).show_records(patient_cid(patient))
    store.close()
    hstore.close()


def test_a_rejection_reaches_the_unit_with_its_reason(seeded: RunningHub, desktop: Factory) -> None:
    unit, store, _patient_id, task_id, hospital, hstore = _referred(seeded, desktop)
    referrals = ReferralService(store, actor=NURSE)
    inbox = ReferralService(hstore, actor=DOCTOR)
    with pytest.raises(InvalidInputError):
        inbox.answer(task_id, "reject", "")  # a rejection says why
    inbox.answer(task_id, "reject", "เตียงเต็ม โปรดส่ง รพ.จังหวัด")
    with pytest.raises(InvalidInputError):
        inbox.answer(task_id, "accept")  # answered already
    sync(hospital)
    sync(unit)
    [row] = referrals.list()
    assert (row.state, row.answer) == ("rejected", "เตียงเต็ม โปรดส่ง รพ.จังหวัด")
    assert row.state_words("th") == "ปลายทางปฏิเสธ"
    store.close()
    hstore.close()


def test_a_referral_made_offline_goes_out_on_reconnect(seeded: RunningHub, desktop: Factory) -> None:
    unit, store, patient_id = _unit_with_patient(seeded, desktop, url="http://127.0.0.1:9/fhir")  # the link is down
    referrals = ReferralService(store, actor=NURSE)
    task_id = referrals.create(patient_id, HOSPITAL, REASON, urgency="emergency").value
    assert referrals.list()[0].state == "queued"
    configure_hub(unit, seeded.url, auth=True)
    sync(unit)
    assert referrals.list()[0].state == "requested"
    task = seeded.engine.store.current("Task", task_id)
    request = seeded.engine.store.current("ServiceRequest", task.resource["focus"]["reference"].split("/")[1])
    assert task.resource["owner"]["reference"] == f"Organization/{HOSPITAL}" and request.resource["priority"] == "stat"
    store.close()


def test_the_hub_lets_the_hospital_read_the_patients_records_only_under_an_open_referral(
        seeded: RunningHub, desktop: Factory) -> None:
    unit, store, patient_id = _unit_with_patient(seeded, desktop)
    sync(unit)
    cid = patient_cid(store.get("Patient", patient_id))
    hospital, hstore = _hospital(seeded, desktop)
    client = make_client(hospital, hstore, **FAST_RETRY)
    with pytest.raises(ConsentNeededError):  # no referral, no consent: refused
        fetch_patient_records(client, cid, own_hcode=HOSPITAL)
    elsewhere = {"system": HCODE_SYSTEM, "code": "11111"}  # the same person at a third facility
    seeded.engine.store.put("Patient", "third-p", {"resourceType": "Patient", "id": "third-p", "meta": {"tag": [elsewhere]},
                                                   "identifier": [{"system": CID_SYSTEM, "value": cid}]})
    referrals = ReferralService(store, actor=NURSE)
    task_id = referrals.create(patient_id, HOSPITAL, REASON).value
    sync(unit)
    read = fetch_patient_records(client, cid, own_hcode=HOSPITAL)
    assert {r["resourceType"] for r in read} >= {"Patient", "Encounter"}
    assert {owner_of(r) for r in read} == {"99999"}  # the referring unit's records, not the third facility's
    events, _ = seeded.engine.store.search("AuditEvent", parse("AuditEvent", []))
    assert any(e.resource.get("entity", [{}])[0].get("what", {}).get("identifier", {}).get("value") == cid
               for e in events)  # the read across facilities is audited
    sync(hospital)
    ReferralService(hstore, actor=DOCTOR).answer(task_id, "reject", "ไม่มีแพทย์เฉพาะทาง")
    sync(hospital)
    with pytest.raises(ConsentNeededError):  # closed: refused again
        fetch_patient_records(client, cid, own_hcode=HOSPITAL)
    # the other basis: the patient's consent for treatment at the hospital (given in the phone app)
    ConsentService(hstore, hospital, actor=DOCTOR).request_consent(cid)
    sync(hospital)
    consent_id = next(s.id for s in seeded.engine.store.search("Consent", parse("Consent", []))[0]
                      if s.resource["patient"]["identifier"]["value"] == cid)
    seeded.hub.admin.decide_consent(consent_id, "approve")
    assert {r["resourceType"] for r in fetch_patient_records(client, cid, own_hcode=HOSPITAL)} >= {"Patient", "Encounter"}
    client.close()
    store.close()
    hstore.close()


def test_a_referral_is_checked_before_it_is_saved(seeded: RunningHub, desktop: Factory) -> None:
    _unit, store, patient_id = _unit_with_patient(seeded, desktop)
    referrals = ReferralService(store, actor=NURSE)
    queued = store.outbox.counts()
    with pytest.raises(InvalidInputError) as refused:
        referrals.create(patient_id, "1234", "", urgency="soon", diagnoses=["12AB"])
    assert {p.path for p in refused.value.problems} == {"to", "reason", "urgency", "diagnosis"}
    assert all(p.thai for p in refused.value.problems)
    assert referrals.list() == [] and store.outbox.counts() == queued
    store.close()


def test_referral_commands_and_the_letter_on_the_command_line(seeded: RunningHub, desktop: Factory,
                                                            tmp_path) -> None:  # type: ignore[no-untyped-def]
    """create (prints the id), list, sync; the hospital's list of incoming, reject with the
    reason; the unit sees it; the letter as a PDF whose text holds the patient's Thai name and
    the reason; a wrong code and an unknown id said plainly, exit 2."""
    import json

    from tests.conftest import run_cli
    from tests.ui.test_printouts import assert_says, assert_thai_embedded, pdf_text

    unit, store, patient_id = _unit_with_patient(seeded, desktop)
    patient = store.get("Patient", patient_id)
    name = next(n for n in patient["name"] if n.get("text"))
    store.close()
    unit.close()
    hospital = desktop(seeded, "hospital", hcode=HOSPITAL)
    hospital.close()
    here, there = str(unit.folder.path), str(hospital.folder.path)
    assert run_cli("--data-dir", here, "sync").returncode == 0
    bad = run_cli("--data-dir", here, "referral", "create", "--cid", patient_cid(patient), "--to", "12", "--reason", "x")
    assert bad.returncode == 2 and "hcode" in bad.stderr and "Traceback" not in bad.stderr
    made = run_cli("--data-dir", here, "referral", "create", "--cid", patient_cid(patient), "--to", HOSPITAL,
                   "--reason", REASON, "--urgency", "urgent", "--diagnosis", "K35.8")
    assert made.returncode == 0, made.stderr
    task_id = made.stdout.strip()
    [row] = json.loads(run_cli("--data-dir", here, "referral", "list", "--json").stdout)
    assert (row["id"], row["state"], row["facility"]) == (task_id, "queued", HOSPITAL)
    assert run_cli("--data-dir", here, "sync").returncode == 0
    assert run_cli("--data-dir", there, "sync").returncode == 0
    listed = run_cli("--data-dir", there, "referral", "list", "--incoming")
    assert task_id in listed.stdout and "ส่งแล้ว รอตอบรับ" in listed.stdout
    unknown = run_cli("--data-dir", there, "referral", "accept", "no-such-id")
    assert unknown.returncode == 2 and "referral list" in unknown.stderr
    assert run_cli("--data-dir", there, "referral", "reject", task_id, "--reason", "ไม่มีศัลยแพทย์").returncode == 0
    assert run_cli("--data-dir", there, "sync").returncode == 0
    assert run_cli("--data-dir", here, "sync").returncode == 0
    [row] = json.loads(run_cli("--data-dir", here, "referral", "list", "--json").stdout)
    assert (row["state"], row["answer"]) == ("rejected", "ไม่มีศัลยแพทย์")
    pdf = tmp_path / "letter.pdf"
    letter = run_cli("--data-dir", here, "referral", "letter", task_id, "--out", str(pdf))
    assert letter.returncode == 0, letter.stderr
    text = pdf_text(pdf)
    assert_thai_embedded(pdf, text)
    assert_says(text, name["given"][0], name["family"], "ปวดท้องน้อยด้านขวา", "ใบส่งตัวผู้ป่วย", "K35.8",
                "ไม่มีศัลยแพทย์", "โรงพยาบาลชุมชนตัวอย่าง", patient_cid(patient))


def test_a_facility_cannot_open_another_facilitys_patient_to_itself_with_a_task(seeded: RunningHub,
                                                                              desktop: Factory) -> None:
    """A Task a unit writes, owned by itself, about the hospital's patient (or addressed
    elsewhere and about it) is no referral: the hub still refuses the read."""
    unit = desktop(seeded, "unit")
    store = unit.connect()
    found, _ = seeded.engine.store.search("Patient", parse("Patient", [("_tag", f"{HCODE_SYSTEM}|{HOSPITAL}")]))
    theirs = found[0]
    cid = patient_cid(theirs.resource)
    client = make_client(unit, store, **FAST_RETRY)
    for n, owner in enumerate(("99999", HOSPITAL)):
        task = {"resourceType": "Task", "meta": {"tag": [{"system": HCODE_SYSTEM, "code": "99999"}]},
                "status": "accepted", "intent": "order", "for": {"reference": f"Patient/{theirs.id}"},
                "owner": {"reference": f"Organization/{owner}"}, "code": {"coding": [
                    {"system": "http://snomed.info/sct", "code": "3457005"}]}}
        written = client.request("PUT", f"Task/self-{n}", json_body=task)
        assert written.status_code in (200, 201, 403, 422), written.text
        with pytest.raises(ConsentNeededError):
            fetch_patient_records(client, cid, own_hcode="99999")
    client.close()
    store.close()


def test_the_sender_cancels_and_the_hospital_loses_the_records_it_read_under_it(seeded: RunningHub,
                                                                                desktop: Factory) -> None:
    unit, store, patient_id, task_id, hospital, hstore = _referred(seeded, desktop)
    referrals = ReferralService(store, actor=NURSE)
    cid = patient_cid(store.get("Patient", patient_id))
    consent = ConsentService(hstore, hospital, actor=DOCTOR)
    assert consent.show_records(cid).value
    with pytest.raises(InvalidInputError):
        referrals.cancel(task_id, "")  # a cancellation says why
    referrals.cancel(task_id, "ผู้ป่วยขอไปรักษาที่อื่น")
    assert referrals.list()[0].state == "cancelled"
    sync(unit)
    sync(hospital)
    [row] = ReferralService(hstore, actor=DOCTOR).list(incoming=True)
    assert (row.state, row.answer) == ("cancelled", "ผู้ป่วยขอไปรักษาที่อื่น")
    with pytest.raises(ConsentNeededError):
        consent.show_records(cid)
    with pytest.raises(InvalidInputError):
        ReferralService(hstore, actor=DOCTOR).answer(task_id, "accept")
    store.close()
    hstore.close()


def test_a_referral_readdressed_elsewhere_or_deleted_leaves_the_first_receiver(seeded: RunningHub,
                                                                               desktop: Factory) -> None:
    """The sender sends the referral on to another facility (or deletes it): at its next
    sync the first receiver no longer lists it, nor keeps the records it read under it."""
    unit, store, patient_id, task_id, hospital, hstore = _referred(seeded, desktop)
    cid = patient_cid(store.get("Patient", patient_id))
    consent = ConsentService(hstore, hospital, actor=DOCTOR)
    assert consent.show_records(cid).value and ReferralService(hstore, actor=DOCTOR).waiting() == 1
    task = seeded.engine.store.current("Task", task_id)
    seeded.engine.store.put("Task", task_id, {**task.resource, "owner": {"reference": "Organization/11111"}})
    sync(hospital)
    assert ReferralService(hstore, actor=DOCTOR).list(incoming=True) == []
    assert ReferralService(hstore, actor=DOCTOR).waiting() == 0
    with pytest.raises(ConsentNeededError):
        consent.show_records(cid)
    store.close()
    hstore.close()
