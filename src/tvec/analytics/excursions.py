"""Cold-chain excursions on arrays: the vectorised twin of `tvec.domain.cold_chain`.

Same rule, same answers (a property-based test holds them equal), on NumPy arrays of a year of
one-minute readings at once: times as int64 milliseconds since 1970-01-01 UTC, temperatures in °C.
The rule itself (band, minimum duration, what an open excursion is) is documented in
`tvec.domain.cold_chain`; `to_report` turns the arrays into its result objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt

from tvec.domain.cold_chain import (
    ColdChainReport,
    Excursion,
    ExcursionRule,
    NoDataGap,
    not_a_temperature,
)
from tvec.domain.errors import DuplicateReading, ReadingsOutOfOrder

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
MS_PER_MINUTE = 60_000


@dataclass(frozen=True)
class ExcursionArrays:
    """Excursions and gaps as parallel arrays (times in ms since the epoch, UTC).

    ``end_ms`` is -1 and ``open`` True for an excursion still open at the last reading; its
    ``duration_ms`` runs to the last reading.
    """

    start_ms: Ints
    end_ms: Ints
    open: npt.NDArray[np.bool_]
    duration_ms: Ints
    min_c: Floats
    max_c: Floats
    readings: Ints
    gap_after_ms: Ints
    gap_resumed_ms: Ints
    total_readings: int


def detect_excursions(
    times_ms: Ints, temperatures_c: Floats, rule: ExcursionRule, gap: timedelta, first_row: int = 1
) -> ExcursionArrays:
    """Excursions and "no data" gaps of one location's readings (strictly time-ordered)."""
    _check(times_ms, temperatures_c, first_row)
    n = len(times_ms)
    out = (temperatures_c < rule.min_c) | (temperatures_c > rule.max_c)
    change = np.diff(out.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(change == 1)
    ends = np.flatnonzero(change == -1)  # n for an excursion still out at the last reading
    is_open = ends == n
    until = times_ms[np.minimum(ends, n - 1)]
    duration = until - times_ms[starts]
    keep = is_open | (duration >= int(rule.min_duration / timedelta(milliseconds=1)))
    bounds = np.column_stack((starts, ends)).ravel()[: 2 * len(starts) - int(is_open.any())]
    low = np.minimum.reduceat(temperatures_c, bounds)[::2] if len(bounds) else temperatures_c[:0]
    high = np.maximum.reduceat(temperatures_c, bounds)[::2] if len(bounds) else temperatures_c[:0]
    after = np.flatnonzero(np.diff(times_ms) > int(gap / timedelta(milliseconds=1)))
    return ExcursionArrays(
        start_ms=times_ms[starts][keep],
        end_ms=np.where(is_open, -1, until)[keep],
        open=is_open[keep],
        duration_ms=duration[keep],
        min_c=low[keep],
        max_c=high[keep],
        readings=(ends - starts)[keep],
        gap_after_ms=times_ms[after],
        gap_resumed_ms=times_ms[after + 1],
        total_readings=n,
    )


def _check(times_ms: Ints, temperatures_c: Floats, first_row: int) -> None:
    """The domain's refusals, found at once: the first non-number, equal or earlier time."""
    bad_temperature = np.flatnonzero(~np.isfinite(temperatures_c))
    steps = np.diff(times_ms)
    bad_time = np.flatnonzero(steps <= 0)
    n = len(times_ms)
    first_bad_temperature = int(bad_temperature[0]) if len(bad_temperature) else n
    first_bad_time = int(bad_time[0]) + 1 if len(bad_time) else n
    if first_bad_temperature < n and first_bad_temperature <= first_bad_time:
        raise not_a_temperature(first_row + first_bad_temperature)
    if first_bad_time < n:
        i = first_bad_time
        at, before = _iso(times_ms[i]), _iso(times_ms[i - 1])
        if steps[i - 1] == 0:
            raise DuplicateReading(first_row + i, at)
        raise ReadingsOutOfOrder(first_row + i, at, before)


def to_report(found: ExcursionArrays, rule: ExcursionRule, gap: timedelta) -> ColdChainReport:
    """The domain's result objects for `found` (times in UTC)."""
    excursions = tuple(
        Excursion(
            start=_instant(found.start_ms[i]),
            end=None if found.open[i] else _instant(found.end_ms[i]),
            duration=timedelta(milliseconds=int(found.duration_ms[i])),
            min_c=float(found.min_c[i]),
            max_c=float(found.max_c[i]),
            readings=int(found.readings[i]),
            rule=rule,
        )
        for i in range(len(found.start_ms))
    )
    gaps = tuple(
        NoDataGap(_instant(a), _instant(b))
        for a, b in zip(found.gap_after_ms, found.gap_resumed_ms, strict=True)
    )
    return ColdChainReport(rule, gap, found.total_readings, excursions, gaps)


def _instant(ms: np.int64) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(ms))


def _iso(ms: np.int64) -> str:
    return _instant(ms).isoformat()
