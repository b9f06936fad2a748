"""Fetching one patient's records from other facilities, under consent or break-the-glass.

`Patient?identifier=<citizen ID>` finds the patient's records at each facility; then
`Patient/{id}/$everything` where the server has it, else one search per compartment type.
A 403 means the hub wants consent: `ConsentNeededError`, which a clerk can act on.
"""

from __future__ import annotations

from typing import Any

from clinic_app.core.audit import ANCHOR_TAG, anchor_of
from clinic_app.core.errors import ConsentNeededError
from clinic_app.core.fhir import next_link, owner_of
from clinic_app.core.identifiers import CID_SYSTEM
from clinic_app.sync.client import Capability, HubClient
from clinic_app.sync.errors import HubUnreachableError

COMPARTMENT = ["AllergyIntolerance", "Condition", "Coverage", "Encounter", "Immunization", "MedicationDispense",
               "MedicationRequest", "Observation", "Procedure"]


def _get(client: HubClient, path: str, params: list[tuple[str, str]] | None = None) -> list[dict[str, Any]]:
    """Every resource of a search, following next links."""
    out: list[dict[str, Any]] = []
    url: str | None = path
    query = params
    while url:
        response = client.request("GET", url, params=query)
        if response.status_code == 403:
            raise ConsentNeededError()
        if response.status_code != 200:
            raise HubUnreachableError(f"{path} answered HTTP {response.status_code}")
        page = client.json(response)
        out += [e["resource"] for e in page.get("entry", []) or []
                if e.get("resource") and e["resource"].get("resourceType") != "OperationOutcome"]
        url = next_link(page)
        query = None
    return out


def still_addressed(client: HubClient, task_ids: list[str], hcode: str) -> set[str]:
    """Which of these Tasks the hub still holds addressed to `hcode` (owned by it): the
    others were deleted, are no longer readable, or were re-addressed to another facility.
    One search per 50 Tasks (`_id` and `owner`), not one read each."""
    found: set[str] = set()
    for i in range(0, len(task_ids), 50):
        chunk = task_ids[i:i + 50]
        for task in _get(client, "Task", [("_id", ",".join(chunk)), ("owner", f"Organization/{hcode}"),
                                          ("_count", str(len(chunk)))]):
            if str((task.get("owner") or {}).get("reference") or "") == f"Organization/{hcode}":
                found.add(str(task.get("id")))
    return found


def fetch_patient_records(client: HubClient, cid: str, *, own_hcode: str,
                          capability: Capability | None = None) -> list[dict[str, Any]]:
    """Other facilities' records about the patient with this citizen ID (own ones left out)."""
    capability = capability or client.capability()
    patients = [p for p in _get(client, "Patient", [("identifier", f"{CID_SYSTEM}|{cid}")])
                if owner_of(p) != own_hcode]
    records: dict[tuple[str, str], dict[str, Any]] = {}
    for patient in patients:
        if capability.everything:
            found = _get(client, f"Patient/{patient['id']}/$everything")
        else:
            found = [patient]
            for rtype in COMPARTMENT:
                found += _get(client, rtype, [("patient", f"Patient/{patient['id']}")])
        for resource in found:
            if owner_of(resource) != own_hcode:
                records[(resource["resourceType"], resource["id"])] = resource
    return list(records.values())


def latest_anchor(client: HubClient, installation: str) -> tuple[int, str] | None:
    """The newest audit-trail anchor this installation sent (entries, head), or None."""
    params = [("_tag", f"{ANCHOR_TAG['system']}|{ANCHOR_TAG['code']}"), ("_sort", "-_lastUpdated"),
              ("_count", "100")]
    response = client.request("GET", "AuditEvent", params=params)
    if response.status_code != 200:
        raise HubUnreachableError(f"AuditEvent search answered HTTP {response.status_code}")
    for entry in client.json(response).get("entry", []) or []:
        found = anchor_of(entry.get("resource") or {}, installation)
        if found is not None:
            return found
    return None
