"""FHIR R4 resources in the shapes the app writes, as plain JSON dicts.

Registration and visits (services/patients.py), the 43-file import (interop/f43_import.py)
and the demo data (core/demo.py) all make their Patient, Encounter, vital-sign Observation,
Condition, Immunization and MedicationDispense resources here, so the three write the same
shape for the same fact; VITAL_SIGNS is the one table of LOINC codes and UCUM units.

What lives here: pure functions of their arguments. A builder never makes an id, reads a
clock, a setting or a catalogue: the caller gives ids (uuid4, uuid5, seeded), times (FHIR
dateTime text), references ({"reference": "Type/id"}, see `reference`) and labels. Optional
parts are keyword arguments and are left out of the resource when not given.

What must not: anything beyond the standard library and clinic_app.core (no Qt, httpx,
sqlcipher3, keyring, platformdirs, cryptography — core stays pure, see pyproject.toml),
no validation (core.fhir.validate_resource does that) and no checking of form or file
input (the callers do that before building).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from clinic_app.core import epi
from clinic_app.core.fhir import Resource
from clinic_app.core.identifiers import (
    ACT_CODE,
    ALLERGY_CERTAINTY_EXTENSION,
    ALLERGY_CERTAINTY_SYSTEM,
    ALLERGY_OVERRIDE_EXTENSION,
    ALLERGY_SEVERITY_EXTENSION,
    ALLERGY_SEVERITY_SYSTEM,
    CID_SYSTEM,
    COVERAGE_TYPE_SYSTEM,
    DIAGTYPE_SYSTEM,
    DRUG24_SYSTEM,
    EPI_VACCINE_SYSTEM,
    FORMULARY_EXTENSION,
    HCODE_SYSTEM,
    ICD9CM,
    ICD10_TM,
    IDENTIFIER_TYPE_SYSTEM,
    LANGUAGE_EXTENSION,
    LICENCE_SYSTEMS,
    LOCAL_DRUG_SYSTEM,
    LOCAL_TYPES,
    LOINC,
    NAME_PREFIX_EXTENSION,
    NAME_PREFIX_SYSTEM,
    OBSERVATION_CATEGORY,
    REFER_REASON_SYSTEM,
    REFERRAL_CATEGORY,
    PROVIDER_TYPE_SYSTEM,
    TH_COVERAGE_TYPE_SYSTEM,
    THAI_PRIORITY_EXTENSION,
    THAI_PRIORITY_SYSTEM,
    TMT_SYSTEM,
    UCUM,
    V2_0203,
    local_system,
    passport_system,
    profile,
)

Reference = dict[str, str]  # {"reference": "Type/id"}

CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


@dataclass(frozen=True)
class VitalSign:
    """One vital sign: its LOINC code and display, the unit shown and its UCUM code."""

    code: str
    display: str
    unit: str
    ucum: str


# The vital signs the app records, by the name the callers use; systolic and diastolic are
# the components of the blood-pressure panel, never Observations of their own.
VITAL_SIGNS: dict[str, VitalSign] = {
    "systolic": VitalSign("8480-6", "Systolic blood pressure", "mmHg", "mm[Hg]"),
    "diastolic": VitalSign("8462-4", "Diastolic blood pressure", "mmHg", "mm[Hg]"),
    "weight": VitalSign("29463-7", "Body weight", "kg", "kg"),
    "temperature": VitalSign("8310-5", "Body temperature", "Cel", "Cel"),
    "heart_rate": VitalSign("8867-4", "Heart rate", "/min", "/min"),
    "respiratory_rate": VitalSign("9279-1", "Respiratory rate", "/min", "/min"),
}
BLOOD_PRESSURE_PANEL = ("85354-9", "Blood pressure panel")  # (LOINC code, display)
_PANEL_PARTS = ("systolic", "diastolic")


# -- data types -------------------------------------------------------------------------------

def reference(resource_type: str, rid: str) -> Reference:
    """A literal reference: reference("Patient", "p1") -> {"reference": "Patient/p1"}."""
    return {"reference": f"{resource_type}/{rid}"}


def identifier(system: str, value: str, type_code: str | None = None, *,
               type_system: str = IDENTIFIER_TYPE_SYSTEM) -> dict[str, Any]:
    """An Identifier; typed (TH Core slices identifiers on `type`) when a type code is given."""
    out: dict[str, Any] = {}
    if type_code:
        out["type"] = {"coding": [coding(type_system, type_code)]}
    out.update(system=system, value=value)
    return out


def cid_identifier(cid: str) -> dict[str, Any]:
    """The Thai citizen ID (type `cid`)."""
    return identifier(CID_SYSTEM, cid, "cid")


def local_identifier(hcode: str, kind: str, value: str) -> dict[str, Any]:
    """A facility-local number: HN, PID, VN, AN, Provider or Refer, typed localHn, localPid ..."""
    return identifier(local_system(hcode, kind), value, LOCAL_TYPES[kind])


def passport_identifier(number: str, country: str | None = None) -> dict[str, Any]:
    """A passport number (v2-0203 PPN), its system by the issuing country when known."""
    return identifier(passport_system(country), number, "PPN", type_system=V2_0203)


def coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    """A Coding; the display only when given."""
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def quantity(value: float, unit: str, ucum: str) -> dict[str, Any]:
    """A UCUM Quantity: the unit as shown and its UCUM code."""
    return {"value": value, "unit": unit, "system": UCUM, "code": ucum}


def human_name(given: str, family: str, *, use: str = "official", prefix: str = "",
               text: str | None = None, language: str = "th", prefix_code: tuple[str, str] | None = None) -> dict[str, Any]:
    """A HumanName with one given name, marked with its language (`th` or `en`: TH Core's
    name slices). The text defaults to the Thai way of writing it, the prefix joined to the
    given name: "นายสมชาย ใจดี". `prefix_code` (code, display) is the DOPA name-prefix
    code, carried on the prefix itself (JSON `_prefix`)."""
    name: dict[str, Any] = {"extension": [{"url": LANGUAGE_EXTENSION, "valueCode": language}], "use": use,
                            "text": f"{prefix}{given} {family}".strip() if text is None else text,
                            "given": [given.strip()], "family": family.strip()}
    if prefix:
        name["prefix"] = [prefix]
        if prefix_code:
            name["_prefix"] = [{"extension": [{"url": NAME_PREFIX_EXTENSION, "valueCodeableConcept": {
                "coding": [coding(NAME_PREFIX_SYSTEM, prefix_code[0], prefix_code[1])]}}]}]
    return name


def phone(value: str, *, use: str = "mobile") -> dict[str, str]:
    """A phone ContactPoint (use: mobile, home, work)."""
    return {"system": "phone", "value": value, "use": use}


def medication(text: str | None = None, *, local: str | None = None, tmt: str | None = None,
               drug24: str | None = None, display: str | None = None) -> dict[str, Any]:
    """The CodeableConcept of a drug: the 24-digit code, the TMT code and the unit's own code,
    each in its SIL-TH code system when known (F43's three slices under the published URLs),
    and the text when given. A drug typed freely is text alone."""
    concept: dict[str, Any] = {}
    codings = [coding(system, code, display) for system, code in
               ((DRUG24_SYSTEM, drug24), (TMT_SYSTEM, tmt), (LOCAL_DRUG_SYSTEM, local)) if code]
    if codings:
        concept["coding"] = codings
    if text:
        concept["text"] = text
    return concept


# -- resources --------------------------------------------------------------------------------

def patient(*, id: str, identifiers: Sequence[dict[str, str]], names: Sequence[dict[str, Any]], gender: str,
            birth_date: str, hcode: str, phone: dict[str, str] | None = None, address: dict[str, Any] | None = None,
            deceased: str | bool | None = None, extension: Sequence[dict[str, Any]] | None = None) -> Resource:
    """An active Patient managed by facility `hcode`. `deceased` is the date of death, or
    True when the date is not known."""
    out: Resource = {"resourceType": "Patient", "id": id, "meta": {"profile": [profile("th-core-patient")]}}
    if extension:
        out["extension"] = list(extension)
    out.update({"identifier": list(identifiers), "active": True, "name": list(names), "gender": gender,
                "birthDate": birth_date})
    if isinstance(deceased, str):
        out["deceasedDateTime"] = deceased
    elif deceased is True:
        out["deceasedBoolean"] = True
    if phone:
        out["telecom"] = [phone]
    if address:
        out["address"] = [address]
    out["managingOrganization"] = reference("Organization", hcode)
    return out


# Insurance rights the registration form offers: form code -> (NHSO 4-digit right, TRM
# cs-th-coverage-type code, payor). TRM CS_MoPH_CoverageType.fsh and CS_TH_Misc.fsh:1-17.
RIGHTS = {"UCS": ("0100", "หลักประกันสุขภาพ", "UCS", "สำนักงานหลักประกันสุขภาพแห่งชาติ (สปสช.)"),
          "SSS": ("4200", "กองทุนประกันสังคม", "SSS", "สำนักงานประกันสังคม"),
          "CSMBS": ("1100", "ข้าราชการประจำ", "OFC", "กรมบัญชีกลาง"),
          "SELF": ("9100", "ชำระเงินเอง", "SP", "ชำระเงินเอง")}
RIGHT_BY_CODE = {nhso: key for key, (nhso, *_rest) in RIGHTS.items()}


def coverage(right: str, *, id: str, beneficiary: Reference) -> Resource:
    """A patient's health-insurance right (`RIGHTS` key) as a Coverage: TH Core's shape in R4
    (status, beneficiary, the payor R4 requires, the type as NHSO's 4-digit code and the
    UCS/OFC/SSS code)."""
    nhso, display, th_code, payor = RIGHTS[right]
    return {"resourceType": "Coverage", "id": id, "meta": {"profile": [profile("th-core-coverage")]},
            "status": "active",
            "type": {"coding": [coding(COVERAGE_TYPE_SYSTEM, nhso, display), coding(TH_COVERAGE_TYPE_SYSTEM, th_code)]},
            "beneficiary": beneficiary, "payor": [{"display": payor}]}


def practitioner(*, id: str, hcode: str, username: str, name: str, licence: tuple[str, str] | None = None,
                 cid: str = "", human: dict[str, Any] | None = None, gender: str = "", birth_date: str = "") -> Resource:
    """A staff member as a Practitioner: the unit's own provider code (the sign-in name,
    localProv) and, where known, the licence number by its type (proDoc, proNurse ...),
    the citizen ID, the name in its parts (`human`, else `name` as text), sex and birth date."""
    identifiers = [identifier(local_system(hcode, "Provider"), username, "localProv")]
    if licence and licence[1].strip():
        identifiers.append(identifier(LICENCE_SYSTEMS[licence[0]], licence[1].strip(), licence[0]))
    if cid:
        identifiers.append(cid_identifier(cid))
    out: Resource = {"resourceType": "Practitioner", "id": id, "meta": {"profile": [profile("th-core-practitioner")]},
                     "identifier": identifiers, "active": True,
                     "name": [human or {"extension": [{"url": LANGUAGE_EXTENSION, "valueCode": "th"}], "text": name}]}
    if gender:
        out["gender"] = gender
    if birth_date:
        out["birthDate"] = birth_date
    return out


def role_id(hcode: str, code: str) -> str:
    """The id of the PractitionerRole of the unit's provider `code` (a sign-in name, or a
    43-file PROVIDER): one per unit and code, whichever desktop or import makes it."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://clinic-app/f43/{hcode}/PROVIDER/{code}/role"))


