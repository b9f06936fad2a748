"""Demo content for the sandbox hub (`hub serve --seed-demo`, training mode): a district
hospital and two primary care units in the Organization directory, and 200 patients with
histories at the hospital, so a unit can ask for consent and see real-looking records.

All demo facility codes are in the 999xx range, which MOPH does not issue; the training
unit of the desktop app (99999) is one of them. Seeding is idempotent.
"""

from __future__ import annotations

from typing import Any

from clinic_app.core import demo
from clinic_app.core.fhir import stamp_owner
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


def seed_demo(engine: Engine, *, patients: int = DEMO_PATIENTS) -> bool:
    """Add the demo directory and hospital records; False when they are there already."""
    store = engine.store
    if store.current("Organization", HOSPITAL) is not None:
        return False
    with store.transaction():
        for org in ORGANIZATIONS:
            store.put("Organization", org[0], organization(*org))
        for person in demo.generate(patients, seed=2026, hcode=HOSPITAL):
            for res in person.resources:
                store.put(res["resourceType"], res["id"], stamp_owner(res, HOSPITAL))
    return True
