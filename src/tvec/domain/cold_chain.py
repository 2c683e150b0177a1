"""Cold-chain excursions: which stretches of a storage location's readings were out of band.

Conventions (the rule in one place; `tvec.analytics.excursions` is its vectorised twin, held equal
by a property-based test):

- A reading is *in band* when ``min_c <= temperature_c <= max_c`` (both ends allowed).
- An excursion starts at the first reading out of band and ends at the first reading back in band
  (its ``end``). Its duration runs from start to end; an excursion with no reading back in band by
  the last reading is *open* (``end`` is None) and its duration runs to the last reading.
- A closed excursion shorter than the rule's minimum duration is not an excursion. An open one is
  always reported: it has not ended, so it cannot be shown to be short.
- ``min_c`` and ``max_c`` of an excursion are over its out-of-band readings.
- Two consecutive readings further apart than ``gap`` leave a "no data" gap between them (the
  location stopped reporting). An excursion may span a gap: nothing says it ended.
- Every excursion carries the rule in force (band, minimum duration, their sources), so that a
  later change of the rule does not rewrite what was found under it.
- Readings must be strictly in time order; an earlier or an equal time is refused, naming its row
  (``first_row`` is the row of the first reading, e.g. 2 for a CSV file under its header).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tvec.domain.errors import DuplicateReading, InvalidInput, ReadingsOutOfOrder
from tvec.domain.rules import LabelRules, StorageLocation


@dataclass(frozen=True)
class ExcursionRule:
    """The rule in force for a location: its band (°C) and the minimum excursion, with sources."""

    location: StorageLocation
    min_c: float
    max_c: float
    band_source: str
    min_duration_minutes: int
    duration_source: str

    @property
    def min_duration(self) -> timedelta:
        return timedelta(minutes=self.min_duration_minutes)


@dataclass(frozen=True)
class Reading:
    at: datetime  # timezone-aware
    temperature_c: float


@dataclass(frozen=True)
class Excursion:
    start: datetime  # the first reading out of band
    end: datetime | None  # the first reading back in band; None: still open
    duration: timedelta  # to `end`, or to the last reading when open
    min_c: float  # over the out-of-band readings
    max_c: float
    readings: int  # readings out of band
    rule: ExcursionRule  # the rule in force when it was found

    @property
    def open(self) -> bool:
        return self.end is None


@dataclass(frozen=True)
class NoDataGap:
    after: datetime  # the last reading before the gap
    resumed: datetime  # the first reading after it

    @property
    def duration(self) -> timedelta:
        return self.resumed - self.after


@dataclass(frozen=True)
class ColdChainReport:
    rule: ExcursionRule
    gap: timedelta  # the longest silence tolerated between two readings
    readings: int
    excursions: tuple[Excursion, ...]
    gaps: tuple[NoDataGap, ...]


def excursion_rule(label: LabelRules, location: StorageLocation) -> ExcursionRule:
    """The rule in force for `location` under `label` (band and minimum excursion)."""
    band = next((b for b in label.storage_bands if b.location is location), None)
    if band is None or label.excursions is None:
        raise InvalidInput(
            "storage location",
            "location",
            "has no temperature band on file",
            location.value,
            label="The location",
        )
    return ExcursionRule(
        location=location,
        min_c=float(band.min_c),
        max_c=float(band.max_c),
        band_source=band.source,
        min_duration_minutes=label.excursions.min_duration_minutes,
        duration_source=label.excursions.source,
    )


def check_readings(
    readings: Sequence[Reading], rule: ExcursionRule, gap: timedelta, first_row: int = 1
) -> ColdChainReport:
    """The excursions and "no data" gaps in `readings` (time-ordered) under `rule`."""
    _check_order(readings, first_row)
    excursions: list[Excursion] = []
    gaps: list[NoDataGap] = []
    start: int | None = None
    for i, reading in enumerate(readings):
        if i and reading.at - readings[i - 1].at > gap:
            gaps.append(NoDataGap(readings[i - 1].at, reading.at))
        out = _out_of_band(reading.temperature_c, rule)
        if out and start is None:
            start = i
        elif not out and start is not None:
            excursion = _excursion(readings[start:i], reading.at, rule)
            if excursion.duration >= rule.min_duration:
                excursions.append(excursion)
            start = None
    if start is not None:
        excursions.append(_excursion(readings[start:], None, rule))
    return ColdChainReport(rule, gap, len(readings), tuple(excursions), tuple(gaps))


def _out_of_band(temperature_c: float, rule: ExcursionRule) -> bool:
    return temperature_c < rule.min_c or temperature_c > rule.max_c


def _excursion(out: Sequence[Reading], end: datetime | None, rule: ExcursionRule) -> Excursion:
    temperatures = [r.temperature_c for r in out]
    until = end if end is not None else out[-1].at
    return Excursion(
        start=out[0].at,
        end=end,
        duration=until - out[0].at,
        min_c=min(temperatures),
        max_c=max(temperatures),
        readings=len(out),
        rule=rule,
    )


def _check_order(readings: Sequence[Reading], first_row: int) -> None:
    for i, reading in enumerate(readings):
        row = first_row + i
        if reading.at.tzinfo is None or reading.at.utcoffset() is None:
            raise InvalidInput(
                f"row {row}", "at", "must carry a time zone", reading.at.isoformat(), label="Time"
            )
        if not math.isfinite(reading.temperature_c):
            raise not_a_temperature(row)
        if i and reading.at == readings[i - 1].at:
            raise DuplicateReading(row, reading.at.isoformat())
        if i and reading.at < readings[i - 1].at:
            raise ReadingsOutOfOrder(row, reading.at.isoformat(), readings[i - 1].at.isoformat())


def not_a_temperature(row: int) -> InvalidInput:
    """The refusal of a reading whose temperature is not a number (NaN or infinite)."""
    return InvalidInput(f"row {row}", "temperature_c", "must be a number", label="Temperature (°C)")
