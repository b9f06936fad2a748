"""The unit's drug list (formulary): what the nurse picks from when prescribing.

Each drug is a FHIR Medication owned by the unit (core/builders.formulary_item), so the
list reaches the unit's other desktops through the hub like any record. Its id comes from
the unit's code and the drug's own code, so two desktops importing the same list make the
same records. An administrator keeps it: imports a CSV (all rows or none), adds, edits
and withdraws a drug (a withdrawn drug stays for the visits that named it).

CSV columns (UTF-8, first row the names; order free; extra columns named in the report):
`code` and `name` required; `strength`, `unit` (the dispensing unit: เม็ด, ขวด, หลอด),
`tmt`, `drug24` (the 24-digit code), `dose` (a default amount per time, a number),
`dose_unit` (the unit of a dose when not the dispensing unit: ช้อนชา), `frequency` (a
code of FREQUENCIES), `days` (a default number of days), `group` (the drug's group, such
as penicillins, for the allergy check).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clinic_app.core import builders as build
from clinic_app.core.changes import ChangeSet
from clinic_app.core.errors import InvalidInputError, Problem
from clinic_app.core.fhir import Resource
from clinic_app.core.identifiers import DRUG24_SYSTEM, FORMULARY_EXTENSION, LOCAL_DRUG_SYSTEM, TMT_SYSTEM, local_system
from clinic_app.core.permissions import require
from clinic_app.services.records import UseCases


# How often a drug is taken: code -> (Thai words, English words, times a day; 0 when as needed).
FREQUENCIES: dict[str, tuple[str, str, int]] = {
    "OD": ("วันละ 1 ครั้ง", "once a day", 1),
    "BID": ("วันละ 2 ครั้ง เช้า เย็น", "twice a day", 2),
    "TID": ("วันละ 3 ครั้ง เช้า กลางวัน เย็น", "three times a day", 3),
    "QID": ("วันละ 4 ครั้ง เช้า กลางวัน เย็น ก่อนนอน", "four times a day", 4),
    "HS": ("วันละ 1 ครั้ง ก่อนนอน", "at bedtime", 1),
    "PRN": ("เมื่อมีอาการ", "when needed", 0),
    "STAT": ("ครั้งเดียว", "once, now", 0),
}
# When, against meals: code -> (Thai, English).
MEALS = {"pc": ("หลังอาหาร", "after meals"), "ac": ("ก่อนอาหาร", "before meals"), "": ("", "")}
COLUMNS = ("code", "name", "strength", "unit", "tmt", "drug24", "dose", "dose_unit", "frequency", "days", "group")
_APPLIED = ("หลอด", "tube", "ครีม", "cream", "ขี้ผึ้ง", "ointment")  # units of what is put on the skin
_DROPS = ("หยด", "drop")


@dataclass(frozen=True)
class Drug:
    """One drug of the list, as the forms and the printouts use it."""

    id: str
    code: str
    name: str
    strength: str = ""
    unit: str = ""
    tmt: str = ""
    drug24: str = ""
    dose: float | None = None
    dose_unit: str = ""
    frequency: str = ""
    days: int | None = None
    group: str = ""
    active: bool = True

    def label(self) -> str:
        return f"{self.code}  {self.name} {self.strength}".strip()

    def concept(self) -> dict[str, Any]:
        """The medication CodeableConcept a dispense of this drug carries."""
        return build.medication(f"{self.name} {self.strength}".strip(), local=self.code, tmt=self.tmt or None,
                                drug24=self.drug24 or None)

    @property
    def per_dose_unit(self) -> str:
        return self.dose_unit or self.unit


def instructions(drug: Drug | None, *, dose: float | None, frequency: str, meals: str = "",
                 dose_unit: str = "") -> str:
    """The label's words in Thai: "รับประทานครั้งละ 1 เม็ด วันละ 3 ครั้ง เช้า กลางวัน เย็น หลังอาหาร";
    a cream is put on ("ทาบริเวณที่เป็น"), drops dropped ("หยอด"). Empty without a frequency."""
    if frequency not in FREQUENCIES or not frequency:
        return ""
    unit = dose_unit or (drug.per_dose_unit if drug else "")
    if any(word in unit.lower() for word in _APPLIED):
        verb = "ทาบริเวณที่เป็น"
    elif any(word in unit.lower() for word in _DROPS):
        verb = "หยอด"
    else:
        verb = "รับประทาน"
    amount = f"ครั้งละ {dose:g} {unit}".strip() if dose else ""
    return " ".join(part for part in (verb + amount, FREQUENCIES[frequency][0], MEALS.get(meals, ("", ""))[0]) if part)


def quantity_for(drug: Drug | None, *, dose: float | None, frequency: str, days: int | None) -> float | None:
    """How much to hand over for `days` days: dose x times a day x days, when the dose is
    counted in the dispensing unit; None when it cannot be worked out (as needed, syrup)."""
    if drug is None or not dose or not days or frequency not in FREQUENCIES:
        return None
    per_day = FREQUENCIES[frequency][2]
    if not per_day or (drug.dose_unit and drug.dose_unit != drug.unit):
        return None
    return float(dose * per_day * days)


def drug_of(medication: Resource) -> Drug:
    """A Medication of the list as a Drug."""
    parts = {e.get("url"): e.get("valueString") for ext in medication.get("extension") or []
             if ext.get("url") == FORMULARY_EXTENSION for e in ext.get("extension") or []}
    codes = {c.get("system"): c.get("code") for c in (medication.get("code") or {}).get("coding") or []}

    def number(key: str) -> float | None:
        try:
            return float(parts[key]) if parts.get(key) else None
        except ValueError:
            return None

    days = number("days")
    return Drug(id=medication["id"], code=str(codes.get(LOCAL_DRUG_SYSTEM) or ""), name=str(parts.get("name") or ""),
                strength=str(parts.get("strength") or ""), unit=str(parts.get("unit") or ""),
                tmt=str(codes.get(TMT_SYSTEM) or ""), drug24=str(codes.get(DRUG24_SYSTEM) or ""),
                dose=number("dose"), dose_unit=str(parts.get("dose_unit") or ""),
                frequency=str(parts.get("frequency") or ""), days=int(days) if days else None,
                group=str(parts.get("group") or ""), active=medication.get("status") != "inactive")


def _medication(drug: Drug) -> Resource:
    item = build.formulary_item(id=drug.id, code=drug.code, name=drug.name, strength=drug.strength, unit=drug.unit,
                                tmt=drug.tmt or None, drug24=drug.drug24 or None, group=drug.group,
                                active=drug.active)
    extras = [{"url": key, "valueString": value} for key, value in
              (("dose", f"{drug.dose:g}" if drug.dose else ""), ("dose_unit", drug.dose_unit),
               ("frequency", drug.frequency), ("days", str(drug.days) if drug.days else "")) if value]
    item["extension"][0]["extension"] += extras
    return item


def drug_id(hcode: str, code: str) -> str:
    """The Medication id of a unit's drug code: the same on every desktop of the unit."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, local_system(hcode, "Drug") + "/" + code))


