"""Composition root: builds the concrete objects and wires them, for the CLI and the GUI.

No module keeps global singletons; whatever needs a key store, an installation or a
store gets it from here as an argument. Logging is set up here: a rotating file in the
data folder's `logs/`, every record passed through `redact` so no citizen ID, name or
phone number reaches it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clinic_app.core.redact import redact
from clinic_app.security.device import enrolment
from clinic_app.security.keys import KeyStore, PassphraseSource, remembered
from clinic_app.core.errors import KeyMissingError, KnownError, WrongKeyError, os_reason
from clinic_app.services.installation import (
    Installation,
    configure_hub,
    open_installation,
    is_training_folder,
    open_or_start_training,
    set_training_aside,
)
from clinic_app.services.session import UnitSession

LOG_FILE = "clinic-app.log"
log = logging.getLogger(__name__)


class RedactingFormatter(logging.Formatter):
    """Redacts what a record says (its message, traceback and stack), never the time and
    level in front of it: a support person needs to know when something happened."""

    def format(self, record: logging.LogRecord) -> str:
        kept = record.exc_text
        record.exc_text = None  # another handler's cached traceback text was not redacted
        try:
            return super().format(record)
        finally:
            record.exc_text = kept

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        record.message = redact(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        return redact(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 - logging's name
        return redact(super().formatStack(stack_info))


def configure_logging(log_dir: Path | None, *, level: int = logging.INFO) -> Path | None:
    """Log to a rotating file in `log_dir` (made if missing), else in the per-user log
    folder; returns the file's path (None when nothing can be written)."""
    import logging.handlers  # here, not at the top: the window's shell paints before this loads (issue 18)

    # A full or read-only disk must not print logging's own tracebacks at the user.
    logging.raiseExceptions = False
    # httpx logs every request URL at INFO, and a search URL can hold a citizen ID.
    for noisy in ("httpx", "httpcore", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        if getattr(handler, "_clinic_app", False):
            root.removeHandler(handler)
            handler.close()
    for folder in ([log_dir] if log_dir is not None else []) + [_fallback_log_dir()]:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / LOG_FILE
            handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5,
                                                           encoding="utf-8")
            break
        except OSError:
            continue
    else:
        # Nowhere to write: stay silent rather than let logging's last-resort handler
        # print unredacted records at the user.
        quiet = logging.NullHandler()
        quiet._clinic_app = True  # type: ignore[attr-defined]
        root.addHandler(quiet)
        return None
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._clinic_app = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    return path


def _fallback_log_dir() -> Path:
    """Where to log before (or without) a data folder: the OS's per-user log folder."""
    import platformdirs

    return Path(platformdirs.user_log_dir("clinic-app", appauthor=False))


def build_keystore() -> KeyStore:
    return KeyStore()


def passphrase_from_file(path: str | None) -> PassphraseSource | None:
    """A passphrase source reading --passphrase-file or CLINIC_APP_PASSPHRASE_FILE."""
    chosen = path or os.environ.get("CLINIC_APP_PASSPHRASE_FILE")
    if not chosen:
        return None

    def read(_new: bool) -> str | None:
        try:
            text = Path(chosen).read_text(encoding="utf-8")
        except OSError as exc:
            thai, english = os_reason(exc)
            raise KnownError(f"อ่านไฟล์รหัสผ่านไม่ได้ ({thai})", f"Cannot read the passphrase file ({english}).",
                             code="passphrase-file") from exc
        return text.rstrip("\r\n") or None

    return read


def default_hub_dir() -> Path:
    from clinic_app.services.installation import default_data_dir

    return default_data_dir() / "hub"


def open_for_cli(data_dir: Path, passphrase: PassphraseSource | None, *, verify_open: bool = True) -> Installation:
    return open_installation(data_dir, keys=build_keystore(), passphrase=passphrase, verify_open=verify_open)


