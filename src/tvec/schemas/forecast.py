"""The demand-forecast request as it arrives from a file or standard input (`tvec forecast`).

JSON is read as the dose-plan request is (`tvec.schemas.dose_plan`): numbers exactly, no key given
twice, lesions in the same shape with the same bounds. Every error names the field, as
``visits[2].date`` or ``patients[0].lesions[1].longest_cm``. A visit must name a listed patient and
a lot or history row a strength of the label; dates are ISO dates (YYYY-MM-DD).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from tvec.analytics.forecast import ForecastVisit, HistoryVisit
from tvec.analytics.forecast_order import StockLot
from tvec.domain.errors import InvalidInput
from tvec.domain.rules import LabelRules, VisitKind
from tvec.schemas.clinic import LesionName, Out
from tvec.schemas.dose_plan import LesionIn, read_json
from tvec.schemas.refusals import rule_of

Count = Annotated[StrictInt, Field(ge=0, le=100_000)]
Name = Annotated[str, Field(min_length=1, max_length=40)]


class PatientIn(BaseModel):
    """A patient's pseudonym and latest lesion sizes (no identifying data)."""

    model_config = ConfigDict(extra="forbid")
    id: Name
    lesions: list[LesionIn]


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    patient: Name
    date: date
    visit: VisitKind


class LotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lot: LesionName
    pfu_per_ml: StrictInt
    vials: Count
    expiry: date


class HistoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    patient: Name
    date: date
    pfu_per_ml: StrictInt
    planned_vials: Count
    given_vials: Count


class ForecastRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    as_of: date
    lead_time_days: Annotated[StrictInt, Field(ge=0, le=365)]
    patients: list[PatientIn]
    visits: list[VisitIn]
    stock: list[LotIn] = []
    history: list[HistoryIn] = []


def parse_forecast_request(text: str) -> ForecastRequest:
    """Parse JSON text; an error names the field broken (`visits[0].date`)."""
    raw = read_json(text)
    try:
        return ForecastRequest.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = _path(error["loc"])
        raise InvalidInput("input", field, rule_of(error), label=field) from None


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".") or "(top level)"


def to_calendar(request: ForecastRequest) -> list[ForecastVisit]:
    """Each visit with its patient's lesions as the planner takes them."""
    lesions = {}
    for n, patient in enumerate(request.patients):
        if patient.id in lesions:
            raise InvalidInput(
                "input",
                f"patients[{n}].id",
                "is given twice",
                patient.id,
                label=f"patients[{n}].id",
            )
        lesions[patient.id] = tuple(lesion.to_domain() for lesion in patient.lesions)
    calendar = []
    for n, visit in enumerate(request.visits):
        if visit.patient not in lesions:
            field = f"visits[{n}].patient"
            raise InvalidInput(
                "input", field, "names no patient in patients", visit.patient, label=field
            )
        calendar.append(
            ForecastVisit(visit.patient, visit.date, visit.visit, lesions[visit.patient])
        )
    return calendar


def to_stock(request: ForecastRequest, label: LabelRules) -> list[StockLot]:
    for n, lot in enumerate(request.stock):
        _check_strength(label, f"stock[{n}].pfu_per_ml", lot.pfu_per_ml)
    return [StockLot(lot.lot, lot.pfu_per_ml, lot.vials, lot.expiry) for lot in request.stock]


def to_history(request: ForecastRequest, label: LabelRules) -> list[HistoryVisit]:
    for n, row in enumerate(request.history):
        _check_strength(label, f"history[{n}].pfu_per_ml", row.pfu_per_ml)
    return [
        HistoryVisit(row.patient, row.date, row.pfu_per_ml, row.planned_vials, row.given_vials)
        for row in request.history
    ]


def _check_strength(label: LabelRules, field: str, pfu_per_ml: int) -> None:
    known = sorted(s.pfu_per_ml for s in label.strengths)
    if pfu_per_ml not in known:
        rule = f"must be a strength of the label: {', '.join(str(k) for k in known)}"
        raise InvalidInput("input", field, rule, pfu_per_ml, label=field)


# ---- the centre's forecast, as `GET /pharmacy/forecast` answers -----------------------------


class IntervalOut(Out):
    level: float = Field(description="0.8 or 0.95: the central interval of the simulated paths")
    low: int
    high: int


class DemandOut(Out):
    week: str = Field(description='ISO week ("2026-W03"), or "total" for the whole horizon')
    pfu_per_ml: int
    expected: float
    planned: int = Field(description="Vials if every visit happens as planned")
    intervals: list[IntervalOut]


class OrderOut(Out):
    pfu_per_ml: int
    order_vials: int
    need: int = Field(description="Upper bound of the 95% interval of the horizon's demand")
    expected: float
    in_stock: int
    usable: int = Field(description="Stock usable before it expires, first expiry first out")
    expiring_unused: int
    arrives: date
    short_before_arrival: bool
    need_before_arrival: int
    rule: str


class ModelOut(Out):
    continuation: float
    continuation_visits: int
    history_visits: int
    gap_days: int


class ForecastOut(Out):
    as_of: date
    end: date
    weeks: int
    lead_time_days: int
    label: str
    visits: int = Field(description="Visits due in the horizon that the forecast counts")
    demand: list[DemandOut]
    totals: list[DemandOut]
    orders: list[OrderOut]
    model: ModelOut
    method: str
    rules: str
    sources: list[str]
    warnings: list[str]


RULES = (
    "the continuation, interval and order rules are tvec's own choices, not the label's; "
    "the dose plans are the label's"
)
