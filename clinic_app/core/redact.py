"""Scrubbing patient data out of text bound for logs: the last line of defence.

Code should not log patient data in the first place; this filter catches what slips
through (an exception message quoting a value). Thai script runs, long digit runs
(citizen IDs, phone numbers, HNs) and e-mail addresses are replaced. A moment written
out with its time (`2026-11-30 14:29:38,876`, `2026-11-30T14:29:38+07:00`) is when
something happened, not a number to hide: it is kept whole. A date alone (a birth date)
is still a digit run and goes.
"""

from __future__ import annotations

import re

_THAI = re.compile(r"[\u0E00-\u0E7F]+(?:[\s.]*[\u0E00-\u0E7F]+)*")
# Seven digits or more, also inside URLs and ids (a citizen ID after "%7C", a phone in a query)
# and before a full stop ("... cid 1101700207030."); only a decimal's fraction ("0.1234567") is
# left alone.
_DIGITS = re.compile(r"(?<!\d)(?<!\d\.)\d(?:[\s\-]?\d){6,}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# Date, time to the minute at least, optional seconds, fraction and offset: its digits joined
# by "-" and " " would otherwise read as one long number ("[number]:29:38,876").
_MOMENT = re.compile(r"(?<![\d.])\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,6})?)?"
                     r"(?:Z|[+-]\d{2}:\d{2})?(?![\d.])")


def _scrub(text: str) -> str:
    text = _THAI.sub("[thai]", text)
    text = _DIGITS.sub("[number]", text)
    return _EMAIL.sub("[email]", text)


def redact(text: str) -> str:
    out, start = [], 0
    for moment in _MOMENT.finditer(text):
        out += [_scrub(text[start:moment.start()]), moment.group()]
        start = moment.end()
    out.append(_scrub(text[start:]))
    return "".join(out)
