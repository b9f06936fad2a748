"""The 43-file fields the SIL-TH guides have no place for, kept on the record as read.

One complex extension of this project, `https://clinic-app.invalid/fhir/StructureDefinition/f43-fields`
(core.identifiers.F43_FIELDS_EXTENSION), on the record a 43-file row became (the Patient of a
PERSON row, the Encounter of a SERVICE row, the Condition, MedicationDispense or Immunization
of a DIAGNOSIS_OPD, DRUG_OPD or EPI row; f43_more's files the same). Its sub-extensions are
the 43 field names, each with the field's text as `valueString`, in the layout's order; a
field kept empty is a single space (FHIR has no empty string; the export strips it):

    {"url": "https://clinic-app.invalid/fhir/StructureDefinition/f43-fields",
     "extension": [{"url": "HID", "valueString": "12"}, {"url": "CLINIC", "valueString": " "},
                   {"url": "D_UPDATE", "valueString": "20240105093000"}]}

What is kept: D_UPDATE always (the record has no place for the source system's stamp), and
every field the record would not give back as it came: the import writes the row back from
the record it made (f43_export, the same code as an export) and keeps each field that
differs (a field with no place in the guides, a code outside its list, "37.0" that would come
back as "37", an empty field the export would fill for a record made here ...). The export
writes the row from the record and puts the kept fields over it. Which fields have a place
in the guides is f43_import's docstring. A record with the extension came from a 43 file; one
without was made here. The URL is under the project's own `https://clinic-app.invalid/` (the
guides' conformance rules refuse invented extensions under their domains and the old
`urn:clinic-app:f43:` form; conformance/rules.py `_no_private_extension`).

A record changed in the app is no longer as the file had it: `touched` drops the kept
D_UPDATE so the next export stamps it anew (HDC takes a row by its D_UPDATE).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from clinic_app.core.identifiers import F43_FIELDS_EXTENSION
from clinic_app.interop import f43

URL = F43_FIELDS_EXTENSION
EMPTY = " "  # a field kept empty


def kept(resource: Mapping[str, Any]) -> dict[str, str] | None:
    """{field: text} kept on a record; None when it has no f43-fields extension (a record
    not made from a 43 file)."""
    for ext in resource.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") == URL:
            return {str(part["url"]): str(part["valueString"]).strip() for part in ext.get("extension") or []
                    if isinstance(part, dict) and part.get("url") and isinstance(part.get("valueString"), str)}
    return None


def keep(resource: dict[str, Any], values: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Add the (field, text) pairs to the record's f43-fields extension (made when there is
    something to keep; an empty text kept as EMPTY); the record, changed in place."""
    parts = [{"url": name, "valueString": text or EMPTY} for name, text in values]
    if not parts:
        return resource
    extensions = resource.setdefault("extension", [])
    found = next((e for e in extensions if isinstance(e, dict) and e.get("url") == URL), None)
    if found is None:
        extensions.append({"url": URL, "extension": parts})
    else:
        names = {p["url"] for p in parts}
        found["extension"] = [p for p in found.get("extension") or [] if p.get("url") not in names] + parts
    return resource


def same(original: str, written: str) -> bool:
    """A field as it came and as its record writes it back: the same text, or the same day
    (a Buddhist-era date is written back in the common era, as HDC wants it)."""
    if original == written:
        return True
    if len(original) == len(written) == 8 and original.isdigit() and written.isdigit():
        day, _buddhist = f43.parse_date(original)
        return day is not None and day == f43.parse_date(written)[0]
    return False


def is_date_field(name: str) -> bool:
    """A field that holds a date (YYYYMMDD) or a stamp (D_UPDATE, YYYYMMDDHHMMSS)."""
    return "DATE" in name or name in ("BIRTH", "MOVEIN", "DDISCHARGE", "DDEATH", "APDATE")


def common_era(name: str, text: str) -> str:
    """A date field's text with a Buddhist-era year in the common era (25690101 ->
    20260101, the time of a stamp kept), as the files' other dates are read; else as it is."""
    day, buddhist = f43.parse_date(text) if is_date_field(name) else (None, False)
    if day is None or not buddhist or not text[:8].isdigit():
        return text
    return f43.date_text(day) + text[8:]


def differing(layout: Iterable[str], row: Mapping[str, str], back: Mapping[str, str]) -> list[tuple[str, str]]:
    """(field, text as read) of the fields of `row` its record writes back otherwise (`back`),
    D_UPDATE always, HOSPCODE never (only this unit's rows are read), in the layout's order; a
    date kept in the common era (`common_era`)."""
    return [(name, common_era(name, row.get(name, ""))) for name in layout if name != "HOSPCODE"
            and (name == "D_UPDATE" or not same(row.get(name, ""), back.get(name, "")))]


def forget(resource: dict[str, Any], *names: str) -> dict[str, Any]:
    """The record without the kept fields `names` (without the extension when nothing is
    left); the record changed in place, the extension made anew (it may be shared)."""
    extensions = []
    for ext in resource.get("extension") or []:
        if isinstance(ext, dict) and ext.get("url") == URL:
            parts = [p for p in ext.get("extension") or [] if not isinstance(p, dict) or p.get("url") not in names]
            if parts:
                extensions.append({**ext, "extension": parts})
        else:
            extensions.append(ext)
    if extensions:
        resource["extension"] = extensions
    else:
        resource.pop("extension", None)
    return resource


def touched(resource: dict[str, Any], *names: str) -> dict[str, Any]:
    """A record changed in the app: its kept D_UPDATE goes (the export stamps it anew), and
    the kept fields `names` the change set anew (so the change, not the file, goes out)."""
    return forget(resource, "D_UPDATE", *names)
