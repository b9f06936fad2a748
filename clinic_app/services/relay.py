"""The unit relay: one desktop of a unit (the "main" computer) also serves the unit's
records to its other desktops on the local network, and syncs them with MOPH Cloud as the
unit, so the unit works together while the cloud is out of reach.

The relay is a desktop's store behind the hub's HTTP face, with the desktop's sync engine
pointed upstream. Its folder holds, beside the desktop's own store:

- `relay/hub.sqlite`: what the unit's desktops see, served by the sandbox hub's engine
  (the same FHIR contract, history and search), SQLCipher; its versions start at a
  random multiple of a billion drawn when the file is made, so a version of the relay never
  passes for one of the cloud's, nor of another relay's, or the other way round;
- `relay/cert.pem`, `relay/key.pem`: the https certificate made at set-up (its key
  encrypted); desktops pin its fingerprint.
Their keys (the store's, the certificate key's password, the admin token the command line
on the relay's computer uses to ask for a sync or the status) come from the relay's secret,
a random value kept in the desktop's own encrypted store: a re-key of the folder leaves them
readable.

The bridge between the two stores (`Bridge`), always under the hub store's lock:
- down, before each write a desktop makes at the relay (and every two seconds): every
  record that changed in the desktop store (the `relay_feed` its triggers fill: the relay's
  own clerk, what the cloud sent, merges) is copied to what the desktops see, unless the
  copy there has its content (the cursor `relay:copied` in the hub store, same
  transaction), so a desktop edits what the relay has and a clash is a 412 and a three-way
  merge on that desktop;
- up, right after each such write: the desktop's version becomes a local change of the
  desktop store, queued for the cloud like its own clerk's edit, keeping the desktop's
  author (meta.source) and AuditEvents (the cursor `bridge:forwarded`, the hub store's
  identity and history position, in the desktop store, same transaction). A version that
  meets a change the desktop store made in between (a pull landing at that instant, the
  relay's own clerk) is merged three ways against what the desktop edited; a real clash
  waits for a person on the relay's computer, nothing dropped.
A crash anywhere repeats at most work whose repetition changes nothing; a hub store made
again (lost, deleted) starts both cursors afresh.

A desktop that joined the relay (`join`) syncs with it first and with the cloud when the
relay does not answer (`services/sync.py`); each partner has its own checkpoints.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clinic_app.core.errors import EXIT_HUB_UNREACHABLE, HubUnreachableError, InvalidInputError, KnownError
from clinic_app.core.fhir import content_of, without_bookkeeping
from clinic_app.core.merge import three_way
from clinic_app.core.permissions import DEVICE
from clinic_app.hub.auth import Authority
from clinic_app.hub.engine import Admin, Engine
from clinic_app.hub.server import Hub, Tls, listen, run_until_stopped, serve_in_thread
from clinic_app.hub.storage import HubStore
from clinic_app.security.tls import fingerprint, key_opens, make_certificate, same_fingerprint
from clinic_app.services.accounts import take_shared_accounts
from clinic_app.services.installation import Installation
from clinic_app.services.sync import RELAY_PREFIX, relay_action
from clinic_app.services.sync import status as sync_status
from clinic_app.store.folder import atomic_write_bytes
from clinic_app.store.record_store import RecordStore

log = logging.getLogger(__name__)

RELAY_DIR = "relay"
VERSION_STEP = 1_000_000_000  # a relay store's versions start at a random multiple of this
STORE_ID = "relay:store-id"  # hub store kv: which file this is (the forward cursor names it)
VERSION_BASE = "relay:version-base"  # hub store kv
ORIGIN = "relay"  # the mark on versions the relay copied from its own store (never forwarded up)
FORWARDED = "bridge:forwarded"  # desktop store checkpoint: the hub store's history seq forwarded
COPIED = "relay:copied"  # hub store kv: the desktop store's feed seq copied down
SERVING_FILE = "serving.json"
BRIDGE_SECONDS = 2.0


class RelayUnreachableError(KnownError):
    code = "relay-unreachable"
    exit_code = EXIT_HUB_UNREACHABLE

    def __init__(self, url: str) -> None:
        super().__init__(f"ติดต่อเครื่องแม่ข่ายที่ {url} ไม่ได้ โปรดตรวจว่าเครื่องแม่ข่ายเปิดโปรแกรมอยู่และที่อยู่ถูกต้อง",
                         f"The unit relay at {url} does not answer. Check that the relay computer is serving "
                         "(clinic-app relay serve, or its File menu) and that the address is right.")


class FingerprintMismatchError(KnownError):
    code = "relay-fingerprint"

    def __init__(self, shown: str) -> None:
        super().__init__(
            "ลายนิ้วมือใบรับรองของเครื่องแม่ข่ายไม่ตรงกับที่พิมพ์ไว้ จึงไม่ได้เชื่อมต่อ โปรดอ่านจากหน้าจอเครื่องแม่ข่ายอีกครั้ง "
            "(หากตรงแล้วยังไม่ผ่าน อาจมีผู้ดักข้อมูลในเครือข่าย แจ้งผู้ดูแลระบบ)",
            f"The relay's certificate fingerprint ({shown}) is not the one typed, so this desktop did not join. "
            "Read it again off the relay's screen (if it still differs, someone may be intercepting the network: "
            "tell the administrator).")


@dataclass(frozen=True)
class RelayKeys:
    """The relay's keys, all from its secret (made once, kept in the encrypted store)."""

    store: bytes = field(repr=False)  # what the desktops see (relay/hub.sqlite)
    cursor: bytes = field(repr=False)  # seals the paging cursors it hands out
    tls_password: str = field(repr=False)  # opens its certificate's key
    admin_token: str = field(repr=False)  # the command line on its computer asks it with this


