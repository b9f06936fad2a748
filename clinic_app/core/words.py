"""FHIR element values in words a clerk reads: a name as the name, an address as the
address, a code by its title, a quantity with its unit — never raw JSON. Used where two
versions of a record are set side by side (a sync conflict). Dates stay ISO here; the
window writes them in its own calendar."""

from __future__ import annotations

from typing import Any

from clinic_app.core.identifiers import CID_SYSTEM
from clinic_app.core.thai import mask_cid

MAX_WORDS = 160  # one cell of a table; the rest is cut with "…"


def in_words(value: Any) -> str:
    """A short human reading of one element's value (a list: its items, "; " between)."""
    text = _words(value)
    return text if len(text) <= MAX_WORDS else text[: MAX_WORDS - 1] + "…"


def _words(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, (int, float)):
        return f"{value:g}"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "; ".join(part for part in (_words(v) for v in value) if part)
    if not isinstance(value, dict):
        return str(value)
    for reader in (_name, _address, _quantity, _concept, _coding, _contact, _identifier, _reference, _period):
        text = reader(value)
        if text:
            return text
    parts = [f"{key} {_words(v)}" for key, v in value.items() if key not in ("extension", "id") and _words(v)]
    return ", ".join(parts)


def _name(v: dict[str, Any]) -> str:
    if not ({"given", "family"} & v.keys()):
        return ""
    return v.get("text") or " ".join([*v.get("prefix", []), *v.get("given", []), v.get("family", "")]).strip()


def _address(v: dict[str, Any]) -> str:
    if not ({"line", "city", "district", "state", "postalCode", "text"} & v.keys()) or "value" in v:
        return ""
    parts = [*v.get("line", []), v.get("city", ""), v.get("district", ""), v.get("state", ""), v.get("postalCode", "")]
    return str(v.get("text") or " ".join(p for p in parts if p))


def _concept(v: dict[str, Any]) -> str:
    if "coding" not in v and set(v) != {"text"}:
        return ""
    if v.get("text"):
        return str(v["text"])
    return "; ".join(_coding(c) for c in v.get("coding", []) if isinstance(c, dict))


def _coding(v: dict[str, Any]) -> str:
    if "code" not in v or "system" not in v and "display" not in v:
        return ""
    return f"{v['code']} {v['display']}" if v.get("display") else str(v["code"])


def _quantity(v: dict[str, Any]) -> str:
    if not isinstance(v.get("value"), (int, float)) or not ({"unit", "code", "system"} & v.keys()):
        return ""
    return f"{_words(v['value'])} {v.get('unit') or v.get('code') or ''}".strip()


def _contact(v: dict[str, Any]) -> str:
    contact = v.get("system") in ("phone", "fax", "email", "pager", "url", "sms", "other")
    return str(v["value"]) if contact and "value" in v else ""


def _reference(v: dict[str, Any]) -> str:
    return str(v.get("display") or v.get("reference") or "") if "reference" in v or "display" in v else ""


def _period(v: dict[str, Any]) -> str:
    if not ({"start", "end"} >= v.keys() and v):
        return ""
    return f"{v.get('start', '…')} – {v.get('end', '…')}"


def _identifier(v: dict[str, Any]) -> str:
    """An identifier's value; a citizen ID masked as everywhere on screen."""
    if "value" not in v or "system" not in v:
        return ""
    return mask_cid(str(v["value"])) if v["system"] == CID_SYSTEM else str(v["value"])


DATE_ELEMENTS = ("effectiveDateTime", "occurrenceDateTime", "whenHandedOver", "recordedDate", "onsetDateTime",
                 "authoredOn", "performedDateTime", "issued", "date", "dateTime")


def record_date(resource: dict[str, Any]) -> str:
    """When a record happened (ISO, as written in it): its own date element, else the
    start of its period; "" when it has none."""
    for key in DATE_ELEMENTS:
        if isinstance(resource.get(key), str):
            return str(resource[key])
    for key in ("period", "effectivePeriod", "performedPeriod"):
        start = (resource.get(key) or {}).get("start") if isinstance(resource.get(key), dict) else None
        if isinstance(start, str):
            return start
    return ""