class TrainingHub:
    """The sandbox hub that training mode runs on a background thread of the app: seeded
    with the demo hospital, consents approved after ten seconds, this desktop enrolled."""

    AUTO_APPROVE_SECONDS = 10

    def __init__(self, inst: Installation, hcode: str) -> None:
        from clinic_app.hub.seed import seed_demo
        from clinic_app.hub.server import start_in_thread

        # Its records under a key of the folder's own (what a trainee types never lies in clear).
        store_key = hmac.new(inst.key, b"clinic-app training hub", hashlib.sha256).digest()
        old = inst.folder.path / "training-hub" / "hub.sqlite"
        if old.is_file() and old.read_bytes()[:16] == b"SQLite format 3\x00":  # from a release that kept it plain
            for suffix in ("", "-wal", "-shm"):  # the demo hub is made again; the desktop keeps its records
                Path(f"{old}{suffix}").unlink(missing_ok=True)
        self.running = start_in_thread(inst.folder.path / "training-hub", auth=True,
                                       auto_approve_seconds=self.AUTO_APPROVE_SECONDS, conformance=True,
                                       store_key=store_key)
        seed_demo(self.running.engine)
        self.running.hub.authority.enroll(enrolment(inst.device(), hcode))
        configure_hub(inst, self.running.url, auth=True)
        self.url = self.running.url

    def stop(self) -> None:
        self.running.stop()


def run_gui(data_dir: Path, passphrase: PassphraseSource | None) -> int:
    """Start the desktop window: open the unit (or set up training mode on a first start),
    start the training hub where it is one, sign in, and hand the window a unit session.
    Qt is imported only now (the CLI stays light) and only through ui/. The window's shell
    paints first (ui/start.py), before the pages and the services behind them load, the
    folder opens and anyone signs in; the sync (the network code) loads once the records
    are in the hub's shapes (issue 18)."""
    from clinic_app.ui.start import show_start_window

    shell = show_start_window(sys.argv[:1])
    from clinic_app.ui.main import Gui

    gui = Gui(sys.argv[:1], shell)
    keys = build_keystore()
    if passphrase is None and not keys.keyring_works():
        passphrase = remembered(gui.passphrase_source())
    try:
        inst, needs_demo = open_gui_folder(data_dir, keys, passphrase, gui.ask_start_training_over)
    except KnownError as exc:
        return gui.fatal(exc)
    if inst is None:
        return 0
    configure_logging(inst.folder.log_dir)
    unit = UnitSession(inst, upgrade_on_open=False)  # the window rewrites an older folder with progress
    hub = None
    try:
        settings = unit.settings_now()
        if settings.training:
            try:
                hub = TrainingHub(inst, settings.hcode)
            except Exception:  # noqa: BLE001 - training goes on offline; the bug is logged
                log.exception("the training hub did not start")
        accounts = unit.has_accounts()
        if accounts:
            actor = gui.first_sign_in(unit.sign_in)
            if actor is None:
                return 0
            unit.act_as(actor)

        def start_scheduler(on_state: Callable[[Any], None]) -> Any:
            from clinic_app.services.sync import scheduler_for

            scheduler = scheduler_for(inst, on_state=on_state, serving=unit.serving_relay)
            scheduler.start()
            return scheduler

        return gui.run(unit, training=settings.training, facility=settings.facility_name, needs_demo=needs_demo,
                       sign_in=unit.sign_in if accounts else None, sign_out=unit.sign_out if accounts else None,
                       idle_minutes=settings.idle_lock_minutes, start_scheduler=start_scheduler,
                       serve_relay=settings.relay_serve)
    finally:
        if hub is not None:
            hub.stop()
        inst.close()


def open_gui_folder(data_dir: Path, keys: KeyStore, passphrase: PassphraseSource | None,
                    ask_start_over: Callable[[KnownError], bool]) -> tuple[Any, bool]:
    """The window's folder, opened (or training set up on a first start). A training folder
    whose key is gone (a lost keyring entry, a forgotten passphrase) is offered a fresh start:
    `ask_start_over(error)` True moves the old one aside and starts again; False: (None, False),
    the window does not open."""
    try:
        return open_or_start_training(data_dir, keys, passphrase)
    except (KeyMissingError, WrongKeyError) as exc:
        if not is_training_folder(data_dir):
            raise
        if not ask_start_over(exc):
            return None, False
        moved = set_training_aside(data_dir)
        log.warning("training folder set aside (its key was lost): %s", moved.name)
        return open_or_start_training(data_dir, keys, passphrase)


