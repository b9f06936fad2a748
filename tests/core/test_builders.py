"""core.builders: every builder makes valid FHIR R4, the vital-sign table gives each reading
its LOINC code and UCUM unit, and registration/visits, the 43-file import and the demo data
write the same shape for the same reading (ids, references and times aside)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from clinic_app.core import builders as build
from clinic_app.core import demo
from clinic_app.core.fhir import Resource, validate_resource
from clinic_app.core.identifiers import CID_SYSTEM, EPI_VACCINE_SYSTEM, ICD10_TM, LOINC, TMT_SYSTEM, UCUM
from clinic_app.core.permissions import CLERK, Actor
from clinic_app.core.places import home_address
from clinic_app.interop import f43
from clinic_app.interop.f43_import import to_resources
from clinic_app.services.installation import Installation
from clinic_app.services.patients import PatientForm, PatientService, VisitForm

HCODE = "12345"  # the installation fixture's unit (tests/conftest.py)
WHEN = "2026-10-15T09:30:00+07:00"
SUBJECT, ENCOUNTER = build.reference("Patient", "p1"), build.reference("Encounter", "e1")
AT: dict[str, Any] = {"subject": SUBJECT, "encounter": ENCOUNTER, "when": WHEN}
CID = "1101700207030"  # valid check digit
TMT_CODE = "100000000000000000000001"


def _by_code(resources: list[Resource]) -> dict[str, Resource]:
    """Observations by their LOINC code."""
    return {r["code"]["coding"][0]["code"]: r for r in resources if r["resourceType"] == "Observation"}


def _shape(resource: Resource) -> Resource:
    """A resource without what differs by who made it: id, references, times, meta, and the
    43-file fields an import keeps as read (interop/f43_fields.py)."""
    from clinic_app.core.identifiers import F43_FIELDS_EXTENSION

    drop = {"id", "meta", "subject", "patient", "encounter", "context", "effectiveDateTime", "recordedDate",
            "occurrenceDateTime", "whenHandedOver"}
    out = {k: v for k, v in resource.items() if k not in drop}
    extensions = [e for e in out.get("extension", []) if e.get("url") != F43_FIELDS_EXTENSION]
    out.pop("extension", None)
    return {**out, "extension": extensions} if extensions else out


# -- each builder alone -------------------------------------------------------------------------

EVERY_BUILDER: dict[str, Callable[[], Resource]] = {
    "patient, least": lambda: build.patient(
        id="p1", identifiers=[], names=[build.human_name("สมชาย", "ใจดี")], gender="male",
        birth_date="1980-04-15", hcode=HCODE),
    "patient, all": lambda: build.patient(
        id="p1", identifiers=[build.cid_identifier(CID)],
        names=[build.human_name("สมชาย", "ใจดี", prefix="นาย", prefix_code=("003", "นาย")),
               build.human_name("Somchai", "Jaidee", language="en", prefix="Mr.", text="Mr. Somchai Jaidee")],
        gender="male", birth_date="1980-04-15", hcode=HCODE, phone=build.phone("0812345678"),
        address=home_address("300101", house="12", moo="4"), deceased="2026-10-20",
        extension=[{"url": "urn:clinic-app:f43:TYPEAREA", "valueCode": "1"}]),
    "patient, died on a day not known": lambda: build.patient(
        id="p1", identifiers=[], names=[build.human_name("ก", "ข")], gender="unknown", birth_date="1930",
        hcode=HCODE, deceased=True),
    "encounter, least": lambda: build.encounter(id="e1", subject=SUBJECT, when=WHEN, hcode=HCODE),
    "encounter, all": lambda: build.encounter(id="e1", subject=SUBJECT, when=WHEN, hcode=HCODE, reason="ไข้ ไอ",
                                              identifiers=[build.identifier("urn:x:SEQ", "100")]),
    **{f"vital sign {kind}": (lambda kind=kind: build.vital_sign(kind, 37.5, id="o1", **AT))
       for kind in build.VITAL_SIGNS if kind not in ("systolic", "diastolic")},
    "blood pressure": lambda: build.blood_pressure(120, 80, id="o1", **AT),
    "condition, least": lambda: build.condition("J00", id="c1", **AT),
    "condition, all": lambda: build.condition(
        "E11.9", id="c1", display="Type 2 diabetes mellitus", text="เบาหวาน", clinical_status="active",
        extension=[{"url": "urn:clinic-app:f43:DIAGTYPE", "valueCode": "1"}], **AT),
    "immunization, least": lambda: build.immunization("ZZZ", id="i1", patient=SUBJECT, when="2026-10-15"),
    "immunization, all": lambda: build.immunization(
        "815", id="i1", patient=SUBJECT, when=WHEN, encounter=ENCOUNTER, primary_source=False, performer=build.reference("Practitioner", "pr1"),
        identifiers=[build.identifier("urn:x:SEQ", "100")]),
    "dispense, least": lambda: build.medication_dispense(build.medication("Paracetamol"), id="d1", **AT),
    "dispense, all": lambda: build.medication_dispense(
        build.medication("Paracetamol 500 mg", tmt=TMT_CODE, local="PARA500", display="Paracetamol 500 mg"),
        id="d1", amount=20, unit="tablet", **AT),
}


@pytest.mark.parametrize("make", EVERY_BUILDER.values(), ids=EVERY_BUILDER.keys())
def test_every_builder_makes_valid_fhir(make: Callable[[], Resource]) -> None:
    resource = make()
    assert validate_resource(resource) == []
    assert make() == resource  # pure: the same arguments, the same resource


def test_builders_make_no_ids_of_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_uuid() -> uuid.UUID:
        raise AssertionError("a builder drew an id")

    monkeypatch.setattr(uuid, "uuid4", no_uuid)
    for make in EVERY_BUILDER.values():
        assert make()["id"] in ("p1", "e1", "o1", "c1", "i1", "d1")


def test_the_blood_pressure_panel_has_both_readings_in_mm_hg() -> None:
    bp = build.blood_pressure(120, 80, id="o1", **AT)
    assert bp["code"]["coding"] == [{"system": LOINC, "code": "85354-9", "display": "Blood pressure panel"}]
    assert bp["category"][0]["coding"][0]["code"] == "vital-signs"
    assert "valueQuantity" not in bp
    systolic, diastolic = bp["component"]
    assert systolic["code"]["coding"] == [{"system": LOINC, "code": "8480-6", "display": "Systolic blood pressure"}]
    assert diastolic["code"]["coding"] == [{"system": LOINC, "code": "8462-4", "display": "Diastolic blood pressure"}]
    assert systolic["valueQuantity"] == {"value": 120, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"}
    assert diastolic["valueQuantity"] == {"value": 80, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"}


@pytest.mark.parametrize(("kind", "code", "unit", "ucum"), [
    ("weight", "29463-7", "kg", "kg"), ("temperature", "8310-5", "Cel", "Cel"),
    ("heart_rate", "8867-4", "/min", "/min"), ("respiratory_rate", "9279-1", "/min", "/min"),
])
def test_each_vital_sign_has_its_loinc_code_and_ucum_unit(kind: str, code: str, unit: str, ucum: str) -> None:
    obs = build.vital_sign(kind, 42, id="o1", **AT)
    assert obs["code"]["coding"][0]["code"] == code and obs["code"]["coding"][0]["system"] == LOINC
    assert obs["valueQuantity"] == {"value": 42, "unit": unit, "system": UCUM, "code": ucum}
    assert (obs["subject"], obs["encounter"], obs["effectiveDateTime"], obs["status"]) == (
        SUBJECT, ENCOUNTER, WHEN, "final")


def test_a_blood_pressure_part_alone_or_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="blood_pressure"):
        build.vital_sign("systolic", 120, id="o1", **AT)
    with pytest.raises(KeyError):
        build.vital_sign("glucose", 5.5, id="o1", **AT)


def test_optional_parts_are_left_out_when_not_given() -> None:
    assert "reasonCode" not in build.encounter(id="e1", subject=SUBJECT, when=WHEN, hcode=HCODE, reason="")
    assert "quantity" not in build.medication_dispense(build.medication("x"), id="d1", **AT)
    # an amount of 0 is an amount (a 43 file may say so); an empty unit is no unit
    assert build.medication_dispense(build.medication("x"), id="d1", amount=0, unit="", **AT)["quantity"] == {
        "value": 0}
    assert build.medication(None, tmt="", local="") == {}
    assert "display" not in build.immunization("ZZZ", id="i1", patient=SUBJECT, when=WHEN)["vaccineCode"]["coding"][0]
    assert build.immunization("J11", id="i1", patient=SUBJECT, when=WHEN)["vaccineCode"]["coding"][0] == {
        "system": EPI_VACCINE_SYSTEM, "code": "J11", "display": "LAJE1"}  # the EPI schedule's name
    patient = build.patient(id="p1", identifiers=[], names=[], gender="male", birth_date="1980", hcode=HCODE)
    assert not {"telecom", "address", "extension", "deceasedBoolean", "deceasedDateTime"} & set(patient)
    assert build.condition("J00", id="c1", **AT)["code"] == {"coding": [{"system": ICD10_TM, "code": "J00"}]}


def test_names_are_written_the_thai_way_unless_a_text_is_given() -> None:
    assert build.human_name("สมชาย", "ใจดี", prefix="นาย") == {
        "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/language", "valueCode": "th"}],
        "use": "official", "text": "นายสมชาย ใจดี", "given": ["สมชาย"], "family": "ใจดี", "prefix": ["นาย"]}
    coded = build.human_name("สมชาย", "ใจดี", prefix="นาย", prefix_code=("003", "นาย"))
    assert coded["_prefix"][0]["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "003"
    assert build.human_name("Mali", "Srisuk", language="en")["extension"][0]["valueCode"] == "en"
    usual = build.human_name(" Mali ", "Srisuk ", use="usual")
    assert (usual["use"], usual["given"], usual["family"], "prefix" in usual) == ("usual", ["Mali"], "Srisuk", False)
    assert build.human_name("Mali", "Srisuk", prefix="Miss", text="Miss Mali Srisuk")["text"] == "Miss Mali Srisuk"


def test_core_builders_load_nothing_core_must_not() -> None:
    code = ("import sys, clinic_app.core.builders; "
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                timeout=60).stdout.split())
    assert not loaded & {"PySide6", "shiboken6", "httpx", "sqlcipher3", "sqlite3", "keyring", "platformdirs",
                         "cryptography", "argon2"}


# -- the three callers write the same shapes -----------------------------------------------------

def _f43_import(service: dict[str, str], **tables: list[dict[str, str]]) -> list[Resource]:
    """The resources of one person with one visit (SEQ 100) read from 43-file bytes."""
    person = {"HOSPCODE": HCODE, "CID": CID, "PID": "1", "PRENAME": "003", "NAME": "สมชาย", "LNAME": "ใจดี",
              "HN": "0000001", "SEX": "1", "BIRTH": "19800415", "MOBILE": "0812345678"}
    rows = {"PERSON": [person], "SERVICE": [{"HOSPCODE": HCODE, "PID": "1", "SEQ": "100", "DATE_SERV": "20261015",
                                             "TIME_SERV": "093000", "CHIEFCOMP": "ไข้ ไอ", **service}], **tables}
    problems: list[Any] = []
    read = {name: f43.read_table(name, f43.render_table(name, table), problems) for name, table in rows.items()}
    result = to_resources(read, hcode=HCODE)
    assert problems == [] and result.problems == []
    return result.resources


def _record_visit(installation: Installation, visit: VisitForm) -> list[Resource]:
    """What registration and a visit store, read back from the unit's database."""
    store = installation.connect()
    try:
        patients = PatientService(store, actor=Actor("clerk.mali", CLERK))
        patients.register(PatientForm(given_th="สมชาย", family_th="ใจดี", sex="male", birth_day=15, birth_month=4,
                                      birth_year_be=2523, cid=CID, prefix="นาย", phone="0812345678"))
        [patient] = store.find_patients("cid", CID)
        patients.record_visit(patient["id"], visit)
        return store.chart(patient["id"])
    finally:
        store.close()


