"""Setting up and opening an installation: data folder, key, database, settings.

`initialise` makes a new folder (refusing one that is set up or holds other files), a new
256-bit key kept by the KeyStore, and the database; the marker is written last, so a
crash during setup leaves a folder that `init` may simply be run on again.

`open_installation` finds the key, checks it against the marker's key check (wrong key vs
damaged file), and finishes a key rotation that a crash interrupted.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clinic_app import __version__
from clinic_app.core.errors import (
    CorruptDatabaseError,
    DatabaseDamagedError,
    ReadOnlyError,
    InvalidInputError,
    KnownError,
    NotClinicFolderError,
    Problem,
    WrongKeyError,
    os_reason,
)
from clinic_app.core.thai import is_valid_hcode
from clinic_app.core.ports import DeviceIdentity
from clinic_app.security.device import load_device, new_device_key, store_device_key
from clinic_app.security import audit_chain
from clinic_app.security.grants import GrantKeys
from clinic_app.security.keys import (
    KeyStore,
    PassphraseSource,
    new_key,
    new_recovery_key,
    normalise_recovery_key,
    unwrap_key,
    wrap_key,
)
from clinic_app.store import database
from clinic_app.store.folder import DataFolder, FolderLock
from clinic_app.store.record_store import RecordStore

log = logging.getLogger(__name__)

DEVICE_ACTOR = "device"


@dataclass
class Installation:
    """An opened data folder: its marker, its key (in memory only) and its settings."""

    folder: DataFolder
    marker: dict[str, Any]
    key: bytes = field(repr=False)
    keys: KeyStore
    passphrase: PassphraseSource | None = field(default=None, repr=False)
    lock: FolderLock | None = field(default=None, repr=False)
    recovery_key: str | None = field(default=None, repr=False)
    _audit_key: bytes | None = field(default=None, repr=False)

    def audit_key(self) -> tuple[bytes | None, int]:
        """(the key the audit chain's links are made with, the first entry made with it);
        (None, 0) for a folder that has none yet."""
        spec = self.marker.get("audit")
        if not spec:
            return None, 0
        if self._audit_key is None:
            self._audit_key = self.keys.load_secret(self.installation_id, spec["key"], passphrase=self.passphrase)
        return self._audit_key, int(spec["keyed_from"])

    def _link(self) -> Any:
        key, _from = self.audit_key()
        return audit_chain.keyed(key) if key is not None else audit_chain.link

    def start_keyed_audit(self) -> bool:
        """Give a folder made before audit keys existed its key, from its next entry on; only
        while no other window or command has the folder open (they would go on linking
        without it). True when the key was made."""
        if "audit" in self.marker or self.read_only:
            return False
        try:
            with self.folder_lock().exclusive():
                store = self.connect()
                try:
                    rows = store.audit.rows()
                finally:
                    store.close()
                key = audit_chain.new_audit_key()
                spec = audit_chain.store_audit_key(self.keys, self.installation_id, key, passphrase=self.passphrase,
                                                   prefer_keyring=self.marker["key"].get("source") == "keyring")
                self.marker = {**self.marker, "audit": {"key": spec, "keyed_from": (rows[-1][0] if rows else 0) + 1}}
                self.folder.write_marker(self.marker)
                self._audit_key = key
        except KnownError:  # busy (another window) or a keyring that refuses: next time
            return False
        return True

    def device(self) -> DeviceIdentity:
        """This desktop's key pair for the hub, made now for folders set up before it existed."""
        spec = self.marker.get("device")
        if spec is None:
            spec = store_device_key(self.keys, self.installation_id, new_device_key(), passphrase=self.passphrase,
                                    prefer_keyring=self.marker["key"].get("source") == "keyring")
            self.marker = {**self.marker, "device": spec}
            self.folder.write_marker(self.marker)
        return load_device(self.keys, self.installation_id, spec, passphrase=self.passphrase)

    def grant_keys(self) -> GrantKeys:
        """Keys of records fetched under consents and emergency accesses."""
        def read() -> dict[str, Any]:
            return dict(self.marker)

        def write(marker: dict[str, Any]) -> None:
            self.folder.write_marker(marker)
            self.marker = marker

        return GrantKeys(self.keys, self.installation_id, passphrase=self.passphrase,
                         prefer_keyring=self.marker["key"].get("source") == "keyring", marker=(read, write))

    def forget_secrets(self) -> None:
        """Remove this folder's keyring entries (tests and `uninstall` use it)."""
        self.keys.forget(self.installation_id, self.marker["key"])
        if "device" in self.marker:
            self.keys.forget(self.installation_id, self.marker["device"])
        if "audit" in self.marker:
            self.keys.forget(self.installation_id, self.marker["audit"]["key"])
        for spec in self.marker.get("grants", {}).values():
            self.keys.forget(self.installation_id, spec)

    def folder_lock(self) -> FolderLock:
        if self.lock is None:
            self.lock = FolderLock(self.folder.path)
            self.lock.acquire_shared()
        return self.lock

    def close(self) -> None:
        """Let go of the folder lock (connections are closed by whoever opened them)."""
        if self.lock is not None:
            self.lock.release()

    @property
    def installation_id(self) -> str:
        return str(self.marker["installation_id"])

    def connect(self, *, check_same_thread: bool = True) -> RecordStore:
        """A new store over its own connection (one per thread)."""
        conn = database.connect(self.folder.db_path, self.key, check_same_thread=check_same_thread,
                                read_only=self.read_only)
        refuse = ReadOnlyError() if self.read_only else DatabaseDamagedError() if self.damaged else None
        return RecordStore(conn, link=self._link(), refuse_writes=refuse)

    @property
    def read_only(self) -> bool:
        """The folder cannot be written (a disk gone read-only): open to read and rescue."""
        return not os.access(self.folder.path, os.W_OK)

    @property
    def damaged(self) -> bool:
        """The last `db check` failed (and no restore since): read, don't write."""
        return bool(self.marker.get("damaged"))

    def mark_damaged(self, damaged: bool) -> None:
        """Kept in the marker, beside the database rather than in it."""
        if damaged == self.damaged:
            return
        marker = {k: v for k, v in self.marker.items() if k != "damaged"}
        if damaged:
            marker["damaged"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        self.folder.write_marker(marker)
        self.marker = marker


def validate_hcode(hcode: str) -> None:
    if not is_valid_hcode(hcode):
        raise InvalidInputError(
            "รหัสหน่วยบริการ (hcode) ต้องเป็นตัวเลข 5 หลัก (หรือ 9 หลัก)",
            "The facility code (hcode) must be 5 digits (or the 9-digit form).",
            problems=[Problem(None, "hcode", "expected 5 or 9 digits", "ต้องเป็นตัวเลข 5 หรือ 9 หลัก")],
        )


def initialise(path: Path, *, hcode: str, name: str | None = None, hub_url: str | None = None,
               auth: bool = True, training: bool = False, keys: KeyStore,
               passphrase: PassphraseSource | None = None) -> Installation:
    validate_hcode(hcode)
    folder = DataFolder(path)
    folder.prepare_new()
    lock = FolderLock(folder.path)
    lock.acquire_shared()
    label = str(uuid.uuid4())
    key = new_key()
    spec = keys.store(label, key, passphrase=passphrase)
    try:
        audit_key = audit_chain.new_audit_key()
        audit_spec = audit_chain.store_audit_key(keys, label, audit_key, passphrase=passphrase,
                                                 prefer_keyring=spec["source"] == "keyring")
        conn = database.connect(folder.db_path, key, create=True)
        store = RecordStore(conn, link=audit_chain.keyed(audit_key))
        try:
            with store.transaction():
                store.settings.set("hcode", hcode)
                store.settings.set("facility_name", name or "")
                store.settings.set("hub_url", hub_url or "")
                store.settings.set("hub_auth", auth)
                store.settings.set("training_mode", training)
                store.settings.set("record_shape", 2)  # new folders start in the SIL-TH shapes
                store.audit.append(actor=DEVICE_ACTOR, action="init", detail={"hcode": hcode})
        finally:
            store.close()
        device_spec = store_device_key(keys, label, new_device_key(), passphrase=passphrase,
                                       prefer_keyring=spec["source"] == "keyring")
        recovery = new_recovery_key()
        marker = {
            "installation_id": label,
            "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "created_by_version": __version__,
            "key": spec,
            "key_check": database.key_check(key),
            "device": device_spec,
            "audit": {"key": audit_spec, "keyed_from": 1},
            "recovery": wrap_key(key, recovery, label=label),
            **({"training": True} if training else {}),  # may be started over when its key is lost
        }
        folder.write_marker(marker)
    except BaseException:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{folder.db_path}{suffix}").unlink(missing_ok=True)
        keys.forget(label, spec)
        if "device_spec" in locals():
            keys.forget(label, device_spec)
        if "audit_spec" in locals():
            keys.forget(label, audit_spec)
        lock.release()
        raise
    log.info("initialised a data folder (installation %s)", label[:8])
    inst = Installation(folder, marker, key, keys, passphrase, lock)
    inst.recovery_key = recovery  # shown once by the caller; never stored in clear
    return inst


def open_installation(path: Path, *, keys: KeyStore, passphrase: PassphraseSource | None = None,
                      verify_open: bool = True) -> Installation:
    """Open a data folder. verify_open=False checks the key but not the database file, for
    `db restore`, which must work when the live file is damaged or missing."""
    folder = DataFolder(path)
    marker = folder.read_marker()
    if not isinstance(marker.get("installation_id"), str) or not isinstance(marker.get("key"), dict):
        raise NotClinicFolderError(has_other_files=True, folder=folder.path)
    label = str(marker["installation_id"])
    spec = marker["key"]
    key = keys.load(label, spec, passphrase=passphrase)
    lock = FolderLock(folder.path)
    if os.access(folder.path, os.W_OK):  # a read-only folder takes no lock: nothing is written there
        lock.acquire_shared()
    inst = Installation(folder, marker, key, keys, passphrase, lock)
    try:
        _verified(inst, verify_open=verify_open)
    except BaseException:
        lock.release()
        raise
    if verify_open:
        inst.start_keyed_audit()  # a folder from before audit keys: from its next entry on
    return inst


def _verified(inst: Installation, *, verify_open: bool) -> Installation:
    marker, keys, passphrase, key = inst.marker, inst.keys, inst.passphrase, inst.key
    label, spec = inst.installation_id, marker["key"]
    pending_check = marker.get("pending_key_check")
    if database.key_check(key) == marker.get("key_check") and not verify_open:
        return inst
    if database.key_check(key) == marker.get("key_check"):
        try:
            inst.connect().close()
            return inst
        except CorruptDatabaseError:
            if not pending_check:
                raise
        # A rotation stopped after the file was re-keyed: the pending key opens it.
        key = keys.load(label, spec, passphrase=passphrase, pending=True)
    if not pending_check or database.key_check(key) != pending_check:
        raise WrongKeyError()
    inst.key = key
    inst.connect().close()
    _finish_rotation(inst, key)
    log.info("finished an interrupted key rotation")
    return inst


def rotate_key(inst: Installation) -> str:
    """Re-encrypt the database under a new key (`clinic-app db rekey`), crash-safely, and
    return the new recovery key (the old one opens only the old key).

    Order: keep the new key as pending -> re-key the file -> make the new key the main
    one. A crash at any point leaves a folder that `open_installation` can open.
    """
    with inst.folder_lock().exclusive():
        _rotate(inst)
    recovery = new_recovery_key()
    marker = {**inst.marker, "recovery": wrap_key(inst.key, recovery, label=inst.installation_id)}
    inst.folder.write_marker(marker)
    inst.marker = marker
    return recovery


class RecoveryKeyError(KnownError):
    code = "recovery-key"

    def __init__(self) -> None:
        super().__init__("กุญแจกู้คืนไม่ถูกต้องสำหรับโฟลเดอร์นี้ ไม่ได้เปลี่ยนแปลงอะไร",
                         "That recovery key does not open this data folder. Nothing was changed.")


def recover(path: Path, recovery_key: str, *, keys: KeyStore, passphrase: PassphraseSource | None = None) -> None:
    """Put the database key back where it belongs (keyring, or passphrase-wrapped) from the
    recovery key, after the keyring entry was lost. A lost key never means lost records."""
    folder = DataFolder(path)
    marker = folder.read_marker()
    label = str(marker["installation_id"])
    wrapped = marker.get("recovery")
    if not wrapped:
        raise RecoveryKeyError()
    try:
        key = unwrap_key(wrapped, normalise_recovery_key(recovery_key), label=label)
    except WrongKeyError as exc:
        raise RecoveryKeyError() from exc
    if database.key_check(key) != marker.get("key_check"):
        raise RecoveryKeyError()
    database.connect(folder.db_path, key).close()
    spec = keys.store(label, key, passphrase=passphrase)
    folder.write_marker({**marker, "key": spec})


def _rotate(inst: Installation) -> None:
    label = inst.installation_id
    new = new_key()
    pending_spec = inst.keys.store(label, new, passphrase=inst.passphrase, pending=True,
                                   prefer_keyring=inst.marker["key"].get("source") == "keyring")
    marker = dict(inst.marker)
    marker["pending_key_check"] = database.key_check(new)
    if pending_spec.get("source") == "passphrase":
        marker["key"] = {**marker["key"], "pending_wrapped": pending_spec["wrapped"]}
    inst.folder.write_marker(marker)
    inst.marker = marker
    store = inst.connect()
    try:
        database.rekey(store.conn, new)
        with store.transaction():
            store.audit.append(actor=DEVICE_ACTOR, action="rekey")
    finally:
        store.close()
    _finish_rotation(inst, new)


def _finish_rotation(inst: Installation, key: bytes) -> None:
    label = inst.installation_id
    old_spec = inst.marker["key"]
    marker = {k: v for k, v in inst.marker.items() if k != "pending_key_check"}
    if old_spec.get("source") == "passphrase":
        marker["key"] = {"source": "passphrase", "wrapped": old_spec.get("pending_wrapped", old_spec["wrapped"])}
    else:
        marker["key"] = inst.keys.store(label, key, passphrase=inst.passphrase)
    marker["key_check"] = database.key_check(key)
    inst.folder.write_marker(marker)
    inst.keys.forget(label, old_spec, pending=True)
    inst.marker, inst.key = marker, key


def configure_hub(inst: Installation, url: str, *, auth: bool) -> None:
    """Point this installation at a hub (training mode does it at every start)."""
    store = inst.connect()
    try:
        with store.transaction():
            store.settings.set("hub_url", url)
            store.settings.set("hub_auth", auth)
    finally:
        store.close()


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("clinic-app", appauthor=False))


def _pointer_file() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("clinic-app", appauthor=False)) / "current-folder.json"


