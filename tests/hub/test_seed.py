"""The training hub's seed: the demo hospital knows some of the training unit's own demo
patients (the same citizen IDs as `load_demo(N, seed=1)` gives the desktop), one of them
with demographics that disagree, and seeding twice adds nothing."""

from __future__ import annotations

import time
from pathlib import Path

from clinic_app.core import demo
from clinic_app.core.fhir import owner_of, patient_cid
from clinic_app.core.identifiers import CID_SYSTEM, HCODE_SYSTEM, TRAINING_HCODE, local_system
from clinic_app.hub import seed
from clinic_app.hub.engine import Engine
from clinic_app.hub.search import parse
from clinic_app.hub.server import RunningHub
from clinic_app.hub.storage import HubStore
from tests.hub.conftest import Desktop
from tests.hub.test_health_link import admin, consent


def _engine(tmp_path: Path) -> Engine:
    return Engine(HubStore(tmp_path / "hub.sqlite"))


def _hospital_patients(engine: Engine) -> dict[str, dict]:
    found, _ = engine.store.search("Patient", parse("Patient", [("_tag", f"{HCODE_SYSTEM}|{seed.HOSPITAL}"),
                                                                 ("_count", "1000")]))
    return {patient_cid(s.resource) or "": s.resource for s in found}


def _count(engine: Engine, rtype: str) -> int:
    return engine.store.count(rtype, parse(rtype, []))


def test_a_quarter_of_the_training_patients_have_a_hospital_history(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    started = time.monotonic()
    assert seed.seed_demo(engine, patients=2) is True
    assert time.monotonic() - started < 10  # the training hub seeds on the window's first start
    unit = list(demo.generate(seed.TRAINING_LOOKED_AT, seed=1, hcode=TRAINING_HCODE))
    # the first 40 of the 200 the window loads are these 40
    assert [p.cid for p in demo.generate(200, seed=1, hcode=TRAINING_HCODE)][:40] == [p.cid for p in unit]
    at_hospital = _hospital_patients(engine)
    known = [n for n, person in enumerate(unit, start=1) if person.cid in at_hospital]
    assert known == [3, 7, 11, 15, 19, 23, 27, 31, 35, 39]
    disagreeing = []
    for number in known:
        mine, theirs = unit[number - 1].resources[0], at_hospital[unit[number - 1].cid]
        assert theirs["id"] != mine["id"] and owner_of(theirs) == seed.HOSPITAL
        assert theirs["name"] == mine["name"]
        hn = (local_system(seed.HOSPITAL, "HN"), f"{9_000_000 + number:07d}")
        assert hn in [(i["system"], i["value"]) for i in theirs["identifier"]]
        visits, _ = engine.store.search("Encounter", parse("Encounter", [("patient", f"Patient/{theirs['id']}")]))
        assert visits and all(v.resource["serviceProvider"]["reference"] == f"Organization/{seed.HOSPITAL}"
                              for v in visits)
        if (theirs["gender"], theirs["birthDate"]) != (mine["gender"], mine["birthDate"]):
            disagreeing.append(number)
            assert theirs["gender"] != mine["gender"] and theirs["birthDate"] != mine["birthDate"]
    assert disagreeing == [seed.DISAGREEING] == [3]
    third = unit[2].resources[0]
    assert seed.wrong_birth_date(third["birthDate"]) == at_hospital[unit[2].cid]["birthDate"]
    assert unit[2].cid in (seed.__doc__ or "")  # the docstring names the one that disagrees


def test_seeding_twice_adds_nothing_and_an_older_seed_gains_the_histories(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    assert seed.seed_demo(engine, patients=3) is True
    counts = {t: _count(engine, t) for t in ("Organization", "Patient", "Encounter", "Observation")}
    assert seed.seed_demo(engine, patients=3) is False
    assert {t: _count(engine, t) for t in counts} == counts

    older = Engine(HubStore(tmp_path / "older.sqlite"))  # seeded by a version without the histories
    older.store.put("Organization", seed.HOSPITAL, seed.organization(*seed.ORGANIZATIONS[0]))
    assert seed.seed_demo(older) is True
    assert _count(older, "Patient") == 10 and _count(older, "Organization") == 1
    assert seed.seed_demo(older) is False


def test_the_training_unit_asks_consent_for_its_own_patient_and_sees_the_hospital_record(
        secured_hub: RunningHub) -> None:
    unit = Desktop(secured_hub, TRAINING_HCODE).client()
    third = list(demo.generate(3, seed=1, hcode=TRAINING_HCODE))[2]
    by_cid = {"identifier": f"{CID_SYSTEM}|{third.cid}"}
    assert unit.get("Patient", params=by_cid).status_code == 403
    asked = unit.post("Consent", json=consent(third.cid, TRAINING_HCODE)).json()
    assert admin(secured_hub, f"/admin/consents/{asked['id']}/approve").json()["status"] == "active"
    [found] = [e["resource"] for e in unit.get("Patient", params=by_cid).json()["entry"]
               if e["resource"]["resourceType"] == "Patient"]
    assert owner_of(found) == seed.HOSPITAL
    assert found["gender"] != third.resources[0]["gender"]  # the hospital's data-entry error
    everything = unit.get(f"Patient/{found['id']}/$everything").json()
    kinds = {e["resource"]["resourceType"] for e in everything["entry"]}
    assert {"Encounter", "Condition", "Observation", "MedicationDispense"} <= kinds
    unit.close()
