"""Referral in the window (issue 16), driven by keyboard where a clerk would: from a chart,
the referral dialog (the facility typed by name, the summary filled in), saved offline and
shown on the chart and the referrals page as not sent yet; at the hospital, the referral
to it listed with a count in the status bar, accepted by its button, and the letter
written as a PDF."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from clinic_app.core.fhir import patient_cid
from clinic_app.core.permissions import CLINICIAN, Actor
from clinic_app.hub.seed import HOSPITAL, seed_demo
from clinic_app.hub.server import start_in_thread
from clinic_app.security.device import enrolment
from clinic_app.security.keys import KeyStore
from clinic_app.services.installation import configure_hub, initialise
from clinic_app.services.records import RecordService
from clinic_app.services.referrals import ReferralService
from clinic_app.services.session import UnitSession
from clinic_app.services.sync import sync_now
from clinic_app.ui.main import MainWindow, apply_thai_font
from clinic_app.ui.referral import ReferralDialog
from tests.ui.test_workflows import type_text

NURSE = Actor("nurse", CLINICIAN)


def _idle(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=20_000)


def test_refer_from_the_chart_then_the_hospital_accepts_in_its_window(qtbot, qapp, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                      keystore: KeyStore) -> None:
    apply_thai_font(qapp)
    hub = start_in_thread(tmp_path / "hub", auth=True)
    seed_demo(hub.engine, patients=1)
    made = []
    try:
        unit = initialise(tmp_path / "unit", hcode="99999", keys=keystore)
        hospital = initialise(tmp_path / "hospital", hcode=HOSPITAL, keys=keystore)
        made += [unit, hospital]
        for inst, hcode in ((unit, "99999"), (hospital, HOSPITAL)):
            configure_hub(inst, hub.url, auth=True)
            hub.hub.authority.enroll(enrolment(inst.device(), hcode))
        store = unit.connect()
        RecordService(store, actor=NURSE).load_demo(1, seed=11)
        patient = next(p for p in store.iter_resources(resource_type="Patient") if patient_cid(p))
        store.close()
        sync_now(unit)  # the directory

        window = MainWindow(UnitSession(unit, actor=NURSE), training=False, facility="รพ.สต.")
        qtbot.addWidget(window)
        window.show()
        chart = window.open_chart(patient["id"])
        qtbot.waitUntil(lambda: chart.refreshes == 1, timeout=10_000)
        assert not chart.referral_state.isVisible()
        chart.refer.click()
        dialog = chart.findChild(ReferralDialog)
        qtbot.waitUntil(lambda: dialog.facility.count() > 0 and dialog.summary.toPlainText() != "", timeout=10_000)
        assert "แพ้ยา" in dialog.summary.toPlainText()
        assert dialog.chosen_facility() == ""  # nothing chosen: no facility, never the list's first
        dialog.facility.lineEdit().setText("ตัวอย่าง")  # in two facilities' names: neither
        assert dialog.chosen_facility() == ""
        type_text(dialog.reason, "ไข้สูง")
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
        qtbot.waitUntil(lambda: dialog.buttons.isEnabled() and window.worker.pending == 0, timeout=10_000)
        error = next(b for b in dialog.findChildren(QMessageBox) if b.isVisible())
        assert "สถานบริการปลายทาง" in error.text() or "สถานบริการปลายทาง" in error.informativeText() + \
            error.detailedText()
        error.close()
        dialog.reason.clear()
        dialog.facility.lineEdit().clear()
        dialog.facility.setFocus()
        type_text(dialog.facility.lineEdit(), "ชุมชนตัวอย่าง")  # a part of the name, typed
        QTest.keyClick(dialog.facility, Qt.Key.Key_Tab)
        type_text(dialog.reason, "ปวดท้องน้อยด้านขวา สงสัยไส้ติ่งอักเสบ")
        QTest.keyClick(dialog.reason, Qt.Key.Key_Tab)
        type_text(dialog.diagnoses, "K35.8")
        QTest.keyClick(dialog.diagnoses, Qt.Key.Key_Tab)
        QTest.keyClick(dialog.urgency, Qt.Key.Key_Down)  # urgent
        assert dialog.chosen_facility() == HOSPITAL
        dialog.grab().save(str(tmp_path / "referral-dialog.png"))
        dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
        qtbot.waitUntil(lambda: chart.referral_state.isVisible(), timeout=10_000)
        assert "ยังไม่ได้ส่ง" in chart.referral_state.text() and "โรงพยาบาลชุมชนตัวอย่าง" in chart.referral_state.text()
        window.resize(1366, 768)
        window.grab().save(str(tmp_path / "chart.png"))
        window.tabs.setCurrentWidget(window.referrals)
        _idle(qtbot, window)
        qtbot.waitUntil(lambda: window.referrals.outgoing.rowCount() == 1, timeout=10_000)
        assert window.referrals.outgoing.item(0, 3).text() == "เร่งด่วน"
        window.close()
        sync_now(unit)
        sync_now(hospital)

        there = MainWindow(UnitSession(hospital, actor=Actor("dr.anan", CLINICIAN)), training=False,
                           facility="โรงพยาบาล")
        qtbot.addWidget(there)
        there.show()
        there.resize(1366, 768)
        there.refresh_status()
        qtbot.waitUntil(lambda: "ส่งต่อมารอตอบ 1 ราย" in there.status_label.text(), timeout=10_000)
        there.tabs.setCurrentWidget(there.referrals)
        page = there.referrals
        qtbot.waitUntil(lambda: page.incoming.rowCount() == 1 and page.accept_button.isEnabled(), timeout=10_000)
        qtbot.waitUntil(lambda: "การวินิจฉัย" in page.summary.toPlainText(), timeout=10_000)
        there.grab().save(str(tmp_path / "referrals.png"))
        page.accept_button.click()
        qtbot.waitUntil(lambda: "ปลายทางรับแล้ว" in page.incoming.item(0, 5).text(), timeout=10_000)
        assert not page.accept_button.isEnabled() and page.complete_button.isEnabled()
        letter = tmp_path / "letter.pdf"
        task_id = page.rows_in[0].id
        page.write_letter(task_id, letter)
        qtbot.waitUntil(lambda: letter.exists(), timeout=10_000)
        _idle(qtbot, there)
        there.close()
        sync_now(hospital)
        sync_now(unit)
        store = unit.connect()
        assert ReferralService(store, actor=NURSE).list()[0].state == "accepted"
        store.close()
    finally:
        hub.stop()
        for inst in made:
            inst.forget_secrets()
            inst.close()
