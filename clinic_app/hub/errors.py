"""Errors the hub answers with: an HTTP status and an OperationOutcome saying why."""

from __future__ import annotations

from typing import Any


class HubError(Exception):
    """Raised anywhere in the hub; the app turns it into an OperationOutcome response."""

    def __init__(self, status: int, diagnostics: str, *, code: str = "processing",
                 expression: list[str] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(diagnostics)
        self.status = status
        self.diagnostics = diagnostics
        self.code = code
        self.expression = expression or []
        self.headers = headers or {}

    def outcome(self) -> dict[str, Any]:
        return operation_outcome(self.diagnostics, code=self.code, expression=self.expression,
                                 severity="error")


def operation_outcome(diagnostics: str, *, code: str = "informational", severity: str = "information",
                      expression: list[str] | None = None) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = expression
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def not_found(rtype: str, rid: str) -> HubError:
    return HubError(404, f"{rtype}/{rid} is not known", code="not-found")


def gone(rtype: str, rid: str) -> HubError:
    return HubError(410, f"{rtype}/{rid} was deleted", code="deleted")


def bad_request(message: str, *, expression: list[str] | None = None, code: str = "invalid") -> HubError:
    return HubError(400, message, code=code, expression=expression)
