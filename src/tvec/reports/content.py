"""The text of an outcomes report and its assembly: criteria, methods, and `build_report`.

Every sentence is built from the endpoints (`tvec.analytics.endpoints`), the response criteria
and the trial's published figures; the tables are in `tvec.reports.tables`.
"""

from __future__ import annotations

import datetime as dt

from tvec.analytics.baseline import baseline_disease, demographics
from tvec.analytics.endpoints import DAYS_PER_MONTH, Endpoints, MeasurementIndex
from tvec.analytics.exposure import disposition, exposure
from tvec.analytics.hazards import ArmHazards
from tvec.domain.rules import ResponseCriteria
from tvec.knowledge.trials import Trial
from tvec.reports.model import DISCLAIMER, Figure, Report, Source
from tvec.reports.safety import published_table
from tvec.reports.shaping import trial_name
from tvec.reports.source import COHORT_CUTOFF, STATED_CUTOFF, data_cutoff
from tvec.reports.study_tables import (
    adverse_events_table,
    baseline_sites_table,
    baseline_table,
    demographics_table,
    disposition_table,
    exposure_table,
    survival_table,
)
from tvec.reports.tables import (
    comparison_table,
    lesion_table,
    rd_method_sentence,
    response_table,
    subgroup_table,
)


def criteria_text(rules: ResponseCriteria) -> str:
    """The criteria's thresholds in words, every number read from the criteria object."""
    progression, durable = rules.progression, rules.durable_response
    parts = [
        f"{rules.title} ({rules.name}). Source: {rules.source}.",
        "PR: a decrease of at least "
        f"{rules.partial_response.min_decrease_from_baseline_pct}% of the sum of the products of "
        "perpendicular diameters from baseline; PD: an increase of at least "
        f"{progression.min_increase_from_nadir_pct}% over the nadir",
    ]
    if progression.new_lesions_added_to_sum:
        parts[-1] += "; new measurable lesions join the sum"
    if progression.new_lesion_is_progression:
        parts[-1] += "; a new lesion is progression"
    parts[-1] += "."
    if rules.confirmation.min_days:
        parts.append(
            "A response counts once confirmed by an assessment at least "
            f"{rules.confirmation.min_days} days later."
        )
    else:
        parts.append("A single assessment is enough to count a response.")
    parts.append(
        f"Durable response: CR or PR held for at least {durable.min_duration_months} months, "
        f"beginning within the first {durable.onset_within_months} months. Onset boundary, "
        f"{durable.boundary_ruling}."
    )
    return " ".join(parts)


def methods(rules: ResponseCriteria, trial: Trial, name: str, engine: str) -> list[tuple[str, str]]:
    return [
        (
            "Response criteria",
            criteria_text(rules),
        ),
        ("Response engine", f"Responses computed {engine}." if engine else ""),
        (
            "Intervals",
            "Proportions: Wilson score (Wilson, JASA 1927) and exact Clopper–Pearson "
            "(Clopper and Pearson, Biometrika 1934) 95% intervals. Relative risk: Katz log "
            "interval (Katz et al., Biometrics 1978); odds ratio: Woolf log interval (Woolf, Ann "
            "Hum Genet 1955); risk difference: Newcombe hybrid score interval (Newcombe, Stat Med "
            "1998, method 10); Fisher's exact test for the durable response rate. "
            "Stage-adjusted comparison: Mantel–Haenszel common odds ratio (Mantel and Haenszel, "
            "JNCI 1959) with the Robins–Breslow–Greenland interval (Biometrics 1986) and the "
            "Cochran–Mantel–Haenszel test. No 0.5 correction is added to empty cells. "
            + rd_method_sentence(trial),
        ),
        (
            "Survival",
            "Kaplan–Meier product-limit estimate (Kaplan and Meier, JASA 1958) with Greenwood's "
            "variance (Greenwood 1926) and log-log 95% bands (Kalbfleisch and Prentice, 2002, "
            "§1.4); medians with the Brookmeyer–Crowley interval (Biometrics 1982). Arms compared "
            "with the log-rank test (Mantel, Cancer Chemother Rep 1966). Hazard ratio of the "
            "first arm over the second from a Cox proportional hazards model (Cox, JRSS B 1972) "
            "with the arm as its only covariate and Efron's handling of tied times (Efron, JASA "
            "1977), fitted by Newton–Raphson; Wald 95% interval.",
        ),
        (
            "Study tables",
            "Continuous items: n, mean (SD with denominator n − 1), median with the first and "
            "third quartiles (linear interpolation between order statistics, type 7 of Hyndman "
            "and Fan, Am Stat 1996) and range; categorical items: n (%) of the arm's patients. "
            "Baseline is day 0, the first dose; tumour burden is the sum of the products of the "
            "perpendicular diameters (cm²) of the lesions measured that day, per site, as in the "
            "response criteria. Adverse events: each patient once per term at the worst CTCAE "
            "v5.0 grade (NCI 2017). Items the source does not hold read 'not recorded'.",
        ),
        (
            "Time",
            f"Day 0 is the first dose. A month is 365.25 / 12 = {DAYS_PER_MONTH:g} days (the "
            "average Gregorian month); the durable-response rule itself counts calendar months "
            "from the onset, as the criteria say.",
        ),
        (
            "Endpoints",
            "ORR: a counted (confirmed) CR or PR. Time to response: from day 0 to the onset of "
            "the first counted response, among responders. Duration of response: from that "
            "onset to the assessment that ended it (SD or PD); censored at the last assessment "
            "if still running. PFS: first PD under the criteria or death, whichever is first; "
            "censored at the last tumour assessment otherwise (under criteria that let a "
            "response after progression count, an early PD still ends PFS). OS: death or last "
            "contact; from clinic records, which hold no death record, OS is follow-up only.",
        ),
        (
            "Figures",
            "The swimmer plot shows responders (an evenly spaced selection by follow-up when "
            "there are more than it can hold); the waterfall shows every evaluable patient up "
            "to 400 bars, growth drawn at most at +100%.",
        ),
        (
            "Published figures",
            f"{trial.title}. Source: {trial.source}. Values as published; trial intervals for "
            "rates are computed here from the published counts.",
        ),
    ]