@pytest.fixture(scope="module")
def demo_visit() -> list[Resource]:
    """The first demo visit: its Encounter and what hangs on it."""
    resources = next(demo.generate(1, seed=5, hcode=HCODE)).resources
    encounter = next(r for r in resources if r["resourceType"] == "Encounter")
    ref = f"Encounter/{encounter['id']}"
    return [encounter, *(r for r in resources
                         if (r.get("encounter") or r.get("context") or {}).get("reference") == ref)]


def test_the_same_readings_make_the_same_observations_everywhere(installation: Installation,
                                                                 demo_visit: list[Resource]) -> None:
    shown = _by_code(demo_visit)
    sbp, dbp = (c["valueQuantity"]["value"] for c in shown["85354-9"]["component"])
    temperature, weight = shown["8310-5"]["valueQuantity"]["value"], shown["29463-7"]["valueQuantity"]["value"]
    imported = _by_code(_f43_import({"SBP": str(sbp), "DBP": str(dbp), "BTEMP": str(temperature), "PR": "88",
                                     "RR": "20"}))
    recorded = _by_code(_record_visit(installation, VisitForm(
        complaint="ไข้ ไอ", systolic=sbp, diastolic=dbp, temperature=temperature, weight=weight, pulse=88,
        when=dt.datetime(2026, 10, 15, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7))))))
    assert set(imported) == {"85354-9", "8310-5", "8867-4", "9279-1"}  # SERVICE has no weight
    assert set(recorded) == {"85354-9", "8310-5", "8867-4", "29463-7"}  # the visit form has no breathing rate
    for code in ("85354-9", "8310-5"):
        assert _shape(imported[code]) == _shape(recorded[code]) == _shape(shown[code]), code
    assert _shape(recorded["29463-7"]) == _shape(shown["29463-7"])
    assert _shape(imported["8867-4"]) == _shape(recorded["8867-4"])
    assert _shape(imported["9279-1"]) == _shape(build.vital_sign("respiratory_rate", 20, id="o1", **AT))
    assert _shape(imported["85354-9"]) == _shape(build.blood_pressure(sbp, dbp, id="o1", **AT))