def remember_data_dir(path: Path) -> None:
    """The folder the app opens next time it starts with no --data-dir (set by the setup window)."""
    pointer = _pointer_file()
    pointer.parent.mkdir(parents=True, exist_ok=True)
    pointer.write_text(json.dumps({"data_dir": str(path)}), encoding="utf-8")


def resolve_data_dir(arg: str | None) -> Path:
    """--data-dir, else CLINIC_APP_DATA_DIR, else the folder the setup window chose, else the
    per-user data folder of the OS (where training mode lives)."""
    if arg:
        return Path(arg).expanduser()
    env = os.environ.get("CLINIC_APP_DATA_DIR")
    if env:
        return Path(env).expanduser()
    try:
        chosen = json.loads(_pointer_file().read_text(encoding="utf-8")).get("data_dir")
    except (OSError, ValueError, AttributeError):
        chosen = None
    if chosen and DataFolder(Path(chosen)).exists():
        return Path(chosen)
    return default_data_dir()


@dataclass
class NewUnit:
    inst: Installation
    recovery_key: str
    enrolment: dict[str, Any]


def setup_unit(path: Path, *, hcode: str, name: str, hub_url: str, admin: str, password: str, keys: KeyStore,
               passphrase: PassphraseSource | None = None) -> NewUnit:
    """A real unit from the setup window: the folder, its key, the first administrator;
    returns what must be shown once (recovery key) and given to the hub (enrolment)."""
    from clinic_app.security.device import enrolment
    from clinic_app.services.accounts import AccountService
    from clinic_app.security.passwords import check_policy

    check_policy(password, user_inputs=[admin, name, hcode])
    inst = initialise(path, hcode=hcode, name=name, hub_url=hub_url, auth=True, keys=keys, passphrase=passphrase)
    store = inst.connect()
    try:
        AccountService(store).add(admin, "administrator", password)
    finally:
        store.close()
    return NewUnit(inst, inst.recovery_key or "", enrolment(inst.device(), hcode))


