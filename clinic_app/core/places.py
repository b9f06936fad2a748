"""Thai administrative areas on DOPA codes: 77 provinces (2 digits), 928 districts
(4 digits) and 7,436 subdistricts (6 digits), with Thai and English names and postal codes.

The list comes from the `geothai` package (code MIT; data CC BY 4.0 from GeoThai/data,
itself from the Department of Provincial Administration's stat.bora.dopa.go.th). It is a
dependency rather than a copied file so that a boundary change reaches the clinics with an
ordinary package update; `geothai.DATA_VERSION` says which release is in use.

A patient's address carries the province, district and subdistrict codes (2, 4, 6 digits,
DOPA's `cs-dopa-location`) and the village number (หมู่) apart, as TH Core writes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from clinic_app.core.identifiers import (
    ADDRESS_CODE_EXTENSION,
    DOPA_LOCATION_SYSTEM,
    OLD_ADDRESS_CODE_EXTENSION,
    STRUCTURED_LINE_EXTENSION,
)
from clinic_app.core.thai import thai_sort_key

BANGKOK = "10"


def _geothai() -> Any:
    """The address list, loaded when first asked for: not before the window paints (issue 18)."""
    import geothai

    return geothai


def __getattr__(name: str) -> Any:
    if name == "DATA_VERSION":  # which release of the list is in use
        return _geothai().DATA_VERSION
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Area:
    code: str
    name_th: str
    name_en: str


def provinces() -> list[Area]:
    """All provinces, in Thai alphabetical order (how a Thai clerk looks for one)."""
    return sorted((Area(p.code, p.name_th, p.name_en) for p in _geothai().provinces()),
                  key=lambda a: thai_sort_key(a.name_th))


def districts(province_code: str) -> list[Area]:
    return sorted((Area(d.code, d.name_th, d.name_en) for d in _geothai().districts(province_code)),
                  key=lambda a: thai_sort_key(a.name_th))


def subdistricts(district_code: str) -> list[Area]:
    return sorted((Area(s.code, s.name_th, s.name_en) for s in _geothai().subdistricts(district_code)),
                  key=lambda a: thai_sort_key(a.name_th))


def is_subdistrict(code: str) -> bool:
    return _geothai().subdistrict(code) is not None


def postal_code(subdistrict_code: str) -> str:
    """The subdistrict's first postal code ("" for an unknown code); a few subdistricts
    have more than one, and the clerk may type another."""
    found = _geothai().subdistrict(subdistrict_code)
    return found.postal_codes[0] if found and found.postal_codes else ""


def address_text(subdistrict_code: str, *, english: bool = False) -> str:
    """"ต.ในเมือง อ.เมืองนครราชสีมา จ.นครราชสีมา", Bangkok's "แขวง… เขต… กรุงเทพมหานคร", or
    the English form "Nai Mueang, Mueang Nakhon Ratchasima, Nakhon Ratchasima"; "" for an
    unknown code."""
    found = _geothai().address(subdistrict_code)
    if found is None:
        return ""
    sub, dist, prov = found.subdistrict, found.district, found.province
    if english:
        return f"{sub.name_en}, {dist.name_en}, {prov.name_en}"
    if prov.code == BANGKOK:  # geothai already writes Bangkok's districts as "เขต…"
        return f"แขวง{sub.name_th} {dist.name_th} {prov.name_th}"
    return f"ต.{sub.name_th} อ.{dist.name_th} จ.{prov.name_th}"


def split_code(subdistrict_code: str) -> tuple[str, str, str]:
    """(province, district, subdistrict) codes of a 6-digit (or 8-digit, with หมู่) code."""
    code = subdistrict_code[:6]
    return code[:2], code[:4], code


def home_address(subdistrict_code: str, *, house: str = "", moo: str = "", postal: str = "") -> dict[str, Any]:
    """A FHIR Address in TH Core's shape (th-core SD_Patient.fsh:142-149, extension-ig
    SD_EX_DataType.fsh:33-117): `city` the subdistrict (ตำบล), `district` the district
    (อำเภอ), `state` the province, with the postal code; the DOPA codes of all three (2, 4 and
    6 digits) in the address-code extension; the house number and the village number (หมู่)
    in the structured-line extension and, written out, in `line`. An unknown code keeps only
    the lines."""
    moo = moo.strip()
    house = house.strip()
    village = f"หมู่ที่ {int(moo)}" if re.fullmatch(r"[0-9]{1,3}", moo) and int(moo) > 0 else moo
    line = " ".join(part for part in (house, village) if part)
    address: dict[str, Any] = {"use": "home", "type": "physical", "line": [line] if line else None}
    extensions: list[dict[str, Any]] = []
    parts = [(name, value) for name, value in (("number", house), ("villageNo", village)) if value]
    if parts:
        extensions.append({"url": STRUCTURED_LINE_EXTENSION,
                           "extension": [{"url": name, "valueString": value} for name, value in parts]})
    found = _geothai().address(subdistrict_code) if subdistrict_code else None
    if found is not None:
        province, district, subdistrict = split_code(subdistrict_code)
        extensions.insert(0, {"url": ADDRESS_CODE_EXTENSION, "extension": [
            {"url": part, "valueCodeableConcept": {"coding": [{"system": DOPA_LOCATION_SYSTEM, "code": code}]}}
            for part, code in (("province", province), ("district", district), ("subdistrict", subdistrict))]})
        address.update(text=" ".join(p for p in (line, address_text(subdistrict_code)) if p),
                       city=found.subdistrict.name_th, district=found.district.name_th, state=found.province.name_th,
                       postalCode=postal.strip() or postal_code(subdistrict_code), country="TH")
    address["extension"] = extensions or None
    order = ("extension", "use", "type", "text", "line", "city", "district", "state", "postalCode", "country")
    return {k: address[k] for k in order if address.get(k)}


def address_codes(address: dict[str, Any]) -> tuple[str, str]:
    """(subdistrict code, village number) of an Address in either shape: TH Core's
    extensions, or the 8-digit code this app wrote before (data version 1); ("", "") when
    it has none."""
    subdistrict = village = ""
    for ext in address.get("extension") or []:
        if not isinstance(ext, dict):
            continue
        if ext.get("url") == ADDRESS_CODE_EXTENSION:
            for part in ext.get("extension") or []:
                if part.get("url") == "subdistrict":
                    subdistrict = str(((part.get("valueCodeableConcept") or {}).get("coding") or [{}])[0].get("code") or "")
        elif ext.get("url") == STRUCTURED_LINE_EXTENSION:
            for part in ext.get("extension") or []:
                if part.get("url") == "villageNo":
                    village = re.sub(r"[^0-9]", "", str(part.get("valueString") or ""))
        elif ext.get("url") == OLD_ADDRESS_CODE_EXTENSION:
            code = str((((ext.get("valueCodeableConcept") or {}).get("coding") or [{}])[0]).get("code") or "")
            subdistrict, village = code[:6], (str(int(code[6:8])) if code[6:8].isdigit() else "")
    return subdistrict, village.lstrip("0")
