"""Today's list and the complete visit form, driven through the real window offscreen on the
real encrypted store (and the real hub where two desktops share the day): the front desk
puts a found patient on the list, the nurse opens the visit from it and records it whole,
the allergy stop asks for a reason, the form fits a 1366x768 screen and works by keyboard."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from clinic_app.core.errors import KnownError
from clinic_app.core.permissions import ADMIN, CLERK, CLINICIAN, Actor
from clinic_app.hub.server import RunningHub
from clinic_app.services.installation import Installation, configure_hub
from clinic_app.services.patients import PatientForm
from clinic_app.services.session import UnitSession
from clinic_app.services.sync import scheduler_for
from clinic_app.services.visits import VisitForm
from clinic_app.ui.chart import ChartPage
from clinic_app.ui.main import MainWindow, apply_thai_font
from clinic_app.ui.today import TodayPage, state_words
from clinic_app.ui.visit_form import AllergyReasonDialog, DiagnosisRow, DrugRow, VisitDialog
from tests.sync.conftest import Factory, desktop, hub, sync  # noqa: F401 - fixtures: a real hub, desktops of one unit
from tests.ui.test_workflows import _idle, type_text

FORMULARY = """code,name,strength,unit,dose,frequency,days,group
PARA500,Paracetamol,500 mg,เม็ด,1,QID,3,
AMOX500,Amoxicillin,500 mg,แคปซูล,1,TID,7,penicillins
CPM4,Chlorpheniramine,4 mg,เม็ด,1,TID,5,antihistamines
"""
ADMIN_ = Actor("admin.somchai", ADMIN)
CLERK_ = Actor("clerk.mali", CLERK)
NURSE = Actor("nurse.ploy", CLINICIAN)
PATIENT = PatientForm(given_th="สมศรี", family_th="มีสุขสันต์", sex="female", birth_day=3, birth_month=2,
                      birth_year_be=2523, cid="1101700207030")


def _prepare(inst: Installation) -> str:
    """The unit's drug list (an administrator imports it) and one registered patient."""
    with UnitSession(inst, actor=ADMIN_) as unit:
        unit.formulary.import_csv(FORMULARY)
        unit.act_as(CLERK_)
        return unit.patients.register(PATIENT).value["id"]


def _window(qtbot, inst: Installation, actor: Actor) -> MainWindow:  # type: ignore[no-untyped-def]
    apply_thai_font(QApplication.instance())
    win = MainWindow(UnitSession(inst, actor=actor), training=False, facility="รพ.สต.")
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=5_000)
    return win


def _states(page: TodayPage) -> list[tuple[str, str]]:
    return [(page.table.item(r, 2).text(), page.table.item(r, 3).text()) for r in range(page.table.rowCount())]


def _active(qtbot, widget: QWidget) -> None:  # type: ignore[no-untyped-def]
    widget.activateWindow()  # as the desktop's window manager does with a new dialog (offscreen has none)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget, timeout=5_000)


def _form(qtbot, page: TodayPage) -> VisitDialog:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: getattr(page, "form", None) is not None and page.form.isVisible(), timeout=10_000)
    dialog: VisitDialog = page.form
    qtbot.waitUntil(lambda: bool(dialog.drugs), timeout=10_000)  # the unit's drug list arrived
    _active(qtbot, dialog)
    return dialog


def _pick(qtbot, box: Any, typed: str) -> None:  # type: ignore[no-untyped-def]
    """Type into a list's search box and press Enter, as a nurse does."""
    box.setFocus()
    QTest.keyClicks(box, typed)
    QTest.keyClick(box, Qt.Key.Key_Return)


