"""Thawed-product stability: the thaw clock of one vial, and the limits it is built from.

Conventions (the label data give the limits; how they combine is tvec's ruling, stated in
docs/clinical-choices.md):

- A vial's clock starts at its `thawed` event. It is at room temperature until moved
  (`to_fridge`, `to_room`); `drawn_into_syringe` fills a syringe at the temperature where it is,
  which stays there until moved. Nothing comes after the draw but moves.
- Time spent at a temperature band uses up the fraction `time / limit` of that band's limit for
  the container. The vial expires when its fractions add up to 1.
- From the draw the syringe has its own fractions, starting at 0, under the syringe limits; the
  vial's fractions keep adding up too. Whichever reaches 1 first ends the product's use.
- A lot's limit (`lot_limit_hours`) is a ceiling on the time since thawing, whatever the
  temperature. It can only shorten: a ceiling later than the label's expiry is never reached.
- After the last event the product is taken to stay where it is.

Arithmetic is exact: instants are whole microseconds, fractions are `Fraction`s. The exact expiry
is rounded down to the microsecond, so `expires_at` is never later than the true expiry.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from tvec.domain.errors import BeyondCalendar, InvalidInput
from tvec.domain.rules import Container, LabelRules, LotStabilityOverride, StabilityLimit

ROOM = "room"
FRIDGE = "refrigerated"
_MICROSECONDS_PER_HOUR = 3_600_000_000
_MICROSECONDS_PER_MINUTE = 60_000_000


Limit = StabilityLimit | LotStabilityOverride


class ThawEventKind(StrEnum):
    THAWED = "thawed"
    TO_FRIDGE = "to_fridge"
    TO_ROOM = "to_room"
    DRAWN_INTO_SYRINGE = "drawn_into_syringe"


_MOVES = {ThawEventKind.TO_FRIDGE: FRIDGE, ThawEventKind.TO_ROOM: ROOM}


class Binding(StrEnum):
    """Which limit ends the product's use first."""

    VIAL = "vial"
    SYRINGE = "syringe"
    LOT = "lot"


@dataclass(frozen=True)
class ThawEvent:
    """Something that happened to a thawed vial; `event` is a `ThawEventKind` value."""

    at: datetime
    event: str


@dataclass(frozen=True)
class ThawClock:
    """Where a thawed vial (or the syringe filled from it) stands at `now`.

    `limit_sources` names every limit that applied, the binding one first.
    """

    expired: bool
    expires_at: datetime
    remaining_minutes: int  # whole minutes left at `now`, rounded down; 0 once expired
    limit_sources: tuple[str, ...]
    binding: Binding
    binding_source: str


class ThawEventRefused(InvalidInput):
    """A thaw-clock input the rules refuse; `index` is the event's place in the list (or None
    when the refusal is about `now`, the strength or the lot limit) and `field` its field."""

    def __init__(self, index: int | None, field: str, rule: str, value: object = None) -> None:
        where = "thaw clock" if index is None else f"events[{index}]"
        super().__init__(where, field, rule, value, label=field)
        self.index = index
        self.fields["index"] = index


@dataclass(frozen=True)
class _Stretch:
    """A time at one band, from `start` for `length` microseconds (None: open-ended)."""

    start: datetime
    length: int | None
    band: str
    in_syringe: bool


def stability_limit(
    label: LabelRules,
    pfu_per_ml: int,
    container: Container,
    temperature_band: str,
    lot: str | None = None,
) -> StabilityLimit | LotStabilityOverride:
    """The limit that applies; a lot-specific override (regulator-shortened) wins over the label."""
    wanted = (pfu_per_ml, container, temperature_band)
    for override in label.lot_overrides:
        if override.lot == lot and wanted == _key(override):
            return override
    for limit in label.stability:
        if wanted == _key(limit):
            return limit
    bands = sorted({s.temperature_band for s in label.stability})
    raise InvalidInput(
        f"{container.value} of {pfu_per_ml} PFU/mL",
        "temperature_band",
        f"has no stability limit on file; known bands: {', '.join(bands)}",
        temperature_band,
    )