def build_report(
    title: str,
    source: Source,
    endpoints: Endpoints,
    rules: ResponseCriteria,
    trial: Trial,
    figures: list[Figure],
    notes: list[str],
    hazards: ArmHazards | None = None,
    index: MeasurementIndex | None = None,
) -> Report:
    """The report's tables and text around its `figures`; `index` (the cohort's measurements
    joined to their lesions, `measurement_index`) is reused by the baseline tables if given."""
    name = trial_name(trial)
    response = response_table(endpoints, trial, name, source.deaths_recorded)
    # the footnote says where the durable-response onset boundary comes from (tvec's ruling)
    response.note += f" Durable response, onset boundary: {rules.durable_response.boundary_ruling}."
    arms = endpoints.arm_names
    cohort = source.cohort
    disease = baseline_disease(cohort, arms, index)
    tables = {
        "response": response,
        "comparison": comparison_table(endpoints, trial, name),
        "disposition": disposition_table(disposition(cohort, arms)),
        "demographics": demographics_table(demographics(cohort, arms)),
        "baseline": baseline_table(disease),
        "baseline_sites": baseline_sites_table(disease),
        "exposure": exposure_table(exposure(cohort, arms)),
        "survival": survival_table(endpoints, hazards, source.deaths_recorded),
        "lesions": lesion_table(endpoints, rules),
        "subgroups": subgroup_table(endpoints),
        "adverse_events": adverse_events_table(source.safety, arms),
    }
    if source.safety is not None:
        tables["safety_published"] = published_table(source.safety)
    cutoff, basis = _cutoff(source, index)
    return Report(
        title=title,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        description=source.description,
        synthetic=source.synthetic,
        disclaimer=DISCLAIMER,
        criteria=rules,
        trial=trial,
        trial_name=name,
        tables=tables,
        figures=figures,
        notes=notes,
        methods=methods(rules, trial, name, source.engine),
        excluded=source.excluded,
        cohort_notes=source.notes,
        engine=source.engine,
        arms=endpoints.arm_names,
        n_patients=endpoints.n_patients,
        cutoff=cutoff,
        cutoff_basis=basis,
        population=tuple((a.arm, a.n) for a in endpoints.arms),
    )


def _cutoff(source: Source, index: MeasurementIndex | None = None) -> tuple[str, str]:
    """The data cut-off and its basis: the source's own, else the latest date of the cohort."""
    if source.cutoff is not None:
        return source.cutoff.isoformat(), STATED_CUTOFF
    latest = data_cutoff(source.cohort, index)
    return ("", "") if latest is None else (latest.isoformat(), COHORT_CUTOFF)
