from __future__ import annotations

import os
import uuid

import keyring
import keyring.backends.fail
import pytest

from clinic_app.core.errors import KeyMissingError, KeyringUnavailableError, PassphraseNeededError, WrongKeyError
from clinic_app.security.keys import SERVICE, KeyStore, WeakPassphraseError, unwrap_key, wrap_key


def test_real_keyring_round_trip(keystore: KeyStore) -> None:
    label, key = str(uuid.uuid4()), os.urandom(32)
    spec = keystore.store(label, key, passphrase=None)
    try:
        assert spec == {"source": "keyring", "service": SERVICE, "entry": label}
        assert keystore.load(label, spec, passphrase=None) == key
        assert keyring.get_password(SERVICE, label) == key.hex()
    finally:
        keystore.forget(label, spec)
    with pytest.raises(KeyMissingError):
        keystore.load(label, spec, passphrase=None)


def test_wrap_and_unwrap_with_a_passphrase() -> None:
    key = os.urandom(32)
    wrapped = wrap_key(key, "a long enough passphrase", label="inst-1")
    assert key.hex() not in str(wrapped)
    assert unwrap_key(wrapped, "a long enough passphrase", label="inst-1") == key
    with pytest.raises(WrongKeyError):
        unwrap_key(wrapped, "another long passphrase", label="inst-1")
    with pytest.raises(WrongKeyError):
        unwrap_key(wrapped, "a long enough passphrase", label="inst-2")
    with pytest.raises(WeakPassphraseError):
        wrap_key(key, "short", label="x")


def test_no_keyring_falls_back_to_the_passphrase() -> None:
    # Single-class unit test: the failing backend stands for "no Secret Service here".
    ks = KeyStore(backend=keyring.backends.fail.Keyring())
    assert not ks.keyring_works()
    key = os.urandom(32)
    with pytest.raises(KeyringUnavailableError):
        ks.store("l", key, passphrase=None)
    spec = ks.store("l", key, passphrase=lambda new: "correct horse battery staple")
    assert spec["source"] == "passphrase"
    assert ks.load("l", spec, passphrase=lambda new: "correct horse battery staple") == key
    with pytest.raises(PassphraseNeededError):
        ks.load("l", spec, passphrase=None)


def test_a_passphrase_is_asked_once_per_run_from_any_thread() -> None:
    import threading

    from clinic_app.security.keys import remembered

    asked: list[bool] = []

    def person(new: bool) -> str | None:
        asked.append(new)
        return None if len(asked) == 1 else "correct horse battery staple"  # cancels once, then types it

    source = remembered(person)
    assert source(True) is None  # a cancel is not remembered
    assert source(True) == "correct horse battery staple"
    answers: list[str | None] = []
    workers = [threading.Thread(target=lambda: answers.append(source(False))) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert answers == ["correct horse battery staple"] * 4 and asked == [True, True]
