from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clinic_app.core.errors import KnownError
from clinic_app.security.keys import KeyStore
from clinic_app.services.installation import Installation
from clinic_app.services.installation import open_or_start_training
from clinic_app.ui.main import MainWindow, apply_thai_font, load_training_demo
from clinic_app.services.session import UnitSession


@pytest.fixture
def training(tmp_path: Path, keystore: KeyStore, qapp) -> Iterator[tuple[Installation, MainWindow]]:  # type: ignore[no-untyped-def]
    apply_thai_font(qapp)
    inst, needs_demo = open_or_start_training(tmp_path / "data", keystore, None)
    assert needs_demo
    window = MainWindow(UnitSession(inst), training=True, facility="ฝึกอบรม")
    yield inst, window
    window.close()
    inst.forget_secrets()


def test_first_run_is_training_mode_with_demo_data_and_search(qtbot, training, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    inst, window = training
    qtbot.addWidget(window)
    window.show()
    finished: list[bool] = []
    load_training_demo(window, patients=40, on_finished=lambda: finished.append(True))
    qtbot.waitUntil(lambda: finished == [True], timeout=60_000)
    qtbot.waitUntil(lambda: "ผู้ป่วย 40 ราย" in window.status_label.text(), timeout=10_000)
    assert window.banner.isVisible() and "โหมดฝึกอบรม" in window.banner.text()
    assert "รอส่ง" in window.status_label.text()

    store = inst.connect()
    family = store.search_patients("0")[0]["name"][0]["family"]
    store.close()
    needle = family[1:4]
    window.search.insert(needle)  # QTest.keyClicks handles ASCII only
    qtbot.waitUntil(lambda: window.results.rowCount() > 0, timeout=10_000)
    names = [window.results.item(r, 1).text() for r in range(window.results.rowCount())]
    assert all(needle in n for n in names)
    masked = window.results.item(0, 2).text()
    assert masked.startswith("x-xxxx-") and len(masked) == 17
    window.grab().save(str(tmp_path / "main.png"))
    assert (tmp_path / "main.png").stat().st_size > 10_000


def test_a_known_error_from_the_worker_reaches_the_window(qtbot, training) -> None:  # type: ignore[no-untyped-def]
    """A use case refused on the database worker (a chart of no patient) comes back to the
    window's thread and is shown in the error box, in both languages: nothing replaced."""
    from PySide6.QtWidgets import QMessageBox

    _inst, window = training
    qtbot.addWidget(window)
    window.open_chart("no-such-patient")

    def box() -> QMessageBox | None:
        return next((b for b in window.findChildren(QMessageBox, "errorBox") if b.isVisible()), None)

    qtbot.waitUntil(lambda: box() is not None, timeout=10_000)
    assert "ไม่พบผู้ป่วย" in box().text() and "No such patient" in box().text()  # type: ignore[union-attr]


def test_the_passphrase_dialog_is_never_opened_off_the_windows_thread(qapp) -> None:  # type: ignore[no-untyped-def]
    import threading

    from PySide6.QtWidgets import QInputDialog

    from clinic_app.ui.main import gui_passphrase

    ask = gui_passphrase()
    answers: list[object] = []
    worker = threading.Thread(target=lambda: answers.append(ask(False)))
    worker.start()
    worker.join(timeout=10)
    assert answers == [None]  # a worker gets no answer rather than a dialog on the wrong thread
    assert not [w for w in qapp.topLevelWidgets() if isinstance(w, QInputDialog)]


def test_work_that_arrives_while_the_window_closes_is_let_go_quietly(qtbot, training) -> None:  # type: ignore[no-untyped-def]
    from clinic_app.services.scheduler import SyncState

    _inst, window = training
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=10_000)
    window.close()  # the database worker stops
    window._on_relay_arrived([SyncState(online=True, running=False)])  # a sync's last word, after the close
    window.refresh_status()
    assert window.worker.pending == 0  # nothing was queued on the stopped worker, and nothing raised
