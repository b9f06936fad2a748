"""The audit trail's hash chain: each entry's hash covers the previous entry's hash and its
own fields, so an edited, removed or reordered entry breaks every link after it.

The store keeps the entries and asks this module for each new link (it is handed `link`
when it is opened); `broken_links` checks a whole trail (`clinic-app audit verify`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64


def link(prev: str, at: str, actor: str, action: str, entity_type: str | None, entity_id: str | None,
         detail: str) -> str:
    """The hash of one entry, chained to the previous entry's hash."""
    canonical = json.dumps([prev, at, actor, action, entity_type, entity_id, detail], ensure_ascii=False,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def broken_links(rows: list[tuple[Any, ...]]) -> list[int]:
    """Sequence numbers where the chain is broken; rows are (seq, at, actor, action, type, id,
    detail, prev_hash, hash) in sequence order."""
    bad, prev = [], GENESIS
    for seq, at, actor, action, etype, eid, detail, prev_hash, digest in rows:
        if prev_hash != prev or link(prev_hash, at, actor, action, etype, eid, detail) != digest:
            bad.append(seq)
        prev = digest
    return bad