def test_a_day_from_the_front_desk_to_done_offline_and_on_a_second_desktop(  # type: ignore[no-untyped-def]
        qtbot, qapp, hub: RunningHub, desktop: Factory) -> None:
    """Done when: a clerk puts a found patient on today's list (the find page), a nurse opens
    it from the list and records two diagnoses, two drugs of the drug list and an
    appointment, saved with the hub out of reach; the list says done; the unit's second
    desktop shows the same list once both have synced."""
    front, exam = desktop(hub, "front"), desktop(hub, "exam")
    pid = _prepare(front)
    configure_hub(front, "http://127.0.0.1:9/fhir", auth=True)  # the link is down all morning
    win = _window(qtbot, front, CLERK_)
    assert win.tabs.currentWidget() is win.today and win.tabs.tabText(0) == "วันนี้"  # the desk's home
    _idle(qtbot, win)
    assert win.today.table.rowCount() == 0
    # the clerk finds her and puts her on the list from the find page (Ctrl+T)
    win.tabs.setCurrentWidget(win.find)
    type_text(win.search, "มีสุขสันต์")
    qtbot.waitUntil(lambda: win.results.rowCount() == 1 and win.find.check_in.isEnabled(), timeout=10_000)
    QTest.keyClick(win.search, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "เข้ารายการวันนี้แล้ว" in win.statusBar().currentMessage(), timeout=10_000)
    assert "สมศรี" in win.statusBar().currentMessage()
    assert win.tabs.currentWidget() is win.find and win.search.selectedText() == "มีสุขสันต์"  # ready for the next
    win.tabs.setCurrentWidget(win.today)
    qtbot.waitUntil(lambda: _states(win.today) == [("สมศรี มีสุขสันต์", "รอตรวจ")], timeout=10_000)
    assert win.today.cancel_button.isEnabled()

    # the nurse takes her in: Enter on the list opens the visit and its form
    win.change_actor(NURSE)
    win.today.table.setFocus()
    win.today.table.setCurrentCell(0, 0)
    QTest.keyClick(win.today.table, Qt.Key.Key_Return)
    dialog = _form(qtbot, win.today)
    qtbot.waitUntil(lambda: _states(win.today) == [("สมศรี มีสุขสันต์", "กำลังตรวจ")], timeout=10_000)
    assert win.today.table.item(0, 4).text() == "nurse.ploy"  # who sees her
    assert "สมศรี" in dialog.windowTitle() and dialog.allergies.text() == "ไม่มีประวัติแพ้"
    type_text(dialog.complaint, "ไข้ ไอ")
    for box, typed in ((dialog.sbp, "128"), (dialog.dbp, "82"), (dialog.temperature, "38.2"), (dialog.sugar, "110")):
        box.selectAll()
        QTest.keyClicks(box, typed)
    _pick(qtbot, dialog.diagnosis, "J00")
    _pick(qtbot, dialog.diagnosis, "I10")
    dx = [row for row in dialog.diagnoses.rows if isinstance(row, DiagnosisRow)]
    assert [(row.code, row.kind_code()) for row in dx] == [("J00", "1"), ("I10", "4")]  # the first is the principal
    dx[1].kind.setCurrentIndex(dx[1].kind.findData("2"))  # hypertension: a comorbidity
    _pick(qtbot, dialog.drug_search, "para")  # part of a name that names one drug
    _pick(qtbot, dialog.drug_search, "CPM4")  # a code
    drugs = [row for row in dialog.drug_rows.rows if isinstance(row, DrugRow)]
    assert [row.code for row in drugs] == ["PARA500", "CPM4"]
    assert drugs[0].quantity.value() == 12  # 1 tablet, 4 times a day, 3 days: worked out from the list's defaults
    assert drugs[0].label_preview.text() == "รับประทานครั้งละ 1 เม็ด วันละ 4 ครั้ง เช้า กลางวัน เย็น ก่อนนอน"
    drugs[1].meals.setCurrentIndex(drugs[1].meals.findData("pc"))
    assert drugs[1].label_preview.text().endswith("หลังอาหาร")
    drugs[1].days.setFocus()
    QTest.keyClick(drugs[1].days, Qt.Key.Key_Return)  # Enter in a drug's row: the next field, not a save
    assert dialog.isVisible() and dialog.buttons.isEnabled() and win.worker.pending == 0
    dialog.appointment.interval.setCurrentIndex(2)  # 2 weeks
    dialog.appointment.interval.activated.emit(2)
    type_text(dialog.appointment.reason, "ติดตามความดัน")
    assert dialog.appointment.value() == dt.date.today() + dt.timedelta(days=14)
    dialog.complaint.setFocus()
    QTest.keyClick(dialog.complaint, Qt.Key.Key_Return)  # Enter saves
    qtbot.waitUntil(lambda: not dialog.isVisible() or dialog.problems.isVisible(), timeout=10_000)
    assert not dialog.isVisible(), dialog.problems.text()
    qtbot.waitUntil(lambda: _states(win.today) == [("สมศรี มีสุขสันต์", "เสร็จแล้ว")], timeout=10_000)
    assert not win.today.cancel_button.isEnabled()  # a visit done is not taken off the list
    _idle(qtbot, win)
    with UnitSession(front, actor=NURSE) as own:
        [visit] = own.patients.chart(pid).visits
        assert [(d["code"], d["type"]) for d in visit["diagnoses"]] == [("J00", "1"), ("I10", "2")]
        assert sorted(d["text"] for d in visit["drugs"]) == ["Chlorpheniramine 4 mg", "Paracetamol 500 mg"]
        assert [a["reason"] for a in own.patients.chart(pid).appointments] == ["ติดตามความดัน"]
        assert own.store.outbox.counts()["pending"] > 0  # queued, nothing reached a hub
        with pytest.raises(KnownError):
            sync(front)  # the hub cannot be reached: still queued, nothing lost

    # the exam room's desktop, open meanwhile: an empty list until the syncs
    other = _window(qtbot, exam, Actor("nurse.dao", CLINICIAN))
    _idle(qtbot, other)
    assert other.today.table.rowCount() == 0
    configure_hub(front, hub.url, auth=True)  # the link is back
    sync(front)
    scheduler = scheduler_for(exam, on_state=other.relay.send)  # the exam room's own scheduler syncs
    other.attach_scheduler(scheduler)
    scheduler.start()
    try:
        qtbot.waitUntil(lambda: _states(other.today) == [("สมศรี มีสุขสันต์", "เสร็จแล้ว")], timeout=30_000)
    finally:
        scheduler.stop()
        other.attach_scheduler(None)
    cells = [[page.table.item(0, c).text() for c in range(page.table.columnCount())] for page in (win.today, other.today)]
    assert cells[0] == cells[1]  # the same line: time, HN, name, state, who saw her, complaint
    assert cells[1][4] == "nurse.ploy" and cells[1][5] == "ไข้ ไอ"


