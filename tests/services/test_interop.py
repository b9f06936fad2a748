"""The 43-file export over the real encrypted store: batches of patients stream to the
archive in PID order, so the files come out fully sorted without holding the rows, and
nothing temporary is left beside the archive; a data folder's records in the shapes the app
wrote before (data version 1) export and meet their 43 files again as the new ones do."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from clinic_app.core import builders as build
from clinic_app.core import demo
from clinic_app.core.fhir import Resource
from clinic_app.core.identifiers import (
    DIAGTYPE_SYSTEM,
    CID_SYSTEM,
    LOCAL_DRUG_SYSTEM,
    PERSON_STATUS_EXTENSION,
    PERSON_STATUS_SYSTEM,
    local_system,
)
from clinic_app.core.permissions import DEVICE
from clinic_app.interop import f43
from clinic_app.interop.f43_export import SORT_FIELDS
from clinic_app.services import interop
from clinic_app.services.installation import Installation
from clinic_app.services.records import RecordService


def installation_hcode(store) -> str:  # type: ignore[no-untyped-def]
    return RecordService(store, actor=DEVICE).hcode


def test_batches_stream_into_fully_sorted_files(installation: Installation, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    store = installation.connect()
    try:
        # PIDs given in the reverse of the order the patients are stored in
        people = list(demo.generate(30, seed=5, hcode=installation_hcode(store)))
        resources = []
        for n, person in enumerate(people):
            person.resources[0]["identifier"].append({"system": local_system(installation_hcode(store), "PID"),
                                                      "value": f"{30 - n:05d}"})
            resources += person.resources
        RecordService(store, actor=DEVICE).save_resources(resources, action="test")
        monkeypatch.setattr(interop, "BATCH", 4)  # many batches
        seen: list[tuple[int, int]] = []
        report = interop.Interop43(store, actor=DEVICE).export(
            out, progress=lambda done, total: seen.append((done, total)) is None)
    finally:
        store.close()
    assert report.rows["PERSON"] == 30 and seen[0] == (0, 30) and len(seen) == 8
    assert [p.name for p in out.iterdir()] == [report.path.name]  # no temporary folder, no .partial
    with zipfile.ZipFile(report.path) as archive:
        for name, fields in SORT_FIELDS.items():
            problems: list = []
            table = f43.read_table(name, archive.read(f"{name.lower()}.txt"), problems)
            assert problems == [] and table.header and len(table.rows) == report.rows[name]
            keys = [tuple(row[f] for f in fields) for row in table.rows]
            assert keys == sorted(keys), name


def test_a_cancelled_export_leaves_nothing(installation: Installation, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    store = installation.connect()
    try:
        RecordService(store, actor=DEVICE).load_demo(3, seed=5)
        with pytest.raises(interop.ExportCancelled):
            interop.Interop43(store, actor=DEVICE).export(out, progress=lambda done, total: False)
    finally:
        store.close()
    assert list(out.iterdir()) == []


def _files_with(folder: Path, needle: bytes) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_an_export_puts_nothing_in_clear_on_disk_but_the_archive(installation: Installation, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from clinic_app.services.session import UnitSession

    out = tmp_path / "out"
    out.mkdir()
    unit = UnitSession(installation)
    unit.records.load_demo(12, seed=9)
    cid = next(i["value"] for p in unit.store.iter_resources(resource_type="Patient") for i in p["identifier"]
               if i["system"].endswith("th-cid")).encode()
    seen: list[list[Path]] = []

    def progress(done: int, total: int) -> bool:  # between batches, with rows already written
        seen.append(_files_with(tmp_path, cid) + _files_with(installation.folder.path, cid))
        return True

    monkeypatch.setattr(interop, "BATCH", 4)
    report = unit.interop43.export(out, progress=progress)
    assert len(seen) == 3 and seen == [[], [], []]  # no staging in clear, beside the target or anywhere
    assert [p.name for p in out.iterdir()] == [report.path.name]
    # A disk that fills while the archive is written: nothing of it stays.
    real_open = zipfile.ZipFile.open

    def full_disk(self, name, mode="r", **kw):  # type: ignore[no-untyped-def]
        if mode == "w" and name == "service.txt":
            raise OSError(28, "No space left on device")
        return real_open(self, name, mode, **kw)

    monkeypatch.setattr(zipfile.ZipFile, "open", full_disk)
    full = tmp_path / "full"
    full.mkdir()
    with pytest.raises(Exception) as refused:
        unit.interop43.export(full)
    assert "43" in str(refused.value.english if hasattr(refused.value, "english") else refused.value)
    assert list(full.iterdir()) == [] and unit.store.settings.get("export_partial") == ""
    unit.close()


def test_a_half_written_archive_a_crash_left_goes_at_the_next_start(installation: Installation,
                                                                   tmp_path: Path) -> None:
    from clinic_app.services.session import UnitSession

    partial = tmp_path / "F43_12345_20261130.zip.partial"
    partial.write_bytes(b"PK... 1101700207030|somchai")  # what a killed export leaves
    with UnitSession(installation) as unit:
        with unit.store.transaction():
            unit.store.settings.set("export_partial", str(partial))
    with UnitSession(installation) as unit:  # the next start
        unit.status()
        assert not partial.exists() and unit.store.settings.get("export_partial") == ""


CID = "1101700207030"
VISIT_ID = "5b0e8f0c-7d1e-4f7a-9c55-0a6c1b2d3e4f"


def _records(hcode: str, *, old: bool) -> list[Resource]:
    """One person, one visit with a diagnosis, a drug and a dose, as the app writes them now
    or (`old`) as it wrote them before: the visit's `/SEQ` identifier, the `.../DRUG` system,
    the `cs-th-vaccine-code` system, an Organization as performer, TYPEAREA and DIAGTYPE under
    urn:clinic-app:f43:, untyped identifiers, no name languages."""
    subject, visit = {"reference": "Patient/p1"}, {"reference": f"Encounter/{VISIT_ID}"}
    at = {"subject": subject, "encounter": visit, "when": "2025-03-04T10:00:00+07:00"}
    if old:
        patient: Resource = {
            "resourceType": "Patient", "id": "p1",
            "extension": [{"url": "urn:clinic-app:f43:TYPEAREA", "valueCode": "3"}],
            "identifier": [{"system": CID_SYSTEM, "value": CID},
                           {"system": local_system(hcode, "HN"), "value": "0000042"}],
            "active": True, "name": [{"use": "official", "text": "นางสาวมาลี ศรีสุข", "given": ["มาลี"],
                                      "family": "ศรีสุข", "prefix": ["นางสาว"]}],
            "gender": "female", "birthDate": "1992-01-02",
            "managingOrganization": {"reference": f"Organization/{hcode}"}}
        encounter: Resource = {
            "resourceType": "Encounter", "id": VISIT_ID,
            "identifier": [{"system": local_system(hcode, "SEQ"), "value": "V0001"}], "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "subject": subject, "period": {"start": at["when"], "end": at["when"]},
            "serviceProvider": {"reference": f"Organization/{hcode}"}}
        condition = {**build.condition("J00", id="c1", **at),
                     "extension": [{"url": "urn:clinic-app:f43:DIAGTYPE", "valueCode": "2"}]}
        drug = {"coding": [{"system": local_system(hcode, "DRUG"), "code": "PARA5"}], "text": "Paracetamol 500 mg"}
        dose: Resource = {
            "resourceType": "Immunization", "id": "i1", "status": "completed", "patient": subject, "encounter": visit,
            "vaccineCode": {"coding": [{"system": "https://terms.sil-th.org/CodeSystem/cs-th-vaccine-code",
                                        "code": "815"}]},
            "occurrenceDateTime": at["when"], "primarySource": True,
            "performer": [{"actor": {"reference": f"Organization/{hcode}"}}]}
    else:
        patient = build.patient(
            id="p1", identifiers=[build.cid_identifier(CID), build.local_identifier(hcode, "HN", "0000042")],
            names=[build.human_name("มาลี", "ศรีสุข", prefix="นางสาว", prefix_code=("004", "น.ส."))], gender="female",
            birth_date="1992-01-02", hcode=hcode,
            extension=[{"url": PERSON_STATUS_EXTENSION,
                        "valueCodeableConcept": {"coding": [{"system": PERSON_STATUS_SYSTEM, "code": "3"}]}}])
        encounter = build.encounter(id=VISIT_ID, subject=subject, when=at["when"], hcode=hcode, vn="V0001")
        condition = build.condition("J00", id="c1", **at)
        condition["category"][0]["coding"].append({"system": DIAGTYPE_SYSTEM, "code": "2"})
        drug = build.medication("Paracetamol 500 mg", local="PARA5")
        assert drug["coding"][0]["system"] == LOCAL_DRUG_SYSTEM
        dose = build.immunization("815", id="i1", patient=subject, encounter=visit, when=at["when"])
    dispense = build.medication_dispense(drug, id="d1", subject=subject, encounter=visit, when=at["when"], amount=10,
                                         unit="tablet")
    return [patient, encounter, condition, dispense, dose]


@pytest.mark.parametrize("old", [False, True], ids=["new shapes", "old shapes"])
def test_a_folders_records_in_either_shape_export_and_meet_their_files_again(installation: Installation,
                                                                             tmp_path: Path, old: bool) -> None:
    store = installation.connect()
    try:
        hcode = installation_hcode(store)
        RecordService(store, actor=DEVICE).save_resources(_records(hcode, old=old), action="test")
        counts = {kind: len(list(store.iter_resources(resource_type=kind)))
                  for kind in ("Patient", "Encounter", "Condition", "MedicationDispense", "Immunization")}
        service = interop.Interop43(store, actor=DEVICE)
        report = service.export(tmp_path / "f43.zip")
        with zipfile.ZipFile(report.path) as archive:
            rows = {name: f43.read_table(name, archive.read(f"{name.lower()}.txt"), []).rows
                    for name in ("PERSON", "SERVICE", "DIAGNOSIS_OPD", "DRUG_OPD", "EPI")}
        assert [(r["CID"], r["PID"], r["PRENAME"], r["TYPEAREA"]) for r in rows["PERSON"]] == [
            (CID, "0000042", "004", "3")]
        assert [(r["SEQ"], r["DATE_SERV"]) for r in rows["SERVICE"]] == [("V0001", "20250304")]
        assert [(r["SEQ"], r["DIAGTYPE"], r["DIAGCODE"]) for r in rows["DIAGNOSIS_OPD"]] == [("V0001", "2", "J00")]
        assert [(r["SEQ"], r["DIDSTD"]) for r in rows["DRUG_OPD"]] == [("V0001", "")]  # only a 24-digit code
        assert [(r["SEQ"], r["VACCINETYPE"], r["VACCINEPLACE"]) for r in rows["EPI"]] == [("V0001", "815", hcode)]
        # the same files back: the person met by citizen ID, the visit by its number, the dose by day
        imported = service.import_(report.path)
        assert imported.stored == 0 and "everything in the files was already here" in imported.notes
        assert "1 visits were already here (same SEQ): left out with their records" in imported.notes
        assert {kind: len(list(store.iter_resources(resource_type=kind))) for kind in counts} == counts
    finally:
        store.close()