def practitioner_role(*, id: str, practitioner: str, hcode: str, code: str = "", start: str = "", end: str = "",
                      active: bool = True, extension: list[dict[str, Any]] | None = None) -> Resource:
    """A staff member's place at the unit: their provider type (cs-thcc-individual-provider-
    type) and when they started (and left)."""
    role: Resource = {"resourceType": "PractitionerRole", "id": id,
                      "meta": {"profile": [profile("th-core-practitionerrole")]}}
    if extension:
        role["extension"] = extension
    role["active"] = active
    period = {k: v for k, v in (("start", start), ("end", end)) if v}
    if period:
        role["period"] = period
    role.update(practitioner=reference("Practitioner", practitioner), organization=reference("Organization", hcode))
    if code:
        role["code"] = [{"coding": [coding(PROVIDER_TYPE_SYSTEM, code)]}]
    return role


# Urgency as the desk chooses it -> (FHIR request priority, cs-thcc-refer-thai-priority code and display)
REFERRAL_URGENCY = {"routine": ("routine", "5", "non acute"), "urgent": ("urgent", "3", "urgent"),
                    "emergency": ("stat", "2", "emergency")}


def referral_request(*, id: str, hcode: str, number: str, subject: Reference, to_hcode: str, to_name: str,
                     reason: str, urgency: str, when: str, requester: Reference | None = None,
                     encounter: Reference | None = None, diagnoses: Sequence[tuple[str, str]] = (),
                     summary: str = "", supporting: Sequence[Reference] = (), reason_code: str = "1") -> Resource:
    """A referral to another facility as a ServiceRequest (TH Core's th-core-servicerequest,
    shaped as the 43-file-plus guide's referral): the unit's referral number (localReferNo),
    category "Patient referral", what is asked (cs-43plus-refer-reason, 1 for diagnosis and
    treatment, and the reason in words), the urgency (priority, with the Thai priority code),
    the patient, the visit it was made at, who refers, the receiving facility (by its hcode),
    the diagnoses (ICD-10, with their words), the clinical summary as a note and the records
    it rests on (supportingInfo)."""
    request_priority, thai, thai_display = REFERRAL_URGENCY[urgency]
    out: Resource = {"resourceType": "ServiceRequest", "id": id, "meta": {"profile": [profile("th-core-servicerequest")]},
                     "identifier": [{**local_identifier(hcode, "Refer", number), "use": "official"}],
                     "status": "active", "intent": "order",
                     "category": [{"coding": [coding(*REFERRAL_CATEGORY)]}],
                     "code": {"coding": [coding(REFER_REASON_SYSTEM, reason_code)], "text": reason},
                     "priority": request_priority,
                     "_priority": {"extension": [{"url": THAI_PRIORITY_EXTENSION, "valueCodeableConcept": {
                         "coding": [coding(THAI_PRIORITY_SYSTEM, thai, thai_display)]}}]},
                     "subject": subject}
    if encounter:
        out["encounter"] = encounter
    out["authoredOn"] = when
    if requester:
        out["requester"] = requester
    out["performer"] = [{**reference("Organization", to_hcode), "identifier": identifier(HCODE_SYSTEM, to_hcode),
                         "display": to_name or to_hcode}]
    if diagnoses:
        out["reasonCode"] = [{"coding": [coding(ICD10_TM, code, words or None)]} for code, words in diagnoses]
    if supporting:
        out["supportingInfo"] = list(supporting)
    if summary:
        out["note"] = [{"text": summary}]
    return out


