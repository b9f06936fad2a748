"""Identifier and code systems: the one place that names them (hub-contract.md).

Business logic asks this module for a system URL; it never spells one itself. The citizen
ID has two known spellings (SIL-TH and Health Link's draft `http://dopa.go.th`): both are
recognised when reading, the configured one is written.
"""

from __future__ import annotations

from dataclasses import dataclass

# Sources: the SIL-TH guides, published generation (terminology-ig 0.1.2 @de0592c4, extension-ig
# 1.0.0 @71ef022e, th-core 0.1.0-preview @9f64951f); rule by rule with file and line in
# resources/standards/sil-th-rules.md. The names marked OLD are how this app wrote them before
# (data version 1): still read, never written.
CID_SYSTEM = "https://terms.sil-th.org/id/th-cid"
CID_SYSTEM_ALIASES = frozenset({CID_SYSTEM, "http://dopa.go.th"})
HCODE_SYSTEM = "https://terms.sil-th.org/id/th-moph-hcode"
OLD_PASSPORT_SYSTEM = "https://hl7.org/fhir/sid/passport-THA"
PASSPORT_UNKNOWN_COUNTRY = "https://terms.sil-th.org/id/passport"  # TRM AL_ID.fsh:21

DOCTOR_ID_SYSTEM = "https://terms.sil-th.org/id/th-doctor-id"
NURSE_ID_SYSTEM = "https://terms.sil-th.org/id/th-nurse-id"

TERMS = "https://terms.sil-th.org/core/CodeSystem/"
PROVIDER_TYPE_SYSTEM = TERMS + "cs-thcc-individual-provider-type"  # a staff member's kind (PractitionerRole.code)
TH_EXTENSIONS = "https://fhir-ig.sil-th.org/th/extensions/StructureDefinition/"
TH_CORE_PROFILES = "https://fhir-ig.sil-th.org/th/core/StructureDefinition/"
IDENTIFIER_TYPE_SYSTEM = TERMS + "cs-th-identifier-type"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
# The type of each facility-local identifier (`local_system` kinds) and of the national ones.
LOCAL_TYPES = {"HN": "localHn", "PID": "localPid", "VN": "localVn", "AN": "localAn", "Provider": "localProv",
               "Refer": "localReferNo"}
LICENCE_SYSTEMS = {"proDoc": DOCTOR_ID_SYSTEM, "proNurse": NURSE_ID_SYSTEM,
                   "proPharm": "https://terms.sil-th.org/id/th-pharmacist-id",
                   "proDent": "https://terms.sil-th.org/id/th-dentist-id",
                   "proMedtech": "https://terms.sil-th.org/id/th-medtech-id",
                   "proPhysio": "https://terms.sil-th.org/id/th-physio-id",
                   "healthVolun": "https://terms.sil-th.org/id/th-hvolunteer"}
LANGUAGE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/language"
NAME_PREFIX_EXTENSION = TH_EXTENSIONS + "ex-humanname-name-prefix"
NAME_PREFIX_SYSTEM = TERMS + "cs-dopa-nameprefix"
ADDRESS_CODE_EXTENSION = TH_EXTENSIONS + "ex-address-address-code"
STRUCTURED_LINE_EXTENSION = TH_EXTENSIONS + "ex-address-structured-line"
DOPA_LOCATION_SYSTEM = TERMS + "cs-dopa-location"
OLD_ADDRESS_CODE_EXTENSION = "https://terms.sil-th.org/StructureDefinition/address-code"
PERSON_STATUS_EXTENSION = TH_EXTENSIONS + "ex-patient-person-status"    # 43-file TYPEAREA
PERSON_STATUS_SYSTEM = TERMS + "cs-thcc-person-status"
PID_REMOVE_EXTENSION = TH_EXTENSIONS + "ex-patient-pid-remove-reason"   # 43-file DISCHARGE
PID_REMOVE_SYSTEM = TERMS + "cs-43file-pid-remove-reason"
COVERAGE_TYPE_SYSTEM = TERMS + "cs-thcc-coverage-type"      # NHSO's 4-digit rights (INSCL)
TH_COVERAGE_TYPE_SYSTEM = TERMS + "cs-th-coverage-type"     # UCS, OFC, SSS, LGO ...
# 43-file DIAGTYPE: TRM CS_MoPH_Encounter.fsh:101-115, as MoPH-PC's Condition category[th]
DIAGTYPE_SYSTEM = TERMS + "cs-43plus-encounter-diagnosis-role"
OLD_DIAGTYPE_SYSTEM = "https://terms.sil-th.org/CodeSystem/cs-43plus-encounter-diagnosis-role"  # F43's, read too
OLD_RIGHTS_EXTENSION = "https://terms.sil-th.org/StructureDefinition/health-insurance"
OLD_RIGHTS_SYSTEM = "https://terms.sil-th.org/CodeSystem/cs-th-health-insurance"

