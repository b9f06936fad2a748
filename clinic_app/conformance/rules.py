"""The SIL-TH conformance rules, written from the guides' FHIR Shorthand (sources in each
rule), independent of the code that builds the records.

`check(resource)` runs every rule that applies to the resource's type and returns the
violations (rule id, element path, a short English message that never quotes a value from
the record: it may be a citizen ID or a name). `check_all(resources)` does it for many.

Rules that apply only when an element is present say so in `Rule.when`. The code lists
(name prefixes, places, coverage types, vaccine codes ...) come from `resources/standards/`
through `codes.py`. The wire format is FHIR R4: where the guides (R5) name an R5 element,
the rule checks its R4 home (Encounter.hospitalization for Encounter.admission ...).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from clinic_app.conformance.codes import TERMS, TH_EXTENSIONS, code_list, code_systems, extensions, places, profiles
from clinic_app.conformance.sources import Source, fsh, own, r4

Found = Iterator[tuple[str, str]]  # (element path, message)

# -- the URLs, as the guides write them (TRM input/fsh/AL_ID.fsh, AL_CS.fsh; EXT Alias/AL_Extensions.fsh)

IDENTIFIER_TYPE = TERMS + "cs-th-identifier-type"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
CID_SYSTEM = "https://terms.sil-th.org/id/th-cid"
PASSPORT_UNKNOWN = "https://terms.sil-th.org/id/passport"
PASSPORT_ISO = re.compile(r"^http://hl7\.org/fhir/sid/passport-[A-Z]{3}$")
HCODE_SYSTEM = "https://terms.sil-th.org/id/th-moph-hcode"
LOCAL_PREFIX = "https://terms.sil-th.org/hcode/"
LOCAL = re.compile(r"^https://terms\.sil-th\.org/hcode/(?:5/[0-9]{5}|9/[0-9]{9})/([A-Za-z]+)$")
PROVINCIAL_REFER = re.compile(r"^https://terms\.sil-th\.org/[0-9]{2}/Refer$")
# the {Kind}s of TRM AL_ID.fsh:24-42
LOCAL_KINDS = frozenset({"HN", "VN", "AN", "PID", "HouseId", "Provider", "Drug", "SelfDrug", "Inv", "InvLt", "Refer",
                         "Procedure", "Lab", "LabItem", "Rad", "DepCode", "Device", "ReferDoc"})
# the types the invariants HN-uri, VN-uri, AN-uri, PID-uri tie to their kind
LOCAL_TYPE_KIND = {"localHn": "HN", "localVn": "VN", "localAn": "AN", "localPid": "PID"}
# national registries (TRM AL_ID.fsh:6-20) and the identifier type of each
NATIONAL = {
    "wp": "https://terms.sil-th.org/id/th-mol-wp",
    "hcode": HCODE_SYSTEM,
    "houseNo": "https://terms.sil-th.org/id/th-dopa-house-no",
    "villageNo": "https://terms.sil-th.org/th-dopa-village-no",
    "disability": "https://terms.sil-th.org/id/th-disability-no",
    "claimCode": "https://terms.sil-th.org/id/th-nhso-claim-code",
    "referCode": "https://terms.sil-th.org/id/th-refer-code",
}
LICENCES = {
    "proDoc": "https://terms.sil-th.org/id/th-doctor-id",
    "proDent": "https://terms.sil-th.org/id/th-dentist-id",
    "proMedtech": "https://terms.sil-th.org/id/th-medtech-id",
    "proPharm": "https://terms.sil-th.org/id/th-pharmacist-id",
    "proPhysio": "https://terms.sil-th.org/id/th-physio-id",
    "proVet": "https://terms.sil-th.org/id/th-vet-id",
    "proNurse": "https://terms.sil-th.org/id/th-nurse-id",
    "healthVolun": "https://terms.sil-th.org/id/th-hvolunteer",
}
# ... and TH Core's juristic-person number (THC Alias/Alias.fsh:29; its type jid is not in the code system)
ID_SYSTEMS = frozenset({CID_SYSTEM, PASSPORT_UNKNOWN, "https://terms.sil-th.org/id/th-jid", *NATIONAL.values(),
                        *LICENCES.values()})

LANGUAGE = "http://hl7.org/fhir/StructureDefinition/language"
NAME_PREFIX = TH_EXTENSIONS + "ex-humanname-name-prefix"
ADDRESS_CODE = TH_EXTENSIONS + "ex-address-address-code"
STRUCTURED_LINE = TH_EXTENSIONS + "ex-address-structured-line"
PERSON_STATUS = TH_EXTENSIONS + "ex-patient-person-status"
PID_REMOVE = TH_EXTENSIONS + "ex-patient-pid-remove-reason"
DISCHARGE = TH_EXTENSIONS + "ex-encounter-discharge-status"

NAMEPREFIX_CS = TERMS + "cs-dopa-nameprefix"
LOCATION_CS = TERMS + "cs-dopa-location"
THCC_COVERAGE = TERMS + "cs-thcc-coverage-type"
TH_COVERAGE = TERMS + "cs-th-coverage-type"
VACCINE_CS = TERMS + "cs-thcc-vaccine-code"
TMT = TERMS + "cs-th-tmt"
DRUG_24 = TERMS + "cs-th-24drug"
LOCAL_DRUG = TERMS + "cs-th-local-drug-code"
SUPERSEDED = "https://terms.sil-th.org/CodeSystem/"  # the 43-file-plus (R4B, 2022) generation
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10TM = TERMS + "cs-th-icd10tm"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

LEVEL_DIGITS = {"province": 2, "district": 4, "subdistrict": 6}
LINE_PARTS = ("number", "buildingVillage", "villageNo", "road", "lane")
DISCHARGE_SYSTEMS = (TERMS + "cs-thcc-discharge-status", TERMS + "cs-thcc-chronic-discharge-reason",
                     TERMS + "cs-chi-typeout")

R4_ENCOUNTER_STATUS = ("planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled",
                       "entered-in-error", "unknown")
R4_COVERAGE_STATUS = ("active", "cancelled", "draft", "entered-in-error")

# LOINC vital signs (TRM ValueSets/VS_43Plus_ObservationList.fsh:255-275, plus the BP components of
# F43 SD_Observation_VitalBp.fsh:22,30) and the UCUM units F43's per-sign profiles fix
VITAL_UNITS: dict[str, tuple[str, ...]] = {
    "29463-7": ("kg", "g", "[lb_av]"), "8302-2": ("cm",), "8310-5": ("Cel",), "85354-9": (), "8867-4": ("/min",),
    "9279-1": ("/min",), "8280-0": ("cm",), "62409-8": ("cm",), "9843-4": ("cm",), "8279-2": ("cm",),
    "39156-5": ("kg/m2",), "85353-1": (), "55286-9": (), "8480-6": ("mm[Hg]",), "8462-4": ("mm[Hg]",),
}
HL7_VITAL_PROFILES = frozenset("http://hl7.org/fhir/StructureDefinition/" + p for p in (
    "vitalsigns", "vitalspanel", "resprate", "heartrate", "oxygensat", "bodytemp", "bodyheight", "headcircum",
    "bodyweight", "bmi", "bp"))

# the resource types the guides profile (TH Core and MoPH-PC 1.0; resources/standards/sil-th-profiles.csv)
GUIDE_TYPES = ("AllergyIntolerance", "Composition", "Condition", "Coverage", "Device", "DeviceUseStatement",
               "DiagnosticReport", "DocumentReference", "Encounter", "FamilyMemberHistory", "ImagingStudy",
               "Immunization", "Location", "Medication", "MedicationAdministration", "MedicationDispense",
               "MedicationRequest", "MedicationStatement", "Observation", "Organization", "Patient", "Practitioner",
               "PractitionerRole", "Procedure", "RelatedPerson", "ServiceRequest", "Specimen")
PEOPLE = ("Patient", "Practitioner", "RelatedPerson")
WITH_ADDRESS = ("Patient", "Practitioner", "RelatedPerson", "Organization", "Location")
MEDICATION_TYPES = ("MedicationDispense", "MedicationRequest", "MedicationStatement", "MedicationAdministration",
                    "Medication")
ANY = ("*",)


@dataclass(frozen=True)
class Violation:
    rule: str
    resource_type: str
    resource_id: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.resource_type}/{self.resource_id}" if self.resource_id else self.resource_type
        return f"{self.rule} {where} {self.path or '(resource)'}: {self.message}"


@dataclass(frozen=True)
class Rule:
    id: str
    statement: str
    sources: tuple[Source, ...]
    applies_to: tuple[str, ...]  # resource types; ("*",) is every type
    when: str  # "" = always, else the element whose presence the rule needs
    find: Callable[[dict[str, Any]], Iterable[tuple[str, str]]]

    def applies(self, resource_type: str) -> bool:
        return self.applies_to == ANY or resource_type in self.applies_to

    @property
    def source(self) -> str:
        return "; ".join(str(s) for s in self.sources)


# -- small helpers over FHIR JSON --------------------------------------------------------------------

def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _dicts(value: Any) -> list[tuple[int, dict[str, Any]]]:
    return [(i, v) for i, v in enumerate(_list(value)) if isinstance(v, dict)]


def _join(path: str, part: str) -> str:
    return f"{path}.{part}" if path else part


def _codings(concept: Any) -> list[tuple[int, dict[str, Any]]]:
    return _dicts(concept.get("coding")) if isinstance(concept, dict) else []


def _exts(element: Any, url: str) -> list[tuple[int, dict[str, Any]]]:
    if not isinstance(element, dict):
        return []
    return [(i, e) for i, e in _dicts(element.get("extension")) if e.get("url") == url]


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _has_thai(text: str) -> bool:
    return any("\u0e01" <= ch <= "\u0e5b" for ch in text)


def _has_latin(text: str) -> bool:
    return any("a" <= ch.lower() <= "z" for ch in text)


REFERENCE = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/[A-Za-z0-9\-.]{1,64}(?:/_history/[^/]+)?$")


def _ref_type(reference: Any) -> str | None:
    """The resource type a Reference names (its `type`, else its `reference`)."""
    if not isinstance(reference, dict):
        return None
    if isinstance(reference.get("type"), str):
        return reference["type"]
    match = REFERENCE.search(_str(reference.get("reference")))
    return match.group(1) if match else None


def cid_check_digit_ok(value: str) -> bool:
    """DOPA's citizen-ID check digit: the 13th digit is (11 - sum(d_i * (13 - i)) mod 11) mod 10."""
    if not re.fullmatch(r"[0-9]{13}", value):
        return False
    total = sum(int(d) * (13 - i) for i, d in enumerate(value[:12]))
    return (11 - total % 11) % 10 == int(value[12])


