from __future__ import annotations

import datetime as dt

import pytest

from clinic_app.core.errors import InvalidInputError
from clinic_app.core.fhir import validate_resource
from clinic_app.core.permissions import CLERK, Actor
from clinic_app.services.installation import Installation
from clinic_app.services.patients import PatientForm, PatientService, VisitForm, form_problems

FORM = PatientForm(given_th="สมศรี", family_th="มีสุข", sex="female", birth_day=3, birth_month=2,
                   birth_year_be=2523, cid="1101700207030", prefix="นาง", given_en="Somsri", family_en="Meesuk",
                   house="12", moo="4", subdistrict_code="300101", phone="081-234-5678")


@pytest.fixture
def patients(installation: Installation):  # type: ignore[no-untyped-def]
    store = installation.connect()
    yield PatientService(store, actor=Actor("clerk.mali", CLERK))
    store.close()


def test_register_makes_a_valid_patient_with_hn_and_buddhist_era_birth(patients: PatientService) -> None:
    patient = patients.register(FORM).value
    assert validate_resource(patient) == []
    assert patient["birthDate"] == "1980-02-03"
    assert patient["identifier"][1]["value"] == "0000001"
    assert patients.store.find_patients("cid", "1101700207030")[0]["id"] == patient["id"]
    assert patients.store.outbox.counts() == {"pending": 2}  # the Patient and its Coverage (the right)
    [right] = [r for r in patients.store.iter_resources(resource_type="Coverage")]
    assert right["beneficiary"] == {"reference": f"Patient/{patient['id']}"}
    assert [c["code"] for c in right["type"]["coding"]] == ["0100", "UCS"]
    assert patients.register(PatientForm(given_th="ก", family_th="ข", sex="male", birth_day=1, birth_month=1,
                                         birth_year_be=2560)).value["identifier"][0]["value"] == "0000002"
    # a place picked but no house number: still a valid address
    third = patients.register(PatientForm(given_th="ค", family_th="ง", sex="male", birth_day=1, birth_month=1,
                                          birth_year_be=2560, subdistrict_code="300101")).value
    assert validate_resource(third) == [] and "line" not in third["address"][0]
    address = third["address"][0]
    assert (address["city"], address["district"], address["state"], address["postalCode"]) == (  # TH Core: city = ตำบล
        "ในเมือง", "เมืองนครราชสีมา", "นครราชสีมา", "30000")
    assert address["text"] == "ต.ในเมือง อ.เมืองนครราชสีมา จ.นครราชสีมา"
    # the DOPA codes of the three levels, and the house and village numbers in their own parts (TH Core)
    fourth = patients.register(PatientForm(given_th="จ", family_th="ฉ", sex="male", birth_day=1, birth_month=1,
                                           birth_year_be=2560, subdistrict_code="100101", moo="3", house="9/1")).value
    coded = fourth["address"][0]
    codes = [part["valueCodeableConcept"]["coding"][0]["code"] for part in coded["extension"][0]["extension"]]
    assert codes == ["10", "1001", "100101"]
    assert {p["url"]: p["valueString"] for p in coded["extension"][1]["extension"]} == {"number": "9/1",
                                                                                       "villageNo": "หมู่ที่ 3"}
    assert coded["line"] == ["9/1 หมู่ที่ 3"] and "แขวงพระบรมมหาราชวัง เขตพระนคร" in coded["text"]


def test_invalid_forms_say_what_is_wrong() -> None:
    bad = PatientForm(given_th="", family_th="", sex="?", birth_day=31, birth_month=2, birth_year_be=2567,
                      cid="1101700207031", phone="08x")
    where = {p.path for p in form_problems(bad)}
    assert where == {"cid", "name", "sex", "birth", "phone"}
    for address in ({"subdistrict_code": "309999"}, {"subdistrict_code": "ในเมือง"}, {"moo": "ห้า"},
                    {"moo": "0"}, {"moo": "²"}, {"postal_code": "3000"}, {"postal_code": "๓๐๐๐๐"}):
        wrong = PatientForm(**{**FORM.__dict__, **address})
        assert [p.path for p in form_problems(wrong)] == ["address"], address