def referral_task(*, id: str, hcode: str, request: Resource, to_hcode: str, when: str) -> Resource:
    """The referral's Task (hub-contract.md, Referral): requested, owned by the receiving
    facility, for the patient, about the ServiceRequest; the receiving facility moves its
    status (accepted, rejected with a reason, completed with the result)."""
    return {"resourceType": "Task", "id": id, "status": "requested", "intent": "order",
            "priority": request["priority"], "code": {"coding": [coding(*REFERRAL_CATEGORY)]},
            "description": str((request.get("code") or {}).get("text") or ""),
            "focus": reference("ServiceRequest", request["id"]), "for": request["subject"], "authoredOn": when,
            "lastModified": when, "requester": reference("Organization", hcode),
            "owner": reference("Organization", to_hcode)}


ENCOUNTER_STATES = ("planned", "arrived", "in-progress", "finished", "cancelled", "entered-in-error")


def encounter(*, id: str, subject: Reference, when: str, hcode: str, reason: str | None = None,
              identifiers: Sequence[dict[str, Any]] | None = None, vn: str | None = None,
              practitioner: Reference | None = None, status: str = "finished", end: str | None = None,
              appointment: Reference | None = None) -> Resource:
    """An ambulatory visit at facility `hcode` starting `when`: finished (ending `end`,
    by default `when`), or still on today's list (arrived, in-progress: no end yet). The
    chief complaint as its reason, its visit number (VN, localVn), who saw the patient and
    the appointment it keeps."""
    out: Resource = {"resourceType": "Encounter", "id": id, "meta": {"profile": [profile("th-core-encounter")]}}
    ids = list(identifiers or [])
    if vn:
        ids.insert(0, {**local_identifier(hcode, "VN", vn), "use": "secondary"})
    if ids:
        out["identifier"] = ids
    out.update({"status": status, "class": {"system": ACT_CODE, "code": "AMB"}, "subject": subject})
    if practitioner:
        out["participant"] = [performer(practitioner)]
    if appointment:
        out["appointment"] = [appointment]
    period = {"start": when}
    if status == "finished" or end:
        period["end"] = end or when
    out.update({"period": period, "serviceProvider": reference("Organization", hcode)})
    if reason:
        out["reasonCode"] = [{"text": reason}]
    return out


