"""The desktop's workflows driven offscreen with pytest-qt against the real encrypted
store (and the real hub where the workflow needs it)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

from clinic_app.core.permissions import Actor, CLINICIAN, DEVICE
from clinic_app.core.worklist import typearea
from clinic_app.hub.server import start_in_thread
from clinic_app.interop import f43_homes
from clinic_app.security.device import enrolment
from clinic_app.security.keys import KeyStore
from clinic_app.services.installation import Installation, configure_hub
from clinic_app.services.interop import month_bounds
from clinic_app.services.records import RecordService
from clinic_app.services.sync import scheduler_for
from clinic_app.ui.chart import ChartPage
from clinic_app.ui.main import MainWindow, apply_thai_font
from clinic_app.services.session import UnitSession
from tests.ui.thai_font import thai_font_problems

NURSE = Actor("nurse", CLINICIAN)


@pytest.fixture
def window(qtbot, qapp, unit: Installation) -> MainWindow:  # type: ignore[no-untyped-def]
    apply_thai_font(qapp)
    win = MainWindow(UnitSession(unit, actor=NURSE), training=False, facility="รพ.สต.")
    qtbot.addWidget(win)
    win.show()
    return win


def type_text(widget: QWidget, text: str) -> None:
    """Type like a keyboard does, Thai included (QTest's keyClicks knows only ASCII)."""
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char))


def _idle(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=20_000)


def _error_box(window: MainWindow) -> QMessageBox | None:
    return next((b for b in window.findChildren(QMessageBox, "errorBox") if b.isVisible()), None)


def _expect_error(qtbot, window: MainWindow, expected: str) -> None:  # type: ignore[no-untyped-def]
    """The error box appears and says `expected`; closed, and the worker idle again."""
    qtbot.waitUntil(lambda: _error_box(window) is not None, timeout=10_000)
    assert expected in _error_box(window).text()  # type: ignore[union-attr]
    _error_box(window).close()  # type: ignore[union-attr]
    _idle(qtbot, window)


