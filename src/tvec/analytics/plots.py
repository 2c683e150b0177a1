"""Figures of an outcomes report: swimmer, waterfall, Kaplan–Meier, forest and DRR charts.

Each figure has a ``*_figure`` function returning a matplotlib `Figure` (for PNG or PDF, see
`save_figure` and `table_figure`) and a ``*_svg`` function returning it as SVG text ready to be
inlined in an HTML page. matplotlib is imported inside the functions (DESIGN.md §6) and only its
object-oriented API is used (no pyplot state), with the Agg canvas.

SVG conventions: text stays text (``svg.fonttype = "none"``), so the numbers at risk and labels can
be searched, read by screen readers and tested; every ``id`` in a figure is prefixed with the
figure's name, so several figures can share one HTML page; the root element carries
``role="img"`` and an ``aria-label``. Thresholds drawn come from the response criteria object.
The colours are those of the web charts (`tvec.web.charts`).

Large cohorts: the swimmer plot shows at most ``max_patients`` bars and the waterfall at most
``max_bars``; above that an evenly spaced selection of the sorted patients is drawn (so the shape
of the distribution is kept) and a note under the plot says how many of how many are shown.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tvec.analytics.cohort import Cohort, CohortResponses
from tvec.analytics.endpoints import DAYS_PER_MONTH, Endpoints, SubgroupRow, months
from tvec.analytics.intervals import Interval
from tvec.analytics.proportions import ProportionEstimate, proportion
from tvec.analytics.survival import KaplanMeier, number_at_risk
from tvec.domain.rules import ResponseCriteria
from tvec.knowledge.trials import Trial

RESPONSE_COLOURS = {
    "CR": "#1a7f37",
    "PR": "#2f81f7",
    "SD": "#6e7781",
    "PD": "#cf222e",
    "NE": "#afb8c1",
}
ARM_COLOURS = ("#0b5cad", "#9a6700", "#8250df", "#1b7c83")
TRIAL_COLOUR = "#8c959f"
INK = "#1f2328"
MUTED = "#59636e"
WATERFALL_CAP_PCT = 100.0  # growth beyond this is drawn at the cap (noted under the plot)


# --- plumbing -------------------------------------------------------------------------------------


def _new_figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)


def _style(ax: Any) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=9, colors=INK)


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "figure"


def figure_svg(fig: Any, title: str) -> str:
    """`fig` as standalone SVG text (no XML prolog) with ids prefixed by the title's slug."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "tvec"}):
        fig.savefig(buffer, format="svg", metadata={"Title": title, "Date": None})
    text = buffer.getvalue()
    svg = text[text.index("<svg") :]
    prefix = _slug(title)
    svg = re.sub(r'\bid="', f'id="{prefix}-', svg)
    svg = svg.replace("url(#", f"url(#{prefix}-").replace('href="#', f'href="#{prefix}-')
    return svg.replace("<svg ", f'<svg role="img" aria-label="{title}" ', 1)


def save_figure(fig: Any, path: Path | str, dpi: int = 150) -> None:
    """Write `fig` to `path`; the format (png, pdf, svg) follows the file's suffix."""
    fig.savefig(
        str(path), dpi=dpi, metadata={"Creator": "tvec"} if str(path).endswith("pdf") else None
    )


def _note(fig: Any, text: str) -> None:
    fig.text(0.01, 0.01, text, fontsize=8, color=MUTED, ha="left", va="bottom")


def even_selection(count: int, limit: int) -> npt.NDArray[np.intp]:
    """`limit` evenly spaced positions of ``range(count)``; all of them if ``count <= limit``."""
    if count <= limit:
        return np.arange(count, dtype=np.intp)
    return np.unique(np.linspace(0, count - 1, limit).round().astype(np.intp))


def _arm_colour(arms: Sequence[str], arm: str) -> str:
    return ARM_COLOURS[list(arms).index(arm) % len(ARM_COLOURS)] if arm in arms else INK


# --- swimmer --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SwimmerSelection:
    """Rows of the patients table drawn in the swimmer plot, longest follow-up first."""

    rows: npt.NDArray[np.intp]
    responders: int  # patients eligible (responders), of whom ``rows.size`` are drawn


def swimmer_selection(
    cohort: Cohort, responses: CohortResponses, max_patients: int = 40
) -> SwimmerSelection:
    """Responders sorted by follow-up (longest first), evenly thinned to `max_patients`."""
    responded = np.asarray(responses.columns["responded"], dtype=bool)
    follow_up = _follow_up_days(cohort, responses)
    candidates = np.flatnonzero(responded)
    ordered = candidates[np.argsort(-follow_up[candidates], kind="stable")]
    picked = ordered[even_selection(ordered.size, max_patients)]
    return SwimmerSelection(rows=picked.astype(np.intp), responders=int(candidates.size))


