"""The administrator's drug list in the real window offscreen, on the real encrypted store:
a CSV imported through the dialog (its file dialog answered), the drugs listed; a bad CSV
lists its problems by line and imports nothing; a drug added, refused, changed, withdrawn
and brought back; a clerk is not offered it and cannot open it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from clinic_app.core.permissions import ADMIN, CLERK, Actor
from clinic_app.services.installation import Installation
from clinic_app.services.session import UnitSession
from clinic_app.ui import formulary as formulary_ui
from clinic_app.ui.formulary import DrugDialog, FormularyDialog
from clinic_app.ui.main import MainWindow, apply_thai_font
from tests.ui.test_accessibility import _unnamed

ADMINISTRATOR, CLERK_ = Actor("admin.somchai", ADMIN), Actor("clerk.mali", CLERK)
GOOD = """code,name,strength,unit,tmt,drug24,dose,dose_unit,frequency,days,group
PARA500,Paracetamol,500 mg,เม็ด,,,1,,QID,3,
AMOX500,Amoxicillin,500 mg,แคปซูล,,100100100100100100100100,1,,TID,7,penicillins
ORS,ผงเกลือแร่,,ซอง,,,1,,PRN,,
SYR,Paracetamol syrup,120 mg/5 ml,ขวด,,,5,ml,TID,3,
"""
# line 2: no name; line 3: a dose that is not a number; line 4: a new drug (fine, but not imported);
# line 5: an unknown frequency; line 6: the code of line 4 again
BAD = """code,name,dose,frequency
X1,,1,TID
PARA500,Paracetamol,abc,QID
NEW1,ยาใหม่,1,OD
NEW2,ยาใหม่สอง,1,EVERY
NEW1,ยาซ้ำ,1,OD
"""


def _window(qtbot, qapp, inst: Installation, actor: Actor) -> MainWindow:  # type: ignore[no-untyped-def]
    apply_thai_font(qapp)
    win = MainWindow(UnitSession(inst, actor=actor), training=False, facility="รพ.สต.ทดสอบ")
    qtbot.addWidget(win)
    win.show()
    return win


def _codes(dialog: FormularyDialog) -> list[str]:
    return [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]


def _stored(inst: Installation) -> list[str]:
    with UnitSession(inst) as unit:
        return [d.code for d in unit.formulary.drugs(include_withdrawn=True)]


def _open(qtbot, window: MainWindow) -> FormularyDialog:  # type: ignore[no-untyped-def]
    assert window.formulary_action.isVisible()
    window.formulary_action.trigger()
    qtbot.waitUntil(lambda: window.findChild(FormularyDialog) is not None, timeout=5_000)
    dialog: FormularyDialog = window.findChild(FormularyDialog)
    qtbot.waitUntil(lambda: dialog.refreshes == 1, timeout=10_000)
    return dialog


def test_a_csv_imported_through_the_dialog_lists_the_drugs(qtbot, qapp, installation: Installation,  # type: ignore[no-untyped-def]
                                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    window = _window(qtbot, qapp, installation, ADMINISTRATOR)
    dialog = _open(qtbot, window)
    assert dialog.table.rowCount() == 0 and dialog.count.text() == "0 รายการ"
    assert _unnamed(dialog) == []
    source = tmp_path / "ยา.csv"
    source.write_text(GOOD, encoding="utf-8")
    asked: list[str] = []

    def choose(*args: object, **_kw: object) -> tuple[str, str]:
        asked.append(str(args[1]))
        return str(source), ""

    monkeypatch.setattr(formulary_ui.QFileDialog, "getOpenFileName", choose)
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.refreshes == 2, timeout=10_000)
    assert asked == ["เลือกไฟล์รายการยา (CSV)"]
    assert _codes(dialog) == ["AMOX500", "ORS", "PARA500", "SYR"]
    assert "เพิ่ม 4 รายการ" in dialog.message.text() and not dialog.problems.isVisible()
    row = {dialog.table.horizontalHeaderItem(c).text(): dialog.table.item(2, c).text()
           for c in range(dialog.table.columnCount())}
    assert row["ชื่อยา"] == "Paracetamol" and row["ความแรง"] == "500 mg" and row["หน่วยจ่าย"] == "เม็ด"
    assert row["ขนาดต่อครั้ง"] == "1 เม็ด" and row["ความถี่"].startswith("QID · วันละ 4 ครั้ง")
    assert row["จำนวนวัน"] == "3" and row["สถานะ"] == "ใช้อยู่"
    syrup = {dialog.table.horizontalHeaderItem(c).text(): dialog.table.item(3, c).text()
             for c in range(dialog.table.columnCount())}
    assert syrup["ขนาดต่อครั้ง"] == "5 ml"  # a dose counted in its own unit
    amox = {dialog.table.horizontalHeaderItem(c).text(): dialog.table.item(0, c).text()
            for c in range(dialog.table.columnCount())}
    assert amox["รหัสยา 24 หลัก"] == "100100100100100100100100" and amox["กลุ่มยา"] == "penicillins"
    assert _stored(installation) == ["AMOX500", "ORS", "PARA500", "SYR"]
    # the same file again changes nothing
    dialog.import_file(source)
    qtbot.waitUntil(lambda: dialog.refreshes == 3, timeout=10_000)
    assert "ไม่เปลี่ยน 4 รายการ" in dialog.message.text()
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=10_000)


def test_a_bad_csv_shows_its_problems_by_line_and_imports_nothing(qtbot, qapp, installation: Installation,  # type: ignore[no-untyped-def]
                                                                  tmp_path: Path) -> None:
    window = _window(qtbot, qapp, installation, ADMINISTRATOR)
    dialog = _open(qtbot, window)
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(BAD, encoding="utf-8")
    dialog.import_file(good)
    qtbot.waitUntil(lambda: dialog.refreshes == 2, timeout=10_000)
    dialog.import_file(bad)
    qtbot.waitUntil(lambda: dialog.problems.count() > 0, timeout=10_000)
    shown = [dialog.problems.item(i).text() for i in range(dialog.problems.count())]
    assert shown == ["บรรทัดที่ 2 · ชื่อยา: ต้องมีชื่อยา",
                     "บรรทัดที่ 3 · ขนาดต่อครั้ง: ต้องเป็นตัวเลขมากกว่า 0 หรือเว้นว่าง",
                     "บรรทัดที่ 5 · ความถี่: ต้องเป็นรหัสใดรหัสหนึ่ง: OD, BID, TID, QID, HS, PRN, STAT",
                     "บรรทัดที่ 6 · รหัสยา: รหัส NEW1 ซ้ำกับบรรทัดที่ 4"]
    assert dialog.problems.isVisible() and "ไม่ได้นำเข้าเลย" in dialog.problems_label.text()
    assert dialog.import_button.isEnabled()
    assert _codes(dialog) == ["AMOX500", "ORS", "PARA500", "SYR"]
    assert _stored(installation) == ["AMOX500", "ORS", "PARA500", "SYR"]  # not NEW1, not a changed PARA500
    # a good file afterwards clears the problems
    dialog.import_file(good)
    qtbot.waitUntil(lambda: dialog.problems.count() == 0 and dialog.refreshes == 3, timeout=10_000)
    assert not dialog.problems.isVisible()
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=10_000)


def test_one_drug_added_refused_changed_withdrawn_and_brought_back(qtbot, qapp, installation: Installation,  # type: ignore[no-untyped-def]
                                                                   tmp_path: Path) -> None:
    window = _window(qtbot, qapp, installation, ADMINISTRATOR)
    dialog = _open(qtbot, window)
    editor = dialog.open_editor(None)
    assert isinstance(editor, DrugDialog) and not editor.fields["code"].isReadOnly()
    assert _unnamed(editor) == []
    editor.fields["code"].setText("CPM4")
    editor.fields["name"].setText("Chlorpheniramine")
    editor.fields["dose"].setText("ครึ่ง")
    editor.buttons.button(editor.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: editor.problems.isVisible(), timeout=10_000)
    assert "ขนาดต่อครั้ง: ต้องเป็นตัวเลข" in editor.problems.text() and editor.isVisible()
    assert _stored(installation) == []
    editor.fields["dose"].setText("1")
    editor.fields["unit"].setText("เม็ด")
    editor.frequency.setCurrentIndex(editor.frequency.findData("TID"))
    editor.buttons.button(editor.buttons.StandardButton.Save).click()
    qtbot.waitUntil(lambda: not editor.isVisible() and dialog.refreshes == 2, timeout=10_000)
    assert _codes(dialog) == ["CPM4"]
    assert dialog.table.item(0, 5).text().startswith("TID")
    # change it: the code stays
    dialog.table.selectRow(0)
    again = dialog.open_editor(dialog.chosen())
    assert again.fields["code"].isReadOnly() and again.fields["name"].text() == "Chlorpheniramine"
    again.fields["strength"].setText("4 mg")
    again.accept()
    qtbot.waitUntil(lambda: not again.isVisible() and dialog.refreshes == 3, timeout=10_000)
    assert dialog.table.item(0, 2).text() == "4 mg"
    # withdraw it, after a confirmation
    dialog.table.selectRow(0)
    box = dialog._on_withdraw_button_clicked()
    assert isinstance(box, QMessageBox) and "CPM4" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: dialog.refreshes == 4, timeout=10_000)
    assert _codes(dialog) == []  # no longer offered
    with UnitSession(installation) as unit:
        assert [(d.code, d.active) for d in unit.formulary.drugs(include_withdrawn=True)] == [("CPM4", False)]
    dialog.show_withdrawn.setChecked(True)
    qtbot.waitUntil(lambda: dialog.refreshes == 5, timeout=10_000)
    assert _codes(dialog) == ["CPM4"] and dialog.table.item(0, 8).text() == "ถอนออกแล้ว"
    dialog.table.selectRow(0)
    assert dialog.withdraw_button.text() == "นำกลับมาใช้"
    dialog.withdraw_button.click()
    qtbot.waitUntil(lambda: dialog.refreshes == 6, timeout=10_000)
    assert dialog.table.item(0, 8).text() == "ใช้อยู่"
    with UnitSession(installation) as unit:
        assert [d.code for d in unit.formulary.drugs()] == ["CPM4"]
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=10_000)


def test_a_clerk_cannot_open_the_drug_list(qtbot, qapp, installation: Installation) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, qapp, installation, CLERK_)
    assert not window.formulary_action.isVisible()
    assert window.open_formulary() is None
    boxes = [b for b in window.findChildren(QMessageBox, "errorBox") if b.isVisible()]
    assert boxes and "ผู้ดูแลระบบ" in boxes[0].text()  # says who may
    assert window.findChild(FormularyDialog) is None
    window.change_actor(ADMINISTRATOR)
    assert window.formulary_action.isVisible()
    window.change_actor(CLERK_)
    assert not window.formulary_action.isVisible()
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=10_000)
