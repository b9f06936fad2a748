"""Whether another facility's Patient (found by the same citizen ID) describes the person
this unit registered: name, sex and birth date compared. A citizen ID typed wrong at either
end joins two people's histories; when these disagree the chart says so before showing
the other facility's records, and a clinician decides."""

from __future__ import annotations

import difflib
import re
from typing import Any

from clinic_app.core.thai import PREFIX_CODES, has_thai

PREFIXES = sorted(PREFIX_CODES, key=len, reverse=True)  # the longest first: นางสาว before นาง
SIMILAR_NAME = 0.8  # a spelling variant (ศรี/สี, a dropped tone mark) is still the same name


def thai_name(patient: dict[str, Any]) -> str:
    """The person's given and family name without prefix or spacing: the first name entry
    written in Thai script, else the first one."""
    names = [n for n in patient.get("name") or [] if isinstance(n, dict)]
    thai = next((n for n in names if has_thai(_joined(n))), None)
    chosen = thai or (names[0] if names else {})
    return _joined(chosen)


def _joined(name: dict[str, Any]) -> str:
    text = " ".join([*name.get("given", []), name.get("family", "")]).strip() or str(name.get("text") or "")
    for prefix in PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
    return re.sub(r"\s+", " ", text).strip()


def disagreements(ours: dict[str, Any], theirs: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(what, ours, theirs) for each of name, sex and birth date on which the two records
    disagree; a part one of them leaves out is not a disagreement."""
    out: list[tuple[str, str, str]] = []
    a, b = thai_name(ours), thai_name(theirs)
    if a and b and difflib.SequenceMatcher(None, a.replace(" ", ""), b.replace(" ", "")).ratio() < SIMILAR_NAME:
        out.append(("name", a, b))
    sex_a, sex_b = ours.get("gender"), theirs.get("gender")
    if sex_a in ("male", "female") and sex_b in ("male", "female") and sex_a != sex_b:
        out.append(("sex", str(sex_a), str(sex_b)))
    born_a, born_b = str(ours.get("birthDate") or ""), str(theirs.get("birthDate") or "")
    common = min(len(born_a), len(born_b), 10)  # "1947" and "1947-05-01" agree as far as both go
    if born_a and born_b and born_a[:common] != born_b[:common]:
        out.append(("birth date", born_a, born_b))
    return out
