"""Charts for the chart and response pages, rendered on the server as SVG with matplotlib.

The thresholds drawn come from the response criteria in use, never from numbers written here.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from tvec.domain.response import Category, ResponseAssessment
from tvec.domain.rules import ResponseCriteria

COLOURS = {
    Category.CR: "#1a7f37",
    Category.PR: "#2f81f7",
    Category.SD: "#6e7781",
    Category.PD: "#cf222e",
    None: "#24292f",
}


def _figure(width: float, height: float) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height), dpi=100)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _svg(fig: Any, title: str) -> str:
    from matplotlib import pyplot as plt

    buffer = io.StringIO()
    fig.tight_layout()
    fig.savefig(buffer, format="svg", metadata={"Title": title})
    plt.close(fig)
    text = buffer.getvalue()
    start = text.index("<svg")
    svg = text[start:]
    return svg.replace("<svg ", f'<svg role="img" aria-label="{title}" ', 1)


def tumour_burden_svg(result: ResponseAssessment, criteria: ResponseCriteria) -> str:
    """SPD over time, each assessment coloured by its category, with the PR and PD thresholds."""
    fig, ax = _figure(7.5, 3.2)
    days = [a.day for a in result.assessments]
    spd = [float(a.spd_cm2) for a in result.assessments]
    ax.plot(days, spd, color="#57606a", linewidth=1.5, zorder=1)
    for a in result.assessments:
        ax.scatter(
            [a.day], [float(a.spd_cm2)], color=COLOURS.get(a.category, "#24292f"), s=36, zorder=2
        )
        label = a.category.value if a.category else "baseline"
        ax.annotate(
            label,
            (a.day, float(a.spd_cm2)),
            textcoords="offset points",
            xytext=(0, 7),
            ha="center",
            fontsize=8,
        )
    baseline = float(result.baseline_spd_cm2)
    pr = 1 - float(criteria.partial_response.min_decrease_from_baseline_pct) / 100
    ax.axhline(
        baseline * pr,
        color=COLOURS[Category.PR],
        linestyle="--",
        linewidth=1,
        label=f"PR: {criteria.partial_response.min_decrease_from_baseline_pct}% below baseline",
    )
    nadirs = _running_nadir([a.spd_cm2 for a in result.assessments])
    pd = 1 + float(criteria.progression.min_increase_from_nadir_pct) / 100
    ax.step(
        days,
        [float(n) * pd for n in nadirs],
        where="post",
        color=COLOURS[Category.PD],
        linestyle=":",
        linewidth=1,
        label=f"PD: +{criteria.progression.min_increase_from_nadir_pct}% over nadir",
    )
    ax.set_xlabel("days since the first dose")
    ax.set_ylabel("SPD (cm²)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, frameon=False, loc="upper right")
    return _svg(fig, "Tumour burden over time")


def _running_nadir(values: list[Decimal]) -> list[Decimal]:
    """The nadir each assessment is compared with: the minimum of everything before it."""
    out, lowest = [], values[0]
    for value in values:
        out.append(lowest)
        lowest = min(lowest, value)
    return out


def waterfall_svg(changes: list[tuple[str, Decimal]], criteria: ResponseCriteria) -> str:
    """Best % change per lesion, sorted, with the PR and PD thresholds."""
    fig, ax = _figure(7.5, 3.0)
    ordered = sorted(changes, key=lambda item: item[1], reverse=True)
    pr = -float(criteria.partial_response.min_decrease_from_baseline_pct)
    pd = float(criteria.progression.min_increase_from_nadir_pct)
    colours = [
        COLOURS[Category.PR]
        if float(c) <= pr
        else COLOURS[Category.PD]
        if float(c) >= pd
        else COLOURS[Category.SD]
        for _, c in ordered
    ]
    ax.bar([name for name, _ in ordered], [float(c) for _, c in ordered], color=colours)
    ax.axhline(pr, color=COLOURS[Category.PR], linestyle="--", linewidth=1)
    ax.axhline(pd, color=COLOURS[Category.PD], linestyle=":", linewidth=1)
    ax.axhline(0, color="#24292f", linewidth=0.8)
    ax.set_ylabel("best change (%)")
    ax.set_ylim(-105, max(60.0, *(float(c) + 10 for _, c in ordered)) if ordered else 60)
    return _svg(fig, "Best change per lesion")