def relay_keys(inst: Installation) -> RelayKeys:
    store = inst.connect()
    try:
        secret = str(store.settings.get("relay_secret") or "")
        if not secret:
            with store.transaction():  # read again inside: two first callers make one secret
                secret = str(store.settings.get("relay_secret") or "") or secrets.token_hex(32)
                store.settings.set("relay_secret", secret)
    finally:
        store.close()

    def derived(label: str) -> bytes:
        return hmac.new(bytes.fromhex(secret), f"clinic-app relay {label}".encode(), hashlib.sha256).digest()

    return RelayKeys(derived("store"), derived("cursor"), derived("tls").hex(), derived("admin").hex())


def relay_dir(inst: Installation) -> Path:
    return inst.folder.path / RELAY_DIR


@dataclass(frozen=True)
class Identity:
    cert_pem: str
    fingerprint: str


def set_up(inst: Installation, keys: RelayKeys | None = None) -> Identity:
    """The relay's certificate, made on first use; relay files its secret no longer opens
    set aside first."""
    folder = relay_dir(inst)
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    password = (keys or relay_keys(inst)).tls_password.encode()
    if cert.exists() and key.exists() and not key_opens(key.read_bytes(), password):
        # a backup from before the relay was restored (its secret went with it): made anew
        _set_aside(folder)
        folder.mkdir(parents=True, exist_ok=True)
    if not cert.exists() or not key.exists():
        store = inst.connect()
        try:
            hcode = str(store.settings.get("hcode"))
        finally:
            store.close()
        cert_pem, key_pem = make_certificate(name=f"clinic-app relay {hcode}", password=password)
        atomic_write_bytes(key, key_pem)
        atomic_write_bytes(cert, cert_pem)
    pem = cert.read_text(encoding="ascii")
    return Identity(pem, fingerprint(pem))


def _set_aside(folder: Path) -> None:
    """The relay's files that nothing here opens any more, kept aside (never deleted)."""
    aside = folder.with_name(f"{folder.name}-unreadable-{time.strftime('%Y%m%d-%H%M%S')}")
    folder.rename(aside)
    log.warning("relay: its files no longer open under this folder's secret (a restored backup?); set aside as "
                "%s and made anew: the unit's desktops must be enrolled and join again", aside.name)


