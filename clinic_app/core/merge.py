"""Three-way merge of two edits of one FHIR resource, element by element.

`base` is the version both sides started from, `local` this desktop's edit, `remote` the
hub's current version (another desktop's edit). For each top-level element (name,
telecom, address, gender, ...): changed on one side only -> that side wins; changed the
same way on both -> fine; changed differently on both -> a conflict on that element, for a
person to resolve side by side. Bookkeeping elements (id, meta, text) are not merged:
meta comes from the remote version (its versionId is the new base), text is regenerated.
Never last-writer-wins in silence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from clinic_app.core.fhir import Resource

SKIPPED = ("id", "meta", "text", "resourceType")
_MISSING = object()


def _same(a: Any, b: Any) -> bool:
    if a is _MISSING or b is _MISSING:
        return a is b
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@dataclass
class MergeResult:
    merged: Resource
    conflicts: list[str] = field(default_factory=list)  # element names changed on both sides

    @property
    def clean(self) -> bool:
        return not self.conflicts


def three_way(base: Resource | None, local: Resource, remote: Resource) -> MergeResult:
    """Merge `local` and `remote` against `base`. With no base (both sides created the
    resource independently) every differing element is a conflict."""
    base = base or {}
    merged: Resource = {"resourceType": remote.get("resourceType", local.get("resourceType"))}
    if "id" in remote or "id" in local:
        merged["id"] = remote.get("id", local.get("id"))
    if "meta" in remote:
        merged["meta"] = remote["meta"]
    conflicts: list[str] = []
    keys = [k for k in dict.fromkeys([*local, *remote, *base]) if k not in SKIPPED]
    for key in keys:
        b, l, r = base.get(key, _MISSING), local.get(key, _MISSING), remote.get(key, _MISSING)
        if _same(l, r):
            chosen = l
        elif _same(l, b):
            chosen = r
        elif _same(r, b):
            chosen = l
        else:
            conflicts.append(key)
            chosen = l  # the desktop keeps showing its own until a person decides
        if chosen is not _MISSING:
            merged[key] = chosen
    return MergeResult(merged, conflicts)


def resolve(local: Resource, remote: Resource, choices: dict[str, str]) -> Resource:
    """The resource a person chose: for each conflicting element, 'local' or 'remote'."""
    out = dict(local)
    out["meta"] = remote.get("meta", local.get("meta"))
    for element, side in choices.items():
        if side not in ("local", "remote"):
            raise ValueError(f"choose local or remote for {element}")
        source = local if side == "local" else remote
        if element in source:
            out[element] = source[element]
        else:
            out.pop(element, None)
    return out