def test_a_drug_the_patient_is_allergic_to_asks_for_a_reason_kept_on_the_dispense(qtbot, unit: Installation) -> None:  # type: ignore[no-untyped-def]
    pid = _prepare(unit)
    with UnitSession(unit, actor=NURSE) as own:
        own.visits.add_allergy(pid, "Penicillin", reaction="ผื่นลมพิษ", certainty="1")
    win = _window(qtbot, unit, NURSE)
    chart = win.open_chart(pid)
    qtbot.waitUntil(lambda: chart.refreshes == 1, timeout=10_000)
    dialog: VisitDialog = chart._on_record_clicked()
    qtbot.waitUntil(lambda: bool(dialog.drugs) and "Penicillin" in dialog.allergies.text(), timeout=10_000)
    _active(qtbot, dialog)
    type_text(dialog.complaint, "เจ็บคอ")
    _pick(qtbot, dialog.diagnosis, "J02.9")
    _pick(qtbot, dialog.drug_search, "AMOX500")
    [amox] = dialog.drug_rows.rows
    qtbot.waitUntil(amox.allergy.isVisible, timeout=5_000)  # marked as soon as it is added
    assert "Penicillin" in amox.allergy.text()
    dialog.accept()
    qtbot.waitUntil(lambda: dialog.findChild(AllergyReasonDialog) is not None, timeout=10_000)
    ask: AllergyReasonDialog = dialog.findChild(AllergyReasonDialog)
    assert ask.isVisible() and "Amoxicillin 500 mg" in ask.conflicts.text() and "แพ้ Penicillin" in ask.conflicts.text()
    ok = ask.buttons.button(ask.buttons.StandardButton.Ok)
    assert not ok.isEnabled()  # no reason, no saving
    ask.reject()  # back to the drugs: nothing saved, everything typed kept
    assert dialog.isVisible() and dialog.buttons.isEnabled() and dialog.complaint.text() == "เจ็บคอ"
    assert "Penicillin" in dialog.problems.text() and "#b00020" in amox.styleSheet()
    dialog.accept()
    qtbot.waitUntil(lambda: len([d for d in dialog.findChildren(AllergyReasonDialog) if d.isVisible()]) == 1,
                    timeout=10_000)
    ask = next(d for d in dialog.findChildren(AllergyReasonDialog) if d.isVisible())
    ask.reason.setText("ไม่มียาอื่น แพทย์สั่งโดยทราบประวัติ")
    ask.buttons.button(ask.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    _idle(qtbot, win)
    with UnitSession(unit, actor=NURSE) as own:
        [given] = [r for r in own.store.chart(pid) if r["resourceType"] == "MedicationDispense"]
        assert [e["valueString"] for e in given["extension"]] == ["ไม่มียาอื่น แพทย์สั่งโดยทราบประวัติ"]
        entry = [e for e in own.store.audit.entries() if e["action"] == "record-visit"][-1]
        assert entry["detail"]["allergy_override"] == 1


def test_the_visit_form_fits_a_1366x768_screen_and_works_by_keyboard(qtbot, unit: Installation) -> None:  # type: ignore[no-untyped-def]
    pid = _prepare(unit)
    win = _window(qtbot, unit, NURSE)
    chart = win.open_chart(pid)
    qtbot.waitUntil(lambda: chart.refreshes == 1, timeout=10_000)
    dialog: VisitDialog = chart._on_record_clicked()
    qtbot.waitUntil(lambda: bool(dialog.drugs), timeout=10_000)
    for code in ("J00", "I10", "E11.9"):
        dialog.add_diagnosis(code)
    for code in ("PARA500", "AMOX500"):
        dialog.add_drug(code)
    dialog.add_free_drug("ยาอมมะแว้ง")
    dialog.add_procedure("93.57")
    dialog.appointment.set_day(dt.date.today() + dt.timedelta(days=30))
    # 1366x768 less a taskbar and a title bar: everything shows without scrolling
    dialog.resize(1366 - 40, 768 - 78)
    qtbot.waitUntil(lambda: dialog.height() <= 768 - 78, timeout=5_000)
    QApplication.processEvents()
    hint = dialog.minimumSizeHint()
    assert hint.width() <= 1366 - 40 and hint.height() <= 768 - 78, hint
    body = dialog.scroll.widget()
    assert body.minimumSizeHint().height() <= dialog.scroll.viewport().height(), (body.minimumSizeHint(),
                                                                                   dialog.scroll.viewport().size())
    assert not dialog.scroll.verticalScrollBar().isVisible() and not dialog.scroll.horizontalScrollBar().isVisible()
    # Tab goes down the left column (readings, diagnoses, drugs), then the right one, then Save
    _active(qtbot, dialog)
    dialog.complaint.setFocus()
    seen: list[QWidget] = []
    for _ in range(80):
        seen.append(QApplication.focusWidget())
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        if QApplication.focusWidget() is dialog.complaint:
            break
    order = [dialog.complaint, dialog.sbp, dialog.temperature, dialog.sugar, dialog.diagnosis,
             dialog.diagnoses.rows[2].kind, dialog.drug_search, dialog.drug_rows.rows[0].dose,
             dialog.drug_rows.rows[2].free_name, dialog.free_drug, dialog.procedure, dialog.vaccine,
             dialog.appointment.wanted, dialog.appointment.reason, dialog.note,
             dialog.buttons.button(dialog.buttons.StandardButton.Save)]
    positions = [seen.index(widget) if widget in seen else -1 for widget in order]
    assert -1 not in positions and positions == sorted(positions), positions
    # Tabbed through, a row's "ลบ" had the focus: Enter in a field still saves (never removes a row) ...
    asked: list[Any] = []
    dialog.save_requested.disconnect()
    dialog.save_requested.connect(asked.append)
    QTest.keyClick(dialog.complaint, Qt.Key.Key_Return)
    assert len(asked) == 1 and len(dialog.diagnoses.rows) == 3 and len(dialog.drug_rows.rows) == 3
    dialog.buttons.setEnabled(True)
    # ... and Enter on a focused "ลบ" presses it
    dialog.procedures.rows[0].remove_button.setFocus()
    QTest.keyClick(dialog.procedures.rows[0].remove_button, Qt.Key.Key_Return)
    assert dialog.procedures.rows == [] and len(asked) == 1
    dialog.add_procedure("93.57")
    # rows go by keyboard: Ctrl+Delete removes the one with the focus; the principal moves up
    dialog.diagnoses.rows[0].kind.setFocus()
    QTest.keyClick(dialog.diagnoses.rows[0].kind, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(dialog.diagnoses.rows) == 2, timeout=5_000)
    assert [(r.code, r.kind_code()) for r in dialog.diagnoses.rows] == [("I10", "1"), ("E11.9", "4")]
    # a second principal makes the first "other": one principal at a time
    dialog.diagnoses.rows[1].kind.setCurrentIndex(0)
    assert [r.kind_code() for r in dialog.diagnoses.rows] == ["4", "1"]
    # words that name several: the first Enter highlights the first, the second adds it; never a save
    dialog.diagnosis.setFocus()
    type_text(dialog.diagnosis, "หวัด")  # หวัด (J00) and ไข้หวัดใหญ่ (J11.1)
    QTest.keyClick(dialog.diagnosis, Qt.Key.Key_Return)
    popup = dialog.diagnosis.completer().popup()
    assert len(dialog.diagnoses.rows) == 2 and popup.isVisible() and popup.currentIndex().row() == 0
    QTest.keyClick(dialog.diagnosis, Qt.Key.Key_Return)
    assert [r.code for r in dialog.diagnoses.rows] == ["I10", "E11.9", "J00"] and not popup.isVisible()
    # Enter on "+ ยาพิมพ์เอง" adds a drug written freely (its name next), not a save
    dialog.free_drug.setFocus()
    QTest.keyClick(dialog.free_drug, Qt.Key.Key_Return)
    assert len(dialog.drug_rows.rows) == 4 and dialog.drug_rows.rows[3].free and dialog.isVisible()
    qtbot.waitUntil(dialog.drug_rows.rows[3].free_name.hasFocus, timeout=5_000)
    # Enter in a list's search box adds, never saves; Esc cancels, nothing saved
    _pick(qtbot, dialog.procedure, "93.57")  # a procedure already listed: said, not added twice
    assert len(dialog.procedures.rows) == 1 and "93.57" in dialog.problems.text()
    assert dialog.isVisible() and dialog.buttons.isEnabled()
    QTest.keyClick(dialog.complaint, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)
    assert len(asked) == 1
    _idle(qtbot, win)
    with UnitSession(unit, actor=NURSE) as own:
        assert own.patients.chart(pid).visits == []


def test_a_corrected_visit_fills_the_form_and_reads_back_the_same(qtbot, unit: Installation) -> None:  # type: ignore[no-untyped-def]
    """`set_form` then `form`: what the correction's caller puts in comes out (the drug lines'
    saved labels kept until a choice changes)."""
    _prepare(unit)
    win = _window(qtbot, unit, NURSE)
    dialog = VisitDialog(win, worker=win.worker)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: bool(dialog.drugs), timeout=10_000)
    from clinic_app.services.visits import DrugLine

    when = dt.datetime.now().astimezone().replace(microsecond=0) - dt.timedelta(days=1)
    form = VisitForm(complaint="ไข้", systolic=130, diastolic=85, weight=60.5, blood_sugar=140,
                     diagnoses=[("J00", "1"), ("I10", "2")], procedures=["93.57"], vaccine="010", note="บันทึก",
                     drugs=[DrugLine(code="PARA500", quantity=10, days=3, label="ตามฉลากเดิม"),
                            DrugLine(text="ยาอมมะแว้ง", quantity=2, unit="ซอง")],
                     when=when, allergy_reason="เหตุผลเดิม")
    dialog.set_form(form)
    back = dialog.form()
    assert (back.complaint, back.systolic, back.diastolic, back.weight, back.blood_sugar) == ("ไข้", 130, 85, 60.5, 140)
    assert back.diagnoses == [("J00", "1"), ("I10", "2")] and back.procedures == ["93.57"] and back.vaccine == "010"
    assert [(d.code, d.text, d.quantity, d.days, d.unit, d.label) for d in back.drugs] == [
        ("PARA500", "", 10, 3, "", "ตามฉลากเดิม"), ("", "ยาอมมะแว้ง", 2, None, "ซอง", "")]
    assert back.when == when and back.allergy_reason == "เหตุผลเดิม" and back.appointment_day is None
    para = dialog.drug_rows.rows[0]
    assert para.label_preview.text() == "ตามฉลากเดิม"
    para.frequency.setCurrentIndex(para.frequency.findData("BID"))  # a choice changed: the label follows it
    assert dialog.form().drugs[0].label == "" and para.label_preview.text().startswith("รับประทาน")
    assert para.quantity.value() == 10  # a saved amount is kept as given


