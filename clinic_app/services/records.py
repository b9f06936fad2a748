"""Record use cases: import and export FHIR, save resources, status, demo data.

`save_resources` is the one path by which local records enter the store: validate every
resource (fhir.resources R4B), tag it with this facility's hcode, write it, queue it in
the outbox and add an audit entry, all in one transaction or not at all.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

from clinic_app.core.changes import ChangeSet
from clinic_app.core.errors import InvalidInputError, KnownError, Problem, ProblemList
from clinic_app.core.fhir import (
    Resource,
    cid_identifier_paths,
    is_valid_id,
    new_id,
    owner_of,
    patient_id_of,
    reference_paths,
    rewrite_references,
    stamp_author,
    stamp_owner,
    validate_resource,
)
from clinic_app.core.permissions import Actor
from clinic_app.core.thai import cid_problem, normalise_cid
from clinic_app.store.record_store import RecordStore

log = logging.getLogger(__name__)

Progress = Callable[[int, int], bool]
"""Called with (done, total); returns False to cancel."""

LAST_PARTNER = "last_partner"  # checkpoint: "relay" or "cloud", set by services/sync.py


class Cancelled(KnownError):
    code = "cancelled"

    def __init__(self, done: int) -> None:
        super().__init__(f"ยกเลิกแล้ว บันทึกไปแล้ว {done} ราย", f"Cancelled after {done} saved.")


def _invalid(problems: list[Problem], what: str) -> InvalidInputError:
    return InvalidInputError(
        f"{what}: ข้อมูลไม่ถูกต้อง {len(problems)} จุด ไม่ได้บันทึกอะไรเลย",
        f"{what}: {len(problems)} problem(s); nothing was stored.",
        problems=problems,
    )


class RecordService:
    """Record use cases for one facility, acting as `actor`, over one store."""

    def __init__(self, store: RecordStore, *, actor: Actor) -> None:
        self.store = store
        self.actor = actor

    @property
    def hcode(self) -> str:
        return str(self.store.settings.get("hcode"))

    # -- saving ----------------------------------------------------------------------

    def _prepare(self, resources: list[tuple[int | None, str, Any]]) -> list[tuple[int | None, str, Resource]]:
        """Validate, check citizen IDs, references and the owner tag, and tag; raise with
        every problem found."""
        hcode = self.hcode
        problems = ProblemList()
        ready: list[tuple[int | None, str, Resource]] = []
        for index, prefix, res in resources:
            found = validate_resource(res, index=index, prefix=prefix)
            if found:
                problems.problems.extend(found)
                continue
            for path, value in cid_identifier_paths(res, self.store.systems):
                why = cid_problem(value)
                if why:
                    problems.add(index, prefix + path, why[1], why[0])
            for path, ref in reference_paths(res):
                if ref.startswith("urn:uuid:"):
                    problems.add(index, prefix + path, "refers to an entry that is not in this Bundle",
                                 "อ้างถึงรายการที่ไม่มีใน Bundle นี้")
            owner = owner_of(res)
            if owner is not None and owner != hcode:
                problems.add(index, f"{prefix}meta.tag", "belongs to another facility; a unit imports only its own records",
                             "เป็นข้อมูลของหน่วยบริการอื่น นำเข้าได้เฉพาะข้อมูลของหน่วยบริการนี้")
                continue
            if not res.get("id"):
                res = {**res, "id": new_id()}
            ready.append((index, prefix, stamp_owner(res, hcode)))
        if problems:
            raise _invalid(problems.problems, "FHIR")
        return ready

    def _store(self, resources: list[tuple[int | None, str, Resource]], changes: ChangeSet, *,
               addressed: bool = False) -> None:
        """Write inside the caller's transaction; refuse to overwrite another facility's record
        (unless it is `addressed` to this unit: see write_addressed)."""
        hcode = self.hcode
        states = [self.store.stored_state(res["resourceType"], res["id"]) for _, _, res in resources]
        taken = [] if addressed else [(i, p) for (i, p, _), state in zip(resources, states)
                                      if state and state[0] not in (None, hcode)]
        if taken:
            raise _invalid([Problem(i, f"{p}id", "a record with this id belongs to another facility",
                                    "มีข้อมูลที่ใช้ id นี้ของหน่วยบริการอื่นอยู่แล้ว")
                            for i, p in taken], "FHIR")
        written: set[tuple[str, str]] = set()
        for (_index, _prefix, res), state in zip(resources, states):
            rtype, rid = res["resourceType"], res["id"]
            op = "update" if (state and state[1]) or (rtype, rid) in written else "create"
            written.add((rtype, rid))
            if op == "update":
                self.store.outbox.keep_base(rtype, rid)
            self.store.put(res)
            self.store.outbox.enqueue(rtype, rid, op)
            changes.note(op, rtype, patient_id_of(res))
        changes.outbox = True

    def save_resources(self, resources: list[Resource], *, action: str = "save") -> ChangeSet:
        """Validate and save in one transaction of its own."""
        with self.store.transaction():
            return self.write(resources, action=action)

    def write(self, resources: list[Resource], *, action: str, entity: tuple[str, str] | None = None,
              detail: dict[str, Any] | None = None) -> ChangeSet:
        """Validate and save inside the caller's transaction (a use case that writes more
        than records, such as an HN counter, keeps it all in one). One audit entry: the
        action, what changed, and the `entity` (type, id) and `detail` given."""
        changes = ChangeSet()
        self.write_part(resources, changes, author=True)
        entity_type, entity_id = entity or (None, None)
        self.store.audit.append(actor=self.actor.name, action=action, entity_type=entity_type, entity_id=entity_id,
                                detail={**(detail or {}), **changes.summary()})
        return changes

    def write_part(self, resources: list[Resource], changes: ChangeSet, *, author: bool = False) -> None:
        """Validate and store part of a long import inside the caller's transaction, adding to
        `changes`; the caller writes the one audit entry of the whole (a 43-file import
        stores a few people at a time: services/interop_stage.py). `author`: stamp the
        records with the actor, as `write` does."""
        self.store.require_transaction()
        ready = self._prepare([(None, "", r) for r in resources])
        if author:
            ready = [(i, p, stamp_author(r, self.actor.name)) for i, p, r in ready]
        self._store(ready, changes)

    def write_addressed(self, resource: Resource, *, action: str, entity: tuple[str, str],
                        detail: dict[str, Any] | None = None) -> ChangeSet:
        """Store this unit's change to a record another facility owns and addresses to it (a
        referral's Task, whose status the receiving facility moves: the hub allows exactly
        that, hub/rules.py), inside the caller's transaction: validated, kept under its
        owner's tag (never re-tagged as this unit's), queued for the hub as an update of the
        version it was based on, audited."""
        self.store.require_transaction()
        problems = validate_resource(resource, index=None, prefix="")
        if problems:
            raise _invalid(problems, "FHIR")
        changes = ChangeSet()
        self._store([(None, "", resource)], changes, addressed=True)
        self.store.audit.append(actor=self.actor.name, action=action, entity_type=entity[0], entity_id=entity[1],
                                detail={**(detail or {}), **changes.summary()})
        return changes

    def rewrite(self, resources: list[Resource], *, action: str) -> ChangeSet:
        """Store records this unit already holds in a new form (a data-version migration),
        inside the caller's transaction: each queued for the hub as an ordinary change, no
        validation (the rewrite is made from stored, valid records by core code), no audit
        entry (the caller writes one for the whole rewrite)."""
        self.store.require_transaction()
        changes = ChangeSet()
        self._store([(None, "", stamp_owner(r, self.hcode)) for r in resources], changes)
        return changes

    # -- import / export ---------------------------------------------------------------

    def import_fhir(self, data: Any) -> ChangeSet:
        """Import a Bundle (any type) or one resource: all stored, or nothing."""
        entries = _entries_of(data)
        mapping: dict[str, str] = {}
        prepared: list[tuple[int | None, str, Any]] = []
        for index, prefix, full_url, res in entries:
            if isinstance(res, dict) and isinstance(res.get("resourceType"), str):
                if full_url and full_url.startswith("urn:uuid:"):
                    # The entry's own UUID becomes its id, so importing the same Bundle twice
                    # updates the same records instead of duplicating them.
                    own = full_url[len("urn:uuid:"):]
                    res = {**res, "id": res.get("id") or (own if is_valid_id(own) else new_id())}
                    mapping[full_url] = f"{res['resourceType']}/{res['id']}"
            prepared.append((index, prefix, res))
        prepared = [(i, p, rewrite_references(r, mapping)) for i, p, r in prepared]
        ready = self._prepare(prepared)
        changes = ChangeSet()
        with self.store.transaction():
            self._store(ready, changes)
            self.store.audit.append(actor=self.actor.name, action="import", detail=changes.summary())
        return changes

    def patient_ids_for_cid(self, cid: str) -> list[str]:
        return [p["id"] for p in self.store.find_patients("cid", normalise_cid(cid))]

    def export_bundle(self, *, cid: str | None = None, resource_type: str | None = None) -> Iterator[str]:
        """A collection Bundle as JSON text chunks (streamed, constant memory)."""
        patient_ids = self.patient_ids_for_cid(cid) if cid else None
        if self.store.writable:
            with self.store.transaction():
                self.store.audit.append(actor=self.actor.name, action="export",
                                        detail={"by_patient": bool(cid), "type": resource_type})
        else:  # a rescue from a damaged or read-only database cannot be written in its trail
            log.warning("export from a database that cannot be written: it is not in the trail")
        yield '{"resourceType":"Bundle","type":"collection","entry":['
        first = True
        for res in self.store.iter_resources(resource_type=resource_type, patient_ids=patient_ids):
            entry = json.dumps({"fullUrl": f"{res['resourceType']}/{res['id']}", "resource": res},
                               ensure_ascii=False)
            yield entry if first else "," + entry
            first = False
        yield "]}\n"

    # -- status and demo -----------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        outbox = self.store.outbox.counts()
        return {
            "hcode": self.hcode,
            "facility_name": self.store.settings.get("facility_name"),
            "training_mode": bool(self.store.settings.get("training_mode")),
            "hub_url": self.store.settings.get("hub_url") or None,
            "counts": self.store.counts_by_type(),
            "outbox": {"pending": outbox.get("pending", 0) + outbox.get("sending", 0),
                       "failed": outbox.get("failed", 0), "conflict": outbox.get("conflict", 0)},
            "last_sync": self.store.checkpoints.get("last_sync"),
            "last_sync_error": self.store.settings.get("last_sync_error"),
            # a desktop that joined the unit relay: whom the last sync talked to (relay, cloud)
            "relay_url": self.store.settings.get("relay_url") or None,
            "last_partner": self.store.checkpoints.get(LAST_PARTNER) if self.store.settings.get("relay_url") else None,
        }

    def load_demo(self, patients: int, *, seed: int = 1, batch: int = 500,
                  progress: Progress | None = None) -> ChangeSet:
        """Generate and save demo patients, `batch` patients per transaction."""
        from clinic_app.core import demo  # the generator and its name lists load only when asked for

        changes = ChangeSet()
        chunk: list[Resource] = []
        done = 0
        for person in demo.generate(patients, seed=seed, hcode=self.hcode):
            chunk.extend(person.resources)
            done += 1
            if done % batch == 0 or done == patients:
                changes.merge(self.save_resources(chunk, action="demo-data"))
                chunk = []
                if progress is not None and progress(done, patients) is False:
                    raise Cancelled(done)
        return changes


def _entries_of(data: Any) -> list[tuple[int | None, str, str | None, Any]]:
    """(index, path prefix, fullUrl, resource) for each resource in the input."""
    if not isinstance(data, dict):
        raise _invalid([Problem(None, "(file)", "not a JSON object", "ไม่ใช่ออบเจกต์ JSON")], "FHIR")
    if data.get("resourceType") != "Bundle":
        return [(None, "", None, data)]
    entries = data.get("entry")
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise _invalid([Problem(None, "entry", "must be a list", "ต้องเป็นรายการ (list)")], "FHIR")
    out: list[tuple[int | None, str, str | None, Any]] = []
    bad: list[Problem] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or "resource" not in entry:
            bad.append(Problem(i, f"entry[{i}]", "has no resource", "ไม่มี resource"))
            continue
        full_url = entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else None
        out.append((i, f"entry[{i}].resource.", full_url, entry["resource"]))
    if bad:
        raise _invalid(bad, "FHIR")
    if not out:
        raise _invalid([Problem(None, "entry", "the Bundle has no entries", "Bundle นี้ไม่มีรายการเลย")], "FHIR")
    return out



class UseCases:
    """A group of the unit's use cases acting as `actor` over one store, saving through one
    RecordService (validation, outbox, audit); `hcode` is the unit's facility code."""

    def __init__(self, store: RecordStore, *, actor: Actor) -> None:
        self.store = store
        self.actor = actor
        self.records = RecordService(store, actor=actor)

    @property
    def hcode(self) -> str:
        return self.records.hcode
