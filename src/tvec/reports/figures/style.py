"""The look shared by every figure: colours, fonts, the blank figure and its fine print.

matplotlib is imported inside the functions (DESIGN.md §6) and only its object-oriented API is
used: a figure is a `matplotlib.figure.Figure` of its own, never pyplot's current figure, so
figures can be drawn side by side in a server's worker threads.
"""

from __future__ import annotations

from typing import Any

from tvec.analytics.cohort import ARMS

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
CHART_INK = "#24292f"  # the patient charts' baseline points and axis lines
CHART_LINE = "#57606a"  # the patient charts' tumour-burden line


def new_figure(width: float, height: float) -> Any:
    """A blank figure of its own (inches, 100 dpi), outside pyplot."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)


def style(ax: Any) -> None:
    """The report's axes: no top or right spine, small ink-coloured tick labels."""
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=9, colors=INK)


def note(fig: Any, text: str) -> None:
    """Fine print at the bottom left of the figure."""
    fig.text(0.01, 0.01, text, fontsize=8, color=MUTED, ha="left", va="bottom")


def arm_colour(arm: str) -> str:
    """The colour of an arm, the same in every figure (known arms first, others by name)."""
    if arm in ARMS:
        return ARM_COLOURS[ARMS.index(arm)]
    return ARM_COLOURS[len(ARMS) + sum(map(ord, arm)) % (len(ARM_COLOURS) - len(ARMS))]


__all__ = [
    "ARM_COLOURS",
    "CHART_INK",
    "CHART_LINE",
    "INK",
    "MUTED",
    "RESPONSE_COLOURS",
    "TRIAL_COLOUR",
    "arm_colour",
    "new_figure",
    "note",
    "style",
]
