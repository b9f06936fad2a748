from __future__ import annotations

from clinic_app.core import demo, fhir, thai


def test_same_seed_same_data_other_seed_other_data() -> None:
    a = list(demo.generate(5, seed=3))
    b = list(demo.generate(5, seed=3))
    c = list(demo.generate(5, seed=4))
    assert [p.resources for p in a] == [p.resources for p in b]
    assert [p.cid for p in a] != [p.cid for p in c]


def test_demo_resources_are_valid_fhir_with_valid_cids(demo_patients: list[demo.DemoPatient]) -> None:
    types = set()
    for person in demo_patients:
        assert thai.is_valid_cid(person.cid)
        ids = {f"{r['resourceType']}/{r['id']}" for r in person.resources}
        patient = person.resources[0]
        assert patient["resourceType"] == "Patient"
        for res in person.resources:
            types.add(res["resourceType"])
            assert fhir.validate_resource(res) == [], res["resourceType"]
            assert fhir.patient_id_of(res) == patient["id"]
            enc = res.get("encounter") or res.get("context")
            if enc:
                assert enc["reference"] in ids
    assert {"Patient", "Encounter", "Observation", "Condition", "MedicationDispense"} <= types


def test_about_twenty_resources_per_patient() -> None:
    people = list(demo.generate(300, seed=1))
    per = sum(len(p.resources) for p in people) / len(people)
    assert 15 <= per <= 25
    assert any(r["resourceType"] == "Immunization" for p in people for r in p.resources)
    assert any(r["resourceType"] == "AllergyIntolerance" for p in people for r in p.resources)
