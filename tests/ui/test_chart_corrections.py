"""Allergies and corrections from the chart (issue 14), driven through the real window
offscreen against the real encrypted store: an allergy through its dialog into the header,
a visit entered in error (with its reason, hidden, shown on asking, in the history), a
visit corrected through the visit form filled in, and a patient's details corrected
through the registration form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtWidgets import QDialogButtonBox, QWidget

from clinic_app.core.permissions import ADMIN, CLERK, Actor
from clinic_app.services.installation import Installation
from clinic_app.services.session import UnitSession
from clinic_app.services.visits import DrugLine, VisitForm
from clinic_app.ui.allergy import AllergyDialog
from clinic_app.ui.chart import ChartPage
from clinic_app.ui.corrections import VoidDialog
from clinic_app.ui.main import MainWindow, apply_thai_font
from clinic_app.ui.register import PatientEditDialog
from clinic_app.ui.visit_form import VisitDialog
from tests.ui.test_desk import _register
from tests.ui.test_workflows import NURSE, _expect_error, _idle, window  # noqa: F401 - the window fixture

FORMULARY = """code,name,strength,unit,tmt,drug24,dose,frequency,days,group
PARA500,Paracetamol,500 mg,เม็ด,,,1,QID,3,
AMOX500,Amoxicillin,500 mg,แคปซูล,,,1,TID,7,penicillins
"""
CID = "1101700207030"


def _shown(parent: QWidget, kind: type) -> Any:
    return next((w for w in parent.findChildren(kind) if w.isVisible()), None)


def _wait_for(qtbot, parent: QWidget, kind: type) -> Any:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: _shown(parent, kind) is not None, timeout=10_000)
    return _shown(parent, kind)


def _drug_list(unit: Installation) -> None:
    with UnitSession(unit, actor=Actor("admin.somchai", ADMIN)) as admin:
        admin.formulary.import_csv(FORMULARY)


def _visit(unit: Installation, chart: ChartPage, qtbot, form: VisitForm) -> str:  # type: ignore[no-untyped-def]
    """A visit saved by the nurse (as the visit form saves it), then the chart read again."""
    with UnitSession(unit, actor=NURSE) as nurse:
        eid = nurse.visits.save(chart.patient_id, form).value["id"]
    rows = chart.visits.rowCount()
    chart.refresh()
    qtbot.waitUntil(lambda: chart.visits.rowCount() == rows + 1, timeout=10_000)
    return eid


def _history(unit: Installation, kind: str, rid: str) -> list[dict[str, Any]]:
    with UnitSession(unit, actor=NURSE) as reader:
        return reader.history(kind, rid)


def test_an_allergy_through_its_dialog_is_in_the_header_with_its_reaction_and_severity(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow, unit: Installation) -> None:
    _drug_list(unit)
    chart = _register(qtbot, window, CID, "สมศรี", "มีสุข")
    assert chart.allergies.text() == "ไม่มีประวัติแพ้"
    chart.add_allergy.click()
    dialog: AllergyDialog = _wait_for(qtbot, chart, AllergyDialog)
    assert [dialog.certainty.itemText(i) for i in range(dialog.certainty.count())] == \
        ["1 แน่นอน", "2 น่าจะใช่", "3 อาจจะใช่", "4 ไม่น่าใช่", "5 ไม่สามารถจำแนกได้"]
    assert dialog.severity.count() == 7 and dialog.severity.itemText(3) == "4 ร้ายแรง-ต้องนอนโรงพยาบาล"
    assert dialog.drug.findData("AMOX500") > 0  # the unit's drug list to pick from
    # nothing said: refused, the dialog stays open and says why beside the field
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    qtbot.waitUntil(lambda: dialog.problems.isVisible(), timeout=10_000)
    assert dialog.isVisible() and "โปรดระบุสิ่งที่แพ้" in dialog.problems.text()
    assert "#b00020" in dialog.substance.styleSheet()
    dialog.substance.setText("Penicillin")
    dialog.reaction.setText("ผื่นลมพิษ")
    dialog.certainty.setCurrentIndex(dialog.certainty.findData("1"))
    dialog.severity.setCurrentIndex(dialog.severity.findData("3"))
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: "Penicillin" in chart.allergies.text(), timeout=10_000)
    assert chart.allergies.text() == "แพ้ยา/สาร: Penicillin (ผื่นลมพิษ, ร้ายแรง-อันตรายถึงชีวิต)"
    # a drug picked from the list: named by the list, kept with the unit's code
    chart.add_allergy.click()
    qtbot.waitUntil(lambda: len([d for d in chart.findChildren(AllergyDialog) if d.isVisible()]) == 1, timeout=10_000)
    second: AllergyDialog = _shown(chart, AllergyDialog)
    second.drug.setCurrentIndex(second.drug.findData("PARA500"))
    assert second.substance.text() == "Paracetamol 500 mg"
    second.accept()
    qtbot.waitUntil(lambda: "Paracetamol" in chart.allergies.text(), timeout=10_000)
    assert "Paracetamol 500 mg (ไม่ร้ายแรง)" in chart.allergies.text()
    with UnitSession(unit, actor=NURSE) as reader:
        kept = {a["code"]["text"]: a for a in reader.visits.allergies(chart.patient_id)}
    assert set(kept) == {"Penicillin", "Paracetamol 500 mg"}
    assert kept["Penicillin"]["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "1"  # certain
    assert "PARA500" in {c["code"] for c in kept["Paracetamol 500 mg"]["code"]["coding"]}


def test_the_details_say_types_procedures_instructions_drugs_written_freely_and_blood_sugar(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow, unit: Installation) -> None:
    _drug_list(unit)
    chart = _register(qtbot, window, CID, "สมศรี", "มีสุข")
    assert chart.next_appointment.text() == "ไม่มีนัดครั้งต่อไป"
    _visit(unit, chart, qtbot, VisitForm(
        complaint="ไข้", blood_sugar=126, diagnoses=[("J00", "1"), ("I10", "2")], procedures=["93.57"],
        drugs=[DrugLine(code="PARA500", dose=1, frequency="QID", days=3),
               DrugLine(text="ยาอมแก้ไอ สมุนไพร", quantity=1, unit="ซอง")],
        appointment_day=dt.date.today() + dt.timedelta(days=14), appointment_reason="ติดตามความดัน"))
    qtbot.waitUntil(lambda: "ติดตามความดัน" in chart.next_appointment.text(), timeout=10_000)
    assert chart.next_appointment.text().startswith("นัดครั้งต่อไป: ") and " 25" in chart.next_appointment.text()
    details = chart.show_visit(0)
    assert details is not None
    values = details.values
    assert "น้ำตาลในเลือด 126 mg/dL" in values["vitals"].text()
    assert set(values["diagnoses"].text().splitlines()) == {"J00 หวัด (การวินิจฉัยหลัก)", "I10 ความดันโลหิตสูงชนิดไม่ทราบสาเหตุ (โรคร่วม)"}
    assert values["procedures"].text().startswith("93.57 ")
    drugs = values["drugs"].text()
    assert "Paracetamol 500 mg  × 12 เม็ด (3 วัน)" in drugs and "รับประทานครั้งละ 1 เม็ด วันละ 4 ครั้ง" in drugs
    free = next(line for line in drugs.splitlines() if "ยาอมแก้ไอ" in line)
    assert free.endswith("[พิมพ์เอง]") and "[พิมพ์เอง]" not in next(line for line in drugs.splitlines()
                                                                   if "Paracetamol" in line)
    qtbot.waitUntil(lambda: "บันทึกการรับบริการ" in values["history"].text(), timeout=10_000)
    assert "nurse" in values["history"].text()


def test_a_visit_entered_in_error_leaves_the_chart_shows_on_asking_and_says_who_and_why(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow, unit: Installation) -> None:
    chart = _register(qtbot, window, CID, "สมศรี", "มีสุข")
    _visit(unit, chart, qtbot, VisitForm(complaint="ไข้", diagnoses=[("J00", "1")]))
    _visit(unit, chart, qtbot, VisitForm(complaint="ผิดคน", diagnoses=[("I10", "1")]))
    assert not chart.show_voided.isEnabled()  # nothing entered in error yet
    row = next(r for r in range(chart.visits.rowCount()) if chart.visits.item(r, 2).text() == "ผิดคน")
    details = chart.show_visit(row)
    assert details is not None and details.void.isEnabled() and details.correct.isEnabled()
    details.void.click()
    box: VoidDialog = _wait_for(qtbot, details, VoidDialog)
    box.confirm.click()  # no reason: refused, said beside the field, the visit stays
    qtbot.waitUntil(lambda: box.problems.isVisible(), timeout=10_000)
    assert box.isVisible() and "โปรดระบุเหตุผลที่บันทึกผิดพลาด" in box.problems.text()
    assert chart.visits.rowCount() == 2
    box.reason.setPlainText("บันทึกผิดคน")
    box.confirm.click()
    qtbot.waitUntil(lambda: not box.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: chart.visits.rowCount() == 1, timeout=10_000)
    assert chart.visits.item(0, 2).text() == "ไข้"
    # the open details say so, nothing more to do, and the history says who and why
    qtbot.waitUntil(lambda: details.status.isVisible(), timeout=10_000)
    assert not details.void.isEnabled() and not details.correct.isEnabled()
    qtbot.waitUntil(lambda: "บันทึกผิดคน" in details.values["history"].text(), timeout=10_000)
    last = details.values["history"].text().splitlines()[-1]
    assert "nurse" in last and "บันทึกผิดพลาด" in last and "บันทึกผิดคน" in last, last
    details.close()
    # shown on asking: greyed and struck through
    assert chart.show_voided.isEnabled()
    chart.show_voided.setChecked(True)
    qtbot.waitUntil(lambda: chart.visits.rowCount() == 2, timeout=10_000)
    voided = next(r for r in range(chart.visits.rowCount()) if "ผิดคน" in chart.visits.item(r, 2).text())
    item = chart.visits.item(voided, 2)
    assert item.text() == "[บันทึกผิดพลาด] ผิดคน" and item.font().strikeOut()
    assert not chart.visits.item(1 - voided, 2).font().strikeOut()
    again = chart.show_visit(voided)
    assert again is not None and again.status.isVisible() and not again.void.isEnabled()
    qtbot.waitUntil(lambda: "บันทึกผิดคน" in again.values["history"].text(), timeout=10_000)
    # the audit trail itself
    entries = _history(unit, "Encounter", again.visit["id"])
    assert [(e["actor"], e["action"]) for e in entries][-1] == ("nurse", "void-visit")
    assert entries[-1]["detail"]["reason"] == "บันทึกผิดคน"
    chart.show_voided.setChecked(False)
    qtbot.waitUntil(lambda: chart.visits.rowCount() == 1, timeout=10_000)


def test_a_clerk_may_neither_correct_nor_void_a_visit(qtbot, qapp, unit: Installation) -> None:  # type: ignore[no-untyped-def]
    """A visit's diagnoses and drugs are corrected by clinicians (a correction can empty a
    visit, which would get round the entered-in-error permission); a clerk still records
    allergies and corrects a patient's details."""
    apply_thai_font(qapp)
    win = MainWindow(UnitSession(unit, actor=Actor("clerk.mali", CLERK)), training=False, facility="รพ.สต.")
    qtbot.addWidget(win)
    win.show()
    chart = _register(qtbot, win, CID, "สมศรี", "มีสุข")
    _visit(unit, chart, qtbot, VisitForm(complaint="ไข้"))
    details = chart.show_visit(0)
    assert details is not None and not details.correct.isEnabled() and not details.void.isEnabled()
    assert chart.add_allergy.isEnabled() and chart.edit_patient.isEnabled()


