"""Consent and record requests, records from other facilities, emergency access.

- A consent request is a Consent (proposed, the patient by citizen ID, this unit as the
  recipient, a purpose and a period) saved like any record: offline it waits in the
  outbox; the patient's answer arrives with the normal pull.
- A record request ("fetch this patient's records once consent is granted") is kept
  locally; after each sync `refresh` fetches what is granted and ends what is not.
- Records from other facilities live apart from the unit's own (`foreign_records`), each
  sealed under its grant's own key (security/grants.py); when the consent ends (revoked,
  rejected, expired) the records are deleted and the key destroyed, so an old backup
  cannot read them either. They are never pushed.
- Emergency access (break-the-glass) needs the hub, a clinician, a written reason; the
  records it brings are kept for `BTG_HOURS` hours. Every view of another facility's
  records writes an AuditEvent that syncs to the hub.
"""

from __future__ import annotations

import datetime as _dt
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from clinic_app.core.audit import access_event, is_break_glass
from clinic_app.core.changes import ChangeSet, Done
from clinic_app.core.errors import (
    ConsentNeededError,
    HubUnreachableError,
    InvalidInputError,
    KeyMissingError,
    KnownError,
    Problem,
)
from clinic_app.core.fhir import Resource, consent_cid, owner_of, summary
from clinic_app.core.identifiers import CID_SYSTEM, HCODE_SYSTEM
from clinic_app.core.permissions import Actor, require
from clinic_app.core.thai import cid_problem, format_thai_date, mask_cid, normalise_cid
from clinic_app.core.words import record_date
from clinic_app.services.installation import Installation
from clinic_app.services.records import RecordService
from clinic_app.store.record_store import RecordStore
from clinic_app.sync.client import HubClient
from clinic_app.sync.foreign import fetch_patient_records, still_addressed

BTG_HOURS = 12
MIN_REASON = 20
PURPOSES = {"TREAT": "การรักษา / treatment", "ETREAT": "ฉุกเฉิน / emergency treatment"}

STATE_LABELS = {
    "queued": ("รอส่ง (ยังไม่ได้ส่งถึงระบบกลาง)", "queued (not sent yet)"),
    "waiting": ("รอผู้ป่วยอนุญาตในแอป", "waiting for the patient's approval in the phone app"),
    "granted": ("อนุญาตแล้ว", "granted"),
    "rejected": ("ผู้ป่วยไม่อนุญาต", "rejected by the patient"),
    "expired": ("หมดอายุ", "expired"),
    "revoked": ("ผู้ป่วยยกเลิกแล้ว", "revoked by the patient"),
    "withdrawn": ("ถอนคำขอแล้ว", "withdrawn"),
}


def _today() -> _dt.date:
    return _dt.datetime.now(_dt.timezone.utc).date()


def _seal_all(keys: Any, grant_id: str, records: list[Resource]) -> list[tuple[str, str, str | None, bytes]]:
    """Each record sealed under the grant's key (made now if new), bound to its type and id."""
    keys.create(grant_id)
    return [(r["resourceType"], r["id"], owner_of(r),
             keys.seal(grant_id, f"{r['resourceType']}/{r['id']}", json.dumps(r, ensure_ascii=False).encode()))
            for r in records]


@dataclass(frozen=True)
class EmergencyPlan:
    """A checked emergency access, waiting for its records from the hub (`connect` makes
    the hub client without touching the database, so the fetch can run on any thread)."""

    cid: str
    reason: str
    hcode: str
    connect: Callable[[], HubClient] | None = field(default=None, compare=False)


def fetch_emergency(plan: EmergencyPlan, client: HubClient) -> list[Resource]:
    """The network step of an emergency access (no database: it runs on the network worker)."""
    client.token_extra = {"purpose_of_use": "BTG", "patient_identifier": f"{CID_SYSTEM}|{plan.cid}",
                          "reason": plan.reason}
    try:
        return fetch_patient_records(client, plan.cid, own_hcode=plan.hcode)
    except HubUnreachableError as exc:
        raise EmergencyNeedsHubError() from exc


