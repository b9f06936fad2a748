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

The follow-up lists ask of tens of thousands of patients at once what the index holds
per record (the last visit, the last blood pressure ...), so the store also keeps one
summary row per patient (`patient_card`: what a list shows of the Patient; `SUMMARY`:
what each column of the row is worked out from), brought up to date with every write.
"""

from __future__ import annotations

from typing import Any

from dataclasses import dataclass

from clinic_app.core.fhir import Resource, entered_in_error, replaced_by
from clinic_app.core.identifiers import PERSON_STATUS_EXTENSION, is_local_system
from clinic_app.core.places import address_codes
from clinic_app.core.thai import birth_date_of

Entry = tuple[str, str, str | None, str | None]  # (kind, code, day, value)

BLOOD_PRESSURE = "85354-9"
SYSTOLIC, DIASTOLIC = "8480-6", "8462-4"
# Blood sugar as a health centre measures it: capillary (glucometer), blood, fasting plasma.
BLOOD_SUGAR = ("41653-7", "2339-0", "1558-6", "2345-7")
# The chronic-disease register's diseases: ICD-10 ranges (low, high: high not included).
CHRONIC_RANGES = {"DM": (("E10", "E15"),), "HT": (("I10", "I16"),)}


@dataclass(frozen=True)
class Column:
    """A summary column (or a pair: its day and the reading) worked out from a patient's
    index rows of `kind`: "latest" (the last day's row, the one stored last on a tie, its
    value too when `with_value`), "first" (the earliest day; "" when the rows have none) or
    "codes" (the rows' codes, sorted, comma-separated). `codes` picks the rows by code,
    `ranges` by a code from low up to, not including, high; neither: every row of the kind."""

    name: str
    kind: str
    how: str
    codes: tuple[str, ...] = ()
    ranges: tuple[tuple[str, str], ...] = ()
    with_value: bool = False

    def takes(self, kind: str, code: str) -> bool:
        if kind != self.kind:
            return False
        if self.codes:
            return code in self.codes
        if self.ranges:
            return any(low <= code < high for low, high in self.ranges)
        return True


SUMMARY = (
    Column("last_visit", "visit", "latest", codes=("finished",)),
    Column("booked", "appointment", "latest", codes=("booked",)),
    Column("bp", "reading", "latest", codes=(BLOOD_PRESSURE,), with_value=True),
    Column("sugar", "reading", "latest", codes=BLOOD_SUGAR, with_value=True),
    Column("dm_since", "diagnosis", "first", ranges=CHRONIC_RANGES["DM"]),
    Column("ht_since", "diagnosis", "first", ranges=CHRONIC_RANGES["HT"]),
    Column("vaccines", "vaccine", "codes"),
)


def summary_columns(entries: list[tuple[str, str]]) -> list[Column]:
    """The summary columns that index rows (kind, code) count in."""
    return [c for c in SUMMARY if any(c.takes(kind, code) for kind, code in entries)]


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


def own_hn(patient: Resource) -> str:
    """The record's own HN: the first HN identifier that is not an old one kept from a merge."""
    hns = [i for i in patient.get("identifier", []) or []
           if isinstance(i, dict) and is_local_system(str(i.get("system", "")), "HN") and i.get("value")]
    current = [i for i in hns if i.get("use") != "old"] or hns
    return str(current[0]["value"]) if current else ""


def display_name(patient: Resource) -> str:
    names = patient.get("name") or [{}]
    first = names[0]
    return first.get("text") or " ".join(p for p in [*first.get("given", []), first.get("family", "")] if p)


def home(patient: Resource) -> tuple[str, str]:
    """(village number, house number) of the patient's first address."""
    address = (patient.get("address") or [{}])[0]
    if not isinstance(address, dict):
        return "", ""
    _code, village = address_codes(address)
    house = ""
    for ext in address.get("extension") or []:
        for part in ext.get("extension") or [] if isinstance(ext, dict) else []:
            if isinstance(part, dict) and part.get("url") == "number":
                house = str(part.get("valueString") or "")
    return village, house


def typearea(patient: Resource) -> str:
    """The 43-file TYPEAREA of the patient (where they live, as the unit counts them)."""
    for ext in patient.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") == PERSON_STATUS_EXTENSION:
            return str((((ext.get("valueCodeableConcept") or {}).get("coding") or [{}])[0]).get("code") or "")
    return ""


def number_key(text: str) -> int:
    """A village or house number's order: its first six digits as a number ("12/3" -> 123),
    those with none last (a house field holding a phone number too stays a small number)."""
    digits = "".join(c for c in text if c.isdigit())[:6]
    return int(digits) if digits else 10**6


def patient_card(patient: Resource) -> dict[str, Any]:
    """What the follow-up lists show of a Patient: the card columns of its summary row."""
    village, house = home(patient)
    born = birth_date_of(patient)
    return {"in_care": int(in_care(patient) and not entered_in_error(patient)), "name": display_name(patient),
            "hn": own_hn(patient), "village": village, "village_no": number_key(village), "house": house,
            "house_no": number_key(house), "typearea": typearea(patient), "sex": str(patient.get("gender") or "unknown"),
            "born": born.isoformat() if born else None}


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
