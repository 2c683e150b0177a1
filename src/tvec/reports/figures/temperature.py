"""A storage location's temperature chart: every reading, the band, and the excursions.

Never averaged. A series longer than the chart has pixel columns is drawn as a min/max envelope:
each column shows the lowest and the highest reading that falls in it, so a single reading out of
band in a year of one-minute readings still reaches past the band on the chart (a mean, or a
sample of every n-th reading, would hide it). The band is shaded in green, each excursion in red;
the band comes from the label data (its source is shown beside the chart by the page).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from tvec.reports.figures.export import rendering
from tvec.reports.figures.style import CHART_INK, MUTED, new_figure

BAND_COLOUR = "#1a7f37"
EXCURSION_COLOUR = "#cf222e"
MS_PER_DAY = 86_400_000
WIDTH_IN, HEIGHT_IN, DPI = 7.5, 3.0, 100
COLUMNS = int(WIDTH_IN * DPI)  # at least one envelope column per pixel column of the plot


@dataclass(frozen=True)
class Envelope:
    """Per column: its first time (ms since 1970, UTC), and the lowest and highest reading."""

    times_ms: npt.NDArray[np.int64]
    low_c: npt.NDArray[np.float64]
    high_c: npt.NDArray[np.float64]


def envelope(
    times_ms: npt.NDArray[np.int64], temperatures_c: npt.NDArray[np.float64], columns: int
) -> Envelope:
    """The lowest and highest reading of each of `columns` equal stretches of time (empty
    stretches are left out); a series no longer than `columns` is returned reading by reading."""
    if len(times_ms) <= columns:
        return Envelope(times_ms, temperatures_c, temperatures_c)
    span = int(times_ms[-1] - times_ms[0]) + 1
    column = (times_ms - times_ms[0]) * columns // span
    starts = np.flatnonzero(np.diff(column, prepend=-1))
    return Envelope(
        times_ms[starts],
        np.minimum.reduceat(temperatures_c, starts),
        np.maximum.reduceat(temperatures_c, starts),
    )


def temperature_figure(
    times: Sequence[datetime],
    temperatures_c: Sequence[float],
    band: tuple[float, float],
    excursions: Sequence[tuple[datetime, datetime]],
) -> Any:
    """The chart: the readings' envelope, the band shaded, each excursion shaded in red (from
    its first reading out of band to the reading back in, or to the last reading)."""
    fig = new_figure(WIDTH_IN, HEIGHT_IN)
    ax = fig.add_subplot(1, 1, 1)
    ax.spines[["top", "right"]].set_visible(False)
    ax.axhspan(band[0], band[1], color=BAND_COLOUR, alpha=0.12, lw=0, label="band")
    if times:
        times_ms = np.array([_ms(t) for t in times], dtype=np.int64)
        shape = envelope(times_ms, np.asarray(temperatures_c, dtype=np.float64), COLUMNS)
        days = shape.times_ms / MS_PER_DAY
        if len(days) > 1:
            ax.fill_between(days, shape.low_c, shape.high_c, color=CHART_INK, lw=0, step="post")
        ax.plot(days, shape.high_c, color=CHART_INK, lw=0.8, drawstyle="steps-post")
        ax.plot(days, shape.low_c, color=CHART_INK, lw=0.8, drawstyle="steps-post")
        ax.scatter(days[-1:], shape.high_c[-1:], color=CHART_INK, s=10)
    for start, end in excursions:
        ax.axvspan(
            _ms(start) / MS_PER_DAY, _ms(end) / MS_PER_DAY, color=EXCURSION_COLOUR, alpha=0.3, lw=0
        )
    _axes(ax, band)
    with rendering(fig):
        fig.tight_layout()
    return fig


def _axes(ax: Any, band: tuple[float, float]) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=3, maxticks=7)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.set_ylabel("°C")
    ax.set_xlabel("UTC", color=MUTED)
    low, high = ax.get_ylim()
    margin = max(2.0, (band[1] - band[0]) * 0.25)
    ax.set_ylim(min(low, band[0] - margin), max(high, band[1] + margin))
    ax.tick_params(labelsize=8)


def _ms(instant: datetime) -> int:
    return int(instant.timestamp() * 1000)
