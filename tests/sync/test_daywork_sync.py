"""A day's work reaches the unit's other desktop through a real hub that enforces the
SIL-TH rules: the drug list, today's list with its states, a complete visit, an allergy,
the next appointment; and a correction and a visit entered in error made on the second
desktop come back to the first."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from clinic_app.conformance import check_all
from clinic_app.core.permissions import ADMIN, CLINICIAN, Actor
from clinic_app.hub.server import start_in_thread
from clinic_app.services.patients import PatientForm
from clinic_app.services.session import UnitSession
from clinic_app.services.visits import DrugLine, VisitForm
from tests.sync.conftest import Factory, sync

FORMULARY = "code,name,strength,unit,dose,frequency,days,group\nPARA500,Paracetamol,500 mg,เม็ด,1,QID,3,\n" \
            "AMOX500,Amoxicillin,500 mg,แคปซูล,1,TID,7,penicillins\n"
NURSE = Actor("nurse.ploy", CLINICIAN)


def test_the_day_on_one_desktop_is_the_day_on_the_other_after_a_sync(tmp_path: Path, desktop: Factory) -> None:
    hub = start_in_thread(tmp_path / "hub", auth=True, conformance=True)
    try:
        first, second = desktop(hub, "front"), desktop(hub, "back")
        with UnitSession(first, actor=Actor("admin.a", ADMIN)) as unit:
            unit.formulary.import_csv(FORMULARY)
            unit.act_as(NURSE)
            pid = unit.patients.register(PatientForm(given_th="สมศรี", family_th="มีสุข", sex="female", birth_day=3,
                                                     birth_month=2, birth_year_be=2523)).value["id"]
            unit.visits.add_allergy(pid, "Penicillin", reaction="ผื่น")
            done = unit.visits.check_in(pid, complaint="ไข้").value
            unit.visits.open_visit(done["id"])
            unit.visits.save(pid, VisitForm(complaint="ไข้", diagnoses=[("J00", "1"), ("I10", "2")],
                                            drugs=[DrugLine(code="PARA500", dose=1, frequency="QID", days=3)],
                                            procedures=["93.57"], appointment_day=dt.date.today() + dt.timedelta(days=7),
                                            appointment_reason="ดูแผล"), encounter_id=done["id"])
            other = unit.patients.register(PatientForm(given_th="สมชาย", family_th="ใจดี", sex="male", birth_day=1,
                                                       birth_month=1, birth_year_be=2530)).value["id"]
            unit.visits.check_in(other)
            mine = [r for r in unit.store.iter_resources()]
            assert check_all(mine) == []  # the records as the SIL-TH rules want them
        report = sync(first)
        assert not report.failed and not report.conflicts, report
        sync(second)
        with UnitSession(second, actor=NURSE) as unit:
            assert sorted((r.name, r.state) for r in unit.visits.today()) == [("สมชาย ใจดี", "waiting"),
                                                                            ("สมศรี มีสุข", "done")]
            assert [d.code for d in unit.formulary.drugs()] == ["AMOX500", "PARA500"]
            assert [a["reason"] for a in unit.visits.appointments(dt.date.today(), dt.date.today()
                                                                  + dt.timedelta(days=30))] == ["ดูแผล"]
            assert unit.visits.allergy_conflicts(pid, [DrugLine(code="AMOX500")])  # the allergy came too
            [visit] = unit.patients.chart(pid).visits
            assert [d["code"] for d in visit["diagnoses"]] == ["J00", "I10"]
            unit.visits.correct(done["id"], VisitForm(complaint="ไข้", diagnoses=[("J02.9", "1")]))
            waiting = next(r for r in unit.visits.today() if r.state == "waiting")
            unit.visits.open_visit(waiting.encounter_id)
            wrong = unit.visits.save(other, VisitForm(complaint="ผิดคน"), encounter_id=waiting.encounter_id).value
            unit.visits.void(wrong["id"], "บันทึกผิดคน")
        assert not sync(second).failed
        sync(first)
        with UnitSession(first, actor=NURSE) as unit:
            [visit] = unit.patients.chart(pid).visits
            assert [d["code"] for d in visit["diagnoses"]] == ["J02.9"]
            assert [r.name for r in unit.visits.today()] == ["สมศรี มีสุข"]  # the visit in error is off the list
            assert unit.patients.chart(other).voided == 1
    finally:
        hub.stop()
