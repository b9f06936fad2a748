"""Where the 43 files' coded fields live on the records, both ways: the SIL-TH guides'
elements for PERSON's and SERVICE's codes (and DRUG_OPD's pack size), so that each field
goes out (f43_export) from where it came in (f43_import). The table of every field, with
the guides' file and line for each, is f43_import's docstring.

A code goes to its element only when it is in the element's code list (the CSV files of
resources/standards/, read by conformance.codes); one that is not (or a list not shipped)
has no place there and is kept as read in the project's f43-fields extension (f43_fields),
so nothing read is lost and nothing wrong is filed under a guide's code system.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from clinic_app.core import builders as build
from clinic_app.core.identifiers import (
    ADMIT_SOURCE_SYSTEM,
    HOME_REFERENCE_EXTENSION,
    DISCHARGE_STATUS_EXTENSION,
    DISCHARGE_STATUS_SYSTEM,
    EDUCATION_EXTENSION,
    EDUCATION_SYSTEM,
    FOREIGNER_TYPE_EXTENSION,
    FOREIGNER_TYPE_SYSTEM,
    HCODE_SYSTEM,
    MARITAL_SYSTEM,
    NATIONALITY_EXTENSION,
    NATIONALITY_SYSTEM,
    PACK_SIZE_EXTENSION,
    PATIENT_LOCATION_EXTENSION,
    PATIENT_LOCATION_SYSTEM,
    PERSON_STATUS_EXTENSION,
    PERSON_STATUS_SYSTEM,
    PID_REMOVE_EXTENSION,
    PID_REMOVE_SYSTEM,
    RACE_EXTENSION,
    RELIGION_EXTENSION,
    RELIGION_SYSTEM,
    SERVICE_HOUR_EXTENSION,
    SERVICE_HOUR_SYSTEM,
    SERVICE_PLACE_EXTENSION,
    SERVICE_PLACE_SYSTEM,
    TERMS,
    local_system,
)
from clinic_app.interop import f43, f43_fields

Concept = dict[str, Any]


@functools.cache
def _displays(system: str) -> Mapping[str, str] | None:
    """code -> display of a code system whose list is shipped (resources/standards/); None
    when it is not there (its codes are then kept as read, never filed under the system)."""
    try:
        from clinic_app.conformance.codes import code_list
        return dict(code_list(system.removeprefix(TERMS)).display)
    except (ImportError, OSError):
        return None


def coded(system: str, code: str) -> Concept | None:
    """The CodeableConcept of `code` in `system` with the list's display; None when the code
    is empty or not in the list."""
    displays = _displays(system) or {}
    if not code or code not in displays:
        return None
    return {"coding": [build.coding(system, code, displays[code])]}


def code_of(concept: Any, system: str) -> str:
    """The code of `system` in a CodeableConcept ("" when none)."""
    if not isinstance(concept, dict):
        return ""
    for coding in concept.get("coding") or []:
        if isinstance(coding, dict) and coding.get("system") == system and coding.get("code"):
            return str(coding["code"])
    return ""


def _extension(element: Any, url: str) -> dict[str, Any] | None:
    if not isinstance(element, dict):
        return None
    return next((e for e in element.get("extension") or [] if isinstance(e, dict) and e.get("url") == url), None)


def _with_extension(element: dict[str, Any], ext: dict[str, Any]) -> dict[str, Any]:
    """A copy of `element` with `ext` added (elements may be shared between records)."""
    return {**element, "extension": [*(element.get("extension") or []), ext]}


def facility(code: str) -> dict[str, Any]:
    """A reference to a facility by its MOPH code (5 or 9 digits), as the guides name one."""
    return {"type": "Organization", "identifier": build.identifier(HCODE_SYSTEM, code, "hcode")}


def facility_code(reference: Any) -> str:
    """The MOPH code of a reference made by `facility` (or a Location named so); "" else."""
    ident = reference.get("identifier") if isinstance(reference, dict) else None
    if isinstance(ident, dict) and ident.get("system") == HCODE_SYSTEM and f43.is_facility_code(str(ident.get("value") or "")):
        return str(ident["value"])
    return ""


# -- PERSON -> Patient ---------------------------------------------------------------------

# PERSON field -> (Patient extension whose value is the code, its code system)
PATIENT_CODED = {
    "RACE": (RACE_EXTENSION, NATIONALITY_SYSTEM),
    "RELIGION": (RELIGION_EXTENSION, RELIGION_SYSTEM),
    "EDUCATION": (EDUCATION_EXTENSION, EDUCATION_SYSTEM),
    "LABOR": (FOREIGNER_TYPE_EXTENSION, FOREIGNER_TYPE_SYSTEM),
    "TYPEAREA": (PERSON_STATUS_EXTENSION, PERSON_STATUS_SYSTEM),
    "DISCHARGE": (PID_REMOVE_EXTENSION, PID_REMOVE_SYSTEM),
}
PATIENT_HOMED = ("MSTATUS", "NATION", *PATIENT_CODED)  # the coded PERSON fields with a place on the Patient


def house(hcode: str, hid: str) -> dict[str, Any]:
    """The household (HOME.HID) as the guides point at it: a Location by its localHouse
    identifier (`.../hcode/5/<hcode>/HouseId`, TRM AL_ID.fsh:28; f43_more makes the Location)."""
    return {"type": "Location", "identifier": build.identifier(local_system(hcode, "HouseId"), hid, "localHouse")}


def patient_homes(patient: dict[str, Any], row: Mapping[str, str], hcode: str) -> list[str]:
    """Put PERSON's coded fields on the Patient (changed in place, extensions in the order
    TYPEAREA, DISCHARGE, then the others as PATIENT_HOMED has them), and the household (HID)
    as its address's home reference; the fields that had a code with no place there."""
    if row.get("HID"):
        patient["address"] = [*(patient.get("address") or []), {"extension": [
            {"url": HOME_REFERENCE_EXTENSION, "valueReference": house(hcode, row["HID"])}]}]
    homeless, extensions = [], []
    for name in ("TYPEAREA", "DISCHARGE", "NATION", "RACE", "RELIGION", "EDUCATION", "LABOR", "MSTATUS"):
        code = row.get(name, "")
        if not code:
            continue
        if name == "MSTATUS":
            concept = coded(MARITAL_SYSTEM, code)
            if concept:
                patient["maritalStatus"] = concept
        elif name == "NATION":
            concept = coded(NATIONALITY_SYSTEM, code)
            if concept:
                extensions.append({"url": NATIONALITY_EXTENSION,
                                   "extension": [{"url": "code", "valueCodeableConcept": concept}]})
        else:
            url, system = PATIENT_CODED[name]
            concept = coded(system, code)
            if concept:
                extensions.append({"url": url, "valueCodeableConcept": concept})
        if concept is None:
            homeless.append(name)
    if extensions:
        patient["extension"] = [*(patient.get("extension") or []), *extensions]
    return homeless


