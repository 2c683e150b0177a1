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

from tvec.analytics.cohort import ARMS, Cohort, CohortResponses
from tvec.analytics.endpoints import DAYS_PER_MONTH, Endpoints, SubgroupRow, arm_order, months
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
MAX_CENSOR_MARKS = 150  # per Kaplan–Meier curve (evenly spaced when there are more)
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
    """`fig` as standalone SVG text with ids prefixed by the title's slug.

    No XML prolog and no RDF metadata block: the title is the root's ``aria-label``.
    """
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "tvec"}):
        fig.savefig(buffer, format="svg", metadata={"Title": title, "Date": None})
    text = buffer.getvalue()
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", text[text.index("<svg") :], flags=re.S)
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


def arm_colour(arm: str) -> str:
    """The colour of an arm, the same in every figure (known arms first, others by name)."""
    if arm in ARMS:
        return ARM_COLOURS[ARMS.index(arm)]
    return ARM_COLOURS[len(ARMS) + sum(map(ord, arm)) % (len(ARM_COLOURS) - len(ARMS))]


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
    arms = arm_order(arm_of[rows])
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
        bar = ax.barh(y[k], follow[k], height=0.6, color=arm_colour(str(arm_of[rows[k]])))
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
    fig.subplots_adjust(left=0.04, right=0.78, top=0.97, bottom=max(0.1, 0.75 / height))
    _note(fig, note)
    return fig


def _swimmer_legend(ax: Any, arms: Sequence[str]) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = [Patch(color=arm_colour(a), label=f"follow-up, {a}") for a in arms]
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


# --- Kaplan–Meier ---------------------------------------------------------------------------------


def risk_times(
    curves: Mapping[str, KaplanMeier], step: float | None = None
) -> npt.NDArray[np.float64]:
    """0, step, 2·step, … up to the longest follow-up of the curves.

    The default step is 3 months for up to 2 years of follow-up, 6 up to 7 years, else 12.
    """
    longest = max((float(c.time[-1]) for c in curves.values()), default=0.0)
    if step is None:
        step = 3.0 if longest <= 24 else 6.0 if longest <= 84 else 12.0
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
        colour = arm_colour(name)
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


def forest_rate_rows(endpoints: Endpoints, arm: int = 0) -> tuple[ForestRow, ...]:
    """Durable response rate (%, exact interval) of one arm: all patients, then subgroups.

    For single-arm cohorts, where no ratio can be formed.
    """
    overall = endpoints.arms[arm].drr
    rows = [
        ForestRow(
            "All patients",
            100 * overall.rate,
            Interval(100 * overall.exact.low, 100 * overall.exact.high),
            f"{overall.events}/{overall.n}",
            summary=True,
        )
    ]
    for sub in endpoints.subgroups:
        p = sub.drr[arm]
        rows.append(
            ForestRow(
                _factor_label(sub),
                None if p is None else 100 * p.rate,
                None if p is None else Interval(100 * p.exact.low, 100 * p.exact.high),
                "–" if p is None else f"{p.events}/{p.n}",
            )
        )
    return tuple(rows)


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
    fig = _new_figure(8.5, max(2.2, 1.1 + 0.3 * n))
    ax = fig.add_subplot(1, 1, 1)
    _style(ax)
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
        return "–"
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
    _note(
        fig,
        f"error bars: {level:g}% exact (Clopper–Pearson) intervals; "
        f"{trial_name(trial)}'s computed from its published counts",
    )
    return fig


def trial_name(trial: Trial) -> str:
    """The trial's name as published ("OPTiM"), from the start of its title."""
    return trial.title.split(":")[0].strip() or trial.name


def drr_chart_svg(arms: Mapping[str, ProportionEstimate], trial: Trial) -> str:
    """`drr_chart_figure` as SVG text."""
    return figure_svg(drr_chart_figure(arms, trial), "Durable response rate")


# --- tables as figures (for PDF pages) ------------------------------------------------------------


def text_figure(title: str, paragraphs: Sequence[str]) -> Any:
    """A page (A4 landscape) of wrapped paragraphs under a title, for PDF reports."""
    import textwrap

    fig = _new_figure(11.69, 8.27)
    fig.text(0.05, 0.93, title, fontsize=15, color=INK, va="top")
    y = 0.86
    for paragraph in paragraphs:
        lines = textwrap.wrap(paragraph, 150) or [""]
        fig.text(0.05, y, "\n".join(lines), fontsize=9, color=INK, va="top", linespacing=1.4)
        y -= 0.024 * len(lines) + 0.02
    return fig


def table_figure(
    title: str, header: Sequence[str], rows: Sequence[Sequence[str]], note: str = ""
) -> Any:
    """A page (A4 landscape) holding a titled table, for PDF reports.

    Cells may hold several lines (``"\\n"``); columns are as wide as their longest line and the
    font shrinks (down to 5 pt) until the table fits the page's width.
    """
    import textwrap

    fig = _new_figure(11.69, 8.27)
    ax = fig.add_axes((0.04, 0.1, 0.92, 0.8))
    ax.axis("off")
    fig.text(0.04, 0.94, title, fontsize=14, color=INK, va="top")
    if rows:
        cells = [[str(c) for c in header], *([str(c) for c in row] for row in rows)]
        widths = [max(len(line) for line in cell.split("\n")) + 2 for cell in cells[0]]
        for row in cells[1:]:
            widths = [
                max(w, *(len(line) + 2 for line in cell.split("\n")))
                for w, cell in zip(widths, row, strict=True)
            ]
        total = sum(widths)
        fontsize = max(5.0, min(9.0, 0.92 * 11.69 * 72 / (0.58 * total)))
        table = ax.table(
            cellText=cells[1:],
            colLabels=cells[0],
            colWidths=[w / total for w in widths],
            loc="upper left",
            cellLoc="left",
            colLoc="left",
        )
        table.auto_set_font_size(False)
        table.set_fontsize(fontsize)
        line = fontsize * 1.45 / 72 / (0.8 * 8.27)  # one text line, in axes height
        for (row, _col), cell in table.get_celld().items():
            count = max(c.count("\n") + 1 for c in cells[row])
            cell.set_height(line * (count + 0.6))
            cell.set_edgecolor("#d1d9e0")
            cell.PAD = 0.02
            if row == 0:
                cell.set_facecolor("#f6f8fa")
                cell.set_text_props(fontweight="bold")
    if note:
        fig.text(
            0.04, 0.07, "\n".join(textwrap.wrap(note, 190)), fontsize=7.5, color=MUTED, va="top"
        )
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
    "forest_rate_rows",
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
    "text_figure",
    "waterfall_figure",
    "waterfall_svg",
]