def test_a_correction_through_the_visit_form_is_in_the_details_and_the_history(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow, unit: Installation) -> None:
    chart = _register(qtbot, window, CID, "สมศรี", "มีสุข")
    eid = _visit(unit, chart, qtbot, VisitForm(complaint="เจ็บคอ", temperature=38.0, diagnoses=[("J00", "1")]))
    details = chart.show_visit(0)
    assert details is not None
    qtbot.waitUntil(lambda: "บันทึกการรับบริการ" in details.values["history"].text(), timeout=10_000)
    details.correct.click()
    form_dialog: VisitDialog = _wait_for(qtbot, details, VisitDialog)
    shown = form_dialog.form()  # filled in with the saved visit
    assert shown.complaint == "เจ็บคอ" and shown.temperature == 38.0
    assert "J00" in [code for code, _ in shown.all_diagnoses()]
    shown.diagnosis, shown.diagnoses = "", [("J02.9", "1")]
    form_dialog.set_form(shown)
    form_dialog.accept()
    qtbot.waitUntil(lambda: not form_dialog.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: "J02.9" in details.values["diagnoses"].text(), timeout=10_000)
    assert "J00" not in details.values["diagnoses"].text()
    qtbot.waitUntil(lambda: "แก้ไข" in details.values["history"].text(), timeout=10_000)
    last = details.values["history"].text().splitlines()[-1]
    assert "nurse" in last and "แก้ไข: การวินิจฉัย" in last and "สัญญาณชีพ" not in last, last
    assert "J02.9" in chart.visits.item(0, 3).text() and chart.visits.rowCount() == 1
    entries = _history(unit, "Encounter", eid)
    assert entries[-1]["action"] == "correct-visit" and entries[-1]["detail"]["changed"] == ["diagnoses"]


