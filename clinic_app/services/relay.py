"""The unit relay: one desktop of a unit (the "main" computer) also serves the unit's
records to its other desktops on the local network, and syncs them with MOPH Cloud as the
unit, so the unit works together while the cloud is out of reach.

The relay is a desktop's store behind the hub's HTTP face, with the desktop's sync engine
pointed upstream. Its folder holds, beside the desktop's own store:

- `relay/hub.sqlite`: what the unit's desktops see, served by the sandbox hub's engine
  (the same FHIR contract, history and search), SQLCipher under a key derived from the
  folder's key; versions counted from a billion (`RELAY_VERSION_BASE`), so a version of the
  relay never passes for one of the cloud's, or the other way round;
- `relay/cert.pem`, `relay/key.pem`: the https certificate made at set-up (its key
  encrypted under a password derived from the folder's key); desktops pin its fingerprint;
- an admin token derived from the folder's key: the command line on the relay's own
  computer asks the serving relay to sync now or for its status.

The bridge between the two stores (`Bridge.cycle`) runs on the relay's own thread:
- up: every version a desktop wrote at the relay (`HubStore.written_after`, past the
  cursor `relay:forwarded` kept in the desktop store in the same transaction) becomes a
  local change of the relay's desktop store, queued for the cloud like its own clerk's
  edit, keeping the desktop's author (meta.source) and AuditEvents;
- down: every record that changed in the desktop store (the `relay_feed` its triggers
  fill: the relay's own clerk, what the cloud sent, merges) is copied to what the desktops
  see, unless the copy there already has its content (the cursor `relay:copied` kept in
  the relay's hub store in the same transaction).
Up runs before down under the hub store's lock, so a copy never overtakes a desktop's
newer write. A crash anywhere repeats at most work whose repetition changes nothing.

A desktop that joined the relay (`join`) syncs with it first and with the cloud when the
relay does not answer (`services/sync.py`); each partner has its own checkpoints.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clinic_app.core.errors import HubUnreachableError, InvalidInputError, KnownError
from clinic_app.core.fhir import content_of, without_bookkeeping
from clinic_app.core.permissions import DEVICE
from clinic_app.hub.auth import Authority
from clinic_app.hub.engine import Admin, Engine
from clinic_app.hub.server import Hub, Tls, listen, run_until_stopped, serve_in_thread
from clinic_app.hub.storage import HubStore
from clinic_app.security.tls import fingerprint, make_certificate, same_fingerprint
from clinic_app.services.accounts import take_shared_accounts
from clinic_app.services.installation import Installation
from clinic_app.services.sync import RELAY_PREFIX, relay_action
from clinic_app.services.sync import status as sync_status
from clinic_app.store.record_store import RecordStore

log = logging.getLogger(__name__)

RELAY_DIR = "relay"
RELAY_VERSION_BASE = 1_000_000_000
ORIGIN = "relay"  # the mark on versions the relay copied from its own store (never forwarded up)
FORWARDED = "relay:forwarded"  # desktop store checkpoint: the hub store's history seq forwarded
COPIED = "relay:copied"  # hub store kv: the desktop store's feed seq copied down
SERVING_FILE = "serving.json"
DEFAULT_PORT = 8766
BRIDGE_SECONDS = 2.0


class NotEnrolledHereError(KnownError):
    code = "relay-enrolment"

    def __init__(self, english: str, thai: str) -> None:
        super().__init__(thai, english)


class FingerprintMismatchError(KnownError):
    code = "relay-fingerprint"

    def __init__(self, shown: str) -> None:
        super().__init__(
            "ลายนิ้วมือใบรับรองของเครื่องแม่ข่ายไม่ตรงกับที่พิมพ์ไว้ จึงไม่ได้เชื่อมต่อ โปรดอ่านจากหน้าจอเครื่องแม่ข่ายอีกครั้ง "
            "(หากตรงแล้วยังไม่ผ่าน อาจมีผู้ดักข้อมูลในเครือข่าย แจ้งผู้ดูแลระบบ)",
            f"The relay's certificate fingerprint ({shown}) is not the one typed, so this desktop did not join. "
            "Read it again off the relay's screen (if it still differs, someone may be intercepting the network: "
            "tell the administrator).")


def _derived(inst: Installation, label: str) -> bytes:
    return hmac.new(inst.key, f"clinic-app relay {label}".encode(), hashlib.sha256).digest()


def relay_dir(inst: Installation) -> Path:
    return inst.folder.path / RELAY_DIR


@dataclass(frozen=True)
class Identity:
    cert_pem: str
    fingerprint: str


def set_up(inst: Installation) -> Identity:
    """The relay's certificate, made on first use (and the feed of the desktop store)."""
    folder = relay_dir(inst)
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    if not cert.exists() or not key.exists():
        store = inst.connect()
        try:
            hcode = str(store.settings.get("hcode"))
        finally:
            store.close()
        cert_pem, key_pem = make_certificate(name=f"clinic-app relay {hcode}", password=_derived(inst, "tls").hex().encode())
        key.write_bytes(key_pem)
        cert.write_bytes(cert_pem)
    pem = cert.read_text(encoding="ascii")
    return Identity(pem, fingerprint(pem))


