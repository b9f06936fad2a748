"""Search parameters the sandbox hub supports, and how each is read out of a resource.

A resource's search values are written to the hub's `search` table when it is stored;
a query is parsed into `Criteria` that the storage turns into SQL. Unknown parameters and
unsupported modifiers are refused with 400 (strict handling), never silently ignored, so
a client can trust that a result set means what it asked.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from clinic_app.core.fhir import patient_pointers
from clinic_app.hub.errors import bad_request

Token = tuple[str | None, str]

DEFAULT_COUNT = 100
MAX_COUNT = 1000


def normalise_reference(text: str) -> str:
    """`https://x/fhir/Patient/1/_history/2` -> `Patient/1`; a bare `Type/id` stays."""
    parts = text.rstrip("/").split("/")
    if len(parts) >= 4 and parts[-2] == "_history":
        parts = parts[:-2]
    return "/".join(parts[-2:]) if len(parts) >= 2 else text


def _ref(value: Any) -> list[Token]:
    if isinstance(value, dict) and isinstance(value.get("reference"), str):
        return [(None, normalise_reference(value["reference"]))]
    return []


def _codings(concept: Any) -> list[Token]:
    if not isinstance(concept, dict):
        return []
    return [(c.get("system"), str(c["code"])) for c in concept.get("coding", []) or [] if c.get("code")]


def _patient_refs(res: dict[str, Any]) -> list[Token]:
    if res.get("resourceType") == "Patient":
        return []
    for value in patient_pointers(res):
        refs = [t for t in _ref(value) if t[1].startswith("Patient/")]
        if refs:
            return refs
    return []


def _subject_refs(res: dict[str, Any]) -> list[Token]:
    for value in patient_pointers(res):
        refs = _ref(value)
        if refs:
            return refs
    return []


def _sources(source: str) -> list[Token]:
    if not source:
        return []
    fragment = source.partition("#")[2]
    return [(None, source)] + ([(None, f"#{fragment}")] if fragment else [])


def _consent_actors(res: dict[str, Any]) -> list[Token]:
    out: list[Token] = []
    for actor in (res.get("provision") or {}).get("actor", []) or []:
        out += _ref(actor.get("reference"))
    for org in res.get("organization", []) or []:
        out += _ref(org)
    return out


EXTRACTORS: dict[str, Any] = {
    "_id": lambda r: [(None, r["id"])],
    "_tag": lambda r: [(t.get("system"), str(t["code"])) for t in (r.get("meta") or {}).get("tag", []) or []
                       if t.get("code")],
    "identifier": lambda r: [(i.get("system"), str(i["value"])) for i in r.get("identifier", []) or []
                             if isinstance(i, dict) and i.get("value")]
    + ([(r["identifier"].get("system"), str(r["identifier"]["value"]))]
       if isinstance(r.get("identifier"), dict) and r["identifier"].get("value") else []),
    "patient": _patient_refs,
    "subject": _subject_refs,
    "status": lambda r: [(None, str(r["status"]))] if isinstance(r.get("status"), str) else [],
    "owner": lambda r: _ref(r.get("owner")),
    "performer": lambda r: [t for p in r.get("performer", []) or [] if isinstance(p, dict) for t in _ref(p)],
    "actor": _consent_actors,
    "code": lambda r: _codings(r.get("code")) + _codings(r.get("vaccineCode")),
    # meta.source, the system that wrote this version: with `:not`, a desktop's pull leaves
    # out what it has just pushed itself (its sync's own source URI)
    # (the whole URI, and `#fragment` alone: a sync's mark after its author, as HAPI's request id)
    "_source": lambda r: _sources(str((r.get("meta") or {}).get("source") or "")),
}
TOKEN_PARAMS = {"_tag", "identifier", "code"}
REFERENCE_PARAMS = {"patient", "subject", "owner", "performer", "actor"}
SEARCH_PARAMS = sorted(EXTRACTORS) + ["_lastUpdated"]


def index_values(resource: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    """(param, system, value) rows for the search table."""
    rows = []
    for param, extract in EXTRACTORS.items():
        for system, value in extract(resource):
            rows.append((param, system, value))
    return rows


@dataclass(frozen=True)
class Condition:
    param: str
    alternatives: list[Token]  # OR-ed; system None matches any system
    negated: bool = False  # the :not modifier: resources with none of the alternatives


@dataclass(frozen=True)
class DateBound:
    op: str  # '>', '>=', '<', '<='
    value: str


@dataclass
class Criteria:
    conditions: list[Condition] = field(default_factory=list)
    last_updated: list[DateBound] = field(default_factory=list)
    count: int = DEFAULT_COUNT
    descending: bool = False
    summary_count: bool = False
    cursor: tuple[str, str] | None = None
    cursor_token: str | None = None  # the next link's sealed cursor, as the client sent it


_PREFIXES = {"gt": ">", "ge": ">=", "lt": "<", "le": "<=", "eq": "eq"}
_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$")


def to_instant(text: str) -> str:
    """Normalise a FHIR date/dateTime/instant to the hub's UTC instant text for comparisons."""
    if not _DATE_RE.match(text):
        raise bad_request(f"not a FHIR date or instant: {text!r}", code="value")
    if len(text) == 4:
        text += "-01-01"
    elif len(text) == 7:
        text += "-01"
    if len(text) == 10:
        text += "T00:00:00Z"
    try:
        moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise bad_request(f"not a FHIR date or instant: {text!r}", code="value") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return format_instant(moment)