def is_relay(inst: Installation) -> bool:
    return (relay_dir(inst) / "cert.pem").exists()


class NotARelayError(KnownError):
    code = "not-a-relay"

    def __init__(self) -> None:
        super().__init__("เครื่องนี้ยังไม่ได้เป็นเครื่องแม่ข่ายของหน่วยบริการ (เริ่มด้วย clinic-app relay serve หรือเมนูไฟล์)",
                         "This computer is not the unit's relay yet (start it with `clinic-app relay serve` or "
                         "from the File menu).")


class RelayHubStore(HubStore):
    """The relay's hub store: with a bridge attached, each write transaction a desktop's
    request opens copies the desktop store's changes down first and forwards what it wrote
    up after, all under the store's lock (see the module's words)."""

    def __init__(self, path: Path, *, key: bytes) -> None:
        self.bridge: Bridge | None = None
        self._bridging = False
        super().__init__(path, key=key)
        if self.get_kv(STORE_ID) is None:
            self.set_kv(STORE_ID, uuid.uuid4().hex)
            self.set_kv(VERSION_BASE, VERSION_STEP * (1 + secrets.randbelow(1_000_000)))
        self.store_id = str(self.get_kv(STORE_ID))
        self.version_base = int(self.get_kv(VERSION_BASE))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[HubStore]:
        with self.lock:
            if self.bridge is None or self._bridging or self._conn.in_transaction:
                with super().transaction():
                    yield self
                return
            self.bridged(self.bridge.copy_down)
            with super().transaction():
                yield self
            self.bridged(self.bridge.forward)

    def set_kv(self, key: str, value: Any) -> None:
        """Bookkeeping (tokens, cursors), not records: written without the bridge."""
        with self.lock:
            was, self._bridging = self._bridging, True
            try:
                super().set_kv(key, value)
            finally:
                self._bridging = was

    def bridged(self, step: Callable[[], Any]) -> Any:
        """A bridge step under the lock, its own writes here not bridged again; a failure
        is logged (the next write or the two-second cycle does it)."""
        with self.lock:
            self._bridging = True
            try:
                return step()
            except KnownError as exc:
                log.warning("relay: the bridge waits (%s)", exc.english)
            except Exception:
                log.exception("relay: a bridge step failed")
            finally:
                self._bridging = False

    def before(self, rtype: str, rid: str, version: int) -> dict[str, Any] | None:
        """The record as it was before `version` (None: absent or deleted)."""
        with self.lock:
            row = self._conn.execute("SELECT method, json FROM history WHERE type = ? AND id = ? AND version < ?"
                                     " ORDER BY version DESC LIMIT 1", (rtype, rid, version)).fetchone()
        return json.loads(row[1]) if row and row[0] != "DELETE" and row[1] else None


def open_hub_store(inst: Installation, keys: RelayKeys | None = None) -> RelayHubStore:
    keys = keys or relay_keys(inst)
    set_up(inst, keys)  # sets aside relay files the secret no longer opens
    return RelayHubStore(relay_dir(inst) / "hub.sqlite", key=keys.store)


def open_relay_hub(inst: Installation, hub_store: HubStore, keys: RelayKeys) -> Hub:
    """The hub's engine and token authority over the relay's store: the SIL-TH rules checked
    as the cloud checks them, tokens for enrolled desktops of this unit only."""
    folder = relay_dir(inst)
    engine = Engine(hub_store, cursor_key=keys.cursor, conformance=True, unit_relay=True)
    authority = Authority(hub_store, required=True, on_break_glass=Admin(engine).record_break_glass)
    tls = Tls(str(folder / "cert.pem"), str(folder / "key.pem"), keys.tls_password)
    return Hub(engine, authority, keys.admin_token, tls=tls)


