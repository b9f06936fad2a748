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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from clinic_app.core import epi
from clinic_app.core.fhir import Resource
from clinic_app.core.identifiers import ACT_CODE, EPI_VACCINE_SYSTEM, ICD10_TM, LOINC, OBSERVATION_CATEGORY, UCUM

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


def identifier(system: str, value: str) -> dict[str, str]:
    return {"system": system, "value": value}


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
               text: str | None = None) -> dict[str, Any]:
    """A HumanName with one given name. The text defaults to the Thai way of writing it,
    the prefix joined to the given name: "นายสมชาย ใจดี"."""
    name: dict[str, Any] = {"use": use, "text": f"{prefix}{given} {family}".strip() if text is None else text,
                            "given": [given.strip()], "family": family.strip()}
    if prefix:
        name["prefix"] = [prefix]
    return name


def phone(value: str, *, use: str = "mobile") -> dict[str, str]:
    """A phone ContactPoint (use: mobile, home, work)."""
    return {"system": "phone", "value": value, "use": use}


def medication(text: str | None = None, *, system: str | None = None, code: str | None = None,
               display: str | None = None) -> dict[str, Any]:
    """The CodeableConcept of a drug: a coding when a code is given, the text when given."""
    concept: dict[str, Any] = {}
    if system and code:
        concept["coding"] = [coding(system, code, display)]
    if text:
        concept["text"] = text
    return concept


# -- resources --------------------------------------------------------------------------------

def patient(*, id: str, identifiers: Sequence[dict[str, str]], names: Sequence[dict[str, Any]], gender: str,
            birth_date: str, hcode: str, phone: dict[str, str] | None = None, address: dict[str, Any] | None = None,
            deceased: str | bool | None = None, extension: Sequence[dict[str, Any]] | None = None) -> Resource:
    """An active Patient managed by facility `hcode`. `deceased` is the date of death, or
    True when the date is not known."""
    out: Resource = {"resourceType": "Patient", "id": id}
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


def encounter(*, id: str, subject: Reference, when: str, hcode: str, reason: str | None = None,
              identifiers: Sequence[dict[str, str]] | None = None) -> Resource:
    """A finished ambulatory visit at facility `hcode`, starting and ending `when`; the
    chief complaint as its reason."""
    out: Resource = {"resourceType": "Encounter", "id": id}
    if identifiers:
        out["identifier"] = list(identifiers)
    out.update({"status": "finished", "class": {"system": ACT_CODE, "code": "AMB"}, "subject": subject,
                "period": {"start": when, "end": when}, "serviceProvider": reference("Organization", hcode)})
    if reason:
        out["reasonCode"] = [{"text": reason}]
    return out


def _observation(code: str, display: str, *, id: str, subject: Reference, encounter: Reference, when: str,
                 **value: Any) -> Resource:
    return {"resourceType": "Observation", "id": id, "status": "final",
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


def condition(icd10: str, *, id: str, subject: Reference, encounter: Reference, when: str,
              display: str | None = None, text: str | None = None, clinical_status: str | None = None,
              extension: Sequence[dict[str, Any]] | None = None) -> Resource:
    """An encounter diagnosis (ICD-10, the code with its dot), recorded at the visit's time."""
    out: Resource = {"resourceType": "Condition", "id": id}
    if extension:
        out["extension"] = list(extension)
    if clinical_status:
        out["clinicalStatus"] = {"coding": [coding(CONDITION_CLINICAL, clinical_status)]}
    code: dict[str, Any] = {"coding": [coding(ICD10_TM, icd10, display)]}
    if text:
        code["text"] = text
    out.update({"category": [{"coding": [coding(CONDITION_CATEGORY, "encounter-diagnosis")]}], "code": code,
                "subject": subject, "encounter": encounter, "recordedDate": when})
    return out


def immunization(vaccine: str, *, id: str, patient: Reference, when: str, display: str | None = None,
                 encounter: Reference | None = None, primary_source: bool = True, performer: str | None = None,
                 identifiers: Sequence[dict[str, str]] | None = None) -> Resource:
    """A dose given (completed) of an EPI vaccine code; the display defaults to the EPI
    schedule's name (none for a code outside it). `performer` is a facility code."""
    if display is None and vaccine in epi.BY_CODE:
        display = epi.BY_CODE[vaccine].name
    out: Resource = {"resourceType": "Immunization", "id": id, "status": "completed",
                     "vaccineCode": {"coding": [coding(EPI_VACCINE_SYSTEM, vaccine, display)]},
                     "patient": patient, "occurrenceDateTime": when, "primarySource": primary_source}
    if performer:
        out["performer"] = [{"actor": reference("Organization", performer)}]
    if encounter:
        out["encounter"] = encounter
    if identifiers:
        out["identifier"] = list(identifiers)
    return out


def medication_dispense(medication: dict[str, Any], *, id: str, subject: Reference, encounter: Reference,
                        when: str, amount: float | None = None, unit: str | None = None) -> Resource:
    """A drug handed over at a visit (the encounter is its context); the quantity when an
    amount is given, its unit when given."""
    out: Resource = {"resourceType": "MedicationDispense", "id": id, "status": "completed",
                     "medicationCodeableConcept": medication, "subject": subject, "context": encounter,
                     "whenHandedOver": when}
    if amount is not None:
        out["quantity"] = {"value": amount, **({"unit": unit} if unit else {})}
    return out