def _follow_up_days(cohort: Cohort, responses: CohortResponses) -> npt.NDArray[np.float64]:
    return np.maximum(
        np.asarray(cohort.patients["os_days"], dtype=np.float64),
        np.asarray(responses.columns["last_assessment_day"], dtype=np.float64),
    )


def swimmer_figure(cohort: Cohort, responses: CohortResponses, max_patients: int = 40) -> Any:
    """One bar per responder: follow-up, response onset and duration, progression, durable flag.

    Bars are coloured by arm; a triangle marks the onset of the first counted response, a green
    band its duration, an arrow a response still ongoing at the last assessment, a star a durable
    response, a red cross the first PD and a black tick a death.
    """
    chosen = swimmer_selection(cohort, responses, max_patients)
    rows = chosen.rows
    cols = responses.columns
    arm_of = np.asarray(cohort.patients["arm"]).astype(str)
    arms = tuple(dict.fromkeys(arm_of[rows].tolist()))
    follow = months(_follow_up_days(cohort, responses)[rows])
    onset = months(np.asarray(cols["time_to_response_days"], dtype=np.float64)[rows])
    length = months(np.asarray(cols["duration_of_response_days"], dtype=np.float64)[rows])
    ongoing = np.asarray(cols["response_ongoing"], dtype=bool)[rows]
    durable = np.asarray(cols["durable"], dtype=bool)[rows]
    progression = months(np.asarray(cols["progression_day"], dtype=np.float64)[rows])
    died = np.asarray(cohort.patients["os_event"]).astype(int)[rows] == 1
    death = months(np.asarray(cohort.patients["os_days"], dtype=np.float64)[rows])

    height = max(2.6, 0.9 + 0.16 * rows.size)
    fig = _new_figure(8.0, height)
    ax = fig.add_subplot(1, 1, 1)
    _style(ax)
    y = np.arange(rows.size)[::-1]
    for k in range(rows.size):
        bar = ax.barh(y[k], follow[k], height=0.6, color=_arm_colour(arms, arm_of[rows[k]]))
        bar.patches[0].set_gid(f"swimmer-bar-{k}")
        ax.barh(y[k], length[k], left=onset[k], height=0.25, color=RESPONSE_COLOURS["CR"])
    ax.scatter(onset, y, marker=">", color="#ffffff", edgecolors=INK, s=30, zorder=3)
    live = ongoing & np.isfinite(onset)
    ax.scatter((onset + length)[live], y[live], marker="$\u2192$", color=INK, s=70, zorder=3)
    ax.scatter(follow[durable] + 0.4, y[durable], marker="*", color="#d4a72c", s=60, zorder=3)
    seen_pd = np.isfinite(progression)
    ax.scatter(progression[seen_pd], y[seen_pd], marker="x", color="#cf222e", s=28, zorder=3)
    ax.scatter(death[died], y[died], marker="|", color=INK, s=80, zorder=3)
    ax.set_yticks([])
    ax.set_ylim(-0.8, max(rows.size, 1) - 0.2)
    ax.set_xlabel("months since the first dose", fontsize=9)
    ax.set_xlim(left=0)
    _swimmer_legend(ax, arms)
    if chosen.responders == 0:
        ax.text(0.5, 0.5, "no responders in this cohort", transform=ax.transAxes, ha="center")
    note = f"{rows.size} of {chosen.responders} responders shown"
    if rows.size < chosen.responders:
        note += " (evenly spaced by follow-up)"
    fig.subplots_adjust(left=0.04, right=0.78, top=0.97, bottom=max(0.08, 0.55 / height))
    _note(fig, note)
    return fig


def _swimmer_legend(ax: Any, arms: Sequence[str]) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = [Patch(color=_arm_colour(arms, a), label=f"follow-up, {a}") for a in arms]
    handles += [
        Patch(color=RESPONSE_COLOURS["CR"], label="response"),
        Line2D([], [], marker=">", ls="", mfc="#fff", mec=INK, label="response onset"),
        Line2D([], [], marker="$\u2192$", ls="", color=INK, label="response ongoing"),
        Line2D([], [], marker="*", ls="", color="#d4a72c", label="durable response"),
        Line2D([], [], marker="x", ls="", color="#cf222e", label="progression (PD)"),
        Line2D([], [], marker="|", ls="", color=INK, label="death"),
    ]
    ax.legend(
        handles=handles, fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0)
    )


