"""Follow-up lists: the chronic-disease register and the children's vaccines due.

Both read the worklist index (store/worklists.py) rather than every record, so they stay
quick on 100,000 patients.

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
from clinic_app.core.errors import InvalidInputError
from clinic_app.core.fhir import Resource
from clinic_app.core.identifiers import PERSON_STATUS_EXTENSION
from clinic_app.core.permissions import Actor, require
from clinic_app.core.places import address_codes
from clinic_app.core.thai import birth_date_of
from clinic_app.core.worklist import BLOOD_PRESSURE, BLOOD_SUGAR, in_care
from clinic_app.services.catalogs import icd10_by_code
from clinic_app.services.duplicates import display_name, own_hn
from clinic_app.services.records import RecordService
from clinic_app.store.record_store import RecordStore

# disease -> (ICD-10 ranges (low, high: high not included), the code an entry puts on the list)
CHRONIC = {"DM": ((("E10", "E15"),), "E11.9"), "HT": ((("I10", "I16"),), "I10")}
FOLLOW_UP_DAYS = 90
OUT_OF_AREA = "4"  # TYPEAREA: lives outside the unit's area


@dataclass
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


@dataclass
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




def _home(patient: Resource) -> tuple[str, str]:
    """(village number, house number) of the patient's first address."""
    address = (patient.get("address") or [{}])[0]
    _code, village = address_codes(address)
    house = ""
    for ext in address.get("extension") or []:
        for part in ext.get("extension") or [] if isinstance(ext, dict) else []:
            if part.get("url") == "number":
                house = str(part.get("valueString") or "")
    return village, house


def _typearea(patient: Resource) -> str:
    for ext in patient.get("extension") or []:
        if ext.get("url") == PERSON_STATUS_EXTENSION:
            return str((((ext.get("valueCodeableConcept") or {}).get("coding") or [{}])[0]).get("code") or "")
    return ""


class FollowUpService:
    def __init__(self, store: RecordStore, *, actor: Actor) -> None:
        self.store = store
        self.actor = actor

    def chronic(self, *, today: _dt.date | None = None, overdue_only: bool = False) -> list[ChronicRow]:
        """The register, by village then name (then HN)."""
        require(self.actor, "record.read")
        today = today or _dt.date.today()
        work = self.store.worklists
        found: dict[str, tuple[str, list[str]]] = {}
        for disease, (ranges, _code) in CHRONIC.items():
            for pid, (first, _codes) in work.patients_diagnosed(ranges).items():
                since, diseases = found.get(pid, (first, []))
                found[pid] = (min(since, first), [*diseases, disease])
        visits = work.latest("visit", ("finished",), found)
        booked = work.latest("appointment", ("booked",), found)
        cutoff = (today - _dt.timedelta(days=FOLLOW_UP_DAYS)).isoformat()
        overdue: dict[str, list[str]] = {}
        for pid in found:
            last = visits.get(pid, (None, None))[0]
            appointment = booked.get(pid, (None, None))[0]
            why = overdue[pid] = []
            if last is None or last < cutoff:
                why.append("no-visit")
            if appointment and appointment < today.isoformat() and (last is None or appointment > last):
                why.append("missed-appointment")
        # the dead, the inactive and records merged into another keep their diagnoses' rows;
        # of each patient only what the row shows is kept (Worklists.patient_fields says why),
        # and only of those listed (the overdue are read alone)
        people = {pid: shown for pid, shown in work.patient_fields(
            [pid for pid in found if overdue[pid] or not overdue_only],
            lambda p: (display_name(p), own_hn(p), _home(p)[0]) if in_care(p) else None).items() if shown}
        bps = work.latest("reading", (BLOOD_PRESSURE,), people)
        sugars = work.latest("reading", BLOOD_SUGAR, people)
        rows = []
        for pid, (name, hn, village) in people.items():
            since, diseases = found[pid]
            last = visits.get(pid, (None, None))[0]
            appointment = booked.get(pid, (None, None))[0]
            why = overdue[pid]
            rows.append(ChronicRow(pid, name, hn, village, sorted(diseases), since, last,
                                   _reading(bps.get(pid)), _reading(sugars.get(pid)),
                                   appointment if appointment and appointment >= today.isoformat() else None,
                                   bool(why), why))
        # HN, then id: patients of one village with one name in an order of their own, not in
        # the order the database happened to read them
        return sorted(rows, key=lambda r: (_village_key(r.village), r.name, r.hn, r.patient_id))

    def add_chronic(self, patient_id: str, disease: str, *, since: _dt.date | None = None) -> Done[Resource]:
        """Put a patient on the register (diagnosed elsewhere, say): a Condition on the problem list."""
        require(self.actor, "record.write")
        if disease not in CHRONIC:
            raise InvalidInputError("โรคเรื้อรังต้องเป็น DM หรือ HT", "The chronic disease is DM or HT.")
        if self.store.get("Patient", patient_id) is None:
            raise InvalidInputError("ไม่พบผู้ป่วย", "No such patient.")
        code = CHRONIC[disease][1]
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
        today = today or _dt.date.today()
        work = self.store.worklists
        earliest = epi.add_months(today, -epi.LIST_UNTIL_MONTHS) + _dt.timedelta(days=1)
        children = work.born_between(earliest.isoformat(), today.isoformat())
        given = work.codes_of("vaccine", [pid for pid, _sex, _day in children])
        wanted: dict[str, tuple[list[epi.Dose], list[epi.Dose], _dt.date]] = {}
        for pid, sex, day in children:
            birth = _dt.date.fromisoformat(day)
            due = epi.due(birth, given.get(pid, set()), today, sex=sex if sex in ("male", "female") else None)
            late = [d for d in due if epi.overdue(d, birth, today)]
            if due and (late or not overdue_only):
                wanted[pid] = (due, late, birth)
        people = work.patient_fields(wanted, lambda p: (_typearea(p), display_name(p), own_hn(p), _home(p), birth_date_of(p)))
        rows = []
        for pid, (typearea, name, hn, (village, house), born_on) in people.items():
            if typearea == OUT_OF_AREA:
                continue
            due, late, birth = wanted[pid]
            born = born_on or birth
            rows.append(EpiRow(pid, name, hn, village, house, born.isoformat(),
                               epi.months_old(born, today), due, late))
        return sorted(rows, key=lambda r: (_village_key(r.village), _village_key(r.house), r.name, r.hn, r.patient_id))


def _reading(found: tuple[str, str | None] | None) -> tuple[str, str] | None:
    return (found[0], found[1]) if found and found[1] else None


def _village_key(text: str) -> tuple[int, str]:
    digits = "".join(c for c in text if c.isdigit())
    return (int(digits) if digits else 10**6, text)

