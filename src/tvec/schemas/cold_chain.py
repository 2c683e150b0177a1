"""Request and response shapes of the pharmacy's storage: locations, readings, excursions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from tvec.schemas.clinic import Instant, Out, Reason, Strict, one_line

MAX_JSON_READINGS = 100_000  # one request; a logger's whole export goes in as its CSV file

Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=80),
    AfterValidator(one_line),
]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class LocationIn(Strict):
    location_name: Name = Field(description="What the pharmacy calls it, e.g. 'Freezer A'.")
    kind: Literal["freezer", "fridge"] = Field(
        description="Its kind: the band it must hold is the label data's for that kind."
    )


class ReadingIn(Strict):
    at: Instant = Field(description="ISO 8601 with its UTC offset (a time without one is refused).")
    temperature_c: float = Field(allow_inf_nan=False, description="°C.")


class ReadingsIn(Strict):
    readings: list[ReadingIn] = Field(
        min_length=1,
        max_length=MAX_JSON_READINGS,
        description="In time order, each time once, all after the location's last stored "
        "reading and none in the future; otherwise the whole list is refused (422, `field` "
        "`readings.N.at`, N from 0) and nothing is written.",
    )


class AcknowledgeIn(Strict):
    note: Note | None = Field(default=None, description="What was done or checked (optional).")


class ReleaseIn(Strict):
    reason: Reason = Field(
        description="Why the vial may be used (for example the product's "
        "manufacturer confirmed its stability for this excursion)."
    )


class DiscardIn(Strict):
    note: Note | None = Field(default=None, description="Optional note; the reason is `excursion`.")


class RuleOut(Out):
    band_min_c: float
    band_max_c: float
    band_source: str
    min_duration_minutes: int
    duration_source: str


class LocationOut(Out):
    id: int
    name: str
    kind: str
    rule: RuleOut = Field(description="The band and the excursion rule now in force.")
    last_reading_at: datetime | None
    last_temperature_c: float | None
    no_data: bool = Field(
        description="No reading for longer than TVEC_LOGGER_GAP_MINUTES (or none yet)."
    )
    gap_minutes: float
    excursions_needing_attention: int


class AcknowledgementOut(Out):
    user_id: int
    username: str
    at: datetime
    note: str | None


class ExcursionOut(Out):
    id: int
    location_id: int
    location_name: str
    started_at: datetime = Field(description="The first reading out of band.")
    ended_at: datetime | None = Field(description="The first reading back in band; null: ongoing.")
    ongoing: bool
    duration_minutes: float
    min_c: float
    max_c: float
    readings: int = Field(description="Readings out of band.")
    rule: RuleOut = Field(description="The rule in force when it was found.")
    acknowledgements: list[AcknowledgementOut]
    vials: int = Field(description="Vials it quarantined.")
    still_quarantined: list[int] = Field(description="Ids of its vials still quarantined.")
    needs_attention: bool = Field(
        description="Ongoing, not yet acknowledged, or with vials still quarantined."
    )


class LocationDetailOut(LocationOut):
    excursions: list[ExcursionOut]


class ImportOut(Out):
    location_id: int
    readings: int
    first_at: datetime
    last_at: datetime
    excursions: list[int] = Field(description="Excursions found or continued by this import.")
    quarantined_vials: list[int]


class VialOutcomeOut(Out):
    id: int
    status: str
    reason: str
