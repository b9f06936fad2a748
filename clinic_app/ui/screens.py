"""Render the main screens offscreen to PNG files (`clinic-app screens DIR`), for the
README and for reviewing the window without a display. Builds a throwaway training
installation with demo data, a consent granted at the demo hospital and one conflict."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QWidget

from clinic_app.core.outbox import OutboxEntry
from clinic_app.core.permissions import CLINICIAN, Actor
from clinic_app.security.keys import KeyStore
from clinic_app.services.consent import ConsentService
from clinic_app.services.installation import Installation
from clinic_app.services.records import RecordService
from clinic_app.services.sync import sync_now
from clinic_app.ui.chart import VisitDialog
from clinic_app.ui.i18n import chosen_language, install_language, translate
from clinic_app.ui.main import MainWindow, apply_thai_font, open_or_start_training
from clinic_app.ui.tasks import DbWorker

NURSE = Actor("nurse.demo", CLINICIAN)


def _settle(app: QApplication, window: MainWindow, seconds: float = 0.8) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end or window.worker.pending:
        app.processEvents()
        time.sleep(0.01)


def _grab(widget: QWidget, path: Path) -> Path:
    widget.grab().save(str(path))
    return path


def render(out: Path, *, keys: KeyStore, start_hub: Callable[[Installation, str], Any],
           hospital_cid: Callable[[Any], str], approve_all: Callable[[Any], None]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(["clinic-app"])
    apply_thai_font(app)
    install_language(app, chosen_language())  # CLINIC_APP_LANG=en renders the English window
    folder = Path(tempfile.mkdtemp(prefix="clinic-screens-")) / "data"
    inst, _ = open_or_start_training(folder, keys, None)
    hub = start_hub(inst, "99999")
    made: list[Path] = []
    try:
        store = inst.connect()
        RecordService(store, actor="demo").load_demo(40, seed=1)
        consent = ConsentService(store, inst, actor=NURSE)
        cid = hospital_cid(hub)
        consent.request_consent(cid)
        sync_now(inst, verify_counts=False)
        approve_all(hub)
        sync_now(inst, verify_counts=False)
        consent.request_consent("1101700207030")  # a second request, still queued
        patient = store.search_patients("สม", limit=5)[0]
        local = store.get("Patient", patient["id"]) or {}
        with store.transaction():
            store.enqueue("Patient", patient["id"], "update")
        entry: OutboxEntry = store.live_entry("Patient", patient["id"])  # type: ignore[assignment]
        with store.transaction():
            store.record_conflict(entry, remote={**local, "gender": "unknown",
                                                 "telecom": [{"system": "phone", "value": "0899999999"}]},
                                  remote_version="2", elements=["gender", "telecom"])
        store.close()
        worker = DbWorker(lambda: inst.connect())
        window = MainWindow(worker, training=True, facility="หน่วยบริการฝึกอบรม (Training unit)", inst=inst,
                            actor=NURSE)
        window.resize(1200, 760)
        window.show()
        window.online_label.setText("● " + translate("MainWindow", "ออนไลน์"))
        window.search.setText("ศรี")
        _settle(app, window)
        made.append(_grab(window, out / "find.png"))
        window.tabs.setCurrentWidget(window.register)
        window.register.cid.setText("1101700207030")
        window.register.given_th.setText("สมศรี")
        window.register.family_th.setText("มีสุข")
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
        window.consent.cid.setText(cid)
        window.consent._on_show_records_clicked()
        window.consent.refresh()
        _settle(app, window)
        made.append(_grab(window, out / "consent.png"))
        window.tabs.setCurrentWidget(window.sync_page)
        window.sync_page.refresh()
        _settle(app, window)
        made.append(_grab(window, out / "sync.png"))
        window.close()
    finally:
        hub.stop()
        inst.forget_secrets()
        inst.close()
    return made

