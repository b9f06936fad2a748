"""Referral out and in through the hub (issue 16; hub-contract.md, Referral).

Sending: `create` makes a ServiceRequest (core/builders.py `referral_request`: TH Core's
profile, shaped as the 43-file-plus guide's referral) and its Task (`referral_task`:
requested, owned by the receiving facility), both this unit's records, queued like any
other: a referral made offline goes out at the next sync. The clinical summary (the last
vital signs, the diagnoses, the drugs, the allergies, the recent visits: `summary`) fills
itself in and can be edited; the records it rests on are named in supportingInfo.

Receiving: the sync pulls the Tasks addressed to this unit and the ServiceRequests they are
about (sync/pull.py). `accept`, `reject` (with a reason) and `complete` (with the result)
move the Task's status: the Task stays the sender's record, and this unit's change goes to
the hub as an update of the version it saw (RecordService.write_addressed); the hub lets the
owner change exactly that (hub/rules.py). The sender sees the answer after its next sync.

Reading the referred patient's records: an open referral is the basis the hub checks
(hub/rules.py `referred_cids`), as a consent is; `refresh` (after a sync) fetches them into
the encrypted store of records from elsewhere under a grant of kind "referral" (the Task's
id), as a consent's are, and ends the grant when the referral is no longer open.

States shown: requested (ส่งแล้ว รอตอบ), received, accepted (รับแล้ว), rejected (ปฏิเสธ, with
the reason), completed (เสร็จสิ้น, with the result), cancelled; a referral not yet sent is
"queued".
"""

from __future__ import annotations

import datetime as _dt
import re
import uuid
from dataclasses import dataclass, field

from clinic_app.core import builders as build
from clinic_app.core.changes import ChangeSet, Done
from clinic_app.core.errors import InvalidInputError, KnownError, Problem
from clinic_app.core.fhir import Resource, entered_in_error, owner_of, patient_cid, reference_id
from clinic_app.core.identifiers import REFERRAL_CATEGORY
from clinic_app.core.permissions import require
from clinic_app.core.thai import format_thai_date, mask_cid
from clinic_app.core.worklist import display_name, own_hn
from clinic_app.services.catalogs import icd10_by_code
from clinic_app.services.duplicates import current_patient_id
from clinic_app.services.records import UseCases

URGENCIES = tuple(build.REFERRAL_URGENCY)
ICD10 = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$")
OPEN = ("requested", "received", "accepted", "in-progress", "on-hold")  # as the hub's REFERRAL_OPEN
ANSWERS = {"accept": "accepted", "reject": "rejected", "complete": "completed"}
STATE_WORDS = {  # state -> (Thai, English)
    "queued": ("ยังไม่ได้ส่ง (รอซิงก์)", "not sent yet (waiting for a sync)"),
    "requested": ("ส่งแล้ว รอตอบรับ", "sent, waiting for an answer"),
    "received": ("ปลายทางได้รับแล้ว", "received"),
    "accepted": ("ปลายทางรับแล้ว", "accepted"),
    "in-progress": ("กำลังรักษา", "in progress"),
    "on-hold": ("พักไว้", "on hold"),
    "rejected": ("ปลายทางปฏิเสธ", "rejected"),
    "completed": ("เสร็จสิ้น", "completed"),
    "cancelled": ("ยกเลิก", "cancelled"),
    "failed": ("ไม่สำเร็จ", "failed"),
}
RECENT_VISITS = 3


class NoSuchReferralError(KnownError):
    code = "invalid-input"

    def __init__(self) -> None:
        super().__init__("ไม่พบการส่งต่อนี้ (ดูเลขที่ด้วย referral list)", "No such referral (see referral list).")