class ConsentEndedError(KnownError):
    code = "consent-ended"

    def __init__(self) -> None:
        super().__init__("ความยินยอมของประวัติชุดนี้สิ้นสุดแล้ว (ข้อมูลมาจากไฟล์สำรองก่อนผู้ป่วยยกเลิก) จึงเปิดดูไม่ได้ "
                         "หากต้องการดูอีก โปรดขอความยินยอมใหม่",
                         "The consent for these records has ended (they came back with a backup made before it "
                         "ended), so they cannot be opened. Ask the patient for consent again to see them.")


class EmergencyNeedsHubError(KnownError):
    code = "emergency-offline"

    def __init__(self) -> None:
        super().__init__("การเข้าถึงฉุกเฉินต้องเชื่อมต่อระบบกลางได้ ขณะนี้ออฟไลน์ โปรดลองใหม่เมื่อเชื่อมต่อได้ "
                         "หรือโทรสอบถามโรงพยาบาลโดยตรง",
                         "Emergency access needs the hub, and this desktop is offline. Try again when the link "
                         "is back, or telephone the hospital.")


class ReasonTooShortError(KnownError):
    code = "reason-too-short"

    def __init__(self) -> None:
        super().__init__(f"โปรดเขียนเหตุผลให้ชัดเจน อย่างน้อย {MIN_REASON} ตัวอักษร (เช่น อาการและเหตุที่ต้องดูประวัติ)",
                         f"Write the reason out (at least {MIN_REASON} characters: the condition and why the "
                         "history is needed).")


