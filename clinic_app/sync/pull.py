"""Pull: what changed on the hub since the last time, page by page, checkpointed on the
server's `meta.lastUpdated` (never this computer's clock).

Scopes: the facility's own resources per type (written on its other desktops; Consents it
asked for are among them, with the patient's answer), Tasks addressed to it and the
referrals (ServiceRequests) they are about, and the Organization directory; deletes come
from the server's `_history` where it has one.
Each page is stored in one transaction together with its scope's checkpoint, so a killed
pull resumes where it stopped. Pulled resources never enter the outbox; a resource with a
local change still waiting is left alone (the push reconciles it).

On a slow link the pull costs few round trips and never waits on itself: after the first
sync the first pages of every scope go out as one batch Bundle of searches (where the
server takes batches; a scope the batch could not answer is asked on its own; a first
sync asks scope by scope, so that a large unit's first pages are not all held at once).
Fetcher threads (four scopes at a time, each scope's pages in order) ask for the next
pages while this thread stores the ones before (a queue of two pages between them, so
memory stays flat). Only this thread touches the store, each scope's pages in order, so
the checkpoints are exactly what was stored; deletes are stored after every other scope.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from clinic_app.core.changes import ChangeSet
from clinic_app.core.fhir import Resource, next_link, owner_of, patient_id_of
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


DELETES = Scope("deletes", "_history", ())  # the server's system history, for deletes
AHEAD = 2  # pages fetched ahead of the one being stored
FETCHERS = 4  # scopes fetched at once: their round trips overlap on a slow link
Start = tuple[Scope, list[tuple[str, str]], Any]  # a scope, its first query, its first page if the batch brought it


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
    def __init__(self, store: SyncStore, client: HubClient, *, page_size: int = 500, batch: bool = False,
                 on_progress: Callable[[int], None] | None = None, cancelled: Callable[[], bool] | None = None) -> None:
        self.store = store
        self.client = client
        self.page_size = page_size
        self.batch = batch
        self.stats = PullStats()
        self._on_progress = on_progress or (lambda n: None)
        self._cancelled = cancelled or (lambda: False)
        self._pushed: dict[str, str] = {}

    def pull(self, scope: Scope, *, full: bool = False) -> None:
        """One scope from the start (full) or from its checkpoint."""
        self.pull_all([scope], full=full)

    def pull_all(self, scopes: list[Scope], *, full: bool = False, pushed: dict[str, str] | None = None) -> None:
        """What changed in each scope since its checkpoint (DELETES among them: the deletes
        since the last look), stored page by page as the pages arrive.

        `pushed` ({scope name: the latest lastUpdated of what this sync pushed}) is for scopes
        that leave out this sync's own writes (`_source:not`): once such a scope's last page
        is stored, everything up to then was either in its pages or pushed from here, so its
        checkpoint moves past what was pushed (the next pull does not bring it back)."""
        self._pushed = pushed or {}
        starts = [(scope, self._first_query(scope, full)) for scope in scopes]
        firsts = self._batched(starts)
        found = [(scope, params, first) for (scope, params), first in zip(starts, firsts)]
        # Deletes last, once every scope's pages are stored (as when a pull was one scope at a
        # time): a record created and deleted on the hub meanwhile cannot come back here.
        for group in ([f for f in found if f[0] is not DELETES], [f for f in found if f[0] is DELETES]):
            with contextlib.closing(self._pages(group)) as pages:
                for scope, page in pages:
                    if scope is DELETES:
                        self._store_deletes(page)
                    else:
                        self._store_page(scope, page, full=full)
            if self._cancelled():
                return

    def _first_query(self, scope: Scope, full: bool) -> list[tuple[str, str]]:
        """The scope's first request's parameters (from its checkpoint unless full)."""
        since = None if full else self.store.checkpoints.get(f"pull:{scope.name}")
        if scope is DELETES:
            return [("_count", str(self.page_size))] + ([("_since", since)] if since else [])
        params = list(scope.params) + [("_sort", "_lastUpdated"), ("_count", str(self.page_size))]
        if since:
            params.append(("_lastUpdated", f"ge{since}"))  # ge: a server's equal timestamps are not lost
        return params

    # -- fetching (the fetcher thread) -----------------------------------------------------

    def _pages(self, group: list[Start]) -> Iterator[tuple[Scope, Resource]]:
        """Every page of every scope of the group, each scope's in order, fetched ahead by up to
        FETCHERS threads (one scope each at a time, so their round trips overlap on a slow
        link) into a queue of AHEAD pages that this thread stores from."""
        pages: queue.Queue[Any] = queue.Queue(maxsize=AHEAD)
        stop = threading.Event()
        done = object()
        # the scopes of one type go to one fetcher, in order: a record in two of them (a Task of
        # this unit's addressed to itself) is never stored new-then-old
        by_type: dict[str, list[Start]] = {}
        for start in group:
            by_type.setdefault(start[0].resource_type, []).append(start)
        todo = iter(list(by_type.values()))
        lock = threading.Lock()

        def put(item: Any) -> bool:
            while not stop.is_set():
                try:
                    pages.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def fetch() -> None:
            try:
                while not stop.is_set():
                    with lock:
                        starts = next(todo, None)
                    if starts is None:
                        break
                    for start in starts:
                        for page in self._scope_pages(start, stop):
                            if not put((start[0], page)):
                                return
                put(done)
            except BaseException as exc:  # noqa: BLE001 - handed to the storing thread, which raises it
                put(exc)

        fetchers = [threading.Thread(target=fetch, name=f"sync-pull-fetch-{i}", daemon=True)
                    for i in range(min(FETCHERS, len(by_type)))]
        for fetcher in fetchers:
            fetcher.start()
        try:
            running = len(fetchers)
            while running:
                item = pages.get()
                if item is done:
                    running -= 1
                    continue
                if isinstance(item, BaseException):
                    raise item
                yield item
                if self._cancelled():
                    return
        finally:
            stop.set()
            for fetcher in fetchers:  # one inside a slow request gives up by itself (daemon)
                fetcher.join(timeout=2)

    def _scope_pages(self, start: Start, stop: threading.Event) -> Iterator[Resource]:
        scope, params, page = start
        if page is None:
            page = self._get(scope, scope.resource_type, params)
        while True:
            yield page
            url = next_link(page)
            if not url or stop.is_set():
                return
            page = self._get(scope, url, None)

    def _batched(self, starts: list[tuple[Scope, list[tuple[str, str]]]]) -> list[Resource | None]:
        """The first pages of every scope, asked in one batch Bundle; None for a scope the
        batch did not answer (it is asked on its own)."""
        firsts: list[Resource | None] = [None] * len(starts)
        if not self.batch or len(starts) < 2:
            return firsts
        bundle = {"resourceType": "Bundle", "type": "batch", "entry": [
            {"request": {"method": "GET", "url": f"{scope.resource_type}?{urlencode(params)}"}} for scope, params in starts]}
        response = self.client.request("POST", "", json_body=bundle)
        if response.status_code != 200:
            return firsts  # a server that refuses the batch is asked search by search
        answers = (self.client.json(response) or {}).get("entry") or []
        if len(answers) != len(starts):
            return firsts
        for i, answer in enumerate(answers):
            status = str((answer.get("response") or {}).get("status", ""))
            page = answer.get("resource")
            if status.startswith("200") and isinstance(page, dict) and page.get("resourceType") == "Bundle":
                firsts[i] = page
        return firsts

    def _get(self, scope: Scope, url: str, params: list[tuple[str, str]] | None) -> Any:
        response = self.client.request("GET", url, params=params)
        if response.status_code != 200:
            error = HubUnreachableError(f"{scope.resource_type} answered HTTP {response.status_code}")
            error.status = response.status_code  # type: ignore[attr-defined] - a 4xx: the engine may ask the hub's capability again
            raise error
        page = self.client.json(response)
        if not isinstance(page, dict):
            raise HubUnreachableError(f"{scope.resource_type} answered no Bundle")
        return page

    # -- storing (the caller's thread) --------------------------------------------------------

    def _store_page(self, scope: Scope, page: Resource, *, full: bool) -> None:
        resources = [e["resource"] for e in page.get("entry", []) or []
                     if (e.get("search") or {}).get("mode", "match") == "match" and e.get("resource")
                     and e["resource"].get("resourceType") == scope.resource_type]
        if scope.owner_filter:
            resources = [r for r in resources if owner_of(r) == scope.owner_filter]
        with self.store.transaction():
            stored = self.store.outbox.apply_pulled_page(scope.resource_type, resources)
            self.stats.pulled += stored.total
            self.stats.changes.merge(stored)
            if full:
                self.stats.seen.setdefault(scope.name, set()).update(r["id"] for r in resources)
            stamps = [str((r.get("meta") or {}).get("lastUpdated")) for r in resources
                      if (r.get("meta") or {}).get("lastUpdated")]
            if scope.name in self._pushed and not next_link(page):
                stamps += [self._pushed[scope.name], self.store.checkpoints.get(f"pull:{scope.name}") or ""]
            if stamps:
                self.store.checkpoints.set(f"pull:{scope.name}", max(stamps))
        self._on_progress(len(resources))

    def _store_deletes(self, page: Resource) -> None:
        """Deletes made on the hub (a system `_history` page), applied to what this desktop holds."""
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
                self.store.checkpoints.set(f"pull:{DELETES.name}", max(stamps))
