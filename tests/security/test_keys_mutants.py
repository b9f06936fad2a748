"""The key store, pinned where the mutation pass (tests/mutation.py) found it loose: the KDF's
strength and the sealing as documented, which keyring entry a key goes to and comes from,
and every way a missing, short or unreadable key is refused rather than used."""

from __future__ import annotations

import base64
import logging
import os
import re

import keyring.errors
import pytest
from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from clinic_app.core.errors import KeyMissingError, KeyringUnavailableError, PassphraseNeededError, WrongKeyError
from clinic_app.security import keys
from clinic_app.security.keys import SERVICE, KeyStore, WeakPassphraseError, unwrap_key, wrap_key

PHRASE = "correct horse battery staple"


class Memory:
    """An in-memory keyring backend; `fail` makes each call raise that error."""

    priority = 1

    def __init__(self, fail: dict[str, Exception] | None = None) -> None:
        self.values: dict[tuple[str, str], str] = {}
        self.fail = fail or {}
        self.deleted: list[str] = []

    def set_password(self, service: str, entry: str, value: str) -> None:
        if "set" in self.fail:
            raise self.fail["set"]
        self.values[(service, entry)] = value

    def get_password(self, service: str, entry: str) -> str | None:
        if "get" in self.fail:
            raise self.fail["get"]
        return self.values.get((service, entry))

    def delete_password(self, service: str, entry: str) -> None:
        if "delete" in self.fail:
            raise self.fail["delete"]
        self.deleted.append(entry)
        self.values.pop((service, entry), None)


def asked(answer: str | None, log: list[bool]):
    def source(new: bool) -> str | None:
        log.append(new)
        return answer
    return source


def test_the_wrapping_is_argon2id_at_the_documented_cost_then_aes_gcm_bound_to_the_label() -> None:
    key = os.urandom(32)
    wrapped = wrap_key(key, PHRASE, label="inst-1")
    assert keys.ARGON2 == {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}
    assert wrapped["params"] == keys.ARGON2 and wrapped["kdf"] == "argon2id" and wrapped["aead"] == "AES-256-GCM"
    salt, nonce = base64.b64decode(wrapped["salt"]), base64.b64decode(wrapped["nonce"])
    assert len(salt) == 16 and len(nonce) == 12
    kek = hash_secret_raw(PHRASE.encode("utf-8"), salt, time_cost=3, memory_cost=65536, parallelism=4,
                          hash_len=32, type=Type.ID)  # computed here, independently of keys._kek
    assert AESGCM(kek).decrypt(nonce, base64.b64decode(wrapped["sealed"]), b"inst-1") == key
    again = wrap_key(key, PHRASE, label="inst-1")
    assert again["salt"] != wrapped["salt"] and again["nonce"] != wrapped["nonce"]


def test_a_thai_passphrase_is_taken_as_utf8() -> None:
    phrase = "รหัสผ่านยาวพอสมควรแล้ว"
    wrapped = wrap_key(b"k" * 32, phrase, label="x")
    kek = hash_secret_raw(phrase.encode("utf-8"), base64.b64decode(wrapped["salt"]), hash_len=32, type=Type.ID,
                          **keys.ARGON2)
    assert AESGCM(kek).decrypt(base64.b64decode(wrapped["nonce"]), base64.b64decode(wrapped["sealed"]), b"x")


def test_unwrapping_uses_the_parameters_stored_with_the_key() -> None:
    salt, nonce, key = os.urandom(16), os.urandom(12), os.urandom(32)
    params = {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}
    kek = hash_secret_raw(PHRASE.encode(), salt, hash_len=32, type=Type.ID, **params)
    wrapped = {"kdf": "argon2id", "params": params, "salt": base64.b64encode(salt).decode(),
               "nonce": base64.b64encode(nonce).decode(),
               "sealed": base64.b64encode(AESGCM(kek).encrypt(nonce, key, b"l")).decode(), "aead": "AES-256-GCM"}
    assert unwrap_key(wrapped, PHRASE, label="l") == key
    with pytest.raises(WrongKeyError):
        unwrap_key(wrapped, PHRASE + "!", label="l")


def test_a_passphrase_needs_twelve_characters() -> None:
    with pytest.raises(WeakPassphraseError) as caught:
        wrap_key(b"k" * 32, "x" * 11, label="l")
    assert caught.value.code == "weak-passphrase" and "12" in caught.value.english and "12" in caught.value.thai
    assert unwrap_key(wrap_key(b"k" * 32, "x" * 12, label="l"), "x" * 12, label="l") == b"k" * 32


def test_new_keys_and_recovery_keys() -> None:
    made = {keys.new_key() for _ in range(4)}
    assert len(made) == 4 and all(len(k) == 32 for k in made)
    rk = keys.new_recovery_key()
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){5}", rk), rk
    assert keys.normalise_recovery_key(rk.lower().replace("-", " ")) == rk
    assert keys.normalise_recovery_key("abcd efgh-ij") == "ABCD-EFGH-IJ"


def test_whether_the_keyring_works() -> None:
    assert KeyStore(backend=Memory()).keyring_works()
    zero = Memory()
    zero.priority = 0
    assert not KeyStore(backend=zero).keyring_works()

    class NoPriority:
        pass

    assert KeyStore(backend=NoPriority()).keyring_works()

    class Broken:
        @property
        def priority(self) -> float:
            raise RuntimeError("no bus")

    assert not KeyStore(backend=Broken()).keyring_works()


