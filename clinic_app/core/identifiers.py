"""Identifier and code systems: the one place that names them (hub-contract.md).

Business logic asks this module for a system URL; it never spells one itself. The citizen
ID has two known spellings (SIL-TH and Health Link's draft `http://dopa.go.th`): both are
recognised when reading, the configured one is written.
"""

from __future__ import annotations

from dataclasses import dataclass

CID_SYSTEM = "https://terms.sil-th.org/id/th-cid"
CID_SYSTEM_ALIASES = frozenset({CID_SYSTEM, "http://dopa.go.th"})
HCODE_SYSTEM = "https://terms.sil-th.org/id/th-moph-hcode"
PASSPORT_SYSTEM = "https://hl7.org/fhir/sid/passport-THA"
DOCTOR_ID_SYSTEM = "https://terms.sil-th.org/id/th-doctor-id"
NURSE_ID_SYSTEM = "https://terms.sil-th.org/id/th-nurse-id"

# Facility codes of the sandbox: the 999xx range, which MOPH does not issue.
TRAINING_HCODE = "99999"
DEMO_HOSPITAL_HCODE = "99990"
DEMO_OTHER_UNIT_HCODE = "99998"

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10_TM = "http://hl7.org/fhir/sid/icd-10"  # ICD-10-TM codes are a superset written the same way
EPI_VACCINE_SYSTEM = "https://terms.sil-th.org/CodeSystem/cs-th-vaccine-code"
TMT_SYSTEM = "https://terms.sil-th.org/CodeSystem/cs-th-tmt"
DOPA_ADDRESS_SYSTEM = "https://terms.sil-th.org/CodeSystem/cs-th-address"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


def local_system(hcode: str, kind: str) -> str:
    """Facility-local identifier system: kind is HN, VN or PID."""
    return f"https://terms.sil-th.org/hcode/5/{hcode}/{kind}"


def is_local_system(system: str, kind: str) -> bool:
    return system.startswith("https://terms.sil-th.org/hcode/") and system.endswith("/" + kind)


@dataclass(frozen=True)
class IdentifierSystems:
    """The systems in force for one installation (a setting may override the CID one)."""

    cid: str = CID_SYSTEM

    def is_cid(self, system: str | None) -> bool:
        return system == self.cid or system in CID_SYSTEM_ALIASES
