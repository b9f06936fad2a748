"""Change sets reach every open page: what a sync brings from another desktop of the unit
shows in an open chart and in a result list without a click; the window's crash hook."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox

from clinic_app.core.permissions import CLINICIAN, Actor
from clinic_app.hub.server import RunningHub
from clinic_app.services.patients import PatientForm, VisitForm
from clinic_app.services.session import UnitSession
from clinic_app.services.sync import scheduler_for
from clinic_app.ui.main import MainWindow, crash_hook
from tests.sync.conftest import Factory, desktop, hub, sync  # noqa: F401 - desktop and hub are fixtures

NURSE = Actor("nurse", CLINICIAN)
FORM = PatientForm(given_th="สมหญิง", family_th="ทดสอบยาว", sex="female", birth_day=3, birth_month=2,
                   birth_year_be=2523, cid="1101700207030")


def test_an_open_chart_and_a_result_list_follow_what_a_sync_brings(qtbot, qapp, hub: RunningHub,  # type: ignore[no-untyped-def]
                                                                    desktop: Factory) -> None:
    front, exam = desktop(hub, "front"), desktop(hub, "exam")  # two desktops of one unit
    with UnitSession(front, actor=NURSE) as desk:
        patient_id = desk.patients.register(FORM).value["id"]
    sync(front)
    sync(exam)
    win = MainWindow(UnitSession(exam, actor=NURSE), training=False, facility="รพ.สต.")
    qtbot.addWidget(win)
    win.show()
    chart = win.open_chart(patient_id)
    qtbot.waitUntil(lambda: chart.refreshes == 1, timeout=10_000)
    assert chart.visits.rowCount() == 0
    win.search.setText("ทดสอบยาว")
    qtbot.waitUntil(lambda: win.results.rowCount() == 1, timeout=10_000)
    assert "สมหญิง" in win.results.item(0, 1).text()

    # Meanwhile at the front desk: a visit for this patient, and her given name corrected.
    with UnitSession(front, actor=NURSE) as desk:
        desk.patients.record_visit(patient_id, VisitForm(complaint="ไข้สูงสามวัน", systolic=120, diastolic=80))
        stored = desk.store.get("Patient", patient_id)
        renamed = {**stored, "name": [{**stored["name"][0], "given": ["สมใจ"], "text": "สมใจ ทดสอบยาว"}]}
        desk.records.save_resources([renamed], action="edit")
    sync(front)

    scheduler = scheduler_for(exam, on_state=win.relay.send)  # the exam room's own scheduler syncs
    win.attach_scheduler(scheduler)
    scheduler.start()
    try:
        qtbot.waitUntil(lambda: chart.visits.rowCount() == 1, timeout=30_000)
        assert "ไข้สูงสามวัน" in chart.visits.item(0, 2).text()
        assert "สมหญิง" in win.results.item(0, 1).text()  # the list behind the chart waits to be seen
        win.tabs.setCurrentWidget(win.find)  # the clerk goes back to the list: no typing, no click on it
        qtbot.waitUntil(lambda: "สมใจ" in win.results.item(0, 1).text(), timeout=10_000)
        assert win.results.rowCount() == 1
    finally:
        scheduler.stop()
        win.attach_scheduler(None)


def test_a_chart_of_another_patient_is_left_alone(qtbot, qapp, hub: RunningHub, desktop: Factory) -> None:  # type: ignore[no-untyped-def]
    unit = desktop(hub, "unit")
    with UnitSession(unit, actor=NURSE) as desk:
        first = desk.patients.register(FORM).value["id"]
        second = desk.patients.register(PatientForm(given_th="สมชาย", family_th="อื่นอีก", sex="male", birth_day=1,
                                                    birth_month=1, birth_year_be=2530)).value["id"]
    win = MainWindow(UnitSession(unit, actor=NURSE), training=False, facility="รพ.สต.")
    qtbot.addWidget(win)
    one, other = win.open_chart(first), win.open_chart(second)
    qtbot.waitUntil(lambda: one.refreshes == 1 and other.refreshes == 1, timeout=10_000)
    other._save_visit(VisitForm(complaint="ปวดหัว"))  # a visit saved in the second chart
    qtbot.waitUntil(lambda: other.visits.rowCount() == 1, timeout=10_000)
    qtbot.waitUntil(lambda: win.worker.pending == 0, timeout=10_000)
    assert one.refreshes == 1  # the first patient's chart had nothing to read again
    # two patients with their rights (Coverage), the visit and the nurse's Practitioner queued
    assert "รอส่ง 6 รายการ" in win.status_label.text()


def test_an_error_in_a_slot_reaches_the_log_and_the_crash_dialog(qtbot, qapp, unit, caplog) -> None:  # type: ignore[no-untyped-def]
    win = MainWindow(UnitSession(unit, actor=NURSE), training=False, facility="รพ.สต.")
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    try:
        raise ValueError("a bug in a slot")
    except ValueError as exc:
        with caplog.at_level(logging.ERROR):
            crash_hook(ValueError, exc, exc.__traceback__)
    assert any(r.exc_info and r.exc_info[0] is ValueError for r in caplog.records), caplog.text
    boxes = [b for b in qapp.allWidgets() if isinstance(b, QMessageBox) and b.objectName() == "crashBox"]
    assert boxes and boxes[-1].isVisible() and "logs" in boxes[-1].text()
    for box in boxes:
        box.close()


def test_emergency_access_waits_on_the_hub_without_holding_the_database(qtbot, qapp, hub: RunningHub,  # type: ignore[no-untyped-def]
                                                                        desktop: Factory, monkeypatch) -> None:
    import threading

    from clinic_app.hub.search import parse
    from clinic_app.hub.seed import seed_demo

    seed_demo(hub.engine, patients=2)
    found, _ = hub.engine.store.search("Patient", parse("Patient", [("_tag", "https://terms.sil-th.org/id/th-moph-hcode|99990")]))
    cid = next(i["value"] for i in found[0].resource["identifier"] if i["system"].endswith("th-cid"))
    unit = desktop(hub, "unit")
    with UnitSession(unit, actor=NURSE) as desk:
        desk.patients.register(FORM)
    gate, waiting = threading.Event(), threading.Event()
    real_fetch = UnitSession.fetch_emergency

    def slow_hub(plan):  # type: ignore[no-untyped-def]
        waiting.set()
        gate.wait(20)  # the hub takes its time
        return real_fetch(plan)

    monkeypatch.setattr(UnitSession, "fetch_emergency", staticmethod(slow_hub))
    win = MainWindow(UnitSession(unit, actor=NURSE), training=False, facility="รพ.สต.")
    qtbot.addWidget(win)
    win.show()
    page = win.consent
    page.cid.setText(cid)
    shown: list[bool] = []
    win._emergency(cid, "ผู้ป่วยหมดสติ ไม่มีญาติมาด้วย ต้องทราบประวัติแพ้ยา", lambda: shown.append(True))
    qtbot.waitUntil(waiting.is_set, timeout=10_000)
    win.search.setText("ทดสอบยาว")  # meanwhile the clerk searches: the database answers at once
    qtbot.waitUntil(lambda: win.results.rowCount() == 1, timeout=5_000)
    assert not shown and win.net.pending == 1
    gate.set()
    qtbot.waitUntil(lambda: shown == [True], timeout=20_000)
    page._on_show_records_clicked()
    qtbot.waitUntil(lambda: page.records.rowCount() > 0, timeout=10_000)
    assert {page.records.item(r, 4).text() for r in range(page.records.rowCount())} == {"ฉุกเฉิน"}
    with UnitSession(unit, actor=NURSE) as desk:
        [logged] = desk.consent.emergency_log()
    assert logged["who"] == "nurse" and logged["cid"] == cid