def test_keys_go_to_their_entries_and_come_back_whole() -> None:
    backend = Memory()
    ks = KeyStore(backend=backend)
    key, pending = os.urandom(32), os.urandom(32)
    spec = ks.store("inst", key, passphrase=None)
    assert spec == {"source": "keyring", "service": SERVICE, "entry": "inst"}
    assert ks.store("inst", pending, passphrase=None, pending=True) == spec  # the entry named without ":pending"
    assert backend.values == {(SERVICE, "inst"): key.hex(), (SERVICE, "inst:pending"): pending.hex()}
    assert ks.load("inst", spec, passphrase=None) == key
    assert ks.load("inst", spec, passphrase=None, pending=True) == pending
    secret_spec = ks.store_secret("inst", "inst:audit", b"sixteen byte key", passphrase=None)
    assert secret_spec["entry"] == "inst:audit"
    assert ks.load_secret("inst", secret_spec, passphrase=None) == b"sixteen byte key"
    ks.forget("inst", spec, pending=True)
    assert backend.deleted == ["inst:pending"]
    ks.forget("inst", spec)
    assert backend.deleted == ["inst:pending", "inst"]
    ks.forget("inst", {"source": "passphrase"})  # nothing in the keyring to forget
    assert backend.deleted == ["inst:pending", "inst"]
    ks.store("inst", key, passphrase=None)
    ks.forget("inst", secret_spec)  # forgetting the audit key leaves the database key alone
    assert backend.deleted[-1] == "inst:audit" and backend.values[(SERVICE, "inst")] == key.hex()


def test_a_short_or_unreadable_key_in_the_keyring_is_refused() -> None:
    backend = Memory()
    ks = KeyStore(backend=backend)
    spec = {"source": "keyring", "service": SERVICE, "entry": "inst"}
    for value in ("ab" * 31, "ab" * 33, "not hex at all", ""):
        backend.values[(SERVICE, "inst")] = value
        with pytest.raises(KeyMissingError):
            ks.load("inst", spec, passphrase=None)
    backend.values[(SERVICE, "inst")] = "zz"
    with pytest.raises(KeyMissingError):
        ks.load_secret("inst", spec, passphrase=None)
    backend.values.clear()
    with pytest.raises(KeyMissingError):
        ks.load_secret("inst", spec, passphrase=None)


def test_a_keyring_that_fails_is_said_so_and_a_store_falls_back_to_the_passphrase(caplog) -> None:
    error = keyring.errors.KeyringError("locked")
    spec = {"source": "keyring", "service": SERVICE, "entry": "inst"}
    broken = KeyStore(backend=Memory({"get": error, "set": error, "delete": error}))
    for load in (broken.load, broken.load_secret):
        with pytest.raises(KeyringUnavailableError):
            load("inst", spec, passphrase=None)
    log: list[bool] = []
    with caplog.at_level(logging.WARNING, logger="clinic_app.security.keys"):
        fell_back = broken.store("inst", b"k" * 32, passphrase=asked(PHRASE, log))
        broken.forget("inst", spec)  # logged, not raised
    assert fell_back["source"] == "passphrase" and log == [True]
    assert len(caplog.records) == 2
    off = Memory()
    off.priority = 0
    for load in (KeyStore(backend=off).load, KeyStore(backend=off).load_secret):
        with pytest.raises(KeyringUnavailableError):
            load("inst", spec, passphrase=None)
    KeyStore(backend=Memory({"delete": keyring.errors.PasswordDeleteError("gone")})).forget("inst", spec)


def test_prefer_keyring_false_wraps_even_when_a_keyring_works() -> None:
    backend = Memory()
    log: list[bool] = []
    spec = KeyStore(backend=backend).store("inst", b"k" * 32, passphrase=asked(PHRASE, log), prefer_keyring=False)
    assert spec["source"] == "passphrase" and backend.values == {} and log == [True]
    with pytest.raises(KeyringUnavailableError):
        KeyStore(backend=backend).store("inst", b"k" * 32, passphrase=asked("", []), prefer_keyring=False)


def test_a_wrapped_key_asks_for_the_passphrase_as_an_old_one_and_needs_it() -> None:
    ks = KeyStore(backend=Memory())
    key, pending = os.urandom(32), os.urandom(32)
    spec = {"source": "passphrase", "wrapped": wrap_key(key, PHRASE, label="inst")}
    log: list[bool] = []
    assert ks.load("inst", spec, passphrase=asked(PHRASE, log)) == key
    assert ks.load_secret("inst", spec, passphrase=asked(PHRASE, log)) == key
    assert log == [False, False]
    for load in (ks.load, ks.load_secret):
        with pytest.raises(PassphraseNeededError):
            load("inst", spec, passphrase=asked("", []))
        with pytest.raises(PassphraseNeededError):
            load("inst", spec, passphrase=None)
    with pytest.raises(KeyMissingError):
        ks.load("inst", spec, passphrase=asked(PHRASE, []), pending=True)
    spec["pending_wrapped"] = wrap_key(pending, PHRASE, label="inst")
    assert ks.load("inst", spec, passphrase=asked(PHRASE, []), pending=True) == pending
    with pytest.raises(KeyMissingError):
        ks.load("inst", {"source": "passphrase"}, passphrase=asked(PHRASE, []))


def test_an_empty_answer_is_not_remembered() -> None:
    answers = iter(["", PHRASE])
    source = keys.remembered(lambda new: next(answers))
    assert source(True) is None and source(False) == PHRASE and source(False) == PHRASE