def is_relay(inst: Installation) -> bool:
    return (relay_dir(inst) / "cert.pem").exists()


def open_hub_store(inst: Installation) -> HubStore:
    return HubStore(relay_dir(inst) / "hub.sqlite", key=_derived(inst, "store"), version_base=RELAY_VERSION_BASE)


def open_relay_hub(inst: Installation, hub_store: HubStore) -> Hub:
    """The hub's engine and token authority over the relay's store: the SIL-TH rules checked
    as the cloud checks them, tokens for enrolled desktops of this unit only."""
    folder = relay_dir(inst)
    engine = Engine(hub_store, cursor_key=_derived(inst, "cursor"), conformance=True)
    authority = Authority(hub_store, required=True, on_break_glass=Admin(engine).record_break_glass)
    tls = Tls(str(folder / "cert.pem"), str(folder / "key.pem"), _derived(inst, "tls").hex())
    return Hub(engine, authority, _admin_token(inst), tls=tls)


def enroll(inst: Installation, enrolment: Any) -> dict[str, Any]:
    """Register a desktop of this unit (its `clinic-app device-key` JSON) at the relay."""
    store = inst.connect()
    try:
        hcode = str(store.settings.get("hcode"))
    finally:
        store.close()
    if not isinstance(enrolment, dict) or enrolment.get("hcode") != hcode:
        raise NotEnrolledHereError(
            f"This device key belongs to another unit (hcode {enrolment.get('hcode') if isinstance(enrolment, dict) else '?'}"
            f"), not {hcode}: a relay serves its own unit's desktops only.",
            f"กุญแจเครื่องนี้เป็นของหน่วยบริการอื่น ไม่ใช่ {hcode} เครื่องแม่ข่ายรับเฉพาะเครื่องของหน่วยเดียวกัน")
    set_up(inst)
    hub_store = open_hub_store(inst)
    try:
        from clinic_app.hub.errors import HubError

        try:
            return Authority(hub_store).enroll(enrolment)
        except HubError as exc:
            raise InvalidInputError(f"ไฟล์กุญแจเครื่องใช้ไม่ได้ ({exc.diagnostics})",
                                    f"The device key file cannot be used ({exc.diagnostics}).") from None
    finally:
        hub_store.close()


class Bridge:
    """Moves changes between the relay's desktop store and what it serves (see above)."""

    def __init__(self, store: RecordStore, hub_store: HubStore) -> None:
        self.store = store
        self.hub_store = hub_store

    def cycle(self) -> tuple[int, int]:
        """Forward the desktops' writes, then copy the store's changes down: (up, down)."""
        with self.hub_store.lock:
            return self.forward(), self.copy_down()

    def forward(self) -> int:
        store = self.store
        cursor = int(store.checkpoints.get(FORWARDED) or 0)
        moved = 0
        while True:
            rows = self.hub_store.written_after(cursor)
            if not rows:
                return moved
            with store.transaction():
                for seq, stored, origin in rows:
                    cursor = seq
                    if origin is None:
                        moved += self._take(stored.type, stored.id, stored.resource)
                store.checkpoints.set(FORWARDED, str(cursor))

    def _take(self, rtype: str, rid: str, resource: dict[str, Any] | None) -> int:
        """A desktop's version as a local change of this store (nothing if it has it)."""
        store = self.store
        mine = store.get(rtype, rid)
        if resource is None:
            if mine is None:
                return 0
            store.outbox.keep_base(rtype, rid)
            store.delete(rtype, rid)
            store.outbox.enqueue(rtype, rid, "delete")
            return 1
        body = without_bookkeeping(resource)
        if mine is not None and content_of(mine) == content_of(body):
            return 0
        store.outbox.keep_base(rtype, rid)
        store.put(body)
        store.outbox.enqueue(rtype, rid, "update" if mine is not None else "create")
        return 1

    def copy_down(self) -> int:
        store, hub = self.store, self.hub_store
        cursor = int(hub.get_kv(COPIED) or 0)
        copied = 0
        while True:
            rows = store.relay_feed.after(cursor)
            if not rows:
                return copied
            with hub.transaction():
                for seq, rtype, rid in rows:
                    cursor = seq
                    mine = store.get(rtype, rid)
                    theirs = hub.current(rtype, rid)
                    live = theirs is not None and not theirs.deleted
                    if mine is None:
                        if live:
                            hub.delete(rtype, rid, origin=ORIGIN)
                            copied += 1
                    elif not live or content_of(theirs.resource or {}) != content_of(mine):
                        hub.put(rtype, rid, without_bookkeeping(mine), origin=ORIGIN)
                        copied += 1
                hub.set_kv(COPIED, cursor)
            with store.transaction():
                store.relay_feed.forget_through(cursor)


