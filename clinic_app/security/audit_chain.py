"""The audit trail's hash chain: each entry's link covers the previous entry's link and its
own fields, so an edited, removed or reordered entry breaks every link after it.

Links are keyed (HMAC-SHA256 under the installation's audit key, kept like the database
key: OS keyring entry `<installation>:audit`, or wrapped by the passphrase), so whoever has
only the database key cannot recompute the chain after editing it. Folders made before the
key existed keep their earlier, plain SHA-256 links up to `keyed_from`. Truncation (the last
entries dropped, or all of them) leaves a shorter chain that still links up: the head is
therefore also anchored at the hub with each sync (services/sync.py), and `audit verify`
compares against the last anchor the hub holds.

The store keeps the entries and asks this module for each new link (it is handed `link`
when it is opened); `broken_links` checks a whole trail.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
from collections.abc import Callable
from typing import Any

from clinic_app.core.audit import AUDIT_GENESIS
from clinic_app.security.keys import KeySpec, KeyStore, PassphraseSource

GENESIS = AUDIT_GENESIS
Link = Callable[[str, str, str, str, "str | None", "str | None", str], str]


def link(prev: str, at: str, actor: str, action: str, entity_type: str | None, entity_id: str | None,
         detail: str, *, key: bytes | None = None) -> str:
    """One entry's link, chained to the previous one (keyed when `key` is given)."""
    canonical = json.dumps([prev, at, actor, action, entity_type, entity_id, detail], ensure_ascii=False,
                           separators=(",", ":")).encode("utf-8")
    if key is None:
        return hashlib.sha256(canonical).hexdigest()
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()


def keyed(key: bytes) -> Link:
    return functools.partial(link, key=key)


def broken_links(rows: list[tuple[Any, ...]], *, key: bytes | None = None, keyed_from: int = 1) -> list[int]:
    """Sequence numbers where the chain is broken; rows are (seq, at, actor, action, type, id,
    detail, prev_hash, hash) in sequence order. Entries from `keyed_from` on are checked with
    the key (when given), those before it as plain SHA-256 links."""
    bad, prev = [], GENESIS
    for seq, at, actor, action, etype, eid, detail, prev_hash, digest in rows:
        expected = link(prev_hash, at, actor, action, etype, eid, detail,
                        key=key if key is not None and seq >= keyed_from else None)
        if prev_hash != prev or not hmac.compare_digest(expected, digest):
            bad.append(seq)
        prev = digest
    return bad


def new_audit_key() -> bytes:
    return os.urandom(32)


def store_audit_key(keys: KeyStore, label: str, key: bytes, *, passphrase: PassphraseSource | None,
                    prefer_keyring: bool) -> KeySpec:
    return keys.store_secret(label, f"{label}:audit", key, passphrase=passphrase, prefer_keyring=prefer_keyring)
