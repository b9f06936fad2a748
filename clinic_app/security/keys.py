"""The database key: 256 random bits, kept in the OS keyring, or wrapped by a passphrase.

Keyring: service `clinic-app`, one entry per data folder (named by the folder's
installation id), value = the key in hex. When no keyring backend works (a bare server, a
Linux box with no Secret Service), the key is wrapped with a key derived from a
passphrase by Argon2id (RFC 9106 second recommended option: 64 MiB, 3 passes) and
sealed with AES-256-GCM; only the wrapped form is written to the folder's marker.

`KeySpec` is the JSON-able description of where the key lives; the store keeps it in the
marker without looking inside.
"""

from __future__ import annotations

import base64
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from clinic_app.core.errors import (
    KeyMissingError,
    KeyringUnavailableError,
    PassphraseNeededError,
    WrongKeyError,
    KnownError,
)

log = logging.getLogger(__name__)

SERVICE = "clinic-app"
KEY_BYTES = 32
ARGON2 = {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 4}

KeySpec = dict[str, Any]
# Asked for a passphrase; `new=True` when it will protect a new key (ask twice).
PassphraseSource = Callable[[bool], str | None]


def remembered(source: PassphraseSource) -> PassphraseSource:
    """The same source, asked once per run: the first answer is kept in memory and given to
    every later call, from any thread (one installation's keys share one passphrase: the
    database key, the desktop's key, each grant's key). A person types it once, and a worker
    thread never has to ask."""
    kept: list[str] = []
    lock = threading.Lock()

    def ask(new: bool) -> str | None:
        with lock:
            if not kept:
                answer = source(new)
                if not answer:
                    return None
                kept.append(answer)
            return kept[0]

    return ask


def new_recovery_key() -> str:
    """A recovery key to print or write down: 120 random bits as 24 base32 characters in
    six groups of four (no padding, no confusable case)."""
    text = base64.b32encode(os.urandom(15)).decode("ascii")
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


def normalise_recovery_key(text: str) -> str:
    """However it was typed (spaces, lower case, no dashes), the canonical form."""
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


class WeakPassphraseError(KnownError):
    code = "weak-passphrase"

    def __init__(self) -> None:
        super().__init__("รหัสผ่านต้องยาวอย่างน้อย 12 ตัวอักษร",
                         "The passphrase must be at least 12 characters long.")


def _kek(passphrase: str, salt: bytes, params: dict[str, int]) -> bytes:
    # argon2 and cryptography load when a key is first wrapped or unwrapped (issue 18)
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(passphrase.encode("utf-8"), salt, hash_len=32, type=Type.ID, **params)