@dataclass(frozen=True)
class ReferralRow:
    id: str                 # the Task's id
    incoming: bool
    state: str              # the Task's status, or "queued" for one not sent yet
    patient_id: str
    patient: str            # the patient's name as the referral says it
    cid: str                # masked
    facility: str           # the other facility's hcode (receiving for an outgoing one, sending for an incoming one)
    facility_name: str
    reason: str
    urgency: str
    when: str               # authoredOn
    answer: str = ""        # a rejection's reason or a completion's result

    def state_words(self, lang: str = "th") -> str:
        thai, english = STATE_WORDS.get(self.state, (self.state, self.state))
        return thai if lang == "th" else english


@dataclass
class Referral:
    """One referral whole: its Task, its ServiceRequest, and the words for the letter."""

    row: ReferralRow
    task: Resource
    request: Resource
    number: str
    diagnoses: list[tuple[str, str]] = field(default_factory=list)
    summary: str = ""
    referrer: str = ""
    from_name: str = ""
    from_hcode: str = ""
    patient_details: dict[str, str] = field(default_factory=dict)


def _now() -> str:
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def new_number(when: str) -> str:
    """A referral number (localReferNo): the moment and four random digits, unique across the
    unit's desktops offline (as a VN)."""
    moment = _dt.datetime.fromisoformat(when)
    return f"R{moment:%y%m%d%H%M%S}{uuid.uuid4().int % 10_000:04d}"


