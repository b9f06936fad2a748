"""Render the main screens offscreen to PNG files (`clinic-app screens DIR`), for the
README and for reviewing the window without a display. The composition root stages a
throwaway training unit (demo data, a consent granted at the demo hospital, one conflict);
this draws it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from clinic_app.services.session import UnitSession
from clinic_app.ui.chart import VisitDialog
from clinic_app.ui.i18n import chosen_language, install_language, translate
from clinic_app.ui.main import MainWindow, apply_thai_font


@dataclass
class Staged:
    """A throwaway training unit made ready by the composition root (app.py)."""

    unit: UnitSession
    patient_id: str        # a patient of the unit, with a conflict waiting
    hospital_cid: str      # a patient of the demo hospital, whose records came under consent
    finish: Callable[[], None]


def _settle(app: QApplication, window: MainWindow, seconds: float = 0.8) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end or window.worker.pending:
        app.processEvents()
        time.sleep(0.01)


def _grab(widget: QWidget, path: Path) -> Path:
    widget.grab().save(str(path))
    return path


def render(out: Path, *, stage: Callable[[], Staged]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(["clinic-app"])
    apply_thai_font(app)
    install_language(app, chosen_language())  # CLINIC_APP_LANG=en renders the English window
    staged = stage()
    made: list[Path] = []
    try:
        window = MainWindow(staged.unit, training=True, facility="หน่วยบริการฝึกอบรม (Training unit)")
        patient, cid = {"id": staged.patient_id}, staged.hospital_cid
        window.resize(1366, 768)  # the commonest screen in health centres
        window.show()
        window.online_label.setText("● " + translate("MainWindow", "ออนไลน์"))
        window.search.setText("ศรี")
        _settle(app, window)
        made.append(_grab(window, out / "find.png"))
        window.tabs.setCurrentWidget(window.register)
        window.register.cid.setText("1101700207030")
        window.register.prefix.setCurrentText("นางสาว")
        window.register.given_th.setText("สมศรี")
        window.register.family_th.setText("มีสุข")
        window.register.day.setValue(3)
        window.register.month.setCurrentIndex(2)  # ก.พ. ("-" is the first item)
        window.register.year.setValue(2543)
        window.register.address.house.setText("45/2")
        window.register.address.moo.setText("7")
        window.register.address.choose("300102")
        _settle(app, window, 0.3)
        made.append(_grab(window, out / "register.png"))
        window.open_chart(patient["id"])
        _settle(app, window)
        made.append(_grab(window, out / "chart.png"))
        dialog = VisitDialog(window)
        dialog.complaint.setText("ไข้ ไอ เจ็บคอ 2 วัน")
        dialog.sbp.setValue(128)
        dialog.dbp.setValue(82)
        dialog.weight.setValue(61.5)
        dialog.temperature.setValue(37.9)
        dialog.diagnosis.setText("J02.9  คออักเสบเฉียบพลัน (Acute pharyngitis unspecified)")
        dialog.diagnosis.setCursorPosition(0)
        dialog.show()
        _settle(app, window, 0.3)
        made.append(_grab(dialog, out / "visit.png"))
        dialog.close()
        assert window.consent is not None
        window.tabs.setCurrentWidget(window.consent)
        window.consent._show_records_for(cid)  # as a double-click on its request does (no ID typed)
        window.consent.refresh()
        _settle(app, window)
        made.append(_grab(window, out / "consent.png"))
        window.tabs.setCurrentWidget(window.sync_page)
        window.sync_page.refresh()
        _settle(app, window)
        made.append(_grab(window, out / "sync.png"))
        window.close()
    finally:
        staged.finish()
    return made