def enroll(inst: Installation, enrolment: Any) -> dict[str, Any]:
    """Register a desktop of this unit (its `clinic-app device-key` JSON) at the relay."""
    store = inst.connect()
    try:
        hcode = str(store.settings.get("hcode"))
    finally:
        store.close()
    if not isinstance(enrolment, dict) or enrolment.get("hcode") != hcode:
        given = enrolment.get("hcode") if isinstance(enrolment, dict) else "?"
        raise KnownError(f"กุญแจเครื่องนี้เป็นของหน่วยบริการอื่น ไม่ใช่ {hcode} เครื่องแม่ข่ายรับเฉพาะเครื่องของหน่วยเดียวกัน",
                         f"This device key belongs to another unit (hcode {given}), not {hcode}: a relay serves "
                         "its own unit's desktops only.", code="relay-enrolment")
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
    """Moves changes between the relay's desktop store and what it serves (see above); used
    only under the hub store's lock, with a connection of its own."""

    def __init__(self, store: RecordStore, hub_store: RelayHubStore) -> None:
        self.store = store
        self.hub_store = hub_store

    def cycle(self) -> tuple[int, int]:
        """Forward the desktops' writes, then copy the store's changes down: (up, down);
        the lock let go between batches, so desktops' requests go on meanwhile."""
        up = down = 0
        while True:
            with self.hub_store.lock:
                up += self.hub_store.bridged(self.forward) or 0
                copied = self.hub_store.bridged(lambda: self.copy_down(batches=1))
            if copied is None:  # failed (logged): the next cycle tries again
                return up, down
            down += copied[0]
            if not copied[1]:
                return up, down

    def forward(self) -> int:
        store, hub = self.store, self.hub_store
        kept = str(store.checkpoints.get(FORWARDED) or "")
        where, _, seq = kept.rpartition(":")
        cursor = int(seq) if where == hub.store_id and seq.isdigit() else 0  # another file: from its start
        moved = 0
        while True:
            rows = hub.written_after(cursor)
            if not rows:
                return moved
            with store.transaction():
                for seq_no, stored, origin in rows:
                    cursor = seq_no
                    if origin is None:
                        moved += self._take(stored)
                store.checkpoints.set(FORWARDED, f"{hub.store_id}:{cursor}")

    def _take(self, stored: Any) -> int:
        """A desktop's version as a local change of this store (nothing if it has it)."""
        store = self.store
        rtype, rid = stored.type, stored.id
        mine = store.get(rtype, rid)
        edited = self.hub_store.before(rtype, rid, stored.version)  # what the desktop changed
        moved_on = mine is not None and edited is not None and content_of(mine) != content_of(edited)
        if stored.resource is None:
            if mine is None:
                return 0
            if moved_on:  # deleted what changed here since: the newer stays (and is copied back down)
                self._note("relay-delete-overtaken", rtype, rid)
                return 0
            store.outbox.keep_base(rtype, rid)
            store.delete(rtype, rid)
            store.outbox.enqueue(rtype, rid, "delete")
            return 1
        body = without_bookkeeping(stored.resource)
        if mine is not None and content_of(mine) == content_of(body):
            return 0
        if mine is None:
            if edited is not None:  # an edit of what is gone here since (deleted at the cloud)
                self._note("relay-edit-of-deleted", rtype, rid)
                return 0
            store.put(body)
            store.outbox.enqueue(rtype, rid, "create")
            return 1
        store.outbox.keep_base(rtype, rid)
        if not moved_on:
            store.put(body)
            store.outbox.enqueue(rtype, rid, "update")
            return 1
        # The desktop's change and this store's, against what the desktop edited; where both
        # changed one element the merge keeps the desktop's value (the later write).
        local_edit = store.outbox.live_entry(rtype, rid) is not None
        merged = three_way(edited, body, mine)
        store.put(merged.merged)
        store.outbox.enqueue(rtype, rid, "update")
        if not merged.clean and not local_edit:
            # what it overrode is the cloud's version (the base kept above): a person on this
            # computer chooses per element, as after a 412
            entry = store.outbox.live_entry(rtype, rid)
            if entry is not None:
                store.outbox.record_conflict(entry, remote=mine, remote_version=store.version_of(rtype, rid) or "",
                                             elements=merged.conflicts)
        elif not merged.clean:  # two local edits (this computer's clerk and a desktop) at one instant
            self._note("relay-clash", rtype, rid, elements=merged.conflicts)
        return 1

    def _note(self, action: str, rtype: str, rid: str, **detail: Any) -> None:
        self.store.audit.append(actor=DEVICE.name, action=action, entity_type=rtype, entity_id=rid,
                                detail=detail or None)

    def copy_down(self, *, batches: int | None = None) -> Any:
        """Copy the feed down: all of it (before a desktop's write: what it edits must be
        the relay's newest), or `batches` of it, then (copied, more waiting)."""
        store, hub = self.store, self.hub_store
        copied_kv = hub.get_kv(COPIED)
        if copied_kv is None:  # a hub store made afresh: everything here goes down again
            with store.transaction():
                store.relay_feed.refill()
            hub.set_kv(COPIED, 0)
        cursor = int(hub.get_kv(COPIED) or 0)
        copied = done = 0
        while True:
            rows = store.relay_feed.after(cursor)
            if not rows or (batches is not None and done >= batches):
                return copied if batches is None else (copied, bool(rows))
            done += 1
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