def test_an_invalid_citizen_id_is_flagged_live_and_not_saved(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    page = window.register
    page.cid.setText("1101700207031")
    assert page.cid_verdict.text().startswith("✗")
    page.cid.setText("1101700207030")
    assert page.cid_verdict.text().startswith("✓")
    page.cid.setText("1101700207031")
    page.given_th.setText("สมศรี")
    page.family_th.setText("มีสุข")
    page.year.setValue(2523)
    page.save.click()
    _expect_error(qtbot, window, "เลขประจำตัวประชาชน")
    store = window.unit.inst.connect()
    assert store.counts_by_type() == {}
    store.close()


def test_register_then_record_a_visit_offline(qtbot, window: MainWindow, unit: Installation) -> None:  # type: ignore[no-untyped-def]
    """By keyboard, as a nurse does: the form's fields typed, Enter to register, Ctrl+N for
    the visit form, its fields typed, Enter to save; F5 asks for a sync (here offline)."""
    from PySide6.QtTest import QTest

    from clinic_app.ui.chart import VisitDialog

    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    page = window.register
    window.tabs.setCurrentWidget(page)
    QTest.keyClicks(page.cid, "1101700207030")
    type_text(page.given_th, "สมศรี")
    type_text(page.family_th, "มีสุข")
    page.year.selectAll()
    QTest.keyClicks(page.year, "2523")
    page.typearea.setFocus()
    QTest.keyClick(page.typearea, Qt.Key.Key_Down)  # "- not given" -> 1: registered in the area, lives here
    assert page.typearea.currentData() == "1"
    page.family_th.setFocus()
    QTest.keyClick(page.family_th, Qt.Key.Key_Return)  # Enter registers
    qtbot.waitUntil(lambda: isinstance(window.tabs.currentWidget(), ChartPage), timeout=10_000)
    chart: ChartPage = window.tabs.currentWidget()
    _idle(qtbot, window)
    assert "สมศรี" in chart.header.text() and "x-xxxx" in chart.header.text()
    chart.visits.setFocus()
    QTest.keyClick(chart.visits, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # Ctrl+N: the visit form
    qtbot.waitUntil(lambda: chart.findChild(VisitDialog) is not None, timeout=5_000)
    dialog: VisitDialog = chart.findChild(VisitDialog)
    dialog.activateWindow()  # as the desktop's window manager does with a new dialog (offscreen has none)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5_000)
    type_text(dialog.complaint, "ไข้ ไอ")
    for box, typed in ((dialog.sbp, "120"), (dialog.dbp, "80"), (dialog.weight, "55")):
        box.selectAll()
        QTest.keyClicks(box, typed)
    QTest.keyClicks(dialog.diagnosis, "J00")
    QTest.keyClick(dialog.diagnosis, Qt.Key.Key_Return)  # Enter in the search box adds the diagnosis, no save
    assert [row.code for row in dialog.diagnoses.rows] == ["J00"] and dialog.diagnosis.text() == ""
    assert dialog.isVisible() and dialog.buttons.isEnabled()
    assert (dialog.type_in.currentData(), dialog.serv_place.currentData(), dialog.type_out.currentData()) == ("", "1", "1")
    dialog.serv_place.setFocus()
    QTest.keyClick(dialog.serv_place, Qt.Key.Key_Down)  # seen outside the unit (a home visit)
    dialog.complaint.setFocus()
    QTest.keyClick(dialog.complaint, Qt.Key.Key_Return)  # Enter saves
    qtbot.waitUntil(lambda: chart.visits.rowCount() == 1 or dialog.problems.isVisible(), timeout=10_000)
    assert not dialog.problems.isVisible(), dialog.problems.text()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    assert chart.visits.item(0, 3).text() == "J00 หวัด"
    _idle(qtbot, window)
    store = unit.connect()
    try:  # what HDC asks of the person and the visit, as chosen
        [patient] = list(store.iter_resources(resource_type="Patient"))
        [encounter] = list(store.iter_resources(resource_type="Encounter"))
        assert typearea(patient) == "1"
        assert {k: v for k, v in f43_homes.encounter_codes(encounter).items() if v} == {
            "TYPEIN": "1", "SERVPLACE": "2", "TYPEOUT": "1"}
    finally:
        store.close()
    # offline: the patient and their right, 4 visit records and the nurse's Practitioner queued
    qtbot.waitUntil(lambda: "รอส่ง 7 รายการ" in window.status_label.text(), timeout=10_000)
    configure_hub(unit, "http://127.0.0.1:9/fhir", auth=False)  # a hub that does not answer
    scheduler = scheduler_for(unit, on_state=window.relay.send)
    scheduler.probe_every = 60  # no probing: only F5 makes it try
    window.attach_scheduler(scheduler)
    scheduler.start()
    try:
        QTest.keyClick(chart.visits, Qt.Key.Key_F5)  # F5: sync now
        qtbot.waitUntil(lambda: "ออฟไลน์" in window.online_label.text(), timeout=20_000)
        assert "รอส่ง 7 รายการ" in window.status_label.text()  # nothing lost, still queued
    finally:
        scheduler.stop()
        window.attach_scheduler(None)


def test_address_pickers_narrow_by_typing_and_save_the_dopa_code(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    page, address = window.register, window.register.address
    window.tabs.setCurrentWidget(page)
    assert address.province.count() == 77 and address.district.count() == 0
    # typing part of a name (Thai or English) that fits one item, then Enter, picks it
    for box, typed in ((address.province, "ราชสีมา"), (address.district, "mueang nakhon")):
        box.setFocus()
        type_text(box.lineEdit(), typed)
        qtbot.waitUntil(box.completer().popup().isVisible, timeout=5_000)
        qtbot.keyClick(box.completer().popup(), Qt.Key.Key_Return)
    # a part that fits several: arrow down through the list, Enter takes the highlighted one
    address.subdistrict.setFocus()
    type_text(address.subdistrict.lineEdit(), "โพธิ์")
    popup = address.subdistrict.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=5_000)
    assert popup.model().rowCount() == 2  # บ้านโพธิ์, โพธิ์กลาง
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert address.province.currentData() == "30" and address.district.currentData() == "3001"
    assert address.subdistrict.currentData() == "300102" and address.postal.text() == "30000"
    assert 20 < address.subdistrict.count() < 40  # only this district's subdistricts
    qtbot.keyClicks(address.moo, "7")
    qtbot.keyClicks(address.moo, "x")  # not a village number: the field refuses it
    assert address.moo.text() == "7"
    page.given_th.setText("บุญมี")
    page.family_th.setText("ทองดี")
    page.year.setValue(2523)
    page.save.click()
    qtbot.waitUntil(lambda: isinstance(window.tabs.currentWidget(), ChartPage), timeout=10_000)
    _idle(qtbot, window)
    store = window.unit.inst.connect()
    saved = store.search_patients("บุญมี")[0]["address"][0]
    store.close()
    codes = [part["valueCodeableConcept"]["coding"][0]["code"] for part in saved["extension"][0]["extension"]]
    assert codes == ["30", "3001", "300102"]  # TH Core: the three DOPA codes, the village number apart
    assert {p["url"]: p["valueString"] for p in saved["extension"][1]["extension"]}["villageNo"] == "หมู่ที่ 7"
    assert saved["text"] == "หมู่ที่ 7 ต.โพธิ์กลาง อ.เมืองนครราชสีมา จ.นครราชสีมา"  # the whole address, written out
    # a province picked again lists its own districts and forgets the old choice below;
    # half an address is not saved as if it were whole
    address.province.choose("10")
    assert address.district.currentIndex() == -1 and address.subdistrict.count() == 0 and address.code() == "10"
    page.given_th.setText("ครึ่ง")
    page.save.click()
    _expect_error(qtbot, window, "ที่อยู่")


def test_arrowing_to_another_area_then_tab_takes_it_with_its_postal_code(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.tabs.setCurrentWidget(window.register)
    address = window.register.address
    address.choose("302102")
    first_postal = address.postal.text()
    box = address.subdistrict
    box.setFocus()
    box.lineEdit().clear()
    type_text(box.lineEdit(), "จันทึก")
    qtbot.waitUntil(box.completer().popup().isVisible, timeout=5_000)
    qtbot.keyClick(box.completer().popup(), Qt.Key.Key_Down)
    qtbot.keyClick(box.completer().popup(), Qt.Key.Key_Tab)
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Tab)
    assert box.currentData() == address.code() == "302103"
    assert address.postal.text() == "30130" != first_postal


def test_a_consent_request_from_the_window(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    page = window.consent
    page.cid.setText("3100500123458")
    page.ask.click()
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=10_000)
    assert "รอส่ง" in page.table.item(0, 2).text()


def test_sync_status_changes_and_sync_now(qtbot, window: MainWindow, unit: Installation, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hub = start_in_thread(tmp_path / "hub", auth=True)
    configure_hub(unit, hub.url, auth=True)
    hub.hub.authority.enroll(enrolment(unit.device(), "99999"))
    store = unit.connect()
    RecordService(store, actor=DEVICE).load_demo(2, seed=3)
    store.close()
    scheduler = scheduler_for(unit, on_state=window.relay.send)
    scheduler.probe_every = scheduler.online_probe_every = 0.2
    window.attach_scheduler(scheduler)
    scheduler.start()
    try:
        qtbot.waitUntil(lambda: "ออนไลน์" in window.online_label.text(), timeout=20_000)
        window.sync_button.click()
        qtbot.waitUntil(lambda: "รอส่ง 0 รายการ" in window.status_label.text()
                        and "ยังไม่เคย" not in window.status_label.text(), timeout=30_000)
        assert "ผู้ป่วย 2 ราย" in window.status_label.text()
        hub.stop()
        qtbot.waitUntil(lambda: "ออฟไลน์" in window.online_label.text(), timeout=20_000)
    finally:
        scheduler.stop()
        window.attach_scheduler(None)


def test_resolving_a_conflict_side_by_side(qtbot, window: MainWindow, unit: Installation) -> None:  # type: ignore[no-untyped-def]
    store = unit.connect()
    RecordService(store, actor=DEVICE).load_demo(1, seed=4)
    patient = store.search_patients("0")[0]
    with store.transaction():
        store.conn.execute("DELETE FROM outbox")
        store.put(patient, version_id="1")
        store.outbox.enqueue("Patient", patient["id"], "update")
        entry = store.outbox.live_entry("Patient", patient["id"])
        store.outbox.record_conflict(entry, remote={**patient, "gender": "unknown"}, remote_version="2", elements=["gender"])
    store.close()
    page = window.sync_page
    window.tabs.setCurrentWidget(page)
    page.refresh()
    qtbot.waitUntil(lambda: page.conflicts.count() == 1 and page.sides.rowCount() == 1, timeout=10_000)
    assert page.sides.cellWidget(0, 2).text() == "ไม่ระบุ"
    page.sides.cellWidget(0, 2).setChecked(True)
    assert page.choices() == {"gender": "remote"}
    page.apply.click()
    qtbot.waitUntil(lambda: page.conflicts.count() == 0, timeout=10_000)
    store = unit.connect()
    assert store.get("Patient", patient["id"])["gender"] == "unknown"
    assert store.outbox.conflicts() == [] and store.outbox.live_entry("Patient", patient["id"]).state == "pending"
    store.close()


def test_the_screens_command_renders_every_main_screen(tmp_path: Path, keystore: KeyStore) -> None:
    from clinic_app.app import render_screens

    made = render_screens(tmp_path / "shots")
    assert [p.name for p in made] == ["today.png", "find.png", "register.png", "chart.png", "visit-form.png", "consent.png",
                                      "referrals.png", "sync.png", "followup.png"]
    assert all(p.stat().st_size > 15_000 for p in made)
    assert thai_font_problems(QApplication.font()) == []  # the screens were drawn in Thai, not in boxes


def test_idle_lock_keeps_unsaved_data_and_lets_another_person_sign_in(qtbot, qapp, unit: Installation) -> None:  # type: ignore[no-untyped-def]
    from clinic_app.services.accounts import AccountService
    from clinic_app.ui.session import IdleLock, SignInDialog

    store = unit.connect()
    accounts = AccountService(store)
    accounts.add("somchai", "administrator", "admin-pass-2026")
    admin = accounts.sign_in("somchai", "admin-pass-2026")
    AccountService(store, actor=admin).add("dao", "clerk", "clerk-pass-99")
    RecordService(store, actor=DEVICE).load_demo(1, seed=5)
    queued = store.outbox.counts()
    store.close()

    def sign_in(name: str, password: str):  # type: ignore[no-untyped-def]
        conn = unit.connect()
        try:
            return AccountService(conn).sign_in(name, password)
        finally:
            conn.close()

    def sign_out(actor):  # type: ignore[no-untyped-def]
        conn = unit.connect()
        try:
            AccountService(conn).sign_out(actor)
        finally:
            conn.close()

    win = MainWindow(UnitSession(unit, actor=admin), training=False, facility="รพ.สต.",
                     sign_in=sign_in, sign_out=sign_out)
    qtbot.addWidget(win)
    win.show()
    win.register.given_th.setText("ยังไม่บันทึก")
    lock = IdleLock(qapp, minutes=0.0005)  # 30 ms without a key press or click
    lock.idle.connect(win.lock_now)
    qtbot.waitUntil(lambda: win.findChild(SignInDialog, "signInDialog") is not None, timeout=5_000)
    lock.stop()
    dialog = win.findChild(SignInDialog, "signInDialog")
    dialog.reject()  # Esc does not get past the lock
    assert dialog.isVisible()
    dialog.name.setText("dao")
    dialog.password.setText("wrong-password-1")
    dialog._on_buttons_accepted()
    assert "Wrong user name or password" in dialog.error.text() and dialog.isVisible()
    dialog.password.setText("clerk-pass-99")
    dialog._on_buttons_accepted()
    qtbot.waitUntil(lambda: win.actor.name == "dao", timeout=5_000)
    assert "dao" in win.user_label.text() and win.register.given_th.text() == "ยังไม่บันทึก"
    assert not win.consent.emergency.isEnabled()  # a clerk may not break the glass
    _idle(qtbot, win)
    store = unit.connect()
    assert store.outbox.counts() == queued  # switching user discards nothing
    audited = [(r[2], r[3]) for r in store.audit.rows()][-3:]
    assert audited == [("dao", "login-failed"), ("dao", "login"), ("somchai", "logout")]
    store.close()


def test_setting_up_a_real_unit_from_the_menu(qtbot, window: MainWindow, keystore: KeyStore, tmp_path: Path,  # type: ignore[no-untyped-def]
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from clinic_app.services.accounts import AccountService
    from clinic_app.services.installation import open_installation, resolve_data_dir
    from clinic_app.ui.setup import SetupDoneDialog

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("CLINIC_APP_DATA_DIR", raising=False)
    dialog = window.open_setup()
    dialog.hcode.setText("1066")
    dialog._on_buttons_accepted()
    assert "5 digits" in dialog.error.text() and dialog.isVisible()
    dialog.hcode.setText("10669")
    dialog.name.setText("รพ.สต.บ้านจริง")
    dialog.hub.setText("https://hub.example.org/fhir")
    dialog.admin.setText("somchai")
    dialog.password.setText("admin-pass-2026")
    dialog.repeat.setText("admin-pass-2026")
    dialog.folder.setText(str(tmp_path / "real-unit"))
    dialog._on_buttons_accepted()
    qtbot.waitUntil(lambda: window.findChild(SetupDoneDialog, "setupDone") is not None, timeout=10_000)
    done = window.findChild(SetupDoneDialog, "setupDone")
    from PySide6.QtWidgets import QLabel

    key = done.findChild(QLabel, "recoveryKey").text()
    assert key.count("-") == 5
    assert resolve_data_dir(None) == tmp_path / "real-unit"  # the next start opens the new unit
    unit = open_installation(tmp_path / "real-unit", keys=keystore)
    store = unit.connect()
    assert store.settings.get("hcode") == "10669" and store.settings.get("hub_url") == "https://hub.example.org/fhir"
    assert AccountService(store).sign_in("somchai", "admin-pass-2026").role == "administrator"
    store.close()
    unit.forget_secrets()
    unit.close()


def test_records_from_other_facilities_say_their_kind_and_grant(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    page = window.consent
    rows = [{"facility_name": "รพช.ตัวอย่าง", "grant": "consent",
             "resource": {"resourceType": "Immunization", "vaccineCode": {"text": "BCG"}}},
            {"facility_name": "รพช.ตัวอย่าง", "grant": "emergency",
             "resource": {"resourceType": "DocumentReference"}}]
    page._show_records(rows)
    cells = [[page.records.item(r, c).text() for c in range(5)] for r in range(2)]
    assert cells[0] == ["", "รพช.ตัวอย่าง", "วัคซีน", "BCG", "ความยินยอม"]  # no date in this record
    assert cells[1][2] == "DocumentReference" and cells[1][4] == "ฉุกเฉิน"  # a kind without a name stays as it is


def test_export_and_import_43_files_from_the_file_menu(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = window.unit.inst.connect()
    RecordService(store, actor=DEVICE).load_demo(5, seed=4)
    before = store.counts_by_type()
    store.close()
    dialog = window.export_43(tmp_path)
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "reportBox") is not None, timeout=20_000)
    assert not dialog.isVisible()
    [archive] = list(tmp_path.glob("F43_99999_*.zip"))
    assert "PERSON 5" in window.findChild(QMessageBox, "reportBox").text()
    # HDC's month from the File menu: last month offered first; demo patients have no TYPEAREA,
    # so it is refused, each row named, and nothing is written
    month = window.open_hdc_month()
    first, last = month.chosen()
    thai_today = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date()  # the files' days are Thailand's
    assert first.day == 1 and first <= last < thai_today.replace(day=1) and (thai_today - last).days <= 31
    month.close()
    hdc = tmp_path / "hdc"
    hdc.mkdir()
    window.export_43(hdc, month=month_bounds(f"{dt.date.today():%Y-%m}"))
    _expect_error(qtbot, window, "TYPEAREA")
    assert list(hdc.iterdir()) == []
    # a file with a problem: refused whole, the box names the line
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "person.txt").write_text("99999|1101700207031|1\r\n", encoding="utf-8")
    window.import_43(bad)
    _expect_error(qtbot, window, "person.txt บรรทัดที่ 1")
    window.import_43(archive)  # the unit's own files again: the same records, updated
    qtbot.waitUntil(lambda: len(window.findChildren(QMessageBox, "reportBox")) == 2, timeout=20_000)
    assert any(b.text().startswith("นำเข้า 43 แฟ้มแล้ว") for b in window.findChildren(QMessageBox, "reportBox"))
    _idle(qtbot, window)
    store = window.unit.inst.connect()
    assert store.counts_by_type() == before  # people matched by citizen ID, visits and doses already here
    store.close()


def test_a_43_file_import_counts_people_and_a_cancel_stores_nothing(qtbot, window: MainWindow, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                    keystore: KeyStore,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from clinic_app.interop.f43_import import Mapper
    from clinic_app.services import interop_stage
    from clinic_app.services.installation import initialise
    from clinic_app.services.interop import Interop43

    source = initialise(tmp_path / "source", hcode="99999", keys=keystore)  # another desktop's unit, its files
    store = source.connect()
    RecordService(store, actor=DEVICE).load_demo(12, seed=5)
    archive = Interop43(store, actor=DEVICE).export(tmp_path / "f43.zip").path
    store.close()
    source.forget_secrets()
    source.close()
    real = Mapper.map
    monkeypatch.setattr(interop_stage, "PEOPLE_AT_ONCE", 1)
    monkeypatch.setattr(Mapper, "map", lambda self, tables: (time.sleep(0.1), real(self, tables))[1])
    dialog = window.import_43(archive)
    qtbot.waitUntil(lambda: dialog.value() >= 2, timeout=20_000)
    assert dialog.maximum() == 12  # people, counted
    [cancel] = dialog.findChildren(QPushButton)
    assert cancel.text() == "ยกเลิก"
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    _idle(qtbot, window)
    box = window.findChild(QMessageBox, "reportBox")
    assert _error_box(window) is None and box is None, box and box.text()
    store = window.unit.inst.connect()
    assert store.counts_by_type() == {} and store.db.one("SELECT count(*) FROM f43_stage")[0] == 0
    store.close()


def test_a_refused_visit_keeps_everything_typed_and_an_unusual_reading_is_confirmed(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox as Box

    from clinic_app.ui.chart import VisitDialog

    store = window.unit.inst.connect()
    RecordService(store, actor=DEVICE).load_demo(1, seed=6)
    patient_id = store.search_patients("0")[0]["id"]
    store.close()
    chart = window.open_chart(patient_id)
    qtbot.waitUntil(lambda: chart.refreshes == 1, timeout=10_000)
    visits_before = chart.visits.rowCount()
    dialog: VisitDialog = chart._on_record_clicked()
    dialog.complaint.setText("ปวดหัวมาก ตาพร่า")
    dialog.sbp.setValue(270)
    dialog.dbp.setValue(140)
    drug = dialog.add_free_drug("Amlodipine 5 mg")
    dialog.diagnosis.setText("ZZZ not a code")
    dialog.accept()  # Enter
    qtbot.waitUntil(lambda: dialog.problems.isVisible(), timeout=10_000)
    assert dialog.isVisible() and dialog.complaint.text() == "ปวดหัวมาก ตาพร่า" and drug.free_name.text() == "Amlodipine 5 mg"
    assert "การวินิจฉัย" in dialog.problems.text() and "#b00020" in dialog.diagnosis.styleSheet()
    dialog.diagnosis.setText("")  # fixed; the 270/140 is real
    dialog.accept()
    qtbot.waitUntil(lambda: dialog.findChild(Box, "confirmUnusual") is not None, timeout=10_000)
    box = dialog.findChild(Box, "confirmUnusual")
    assert dialog.isVisible() and "ความดันตัวบน" in box.text()
    box.button(Box.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: chart.visits.rowCount() == visits_before + 1, timeout=10_000)
    assert "ปวดหัวมาก" in chart.visits.item(0, 2).text()


def test_one_citizen_id_is_one_patient(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    page = window.register
    window.tabs.setCurrentWidget(page)

    def fill() -> None:
        page.cid.setText("1101700203450")
        page.given_th.setText("สมชาย")
        page.family_th.setText("ทดลองซ้ำ")
        page.year.setValue(2523)

    fill()
    page.save.click()
    qtbot.waitUntil(lambda: isinstance(window.tabs.currentWidget(), ChartPage), timeout=10_000)
    first = window.tabs.currentWidget().patient_id
    window.tabs.setCurrentWidget(page)
    fill()
    page.save.click()  # lists the possible duplicate ...
    qtbot.waitUntil(lambda: page.duplicates.count() == 1, timeout=10_000)
    page.save.click()  # ... and "save anyway" still saves no second record with this ID
    qtbot.waitUntil(lambda: page.open_existing.isVisible(), timeout=10_000)
    assert "ลงทะเบียนไว้แล้ว" in page.message.text()
    page.open_existing.click()
    qtbot.waitUntil(lambda: isinstance(window.tabs.currentWidget(), ChartPage)
                    and window.tabs.currentWidget().patient_id == first, timeout=10_000)
    store = window.unit.inst.connect()
    assert len(store.find_patients("cid", "1101700203450")) == 1
    store.close()


def test_the_register_form_is_empty_for_the_next_patient_and_the_prefix_says_the_sex(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    page = window.register
    assert page.sex.currentData() == "male"  # นาย, the first prefix: not หญิง
    page.prefix.setCurrentText("นางสาว")
    assert page.sex.currentData() == "female"
    page.cid.setText("3100500123458")
    page.given_th.setText("มาลี")
    page.family_th.setText("ล้างฟอร์ม")
    page.year.setValue(2523)
    page.phone.setText("0812345678")
    page.save.click()
    qtbot.waitUntil(lambda: "บันทึกแล้ว" in page.message.text(), timeout=10_000)
    assert (page.cid.text(), page.given_th.text(), page.family_th.text(), page.phone.text()) == ("", "", "", "")
    assert page.prefix.currentText() == "นาย" and page.sex.currentData() == "male"


def test_the_window_fits_the_commonest_health_centre_screens(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    hint = window.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 680  # 1280x720 and 1366x768, a taskbar and a title bar
    window.resize(1366 - 40, 768 - 90)
    qtbot.waitUntil(lambda: window.height() <= 768 - 90, timeout=5_000)
    window.tabs.setCurrentWidget(window.register)
    bar = window.statusBar()
    assert bar.isVisible() and bar.geometry().bottom() <= window.height()  # the status bar stays on screen
