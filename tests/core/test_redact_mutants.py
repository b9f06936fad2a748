"""The log redactor, pinned where the mutation pass (tests/mutation.py) found it loose: the exact
replacement text, and a line with timestamps in it neither loses, repeats nor lets through
any part of the text around them. A redactor that raises is a leak too: the logging module
then prints the unredacted message to stderr."""

from __future__ import annotations

import logging

from clinic_app.core.redact import redact

CID, PHONE, MAIL = "1101700207030", "081-234-5678", "somchai.j@example.co.th"


def test_each_kind_is_replaced_by_its_own_marker_and_nothing_else_changes() -> None:
    assert redact(f"mail {MAIL} ok") == "mail [email] ok"
    assert redact(f"cid {CID}, tel {PHONE} ok") == "cid [number], tel [number] ok"
    assert redact("ชื่อ นายสมชาย ใจดี แล้ว") == "[thai]"
    assert redact("name นายสมชาย ใจดี saved") == "name [thai] saved"
    assert redact("v1.2.3 port 8443 took 123456 ms") == "v1.2.3 port 8443 took 123456 ms"


def test_a_line_with_timestamps_keeps_every_part_once_and_scrubs_each() -> None:
    text = (f"first {CID} at 2026-11-30 14:29:38,876 second {MAIL} then 2026-11-30T14:30:00+07:00 "
            f"third นายสมชาย {PHONE} last")
    out = redact(text)
    for secret in (CID, MAIL, "สมชาย", PHONE):
        assert secret not in out
    for word in ("first", "second", "then", "third", "last"):
        assert out.count(word) == 1, out
    assert out.startswith("first [number] at ") and out.endswith("[thai] [number] last")
    assert out.count("[email]") == 1 and out.count("[thai]") == 1
    assert only_taken_from(text, out), out


def only_taken_from(text: str, out: str) -> bool:
    """The output, markers aside, is the input with parts left out: nothing added, nothing twice."""
    rest = iter(text)
    for marker in ("[thai]", "[number]", "[email]"):
        out = out.replace(marker, "")
    return all(ch in rest for ch in out)  # a subsequence of the input


def test_a_citizen_id_glued_to_a_timestamp_is_still_scrubbed() -> None:
    for text in (f"2026-11-30 14:29:38,876 {CID}", f"{CID} 2026-11-30 14:29:38", f"2026-11-30 14:29 x{CID}x"):
        assert CID not in redact(text), text


def test_the_formatter_keeps_every_part_of_a_line_with_timestamps() -> None:
    from clinic_app.app import RedactingFormatter

    record = logging.LogRecord("clinic_app.test", logging.ERROR, __file__, 1,
                               "saved %s at 2026-11-30 14:29:38,876 and 2026-11-30 14:29:39,001 done", (CID,), None)
    out = RedactingFormatter("%(levelname)s %(message)s").format(record)
    assert CID not in out and out.startswith("ERROR saved [number] at ") and out.endswith(" done")
    assert out.count("saved") == 1 and out.count(" and ") == 1