def performer(practitioner: Reference) -> dict[str, Any]:
    """An Encounter's participant: the Practitioner who sees the patient (primary performer)."""
    return {"type": [{"coding": [coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "PPRF")]}],
            "individual": practitioner}


def _observation(code: str, display: str, *, id: str, subject: Reference, encounter: Reference, when: str,
                 **value: Any) -> Resource:
    return {"resourceType": "Observation", "id": id, "meta": {"profile": [profile("th-core-observation-vitals")]},
            "status": "final",
            "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "vital-signs"}]}],
            "code": {"coding": [coding(LOINC, code, display)]},
            "subject": subject, "encounter": encounter, "effectiveDateTime": when, **value}


def _vital_quantity(kind: str, value: float) -> dict[str, Any]:
    sign = VITAL_SIGNS[kind]
    return quantity(value, sign.unit, sign.ucum)


def vital_sign(kind: str, value: float, *, id: str, subject: Reference, encounter: Reference,
               when: str) -> Resource:
    """A vital-sign Observation of one number; kind is a key of VITAL_SIGNS other than the
    blood-pressure parts (see `blood_pressure`)."""
    if kind in _PANEL_PARTS:
        raise ValueError(f"{kind} is part of the blood-pressure panel: use blood_pressure()")
    sign = VITAL_SIGNS[kind]
    return _observation(sign.code, sign.display, id=id, subject=subject, encounter=encounter, when=when,
                        valueQuantity=_vital_quantity(kind, value))


