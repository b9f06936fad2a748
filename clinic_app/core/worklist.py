"""What the worklists find a record by: today's list, the appointments, the chronic-disease
register and the children's vaccines ask a small index instead of reading every record.

`index_entries(resource)` says, for one record, the rows the store keeps for it in its
`record_index` table: (kind, code, day, value), where kind is

- "visit": an Encounter; code its status (planned, arrived, in-progress, finished,
  entered-in-error ...), day the day it started;
- "appointment": an Appointment; code its status, day its day;
- "diagnosis": a Condition; code its ICD-10 code, day the day it was recorded;
- "reading": an Observation; code its LOINC code, value the reading as text ("130/85"
  for a blood-pressure panel, "126" for a number);
- "vaccine": an Immunization given; code its vaccine code;
- "born": a Patient; code its sex, day its birth date (a partial one at its middle).

A record entered in error (or a Patient merged into another, inactive or deceased) has
no rows. Days are the
record's own local date (the first ten characters of its FHIR dateTime). Pure: the store
(store/resources.py) writes the rows, the follow-up lists (services/followup.py) read them.
"""

from __future__ import annotations

from typing import Any

from clinic_app.core.fhir import Resource, entered_in_error, replaced_by
from clinic_app.core.thai import birth_date_of

Entry = tuple[str, str, str | None, str | None]  # (kind, code, day, value)

BLOOD_PRESSURE = "85354-9"
SYSTOLIC, DIASTOLIC = "8480-6", "8462-4"
# Blood sugar as a health centre measures it: capillary (glucometer), blood, fasting plasma.
BLOOD_SUGAR = ("41653-7", "2339-0", "1558-6", "2345-7")


def _day(value: Any) -> str | None:
    return value[:10] if isinstance(value, str) and len(value) >= 10 else None


def _first_code(concept: Any) -> str | None:
    for coding in (concept or {}).get("coding") or [] if isinstance(concept, dict) else []:
        if isinstance(coding, dict) and coding.get("code"):
            return str(coding["code"])
    return None


def reading_value(observation: Resource) -> str | None:
    """An Observation's value as text: "130/85" for a blood-pressure panel (by its parts'
    codes), the number for a quantity; None when it holds neither."""
    if _first_code(observation.get("code")) == BLOOD_PRESSURE:
        parts = {_first_code(c.get("code")): (c.get("valueQuantity") or {}).get("value")
                 for c in observation.get("component") or [] if isinstance(c, dict)}
        sbp, dbp = parts.get(SYSTOLIC), parts.get(DIASTOLIC)
        return f"{sbp:g}/{dbp:g}" if isinstance(sbp, (int, float)) and isinstance(dbp, (int, float)) else None
    value = (observation.get("valueQuantity") or {}).get("value")
    return f"{value:g}" if isinstance(value, (int, float)) else None


def in_care(patient: Resource) -> bool:
    """A Patient the worklists list: not merged into another, not inactive, not deceased."""
    return not (replaced_by(patient) or patient.get("active") is False or patient.get("deceasedBoolean")
                or patient.get("deceasedDateTime"))


def index_entries(resource: Resource) -> list[Entry]:
    """The worklist rows of one record (see the module's docstring)."""
    kind = resource.get("resourceType")
    status = resource.get("status")
    if entered_in_error(resource):
        return []
    if kind == "Encounter":
        return [("visit", str(status or "unknown"), _day((resource.get("period") or {}).get("start")), None)]
    if kind == "Appointment":
        return [("appointment", str(status or "booked"), _day(resource.get("start")), None)]
    if kind == "Condition":
        code = _first_code(resource.get("code"))
        if not code or _first_code(resource.get("verificationStatus")) == "refuted":
            return []
        return [("diagnosis", code, _day(resource.get("recordedDate") or resource.get("onsetDateTime")), None)]
    if kind == "Observation":
        code = _first_code(resource.get("code"))
        if not code or status == "cancelled":
            return []
        return [("reading", code, _day(resource.get("effectiveDateTime")), reading_value(resource))]
    if kind == "Immunization":
        code = _first_code(resource.get("vaccineCode"))
        if not code or status == "not-done":
            return []
        return [("vaccine", code, _day(resource.get("occurrenceDateTime")), None)]
    if kind == "Patient":
        if not in_care(resource):
            return []
        born = birth_date_of(resource)
        return [("born", str(resource.get("gender") or "unknown"), born.isoformat() if born else None, None)]
    return []
