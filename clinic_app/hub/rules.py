"""Health Link's rules, as the sandbox hub enforces them for an authenticated facility.

- A facility writes only resources tagged with its own hcode (meta.tag); it may not
  touch another facility's records, nor the Organization directory.
- Reading: a facility's own records, the Organization directory, Consents it asked for,
  Tasks addressed to it (and the ServiceRequests they point at) are always readable.
  Another facility's patient records need an active Consent for that patient (by citizen
  ID) naming the reader as recipient, for treatment, in its period; or, for the records of
  the facility that refers the patient to the reader, the referral while it is open (a Task
  the referring facility wrote about its own patient, owned by the reader: requested,
  received, accepted, in progress or on hold); or a break-the-glass token for that patient. Otherwise 403 with an
  OperationOutcome saying consent is needed.
- Every cross-facility read is recorded as an AuditEvent (who, which facility, which
  patient, why); break-the-glass access is recorded when the token is issued.
- Consent: a facility creates it `proposed`, for itself only (one actor, itself as the
  recipient, IRCP), `permit`, for treatment, with a period of at most a year; only the
  patient (the phone app, simulated by the admin calls) moves it to `active` or
  `rejected`, and `active` to `inactive`. After creation the requester may only withdraw a
  proposed request (`entered-in-error`); every other change is refused, so what a consent
  covers is what the patient saw. Only an active `permit` grants, and only to its
  recipient actor, for its purpose, within its period.
- A record is about the patient it was written for: a reference to a Patient counts only
  when that Patient belongs to the record's own facility; a deleted id is never taken over
  by another facility.
- Task (referral): status changes follow the FHIR Task state machine; the Task's owner
  (the receiving facility) may move its status (with a reason), its business status and
  add outputs; nothing else, although the requester owns the record.
- AuditEvents posted by a facility speak only for that facility's own agents.

With no auth (`--no-auth`) there is no facility, so none of this applies.
"""

from __future__ import annotations

import datetime as _dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from clinic_app.core.audit import FACILITY_EXTENSION, access_event
from clinic_app.core.fhir import consent_cid, owner_of, patient_cid, patient_pointers
from clinic_app.core.identifiers import HCODE_SYSTEM
from clinic_app.hub.auth import Caller
from clinic_app.hub.errors import HubError
from clinic_app.hub.search import Criteria, format_instant, normalise_reference
from clinic_app.hub.storage import HubStore, Stored

HUB_TAG = {"system": HCODE_SYSTEM, "code": "hub"}
PUBLIC_TYPES = {"Organization"}

CONSENT_BY_FACILITY = {("proposed", "entered-in-error")}
CONSENT_PURPOSES = {"TREAT", "ETREAT"}
RECIPIENT = "IRCP"
MAX_CONSENT_DAYS = 366
ACROSS_FACILITIES = ("consent", "btg", "referral")  # the reasons another facility's patient records are read
REFERRAL_OPEN = ("requested", "received", "accepted", "in-progress", "on-hold")  # a referral that lets its owner read
TASK_OWNER_MAY_CHANGE = {"status", "statusReason", "businessStatus", "output", "lastModified"}
TASK_TRANSITIONS = {
    "draft": {"requested", "cancelled"},
    "requested": {"received", "accepted", "rejected", "cancelled"},
    "received": {"accepted", "rejected", "cancelled"},
    "accepted": {"in-progress", "completed", "cancelled", "failed"},
    "in-progress": {"completed", "failed", "on-hold", "cancelled"},
    "on-hold": {"in-progress", "cancelled", "failed"},
}


def consent_needed(what: str) -> HubError:
    """The one answer for a record that is another facility's, or not there at all."""
    return HubError(403, f"consent needed: {what} is not this facility's to read; ask the patient for consent "
                         "(Consent with status proposed) or use break-the-glass in an emergency",
                    code="security")