def start_feed(inst: Installation) -> None:
    store = inst.connect()
    try:
        with store.transaction():
            store.relay_feed.enable()
    finally:
        store.close()


def sync_upstream(inst: Installation, hub_store: HubStore, *, sync: Callable[[RecordStore], Any]) -> Any:
    """Bridge, sync with the cloud, bridge again (what the cloud sent reaches the desktops)."""
    store = inst.connect(check_same_thread=False)
    try:
        bridge = Bridge(store, hub_store)
        bridge.cycle()
        try:
            return sync(store)
        finally:
            bridge.cycle()
    finally:
        store.close()


def status(inst: Installation, hub_store: HubStore) -> dict[str, Any]:
    """The relay's desktops (and when each last asked for a token), what waits for the
    cloud, and when the relay last synced with it."""
    store = inst.connect()
    try:
        upstream = sync_status(store)
        serving = _serving(inst)
    finally:
        store.close()
    desktops = []
    for client in Authority(hub_store).clients():
        seen = hub_store.get_kv(f"seen:{client['client_id']}")
        desktops.append({**client, "last_token": seen})
    identity = set_up(inst)
    return {"url": (serving or {}).get("url"), "serving": serving is not None, "fingerprint": identity.fingerprint,
            "desktops": desktops, "waiting_for_cloud": upstream["pending"], "failed": upstream["failed"],
            "conflicts": upstream["conflicts"], "last_cloud_sync": upstream["last_sync"],
            "last_cloud_error": upstream["last_error"]}


