"""Patients recorded twice, and merging them (one citizen ID is one patient).

Registration refuses a second record with a citizen ID already here, but two records can
still arrive: two desktops of one unit that both register the same person while offline
(each with its own HN) and then sync, old data, a 43-file import. `DuplicateService`
lists them and lets an administrator merge one into the other:

- `groups()`: this facility's active Patients that share a citizen ID, grouped, each with
  its HN, name, birth date, sex, how many visits and other records it has, and when its
  records were first and last stored here.
- `merge(keep_id, drop_id)`: both this facility's, both in use, the same citizen ID (else
  refused, nothing written). Every record of the dropped patient that this unit owns
  (Encounter, Observation, Condition, MedicationDispense, Immunization,
  AllergyIntolerance, ... whatever the patient index links to it) is re-pointed to the
  kept one; the kept one gains the identifiers it lacks (the dropped HN as `use: old`, so
  that HN still finds the person) and `link: replaces`; the dropped one becomes
  `active: false` with `link: replaced-by` (FHIR's shape of a Patient merge). These are
  ordinary local updates, so each goes to the hub once through the outbox and the unit's
  other desktops receive them with their next pull. One transaction, one audit entry
  (`patient-merge`, naming both ids; never a citizen ID or a name).

After a merge the replaced record holds no look-up keys (core/fhir.py `patient_index`):
the find box, the citizen-ID check of registration and HN look-ups find only the kept
one; opening the replaced one's chart opens the kept one (`current_patient_id`), whose
chart also shows anything still filed under a record it replaced (a visit another desktop
saved against it before it heard of the merge: `merged_patient_ids`). Nothing is deleted.
Records of other facilities (a referral Task addressed here) are not this unit's to
rewrite and stay as they are; the kept chart still shows them.

This module only asks the store; it holds no SQL.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from clinic_app.core.changes import ChangeSet
from clinic_app.core.errors import InvalidInputError
from clinic_app.core.fhir import Resource, owner_of, patient_cid, patient_links, reference_id, replaced_by
from clinic_app.core.identifiers import is_local_system
from clinic_app.core.permissions import require
from clinic_app.core.thai import mask_cid, normalise_cid
from clinic_app.core.worklist import display_name, own_hn
from clinic_app.services.records import UseCases
from clinic_app.store.record_store import RecordStore

MERGE_ACTION = "patient-merge"
MAX_LINKS = 50  # a chain of merges longer than this is a loop or a mistake: stop following it


class MergeRefusedError(InvalidInputError):
    """These two records cannot be merged; nothing was written."""

    code = "merge-refused"


@dataclass(frozen=True)
class DuplicatePatient:
    id: str
    hn: str                   # the record's own HN (not one it kept from a merge)
    name: str
    birth_date: str | None    # ISO date
    sex: str | None           # FHIR gender code
    visits: int               # Encounters
    records: int              # every other record about the patient (vital signs, diagnoses, drugs ...)
    first_recorded: str | None  # earliest time any of the patient's records was stored here
    last_updated: str | None    # latest


@dataclass(frozen=True)
class DuplicateGroup:
    masked_cid: str
    patients: tuple[DuplicatePatient, ...]


def current_patient_id(store: RecordStore, patient_id: str) -> str:
    """The record in use for this patient: the id itself, or the record it was merged into
    (followed along `replaced-by` links, as far as the records are here)."""
    seen = {patient_id}
    current = patient_id
    for _ in range(MAX_LINKS):
        successor = replaced_by(store.get("Patient", current))
        if successor is None or successor in seen or store.get("Patient", successor) is None:
            return current
        seen.add(successor)
        current = successor
    return current


def merged_patient_ids(store: RecordStore, patient_id: str) -> list[str]:
    """The records merged into this one, directly or through earlier merges (`replaces`)."""
    found: list[str] = []
    todo = [patient_id]
    while todo and len(found) < MAX_LINKS:
        for other in patient_links(store.get("Patient", todo.pop()), "replaces"):
            if other != patient_id and other not in found:
                found.append(other)
                todo.append(other)
    return found


def _repoint(value: Any, drop_id: str, keep_id: str) -> Any:
    """A copy with every reference to Patient/drop_id made a reference to Patient/keep_id."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "reference" and isinstance(item, str) and reference_id(value, "Patient") == drop_id:
                out[key] = f"Patient/{keep_id}"
            else:
                out[key] = _repoint(item, drop_id, keep_id)
        return out
    if isinstance(value, list):
        return [_repoint(item, drop_id, keep_id) for item in value]
    return value


