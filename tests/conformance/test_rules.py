"""Each SIL-TH rule shown to fail on a hand-made record that breaks it (and only it), and to
pass on one that meets it; every rule has both. The records are written from the guides
(tests/conformance/records.py), never taken from the app's builders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from clinic_app.conformance import BY_ID, RULES, check, check_all
from clinic_app.conformance.rules import cid_check_digit_ok
from clinic_app.core.fhir import validate_resource
from tests.conformance.records import (
    CID,
    CID_BAD_CHECK,
    CS,
    EXT,
    GOOD,
    HCODE,
    TYPE,
    Resource,
    coded_ext,
    good_condition,
    good_coverage,
    good_dispense,
    good_encounter,
    good_immunization,
    good_patient,
    good_practitioner,
    good_temperature,
    good_vital,
    ident,
    language,
    place,
)


@dataclass(frozen=True)
class Case:
    rule: str
    name: str
    make: Callable[[], Resource]
    also: frozenset[str] = frozenset()  # other rules the same record breaks, unavoidably
    fhir_valid: bool = True  # False: R4 itself forbids it too (the check is also run on records not validated)

    def __str__(self) -> str:
        return f"{self.rule}:{self.name}"


def changed(base: Callable[[], Resource], change: Callable[[Resource], Any]) -> Callable[[], Resource]:
    def make() -> Resource:
        record = base()
        change(record)
        return record
    return make


def set_identifier(i: int, value: dict[str, Any]) -> Callable[[Resource], None]:
    return lambda r: r["identifier"].__setitem__(i, value)


def add_identifier(value: dict[str, Any]) -> Callable[[Resource], None]:
    return lambda r: r["identifier"].append(value)


def name0(r: Resource) -> dict[str, Any]:
    return r["name"][0]


def address0(r: Resource) -> dict[str, Any]:
    return r["address"][0]


def address_code(*subs: dict[str, Any]) -> Callable[[Resource], None]:
    return lambda r: address0(r)["extension"].__setitem__(
        0, {"url": EXT + "ex-address-address-code", "extension": list(subs)})


def structured_line(*parts: dict[str, Any]) -> Callable[[Resource], None]:
    return lambda r: address0(r)["extension"].__setitem__(
        1, {"url": EXT + "ex-address-structured-line", "extension": list(parts)})


def _swap_city_district(r: Resource) -> None:
    a = address0(r)
    a["city"], a["district"] = a["district"], a["city"]


def _old_address(r: Resource) -> None:
    address0(r)["extension"][0] = {"url": EXT + "ex-address-address-code", "valueCodeableConcept": {
        "coding": [{"system": CS + "cs-dopa-location", "code": "120102"}]}}


PASSPORT_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"

FAILING = [
    # identifiers
    Case("TH-ID-TYPE", "no type (the old shape)",
         changed(good_patient, set_identifier(1, {"system": f"https://terms.sil-th.org/hcode/5/{HCODE}/HN",
                                                  "value": "0000001"})),
         also=frozenset({"TH-ID-LOCAL"})),
    Case("TH-ID-TYPE", "a code the code system does not have",
         changed(good_patient, add_identifier(ident("jid", "https://terms.sil-th.org/id/th-jid", "0105536000001")))),
    Case("TH-ID-TYPE", "a type from another code system",
         changed(good_patient, add_identifier(ident("MR", "urn:example:mrn", "1",
                                                    type_system=PASSPORT_TYPE)))),
    Case("TH-ID-CID", "th-cid without type cid",
         changed(good_patient, set_identifier(0, ident("fid", "https://terms.sil-th.org/id/th-cid", CID)))),
    Case("TH-ID-CID", "type cid under DOPA's own URL (not in the guides)",
         changed(good_patient, set_identifier(0, ident("cid", "http://dopa.go.th", CID)))),
    Case("TH-ID-CID", "twelve digits", changed(good_patient, set_identifier(
        0, ident("cid", "https://terms.sil-th.org/id/th-cid", CID[:12])))),
    Case("TH-CID-CHECK", "a wrong check digit", changed(good_patient, set_identifier(
        0, ident("cid", "https://terms.sil-th.org/id/th-cid", CID_BAD_CHECK)))),
    Case("TH-ID-LOCAL", "the visit number under /SEQ", changed(good_encounter, set_identifier(
        0, ident("localVn", f"https://terms.sil-th.org/hcode/5/{HCODE}/SEQ", "100"))), also=frozenset({"TH-ENC-VN"})),
    Case("TH-ID-LOCAL", "an HN with type localPid", changed(good_patient, set_identifier(
        1, ident("localPid", f"https://terms.sil-th.org/hcode/5/{HCODE}/HN", "0000001")))),
    Case("TH-ID-LOCAL", "a 4-digit hcode", changed(good_patient, set_identifier(
        1, ident("localHn", "https://terms.sil-th.org/hcode/5/1234/HN", "0000001")))),
    Case("TH-ID-LOCAL", "a 5-digit hcode under /hcode/9/", changed(good_patient, set_identifier(
        1, ident("localHn", f"https://terms.sil-th.org/hcode/9/{HCODE}/HN", "0000001")))),
    Case("TH-ID-PASSPORT", "https:// as the guides' alias has it", changed(good_patient, set_identifier(
        3, ident("PPN", "https://hl7.org/fhir/sid/passport-THA", "AA123456", type_system=PASSPORT_TYPE)))),
    Case("TH-ID-PASSPORT", "a passport system without PPN", changed(good_patient, set_identifier(
        3, ident("fid", "http://hl7.org/fhir/sid/passport-MMR", "MB123456")))),
    Case("TH-ID-PASSPORT", "a country that is not ISO alpha-3", changed(good_patient, set_identifier(
        3, ident("PPN", "http://hl7.org/fhir/sid/passport-TH", "AA123456", type_system=PASSPORT_TYPE)))),
    Case("TH-ID-SYSTEM", "a disability card under the wrong system", changed(good_patient, add_identifier(
        ident("disability", "https://terms.sil-th.org/id/th-disability", "1")))),
    Case("TH-ID-SYSTEM", "an hcode of 6 digits", changed(good_patient, add_identifier(
        ident("hcode", "https://terms.sil-th.org/id/th-moph-hcode", "123456")))),
    Case("TH-PRACT-LICENCE", "a nurse's licence under the doctors' system", changed(good_practitioner, set_identifier(
        0, ident("proNurse", "https://terms.sil-th.org/id/th-doctor-id", "5511012345")))),
    Case("TH-PRACT-LICENCE", "a doctor's system typed as a nurse's, in qualification",
         changed(good_practitioner, lambda r: r["qualification"][0].__setitem__(
             "identifier", [ident("proNurse", "https://terms.sil-th.org/id/th-doctor-id", "12345")]))),
    # names
    Case("TH-NAME-LANG", "no language (the old shape)", changed(good_patient, lambda r: name0(r).pop("extension"))),
    Case("TH-NAME-LANG", "a language other than th and en",
         changed(good_patient, lambda r: name0(r).__setitem__("extension", [language("lo")]))),
    Case("TH-NAME-LANG", "an English name marked th",
         changed(good_patient, lambda r: r["name"][1].__setitem__("extension", [language("th")])),
         also=frozenset({"TH-NAME-OFFICIAL"})),
    Case("TH-NAME-LANG", "a Thai name marked en",
         changed(good_practitioner, lambda r: name0(r).__setitem__("extension", [language("en")]))),
    Case("TH-NAME-OFFICIAL", "two official Thai names",
         changed(good_patient, lambda r: r["name"].append({"extension": [language("th")], "use": "official",
                                                           "family": "ใจงาม", "given": ["สมชาย"]}))),
    Case("TH-NAME-PREFIX", "a code DOPA does not have", changed(good_patient, lambda r: name0(r).__setitem__(
        "_prefix", [{"extension": [coded_ext(EXT + "ex-humanname-name-prefix", CS + "cs-dopa-nameprefix", "998")]}]))),
    Case("TH-NAME-PREFIX", "the code of another prefix (น.ส. on นาย)", changed(good_patient, lambda r: name0(r).__setitem__(
        "_prefix", [{"extension": [coded_ext(EXT + "ex-humanname-name-prefix", CS + "cs-dopa-nameprefix", "004")]}]))),
    Case("TH-NAME-PREFIX", "on the name instead of the prefix", changed(good_patient, lambda r: name0(r).__setitem__(
        "extension", [language("th"), coded_ext(EXT + "ex-humanname-name-prefix", CS + "cs-dopa-nameprefix", "003")])),
         also=frozenset({"TH-EXT-CONTEXT"})),
    Case("TH-NAME-PREFIX", "another code system", changed(good_patient, lambda r: name0(r).__setitem__(
        "_prefix", [{"extension": [coded_ext(EXT + "ex-humanname-name-prefix", "urn:example:prefix", "1")]}]))),
    # addresses
    Case("TH-ADDR-CODE", "the older one-value form", changed(good_patient, _old_address)),
    Case("TH-ADDR-CODE", "an 8-digit code with the village number",
         changed(good_patient, address_code(place("province", "12"), place("subdistrict", "12010220")))),
    Case("TH-ADDR-CODE", "a subdistrict code that does not exist",
         changed(good_patient, address_code(place("province", "12"), place("district", "1201"),
                                            place("subdistrict", "120199")))),
    Case("TH-ADDR-CODE", "a district outside its province",
         changed(good_patient, address_code(place("province", "30"), place("district", "1201"),
                                            place("subdistrict", "120102"))), also=frozenset({"TH-ADDR-NAMES"})),
    Case("TH-ADDR-CODE", "a district code in the subdistrict slot",
         changed(good_patient, address_code(place("province", "12"), place("subdistrict", "1201")))),
    Case("TH-ADDR-CODE", "a sub-extension the guide does not name",
         changed(good_patient, address_code(place("changwat", "12")))),
    Case("TH-ADDR-NAMES", "city and district swapped (the old shape)", changed(good_patient, _swap_city_district)),
    Case("TH-ADDR-NAMES", "a province name of another province",
         changed(good_patient, lambda r: address0(r).__setitem__("state", "นครราชสีมา"))),
    Case("TH-ADDR-LINE", "the village number only in the line",
         changed(good_patient, structured_line({"url": "number", "valueString": "123"}))),
    Case("TH-ADDR-LINE", "villageNo as an integer",
         changed(good_patient, structured_line({"url": "villageNo", "valueInteger": 20}))),
    Case("TH-ADDR-LINE", "a part the guide does not name",
         changed(good_patient, structured_line({"url": "villageNo", "valueString": "20"},
                                               {"url": "moo", "valueString": "20"}))),
    # Thai patient and visit extensions
    Case("TH-PERSON-STATUS", "TYPEAREA 6", changed(good_patient, lambda r: r["extension"].__setitem__(
        0, coded_ext(EXT + "ex-patient-person-status", CS + "cs-thcc-person-status", "6")))),
    Case("TH-PERSON-STATUS", "a bare code", changed(good_patient, lambda r: r["extension"].__setitem__(
        0, {"url": EXT + "ex-patient-person-status", "valueCode": "1"}))),
    Case("TH-PID-REMOVE", "a reason the 43 files do not have", changed(good_patient, lambda r: r["extension"].append(
        coded_ext(EXT + "ex-patient-pid-remove-reason", CS + "cs-43file-pid-remove-reason", "4")))),
    Case("TH-ENC-DISCHARGE", "status 9", changed(good_encounter, lambda r: r["hospitalization"].__setitem__(
        "extension", [coded_ext(EXT + "ex-encounter-discharge-status", CS + "cs-thcc-discharge-status", "9")]))),
    Case("TH-NO-PRIVATE-EXT", "urn:clinic-app:f43:TYPEAREA", changed(good_patient, lambda r: r["extension"].append(
        {"url": "urn:clinic-app:f43:TYPEAREA", "valueCode": "1"}))),
    Case("TH-NO-PRIVATE-EXT", "the invented health-insurance extension", changed(good_patient, lambda r: r[
        "extension"].append({"url": "https://terms.sil-th.org/StructureDefinition/health-insurance",
                             "valueString": "UC"}))),
    Case("TH-NO-PRIVATE-EXT", "the superseded 43-file-plus URL", changed(good_patient, lambda r: r["extension"].append(
        coded_ext("https://fhir-ig.sil-th.org/mophpc/StructureDefinition/ex-patient-person-status",
                  CS + "cs-thcc-person-status", "1")))),
    Case("TH-NO-PRIVATE-EXT", "an extension id the guides do not have", changed(good_patient, lambda r: r[
        "extension"].append({"url": EXT + "ex-patient-insurance", "valueString": "UC"}))),
    Case("TH-EXT-CONTEXT", "discharge status on the Encounter, not on hospitalization",
         changed(good_encounter, lambda r: r.__setitem__("extension", r.pop("hospitalization")["extension"]))),
    Case("TH-EXT-CONTEXT", "an address code on the Patient", changed(good_patient, lambda r: r["extension"].append(
        {"url": EXT + "ex-address-address-code", "extension": [place("province", "12")]}))),
    Case("TH-CODESYSTEM", "the old vaccine system", changed(good_immunization, lambda r: r["vaccineCode"]["coding"].append(
        {"system": "https://terms.sil-th.org/CodeSystem/cs-thcc-vaccine-code", "code": "061"}))),
    Case("TH-CODESYSTEM", "a code system the guides do not name",
         changed(good_patient, lambda r: r.__setitem__("maritalStatus", {"coding": [
             {"system": CS + "cs-th-marital", "code": "2"}]}))),
    # Coverage, Encounter
    Case("TH-COVERAGE", "no payor (1..* in R4)", changed(good_coverage, lambda r: r.pop("payor")), fhir_valid=False),
    Case("TH-COVERAGE", "a status R4 does not have", changed(good_coverage, lambda r: r.__setitem__("status", "current"))),
    Case("TH-COVERAGE", "a beneficiary that is not a Patient",
         changed(good_coverage, lambda r: r.__setitem__("beneficiary", {"reference": "RelatedPerson/rp1"}))),
    Case("TH-COVERAGE-TYPE", "the invented health-insurance codes", changed(good_coverage, lambda r: r.__setitem__(
        "type", {"coding": [{"system": "urn:example:health-insurance", "code": "UC"}]}))),
    Case("TH-COVERAGE-TYPE", "a code NHSO does not have", changed(good_coverage, lambda r: r["type"]["coding"][0].__setitem__(
        "code", "0101"))),
    Case("TH-COVERAGE-TYPE", "only the UCS/OFC coding", changed(good_coverage, lambda r: r["type"]["coding"].pop(0))),
    Case("TH-ENC-VN", "no VN (an imported visit of the old shape)", changed(good_encounter, lambda r: r.pop("identifier"))),
    Case("TH-ENC-R4", "R5's completed", changed(good_encounter, lambda r: r.__setitem__("status", "completed"))),
    Case("TH-ENC-R4", "no class", changed(good_encounter, lambda r: r.pop("class")), fhir_valid=False),
    # Immunization, medication, diagnosis, vital signs
    Case("TH-VACCINE-CODE", "the invented cs-th-vaccine-code", changed(good_immunization, lambda r: r.__setitem__(
        "vaccineCode", {"coding": [{"system": "urn:example:vaccine", "code": "061"}]}))),
    Case("TH-VACCINE-CODE", "a code THCC does not have", changed(good_immunization, lambda r: r["vaccineCode"][
        "coding"][0].__setitem__("code", "999"))),
    Case("TH-IMM-PERFORMER", "the facility as performer (the old shape)", changed(good_immunization, lambda r: r.__setitem__(
        "performer", [{"actor": {"reference": f"Organization/{HCODE}"}}]))),
    Case("TH-DRUG-CODE", "a 24-digit code filed under TMT", changed(good_dispense, lambda r: r[
        "medicationCodeableConcept"].__setitem__("coding", [{"system": CS + "cs-th-tmt",
                                                              "code": "100176000004493120381620"}]))),
    Case("TH-DRUG-CODE", "the superseded TMT URL", changed(good_dispense, lambda r: r["medicationCodeableConcept"][
        "coding"].__setitem__(1, {"system": "https://terms.sil-th.org/CodeSystem/cs-th-tmt", "code": "227162"})),
         also=frozenset({"TH-CODESYSTEM"})),
    Case("TH-DRUG-CODE", "a private DRUG system", changed(good_dispense, lambda r: r["medicationCodeableConcept"][
        "coding"].__setitem__(2, {"system": f"https://terms.sil-th.org/hcode/5/{HCODE}/DRUG", "code": "PARA500"}))),
    Case("TH-DRUG-CODE", "a 23-digit drug code", changed(good_dispense, lambda r: r["medicationCodeableConcept"][
        "coding"][0].__setitem__("code", "10017600000449312038162"))),
    Case("TH-ICD10", "no dot", changed(good_condition, lambda r: r["code"]["coding"][0].__setitem__("code", "J020"))),
    Case("TH-ICD10", "no ICD-10 coding", changed(good_condition, lambda r: r.__setitem__(
        "code", {"coding": [{"system": "http://snomed.info/sct", "code": "43878008"}]}))),
    Case("TH-VITALS", "no category", changed(good_vital, lambda r: r.pop("category"))),
    Case("TH-VITALS", "a unit without UCUM", changed(good_temperature, lambda r: r.__setitem__(
        "valueQuantity", {"value": 37.5, "unit": "°C"}))),
    Case("TH-VITALS", "a temperature in Fahrenheit", changed(good_temperature, lambda r: r["valueQuantity"].update(
        code="[degF]", unit="°F"))),
    Case("TH-PROFILE", "a Patient profile on an Encounter", changed(good_encounter, lambda r: r.__setitem__(
        "meta", {"profile": ["https://fhir-ig.sil-th.org/th/core/StructureDefinition/th-core-patient"]}))),
    Case("TH-PROFILE", "a superseded 43-file-plus profile", changed(good_patient, lambda r: r["meta"].__setitem__(
        "profile", ["https://fhir-ig.sil-th.org/mophpc/StructureDefinition/mophpc-patient-base"]))),
    Case("TH-PROFILE", "an id with the wrong case", changed(good_dispense, lambda r: r.__setitem__(
        "meta", {"profile": ["https://fhir-ig.sil-th.org/th/core/StructureDefinition/th-core-medicationdispense"]}))),
]

PASSING = [
    Case("TH-ID-TYPE", "typed identifiers", good_patient),
    Case("TH-ID-CID", "th-cid with type cid and 13 digits", good_patient),
    Case("TH-CID-CHECK", "a right check digit", good_patient),
    Case("TH-ID-LOCAL", "HN, PID and VN under a 9-digit hcode", changed(good_encounter, set_identifier(
        0, ident("localVn", "https://terms.sil-th.org/hcode/9/123456789/VN", "1")))),
    Case("TH-ID-LOCAL", "an AN", changed(good_encounter, add_identifier(
        ident("localAn", f"https://terms.sil-th.org/hcode/5/{HCODE}/AN", "6700001")))),
    Case("TH-ID-PASSPORT", "a Myanmar passport", changed(good_patient, set_identifier(
        3, ident("PPN", "http://hl7.org/fhir/sid/passport-MMR", "MB123456", type_system=PASSPORT_TYPE)))),
    Case("TH-ID-PASSPORT", "a passport of an unknown country", changed(good_patient, set_identifier(
        3, ident("PPN", "https://terms.sil-th.org/id/passport", "X1", type_system=PASSPORT_TYPE)))),
    Case("TH-ID-SYSTEM", "a disability card and a 9-digit hcode", changed(good_patient, lambda r: r["identifier"].extend([
        ident("disability", "https://terms.sil-th.org/id/th-disability-no", "1"),
        ident("hcode", "https://terms.sil-th.org/id/th-moph-hcode", "123456789")]))),
    Case("TH-PRACT-LICENCE", "a nurse's and a doctor's licence", good_practitioner),
    Case("TH-NAME-LANG", "Thai and English names", good_patient),
    Case("TH-NAME-OFFICIAL", "one official Thai name and an old one", changed(good_patient, lambda r: r["name"].append(
        {"extension": [language("th")], "use": "old", "family": "ใจงาม", "given": ["สมชาย"]}))),
    Case("TH-NAME-PREFIX", "นาย with 003", good_patient),
    Case("TH-NAME-PREFIX", "นางสาว with 004 (the definition of น.ส.)", changed(good_patient, lambda r: name0(r).update(
        prefix=["นางสาว"], _prefix=[{"extension": [coded_ext(EXT + "ex-humanname-name-prefix",
                                                                CS + "cs-dopa-nameprefix", "004")]}]))),
    Case("TH-ADDR-CODE", "province, district and subdistrict", good_patient),
    Case("TH-ADDR-CODE", "a subdistrict DOPA abolished in 2022 that the guide still lists",
         changed(good_patient, lambda r: (address_code(place("province", "10"), place("district", "1047"),
                                                       place("subdistrict", "104701"))(r),
                                          address0(r).update(city="บางนา", district="บางนา", state="กรุงเทพมหานคร")))),
    Case("TH-ADDR-NAMES", "Bangkok's เขต and แขวง", changed(good_patient, lambda r: (
        address_code(place("province", "10"), place("district", "1001"), place("subdistrict", "100101"))(r),
        address0(r).update(city="แขวงพระบรมมหาราชวัง", district="เขตพระนคร", state="กรุงเทพมหานคร")))),
    Case("TH-ADDR-NAMES", "DOPA's current name where the guide's is cut", changed(good_patient, lambda r: (
        address_code(place("province", "80"), place("district", "8019"), place("subdistrict", "801906"))(r),
        address0(r).update(city="สามตำบล", district="จุฬาภรณ์", state="นครศรีธรรมราช")))),
    Case("TH-ADDR-NAMES", "names in English are not checked", changed(good_patient, lambda r: address0(r).update(
        city="Talat Khwan", district="Mueang Nonthaburi", state="Nonthaburi"))),
    Case("TH-ADDR-LINE", "villageNo as a string", good_patient),
    Case("TH-PERSON-STATUS", "TYPEAREA 1", good_patient),
    Case("TH-PID-REMOVE", "moved away", changed(good_patient, lambda r: r["extension"].append(
        coded_ext(EXT + "ex-patient-pid-remove-reason", CS + "cs-43file-pid-remove-reason", "2")))),
    Case("TH-ENC-DISCHARGE", "sent home", good_encounter),
    Case("TH-NO-PRIVATE-EXT", "the guides' extensions and HL7's", good_patient),
    Case("TH-NO-PRIVATE-EXT", "a vendor's own namespace", changed(good_patient, lambda r: r.__setitem__(
        "_birthDate", {"extension": [{"url": "https://clinic-app.github.io/fhir/StructureDefinition/birth-date-estimated",
                                      "valueBoolean": True}]}))),
    Case("TH-EXT-CONTEXT", "prefix code on the prefix, address code on the address", good_patient),
    Case("TH-EXT-CONTEXT", "discharge status on hospitalization", good_encounter),
    Case("TH-CODESYSTEM", "published code systems", good_coverage),
    Case("TH-COVERAGE", "status, beneficiary and payor", good_coverage),
    Case("TH-COVERAGE-TYPE", "0100 with UCS", good_coverage),
    Case("TH-ENC-VN", "a VN", good_encounter),
    Case("TH-ENC-R4", "finished, AMB", good_encounter),
    Case("TH-VACCINE-CODE", "MMR1", good_immunization),
    Case("TH-IMM-PERFORMER", "a Practitioner", good_immunization),
    Case("TH-IMM-PERFORMER", "a Practitioner by identifier", changed(good_immunization, lambda r: r.__setitem__(
        "performer", [{"actor": {"type": "Practitioner", "identifier": ident(
            "proNurse", "https://terms.sil-th.org/id/th-nurse-id", "5511012345")}}]))),
    Case("TH-DRUG-CODE", "24-digit, TMT and local", good_dispense),
    Case("TH-DRUG-CODE", "text only", changed(good_dispense, lambda r: r["medicationCodeableConcept"].pop("coding"))),
    Case("TH-ICD10", "J02.0", good_condition),
    Case("TH-ICD10", "a three-character code", changed(good_condition, lambda r: r["code"]["coding"][0].__setitem__(
        "code", "J00"))),
    Case("TH-VITALS", "blood pressure in mm[Hg]", good_vital),
    Case("TH-VITALS", "temperature in Cel", good_temperature),
    Case("TH-PROFILE", "th-core-patient on a Patient", good_patient),
    Case("TH-PROFILE", "MoPH-PC's dispense profile and HL7's vital signs", changed(good_vital, lambda r: r.__setitem__(
        "meta", {"profile": ["http://hl7.org/fhir/StructureDefinition/bp",
                             "https://fhir-ig.sil-th.org/th/mophpc1/StructureDefinition/mophpc-observation-vital-base"]}))),
]


def _rules(record: Resource) -> set[str]:
    return {v.rule for v in check(record)}


@pytest.mark.parametrize("case", FAILING, ids=str)
def test_a_record_that_breaks_the_rule_fails_it(case: Case) -> None:
    record = case.make()
    assert (validate_resource(record) == []) == case.fhir_valid, "only the rule is broken, not FHIR R4"
    found = check(record)
    assert case.rule in {v.rule for v in found}, [str(v) for v in found]
    assert {v.rule for v in found} <= {case.rule} | case.also, [str(v) for v in found]
    for v in found:
        assert v.path and v.message and v.resource_type == record["resourceType"]


@pytest.mark.parametrize("case", PASSING, ids=str)
def test_a_record_that_meets_the_rule_passes(case: Case) -> None:
    record = case.make()
    assert BY_ID[case.rule].applies(record["resourceType"])
    assert validate_resource(record) == []
    assert [str(v) for v in check(record)] == []


def test_every_rule_has_a_failing_and_a_passing_case() -> None:
    ids = {rule.id for rule in RULES}
    assert len(ids) == len(RULES)
    assert {c.rule for c in FAILING} == ids
    assert {c.rule for c in PASSING} == ids
    assert {r for c in FAILING for r in c.also} <= ids


def test_the_good_records_pass_every_rule() -> None:
    assert [str(v) for v in check_all(make() for make in GOOD)] == []


def test_every_rule_says_what_where_and_from_which_guide() -> None:
    for rule in RULES:
        assert rule.id.startswith("TH-") and rule.statement.endswith(".") and rule.applies_to
        assert rule.sources and all(str(s) for s in rule.sources)
        assert rule.when == "" or rule.when.startswith("when "), rule.id
    guides = {s.guide for rule in RULES for s in rule.sources}
    assert {"THC", "TRM", "EXT", "PC1", "F43"} <= guides
    assert "9f64951f" in BY_ID["TH-ID-TYPE"].source and "input/fsh/" in BY_ID["TH-ID-TYPE"].source
    assert "DOPA" in BY_ID["TH-CID-CHECK"].source and not any(s.guide in ("THC", "TRM", "EXT", "PC1", "F43")
                                                             for s in BY_ID["TH-CID-CHECK"].sources)


def test_messages_never_quote_the_record() -> None:
    record = good_patient()
    record["identifier"][0]["value"] = CID_BAD_CHECK
    record["name"][0]["extension"] = [language("en")]
    record["address"][0]["city"] = "ผิดที่"
    text = " ".join(str(v) for v in check(record))
    assert "TH-CID-CHECK" in text and "TH-NAME-LANG" in text and "TH-ADDR-NAMES" in text
    for value in (CID_BAD_CHECK, "สมชาย", "ใจดี", "ผิดที่"):
        assert value not in text


def test_the_check_digit() -> None:
    assert cid_check_digit_ok(CID) and cid_check_digit_ok("3100500123458")
    assert not cid_check_digit_ok(CID_BAD_CHECK) and not cid_check_digit_ok("110170020703")
    assert sum(cid_check_digit_ok(CID[:12] + str(d)) for d in range(10)) == 1


def test_a_malformed_element_is_a_violation_not_a_crash() -> None:
    record = good_patient()
    record["name"] = "นายสมชาย"
    record["identifier"] = [{"type": "cid", "system": 5, "value": None}]
    assert check(record)  # found something, raised nothing
    assert check({"resourceType": 3})[0].rule == "FHIR"


def test_resource_types_outside_the_guides_meet_only_the_general_rules() -> None:
    consent = {"resourceType": "Consent", "status": "proposed", "identifier": [{"system": "urn:x", "value": "1"}],
               "extension": [{"url": "urn:clinic-app:f43:X", "valueString": "y"}]}
    assert {v.rule for v in check(consent)} == {"TH-NO-PRIVATE-EXT"}
    assert [r.id for r in RULES if r.applies("Consent")] == [
        "TH-NO-PRIVATE-EXT", "TH-EXT-CONTEXT", "TH-CODESYSTEM", "TH-PROFILE"]


def test_identifier_types_cover_every_type_code_the_rules_name() -> None:
    from clinic_app.conformance.codes import code_list
    from clinic_app.conformance.rules import LICENCES, LOCAL_TYPE_KIND, NATIONAL

    types = code_list("cs-th-identifier-type")
    assert set(NATIONAL) | set(LICENCES) | set(LOCAL_TYPE_KIND) | {"cid", "localReferPro"} <= set(types.display)
    assert TYPE == types.url