def drug_problems(row: dict[str, str], where: int | None) -> list[Problem]:
    """What is wrong with one drug's values (a CSV row or the form's)."""
    problems = []
    if not re.fullmatch(r"[A-Za-z0-9._\-]{1,30}", row.get("code", "").strip()):
        problems.append(Problem(where, "code", "a drug code of letters and digits (at most 30) is required",
                                "ต้องมีรหัสยา เป็นตัวอักษรหรือตัวเลข ไม่เกิน 30 ตัว"))
    if not row.get("name", "").strip():
        problems.append(Problem(where, "name", "the drug's name is required", "ต้องมีชื่อยา"))
    for key in ("dose", "days"):
        value = row.get(key, "").strip()
        try:
            if value and not (math.isfinite(float(value)) and float(value) > 0):  # "nan", "inf": int() fails later
                raise ValueError
        except ValueError:
            problems.append(Problem(where, key, "a number above 0, or empty", "ต้องเป็นตัวเลขมากกว่า 0 หรือเว้นว่าง"))
    if row.get("frequency", "").strip().upper() not in ("", *FREQUENCIES):
        problems.append(Problem(where, "frequency", "one of " + ", ".join(FREQUENCIES),
                                "ต้องเป็นรหัสใดรหัสหนึ่ง: " + ", ".join(FREQUENCIES)))
    if row.get("drug24", "").strip() and not re.fullmatch(r"[0-9]{24}", row["drug24"].strip()):
        problems.append(Problem(where, "drug24", "the 24-digit drug code has 24 digits", "รหัสยา 24 หลักต้องมี 24 หลัก"))
    if row.get("tmt", "").strip() and not re.fullmatch(r"[0-9]{6,7}", row["tmt"].strip()):
        problems.append(Problem(where, "tmt", "a TMT code has 6 or 7 digits", "รหัส TMT มี 6 หรือ 7 หลัก"))
    return problems