class DuplicateService(UseCases):
    """Duplicate patients of one facility, acting as `actor`, over one store."""

    # -- finding them --------------------------------------------------------------------

    def groups(self) -> list[DuplicateGroup]:
        """This facility's active Patients that share a citizen ID, one group per citizen ID."""
        require(self.actor, "record.read")
        shared = [(cid, [p for p in found if p.get("active") is not False])
                  for cid, found in self.store.patients_sharing("cid", owner=self.hcode)]
        shared = [(cid, found) for cid, found in shared if len(found) > 1]
        counts = self.store.record_counts(p["id"] for _cid, found in shared for p in found)
        out = []
        for cid, found in shared:
            rows = []
            for p in found:
                about = counts.get(p["id"], {"types": {}, "first": None, "last": None})
                types = about["types"]
                rows.append(DuplicatePatient(
                    id=p["id"], hn=own_hn(p), name=display_name(p), birth_date=p.get("birthDate"),
                    sex=p.get("gender"), visits=types.get("Encounter", 0),
                    records=sum(n for t, n in types.items() if t not in ("Patient", "Encounter")),
                    first_recorded=about["first"], last_updated=about["last"]))
            out.append(DuplicateGroup(mask_cid(cid), tuple(rows)))
        return out

    def patient_id_for(self, text: str) -> str:
        """A patient in use named by its HN or its id (the command line's --keep / --drop).
        Refused when nothing or more than one record answers to it (two desktops may have
        given the same HN to different records: then the id says which)."""
        text = text.strip()
        if self.store.get("Patient", text) is not None:
            return text
        found = self.store.find_patients("hn", text) if text else []
        if len(found) > 1:  # an HN kept from a merge (use: old) yields to a record's own HN
            found = [p for p in found if own_hn(p) == text] or found
        if len(found) == 1:
            return str(found[0]["id"])
        if not found:
            raise MergeRefusedError("ไม่พบผู้ป่วยที่มี HN หรือรหัสนี้", "No patient has this HN or id.")
        raise MergeRefusedError("มีผู้ป่วยหลายรายที่ใช้ HN นี้ โปรดระบุรหัสผู้ป่วย (id) แทน ดูได้จากรายการผู้ป่วยซ้ำ",
                                "More than one patient has this HN: give the patient's id instead (listed with "
                                "`clinic-app patients duplicates`).")

    # -- merging them -------------------------------------------------------------------

    def _mergeable(self, patient_id: str) -> Resource:
        patient = self.store.get("Patient", patient_id)
        if patient is None:
            raise MergeRefusedError("ไม่พบผู้ป่วย", "No such patient.")
        if owner_of(patient) not in (None, self.hcode):
            raise MergeRefusedError("แฟ้มนี้เป็นของหน่วยบริการอื่น รวมได้เฉพาะแฟ้มของหน่วยนี้",
                                    "That record belongs to another facility; only this unit's records are merged.")
        if replaced_by(patient) or patient.get("active") is False:
            raise MergeRefusedError("แฟ้มนี้ถูกรวมเข้ากับแฟ้มอื่นแล้ว หรือเลิกใช้แล้ว",
                                    "That record was merged into another already, or is no longer in use.")
        return patient

    def merge(self, keep_id: str, drop_id: str) -> ChangeSet:
        """Merge the record `drop_id` into `keep_id` (administrators): every record of the
        dropped one this unit owns moves to the kept one, which gains its identifiers; the
        dropped one is marked replaced. One transaction, one audit entry."""
        require(self.actor, "data.maintain")
        if keep_id == drop_id:
            raise MergeRefusedError("เลือกแฟ้มเดียวกันทั้งสองฝั่ง โปรดเลือกแฟ้มที่จะเก็บและแฟ้มที่จะรวมเข้าไป",
                                    "Keep and drop are the same record: choose two records.")
        with self.store.transaction():
            keep, drop = self._mergeable(keep_id), self._mergeable(drop_id)
            cid_keep, cid_drop = patient_cid(keep), patient_cid(drop)
            if not cid_keep or not cid_drop or normalise_cid(cid_keep) != normalise_cid(cid_drop):
                raise MergeRefusedError("แฟ้มทั้งสองมีเลขประจำตัวประชาชนไม่ตรงกัน (หรือไม่มี) "
                                        "รวมได้เฉพาะแฟ้มที่เลขประจำตัวประชาชนเดียวกัน",
                                        "The two records do not share a citizen ID; only records with the same "
                                        "citizen ID are merged.")
            moved = [_repoint(r, drop_id, keep_id) for r in self.store.chart(drop_id)
                     if r["resourceType"] != "Patient" and owner_of(r) in (None, self.hcode)]
            return self.records.write([self._kept(keep, drop), self._dropped(drop, keep_id), *moved],
                                      action=MERGE_ACTION, entity=("Patient", keep_id),
                                      detail={"kept": keep_id, "replaced": drop_id, "moved": len(moved)})

    def _kept(self, keep: Resource, drop: Resource) -> Resource:
        out = copy.deepcopy(keep)
        identifiers = out.setdefault("identifier", [])

        def key(ident: dict[str, Any]) -> tuple[str, str]:
            system, value = str(ident.get("system", "")), str(ident.get("value", ""))
            return ("cid", normalise_cid(value)) if self.store.systems.is_cid(system) else (system, value)

        have = {key(i) for i in identifiers if isinstance(i, dict)}
        for ident in drop.get("identifier", []) or []:
            if not isinstance(ident, dict) or not ident.get("value") or key(ident) in have:
                continue
            extra = copy.deepcopy(ident)
            if is_local_system(str(ident.get("system", "")), "HN"):
                extra["use"] = "old"  # the dropped record's HN still finds the person, never as the current one
            identifiers.append(extra)
            have.add(key(ident))
        out["link"] = [*(out.get("link") or []), {"other": {"reference": f"Patient/{drop['id']}"}, "type": "replaces"}]
        return out

    @staticmethod
    def _dropped(drop: Resource, keep_id: str) -> Resource:
        out = copy.deepcopy(drop)
        out["active"] = False
        out["link"] = [*(out.get("link") or []), {"other": {"reference": f"Patient/{keep_id}"}, "type": "replaced-by"}]
        return out