def sync_upstream(inst: Installation, bridge: Bridge, *, sync: Callable[[RecordStore], Any]) -> Any:
    """Bridge, sync with the cloud, bridge again (what the cloud sent reaches the desktops)."""
    store = inst.connect(check_same_thread=False)
    try:
        bridge.cycle()
        try:
            return sync(store)
        finally:
            bridge.cycle()
    finally:
        store.close()


@contextlib.contextmanager
def bridged_store(inst: Installation, keys: RelayKeys | None = None) -> Iterator[tuple[RelayHubStore, Bridge]]:
    """The relay's hub store with its bridge attached (and the desktop store's feed)."""
    start_feed(inst)
    hub_store = open_hub_store(inst, keys)
    store = inst.connect(check_same_thread=False)
    bridge = Bridge(store, hub_store)
    hub_store.bridge = bridge
    try:
        yield hub_store, bridge
    finally:
        hub_store.bridge = None
        store.close()
        hub_store.close()


def status(inst: Installation, hub_store: HubStore, *, serving: dict[str, Any] | None) -> dict[str, Any]:
    """The relay's desktops (and when each last asked for a token), what waits for the
    cloud, and when the relay last synced with it; `serving`: its address while it serves."""
    store = inst.connect()
    try:
        upstream = sync_status(store)
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


def _ask_serving(inst: Installation, name: str) -> Any:
    """The serving relay's answer to an admin action; None when none listens (a crash may
    have left its file). A relay that listens but does not answer in time is an error:
    doing the work here too would make two writers of what the desktops see."""
    serving = _serving(inst)
    if serving is None:
        return None
    keys = relay_keys(inst)
    return relay_action(serving["url"], keys.admin_token, name, cert_pem=set_up(inst, keys).cert_pem)


def relay_status(inst: Installation) -> dict[str, Any]:
    """`status`, asked of the serving relay when it runs (it holds what the desktops see)."""
    if not is_relay(inst):
        raise NotARelayError()
    answer = _ask_serving(inst, "status")
    if answer is not None:
        return dict(answer)
    hub_store = open_hub_store(inst)
    try:
        return status(inst, hub_store, serving=None)
    finally:
        hub_store.close()


def sync_relay(inst: Installation, run: Callable[[RecordStore], Any]) -> Any:
    """The relay's sync with the cloud now: asked of the serving relay, or done here."""
    from clinic_app.sync.engine import SyncReport

    answer = _ask_serving(inst, "sync")
    if answer is not None:
        known = {f for f in SyncReport.__dataclass_fields__ if f != "changes"}
        return SyncReport(**{k: v for k, v in answer.items() if k in known})
    with bridged_store(inst) as (_hub_store, bridge):
        return sync_upstream(inst, bridge, sync=run)