def test_a_visit_diagnosis_dose_and_drug_have_one_shape_everywhere(installation: Installation) -> None:
    seq = {"HOSPCODE": HCODE, "PID": "1", "SEQ": "100", "DATE_SERV": "20261015"}
    # (the visit form's usual choices: came by themselves, in the unit, went home)
    imported = _f43_import({"TYPEIN": "1", "SERVPLACE": "1", "TYPEOUT": "1"},
                           DIAGNOSIS_OPD=[{**seq, "DIAGCODE": "J00", "DIAGTYPE": "1"}],
                           EPI=[{**seq, "VACCINETYPE": "061", "VACCINEPLACE": HCODE}],
                           DRUG_OPD=[{**seq, "DNAME": "Paracetamol syrup", "AMOUNT": "1", "UNIT": "bottle"}])
    recorded = _record_visit(installation, VisitForm(
        complaint="ไข้ ไอ", diagnosis="J00", vaccine="061", drug="Paracetamol syrup", drug_amount=1,
        drug_unit="bottle", when=dt.datetime(2026, 10, 15, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))))

    def one(resources: list[Resource], rtype: str) -> Resource:
        [found] = [r for r in resources if r["resourceType"] == rtype]
        return _shape(found)

    # the 43 file names no staff member (the visit does: its Practitioner) and has no ICD-10 titles
    def unperformed(resource: Resource) -> Resource:
        return {k: v for k, v in resource.items() if k != "performer"}

    assert unperformed(one(imported, "Immunization")) == unperformed(one(recorded, "Immunization"))
    assert unperformed(one(imported, "MedicationDispense")) == unperformed(one(recorded, "MedicationDispense"))
    mine = one(recorded, "Condition")
    assert mine["code"]["coding"][0].pop("display") and mine["code"].pop("text")
    assert one(imported, "Condition") == mine
    encounters = [one(resources, "Encounter") for resources in (imported, recorded)]
    assert encounters[0].pop("identifier") == [build.local_identifier(HCODE, "VN", "100") | {"use": "secondary"}]
    assert encounters[1].pop("identifier")[0]["type"]["coding"][0]["code"] == "localVn"  # the app's own VN
    encounters[1].pop("participant", None)  # the staff member who saw the patient (the 43 file names none)
    assert encounters[0] == encounters[1]


def test_a_person_and_a_registration_make_the_same_patient(installation: Installation) -> None:
    imported = next(r for r in _f43_import({}) if r["resourceType"] == "Patient")
    registered = _record_visit(installation, VisitForm(complaint="x"))[0]
    assert registered["resourceType"] == "Patient"
    same = ("active", "name", "gender", "birthDate", "telecom", "managingOrganization")
    assert {k: imported[k] for k in same} == {k: registered[k] for k in same}
    assert imported["identifier"][0] == registered["identifier"][0] == build.cid_identifier(CID)
    assert registered["identifier"][0]["type"]["coding"][0]["code"] == "cid"
