"""The content of `tvec report`: its model (Source, Table, Figure, Report) and its tables and text.

Every table and every sentence of the report is built here from the endpoints
(`tvec.analytics.endpoints`), the response criteria and the trial's published figures; the
command (`tvec.cli.report`) reads the cohort and writes the files, and `tvec.cli.report_render`
draws the figures and renders the page and the PDF.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tvec.analytics.cohort import Cohort, CohortResponses
from tvec.analytics.endpoints import DAYS_PER_MONTH, OS_LANDMARK_MONTHS, ArmEndpoints, Endpoints
from tvec.analytics.intervals import Interval
from tvec.analytics.proportions import ProportionEstimate
from tvec.analytics.survival import MedianSurvival
from tvec.cli.output import DISCLAIMER
from tvec.domain.rules import ResponseCriteria
from tvec.knowledge.trials import Trial, TrialArm

DASH = "–"
NO_VISCERAL = ("IIIB", "IIIC", "IVM1a")  # OPTiM's "without visceral disease" (EU population)


@dataclass
class Source:
    """A cohort read for the report, and how to describe it."""

    cohort: Cohort
    description: str
    synthetic: bool | None  # None: not known
    responses: CohortResponses | None = None  # already computed (clinic records)
    engine: str = ""
    excluded: tuple[tuple[str, int], ...] = ()
    os_note: str = ""  # added to the overall-survival caption
    notes: tuple[str, ...] = ()  # about the cohort's data, shown under its description
    deaths_recorded: bool = True  # False: os_event is 0 by construction (clinic records)


@dataclass
class Table:
    """A table for the page and the PDF. A cell's lines after the first are its fine print."""

    caption: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""
    numeric_from: int = 1  # columns from this one on are right-aligned


@dataclass
class Figure:
    key: str
    title: str
    caption: str
    figure: Any
    svg: str = ""


@dataclass
class Report:
    title: str
    generated: str
    description: str
    synthetic: bool | None
    disclaimer: str
    criteria: ResponseCriteria
    trial: Trial
    trial_name: str
    tables: dict[str, Table]
    figures: list[Figure]
    notes: list[str]
    methods: list[tuple[str, str]]
    excluded: tuple[tuple[str, int], ...]
    cohort_notes: tuple[str, ...]
    engine: str
    arms: tuple[str, ...]
    n_patients: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def figure(self) -> dict[str, Figure]:
        """The figures by key (drr, swimmer, waterfall, os, pfs, dor, forest)."""
        return {f.key: f for f in self.figures}


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _range(ci: Interval | None, scale: float = 100.0, digits: int = 1) -> str:
    if ci is None:
        return DASH
    return f"{scale * ci.low:.{digits}f}–{scale * ci.high:.{digits}f}"


def _rate(p: ProportionEstimate) -> str:
    return f"{p.events}/{p.n} ({_pct(p.rate)})\nWilson {_range(p.wilson)}; exact {_range(p.exact)}"


def _count(events: int, n: int) -> str:
    return f"{events} ({_pct(events / n)})" if n else DASH


def _months(value: float | None) -> str:
    return "not reached" if value is None or not math.isfinite(value) else f"{value:.1f}"


def _median(median: MedianSurvival) -> str:
    if median.estimate is None:
        return "not reached"
    return f"{median.estimate:.1f} ({_months(median.low)} to {_months(median.high)})"


def _p(value: float | None) -> str:
    if value is None:
        return DASH
    return "< 0.0001" if value < 1e-4 else f"{value:.4f}"


def _ratio(estimate: float | None, ci: Interval | None) -> str:
    if estimate is None or ci is None:
        return "not estimable"
    return f"{estimate:.2f} ({ci.low:.2f}–{ci.high:.2f})"


def _landmark(arm: ArmEndpoints, k: int) -> str:
    value = float(arm.os_landmarks.survival[k])
    if not math.isfinite(value):
        return "beyond follow-up"
    low, high = float(arm.os_landmarks.lower[k]), float(arm.os_landmarks.upper[k])
    return f"{_pct(value)} ({100 * low:.1f}–{100 * high:.1f})"


