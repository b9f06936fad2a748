"""Records this app wrote before the SIL-TH shapes (data version 1), rewritten in them.

`reshape(resource, hcode)` takes one stored record of this unit and gives what it becomes:
the same facts in TH Core's shapes (typed identifiers, names marked with their language and
the DOPA prefix code, the address with its three DOPA codes and the village number in its
own part, the visit number on every visit, the published vaccine and drug code systems, the
guides' person-status extension, `meta.profile`), plus a Coverage where the Patient carried
the right in the old private extension. Nothing else changes: ids, references, values and
the owner tag stay. A record already in the new shapes comes back equal (the check is
idempotent), so running it twice writes nothing the second time.

Pure: no store, no clock. services/reshape.py runs it over a data folder once.
"""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from clinic_app.core import builders as build
from clinic_app.core.fhir import Resource
from clinic_app.core.identifiers import (
    CID_SYSTEM_ALIASES,
    DIAGTYPE_SYSTEM,
    DOCTOR_ID_SYSTEM,
    EPI_VACCINE_SYSTEM,
    IDENTIFIER_TYPE_SYSTEM,
    LANGUAGE_EXTENSION,
    LOCAL_DRUG_SYSTEM,
    LOCAL_TYPES,
    OLD_ADDRESS_CODE_EXTENSION,
    OLD_RIGHTS_EXTENSION,
    OLD_TMT_SYSTEM,
    OLD_VACCINE_SYSTEMS,
    PERSON_STATUS_EXTENSION,
    PERSON_STATUS_SYSTEM,
    DRUG24_SYSTEM,
    TMT_SYSTEM,
    V2_0203,
    is_passport_system,
    local_system,
    passport_system,
    profile,
)
from clinic_app.core.places import address_codes, home_address
from clinic_app.core.thai import PREFIX_CODES, has_thai

F43_URN = "urn:clinic-app:f43:"  # where data version 1 kept 43-file fields
PROFILES = {"Patient": "th-core-patient", "Encounter": "th-core-encounter", "Condition": "th-core-condition",
            "Observation": "th-core-observation-vitals", "Immunization": "th-core-immunization",
            "MedicationDispense": "th-core-medicationDispense", "AllergyIntolerance": "th-core-allergyintolerance",
            "Coverage": "th-core-coverage", "Practitioner": "th-core-practitioner"}
OLD_RIGHTS = {"UCS": "UCS", "SSS": "SSS", "CSMBS": "CSMBS", "SELF": "SELF"}


def reshape(resource: Resource, hcode: str) -> list[Resource]:
    """What `resource` becomes in the SIL-TH shapes ([] when it is already so): the record
    itself first, then any record it gives rise to (the Coverage of an old right)."""
    out = copy.deepcopy(resource)
    extra: list[Resource] = []
    kind = out.get("resourceType")
    if kind in PROFILES:
        _claim(out, PROFILES[kind])
    if isinstance(out.get("identifier"), list):
        out["identifier"] = [_typed(i, hcode) for i in out["identifier"]]
    if kind == "Patient":
        extra += _patient(out)
    elif kind == "Encounter":
        _encounter(out, hcode)
    elif kind == "Immunization":
        _immunization(out)
    elif kind == "MedicationDispense":
        concept = out.get("medicationCodeableConcept")
        if isinstance(concept, dict):
            concept["coding"] = [_drug(c, hcode) for c in concept.get("coding") or []]
            if not concept["coding"]:
                concept.pop("coding")
    elif kind == "Condition":
        _condition(out)
    return [out, *extra] if out != resource or extra else []


def _claim(resource: Resource, name: str) -> None:
    meta = resource.setdefault("meta", {})
    claimed = list(meta.get("profile") or [])
    if profile(name) not in claimed:
        meta["profile"] = [*claimed, profile(name)]


def _typed(ident: Any, hcode: str) -> Any:
    """An identifier with the type TH Core slices on (a system it does not know: unchanged)."""
    if not isinstance(ident, dict) or ident.get("type"):
        return ident
    system = str(ident.get("system") or "")
    if system in CID_SYSTEM_ALIASES:
        return {"type": {"coding": [build.coding(IDENTIFIER_TYPE_SYSTEM, "cid")]}, **ident}
    if is_passport_system(system):
        country = system.rsplit("-", 1)[-1] if system.startswith("http") and "passport-" in system else None
        return {"type": {"coding": [build.coding(V2_0203, "PPN")]}, **ident, "system": passport_system(country)}
    if system == DOCTOR_ID_SYSTEM:
        return {"type": {"coding": [build.coding(IDENTIFIER_TYPE_SYSTEM, "proDoc")]}, **ident}
    for kind, code in LOCAL_TYPES.items():
        if system == local_system(hcode, kind) or (system.startswith("https://terms.sil-th.org/hcode/")
                                                   and system.endswith("/" + kind)):
            return {"type": {"coding": [build.coding(IDENTIFIER_TYPE_SYSTEM, code)]}, **ident}
    return ident


