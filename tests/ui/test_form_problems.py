"""A form's problems beside its fields in the window's language: a Thai clerk reads Thai,
an English window English (the error's own two messages stay above them)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QMessageBox

from clinic_app.core.permissions import CLINICIAN, DEVICE, Actor
from clinic_app.services.installation import Installation
from clinic_app.services.records import RecordService
from clinic_app.services.session import UnitSession
from clinic_app.ui import i18n
from clinic_app.ui.visit_form import VisitDialog
from clinic_app.ui.main import MainWindow


@pytest.fixture
def window(qtbot, qapp, unit: Installation) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    """The window over one demo patient, in the language the test installs first."""
    installed = []

    def make(lang: str) -> MainWindow:
        if lang != "th":
            translator = i18n.install_language(qapp, lang)
            assert translator is not None
            installed.append(translator)
        win = MainWindow(UnitSession(unit, actor=Actor("nurse", CLINICIAN)), training=False, facility="x")
        qtbot.addWidget(win)
        win.show()
        return win

    yield make  # type: ignore[misc]
    for translator in installed:
        qapp.removeTranslator(translator)
    qapp.setProperty("clinicLanguage", "th")


def _refused_visit(qtbot, win: MainWindow) -> VisitDialog:  # type: ignore[no-untyped-def]
    store = win.unit.inst.connect()
    RecordService(store, actor=DEVICE).load_demo(1, seed=6)
    patient_id = store.search_patients("0")[0]["id"]
    store.close()
    chart = win.open_chart(patient_id)
    qtbot.waitUntil(lambda: chart.refreshes == 1, timeout=10_000)
    dialog: VisitDialog = chart._on_record_clicked()
    dialog.complaint.setText("ไข้")
    dialog.sbp.setValue(120)  # the lower number left out
    dialog.diagnosis.setText("ZZZ not a code")  # left in the search box: sent as typed, refused by the service
    dialog.accept()
    qtbot.waitUntil(lambda: dialog.problems.isVisible(), timeout=10_000)
    return dialog


def test_the_thai_window_says_a_visit_forms_problems_in_thai(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    dialog = _refused_visit(qtbot, window("th"))
    assert dialog.diagnosis.toolTip() == "ZZZ: โปรดเลือกรหัสจากรายการ"
    assert dialog.sbp.toolTip() == "โปรดกรอกความดันให้ครบทั้งสองค่า"
    text = dialog.problems.text()
    assert "• การวินิจฉัย: ZZZ: โปรดเลือกรหัสจากรายการ" in text
    assert "• ความดันโลหิต: โปรดกรอกความดันให้ครบทั้งสองค่า" in text
    assert "choose a code" not in text and "enter both numbers" not in text


def test_the_english_window_says_them_in_english(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    dialog = _refused_visit(qtbot, window("en"))
    assert dialog.diagnosis.toolTip() == "ZZZ: choose a code from the list"
    assert "choose a code from the list" in dialog.problems.text()
    assert "โปรดเลือกรหัสจากรายการ" not in dialog.problems.text()


def test_the_register_forms_error_box_in_thai(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    win = window("th")
    page = win.register
    page.given_th.setText("สมศรี")
    page.family_th.setText("มีสุข")
    page.phone.setText("โทรหาฉัน")
    page.save.click()

    def box() -> QMessageBox | None:
        return next((b for b in win.findChildren(QMessageBox, "errorBox") if b.isVisible()), None)

    qtbot.waitUntil(lambda: box() is not None, timeout=10_000)
    assert "• โทรศัพท์: ใส่ได้เฉพาะตัวเลข" in box().text()  # type: ignore[union-attr]
    assert "digits only" not in box().text()  # type: ignore[union-attr]
    box().close()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: win.worker.pending == 0, timeout=10_000)