def open_cli_session(data_dir: Path, passphrase: PassphraseSource | None, *, verify_open: bool = True) -> UnitSession:
    """The CLI's unit session (it closes the session and its folder when done)."""
    return UnitSession(open_for_cli(data_dir, passphrase, verify_open=verify_open))


def render_screens(out: Path, passphrase: PassphraseSource | None = None) -> list[Path]:
    """`clinic-app screens DIR`: the main screens rendered offscreen to PNG (the throwaway
    unit's key kept by the passphrase where no keyring works)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from clinic_app.ui.screens import render

    return render(out, stage=lambda: stage_screens(passphrase))


def stage_screens(passphrase: PassphraseSource | None = None) -> Any:
    """A throwaway training unit for the screens: demo data, a consent granted at the demo
    hospital and its records fetched, a second request still queued, one conflict; two
    referrals to the demo hospital (one accepted, one not sent yet); a drug list and today's
    list (waiting, being seen, done, one expected by appointment)."""
    import tempfile

    from clinic_app.core.fhir import patient_cid
    from clinic_app.core.permissions import CLINICIAN, Actor
    from clinic_app.hub.search import parse
    from clinic_app.hub.seed import HOSPITAL
    from clinic_app.services.sync import sync_now
    from clinic_app.ui.screens import Staged

    keys = build_keystore()
    inst, _ = open_or_start_training(Path(tempfile.mkdtemp(prefix="clinic-screens-")) / "data", keys, passphrase)
    hub = TrainingHub(inst, "99999")
    unit = UnitSession(inst, actor=Actor("nurse.demo", CLINICIAN))
    with UnitSession(inst, actor=unit.actor) as prep:
        prep.records.load_demo(40, seed=1)
        found, _ = hub.running.engine.store.search(
            "Patient", parse("Patient", [("_tag", f"https://terms.sil-th.org/id/th-moph-hcode|{HOSPITAL}")]))
        cid = patient_cid(found[0].resource) or ""
        prep.consent.request_consent(cid)
        sync_now(inst, verify_counts=False)
        for consent in hub.running.engine.store.search("Consent", parse("Consent", [("status", "proposed")]))[0]:
            hub.running.hub.admin.decide_consent(consent.id, "approve")  # the patient taps "allow"
        sync_now(inst, verify_counts=False)
        prep.consent.request_consent("1101700207030")  # a second request, still queued
        store = prep.store
        patient = store.search_patients("สม", limit=5)[0]
        local = store.get("Patient", patient["id"]) or {}
        with store.transaction():
            store.outbox.enqueue("Patient", patient["id"], "update")
        entry = store.outbox.live_entry("Patient", patient["id"])
        with store.transaction():
            store.outbox.record_conflict(entry, remote={**local, "gender": "unknown",  # type: ignore[arg-type]
                                                 "telecom": [{"system": "phone", "value": "0899999999"}]},
                                  remote_version="2", elements=["gender", "telecom"])
        referred = store.search_patients("สม", limit=5)[1]["id"]  # referred to the demo hospital, sent and accepted
        referral = prep.referrals.create(referred, HOSPITAL, "ปวดท้องน้อยด้านขวา สงสัยไส้ติ่งอักเสบ",
                                         urgency="urgent", diagnoses=["K35.8"]).value
        sync_now(inst, verify_counts=False)
        task = hub.running.engine.store.current("Task", referral)
        if task is not None:  # the hospital accepts it (as its desktop would)
            hub.running.engine.store.put("Task", referral, {**task.resource, "status": "accepted"})
            sync_now(inst, verify_counts=False)
        prep.referrals.create(patient["id"], HOSPITAL, "ความดันโลหิตสูงควบคุมไม่ได้ ขอพบอายุรแพทย์")  # not sent yet
        prep.demo_day()  # the training unit's drug list and this morning's list
        visit_patient = next(r.patient_id for r in prep.visits.today() if r.state == "waiting")
        prep.visits.add_allergy(visit_patient, "Penicillin", reaction="ผื่นลมพิษ", certainty="1")

    def finish() -> None:
        hub.stop()
        inst.forget_secrets()
        inst.close()

    return Staged(unit, patient["id"], cid, finish, visit_patient_id=visit_patient)