def _columns(endpoints: Endpoints, trial: Trial, name: str) -> list[tuple[str, str]]:
    """(arm, "cohort" | "trial") for each column of the response table."""
    arms = list(dict.fromkeys([*endpoints.arm_names, *(a.name for a in trial.arms)]))
    columns = []
    for arm in arms:
        if arm in endpoints.arm_names:
            columns.append((arm, "cohort"))
        if any(a.name == arm for a in trial.arms):
            columns.append((arm, "trial"))
    return columns


def _response_table(endpoints: Endpoints, trial: Trial, name: str, deaths: bool) -> Table:
    """Measures by arm, this cohort next to the trial; OS only where deaths are recorded."""
    columns = _columns(endpoints, trial, name)
    header = [""] + [
        f"{arm}\nthis cohort" if kind == "cohort" else f"{arm}\n{name} (published)"
        for arm, kind in columns
    ]
    measures: list[tuple[str, Callable[[ArmEndpoints], str], Callable[[TrialArm], str]]] = [
        ("Patients", lambda a: str(a.n), lambda t: str(t.n)),
        (
            "Complete response (CR)",
            lambda a: _rate(a.cr_rate),
            lambda t: f"{t.complete_response_pct}%",
        ),
        (
            "Partial response (PR)",
            lambda a: _rate(a.pr_rate),
            lambda t: f"{t.partial_response_pct}%",
        ),
        ("Stable disease (SD)", lambda a: _count(a.counts.sd, a.n), lambda t: DASH),
        ("Progressive disease (PD)", lambda a: _count(a.counts.pd, a.n), lambda t: DASH),
        ("Not evaluable (NE)", lambda a: _count(a.counts.ne, a.n), lambda t: DASH),
        (
            "Objective response rate (CR + PR)",
            lambda a: _rate(a.orr),
            lambda t: f"{t.objective_response_pct}%",
        ),
        (
            "Durable response rate (DRR)",
            lambda a: _rate(a.drr),
            lambda t: f"{t.durable_responders}/{t.n} ({_pct(t.durable_responders / t.n)})",
        ),
        (
            "Time to response, months: median (range)",
            lambda a: _ttr(a),
            lambda t: _trial_ttr(trial, t),
        ),
        (
            "Duration of response, months: median (95% CI)",
            lambda a: (
                DASH if a.duration_of_response is None else _median(a.duration_of_response.median)
            ),
            lambda t: DASH,
        ),
        (
            "Overall survival, months: median (95% CI)",
            lambda a: _median(a.overall_survival.median),
            lambda t: t.median_os_months,
        ),
        *(
            (
                f"Overall survival at {m:g} months (95% CI)",
                (lambda a, k=k: _landmark(a, k)),
                (lambda t: DASH),
            )
            for k, m in enumerate(OS_LANDMARK_MONTHS)
        ),
        (
            "Progression-free survival, months: median (95% CI)",
            lambda a: _median(a.progression_free_survival.median),
            lambda t: DASH,
        ),
    ]
    rows = []
    for label, cohort_value, trial_value in measures:
        row = [label]
        for arm, kind in columns:
            if kind == "trial":
                row.append(trial_value(trial.arm(arm)))
            elif not deaths and label.startswith("Overall survival"):
                row.append("no death records")
            else:
                row.append(cohort_value(endpoints.arm(arm)))
        rows.append(row)
    sources = "; ".join(dict.fromkeys(a.source for a in trial.arms))
    return Table(
        "Response and survival by arm",
        header,
        rows,
        note=f"{name}: {trial.source}. {sources}. Rates with 95% Wilson score and exact "
        "(Clopper–Pearson) intervals; survival medians with Brookmeyer–Crowley intervals.",
    )


def _ttr(arm: ArmEndpoints) -> str:
    t = arm.time_to_response
    if t.n == 0:
        return DASH
    return (
        f"{_months(t.median_months)} ({_months(t.min_months)}–{_months(t.max_months)})\nn = {t.n}"
    )


