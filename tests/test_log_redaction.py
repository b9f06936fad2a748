"""A log line as the app writes it: its time stays whole while the citizen ID and the phone
number in the same line go. Before, the redactor read the time's digits ("2026-11-30 14",
joined by "-" and " ") as one long number and the line began `[number]:29:38,876`; a time
quoted inside a message went the same way. A number before a full stop is redacted too."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinic_app.app import configure_logging
from clinic_app.core.redact import redact

CID, PHONE = "1101700207030", "081-234-5678"
CREATED = time.mktime((2026, 11, 30, 14, 29, 38, 0, 0, -1))  # local time, as the log writes it


@pytest.fixture
def formatter(tmp_path: Path) -> Iterator[logging.Formatter]:
    """The formatter `configure_logging` puts on the app's log file."""
    assert configure_logging(tmp_path) is not None
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_clinic_app", False))
    assert handler.formatter is not None
    yield handler.formatter
    logging.getLogger().removeHandler(handler)
    handler.close()


def _record(msg: str, *args: object) -> logging.LogRecord:
    record = logging.LogRecord("clinic_app.test", logging.WARNING, __file__, 1, msg, args, None)
    record.created, record.msecs = CREATED, 876.0
    return record


def test_a_formatted_line_keeps_its_timestamp_and_loses_the_cid_and_the_phone(formatter: logging.Formatter) -> None:
    line = formatter.format(_record("saved patient %s phone %s", CID, PHONE))
    assert line == "2026-11-30 14:29:38,876 WARNING clinic_app.test: saved patient [number] phone [number]"


def test_a_time_quoted_in_the_message_is_kept_and_what_is_around_it_redacted(formatter: logging.Formatter) -> None:
    line = formatter.format(_record("last sync %s for %s, next at 2026-11-30T15:00:00+07:00 (tel %s)",
                                    "2026-11-30 14:29:38,876", CID, PHONE))
    assert line == ("2026-11-30 14:29:38,876 WARNING clinic_app.test: last sync 2026-11-30 14:29:38,876 for "
                    "[number], next at 2026-11-30T15:00:00+07:00 (tel [number])")


def test_a_date_alone_is_still_redacted_and_a_number_before_a_full_stop_too() -> None:
    assert redact("born 1980-04-15") == "born [number]"  # a birth date is not a moment of the log's
    assert redact(f"no patient with cid {CID}.") == "no patient with cid [number]."
    assert redact(f"call {PHONE}. Then") == "call [number]. Then"
    assert redact(f"{CID}.5 and v1.2.3, 0.1234567 s") == "[number].5 and v1.2.3, 0.1234567 s"
    # a phone number glued on as a time's fraction is not part of the time
    assert redact("2026-11-30 14:29:38,0812345678") == "2026-11-30 14:29:38,[number]"
