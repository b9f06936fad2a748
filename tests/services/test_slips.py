"""What the printouts read, on the real encrypted store: a visit's slip (the unit, the
patient, Thai diagnosis titles, the drugs' Thai labels, allergies, the next appointment)
and an appointment card."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from clinic_app.core.errors import InvalidInputError
from clinic_app.core.permissions import CLERK, CLINICIAN, Actor
from clinic_app.services.installation import Installation
from clinic_app.services.patients import PatientForm
from clinic_app.services.session import UnitSession
from tests.services.drugs import session_with_drugs
from clinic_app.services.visits import DrugLine, VisitForm

FORMULARY = """code,name,strength,unit,dose,frequency,days
PARA500,Paracetamol,500 mg,เม็ด,1,QID,3
CPM4,Chlorpheniramine,4 mg,เม็ด,1,TID,5
"""
NURSE = Actor("nurse.ploy", CLINICIAN)
TODAY = dt.date.today()


@pytest.fixture
def unit(installation: Installation) -> Iterator[UnitSession]:
    yield from session_with_drugs(installation, FORMULARY, acting=NURSE)


def _patient(unit: UnitSession) -> str:
    form = PatientForm(given_th="สมศรี", family_th="มีสุข", sex="female", birth_day=3, birth_month=2,
                       birth_year_be=2523, house="12", moo="4", subdistrict_code="300101")
    return unit.patients.register(form).value["id"]


def test_a_visit_slip_holds_the_patient_the_thai_titles_and_labels_and_the_next_appointment(unit: UnitSession) -> None:
    pid = _patient(unit)
    unit.visits.add_allergy(pid, "Penicillin", reaction="ผื่น")
    seen = dt.datetime.now().astimezone().replace(microsecond=0) - dt.timedelta(days=1)
    earlier = unit.visits.save(pid, VisitForm(complaint="ไข้", when=seen - dt.timedelta(days=40),
                                              appointment_day=TODAY - dt.timedelta(days=20))).value
    visit = unit.visits.save(pid, VisitForm(
        complaint="ไข้ ไอ", systolic=132, diastolic=84, diagnoses=[("J00", "1"), ("I10", "2")], when=seen,
        drugs=[DrugLine(code="PARA500", dose=1, frequency="QID", days=3),
               DrugLine(code="CPM4", dose=1, frequency="TID", meals="pc", days=5)],
        appointment_day=TODAY + dt.timedelta(days=14), appointment_reason="ติดตามความดัน")).value
    slip = unit.visits.slip(visit["id"])
    assert (slip.facility, slip.hcode, slip.patient_id, slip.hn) == ("รพ.สต.ทดสอบ", "12345", pid, "0000001")
    assert slip.name.startswith("สมศรี") and "มีสุข" in slip.name
    assert slip.age == seen.year - 1980 - ((seen.month, seen.day) < (2, 3))
    assert slip.when == seen.isoformat() and len(slip.vn) == 16 and slip.complaint == "ไข้ ไอ"
    assert sorted((d["code"], d["th"], d["type"]) for d in slip.details["diagnoses"]) == [
        ("I10", "ความดันโลหิตสูงชนิดไม่ทราบสาเหตุ", "2"), ("J00", "หวัด", "1")]
    labels = {d["text"]: d["label"] for d in slip.details["drugs"]}
    assert labels == {"Paracetamol 500 mg": "รับประทานครั้งละ 1 เม็ด วันละ 4 ครั้ง เช้า กลางวัน เย็น ก่อนนอน",
                      "Chlorpheniramine 4 mg": "รับประทานครั้งละ 1 เม็ด วันละ 3 ครั้ง เช้า กลางวัน เย็น หลังอาหาร"}
    assert ("blood pressure", "132/84", "mmHg") in slip.details["vitals"]
    assert slip.allergies == ["Penicillin"]
    assert slip.appointment is not None
    assert (slip.appointment["day"], slip.appointment["reason"]) == ((TODAY + dt.timedelta(days=14)).isoformat(),
                                                                   "ติดตามความดัน")
    # the earlier visit's slip names the appointment booked then, not today's
    old = unit.visits.slip(earlier["id"])
    assert old.appointment is not None and old.appointment["day"] == (TODAY - dt.timedelta(days=20)).isoformat()
    assert old.details["drugs"] == []


def test_an_appointment_card_is_the_next_booked_one_or_the_one_named(unit: UnitSession) -> None:
    pid = _patient(unit)
    with pytest.raises(InvalidInputError):
        unit.visits.appointment_card(pid)  # nothing booked yet
    unit.visits.save(pid, VisitForm(complaint="ความดัน", diagnoses=[("I10", "1")],
                                    appointment_day=TODAY + dt.timedelta(days=30), appointment_reason="วัดความดัน"))
    card = unit.visits.appointment_card(pid)
    assert (card.name.split()[0], card.hn, card.day, card.reason) == ("สมศรี", "0000001",
                                                                       (TODAY + dt.timedelta(days=30)).isoformat(),
                                                                       "วัดความดัน")
    assert card.facility == "รพ.สต.ทดสอบ" and card.start.startswith(card.day)
    assert unit.visits.appointment_card(pid, appointment_id=card.id).id == card.id
    with pytest.raises(InvalidInputError):
        unit.visits.appointment_card(pid, appointment_id="not-an-appointment")
    # a clerk at the desk prints one too (reading is enough); a voided visit has no slip
    unit.act_as(Actor("clerk", CLERK))
    assert unit.visits.appointment_card(pid).id == card.id
    unit.act_as(NURSE)
    visit = unit.visits.save(pid, VisitForm(complaint="ผิดคน")).value
    unit.visits.void(visit["id"], "บันทึกผิดคน")
    with pytest.raises(InvalidInputError):
        unit.visits.slip(visit["id"])