def household(patient: Mapping[str, Any], hcode: str) -> str:
    """HID: the household an address of the Patient points at (its home reference)."""
    system = local_system(hcode, "HouseId")
    for address in patient.get("address") or []:
        reference = (_extension(address, HOME_REFERENCE_EXTENSION) or {}).get("valueReference") or {}
        ident = reference.get("identifier") if isinstance(reference, dict) else None
        if isinstance(ident, dict) and ident.get("system") == system and ident.get("value"):
            return str(ident["value"])
    return ""


def carry_household(old: Mapping[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """A corrected Patient keeps the household its record had (the registration form has no
    place for it): the home reference is put on its first address again; changed in place."""
    for address in old.get("address") or []:
        ext = _extension(address, HOME_REFERENCE_EXTENSION)
        if ext and not any(_extension(a, HOME_REFERENCE_EXTENSION) for a in new.get("address") or []):
            addresses = list(new.get("address") or [{}])
            addresses[0] = {**addresses[0], "extension": [*(addresses[0].get("extension") or []), ext]}
            new["address"] = addresses
    return new


def carry_home_phone(old: Mapping[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """A corrected Patient keeps its home phone (PERSON.TELEPHONE) when the form, which has
    one phone (the mobile), did not give that number; changed in place."""
    numbers = {t.get("value") for t in new.get("telecom") or [] if isinstance(t, dict)}
    home = [t for t in old.get("telecom") or [] if isinstance(t, dict) and t.get("system") == "phone"
            and t.get("use") == "home" and t.get("value") not in numbers]
    if home:
        new["telecom"] = [*(new.get("telecom") or []), *home]
    return new


def patient_codes(patient: Mapping[str, Any]) -> dict[str, str]:
    """PERSON's coded fields as the Patient holds them ("" where it has none)."""
    out = {"MSTATUS": code_of(patient.get("maritalStatus"), MARITAL_SYSTEM)}
    nationality = _extension(patient, NATIONALITY_EXTENSION) or {}
    out["NATION"] = next((code_of(part.get("valueCodeableConcept"), NATIONALITY_SYSTEM)
                          for part in nationality.get("extension") or []
                          if isinstance(part, dict) and part.get("url") == "code"), "")
    for name, (url, system) in PATIENT_CODED.items():
        out[name] = code_of((_extension(patient, url) or {}).get("valueCodeableConcept"), system)
    return out


# -- SERVICE -> Encounter ------------------------------------------------------------------

ENCOUNTER_HOMED = ("LOCATION", "INTIME", "TYPEIN", "REFERINHOSP", "SERVPLACE", "TYPEOUT", "REFEROUTHOSP", "HSUB")


def encounter_homes(encounter: dict[str, Any], row: Mapping[str, str]) -> list[str]:
    """Put SERVICE's fields that have a place on the Encounter there (changed in place):
    LOCATION on the subject, INTIME on the period, TYPEIN, REFERINHOSP, TYPEOUT and
    REFEROUTHOSP in hospitalization, SERVPLACE and HSUB as its location. The fields whose
    value has no place (a code not in its list, a facility that is not a facility code),
    to keep as read."""
    homeless = []

    def code(name: str, system: str) -> Concept | None:
        concept = coded(system, row.get(name, ""))
        if concept is None and row.get(name):
            homeless.append(name)
        return concept

    def place(name: str) -> dict[str, Any] | None:
        value = row.get(name, "")
        if value and not f43.is_facility_code(value):
            homeless.append(name)
        return facility(value) if value and f43.is_facility_code(value) else None

    location = code("LOCATION", PATIENT_LOCATION_SYSTEM)
    if location:
        encounter["subject"] = _with_extension(encounter["subject"],
                                               {"url": PATIENT_LOCATION_EXTENSION, "valueCodeableConcept": location})
    hour = code("INTIME", SERVICE_HOUR_SYSTEM)
    if hour:
        encounter["period"] = _with_extension(encounter["period"],
                                              {"url": SERVICE_HOUR_EXTENSION, "valueCodeableConcept": hour})
    hospitalization: dict[str, Any] = {}
    discharge = code("TYPEOUT", DISCHARGE_STATUS_SYSTEM)
    if discharge:
        hospitalization["extension"] = [{"url": DISCHARGE_STATUS_EXTENSION, "valueCodeableConcept": discharge}]
    origin = place("REFERINHOSP")
    if origin:
        hospitalization["origin"] = origin
    admit = code("TYPEIN", ADMIT_SOURCE_SYSTEM)
    if admit:
        hospitalization["admitSource"] = admit
    destination = place("REFEROUTHOSP")
    if destination:
        hospitalization["destination"] = destination
    if hospitalization:
        encounter["hospitalization"] = hospitalization
    served = code("SERVPLACE", SERVICE_PLACE_SYSTEM)
    sub_unit = place("HSUB")
    if served or sub_unit:
        entry: dict[str, Any] = {}
        if served:
            entry["extension"] = [{"url": SERVICE_PLACE_EXTENSION, "valueCodeableConcept": served}]
        # the sub-unit that served (HSUB) as the place; without one, the place by its kind
        entry["location"] = ({**sub_unit, "type": "Location"} if sub_unit
                             else {"display": served["coding"][0]["display"]} if served else {})
        encounter["location"] = [entry]
    return homeless


def encounter_codes(encounter: Mapping[str, Any]) -> dict[str, str]:
    """SERVICE's fields as the Encounter holds them ("" where it has none)."""
    hospitalization = encounter.get("hospitalization") or {}
    entry = next((e for e in encounter.get("location") or [] if isinstance(e, dict)), {})
    return {
        "LOCATION": code_of((_extension(encounter.get("subject"), PATIENT_LOCATION_EXTENSION) or {})
                            .get("valueCodeableConcept"), PATIENT_LOCATION_SYSTEM),
        "INTIME": code_of((_extension(encounter.get("period"), SERVICE_HOUR_EXTENSION) or {})
                          .get("valueCodeableConcept"), SERVICE_HOUR_SYSTEM),
        "TYPEIN": code_of(hospitalization.get("admitSource"), ADMIT_SOURCE_SYSTEM),
        "REFERINHOSP": facility_code(hospitalization.get("origin")),
        "TYPEOUT": code_of((_extension(hospitalization, DISCHARGE_STATUS_EXTENSION) or {})
                           .get("valueCodeableConcept"), DISCHARGE_STATUS_SYSTEM),
        "REFEROUTHOSP": facility_code(hospitalization.get("destination")),
        "SERVPLACE": code_of((_extension(entry, SERVICE_PLACE_EXTENSION) or {}).get("valueCodeableConcept"),
                             SERVICE_PLACE_SYSTEM),
        "HSUB": facility_code(entry.get("location")),
    }


def carry_visit(old: Mapping[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """A visit corrected in the app (rebuilt from the visit form, which has no place for
    them) keeps what the 43 files gave it: LOCATION on the subject, INTIME on the period,
    the hospitalization (TYPEIN, TYPEOUT, referrals), the place (SERVPLACE, HSUB) and the kept
    fields but D_UPDATE, CHIEFCOMP, TYPEIN, SERVPLACE and TYPEOUT (the export stamps the
    correction; the complaint and how the patient came and left are the form's); changed in
    place."""
    for name, url in (("subject", PATIENT_LOCATION_EXTENSION), ("period", SERVICE_HOUR_EXTENSION)):
        ext = _extension(old.get(name), url)
        if ext and isinstance(new.get(name), dict) and not _extension(new[name], url):
            new[name] = _with_extension(new[name], ext)
    for name in ("hospitalization", "location"):
        if old.get(name) and not new.get(name):
            new[name] = old[name]
    kept = f43_fields.kept(dict(old))
    if kept:
        # (TYPEIN, SERVPLACE and TYPEOUT are the form's now: a value the file had outside
        # their lists is replaced by the form's choice, not written back over it)
        f43_fields.keep(new, [(k, v) for k, v in kept.items()
                              if k not in ("D_UPDATE", "CHIEFCOMP", "TYPEIN", "SERVPLACE", "TYPEOUT")])
    return new


# -- DRUG_OPD -> MedicationDispense ---------------------------------------------------------

def pack_size(dispense: Mapping[str, Any]) -> str:
    """UNIT_PACKING: the pack size the dispense carries (ex-claim-chi-packsize)."""
    return str((_extension(dispense, PACK_SIZE_EXTENSION) or {}).get("valueString") or "")


def with_pack_size(dispense: dict[str, Any], text: str) -> dict[str, Any]:
    if text:
        dispense["extension"] = [*(dispense.get("extension") or []), {"url": PACK_SIZE_EXTENSION, "valueString": text}]
    return dispense
