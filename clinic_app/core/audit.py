"""FHIR AuditEvents for access to patient records: a read across facilities (DCM 110110
Patient Record) and a break-the-glass (DCM 110113 Security Alert / 110127 Emergency
Override Started). Built the same way by the desktop and by the sandbox hub."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from clinic_app.core.identifiers import CID_SYSTEM, HCODE_SYSTEM

DCM = "http://dicom.nema.org/resources/ontology/DCM"
PURPOSE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
FACILITY_EXTENSION = "https://clinic-app.invalid/fhir/StructureDefinition/facility"


def access_event(*, who: str, facility: str | None, cid: str, purpose: str, action: str, outcome_text: str,
                 break_glass: bool = False, reason: str | None = None, tag: dict[str, str] | None = None,
                 source: str = "clinic-app desktop") -> dict[str, Any]:
    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    agent: dict[str, Any] = {"who": {"identifier": {"system": "urn:clinic-app:actor", "value": who}},
                             "requestor": True}
    if facility:
        agent["extension"] = [{"url": FACILITY_EXTENSION, "valueIdentifier": {"system": HCODE_SYSTEM,
                                                                              "value": facility}}]
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "type": ({"system": DCM, "code": "110113", "display": "Security Alert"} if break_glass
                 else {"system": DCM, "code": "110110", "display": "Patient Record"}),
        "action": action, "recorded": now, "outcome": "0", "outcomeDesc": outcome_text,
        "purposeOfEvent": [{"coding": [{"system": PURPOSE_SYSTEM, "code": purpose}]}],
        "agent": [agent],
        "source": {"observer": {"display": source}},
        "entity": [{"what": {"identifier": {"system": CID_SYSTEM, "value": cid}},
                    "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "1"}}],
    }
    if tag:
        event["meta"] = {"tag": [tag]}
    if break_glass:
        event["subtype"] = [{"system": DCM, "code": "110127", "display": "Emergency Override Started"}]
        event["entity"][0]["description"] = reason
    return event


def is_break_glass(event: dict[str, Any]) -> bool:
    return any(c.get("code") == "110127" for c in event.get("subtype", []) or [])


TRAIL_TAG = {"system": "urn:clinic-app:kind", "code": "audit-trail"}
AUDIT_GENESIS = "0" * 64  # what the audit trail's first entry links back to


def is_trail_event(resource: dict[str, Any] | None) -> bool:
    """A copy of an audit-trail entry, kept only until the hub has it."""
    return any(t == TRAIL_TAG for t in ((resource or {}).get("meta") or {}).get("tag", []) or [])


ACTION_CODES = {"init": "C", "import": "C", "save": "U", "register": "C", "record-visit": "C", "export": "R",
                "backup": "R", "restore": "U", "rekey": "U", "login": "E", "logout": "E", "login-failed": "E",
                "user-add": "C", "user-disable": "U", "demo-data": "C", "consent-request": "C",
                "view-foreign-records": "R", "emergency-access": "E", "resolve-conflict": "U", "setting": "U",
                "patient-merge": "U"}


def trail_event(*, seq: int, at: str, actor: str, action: str, entity_type: str | None, entity_id: str | None,
                hcode: str, installation: str) -> dict[str, Any]:
    """One entry of the desktop's hash-chained audit trail as a FHIR AuditEvent for the hub.
    The entry's own details stay on the desktop; the event names who, what and when."""
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": f"{installation[:18]}-audit-{seq}",
        "meta": {"tag": [{"system": HCODE_SYSTEM, "code": hcode}, TRAIL_TAG]},
        "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest"},
        "subtype": [{"system": "urn:clinic-app:audit-action", "code": action}],
        "action": ACTION_CODES.get(action, "E"), "recorded": at, "outcome": "0",
        "agent": [{"who": {"identifier": {"system": "urn:clinic-app:actor", "value": actor}}, "requestor": True,
                   "extension": [{"url": FACILITY_EXTENSION, "valueIdentifier": {"system": HCODE_SYSTEM,
                                                                                 "value": hcode}}]}],
        "source": {"observer": {"display": f"clinic-app desktop {installation[:8]}"}},
    }
    if entity_type and entity_id:
        event["entity"] = [{"what": {"reference": f"{entity_type}/{entity_id}"}}] if entity_type[0].isupper() else \
            [{"what": {"display": f"{entity_type}:{entity_id}"}}]
    return event


ANCHOR_TAG = {"system": "urn:clinic-app:kind", "code": "audit-anchor"}


def anchor_entity(installation: str) -> str:
    return f"audit-trail:{installation}"


def anchor_event(*, installation: str, hcode: str, entries: int, head: str, at: str) -> dict[str, Any]:
    """The head of a desktop's audit trail (how many entries, the last one's link), sent to
    the hub with each sync so that a trail cut short or rewritten later is found there."""
    return {
        "resourceType": "AuditEvent", "id": f"{installation[:18]}-anchor-{entries}",
        "meta": {"tag": [{"system": HCODE_SYSTEM, "code": hcode}, TRAIL_TAG, ANCHOR_TAG]},
        "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest"},
        "subtype": [{"system": "urn:clinic-app:audit-action", "code": "audit-anchor"}],
        "action": "E", "recorded": at, "outcome": "0",
        "agent": [{"who": {"identifier": {"system": "urn:clinic-app:actor", "value": "device"}}, "requestor": False,
                   "extension": [{"url": FACILITY_EXTENSION, "valueIdentifier": {"system": HCODE_SYSTEM,
                                                                                 "value": hcode}}]}],
        "source": {"observer": {"display": f"clinic-app desktop {installation[:8]}"}},
        "entity": [{"what": {"display": anchor_entity(installation)},
                    "detail": [{"type": "entries", "valueString": str(entries)},
                               {"type": "head", "valueString": head}]}],
    }


def anchor_of(event: dict[str, Any], installation: str) -> tuple[int, str] | None:
    """(entries, head) of an anchor event of this installation, or None."""
    for entity in event.get("entity", []) or []:
        if (entity.get("what") or {}).get("display") != anchor_entity(installation):
            continue
        details = {d.get("type"): d.get("valueString") for d in entity.get("detail", []) or []}
        if str(details.get("entries", "")).isdigit() and details.get("head"):
            return int(details["entries"]), str(details["head"])
    return None
