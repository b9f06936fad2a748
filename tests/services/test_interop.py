"""The 43-file export over the real encrypted store: batches of patients stream to the
archive in PID order, so the files come out fully sorted without holding the rows, and
nothing temporary is left beside the archive."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from clinic_app.core import demo
from clinic_app.core.identifiers import local_system
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
