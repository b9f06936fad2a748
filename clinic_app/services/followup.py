"""Follow-up lists: the chronic-disease register and the children's vaccines due.

Both read the patient summary the store keeps with every write (one row a patient: the
last visit, readings, diagnoses first known, vaccines given; store/worklists.py), rather
than every record, so a list of 25,000 patients on 100,000 takes one query
(bench_worklists).

Chronic register: the unit's patients with diabetes (ICD-10 E10-E14) or hypertension
(I10-I15), from a visit's diagnosis or put on the register (`add_chronic`: a Condition on
the problem list); with the day first known, the last finished visit, the last blood
pressure and blood sugar, the next appointment. Overdue: no visit for `FOLLOW_UP_DAYS`
(three months, the usual interval for a stable patient at a health centre), or an
appointment missed since the last visit.

Children's vaccines: each child under 15 of the unit (not those recorded as living
outside its area, 43-file TYPEAREA 4) with a dose of the Thai EPI schedule due or
overdue (core/epi.py), by village (หมู่) and house number: the list a village health
volunteer walks with.
"""

from __future__ import annotations

import datetime as _dt
import uuid
from dataclasses import dataclass, field

from clinic_app.core import builders as build
from clinic_app.core import epi
from clinic_app.core.changes import Done
from clinic_app.core.errors import InvalidInputError, KnownError
from clinic_app.core.fhir import Resource
from clinic_app.core.permissions import Actor, require
from clinic_app.services.catalogs import icd10_by_code
from clinic_app.services.records import RecordService
from clinic_app.store.record_store import RecordStore

# disease -> the code an entry on the register is (its ICD-10 ranges: core.worklist.CHRONIC_RANGES)
CHRONIC = {"DM": "E11.9", "HT": "I10"}
FOLLOW_UP_DAYS = 90
# A register row's diseases (DM known, HT known) and why it is overdue (no visit, missed).
_DISEASES = {(True, False): ["DM"], (False, True): ["HT"], (True, True): ["DM", "HT"]}
_WHY = {(False, False): [], (True, False): ["no-visit"], (False, True): ["missed-appointment"],
        (True, True): ["no-visit", "missed-appointment"]}
OUT_OF_AREA = "4"  # TYPEAREA: lives outside the unit's area


@dataclass(slots=True)
class ChronicRow:
    patient_id: str
    name: str
    hn: str
    village: str
    diseases: list[str]            # "DM", "HT"
    since: str                     # the day first diagnosed (ISO)
    last_visit: str | None
    last_bp: tuple[str, str] | None      # (day, "130/85")
    last_sugar: tuple[str, str] | None   # (day, "126")
    next_appointment: str | None
    overdue: bool
    why: list[str] = field(default_factory=list)  # "no-visit", "missed-appointment"


@dataclass(slots=True)
class EpiRow:
    patient_id: str
    name: str
    hn: str
    village: str
    house: str
    birth_date: str
    age_months: int
    due: list[epi.Dose]
    overdue: list[epi.Dose]








class FollowUpService:
    def __init__(self, store: RecordStore, *, actor: Actor) -> None:
        self.store = store
        self.actor = actor

    def _ready(self) -> None:
        """An older folder's summary made first (the window's upgrade step makes it with
        progress; a list asked before makes the rest); a folder that cannot be written to
        says so instead."""
        work = self.store.worklists
        if not work.summaries_pending():
            return
        if not self.store.writable:
            raise KnownError("รายการติดตามของโฟลเดอร์นี้ยังไม่พร้อม: เปิดโฟลเดอร์นี้ตามปกติหนึ่งครั้งเพื่อเตรียมรายการ",
                             "This folder's follow-up lists are not ready: open it once as usual to prepare them.",
                             code="not-ready")
        work.fill_summaries()

    def chronic(self, *, today: _dt.date | None = None, overdue_only: bool = False) -> list[ChronicRow]:
        """The register, by village then name (then HN, then id: patients of one village with
        one name in an order of their own, not in the order the database read them)."""
        require(self.actor, "record.read")
        self._ready()
        today = today or _dt.date.today()
        cutoff = (today - _dt.timedelta(days=FOLLOW_UP_DAYS)).isoformat()
        today_text = today.isoformat()
        return [ChronicRow(pid, name, hn, village, list(_DISEASES[dm_since is not None, ht_since is not None]),
                           dm_since if ht_since is None or (dm_since is not None and dm_since <= ht_since) else ht_since,
                           last, (bp_day, bp) if bp else None, (sugar_day, sugar) if sugar else None,
                           booked if booked and booked >= today_text else None, bool(no_visit or missed),
                           list(_WHY[bool(no_visit), bool(missed)]))
                for (pid, name, hn, village, dm_since, ht_since, last, booked, bp_day, bp, sugar_day, sugar, no_visit,
                     missed) in self.store.worklists.chronic(cutoff=cutoff, today=today_text,
                                                             overdue_only=overdue_only)]

    def add_chronic(self, patient_id: str, disease: str, *, since: _dt.date | None = None) -> Done[Resource]:
        """Put a patient on the register (diagnosed elsewhere, say): a Condition on the problem list."""
        require(self.actor, "record.write")
        if disease not in CHRONIC:
            raise InvalidInputError("โรคเรื้อรังต้องเป็น DM หรือ HT", "The chronic disease is DM or HT.")
        if self.store.get("Patient", patient_id) is None:
            raise InvalidInputError("ไม่พบผู้ป่วย", "No such patient.")
        code = CHRONIC[disease]
        title = icd10_by_code().get(code)
        condition = build.condition(code, id=str(uuid.uuid4()), subject=build.reference("Patient", patient_id),
                                    encounter=None, when=(since or _dt.date.today()).isoformat(),
                                    display=title.title_en if title else None, text=title.title_th if title else None,
                                    clinical_status="active")
        records = RecordService(self.store, actor=self.actor)
        with self.store.transaction():
            changes = records.write([condition], action="add-chronic", entity=("Condition", condition["id"]),
                                    detail={"disease": disease})
        return Done(condition, changes)

    def epi(self, *, today: _dt.date | None = None, overdue_only: bool = False) -> list[EpiRow]:
        """Children with doses due (or only overdue), by village, house number and name (then HN)."""
        require(self.actor, "record.read")
        self._ready()
        today = today or _dt.date.today()
        earliest = epi.add_months(today, -epi.LIST_UNTIL_MONTHS) + _dt.timedelta(days=1)
        listed = []
        for pid, sex, day, name, hn, village, house, typearea, given, order in self.store.worklists.children(
                earliest.isoformat(), today.isoformat()):
            if typearea == OUT_OF_AREA:
                continue
            birth = _dt.date.fromisoformat(day)
            due = epi.due(birth, given, today, sex=sex if sex in ("male", "female") else None)
            late = [d for d in due if epi.overdue(d, birth, today)]
            if due and (late or not overdue_only):
                listed.append((order, EpiRow(pid, name, hn, village, house, day, epi.months_old(birth, today), due,
                                             late)))
        listed.sort(key=lambda pair: pair[0])
        return [row for _order, row in listed]
