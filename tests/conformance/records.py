"""Hand-made records for the conformance tests, written from the SIL-TH guides (their
examples and profiles), not from the app's builders: every URL is spelt out here.

`good_*()` return a record that passes every rule; the cases in test_rules.py break one rule
at a time on a fresh copy.
"""

from __future__ import annotations

import copy
from typing import Any

Resource = dict[str, Any]

TYPE = "https://terms.sil-th.org/core/CodeSystem/cs-th-identifier-type"
EXT = "https://fhir-ig.sil-th.org/th/extensions/StructureDefinition/"
CS = "https://terms.sil-th.org/core/CodeSystem/"
LANGUAGE = "http://hl7.org/fhir/StructureDefinition/language"
CID = "1101700207030"  # a valid check digit
CID_BAD_CHECK = "1101700207031"
HCODE = "12345"


def ident(type_code: str, system: str, value: str, *, type_system: str = TYPE) -> dict[str, Any]:
    return {"type": {"coding": [{"system": type_system, "code": type_code}]}, "system": system, "value": value}


def place(level: str, code: str) -> dict[str, Any]:
    return {"url": level, "valueCodeableConcept": {"coding": [{"system": CS + "cs-dopa-location", "code": code}]}}


def language(code: str) -> dict[str, Any]:
    return {"url": LANGUAGE, "valueCode": code}


def coded_ext(url: str, system: str, code: str) -> dict[str, Any]:
    return {"url": url, "valueCodeableConcept": {"coding": [{"system": system, "code": code}]}}


def good_patient() -> Resource:
    """TH Core's example patient's shape (th-core Examples/EX_Patient.fsh), in R4."""
    return copy.deepcopy({
        "resourceType": "Patient", "id": "p1",
        "meta": {"profile": ["https://fhir-ig.sil-th.org/th/core/StructureDefinition/th-core-patient"]},
        "extension": [coded_ext(EXT + "ex-patient-person-status", CS + "cs-thcc-person-status", "1")],
        "identifier": [
            ident("cid", "https://terms.sil-th.org/id/th-cid", CID),
            ident("localHn", f"https://terms.sil-th.org/hcode/5/{HCODE}/HN", "0000001"),
            ident("localPid", f"https://terms.sil-th.org/hcode/5/{HCODE}/PID", "1"),
            ident("PPN", "http://hl7.org/fhir/sid/passport-THA", "AA123456",
                  type_system="http://terminology.hl7.org/CodeSystem/v2-0203"),
        ],
        "name": [
            {"extension": [language("th")], "use": "official", "text": "นายสมชาย ใจดี", "family": "ใจดี",
             "given": ["สมชาย"], "prefix": ["นาย"],
             "_prefix": [{"extension": [coded_ext(EXT + "ex-humanname-name-prefix", CS + "cs-dopa-nameprefix", "003")]}]},
            {"extension": [language("en")], "use": "official", "family": "Jaidee", "given": ["Somchai"],
             "prefix": ["Mr."]},
        ],
        "gender": "male", "birthDate": "1980-04-15",
        "address": [{
            "extension": [
                {"url": EXT + "ex-address-address-code",
                 "extension": [place("province", "12"), place("district", "1201"), place("subdistrict", "120102")]},
                {"url": EXT + "ex-address-structured-line",
                 "extension": [{"url": "number", "valueString": "123"}, {"url": "villageNo", "valueString": "หมู่ที่ 20"}]},
            ],
            "use": "home", "line": ["123 หมู่ที่ 20"], "city": "ตลาดขวัญ", "district": "เมืองนนทบุรี", "state": "นนทบุรี",
            "postalCode": "11000", "country": "TH",
        }],
    })


def good_practitioner() -> Resource:
    return copy.deepcopy({
        "resourceType": "Practitioner", "id": "pr1",
        "identifier": [ident("proNurse", "https://terms.sil-th.org/id/th-nurse-id", "5511012345"),
                       ident("localProv", f"https://terms.sil-th.org/hcode/5/{HCODE}/Provider", "nurse.mali")],
        "name": [{"extension": [language("th")], "text": "นางมาลี ดีใจ", "family": "ดีใจ", "given": ["มาลี"]}],
        "qualification": [{"identifier": [ident("proDoc", "https://terms.sil-th.org/id/th-doctor-id", "12345")],
                           "code": {"text": "แพทย์"}}],
    })


def good_encounter() -> Resource:
    return copy.deepcopy({
        "resourceType": "Encounter", "id": "e1",
        "identifier": [dict(ident("localVn", f"https://terms.sil-th.org/hcode/5/{HCODE}/VN", "6710150001"),
                            use="secondary")],
        "status": "finished", "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": {"reference": "Patient/p1"}, "period": {"start": "2026-10-15T09:30:00+07:00"},
        "hospitalization": {"extension": [coded_ext(EXT + "ex-encounter-discharge-status",
                                                     CS + "cs-thcc-discharge-status", "1")]},
    })


def good_coverage() -> Resource:
    """43-file-plus's example (Examples/EX_Coverage/EX_CoverageUC.fsh) under the published URLs."""
    return copy.deepcopy({
        "resourceType": "Coverage", "id": "c1", "status": "active",
        "type": {"coding": [{"system": CS + "cs-thcc-coverage-type", "code": "0100", "display": "หลักประกันสุขภาพ"},
                            {"system": CS + "cs-th-coverage-type", "code": "UCS"}]},
        "beneficiary": {"reference": "Patient/p1"},
        "payor": [{"display": "สำนักงานหลักประกันสุขภาพแห่งชาติ (สปสช.)"}],
    })


def good_immunization() -> Resource:
    return copy.deepcopy({
        "resourceType": "Immunization", "id": "i1", "status": "completed",
        "vaccineCode": {"coding": [{"system": CS + "cs-thcc-vaccine-code", "code": "061", "display": "MMR1"}]},
        "patient": {"reference": "Patient/p1"}, "occurrenceDateTime": "2026-10-15",
        "performer": [{"actor": {"reference": "Practitioner/pr1"}}],
    })


def good_dispense() -> Resource:
    return copy.deepcopy({
        "resourceType": "MedicationDispense", "id": "d1", "status": "completed",
        "medicationCodeableConcept": {"coding": [
            {"system": CS + "cs-th-24drug", "code": "100176000004493120381620"},
            {"system": CS + "cs-th-tmt", "code": "227162"},
            {"system": CS + "cs-th-local-drug-code", "code": "PARA500"}], "text": "Paracetamol 500 mg"},
        "subject": {"reference": "Patient/p1"},
    })


def good_condition() -> Resource:
    return copy.deepcopy({
        "resourceType": "Condition", "id": "dx1", "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "J02.0"}]},
    })


def good_vital() -> Resource:
    return copy.deepcopy({
        "resourceType": "Observation", "id": "o1", "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
        "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2026-10-15T09:30:00+07:00",
        "component": [
            {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
             "valueQuantity": {"value": 120, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
            {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
             "valueQuantity": {"value": 80, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
        ],
    })


def good_temperature() -> Resource:
    return copy.deepcopy({
        "resourceType": "Observation", "id": "o2", "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]},
        "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2026-10-15T09:30:00+07:00",
        "valueQuantity": {"value": 37.5, "unit": "°C", "system": "http://unitsofmeasure.org", "code": "Cel"},
    })


GOOD = (good_patient, good_practitioner, good_encounter, good_coverage, good_immunization, good_dispense,
        good_condition, good_vital, good_temperature)
