"""Render the main screens offscreen to PNG files (`clinic-app screens DIR`), for the
README and for reviewing the window without a display. The composition root stages a
throwaway training unit (demo data, a consent granted at the demo hospital, one conflict,
a drug list and today's list); this draws it."""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from clinic_app.services.session import UnitSession
from clinic_app.ui.visit_form import VisitDialog
from clinic_app.ui.i18n import chosen_language, install_language, translate
from clinic_app.ui.main import MainWindow, apply_thai_font


@dataclass
class Staged:
    """A throwaway training unit made ready by the composition root (app.py)."""

    unit: UnitSession
    patient_id: str        # a patient of the unit, with a conflict waiting
    hospital_cid: str      # a patient of the demo hospital, whose records came under consent
    finish: Callable[[], None]
    visit_patient_id: str = ""  # a patient waiting on today's list (allergic to penicillin), for the visit form


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
        _settle(app, window)
        made.append(_grab(window, out / "today.png"))  # the window opens on today's list
        window.tabs.setCurrentWidget(window.find)
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
        window.register.typearea.setCurrentIndex(window.register.typearea.findData("1"))
        _settle(app, window, 0.3)
        made.append(_grab(window, out / "register.png"))
        window.open_chart(patient["id"])
        _settle(app, window)
        made.append(_grab(window, out / "chart.png"))
        dialog = visit_form(app, window, staged.visit_patient_id or patient["id"])
        made.append(_grab(dialog, out / "visit-form.png"))
        dialog.close()
        assert window.consent is not None
        window.tabs.setCurrentWidget(window.consent)
        window.consent._show_records_for(cid)  # as a double-click on its request does (no ID typed)
        window.consent.refresh()
        _settle(app, window)
        made.append(_grab(window, out / "consent.png"))
        window.tabs.setCurrentWidget(window.referrals)
        window.referrals.refresh()
        _settle(app, window)
        window.referrals.outgoing.selectRow(0)
        window.referrals.outgoing.setFocus()
        _settle(app, window, 0.3)
        made.append(_grab(window, out / "referrals.png"))
        window.tabs.setCurrentWidget(window.sync_page)
        window.sync_page.refresh()
        _settle(app, window)
        made.append(_grab(window, out / "sync.png"))
        window.tabs.setCurrentWidget(window.followup)  # the chronic register, read when shown
        _settle(app, window)
        made.append(_grab(window, out / "followup.png"))
        window.close()
    finally:
        staged.finish()
    return made



def visit_form(app: QApplication, window: MainWindow, patient_id: str) -> VisitDialog:
    """The visit form filled in as a nurse would (1366x768 less a taskbar and a title bar):
    two diagnoses, drugs of the list (one the patient is allergic to) and one written freely,
    a procedure, the next appointment."""
    dialog = VisitDialog(window, worker=window.worker, patient_id=patient_id)
    dialog.resize(1326, 690)
    _settle(app, window, 0.3)  # the drug list and the patient's allergies
    dialog.complaint.setText("ไข้ ไอ เจ็บคอ 2 วัน")
    for box, value in ((dialog.sbp, 128), (dialog.dbp, 82), (dialog.weight, 61.5), (dialog.temperature, 37.9),
                       (dialog.pulse, 88), (dialog.sugar, 112)):
        box.setValue(value)
    dialog.add_diagnosis("J02.9")
    second = dialog.add_diagnosis("I10")
    if second is not None:
        second.set_kind("2")
    dialog.add_drug("PARA500")
    dialog.add_drug("AMOX500").meals.setCurrentIndex(1)
    free = dialog.add_free_drug("ยาอมมะแว้ง")
    free.free_unit.setText("ซอง")
    free.quantity.setValue(2)
    dialog.add_procedure("93.57")
    dialog.appointment.set_day(_dt.date.today() + _dt.timedelta(days=14))
    dialog.appointment.reason.setText("ติดตามความดัน")
    dialog.note.setPlainText("แนะนำดื่มน้ำมาก ๆ พักผ่อน")
    dialog.show()
    dialog.complaint.setFocus()
    _settle(app, window, 0.3)
    return dialog
