"""The swimmer plot: one bar per responder, from the first dose to the last follow-up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tvec.analytics.cohort import Cohort, CohortResponses
from tvec.analytics.endpoints import arm_order, months
from tvec.reports.figures.export import figure_svg
from tvec.reports.figures.style import INK, RESPONSE_COLOURS, arm_colour, new_figure, note, style
from tvec.reports.shaping import follow_up_days, swimmer_selection


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
    follow = months(follow_up_days(cohort, responses)[rows])
    onset = months(np.asarray(cols["time_to_response_days"], dtype=np.float64)[rows])
    length = months(np.asarray(cols["duration_of_response_days"], dtype=np.float64)[rows])
    ongoing = np.asarray(cols["response_ongoing"], dtype=bool)[rows]
    durable = np.asarray(cols["durable"], dtype=bool)[rows]
    progression = months(np.asarray(cols["progression_day"], dtype=np.float64)[rows])
    died = np.asarray(cohort.patients["os_event"]).astype(int)[rows] == 1
    death = months(np.asarray(cohort.patients["os_days"], dtype=np.float64)[rows])

    height = max(2.6, 0.9 + 0.16 * rows.size)
    fig = new_figure(8.0, height)
    ax = fig.add_subplot(1, 1, 1)
    style(ax)
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
    caption = f"{rows.size} of {chosen.responders} responders shown"
    if rows.size < chosen.responders:
        caption += " (evenly spaced by follow-up)"
    fig.subplots_adjust(left=0.04, right=0.78, top=0.97, bottom=max(0.1, 0.75 / height))
    note(fig, caption)
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
