"""The unit relay where a review found it wanting (each test failed before its mend): a
desktop's edit of what the relay no longer has as it was, a desktop back from the cloud, an
edit of a record the relay has not caught up with, a typo at sign-in in the account
exchange, a folder re-keyed, a relay store lost, a relay's address answered with another
certificate. The relay runs in this process here (RelayServer on background threads)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from clinic_app.core.permissions import DEVICE
from clinic_app.hub.errors import HubError
from clinic_app.hub.server import RunningHub, start_in_thread
from clinic_app.security.device import enrolment
from clinic_app.security.keys import KeyStore
from clinic_app.services import relay
from clinic_app.services.accounts import AccountService, SignInError, take_shared_accounts
from clinic_app.services.installation import Installation, configure_hub, initialise, rotate_key
from clinic_app.services.records import RecordService
from clinic_app.services.sync import relay_certificate, run_sync, sync_now
from clinic_app.sync.client import RetryPolicy
from clinic_app.sync.errors import HubCertificateError

UNIT = "99999"
FAST = {"retry": RetryPolicy(attempts=3, base_seconds=0.01, cap_seconds=0.05)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Unit:
    tmp: Path
    cloud: RunningHub
    relay_inst: Installation
    a: Installation
    b: Installation
    port: int
    server: relay.RelayServer | None = None
    url: str = ""

    def serve(self) -> relay.RelayServer:
        server = relay.RelayServer(self.relay_inst, run_sync=lambda store, **kw: run_sync(
            self.relay_inst, store, client_options=FAST, **kw))
        server.interval = 3600  # upstream only when asked here
        self.url = server.start("127.0.0.1", self.port)
        self.server = server
        return server

    def stop(self) -> None:
        assert self.server is not None
        self.server.stop()
        self.server = None

    def cloud_down(self) -> None:
        self.cloud.stop()

    def cloud_up(self) -> None:
        port = int(self.cloud.url.rsplit(":", 1)[1].split("/")[0])
        self.cloud = start_in_thread(self.tmp / "cloud", auth=False, port=port)


@pytest.fixture
def unit(tmp_path: Path, keystore: KeyStore) -> Iterator[Unit]:
    cloud = start_in_thread(tmp_path / "cloud", auth=False)

    def desk(name: str) -> Installation:
        inst = initialise(tmp_path / name, hcode=UNIT, keys=keystore)
        configure_hub(inst, cloud.url, auth=False)
        return inst

    made = Unit(tmp_path, cloud, desk("relay"), desk("a"), desk("b"), _free_port())
    for inst in (made.a, made.b):
        relay.enroll(made.relay_inst, enrolment(inst.device(), UNIT))
    made.serve()
    assert made.server is not None
    for inst in (made.a, made.b):
        relay.join(inst, made.url, made.server.identity.fingerprint, peer_certificate=relay_certificate)
    yield made
    if made.server is not None:
        made.stop()
    made.cloud.stop()
    for inst in (made.relay_inst, made.a, made.b):
        inst.forget_secrets()
        inst.close()


def _sync(inst: Installation):  # type: ignore[no-untyped-def]
    return sync_now(inst, client_options=FAST)


def _svc(inst: Installation) -> RecordService:
    return RecordService(inst.connect(), actor=DEVICE)


def test_a_desktop_edit_of_an_older_copy_meets_a_412_and_the_clouds_change_stays(unit: Unit) -> None:
    assert unit.server is not None
    svc_a = _svc(unit.a)
    svc_a.load_demo(1, seed=21)
    pid = svc_a.store.search_patients("0")[0]["id"]
    _sync(unit.a)
    unit.server.sync_now()  # P at the cloud, version 1
    hub = unit.server.hub_store
    seen = hub.current("Patient", pid)
    assert seen is not None
    # the phone changes at the cloud (a desktop that had fallen back to it); the relay pulls it
    cloud_p = unit.cloud.engine.store.current("Patient", pid)
    unit.cloud.engine.update("Patient", pid, {**cloud_p.resource, "telecom": [{"system": "phone", "value": "0811111111"}]},
                             unit.cloud.url, if_match=f'W/"{cloud_p.version}"')
    store = unit.relay_inst.connect(check_same_thread=False)
    run_sync(unit.relay_inst, store, client_options=FAST)  # the pull, not yet copied down
    store.close()
    # a desktop's edit of the copy it had: the relay copies its own first, so this is a 412
    with pytest.raises(HubError) as refused:
        unit.server.hub.engine.update("Patient", pid, {**seen.resource, "gender": "other"}, unit.url,
                                      if_match=f'W/"{seen.version}"')
    assert refused.value.status == 412
    # and where the two meet at the very instant (the edit landed before the pull was copied),
    # the bridge merges three ways: both changes stay
    cloud_p = unit.cloud.engine.store.current("Patient", pid)
    unit.cloud.engine.update("Patient", pid, {**cloud_p.resource, "birthDate": "1960-06-06"}, unit.cloud.url,
                             if_match=f'W/"{cloud_p.version}"')
    now = hub.current("Patient", pid)
    store = unit.relay_inst.connect(check_same_thread=False)
    run_sync(unit.relay_inst, store, client_options=FAST)
    bridge, hub.bridge = hub.bridge, None
    hub.put("Patient", pid, {**now.resource, "gender": "other"}, if_match=now.version)  # a desktop's write, unbridged
    hub.bridge = bridge
    bridge.cycle()
    kept = store.get("Patient", pid)
    assert kept["gender"] == "other" and kept["birthDate"] == "1960-06-06"
    assert kept["telecom"][0]["value"] == "0811111111"
    store.close()
    unit.server.sync_now()
    final = unit.cloud.engine.store.current("Patient", pid).resource
    assert (final["gender"], final["birthDate"], final["telecom"][0]["value"]) == ("other", "1960-06-06", "0811111111")


def test_a_desktop_back_from_the_cloud_reads_the_relay_afresh(unit: Unit) -> None:
    assert unit.server is not None
    svc_a, svc_b = _svc(unit.a), _svc(unit.b)
    svc_a.load_demo(1, seed=22)
    pid = svc_a.store.search_patients("0")[0]["id"]
    _sync(unit.a)
    unit.server.sync_now()
    _sync(unit.b)
    svc_b.save_resources([{**svc_b.store.get("Patient", pid), "gender": "other"}])
    svc_b.load_demo(1, seed=25)  # and more after it (P is not the last record the relay has)
    _sync(unit.b)  # at the relay, not yet at the cloud
    _sync(unit.a)
    assert svc_a.store.get("Patient", pid)["gender"] == "other"
    unit.stop()  # switched off before its next sync with the cloud
    assert _sync(unit.a).partner == "cloud"  # A reads the cloud's older copy
    assert svc_a.store.get("Patient", pid)["gender"] != "other"
    unit.serve()
    assert unit.server is not None
    unit.server.sync_now()  # B's edit reaches the cloud
    assert _sync(unit.a).partner == "relay"
    assert svc_a.store.get("Patient", pid)["gender"] == "other"  # not left on the older copy


def test_an_edit_of_a_record_the_relay_has_not_caught_up_with_waits_and_goes(unit: Unit, keystore: KeyStore) -> None:
    other = initialise(unit.tmp / "c", hcode=UNIT, keys=keystore)  # a desktop of the unit on the cloud only
    configure_hub(other, unit.cloud.url, auth=False)
    svc_c, svc_a = _svc(other), _svc(unit.a)
    svc_c.load_demo(1, seed=23)
    pid = svc_c.store.search_patients("0")[0]["id"]
    _sync(other)
    unit.stop()
    assert _sync(unit.a).partner == "cloud"  # A has P from the cloud
    svc_a.save_resources([{**svc_a.store.get("Patient", pid), "gender": "other"}])
    unit.cloud_down()
    unit.serve()  # the relay is back, the cloud out of reach: it has no P yet
    report = _sync(unit.a)
    assert report.partner == "relay" and report.failed == 0 and report.pending == 1
    [entry] = [e for e in svc_a.store.outbox.entries() if e.type == "Patient"]
    assert entry.state == "pending" and "relay does not have" in (entry.reason or "")
    unit.cloud_up()
    assert unit.server is not None
    unit.server.sync_now()  # the relay catches up
    report = _sync(unit.a)
    assert report.failed == 0 and report.pending == 0
    unit.server.sync_now()
    assert unit.cloud.engine.store.current("Patient", pid).resource["gender"] == "other"
    other.forget_secrets()
    other.close()


def test_a_typo_at_sign_in_does_not_stop_the_account_exchange(unit: Unit) -> None:
    store_a, store_b = unit.a.connect(), unit.b.connect()
    AccountService(store_a).add("somchai", "administrator", "Kh0nKaen-admin-2569!")
    with pytest.raises(SignInError):
        AccountService(store_a).sign_in("som chai", "whatever")  # a space typed in the name
    assert any(" " in f["name"] for f in store_a.staff.shared()["failures"])
    report = _sync(unit.a)
    assert not report.warnings
    _sync(unit.b)
    assert AccountService(store_b).sign_in("somchai", "Kh0nKaen-admin-2569!").name == "somchai"
    # a lock-out from another desktop never lasts longer than this program's longest
    shared = store_a.staff.shared()
    shared["failures"] = [{"name": "somchai", "failures": 9, "locked_until": time.time() + 10 ** 9, "version": 99}]
    take_shared_accounts(store_b, shared)
    _failures, until = store_b.staff.failures("somchai")
    assert until <= time.time() + 3600 + 5
    store_a.close()
    store_b.close()


def test_a_rekeyed_folder_still_serves_and_a_lost_relay_store_starts_afresh(unit: Unit) -> None:
    svc_a = _svc(unit.a)
    svc_a.load_demo(1, seed=24)
    pid = svc_a.store.search_patients("0")[0]["id"]
    _sync(unit.a)
    unit.stop()
    rotate_key(unit.relay_inst)  # `clinic-app db rekey`
    unit.serve()
    assert _sync(unit.a).partner == "relay"
    unit.stop()
    for name in ("hub.sqlite", "hub.sqlite-wal", "hub.sqlite-shm"):
        (relay.relay_dir(unit.relay_inst) / name).unlink(missing_ok=True)  # lost
    for inst in (unit.a, unit.b):
        relay.enroll(unit.relay_inst, enrolment(inst.device(), UNIT))
    unit.serve()
    _sync(unit.b)  # what the relay's own store has is served again
    assert _svc(unit.b).store.get("Patient", pid) is not None
    svc_a.save_resources([{**svc_a.store.get("Patient", pid), "gender": "other"}])
    _sync(unit.a)  # and a desktop's write to the new file goes up (its cursor started afresh)
    assert unit.server is not None
    unit.server.sync_now()
    assert unit.cloud.engine.store.current("Patient", pid).resource["gender"] == "other"


def test_the_relays_address_answered_with_another_certificate_is_refused_not_skipped(unit: Unit) -> None:
    unit.stop()
    for name in ("cert.pem", "key.pem"):
        (relay.relay_dir(unit.relay_inst) / name).unlink()  # another certificate at the same address
    unit.serve()
    with pytest.raises(HubCertificateError):
        _sync(unit.a)  # never a quiet fallback to the cloud past an impostor


# -- from a second review ---------------------------------------------------------------------

def test_the_relay_answers_while_its_bridge_holds_the_store(unit: Unit) -> None:
    """A desktop's probe and token request are answered while a bridge step holds the
    relay's store (they no longer wait on it on the server's event loop)."""
    import threading

    from clinic_app.services.sync import choose_partner

    assert unit.server is not None
    hub = unit.server.hub_store
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        with hub.lock:
            holding.set()
            done.wait(8)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait()
    other = threading.Thread(target=lambda: _sync(unit.b))  # its token request waits on the store
    other.start()
    time.sleep(0.5)
    try:
        store = unit.a.connect()
        started = time.monotonic()
        assert choose_partner(store).is_relay  # not taken for "off" and sent to the cloud
        assert time.monotonic() - started < 3
        store.close()
    finally:
        done.set()
        holder.join()
        other.join()


def test_a_clash_at_the_instant_keeps_every_clean_change(unit: Unit) -> None:
    assert unit.server is not None
    svc_a = _svc(unit.a)
    svc_a.load_demo(1, seed=31)
    pid = svc_a.store.search_patients("0")[0]["id"]
    _sync(unit.a)
    unit.server.sync_now()
    hub = unit.server.hub_store
    now = hub.current("Patient", pid)
    store = unit.relay_inst.connect(check_same_thread=False)
    # the relay's own clerk changes the sex and the birth date ...
    RecordService(store, actor=DEVICE).save_resources([{**store.get("Patient", pid), "gender": "unknown",
                                                        "birthDate": "1951-01-01"}])
    bridge, hub.bridge = hub.bridge, None
    hub.put("Patient", pid, {**now.resource, "gender": "other"}, if_match=now.version)  # ... a desktop the sex
    hub.bridge = bridge
    bridge.cycle()
    kept = store.get("Patient", pid)
    assert kept["birthDate"] == "1951-01-01"  # the clerk's clean change stays
    assert kept["gender"] == "other"  # the later write where both changed
    assert hub.current("Patient", pid).resource["birthDate"] == "1951-01-01"  # and the desktops see it
    assert any(e["action"] == "relay-clash" for e in store.audit.entries(entity_type="Patient", entity_id=pid))
    store.close()


def test_a_delete_of_a_record_the_relay_lacks_waits_and_an_edit_of_one_it_deleted_is_set_aside(
        unit: Unit, keystore: KeyStore) -> None:
    other = initialise(unit.tmp / "c", hcode=UNIT, keys=keystore)
    configure_hub(other, unit.cloud.url, auth=False)
    svc_c, svc_a = _svc(other), _svc(unit.a)
    svc_c.load_demo(4, seed=26)
    assert svc_c.store.counts_by_type().get("Encounter", 0) >= 2
    _sync(other)
    unit.stop()
    _sync(unit.a)  # from the cloud
    obs = next(r for r in svc_a.store.iter_resources(resource_type="Encounter"))
    with svc_a.store.transaction():
        svc_a.store.outbox.keep_base("Encounter", obs["id"])
        svc_a.store.delete("Encounter", obs["id"])
        svc_a.store.outbox.enqueue("Encounter", obs["id"], "delete")
    unit.cloud_down()
    unit.serve()  # the relay has not caught up: the delete waits
    report = _sync(unit.a)
    assert report.failed == 0 and report.pending == 1
    unit.cloud_up()
    assert unit.server is not None
    unit.server.sync_now()
    assert _sync(unit.a).pending == 0
    unit.server.sync_now()
    assert unit.cloud.engine.store.current("Encounter", obs["id"]).deleted  # it reached the cloud
    # B deletes a record at the relay; A's edit of it is set aside (not sent again forever)
    _sync(unit.b)
    svc_b = _svc(unit.b)
    enc = next(r for r in svc_b.store.iter_resources(resource_type="Encounter") if r["id"] != obs["id"])
    with svc_b.store.transaction():
        svc_b.store.outbox.keep_base("Encounter", enc["id"])
        svc_b.store.delete("Encounter", enc["id"])
        svc_b.store.outbox.enqueue("Encounter", enc["id"], "delete")
    _sync(unit.b)
    svc_a.save_resources([{**svc_a.store.get("Encounter", enc["id"]), "language": "th"}])
    report = _sync(unit.a)
    assert report.pending == 0 and report.failed == 1
    other.forget_secrets()
    other.close()


def test_a_cloud_sync_cut_short_still_counts_as_the_cloud(unit: Unit, monkeypatch: pytest.MonkeyPatch) -> None:
    from clinic_app.core.errors import HubUnreachableError
    from clinic_app.services import consent as consent_module

    assert unit.server is not None
    svc_a, svc_b = _svc(unit.a), _svc(unit.b)
    svc_a.load_demo(1, seed=27)
    pid = svc_a.store.search_patients("0")[0]["id"]
    _sync(unit.a)
    unit.server.sync_now()
    _sync(unit.b)
    svc_b.save_resources([{**svc_b.store.get("Patient", pid), "gender": "other"}])
    svc_b.load_demo(1, seed=28)
    _sync(unit.b)
    _sync(unit.a)
    unit.stop()

    def dropped(*_args: object, **_kw: object) -> None:
        raise HubUnreachableError("the link dropped after the pull")

    monkeypatch.setattr(consent_module.ConsentService, "refresh", dropped)
    with pytest.raises(HubUnreachableError):
        _sync(unit.a)  # the cloud's older copy was read, then the sync failed
    monkeypatch.undo()
    assert svc_a.store.get("Patient", pid)["gender"] != "other"
    unit.serve()
    assert unit.server is not None
    unit.server.sync_now()
    assert _sync(unit.a).partner == "relay"
    assert svc_a.store.get("Patient", pid)["gender"] == "other"


def test_a_backup_from_before_the_relay_restored_makes_the_relay_anew(unit: Unit) -> None:
    from clinic_app.services.maintenance import backup, restore

    unit.stop()
    target = unit.tmp / "before-relay.db"
    store = unit.relay_inst.connect()
    with store.transaction():
        store.settings.set("relay_secret", "")  # as a backup made before the folder first served
    store.close()
    backup(unit.relay_inst, target)
    restore(unit.relay_inst, target)
    server = unit.serve()  # its old files no longer open: set aside, made anew (a new fingerprint)
    assert server.identity.fingerprint
    assert any(p.name.startswith("relay-unreadable-") for p in unit.relay_inst.folder.path.iterdir())
    relay.enroll(unit.relay_inst, enrolment(unit.a.device(), UNIT))
    relay.join(unit.a, unit.url, server.identity.fingerprint, peer_certificate=relay_certificate)
    assert _sync(unit.a).partner == "relay"


def test_the_command_line_says_what_is_wrong(unit: Unit) -> None:
    from tests.conftest import run_cli

    not_relay = run_cli("--data-dir", str(unit.a.folder.path), "relay", "status")
    assert not_relay.returncode == 2 and "not the unit's relay" in not_relay.stderr
    assert not (relay.relay_dir(unit.a) / "cert.pem").exists()  # asking made it no relay
    nobody = run_cli("--data-dir", str(unit.b.folder.path), "relay", "join", "https://127.0.0.1:9/fhir",
                     "--fingerprint", "SHA256:00")
    assert nobody.returncode == 3 and "does not answer" in nobody.stderr and "Traceback" not in nobody.stderr


def test_the_main_computers_window_sees_the_relays_sync_and_can_cancel_it(unit: Unit) -> None:
    """On the relay's computer the window's scheduler syncs through the relay it serves, with
    progress and Cancel (not blind over HTTP to itself)."""
    from clinic_app.services.sync import scheduler_for
    from clinic_app.sync.engine import SyncCancelled

    assert unit.server is not None
    _svc(unit.a).load_demo(2, seed=29)
    _sync(unit.a)
    server = unit.server
    scheduler = scheduler_for(unit.relay_inst, serving=lambda: server)
    with pytest.raises(SyncCancelled):
        scheduler._run_sync(lambda: True, lambda _p: None)  # Cancel pressed: nothing more goes
    seen: list[object] = []
    report = scheduler._run_sync(lambda: False, seen.append)
    assert report.pushed > 0 and seen  # what the desktops wrote, with the window's progress