def swimmer_svg(cohort: Cohort, responses: CohortResponses, max_patients: int = 40) -> str:
    """`swimmer_figure` as SVG text."""
    return figure_svg(swimmer_figure(cohort, responses, max_patients), "Swimmer plot")


# --- waterfall ------------------------------------------------------------------------------------


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
    pr = -float(criteria.partial_response.min_decrease_from_baseline_pct)
    pd = float(criteria.progression.min_increase_from_nadir_pct)
    if best is None:
        codes = np.where(values <= pr, "PR", np.where(values >= pd, "PD", "SD"))
    else:
        codes = np.asarray(best).astype(str)
    values, codes = values[keep], codes[keep]
    order = np.argsort(-values, kind="stable")
    shown = order[even_selection(order.size, max_bars)]
    heights = np.minimum(values[shown], WATERFALL_CAP_PCT)
    fig = _new_figure(8.0, 3.4)
    ax = fig.add_subplot(1, 1, 1)
    _style(ax)
    bars = ax.bar(
        np.arange(shown.size),
        heights,
        width=1.0 if shown.size > 60 else 0.8,
        color=[RESPONSE_COLOURS.get(c, INK) for c in codes[shown]],
        linewidth=0,
    )
    for k, patch in enumerate(bars.patches):
        patch.set_gid(f"waterfall-bar-{k}")
    ax.axhline(pr, color=RESPONSE_COLOURS["PR"], linestyle="--", linewidth=1)
    ax.axhline(pd, color=RESPONSE_COLOURS["PD"], linestyle=":", linewidth=1)
    ax.axhline(0, color=INK, linewidth=0.8)
    ax.set_xticks([])
    ax.set_xlim(-1, max(shown.size, 1))
    ax.set_ylim(-105, WATERFALL_CAP_PCT + 5)
    what = "SPD" if unit == "patient" else "product of diameters"
    ax.set_ylabel(f"best change of {what} (%)", fontsize=9)
    _waterfall_legend(ax, best is not None, pr, pd)
    note = f"{shown.size} of {values.size} evaluable {unit}s shown"
    if shown.size < values.size:
        note += " (evenly spaced after sorting)"
    if np.any(values > WATERFALL_CAP_PCT):
        note += f"; growth above +{WATERFALL_CAP_PCT:g}% drawn at +{WATERFALL_CAP_PCT:g}%"
    fig.subplots_adjust(left=0.09, right=0.98, top=0.95, bottom=0.12)
    _note(fig, note)
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
    ax.legend(handles=handles, fontsize=8, frameon=False, loc="upper right", ncols=2)


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


# --- Kaplan–Meier ---------------------------------------------------------------------------------


def risk_times(curves: Mapping[str, KaplanMeier], step: float = 6.0) -> npt.NDArray[np.float64]:
    """0, step, 2·step, … up to the longest follow-up of the curves."""
    longest = max((float(c.time[-1]) for c in curves.values()), default=0.0)
    return np.arange(0.0, longest + 1e-9, step) if longest > 0 else np.zeros(1)


def km_figure(
    curves: Mapping[str, KaplanMeier],
    title: str,
    ylabel: str = "probability",
    xlabel: str = "months",
    times: npt.ArrayLike | None = None,
) -> Any:
    """Kaplan–Meier curves (one per arm) with their log-log bands, censoring ticks and the
    numbers at risk in a table under the axis, at `times` (default every 6 months)."""
    at = risk_times(curves) if times is None else np.asarray(times, dtype=np.float64)
    arms = list(curves)
    fig = _new_figure(8.0, 3.6 + 0.25 * len(arms))
    grid = fig.add_gridspec(2, 1, height_ratios=[5.0, 0.5 + 0.45 * len(arms)], hspace=0.35)
    ax = fig.add_subplot(grid[0])
    table = fig.add_subplot(grid[1], sharex=ax)
    _style(ax)
    for name, curve in curves.items():
        colour = _arm_colour(arms, name)
        time = np.r_[0.0, curve.time]
        ax.step(time, np.r_[1.0, curve.survival], where="post", color=colour, label=name, lw=1.6)
        ax.fill_between(
            time,
            np.r_[1.0, curve.lower],
            np.r_[1.0, curve.upper],
            step="post",
            color=colour,
            alpha=0.12,
            linewidth=0,
        )
        censored = curve.censored > 0
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
    ax.set_xlim(left=0, right=max(float(at[-1]) if at.size else 1.0, 1.0) * 1.02)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_xticks(at)
    ax.legend(fontsize=8, frameon=False, loc="upper right")
    ax.tick_params(labelbottom=True)
    ax.set_xlabel(xlabel, fontsize=9)
    _at_risk_table(table, curves, at)
    fig.subplots_adjust(left=0.16, right=0.97, top=0.93, bottom=0.06)
    return fig


