"""The figures and the output of `tvec report`: the plots, the HTML page and the PDF pages.

The figures come from `tvec.analytics.plots`; the page is the Jinja2 template
``tvec/cli/templates/report.html`` (one self-contained page: inline CSS and SVG); the PDF pages
are matplotlib figures, written by the command (`tvec.cli.report`) with PdfPages.
"""

from __future__ import annotations

from typing import Any

from tvec.analytics.cohort import Cohort, CohortResponses
from tvec.analytics.endpoints import Endpoints, spd_best_change
from tvec.cli.report_content import Figure, Report
from tvec.domain.rules import ResponseCriteria
from tvec.knowledge.trials import Trial


def build_figures(
    cohort: Cohort,
    responses: CohortResponses,
    endpoints: Endpoints,
    rules: ResponseCriteria,
    trial: Trial,
    max_swimmers: int,
) -> list[Figure]:
    from tvec.analytics import plots

    name = plots.trial_name(trial)
    two_arms = endpoints.comparison is not None
    figures = [
        Figure(
            "drr",
            "Durable response rate",
            f"Durable response rate per arm with its exact 95% interval, next to {name}'s "
            "published rates (intervals computed from the published counts).",
            plots.drr_chart_figure({a.arm: a.drr for a in endpoints.arms}, trial),
        ),
        Figure(
            "swimmer",
            "Swimmer plot",
            "Responders, one bar each: follow-up, response onset and duration, progression, "
            "durable responses.",
            plots.swimmer_figure(cohort, responses, max_swimmers),
        ),
        Figure(
            "waterfall",
            "Waterfall plot",
            "Best change of the sum of products of diameters from baseline, one bar per patient, "
            "coloured by best overall response.",
            plots.waterfall_figure(
                spd_best_change(cohort, rules), rules, responses.columns["best"], "patient"
            ),
        ),
        Figure(
            "os",
            "Overall survival",
            "Kaplan–Meier estimate per arm with 95% log-log bands; ticks mark censoring.",
            plots.km_figure(
                {a.arm: a.overall_survival for a in endpoints.arms}, "Overall survival"
            ),
        ),
        Figure(
            "pfs",
            "Progression-free survival",
            "Kaplan–Meier estimate per arm; event: first PD or death (see Methods).",
            plots.km_figure(
                {a.arm: a.progression_free_survival for a in endpoints.arms},
                "Progression-free survival",
            ),
        ),
    ]
    responders = {
        a.arm: a.duration_of_response for a in endpoints.arms if a.duration_of_response is not None
    }
    if responders:
        figures.append(
            Figure(
                "dor",
                "Duration of response",
                "Kaplan–Meier estimate among responders, from response onset; event: the "
                "response ended.",
                plots.km_figure(
                    responders, "Duration of response", ylabel="probability of response held"
                ),
            )
        )
    if two_arms:
        comparison = endpoints.comparison
        assert comparison is not None
        figures.append(
            Figure(
                "forest",
                "Forest plot",
                f"Relative risk of durable response, {comparison.arm_a} over "
                f"{comparison.arm_b}, overall and by subgroup (log scale; 95% Katz intervals).",
                plots.forest_figure(
                    plots.forest_rows(endpoints),
                    detail_header=f"durable responders\n{comparison.arm_a} vs {comparison.arm_b}",
                ),
            )
        )
    else:
        figures.append(
            Figure(
                "forest",
                "Forest plot",
                "Durable response rate by subgroup with exact 95% intervals (single-arm cohort: "
                "rates only).",
                plots.forest_figure(
                    plots.forest_rate_rows(endpoints),
                    xlabel="durable response rate (%)",
                    estimate_header="DRR % (95% CI)",
                    detail_header="durable responders",
                    log_scale=False,
                ),
            )
        )
    return figures


def svg(figure: Figure) -> str:
    from tvec.analytics.plots import figure_svg

    return figure_svg(figure.figure, figure.title)


def render_html(page: Report) -> str:
    """The report as one self-contained HTML page."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("tvec.cli", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html").render(page=page)


def pdf_pages(page: Report) -> list[Any]:
    from tvec.analytics.plots import table_figure, text_figure

    first = text_figure(
        page.title,
        [
            page.description,
            f"Generated {page.generated}; criteria {page.criteria.name}.",
            *page.cohort_notes,
            *(f"Left out: {count} × {reason}." for reason, count in page.excluded),
            page.disclaimer,
            _synthetic_text(page.synthetic),
        ],
    )
    tables = [
        table_figure(
            t.caption,
            t.header,
            t.rows,
            t.note,
        )
        for t in page.tables.values()
    ]
    methods = text_figure("Methods", [f"{head}. {text}" for head, text in page.methods if text])
    return [first, tables[0], tables[1], *(f.figure for f in page.figures), *tables[2:], methods]


def _synthetic_text(synthetic: bool | None) -> str:
    if synthetic:
        return "Synthetic data: these patients are invented; the figures describe a simulation."
    return (
        "If this cohort was made by `tvec synth` or `tvec db demo`, its patients are invented "
        "(synthetic data): the figures then describe a simulation, not patients."
    )


__all__ = ["build_figures", "pdf_pages", "render_html", "svg"]
