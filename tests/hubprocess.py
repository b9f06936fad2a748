"""The sandbox hub as a child process (`clinic-app hub serve --port 0 --no-auth`), for the
tests that kill it and the benchmarks that keep it off the measuring process's GIL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def start_hub_process(folder: Path) -> tuple[subprocess.Popen[str], str]:
    """Start a hub on a free loopback port; returns the process and its FHIR base URL."""
    proc = subprocess.Popen([sys.executable, "-m", "clinic_app", "hub", "serve", "--port", "0", "--no-auth",
                             "--data-dir", str(folder)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), f"the hub did not start: {url!r}"
    return proc, url
