"""Pull: what changed on the hub since the last time, page by page, checkpointed on the
server's `meta.lastUpdated` (never this computer's clock).

Scopes: the facility's own resources per type (written on its other desktops; Consents it
asked for are among them, with the patient's answer), Tasks addressed to it and the
referrals (ServiceRequests) they are about, and the Organization directory; deletes come
from the server's `_history` where it has one.
Each page is stored in one transaction together with its scope's checkpoint, so a killed
pull resumes where it stopped. Pulled resources never enter the outbox; a resource with a
local change still waiting is left alone (the push reconciles it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from clinic_app.core.changes import ChangeSet
from clinic_app.core.fhir import next_link, owner_of, patient_id_of
from clinic_app.core.identifiers import HCODE_SYSTEM
from clinic_app.core.ports import SyncStore
from clinic_app.sync.client import Capability, HubClient
from clinic_app.sync.errors import HubUnreachableError

OWN_TYPES = ["Practitioner", "Medication", "Patient", "Coverage", "Appointment", "Encounter", "AllergyIntolerance", "Condition", "Procedure", "Observation", "Immunization",
             "MedicationRequest", "MedicationDispense", "ServiceRequest", "Consent", "Task", "Provenance"]


@dataclass(frozen=True)
class Scope:
    name: str
    resource_type: str
    params: tuple[tuple[str, str], ...]
    owner_filter: str | None = None  # keep only resources tagged so (server without _tag search)


@dataclass
class PullStats:
    pulled: int = 0
    deleted: int = 0
    seen: dict[str, set[str]] = field(default_factory=dict)
    changes: ChangeSet = field(default_factory=ChangeSet)  # what the pulls stored and deleted here


def scopes_for(hcode: str, capability: Capability) -> list[Scope]:
    own = []
    for rtype in OWN_TYPES:
        if capability.tag_search:
            own.append(Scope(f"own:{rtype}", rtype, (("_tag", f"{HCODE_SYSTEM}|{hcode}"),)))
        else:
            own.append(Scope(f"own:{rtype}", rtype, (), owner_filter=hcode))
    return own + [Scope("tasks-for-me", "Task", (("owner", f"Organization/{hcode}"),)),
                  Scope("referrals-for-me", "ServiceRequest", (("performer", f"Organization/{hcode}"),)),
                  Scope("directory", "Organization", ())]


class Puller:
    def __init__(self, store: SyncStore, client: HubClient, *, page_size: int = 500,
                 on_progress: Callable[[int], None] | None = None, cancelled: Callable[[], bool] | None = None) -> None:
        self.store = store
        self.client = client
        self.page_size = page_size
        self.stats = PullStats()
        self._on_progress = on_progress or (lambda n: None)
        self._cancelled = cancelled or (lambda: False)

    def pull(self, scope: Scope, *, full: bool = False) -> None:
        key = f"pull:{scope.name}"
        since = None if full else self.store.checkpoints.get(key)
        params = list(scope.params) + [("_sort", "_lastUpdated"), ("_count", str(self.page_size))]
        if since:
            params.append(("_lastUpdated", f"ge{since}"))  # ge: a server's equal timestamps are not lost
        url: str | None = scope.resource_type
        query: list[tuple[str, str]] | None = params
        seen = self.stats.seen.setdefault(scope.name, set()) if full else None
        while url and not self._cancelled():
            response = self.client.request("GET", url, params=query)
            if response.status_code != 200:
                raise HubUnreachableError(f"{scope.resource_type} search answered HTTP {response.status_code}")
            page = self.client.json(response)
            resources = [e["resource"] for e in page.get("entry", []) or []
                         if (e.get("search") or {}).get("mode", "match") == "match" and e.get("resource")
                         and e["resource"].get("resourceType") == scope.resource_type]
            if scope.owner_filter:
                resources = [r for r in resources if owner_of(r) == scope.owner_filter]
            with self.store.transaction():
                stored = self.store.outbox.apply_pulled_page(scope.resource_type, resources)
                self.stats.pulled += stored.total
                self.stats.changes.merge(stored)
                if seen is not None:
                    seen.update(r["id"] for r in resources)
                stamps = [str((r.get("meta") or {}).get("lastUpdated")) for r in resources
                          if (r.get("meta") or {}).get("lastUpdated")]
                if stamps:
                    self.store.checkpoints.set(key, max(stamps))
            self._on_progress(len(resources))
            url = next_link(page)
            query = None

    def pull_deletes(self) -> None:
        """Deletes made on the hub (system `_history`), applied to what this desktop holds."""
        key = "pull:deletes"
        since = self.store.checkpoints.get(key)
        params = [("_count", str(self.page_size))] + ([("_since", since)] if since else [])
        url: str | None = "_history"
        query: list[tuple[str, str]] | None = params
        while url and not self._cancelled():
            response = self.client.request("GET", url, params=query)
            if response.status_code != 200:
                raise HubUnreachableError(f"_history answered HTTP {response.status_code}")
            page = self.client.json(response)
            entries = page.get("entry", []) or []
            with self.store.transaction():
                for entry in entries:
                    request = entry.get("request") or {}
                    if request.get("method") == "DELETE" and "/" in str(request.get("url", "")):
                        rtype, rid = str(request["url"]).split("/")[-2:]
                        held = self.store.get(rtype, rid)
                        if self.store.outbox.apply_pulled_delete(rtype, rid):
                            self.stats.deleted += 1
                            self.stats.changes.note("delete", rtype, patient_id_of(held) if held else None)
                stamps = [str((e.get("response") or {}).get("lastModified")) for e in entries
                          if (e.get("response") or {}).get("lastModified")]
                if stamps:
                    self.store.checkpoints.set(key, max(stamps))
            url = next_link(page)
            query = None
