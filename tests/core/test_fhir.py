from __future__ import annotations

from clinic_app.core import fhir
from clinic_app.core.identifiers import CID_SYSTEM, HCODE_SYSTEM, IdentifierSystems, local_system


def test_valid_patient_has_no_problems() -> None:
    assert fhir.validate_resource({"resourceType": "Patient", "id": "p1", "gender": "female"}) == []


def test_problems_name_the_path_and_never_the_value() -> None:
    bad = {"resourceType": "Observation", "status": 5, "code": {"text": "x"},
           "valueQuantity": {"value": "1234567890121x"}}
    problems = fhir.validate_resource(bad, index=3, prefix="entry[3].resource.")
    paths = {p.path for p in problems}
    assert "entry[3].resource.status" in paths
    assert "entry[3].resource.valueQuantity.value" in paths
    assert all(p.index == 3 for p in problems)
    assert not any("1234567890121" in p.reason for p in problems)


def test_unknown_type_bad_id_and_unknown_field_are_problems() -> None:
    assert fhir.validate_resource({"resourceType": "Pateint"})[0].path == "resourceType"
    assert fhir.validate_resource({"resourceType": "Patient", "id": "has space"})[0].path == "id"
    assert fhir.validate_resource({"resourceType": "Patient", "nmae": []})
    assert fhir.validate_resource([1, 2])[0].reason == "not a JSON object"


def test_patient_index_and_references() -> None:
    patient = {
        "resourceType": "Patient", "id": "p1",
        "identifier": [{"system": CID_SYSTEM, "value": "1234567890121"},
                       {"system": "http://dopa.go.th", "value": "1101700207030"},
                       {"system": local_system("12345", "HN"), "value": "0000042"}],
        "name": [{"text": "นางสมหญิง ใจดี"}, {"given": ["Somying"], "family": "Jaidee"}],
        "telecom": [{"system": "phone", "value": "081-234-5678"}],
    }
    idx = fhir.patient_index(patient, IdentifierSystems())
    assert idx.cids == ("1234567890121", "1101700207030")
    assert idx.hns == ("0000042",)
    assert idx.phones == ("0812345678",)
    assert "Somying Jaidee" in idx.names and "นางสมหญิง ใจดี" in idx.names
    obs = {"resourceType": "Observation", "subject": {"reference": "Patient/p1"}}
    assert fhir.patient_id_of(obs) == "p1"
    assert fhir.patient_id_of(patient) == "p1"
    assert fhir.reference_id({"reference": "https://hub/fhir/Patient/p9/_history/2"}, "Patient") == "p9"


def test_owner_stamp_and_reference_rewrite() -> None:
    res = fhir.stamp_owner({"resourceType": "Patient", "meta": {"tag": [{"system": "x", "code": "y"}]}}, "12345")
    assert fhir.owner_of(res) == "12345"
    assert {"system": HCODE_SYSTEM, "code": "12345"} in res["meta"]["tag"] and len(res["meta"]["tag"]) == 2
    out = fhir.rewrite_references({"a": [{"reference": "urn:uuid:1"}], "reference": "urn:uuid:2"},
                                  {"urn:uuid:1": "Patient/p", "urn:uuid:2": "Encounter/e"})
    assert out == {"a": [{"reference": "Patient/p"}], "reference": "Encounter/e"}
