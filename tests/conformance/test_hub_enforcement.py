"""The sandbox hub enforces the SIL-TH rules on write when asked (`conformance=True`; on for
`clinic-app hub serve` unless --no-conformance): a create or update that breaks a rule gets
422 with an OperationOutcome naming the rule and the element. Off, the same record is taken."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from clinic_app.hub.server import start_in_thread
from tests.conformance.records import good_encounter, good_patient

FHIR = {"Content-Type": "application/fhir+json"}


def old_shape_patient() -> dict[str, Any]:
    """A conforming patient but for its HN, which has no type (as the desktop wrote it before)."""
    patient = good_patient()
    patient.pop("id")
    patient["identifier"][1].pop("type")
    return patient


def _hub(tmp_path: Path, conformance: bool) -> Iterator[httpx.Client]:
    running = start_in_thread(tmp_path / "hub", conformance=conformance)
    try:
        with httpx.Client(base_url=running.url + "/", headers=FHIR, timeout=30) as client:
            yield client
    finally:
        running.stop()


@pytest.fixture
def strict(tmp_path: Path) -> Iterator[httpx.Client]:
    yield from _hub(tmp_path, True)


@pytest.fixture
def lenient(tmp_path: Path) -> Iterator[httpx.Client]:
    yield from _hub(tmp_path, False)


def _issue(r: httpx.Response) -> dict[str, Any]:
    body = r.json()
    assert body["resourceType"] == "OperationOutcome", body
    return body["issue"][0]


def test_a_record_that_breaks_a_rule_is_refused_naming_the_rule(strict: httpx.Client) -> None:
    r = strict.post("Patient", json=old_shape_patient())
    assert r.status_code == 422
    issue = _issue(r)
    assert issue["code"] == "invariant" and issue["severity"] == "error"
    assert "TH-ID-TYPE identifier[1].type" in issue["diagnostics"]
    assert "TH-ID-LOCAL identifier[1].type" in issue["diagnostics"]
    assert "identifier[1].type" in issue["expression"]
    assert "0000001" not in issue["diagnostics"]  # no value of the record in the answer
    assert strict.get("Patient", params={"_summary": "count"}).json()["total"] == 0

    created = strict.post("Patient", json={**old_shape_patient(), "identifier": good_patient()["identifier"]})
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    broken = {**created.json(), "name": [{"text": "นายสมชาย ใจดี"}]}  # an update loses the language
    r = strict.put(f"Patient/{rid}", json=broken)
    assert r.status_code == 422 and "TH-NAME-LANG name[0].extension" in _issue(r)["diagnostics"]


def test_a_transaction_with_one_bad_entry_is_refused_whole(strict: httpx.Client) -> None:
    patient = {k: v for k, v in good_patient().items() if k != "id"}
    encounter = {k: v for k, v in good_encounter().items() if k != "id"}
    encounter["status"] = "completed"  # R5's word
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": patient, "request": {"method": "POST", "url": "Patient"}},
        {"resource": encounter, "request": {"method": "POST", "url": "Encounter"}}]}
    r = strict.post("", json=bundle)
    assert r.status_code == 422
    issue = _issue(r)
    assert "entry 1:" in issue["diagnostics"] and "TH-ENC-R4 entry[1].resource.status" in issue["diagnostics"]
    assert issue["expression"] == ["entry[1].resource.status"]
    assert strict.get("Patient", params={"_summary": "count"}).json()["total"] == 0

    batch = {**bundle, "type": "batch"}
    entries = strict.post("", json=batch).json()["entry"]
    assert [e["response"]["status"][:3] for e in entries] == ["201", "422"]


def test_off_the_same_record_is_taken(lenient: httpx.Client) -> None:
    assert lenient.post("Patient", json=old_shape_patient()).status_code == 201
    cap = lenient.get("metadata").json()
    flags = {e["url"].rsplit("/", 1)[1]: e for e in cap["extension"]}
    assert flags["sil-th-conformance"]["valueBoolean"] is False


def test_what_the_hub_seeds_itself_is_not_checked(tmp_path: Path) -> None:
    from clinic_app.hub.seed import seed_demo

    running = start_in_thread(tmp_path / "hub", conformance=True)
    try:
        seed_demo(running.engine)  # writes through the store, as training mode does
        with httpx.Client(base_url=running.url + "/", headers=FHIR, timeout=30) as client:
            assert client.get("Patient", params={"_summary": "count"}).json()["total"] >= 200
            cap = client.get("metadata").json()
            assert {"url": "https://clinic-app.invalid/fhir/StructureDefinition/sil-th-conformance",
                    "valueBoolean": True} in cap["extension"]
    finally:
        running.stop()


def test_hub_serve_enforces_unless_told_not_to(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from clinic_app import cli
    from clinic_app.hub import admin_cli

    seen: list[bool] = []
    monkeypatch.setattr(admin_cli, "serve", lambda *a, **kw: seen.append(kw["conformance"]) or 0)
    assert cli.main(["hub", "serve", "--data-dir", str(tmp_path / "hub")]) == 0
    assert cli.main(["hub", "serve", "--no-conformance", "--data-dir", str(tmp_path / "hub")]) == 0
    assert seen == [True, False]


def test_start_in_thread_and_the_engine_default_to_off(tmp_path: Path) -> None:
    import inspect

    from clinic_app.hub import server
    from clinic_app.hub.engine import Engine

    assert inspect.signature(server.start_in_thread).parameters["conformance"].default is False
    assert inspect.signature(Engine).parameters["conformance"].default is False
    assert inspect.signature(server.serve).parameters["conformance"].default is True
