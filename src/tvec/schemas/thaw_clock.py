"""The thaw-clock request as it arrives from a file or standard input (`tvec thaw-clock`).

`{"pfu_per_ml": 100000000, "events": [{"at": "2026-03-02T08:00:00+01:00", "event": "thawed"}],
"now": "...", "lot_limit_hours": 18}`. Instants are ISO-8601 text; a number is refused, not read
as a timestamp. `lot_limit_hours` is a JSON number, read exactly; a key given twice is refused
(the JSON is read by `read_json`, as the dose-plan request is). Pydantic checks the shape; the
rules (the first event is the thaw, order, time zones, event kinds, the future) are checked once,
in the domain. Every error names the event's place (`events[2]`) or the top-level field.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Strict, StrictInt, ValidationError

from tvec.domain.errors import InvalidInput
from tvec.domain.stability import ThawEvent
from tvec.schemas.dose_plan import read_json
from tvec.schemas.refusals import rule_of


def _instant(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("must be ISO-8601 text, such as 2026-03-02T08:00:00+01:00")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            "must be an ISO-8601 date and time, such as 2026-03-02T08:00:00+01:00"
        ) from None


def _exact(value: Any) -> Any:
    return Decimal(value) if type(value) is int else value


Instant = Annotated[datetime, BeforeValidator(_instant)]
Hours = Annotated[Decimal, Strict(), BeforeValidator(_exact)]


class ThawEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: Instant
    event: str  # the domain names the kinds it knows

    def to_domain(self) -> ThawEvent:
        return ThawEvent(at=self.at, event=self.event)


class ThawClockRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pfu_per_ml: StrictInt
    events: list[ThawEventIn]
    now: Instant
    lot_limit_hours: Hours | None = None


def parse_thaw_clock_request(text: str) -> ThawClockRequest:
    """Parse JSON text; an error names the event's place or the field."""
    raw = read_json(text)
    try:
        return ThawClockRequest.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = error["loc"]
        if len(loc) >= 2 and loc[0] == "events" and isinstance(loc[1], int):
            where, field = f"events[{loc[1]}]", ".".join(str(p) for p in loc[2:]) or "(event)"
        else:
            where, field = "input", ".".join(str(p) for p in loc) or "(top level)"
        raise InvalidInput(where, field, _rule(error), label=field) from None


def _rule(error: Any) -> str:
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    if error["type"] == "decimal_type" or error["type"] == "is_instance_of":
        return "must be a JSON number"
    return rule_of(error)
