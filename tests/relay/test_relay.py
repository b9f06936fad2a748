"""The unit relay with real processes on loopback: a cloud hub (the sandbox, with auth), the
relay (`clinic-app relay serve`, https, its own SQLCipher folder) and two desktops of the
unit that joined it by its fingerprint."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from clinic_app.core.fhir import new_id
from clinic_app.core.permissions import CLINICIAN, Actor
from clinic_app.core.identifiers import HCODE_SYSTEM
from clinic_app.hub.search import parse
from clinic_app.hub.server import RunningHub, start_in_thread
from clinic_app.security.device import enrolment
from clinic_app.security.keys import KeyStore
from clinic_app.services import relay
from clinic_app.services.consent import ConsentService
from clinic_app.services.installation import Installation, configure_hub, initialise
from clinic_app.services.sync import relay_certificate
from clinic_app.sync.errors import HubAuthError
from tests.conftest import run_cli
from tests.sync.conftest import service, sync

UNIT = "99999"


@dataclass
class Unit:
    cloud: RunningHub
    cloud_dir: Path
    cloud_port: int
    relay: Installation
    a: Installation
    b: Installation
    proc: subprocess.Popen[str] | None = None
    url: str = ""
    fingerprint: str = ""

    def cloud_down(self) -> None:
        self.cloud.stop()

    def cloud_up(self) -> None:
        self.cloud = start_in_thread(self.cloud_dir, auth=True, port=self.cloud_port)

    def start_relay(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "clinic_app", "--data-dir", str(self.relay.folder.path), "relay", "serve",
             "--host", "127.0.0.1", "--port", str(relay_port(self))],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        self.fingerprint = self.proc.stdout.readline().strip()
        assert self.url.startswith("https://127.0.0.1:"), self.proc.stderr.read() if self.proc.stderr else ""

    def stop_relay(self, *, kill: bool = False) -> None:
        assert self.proc is not None
        self.proc.kill() if kill else self.proc.terminate()
        self.proc.wait(timeout=20)
        self.proc = None

    def relay_sync(self) -> subprocess.CompletedProcess[str]:
        return run_cli("--data-dir", str(self.relay.folder.path), "sync")


_ports: dict[int, int] = {}


def relay_port(unit: Unit) -> int:
    """One port per unit across restarts (desktops keep the address they joined)."""
    import socket

    key = id(unit)
    if key not in _ports:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            _ports[key] = s.getsockname()[1]
    return _ports[key]


def _desktop(tmp: Path, name: str, cloud: RunningHub, keystore: KeyStore) -> Installation:
    inst = initialise(tmp / name, hcode=UNIT, keys=keystore)
    configure_hub(inst, cloud.url, auth=True)
    cloud.hub.authority.enroll(enrolment(inst.device(), UNIT))
    return inst


@pytest.fixture
def unit(tmp_path: Path, keystore: KeyStore) -> Iterator[Unit]:
    cloud = start_in_thread(tmp_path / "cloud", auth=True)
    port = int(cloud.url.rsplit(":", 1)[1].split("/")[0])
    made = Unit(cloud, tmp_path / "cloud", port, _desktop(tmp_path, "relay", cloud, keystore),
                _desktop(tmp_path, "a", cloud, keystore), _desktop(tmp_path, "b", cloud, keystore))
    for inst in (made.a, made.b):
        relay.enroll(made.relay, enrolment(inst.device(), UNIT))
    made.start_relay()
    for inst in (made.a, made.b):
        relay.join(inst, made.url, made.fingerprint, peer_certificate=relay_certificate)
    yield made
    if made.proc is not None:
        made.stop_relay()
    made.cloud.stop()
    for inst in (made.relay, made.a, made.b):
        inst.forget_secrets()
        inst.close()


def _cloud_count(unit: Unit, rtype: str) -> int:
    return unit.cloud.engine.store.count(rtype, parse(rtype, [("_tag", f"{HCODE_SYSTEM}|{UNIT}")]))


def _cloud_versions(unit: Unit, rtype: str) -> list[int]:
    found, _ = unit.cloud.engine.store.search(rtype, parse(rtype, [("_count", "1000")]))
    return [s.version for s in found]


def _new_visit(inst: Installation, patient_id: str) -> str:
    """A second visit of the patient, made like the first (a copy with a new id)."""
    svc = service(inst)
    first = next(r for r in svc.store.chart(patient_id) if r["resourceType"] == "Encounter")
    visit = {k: v for k, v in first.items() if k != "meta"}
    visit["id"] = new_id()
    visit["meta"] = {"tag": first["meta"]["tag"]}
    svc.save_resources([visit])
    return visit["id"]


def test_the_unit_works_together_with_the_cloud_out_of_reach_and_it_all_arrives_once(unit: Unit) -> None:
    unit.cloud_down()
    svc_a = service(unit.a)
    svc_a.load_demo(1, seed=11)  # A registers a patient, with visits
    pid = svc_a.store.search_patients("0")[0]["id"]
    report = sync(unit.a)
    assert report.pending == 0 and report.failed == 0  # the relay took it all, the cloud down
    sync(unit.b)
    svc_b = service(unit.b)
    assert svc_b.store.get("Patient", pid) is not None  # B finds the patient
    visit = _new_visit(unit.b, pid)  # and adds a visit
    assert sync(unit.b).pending == 0
    sync(unit.a)
    assert svc_a.store.get("Encounter", visit) is not None  # A sees it

    # A asks for a hospital patient's consent, offline: it waits at the relay
    ConsentService(svc_a.store, unit.a, actor=Actor("nurse.somsri", CLINICIAN)).request_consent("1101700203450")
    sync(unit.a)

    unit.cloud_up()
    done = unit.relay_sync()
    assert done.returncode == 0, done.stderr
    # everything reached the cloud once: each record at version 1 (none was edited twice)
    local = svc_a.store.counts_by_type(owner=UNIT)
    for rtype in ("Patient", "Encounter", "Observation"):
        assert _cloud_count(unit, rtype) == local.get(rtype, 0) > 0
        assert set(_cloud_versions(unit, rtype)) == {1}
    assert unit.relay_sync().returncode == 0  # again: nothing new, nothing sent twice
    assert set(_cloud_versions(unit, "Patient")) == {1}
    # each desktop's audit trail arrives as its own (its AuditEvents, its installation)
    events = [s.id for s in unit.cloud.engine.store.search("AuditEvent", parse("AuditEvent", [("_count", "1000")]))[0]]
    for inst in (unit.a, unit.b):
        assert any(e.startswith(inst.installation_id[:18] + "-audit-") for e in events)

    # the cloud's answer (the patient allowed it in the phone app) reaches A and B
    [consent] = [s for s in unit.cloud.engine.store.search("Consent", parse("Consent", []))[0]]
    unit.cloud.hub.admin.decide_consent(consent.id, "approve")
    assert unit.relay_sync().returncode == 0
    sync(unit.a)
    sync(unit.b)
    for svc in (svc_a, svc_b):
        assert svc.store.get("Consent", consent.id)["status"] == "active"


def test_a_wrong_fingerprint_or_a_desktop_not_enrolled_is_refused(unit: Unit, tmp_path: Path,
                                                                    keystore: KeyStore) -> None:
    stranger = _desktop(tmp_path, "stranger", unit.cloud, keystore)  # of the unit at the cloud, not at the relay
    wrong = unit.fingerprint[:-2] + ("00" if not unit.fingerprint.endswith("00") else "11")
    with pytest.raises(relay.FingerprintMismatchError):
        relay.join(stranger, unit.url, wrong, peer_certificate=relay_certificate)
    store = stranger.connect()
    assert store.settings.get("relay_url") == ""  # nothing pinned
    store.close()
    relay.join(stranger, unit.url, unit.fingerprint, peer_certificate=relay_certificate)
    with pytest.raises(HubAuthError):
        sync(stranger)
    stranger.forget_secrets()
    stranger.close()


def test_edits_on_two_desktops_merge_at_the_relay_and_a_real_conflict_waits_on_the_later(unit: Unit) -> None:
    unit.cloud_down()
    svc_a, svc_b = service(unit.a), service(unit.b)
    svc_a.load_demo(1, seed=12)
    sync(unit.a), sync(unit.b)
    pid = svc_a.store.search_patients("0")[0]["id"]
    svc_a.save_resources([{**svc_a.store.get("Patient", pid), "telecom": [{"system": "phone", "value": "0899999999"}]}])
    svc_b.save_resources([{**svc_b.store.get("Patient", pid), "gender": "other"}])
    sync(unit.a)
    assert sync(unit.b).merged == 1  # three ways: both changes kept
    sync(unit.a)
    for svc in (svc_a, svc_b):
        merged = svc.store.get("Patient", pid)
        assert merged["gender"] == "other" and merged["telecom"][0]["value"] == "0899999999"
    svc_a.save_resources([{**svc_a.store.get("Patient", pid), "birthDate": "1951-01-01"}])
    svc_b.save_resources([{**svc_b.store.get("Patient", pid), "birthDate": "1952-02-02"}])
    assert sync(unit.a).conflicts == 0
    report = sync(unit.b)  # the later one waits for a person, nothing lost
    assert report.conflicts == 1
    [conflict] = svc_b.store.outbox.conflicts()
    assert conflict["elements"] == ["birthDate"] and conflict["remote"]["birthDate"] == "1951-01-01"
    assert svc_b.store.get("Patient", pid)["birthDate"] == "1952-02-02"


def test_with_the_relay_off_a_desktop_syncs_with_the_cloud_and_nothing_is_duplicated(unit: Unit) -> None:
    svc_a, svc_b = service(unit.a), service(unit.b)
    svc_a.load_demo(1, seed=13)
    first = svc_a.store.search_patients("0")[0]["id"]
    sync(unit.a)
    assert unit.relay_sync().returncode == 0
    unit.stop_relay()
    # the relay is off: A edits the patient the relay forwarded and adds another; the cloud takes both
    svc_a.save_resources([{**svc_a.store.get("Patient", first), "gender": "other"}])
    svc_a.load_demo(1, seed=14)
    second = next(p["id"] for p in svc_a.store.search_patients("0") if p["id"] != first)
    report = sync(unit.a)
    assert report.pending == 0 and report.failed == 0 and report.conflicts == 0 and report.partner == "cloud"
    assert svc_a.status()["last_partner"] == "cloud"
    cloud = unit.cloud.engine.store
    assert cloud.read("Patient", first).version == 2 and cloud.read("Patient", first).resource["gender"] == "other"
    assert cloud.read("Patient", second).version == 1
    sync(unit.b)  # B too, from the cloud
    assert svc_b.store.get("Patient", second) is not None

    unit.start_relay()  # the relay is back and catches up
    assert unit.relay_sync().returncode == 0
    sync(unit.a), sync(unit.b)
    unit.cloud_down()  # both moved back to the relay by themselves: they sync with the cloud out of reach
    svc_b.save_resources([{**svc_b.store.get("Patient", second), "gender": "female"}])
    report = sync(unit.b)
    assert report.pending == 0 and report.partner == "relay" and svc_b.status()["last_partner"] == "relay"
    assert sync(unit.a).pending == 0
    assert svc_a.store.get("Patient", second)["gender"] == "female"
    unit.cloud_up()
    assert unit.relay_sync().returncode == 0
    cloud = unit.cloud.engine.store
    # nothing twice: the counts match, each record's versions are its real edits
    local = svc_a.store.counts_by_type(owner=UNIT)
    for rtype in ("Patient", "Encounter", "Observation"):
        assert _cloud_count(unit, rtype) == local[rtype]
    assert cloud.read("Patient", first).version == 2 and cloud.read("Patient", second).version == 2
    assert set(_cloud_versions(unit, "Encounter")) == {1}
    for svc in (svc_a, svc_b):
        assert svc.store.outbox.counts() == {} and svc.store.counts_by_type(owner=UNIT) == local


def test_the_relay_computers_own_clerk_and_its_status(unit: Unit) -> None:
    import json
    import time

    unit.cloud_down()
    own = service(unit.relay)
    own.load_demo(1, seed=15)  # registered at the main computer itself
    pid = own.store.search_patients("0")[0]["id"]
    sync(unit.a)  # the relay copies its own store to what it serves every two seconds
    deadline = time.monotonic() + 15
    while service(unit.a).store.get("Patient", pid) is None and time.monotonic() < deadline:
        time.sleep(0.5)
        sync(unit.a)
    assert service(unit.a).store.get("Patient", pid) is not None
    shown = run_cli("--data-dir", str(unit.relay.folder.path), "relay", "status")
    assert shown.returncode == 0, shown.stderr
    status = json.loads(shown.stdout)
    assert status["serving"] and status["url"] == unit.url and status["fingerprint"] == unit.fingerprint
    assert {d["client_id"] for d in status["desktops"]} == {unit.a.device().client_id, unit.b.device().client_id}
    assert next(d for d in status["desktops"] if d["client_id"] == unit.a.device().client_id)["last_token"]
    assert status["waiting_for_cloud"] > 0  # the cloud is down: the unit's work waits at the relay


def test_the_relay_killed_while_forwarding_ten_times_ends_the_same(unit: Unit) -> None:
    import random
    import time

    unit.cloud_down()
    svc_a = service(unit.a)
    svc_a.load_demo(150, seed=16)
    sync(unit.a)
    expected = svc_a.store.counts_by_type(owner=UNIT)
    unit.stop_relay()
    unit.cloud_up()
    rng = random.Random(17)
    seen = []
    for _ in range(10):
        unit.start_relay()  # it syncs with the cloud at once
        time.sleep(rng.uniform(0.02, 0.6))
        unit.stop_relay(kill=True)
        seen.append(_cloud_count(unit, "Observation"))
    assert any(0 < n < expected["Observation"] for n in seen), seen  # killed part-way through, at least once
    unit.start_relay()
    assert unit.relay_sync().returncode == 0
    assert unit.relay_sync().returncode == 0
    for rtype, n in expected.items():
        if rtype != "AuditEvent":
            assert _cloud_count(unit, rtype) == n, rtype
            assert set(_cloud_versions(unit, rtype)) == {1}, rtype
    sync(unit.a)
    assert svc_a.store.outbox.counts() == {}
    assert {t: n for t, n in svc_a.store.counts_by_type(owner=UNIT).items() if t in expected} == expected


def test_staff_accounts_travel_between_the_units_desktops_through_the_relay_never_to_the_cloud(unit: Unit) -> None:
    from clinic_app.services.accounts import AccountService, SignInError
    from clinic_app.core.permissions import ADMIN

    password, clerk_password = "Kh0nKaen-admin-2569!", "Malee-clerk-pass-77"
    store_a, store_b = unit.a.connect(), unit.b.connect()
    accounts_a = AccountService(store_a)
    accounts_a.add("somchai", "administrator", password)
    admin = Actor("somchai", ADMIN)
    AccountService(store_a, actor=admin).add("malee", "clerk", clerk_password, full_name="มาลี ใจดี")
    sync(unit.a)
    sync(unit.b)
    accounts_b = AccountService(store_b)
    assert accounts_b.sign_in("malee", clerk_password).name == "malee"  # made on A, signs in on B
    assert accounts_b.has_accounts()

    AccountService(store_b, actor=admin).disable("malee")  # disabled on B ...
    sync(unit.b)
    sync(unit.a)
    with pytest.raises(SignInError):  # ... is disabled on A
        accounts_a.sign_in("malee", clerk_password)

    for _ in range(5):  # wrong passwords on A lock the name out ...
        with pytest.raises(SignInError):
            accounts_a.sign_in("somchai", "not-the-password")
    sync(unit.a)
    sync(unit.b)
    with pytest.raises(SignInError) as waited:  # ... on B too, the right password included
        accounts_b.sign_in("somchai", password)
    assert "wait" in waited.value.english

    # the relay keeps them (its own computer signs them in too); the cloud never saw a hash
    relay_store = unit.relay.connect()
    assert {a["name"] for a in relay_store.staff.shared()["accounts"]} == {"somchai", "malee"}
    relay_store.close()
    for rtype in ("Practitioner", "Basic", "Person", "AuditEvent"):
        found, _ = unit.cloud.engine.store.search(rtype, parse(rtype, [("_count", "1000")]))
        assert not any("$argon2" in str(s.resource) for s in found)
    store_a.close()
    store_b.close()


def test_records_of_another_facility_under_consent_reach_a_desktop_through_the_relay(unit: Unit) -> None:
    from clinic_app.hub.seed import HOSPITAL, seed_demo
    from clinic_app.core.identifiers import CID_SYSTEM

    seed_demo(unit.cloud.engine, patients=2)
    found, _ = unit.cloud.engine.store.search("Patient", parse("Patient", [("_tag", f"{HCODE_SYSTEM}|{HOSPITAL}")]))
    cid = next(i["value"] for i in found[0].resource["identifier"] if i["system"] == CID_SYSTEM)
    nurse = Actor("nurse.somsri", CLINICIAN)
    store = unit.a.connect()
    consent = ConsentService(store, unit.a, actor=nurse)
    consent.request_consent(cid, days=30)
    consent.request_records(cid)
    sync(unit.a)  # to the relay
    assert unit.relay_sync().returncode == 0  # on to the cloud
    hub_consent = next(s.id for s in unit.cloud.engine.store.search("Consent", parse("Consent", []))[0]
                       if s.resource["patient"]["identifier"]["value"] == cid)
    unit.cloud.hub.admin.decide_consent(hub_consent, "approve")  # the patient allows it
    assert unit.relay_sync().returncode == 0  # the answer, and the records, come to the relay
    sync(unit.a)
    [row] = consent.consents()
    assert row["state"] == "granted"
    shown = consent.show_records(cid).value
    assert len(shown) > 3 and {r["facility"] for r in shown} == {HOSPITAL}
    store.close()
