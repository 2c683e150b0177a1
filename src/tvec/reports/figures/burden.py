"""A patient's tumour burden over time: the SPD at each assessment, with the PR and PD thresholds.

Drawn for the chart page from the domain's response assessment; the thresholds come from the
response criteria in use, never from numbers written here. The look of the patient charts:
matplotlib's default type sizes, laid out tightly.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tvec.domain.response import Category, ResponseAssessment
from tvec.domain.rules import ResponseCriteria
from tvec.reports.figures.export import rendering
from tvec.reports.figures.style import CHART_INK, CHART_LINE, RESPONSE_COLOURS, new_figure
from tvec.reports.figures.waterfall import thresholds

# NE and the baseline (no category) are drawn in the charts' ink
_SHOWN = (Category.CR, Category.PR, Category.SD, Category.PD)


def category_colour(category: Category | None) -> str:
    """The colour of an assessment's category (the baseline and NE in ink)."""
    return RESPONSE_COLOURS[category.value] if category in _SHOWN else CHART_INK


def tumour_burden_figure(result: ResponseAssessment, criteria: ResponseCriteria) -> Any:
    """SPD over time, each assessment coloured by its category, with the PR and PD thresholds."""
    fig = new_figure(7.5, 3.2)
    ax = fig.add_subplot(1, 1, 1)
    ax.spines[["top", "right"]].set_visible(False)
    days = [a.day for a in result.assessments]
    spd = [float(a.spd_cm2) for a in result.assessments]
    ax.plot(days, spd, color=CHART_LINE, linewidth=1.5, zorder=1)
    for a in result.assessments:
        point = (a.day, float(a.spd_cm2))
        ax.scatter([point[0]], [point[1]], color=category_colour(a.category), s=36, zorder=2)
        # the assessment's own label ("PR (unconfirmed, confirm on or after ...)"), its remark
        # on a second line so that neighbouring points stay readable
        label = a.label.replace(" (", "\n(", 1)
        ax.annotate(
            label, point, textcoords="offset points", xytext=(0, 7), ha="center", fontsize=7
        )
    _threshold_lines(ax, result, criteria, days)
    ax.set_xlabel("days since the first dose")
    ax.set_ylabel("SPD (cm²)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, frameon=False, loc="upper right")
    with rendering(fig):
        fig.tight_layout()
    return fig


def _threshold_lines(
    ax: Any, result: ResponseAssessment, criteria: ResponseCriteria, days: list[int]
) -> None:
    pr, pd = thresholds(criteria)
    ax.axhline(
        float(result.baseline_spd_cm2) * (1 + pr / 100),
        color=RESPONSE_COLOURS["PR"],
        linestyle="--",
        linewidth=1,
        label=f"PR: {criteria.partial_response.min_decrease_from_baseline_pct}% below baseline",
    )
    nadirs = running_nadir([a.spd_cm2 for a in result.assessments])
    ax.step(
        days,
        [float(n) * (1 + pd / 100) for n in nadirs],
        where="post",
        color=RESPONSE_COLOURS["PD"],
        linestyle=":",
        linewidth=1,
        label=f"PD: +{criteria.progression.min_increase_from_nadir_pct}% over nadir",
    )


def running_nadir(values: list[Decimal]) -> list[Decimal]:
    """The nadir each assessment is compared with: the minimum of everything before it."""
    out, lowest = [], values[0]
    for value in values:
        out.append(lowest)
        lowest = min(lowest, value)
    return out


__all__ = ["category_colour", "running_nadir", "tumour_burden_figure"]
