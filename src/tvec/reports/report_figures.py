"""The figures of an outcomes report, with their titles and captions, from its statistics."""

from __future__ import annotations

from tvec.analytics.cohort import Cohort, CohortResponses
from tvec.analytics.cox import CoxModel
from tvec.analytics.endpoints import Endpoints, MeasurementIndex, spd_best_change
from tvec.analytics.hazards import ArmHazards
from tvec.domain.rules import ResponseCriteria
from tvec.knowledge.trials import Trial
from tvec.reports import figures as plots
from tvec.reports.formatting import p_value
from tvec.reports.model import Figure
from tvec.reports.shaping import forest_rate_rows, forest_rows, trial_name


def build_figures(
    cohort: Cohort,
    responses: CohortResponses,
    endpoints: Endpoints,
    rules: ResponseCriteria,
    trial: Trial,
    max_swimmers: int,
    hazards: ArmHazards | None = None,
    index: MeasurementIndex | None = None,
) -> list[Figure]:
    """The report's figures in page order: DRR, swimmer, waterfall, OS, PFS, DOR (when there
    are responders) and the forest plot (ratios for two arms, rates for one). With `hazards`,
    the OS and PFS plots print the Cox hazard ratio and the log-rank p. `index`: the cohort's
    measurements joined to their lesions (`measurement_index`), when already built."""
    return [
        _drr(endpoints, trial),
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
                spd_best_change(cohort, rules, index), rules, responses.columns["best"], "patient"
            ),
        ),
        *_survival(endpoints, hazards),
        _forest(endpoints),
    ]


def _drr(endpoints: Endpoints, trial: Trial) -> Figure:
    return Figure(
        "drr",
        "Durable response rate",
        f"Durable response rate per arm with its exact 95% interval, next to {trial_name(trial)}'s "
        "published rates (intervals computed from the published counts).",
        plots.drr_chart_figure({a.arm: a.drr for a in endpoints.arms}, trial),
    )


def hazard_note(model: CoxModel | None, logrank_p: float | None) -> str:
    """The text the survival plots print: 'HR T-VEC vs GM-CSF 0.79 (95% CI 0.62–1.00)' and the
    log-rank p; empty without a fitted model."""
    if model is None or not model.converged:
        return ""
    term = model.terms[0]
    return (
        f"HR {term.name} {term.hazard_ratio:.2f} (95% CI {term.ci.low:.2f}–{term.ci.high:.2f}), "
        f"Cox model\nlog-rank p {p_value(logrank_p)}"
    )


def _survival(endpoints: Endpoints, hazards: ArmHazards | None = None) -> list[Figure]:
    """Overall and progression-free survival, and the duration of response if anyone responded."""
    cmp = endpoints.comparison
    os_note = pfs_note = ""
    if hazards is not None and cmp is not None:
        os_note = hazard_note(hazards.overall_survival, cmp.os_logrank.p_value)
        pfs_note = hazard_note(hazards.progression_free_survival, cmp.pfs_logrank.p_value)
    figures = [
        Figure(
            "os",
            "Overall survival",
            "Kaplan–Meier estimate per arm with 95% log-log bands; ticks mark censoring.",
            plots.km_figure(
                {a.arm: a.overall_survival for a in endpoints.arms},
                "Overall survival",
                note=os_note,
            ),
        ),
        Figure(
            "pfs",
            "Progression-free survival",
            "Kaplan–Meier estimate per arm; event: first PD or death (see Methods).",
            plots.km_figure(
                {a.arm: a.progression_free_survival for a in endpoints.arms},
                "Progression-free survival",
                note=pfs_note,
            ),
        ),
    ]
    for figure, note in zip(figures, (os_note, pfs_note), strict=True):
        if note:
            figure.caption += (
                " On the plot: the hazard ratio (Cox model, Efron ties) with its 95% CI and the "
                "log-rank p."
            )
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
    return figures


def _forest(endpoints: Endpoints) -> Figure:
    """Relative risks by subgroup for two arms; durable response rates for a single arm."""
    comparison = endpoints.comparison
    if comparison is not None:
        return Figure(
            "forest",
            "Forest plot",
            f"Relative risk of durable response, {comparison.arm_a} over "
            f"{comparison.arm_b}, overall and by subgroup (log scale; 95% Katz intervals).",
            plots.forest_figure(
                forest_rows(endpoints),
                detail_header=f"durable responders\n{comparison.arm_a} vs {comparison.arm_b}",
            ),
        )
    return Figure(
        "forest",
        "Forest plot",
        "Durable response rate by subgroup with exact 95% intervals (single-arm cohort: "
        "rates only).",
        plots.forest_figure(
            forest_rate_rows(endpoints),
            xlabel="durable response rate (%)",
            estimate_header="DRR % (95% CI)",
            detail_header="durable responders",
            log_scale=False,
        ),
    )


def add_svg(figure: Figure) -> None:
    """Draw the figure as SVG text for the page (kept on the figure)."""
    figure.svg = plots.figure_svg(figure.figure, figure.title)


__all__ = ["add_svg", "build_figures"]
