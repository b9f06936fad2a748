"""Push: the outbox to the hub as transaction Bundles, in reference order, bounded.

Each pending entry becomes a `PUT Type/id` (client ids: a create is idempotent; an update
carries `If-Match` with the version it was based on) or a `DELETE`. A Bundle the server
refuses as too large is split and retried; a Bundle refused for one entry is narrowed
down (by the hub's `entry N` hint, else by halving) until that entry stands alone: a 412
goes to the three-way merge, any other 4xx sets the entry aside as failed with the
server's reason, and the rest go on. Acknowledged entries leave the outbox in the same
transaction that records the server's version.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clinic_app.core.audit import is_trail_event
from clinic_app.core.changes import ChangeSet
from clinic_app.core.fhir import Resource, content_of, patient_id_of, reference_paths, unmarked, without_bookkeeping
from clinic_app.core.merge import three_way
from clinic_app.core.outbox import OutboxEntry
from clinic_app.core.ports import SyncStore
from clinic_app.sync.client import HubClient
from clinic_app.sync.errors import HubUnreachableError

log = logging.getLogger(__name__)

# Referenced types before the types that refer to them.
REFERENCE_ORDER = ["Organization", "Practitioner", "Location", "Medication", "Patient", "RelatedPerson", "Coverage",
                   "Appointment", "Encounter",
                   "AllergyIntolerance", "Condition", "Procedure", "Observation", "Immunization",
                   "MedicationRequest", "MedicationDispense", "ServiceRequest", "Consent", "Task",
                   "Provenance", "AuditEvent"]
_RANK = {t: i for i, t in enumerate(REFERENCE_ORDER)}
_ENTRY_HINT = re.compile(r"\bentry\s*\[?(\d+)\]?")


SYNC_SOURCE = "urn:clinic-app:sync"  # meta.source before a sync's fragment, when a record names no author
IN_FLIGHT = 2  # transaction Bundles on their way at once (a rural link's round trip overlaps the next upload)


class _Flight:
    """Up to IN_FLIGHT transaction Bundles on their way at once, answered in the order sent.

    A Bundle goes out while the one before is still unanswered only when it refers to nothing
    in the Bundles on their way, holds none of their records (an edit made while its record
    was on its way waits for that answer) (a server that checks references finds everything a Bundle
    points to already stored, as when they went one by one) and neither deletes anything.
    Answers are acted on in this (the sync's) thread, oldest first."""

    def __init__(self, pusher: Pusher) -> None:
        self.pusher = pusher
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=IN_FLIGHT, thread_name_prefix="sync-push")
        self.out: list[tuple[list[OutboxEntry], set[str], concurrent.futures.Future[Any]]] = []

    def send(self, entries: list[OutboxEntry]) -> None:
        bundle = self.pusher._bundle(entries)
        ids = {f"{e.type}/{e.id}" for e in entries}
        deletes = any(e.op == "delete" for e in entries)
        refers = {_local(ref) for item in bundle["entry"] for _path, ref in reference_paths(item.get("resource") or {})}
        while self.out and (len(self.out) >= IN_FLIGHT or deletes
                            or any(any(e.op == "delete" for e in sent) or (refers | ids) & held
                                   for sent, held, _ in self.out)):
            self._answer_oldest()
        self.out.append((entries, ids, self.pool.submit(self.pusher._post, bundle)))

    def land(self) -> None:
        while self.out:
            self._answer_oldest()

    def close(self) -> None:
        self.pool.shutdown()

    def abandon(self) -> None:
        """Something went wrong: wait for what is on its way, act on none of it (it goes again)."""
        for _entries, _ids, future in self.out:
            concurrent.futures.wait([future])
        self.out.clear()

    def _answer_oldest(self) -> None:
        entries, _ids, future = self.out[0]
        response = future.result()  # a failure (the hub out of reach) raises here, in the sync's thread
        self.out.pop(0)
        self.pusher._answered(entries, response)


def _local(reference: str) -> str:
    """`https://hub/fhir/Patient/1/_history/2` or `Patient/1` -> `Patient/1`."""
    parts = reference.split("/_history/")[0].rstrip("/").split("/")
    return "/".join(parts[-2:])