def blood_pressure(systolic: float, diastolic: float, *, id: str, subject: Reference, encounter: Reference,
                   when: str) -> Resource:
    """The blood-pressure panel: one Observation, systolic and diastolic as its components."""
    components = [{"code": {"coding": [coding(LOINC, VITAL_SIGNS[kind].code, VITAL_SIGNS[kind].display)]},
                   "valueQuantity": _vital_quantity(kind, value)}
                  for kind, value in zip(_PANEL_PARTS, (systolic, diastolic), strict=True)]
    return _observation(*BLOOD_PRESSURE_PANEL, id=id, subject=subject, encounter=encounter, when=when,
                        component=components)


DIAGTYPES = {"1": "principal", "2": "comorbidity", "3": "complication", "4": "other", "5": "external cause"}


def condition(icd10: str, *, id: str, subject: Reference, encounter: Reference | None, when: str,
              display: str | None = None, text: str | None = None, clinical_status: str | None = None,
              extension: Sequence[dict[str, Any]] | None = None, diagtype: str | None = None) -> Resource:
    """An encounter diagnosis (ICD-10, the code with its dot), recorded at the visit's time;
    its 43-file DIAGTYPE (1-5, `DIAGTYPES`) as a second category coding (MoPH-PC's).
    Without an encounter: an entry of the patient's problem list (a chronic disease put
    on the register), recorded on `when`."""
    out: Resource = {"resourceType": "Condition", "id": id, "meta": {"profile": [profile("th-core-condition")]}}
    if extension:
        out["extension"] = list(extension)
    if clinical_status:
        out["clinicalStatus"] = {"coding": [coding(CONDITION_CLINICAL, clinical_status)]}
    code: dict[str, Any] = {"coding": [coding(ICD10_TM, icd10, display)]}
    if text:
        code["text"] = text
    category = [coding(CONDITION_CATEGORY, "encounter-diagnosis" if encounter else "problem-list-item")]
    if diagtype:
        category.append(coding(DIAGTYPE_SYSTEM, diagtype))
    out.update({"category": [{"coding": category}], "code": code,
                "subject": subject})
    if encounter:
        out["encounter"] = encounter
    out["recordedDate"] = when
    return out


