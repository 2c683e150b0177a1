"""Kaplan–Meier figures: one curve per arm with its band, censoring ticks and numbers at risk."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from tvec.analytics.survival import KaplanMeier, number_at_risk
from tvec.reports.figures.export import figure_svg
from tvec.reports.figures.style import INK, MUTED, arm_colour, new_figure, style
from tvec.reports.shaping import even_selection, risk_times

MAX_CENSOR_MARKS = 150  # per Kaplan–Meier curve (evenly spaced when there are more)
# Steps drawn per curve: a registry's curve has a step on nearly every day of follow-up, finer
# than the figure can show (the axes are some 460 pt wide). Steps closer together than 1/800 of
# the time axis are drawn as one (see `drawn_steps`), which keeps the SVG, and the PDF drawing
# it, small for a million patients.
MAX_STEPS = 800


def drawn_steps(time: npt.NDArray[np.float64], count: int = MAX_STEPS) -> npt.NDArray[np.intp]:
    """Indices of the steps to draw: all when there are at most `count`, else the last step in
    each of `count` equal slices of the time axis (and the first), so every drawn point is a
    point of the curve and no level is more than one slice late."""
    if time.size <= count:
        return np.arange(time.size)
    edges = np.linspace(float(time[0]), float(time[-1]), count + 1)[1:-1]
    slices = np.searchsorted(edges, time, side="right")
    last = np.flatnonzero(np.diff(slices))
    return np.unique(np.r_[0, last, time.size - 1])


def km_figure(
    curves: Mapping[str, KaplanMeier],
    title: str,
    ylabel: str = "probability",
    xlabel: str = "months",
    times: npt.ArrayLike | None = None,
    note: str = "",
) -> Any:
    """Kaplan–Meier curves (one per arm) with their log-log bands, censoring ticks and the
    numbers at risk in a table under the axis, at `times` (default every 6 months). A `note`
    (the hazard ratio) is printed in the plot's lower left corner."""
    at = risk_times(curves) if times is None else np.asarray(times, dtype=np.float64)
    arms = list(curves)
    fig = new_figure(8.0, 3.6 + 0.25 * len(arms))
    grid = fig.add_gridspec(2, 1, height_ratios=[5.0, 0.5 + 0.45 * len(arms)], hspace=0.35)
    ax = fig.add_subplot(grid[0])
    table = fig.add_subplot(grid[1], sharex=ax)
    style(ax)
    for name, curve in curves.items():
        colour = arm_colour(name)
        keep = drawn_steps(curve.time)
        time = np.r_[0.0, curve.time[keep]]
        survival = np.r_[1.0, curve.survival[keep]]
        ax.step(time, survival, where="post", color=colour, label=name, lw=1.6)
        ax.fill_between(
            time,
            np.r_[1.0, curve.lower[keep]],
            np.r_[1.0, curve.upper[keep]],
            step="post",
            color=colour,
            alpha=0.12,
            linewidth=0,
        )
        censored = np.flatnonzero(curve.censored > 0)
        censored = censored[even_selection(censored.size, MAX_CENSOR_MARKS)]
        ax.scatter(
            curve.time[censored],
            curve.survival[censored],
            marker="|",
            color=colour,
            s=25,
            linewidths=1,
        )
        median = curve.median.estimate
        if median is not None:
            ax.plot([median, median], [0, 0.5], color=colour, lw=0.8, ls=":")
    ax.axhline(0.5, color=MUTED, lw=0.6, ls=":")
    ax.set_ylim(0, 1.02)
    longest = max((float(c.time[-1]) for c in curves.values()), default=1.0)
    ax.set_xlim(left=0, right=max(longest, float(at[-1]) if at.size else 1.0, 1.0) * 1.02)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_xticks(at)
    ax.legend(fontsize=8, frameon=False, loc="upper right")
    ax.tick_params(labelbottom=True)
    ax.set_xlabel(xlabel, fontsize=9)
    if note:
        box = {"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": 2.0}
        text = ax.text(0.01, 0.03, note, transform=ax.transAxes, fontsize=8, color=INK, bbox=box)
        text.set_gid("hazard-ratio")
    _at_risk_table(table, curves, at)
    fig.subplots_adjust(left=0.16, right=0.97, top=0.93, bottom=0.04)
    return fig


def _at_risk_table(ax: Any, curves: Mapping[str, KaplanMeier], at: npt.NDArray[np.float64]) -> None:
    arms = list(curves)
    ax.set_ylim(-0.5, len(arms) + 0.2)
    ax.axis("off")
    ax.text(
        0.0,
        len(arms),
        "number at risk",
        transform=ax.get_yaxis_transform(),
        ha="left",
        fontsize=8,
        color=MUTED,
        fontweight="bold",
    )
    for row, name in enumerate(arms):
        y = len(arms) - 1 - row
        counts = number_at_risk(curves[name], at)
        ax.text(
            -0.06,
            y,
            name,
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="center",
            fontsize=8,
            color=arm_colour(name),
        )
        for t, n in zip(at, counts, strict=True):
            label = ax.text(t, y, str(int(n)), ha="center", va="center", fontsize=8, color=INK)
            label.set_gid(f"at-risk-{row}-{round(float(t) * 1000)}")


def km_svg(
    curves: Mapping[str, KaplanMeier],
    title: str,
    ylabel: str = "probability",
    xlabel: str = "months",
    times: npt.ArrayLike | None = None,
) -> str:
    """`km_figure` as SVG text."""
    return figure_svg(km_figure(curves, title, ylabel, xlabel, times), title)


__all__ = ["MAX_CENSOR_MARKS", "MAX_STEPS", "drawn_steps", "km_figure", "km_svg"]
