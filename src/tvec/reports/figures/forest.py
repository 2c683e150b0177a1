"""Forest plots: an estimate and its interval per line (rows from `tvec.reports.shaping`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tvec.reports.figures.export import figure_svg
from tvec.reports.figures.style import ARM_COLOURS, INK, MUTED, new_figure, style
from tvec.reports.shaping import DASH, ForestRow


def forest_figure(
    rows: Sequence[ForestRow],
    xlabel: str = "relative risk (log scale)",
    estimate_header: str = "RR (95% CI)",
    detail_header: str = "durable responders",
    log_scale: bool = True,
) -> Any:
    """Estimates and intervals, one line per row, on a log scale with a line at 1 (ratios) or
    on a linear scale with a line at the first (summary) row's estimate (rates).

    Rows without an estimate are listed as "not estimable". The detail text (for example the
    counts) is written at the right.
    """
    n = len(rows)
    fig = new_figure(8.5, max(2.2, 1.1 + 0.3 * n))
    ax = fig.add_subplot(1, 1, 1)
    style(ax)
    ax.spines["left"].set_visible(False)
    finite = [
        v
        for r in rows
        if r.ci is not None and r.estimate is not None
        for v in (r.ci.low, r.ci.high, r.estimate)
        if math.isfinite(v) and (v > 0 or not log_scale)
    ]
    if log_scale:
        ax.set_xscale("log")
        low, high = min([*finite, 0.5]) / 1.3, max([*finite, 2.0]) * 1.3
        reference = 1.0
    else:
        low, high = 0.0, min(100.0, max([*finite, 10.0]) * 1.1)
        reference = next((r.estimate for r in rows if r.estimate is not None), 0.0)
    ax.set_xlim(low, high)
    y = np.arange(n)[::-1]
    for k, row in enumerate(rows):
        if row.estimate is None or row.ci is None:
            ax.text(
                0.5,
                y[k],
                "not estimable",
                transform=ax.get_yaxis_transform(),
                ha="center",
                va="center",
                fontsize=8,
                color=MUTED,
            )
            continue
        ax.plot([row.ci.low, row.ci.high], [y[k], y[k]], color=INK, lw=1.2)
        marker = "D" if row.summary else "s"
        point = ax.scatter(
            [row.estimate], [y[k]], marker=marker, color=ARM_COLOURS[0], s=36, zorder=3
        )
        point.set_gid(f"forest-point-{k}")
    ax.axvline(reference, color=MUTED, lw=0.8, ls="-" if log_scale else ":")
    if log_scale:
        ticks = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500]
        ax.set_xticks([t for t in ticks if low <= t <= high])
        ax.set_xticklabels([f"{t:g}" for t in ticks if low <= t <= high])
        ax.minorticks_off()
    ax.set_yticks(y)
    ax.set_yticklabels([r.label for r in rows], fontsize=9)
    header = {"transform": ax.get_yaxis_transform(), "fontsize": 8, "fontweight": "bold"}
    ax.text(1.02, n - 0.35, estimate_header, color=INK, va="bottom", **header)
    ax.text(1.42, n - 0.35, detail_header, color=MUTED, va="bottom", **header)
    for k, row in enumerate(rows):
        ax.text(
            1.02,
            y[k],
            _ci_text(row, 2 if log_scale else 1),
            transform=ax.get_yaxis_transform(),
            va="center",
            fontsize=8,
            color=INK,
        )
        ax.text(
            1.42,
            y[k],
            row.detail,
            transform=ax.get_yaxis_transform(),
            va="center",
            fontsize=8,
            color=MUTED,
        )
    ax.set_ylim(-0.7, n - 0.1)
    ax.set_xlabel(xlabel, fontsize=9)
    ax.tick_params(axis="y", length=0)
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.17, right=0.6, top=1 - 0.5 / height, bottom=0.55 / height)
    return fig


def _ci_text(row: ForestRow, digits: int = 2) -> str:
    if row.estimate is None or row.ci is None:
        return DASH
    return f"{row.estimate:.{digits}f} ({row.ci.low:.{digits}f}–{row.ci.high:.{digits}f})"


def forest_svg(
    rows: Sequence[ForestRow],
    xlabel: str = "relative risk (log scale)",
    estimate_header: str = "RR (95% CI)",
    detail_header: str = "durable responders",
    log_scale: bool = True,
) -> str:
    """`forest_figure` as SVG text."""
    fig = forest_figure(rows, xlabel, estimate_header, detail_header, log_scale)
    return figure_svg(fig, "Forest plot")


__all__ = ["forest_figure", "forest_svg"]
