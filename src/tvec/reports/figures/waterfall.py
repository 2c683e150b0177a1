"""Waterfall plots: best % change from baseline, one bar per patient or lesion, high to low.

The cohort waterfall (`waterfall_figure`) is the outcomes report's; the lesion waterfall
(`lesion_waterfall_figure`) is a patient's response page. Both colour bars and draw the PR and PD
thresholds read from the response criteria (`thresholds`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from tvec.domain.rules import ResponseCriteria
from tvec.reports.figures.export import figure_svg, rendering
from tvec.reports.figures.style import (
    CHART_INK,
    INK,
    RESPONSE_COLOURS,
    new_figure,
    note,
    style,
)
from tvec.reports.shaping import even_selection

WATERFALL_CAP_PCT = 100.0  # growth beyond this is drawn at the cap (noted under the plot)


def thresholds(criteria: ResponseCriteria) -> tuple[float, float]:
    """(PR, PD) in % change: the PR decrease as a negative number, the PD increase as positive."""
    pr = -float(criteria.partial_response.min_decrease_from_baseline_pct)
    return pr, float(criteria.progression.min_increase_from_nadir_pct)


def threshold_codes(values: npt.NDArray[np.float64], pr: float, pd: float) -> npt.NDArray[np.str_]:
    """ "PR" at or below the PR threshold, "PD" at or above the PD threshold, else "SD"."""
    return np.where(values <= pr, "PR", np.where(values >= pd, "PD", "SD"))


def _threshold_lines(ax: Any, pr: float, pd: float, ink: str) -> None:
    ax.axhline(pr, color=RESPONSE_COLOURS["PR"], linestyle="--", linewidth=1)
    ax.axhline(pd, color=RESPONSE_COLOURS["PD"], linestyle=":", linewidth=1)
    ax.axhline(0, color=ink, linewidth=0.8)


def waterfall_figure(
    change_pct: npt.ArrayLike,
    criteria: ResponseCriteria,
    best: npt.ArrayLike | None = None,
    unit: str = "patient",
    max_bars: int = 400,
) -> Any:
    """Best % change, one bar per patient (SPD) or per lesion (product), sorted high to low.

    Parameters
    ----------
    change_pct : array_like of float
        Best change from baseline in percent; NaN values (not evaluable) are left out.
    criteria : ResponseCriteria
        The PR threshold and the PD threshold are drawn from it.
    best : array_like of str, optional
        Best overall response per value, to colour the bars; without it bars are coloured by
        the PR and PD thresholds.
    unit : str
        "patient" or "lesion", for the labels.
    max_bars : int
        At most this many bars (an evenly spaced selection of the sorted values).
    """
    values = np.asarray(change_pct, dtype=np.float64)
    keep = np.isfinite(values)
    pr, pd = thresholds(criteria)
    codes = threshold_codes(values, pr, pd) if best is None else np.asarray(best).astype(str)
    values, codes = values[keep], codes[keep]
    order = np.argsort(-values, kind="stable")
    shown = order[even_selection(order.size, max_bars)]
    heights = np.minimum(values[shown], WATERFALL_CAP_PCT)
    fig = new_figure(8.0, 3.4)
    ax = fig.add_subplot(1, 1, 1)
    style(ax)
    colours = [RESPONSE_COLOURS.get(c, INK) for c in codes[shown]]
    dense = shown.size > 60
    bars = ax.bar(
        np.arange(shown.size),
        heights,
        width=1.0 if dense else 0.8,
        color=colours,
        edgecolor=colours,  # dense bars touch: an edge of their own colour closes the seams
        linewidth=0.4 if dense else 0,
    )
    for k, patch in enumerate(bars.patches):
        patch.set_gid(f"waterfall-bar-{k}")
    _threshold_lines(ax, pr, pd, INK)
    ax.set_xticks([])
    ax.set_xlim(-1, max(shown.size, 1))
    ax.set_ylim(-105, WATERFALL_CAP_PCT + 5)
    what = "SPD" if unit == "patient" else "product of diameters"
    ax.set_ylabel(f"best change of {what} (%)", fontsize=9)
    _waterfall_legend(ax, best is not None, pr, pd)
    caption = f"{shown.size} of {values.size} evaluable {unit}s shown"
    if shown.size < values.size:
        caption += " (evenly spaced after sorting)"
    if np.any(values > WATERFALL_CAP_PCT):
        caption += f"; growth above +{WATERFALL_CAP_PCT:g}% drawn at +{WATERFALL_CAP_PCT:g}%"
    fig.subplots_adjust(left=0.09, right=0.98, top=0.95, bottom=0.12)
    note(fig, caption)
    return fig


def _waterfall_legend(ax: Any, by_response: bool, pr: float, pd: float) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    codes = ("CR", "PR", "SD", "PD") if by_response else ("PR", "SD", "PD")
    names = {"CR": "CR", "PR": "PR", "SD": "SD", "PD": "PD"}
    if not by_response:
        names = {"PR": f"≤ {pr:g}%", "SD": "in between", "PD": f"≥ +{pd:g}%"}
    handles: list[Any] = [Patch(color=RESPONSE_COLOURS[c], label=names[c]) for c in codes]
    handles += [
        Line2D([], [], color=RESPONSE_COLOURS["PR"], ls="--", label=f"PR threshold {pr:g}%"),
        Line2D([], [], color=RESPONSE_COLOURS["PD"], ls=":", label=f"PD threshold +{pd:g}%"),
    ]
    ax.legend(handles=handles, fontsize=8, frameon=False, loc="lower left", ncols=2)


def waterfall_svg(
    change_pct: npt.ArrayLike,
    criteria: ResponseCriteria,
    best: npt.ArrayLike | None = None,
    unit: str = "patient",
    max_bars: int = 400,
) -> str:
    """`waterfall_figure` as SVG text."""
    fig = waterfall_figure(change_pct, criteria, best, unit, max_bars)
    return figure_svg(fig, f"Waterfall plot per {unit}")


def lesion_waterfall_figure(
    names: Sequence[str], change_pct: Sequence[float], criteria: ResponseCriteria
) -> Any:
    """Best % change per lesion of one patient, named under each bar, coloured by the thresholds.

    The look of the patient charts: matplotlib's default type sizes, laid out tightly.
    """
    order = sorted(range(len(names)), key=lambda k: change_pct[k], reverse=True)
    values = np.asarray([change_pct[k] for k in order], dtype=np.float64)
    pr, pd = thresholds(criteria)
    fig = new_figure(7.5, 3.0)
    ax = fig.add_subplot(1, 1, 1)
    ax.spines[["top", "right"]].set_visible(False)
    codes = threshold_codes(values, pr, pd)
    ax.bar([names[k] for k in order], values, color=[RESPONSE_COLOURS[c] for c in codes])
    _threshold_lines(ax, pr, pd, CHART_INK)
    ax.set_ylabel("best change (%)")
    ax.set_ylim(-105, max(60.0, *(values + 10)) if values.size else 60)
    with rendering(fig):
        fig.tight_layout()
    return fig


__all__ = [
    "WATERFALL_CAP_PCT",
    "lesion_waterfall_figure",
    "threshold_codes",
    "thresholds",
    "waterfall_figure",
    "waterfall_svg",
]
