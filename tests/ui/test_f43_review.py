"""The 43 files' review list in the real window, offscreen (issue 15): the import dialog's
"import what is valid" choice, the File menu's list of refused rows (file, line, reason in
Thai), a row fixed in its fields' table and imported again (its dependent row along), a
fix that is still wrong kept with its reason now, a row taken off the list, the list
written out; drawn at 1366x768 in Thai (resources/screens/f43-review.png)."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from clinic_app.core.permissions import CLERK, Actor
from clinic_app.services.installation import Installation
from clinic_app.services.session import UnitSession
from clinic_app.ui.f43_review import MARKED, F43ReviewDialog, Import43Dialog
from clinic_app.ui.main import MainWindow, apply_thai_font
from tests.services.test_f43_partial import REFUSED, write_files
from tests.ui.test_accessibility import _unnamed
from tests.ui.thai_font import thai_font_problems

CLERK_ACTOR = Actor("clerk", CLERK)


def _counts(installation: Installation) -> Counter[str]:
    store = installation.connect()
    try:
        return Counter(r["resourceType"] for r in store.iter_resources() if r["resourceType"] != "Observation")
    finally:
        store.close()


def _row(dialog: F43ReviewDialog, layout: str, line: int) -> int:
    return next(n for n, r in enumerate(dialog.rows) if (r.layout, r.line) == (layout, line))


def test_fix_a_refused_row_in_the_window_and_import_it(qtbot, qapp, installation: Installation,  # type: ignore[no-untyped-def]
                                                       tmp_path: Path) -> None:
    apply_thai_font(qapp)
    window = MainWindow(UnitSession(installation, actor=CLERK_ACTOR), training=False, facility="รพ.สต.ทดสอบ")
    qtbot.addWidget(window)
    window.show()
    source = write_files(tmp_path / "f43")

    # File > import: the choice to import what is valid
    chooser = window._on_import43_triggered()
    assert isinstance(chooser, Import43Dialog) and _unnamed(chooser) == []
    ok = chooser.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()  # nothing chosen yet
    chooser.source.setText(str(source))
    chooser.partial.setChecked(True)
    ok.click()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "reportBox") is not None, timeout=20_000)
    report = window.findChild(QMessageBox, "reportBox").text()
    assert "นำเข้าไม่ได้ 11 แถว" in report and "แถวที่นำเข้าไม่ได้ (43 แฟ้ม)" in report
    assert _counts(installation)["Patient"] == 3

    # File > the refused rows: file, line and the reason in Thai
    assert window.f43_review_action.text() == "แถวที่นำเข้าไม่ได้ (43 แฟ้ม)…"
    window.f43_review_action.trigger()
    qtbot.waitUntil(lambda: window.findChild(F43ReviewDialog) is not None, timeout=5_000)
    dialog: F43ReviewDialog = window.findChild(F43ReviewDialog)
    qtbot.waitUntil(lambda: dialog.refreshes == 1, timeout=10_000)
    table = dialog.table
    assert table.rowCount() == len(REFUSED)
    listed = {(table.item(n, 0).text(), table.item(n, 1).text()): table.item(n, 2).text() for n in range(len(REFUSED))}
    assert listed[("person.txt", "4")].startswith("BIRTH ว่าง")
    assert listed[("epi.txt", "3")] == "บุคคลในแฟ้ม PERSON บรรทัดที่ 4 นำเข้าไม่ได้"
    assert _unnamed(dialog) == []

    # the person without a birth date: BIRTH is marked, typed in, imported again
    table.selectRow(_row(dialog, "PERSON", 4))
    fields = {dialog.fields.item(n, 0).text(): dialog.fields.item(n, 1) for n in range(dialog.fields.rowCount())}
    assert fields["BIRTH"].text() == "" and fields["BIRTH"].background().color() == MARKED
    assert fields["NAME"].background().color() != MARKED and fields["NAME"].text() == "สมศักดิ์"
    assert "บรรทัดที่ 4" in dialog.where.text()

    # drawn at 1366x768 in Thai, the row shown with its field marked
    window.resize(1366, 768)
    dialog.resize(1366, 768)
    qapp.processEvents()
    shot = Path(os.environ.get("CLINIC_SCREENS_DIR") or tmp_path) / "f43-review.png"
    assert dialog.grab().save(str(shot)) and shot.stat().st_size > 20_000
    assert thai_font_problems(QApplication.font()) == []

    dialog.set_value("BIRTH", "25230415")  # a Buddhist-era date, as old systems write them
    assert dialog.edits() == {"BIRTH": "25230415"}
    dialog.import_again.click()
    qtbot.waitUntil(lambda: dialog.refreshes == 2, timeout=10_000)
    assert "นำเข้าแล้ว 2 แถว" in dialog.message.text()  # the person, and the dose refused with them
    assert table.rowCount() == len(REFUSED) - 2
    assert not any(r.layout == "PERSON" and r.line == 4 for r in dialog.rows)
    counts = _counts(installation)
    assert counts["Patient"] == 4 and counts["Immunization"] == 2

    # a fix that is still wrong: kept, fixed, with the reason now
    table.selectRow(_row(dialog, "SERVICE", 5))
    dialog.set_value("TIME_SERV", "2599")
    dialog.import_again.click()
    qtbot.waitUntil(lambda: dialog.refreshes == 3, timeout=10_000)
    assert "ยังนำเข้าไม่ได้" in dialog.message.text() and "TIME_SERV" in dialog.message.text()
    assert dialog.selected() is not None and (dialog.selected().layout, dialog.selected().line) == ("SERVICE", 5)
    assert dialog.selected().edited and dialog.selected().value("TIME_SERV") == "2599"
    assert "(แก้ไขแล้ว)" in dialog.where.text()
    # right this time: the visit joins its person imported before, its diagnosis follows
    dialog.set_value("TIME_SERV", "101500")
    dialog.import_again.click()
    qtbot.waitUntil(lambda: dialog.refreshes == 4, timeout=10_000)
    assert "นำเข้าแล้ว 2 แถว" in dialog.message.text()
    assert _counts(installation)["Encounter"] == 4 and table.rowCount() == len(REFUSED) - 4

    # one taken off the list, after a confirmation; the rest written out
    table.selectRow(_row(dialog, "DRUG_OPD", 3))
    box = dialog._on_discard_button_clicked()
    assert box is not None and "drug_opd.txt" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: dialog.refreshes == 5, timeout=10_000)
    assert table.rowCount() == len(REFUSED) - 5 and "นำออกจากรายการแล้ว 1 แถว" in dialog.message.text()
    dialog.write_rejects(tmp_path / "rejects.zip")
    qtbot.waitUntil(lambda: dialog.findChild(QMessageBox, "rejectsWritten") is not None, timeout=10_000)
    assert (tmp_path / "rejects.zip").exists()
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=10_000)
