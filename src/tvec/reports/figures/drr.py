"""The durable response rate of each arm next to the trial's published rate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tvec.analytics.proportions import ProportionEstimate, proportion
from tvec.knowledge.trials import Trial
from tvec.reports.figures.export import figure_svg, slug
from tvec.reports.figures.style import ARM_COLOURS, INK, TRIAL_COLOUR, new_figure, note, style
from tvec.reports.shaping import trial_name


def drr_chart_figure(arms: Mapping[str, ProportionEstimate], trial: Trial) -> Any:
    """Durable response rate with its exact interval per arm, next to the trial's published DRR.

    The trial's intervals are computed from its published counts (Clopper–Pearson).
    """
    names = list(dict.fromkeys([*arms, *(a.name for a in trial.arms)]))
    published = {a.name: proportion(a.durable_responders, a.n) for a in trial.arms}
    fig = new_figure(6.5, 3.2)
    ax = fig.add_subplot(1, 1, 1)
    style(ax)
    width = 0.38
    x = np.arange(len(names))
    for offset, source, colour, label in (
        (-width / 2, arms, ARM_COLOURS[0], "this cohort"),
        (width / 2, published, TRIAL_COLOUR, f"{trial_name(trial)} (published)"),
    ):
        legend = label
        for k, name in enumerate(names):
            estimate = source.get(name)
            if estimate is None:
                continue
            rate = 100 * estimate.rate
            err = [[rate - 100 * estimate.exact.low], [100 * estimate.exact.high - rate]]
            bar = ax.bar(
                x[k] + offset,
                rate,
                width=width,
                color=colour,
                label=legend,
                yerr=err,
                capsize=4,
                error_kw={"elinewidth": 1, "ecolor": INK},
            )
            bar.patches[0].set_gid(f"drr-bar-{slug(label)}-{slug(name)}")
            ax.text(
                x[k] + offset,
                100 * estimate.exact.high + 1.0,
                f"{rate:.1f}%\n{estimate.events}/{estimate.n}",
                ha="center",
                va="bottom",
                fontsize=7.5,
                color=INK,
            )
            legend = "_nolegend_"  # one legend entry per source
    ax.set_xticks(x)
    ax.set_xticklabels(names, fontsize=9)
    ax.set_ylabel("durable response rate (%)", fontsize=9)
    top = max([100 * p.exact.high for p in [*arms.values(), *published.values()]] + [10.0])
    ax.set_ylim(0, top * 1.15 + 12)
    ax.set_yticks([t for t in range(0, 101, 10 if top < 60 else 20) if t <= top * 1.15 + 12])
    ax.legend(fontsize=8, frameon=False, loc="upper right")
    fig.subplots_adjust(left=0.11, right=0.98, top=0.95, bottom=0.17)
    level = 100 * (1 - next(iter(arms.values())).alpha) if arms else 95.0
    note(
        fig,
        f"error bars: {level:g}% exact (Clopper–Pearson) intervals; "
        f"{trial_name(trial)}'s computed from its published counts",
    )
    return fig


def drr_chart_svg(arms: Mapping[str, ProportionEstimate], trial: Trial) -> str:
    """`drr_chart_figure` as SVG text."""
    return figure_svg(drr_chart_figure(arms, trial), "Durable response rate")


__all__ = ["drr_chart_figure", "drr_chart_svg"]
