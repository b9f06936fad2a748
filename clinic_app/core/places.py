"""Thai administrative areas on DOPA codes: 77 provinces (2 digits), 928 districts
(4 digits) and 7,436 subdistricts (6 digits), with Thai and English names and postal codes.

The list comes from the `geothai` package (code MIT; data CC BY 4.0 from GeoThai/data,
itself from the Department of Provincial Administration's stat.bora.dopa.go.th). It is a
dependency rather than a copied file so that a boundary change reaches the clinics with an
ordinary package update; `geothai.DATA_VERSION` says which release is in use.

A patient's address code is the 6-digit subdistrict code followed by the 2-digit village
number (หมู่), as the MOPH 43 files and the Thai Core profile write it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import geothai

from clinic_app.core.identifiers import DOPA_ADDRESS_SYSTEM
from clinic_app.core.thai import thai_sort_key

BANGKOK = "10"
DATA_VERSION = geothai.DATA_VERSION


@dataclass(frozen=True)
class Area:
    code: str
    name_th: str
    name_en: str


def provinces() -> list[Area]:
    """All provinces, in Thai alphabetical order (how a Thai clerk looks for one)."""
    return sorted((Area(p.code, p.name_th, p.name_en) for p in geothai.provinces()),
                  key=lambda a: thai_sort_key(a.name_th))


def districts(province_code: str) -> list[Area]:
    return sorted((Area(d.code, d.name_th, d.name_en) for d in geothai.districts(province_code)),
                  key=lambda a: thai_sort_key(a.name_th))


def subdistricts(district_code: str) -> list[Area]:
    return sorted((Area(s.code, s.name_th, s.name_en) for s in geothai.subdistricts(district_code)),
                  key=lambda a: thai_sort_key(a.name_th))


def is_subdistrict(code: str) -> bool:
    return geothai.subdistrict(code) is not None


def postal_code(subdistrict_code: str) -> str:
    """The subdistrict's first postal code ("" for an unknown code); a few subdistricts
    have more than one, and the clerk may type another."""
    found = geothai.subdistrict(subdistrict_code)
    return found.postal_codes[0] if found and found.postal_codes else ""


def address_text(subdistrict_code: str, *, english: bool = False) -> str:
    """"ต.ในเมือง อ.เมืองนครราชสีมา จ.นครราชสีมา", Bangkok's "แขวง… เขต… กรุงเทพมหานคร", or
    the English form "Nai Mueang, Mueang Nakhon Ratchasima, Nakhon Ratchasima"; "" for an
    unknown code."""
    found = geothai.address(subdistrict_code)
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


ADDRESS_CODE_URL = "https://terms.sil-th.org/StructureDefinition/address-code"


def home_address(subdistrict_code: str, *, house: str = "", moo: str = "", postal: str = "") -> dict[str, Any]:
    """A FHIR Address in Thai: house number and หมู่ on the line, subdistrict, district and
    province names in `district`, `city` and `state`, and the DOPA code (with the village
    number) in the Thai Core address-code extension. An unknown code keeps only the lines."""
    moo = moo.strip()
    line = " ".join(part for part in (house.strip(), f"หมู่ {moo}" if moo else "") if part)
    address: dict[str, Any] = {"use": "home", "country": "TH", "line": [line] if line else None}
    found = geothai.address(subdistrict_code) if subdistrict_code else None
    if found is not None:
        address.update(text=address_text(subdistrict_code), district=found.subdistrict.name_th,
                       city=found.district.name_th, state=found.province.name_th,
                       postalCode=postal.strip() or postal_code(subdistrict_code))
        village = f"{int(moo):02d}" if re.fullmatch(r"[0-9]{1,2}", moo) and int(moo) > 0 else ""
        address["extension"] = [{"url": ADDRESS_CODE_URL, "valueCodeableConcept": {"coding": [
            {"system": DOPA_ADDRESS_SYSTEM, "code": subdistrict_code + village}]}}]
    return {k: v for k, v in address.items() if v}