# Facility codes of the sandbox: the 999xx range, which MOPH does not issue.
TRAINING_HCODE = "99999"
DEMO_HOSPITAL_HCODE = "99990"
DEMO_OTHER_UNIT_HCODE = "99998"

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10_TM = "http://hl7.org/fhir/sid/icd-10"  # ICD-10-TM codes are a superset written the same way
EPI_VACCINE_SYSTEM = TERMS + "cs-thcc-vaccine-code"
OLD_VACCINE_SYSTEMS = frozenset({"https://terms.sil-th.org/CodeSystem/cs-th-vaccine-code",
                                 "https://terms.sil-th.org/CodeSystem/cs-thcc-vaccine-code"})
TMT_SYSTEM = TERMS + "cs-th-tmt"
DRUG24_SYSTEM = TERMS + "cs-th-24drug"
LOCAL_DRUG_SYSTEM = TERMS + "cs-th-local-drug-code"
OLD_TMT_SYSTEM = "https://terms.sil-th.org/CodeSystem/cs-th-tmt"
OLD_DOPA_ADDRESS_SYSTEM = "https://terms.sil-th.org/CodeSystem/cs-th-address"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ICD9CM = "http://terminology.hl7.org/CodeSystem/icd9cm"  # procedures (TRM AL_CS.fsh:4)
ALLERGY_CERTAINTY_EXTENSION = TH_EXTENSIONS + "ex-allergyintolerance-allergy-certainty"
ALLERGY_CERTAINTY_SYSTEM = TERMS + "cs-thcc-allergy-certainty"  # 43-file DRUGALLERGY TYPEDX 1-5
ALLERGY_SEVERITY_EXTENSION = TH_EXTENSIONS + "ex-allergyintolerance-allergy-severity"
ALLERGY_SEVERITY_SYSTEM = TERMS + "cs-thcc-allergy-severity"  # 43-file DRUGALLERGY ALEVEL 1-7
# The project's own extensions, where the guides have none (the unit's drug list; why a
# drug the patient is allergic to was given anyway).
APP_EXTENSIONS = "https://clinic-app.invalid/fhir/StructureDefinition/"
FORMULARY_EXTENSION = APP_EXTENSIONS + "formulary-item"
ALLERGY_OVERRIDE_EXTENSION = APP_EXTENSIONS + "allergy-override-reason"
# The MOPH 43-file fields the guides have no place for, kept as read (interop/f43_fields.py).
F43_FIELDS_EXTENSION = APP_EXTENSIONS + "f43-fields"