def _serving(inst: Installation) -> dict[str, Any] | None:
    try:
        return json.loads((relay_dir(inst) / SERVING_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def relay_status(inst: Installation) -> dict[str, Any]:
    """`status`, asked of the serving relay when it runs (it holds what the desktops see)."""
    serving = _serving(inst)
    if serving is not None:
        try:
            return relay_action(serving["url"], _admin_token(inst), "status", cert_pem=set_up(inst).cert_pem)
        except KnownError:
            pass  # a relay that stopped without tidying up: read the folder instead
    hub_store = open_hub_store(inst)
    try:
        return status(inst, hub_store)
    finally:
        hub_store.close()


def sync_relay(inst: Installation, run: Callable[[RecordStore], Any]) -> Any:
    """The relay's sync with the cloud now: asked of the serving relay, or done here."""
    from clinic_app.sync.engine import SyncReport

    serving = _serving(inst)
    if serving is not None:
        try:
            answer = relay_action(serving["url"], _admin_token(inst), "sync", cert_pem=set_up(inst).cert_pem)
        except HubUnreachableError:
            answer = None  # not serving after all (a crash left the file): sync here
        if answer is not None:
            known = {f for f in SyncReport.__dataclass_fields__ if f != "changes"}
            return SyncReport(**{k: v for k, v in answer.items() if k in known})
    start_feed(inst)
    hub_store = open_hub_store(inst)
    try:
        return sync_upstream(inst, hub_store, sync=run)
    finally:
        hub_store.close()


def _admin_token(inst: Installation) -> str:
    return _derived(inst, "admin").hex()


class RelayServer:
    """The relay serving: https on (host, port), the bridge every two seconds, and a sync
    with the cloud every `sync_interval_minutes` or when asked."""

    def __init__(self, inst: Installation, *, run_sync: Callable[[RecordStore], Any]) -> None:
        self.inst = inst
        self.identity = set_up(inst)
        start_feed(inst)
        self.hub_store = open_hub_store(inst)
        self.hub = open_relay_hub(inst, self.hub_store)
        self._run_sync = run_sync
        self._stop = threading.Event()
        self._sync_asked = threading.Event()
        self._lock = threading.Lock()  # one sync or bridge cycle at a time
        self.hub.actions = {"sync": self.sync_now, "status": lambda: status(self.inst, self.hub_store)}
        self.hub.unit_actions = {"accounts": self.accounts}
        store = inst.connect()
        try:
            self.interval = float(store.settings.get("sync_interval_minutes")) * 60
        finally:
            store.close()

    def sync_now(self) -> dict[str, Any]:
        with self._lock:
            report = sync_upstream(self.inst, self.hub_store, sync=self._run_sync)
        return report.as_dict() if hasattr(report, "as_dict") else {}

    def accounts(self, _caller: Any, payload: Any) -> dict[str, Any]:
        """A desktop's staff accounts in, the unit's (this computer's, newest kept) out."""
        from clinic_app.hub.errors import HubError

        store = self.inst.connect(check_same_thread=False)
        try:
            try:
                take_shared_accounts(store, payload)
            except InvalidInputError as exc:
                raise HubError(400, exc.english, code="invalid") from None
            return store.staff.shared()
        finally:
            store.close()

    def _loop(self) -> None:
        store = self.inst.connect(check_same_thread=False)
        bridge = Bridge(store, self.hub_store)
        next_sync = time.monotonic()
        try:
            while not self._stop.is_set():
                try:
                    if time.monotonic() >= next_sync or self._sync_asked.is_set():
                        self._sync_asked.clear()
                        next_sync = time.monotonic() + self.interval
                        with self._lock:
                            sync_upstream(self.inst, self.hub_store, sync=self._run_sync)
                    with self._lock:
                        bridge.cycle()
                except KnownError as exc:  # the cloud unreachable is the relay's everyday state
                    log.info("relay: %s", exc.english)
                except Exception:
                    log.exception("relay: the bridge or the upstream sync failed")
                self._stop.wait(BRIDGE_SECONDS)
        finally:
            store.close()

    def _begin(self, host: str, port: int) -> tuple[Any, str]:
        sock, url = listen(self.hub, host, port)
        (relay_dir(self.inst) / SERVING_FILE).write_text(json.dumps({"url": url}), encoding="utf-8")
        self._worker = threading.Thread(target=self._loop, name="relay-upstream", daemon=True)
        self._worker.start()
        return sock, url

    def _end(self) -> None:
        self._stop.set()
        self._worker.join(timeout=30)
        (relay_dir(self.inst) / SERVING_FILE).unlink(missing_ok=True)
        self.hub.close()

    def serve(self, host: str, port: int, *, ready: Callable[[str, str], None]) -> None:
        """Serve in the foreground until interrupted (`clinic-app relay serve`)."""
        sock, url = self._begin(host, port)
        ready(url, self.identity.fingerprint)
        try:
            run_until_stopped(self.hub, sock)
        finally:
            self._end()

    def start(self, host: str, port: int) -> str:
        """Serve on background threads (the window, while it is open); its URL."""
        sock, url = self._begin(host, port)
        try:
            self._server, self._thread = serve_in_thread(self.hub, sock, name="unit-relay")
        except BaseException:
            self._end()
            raise
        self.url = url
        return url

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._end()


def join(inst: Installation, url: str, given_fingerprint: str, *, peer_certificate: Callable[[str], str]) -> str:
    """Make the relay at `url` this desktop's first sync partner, trusting its certificate
    only when its fingerprint is the one a person read off the relay's screen; the cloud's
    address stays the fallback. Returns the fingerprint pinned."""
    pem = peer_certificate(url)
    shown = fingerprint(pem)
    if not same_fingerprint(given_fingerprint, shown):
        raise FingerprintMismatchError(shown)
    store = inst.connect()
    try:
        with store.transaction():
            store.settings.set("relay_url", url.rstrip("/"))
            store.settings.set("relay_cert", pem)
            for scope in store.checkpoints.scopes(RELAY_PREFIX):  # another relay's places mean nothing here
                store.checkpoints.clear(scope)
            store.audit.append(actor=DEVICE.name, action="relay-join", detail={"url": url, "fingerprint": shown})
    finally:
        store.close()
    return shown


def pinned_fingerprint(pem: str) -> str | None:
    return fingerprint(pem) if pem else None


def leave(inst: Installation) -> None:
    store = inst.connect()
    try:
        with store.transaction():
            store.settings.set("relay_url", "")
            store.settings.set("relay_cert", "")
            store.audit.append(actor=DEVICE.name, action="relay-leave")
    finally:
        store.close()
