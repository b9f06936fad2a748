"""The unit relay in the window: an administrator makes the main computer the unit relay
(its address and fingerprint shown in large type), a desktop reads the relay's fingerprint,
joins after comparing, syncs through it, and the relay's dialog lists that desktop; the
status bar says the sync went through the relay. Rendered at 1366x768."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from clinic_app.hub.server import start_in_thread
from clinic_app.security.device import enrolment
from clinic_app.security.keys import KeyStore
from clinic_app.services import relay
from clinic_app.services.installation import configure_hub, initialise
from clinic_app.services.session import UnitSession
from clinic_app.services.sync import sync_now
from clinic_app.ui.main import MainWindow, apply_thai_font
from tests.ui.test_workflows import type_text


def _idle(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.worker.pending == 0 and window.net.pending == 0, timeout=20_000)


def test_serve_join_by_fingerprint_and_sync_through_the_relay(qtbot, qapp, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                               keystore: KeyStore) -> None:
    apply_thai_font(qapp)
    cloud = start_in_thread(tmp_path / "cloud", auth=True)
    made = []
    try:
        main_pc = initialise(tmp_path / "main", hcode="99999", name="รพ.สต.บ้านโนนสวรรค์", keys=keystore)
        exam = initialise(tmp_path / "exam", hcode="99999", keys=keystore)
        made += [main_pc, exam]
        for inst in made:
            configure_hub(inst, cloud.url, auth=True)
            cloud.hub.authority.enroll(enrolment(inst.device(), "99999"))
        relay.enroll(main_pc, enrolment(exam.device(), "99999"))  # its device-key JSON, taken at the main computer

        session = UnitSession(main_pc)
        session.relay_address = ("127.0.0.1", 0)
        served = MainWindow(session, training=False, facility="รพ.สต.บ้านโนนสวรรค์")
        qtbot.addWidget(served)
        served.resize(1366, 768)
        served.show()
        dialog = served.open_relay()
        qtbot.waitUntil(lambda: dialog.upstream.text() != "", timeout=10_000)
        assert not dialog.serve.isChecked()
        dialog.serve.setFocus()
        QTest.keyClick(dialog.serve, Qt.Key.Key_Space)  # by keyboard
        qtbot.waitUntil(lambda: "https://127.0.0.1:" in dialog.address.text(), timeout=20_000)
        url, shown = dialog.address.text(), dialog.fingerprint.text()
        assert shown.startswith("SHA256:") and len(shown) == 7 + 95
        store = main_pc.connect()
        assert store.settings.get("relay_serve") is True  # kept: it serves again at the next start
        store.close()

        desk = MainWindow(UnitSession(exam), training=False, facility="รพ.สต.บ้านโนนสวรรค์")
        qtbot.addWidget(desk)
        desk.resize(1366, 768)
        desk.show()
        joining = desk.open_relay()
        qtbot.waitUntil(lambda: "ยังไม่ได้เข้าร่วม" in joining.joined.text(), timeout=10_000)
        type_text(joining.url, url)
        joining.peek_button.click()
        qtbot.waitUntil(lambda: joining.join_button.isEnabled(), timeout=10_000)
        assert shown in joining.seen.text()  # the same fingerprint on both screens
        joining.grab().save(str(tmp_path / "relay-join.png"))
        joining.join_button.click()
        qtbot.waitUntil(lambda: url in joining.joined.text(), timeout=10_000)
        assert shown in joining.joined.text()

        report = sync_now(exam)
        assert report.partner == "relay"
        desk.refresh_status()
        qtbot.waitUntil(lambda: "ผ่านเครื่องแม่ข่าย" in desk.status_label.text(), timeout=10_000)

        assert dialog.desktops.rowCount() == 1 and dialog.desktops.item(0, 1).text() == "ยังไม่เคย"
        dialog.refresh()
        qtbot.waitUntil(lambda: dialog.desktops.item(0, 1).text() != "ยังไม่เคย", timeout=10_000)
        assert dialog.desktops.item(0, 0).text() == exam.device().client_id
        dialog.grab().save(str(tmp_path / "relay-serve.png"))

        joining.leave_button.click()
        qtbot.waitUntil(lambda: "ยังไม่ได้เข้าร่วม" in joining.joined.text(), timeout=10_000)
        assert sync_now(exam).partner == "cloud"
        for window in (served, desk):
            _idle(qtbot, window)
            window.close()
    finally:
        cloud.stop()
        for inst in made:
            inst.forget_secrets()
            inst.close()