# Where the guides put the 43 files' PERSON and SERVICE fields (interop/f43_import.py's docstring
# names the source of each): Patient extensions and codings, Encounter extensions and codings.
MARITAL_SYSTEM = TERMS + "cs-thcc-marital"                              # PERSON.MSTATUS
NATIONALITY_EXTENSION = "http://hl7.org/fhir/StructureDefinition/patient-nationality"  # PERSON.NATION
NATIONALITY_SYSTEM = TERMS + "cs-thcc-nationality"                      # NATION and RACE
RACE_EXTENSION = TH_EXTENSIONS + "ex-patient-race"                      # PERSON.RACE
RELIGION_EXTENSION = "http://hl7.org/fhir/StructureDefinition/patient-religion"  # PERSON.RELIGION
RELIGION_SYSTEM = TERMS + "cs-thcc-religion"
EDUCATION_EXTENSION = TH_EXTENSIONS + "ex-patient-education-level"      # PERSON.EDUCATION
EDUCATION_SYSTEM = TERMS + "cs-thcc-education-level"
FOREIGNER_TYPE_EXTENSION = TH_EXTENSIONS + "ex-patient-foreigner-type"  # PERSON.LABOR
FOREIGNER_TYPE_SYSTEM = TERMS + "cs-thcc-foreigner-type"
PATIENT_LOCATION_EXTENSION = TH_EXTENSIONS + "ex-encounter-patient-location-type"  # SERVICE.LOCATION
PATIENT_LOCATION_SYSTEM = TERMS + "cs-thcc-patient-location-type"
SERVICE_HOUR_EXTENSION = TH_EXTENSIONS + "ex-encounter-service-hour"    # SERVICE.INTIME
SERVICE_HOUR_SYSTEM = TERMS + "cs-thcc-service-hour"
SERVICE_PLACE_EXTENSION = TH_EXTENSIONS + "ex-encounter-service-location-type"  # SERVICE.SERVPLACE
SERVICE_PLACE_SYSTEM = TERMS + "cs-pcu-service-location-type"
ADMIT_SOURCE_SYSTEM = TERMS + "cs-thcc-admit-source"                    # SERVICE.TYPEIN
DISCHARGE_STATUS_EXTENSION = TH_EXTENSIONS + "ex-encounter-discharge-status"  # SERVICE.TYPEOUT
DISCHARGE_STATUS_SYSTEM = TERMS + "cs-thcc-discharge-status"
PACK_SIZE_EXTENSION = TH_EXTENSIONS + "ex-claim-chi-packsize"           # DRUG_OPD.UNIT_PACKING
HOME_REFERENCE_EXTENSION = TH_EXTENSIONS + "ex-address-home-reference"  # PERSON.HID: the household's Location

# A referral (43fileplus-ig Profiles/SD_ServiceRequest/SD_ServiceRequest_Refer.fsh and its
# example EX_ServiceRequestRefer.fsh, e87e5b8b; the codes TRM CodeSystems/CS_MoPH_Refer.fsh):
# category SNOMED CT "Patient referral", code cs-43plus-refer-reason (1 diagnosis and
# treatment ...), priority with ex-servicerequest-thai-refer-priority (cs-thcc-refer-thai-priority).
SNOMED = "http://snomed.info/sct"
REFERRAL_CATEGORY = (SNOMED, "3457005", "Patient referral")
REFER_REASON_SYSTEM = TERMS + "cs-43plus-refer-reason"
THAI_PRIORITY_EXTENSION = TH_EXTENSIONS + "ex-servicerequest-thai-refer-priority"
THAI_PRIORITY_SYSTEM = TERMS + "cs-thcc-refer-thai-priority"


def local_system(hcode: str, kind: str) -> str:
    """Facility-local identifier system: kind is HN, VN, AN, PID, Provider or Refer (a 9-digit
    facility code has its own pattern, TRM AL_ID.fsh:24-27)."""
    digits = 9 if len(hcode) == 9 else 5
    return f"https://terms.sil-th.org/hcode/{digits}/{hcode}/{kind}"

def passport_system(country: str | None) -> str:
    """The passport's system by its issuing country (ISO 3166 alpha-3), EXT Invariants.fsh:28-31."""
    code = (country or "").strip().upper()
    return f"http://hl7.org/fhir/sid/passport-{code}" if len(code) == 3 and code.isalpha() else PASSPORT_UNKNOWN_COUNTRY

def is_passport_system(system: str | None) -> bool:
    return bool(system) and (str(system).startswith("http://hl7.org/fhir/sid/passport-")
                             or system in (PASSPORT_UNKNOWN_COUNTRY, OLD_PASSPORT_SYSTEM))

def profile(name: str) -> str:
    """A TH Core profile's canonical, for meta.profile (th-core 0.1.0-preview; an R5 guide, see the README)."""
    return TH_CORE_PROFILES + name

def is_local_system(system: str, kind: str) -> bool:
    return system.startswith("https://terms.sil-th.org/hcode/") and system.endswith("/" + kind)

@dataclass(frozen=True)
class IdentifierSystems:
    """The systems in force for one installation (a setting may override the CID one)."""

    cid: str = CID_SYSTEM

    def is_cid(self, system: str | None) -> bool:
        return system == self.cid or system in CID_SYSTEM_ALIASES
