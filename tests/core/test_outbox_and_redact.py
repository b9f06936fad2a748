from __future__ import annotations

import pytest

from clinic_app.core.outbox import squash
from clinic_app.core.redact import redact


@pytest.mark.parametrize("first,then,result", [
    ("create", "update", "create"),
    ("create", "delete", None),
    ("update", "update", "update"),
    ("update", "delete", "delete"),
    ("delete", "create", "update"),
])
def test_squash(first: str, then: str, result: str | None) -> None:
    assert squash(first, then) == result  # type: ignore[arg-type]


def test_redact_removes_thai_names_ids_phones_emails() -> None:
    text = "saved นายสมชาย ใจดี cid 1234567890121 tel 081-234-5678 mail a.b@example.org ok v1.2.3 42"
    out = redact(text)
    for secret in ("สมชาย", "ใจดี", "1234567890121", "081-234-5678", "a.b@example.org"):
        assert secret not in out
    assert "v1.2.3" in out and " 42" in out and out.startswith("saved [thai]")


def test_redact_catches_ids_inside_urls() -> None:
    url = "GET /fhir/Patient?identifier=https%3A%2F%2Fterms.sil-th.org%2Fid%2Fth-cid%7C1234567890121 200"
    assert "1234567890121" not in redact(url) and "Patient?identifier" in redact(url)
