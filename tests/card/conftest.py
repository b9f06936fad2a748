"""The real PC/SC stack for the card tests: pcscd with the vpcd virtual reader, started and
stopped by the suite. Where it cannot start (no pcscd or vpcd driver installed, not root,
pyscard missing, another pcscd already serving), the tests that need it are skipped with the
reason (in CI, where installer/system-packages.sh has installed pcscd and vsmartcard-vpcd,
they fail instead: a missing install step is not hidden)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.card.vcard import VPCD_PORT

VPCD_CONF = Path("/etc/reader.conf.d/vpcd")


def _why_not() -> str | None:
    if shutil.which("pcscd") is None:
        return "pcscd is not installed (Debian: pcscd)"
    if not VPCD_CONF.exists():
        return "the vpcd virtual reader is not installed (Debian: vsmartcard-vpcd)"
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        return "pcscd needs root to serve its socket"
    import importlib.util

    if importlib.util.find_spec("smartcard") is None:
        return "pyscard is not installed (it is a dependency: pip install -e .)"
    return None


def _cannot(why: str) -> None:
    """Skip with the reason; in CI (where the install step puts pcscd and vpcd there) fail."""
    if os.environ.get("CI"):
        pytest.fail(f"the card tests cannot run in CI: {why} (installer/system-packages.sh installs them)")
    pytest.skip(why)


def _port_open() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", VPCD_PORT), timeout=0.2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def pcscd() -> Iterator[None]:
    why = _why_not()
    if why:
        _cannot(why)
    if subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True).returncode == 0:
        if _port_open():  # the system's own pcscd, with the vpcd reader: use it
            yield
            return
        _cannot("a pcscd without the vpcd reader is running; the card tests need their own")
    proc = subprocess.Popen(["pcscd", "--foreground"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        from smartcard.System import readers

        end = time.monotonic() + 15
        while time.monotonic() < end:
            try:
                if readers() and _port_open():
                    break
            except Exception:  # noqa: BLE001 - the service is still starting
                pass
            time.sleep(0.1)
        else:
            _cannot("pcscd started but its vpcd reader did not appear")
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