def thaw_clock(
    label: LabelRules,
    pfu_per_ml: int,
    events: Sequence[ThawEvent],
    now: datetime,
    lot_limit_hours: Decimal | None = None,
) -> ThawClock:
    """The thaw clock of one vial at `now` (see the module docstring for the rules)."""
    _check_input(label, pfu_per_ml, events, now, lot_limit_hours)
    offset, limit, used = _fraction_expiry(label, pfu_per_ml, _stretches(events))
    binding, binding_source = Binding(limit.container.value), _describe(limit)
    sources = [_describe(each) for each in used]
    if lot_limit_hours is not None:
        lot_source = (
            f"lot-specific limit: {lot_limit_hours} h after thawing, whatever the temperature "
            "(tvec ruling: a lot's limit is a ceiling that may only shorten the label's)"
        )
        sources.append(lot_source)
        ceiling = Fraction(lot_limit_hours) * _MICROSECONDS_PER_HOUR
        if ceiling < offset:
            offset, binding, binding_source = ceiling, Binding.LOT, lot_source
    expires_at = _after(events[0].at, offset).astimezone(now.tzinfo)
    left = _microseconds(expires_at - now)
    return ThawClock(
        expired=left <= 0,
        expires_at=expires_at,
        remaining_minutes=max(0, left // _MICROSECONDS_PER_MINUTE),
        limit_sources=(binding_source, *(s for s in dict.fromkeys(sources) if s != binding_source)),
        binding=binding,
        binding_source=binding_source,
    )


def _after(thawed_at: datetime, offset: Fraction) -> datetime:
    """The instant `offset` microseconds after the thaw, rounded down to the microsecond."""
    try:
        return thawed_at + timedelta(microseconds=math.floor(offset))
    except OverflowError:
        raise BeyondCalendar(
            "the thaw clock would end after the calendar's last day (9999-12-31): "
            "check the thaw event's date"
        ) from None


def _stretches(events: Sequence[ThawEvent]) -> list[_Stretch]:
    """The times at each band between events; the last one runs on (open-ended)."""
    stretches: list[_Stretch] = []
    band, in_syringe = ROOM, False
    for n, event in enumerate(events):
        kind = ThawEventKind(event.event)
        band = _MOVES.get(kind, band)
        in_syringe = in_syringe or kind is ThawEventKind.DRAWN_INTO_SYRINGE
        ends = events[n + 1].at if n + 1 < len(events) else None
        length = None if ends is None else _microseconds(ends - event.at)
        stretches.append(_Stretch(event.at, length, band, in_syringe))
    return stretches


def _fraction_expiry(
    label: LabelRules, pfu_per_ml: int, stretches: list[_Stretch]
) -> tuple[
    Fraction, StabilityLimit | LotStabilityOverride, list[StabilityLimit | LotStabilityOverride]
]:
    """Walk the stretches adding fractions until the vial's or the syringe's reach 1.

    Returns the exact expiry (microseconds after the thaw), the limit that reached 1 (the vial's
    when both reach it at once) and every limit used on the way.
    """
    thawed_at = stretches[0].start
    used_by = {Container.VIAL: Fraction(0), Container.SYRINGE: Fraction(0)}
    limits: list[Limit] = []
    for stretch in stretches:
        containers = [Container.VIAL] + ([Container.SYRINGE] if stretch.in_syringe else [])
        reached: list[tuple[Fraction, Limit]] = []
        for container in containers:
            limit = stability_limit(label, pfu_per_ml, container, stretch.band)
            limits.append(limit)
            length = Fraction(limit.max_hours) * _MICROSECONDS_PER_HOUR
            to_one = (1 - used_by[container]) * length
            if stretch.length is None or to_one <= stretch.length:
                reached.append((to_one, limit))
            else:
                used_by[container] += stretch.length / length
        if reached:
            to_one, limit = min(reached, key=lambda pair: pair[0])  # min keeps the vial on ties
            return _microseconds(stretch.start - thawed_at) + to_one, limit, limits
    raise AssertionError("the last stretch is open-ended")  # pragma: no cover


def _check_input(
    label: LabelRules,
    pfu_per_ml: int,
    events: Sequence[ThawEvent],
    now: datetime,
    lot_limit_hours: Decimal | None,
) -> None:
    if pfu_per_ml not in {s.pfu_per_ml for s in label.strengths}:
        known = ", ".join(str(s.pfu_per_ml) for s in label.strengths)
        raise ThawEventRefused(None, "pfu_per_ml", f"is not a strength on the label ({known})")
    if lot_limit_hours is not None and not (lot_limit_hours.is_finite() and lot_limit_hours > 0):
        rule = "must be a number of hours above 0"
        raise ThawEventRefused(None, "lot_limit_hours", rule, lot_limit_hours)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ThawEventRefused(None, "now", "must carry a time zone", now.isoformat())
    if not events:
        raise ThawEventRefused(None, "events", "must start with the thawed event")
    _check_events(events)
    last = events[-1].at
    if now < last:
        n = next(n for n, event in enumerate(events) if event.at > now)
        rule = f"is later than now ({now.isoformat()}): an event cannot be in the future"
        raise ThawEventRefused(n, "at", rule, events[n].at.isoformat())


def _check_events(events: Sequence[ThawEvent]) -> None:
    band, drawn = ROOM, False
    for n, event in enumerate(events):
        kind = _kind(n, event)
        if n == 0 and kind is not ThawEventKind.THAWED:
            raise ThawEventRefused(0, "event", "must be thawed: the clock starts at the thaw", kind)
        if n > 0:
            _check_order(n, events[n - 1], event)
            _check_step(n, kind, band, drawn)
        band = _MOVES.get(kind, band)
        drawn = drawn or kind is ThawEventKind.DRAWN_INTO_SYRINGE


def _kind(n: int, event: ThawEvent) -> ThawEventKind:
    if event.at.tzinfo is None or event.at.utcoffset() is None:
        raise ThawEventRefused(n, "at", "must carry a time zone", event.at.isoformat())
    try:
        return ThawEventKind(event.event)
    except ValueError:
        known = ", ".join(k.value for k in ThawEventKind)
        raise ThawEventRefused(n, "event", f"must be one of: {known}", event.event) from None


def _check_order(n: int, previous: ThawEvent, event: ThawEvent) -> None:
    if event.at < previous.at:
        rule = f"is earlier than events[{n - 1}] ({previous.at.isoformat()}): events go in order"
        raise ThawEventRefused(n, "at", rule, event.at.isoformat())


def _check_step(n: int, kind: ThawEventKind, band: str, drawn: bool) -> None:
    if kind is ThawEventKind.THAWED:
        raise ThawEventRefused(n, "event", "thawed again: a vial is thawed once", kind)
    if kind is ThawEventKind.DRAWN_INTO_SYRINGE and drawn:
        raise ThawEventRefused(n, "event", "a second draw: a vial is drawn into a syringe once")
    if _MOVES.get(kind) == band:
        where = "in the fridge" if band == FRIDGE else "at room temperature"
        raise ThawEventRefused(n, "event", f"moves it where it already is ({where})", kind)


def _describe(limit: StabilityLimit | LotStabilityOverride) -> str:
    container = "thawed vial" if limit.container is Container.VIAL else "syringe"
    text = getattr(limit, "temperature_text", limit.temperature_band)
    return f"{container} at {text}: {limit.max_hours} h [{limit.source}]"


def _microseconds(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _key(limit: StabilityLimit | LotStabilityOverride) -> tuple[int, Container, str]:
    return (limit.pfu_per_ml, limit.container, limit.temperature_band)