def _patient(patient: Resource) -> list[Resource]:
    for name in patient.get("name") or []:
        if not isinstance(name, dict):
            continue
        words = " ".join([name.get("text") or "", *(name.get("given") or []), name.get("family") or ""])
        thai = has_thai(words)
        if not any(e.get("url") == LANGUAGE_EXTENSION for e in name.get("extension") or []):
            name["extension"] = [{"url": LANGUAGE_EXTENSION, "valueCode": "th" if thai else "en"},
                                 *(name.get("extension") or [])]
            if not thai and name.get("use") == "usual":
                name["use"] = "official"  # the English name is official too; the language tells them apart
        prefix = (name.get("prefix") or [""])[0]
        if thai and prefix in PREFIX_CODES and "_prefix" not in name:
            name["_prefix"] = build.human_name("", "", prefix=prefix, prefix_code=PREFIX_CODES[prefix])["_prefix"]
    addresses = []
    for address in patient.get("address") or []:
        if isinstance(address, dict) and any(e.get("url") == OLD_ADDRESS_CODE_EXTENSION
                                             for e in address.get("extension") or []):
            subdistrict, village = address_codes(address)
            line = " ".join(address.get("line") or [])
            house = re.sub(r"\s*หมู่(ที่)?\s*[0-9]+\s*$", "", line).strip()
            address = {**home_address(subdistrict, house=house, moo=village,
                                      postal=str(address.get("postalCode") or "")),
                       **({"use": address["use"]} if address.get("use") else {})}
        addresses.append(address)
    if addresses:
        patient["address"] = addresses
    extra: list[Resource] = []
    kept = []
    for ext in patient.get("extension") or []:
        url = ext.get("url") if isinstance(ext, dict) else None
        if url == OLD_RIGHTS_EXTENSION:
            right = OLD_RIGHTS.get(str((ext.get("valueCoding") or {}).get("code")))
            if right:
                extra.append(build.coverage(right, id=str(uuid.uuid5(uuid.NAMESPACE_URL,
                                                                     f"urn:clinic-app:coverage:{patient['id']}")),
                                            beneficiary=build.reference("Patient", patient["id"])))
                _claim(extra[-1], "th-core-coverage")
            continue  # the right is the Coverage's now
        if url == F43_URN + "TYPEAREA":
            code = str(ext.get("valueCode") or ext.get("valueString") or "")
            if code in "12345" and code:
                kept.append({"url": PERSON_STATUS_EXTENSION, "valueCodeableConcept": {
                    "coding": [build.coding(PERSON_STATUS_SYSTEM, code)]}})
            continue
        kept.append(ext)
    if kept:
        patient["extension"] = kept
    else:
        patient.pop("extension", None)
    return extra


def _encounter(encounter: Resource, hcode: str) -> None:
    ids = encounter.get("identifier") or []
    vn = next((i for i in ids if isinstance(i, dict) and str(i.get("system", "")).endswith("/VN")), None)
    if vn is not None:
        return
    seq = next((i for i in ids if isinstance(i, dict) and str(i.get("system", "")).endswith("/SEQ")), None)
    if seq is not None:  # the 43 file's SEQ is the visit number
        ids.remove(seq)
        value = str(seq.get("value") or "")
    else:  # a visit recorded here before visits had numbers: one made from its time and id
        start = str((encounter.get("period") or {}).get("start") or "")
        digits = re.sub(r"[^0-9]", "", start)[2:14]  # YYMMDDhhmmss
        tail = int(uuid.uuid5(uuid.NAMESPACE_URL, str(encounter["id"])).hex[:8], 16) % 10_000
        value = f"{digits}{tail:04d}" if len(digits) == 12 else str(encounter["id"])[:16]
    encounter["identifier"] = [{**build.local_identifier(hcode, "VN", value), "use": "secondary"}, *ids]


def _immunization(immunization: Resource) -> None:
    for coding in (immunization.get("vaccineCode") or {}).get("coding") or []:
        if isinstance(coding, dict) and coding.get("system") in OLD_VACCINE_SYSTEMS:
            coding["system"] = EPI_VACCINE_SYSTEM
    performers = [p for p in immunization.get("performer") or []
                  if not str(((p or {}).get("actor") or {}).get("reference", "")).startswith("Organization/")]
    if performers:
        immunization["performer"] = performers
    else:  # TH Core allows only a person there; the facility is the visit's
        immunization.pop("performer", None)


def _drug(coding: Any, hcode: str) -> Any:
    if not isinstance(coding, dict):
        return coding
    system, code = str(coding.get("system") or ""), str(coding.get("code") or "")
    if system == OLD_TMT_SYSTEM:
        return {**coding, "system": DRUG24_SYSTEM if len(code) == 24 and code.isdigit() else TMT_SYSTEM}
    if system == local_system(hcode, "DRUG") or (system.startswith("https://terms.sil-th.org/hcode/")
                                                 and system.endswith("/DRUG")):
        return {**coding, "system": LOCAL_DRUG_SYSTEM}
    return coding


def _condition(condition: Resource) -> None:
    kept = []
    for ext in condition.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") == F43_URN + "DIAGTYPE":
            code = str(ext.get("valueCode") or ext.get("valueString") or "")
            categories = condition.setdefault("category", [{"coding": []}])
            if code and not any(c.get("system") == DIAGTYPE_SYSTEM for cat in categories for c in cat.get("coding") or []):
                # beside HL7's encounter-diagnosis, as the 43-file import writes it (MoPH-PC's category[th])
                categories[0].setdefault("coding", []).append(build.coding(DIAGTYPE_SYSTEM, code))
            continue
        kept.append(ext)
    if kept:
        condition["extension"] = kept
    else:
        condition.pop("extension", None)
