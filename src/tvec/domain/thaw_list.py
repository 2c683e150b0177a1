"""The thaw list of one visit: which vials to thaw, when to start, and by when to use them.

The vials come from the dose plan (`DosePlan.vials`, whole vials of the visit's strength). The thaw
time is the label data's (at room temperature until liquid); starting to thaw that long before the
appointment is tvec's ruling, so that the vial is liquid when the visit begins and waits no longer
than it must (the product is thawed just before use). The latest use is the thaw clock's expiry
of a vial kept at room temperature from the start of thawing (the thaw itself counts against the
limit: the conservative reading). Without an appointment time the list gives minutes only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tvec.domain.errors import InvalidInput
from tvec.domain.rules import LabelRules
from tvec.domain.stability import ThawEvent, ThawEventKind, thaw_clock

if TYPE_CHECKING:
    from tvec.domain.dose_plan import DosePlan

# Any instant serves to measure a duration with the thaw clock when no appointment is given.
_ANY_INSTANT = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ThawItem:
    """The vials of one strength to thaw for a visit."""

    pfu_per_ml: int
    cap_colour: str
    vials: int
    thaw_minutes: int  # at room temperature until liquid (label data)
    start_minutes_before: int  # start thawing this long before the appointment (tvec ruling)
    use_within_minutes: int  # from the start of thawing, kept at room temperature
    latest_use_minutes_after: int  # after the appointment
    sources: tuple[str, ...]
    start_at: datetime | None = None  # with an appointment time
    latest_use_at: datetime | None = None


def thaw_list(
    label: LabelRules, plan: DosePlan, appointment_at: datetime | None = None
) -> tuple[ThawItem, ...]:
    """The thaw list for `plan`: one item per strength with vials to thaw (none without)."""
    storage = label.storage
    if plan.vials == 0 or storage is None:
        return ()
    if appointment_at is not None and appointment_at.utcoffset() is None:
        rule, shown = "must carry a time zone", appointment_at.isoformat()
        raise InvalidInput("thaw list", "appointment_at", rule, shown, label="appointment time")
    lead = storage.thaw_minutes
    start = (appointment_at or _ANY_INSTANT) - timedelta(minutes=lead)
    thawed = [ThawEvent(start, ThawEventKind.THAWED.value)]
    clock = thaw_clock(label, plan.concentration_pfu_per_ml, thawed, start)
    use_within = (clock.expires_at - start) // timedelta(minutes=1)
    ruling = (
        f"tvec ruling: start thawing {lead} min before the appointment, so that the vials are "
        "liquid when the visit begins and are thawed just before use"
    )
    item = ThawItem(
        pfu_per_ml=plan.concentration_pfu_per_ml,
        cap_colour=plan.cap_colour,
        vials=plan.vials,
        thaw_minutes=storage.thaw_minutes,
        start_minutes_before=lead,
        use_within_minutes=use_within,
        latest_use_minutes_after=use_within - lead,
        sources=(
            f"thaw {storage.thaw_text}, about {storage.thaw_minutes} min [{storage.thaw_source}]",
            ruling,
            clock.binding_source,
        ),
        start_at=None if appointment_at is None else start,
        latest_use_at=None if appointment_at is None else clock.expires_at,
    )
    return (item,)