class ConsentService:
    def __init__(self, store: RecordStore, inst: Installation, *, actor: Actor) -> None:
        self.store = store
        self.inst = inst
        self.actor = actor
        self.grants = store.grants
        self.records = RecordService(store, actor=actor)

    @property
    def hcode(self) -> str:
        return str(self.store.settings.get("hcode"))

    # -- consent requests ----------------------------------------------------------------

    def request_consent(self, cid: str, *, purpose: str = "TREAT", days: int = 30,
                        fetch_records: bool = True) -> Done[str]:
        """The Consent (queued for the hub) and the record request, in one transaction."""
        require(self.actor, "consent.request")
        cid = self._checked_cid(cid)
        if purpose not in PURPOSES:
            raise InvalidInputError("วัตถุประสงค์ไม่ถูกต้อง", f"Unknown purpose {purpose!r}; use TREAT.",
                                    problems=[Problem(None, "purpose", "TREAT or ETREAT", "TREAT หรือ ETREAT")])
        if not 1 <= days <= 365:
            raise InvalidInputError("ระยะเวลาต้องอยู่ระหว่าง 1 ถึง 365 วัน", "--days must be 1 to 365.")
        start = _today()
        consent = {
            "resourceType": "Consent", "id": str(uuid.uuid4()), "status": "proposed",
            "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                                  "code": "patient-privacy"}]},
            "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Consent Document"}]}],
            "patient": {"identifier": {"system": CID_SYSTEM, "value": cid}},
            "dateTime": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "organization": [{"reference": f"Organization/{self.hcode}"}],
            "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
            "provision": {
                "type": "permit",
                "period": {"start": start.isoformat(), "end": (start + _dt.timedelta(days=days)).isoformat()},
                "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                                "code": "IRCP"}]},
                           "reference": {"reference": f"Organization/{self.hcode}"}}],
                "purpose": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": purpose}],
            },
        }
        with self.store.transaction():
            changes = self.records.write([consent], action="consent-request")
            if fetch_records:
                self.grants.request_records(cid)
                changes.grants = True
        return Done(consent["id"], changes)

    def _checked_cid(self, cid: str) -> str:
        cid = normalise_cid(cid)
        why = cid_problem(cid)
        if why:
            raise InvalidInputError(why[0], why[1], problems=[Problem(None, "cid", why[1], why[0])])
        return cid

    def consents(self) -> list[dict[str, Any]]:
        """This unit's consent requests with their state, newest first."""
        out = []
        for consent in self.store.iter_resources(resource_type="Consent"):
            if owner_of(consent) != self.hcode:
                continue
            state = self.state_of(consent)
            end = ((consent.get("provision") or {}).get("period") or {}).get("end")
            th, en = STATE_LABELS[state]
            if state == "granted" and end:
                th = f"{th} ถึง {format_thai_date(_dt.date.fromisoformat(end[:10]))}"
                en = f"{en} until {end[:10]}"
            cid = consent_cid(consent)
            here = self.store.find_patients("cid", cid) if cid else []
            out.append({"consent_id": consent["id"], "cid": cid, "masked_cid": mask_cid(cid) if cid else "",
                        "name": summary(here[0]) if here else "", "state": state, "label_th": th,
                        "label_en": en, "until": end, "requested": consent.get("dateTime")})
        return sorted(out, key=lambda c: c["requested"] or "", reverse=True)

    def state_of(self, consent: Resource) -> str:
        if self.store.version_of("Consent", consent["id"]) is None:
            return "queued"
        status = consent.get("status")
        if status == "proposed":
            return "waiting"
        if status == "active":
            end = ((consent.get("provision") or {}).get("period") or {}).get("end")
            return "expired" if end and end[:10] < _today().isoformat() else "granted"
        return {"rejected": "rejected", "inactive": "revoked", "entered-in-error": "withdrawn"}.get(str(status),
                                                                                                    "withdrawn")

    # -- record requests -----------------------------------------------------------------

    def request_records(self, cid: str) -> Done[str]:
        """Queue a fetch of the patient's records; refused when no consent was asked for."""
        require(self.actor, "consent.request")
        cid = self._checked_cid(cid)
        states = {c["state"] for c in self.consents() if c["cid"] == cid}
        if not states & {"queued", "waiting", "granted"}:
            raise ConsentNeededError()
        with self.store.transaction():
            self.grants.request_records(cid)
        return Done("granted" if "granted" in states else "waiting", ChangeSet(grants=True))

    def refresh(self, client: HubClient | None) -> ChangeSet:
        """After a sync: fetch what consent now allows, end what it no longer does (each
        grant's step in its own transaction: a fetch waits on the hub between them)."""
        keys = self.inst.grant_keys()
        fetched = ended = 0
        touched: set[str] = set()  # citizen IDs whose records from elsewhere came or went
        waiting = {r["cid"] for r in self.grants.record_requests(state="waiting")}
        by_cid: dict[str, list[tuple[Resource, str]]] = {}
        for consent in self.store.iter_resources(resource_type="Consent"):
            cid = consent_cid(consent)
            if owner_of(consent) == self.hcode and cid is not None:
                by_cid.setdefault(cid, []).append((consent, self.state_of(consent)))
        for cid, items in by_cid.items():
            granted = [c for c, state in items if state == "granted"]
            for consent, state in items:
                if state == "granted":
                    end = ((consent.get("provision") or {}).get("period") or {}).get("end")
                    with self.store.transaction():
                        self.grants.upsert_grant(consent["id"], kind="consent", cid=cid, state="active",
                                                 expires_at=end)
                elif state in ("rejected", "revoked", "expired", "withdrawn"):
                    gone = self._end(keys, consent["id"])
                    ended += gone
                    if gone:
                        touched.add(cid)
            if cid not in waiting:
                continue
            if granted and client is not None:
                fetched += self._fetch(client, keys, granted[-1]["id"], cid)
                touched.add(cid)
            elif not any(state in ("queued", "waiting", "granted") for _, state in items):
                with self.store.transaction():
                    self.grants.set_request(cid, "refused", STATE_LABELS[items[-1][1]][1])
        now = _dt.datetime.now(_dt.timezone.utc).isoformat()
        for grant in self.grants.grants(state="active"):
            if grant["kind"] == "btg" and grant["expires_at"] and grant["expires_at"] < now:
                ended += self._end(keys, grant["grant_id"])
                touched.add(grant["cid"])
        changes = ChangeSet(grants=bool(fetched or ended))
        for cid in touched:  # their charts show other facilities' records: they refresh
            changes.patient_ids.update(p["id"] for p in self.store.find_patients("cid", cid))
        return changes

    def refresh_referrals(self, client: HubClient | None, referrals: dict[str, tuple[str, bool]]) -> ChangeSet:
        """The records of the patients referred to this unit ({Task id: (citizen ID, still
        open)}, services/referrals.py): fetched once under each open referral (the basis the
        hub checks), into a grant of kind "referral" named by the Task; ended (the records
        and their key gone) when the referral closes. A hub that refuses the read leaves the
        grant without records (said on the referral, tried again at the next sync)."""
        keys = self.inst.grant_keys()
        had = {g["grant_id"]: g for g in self.grants.grants() if g["kind"] == "referral"}
        touched: set[str] = set()
        referrals = dict(referrals)
        open_ids = [task_id for task_id, (_cid, is_open) in referrals.items() if is_open]
        here = still_addressed(client, open_ids, self.hcode) if client is not None and open_ids else set(open_ids)
        for task_id, (cid, is_open) in list(referrals.items()):
            if is_open and task_id not in here:
                # deleted by its sender, or re-addressed to another facility: gone from here too
                with self.store.transaction():
                    self.store.outbox.apply_pulled_delete("Task", task_id)
                referrals[task_id] = (cid, False)
        for task_id, (cid, is_open) in referrals.items():
            grant = had.get(task_id)
            if is_open and cid and client is not None and (grant is None or not self.grants.count_records(task_id)):
                try:
                    fetched = self._fetch_under(client, keys, task_id, cid, kind="referral")
                except ConsentNeededError:
                    continue
                if fetched:
                    touched.add(cid)
            elif not is_open and grant is not None and grant["state"] == "active" and self._end(keys, task_id):
                touched.add(grant["cid"])
        for task_id, grant in had.items():  # a referral no longer here (deleted by its sender): ended too
            if task_id not in referrals and grant["state"] == "active" and self._end(keys, task_id):
                touched.add(grant["cid"])
        changes = ChangeSet(grants=bool(touched))
        for cid in touched:
            changes.patient_ids.update(p["id"] for p in self.store.find_patients("cid", cid))
        return changes

    def _fetch_under(self, client: HubClient, keys: Any, grant_id: str, cid: str, *, kind: str) -> int:
        """A referral's records: its grant made and filled in one transaction."""
        sealed = self._sealed(client, keys, grant_id, cid)
        with self.store.transaction():
            self.grants.upsert_grant(grant_id, kind=kind, cid=cid, state="active", expires_at=None)
            self.grants.replace_records(grant_id, sealed)
        return len(sealed)

    def _fetch(self, client: HubClient, keys: Any, grant_id: str, cid: str) -> int:
        sealed = self._sealed(client, keys, grant_id, cid)
        with self.store.transaction():
            self.grants.replace_records(grant_id, sealed)
            self.grants.set_request(cid, "fetched", f"{len(sealed)} records")
        return len(sealed)

    def _sealed(self, client: HubClient, keys: Any, grant_id: str, cid: str) -> list[tuple[str, str, str | None, bytes]]:
        """The patient's records at other facilities, fetched (the hub checks the basis) and
        sealed under the grant's key."""
        return _seal_all(keys, grant_id, fetch_patient_records(client, cid, own_hcode=self.hcode))

    def _end(self, keys: Any, grant_id: str) -> int:
        known = [g for g in self.grants.grants() if g["grant_id"] == grant_id and g["state"] == "active"]
        if not known and not keys.exists(grant_id):
            return 0
        with self.store.transaction():
            self.grants.end_grant(grant_id)
        keys.destroy(grant_id)
        return 1

    # -- viewing -----------------------------------------------------------------------------

    def live_grants(self, cid: str) -> list[dict[str, Any]]:
        """The patient's grants in force now. A consent whose period ended while offline is
        already left out here (reading writes nothing); the next `refresh` ends it for good."""
        now = _dt.datetime.now(_dt.timezone.utc)
        live = []
        for grant in self.grants.grants(cid=cid, state="active"):
            until = grant["expires_at"]
            if until and len(until) == 10:  # a consent's last day counts whole
                if until < now.date().isoformat():
                    continue
            elif until:
                moment = _dt.datetime.fromisoformat(until.replace("Z", "+00:00"))
                if (moment if moment.tzinfo else moment.replace(tzinfo=_dt.timezone.utc)) < now:
                    continue
            live.append(grant)
        return live

    def show_records(self, cid: str) -> Done[list[dict[str, Any]]]:
        """The patient's records from other facilities, each with its facility and the grant
        it came under. Audited: one AuditEvent per view, synced to the hub; that entry is the
        one thing a read writes, in a transaction of its own."""
        require(self.actor, "foreign.view")
        cid = self._checked_cid(cid)
        keys = self.inst.grant_keys()
        out: list[dict[str, Any]] = []
        active = self.live_grants(cid)
        ended = 0
        for grant in active:
            try:
                for rtype, rid, owner, sealed in self.grants.sealed_records(grant["grant_id"]):
                    resource = json.loads(keys.open(grant["grant_id"], f"{rtype}/{rid}", sealed))
                    out.append({"resource": resource, "facility": owner, "date": record_date(resource),
                                "facility_name": self._facility_name(owner), "grant": grant["kind"],
                                "grant_id": grant["grant_id"]})
            except KeyMissingError:
                # A backup from before the consent ended brought its rows back; its key went
                # for good when it ended, so they stay sealed (the next sync removes them).
                ended += 1
        if not active:
            raise ConsentNeededError()
        if ended == len(active):
            raise ConsentEndedError()
        purpose = "BTG" if all(g["kind"] == "btg" for g in active) else "TREAT"
        event = access_event(who=self.actor.name, facility=self.hcode, cid=cid, purpose=purpose, action="R",
                             outcome_text=f"viewed {len(out)} records of other facilities",
                             tag={"system": HCODE_SYSTEM, "code": self.hcode})
        changes = self.records.save_resources([event], action="view-foreign-records")
        return Done(out, changes)

    def _facility_name(self, hcode: str | None) -> str:
        org = self.store.get("Organization", hcode) if hcode else None
        return str((org or {}).get("name") or hcode or "?")

    # -- emergency ------------------------------------------------------------------------------

    def emergency_access(self, cid: str, reason: str, client: HubClient) -> Done[int]:
        """Break the glass on this thread: check, fetch, then keep and audit (the CLI's way;
        the window runs the fetch on its network worker between the two database steps)."""
        plan = self.plan_emergency(cid, reason)
        return self.keep_emergency(plan, fetch_emergency(plan, client))

    def plan_emergency(self, cid: str, reason: str) -> EmergencyPlan:
        """Refuse early (role, citizen ID, reason), before anything touches the network."""
        cid = self.check_emergency(cid, reason)
        return EmergencyPlan(cid=cid, reason=reason.strip(), hcode=self.hcode)

    def keep_emergency(self, plan: EmergencyPlan, records: list[Resource]) -> Done[int]:
        """The emergency grant, its sealed records and its audit entries in one transaction,
        before any record is shown: fetched records are never kept unaudited."""
        grant_id = f"btg-{uuid.uuid4()}"
        keys = self.inst.grant_keys()
        expires = (_dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(hours=BTG_HOURS)).isoformat()
        sealed = _seal_all(keys, grant_id, records)
        event = access_event(who=self.actor.name, facility=self.hcode, cid=plan.cid, purpose="BTG", action="E",
                             outcome_text="emergency access", break_glass=True, reason=plan.reason,
                             tag={"system": HCODE_SYSTEM, "code": self.hcode})
        try:
            with self.store.transaction():
                self.grants.upsert_grant(grant_id, kind="btg", cid=plan.cid, state="active", expires_at=expires,
                                         reason=plan.reason)
                self.grants.replace_records(grant_id, sealed)
                changes = self.records.write([event], action="emergency-access")
        except BaseException:
            keys.destroy(grant_id)  # nothing was kept: its key goes too
            raise
        changes.grants = True
        return Done(len(sealed), changes)

    def check_emergency(self, cid: str, reason: str) -> str:
        """Refuse early (before anything touches the network): role, citizen ID, reason."""
        require(self.actor, "emergency.access")
        cid = self._checked_cid(cid)
        if len(reason.strip()) < MIN_REASON:
            raise ReasonTooShortError()
        return cid

    def emergency_log(self) -> list[dict[str, Any]]:
        """Every emergency access recorded on this desktop: who, when, why (it names patients:
        clinicians and administrators only)."""
        require(self.actor, "emergency.review")
        out = []
        for event in self.store.iter_resources(resource_type="AuditEvent"):
            if is_break_glass(event):
                out.append({"when": event.get("recorded"),
                            "who": event["agent"][0]["who"]["identifier"]["value"],
                            "cid": event["entity"][0]["what"]["identifier"]["value"],
                            "reason": event["entity"][0].get("description")})
        return sorted(out, key=lambda e: e["when"] or "")