def immunization(vaccine: str, *, id: str, patient: Reference, when: str, display: str | None = None,
                 encounter: Reference | None = None, primary_source: bool = True, performer: Reference | None = None,
                 identifiers: Sequence[dict[str, Any]] | None = None) -> Resource:
    """A dose given (completed) of a THCC vaccine code; the display defaults to the EPI
    schedule's name (none for a code outside it). `performer` is the Practitioner who gave
    it (TH Core allows only a person there; the facility is the encounter's)."""
    if display is None and vaccine in epi.BY_CODE:
        display = epi.BY_CODE[vaccine].name
    out: Resource = {"resourceType": "Immunization", "id": id, "meta": {"profile": [profile("th-core-immunization")]},
                     "status": "completed",
                     "vaccineCode": {"coding": [coding(EPI_VACCINE_SYSTEM, vaccine, display)]},
                     "patient": patient, "occurrenceDateTime": when, "primarySource": primary_source}
    if performer:
        out["performer"] = [{"function": {"coding": [coding("http://terminology.hl7.org/CodeSystem/v2-0443", "AP")]},
                             "actor": performer}]
    if encounter:
        out["encounter"] = encounter
    if identifiers:
        out["identifier"] = list(identifiers)
    return out


def medication_dispense(medication: dict[str, Any], *, id: str, subject: Reference, encounter: Reference,
                        when: str, amount: float | None = None, unit: str | None = None,
                        performer: Reference | None = None, instructions: str | None = None,
                        days_supply: int | None = None, override_reason: str | None = None) -> Resource:
    """A drug handed over at a visit (the encounter is its context); the quantity when an
    amount is given, its unit when given; the Practitioner who handed it over; how to take
    it (the Thai words of the label, `instructions`) and for how many days; why it was
    given although the patient is recorded as allergic to it."""
    out: Resource = {"resourceType": "MedicationDispense", "id": id,
                     "meta": {"profile": [profile("th-core-medicationDispense")]}}
    if override_reason:
        out["extension"] = [{"url": ALLERGY_OVERRIDE_EXTENSION, "valueString": override_reason}]
    out.update({"status": "completed", "medicationCodeableConcept": medication, "subject": subject,
                "context": encounter, "whenHandedOver": when})
    if performer:
        out["performer"] = [{"actor": performer}]
    if amount is not None:
        out["quantity"] = {"value": amount, **({"unit": unit} if unit else {})}
    if days_supply:
        out["daysSupply"] = {"value": days_supply, "unit": "days", "system": UCUM, "code": "d"}
    if instructions:
        out["dosageInstruction"] = [{"text": instructions}]
    return out


def procedure(icd9cm: str, *, id: str, subject: Reference, encounter: Reference, when: str,
              display: str | None = None, text: str | None = None, performer: Reference | None = None) -> Resource:
    """A procedure done at a visit (ICD-9-CM, the code with its dot)."""
    code: dict[str, Any] = {"coding": [coding(ICD9CM, icd9cm, display)]}
    if text:
        code["text"] = text
    out: Resource = {"resourceType": "Procedure", "id": id, "meta": {"profile": [profile("th-core-procedure")]},
                     "status": "completed", "code": code, "subject": subject, "encounter": encounter,
                     "performedDateTime": when}
    if performer:
        out["performer"] = [{"actor": performer}]
    return out


ALLERGY_CERTAINTY = {"1": "certain", "2": "probable", "3": "possible", "4": "unlikely", "5": "unclassified"}
ALLERGY_SEVERITY = {"1": "Non-serious", "2": "Death", "3": "Life-threatening", "4": "Hospitalization-initial",
                    "5": "Hospitalization-prolonged", "6": "Disability", "7": "Congenital anomaly"}