def _at_risk_table(ax: Any, curves: Mapping[str, KaplanMeier], at: npt.NDArray[np.float64]) -> None:
    arms = list(curves)
    ax.set_ylim(-0.5, len(arms) + 0.2)
    ax.axis("off")
    ax.text(
        -0.01,
        len(arms),
        "number at risk",
        transform=ax.get_yaxis_transform(),
        ha="right",
        fontsize=8,
        color=MUTED,
        fontweight="bold",
    )
    for row, name in enumerate(arms):
        y = len(arms) - 1 - row
        counts = number_at_risk(curves[name], at)
        ax.text(
            -0.01,
            y,
            name,
            transform=ax.get_yaxis_transform(),
            ha="right",
            va="center",
            fontsize=8,
            color=_arm_colour(arms, name),
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


# --- forest ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForestRow:
    """One line of a forest plot: a label, the estimate and interval (None: not estimable)."""

    label: str
    estimate: float | None
    ci: Interval | None
    detail: str = ""
    summary: bool = False


def forest_rows(endpoints: Endpoints) -> tuple[ForestRow, ...]:
    """Relative risk of durable response (first arm over second): all patients, then subgroups.

    Empty for a single-arm cohort.
    """
    comparison = endpoints.comparison
    if comparison is None:
        return ()
    overall = comparison.drr.relative_risk
    rows = [
        ForestRow(
            "All patients",
            overall.estimate,
            overall.ci,
            _counts_detail(comparison.drr.a, comparison.drr.b),
            summary=True,
        )
    ]
    for sub in endpoints.subgroups:
        rr = sub.relative_risk
        rows.append(
            ForestRow(
                f"{_factor_label(sub)}",
                None if rr is None else rr.estimate,
                None if rr is None else rr.ci,
                _subgroup_detail(sub),
            )
        )
    return tuple(rows)


def _factor_label(sub: SubgroupRow) -> str:
    return f"stage {sub.level}" if sub.factor == "stage" else f"{sub.level} line"


def _counts_detail(a: ProportionEstimate | None, b: ProportionEstimate | None) -> str:
    def one(p: ProportionEstimate | None) -> str:
        return "–" if p is None else f"{p.events}/{p.n}"

    return f"{one(a)} vs {one(b)}"


def _subgroup_detail(sub: SubgroupRow) -> str:
    return _counts_detail(sub.drr[0], sub.drr[1] if len(sub.drr) > 1 else None)


def forest_figure(rows: Sequence[ForestRow], xlabel: str = "relative risk (log scale)") -> Any:
    """Estimates and intervals on a log scale, one line per row, with a line at 1.

    Rows without an estimate are listed as "not estimable". The detail text (for example the
    counts) is written at the right.
    """
    n = len(rows)
    fig = _new_figure(8.0, max(2.0, 0.9 + 0.3 * n))
    ax = fig.add_subplot(1, 1, 1)
    _style(ax)
    ax.spines["left"].set_visible(False)
    ax.set_xscale("log")
    finite = [
        v
        for r in rows
        if r.ci is not None and r.estimate is not None
        for v in (r.ci.low, r.ci.high, r.estimate)
        if math.isfinite(v) and v > 0
    ]
    low = min([*finite, 0.5]) / 1.3
    high = max([*finite, 2.0]) * 1.3
    ax.set_xlim(low, high)
    y = np.arange(n)[::-1]
    for k, row in enumerate(rows):
        if row.estimate is None or row.ci is None:
            ax.text(1.0, y[k], "not estimable", ha="center", va="center", fontsize=8, color=MUTED)
            continue
        ax.plot([row.ci.low, row.ci.high], [y[k], y[k]], color=INK, lw=1.2)
        marker = "D" if row.summary else "s"
        point = ax.scatter(
            [row.estimate], [y[k]], marker=marker, color=ARM_COLOURS[0], s=36, zorder=3
        )
        point.set_gid(f"forest-point-{k}")
    ax.axvline(1.0, color=MUTED, lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels([r.label for r in rows], fontsize=9)
    for k, row in enumerate(rows):
        ax.text(
            1.01,
            y[k],
            _ci_text(row),
            transform=ax.get_yaxis_transform(),
            va="center",
            fontsize=8,
            color=INK,
        )
        ax.text(
            1.27,
            y[k],
            row.detail,
            transform=ax.get_yaxis_transform(),
            va="center",
            fontsize=8,
            color=MUTED,
        )
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlabel(xlabel, fontsize=9)
    ax.tick_params(axis="y", length=0)
    fig.subplots_adjust(left=0.17, right=0.66, top=0.97, bottom=max(0.1, 0.5 / (0.9 + 0.3 * n)))
    return fig


def _ci_text(row: ForestRow) -> str:
    if row.estimate is None or row.ci is None:
        return "–"
    return f"{row.estimate:.2f} ({row.ci.low:.2f}–{row.ci.high:.2f})"


def forest_svg(rows: Sequence[ForestRow], xlabel: str = "relative risk (log scale)") -> str:
    """`forest_figure` as SVG text."""
    return figure_svg(forest_figure(rows, xlabel), "Forest plot")


# --- DRR versus the trial -------------------------------------------------------------------------


def drr_chart_figure(arms: Mapping[str, ProportionEstimate], trial: Trial) -> Any:
    """Durable response rate with its exact interval per arm, next to the trial's published DRR.

    The trial's intervals are computed from its published counts (Clopper–Pearson).
    """
    names = list(dict.fromkeys([*arms, *(a.name for a in trial.arms)]))
    published = {a.name: proportion(a.durable_responders, a.n) for a in trial.arms}
    fig = _new_figure(6.5, 3.2)
    ax = fig.add_subplot(1, 1, 1)
    _style(ax)
    width = 0.38
    x = np.arange(len(names))
    for offset, source, colour, label in (
        (-width / 2, arms, ARM_COLOURS[0], "this cohort"),
        (width / 2, published, TRIAL_COLOUR, f"{trial.name.upper()} (published)"),
    ):
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
                label=label,
                yerr=err,
                capsize=4,
                error_kw={"elinewidth": 1, "ecolor": INK},
            )
            bar.patches[0].set_gid(f"drr-bar-{_slug(label)}-{_slug(name)}")
            ax.text(
                x[k] + offset,
                100 * estimate.exact.high + 1.0,
                f"{rate:.1f}%\n{estimate.events}/{estimate.n}",
                ha="center",
                va="bottom",
                fontsize=7.5,
                color=INK,
            )
            label = "_nolegend_"
    ax.set_xticks(x)
    ax.set_xticklabels(names, fontsize=9)
    ax.set_ylabel("durable response rate (%)", fontsize=9)
    top = max([100 * p.exact.high for p in [*arms.values(), *published.values()]] + [10.0])
    ax.set_ylim(0, min(100.0, top * 1.35))
    ax.legend(fontsize=8, frameon=False, loc="upper right")
    fig.subplots_adjust(left=0.11, right=0.98, top=0.95, bottom=0.17)
    _note(fig, "bars: 95% exact (Clopper–Pearson) intervals; trial intervals from published counts")
    return fig


def drr_chart_svg(arms: Mapping[str, ProportionEstimate], trial: Trial) -> str:
    """`drr_chart_figure` as SVG text."""
    return figure_svg(drr_chart_figure(arms, trial), "Durable response rate")


# --- tables as figures (for PDF pages) ------------------------------------------------------------


def table_figure(
    title: str, header: Sequence[str], rows: Sequence[Sequence[str]], note: str = ""
) -> Any:
    """A page (A4 landscape) holding a titled table, for PDF reports."""
    fig = _new_figure(11.69, 8.27)
    ax = fig.add_subplot(1, 1, 1)
    ax.axis("off")
    ax.set_title(title, fontsize=13, loc="left")
    if rows:
        table = ax.table(
            cellText=[list(r) for r in rows],
            colLabels=list(header),
            loc="upper left",
            cellLoc="left",
            colLoc="left",
        )
        table.auto_set_font_size(False)
        table.set_fontsize(8.5)
        table.scale(1.0, 1.3)
        for (row, _col), cell in table.get_celld().items():
            cell.set_edgecolor("#d1d9e0")
            if row == 0:
                cell.set_facecolor("#f6f8fa")
                cell.set_text_props(fontweight="bold")
    if note:
        fig.text(0.05, 0.04, note, fontsize=8, color=MUTED, wrap=True)
    return fig


__all__ = [
    "DAYS_PER_MONTH",
    "ForestRow",
    "SwimmerSelection",
    "drr_chart_figure",
    "drr_chart_svg",
    "even_selection",
    "figure_svg",
    "forest_figure",
    "forest_rows",
    "forest_svg",
    "km_figure",
    "km_svg",
    "risk_times",
    "save_figure",
    "swimmer_figure",
    "swimmer_selection",
    "swimmer_svg",
    "table_figure",
    "waterfall_figure",
    "waterfall_svg",
]
