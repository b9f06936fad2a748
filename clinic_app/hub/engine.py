"""The FHIR R4 interactions of the sandbox hub, apart from HTTP: read, vread, create,
update (PUT creates with the client's id), conditional create and update, delete,
search, history, transaction and batch bundles.

Each interaction returns a `Reply` (status, body, headers); errors are `HubError`s with an
OperationOutcome. The HTTP layer (`hub/app.py`) only maps requests to these calls.

Idempotence: a PUT whose content equals the current version (ignoring meta.versionId and
meta.lastUpdated) makes no new version and answers 200 with the current one, also when its
If-Match names the version before: that is how a client's resend after a lost response is
recognised, so a resend never duplicates a change.
"""

from __future__ import annotations

import base64
import email.utils
import os
import datetime as _dt
import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from clinic_app.conformance import check as conformance_check
from clinic_app.core.audit import is_break_glass
from clinic_app.core.fhir import content_of, is_resource_type, is_valid_id, rewrite_references, validate_resource
from clinic_app.core.identifiers import CID_SYSTEM, HCODE_SYSTEM
from clinic_app.hub.auth import ANONYMOUS, Caller
from clinic_app.hub.errors import HubError, bad_request, operation_outcome
from clinic_app.hub.rules import ACROSS_FACILITIES, HUB_TAG, PUBLIC_TYPES, Policy, consent_needed
from clinic_app.hub.search import SEARCH_PARAMS, Criteria, parse, to_instant
from clinic_app.hub.storage import HubStore, Stored

FHIR_VERSION = "4.0.1"


@dataclass
class Reply:
    status: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Limits:
    max_bundle_entries: int = 500
    max_body_bytes: int = 20 * 1024 * 1024
    transactions: bool = True
    everything: bool = True
    tag_search: bool = True
    # Some servers honour `Prefer: return=minimal` on a transaction with 200 and no body at
    # all (no transaction-response): on for tests of a client facing one.
    minimal_no_body: bool = False


def http_date(instant: str) -> str:
    moment = _dt.datetime.strptime(instant, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=_dt.timezone.utc)
    return email.utils.format_datetime(moment, usegmt=True)


def _same_content(a: dict[str, Any], b: dict[str, Any]) -> bool:
    def strip(r: dict[str, Any]) -> dict[str, Any]:
        out = content_of(r)  # a resend after a lost answer (another sync's mark) is the same content
        out.pop("id", None)
        return out

    return json.dumps(strip(a), sort_keys=True) == json.dumps(strip(b), sort_keys=True)


def parse_etag(value: str | None) -> int | None:
    if not value:
        return None
    text = value.strip()
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip('"')
    if not text.isdigit():
        raise bad_request("If-Match must be a version tag such as W/\"3\"", code="value")
    return int(text)


class Cursors:
    """Opaque paging cursors: the position (a time and an id, or a history sequence) sealed
    with AES-GCM under the hub's key, so a next link says nothing about records the reader
    may not see and cannot be forged to jump elsewhere."""

    def __init__(self, key: bytes | None = None) -> None:
        self._aead = AESGCM(key or AESGCM.generate_key(bit_length=256))

    def seal(self, position: str) -> str:
        nonce = os.urandom(12)
        return base64.urlsafe_b64encode(nonce + self._aead.encrypt(nonce, position.encode(), b"cursor")).decode()

    def open(self, token: str) -> str:
        try:
            raw = base64.urlsafe_b64decode(token.encode())
            return self._aead.decrypt(raw[:12], raw[12:], b"cursor").decode()
        except (ValueError, InvalidTag):
            raise bad_request("bad paging cursor (search again from the start)", code="value") from None


