"""The Thai EPI (Expanded Programme on Immunization) schedule for children, simplified
from the Department of Disease Control's national schedule, with MOPH vaccine codes
(43-file VACCINETYPE). Used to say what is due; not a clinical decision tool."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass



@dataclass(frozen=True)
class Dose:
    code: str
    name: str  # the English short name (BCG, DTP-HB-Hib1)
    name_th: str
    age_months: int
    also: tuple[str, ...] = ()      # other codes that count as this dose (another brand's series)
    until_months: int | None = None  # too old for it after this age (no longer due)
    sex: str | None = None           # only for this sex (HPV: girls)
    requires: tuple[str, ...] = ()   # due only once one of these was given (the 3-dose rota series)


# The Department of Disease Control's schedule (2566/2023): birth, 2, 4, 6, 9, 12 and 18
# months, 2.5 and 4 years; HPV for girls at 11 (school grade 5). Rotavirus: the two-dose
# series (R11, R12), the three-dose series counted too (R21-R23, the third only once it was
# started); rota is not given after 8 months. Vaccine codes: THCC cs-thcc-vaccine-code.
SCHEDULE = [
    Dose("010", "BCG", "บีซีจี", 0),
    Dose("041", "HBV1", "ตับอักเสบบี เข็ม 1", 0),
    Dose("D21", "DTP-HB-Hib1", "คอตีบ-บาดทะยัก-ไอกรน-ตับอักเสบบี-ฮิบ 1", 2),
    Dose("081", "OPV1", "โปลิโอชนิดกิน 1", 2),
    Dose("R11", "Rota1", "โรต้า 1", 2, also=("R21",), until_months=8),
    Dose("D22", "DTP-HB-Hib2", "คอตีบ-บาดทะยัก-ไอกรน-ตับอักเสบบี-ฮิบ 2", 4),
    Dose("082", "OPV2", "โปลิโอชนิดกิน 2", 4),
    Dose("401", "IPV", "โปลิโอชนิดฉีด", 4),
    Dose("R12", "Rota2", "โรต้า 2", 4, also=("R22",), until_months=8),
    Dose("D23", "DTP-HB-Hib3", "คอตีบ-บาดทะยัก-ไอกรน-ตับอักเสบบี-ฮิบ 3", 6),
    Dose("083", "OPV3", "โปลิโอชนิดกิน 3", 6),
    Dose("R23", "Rota3", "โรต้า 3", 6, until_months=8, requires=("R21", "R22")),
    Dose("061", "MMR1", "หัด-คางทูม-หัดเยอรมัน 1", 9),
    Dose("J11", "LAJE1", "ไข้สมองอักเสบเจอี 1", 12),
    Dose("034", "DTP4", "คอตีบ-บาดทะยัก-ไอกรน กระตุ้น 1", 18),
    Dose("084", "OPV4", "โปลิโอชนิดกิน กระตุ้น 1", 18),
    Dose("073", "MMR2", "หัด-คางทูม-หัดเยอรมัน 2", 18),
    Dose("J12", "LAJE2", "ไข้สมองอักเสบเจอี 2", 30),
    Dose("035", "DTP5", "คอตีบ-บาดทะยัก-ไอกรน กระตุ้น 2", 48),
    Dose("085", "OPV5", "โปลิโอชนิดกิน กระตุ้น 2", 48),
    Dose("310", "HPV1", "เอชพีวี 1", 132, sex="female", until_months=180),
    Dose("320", "HPV2", "เอชพีวี 2", 138, sex="female", until_months=180, requires=("310",)),
]
BY_CODE = {d.code: d for d in SCHEDULE} | {"815": Dose("815", "Influenza", "ไข้หวัดใหญ่", 0)}
CHILDHOOD_UNTIL_MONTHS = 84   # the infant and booster doses: not due from 7 years on
LIST_UNTIL_MONTHS = 180       # the follow-up list: children under 15
OVERDUE_AFTER_DAYS = 30       # a dose not given a month after its age is overdue


def months_old(birth: _dt.date, on: _dt.date) -> int:
    months = (on.year - birth.year) * 12 + on.month - birth.month
    return months - (1 if on.day < birth.day else 0)


def add_months(day: _dt.date, months: int) -> _dt.date:
    """The same day of the month `months` later (the month's last day when it is shorter)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return _dt.date(year, month, min(day.day, d))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def routine(dose: Dose, sex: str | None = None) -> bool:
    """A dose every child of this sex gets (not one that waits on a series started)."""
    return not dose.requires and (dose.sex is None or sex is None or dose.sex == sex)


def due(birth: _dt.date, given_codes: set[str], on: _dt.date, *, sex: str | None = None) -> list[Dose]:
    """Doses of the schedule that are due or overdue and not given: the age reached, not
    too old for it, for the child's sex (both when not known), its series started."""
    age = months_old(birth, on)
    return [d for d in SCHEDULE
            if d.age_months <= age < (d.until_months or CHILDHOOD_UNTIL_MONTHS)
            and not (d.sex and sex and d.sex != sex)
            and d.code not in given_codes and given_codes.isdisjoint(d.also)
            and (not d.requires or not given_codes.isdisjoint(d.requires))]


def overdue(dose: Dose, birth: _dt.date, on: _dt.date) -> bool:
    """Past its age by more than a month."""
    return (on - add_months(birth, dose.age_months)).days > OVERDUE_AFTER_DAYS
