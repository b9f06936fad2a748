"""The administrator's duplicates dialog, driven through the real window offscreen: listed,
the record to keep chosen, merged after a confirmation on the database worker; the list,
an open chart of the replaced record and the find box follow the change."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from clinic_app.core import builders as build
from clinic_app.core.identifiers import CID_SYSTEM, local_system
from clinic_app.core.permissions import ADMIN, CLINICIAN, Actor
from clinic_app.services.installation import Installation
from clinic_app.services.patients import PatientForm, VisitForm
from clinic_app.services.session import UnitSession
from clinic_app.ui.duplicates import DuplicatesDialog
from clinic_app.ui.main import MainWindow, apply_thai_font
from tests.ui.test_accessibility import _unnamed

CID = "1101700207030"
ADMINISTRATOR, NURSE = Actor("admin", ADMIN), Actor("nurse", CLINICIAN)


def _two_records(unit: Installation) -> tuple[str, str]:
    """The person registered here (HN 0000001, a visit), and again from old data (HN 0000777, a visit)."""
    with UnitSession(unit, actor=ADMINISTRATOR) as session:
        kept = session.patients.register(PatientForm(given_th="สมศรี", family_th="มีสุข", sex="female", birth_day=3,
                                                     birth_month=2, birth_year_be=2523, cid=CID)).value["id"]
        session.patients.record_visit(kept, VisitForm(complaint="ไข้"))
        old = build.patient(id="old-1", identifiers=[build.identifier(CID_SYSTEM, CID),
                                                     build.identifier(local_system("99999", "HN"), "0000777")],
                            names=[build.human_name("สมศรี", "มีสุข", prefix="นาง")], gender="female",
                            birth_date="1980-02-03", hcode="99999")
        visit = build.encounter(id="old-visit", subject=build.reference("Patient", "old-1"),
                                when="2024-05-01T09:00:00+07:00", hcode="99999", reason="ปวดหัว")
        session.records.save_resources([old, visit])
    return kept, "old-1"


def _window(qtbot, qapp, unit: Installation, actor: Actor) -> MainWindow:  # type: ignore[no-untyped-def]
    apply_thai_font(qapp)
    win = MainWindow(UnitSession(unit, actor=actor), training=False, facility="รพ.สต.")
    qtbot.addWidget(win)
    win.show()
    return win


def test_an_administrator_merges_duplicates_in_the_window(qtbot, qapp, unit: Installation) -> None:  # type: ignore[no-untyped-def]
    kept, dropped = _two_records(unit)
    window = _window(qtbot, qapp, unit, ADMINISTRATOR)
    chart = window.open_chart(dropped)  # someone has the old record open
    window.search.setText("สมศรี")
    qtbot.waitUntil(lambda: window.results.rowCount() == 2, timeout=10_000)
    assert window.duplicates_action.isVisible()
    window.duplicates_action.trigger()
    qtbot.waitUntil(lambda: window.findChild(DuplicatesDialog) is not None, timeout=5_000)
    dialog: DuplicatesDialog = window.findChild(DuplicatesDialog)
    qtbot.waitUntil(lambda: dialog.refreshes == 1, timeout=10_000)
    table = dialog.table
    assert table.rowCount() == 2
    assert [table.item(r, 0).text() for r in range(2)] == ["x-xxxx-xxxx7-03-0"] * 2
    assert sorted(table.item(r, 1).text() for r in range(2)) == ["0000001", "0000777"]
    assert {table.item(r, 5).text() for r in range(2)} == {"1"}  # one visit each
    assert "2523" in table.item(0, 3).text()  # the birth date in the Buddhist era
    assert _unnamed(dialog) == []
    # keep the record registered here
    row = next(r for r in range(2) if table.item(r, 1).text() == "0000001")
    table.selectRow(row)
    assert dialog.merge.isEnabled()
    box = dialog._on_merge_clicked()
    assert isinstance(box, QMessageBox) and "0000001" in box.text() and "0000777" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: dialog.refreshes == 2, timeout=10_000)
    assert table.rowCount() == 0 and "ไม่พบผู้ป่วยซ้ำ" in dialog.message.text()
    assert "รวมแฟ้มแล้ว" in dialog.message.text()
    # the open chart of the old record now shows the kept one, with both visits
    qtbot.waitUntil(lambda: chart.patient_id == kept and chart.visits.rowCount() == 2, timeout=10_000)
    # the find box lists the person once (read again when its tab is shown)
    window.tabs.setCurrentWidget(window.find)
    qtbot.waitUntil(lambda: window.results.rowCount() == 1, timeout=10_000)
    assert window.results.item(0, 0).text() == "0000001"
    store = unit.connect()
    try:
        assert store.get("Patient", dropped)["active"] is False
        assert [r[3] for r in store.audit.rows()].count("patient-merge") == 1
    finally:
        store.close()
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=10_000)


def test_refused_merges_leave_the_list_as_it_was(qtbot, qapp, unit: Installation) -> None:  # type: ignore[no-untyped-def]
    kept, dropped = _two_records(unit)
    window = _window(qtbot, qapp, unit, ADMINISTRATOR)
    dialog = window.open_duplicates()
    qtbot.waitUntil(lambda: dialog.refreshes == 1, timeout=10_000)
    dialog.merge_records(kept, [kept])  # the same record on both sides
    qtbot.waitUntil(lambda: dialog.refreshes == 2, timeout=10_000)
    boxes = [b for b in dialog.findChildren(QMessageBox, "errorBox") if b.isVisible()]
    assert boxes and "same record" in boxes[0].text()
    assert dialog.table.rowCount() == 2


def test_the_menu_item_is_for_administrators(qtbot, qapp, unit: Installation) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, qapp, unit, NURSE)
    assert not window.duplicates_action.isVisible()
    window.change_actor(ADMINISTRATOR)
    assert window.duplicates_action.isVisible()
    window.change_actor(NURSE)
    assert not window.duplicates_action.isVisible()
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=10_000)