def identifiers(resource: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The resource's own identifiers, and a Practitioner's licence numbers in qualification."""
    for i, ident in _dicts(resource.get("identifier")):
        yield f"identifier[{i}]", ident
    if resource.get("resourceType") == "Practitioner":
        for q, qual in _dicts(resource.get("qualification")):
            for i, ident in _dicts(qual.get("identifier")):
                yield f"qualification[{q}].identifier[{i}]", ident


def _type_codes(ident: dict[str, Any]) -> set[str]:
    return {_str(c.get("code")) for _, c in _codings(ident.get("type")) if c.get("system") == IDENTIFIER_TYPE}


def _is_passport_type(ident: dict[str, Any]) -> bool:
    return any(c.get("system") == V2_0203 and c.get("code") == "PPN" for _, c in _codings(ident.get("type")))


def names(resource: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"name[{i}]", n) for i, n in _dicts(resource.get("name"))]


def _name_language(name: dict[str, Any]) -> str | None:
    found = _exts(name, LANGUAGE)
    return _str(found[0][1].get("valueCode")) or None if len(found) == 1 else None


def addresses(resource: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    if isinstance(resource.get("address"), dict):  # Location: one address
        return [("address", resource["address"])]
    return [(f"address[{i}]", a) for i, a in _dicts(resource.get("address"))]


def walk_extensions(resource: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], str, dict[str, Any], bool]]:
    """Every extension in the resource: (element names from the resource type down, with
    `_x` read as `x` and contained resources starting again at their type; its path; the
    extension; whether it sits inside another extension)."""

    def walk(node: Any, where: tuple[str, ...], path: str, nested: bool) -> Iterator[Any]:
        if isinstance(node, list):
            for i, item in enumerate(node):
                yield from walk(item, where, f"{path}[{i}]", nested)
            return
        if not isinstance(node, dict):
            return
        if where and isinstance(node.get("resourceType"), str):
            where = (node["resourceType"],)
        for key, value in node.items():
            if key in ("extension", "modifierExtension"):
                for i, ext in _dicts(value):
                    at = _join(path, f"{key}[{i}]")
                    yield where, at, ext, nested
                    yield from walk(ext, (*where, key), at, True)
            elif isinstance(value, (dict, list)):
                name = key[1:] if key.startswith("_") else key
                yield from walk(value, (*where, name), _join(path, name), nested)

    yield from walk(resource, (_str(resource.get("resourceType")),), "", False)


def walk_codings(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every Coding-like object (one with `system` and `code`) below `node`."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from walk_codings(item, f"{path}[{i}]")
    elif isinstance(node, dict):
        if isinstance(node.get("system"), str) and "code" in node:
            yield path, node
        for key, value in node.items():
            if isinstance(value, (dict, list)):
                yield from walk_codings(value, _join(path, key[1:] if key.startswith("_") else key))


# -- identifiers ---------------------------------------------------------------------------------------------

def _id_type(resource: dict[str, Any]) -> Found:
    known = code_list("cs-th-identifier-type")
    for path, ident in identifiers(resource):
        codings = _codings(ident.get("type"))
        if not codings:
            yield _join(path, "type"), "no type: every identifier carries a cs-th-identifier-type code"
            continue
        if not _type_codes(ident) and not _is_passport_type(ident):
            yield _join(path, "type.coding"), "no coding from cs-th-identifier-type (v2-0203 PPN for a passport)"
        for i, coding in codings:
            if coding.get("system") == IDENTIFIER_TYPE and coding.get("code") not in known:
                yield _join(path, f"type.coding[{i}].code"), "not a cs-th-identifier-type code"


def _id_cid(resource: dict[str, Any]) -> Found:
    for path, ident in identifiers(resource):
        system, cid_type = ident.get("system"), "cid" in _type_codes(ident)
        if cid_type and system != CID_SYSTEM:
            yield _join(path, "system"), f"type cid needs system {CID_SYSTEM}"
        if system == CID_SYSTEM and not cid_type:
            yield _join(path, "type"), "a th-cid identifier has type cid"
        if (cid_type or system == CID_SYSTEM) and not re.fullmatch(r"[0-9]{13}", _str(ident.get("value"))):
            yield _join(path, "value"), "a citizen ID is 13 digits (CID-length)"


def _cid_check(resource: dict[str, Any]) -> Found:
    for path, ident in identifiers(resource):
        value = _str(ident.get("value"))
        if (ident.get("system") == CID_SYSTEM or "cid" in _type_codes(ident)) \
                and re.fullmatch(r"[0-9]{13}", value) and not cid_check_digit_ok(value):
            yield _join(path, "value"), "the citizen ID's check digit is wrong"


def _id_local(resource: dict[str, Any]) -> Found:
    kind_type = {kind: t for t, kind in LOCAL_TYPE_KIND.items()}
    for path, ident in identifiers(resource):
        system, codes = _str(ident.get("system")), _type_codes(ident)
        match = LOCAL.match(system)
        if system.startswith(LOCAL_PREFIX) and not match:
            yield _join(path, "system"), "not https://terms.sil-th.org/hcode/5/{5-digit hcode}/{kind} (or /9/{9 digits}/)"
        elif match and match.group(1) not in LOCAL_KINDS:
            yield _join(path, "system"), f"/{match.group(1)} is not a kind the guides define (HN, PID, VN, AN ...)"
        elif match:
            wanted = kind_type.get(match.group(1))
            if wanted and wanted not in codes:
                yield _join(path, "type"), f"a /{match.group(1)} identifier has type {wanted}"
            elif not wanted and not any(c.startswith("local") for c in codes):
                yield _join(path, "type"), "a facility-local identifier has a local* type"
        for wanted_type, kind in LOCAL_TYPE_KIND.items():
            if wanted_type in codes and not (match and match.group(1) == kind):
                yield _join(path, "system"), f"type {wanted_type} needs system {LOCAL_PREFIX}5/{{hcode}}/{kind}"
        if "localReferPro" in codes and not PROVINCIAL_REFER.match(system):
            yield _join(path, "system"), "type localReferPro needs system https://terms.sil-th.org/{province}/Refer"


def _id_passport(resource: dict[str, Any]) -> Found:
    for path, ident in identifiers(resource):
        system, ppn = _str(ident.get("system")), _is_passport_type(ident)
        passport_system = system == PASSPORT_UNKNOWN or re.match(r"^https?://hl7\.org/fhir/sid/passport", system)
        if (ppn or passport_system) and not (PASSPORT_ISO.match(system) or system == PASSPORT_UNKNOWN):
            if system.startswith("https://hl7.org/fhir/sid/passport-"):
                yield _join(path, "system"), "http://, not https:// (the Passport-uri invariant)"
            else:
                yield _join(path, "system"), ("a passport's system is http://hl7.org/fhir/sid/passport-{ISO3} "
                                              f"or {PASSPORT_UNKNOWN}")
        if passport_system and not ppn:
            yield _join(path, "type"), "a passport has type v2-0203 PPN"


def _table_agrees(resource: dict[str, Any], table: dict[str, str]) -> Found:
    for path, ident in identifiers(resource):
        system, codes = ident.get("system"), _type_codes(ident)
        for wanted_type, wanted_system in table.items():
            if wanted_type in codes and system != wanted_system:
                yield _join(path, "system"), f"type {wanted_type} needs system {wanted_system}"
            if system == wanted_system and wanted_type not in codes:
                yield _join(path, "type"), f"a {wanted_system.rsplit('/', 1)[1]} identifier has type {wanted_type}"


def _id_system(resource: dict[str, Any]) -> Found:
    yield from _table_agrees(resource, NATIONAL)
    for path, ident in identifiers(resource):
        system = _str(ident.get("system"))
        if system == HCODE_SYSTEM and not re.fullmatch(r"[0-9]{5}|[0-9]{9}", _str(ident.get("value"))):
            yield _join(path, "value"), "a facility code is 5 or 9 digits (hcode-length)"
        if system.startswith("https://terms.sil-th.org/id/") and system not in ID_SYSTEMS:
            yield _join(path, "system"), "not an identifier system the guides define"


def _practitioner_licence(resource: dict[str, Any]) -> Found:
    yield from _table_agrees(resource, LICENCES)


# -- names -----------------------------------------------------------------------------------------------------

def _name_lang(resource: dict[str, Any]) -> Found:
    for path, name in names(resource):
        found = _exts(name, LANGUAGE)
        if len(found) != 1:
            yield _join(path, "extension"), "needs one language extension (th or en)"
            continue
        i, ext = found[0]
        lang = ext.get("valueCode")
        if lang not in ("th", "en"):
            yield _join(path, f"extension[{i}].valueCode"), "the name's language is th or en"
            continue
        text = " ".join(_str(p) for p in [name.get("family"), *_list(name.get("given"))])
        if lang == "en" and _has_thai(text):
            yield _join(path, "extension"), "marked en but written in Thai letters"
        if lang == "th" and _has_latin(text) and not _has_thai(text):
            yield _join(path, "extension"), "marked th but has no Thai letters"


def _name_official(resource: dict[str, Any]) -> Found:
    official = [p for p, n in names(resource) if n.get("use") == "official" and _name_language(n) == "th"]
    if len(official) > 1:
        yield "name", f"{len(official)} official Thai names; at most one"


def _norm_prefix(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _name_prefix(resource: dict[str, Any]) -> Found:
    prefixes = code_list("cs-dopa-nameprefix")
    for path, name in names(resource):
        for i, _ in _exts(name, NAME_PREFIX):
            yield _join(path, f"extension[{i}]"), "the prefix code goes on the prefix (_prefix), not on the name"
        texts = _list(name.get("prefix"))
        for j, element in enumerate(_list(name.get("_prefix"))):
            for k, ext in _exts(element, NAME_PREFIX):
                at = _join(path, f"prefix[{j}].extension[{k}]")
                dopa = [(m, c) for m, c in _codings(ext.get("valueCodeableConcept")) if c.get("system") == NAMEPREFIX_CS]
                if not dopa:
                    yield at, f"no {NAMEPREFIX_CS} coding"
                for m, coding in dopa:
                    code = coding.get("code")
                    if code not in prefixes:
                        yield _join(at, f"valueCodeableConcept.coding[{m}].code"), "not a cs-dopa-nameprefix code"
                        continue
                    text = texts[j] if j < len(texts) and isinstance(texts[j], str) else ""
                    if text and _norm_prefix(text) not in {_norm_prefix(prefixes.display[code]),
                                                           _norm_prefix(prefixes.definition[code])}:
                        yield _join(path, f"prefix[{j}]"), "the prefix is not the display or definition of its code"


# -- addresses -----------------------------------------------------------------------------------------------------

def _address_codes(address: dict[str, Any]) -> dict[str, str]:
    """{province|district|subdistrict: code} of the address-code extension's codes that exist."""
    out: dict[str, str] = {}
    known = places()
    for _, ext in _exts(address, ADDRESS_CODE):
        for _, sub in _dicts(ext.get("extension")):
            level = sub.get("url")
            for _, coding in _codings(sub.get("valueCodeableConcept")):
                code = coding.get("code")
                if coding.get("system") == LOCATION_CS and code in known and known[code].level == level:
                    out[level] = code
    return out


def _address_code(resource: dict[str, Any]) -> Found:
    known = places()
    for path, address in addresses(resource):
        found = _exts(address, ADDRESS_CODE)
        if len(found) > 1:
            yield _join(path, "extension"), "more than one address-code extension"
        for i, ext in found:
            at = _join(path, f"extension[{i}]")
            if any(key.startswith("value") for key in ext):
                yield at, "a complex extension (province/district/subdistrict), not one value (the older 43-file-plus form)"
            subs = _dicts(ext.get("extension"))
            if not subs:
                yield at, "no province, district or subdistrict"
            seen: dict[str, str] = {}
            for m, sub in subs:
                level, sub_at = sub.get("url"), _join(at, f"extension[{m}]")
                if level not in LEVEL_DIGITS:
                    yield _join(sub_at, "url"), "is province, district or subdistrict"
                    continue
                if level in seen:
                    yield sub_at, f"{level} given twice"
                codes = [c for _, c in _codings(sub.get("valueCodeableConcept")) if c.get("system") == LOCATION_CS]
                if not codes:
                    yield _join(sub_at, "valueCodeableConcept"), f"no {LOCATION_CS} coding"
                    continue
                code = _str(codes[0].get("code"))
                digits = LEVEL_DIGITS[level]
                if not re.fullmatch(f"[0-9]{{{digits}}}", code):
                    yield _join(sub_at, "valueCodeableConcept"), f"a {level} code has {digits} digits"
                elif code not in known or known[code].level != level:
                    yield _join(sub_at, "valueCodeableConcept"), f"not a cs-dopa-location {level} code"
                else:
                    seen[level] = code
            province, district, subdistrict = (seen.get(k, "") for k in ("province", "district", "subdistrict"))
            if province and district and not district.startswith(province):
                yield at, "the district is not in the province"
            if subdistrict and district and not subdistrict.startswith(district):
                yield at, "the subdistrict is not in the district"
            if subdistrict and province and not district and not subdistrict.startswith(province):
                yield at, "the subdistrict is not in the province"


PLACE_WORDS = re.compile(r"^(?:จังหวัด|อำเภอ|ตำบล|แขวง|เขต|จ\.|อ\.|ต\.)\s*")
FIELD_LEVEL = (("city", "subdistrict", "ตำบล"), ("district", "district", "อำเภอ"), ("state", "province", "จังหวัด"))


def _place_name(text: str) -> str:
    return PLACE_WORDS.sub("", text.strip()).replace(" ", "")


def _address_names(resource: dict[str, Any]) -> Found:
    known = places()
    for path, address in addresses(resource):
        codes = _address_codes(address)
        for field, level, thai in FIELD_LEVEL:
            value = _str(address.get(field))
            if level not in codes or not _has_thai(value):
                continue
            place = known[codes[level]]
            if _place_name(value) in {_place_name(place.name), _place_name(place.name_now)} - {""}:
                continue
            others = [lv for _, lv, _ in FIELD_LEVEL if lv != level and lv in codes
                      and _place_name(value) in {_place_name(known[codes[lv]].name),
                                                 _place_name(known[codes[lv]].name_now)}]
            hint = f" (it is the {others[0]}'s name: swapped?)" if others else ""
            yield _join(path, field), f"not the {level} name of the address code ({field} = {thai}){hint}"


VILLAGE_IN_LINE = re.compile(r"หมู่(?:ที่)?\s*[0-9๐-๙]+|ม\.\s*[0-9๐-๙]+")


def _address_line(resource: dict[str, Any]) -> Found:
    for path, address in addresses(resource):
        has_village_no = False
        for i, ext in _exts(address, STRUCTURED_LINE):
            at = _join(path, f"extension[{i}]")
            if any(key.startswith("value") for key in ext):
                yield at, "a complex extension: its parts are sub-extensions, not one value"
            seen: set[str] = set()
            for m, sub in _dicts(ext.get("extension")):
                part, sub_at = sub.get("url"), _join(at, f"extension[{m}]")
                if part not in LINE_PARTS:
                    yield _join(sub_at, "url"), "is number, buildingVillage, villageNo, road or lane"
                    continue
                if part in seen:
                    yield sub_at, f"{part} given twice"
                seen.add(part)
                values = [key for key in sub if key.startswith("value")]
                if values != ["valueString"] or not _str(sub.get("valueString")).strip():
                    yield sub_at, f"{part} is a valueString"
                has_village_no = has_village_no or part == "villageNo"
        for k, line in enumerate(_list(address.get("line"))):
            if isinstance(line, str) and VILLAGE_IN_LINE.search(line) and not has_village_no:
                yield _join(path, f"line[{k}]"), "a village number (หมู่) but no ex-address-structured-line villageNo"


# -- Thai patient and encounter extensions ---------------------------------------------------------------------

def _coded_extension(resource: dict[str, Any], url: str, cs_id: str) -> Found:
    codes = code_list(cs_id)
    for i, ext in _exts(resource, url):
        at = f"extension[{i}]"
        coded = [(m, c) for m, c in _codings(ext.get("valueCodeableConcept")) if c.get("system") == codes.url]
        if not coded:
            yield at, f"no {codes.url} coding in valueCodeableConcept"
        for m, coding in coded:
            if coding.get("code") not in codes:
                yield _join(at, f"valueCodeableConcept.coding[{m}].code"), f"not a {cs_id} code"


def _person_status(resource: dict[str, Any]) -> Found:
    yield from _coded_extension(resource, PERSON_STATUS, "cs-thcc-person-status")


def _pid_remove(resource: dict[str, Any]) -> Found:
    yield from _coded_extension(resource, PID_REMOVE, "cs-43file-pid-remove-reason")


def _encounter_discharge(resource: dict[str, Any]) -> Found:
    statuses = code_list("cs-thcc-discharge-status")
    for _, at, ext, _ in walk_extensions(resource):
        if ext.get("url") != DISCHARGE:
            continue
        codings = _codings(ext.get("valueCodeableConcept"))
        if not any(c.get("system") in DISCHARGE_SYSTEMS for _, c in codings):
            yield at, "no cs-thcc-discharge-status (or chronic-discharge-reason, chi-typeout) coding"
        for m, coding in codings:
            if coding.get("system") == statuses.url and coding.get("code") not in statuses:
                yield _join(at, f"valueCodeableConcept.coding[{m}].code"), "not a cs-thcc-discharge-status code"


# -- extensions and code systems in general --------------------------------------------------------------------------

def _no_private_extension(resource: dict[str, Any]) -> Found:
    defined = extensions()
    for _, at, ext, _ in walk_extensions(resource):
        url = _str(ext.get("url"))
        if url.startswith("urn:clinic-app:f43:"):
            yield at, "an invented 43-file extension; the guides have their own (person status, discharge ...)"
        elif re.match(r"^https?://terms\.sil-th\.org/", url):
            yield at, "terms.sil-th.org defines no extensions: an invented URL"
        elif re.match(r"^https?://fhir-ig\.sil-th\.org/", url) and url not in defined:
            if "/mophpc/" in url:
                yield at, f"the superseded 43-file-plus URL; the guides' extensions are under {TH_EXTENSIONS}"
            else:
                yield at, "not an extension the guides define"


R5_TO_R4 = {"Encounter.admission": "Encounter.hospitalization", "Encounter.actualPeriod": "Encounter.period"}
DATATYPE_OF = {"address": "Address", "telecom": "ContactPoint", "dosageInstruction": "Dosage", "dosage": "Dosage"}
HUMAN_NAME_HOLDERS = ("Patient", "Practitioner", "RelatedPerson", "contact")


def _positions(where: tuple[str, ...]) -> set[str]:
    """The contexts an extension at `where` is in: the resource path, and a datatype path
    when the path passes through an element of that datatype (Patient.address -> Address)."""
    out = {".".join(where)}
    for i in range(1, len(where)):
        datatype = DATATYPE_OF.get(where[i])
        if where[i] == "name" and where[i - 1] in HUMAN_NAME_HOLDERS:
            datatype = "HumanName"
        if datatype:
            out.add(".".join((datatype, *where[i + 1:])))
    return out


def _context(context: str) -> str:
    for r5, r4_path in R5_TO_R4.items():
        if context == r5 or context.startswith(r5 + "."):
            return r4_path + context[len(r5):]
    return context


def _extension_context(resource: dict[str, Any]) -> Found:
    defined = extensions()
    for where, at, ext, nested in walk_extensions(resource):
        found = defined.get(_str(ext.get("url")))
        if nested or found is None or not found.contexts:
            continue
        contexts = {_context(c) for c in found.contexts}
        if contexts & {"Element", "Resource", "DomainResource"} or contexts & _positions(where):
            continue
        yield at, f"{found.url.rsplit('/', 1)[1]} belongs on {' or '.join(sorted(contexts))}"


def _code_system(resource: dict[str, Any]) -> Found:
    known = code_systems()
    for at, coding in walk_codings(resource):
        system = coding["system"]
        if system.startswith(SUPERSEDED):
            published = TERMS + system[len(SUPERSEDED):]
            if published in known:
                yield _join(at, "system"), f"the superseded URL; the code system is {published}"
            else:
                yield _join(at, "system"), "not a code system the guides define"
        elif system.startswith(TERMS) and system not in known:
            yield _join(at, "system"), "not a code system the guides define"


# -- Coverage, Encounter -------------------------------------------------------------------------------------------------

def _coverage(resource: dict[str, Any]) -> Found:
    if resource.get("status") not in R4_COVERAGE_STATUS:
        yield "status", f"status is one of {', '.join(R4_COVERAGE_STATUS)}"
    if _ref_type(resource.get("beneficiary")) != "Patient":
        yield "beneficiary", "references the Patient"
    payors = [p for _, p in _dicts(resource.get("payor")) if p.get("reference") or p.get("identifier") or p.get("display")]
    if not payors:
        yield "payor", "at least one payer (1..* in R4)"


def _coverage_type(resource: dict[str, Any]) -> Found:
    thcc, th = code_list("cs-thcc-coverage-type"), code_list("cs-th-coverage-type")
    codings = _codings(resource.get("type"))
    if not any(c.get("system") == thcc.url for _, c in codings):
        yield "type", f"no {thcc.url} coding"
    for i, coding in codings:
        system, code = coding.get("system"), coding.get("code")
        if system == thcc.url and code not in thcc:
            yield f"type.coding[{i}].code", "not a cs-thcc-coverage-type code"
        elif system == th.url and code not in th:
            yield f"type.coding[{i}].code", "not a cs-th-coverage-type code"
        elif system not in (thcc.url, th.url):
            yield f"type.coding[{i}].system", "only cs-thcc-coverage-type and cs-th-coverage-type codings"


def _encounter_vn(resource: dict[str, Any]) -> Found:
    for _, ident in identifiers(resource):
        match = LOCAL.match(_str(ident.get("system")))
        if "localVn" in _type_codes(ident) and match and match.group(1) == "VN" and _str(ident.get("value")):
            return
    yield "identifier", "no VN (type localVn, system https://terms.sil-th.org/hcode/5/{hcode}/VN)"


def _encounter_r4(resource: dict[str, Any]) -> Found:
    status = resource.get("status")
    if status == "completed":
        yield "status", "completed is R5; R4 says finished"
    elif status not in R4_ENCOUNTER_STATUS:
        yield "status", "not an R4 Encounter status"
    klass = resource.get("class")
    if isinstance(klass, list):
        yield "class", "one Coding in R4 (R5 made it a list)"
    elif not isinstance(klass, dict) or not klass.get("code"):
        yield "class", "class is required in R4 (a v3-ActCode Coding such as AMB)"


# -- Immunization, medication, diagnosis, vital signs ----------------------------------------------------------------------

def _vaccine_code(resource: dict[str, Any]) -> Found:
    vaccines = code_list("cs-thcc-vaccine-code")
    codings = [(i, c) for i, c in _codings(resource.get("vaccineCode")) if c.get("system") == vaccines.url]
    if not codings:
        yield "vaccineCode", f"no {vaccines.url} coding"
    for i, coding in codings:
        if coding.get("code") not in vaccines:
            yield f"vaccineCode.coding[{i}].code", "not a cs-thcc-vaccine-code code"


def _immunization_performer(resource: dict[str, Any]) -> Found:
    for i, performer in _dicts(resource.get("performer")):
        actor = performer.get("actor")
        if actor is not None and _ref_type(actor) != "Practitioner":
            yield f"performer[{i}].actor", "references a Practitioner only; the facility goes in location"


def _drug_code(resource: dict[str, Any]) -> Found:
    element = "code" if resource.get("resourceType") == "Medication" else "medicationCodeableConcept"
    for i, coding in _codings(resource.get(element)):
        at, system, code = f"{element}.coding[{i}]", coding.get("system"), _str(coding.get("code"))
        if system == DRUG_24:
            if not re.fullmatch(r"[0-9]{24}", code):
                yield _join(at, "code"), "a cs-th-24drug code has 24 digits"
        elif system == TMT:
            if not code.isdigit():
                yield _join(at, "code"), "a TMTID is digits"
            elif len(code) == 24:
                yield _join(at, "system"), "a 24-digit code belongs in cs-th-24drug, not TMT"
        elif system == LOCAL_DRUG:
            if not code:
                yield _join(at, "code"), "no code"
        elif system == SUPERSEDED + "cs-th-tmt":
            yield _join(at, "system"), f"the superseded TMT URL; use {TMT}"
        else:
            yield _join(at, "system"), "drug codes are cs-th-tmt, cs-th-24drug or cs-th-local-drug-code (or text only)"


ICD10_CODE = re.compile(r"^[A-Z][0-9]{2}(?:\.[0-9A-Z]{1,4})?$")


def _icd10(resource: dict[str, Any]) -> Found:
    codings = [(i, c) for i, c in _codings(resource.get("code")) if c.get("system") in (ICD10, ICD10TM)]
    if not codings:
        yield "code", f"no ICD-10 coding ({ICD10})"
    for i, coding in codings:
        code = _str(coding.get("code"))
        if coding.get("system") == ICD10 and not ICD10_CODE.match(code):
            hint = " (with its dot, as E11.9)" if re.fullmatch(r"[A-Z][0-9]{3,}", code) else ""
            yield f"code.coding[{i}].code", f"not an ICD-10 code{hint}"


def _loinc(concept: Any) -> list[str]:
    return [_str(c.get("code")) for _, c in _codings(concept) if c.get("system") == LOINC]


def _is_vital(resource: dict[str, Any]) -> bool:
    category = any(c.get("system") == OBSERVATION_CATEGORY and c.get("code") == "vital-signs"
                   for _, cat in _dicts(resource.get("category")) for _, c in _codings(cat))
    return category or any(code in VITAL_UNITS for code in _loinc(resource.get("code")))


def _vital_quantity(at: str, quantity: Any, loinc: list[str]) -> Found:
    if not isinstance(quantity, dict):
        return
    if quantity.get("system") != UCUM or not quantity.get("code"):
        yield at, f"a UCUM unit ({UCUM} and code)"
        return
    for code in loinc:
        allowed = VITAL_UNITS.get(code)
        if allowed and quantity["code"] not in allowed:
            yield _join(at, "code"), f"{code} is measured in {' or '.join(allowed)}"


def _vitals(resource: dict[str, Any]) -> Found:
    if not _is_vital(resource):
        return
    if not any(c.get("system") == OBSERVATION_CATEGORY and c.get("code") == "vital-signs"
               for _, cat in _dicts(resource.get("category")) for _, c in _codings(cat)):
        yield "category", "a vital sign has category vital-signs"
    loinc = _loinc(resource.get("code"))
    if not loinc:
        yield "code", "a vital sign is coded in LOINC"
    yield from _vital_quantity("valueQuantity", resource.get("valueQuantity"), loinc)
    for i, component in _dicts(resource.get("component")):
        codes = _loinc(component.get("code"))
        if not codes:
            yield f"component[{i}].code", "coded in LOINC"
        yield from _vital_quantity(f"component[{i}].valueQuantity", component.get("valueQuantity"), codes)


def _profile(resource: dict[str, Any]) -> Found:
    known, rtype = profiles(), resource.get("resourceType")
    meta = resource.get("meta") if isinstance(resource.get("meta"), dict) else {}
    for i, url in enumerate(_list(meta.get("profile"))):
        base = _str(url).split("|", 1)[0]
        profiled = known.get(base)
        if profiled == rtype or (rtype == "Observation" and base in HL7_VITAL_PROFILES):
            continue
        if profiled:
            yield f"meta.profile[{i}]", f"a profile of {profiled}, not {rtype}"
        elif "/mophpc/" in base:
            yield f"meta.profile[{i}]", "a superseded 43-file-plus profile"
        else:
            yield f"meta.profile[{i}]", "not a TH Core or MoPH-PC profile"


# -- the rules ------------------------------------------------------------------------------------------------------------

PATIENT_SLICES = fsh("THC", "Profiles/SD_Patient.fsh:14-63")
INVARIANTS = "Invariants.fsh"

RULES: tuple[Rule, ...] = (
    Rule("TH-ID-TYPE", "Every identifier has a type coded in cs-th-identifier-type (a passport: v2-0203 PPN), "
                       "with a code the code system has.",
         (fsh("TRM", "CodeSystems/CS_TH_IdentifierType.fsh:1-48"), fsh("TRM", "AL_CS.fsh:277"), PATIENT_SLICES,
          fsh("F43", "Profiles/SD_Encounter/SD_Encounter_Base.fsh:15-39")),
         GUIDE_TYPES, "", _id_type),
    Rule("TH-ID-CID", "A citizen ID has system https://terms.sil-th.org/id/th-cid and type cid together, "
                      "and 13 digits.",
         (fsh("TRM", "AL_ID.fsh:5"), fsh("THC", "Profiles/SD_Patient.fsh:23-35"), fsh("EXT", f"{INVARIANTS}:18-21")),
         GUIDE_TYPES, "when an identifier has type cid or the th-cid system", _id_cid),
    Rule("TH-CID-CHECK", "A citizen ID's 13th digit is its check digit (stricter than the guides, which check "
                         "only the length).",
         (own("the Thai DOPA citizen-ID check digit (mod 11): (11 - sum(d_i x (13 - i)) mod 11) mod 10"),),
         GUIDE_TYPES, "when an identifier is a 13-digit citizen ID", _cid_check),
    Rule("TH-ID-LOCAL", "Facility-local identifiers use https://terms.sil-th.org/hcode/5/{hcode}/{kind} "
                        "(or /hcode/9/{9 digits}/) with a kind the guides name; HN, PID, VN, AN carry type localHn, "
                        "localPid, localVn, localAn and the matching system.",
         (fsh("TRM", "AL_ID.fsh:24-42"), fsh("EXT", f"{INVARIANTS}:3-6,23-26,42-50"),
          fsh("THC", "Profiles/SD_Patient.fsh:50-63")),
         GUIDE_TYPES, "when an identifier has a local type or a /hcode/ system", _id_local),
    Rule("TH-ID-PASSPORT", "A passport has type v2-0203 PPN and system http://hl7.org/fhir/sid/passport-{ISO3} "
                           "(https://terms.sil-th.org/id/passport when the country is not known).",
         (fsh("THC", "Profiles/SD_Patient.fsh:36-49"), fsh("PC1", "Profiles/SD_Patient/SD_Patient_Base.fsh:79-90"),
          fsh("EXT", f"{INVARIANTS}:28-31"), fsh("TRM", "AL_ID.fsh:21")),
         GUIDE_TYPES, "when an identifier has type PPN or a passport system", _id_passport),
    Rule("TH-ID-SYSTEM", "National registry numbers (hcode, work permit, house, village, disability, claim, "
                         "referral) carry their system and type together; hcode is 5 or 9 digits; no "
                         "https://terms.sil-th.org/id/ system the guides do not define.",
         (fsh("TRM", "AL_ID.fsh:5-21"), fsh("TRM", "NamingSystems/NS_Identifier.fsh"),
          fsh("EXT", f"{INVARIANTS}:35-38")),
         GUIDE_TYPES, "when an identifier has one of these types or a /id/ system", _id_system),
    Rule("TH-PRACT-LICENCE", "A practitioner's licence number uses its council's system with the matching type "
                             "(th-doctor-id proDoc, th-nurse-id proNurse, th-pharmacist-id proPharm ...).",
         (fsh("TRM", "AL_ID.fsh:10-18"), fsh("PC1", "Profiles/SD_Practitioner/SD_Practitioner_Base.fsh:8-79"),
          fsh("THC", "Profiles/SD_Practitioner.fsh:84-178")),
         ("Practitioner",), "when an identifier has a licence type or system", _practitioner_licence),
    Rule("TH-NAME-LANG", "Every name carries one http://hl7.org/fhir/StructureDefinition/language extension, th or "
                         "en, that agrees with its letters.",
         (fsh("THC", "Profiles/SD_Patient.fsh:64-93"), fsh("PC1", "Profiles/SD_Patient/SD_Patient_Base.fsh:92-119"),
          fsh("THC", "Profiles/SD_Practitioner.fsh:27-61")),
         PEOPLE, "", _name_lang),
    Rule("TH-NAME-OFFICIAL", "At most one Thai name is the official one.",
         (own("one legal Thai name per person (the 43-file PERSON row and the chart show one); the guides' thai "
              "slice is 0..*"), fsh("THC", "Profiles/SD_Patient.fsh:69-82")),
         PEOPLE, "when names have use official", _name_official),
    Rule("TH-NAME-PREFIX", "A prefix code sits on the prefix (_prefix) in ex-humanname-name-prefix, coded in "
                           "cs-dopa-nameprefix with a code of the list, and the prefix text is its display or "
                           "definition.",
         (fsh("EXT", "Extensions/SD_EX_DataType.fsh:8-21"), fsh("PC1", "Profiles/SD_Patient/SD_Patient_Base.fsh:107-110"),
          fsh("PC1", "Examples/EX_Patient/EX_Patient1.fsh:83-88"),
          fsh("TRM", "CodeSystmes-Large/CS_DOPA_NamePrefix.fsh")),
         PEOPLE, "when a prefix code extension is present", _name_prefix),
    Rule("TH-ADDR-CODE", "The DOPA address code is ex-address-address-code with province, district, subdistrict "
                         "sub-extensions coded in cs-dopa-location (2, 4, 6 digits, codes of the list, each inside "
                         "the one above).",
         (fsh("EXT", "Extensions/SD_EX_DataType.fsh:33-68"), fsh("THC", "Profiles/SD_Patient.fsh:127-135"),
          fsh("THC", "Examples/EX_Patient.fsh:69-75"), fsh("TRM", "CodeSystmes-Large/CS_DOPA_Location.fsh")),
         WITH_ADDRESS, "when the address-code extension is present", _address_code),
    Rule("TH-ADDR-NAMES", "With an address code, city, district and state are the names of its subdistrict "
                          "(ตำบล), district (อำเภอ) and province (จังหวัด).",
         (fsh("THC", "Profiles/SD_Patient.fsh:142-149"), fsh("THC", "Examples/EX_Patient.fsh:69-93"),
          own("names compared with cs-dopa-location's (and DOPA's current name where the FSH's is cut), "
              "after a leading จังหวัด/อำเภอ/ตำบล/เขต/แขวง; names in Latin letters are not checked")),
         WITH_ADDRESS, "when the address-code extension and Thai city/district/state are present", _address_names),
    Rule("TH-ADDR-LINE", "Structured address parts are ex-address-structured-line sub-extensions (number, "
                         "buildingVillage, villageNo, road, lane) with valueString; a village number (หมู่) is in "
                         "villageNo.",
         (fsh("EXT", "Extensions/SD_EX_DataType.fsh:71-117"), fsh("THC", "Examples/EX_Patient.fsh:76-86")),
         WITH_ADDRESS, "when the structured-line extension or a village number is present", _address_line),
    Rule("TH-PERSON-STATUS", "Person status (TYPEAREA) is ex-patient-person-status coded in cs-thcc-person-status "
                             "(1-5).",
         (fsh("EXT", "Extensions/SD_EX_Patient.fsh:52-65"), fsh("TRM", "CodeSystems/CS_MoPH_Patient.fsh:97-109")),
         ("Patient",), "when the person-status extension is present", _person_status),
    Rule("TH-PID-REMOVE", "A discharge from the register is ex-patient-pid-remove-reason coded in "
                          "cs-43file-pid-remove-reason (1, 2, 3, 9).",
         (fsh("EXT", "Extensions/SD_EX_Patient.fsh:94-107"), fsh("TRM", "CodeSystems/CS_MoPH_Death.fsh:1-12")),
         ("Patient",), "when the pid-remove-reason extension is present", _pid_remove),
    Rule("TH-ENC-DISCHARGE", "A visit's discharge status is ex-encounter-discharge-status coded in "
                             "cs-thcc-discharge-status (1-8) or the guide's other two systems.",
         (fsh("EXT", "Extensions/SD_EX_Encounter.fsh:83-110"), fsh("TRM", "CodeSystems/CS_MoPH_Discharge.fsh")),
         ("Encounter",), "when the discharge-status extension is present", _encounter_discharge),
    Rule("TH-NO-PRIVATE-EXT", "No extension under an invented or superseded URL: nothing under "
                              "https://terms.sil-th.org/ or urn:clinic-app:f43:, and under https://fhir-ig.sil-th.org/ "
                              "only extensions the guides define.",
         (fsh("EXT", "Alias/AL_Extensions.fsh"), fsh("EXT", "Extensions/"), fsh("THC", "Extensions/"),
          Source("PC1", "input/pagecontent/change_log.md:18 (extensions moved to the SIL-TH registry)")),
         ANY, "when extensions are present", _no_private_extension),
    Rule("TH-EXT-CONTEXT", "A guide's extension sits where its context allows (R5 Encounter.admission and "
                           "actualPeriod read as R4 hospitalization and period).",
         (fsh("EXT", "Extensions/ (^context of each)"), fsh("THC", "Extensions/ (Context:)")),
         ANY, "when a guide's extension is present", _extension_context),
    Rule("TH-CODESYSTEM", "A code system under https://terms.sil-th.org/ is one the terminology guide names, at "
                          "its published URL (/core/CodeSystem/), never the superseded /CodeSystem/ one.",
         (fsh("TRM", "AL_CS.fsh"), Source("PC1", "input/pagecontent/change_log.md:19 (/[resourceType] "
                                                  "-> /core/[resourceType])")),
         ANY, "when codings are present", _code_system),
    Rule("TH-COVERAGE", "A Coverage has an R4 status, a beneficiary that is the Patient, and at least one payor.",
         (fsh("F43", "Profiles/SD_Coverage/SD_Coverage.fsh:25-31"), fsh("THC", "Profiles/SD_Coverage.fsh:19-27"),
          r4("Coverage.status 1..1 (required binding), beneficiary 1..1, payor 1..*")),
         ("Coverage",), "", _coverage),
    Rule("TH-COVERAGE-TYPE", "A Coverage's type is coded in cs-thcc-coverage-type (a code of the list), with "
                             "optionally a cs-th-coverage-type coding, and nothing else.",
         (fsh("TRM", "CodeSystmes-Large/CS_MoPH_CoverageType.fsh"), fsh("TRM", "CodeSystems/CS_TH_Misc.fsh:1-17"),
          fsh("F43", "Examples/EX_Coverage/EX_CoverageUC.fsh:52")),
         ("Coverage",), "", _coverage_type),
    Rule("TH-ENC-VN", "Every visit has its VN: an identifier of type localVn with system "
                      "https://terms.sil-th.org/hcode/5/{hcode}/VN.",
         (fsh("F43", "Profiles/SD_Encounter/SD_Encounter_Base.fsh:15-30"),
          fsh("PC1", "Examples/EX_Encounter/EX_EncounterOPD.fsh:70-76"), fsh("EXT", f"{INVARIANTS}:42-45")),
         ("Encounter",), "", _encounter_vn),
    Rule("TH-ENC-R4", "An Encounter has an R4 status (finished, not R5's completed) and its class as one Coding.",
         (r4("Encounter.status (required binding), Encounter.class 1..1 Coding"),
          Source("PC1", "input/pagecontent/change_log.md:4 (finished -> completed in R5)")),
         ("Encounter",), "", _encounter_r4),
    Rule("TH-VACCINE-CODE", "A vaccine is coded in cs-thcc-vaccine-code with a code of the list.",
         (fsh("TRM", "AL_CS.fsh:230"), fsh("TRM", "CodeSystmes-Large/CS_MoPH_VaccineCode.fsh"),
          fsh("F43", "Profiles/SD_Immunization/SD_Immunization.fsh:11-35")),
         ("Immunization",), "", _vaccine_code),
    Rule("TH-IMM-PERFORMER", "An immunization's performer.actor is a Practitioner.",
         (fsh("THC", "Profiles/SD_Immunization.fsh:35-41"),
          fsh("F43", "Profiles/SD_Immunization/SD_Immunization.fsh:48-50")),
         ("Immunization",), "when performer.actor is present", _immunization_performer),
    Rule("TH-DRUG-CODE", "Drug codings are only cs-th-tmt (TMTID), cs-th-24drug (24 digits) or "
                         "cs-th-local-drug-code; never the superseded https://terms.sil-th.org/CodeSystem/cs-th-tmt.",
         (fsh("TRM", "AL_CS.fsh:271,273,282"),
          fsh("F43", "Profiles/SD_MedicationDispense/SD_MedicationDispense.fsh:17-37"),
          fsh("PC1", "Profiles/SD_MedicationDispense/SD_MedicationDispense.fsh:9-25")),
         MEDICATION_TYPES, "when the medication has codings", _drug_code),
    Rule("TH-ICD10", "A diagnosis is coded in ICD-10 (http://hl7.org/fhir/sid/icd-10, codes with their dot) or "
                     "ICD-10-TM.",
         (fsh("TRM", "AL_CS.fsh:3,274"), fsh("PC1", "Profiles/SD_Condition/SD_Condition_Base.fsh:42-48"),
          fsh("PC1", "Examples/EX_Condition/EX_ConditionOPD.fsh:15")),
         ("Condition",), "", _icd10),
    Rule("TH-VITALS", "A vital sign has category vital-signs, a LOINC code, and UCUM units (the units the "
                      "43-file-plus vital profiles fix).",
         (fsh("THC", "Profiles/SD_Observation_Vital.fsh:1-37"),
          fsh("PC1", "Profiles/SD_Observation/Base/SD_Observation_VitalBase.fsh:13-18"),
          fsh("TRM", "ValueSets/VS_43Plus_ObservationList.fsh:255-275"), fsh("F43", "Profiles/SD_Observation/Vital/")),
         ("Observation",), "when the Observation is a vital sign (by category or LOINC code)", _vitals),
    Rule("TH-PROFILE", "meta.profile names TH Core or MoPH-PC profiles of the resource's own type (HL7's vital-signs "
                       "profiles for an Observation).",
         (fsh("THC", "Profiles/*.fsh (Id: on line 3)"), fsh("PC1", "Alias/AL_Profiles.fsh")),
         ANY, "when meta.profile is present", _profile),
)

BY_ID = {rule.id: rule for rule in RULES}


def check(resource: Any) -> list[Violation]:
    """Every violation of the rules that apply to this resource's type."""
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        return [Violation("FHIR", "?", "", "resourceType", "not a FHIR resource")]
    rtype, rid = resource["resourceType"], _str(resource.get("id"))
    out = []
    for rule in RULES:
        if not rule.applies(rtype):
            continue
        try:
            found = list(rule.find(resource))
        except (AttributeError, TypeError, KeyError, ValueError):  # a shape FHIR validation would refuse
            found = [("", "could not be checked: an element has the wrong shape")]
        out += [Violation(rule.id, rtype, rid, path, message) for path, message in found]
    return out


def check_all(resources: Iterable[Any]) -> list[Violation]:
    return [v for resource in resources for v in check(resource)]