def test_the_list_takes_a_patient_off_checks_in_the_expected_and_registration_offers_it(  # type: ignore[no-untyped-def]
        qtbot, unit: Installation) -> None:
    pid = _prepare(unit)
    yesterday = dt.datetime.now().astimezone() - dt.timedelta(days=1)
    with UnitSession(unit, actor=NURSE) as own:  # seen yesterday, booked for today
        own.visits.save(pid, VisitForm(complaint="ความดัน", diagnoses=[("I10", "1")], when=yesterday,
                                       appointment_day=dt.date.today(), appointment_reason="วัดความดัน"))
    win = _window(qtbot, unit, CLERK_)
    page = win.today
    qtbot.waitUntil(lambda: _states(page) == [("สมศรี มีสุขสันต์", "นัดไว้ ยังไม่มา")], timeout=10_000)
    assert page.table.item(0, 5).text() == "วัดความดัน" and page.table.item(0, 0).text() == "09:00"
    assert "มาตามนัด" in page.open_button.text()
    page.open_button.click()  # she came: on the list, her appointment kept
    qtbot.waitUntil(lambda: _states(page) == [("สมศรี มีสุขสันต์", "รอตรวจ")], timeout=10_000)
    box = page.cancel_row(0)  # she left before being seen
    assert box is not None and "สมศรี" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: _states(page) == [("สมศรี มีสุขสันต์", "ยกเลิก")], timeout=10_000)
    assert not page.cancel_button.isEnabled() and "เปิดแฟ้ม" in page.open_button.text()
    page.open_row(0)  # taken off: Enter opens her chart
    qtbot.waitUntil(lambda: isinstance(win.tabs.currentWidget(), ChartPage), timeout=10_000)
    chart: ChartPage = win.tabs.currentWidget()
    chart.check_in.click()  # from the chart: on the list again
    qtbot.waitUntil(lambda: "เข้ารายการวันนี้แล้ว" in win.statusBar().currentMessage(), timeout=10_000)
    refreshes = page.refreshes
    _idle(qtbot, win)
    assert page.refreshes == refreshes  # a list behind another tab waits to be seen ...
    win.tabs.setCurrentWidget(page)  # ... and reads itself again once it is
    qtbot.waitUntil(lambda: ("สมศรี มีสุขสันต์", "รอตรวจ") in _states(page), timeout=10_000)
    # a patient just registered: the chart opens with "put on today's list" focused; Enter does it
    reg = win.register
    win.tabs.setCurrentWidget(reg)
    reg.cid.setText("3100500123458")
    reg.given_th.setText("ทองใบ")
    reg.family_th.setText("ใหม่มาก")
    reg.year.setValue(2530)
    reg.save.click()
    qtbot.waitUntil(lambda: isinstance(win.tabs.currentWidget(), ChartPage)
                    and win.tabs.currentWidget() is not chart, timeout=10_000)
    new: ChartPage = win.tabs.currentWidget()
    assert new.focusWidget() is new.check_in
    _active(qtbot, win)  # offscreen, the closed question box stayed the active window
    qtbot.waitUntil(new.check_in.hasFocus, timeout=5_000)
    assert "Enter" in win.statusBar().currentMessage()
    QTest.keyClick(new.check_in, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "ทองใบ" in win.statusBar().currentMessage(), timeout=10_000)
    win.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: ("นายทองใบ ใหม่มาก", "รอตรวจ") in _states(page), timeout=10_000)
    assert len(page.rows) == 3  # the cancelled line stays, as kept
    # his visit recorded from his chart completes his line on the list (no second visit)
    new._save_visit(VisitForm(complaint="ไข้"))
    qtbot.waitUntil(lambda: ("นายทองใบ ใหม่มาก", "เสร็จแล้ว") in _states(page), timeout=10_000)
    assert len(page.rows) == 3
    assert set(state_words().values()) >= {page.table.item(r, 3).text() for r in range(page.table.rowCount())}

