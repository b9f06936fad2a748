"""A morning at the training unit: the drug list and a day's work under way, so that a
newcomer in training mode meets today's list as the front desk does.

`seed_demo_day` (after the demo patients are in) puts the demo drugs on the unit's drug
list, with Thai units, default doses and groups for the allergy check; checks six
patients in this morning: three done (their visits saved whole), one being seen, two
waiting; and books appointments: two due today not yet come, a few this week, one missed
last week. Deterministic for a day: the same patients, in the same order.
"""

from __future__ import annotations

import datetime as _dt
import uuid
from typing import Any

from clinic_app.core import builders as build
from clinic_app.core import demo
from clinic_app.core.changes import ChangeSet
from clinic_app.core.permissions import DEVICE, Actor
from clinic_app.services.followup import FollowUpService
from clinic_app.services.formulary import FormularyService
from clinic_app.services.records import RecordService
from clinic_app.services.visits import DrugLine, VisitForm, VisitService
from clinic_app.store.record_store import RecordStore

UNITS = {"tablet": "เม็ด", "capsule": "แคปซูล", "bottle": "ขวด", "sachet": "ซอง", "tube": "หลอด"}
# code -> (dose, frequency, days): a usual adult (or child's) course.
COURSES = {"PARA500": (1, "QID", 3), "CPM4": (1, "TID", 5), "AMOX500": (1, "TID", 7), "ROXI150": (1, "BID", 5),
           "ORS": (1, "PRN", None), "OMP20": (1, "OD", 14), "IBU400": (1, "TID", 3), "NORF400": (1, "BID", 3),
           "TFD150": (1, "OD", 30), "AMLO5": (1, "OD", 30), "MET500": (1, "BID", 30), "SIMVA20": (1, "HS", 30),
           "ENA5": (1, "OD", 30), "FEFUM": (1, "OD", 30), "AZI250": (1, "OD", 3), "AMOXCLAV": (1, "BID", 7),
           "TA01": (1, "BID", 7), "ZINCPASTE": (1, "BID", 7), "CALAMINE": (1, "TID", 7)}
GROUPS = {"Penicillin": "penicillins", "Aspirin": "aspirin, NSAIDs"}


def demo_formulary() -> list[dict[str, str]]:
    """The demo drugs as drug-list rows (formulary CSV columns)."""
    rows = []
    for drug in demo.DRUGS.values():
        dose, frequency, days = COURSES.get(drug.code, (None, "", None))
        rows.append({"code": drug.code, "name": drug.name, "unit": UNITS.get(drug.unit, drug.unit),
                     "dose": f"{dose:g}" if dose else "", "frequency": frequency, "days": str(days or ""),
                     "group": GROUPS.get(drug.allergen or "", "")})
    return rows


def seed_demo_day(store: RecordStore, *, actor: Actor, today: _dt.date | None = None) -> ChangeSet:
    """The drug list and this morning's work (see the module's docstring)."""
    today = today or _dt.date.today()
    changes = ChangeSet()
    formulary = FormularyService(store, actor=DEVICE)  # the demo's set-up, not the person's
    if not formulary.drugs():
        for row in demo_formulary():
            changes.merge(formulary.save(row))
    visits = VisitService(store, actor=actor)
    if visits.today(today):
        return changes
    found = [r.patient_id for r in FollowUpService(store, actor=actor).chronic(today=today)]
    others = [p["id"] for p in store.iter_resources(resource_type="Patient") if p["id"] not in found]
    chronic = found + others[16:]  # the chronic patients first, then whoever is there
    if len(others) < 16 or len(chronic) < 9:
        return changes  # too few demo patients for a day
    morning = _dt.datetime.combine(today, _dt.time(8, 5)).astimezone()
    plan: list[tuple[str, str, VisitForm | None]] = [
        (chronic[0], "ติดตามความดัน", VisitForm(complaint="ติดตามความดัน", systolic=138, diastolic=86, weight=68,
                                                diagnoses=[("I10", "1")],
                                                drugs=[DrugLine(code="AMLO5", dose=1, frequency="OD", days=30)],
                                                appointment_day=today + _dt.timedelta(days=28),
                                                appointment_reason="ติดตามความดัน")),
        (others[3], "ไข้ ไอ เจ็บคอ 2 วัน", VisitForm(complaint="ไข้ ไอ เจ็บคอ 2 วัน", temperature=38.1, pulse=96,
                                                     diagnoses=[("J02.9", "1")],
                                                     drugs=[DrugLine(code="PARA500", dose=1, frequency="QID", days=3),
                                                            DrugLine(code="CPM4", dose=1, frequency="TID", days=5,
                                                                     meals="pc")])),
        (chronic[1], "ติดตามเบาหวาน", VisitForm(complaint="ติดตามเบาหวาน", systolic=126, diastolic=78, blood_sugar=142,
                                                diagnoses=[("E11.9", "1")],
                                                drugs=[DrugLine(code="MET500", dose=1, frequency="BID", days=30,
                                                                meals="pc")],
                                                appointment_day=today + _dt.timedelta(days=56),
                                                appointment_reason="เจาะน้ำตาลปลายนิ้ว")),
        (others[7], "ปวดท้อง ท้องเสีย", None),   # being seen
        (others[11], "แผลถลอกที่เข่า", None),     # waiting
        (others[15], "ขอรับยาเดิม", None),        # waiting
    ]
    for number, (pid, complaint, form) in enumerate(plan):
        arrived = visits.check_in(pid, complaint=complaint, when=morning + _dt.timedelta(minutes=12 * number))
        changes.merge(arrived.changes)
        if form is not None or number == 3:
            changes.merge(visits.open_visit(arrived.value["id"]).changes)
        if form is not None:
            form.when = morning + _dt.timedelta(minutes=12 * number + 8)
            changes.merge(visits.save(pid, form, encounter_id=arrived.value["id"]).changes)
    booked: list[tuple[str, _dt.date, str]] = [(chronic[2], today, "ติดตามความดัน"), (chronic[3], today, "รับยาเบาหวาน"),
                                               (chronic[4], today - _dt.timedelta(days=6), "ติดตามความดัน")]
    booked += [(chronic[5 + i], today + _dt.timedelta(days=1 + i), "ติดตามโรคเรื้อรัง") for i in range(4)]
    appointments: list[dict[str, Any]] = [
        build.appointment(id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"clinic-app:demo-appointment:{pid}:{day}")), patient=build.reference("Patient", pid),
                          start=_dt.datetime.combine(day, _dt.time(9, 0)).astimezone().isoformat(), reason=reason,
                          hcode=RecordService(store, actor=actor).hcode)
        for pid, day, reason in booked]
    with store.transaction():
        changes.merge(RecordService(store, actor=actor).write(appointments, action="demo-data"))
    return changes
