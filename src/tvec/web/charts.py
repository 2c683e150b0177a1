"""Charts for the chart and response pages, as SVG drawn on the server.

The figures are `tvec.reports.figures` (the same figure code, colours and SVG export as the
outcomes report), each drawn on a figure of its own with matplotlib's object-oriented API, so the
worker threads that serve pages never share pyplot's state. The thresholds drawn come from the
response criteria in use, never from numbers written here.
"""

from __future__ import annotations

from decimal import Decimal

from tvec.domain.response import ResponseAssessment
from tvec.domain.rules import ResponseCriteria
from tvec.reports.figures.burden import tumour_burden_figure
from tvec.reports.figures.export import figure_svg
from tvec.reports.figures.waterfall import lesion_waterfall_figure


def tumour_burden_svg(result: ResponseAssessment, criteria: ResponseCriteria) -> str:
    """SPD over time, each assessment coloured by its category, with the PR and PD thresholds."""
    fig = tumour_burden_figure(result, criteria)
    return figure_svg(fig, "Tumour burden over time", text_as_text=False)


def waterfall_svg(changes: list[tuple[str, Decimal]], criteria: ResponseCriteria) -> str:
    """Best % change per lesion, sorted, with the PR and PD thresholds."""
    names = [name for name, _change in changes]
    fig = lesion_waterfall_figure(names, [float(c) for _name, c in changes], criteria)
    return figure_svg(fig, "Best change per lesion", text_as_text=False)