@dataclass
class ImportReport:
    added: int
    updated: int
    unchanged: int
    extra_columns: list[str]
    changes: ChangeSet


class FormularyService(UseCases):
    def drugs(self, *, include_withdrawn: bool = False) -> list[Drug]:
        """The list, by code."""
        found = [drug_of(m) for m in self.store.iter_resources(resource_type="Medication")
                 if any(e.get("url") == FORMULARY_EXTENSION for e in m.get("extension") or [])]
        return sorted((d for d in found if include_withdrawn or d.active), key=lambda d: d.code)

    def by_code(self) -> dict[str, Drug]:
        return {d.code: d for d in self.drugs(include_withdrawn=True)}

    def _drug(self, row: dict[str, str]) -> Drug:
        code = row["code"].strip()
        return Drug(id=drug_id(self.hcode, code), code=code, name=row["name"].strip(),
                    strength=row.get("strength", "").strip(), unit=row.get("unit", "").strip(),
                    tmt=row.get("tmt", "").strip(), drug24=row.get("drug24", "").strip(),
                    dose=float(row["dose"]) if row.get("dose", "").strip() else None,
                    dose_unit=row.get("dose_unit", "").strip(), frequency=row.get("frequency", "").strip().upper(),
                    days=int(float(row["days"])) if row.get("days", "").strip() else None,
                    group=row.get("group", "").strip(), active=True)

    def save(self, row: dict[str, str], *, active: bool = True) -> ChangeSet:
        """Add or change one drug (administrators; audited)."""
        require(self.actor, "formulary.manage")
        problems = drug_problems(row, None)
        if problems:
            raise InvalidInputError("ข้อมูลยาไม่ถูกต้อง", "The drug's values have problems.", problems=problems)
        drug = dataclasses.replace(self._drug(row), active=active)
        with self.store.transaction():
            return self.records.write([_medication(drug)], action="formulary-save",
                                      entity=("Medication", drug.id), detail={"code": drug.code, "active": active})

    def import_csv(self, source: Path | str) -> ImportReport:
        """Add or update every drug of a CSV file (or its text): all rows or none."""
        require(self.actor, "formulary.manage")
        text = source if isinstance(source, str) else _read_text(source)
        reader = csv.DictReader(io.StringIO(text))
        fields = [f.strip().lower() for f in reader.fieldnames or []]
        if "code" not in fields or "name" not in fields:
            raise InvalidInputError("ไฟล์รายการยาต้องมีหัวคอลัมน์ code และ name ในบรรทัดแรก",
                                    "The drug list's first row must name the columns, code and name among them.",
                                    problems=[Problem(None, "(header)", "columns: " + ", ".join(COLUMNS),
                                                      "คอลัมน์: " + ", ".join(COLUMNS))])
        rows, problems, seen = [], [], {}
        for number, raw in enumerate(reader, start=2):
            row = {str(k).strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
            if not any(row.values()):
                continue
            problems += drug_problems(row, number)
            code = row.get("code", "")
            if code in seen:
                problems.append(Problem(number, "code", f"the code {code} is also on line {seen[code]}",
                                        f"รหัส {code} ซ้ำกับบรรทัดที่ {seen[code]}"))
            seen[code] = number
            rows.append(row)
        if problems:
            raise InvalidInputError(f"รายการยามีข้อผิดพลาด {len(problems)} จุด (เลขคือบรรทัดในไฟล์) ไม่ได้นำเข้าเลย",
                                    f"The drug list has {len(problems)} problem(s) (numbers are the file's lines); "
                                    "nothing was imported.", problems=problems)
        if not rows:
            raise InvalidInputError("ไฟล์รายการยาไม่มีรายการเลย", "The drug list has no drugs.")
        known = {d.code: d for d in self.drugs(include_withdrawn=True)}
        out, added, updated, unchanged = [], 0, 0, 0
        for row in rows:
            drug = self._drug(row)
            if known.get(drug.code) == drug:
                unchanged += 1
                continue
            added += drug.code not in known
            updated += drug.code in known
            out.append(_medication(drug))
        changes = ChangeSet()
        if out:
            with self.store.transaction():
                changes = self.records.write(out, action="formulary-import",
                                             detail={"added": added, "updated": updated})
        extra = [f for f in fields if f not in COLUMNS]
        return ImportReport(added, updated, unchanged, extra, changes)


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp874"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInputError("อ่านไฟล์รายการยาไม่ได้ (ไม่ใช่ UTF-8 หรือ TIS-620)",
                            "The drug list is neither UTF-8 nor TIS-620 text.")