def wrap_key(key: bytes, passphrase: str, *, label: str) -> dict[str, Any]:
    """Seal `key` under a passphrase; `label` (the installation id) is bound as AAD."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(passphrase) < 12:
        raise WeakPassphraseError()
    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = AESGCM(_kek(passphrase, salt, ARGON2)).encrypt(nonce, key, label.encode())
    return {"kdf": "argon2id", "params": dict(ARGON2), "salt": _b64(salt), "nonce": _b64(nonce),
            "sealed": _b64(sealed), "aead": "AES-256-GCM"}


def unwrap_key(wrapped: dict[str, Any], passphrase: str, *, label: str) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        kek = _kek(passphrase, _unb64(wrapped["salt"]), dict(wrapped["params"]))
        return AESGCM(kek).decrypt(_unb64(wrapped["nonce"]), _unb64(wrapped["sealed"]), label.encode())
    except InvalidTag as exc:
        raise WrongKeyError() from exc


def _keyring() -> Any:
    """The keyring package, loaded when a key is first looked for there: finding its backends
    (through package metadata) takes a while, and the window paints first (issue 18)."""
    import keyring
    import keyring.errors

    return keyring


class KeyStore:
    """Puts and gets database keys; `backend` is for single-class unit tests only."""

    def __init__(self, *, backend: Any | None = None) -> None:
        self._backend = backend

    def _kr(self) -> Any:
        return self._backend if self._backend is not None else _keyring().get_keyring()

    def keyring_works(self) -> bool:
        kr = self._kr()
        try:
            return float(getattr(kr, "priority", 1)) > 0 and "fail" not in type(kr).__module__
        except Exception:  # noqa: BLE001 - a broken backend's priority property may raise anything
            return False

    def _entry(self, label: str, *, pending: bool) -> str:
        return f"{label}:pending" if pending else label

    def store(self, label: str, key: bytes, *, passphrase: PassphraseSource | None,
              pending: bool = False, prefer_keyring: bool = True) -> KeySpec:
        """Keep `key` and return the spec that finds it again."""
        return self.store_secret(label, self._entry(label, pending=pending), key, passphrase=passphrase,
                                 prefer_keyring=prefer_keyring)

    def store_secret(self, label: str, entry: str, secret: bytes, *, passphrase: PassphraseSource | None,
                     prefer_keyring: bool = True) -> KeySpec:
        """Keep any secret under keyring `entry` (or wrapped by the passphrase, bound to `label`)."""
        if prefer_keyring and self.keyring_works():
            try:
                self._kr().set_password(SERVICE, entry, secret.hex())
                return {"source": "keyring", "service": SERVICE, "entry": entry.removesuffix(":pending")}
            except _keyring().errors.KeyringError as exc:
                log.warning("keyring refused the key (%s); falling back to a passphrase",
                            type(exc).__name__)
        phrase = passphrase(True) if passphrase else None
        if not phrase:
            raise KeyringUnavailableError()
        return {"source": "passphrase", "wrapped": wrap_key(secret, phrase, label=label)}

    def load_secret(self, label: str, spec: KeySpec, *, passphrase: PassphraseSource | None) -> bytes:
        """A secret kept by `store_secret` (any length)."""
        if spec.get("source") == "passphrase":
            phrase = passphrase(False) if passphrase else None
            if not phrase:
                raise PassphraseNeededError()
            return unwrap_key(spec["wrapped"], phrase, label=label)
        if not self.keyring_works():
            raise KeyringUnavailableError()
        try:
            value = self._kr().get_password(SERVICE, spec["entry"])
        except _keyring().errors.KeyringError as exc:
            raise KeyringUnavailableError() from exc
        if value is None:
            raise KeyMissingError()
        try:
            return bytes.fromhex(value)
        except ValueError as exc:
            raise KeyMissingError() from exc

    def load(self, label: str, spec: KeySpec, *, passphrase: PassphraseSource | None,
             pending: bool = False) -> bytes:
        if spec.get("source") == "passphrase":
            wrapped = spec.get("pending_wrapped") if pending else spec.get("wrapped")
            if wrapped is None:
                raise KeyMissingError()
            secret = passphrase(False) if passphrase else None
            if not secret:
                raise PassphraseNeededError()
            return unwrap_key(wrapped, secret, label=label)
        if not self.keyring_works():
            raise KeyringUnavailableError()
        try:
            value = self._kr().get_password(SERVICE, self._entry(label, pending=pending))
        except _keyring().errors.KeyringError as exc:
            raise KeyringUnavailableError() from exc
        if value is None:
            raise KeyMissingError()
        try:
            key = bytes.fromhex(value)
        except ValueError as exc:
            raise KeyMissingError() from exc
        if len(key) != KEY_BYTES:
            raise KeyMissingError()
        return key

    def forget(self, label: str, spec: KeySpec, *, pending: bool = False) -> None:
        if spec.get("source") != "keyring":
            return
        entry = spec.get("entry", label)
        try:
            self._kr().delete_password(SERVICE, self._entry(entry, pending=pending))
        except _keyring().errors.PasswordDeleteError:
            pass
        except _keyring().errors.KeyringError as exc:
            log.warning("could not remove a keyring entry (%s)", type(exc).__name__)