def _refs(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [normalise_reference(v["reference"]) for v in items
            if isinstance(v, dict) and isinstance(v.get("reference"), str)]


@dataclass
class Access:
    """Why a resource may be read: own, public, addressed, consent, btg."""

    reason: str
    patient_cid: str | None = None


class Policy:
    def __init__(self, store: HubStore) -> None:
        self.store = store

    # -- who a record is about ------------------------------------------------------------

    def patient_cid(self, resource: dict[str, Any]) -> str | None:
        if resource.get("resourceType") == "Patient":
            return patient_cid(resource)
        if resource.get("resourceType") == "Consent":
            return consent_cid(resource)
        for value in patient_pointers(resource):
            for ref in _refs(value):
                if ref.startswith("Patient/"):
                    # Only the record's own facility's Patient counts: an id another facility
                    # took (or a missing one) must not decide who may read this record.
                    found = self.store.current("Patient", ref.split("/", 1)[1])
                    if found is None or found.deleted or owner_of(found.resource or {}) != owner_of(resource):
                        return None
                    return patient_cid(found.resource)
            if isinstance(value, dict) and not _refs(value):  # a reference by identifier
                return consent_cid({"patient": value})
        return None

    @staticmethod
    def owner(stored: Stored) -> str | None:
        """The facility a stored record belongs to (a deleted one: its last owner)."""
        return owner_of(stored.resource or {})

    # -- writes -------------------------------------------------------------------------------

    def check_write(self, caller: Caller, rtype: str, new: dict[str, Any] | None, existing: Stored | None) -> None:
        if not caller.enforced:
            return
        me = caller.hcode
        if rtype in PUBLIC_TYPES:
            raise HubError(403, "the Organization directory is kept by the hub, not by facilities", code="forbidden")
        if new is not None and len(_owner_tags(new)) > 1:
            raise HubError(422, f"a resource carries one facility tag ({HCODE_SYSTEM}); this one has "
                                f"{len(_owner_tags(new))}", code="business-rule", expression=["meta.tag"])
        old = existing.resource if existing and not existing.deleted else None
        if existing is not None and existing.deleted and owner_of(existing.resource or {}) not in (None, me):
            raise HubError(403, f"{rtype}/{existing.id} was another facility's record; its id is not reused",
                           code="forbidden")
        if rtype == "Task" and old is not None and new is not None and me in _task_owner(old) \
                and owner_of(old) != me:
            self._check_task_by_owner(old, new)
            return
        if old is not None and owner_of(old) != me:
            raise HubError(403, f"{rtype}/{existing.id if existing else ''} belongs to facility {owner_of(old)}; "
                                "a facility writes only its own records", code="forbidden")
        if new is None:
            if rtype == "Consent":
                raise HubError(403, "a Consent is never deleted; withdraw it (entered-in-error)", code="forbidden")
            return
        if owner_of(new) != me:
            raise HubError(403, f"tag the resource with your facility code (meta.tag {HCODE_SYSTEM}|{me}); "
                                "a facility writes only its own records", code="forbidden",
                           expression=["meta.tag"])
        if rtype == "Consent":
            self._check_consent_by_facility(old, new, me)
        elif rtype == "Task":
            self._check_task(old, new)
        elif rtype == "AuditEvent":
            self._check_audit_event(new, me)

    @staticmethod
    def _check_consent_by_facility(old: dict[str, Any] | None, new: dict[str, Any], me: str | None) -> None:
        before, after = (old or {}).get("status"), new.get("status")
        if old is None:
            if after != "proposed":
                raise HubError(403, "a facility creates a Consent as proposed; only the patient grants it",
                               code="forbidden", expression=["status"])
            _check_consent_request(new, me)
            return
        if not _same_except(old, new, {"status"}):
            raise HubError(403, "only the patient changes what a consent covers; a facility may only withdraw "
                                "its own request (status entered-in-error)", code="forbidden")
        if before != after and (before, after) not in CONSENT_BY_FACILITY:
            raise HubError(403, f"a facility cannot move a Consent from {before} to {after}; "
                                "only the patient does that in the phone app", code="forbidden", expression=["status"])

    @staticmethod
    def _check_task_by_owner(old: dict[str, Any], new: dict[str, Any]) -> None:
        """The receiving facility moves the referral's status and adds its outputs; nothing else."""
        if not _same_except(old, new, TASK_OWNER_MAY_CHANGE):
            changed = sorted(k for k in (set(old) | set(new)) - TASK_OWNER_MAY_CHANGE - {"meta", "id"}
                             if old.get(k) != new.get(k))
            raise HubError(403, "the receiving facility may change a Task's status and add its output, not "
                                + (", ".join(changed) or "its facility tag"), code="forbidden",
                           expression=changed or ["meta.tag"])
        kept = old.get("output") or []
        if (new.get("output") or [])[:len(kept)] != kept:
            raise HubError(403, "a Task's outputs are added to, never changed or removed", code="forbidden",
                           expression=["output"])
        Policy._check_task(old, new)

    @staticmethod
    def _check_audit_event(event: dict[str, Any], me: str | None) -> None:
        """A facility records only what its own people and desktops did."""
        for i, agent in enumerate(event.get("agent", []) or []):
            facilities = {str((ext.get("valueIdentifier") or {}).get("value")) for ext in agent.get("extension", []) or []
                          if isinstance(ext, dict) and ext.get("url") == FACILITY_EXTENSION}
            if facilities != {me}:
                raise HubError(403, "an AuditEvent a facility posts names that facility (agent facility extension) "
                                    "for every agent; the hub records other facilities' access itself",
                               code="forbidden", expression=[f"agent[{i}]"])

    @staticmethod
    def _check_task(old: dict[str, Any] | None, new: dict[str, Any]) -> None:
        before, after = (old or {}).get("status"), new.get("status")
        if old is None or before == after:
            return
        if after not in TASK_TRANSITIONS.get(str(before), set()):
            raise HubError(422, f"a Task cannot go from {before} to {after}", code="business-rule",
                           expression=["status"])

    # -- reads ----------------------------------------------------------------------------------

    def access(self, caller: Caller, stored: Stored, bases: dict[str, Any] | None = None) -> Access | None:
        """Why this caller may read this record, or None. `bases` keeps, for one request,
        the consents and referrals looked up once (`filter` passes one for all its results)."""
        if not caller.enforced:
            return Access("open")
        res = stored.resource or {}
        me = caller.hcode
        if stored.type in PUBLIC_TYPES:
            return Access("public")
        if owner_of(res) == me:
            return Access("own")
        if stored.type == "Consent" and f"Organization/{me}" in _consent_actors(res):
            return Access("addressed")
        if stored.type == "Task" and me in _task_owner(res):
            return Access("addressed")
        if stored.type == "ServiceRequest" and f"Organization/{me}" in _refs(res.get("performer")):
            return Access("addressed")
        if stored.type in ("AuditEvent", "Provenance"):
            return None
        cid = self.patient_cid(res)
        if cid is None:
            return None
        if caller.btg_cid == cid:
            return Access("btg", cid)
        bases = {} if bases is None else bases
        if "consent" not in bases:
            bases["consent"] = self.consented_cids(me)
        if cid in bases["consent"]:
            return Access("consent", cid)
        if "referral" not in bases:
            bases["referral"] = self.referrals_to(me)
        if (cid, owner_of(res)) in bases["referral"]:
            return Access("referral", cid)
        return None

    def referred_cids(self, hcode: str | None) -> set[str]:
        """Citizen IDs of the patients referred to this facility by a referral still open."""
        return {cid for cid, _referring in self.referrals_to(hcode)}

    def referrals_to(self, hcode: str | None) -> set[tuple[str, str]]:
        """(citizen ID, referring facility) of each referral to this facility still open: a
        Task it owns (REFERRAL_OPEN) written by another facility about that facility's own
        patient (its `for`). It opens that facility's records of the patient, no one else's
        (those need the patient's consent); a Task a facility writes to itself, or about
        another facility's patient, opens nothing."""
        from clinic_app.hub.search import Condition

        crit = Criteria(count=1000)
        crit.conditions = [Condition("owner", [(None, f"Organization/{hcode}")]),
                           Condition("status", [(None, s) for s in REFERRAL_OPEN])]
        found, _ = self.store.search("Task", crit)
        cids = set()
        for task in found:
            referring = owner_of(task.resource or {})
            if referring is None or referring == hcode:
                continue
            pointer = str(((task.resource or {}).get("for") or {}).get("reference") or "")
            patient = self.store.current("Patient", pointer.split("/", 1)[1]) if pointer.startswith("Patient/") else None
            if patient is None or not patient.resource or owner_of(patient.resource) != referring:
                continue
            cid = patient_cid(patient.resource)
            if cid:
                cids.add((cid, referring))
        return cids

    def has_consent(self, hcode: str | None, cid: str, *, purpose: str = "TREAT") -> bool:
        return cid in self.consented_cids(hcode, purpose=purpose)

    def consented_cids(self, hcode: str | None, *, purpose: str = "TREAT") -> set[str]:
        """Citizen IDs of the patients whose active permit names this facility as recipient,
        for this purpose, today."""
        now = format_instant(_dt.datetime.now(_dt.timezone.utc))
        crit = Criteria(count=1000)
        from clinic_app.hub.search import Condition

        crit.conditions = [Condition("status", [(None, "active")]), Condition("actor", [(None, f"Organization/{hcode}")])]
        found, _ = self.store.search("Consent", crit)
        cids = set()
        for consent in found:
            res = consent.resource or {}
            cid = consent_cid(res)
            provision = res.get("provision") or {}
            if cid is None or provision.get("type") != "permit" or f"Organization/{hcode}" not in _recipients(res):
                continue  # a deny grants nothing; an organization named elsewhere is not the recipient
            purposes = {c.get("code") for c in provision.get("purpose", []) or []}
            if purpose not in purposes:
                continue
            period = provision.get("period") or {}
            if period.get("start") and _instant(period["start"]) > now:
                continue
            if period.get("end") and _instant(period["end"], end=True) < now:
                continue
            cids.add(cid)
        return cids

    def readable_cids(self, caller: Caller) -> set[str]:
        """Every patient whose records at other facilities this caller may read now."""
        cids = self.consented_cids(caller.hcode) | self.referred_cids(caller.hcode)
        if caller.btg_cid:
            cids.add(caller.btg_cid)
        return cids

    def require_read(self, caller: Caller, stored: Stored) -> Access:
        access = self.access(caller, stored)
        if access is None:
            raise consent_needed("this record")
        return access

    def filter(self, caller: Caller, found: Iterable[Stored]) -> tuple[list[Stored], list[Access]]:
        """The results this caller may read, with why."""
        kept, accesses = [], []
        bases: dict[str, Any] = {}  # the caller's consents and referrals, looked up once for all of them
        for stored in found:
            access = self.access(caller, stored, bases)
            if access is not None:
                kept.append(stored)
                accesses.append(access)
        return kept, accesses

    # -- audit ---------------------------------------------------------------------------------

    def audit_reads(self, caller: Caller, accesses: Iterable[Access], *, what: str) -> None:
        """One AuditEvent per patient read across facilities in one request."""
        if not caller.enforced:
            return
        seen: dict[str, str] = {}
        for access in accesses:
            if access.reason in ACROSS_FACILITIES and access.patient_cid:
                seen[access.patient_cid] = access.reason
        for cid, reason in seen.items():
            self.record(audit_event(caller, cid, purpose="BTG" if reason == "btg" else "TREAT",
                                    action="R", outcome_text=what))

    def record(self, event: dict[str, Any]) -> None:
        self.store.put("AuditEvent", str(uuid.uuid4()), event, method="POST")


def audit_event(caller: Caller, cid: str, *, purpose: str, action: str, outcome_text: str,
                break_glass: bool = False, reason: str | None = None) -> dict[str, Any]:
    return access_event(who=caller.client_id or "?", facility=caller.hcode, cid=cid, purpose=purpose,
                        action=action, outcome_text=outcome_text, break_glass=break_glass, reason=reason,
                        tag=HUB_TAG, source="Health Link sandbox hub")


def _consent_actors(consent: dict[str, Any]) -> list[str]:
    out = []
    for actor in (consent.get("provision") or {}).get("actor", []) or []:
        out += _refs(actor.get("reference"))
    return out


def _recipients(consent: dict[str, Any]) -> list[str]:
    """The provision's actors in the recipient role (IRCP)."""
    out = []
    for actor in (consent.get("provision") or {}).get("actor", []) or []:
        roles = {c.get("code") for c in ((actor.get("role") or {}).get("coding") or [])}
        if RECIPIENT in roles:
            out += _refs(actor.get("reference"))
    return out


def _check_consent_request(consent: dict[str, Any], me: str | None) -> None:
    """A new consent request asks for what a desktop may ask: this facility as the one
    recipient, permit, treatment, a bounded period, the patient by citizen ID."""
    def refuse(what: str, where: str) -> HubError:
        return HubError(422, f"a consent request {what}", code="business-rule", expression=[where])

    if not consent_cid(consent):
        raise HubError(422, "Consent.patient must name the patient by citizen ID (patient.identifier)",
                       code="required", expression=["patient"])
    provision = consent.get("provision") or {}
    if provision.get("type") != "permit":
        raise refuse("permits (provision.type permit)", "provision.type")
    mine = f"Organization/{me}"
    if _consent_actors(consent) != [mine] or _recipients(consent) != [mine]:
        raise refuse("names the requesting facility, and only it, as the recipient (actor role IRCP)",
                     "provision.actor")
    if any(ref != mine for ref in _refs(consent.get("organization"))):
        raise refuse("is managed by the requesting facility only", "organization")
    if provision.get("provision"):
        raise refuse("has no nested provisions", "provision.provision")
    purposes = {c.get("code") for c in provision.get("purpose", []) or []}
    if not purposes or not purposes <= CONSENT_PURPOSES:
        raise refuse("is for treatment (purpose TREAT or ETREAT)", "provision.purpose")
    period = provision.get("period") or {}
    if not period.get("start") or not period.get("end"):
        raise refuse("has a period with a start and an end", "provision.period")
    try:
        start = _dt.date.fromisoformat(str(period["start"])[:10])
        end = _dt.date.fromisoformat(str(period["end"])[:10])
    except ValueError:
        raise refuse("has a period of dates", "provision.period") from None
    if not 0 <= (end - start).days <= MAX_CONSENT_DAYS:
        raise refuse(f"lasts at most {MAX_CONSENT_DAYS} days and ends after it starts", "provision.period")


def _same_except(old: dict[str, Any], new: dict[str, Any], allowed: set[str]) -> bool:
    """Equal but for the `allowed` elements (and the server's meta.versionId/lastUpdated, and
    meta.source: which staff member wrote this version)."""
    def strip(resource: dict[str, Any]) -> dict[str, Any]:
        meta = {k: v for k, v in (resource.get("meta") or {}).items() if k not in ("versionId", "lastUpdated", "source")}
        out = {k: v for k, v in resource.items() if k not in allowed | {"meta", "id"}}
        if meta:
            out["meta"] = meta
        return out

    return strip(old) == strip(new)


def _owner_tags(resource: dict[str, Any]) -> list[str]:
    return [str(t.get("code")) for t in (resource.get("meta") or {}).get("tag", []) or []
            if isinstance(t, dict) and t.get("system") == HCODE_SYSTEM]


def _task_owner(task: dict[str, Any]) -> list[str]:
    return [r.split("/", 1)[1] for r in _refs(task.get("owner")) if r.startswith("Organization/")]


def _instant(text: str, *, end: bool = False) -> str:
    from clinic_app.hub.search import to_instant

    if end and len(text) == 10:
        return text + "T23:59:59.999999Z"
    return to_instant(text)