def push_order(entries: list[OutboxEntry],
               patient_of: Callable[[OutboxEntry], str | None] | None = None) -> list[OutboxEntry]:
    """Creates and updates referenced-first; deletes after them, referring-first.

    With `patient_of` (an entry's patient id; a Patient's own), creates and updates go one
    patient at a time: what everyone refers to first (Organization, Practitioner, Location,
    Medication), then each patient's records together, the patient before what refers to it,
    in the order the patients were first changed; records of no patient last. Consecutive
    Bundles then rarely refer to each other, so two can be on their way at once."""
    patient_rank = _RANK["Patient"]
    first_seq: dict[str, int] = {}
    groups = {e.seq: patient_of(e) if patient_of and e.op != "delete" else None for e in entries}
    for e in sorted(entries, key=lambda e: e.seq):
        group = groups[e.seq]
        if group is not None:
            first_seq.setdefault(group, e.seq)

    def key(e: OutboxEntry) -> tuple[int, int, int, int]:
        rank = _RANK.get(e.type, len(_RANK))
        if e.op == "delete":
            return (3, 0, -rank, e.seq)
        group = groups[e.seq]
        if group is not None:
            return (1, first_seq[group], rank, e.seq)
        return (0, 0, rank, e.seq) if rank < patient_rank else (2, 0, rank, e.seq)

    return sorted(entries, key=key)


def version_of_etag(etag: str | None) -> str | None:
    if not etag:
        return None
    return etag.removeprefix("W/").strip('"') or None


@dataclass
class PushStats:
    pushed: int = 0
    failed: int = 0
    conflicts: int = 0
    merged: int = 0
    requests: int = 0


