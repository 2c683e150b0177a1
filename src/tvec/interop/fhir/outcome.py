"""FHIR OperationOutcome: how tvec's FHIR endpoints answer a refusal or a note."""

from __future__ import annotations

from typing import Any


def issue(
    diagnostics: str, where: str | None = None, severity: str = "error", code: str = "invalid"
) -> dict[str, Any]:
    """One issue; `where` (a path, a parameter) goes into `expression`."""
    found: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if where is not None:
        found["expression"] = [where]
    return found


def operation_outcome(*issues: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": list(issues)}