class Engine:
    def __init__(self, store: HubStore, *, limits: Limits | None = None, cursor_key: bytes | None = None,
                 conformance: bool = False, unit_relay: bool = False) -> None:
        """`unit_relay`: serving one unit's own desktops (services/relay.py), which may learn
        what it lacks: a record it does not have is 404 (not the 403 that hides from another
        facility what exists), a delete of one is 404 too (the desktop's delete waits until
        the relay has caught up, instead of being taken as done)."""
        self.unit_relay = unit_relay
        self.store = store
        self.limits = limits or Limits()
        # refuse a create or update that breaks a SIL-TH rule (clinic_app.conformance), 422
        # naming the rule; what the hub seeds itself (store.put) is not checked
        self.conformance = conformance
        self.policy = Policy(store)
        self.cursors = Cursors(cursor_key)

    # -- helpers ------------------------------------------------------------------------

    def _ok(self, stored: Stored, status: int, base: str) -> Reply:
        headers = {"ETag": stored.etag, "Last-Modified": http_date(stored.last_updated)}
        if status == 201:
            headers["Location"] = f"{base}/{stored.type}/{stored.id}/_history/{stored.version}"
        return Reply(status, stored.resource, headers)

    def check_resource(self, rtype: str, body: Any, *, prefix: str = "", index: int | None = None) -> None:
        if not isinstance(body, dict):
            raise bad_request("the body must be a FHIR resource (a JSON object)")
        if body.get("resourceType") != rtype:
            raise bad_request(f"resourceType must be {rtype}", expression=[f"{prefix}resourceType"])
        problems = validate_resource(body, index=index, prefix=prefix)
        if problems:
            raise HubError(422, "; ".join(p.describe() for p in problems[:20]), code="invalid",
                           expression=[p.path for p in problems[:20]])
        if self.conformance:
            broken = conformance_check(body)
            if broken:
                raise HubError(422, "breaks the SIL-TH rules: " + "; ".join(
                    f"{v.rule} {prefix}{v.path or '(resource)'}: {v.message}" for v in broken[:20]),
                    code="invariant", expression=[f"{prefix}{v.path}".rstrip(".") or rtype for v in broken[:20]])

    @staticmethod
    def check_type(rtype: str) -> None:
        if not is_resource_type(rtype) or rtype == "Bundle":
            raise HubError(404, f"unknown resource type {rtype!r}", code="not-supported")

    @staticmethod
    def check_id(rid: str) -> None:
        if not is_valid_id(rid):
            raise bad_request(f"{rid!r} is not a valid FHIR id", code="value")

    # -- instance interactions --------------------------------------------------------------

    def read(self, rtype: str, rid: str, base: str, caller: Caller = ANONYMOUS) -> Reply:
        self.check_type(rtype)
        self.check_id(rid)
        stored = self._lookup(caller, rtype, rid, lambda: self.store.read(rtype, rid))
        self._audit(caller, [self.policy.require_read(caller, stored)], f"read {rtype}")
        return self._ok(stored, 200, base)

    def _lookup(self, caller: Caller, rtype: str, rid: str, find: Any) -> Stored:
        """A record by id; to a facility, a missing or deleted record that is not its own
        gets the same answer as one it may not read (nothing tells what exists elsewhere)."""
        try:
            return find()
        except HubError as exc:
            if not caller.enforced or exc.status not in (404, 410) or self.unit_relay:
                raise
            current = self.store.current(rtype, rid)
            if current is not None and self.policy.owner(current) == caller.hcode:
                raise
            raise consent_needed("this record") from None

    def vread(self, rtype: str, rid: str, version: str, base: str, caller: Caller = ANONYMOUS) -> Reply:
        self.check_type(rtype)
        self.check_id(rid)
        if not version.isdigit():
            raise HubError(404, f"{rtype}/{rid} has no version {version!r}", code="not-found")
        stored = self._lookup(caller, rtype, rid, lambda: self.store.vread(rtype, rid, int(version)))
        self._audit(caller, [self.policy.require_read(caller, stored)], f"vread {rtype}")
        return self._ok(stored, 200, base)

    def _audit(self, caller: Caller, accesses: list[Any], what: str) -> None:
        if any(a.reason in ACROSS_FACILITIES for a in accesses):
            with self.store.transaction():
                self.policy.audit_reads(caller, accesses, what=what)

    def create(self, rtype: str, body: Any, base: str, *, if_none_exist: str | None = None,
               caller: Caller = ANONYMOUS) -> Reply:
        self.check_type(rtype)
        self.check_resource(rtype, body)
        with self.store.transaction():
            if if_none_exist:
                found = self._matches(rtype, if_none_exist, limit=2)
                if len(found) > 1:
                    raise HubError(412, "If-None-Exist matched more than one resource", code="multiple-matches")
                if found:
                    self._audit(caller, [self.policy.require_read(caller, found[0])], f"create {rtype} (exists)")
                    return self._ok(found[0], 200, base)
            self.policy.check_write(caller, rtype, body, None)
            stored, _ = self.store.put(rtype, str(uuid.uuid4()), body, method="POST")
        return self._ok(stored, 201, base)

    def update(self, rtype: str, rid: str, body: Any, base: str, *, if_match: str | None = None,
               caller: Caller = ANONYMOUS) -> Reply:
        self.check_type(rtype)
        self.check_id(rid)
        self.check_resource(rtype, body)
        if body.get("id") not in (None, rid):
            raise bad_request("the id in the body differs from the id in the URL", expression=["id"])
        expected = parse_etag(if_match)
        with self.store.transaction():
            current = self.store.current(rtype, rid)
            self.policy.check_write(caller, rtype, body, current)
            if current and not current.deleted and current.resource and _same_content(current.resource, body) \
                    and (expected is None or expected <= current.version):
                return self._ok(current, 200, base)
            stored, created = self.store.put(rtype, rid, body, if_match=expected)
        return self._ok(stored, 201 if created else 200, base)

    def conditional_update(self, rtype: str, query: str, body: Any, base: str, *,
                           if_match: str | None = None, caller: Caller = ANONYMOUS) -> Reply:
        self.check_type(rtype)
        with self.store.transaction():
            found = self._matches(rtype, query, limit=2)
            if len(found) > 1:
                raise HubError(412, "the conditional update matched more than one resource", code="multiple-matches")
            if found:
                return self.update(rtype, found[0].id, {**body, "id": found[0].id}, base, if_match=if_match,
                                   caller=caller)
            rid = body.get("id") if isinstance(body, dict) and body.get("id") else str(uuid.uuid4())
            return self.update(rtype, rid, body, base, if_match=if_match, caller=caller)

    def delete(self, rtype: str, rid: str, caller: Caller = ANONYMOUS) -> Reply:
        self.check_type(rtype)
        self.check_id(rid)
        with self.store.transaction():
            current = self.store.current(rtype, rid)
            if current is None and self.unit_relay:
                raise HubError(404, f"{rtype}/{rid} is not here (yet)", code="not-found")
            self.policy.check_write(caller, rtype, None, current)
            stored = self.store.delete(rtype, rid)
        headers = {"ETag": stored.etag} if stored else {}
        return Reply(200, operation_outcome(f"{rtype}/{rid} deleted" if stored else "nothing to delete"), headers)

    def _matches(self, rtype: str, query: str, *, limit: int) -> list[Stored]:
        params = parse_qsl(query.lstrip("?"), keep_blank_values=True)
        if not params:
            raise bad_request("a conditional interaction needs search parameters")
        crit = parse(rtype, params)
        crit.count = limit
        found, _ = self.store.search(rtype, crit)
        return found

    # -- search -------------------------------------------------------------------------------

    TARGETING = {"patient", "subject", "identifier", "_id"}

    def search(self, rtype: str, params: list[tuple[str, str]], base: str, caller: Caller = ANONYMOUS) -> Reply:
        self.check_type(rtype)
        if not self.limits.tag_search and any(k.split(":")[0] == "_tag" for k, _ in params):
            raise bad_request("this server does not support searching by _tag", code="not-supported")
        crit = parse(rtype, params)
        if crit.cursor_token:
            updated, _, rid = self.cursors.open(crit.cursor_token).partition(",")
            if not rid:
                raise bad_request("bad paging cursor (search again from the start)", code="value")
            crit.cursor = (updated, rid)
        if crit.summary_count:
            if caller.enforced and not self._own_records_only(crit, caller):
                total = self._readable_count(rtype, params, caller)
            else:
                total = self.store.count(rtype, crit)
            return Reply(200, {"resourceType": "Bundle", "type": "searchset", "total": total})
        page, cursor = self.store.search(rtype, crit)
        targeted = any(c.param in self.TARGETING for c in crit.conditions)
        kept, accesses = self.policy.filter(caller, page)
        if targeted and page and not kept:  # asked for one patient's records and may see none
            raise consent_needed("the records of this search")
        self._audit(caller, accesses, f"search {rtype}")
        bundle = self._searchset(rtype, params, base, kept, cursor)
        if len(kept) < len(page):
            bundle["entry"].append({"resource": operation_outcome(
                "records of other facilities withheld: consent needed", code="suppressed", severity="warning"),
                "search": {"mode": "outcome"}})
        return Reply(200, bundle)

    def _readable_count(self, rtype: str, params: list[tuple[str, str]], caller: Caller) -> int:
        """How many matches this facility may read (a count must not reveal withheld records),
        from the indexes: its own records, then those of the patients it holds a grant for.
        Never a walk over every record of the type (that took seconds and grew with the hub)."""
        def matches(extra: list[tuple[str, str]]) -> Criteria:
            crit = parse(rtype, [*params, *extra])
            crit.count = 1000
            return crit

        if rtype in PUBLIC_TYPES:
            return self.store.count(rtype, matches([]))
        if rtype == "ServiceRequest":  # addressed by performer, which has no index: few enough to read
            return len(self.policy.filter(caller, self._all(rtype, matches([])))[0])
        total = self.store.count(rtype, matches([("_tag", f"{HCODE_SYSTEM}|{caller.hcode}")]))
        addressed = {"Consent": "actor", "Task": "owner"}.get(rtype)
        if addressed:  # addressed to it, by the index
            found = self._all(rtype, matches([(addressed, f"Organization/{caller.hcode}")]))
            total += len(self.policy.filter(caller, [s for s in found if self.policy.owner(s) != caller.hcode])[0])
        for cid in sorted(self.policy.readable_cids(caller)):
            for patient in self._all("Patient", parse("Patient", [("identifier", f"{CID_SYSTEM}|{cid}")])):
                if self.policy.owner(patient) == caller.hcode:
                    continue
                narrowed = ("_id", patient.id) if rtype == "Patient" else ("patient", f"Patient/{patient.id}")
                found = self._all(rtype, matches([narrowed]))
                kept = self.policy.filter(caller, [s for s in found if self.policy.owner(s) != caller.hcode])[0]
                total += len(kept)
        return total

    def _all(self, rtype: str, crit: Criteria) -> list[Stored]:
        crit.count, out = 1000, []
        while True:
            page, cursor = self.store.search(rtype, crit)
            out += page
            if cursor is None:
                return out
            crit.cursor = cursor

    @staticmethod
    def _own_records_only(crit: Criteria, caller: Caller) -> bool:
        """A search limited to the caller's own tag (the sync's count check): every match
        is readable, so the index count is the answer without loading each record."""
        return any(c.param == "_tag" and c.alternatives == [(HCODE_SYSTEM, caller.hcode)] for c in crit.conditions)

    def _searchset(self, rtype: str, params: list[tuple[str, str]], base: str, page: list[Stored],
                   cursor: tuple[str, str] | None) -> dict[str, Any]:
        from urllib.parse import urlencode

        kept = [(k, v) for k, v in params if k != "_cursor"]
        links = [{"relation": "self", "url": f"{base}/{rtype}?{urlencode(params)}"}]
        if cursor:
            links.append({"relation": "next",
                          "url": f"{base}/{rtype}?{urlencode([*kept, ('_cursor', self.cursors.seal(','.join(cursor)))])}"})
        return {
            "resourceType": "Bundle", "type": "searchset", "link": links,
            "entry": [{"fullUrl": f"{base}/{s.type}/{s.id}", "resource": s.resource, "search": {"mode": "match"}}
                      for s in page],
        }

    # -- history ---------------------------------------------------------------------------------

    def _history_access(self, caller: Caller, stored: Stored) -> Any:
        """Why this caller may see a history entry (None: it may not)."""
        if stored.resource is None and stored.version > 1:  # a delete: judge by the version before it
            try:
                stored = self.store.vread(stored.type, stored.id, stored.version - 1)
            except HubError:
                return None
        return self.policy.access(caller, stored)

    def history(self, rtype: str | None, rid: str | None, params: list[tuple[str, str]], base: str,
                caller: Caller = ANONYMOUS) -> Reply:
        from urllib.parse import urlencode

        if rtype:
            self.check_type(rtype)
        since, count, after = None, 100, None
        for key, value in params:
            if key == "_since":
                since = to_instant(value)
            elif key == "_count":
                if not value.isdigit():
                    raise bad_request("_count must be a whole number", code="value")
                count = max(1, min(1000, int(value)))
            elif key == "_cursor":
                position = self.cursors.open(value)
                if not position.isdigit():
                    raise bad_request("bad paging cursor", code="value")
                after = int(position)
            elif key not in ("_format",):
                raise bad_request(f"unknown history parameter {key!r}; supported: _since, _count", code="not-supported")
        rows, next_seq = self.store.history(rtype, rid, since=since, count=count, after_seq=after)
        if caller.enforced:
            judged = [(r, self._history_access(caller, r[1])) for r in rows]
            rows = [r for r, access in judged if access is not None]
            self._audit(caller, [access for _r, access in judged if access is not None], "history")
        path = "/".join(p for p in (rtype, rid) if p)
        url = f"{base}/{path + '/' if path else ''}_history"
        kept = [(k, v) for k, v in params if k != "_cursor"]
        links = [{"relation": "self", "url": f"{url}?{urlencode(params)}"}]
        if next_seq is not None:
            links.append({"relation": "next",
                          "url": f"{url}?{urlencode([*kept, ('_cursor', self.cursors.seal(str(next_seq)))])}"})
        entries = []
        for _seq, stored, method in rows:
            entry: dict[str, Any] = {
                "fullUrl": f"{base}/{stored.type}/{stored.id}",
                "request": {"method": method if method != "POST" else "POST",
                            "url": stored.type if method == "POST" else f"{stored.type}/{stored.id}"},
                "response": {"status": "204" if stored.deleted else ("201" if stored.version == 1 else "200"),
                             "etag": stored.etag, "lastModified": stored.last_updated},
            }
            if stored.resource is not None:
                entry["resource"] = stored.resource
            entries.append(entry)
        return Reply(200, {"resourceType": "Bundle", "type": "history", "link": links, "entry": entries})

    # -- $everything ---------------------------------------------------------------------------------

    PATIENT_COMPARTMENT = ("AllergyIntolerance", "Appointment", "Condition", "Coverage", "Encounter", "Immunization", "MedicationDispense",
                           "MedicationRequest", "Observation", "Procedure", "ServiceRequest", "Consent")

    def everything(self, rid: str, base: str, caller: Caller = ANONYMOUS) -> Reply:
        if not self.limits.everything:
            raise HubError(404, "$everything is not supported by this server", code="not-supported")
        patient = self.store.read("Patient", rid)
        self._audit(caller, [self.policy.require_read(caller, patient)], "$everything")
        entries = [{"fullUrl": f"{base}/Patient/{rid}", "resource": patient.resource}]
        for rtype in self.PATIENT_COMPARTMENT:
            crit = Criteria(count=1000)
            crit.conditions.append(parse(rtype, [("patient", f"Patient/{rid}")]).conditions[0])
            while True:
                page, cursor = self.store.search(rtype, crit)
                page = self.policy.filter(caller, page)[0]
                entries += [{"fullUrl": f"{base}/{s.type}/{s.id}", "resource": s.resource} for s in page]
                if cursor is None:
                    break
                crit.cursor = cursor
        return Reply(200, {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries})

    # -- bundles ------------------------------------------------------------------------------------

    def bundle(self, body: Any, base: str, caller: Caller = ANONYMOUS, *, minimal: bool = False) -> Reply:
        if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
            raise bad_request("POST to the base takes a transaction or batch Bundle")
        kind = body.get("type")
        entries = body.get("entry") or []
        if not isinstance(entries, list):
            raise bad_request("Bundle.entry must be a list", expression=["entry"])
        if len(entries) > self.limits.max_bundle_entries:
            raise HubError(413, f"the Bundle has {len(entries)} entries; this server takes at most "
                                f"{self.limits.max_bundle_entries} per Bundle: split it", code="too-costly")
        if kind == "transaction":
            if not self.limits.transactions:
                raise bad_request("this server does not support transactions", code="not-supported")
            reply = self._transaction(entries, base, caller)
            if minimal and self.limits.minimal_no_body:
                return Reply(200, None)
            if minimal and reply.body:
                for entry in reply.body["entry"]:
                    entry.pop("resource", None)
            return reply
        if kind == "batch":
            return self._batch(entries, base, caller)
        raise bad_request("Bundle.type must be transaction or batch", expression=["type"])

    def _request_of(self, i: int, entry: Any) -> tuple[str, str, str]:
        if not isinstance(entry, dict) or not isinstance(entry.get("request"), dict):
            raise bad_request(f"entry {i} has no request", expression=[f"entry[{i}].request"])
        method = str(entry["request"].get("method", "")).upper()
        url = str(entry["request"].get("url", ""))
        if method not in ("GET", "POST", "PUT", "DELETE") or not url:
            raise bad_request(f"entry {i}: request.method and request.url are required",
                              expression=[f"entry[{i}].request"])
        path, _, query = url.partition("?")
        parts = urlsplit(path).path.strip("/").split("/")
        if method != "POST" and len(parts) >= 2 and parts[-2][:1].isupper():
            return method, f"{parts[-2]}/{parts[-1]}", query
        return method, parts[-1], query

    def _transaction(self, entries: list[Any], base: str, caller: Caller) -> Reply:
        plan, mapping = [], {}
        for i, entry in enumerate(entries):
            method, path, query = self._request_of(i, entry)
            rtype = path.split("/")[0]
            full_url = entry.get("fullUrl")
            rid = path.split("/")[1] if "/" in path else None
            if method == "POST":
                rid = str(uuid.uuid4())
            if isinstance(full_url, str) and full_url.startswith("urn:uuid:") and rid:
                mapping[full_url] = f"{rtype}/{rid}"
            plan.append((i, method, rtype, rid, query, entry))
        replies = []
        with self.store.transaction():
            for i, method, rtype, rid, query, entry in plan:
                resource = rewrite_references(entry.get("resource"), mapping) if "resource" in entry else None
                try:
                    replies.append(self._entry(method, rtype, rid, query, resource, entry["request"], base, caller,
                                               post_id=rid if method == "POST" else None, index=i))
                except HubError as exc:
                    exc.diagnostics = f"entry {i}: {exc.diagnostics}"
                    exc.expression = exc.expression or [f"entry[{i}]"]
                    raise
        return Reply(200, {"resourceType": "Bundle", "type": "transaction-response",
                           "entry": [self._response_entry(r) for r in replies]})

    def _batch(self, entries: list[Any], base: str, caller: Caller) -> Reply:
        out = []
        for i, entry in enumerate(entries):
            try:
                method, path, query = self._request_of(i, entry)
                rtype = path.split("/")[0]
                rid = path.split("/")[1] if "/" in path else None
                out.append(self._response_entry(self._entry(method, rtype, rid, query, entry.get("resource"),
                                                            entry["request"], base, caller, index=i)))
            except HubError as exc:
                out.append({"response": {"status": str(exc.status), "outcome": exc.outcome()}})
        return Reply(200, {"resourceType": "Bundle", "type": "batch-response", "entry": out})

    def _entry(self, method: str, rtype: str, rid: str | None, query: str, resource: Any,
               request: dict[str, Any], base: str, caller: Caller, *, post_id: str | None = None,
               index: int = 0) -> Reply:
        if method == "GET":
            if rtype == "_history":  # the system history, as a batch's pull asks for deletes
                return self.history(None, None, parse_qsl(query, keep_blank_values=True), base, caller)
            if rid:
                return self.read(rtype, rid, base, caller)
            return self.search(rtype, parse_qsl(query, keep_blank_values=True), base, caller)
        if method == "DELETE":
            if not rid:
                raise bad_request("conditional delete is not supported", code="not-supported")
            return self.delete(rtype, rid, caller)
        if method == "POST":
            self.check_type(rtype)
            self.check_resource(rtype, resource, prefix=f"entry[{index}].resource.", index=index)
            if request.get("ifNoneExist"):
                found = self._matches(rtype, str(request["ifNoneExist"]), limit=2)
                if len(found) > 1:
                    raise HubError(412, "ifNoneExist matched more than one resource", code="multiple-matches")
                if found:
                    self._audit(caller, [self.policy.require_read(caller, found[0])], f"create {rtype} (exists)")
                    return self._ok(found[0], 200, base)
            self.policy.check_write(caller, rtype, resource, None)
            stored, _ = self.store.put(rtype, post_id or str(uuid.uuid4()), resource, method="POST")
            return self._ok(stored, 201, base)
        if rid:
            return self.update(rtype, rid, resource, base, if_match=request.get("ifMatch"), caller=caller)
        return self.conditional_update(rtype, query, resource, base, if_match=request.get("ifMatch"),
                                       caller=caller)

    @staticmethod
    def _response_entry(reply: Reply) -> dict[str, Any]:
        response: dict[str, Any] = {"status": str(reply.status)}
        if "Location" in reply.headers:
            response["location"] = reply.headers["Location"]
        if "ETag" in reply.headers:
            response["etag"] = reply.headers["ETag"]
        if reply.body and isinstance(reply.body.get("meta"), dict) and reply.body["meta"].get("lastUpdated"):
            response["lastModified"] = reply.body["meta"]["lastUpdated"]
        entry: dict[str, Any] = {"response": response}
        if reply.body is not None and reply.body.get("resourceType") not in (None, "OperationOutcome"):
            entry["resource"] = reply.body
            if reply.body.get("id"):
                entry["fullUrl"] = f"{reply.body['resourceType']}/{reply.body['id']}"
        return entry

    # -- capability --------------------------------------------------------------------------------

    def capability(self, base: str) -> dict[str, Any]:
        interactions = [{"code": c} for c in ("read", "vread", "update", "delete", "create", "search-type",
                                               "history-instance", "history-type")]
        params = [{"name": n, "type": "token" if n in ("_id", "_tag", "identifier", "status", "code")
                   else "date" if n == "_lastUpdated" else "uri" if n == "_source" else "reference"}
                  for n in SEARCH_PARAMS if self.limits.tag_search or n != "_tag"]
        resource: dict[str, Any] = {
            "type": "Resource", "interaction": interactions, "versioning": "versioned-update",
            "readHistory": True, "updateCreate": True, "conditionalCreate": True,
            "conditionalUpdate": True, "conditionalDelete": "not-supported",
            "searchParam": params,
        }
        types = sorted(self._known_types())
        rest: dict[str, Any] = {
            "mode": "server",
            "resource": [{**resource, "type": t} for t in types],
            "interaction": ([{"code": "transaction"}] if self.limits.transactions else [])
            + [{"code": "batch"}, {"code": "history-system"}],
        }
        if self.limits.everything:
            rest["resource"] = [
                {**r, "operation": [{"name": "everything",
                                      "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"}]}
                if r["type"] == "Patient" else r for r in rest["resource"]]
        return {
            "resourceType": "CapabilityStatement", "status": "active", "date": "2026-11-25",
            "kind": "instance", "fhirVersion": FHIR_VERSION, "format": ["application/fhir+json", "json"],
            "software": {"name": "clinic-app sandbox hub (MOPH Cloud / Health Link stand-in)"},
            "implementation": {"description": "Sandbox Health Link hub", "url": base},
            "extension": [{"url": "https://clinic-app.invalid/fhir/StructureDefinition/max-bundle-entries",
                           "valueInteger": self.limits.max_bundle_entries},
                          {"url": "https://clinic-app.invalid/fhir/StructureDefinition/sil-th-conformance",
                           "valueBoolean": self.conformance},
                          {"url": "https://clinic-app.invalid/fhir/StructureDefinition/gzip-requests",
                           "valueBoolean": True},  # request bodies may come Content-Encoding: gzip
                          {"url": "https://clinic-app.invalid/fhir/StructureDefinition/source-not",
                           "valueBoolean": True}],  # _source:not=URI leaves out the versions that URI wrote
            "rest": [rest],
        }

    @staticmethod
    def _known_types() -> list[str]:
        return ["AllergyIntolerance", "Appointment", "AuditEvent", "Condition", "Consent", "Coverage", "Encounter",
                "Immunization", "Medication", "MedicationDispense", "MedicationRequest", "Observation", "Organization", "Patient",
                "Practitioner", "Procedure", "Provenance", "ServiceRequest", "Task"]