def format_instant(moment: _dt.datetime) -> str:
    return moment.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _date_bounds(value: str) -> list[DateBound]:
    prefix = value[:2] if value[:2] in _PREFIXES else "eq"
    text = value[2:] if value[:2] in _PREFIXES else value
    instant = to_instant(text)
    if prefix == "eq":
        return [DateBound(">=", instant), DateBound("<=", instant[:-1] + "9Z")]
    return [DateBound(_PREFIXES[prefix], instant)]


def _token(value: str) -> Token:
    if "|" in value:
        system, _, code = value.partition("|")
        return (system or None, code)
    return (None, value)


def parse(resource_type: str, params: Iterable[tuple[str, str]]) -> Criteria:
    crit = Criteria()
    for key, value in params:
        name, _, modifier = key.partition(":")
        if modifier and not (modifier == "not" and (name in TOKEN_PARAMS or name == "_source")):
            raise bad_request(f"search modifier :{modifier} is not supported", code="not-supported")
        if name == "_count":
            if not value.isdigit():
                raise bad_request("_count must be a whole number", code="value")
            crit.count = max(1, min(MAX_COUNT, int(value)))
        elif name == "_sort":
            if value not in ("_lastUpdated", "-_lastUpdated"):
                raise bad_request("only _sort=_lastUpdated (or -_lastUpdated) is supported", code="not-supported")
            crit.descending = value.startswith("-")
        elif name == "_summary":
            if value not in ("count", "false"):
                raise bad_request("only _summary=count is supported", code="not-supported")
            crit.summary_count = value == "count"
        elif name == "_cursor":
            crit.cursor_token = value  # sealed; the engine opens it
        elif name in ("_format", "_total"):
            continue
        elif name == "_lastUpdated":
            crit.last_updated += _date_bounds(value)
        elif name in EXTRACTORS:
            if not value:
                raise bad_request(f"search parameter {name} has no value", code="value")
            alts = []
            for part in value.split(","):
                if name in REFERENCE_PARAMS:
                    ref = normalise_reference(part)
                    if "/" not in ref:
                        ref = f"{'Patient' if name == 'patient' else 'Organization' if name in ('owner', 'actor') else 'Patient'}/{ref}"
                    alts.append((None, ref))
                elif name in TOKEN_PARAMS:
                    alts.append(_token(part))
                else:
                    alts.append((None, part))
            crit.conditions.append(Condition(name, alts, negated=modifier == "not"))
        else:
            raise bad_request(f"unknown search parameter {name!r} for {resource_type}; supported: "
                              + ", ".join(SEARCH_PARAMS), code="not-supported")
    return crit
