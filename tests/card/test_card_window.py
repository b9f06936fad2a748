"""The ID card at the window's front desk (pytest-qt, the real PC/SC stack, the real
encrypted store): a card inserted on the find page opens the chart of the patient it names;
on the registration page a new person's card fills the form (the address down to the
subdistrict), and saving registers them; a card pulled out mid-read is said and nothing is
half filled."""

from __future__ import annotations

import time

from clinic_app.core.permissions import Actor, CLERK
from clinic_app.services.installation import Installation
from clinic_app.services.patients import PatientForm
from clinic_app.services.session import UnitSession
from clinic_app.ui.chart import ChartPage
from clinic_app.ui.main import MainWindow, apply_thai_font
from tests.card.vcard import Person, VirtualCard

DESK = Actor("desk", CLERK)


def _window(qtbot, qapp, unit: Installation) -> MainWindow:  # type: ignore[no-untyped-def]
    apply_thai_font(qapp)
    win = MainWindow(UnitSession(unit, actor=DESK), training=False, facility="รพ.สต.")
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitUntil(lambda: win.card_desk is not None, timeout=10_000)  # watched a second after opening
    qtbot.waitUntil(lambda: "รอเสียบบัตร" in win.card_desk.label.text(), timeout=10_000)
    return win


def test_a_card_on_the_find_page_opens_the_chart_of_the_patient_it_names(qtbot, qapp, installation: Installation,  # type: ignore[no-untyped-def]
                                                                          pcscd: None) -> None:
    with UnitSession(installation, actor=DESK) as session:
        known = session.patients.register(PatientForm(given_th="สมศรี", family_th="ใจดี", sex="female", birth_day=14,
                                                      birth_month=3, birth_year_be=2520, cid="1101700203450")).value
    win = _window(qtbot, qapp, installation)
    win.tabs.setCurrentWidget(win.find)
    card = VirtualCard().insert()
    try:
        qtbot.waitUntil(lambda: isinstance(win.tabs.currentWidget(), ChartPage), timeout=20_000)
        assert win.tabs.currentWidget().patient_id == known["id"]
    finally:
        card.remove()
    qtbot.waitUntil(lambda: "รอเสียบบัตร" in win.card_desk.label.text(), timeout=10_000)
    win.close()


def test_a_new_persons_card_fills_the_registration_and_saving_registers_them(qtbot, qapp, installation: Installation,  # type: ignore[no-untyped-def]
                                                                              pcscd: None) -> None:
    with UnitSession(installation) as session:
        store = session.store
        with store.transaction():
            store.settings.set("card_photo", True)  # this unit keeps the card's photo
    win = _window(qtbot, qapp, installation)
    win.tabs.setCurrentWidget(win.register)
    page = win.register
    person = Person(cid="3100600445155", name_th="นาย#ประเสริฐ##มั่นคง", name_en="Mr.#Prasert##Mankong",
                    sex="1", birth="25101231", expires="25680101")
    card = VirtualCard(person).insert()
    try:
        qtbot.waitUntil(lambda: page.given_th.text() == "ประเสริฐ", timeout=20_000)
    finally:
        card.remove()
    assert page.cid.text() == "3100600445155" and page.family_th.text() == "มั่นคง" and page.prefix.currentText() == "นาย"
    assert page.family_en.text() == "Mankong" and page.sex.currentData() == "male"
    assert (page.day.value(), page.month.currentIndex(), page.year.value()) == (31, 12, 2510)
    assert page.address.province.currentText().startswith("ขอนแก่น")
    assert page.address.district.currentText().startswith("เมืองขอนแก่น")
    assert page.address.subdistrict.currentText().startswith("บ้านเป็ด") and page.address.house.text() == "99/1"
    assert page.address.code() == page.address.subdistrict.currentData() and page.address.code().startswith("4001")
    assert page.photo.isVisible() and "บัตรหมดอายุ" in page.card_note.text()  # expired: said, not refused
    win.grab().save(str(installation.folder.path.parent / "card-register.png"))
    page.save.click()
    qtbot.waitUntil(lambda: win.worker.pending == 0, timeout=20_000)
    with UnitSession(installation) as session:
        [saved] = session.store.find_patients("cid", "3100600445155")
        stored = session.store.get("Patient", saved["id"])
    assert stored["photo"][0]["contentType"] == "image/jpeg"  # kept: the unit keeps photos
    assert stored["address"][0]["extension"] or stored["address"][0].get("district")
    win.close()


def test_a_card_pulled_out_mid_read_is_said_and_nothing_is_half_filled(qtbot, qapp, installation: Installation,  # type: ignore[no-untyped-def]
                                                                        pcscd: None) -> None:
    win = _window(qtbot, qapp, installation)
    win.tabs.setCurrentWidget(win.register)
    card = VirtualCard(pull_after=8).insert()
    try:
        qtbot.waitUntil(lambda: "อ่านบัตรไม่สำเร็จ" in win.card_desk.label.text(), timeout=20_000)
    finally:
        card.remove()
    assert "ลองอีกครั้ง" in win.register.message.text()
    assert win.register.given_th.text() == "" and win.register.cid.text() == ""  # nothing half filled
    time.sleep(0.1)
    win.close()