def allergy_intolerance(substance: str, *, id: str, patient: Reference, when: str, reaction: str | None = None,
                        certainty: str = "2", severity: str = "1", drug: dict[str, Any] | None = None,
                        recorder: Reference | None = None) -> Resource:
    """A drug (or other) allergy on the chart: the substance as written and, when chosen
    from the unit's drug list, its codes (`drug`, a medication CodeableConcept); the
    reaction seen; certainty and severity in the MoPH codes (43-file DRUGALLERGY TYPEDX
    1-5 and ALEVEL 1-7: `ALLERGY_CERTAINTY`, `ALLERGY_SEVERITY`); FHIR's verification
    and criticality follow from them."""
    code: dict[str, Any] = {**(drug or {}), "text": substance}
    out: Resource = {"resourceType": "AllergyIntolerance", "id": id,
                     "meta": {"profile": [profile("th-core-allergyintolerance")]},
                     "extension": [{"url": ALLERGY_CERTAINTY_EXTENSION, "valueCodeableConcept": {"coding": [
                         coding(ALLERGY_CERTAINTY_SYSTEM, certainty, ALLERGY_CERTAINTY[certainty])]}},
                                   {"url": ALLERGY_SEVERITY_EXTENSION, "valueCodeableConcept": {"coding": [
                                       coding(ALLERGY_SEVERITY_SYSTEM, severity, ALLERGY_SEVERITY[severity])]}}],
                     "clinicalStatus": {"coding": [coding("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                                                          "active")]},
                     "verificationStatus": {"coding": [coding(
                         "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                         "confirmed" if certainty in ("1", "2") else "unconfirmed")]},
                     "type": "allergy", "category": ["medication"] if drug else [],
                     "criticality": "low" if severity == "1" else "high",
                     "code": code, "patient": patient, "recordedDate": when}
    if not out["category"]:
        del out["category"]
    if recorder:
        out["recorder"] = recorder
    if reaction:
        out["reaction"] = [{"manifestation": [{"text": reaction}]}]
    return out


def appointment(*, id: str, patient: Reference, start: str, reason: str | None = None, status: str = "booked",
                practitioner: Reference | None = None, hcode: str | None = None,
                made_at: Reference | None = None) -> Resource:
    """The next appointment: a day and time (`start`, a FHIR instant), the reason in words,
    the patient and who will see them; booked until the patient comes (fulfilled) or
    misses it (noshow). `hcode` names the unit where it is kept (its Location is not
    modelled: the Organization as a participant). `made_at`: the visit it was made at
    (supportingInformation), so a visit entered in error takes its appointment with it."""
    participants = [{"actor": patient, "status": "accepted"}]
    if practitioner:
        participants.append({"actor": practitioner, "status": "accepted"})
    if hcode:
        participants.append({"actor": {**reference("Organization", hcode)}, "status": "accepted"})
    out: Resource = {"resourceType": "Appointment", "id": id, "status": status}
    if reason:
        out["description"] = reason
    if made_at:
        out["supportingInformation"] = [made_at]
    out.update({"start": start, "participant": participants})
    return out


def formulary_item(*, id: str, code: str, name: str, strength: str = "", unit: str = "", tmt: str | None = None,
                   drug24: str | None = None, dose: str = "", group: str = "", active: bool = True) -> Resource:
    """One drug of the unit's own list (formulary) as a Medication: its codes (the unit's,
    TMT and the 24-digit code where known), the name with its strength as text, the
    dispensing unit as its form, and what the list keeps beside (the default dose in
    Thai words, the drug's group for allergy checks) in the project's extension."""
    parts = [{"url": key, "valueString": value} for key, value in
             (("name", name), ("strength", strength), ("unit", unit), ("dose", dose), ("group", group)) if value]
    out: Resource = {"resourceType": "Medication", "id": id, "extension": [{"url": FORMULARY_EXTENSION, "extension": parts}],
                     "code": medication(f"{name} {strength}".strip(), local=code, tmt=tmt, drug24=drug24),
                     "status": "active" if active else "inactive"}
    if unit:
        out["form"] = {"text": unit}
    return out
