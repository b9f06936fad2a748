"""Scrubbing patient data out of text bound for logs: the last line of defence.

Code should not log patient data in the first place; this filter catches what slips
through (an exception message quoting a value). Thai script runs, long digit runs
(citizen IDs, phone numbers, HNs) and e-mail addresses are replaced.
"""

from __future__ import annotations

import re

_THAI = re.compile(r"[\u0E00-\u0E7F]+(?:[\s.]*[\u0E00-\u0E7F]+)*")
# Seven digits or more, also inside URLs and ids (a citizen ID after "%7C", a phone in a query).
_DIGITS = re.compile(r"(?<![\d.])\d(?:[\s\-]?\d){6,}(?![\d.])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def redact(text: str) -> str:
    text = _THAI.sub("[thai]", text)
    text = _DIGITS.sub("[number]", text)
    return _EMAIL.sub("[email]", text)
