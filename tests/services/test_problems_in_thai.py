"""Every problem the window's patient and visit forms can meet carries a Thai reason (the
window shows it beside the field in Thai), and the records those forms build cannot trip
the FHIR validator's English-only reasons."""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import re
from collections.abc import Iterator

import pytest

from clinic_app.core.errors import InvalidInputError, Problem
from clinic_app.core.permissions import CLERK, Actor
from clinic_app.services import patients as patients_module
from clinic_app.services.installation import Installation
from clinic_app.services.patients import PatientForm, PatientService, VisitForm, form_problems
from clinic_app.services import visits as visits_module
from clinic_app.services.formulary import Drug
from clinic_app.services.visits import DrugLine, unusual_readings, visit_problems

THAI = re.compile("[\u0e00-\u0e7f]")
GOOD = dict(given_th="สมศรี", family_th="มีสุข", sex="female", birth_day=3, birth_month=2, birth_year_be=2523)

# One bad form for each way form_problems can refuse one.
BAD_FORMS = [dict(cid="12345"), dict(cid="9101700207030"), dict(cid="1101700207031"), dict(given_th=""),
             dict(family_th=" "), dict(given_en="Somsri"), dict(family_en="Meesuk"), dict(sex="?"),
             dict(birth_year_be=2700), dict(birth_year_be=2300), dict(birth_month=13), dict(birth_day=31, birth_month=2),
             dict(phone="call me"), dict(subdistrict_code="999999"), dict(moo="0"), dict(moo="100"),
             dict(postal_code="3000"), dict(birth_year_be=0), dict(birth_day=3, birth_month=0), dict(typearea="9")]
# ... and each way visit_problems and unusual_readings can.
BAD_VISITS = [dict(weight=0.0), dict(weight=900), dict(systolic=400, diastolic=80), dict(diastolic=300, systolic=320),
              dict(temperature=50), dict(pulse=5), dict(systolic=120), dict(diastolic=80),
              dict(systolic=80, diastolic=120), dict(diagnosis="ZZZ"), dict(vaccine="999"), dict(complaint=" "),
              dict(diagnoses=[("J00", "9")]), dict(diagnoses=[("J00", "1"), ("I10", "1")]),
              dict(diagnoses=[("J00", "1"), ("J00", "2")]), dict(drugs=[DrugLine(code="NOPE")]),
              dict(drugs=[DrugLine()]), dict(drugs=[DrugLine(text="ยาแก้ไอ", frequency="SOMETIMES")]),
              dict(drugs=[DrugLine(text="ยาแก้ไอ", dose=0)]), dict(procedures=["00.00"]),
              dict(appointment_day=dt.date(2000, 1, 1)), dict(blood_sugar=2000), dict(type_out="9")]
UNUSUAL_VISITS = [dict(systolic=270, diastolic=140), dict(systolic=120, diastolic=20), dict(weight=0.3),
                  dict(temperature=44), dict(pulse=25), dict(blood_sugar=30)]

WITHDRAWN = {"OLD": Drug(id="d1", code="OLD", name="ยาเก่า", active=False)}


def _thai(problems: list[Problem]) -> None:
    assert problems
    for problem in problems:
        assert THAI.search(problem.thai), problem
        assert problem.reason_in("th") == problem.thai and problem.reason_in("en") == problem.reason


@pytest.mark.parametrize("change", BAD_FORMS)
def test_every_registration_form_problem_has_a_thai_reason(change: dict[str, object]) -> None:
    _thai(form_problems(PatientForm(**{**GOOD, **change})))  # type: ignore[arg-type]


@pytest.mark.parametrize("change", BAD_VISITS)
def test_every_visit_form_problem_has_a_thai_reason(change: dict[str, object]) -> None:
    _thai(visit_problems(VisitForm(**{"complaint": "ไข้", **change})))  # type: ignore[arg-type]


def test_a_withdrawn_drug_has_a_thai_reason() -> None:
    _thai(visit_problems(VisitForm(complaint="ไข้", drugs=[DrugLine(code="OLD")]), WITHDRAWN))


@pytest.mark.parametrize("change", UNUSUAL_VISITS)
def test_every_unusual_reading_has_a_thai_reason(change: dict[str, object]) -> None:
    _thai(unusual_readings(VisitForm(**{"complaint": "ไข้", **change})))  # type: ignore[arg-type]


def test_the_cases_above_reach_every_problem_the_forms_write() -> None:
    """Each Problem(...) written in services/patients.py, and in the visit form's checks of
    services/visits.py, has its Thai there, and the cases above meet every one of them (a
    new check without Thai, or without a case here, fails)."""
    trees = [ast.parse(inspect.getsource(patients_module))] + [
        ast.parse(inspect.getsource(check)) for check in (visit_problems, visits_module._drug_line_problems,
                                                          unusual_readings)]
    calls = [node for tree in trees for node in ast.walk(tree) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Name) and node.func.id == "Problem"]
    assert calls and all(len(call.args) == 4 for call in calls), "every Problem in services/patients.py has its Thai"
    met = [p for change in BAD_FORMS for p in form_problems(PatientForm(**{**GOOD, **change}))]  # type: ignore[arg-type]
    for change in BAD_VISITS + UNUSUAL_VISITS:
        visit = VisitForm(**{"complaint": "ไข้", **change})  # type: ignore[arg-type]
        met += visit_problems(visit) + unusual_readings(visit)
    met += visit_problems(VisitForm(complaint="ไข้", drugs=[DrugLine(code="OLD")]), WITHDRAWN)
    kinds = {re.sub(r"[0-9.]+", "N", p.reason) for p in met}  # "N is unusual (usually N-N) ..."
    # the citizen ID's one Problem has three reasons; registering twice and a possible
    # duplicate are met in the test below
    assert len(kinds) == len(calls) - 1 + 3 - 2, sorted(kinds)


@pytest.fixture
def patients(installation: Installation) -> Iterator[PatientService]:
    store = installation.connect()
    yield PatientService(store, actor=Actor("clerk.mali", CLERK))
    store.close()


def test_registering_twice_and_a_possible_duplicate_say_why_in_thai(patients: PatientService) -> None:
    form = PatientForm(**GOOD, cid="1101700207030")  # type: ignore[arg-type]
    patients.register(form)
    with pytest.raises(InvalidInputError) as again:
        patients.register(form, allow_duplicates=True)
    _thai(again.value.problems)
    with pytest.raises(InvalidInputError) as similar:
        patients.register(PatientForm(**GOOD))  # type: ignore[arg-type]
    _thai(similar.value.problems)


def test_an_english_name_half_filled_is_the_forms_problem_not_the_fhir_validators(patients: PatientService) -> None:
    """It used to reach the validator, whose reason (at name[1].given[0]) is English only."""
    for half in (dict(given_en="", family_en="Meesuk"), dict(given_en="Somsri", family_en=" ")):
        with pytest.raises(InvalidInputError) as refused:
            patients.register(PatientForm(**GOOD, **half))  # type: ignore[arg-type]
        assert [p.path for p in refused.value.problems] == ["name"]
        _thai(refused.value.problems)
    assert patients.store.counts_by_type() == {}