class ReferralService(UseCases):
    """Referral use cases (see the module's words)."""

    # -- the directory -----------------------------------------------------------------------

    def facilities(self, text: str = "", *, limit: int = 50) -> list[tuple[str, str]]:
        """(hcode, name) of the facilities of the Organization directory (pulled from the hub)
        whose hcode starts with `text` or whose name holds it; this unit left out."""
        text = text.strip().casefold()
        found = []
        for org in self.store.iter_resources(resource_type="Organization"):
            hcode = str(org.get("id") or "")
            name = str(org.get("name") or "")
            if hcode == self.hcode or not hcode:
                continue
            if not text or hcode.startswith(text) or text in name.casefold():
                found.append((hcode, name))
        return sorted(found, key=lambda f: (not f[0].startswith(text), f[1], f[0]))[:limit]

    def facility_name(self, hcode: str) -> str:
        org = self.store.get("Organization", hcode) if hcode else None
        return str((org or {}).get("name") or hcode)

    # -- sending -----------------------------------------------------------------------------

    def summary(self, patient_id: str) -> str:
        """The clinical summary a referral carries, in Thai: the last vital signs, the
        diagnoses of the recent visits and the problem list, the drugs of the last visit, the
        allergies, the recent visits (day and complaint)."""
        from clinic_app.services.patients import visit_details  # patients imports visits, which is heavier

        require(self.actor, "record.read")
        pid = current_patient_id(self.store, patient_id)
        records = self.store.chart(pid)
        visits = sorted((r for r in records if r["resourceType"] == "Encounter"
                         and r.get("status") not in ("entered-in-error", "cancelled")),
                        key=lambda e: str((e.get("period") or {}).get("start") or ""), reverse=True)
        by_visit: dict[str, list[Resource]] = {}
        for r in records:
            ref = reference_id(r.get("encounter"), "Encounter")
            if ref and r.get("status") != "entered-in-error":
                by_visit.setdefault(ref, []).append(r)
        lines = []
        details = [(v, visit_details(v, by_visit.get(v["id"], []))) for v in visits[:RECENT_VISITS]]
        vitals = next(((v, d["vitals"]) for v, d in details if d["vitals"]), None)
        if vitals:
            words = {"blood pressure": "ความดัน", "temperature": "อุณหภูมิ", "heart_rate": "ชีพจร",
                     "respiratory_rate": "การหายใจ", "weight": "น้ำหนัก", "height": "ส่วนสูง", "blood_sugar": "น้ำตาลในเลือด"}
            shown = ", ".join(f"{words.get(kind, kind)} {value} {unit}".strip() for kind, value, unit in vitals[1])
            lines.append(f"สัญญาณชีพล่าสุด ({_day(vitals[0])}): {shown}")
        diagnoses = []
        for _visit, d in details:
            for dx in d["diagnoses"]:
                words = f"{dx['code']} {dx['th'] or dx['en']}".strip()
                if words not in diagnoses:
                    diagnoses.append(words)
        titles = icd10_by_code()
        for c in records:
            if c["resourceType"] == "Condition" and not c.get("encounter") and not entered_in_error(c):
                code = str(((c.get("code") or {}).get("coding") or [{}])[0].get("code") or "")
                known = titles.get(code)
                words = f"{code} {known.title_th if known else (c.get('code') or {}).get('text') or ''}".strip()
                if code and words not in diagnoses:
                    diagnoses.append(words)
        if diagnoses:
            lines.append("การวินิจฉัย: " + "; ".join(diagnoses))
        drugs = next((d["drugs"] for _v, d in details if d["drugs"]), [])
        if drugs:
            lines.append("ยาที่ได้รับล่าสุด: " + "; ".join(
                f"{x['text'] or x['code']} {x['amount'] or ''} {x['unit'] or ''}".strip() for x in drugs))
        allergies = [str((a.get("code") or {}).get("text") or ((a.get("code") or {}).get("coding") or [{}])[0].get(
            "display") or "?") for a in records if a["resourceType"] == "AllergyIntolerance"
                     and ((a.get("clinicalStatus") or {}).get("coding") or [{}])[0].get("code", "active") == "active"]
        lines.append("แพ้ยา: " + ("; ".join(allergies) if allergies else "ไม่มีประวัติแพ้ยา"))
        if details:
            lines.append("การมารับบริการล่าสุด: " + "; ".join(
                f"{_day(v)} {'; '.join(r.get('text', '') for r in v.get('reasonCode') or [])}".strip()
                for v, _d in details))
        return "\n".join(lines)

    def create(self, patient_id: str, to_hcode: str, reason: str, *, urgency: str = "routine",
               diagnoses: list[str] | None = None, summary: str | None = None,
               encounter_id: str | None = None) -> Done[str]:
        """Refer the patient to facility `to_hcode`: the ServiceRequest and its Task, queued
        for the hub (offline too). `diagnoses` are ICD-10 codes; `summary` the clinical
        summary as edited (None: made by `summary`). Returns the Task's id (the referral's)."""
        require(self.actor, "record.write")
        problems = []
        to_hcode = to_hcode.strip()
        if not to_hcode:
            problems.append(Problem(None, "to", "choose the receiving facility (its name fits one facility, or its "
                                    "5-digit code)", "โปรดเลือกสถานบริการปลายทาง (ชื่อที่ตรงกับแห่งเดียว หรือรหัส 5 หลัก)"))
        elif not (len(to_hcode) in (5, 9) and to_hcode.isdigit()):
            problems.append(Problem(None, "to", "the receiving facility is its 5-digit code (hcode)",
                                    "สถานบริการปลายทางต้องเป็นรหัส 5 หลัก"))
        elif to_hcode == self.hcode:
            problems.append(Problem(None, "to", "a unit does not refer to itself", "ส่งต่อไปยังหน่วยบริการตัวเองไม่ได้"))
        if len(reason.strip()) < 3:
            problems.append(Problem(None, "reason", "the reason for the referral is required",
                                    "ต้องระบุเหตุผลการส่งต่อ"))
        if urgency not in URGENCIES:
            problems.append(Problem(None, "urgency", "urgency is routine, urgent or emergency",
                                    "ความเร่งด่วน: routine, urgent หรือ emergency"))
        titles = icd10_by_code()
        codes = []
        for code in diagnoses or []:
            code = code.strip().upper()
            if code and len(code) > 3 and "." not in code:
                code = f"{code[:3]}.{code[3:]}"
            if code and not ICD10.match(code):
                problems.append(Problem(None, "diagnosis", f"{code} is not an ICD-10 code (a letter, two digits, "
                                        "a dot and up to four more: J00, E11.9)",
                                        f"{code} ไม่ใช่รหัส ICD-10 (อักษร 1 ตัว ตัวเลข 2 หลัก เช่น J00, E11.9)"))
            elif code:
                codes.append((code, titles[code].title_en if code in titles else ""))
        if problems:
            raise InvalidInputError(f"การส่งต่อยังไม่ครบ {len(problems)} จุด ไม่ได้บันทึก",
                                    f"The referral is missing {len(problems)} thing(s); nothing was saved.",
                                    problems=problems)
        pid = current_patient_id(self.store, patient_id)
        patient = self.store.get("Patient", pid)
        if patient is None or owner_of(patient) not in (None, self.hcode):
            raise InvalidInputError("ไม่พบผู้ป่วย", "No such patient.")
        encounter = self.store.get("Encounter", encounter_id) if encounter_id else None
        when = _now()
        from clinic_app.services.visits import staff_to_write

        staff, staff_records = staff_to_write(self.store, self.hcode, self.actor)
        text = self.summary(pid) if summary is None else summary.strip()
        supporting = _supporting(self.store.chart(pid), encounter)
        subject = {**build.reference("Patient", pid), "display": display_name(patient) or "?"}
        cid = patient_cid(patient)
        if cid:  # the receiving facility finds the patient's records by it (hub-contract.md, identifiers)
            subject["identifier"] = build.cid_identifier(cid)
        request = build.referral_request(
            id=str(uuid.uuid4()), hcode=self.hcode, number=new_number(when), subject=subject, to_hcode=to_hcode,
            to_name=self.facility_name(to_hcode), reason=reason.strip(), urgency=urgency, when=when,
            requester=build.reference("Practitioner", staff["id"]) if staff else None,
            encounter=build.reference("Encounter", encounter["id"]) if encounter else None, diagnoses=codes,
            summary=text, supporting=supporting)
        task = build.referral_task(id=str(uuid.uuid4()), hcode=self.hcode, request=request, to_hcode=to_hcode,
                                   when=when)
        with self.store.transaction():
            changes = self.records.write([*staff_records, request, task], action="referral-create",
                                         entity=("Task", task["id"]), detail={"to": to_hcode, "urgency": urgency})
        return Done(task["id"], changes)

    # -- the lists ----------------------------------------------------------------------------

    def list(self, *, incoming: bool = False, patient_id: str | None = None) -> list[ReferralRow]:
        """The unit's referrals out (or in), newest first; those of one patient when given."""
        require(self.actor, "record.read")
        rows = []
        for task in self.store.iter_resources(resource_type="Task"):
            row = self._row(task)
            if row is None or row.incoming != incoming:
                continue
            if patient_id and row.patient_id != patient_id:
                continue
            rows.append(row)
        return sorted(rows, key=lambda r: r.when, reverse=True)

    def waiting(self) -> int:
        """Incoming referrals waiting for an answer (the status bar's count, read at every
        change: from the Tasks alone)."""
        return sum(1 for task in self.store.iter_resources(resource_type="Task")
                   if self._direction(task) == "in" and task.get("status") in ("requested", "received"))

    def _direction(self, task: Resource) -> str | None:
        """ "out" for a referral this unit made, "in" for one addressed to it, else None."""
        if REFERRAL_CATEGORY[1] not in [c.get("code") for c in (task.get("code") or {}).get("coding") or []]:
            return None
        if owner_of(task) == self.hcode:
            return "out"
        return "in" if reference_id(task.get("owner"), "Organization") == self.hcode else None

    def _row(self, task: Resource) -> ReferralRow | None:
        direction = self._direction(task)
        if direction is None:
            return None
        mine = direction == "out"
        owner = reference_id(task.get("owner"), "Organization") or ""
        request = self.store.get("ServiceRequest", reference_id(task.get("focus"), "ServiceRequest") or "") or {}
        pid = reference_id(task.get("for"), "Patient") or ""
        patient = self.store.get("Patient", pid) if mine else None
        name = display_name(patient) if patient else str((request.get("subject") or task.get("for") or {}).get("display")
                                                           or "?")
        cid = patient_cid(patient) if patient else str(((request.get("subject") or {}).get("identifier") or {}).get(
            "value") or "")
        state = str(task.get("status"))
        if mine and state == "requested" and self.store.outbox.live_entry("Task", task["id"]) is not None:
            state = "queued"
        facility = owner if mine else (owner_of(task) or "")
        urgency = next((k for k, (p, _t, _d) in build.REFERRAL_URGENCY.items() if p == task.get("priority")), "routine")
        answer = str((task.get("statusReason") or {}).get("text") or "")
        outputs = [str(o.get("valueString") or "") for o in task.get("output") or [] if o.get("valueString")]
        return ReferralRow(task["id"], not mine, state, pid, name, mask_cid(cid) if cid else "", facility,
                           self.facility_name(facility), str(task.get("description") or ""), urgency,
                           str(task.get("authoredOn") or ""), "; ".join([answer, *outputs]).strip("; "))

    def get(self, task_id: str) -> Referral:
        require(self.actor, "record.read")
        task = self.store.get("Task", task_id)
        row = self._row(task) if task else None
        if task is None or row is None:
            raise NoSuchReferralError()
        request = self.store.get("ServiceRequest", reference_id(task.get("focus"), "ServiceRequest") or "") or {}
        number = next((str(i.get("value")) for i in request.get("identifier") or []
                       if str(i.get("system", "")).endswith("/Refer")), "")
        diagnoses = [(str(c.get("code") or ""), str(c.get("display") or "")) for rc in request.get("reasonCode") or []
                     for c in rc.get("coding") or []]
        titles = icd10_by_code()
        diagnoses = [(code, titles[code].title_th if code in titles and titles[code].title_th else words)
                     for code, words in diagnoses]
        referrer = ""
        staff = self.store.get("Practitioner", reference_id(request.get("requester"), "Practitioner") or "")
        if staff:
            referrer = str(((staff.get("name") or [{}])[0]).get("text") or "")
        from_hcode = owner_of(task) or self.hcode
        details: dict[str, str] = {}
        patient = self.store.get("Patient", row.patient_id) if not row.incoming else None
        if patient:
            details = {"hn": own_hn(patient), "birth": str(patient.get("birthDate") or ""),
                       "sex": str(patient.get("gender") or "")}
        return Referral(row, task, request, number, diagnoses, "\n".join(n.get("text", "") for n in request.get("note")
                                                                        or []),
                        referrer, self.facility_name(from_hcode), from_hcode, details)

    def incoming_patients(self) -> dict[str, tuple[str, bool]]:
        """{Task id: (the patient's citizen ID, still open)} of the referrals addressed here:
        what ConsentService.refresh_referrals fetches and ends."""
        out = {}
        for task in self.store.iter_resources(resource_type="Task"):
            row = self._row(task)
            if row is None or not row.incoming:
                continue
            request = self.store.get("ServiceRequest", reference_id(task.get("focus"), "ServiceRequest") or "") or {}
            cid = str(((request.get("subject") or {}).get("identifier") or {}).get("value") or "")
            out[task["id"]] = (cid, row.state in OPEN)
        return out

    def cancel(self, task_id: str, reason: str) -> ChangeSet:
        """Withdraw a referral this unit made (not yet completed), with the reason: the Task
        cancelled and its ServiceRequest revoked; the receiving facility's reading of the
        patient's records under it ends (the hub checks the Task)."""
        require(self.actor, "record.write")
        task = self.store.get("Task", task_id)
        row = self._row(task) if task else None
        if task is None or row is None or row.incoming:
            raise NoSuchReferralError()
        if task.get("status") not in ("requested", "received", "accepted", "in-progress", "on-hold"):
            thai, english = STATE_WORDS.get(str(task.get("status")), (str(task.get("status")),) * 2)
            raise InvalidInputError(f"การส่งต่อนี้{thai}แล้ว จึงยกเลิกไม่ได้",
                                    f"This referral is {english}; it cannot be cancelled now.")
        if len(reason.strip()) < 3:
            raise InvalidInputError("โปรดระบุเหตุผลที่ยกเลิก", "Give the reason for the cancellation.",
                                    problems=[Problem(None, "reason", "required", "ต้องระบุ")])
        changed = [{**task, "status": "cancelled", "statusReason": {"text": reason.strip()}, "lastModified": _now()}]
        request = self.store.get("ServiceRequest", reference_id(task.get("focus"), "ServiceRequest") or "")
        if request is not None:
            changed.append({**request, "status": "revoked"})
        with self.store.transaction():
            return self.records.write(changed, action="referral-cancel", entity=("Task", task_id),
                                      detail={"to": row.facility})

    # -- answering ------------------------------------------------------------------------------

    def answer(self, task_id: str, what: str, text: str = "") -> ChangeSet:
        """Accept, reject (with the reason) or complete (with the result) a referral addressed
        to this unit; it goes to the hub at the next sync."""
        require(self.actor, "record.write")
        task = self.store.get("Task", task_id)
        row = self._row(task) if task else None
        if task is None or row is None or not row.incoming:
            raise NoSuchReferralError()
        status = ANSWERS[what]
        allowed = {"accepted": ("requested", "received"), "rejected": ("requested", "received"),
                   "completed": ("accepted", "in-progress")}[status]
        if task.get("status") not in allowed:
            thai, english = STATE_WORDS.get(str(task.get("status")), (str(task.get("status")),) * 2)
            raise InvalidInputError(f"การส่งต่อนี้{thai}แล้ว จึง{_thai_verb(what)}ไม่ได้",
                                    f"This referral is {english}; it cannot be {status} now.")
        if what in ("reject", "complete") and len(text.strip()) < 3:
            raise InvalidInputError("โปรดระบุเหตุผลที่ปฏิเสธ" if what == "reject" else "โปรดระบุผลการรักษา",
                                    "Give the reason for the rejection." if what == "reject" else "Give the result.",
                                    problems=[Problem(None, "reason" if what == "reject" else "result",
                                                      "required", "ต้องระบุ")])
        changed = {**task, "status": status, "lastModified": _now()}
        if what == "reject":
            changed["statusReason"] = {"text": text.strip()}
        elif what == "complete":
            changed["output"] = [*(task.get("output") or []), {
                "type": {"text": "ผลการรักษา / result"}, "valueString": text.strip()}]
        elif text.strip():
            changed["businessStatus"] = {"text": text.strip()}
        with self.store.transaction():
            return self.records.write_addressed(changed, action=f"referral-{what}", entity=("Task", task_id),
                                                detail={"from": row.facility})