def test_a_patients_family_name_corrected_from_the_chart(qtbot, window: MainWindow, unit: Installation) -> None:  # type: ignore[no-untyped-def]
    chart = _register(qtbot, window, CID, "สมศรี", "มีสุข")
    chart.edit_patient.click()
    dialog: PatientEditDialog = _wait_for(qtbot, chart, PatientEditDialog)
    page = dialog.page
    qtbot.waitUntil(lambda: page.isEnabled(), timeout=10_000)
    assert (page.cid.text(), page.given_th.text(), page.family_th.text(), page.year.value()) == \
        (CID, "สมศรี", "มีสุข", 2523)
    assert not page.duplicates.isVisible() and "แก้ไข" in page.save.text()
    page.given_th.setText("")  # refused as the registration form refuses it: nothing saved, the form stays
    page.save.click()
    _expect_error(qtbot, window, "ต้องกรอกชื่อและนามสกุลภาษาไทย")
    assert dialog.isVisible()
    page.given_th.setText("สมศรี")
    page.family_th.setText("ใจดี")
    page.save.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: "ใจดี" in chart.header.text(), timeout=10_000)
    assert "มีสุข" not in chart.header.text()
    qtbot.waitUntil(lambda: "ใจดี" in window.tabs.tabText(window.tabs.indexOf(chart)), timeout=10_000)
    _idle(qtbot, window)
    [update] = [e for e in _history(unit, "Patient", chart.patient_id) if e["action"] == "update-patient"]
    assert update["actor"] == "nurse" and update["detail"]["changed"] == ["name"]
    with UnitSession(unit, actor=NURSE) as reader:
        kept = reader.patients.form_of(chart.patient_id)
    assert (kept.family_th, kept.given_th, kept.cid) == ("ใจดี", "สมศรี", CID)


def test_every_control_of_the_new_dialogs_has_a_name(qtbot, window: MainWindow, unit: Installation) -> None:  # type: ignore[no-untyped-def]
    from tests.ui.test_accessibility import _unnamed

    _drug_list(unit)
    chart = _register(qtbot, window, CID, "สมศรี", "มีสุข")
    _visit(unit, chart, qtbot, VisitForm(complaint="ไข้"))
    chart.add_allergy.click()
    allergy = _wait_for(qtbot, chart, AllergyDialog)
    details = chart.show_visit(0)
    assert details is not None
    details.void.click()
    box = _wait_for(qtbot, details, VoidDialog)
    chart.edit_patient.click()
    edit = _wait_for(qtbot, chart, PatientEditDialog)
    qtbot.waitUntil(lambda: edit.page.isEnabled(), timeout=10_000)
    problems = {type(d).__name__: _unnamed(d) for d in (allergy, details, box, edit)}
    assert all(not found for found in problems.values()), problems
