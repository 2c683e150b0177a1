"""The dose-plan request as it arrives from a file, the API or a form.

Pydantic checks the shape (types, known site and visit kinds); the clinical rules (diameters,
duplicate ids, routes) are checked once, in the domain.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tvec.domain.dose_plan import INTRALESIONAL, PlanLesion
from tvec.domain.errors import InvalidInput
from tvec.domain.rules import Site, VisitKind


class LesionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    longest_cm: Decimal
    perpendicular_cm: Decimal | None = None
    site: Site
    new: bool = False
    injectable: bool = True
    cluster: str | None = None
    route: str = INTRALESIONAL

    def to_domain(self) -> PlanLesion:
        return PlanLesion(
            lesion_id=self.id,
            longest_cm=self.longest_cm,
            perpendicular_cm=self.perpendicular_cm,
            site=self.site,
            new=self.new,
            injectable=self.injectable,
            cluster=self.cluster,
            route=self.route,
        )


class DosePlanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    visit: VisitKind
    lesions: list[LesionIn]


def parse_dose_plan_request(text: str) -> DosePlanRequest:
    """Parse JSON text; errors name the lesion (by id where it has one) and the field."""
    try:
        raw = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise InvalidInput("input", "(json)", f"is not valid JSON: {exc.msg}", exc.lineno) from None
    try:
        return DosePlanRequest.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where, field = _locate(raw, error["loc"])
        raise InvalidInput(where, field, _rule(error), _shown(error)) from None


def _locate(raw: Any, loc: tuple[int | str, ...]) -> tuple[str, str]:
    if len(loc) >= 2 and loc[0] == "lesions" and isinstance(loc[1], int):
        lesion = raw["lesions"][loc[1]]
        name = lesion.get("id") if isinstance(lesion, dict) else None
        where = f"lesion {name}" if name else f"lesions[{loc[1]}]"
        return where, ".".join(str(part) for part in loc[2:]) or "(lesion)"
    return "input", ".".join(str(part) for part in loc) or "(top level)"


def _rule(error: Any) -> str:
    if error["type"] == "enum":
        return f"must be one of: {error['ctx']['expected']}"
    if error["type"] == "missing":
        return "is required"
    if error["type"] == "extra_forbidden":
        return "is not a known field"
    return str(error["msg"]).lower()


def _shown(error: Any) -> Any:
    return None if error["type"] in ("missing", "extra_forbidden") else error.get("input")
