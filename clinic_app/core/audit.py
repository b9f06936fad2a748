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