class RelayServer:
    """The relay serving: https on (host, port), the bridge every two seconds, and a sync
    with the cloud every `sync_interval_minutes` or when asked."""

    def __init__(self, inst: Installation, *, run_sync: Callable[..., Any]) -> None:
        self.inst = inst
        keys = relay_keys(inst)
        self._bridged = bridged_store(inst, keys)
        self.hub_store, self.bridge = self._bridged.__enter__()
        self.identity = set_up(inst, keys)
        self.hub = open_relay_hub(inst, self.hub_store, keys)
        self._run_sync = run_sync
        self._stop = threading.Event()
        self._lock = threading.Lock()  # one upstream sync at a time
        self.url = ""
        self.hub.actions = {"sync": self.sync_now,
                            "status": lambda: status(self.inst, self.hub_store, serving={"url": self.url})}
        self.hub.unit_actions = {"accounts": self.accounts}
        store = inst.connect()
        try:
            self.interval = float(store.settings.get("sync_interval_minutes")) * 60
        finally:
            store.close()

    def _sync(self) -> Any:
        with self._lock:
            return sync_upstream(self.inst, self.bridge,
                                 sync=lambda store: self._run_sync(store, cancelled=self._stop.is_set))

    def sync_now(self) -> dict[str, Any]:
        report = self._sync()
        return report.as_dict() if hasattr(report, "as_dict") else {}

    def sync_with(self, *, progress: Callable[[Any], None] | None = None,
                  cancelled: Callable[[], bool] | None = None) -> Any:
        """The sync with the cloud now, for the window on this computer: its progress shown,
        its Cancel heard (as well as the relay stopping)."""
        stop = self._stop.is_set
        with self._lock:
            return sync_upstream(self.inst, self.bridge, sync=lambda store: self._run_sync(
                store, progress=progress, cancelled=lambda: stop() or bool(cancelled and cancelled())))

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
        """The upstream sync on its schedule."""
        while not self._stop.is_set():
            try:
                self._sync()
            except KnownError as exc:  # the cloud unreachable is the relay's everyday state
                log.info("relay: %s", exc.english)
            except Exception:
                log.exception("relay: the upstream sync failed")
            self._stop.wait(self.interval)

    def _bridge_loop(self) -> None:
        """The bridge every two seconds, also while a long upstream sync runs (what it pulls
        reaches the desktops page by page, and a desktop's write finds little to copy first)."""
        while not self._stop.wait(BRIDGE_SECONDS):
            self.bridge.cycle()

    def _begin(self, host: str, port: int) -> tuple[Any, str]:
        try:
            sock, url = listen(self.hub, host, port)
        except OSError:
            self.discard()
            raise
        self.url = url
        self.bridge.cycle()  # what the desktops see is the store's newest before they ask
        (relay_dir(self.inst) / SERVING_FILE).write_text(json.dumps({"url": url}), encoding="utf-8")
        self._workers = [threading.Thread(target=self._loop, name="relay-upstream", daemon=True),
                         threading.Thread(target=self._bridge_loop, name="relay-bridge", daemon=True)]
        for worker in self._workers:
            worker.start()
        return sock, url

    def _end(self) -> None:
        self._stop.set()  # a sync on its way stops between Bundles and pages
        (relay_dir(self.inst) / SERVING_FILE).unlink(missing_ok=True)
        for worker in self._workers:
            worker.join(timeout=5)
        if any(w.is_alive() for w in self._workers):  # in a network call: it ends with the process
            log.warning("relay: stopped while a sync was still waiting on the network")
            return
        self._bridged.__exit__(None, None, None)

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
        return url

    def discard(self) -> None:
        """Never started (its port was taken): let go of what it opened."""
        self._bridged.__exit__(None, None, None)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._end()


def join(inst: Installation, url: str, given_fingerprint: str, *, peer_certificate: Callable[[str], str]) -> str:
    """Make the relay at `url` this desktop's first sync partner, trusting its certificate
    only when its fingerprint is the one a person read off the relay's screen; the cloud's
    address stays the fallback. Returns the fingerprint pinned."""
    try:
        pem = peer_certificate(url)
    except HubUnreachableError:
        raise RelayUnreachableError(url) from None
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
