"""The desk defects a clerk or nurse met in their first hour (issue 13), each driven through
the real window offscreen against the real encrypted store."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from clinic_app.services.patients import VisitForm
from clinic_app.ui.chart import ChartPage, VisitDetailsDialog, diagnosis_text
from clinic_app.ui.main import MainWindow
from tests.sync.conftest import desktop, hub, sync  # noqa: F401 - fixtures: a real hub, desktops of one unit
from tests.ui.test_workflows import _idle, window  # noqa: F401 - the window fixture


def _register(qtbot, window: MainWindow, cid: str, given: str, family: str) -> ChartPage:  # type: ignore[no-untyped-def]
    page = window.register
    window.tabs.setCurrentWidget(page)
    page.cid.setText(cid)
    page.given_th.setText(given)
    page.family_th.setText(family)
    page.year.setValue(2523)
    page.save.click()
    qtbot.waitUntil(lambda: isinstance(window.tabs.currentWidget(), ChartPage), timeout=10_000)
    chart: ChartPage = window.tabs.currentWidget()
    _idle(qtbot, window)
    return chart


def test_the_chart_shows_what_a_visit_recorded_titled_with_the_patient(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    chart = _register(qtbot, window, "1101700207030", "สมศรี", "มีสุข")
    qtbot.waitUntil(lambda: "สมศรี" in window.tabs.tabText(window.tabs.currentIndex()), timeout=10_000)
    assert window.tabs.tabText(window.tabs.currentIndex()) != "แฟ้มผู้ป่วย"
    chart._save_visit(VisitForm(complaint="ไข้ ไอ", systolic=132, diastolic=84, weight=55.5, temperature=38.2,
                                diagnosis="J00", drug="Paracetamol 500 mg", drug_amount=20, note="นัดติดตาม 1 สัปดาห์"))
    qtbot.waitUntil(lambda: chart.visits.rowCount() == 1, timeout=10_000)
    assert chart.visits.item(0, 3).text() == "J00 หวัด"
    # Enter on the visit list opens the visit's details
    chart.visits.setFocus()
    chart.visits.setCurrentCell(0, 0)
    QTest.keyClick(chart.visits, Qt.Key.Key_Return)
    dialog = chart.findChild(VisitDetailsDialog)
    assert dialog is not None and dialog.isVisible()
    assert "132/84" in dialog.values["vitals"].text() and "38.2" in dialog.values["vitals"].text()
    assert "55.5" in dialog.values["vitals"].text()
    assert "Paracetamol 500 mg" in dialog.values["drugs"].text() and "20" in dialog.values["drugs"].text()
    assert dialog.values["note"].text() == "นัดติดตาม 1 สัปดาห์"
    assert dialog.values["diagnoses"].text() == "J00 หวัด (การวินิจฉัยหลัก)"  # with its type (43-file DIAGTYPE)
    assert "25" in dialog.values["when"].text()  # the Buddhist-era year: 25xx
    dialog.close()
    # opening the same patient again shows the open chart, not a second tab
    tabs = window.tabs.count()
    assert window.open_chart(chart.patient_id) is chart and window.tabs.count() == tabs


def test_diagnosis_titles_in_the_windows_language_english_marked_where_no_thai() -> None:
    assert diagnosis_text({"code": "I10", "th": "ความดันโลหิตสูง", "en": "Essential hypertension"}) == "I10 ความดันโลหิตสูง"
    assert diagnosis_text({"code": "Z99.9", "th": "", "en": "Dependence on machine"}) == "Z99.9 Dependence on machine (EN)"


def test_the_blood_pressure_graph_has_value_axes_and_buddhist_era_dates(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    chart = _register(qtbot, window, "1101700207030", "สมศรี", "มีสุข")
    plot = chart.plot
    plot.set_rows([{"date": "2025-01-10", "sbp": 150, "dbp": 95, "weight": 70},
                   {"date": "2026-11-20", "sbp": 128, "dbp": 82, "weight": 131}])
    left, right = plot.axis_labels()
    assert left[0] == "40" and "120" in left and left[-1] == "200"
    assert right[0] == "0" and int(right[-1]) >= 131  # the weight axis reaches the heaviest reading
    xs = plot._x_positions(52, 500)
    labels = [text for _, text in plot.date_labels(xs, lambda t: 8 * len(t))]
    assert labels[0].endswith("2568") and labels[-1].endswith("2569"), labels  # Buddhist era in the Thai window
    image = plot.grab().toImage()  # it paints (a painter error would show here)
    assert image.width() > 0


def test_a_conflict_in_words_with_the_patient_who_and_when(qtbot, qapp, hub, desktop) -> None:  # type: ignore[no-untyped-def]
    from clinic_app.core.permissions import CLINICIAN, Actor
    from clinic_app.services.records import RecordService
    from clinic_app.services.session import UnitSession
    from clinic_app.ui.main import apply_thai_font

    a, b = desktop(hub, "a"), desktop(hub, "b")
    RecordService(a.connect(), actor=Actor("somjai", CLINICIAN)).load_demo(1, seed=6)
    sync(a), sync(b)
    store_a, store_b = a.connect(), b.connect()
    patient = store_a.search_patients("0")[0]
    pid = patient["id"]
    RecordService(store_a, actor=Actor("somjai", CLINICIAN)).save_resources(
        [{**store_a.get("Patient", pid), "telecom": [{"system": "phone", "value": "0811111111"}]}])
    RecordService(store_b, actor=Actor("malee", CLINICIAN)).save_resources(
        [{**store_b.get("Patient", pid), "telecom": [{"system": "phone", "value": "0822222222"}]}])
    sync(a)
    assert sync(b).conflicts == 1
    apply_thai_font(qapp)
    win = MainWindow(UnitSession(b, actor=Actor("malee", CLINICIAN)), training=False, facility="รพ.สต.")
    qtbot.addWidget(win)
    win.show()
    page = win.sync_page
    win.tabs.setCurrentWidget(page)
    page.refresh()
    qtbot.waitUntil(lambda: page.conflicts.count() == 1 and page.sides.rowCount() == 1, timeout=10_000)
    given = patient["name"][0]["given"][0]
    listed = page.conflicts.item(0).text()
    assert given in listed and "ข้อมูลผู้ป่วย" in listed and "โทรศัพท์" in listed, listed
    assert page.sides.item(0, 0).text() == "โทรศัพท์"
    assert page.sides.cellWidget(0, 1).text() == "0822222222" and page.sides.cellWidget(0, 2).text() == "0811111111"
    who = page.who.text()
    assert "malee" in who and "somjai" in who and " 25" in who, who  # who wrote each, when (Buddhist era)
    # the queue names the patient and the kind of record in words
    kinds = {page.queue.item(r, 1).text() for r in range(page.queue.rowCount())}
    assert "Patient" not in kinds and "ข้อมูลผู้ป่วย" in kinds
    assert any(given in page.queue.item(r, 2).text() for r in range(page.queue.rowCount()))
    assert "{" not in listed + who  # no raw FHIR JSON anywhere


def test_sync_progress_counts_records(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    assert window.progress_text("push", 120, 3400) == "ส่งข้อมูล 120/3,400 รายการ"
    assert window.progress_text("pull", 5000, 0) == "รับข้อมูล 5,000 รายการ"
    assert window.progress_text("connect", 0, 0) == "กำลังเชื่อมต่อ"
    assert window.progress_text("pull", 2500, 98684, sent=3_400_000, eta=190) == \
        "รับข้อมูล 2,500/98,684 รายการ · 3.4 MB · เหลืออีกราว 3 นาที"
    assert window.progress_text("push", 10, 20, eta=12).endswith("เหลือไม่ถึง 1 นาที")
    from clinic_app.services.scheduler import SyncState

    window._on_relay_arrived([SyncState(online=True, running=True, phase="pull", done=5000, total=0)])
    assert window.progress_label.isVisible() and window.progress_label.text() == "รับข้อมูล 5,000 รายการ"
    window._on_relay_arrived([SyncState(online=True, running=False)])
    assert not window.progress_label.isVisible()


def test_consent_from_the_chart_names_masks_dates_and_refreshes_when_the_answer_arrives(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow, unit, tmp_path) -> None:
    from PySide6.QtWidgets import QMessageBox

    from clinic_app.hub.seed import seed_demo
    from clinic_app.hub.server import start_in_thread
    from clinic_app.security.device import enrolment
    from clinic_app.services.installation import configure_hub
    from clinic_app.services.sync import scheduler_for
    from tests.services.test_patients import FORM
    from tests.sync.test_consent import _hospital_cid, _hub_consent

    hub = start_in_thread(tmp_path / "hub", auth=True)
    seed_demo(hub.engine, patients=3)
    configure_hub(unit, hub.url, auth=True)
    hub.hub.authority.enroll(enrolment(unit.device(), "99999"))
    cid = _hospital_cid(hub)
    from clinic_app.services.session import UnitSession
    from tests.ui.test_workflows import NURSE

    with UnitSession(unit, actor=NURSE) as own:  # a connection of the test's thread
        pid = own.patients.register(FORM.__class__(**{**FORM.__dict__, "cid": cid})).value["id"]
    chart = window.open_chart(pid)
    qtbot.waitUntil(lambda: chart.other_facilities.isEnabled(), timeout=10_000)
    chart.other_facilities.click()
    page = window.consent
    assert window.tabs.currentWidget() is page and page.cid.text() == cid
    # before any consent: the window says what to do in the window, not on a command line
    page.show_records.click()
    qtbot.waitUntil(lambda: any(b.isVisible() for b in window.findChildren(QMessageBox, "errorBox")), timeout=10_000)
    box = next(b for b in window.findChildren(QMessageBox, "errorBox") if b.isVisible())
    assert "ขอความยินยอมและประวัติ" in box.text() and "clinic-app" not in box.text()
    box.close()
    page.ask.click()
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=10_000)
    cells = [page.table.item(0, c).text() for c in range(page.table.columnCount())]
    assert cells[0] == "สมศรี มีสุข" or "สมศรี" in cells[0], cells
    assert cells[1].startswith("x-xxxx") and not any(cid in c for c in cells)  # masked, never whole
    scheduler = scheduler_for(unit, on_state=window.relay.send)
    scheduler.probe_every = scheduler.online_probe_every = 0.2
    window.attach_scheduler(scheduler)
    scheduler.start()
    try:
        qtbot.waitUntil(lambda: "ออนไลน์" in window.online_label.text(), timeout=20_000)
        window.sync_button.click()
        qtbot.waitUntil(lambda: "รอผู้ป่วย" in page.table.item(0, 2).text(), timeout=30_000)
        hub.hub.admin.decide_consent(_hub_consent(hub, cid), "approve")  # the patient taps "allow"
        window.sync_button.click()
        # the page refreshes by itself when the answer arrives
        qtbot.waitUntil(lambda: "อนุญาตแล้ว" in page.table.item(0, 2).text(), timeout=30_000)
    finally:
        scheduler.stop()
        window.attach_scheduler(None)
        hub.stop()
    window.activateWindow()
    page.table.setFocus()
    qtbot.waitUntil(page.table.hasFocus, timeout=5_000)
    page.table.setCurrentCell(0, 0)
    QTest.keyClick(page.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.records.rowCount() > 3, timeout=10_000)
    dates = [page.records.item(r, 0).text() for r in range(page.records.rowCount())]
    kinds = [page.records.item(r, 2).text() for r in range(page.records.rowCount())]
    dates = [d for d, k in zip(dates, kinds) if k not in ("ข้อมูลผู้ป่วย", "สิทธิการรักษา")]  # no date of their own
    assert all(d[-4:].startswith("25") for d in dates), dates  # a date for every record, Buddhist era


def test_another_facilitys_record_that_disagrees_waits_for_a_clinician(  # type: ignore[no-untyped-def]
        qtbot, window: MainWindow, unit, tmp_path) -> None:
    from clinic_app.core.identifiers import CID_SYSTEM
    from clinic_app.hub.search import parse
    from clinic_app.hub.seed import HOSPITAL, seed_demo
    from clinic_app.hub.server import start_in_thread
    from clinic_app.security.device import enrolment
    from clinic_app.services.installation import configure_hub
    from clinic_app.services.session import UnitSession
    from clinic_app.services.sync import sync_now
    from tests.services.test_patients import FORM
    from tests.sync.test_consent import _hospital_cid, _hub_consent
    from tests.ui.test_workflows import NURSE

    hub = start_in_thread(tmp_path / "hub", auth=True)
    try:
        seed_demo(hub.engine, patients=3)
        configure_hub(unit, hub.url, auth=True)
        hub.hub.authority.enroll(enrolment(unit.device(), "99999"))
        cid = _hospital_cid(hub)
        found, _ = hub.engine.store.search("Patient", parse("Patient", [("identifier", f"{CID_SYSTEM}|{cid}")]))
        theirs = found[0].resource
        other_sex = "male" if theirs["gender"] == "female" else "female"
        with UnitSession(unit, actor=NURSE) as own:  # registered here: another sex, another birth year
            form = FORM.__class__(**{**FORM.__dict__, "cid": cid, "sex": other_sex,
                                     "prefix": "นาย" if other_sex == "male" else "นาง", "birth_year_be": 2490})
            pid = own.patients.register(form).value["id"]
            own.consent.request_consent(cid)
        sync_now(unit)
        hub.hub.admin.decide_consent(_hub_consent(hub, cid), "approve")
        report = sync_now(unit)
        assert pid in report.changes.patient_ids  # an open chart of this patient refreshes: records came
    finally:
        hub.stop()
    chart = window.open_chart(pid)
    qtbot.waitUntil(lambda: chart.identity.isVisible(), timeout=10_000)
    warning = "\n".join(label.text() for label in chart.identity.findChildren(QLabel))
    assert "โรงพยาบาลชุมชนตัวอย่าง" in warning and "เพศ" in warning and "วันเกิด" in warning, warning
    assert "2490" in warning  # ours, in the window's calendar, beside theirs
    assert all("โรงพยาบาล" not in chart.visits.item(r, 1).text() for r in range(chart.visits.rowCount()))
    refreshes = chart.refreshes
    chart.identity.findChild(QPushButton, "identitySame").click()
    qtbot.waitUntil(lambda: chart.refreshes > refreshes and not chart.identity.isVisible(), timeout=10_000)
    assert any("โรงพยาบาล" in chart.visits.item(r, 1).text() for r in range(chart.visits.rowCount()))
    with UnitSession(unit, actor=NURSE) as own:
        actions = [row[3] for row in own.store.audit.rows()]
        assert "identity-same" in actions
        own.patients.decide_identity(pid, HOSPITAL, theirs["id"], same=False)
        shown = own.chart(pid).value
        assert shown.identity[0]["decision"] == "set-aside"
        assert all(v["facility"] is None for v in shown.visits)  # set aside: none of theirs in the chart


def test_an_administrator_changes_the_units_settings_in_the_window(qtbot, qapp, unit) -> None:  # type: ignore[no-untyped-def]
    from clinic_app.core.permissions import ADMIN, CLERK, Actor
    from clinic_app.services.session import UnitSession
    from clinic_app.services.sync import scheduler_for
    from clinic_app.ui.unit_settings import UnitSettingsDialog

    clerk = MainWindow(UnitSession(unit, actor=Actor("clerk1", CLERK)), training=False, facility="รพ.สต.")
    qtbot.addWidget(clerk)
    assert not clerk.settings_action.isVisible()  # offered to administrators only
    clerk.close()
    win = MainWindow(UnitSession(unit, actor=Actor("admin1", ADMIN)), training=False, facility="รพ.สต.")
    qtbot.addWidget(win)
    win.show()
    assert win.settings_action.isVisible()
    scheduler = scheduler_for(unit)  # not started: only its configuration is watched
    win.attach_scheduler(scheduler)
    dialog: UnitSettingsDialog = win.open_settings()
    qtbot.waitUntil(dialog.buttons.isEnabled, timeout=10_000)
    # a refused value: said in the dialog, what was typed stays, nothing saved
    dialog.hub_url.setText("http://hub.example.org/fhir")
    dialog.facility_name.setText("รพ.สต.บ้านใหม่")
    dialog.save()
    qtbot.waitUntil(dialog.error.isVisible, timeout=10_000)
    assert "https" in dialog.error.text() and dialog.facility_name.text() == "รพ.สต.บ้านใหม่"
    assert dialog.isVisible() and dialog.hub_url.styleSheet()
    dialog.hub_url.setText("https://hub.example.org/fhir")
    dialog.interval.setValue(2)
    dialog.idle.setValue(3)
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: "บ้านใหม่" in win.windowTitle(), timeout=10_000)
    assert scheduler.interval == 120  # the new interval without a restart
    with UnitSession(unit) as own:
        values = own.setting_values()
        assert values["hub_url"] == "https://hub.example.org/fhir" and values["idle_lock_minutes"] == 3
        changed = {row[5] for row in own.store.audit.rows() if row[3] == "setting" and row[2] == "admin1"}
        assert changed == {"hub_url", "facility_name", "sync_interval_minutes", "idle_lock_minutes"}


def test_a_training_folder_whose_key_is_lost_offers_to_start_over(tmp_path, keystore) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from clinic_app.app import open_gui_folder
    from clinic_app.core.errors import KeyMissingError
    from clinic_app.services.installation import initialise, open_or_start_training

    data = tmp_path / "data"
    inst, _ = open_or_start_training(data, keystore, None)
    inst.forget_secrets()  # the keyring entry is lost
    inst.close()
    asked: list[str] = []
    assert open_gui_folder(data, keystore, None, lambda e: asked.append(e.code) or False) == (None, False)
    assert asked and data.is_dir() and not list(tmp_path.glob("data-set-aside-*"))  # "no": nothing moved
    inst, needs_demo = open_gui_folder(data, keystore, None, lambda e: True)
    try:
        assert needs_demo and inst.folder.path == data  # training again, with demo data to load
        [aside] = tmp_path.glob("data-set-aside-*")
        assert (aside / "clinic.db").exists() or any(aside.iterdir())  # kept, not deleted
    finally:
        inst.forget_secrets()
        inst.close()
    real = initialise(tmp_path / "unit", hcode="12345", keys=keystore)  # a real unit is never started over
    real.forget_secrets()
    real.close()
    with pytest.raises(KeyMissingError):
        open_gui_folder(tmp_path / "unit", keystore, None, lambda e: pytest.fail("a real unit was offered a restart"))


def test_the_birth_date_starts_empty_and_an_estimated_age_is_kept_as_estimated(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from PySide6.QtWidgets import QMessageBox

    from clinic_app.core.thai import BIRTH_ESTIMATED_URL

    page = window.register
    window.tabs.setCurrentWidget(page)
    assert (page.day.text(), page.month.currentText(), page.year.text(), page.age.text()) == ("-", "-", "-", "-")
    page.cid.setText("3100500123458")
    page.given_th.setText("ทองใบ")
    page.family_th.setText("ไม่ทราบวันเกิด")
    page.save.click()  # no birth year and no age: refused, said beside "birth date"
    qtbot.waitUntil(lambda: any(b.isVisible() for b in window.findChildren(QMessageBox, "errorBox")), timeout=10_000)
    box = next(b for b in window.findChildren(QMessageBox, "errorBox") if b.isVisible())
    assert "วันเกิด" in box.text() and "อายุโดยประมาณ" in box.text()
    box.close()
    _idle(qtbot, window)
    assert page.given_th.text() == "ทองใบ"  # nothing typed was lost
    page.age.setValue(70)
    page.save.click()
    qtbot.waitUntil(lambda: isinstance(window.tabs.currentWidget(), ChartPage), timeout=10_000)
    chart: ChartPage = window.tabs.currentWidget()
    qtbot.waitUntil(lambda: "ประมาณ 70 ปี" in chart.header.text() or "ประมาณ 69 ปี" in chart.header.text(),
                    timeout=10_000)
    from clinic_app.services.session import UnitSession
    from tests.ui.test_workflows import NURSE

    with UnitSession(window.unit.inst, actor=NURSE) as own:
        saved = own.store.get("Patient", chart.patient_id)
    assert saved["birthDate"] == str(dt.date.today().year - 70)  # a year alone, as FHIR keeps a partial date
    assert saved["_birthDate"]["extension"] == [{"url": BIRTH_ESTIMATED_URL, "valueBoolean": True}]
    assert page.age.text() == "-" and page.year.text() == "-"  # the next patient starts empty again


def test_the_keyboard_shortcuts_work_in_the_real_window(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    from clinic_app.ui.chart import VisitDialog

    chart = _register(qtbot, window, "1101700207030", "สมศรี", "มีสุข")
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    chart.visits.setFocus()
    QTest.keyClick(chart.visits, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: chart.findChild(VisitDialog) is not None, timeout=5_000)  # Ctrl+N: a visit
    chart.findChild(VisitDialog).reject()
    QTest.keyClick(window.tabs, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is window.find and window.search.hasFocus(), timeout=5_000)