class Admin:
    """What the patient's phone app and the hub's operators do: consent decisions,
    auto-approval for demos, the break-the-glass review list."""

    ACTIONS = {"approve": ("proposed", "active"), "reject": ("proposed", "rejected"),
               "revoke": ("active", "inactive")}

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.store = engine.store

    def decide_consent(self, consent_id: str, action: str) -> dict[str, Any]:
        if action not in self.ACTIONS:
            raise bad_request(f"unknown consent action {action!r}: approve, reject or revoke")
        before, after = self.ACTIONS[action]
        with self.store.transaction():
            stored = self.store.read("Consent", consent_id)
            current = (stored.resource or {}).get("status")
            if current != before:
                raise HubError(409, f"Consent/{consent_id} is {current}; {action} needs it to be {before}",
                               code="business-rule")
            body = {**(stored.resource or {}), "status": after}
            updated, _ = self.store.put("Consent", consent_id, body)
        return updated.resource or {}

    def auto_approve(self, older_than_seconds: float) -> int:
        """Approve proposed Consents older than the given age (the `--auto-approve` demo setting)."""
        cutoff = _dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(seconds=older_than_seconds)
        crit = parse("Consent", [("status", "proposed"), ("_lastUpdated", f"le{cutoff.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}")])
        crit.count = 100
        found, _ = self.store.search("Consent", crit)
        for stored in found:
            self.decide_consent(stored.id, "approve")
        return len(found)

    def record_break_glass(self, caller: Caller, cid: str, reason: str) -> None:
        from clinic_app.hub.rules import audit_event

        with self.store.transaction():
            self.engine.policy.record(audit_event(caller, cid, purpose="BTG", action="E", break_glass=True,
                                                  reason=reason, outcome_text="emergency access granted"))

    def break_glass_log(self) -> list[dict[str, Any]]:
        crit = parse("AuditEvent", [("_sort", "-_lastUpdated")])
        crit.count = 1000
        found, _ = self.store.search("AuditEvent", crit)
        # Only the entries the hub wrote itself when it issued the token: an AuditEvent a
        # facility posted is that facility's record, not the hub's review list.
        return [s.resource for s in found if s.resource and is_break_glass(s.resource)
                and HUB_TAG in ((s.resource.get("meta") or {}).get("tag") or [])]