class Pusher:
    def __init__(self, store: SyncStore, client: HubClient, *, bundle_size: int, transactions: bool = True,
                 on_progress: Callable[[int], None] | None = None, cancelled: Callable[[], bool] | None = None,
                 source: str | None = None, missing_waits: bool = False) -> None:
        """`source`: this sync's mark, written as each version's meta.source fragment (`#mark`).
        `missing_waits`: an edit of a record the partner does not have stays queued for the
        next sync (the unit relay catching up) instead of being set aside as refused."""
        self.store = store
        self.client = client
        self.source = source
        self.stamps: dict[str, str] = {}  # per type, the latest lastUpdated the server gave what was pushed
        self._patients: dict[tuple[str, str], str | None] = {}  # an entry's patient, read once
        self.bundle_size = max(1, bundle_size)
        self.transactions = transactions
        self.stats = PushStats()
        self.missing_waits = missing_waits
        self._left: set[int] = set()  # entries left for the next sync (not sent again in this one)
        self.changes = ChangeSet()  # what the push changed here: the queue, merged records
        self._on_progress = on_progress or (lambda n: None)
        self._cancelled = cancelled or (lambda: False)

    def run(self) -> PushStats:
        with self.store.transaction():
            stuck = [e.seq for e in self.store.outbox.entries(states=("sending",), limit=100_000)]
            self.store.outbox.set_state(stuck, "pending")  # a sync killed mid-send left these
        flight = _Flight(self) if self.transactions else None
        try:
            while not self._cancelled():
                waiting = [e for e in self.store.outbox.entries(states=("pending",),
                                                                 limit=self.bundle_size * 4 + len(self._left))
                           if e.seq not in self._left]
                batch = self._whole_patients(push_order(waiting, self._patient_of))
                if not batch and flight is not None and flight.out:
                    flight.land()  # their answers may queue more (a merge after a 412): look again
                    continue
                if not batch:
                    break
                with self.store.transaction():
                    self.store.outbox.set_state([e.seq for e in batch], "sending")
                self.changes.outbox = True
                if flight is None:
                    self._send(batch)
                else:
                    flight.send(batch)
            if flight is not None:
                flight.land()
        except BaseException:
            if flight is not None:
                flight.abandon()
            with self.store.transaction():  # what went out unanswered goes again (the hub knows a resend)
                live = [e.seq for e in self.store.outbox.entries(states=("sending",), limit=100_000)]
                self.store.outbox.set_state(live, "pending")
            raise
        finally:
            if flight is not None:
                flight.close()
        return self.stats

    def _whole_patients(self, ordered: list[OutboxEntry]) -> list[OutboxEntry]:
        """The next Bundle's entries: up to bundle_size, ending where a patient's records end
        (so that the Bundle after refers to nothing in it), unless one patient fills it."""
        batch = ordered[: self.bundle_size]
        if len(ordered) <= self.bundle_size or self._patient_of(ordered[self.bundle_size]) is None:
            return batch
        cut = len(batch)
        following = self._patient_of(ordered[self.bundle_size])
        while cut > 0 and batch[cut - 1].op != "delete" and self._patient_of(batch[cut - 1]) == following:
            cut -= 1
        return batch[:cut] if cut > 0 else batch

    def _patient_of(self, entry: OutboxEntry) -> str | None:
        key = (entry.type, entry.id)
        if key not in self._patients:
            resource = self.store.get(entry.type, entry.id)
            self._patients[key] = entry.id if entry.type == "Patient" else (
                patient_id_of(resource) if resource else None)
        return self._patients[key]

    # -- one group of entries -------------------------------------------------------------------

    def _send(self, entries: list[OutboxEntry]) -> None:
        if not self.transactions:  # a server without transactions: one request per change
            for entry in entries:
                self._single(entry, self._request(entry))
            return
        self._answered(entries, self._post(self._bundle(entries)))

    def _bundle(self, entries: list[OutboxEntry]) -> dict[str, Any]:
        self.stats.requests += 1
        return {"resourceType": "Bundle", "type": "transaction", "entry": [self._request(e) for e in entries]}

    def _post(self, bundle: dict[str, Any]) -> Any:
        return self.client.request("POST", "", json_body=bundle, headers={"Prefer": "return=minimal"})

    def _answered(self, entries: list[OutboxEntry], response: Any) -> None:
        """The hub's answer to a transaction Bundle of these entries, acted on."""
        if response.status_code == 200:
            answers = _transaction_answers(response, len(entries))
            if answers is None:  # committed, but the answer's content was lost: ask what it holds
                log.info("the hub took a Bundle of %d without saying what it stored; reading it back", len(entries))
                self._read_back(entries)
            else:
                self._acknowledge(entries, answers)
            return
        reason = _reason(response)
        if response.status_code == 413 or (response.status_code == 400 and _too_large(reason)):
            if len(entries) == 1:
                self._set_aside(entries[0], f"too large for the hub: {reason}")
                return
            self.bundle_size = max(1, len(entries) // 2)
            log.info("the hub refused a Bundle of %d as too large; sending %d at a time", len(entries),
                     self.bundle_size)
            self._halves(entries)
            return
        if len(entries) == 1:
            self._single_outcome(entries[0], response.status_code, reason)
            return
        hint = _ENTRY_HINT.search(reason)
        if hint and int(hint.group(1)) < len(entries):
            culprit = entries[int(hint.group(1))]
            self._send([culprit])
            self._send([e for e in entries if e is not culprit])
            return
        self._halves(entries)

    def _read_back(self, entries: list[OutboxEntry]) -> None:
        """A transaction answered 200 with no transaction-response (a server honouring
        `return=minimal` to the letter): a transaction is all or nothing and it said 200, so
        every entry took effect. The versions it gave come from reading each record back; a
        record it does not hold (the answer was not what it said) stays queued, nothing is
        split or sent twice."""
        held_now = self._held(entries)
        answers: list[dict[str, Any]] = []
        for entry in entries:
            copy = held_now.get((entry.type, entry.id))
            if entry.op == "delete":
                answers.append({"response": {"status": "204"}} if copy is None else {})
            elif copy is None:
                answers.append({})
            else:
                version = str((copy.get("meta") or {}).get("versionId") or "")
                answers.append({"response": {"etag": f'W/"{version}"' if version else None}, "resource": copy})
        held = [(e, a) for e, a in zip(entries, answers) if a]
        missing = [e for e, a in zip(entries, answers) if not a]
        if held:
            self._acknowledge([e for e, _ in held], [a for _, a in held])
        if missing:
            log.warning("the hub said it stored %d changes it does not hold; they stay queued", len(missing))
            with self.store.transaction():
                self.store.outbox.set_state([e.seq for e in missing], "pending")

    def _held(self, entries: list[OutboxEntry]) -> dict[tuple[str, str], Resource]:
        """What the server holds now of these records, by (type, id): one `_id` search per
        type and 50 records (a rural link pays per round trip), not one read each."""
        held: dict[tuple[str, str], Resource] = {}
        by_type: dict[str, list[str]] = {}
        for entry in entries:
            by_type.setdefault(entry.type, []).append(entry.id)
        for rtype, ids in by_type.items():
            for i in range(0, len(ids), 50):
                chunk = ids[i:i + 50]
                self.stats.requests += 1
                found = self.client.request("GET", rtype, params=[("_id", ",".join(chunk)), ("_count", str(len(chunk)))])
                if found.status_code != 200:
                    raise HubUnreachableError(f"{rtype} search answered HTTP {found.status_code}")
                for e in (self.client.json(found) or {}).get("entry", []) or []:
                    resource = e.get("resource") or {}
                    if resource.get("resourceType") == rtype and resource.get("id") in chunk:
                        held[(rtype, resource["id"])] = resource
        return held

    def _halves(self, entries: list[OutboxEntry]) -> None:
        mid = len(entries) // 2
        self._send(entries[:mid])
        self._send(entries[mid:])

    def _request(self, entry: OutboxEntry) -> dict[str, Any]:
        if entry.op == "delete":
            return {"request": {"method": "DELETE", "url": f"{entry.type}/{entry.id}"}}
        resource = self.store.get(entry.type, entry.id) or {}
        body = without_bookkeeping(resource)
        if self.source:  # this sync's own mark, as meta.source's fragment (the author stays before it)
            meta = body.get("meta") or {}
            author = unmarked(str(meta.get("source") or SYNC_SOURCE))
            body["meta"] = {**meta, "source": f"{author}#{self.source}"}
        request: dict[str, Any] = {"method": "PUT", "url": f"{entry.type}/{entry.id}"}
        if entry.op == "update" and entry.base_version:
            request["ifMatch"] = f'W/"{entry.base_version}"'
        return {"fullUrl": f"{self.client.base_url}/{entry.type}/{entry.id}", "resource": body, "request": request}

    def _single(self, entry: OutboxEntry, prepared: dict[str, Any]) -> None:
        request = prepared["request"]
        headers = {"If-Match": request["ifMatch"]} if "ifMatch" in request else None
        self.stats.requests += 1
        response = self.client.request(request["method"], request["url"], json_body=prepared.get("resource"),
                                       headers=headers)
        if response.status_code in (200, 201, 204):
            body = self.client.json(response) if response.content and "json" in response.headers.get("content-type", "") else {}
            copy = body if body.get("resourceType") == entry.type else None
            self._ack_one(entry, version_of_etag(response.headers.get("etag")), copy)
            return
        self._single_outcome(entry, response.status_code, _reason(response))

    def _single_outcome(self, entry: OutboxEntry, status: int, reason: str) -> None:
        if status == 412:
            self._conflict(entry)
        elif status == 404 and entry.op == "delete" and self.missing_waits:
            self._leave(entry)  # the relay has not caught up with it yet
        elif status in (404, 410) and entry.op == "delete":
            self._ack_one(entry, None, None)  # already gone there: the delete has its effect
        else:
            self._set_aside(entry, f"HTTP {status}: {reason}")

    # -- outcomes ------------------------------------------------------------------------------------

    def _acknowledge(self, entries: list[OutboxEntry], responses: list[dict[str, Any]]) -> None:
        with self.store.transaction():
            for entry, item in zip(entries, responses):
                answer = item.get("response") or {}
                copy = item.get("resource") if (item.get("resource") or {}).get("resourceType") == entry.type else None
                version = version_of_etag(answer.get("etag")) or ((copy or {}).get("meta") or {}).get("versionId")
                self._ack(entry, version, copy)
                self._stamp(entry, answer.get("lastModified") or ((copy or {}).get("meta") or {}).get("lastUpdated"))
        self.stats.pushed += len(entries)
        self._on_progress(len(entries))

    def _stamp(self, entry: OutboxEntry, last_modified: Any) -> None:
        if entry.op != "delete" and isinstance(last_modified, str) and last_modified > self.stamps.get(entry.type, ""):
            self.stamps[entry.type] = last_modified

    def _ack(self, entry: OutboxEntry, version: str | None, copy: Resource | None) -> None:
        """Inside a transaction: the entry leaves the outbox with the server's version."""
        trail = entry.type == "AuditEvent" and is_trail_event(self.store.get(entry.type, entry.id))
        self.store.outbox.acknowledge(entry, version_id=version, server_copy=copy)
        self.changes.sent.add(entry.type)
        if trail:  # the desktop's own trail is in its audit log; the copy was only for the hub
            self.store.outbox.drop_local(entry.type, entry.id)

    def _ack_one(self, entry: OutboxEntry, version: str | None, copy: Resource | None) -> None:
        with self.store.transaction():
            self._ack(entry, version, copy)
        self.stats.pushed += 1
        self._on_progress(1)

    def _leave(self, entry: OutboxEntry) -> None:
        """The unit relay does not have the record yet: the entry waits for the next sync."""
        log.info("the relay does not have %s/… yet: left for the next sync", entry.type)
        with self.store.transaction():
            self.store.outbox.set_state([entry.seq], "pending",
                                        reason="the unit relay does not have this record yet; sent again at the next sync")
        self._left.add(entry.seq)
        self._on_progress(1)

    def _set_aside(self, entry: OutboxEntry, reason: str) -> None:
        log.warning("the hub refused one change (%s/…): %s", entry.type, reason[:200])
        with self.store.transaction():
            self.store.outbox.set_state([entry.seq], "failed", reason=reason[:1000])
        self.stats.failed += 1
        self._on_progress(1)

    def _conflict(self, entry: OutboxEntry) -> None:
        """412: someone else changed it. Merge three ways; clash -> a person decides."""
        self.stats.requests += 1
        response = self.client.request("GET", f"{entry.type}/{entry.id}")
        if response.status_code == 404 and self.missing_waits:  # 410: deleted there, set aside below
            self._leave(entry)
            return
        if response.status_code != 200:
            self._set_aside(entry, f"changed and then removed on the hub (HTTP {response.status_code})")
            return
        remote = self.client.json(response)
        remote_version = version_of_etag(response.headers.get("etag")) or (remote.get("meta") or {}).get("versionId")
        local = self.store.get(entry.type, entry.id) or {}
        based = self.store.outbox.base_of(entry.type, entry.id)
        result = three_way(based[1] if based else None, local, remote)
        with self.store.transaction():
            if _same(local, remote):  # our own change got there before (a lost answer)
                self.store.outbox.acknowledge(entry, version_id=remote_version, server_copy=remote)
                self.stats.pushed += 1
            elif result.clean:
                # The hub's version becomes the new base; the merge goes out as an update of it.
                self.store.outbox.acknowledge(entry, version_id=remote_version, server_copy=remote)
                self.store.outbox.keep_base(entry.type, entry.id)
                self.store.put(result.merged, version_id=remote_version)
                self.store.outbox.enqueue(entry.type, entry.id, "update")
                self.stats.merged += 1
                self.changes.note("update", entry.type, patient_id_of(result.merged))
            else:
                self.store.outbox.record_conflict(entry, remote=remote, remote_version=str(remote_version),
                                           elements=result.conflicts)
                self.stats.conflicts += 1
        self._on_progress(1)


def _same(a: Resource, b: Resource) -> bool:
    """The same content (the server's bookkeeping and the writing sync's mark aside)."""
    return json.dumps(content_of(a), sort_keys=True) == json.dumps(content_of(b), sort_keys=True)


def _transaction_answers(response: Any, count: int) -> list[dict[str, Any]] | None:
    """The entries of a transaction-response with one answer per entry sent; None when the
    200 carried no such Bundle (no body, not JSON, another shape)."""
    if not response.content:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    entries = body.get("entry") if isinstance(body, dict) and body.get("resourceType") == "Bundle" else None
    return entries if isinstance(entries, list) and len(entries) == count else None


def _reason(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
        issue = (body.get("issue") or [{}])[0]
        where = ",".join(issue.get("expression", []) or [])
        return f"{issue.get('diagnostics', '')}" + (f" [{where}]" if where else "")
    return f"HTTP {response.status_code}"


def _too_large(reason: str) -> bool:
    text = reason.lower()
    return "too large" in text or "too many" in text or "at most" in text or "too-costly" in text
