"""The temperature chart never averages a breach away.

A year of one-minute readings (525,600) is far more than the chart's pixel columns; each column
shows its lowest and highest reading, so one reading out of band is still drawn beyond the band.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from tvec.reports.figures.export import figure_svg
from tvec.reports.figures.temperature import COLUMNS, envelope, temperature_figure

BAND = (-90.0, -70.0)
START = datetime(2025, 1, 1, tzinfo=UTC)
MINUTES = 365 * 24 * 60


def a_year_with_one_breach(at: int, value: float) -> tuple[np.ndarray, np.ndarray]:
    times = (START.timestamp() * 1000 + np.arange(MINUTES, dtype=np.int64) * 60_000).astype(
        np.int64
    )
    temperatures = np.full(MINUTES, -80.0) + np.sin(np.arange(MINUTES) / 50.0)
    temperatures[at] = value
    return times, temperatures


def test_one_reading_above_the_band_in_a_year_reaches_above_the_band_in_its_column() -> None:
    times, temperatures = a_year_with_one_breach(300_000, -60.0)
    shape = envelope(times, temperatures, COLUMNS)
    assert len(shape.times_ms) <= COLUMNS
    column = int(np.searchsorted(shape.times_ms, times[300_000], side="right")) - 1
    assert shape.high_c[column] == -60.0
    assert shape.high_c[column] > BAND[1]
    assert (np.delete(shape.high_c, column) <= BAND[1]).all()  # the rest stays in band
    assert (shape.low_c <= shape.high_c).all()


def test_one_reading_below_the_band_shows_in_the_low_edge() -> None:
    times, temperatures = a_year_with_one_breach(17, -95.5)
    shape = envelope(times, temperatures, COLUMNS)
    assert shape.low_c.min() == -95.5


def test_the_drawn_chart_carries_the_breach_and_the_band() -> None:
    _times, temperatures = a_year_with_one_breach(400_000, -61.0)
    instants = [START + timedelta(minutes=i) for i in range(MINUTES)]
    breach = instants[400_000]
    fig = temperature_figure(instants, temperatures.tolist(), BAND, [(breach, breach)])
    ax = fig.axes[0]
    drawn_high = max(max(line.get_ydata()) for line in ax.lines)
    assert drawn_high == -61.0
    assert ax.get_ylim()[1] > -61.0  # the breach is inside the plotted area
    assert "<svg" in figure_svg(fig, "Temperature", text_as_text=False)


def test_a_short_series_is_drawn_reading_by_reading() -> None:
    times = np.array([0, 60_000, 120_000], dtype=np.int64)
    temperatures = np.array([-80.0, -65.0, -80.0])
    shape = envelope(times, temperatures, COLUMNS)
    assert shape.high_c.tolist() == [-80.0, -65.0, -80.0]
