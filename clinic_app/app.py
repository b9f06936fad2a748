"""Composition root: builds the concrete objects and wires them, for the CLI and the GUI.

No module keeps global singletons; whatever needs a key store, an installation or a
store gets it from here as an argument. Logging is set up here: a rotating file in the
data folder's `logs/`, every record passed through `redact` so no citizen ID, name or
phone number reaches it.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

from clinic_app.core.redact import redact
from clinic_app.security.keys import KeyStore, PassphraseSource
from clinic_app.services.installation import Installation, open_installation

LOG_FILE = "clinic-app.log"


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(log_dir: Path | None, *, level: int = logging.INFO) -> Path | None:
    """Log to a rotating file in `log_dir` (made if missing); returns its path."""
    # A full or read-only disk must not print logging's own tracebacks at the user.
    logging.raiseExceptions = False
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        if getattr(handler, "_clinic_app", False):
            root.removeHandler(handler)
            handler.close()
    if log_dir is None:
        # Without a data folder there is nowhere to log; say nothing rather than let
        # logging's last-resort handler print warnings at the user.
        quiet = logging.NullHandler()
        quiet._clinic_app = True  # type: ignore[attr-defined]
        root.addHandler(quiet)
        return None
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        path = log_dir / LOG_FILE
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5,
                                                       encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._clinic_app = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    return path


def build_keystore() -> KeyStore:
    return KeyStore()


def passphrase_from_file(path: str | None) -> PassphraseSource | None:
    """A passphrase source reading --passphrase-file or CLINIC_APP_PASSPHRASE_FILE."""
    chosen = path or os.environ.get("CLINIC_APP_PASSPHRASE_FILE")
    if not chosen:
        return None

    def read(_new: bool) -> str | None:
        from clinic_app.core.errors import KnownError

        try:
            text = Path(chosen).read_text(encoding="utf-8")
        except OSError as exc:
            raise KnownError("อ่านไฟล์รหัสผ่านไม่ได้", f"Cannot read the passphrase file ({exc.strerror}).",
                             code="passphrase-file") from exc
        return text.rstrip("\r\n") or None

    return read


def default_hub_dir() -> Path:
    from clinic_app.services.installation import default_data_dir

    return default_data_dir() / "hub"


def open_for_cli(data_dir: Path, passphrase: PassphraseSource | None) -> Installation:
    return open_installation(data_dir, keys=build_keystore(), passphrase=passphrase)


def run_gui(data_dir: Path, passphrase: PassphraseSource | None) -> int:
    """Start the desktop window (imports Qt only now, so the CLI stays light)."""
    from clinic_app.ui.main import run

    return run(data_dir=data_dir, keys=build_keystore(), passphrase=passphrase,
               configure_logging=configure_logging, argv=sys.argv[:1])