def _trial_ttr(trial: Trial, arm: TrialArm) -> str:
    if arm.name != trial.arms[0].name:
        return DASH
    c = trial.comparison
    low, high = c.time_to_response_range_months
    return f"{c.median_time_to_response_months} ({low}–{high})"


def _comparison_table(endpoints: Endpoints, trial: Trial, name: str) -> Table:
    c = trial.comparison
    first, second = trial.arms[0], trial.arms[1]
    eu = trial.eu_subgroup
    published = [
        f"{c.drr_relative_risk} ({c.drr_relative_risk_ci[0]}–{c.drr_relative_risk_ci[1]})",
        c.drr_p,
        f"{100 * (first.durable_responders / first.n - second.durable_responders / second.n):.1f}"
        "\nfrom the published counts",
        DASH,
        DASH,
        c.os_p,
        DASH,
        f"{eu.tvec_durable_responders}/{eu.tvec_n} vs {eu.gmcsf_durable_responders}/{eu.gmcsf_n}",
    ]
    labels = [
        "DRR relative risk (95% CI)",
        "DRR, Fisher's exact p",
        "DRR difference, percentage points (Newcombe 95% CI)",
        "DRR odds ratio, stage-adjusted (Mantel–Haenszel, 95% CI)",
        "ORR relative risk (95% CI)",
        "Overall survival, log-rank p",
        "Progression-free survival, log-rank p",
        "Durable responders without visceral disease (IIIB–IVM1a)",
    ]
    cmp, mh = endpoints.comparison, endpoints.stage_adjusted_drr
    if cmp is None:
        ours = ["single-arm cohort"] * (len(labels) - 1) + [_no_visceral(endpoints)]
        label = endpoints.arm_names[0]
    else:
        drr = cmp.drr
        ours = [
            _ratio(drr.relative_risk.estimate, drr.relative_risk.ci),
            _p(drr.fisher_exact_p),
            f"{100 * drr.risk_difference.estimate:.1f} ({_range(drr.risk_difference.newcombe)})",
            DASH if mh is None else _ratio(mh.common_odds_ratio, mh.ci),
            _ratio(cmp.orr.relative_risk.estimate, cmp.orr.relative_risk.ci),
            _p(cmp.os_logrank.p_value),
            _p(cmp.pfs_logrank.p_value),
            _no_visceral(endpoints),
        ]
        label = f"{cmp.arm_a} vs {cmp.arm_b}"
    return Table(
        "Comparison of the arms",
        ["", f"this cohort\n{label}", f"{name} (published)\n{first.name} vs {second.name}"],
        [[a, b, t] for a, b, t in zip(labels, ours, published, strict=True)],
        note=f"{name}: {c.source}; {eu.description}: {eu.source}. Ratios are first arm over "
        "second: Katz (relative risk), Woolf and Robins–Breslow–Greenland (odds ratios) "
        "intervals.",
    )


def _no_visceral(endpoints: Endpoints) -> str:
    rows = [s for s in endpoints.subgroups if s.factor == "stage" and s.level in NO_VISCERAL]
    parts = []
    for k in range(min(2, len(endpoints.arm_names))):
        events = sum(p.events for p in (s.drr[k] for s in rows) if p is not None)
        n = sum(s.n[k] for s in rows)
        parts.append(f"{events}/{n}")
    return " vs ".join(parts)


def _lesion_table(endpoints: Endpoints, rules: ResponseCriteria) -> Table:
    threshold = f"{rules.lesion_level.min_shrinkage_pct}%"
    rows = [
        [
            g.arm,
            g.group,
            str(g.lesions),
            DASH if g.shrank_share is None else f"{g.shrank_count} ({_pct(g.shrank_share)})",
            DASH if g.resolved_share is None else f"{g.resolved_count} ({_pct(g.resolved_share)})",
        ]
        for g in endpoints.lesion_groups
    ]
    return Table(
        "Lesion-level response",
        [
            "Arm",
            "Lesion group",
            "Evaluable lesions",
            f"Decreased by ≥ {threshold}",
            "Resolved (0 × 0)",
        ],
        rows,
        note="Each evaluable lesion (measured at least twice) against its own first measurement; "
        "lesions are clustered within patients, so shares are shown without intervals. "
        f"Threshold from the criteria: {rules.lesion_level.source}",
        numeric_from=2,
    )


