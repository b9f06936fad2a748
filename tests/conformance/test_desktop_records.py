"""Every record the desktop writes passes the SIL-TH conformance check: demo data, a
registration and a visit through the unit session on a real encrypted store, and a 43-file
import; and a hub that enforces the rules (as the training hub will) takes all of them. A
failure lists the violations grouped by rule, each rule with its source.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from clinic_app.conformance import BY_ID, Violation, check_all
from clinic_app.services.installation import Installation


EXAMPLES = 3  # per rule in the report


def report(violations: list[Violation]) -> str:
    """The violations by rule: the rule, its source, how many, and a few examples."""
    by_rule: dict[str, list[Violation]] = defaultdict(list)
    for v in violations:
        by_rule[v.rule].append(v)
    lines = [f"{len(violations)} violation(s) of {len(by_rule)} rule(s):"]
    for rule_id in sorted(by_rule):
        found, rule = by_rule[rule_id], BY_ID.get(rule_id)
        lines.append(f"\n{rule_id} ({len(found)}): {rule.statement if rule else ''}")
        if rule:
            lines.append(f"  source: {rule.source}")
        lines += [f"  {v}" for v in found[:EXAMPLES]]
        if len(found) > EXAMPLES:
            lines.append(f"  ... and {len(found) - EXAMPLES} more")
    return "\n".join(lines)


def assert_conforms(resources: Iterable[dict[str, Any]]) -> None:
    records = list(resources)
    assert records, "nothing to check"
    violations = check_all(records)
    assert violations == [], report(violations)


def _stored(unit: Any) -> list[dict[str, Any]]:
    bundle = json.loads("".join(unit.export_fhir()))
    return [entry["resource"] for entry in bundle["entry"]]


def test_demo_data_conforms() -> None:
    from clinic_app.core import demo

    assert_conforms(r for patient in demo.generate(50) for r in patient.resources)


def test_a_registration_and_a_visit_conform(installation: Installation) -> None:
    from clinic_app.core.permissions import CLERK, Actor
    from clinic_app.services.session import UnitSession

    with UnitSession(installation, actor=Actor("clerk.mali", CLERK)) as unit:
        register_and_visit(unit)
        assert_conforms(_stored(unit))


def register_and_visit(unit: Any) -> None:
    """An adult and a child registered, each with a visit (the child's with a vaccine)."""
    from clinic_app.services.patients import PatientForm, VisitForm

    adult = unit.patients.register(PatientForm(
        given_th="สมศรี", family_th="มีสุข", sex="female", birth_day=3, birth_month=2, birth_year_be=2523,
        cid="1101700207030", prefix="นาง", given_en="Somsri", family_en="Meesuk", house="12", moo="4",
        subdistrict_code="300101", phone="081-234-5678")).value
    child = unit.patients.register(PatientForm(
        given_th="ธนากร", family_th="ใจดี", sex="male", birth_day=1, birth_month=1,
        birth_year_be=dt.date.today().year + 543 - 1, prefix="ด.ช.", subdistrict_code="100101", moo="3",
        house="9/1")).value
    unit.patients.record_visit(adult["id"], VisitForm(
        complaint="ปวดศีรษะ", systolic=150, diastolic=95, weight=61.5, temperature=36.8, pulse=80,
        diagnosis="I10", drug="Amlodipine 5 mg", drug_amount=30, drug_unit="tablet", note="นัด 1 เดือน"))
    unit.patients.record_visit(child["id"], VisitForm(
        complaint="ไข้ ไอ", weight=10.5, temperature=38.2, pulse=110, diagnosis="J00",
        drug="Paracetamol syrup", drug_amount=1, drug_unit="bottle", vaccine="061"))


def test_a_43_file_import_conforms(installation: Installation, tmp_path: Path) -> None:
    from clinic_app.interop import f43
    from clinic_app.services.session import UnitSession
    from tests.interop.test_f43 import GOOD  # the sample PERSON, SERVICE, DIAGNOSIS_OPD, DRUG_OPD, EPI rows

    folder = tmp_path / "f43"
    folder.mkdir()
    for name, rows in GOOD.items():
        (folder / f"{name.lower()}.txt").write_bytes(f43.render_table(name, rows))
    with UnitSession(installation) as unit:
        report_ = unit.interop43.import_(folder)
        assert report_.by_type.get("Patient") == 2
        assert_conforms(_stored(unit))


def test_a_hub_that_enforces_the_rules_takes_everything_the_unit_sends(installation: Installation,
                                                                        tmp_path: Path) -> None:
    """What training mode will do once its hub enforces the rules (start_in_thread(...,
    conformance=True)): registrations, visits and demo patients all go through."""
    from clinic_app.core.permissions import CLERK, Actor
    from clinic_app.hub.server import start_in_thread
    from clinic_app.security.device import enrolment
    from clinic_app.services.installation import configure_hub
    from clinic_app.services.session import UnitSession

    hub = start_in_thread(tmp_path / "hub", auth=True, conformance=True)
    try:
        configure_hub(installation, hub.url, auth=True)
        with UnitSession(installation, actor=Actor("clerk.mali", CLERK)) as unit:
            hub.hub.authority.enroll(enrolment(installation.device(), str(unit.store.settings.get("hcode"))))
            register_and_visit(unit)
            unit.records.load_demo(10, seed=5)
            sent = unit.sync()
            refused = [f"{e.type}/{e.id}: {e.reason}" for e in unit.outbox_view().entries if e.state == "failed"]
            assert sent.failed == 0 and refused == [], "\n".join(refused[:20])
            assert sent.pushed > 0
    finally:
        hub.stop()
