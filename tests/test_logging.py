"""The log keeps when and what happened, never patient data."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from clinic_app.app import configure_logging


def test_the_log_keeps_its_times_and_loses_patient_data(tmp_path: Path) -> None:
    path = configure_logging(tmp_path)
    assert path is not None
    log = logging.getLogger("clinic_app.test")
    log.warning("saved patient %s phone %s", "1101700207030", "0812345678")
    try:
        raise ValueError("bad value สมศรี 1101700207030")
    except ValueError:
        log.exception("failed for %s", "นางสาวสมศรี มีสุข")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if " WARNING " in line or " ERROR " in line]
    assert len(lines) == 2
    for line in lines:  # the time in front stays readable
        assert re.match(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} (WARNING|ERROR) clinic_app\.test: ", line), line
    assert "1101700207030" not in text and "0812345678" not in text and "สมศรี" not in text
    assert "saved patient [number] phone [number]" in text and "ValueError: bad value [thai] [number]" in text
