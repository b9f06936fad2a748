"""An older folder opened in the window: its records are rewritten in the SIL-TH shapes on the
database worker with a progress dialog, before the syncs start; cancelled, nothing is kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic_app.core.permissions import CLINICIAN, Actor
from clinic_app.security.keys import KeyStore
from clinic_app.services import reshape as step
from clinic_app.services.session import UnitSession
from clinic_app.ui.main import MainWindow, upgrade_records
from tests.conftest import back_to_data_version_10
from tests.services.test_reshape import _old_folder


def _shape(inst) -> int:  # type: ignore[no-untyped-def]
    store = inst.connect()
    try:
        return int(store.settings.get("record_shape"))
    finally:
        store.close()


def _upgraded_window(qtbot, inst) -> MainWindow:  # type: ignore[no-untyped-def]
    """The window on the folder, its upgrade step run to the end (done or cancelled)."""
    window = MainWindow(UnitSession(inst, actor=Actor("nurse", CLINICIAN), upgrade_on_open=False),
                        training=False, facility="รพ.สต.")
    qtbot.addWidget(window)
    window.show()
    finished: list[bool] = []
    upgrade_records(window, on_finished=lambda: finished.append(True))
    qtbot.waitUntil(lambda: finished == [True], timeout=20_000)
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=20_000)
    return window


@pytest.mark.parametrize("cancel", [False, True])
def test_the_window_rewrites_an_older_folder_with_progress(qtbot, tmp_path: Path, keystore: KeyStore,  # type: ignore[no-untyped-def]
                                                           monkeypatch: pytest.MonkeyPatch, cancel: bool) -> None:
    inst = _old_folder(tmp_path, keystore)
    monkeypatch.setattr(step, "BATCH", 10)  # progress often enough to show on a small folder
    seen: list[tuple[int, int]] = []
    real = step.reshape_folder

    def watched(store, *, progress=None):  # type: ignore[no-untyped-def]
        def report(done: int, total: int) -> bool:
            seen.append((done, total))
            return False if cancel else (progress(done, total) if progress else True)
        return real(store, progress=report)

    monkeypatch.setattr("clinic_app.services.session.reshape_folder", watched)
    try:
        window = _upgraded_window(qtbot, inst)  # the syncs may start now
        assert seen and all(0 < done <= total for done, total in seen)
        assert _shape(inst) == (1 if cancel else 2)  # cancelled: nothing kept, the next start does it
        window.close()
    finally:
        inst.forget_secrets()
        inst.close()


def test_the_window_makes_the_patient_summary_of_a_folder_from_before_it(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                           keystore: KeyStore) -> None:
    """A folder of data version 10 (no patient summary): the same progress step makes it, so
    the follow-up lists open at once after."""
    inst = _old_folder(tmp_path, keystore)
    store = inst.connect()
    try:
        patients = store.db.one("SELECT count(*) FROM resources WHERE type = 'Patient' AND deleted = 0")[0]
        back_to_data_version_10(store.conn)
    finally:
        store.close()
    store = inst.connect()
    try:
        assert store.worklists.summaries_pending()  # migration 11 ran at open; its rows are to make
    finally:
        store.close()
    try:
        window = _upgraded_window(qtbot, inst)
        store = inst.connect()
        try:
            assert not store.worklists.summaries_pending()
            assert store.db.one("SELECT count(*) FROM patient_summary WHERE in_care = 1")[0] == patients > 0
        finally:
            store.close()
        window.close()
    finally:
        inst.forget_secrets()
        inst.close()