def _subgroup_table(endpoints: Endpoints) -> Table:
    arms = endpoints.arm_names
    two = endpoints.comparison is not None
    header = ["Subgroup", *(f"{arm}\nDRR" for arm in arms)]
    if two:
        header += [f"Relative risk\n{arms[0]} / {arms[1]}", "Odds ratio"]
    rows = []
    for sub in endpoints.subgroups:
        label = f"Stage {sub.level}" if sub.factor == "stage" else f"{sub.level.capitalize()} line"
        cells = [label]
        for k in range(len(arms)):
            p = sub.drr[k]
            cells.append(
                DASH if p is None else f"{p.events}/{p.n} ({_pct(p.rate)})\nexact {_range(p.exact)}"
            )
        if two:
            rr, orr = sub.relative_risk, sub.odds_ratio
            cells += [
                _ratio(None if rr is None else rr.estimate, None if rr is None else rr.ci),
                _ratio(None if orr is None else orr.estimate, None if orr is None else orr.ci),
            ]
        rows.append(cells)
    mh = endpoints.stage_adjusted_drr
    if two and mh is not None:
        rows.append(
            [
                "All stages, Mantel–Haenszel",
                *([""] * len(arms)),
                DASH,
                f"{_ratio(mh.common_odds_ratio, mh.ci)}\nCMH p {_p(mh.p_value)}",
            ]
        )
    return Table(
        "Durable response by subgroup",
        header,
        rows,
        note="Single-arm cohort: durable response rates with exact 95% intervals, no ratios."
        if not two
        else "Ratios without a 0.5 correction: a subgroup with no durable responder in an arm "
        "is not estimable. Katz (RR) and Woolf (OR) 95% intervals; the Mantel–Haenszel odds "
        "ratio adjusts the overall comparison for stage.",
    )


def _criteria_text(rules: ResponseCriteria) -> str:
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
        f"beginning within the first {durable.onset_within_months} months."
    )
    return " ".join(parts)


def _methods(
    rules: ResponseCriteria, trial: Trial, name: str, engine: str
) -> list[tuple[str, str]]:
    return [
        (
            "Response criteria",
            _criteria_text(rules),
        ),
        ("Response engine", f"Responses computed {engine}." if engine else ""),
        (
            "Intervals",
            "Proportions: Wilson score and exact Clopper–Pearson 95% intervals. Relative risk: "
            "Katz log interval; odds ratio: Woolf log interval; risk difference: Newcombe "
            "hybrid score. Stage-adjusted comparison: Mantel–Haenszel common odds ratio with the "
            "Robins–Breslow–Greenland interval and the CMH test. Kaplan–Meier curves with "
            "Greenwood variance and log-log bands; medians with Brookmeyer–Crowley intervals; "
            "arms compared with the log-rank test. No 0.5 correction is added to empty cells.",
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
) -> Report:
    from tvec.analytics.plots import trial_name

    name = trial_name(trial)
    tables = {
        "response": _response_table(endpoints, trial, name, source.deaths_recorded),
        "comparison": _comparison_table(endpoints, trial, name),
        "lesions": _lesion_table(endpoints, rules),
        "subgroups": _subgroup_table(endpoints),
    }
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
        methods=_methods(rules, trial, name, source.engine),
        excluded=source.excluded,
        cohort_notes=source.notes,
        engine=source.engine,
        arms=endpoints.arm_names,
        n_patients=endpoints.n_patients,
    )


__all__ = ["DASH", "Figure", "Report", "Source", "Table", "build_report"]
