"""From a cohort to a finished report: responses, statistics, figures, then the content.

`outcomes_report` runs every step; `step` (if given) is told the name of each one as it starts,
so a command line can show progress. A cohort the statistics cannot use raises `CohortError` or
`ValueError`; statistical caveats (`StatisticalWarning`) become the report's "Statistical notes".
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable

from tvec.analytics.caveats import StatisticalWarning
from tvec.analytics.cohort import Cohort, CohortResponses
from tvec.analytics.endpoints import (
    Endpoints,
    MeasurementIndex,
    cohort_endpoints,
    measurement_index,
)
from tvec.analytics.hazards import ArmHazards, arm_hazards
from tvec.domain.rules import ResponseCriteria
from tvec.knowledge.trials import load_trial
from tvec.reports.content import build_report
from tvec.reports.model import Report, Source
from tvec.reports.report_figures import add_svg, build_figures

TRIAL = "optim"  # the published trial a report compares with (tvec.knowledge.trials)
TITLE = "T-VEC outcomes report"
COHORT_ENGINE = (
    "with the vectorised cohort engine (identical, patient by patient, to the domain engine)"
)


def _silent(_step: str) -> None:
    return None


def compute_responses(source: Source, rules: ResponseCriteria) -> CohortResponses:
    """The source's responses: as given (clinic records), else from the vectorised engine."""
    if source.responses is not None:
        return source.responses
    from tvec.analytics.cohort_engine import cohort_responses

    responses = cohort_responses(source.cohort, rules)
    source.engine = COHORT_ENGINE
    return responses


def compute_endpoints(
    cohort: Cohort,
    responses: CohortResponses,
    rules: ResponseCriteria,
    index: MeasurementIndex | None = None,
) -> tuple[Endpoints, list[str]]:
    """The endpoints, and the statistical caveats raised on the way (each once, in order).

    `index`: the cohort's measurements joined to their lesions, when already built."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatisticalWarning)
        endpoints = cohort_endpoints(cohort, responses, rules, index=index)
    notes = [_for_readers(str(w.message)) for w in caught if w.category is StatisticalWarning]
    return endpoints, list(dict.fromkeys(notes))


# The statistics' caveat names the library's option and the stats command's flag; a report's
# reader has neither, and the report never adds the correction (Methods says so).
_ON_REQUEST = re.compile(r"the Haldane-Anscombe 0\.5 correction is available on request \([^)]*\)")


def _for_readers(note: str) -> str:
    """A statistical caveat as a report's reader can act on it."""
    return _ON_REQUEST.sub("this report adds no Haldane-Anscombe 0.5 correction", note)


def compute_hazards(
    cohort: Cohort, responses: CohortResponses, endpoints: Endpoints
) -> tuple[ArmHazards | None, list[str]]:
    """The Cox hazard ratios of the first two arms (OS, PFS), and the caveats raised on the way."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatisticalWarning)
        hazards = arm_hazards(cohort, responses, endpoints.arm_names, endpoints.alpha)
    notes = list(dict.fromkeys(str(w.message) for w in caught if w.category is StatisticalWarning))
    return hazards, notes


def outcomes_report(
    source: Source,
    rules: ResponseCriteria,
    *,
    title: str = TITLE,
    max_swimmers: int = 40,
    step: Callable[[str], None] = _silent,
) -> Report:
    """The report of `source` under `rules`, next to the trial's published figures."""
    step("computing responses")
    responses = compute_responses(source, rules)
    step("statistics")
    # the join of measurements to lesions, shared by the lesion statistics, the waterfall and
    # the baseline tables: built once for this cohort
    index = measurement_index(source.cohort)
    endpoints, notes = compute_endpoints(source.cohort, responses, rules, index)
    hazards, hazard_notes = compute_hazards(source.cohort, responses, endpoints)
    notes += [n for n in hazard_notes if n not in notes]
    step("plots")
    trial = load_trial(TRIAL)
    figures = build_figures(
        source.cohort, responses, endpoints, rules, trial, max_swimmers, hazards, index
    )
    next(f for f in figures if f.key == "os").caption += source.os_note
    for figure in figures:
        step(f"plots: {figure.title.lower()}")
        add_svg(figure)
    step("writing")
    return build_report(title, source, endpoints, rules, trial, figures, notes, hazards, index)


__all__ = ["TITLE", "TRIAL", "compute_endpoints", "compute_responses", "outcomes_report"]
