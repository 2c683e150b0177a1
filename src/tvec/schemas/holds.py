"""Request and response shapes of course holds (shared by the API and the web app).

A hold stops a course's doses (planning and giving) from its first day until it is released, or
until its last day when one is given. It is never deleted: a release records when, by whom, why.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from tvec.schemas.clinic import IsoDate, Out, Reason, Strict, Version


class HoldIn(Strict):
    reason: Reason = Field(description="Why the course is on hold, in the clinic's words.")
    starts_on: IsoDate | None = Field(
        default=None, description="The first day held; today when not given."
    )
    ends_on: IsoDate | None = Field(
        default=None,
        description="The last day held (inclusive); none: held until an oncologist releases it.",
    )


class HoldRelease(Strict):
    version: Version
    reason: Reason = Field(description="Why the hold is released (e.g. the event resolved).")


class HoldOut(Out):
    id: int
    course_id: int
    reason: str = Field(validation_alias="hold_reason")
    starts_on: date
    ends_on: date | None = Field(description="The last day held; null: until released.")
    placed_by: int
    placed_at: datetime
    adverse_event_id: int | None = Field(description="The adverse event that placed it, if any.")
    released_at: datetime | None
    released_by: int | None
    release_reason: str | None
    in_force: bool = Field(description="Whether the hold stops the course's doses today.")
    version: int
