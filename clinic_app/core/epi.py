"""The Thai EPI (Expanded Programme on Immunization) schedule for children, simplified
from the Department of Disease Control's national schedule, with MOPH vaccine codes
(43-file VACCINETYPE). Used to say what is due; not a clinical decision tool."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from clinic_app.core.thai import age_in_years


@dataclass(frozen=True)
class Dose:
    code: str
    name: str  # the English short name (BCG, DTP-HB-Hib1)
    name_th: str
    age_months: int


SCHEDULE = [
    Dose("010", "BCG", "บีซีจี", 0),
    Dose("041", "HBV1", "ตับอักเสบบี เข็ม 1", 0),
    Dose("D21", "DTP-HB-Hib1", "คอตีบ-บาดทะยัก-ไอกรน-ตับอักเสบบี-ฮิบ 1", 2),
    Dose("081", "OPV1", "โปลิโอชนิดกิน 1", 2),
    Dose("D22", "DTP-HB-Hib2", "คอตีบ-บาดทะยัก-ไอกรน-ตับอักเสบบี-ฮิบ 2", 4),
    Dose("082", "OPV2", "โปลิโอชนิดกิน 2", 4),
    Dose("401", "IPV", "โปลิโอชนิดฉีด", 4),
    Dose("D23", "DTP-HB-Hib3", "คอตีบ-บาดทะยัก-ไอกรน-ตับอักเสบบี-ฮิบ 3", 6),
    Dose("083", "OPV3", "โปลิโอชนิดกิน 3", 6),
    Dose("061", "MMR1", "หัด-คางทูม-หัดเยอรมัน 1", 9),
    Dose("J11", "LAJE1", "ไข้สมองอักเสบเจอี 1", 12),
    Dose("073", "MMR2", "หัด-คางทูม-หัดเยอรมัน 2", 18),
    Dose("J12", "LAJE2", "ไข้สมองอักเสบเจอี 2", 30),
]
BY_CODE = {d.code: d for d in SCHEDULE} | {"815": Dose("815", "Influenza", "ไข้หวัดใหญ่", 0)}


def months_old(birth: _dt.date, on: _dt.date) -> int:
    months = (on.year - birth.year) * 12 + on.month - birth.month
    return months - (1 if on.day < birth.day else 0)


def due(birth: _dt.date, given_codes: set[str], on: _dt.date) -> list[Dose]:
    """Doses of the schedule that are due or overdue and not given (children under 7)."""
    if age_in_years(birth, on) >= 7:
        return []
    age = months_old(birth, on)
    return [d for d in SCHEDULE if d.age_months <= age and d.code not in given_codes]