def _day(encounter: Resource) -> str:
    """The visit's day as Thai staff read it (30 พ.ย. 2569)."""
    text = str((encounter.get("period") or {}).get("start") or "")[:10]
    try:
        return format_thai_date(_dt.date.fromisoformat(text))
    except ValueError:
        return text


def _thai_verb(what: str) -> str:
    return {"accept": "รับ", "reject": "ปฏิเสธ", "complete": "บันทึกผล"}[what]


def _supporting(records: list[Resource], encounter: Resource | None) -> list[dict[str, str]]:
    """The records a referral rests on: the visit's records (or the last visit's), the
    problem list and the allergies."""
    live = [r for r in records if r.get("status") != "entered-in-error"]
    visits = sorted((r for r in live if r["resourceType"] == "Encounter"),
                    key=lambda e: str((e.get("period") or {}).get("start") or ""), reverse=True)
    visit = encounter or (visits[0] if visits else None)
    out = []
    for r in live:
        at_visit = visit is not None and reference_id(r.get("encounter"), "Encounter") == visit["id"]
        kept = (r["resourceType"] in ("Condition", "Observation", "MedicationDispense") and at_visit) or \
            r["resourceType"] == "AllergyIntolerance" or (r["resourceType"] == "Condition" and not r.get("encounter"))
        if kept:
            out.append(build.reference(r["resourceType"], r["id"]))
    return out