def test_duplicates_are_shown_before_saving(patients: PatientService) -> None:
    patients.register(FORM)
    same_cid = PatientForm(**{**FORM.__dict__, "given_th": "อื่น"})
    assert len(patients.duplicates(same_cid)) == 1
    similar = PatientForm(**{**FORM.__dict__, "cid": "", "given_th": "สมศรี "})
    assert len(patients.duplicates(similar)) == 1
    with pytest.raises(InvalidInputError):
        patients.register(similar)
    assert patients.register(similar, allow_duplicates=True)
    other_day = PatientForm(**{**FORM.__dict__, "cid": "", "birth_day": 4})
    assert patients.duplicates(other_day) == []


def test_a_visit_saves_offline_and_shows_in_the_chart(patients: PatientService) -> None:
    patient = patients.register(PatientForm(given_th="เด็กชาย", family_th="ทดสอบ", sex="male", birth_day=1,
                                            birth_month=1, birth_year_be=dt.date.today().year + 543 - 1)).value
    changes = patients.record_visit(patient["id"], VisitForm(
        complaint="ไข้ ไอ", systolic=100, diastolic=60, weight=10.5, temperature=38.2, pulse=110,
        diagnosis="J00", drug="Paracetamol syrup", drug_amount=1, drug_unit="bottle", vaccine="061", note="ดื่มน้ำมากๆ"))
    assert changes.created == {"Encounter": 1, "Observation": 4, "Condition": 1, "MedicationDispense": 1,
                               "Immunization": 1, "Practitioner": 1}  # the nurse's Practitioner, the first time
    chart = patients.chart(patient["id"])
    visit = chart.visits[0]
    assert visit["diagnoses"] == [{"code": "J00", "th": "หวัด", "en": "Acute nasopharyngitis [common cold]",
                                   "type": "1"}]  # the one diagnosis: the principal (DIAGTYPE 1)
    assert visit["complaint"] == "ไข้ ไอ" and visit["note"] == "ดื่มน้ำมากๆ"
    assert dict((kind, value) for kind, value, _ in visit["vitals"]) == {
        "blood pressure": "100/60", "weight": "10.5", "temperature": "38.2", "heart_rate": "110"}
    assert visit["drugs"] == [{"code": "", "text": "Paracetamol syrup", "amount": 1, "unit": "bottle", "label": "",
                               "days": None, "coded": False}]
    assert [v["code"] for v in visit["vaccines"]] == ["061"]
    assert chart.vitals[0]["sbp"] == 100 and chart.vitals[0]["weight"] == 10.5
    assert [i["code"] for i in chart.immunizations] == ["061"]
    assert "010" in {d.code for d in chart.due} and "061" not in {d.code for d in chart.due}


def test_implausible_vitals_are_refused(patients: PatientService) -> None:
    patient = patients.register(FORM).value
    with pytest.raises(InvalidInputError) as exc:
        patients.record_visit(patient["id"], VisitForm(complaint="x", systolic=80, diastolic=120, weight=900,
                                                       diagnosis="ZZZ"))
    assert {p.path for p in exc.value.problems} == {"weight", "blood pressure", "diagnosis"}
    assert patients.store.counts_by_type() == {"Patient": 1, "Coverage": 1}


def test_an_unusual_reading_is_saved_once_confirmed_an_impossible_one_never(patients: PatientService) -> None:
    from clinic_app.services.visits import UnusualValuesError

    patient = patients.register(FORM).value
    crisis = VisitForm(complaint="ปวดหัวมาก", systolic=270, diastolic=140, drug="Amlodipine 5 mg")
    with pytest.raises(UnusualValuesError) as unusual:
        patients.record_visit(patient["id"], crisis)
    assert [p.path for p in unusual.value.problems] == ["systolic"] and "confirm" in unusual.value.problems[0].reason
    assert patients.store.counts_by_type() == {"Patient": 1, "Coverage": 1}  # nothing yet
    saved = patients.record_visit(patient["id"], VisitForm(**{**crisis.__dict__, "unusual_confirmed": True}))
    assert saved.created["Observation"] == 1  # a real 270/140 is recordable
    with pytest.raises(InvalidInputError) as impossible:
        patients.record_visit(patient["id"], VisitForm(complaint="x", systolic=2700, diastolic=140,
                                                       unusual_confirmed=True))
    assert not isinstance(impossible.value, UnusualValuesError)
    assert [p.path for p in impossible.value.problems] == ["systolic"]
