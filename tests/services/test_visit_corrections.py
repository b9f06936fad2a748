"""A saved visit back as the visit form (`VisitService.form_of`), for a correction: every
part comes back, saving it again unchanged changes nothing, and the record's history
(`UnitSession.history`) says who recorded and who corrected what; on the real encrypted store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clinic_app.core.errors import InvalidInputError
from clinic_app.core.permissions import ADMIN, CLERK, CLINICIAN, Actor, PermissionDeniedError
from clinic_app.services.installation import Installation
from clinic_app.services.patients import PatientForm
from clinic_app.services.session import UnitSession
from tests.services.drugs import session_with_drugs
from clinic_app.services.visits import DrugLine, VisitForm

FORMULARY = """code,name,strength,unit,tmt,drug24,dose,frequency,days,group
PARA500,Paracetamol,500 mg,เม็ด,,,1,QID,3,
AMOX500,Amoxicillin,500 mg,แคปซูล,,,1,TID,7,penicillins
"""
NURSE = Actor("nurse.ploy", CLINICIAN)
DOCTOR = Actor("dr.anan", CLINICIAN)


@pytest.fixture
def unit(installation: Installation) -> Iterator[UnitSession]:
    yield from session_with_drugs(installation, FORMULARY, acting=NURSE)


def _patient(unit: UnitSession) -> str:
    form = PatientForm(given_th="สมศรี", family_th="มีสุข", sex="female", birth_day=3, birth_month=2,
                       birth_year_be=2523)
    return unit.patients.register(form, allow_duplicates=True).value["id"]


def _full_visit() -> VisitForm:
    return VisitForm(complaint="ไข้ ไอ", systolic=128, diastolic=82, weight=55.5, temperature=38.2, pulse=96,
                     blood_sugar=110, diagnoses=[("I10", "2"), ("J00", "1")],
                     drugs=[DrugLine(code="PARA500", dose=1, frequency="QID", days=3),
                            DrugLine(text="ยาอมแก้ไอ สมุนไพร", quantity=1, unit="ซอง")],
                     procedures=["93.57"], vaccine="815", note="นัดติดตาม 1 สัปดาห์")


def test_a_saved_visit_comes_back_as_the_form_it_was_saved_from(unit: UnitSession) -> None:
    pid = _patient(unit)
    saved = unit.visits.save(pid, _full_visit()).value
    form = unit.visits.form_of(saved["id"])
    assert (form.complaint, form.note) == ("ไข้ ไอ", "นัดติดตาม 1 สัปดาห์")
    assert (form.systolic, form.diastolic, form.weight, form.temperature, form.pulse, form.blood_sugar) == \
        (128, 82, 55.5, 38.2, 96, 110)
    assert form.diagnoses == [("J00", "1"), ("I10", "2")]  # the principal first, each with its type
    para, free = form.drugs
    assert (para.code, para.text, para.quantity, para.days) == ("PARA500", "", 12, 3)
    assert para.label == "รับประทานครั้งละ 1 เม็ด วันละ 4 ครั้ง เช้า กลางวัน เย็น ก่อนนอน"
    assert (free.code, free.text, free.quantity, free.unit) == ("", "ยาอมแก้ไอ สมุนไพร", 1, "ซอง")
    assert form.procedures == ["93.57"] and form.vaccine == "815"
    assert form.when is not None and form.when.isoformat(timespec="seconds") == saved["period"]["start"]


def test_saving_the_form_again_unchanged_changes_nothing_and_a_change_is_named(unit: UnitSession) -> None:
    pid = _patient(unit)
    saved = unit.visits.save(pid, _full_visit()).value
    unit.act_as(DOCTOR)
    unit.visits.correct(saved["id"], unit.visits.form_of(saved["id"]))
    entries = unit.history("Encounter", saved["id"])
    assert [e["action"] for e in entries] == ["record-visit", "correct-visit"]
    assert entries[-1]["detail"]["changed"] == []  # the form held exactly what was saved
    form = unit.visits.form_of(saved["id"])
    form.diagnoses = [("J02.9", "1"), ("I10", "2")]
    unit.visits.correct(saved["id"], form)
    entries = unit.history("Encounter", saved["id"])
    assert [(e["actor"], e["action"]) for e in entries] == [("nurse.ploy", "record-visit"),
                                                            ("dr.anan", "correct-visit"), ("dr.anan", "correct-visit")]
    assert entries[-1]["detail"]["changed"] == ["diagnoses"]
    assert entries[0]["at"] <= entries[-1]["at"]
    again = unit.visits.form_of(saved["id"])
    assert again.diagnoses == [("J02.9", "1"), ("I10", "2")]
    assert len(again.drugs) == 2 and again.procedures == ["93.57"]  # the rest kept by the correction


def test_a_drug_withdrawn_from_the_list_comes_back_in_words_and_an_override_reason_is_kept(unit: UnitSession) -> None:
    pid = _patient(unit)
    unit.visits.add_allergy(pid, "Penicillin", reaction="ผื่น")
    form = VisitForm(complaint="เจ็บคอ", drugs=[DrugLine(code="AMOX500", dose=1, frequency="TID", days=7)],
                     allergy_reason="ไม่มียาอื่น")
    saved = unit.visits.save(pid, form).value
    back = unit.visits.form_of(saved["id"])
    assert back.drugs[0].code == "AMOX500" and back.allergy_reason == "ไม่มียาอื่น"
    unit.visits.correct(saved["id"], back)  # not stopped again by the allergy: the reason came back
    unit.act_as(Actor("admin.somchai", ADMIN))
    unit.formulary.save({"code": "AMOX500", "name": "Amoxicillin", "strength": "500 mg", "unit": "แคปซูล"},
                        active=False)
    unit.act_as(NURSE)
    [line] = unit.visits.form_of(saved["id"]).drugs
    assert (line.code, line.text) == ("", "Amoxicillin 500 mg")


def test_the_history_is_for_staff_who_read_records_and_a_voided_visit_has_no_form(unit: UnitSession) -> None:
    pid = _patient(unit)
    saved = unit.visits.save(pid, VisitForm(complaint="ไข้")).value
    unit.visits.void(saved["id"], "บันทึกผิดคน")
    [recorded, voided] = unit.history("Encounter", saved["id"])
    assert voided["action"] == "void-visit" and voided["detail"]["reason"] == "บันทึกผิดคน"
    assert voided["who"] == "nurse.ploy"
    with pytest.raises(InvalidInputError):
        unit.visits.form_of(saved["id"])
    unit.act_as(Actor("device", "device-not-a-role"))
    with pytest.raises(PermissionDeniedError):
        unit.history("Encounter", saved["id"])
    unit.act_as(Actor("clerk.mali", CLERK))
    assert len(unit.history("Encounter", saved["id"])) == 2  # clerks read records


def test_a_birth_year_known_without_its_day_comes_back_as_that_year_an_estimate_as_an_age(unit: UnitSession) -> None:
    """The registration form filled in for a correction: a year is not turned into an age."""
    known = unit.patients.register(PatientForm(given_th="สมชาย", family_th="ใจดี", sex="male", birth_day=0,
                                               birth_month=0, birth_year_be=2523), allow_duplicates=True).value
    form = unit.patients.form_of(known["id"])
    assert (form.birth_year_be, form.age_years) == (2523, None)
    assert unit.patients.update(known["id"], form).changes.empty
    guessed = unit.patients.register(PatientForm(given_th="สมหมาย", family_th="ใจดี", sex="male", birth_day=0,
                                                 birth_month=0, birth_year_be=0, age_years=60),
                                     allow_duplicates=True).value
    form = unit.patients.form_of(guessed["id"])
    assert (form.birth_year_be, form.age_years) == (0, 60)


def test_a_passports_issuing_country_comes_back_so_a_correction_keeps_it(unit: UnitSession) -> None:
    patient = unit.patients.register(PatientForm(given_th="อองซาน", family_th="ทดสอบ", sex="male", birth_day=0,
                                                 birth_month=0, birth_year_be=2530, passport="MA1234567",
                                                 passport_country="MMR"), allow_duplicates=True).value
    form = unit.patients.form_of(patient["id"])
    assert (form.passport, form.passport_country) == ("MA1234567", "MMR")
    form.phone = "0812345678"
    unit.patients.update(patient["id"], form)
    [entry] = [e for e in unit.history("Patient", patient["id"]) if e["action"] == "update-patient"]
    assert entry["detail"]["changed"] == ["telecom"]  # the passport's system untouched
