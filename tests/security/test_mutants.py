"""Tests written to kill mutants that the mutation pass (tests/mutation.py) found surviving
in the audit chain, the permission check and the key store: each one pins a behaviour whose
silent loss would accept a tampered audit row, grant a permission, or weaken key handling."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from clinic_app.core.audit import AUDIT_GENESIS
from clinic_app.core.errors import WrongKeyError
from clinic_app.core.permissions import (
    ADMIN, CLERK, CLINICIAN, DEVICE, DEVICE_ROLE, PERMISSIONS, Actor, PermissionDeniedError, allowed, require,
)
from clinic_app.security import audit_chain

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


def chain(entries: list[tuple[str, str, str, str | None, str | None, str]], *, key: bytes | None = KEY,
          keyed_from: int = 1) -> list[tuple]:
    """Rows as the store keeps them: (seq, at, actor, action, type, id, detail, prev_hash, hash)."""
    rows, prev = [], AUDIT_GENESIS
    for seq, (at, actor, action, etype, eid, detail) in enumerate(entries, 1):
        digest = audit_chain.link(prev, at, actor, action, etype, eid, detail,
                                  key=key if key is not None and seq >= keyed_from else None)
        rows.append((seq, at, actor, action, etype, eid, detail, prev, digest))
        prev = digest
    return rows


ENTRIES = [
    ("2026-11-30T08:00:00+07:00", "boss", "login", None, None, ""),
    ("2026-11-30T08:01:00+07:00", "nurse", "read", "Patient", "p-1", '{"why":"visit"}'),
    ("2026-11-30T08:02:00+07:00", "nurse", "update", "Encounter", "e-1", '{"fields":["reason"]}'),
    ("2026-11-30T08:03:00+07:00", "boss", "logout", None, None, ""),
]


def test_the_link_is_sha256_or_hmac_of_the_canonical_fields() -> None:
    fields = ["prev", "2026-11-30T08:00:00+07:00", "นางสาว", "read", "Patient", "p-1", "ข้อมูล"]
    canonical = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert audit_chain.link(*fields) == hashlib.sha256(canonical).hexdigest()
    assert audit_chain.link(*fields, key=KEY) == hmac.new(KEY, canonical, hashlib.sha256).hexdigest()
    assert audit_chain.keyed(KEY)(*fields) == audit_chain.link(*fields, key=KEY)
    assert audit_chain.GENESIS == AUDIT_GENESIS


def test_an_intact_chain_has_no_broken_links() -> None:
    assert audit_chain.broken_links(chain(ENTRIES), key=KEY) == []
    assert audit_chain.broken_links(chain(ENTRIES, key=None)) == []
    assert audit_chain.broken_links([], key=KEY) == []


@pytest.mark.parametrize("field", range(1, 7))  # at, actor, action, entity_type, entity_id, detail
def test_editing_any_field_of_an_entry_is_found(field: int) -> None:
    rows = chain(ENTRIES)
    row = list(rows[1])
    row[field] = "forged" if row[field] != "forged" else "other"
    rows[1] = tuple(row)
    assert audit_chain.broken_links(rows, key=KEY) == [2]


def test_a_forged_prev_hash_or_digest_or_a_removed_or_swapped_entry_is_found() -> None:
    rows = chain(ENTRIES)
    forged_prev = list(rows[2])
    forged_prev[7] = "0" * 64
    assert audit_chain.broken_links([*rows[:2], tuple(forged_prev), *rows[3:]], key=KEY) == [3]
    forged = list(rows[1])
    forged[8] = "f" * 64
    assert audit_chain.broken_links([rows[0], tuple(forged), *rows[2:]], key=KEY) == [2, 3]
    assert audit_chain.broken_links([rows[0], *rows[2:]], key=KEY) == [3]
    assert audit_chain.broken_links([rows[1], rows[0], *rows[2:]], key=KEY) == [2, 1, 3]
    assert audit_chain.broken_links(rows[1:], key=KEY) == [2]  # the first entry removed


def test_a_chain_relinked_without_the_key_or_with_another_key_is_found() -> None:
    assert audit_chain.broken_links(chain(ENTRIES, key=None), key=KEY) == [1, 2, 3, 4]
    assert audit_chain.broken_links(chain(ENTRIES, key=OTHER_KEY), key=KEY) == [1, 2, 3, 4]


def test_keyed_from_checks_the_earlier_entries_plain_and_the_later_ones_keyed() -> None:
    rows = chain(ENTRIES, keyed_from=3)
    assert audit_chain.broken_links(rows, key=KEY, keyed_from=3) == []
    assert audit_chain.broken_links(rows, key=KEY, keyed_from=2) == [2]
    assert audit_chain.broken_links(rows, key=KEY, keyed_from=4) == [3]
    assert audit_chain.broken_links(rows, key=KEY) == [1, 2]  # keyed_from defaults to 1
    # a forger with only the database key relinks everything plain: the keyed part breaks
    assert audit_chain.broken_links(chain(ENTRIES, key=None), key=KEY, keyed_from=3) == [3, 4]


def test_the_audit_key_has_its_own_keyring_entry_beside_the_database_key() -> None:
    from clinic_app.security.keys import SERVICE, KeyStore

    class Memory:
        priority = 1

        def __init__(self) -> None:
            self.values: dict[tuple[str, str], str] = {}

        def set_password(self, service: str, entry: str, value: str) -> None:
            self.values[(service, entry)] = value

        def get_password(self, service: str, entry: str) -> str | None:
            return self.values.get((service, entry))

    backend = Memory()
    keys = KeyStore(backend=backend)
    spec = audit_chain.store_audit_key(keys, "inst-1", KEY, passphrase=None, prefer_keyring=True)
    # folders made so far keep their audit key in this entry: it is not to be renamed
    assert spec == {"source": "keyring", "service": SERVICE, "entry": "inst-1:audit"}
    assert backend.values == {(SERVICE, "inst-1:audit"): KEY.hex()}
    assert keys.load_secret("inst-1", spec, passphrase=None) == KEY
    wrapped = audit_chain.store_audit_key(keys, "inst-1", KEY, passphrase=lambda new: "correct horse battery",
                                          prefer_keyring=False)
    assert wrapped["source"] == "passphrase"
    with pytest.raises(WrongKeyError):  # bound to its label: another installation's cannot be swapped in
        keys.load_secret("inst-2", wrapped, passphrase=lambda new: "correct horse battery")


def test_a_new_audit_key_is_32_fresh_random_bytes() -> None:
    keys = {audit_chain.new_audit_key() for _ in range(8)}
    assert len(keys) == 8 and all(len(k) == 32 for k in keys)


# -- permissions -------------------------------------------------------------------------------


def test_every_role_gets_exactly_its_row_of_the_table_and_unknown_roles_nothing() -> None:
    expected = {
        ADMIN: {"record.read", "record.write", "consent.request", "emergency.review", "account.manage",
                "data.maintain", "formulary.manage", "record.void"},
        CLINICIAN: {"record.read", "record.write", "consent.request", "foreign.view", "emergency.access",
                    "emergency.review", "record.void"},
        CLERK: {"record.read", "record.write", "consent.request"},
        "visitor": set(),
        "": set(),
    }
    for role, granted in expected.items():
        actor = Actor("x", role)
        assert {p for p in PERMISSIONS if allowed(actor, p)} == granted, role
        assert not allowed(actor, "no.such.permission")
        for p in PERMISSIONS:
            if p in granted:
                require(actor, p)
            else:
                with pytest.raises(PermissionDeniedError):
                    require(actor, p)


def test_the_device_identity_may_do_everything_until_accounts_exist() -> None:
    assert DEVICE.role == DEVICE_ROLE == "device"
    for p in [*PERMISSIONS, "anything"]:
        assert allowed(DEVICE, p)
        require(DEVICE, p)
    assert not allowed(Actor("device", CLERK), "account.manage")  # the name alone grants nothing


def test_the_refusal_names_the_role_the_permission_and_who_may() -> None:
    with pytest.raises(PermissionDeniedError) as caught:
        require(Actor("c", CLERK), "emergency.review")
    err = caught.value
    assert err.code == "permission-denied"
    assert err.english == "The role clerk may not do this (emergency.review); it needs: administrator, clinician."
    assert err.thai == "บทบาท เจ้าหน้าที่ทะเบียน ทำรายการนี้ไม่ได้ ต้องเป็น: ผู้ดูแลระบบ, แพทย์/พยาบาล"


def test_role_names_are_stored_words_and_an_actor_cannot_change_role() -> None:
    import dataclasses

    # accounts keep these strings in the database: renaming one would strip every account of it
    assert (ADMIN, CLINICIAN, CLERK, DEVICE_ROLE) == ("administrator", "clinician", "clerk", "device")
    assert DEVICE == Actor("device", "device")
    from clinic_app.core.permissions import ROLE_EN, ROLE_TH

    assert set(ROLE_TH) == set(ROLE_EN) == {ADMIN, CLINICIAN, CLERK, DEVICE_ROLE}
    clerk = Actor("c", CLERK)
    with pytest.raises(dataclasses.FrozenInstanceError):
        clerk.role = ADMIN  # type: ignore[misc]
