"""Demo content for the sandbox hub (`hub serve --seed-demo`, training mode): a district
hospital and two primary care units in the Organization directory, 200 patients with
histories at the hospital (demo seed 2026, citizen IDs of their own), so a unit can ask for
consent and see real-looking records, and hospital histories for some of the training
unit's own demo patients, so a trainee can try consent on a patient of the unit.

The training unit (99999) loads its demo patients with `load_demo(N, seed=1)`; the first
40 of them are the same people whatever N is. A quarter of those 40, the 3rd, 7th, 11th,
... and 39th (HN 0000003, 0000007, ... at the unit), also have a record at the demo
hospital, made by `demo.history_at`: the hospital's own Patient resource (the same citizen
ID, names, sex and birth date; a new id and the hospital's HN, 9000000 plus the unit's
number: 9000003 ...) and visits that fit the person (a yearly review with laboratory
results for a chronic patient; an admission or an outpatient visit: dengue, pneumonia,
diarrhoea, a delivery, knee pain). At this version of the demo data they are (unit HN):
0000003 นายวิชัย สุขสวัสดิ์ (dengue), 0000007 นางศิริพร ใจดี (dengue), 0000011 นายกิตติพงษ์
ปัญญาดี (diarrhoea), 0000015 ด.ช.ธนากร ใจดี, 0000019 ด.ช.สุทธิพงษ์ สุขสวัสดิ์ and 0000023
ด.ญ.อรุณี วงศ์ใหญ่ (pneumonia), 0000027 นายธนากร ชัยมงคล and 0000035 นายสมชาย สมบูรณ์ (knee
pain), 0000031 นางรัตนา ใจดี (hypertension reviews with laboratory results, pneumonia) and
0000039 ด.ช.ปิยะ คำแสน (diarrhoea).

One of them disagrees on purpose, so the chart's "demographics disagree" warning can be
tried: the 3rd training patient (at this version of the demo data นายวิชัย สุขสวัสดิ์,
citizen ID 5981741040909, male, born 1993-02-12) is at the hospital as a woman born
1993-12-02, a data-entry error there: the sex turned over and the day and month of the
birth date swapped (when the day is above 12 or equals the month, the year before
instead). The names stay the same, prefix นาย included.

All demo facility codes are in the 999xx range, which MOPH does not issue; the training
unit of the desktop app (99999) is one of them. Seeding is idempotent: the directory and
the 200 patients are added when the hospital is not in the directory yet, the training
histories when the hub has not recorded them yet (so a training hub seeded by an earlier
version gains them on its next start).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from clinic_app.core import demo
from clinic_app.core.fhir import Resource, stamp_owner
from clinic_app.core.identifiers import (
    DEMO_HOSPITAL_HCODE,
    DEMO_OTHER_UNIT_HCODE,
    HCODE_SYSTEM,
    TRAINING_HCODE,
)
from clinic_app.hub.engine import Engine

HOSPITAL = DEMO_HOSPITAL_HCODE
TRAINING_UNIT = TRAINING_HCODE
OTHER_UNIT = DEMO_OTHER_UNIT_HCODE
DEMO_PATIENTS = 200
TRAINING_SEED = 1  # the seed training mode loads the unit's demo patients with
TRAINING_LOOKED_AT = 40  # the first patients of the unit that may have a hospital history
HISTORY_SEED = "training-hub"
DISAGREEING = 3  # the training patient (1-based, the unit's HN) whose hospital record disagrees
HOSPITAL_HN_BASE = 9_000_000
_HISTORIES_KEY = "seed:training-histories"

ORGANIZATIONS = [
    (HOSPITAL, "โรงพยาบาลชุมชนตัวอย่าง", "Demo District Hospital", "prov"),
    (TRAINING_UNIT, "หน่วยบริการฝึกอบรม (รพ.สต.)", "Training Health Promoting Hospital", "prov"),
    (OTHER_UNIT, "รพ.สต.บ้านตัวอย่าง", "Ban Tua-yang Health Promoting Hospital", "prov"),
]


def organization(hcode: str, thai: str, english: str, kind: str) -> dict[str, Any]:
    return {
        "resourceType": "Organization", "id": hcode, "active": True,
        "identifier": [{"system": HCODE_SYSTEM, "value": hcode}],
        "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/organization-type", "code": kind}]}],
        "name": thai, "alias": [english],
        **({"partOf": {"reference": f"Organization/{HOSPITAL}"}} if hcode != HOSPITAL else {}),
    }


def with_history(number: int) -> bool:
    """Whether the training unit's `number`-th demo patient (1-based) has a hospital history."""
    return number <= TRAINING_LOOKED_AT and number % 4 == 3


def wrong_birth_date(born: str) -> str:
    """The hospital's mistaken birth date: day and month swapped, else the year before."""
    day = _dt.date.fromisoformat(born)
    if day.day <= 12 and day.day != day.month:
        return day.replace(month=day.day, day=day.month).isoformat()
    try:
        return day.replace(year=day.year - 1).isoformat()
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28).isoformat()


def training_histories(*, looked_at: int = TRAINING_LOOKED_AT) -> list[Resource]:
    """The demo hospital's records of some of the training unit's demo patients (see above)."""
    out: list[Resource] = []
    for number, person in enumerate(demo.generate(looked_at, seed=TRAINING_SEED, hcode=TRAINING_UNIT), start=1):
        if not with_history(number):
            continue
        records = demo.history_at(person, HOSPITAL, hn=f"{HOSPITAL_HN_BASE + number:07d}", seed=HISTORY_SEED)
        if number == DISAGREEING:
            patient = records[0]
            patient["gender"] = "female" if patient["gender"] == "male" else "male"
            patient["birthDate"] = wrong_birth_date(patient["birthDate"])
        out.extend(records)
    return out


def seed_demo(engine: Engine, *, patients: int = DEMO_PATIENTS) -> bool:
    """Add the demo directory, the hospital's patients and the training unit's hospital
    histories; False when they are all there already."""
    store = engine.store
    added = False
    if store.current("Organization", HOSPITAL) is None:
        with store.transaction():
            for org in ORGANIZATIONS:
                store.put("Organization", org[0], organization(*org))
            for person in demo.generate(patients, seed=2026, hcode=HOSPITAL):
                for res in person.resources:
                    store.put(res["resourceType"], res["id"], stamp_owner(res, HOSPITAL))
        added = True
    if store.get_kv(_HISTORIES_KEY) is None:
        with store.transaction():
            for res in training_histories():
                store.put(res["resourceType"], res["id"], stamp_owner(res, HOSPITAL))
            store.set_kv(_HISTORIES_KEY, {"unit": TRAINING_UNIT, "seed": TRAINING_SEED,
                                          "looked_at": TRAINING_LOOKED_AT})
        added = True
    return added