TRAINING_NAME = "หน่วยบริการฝึกอบรม (Training unit)"


def is_training_folder(path: Path) -> bool:
    """Whether the folder was set up as training mode (read from its marker, no key needed)."""
    try:
        return bool(DataFolder(path).read_marker().get("training"))
    except KnownError:
        return False


def set_training_aside(path: Path) -> Path:
    """Move a training folder that can no longer be opened (its key is gone) out of the way,
    beside it and renamed with the time, so training can start over; nothing is deleted.
    Returns where it went."""
    if not is_training_folder(path):
        raise KnownError("โฟลเดอร์นี้ไม่ใช่ข้อมูลฝึกอบรม จึงเริ่มใหม่ไม่ได้ ใช้รหัสกู้คืนหรือติดต่อผู้ดูแลระบบ",
                         "This folder is not training mode, so it cannot be started over. Use the recovery key "
                         "or call your administrator.", code="not-training")
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}-set-aside-{stamp}")
    try:
        path.rename(target)
    except OSError as exc:
        th, en = os_reason(exc)
        raise KnownError(f"ย้ายโฟลเดอร์ฝึกอบรมเดิมไม่ได้ ({th}) ปิดโปรแกรมอื่นที่ใช้โฟลเดอร์นี้แล้วลองใหม่",
                         f"The old training folder could not be moved ({en}). Close other programs using it "
                         "and try again.", code="folder-busy") from None
    return target


def open_or_start_training(path: Path, keys: KeyStore,
                           passphrase: PassphraseSource | None) -> tuple[Installation, bool]:
    """Open the folder; with none there yet, set up training mode (the reserved training
    facility code). True: demo data is still to be loaded."""
    from clinic_app.core.identifiers import TRAINING_HCODE

    if DataFolder(path).exists():
        return open_installation(path, keys=keys, passphrase=passphrase), False
    inst = initialise(path, hcode=TRAINING_HCODE, name=TRAINING_NAME, training=True, keys=keys,
                      passphrase=passphrase)
    return inst, True
