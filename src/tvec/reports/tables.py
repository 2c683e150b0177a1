"""The tables of an outcomes report: response by arm, the comparison, lesions and subgroups.

Each table puts the cohort next to the trial's published figures (`tvec.knowledge.trials`); the
stages of the trial's subgroup without visceral disease are read from the trial's data.
"""

from __future__ import annotations

from collections.abc import Callable

from tvec.analytics.endpoints import OS_LANDMARK_MONTHS, ArmEndpoints, Endpoints
from tvec.analytics.proportions import TwoArmComparison, risk_difference
from tvec.analytics.risk_difference import DEFAULT_RD_METHOD, method_title
from tvec.domain.rules import ResponseCriteria
from tvec.knowledge.trials import Trial, TrialArm, TrialSubgroup
from tvec.reports.formatting import (
    DASH,
    ci_range,
    count,
    landmark,
    median_text,
    months_text,
    p_value,
    pct,
    rate,
    ratio,
)
from tvec.reports.model import Table


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


def response_table(endpoints: Endpoints, trial: Trial, name: str, deaths: bool) -> Table:
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
            lambda a: rate(a.cr_rate),
            lambda t: f"{t.complete_response_pct}%",
        ),
        (
            "Partial response (PR)",
            lambda a: rate(a.pr_rate),
            lambda t: f"{t.partial_response_pct}%",
        ),
        ("Stable disease (SD)", lambda a: count(a.counts.sd, a.n), lambda t: DASH),
        ("Progressive disease (PD)", lambda a: count(a.counts.pd, a.n), lambda t: DASH),
        ("Not evaluable (NE)", lambda a: count(a.counts.ne, a.n), lambda t: DASH),
        (
            "Objective response rate (CR + PR)",
            lambda a: rate(a.orr),
            lambda t: f"{t.objective_response_pct}%",
        ),
        (
            "Durable response rate (DRR)",
            lambda a: rate(a.drr),
            lambda t: f"{t.durable_responders}/{t.n} ({pct(t.durable_responders / t.n)})",
        ),
        (
            "Time to response, months: median (range)",
            lambda a: _ttr(a),
            lambda t: _trial_ttr(trial, t),
        ),
        (
            "Duration of response, months: median (95% CI)",
            lambda a: (
                DASH
                if a.duration_of_response is None
                else median_text(a.duration_of_response.median)
            ),
            lambda t: DASH,
        ),
        (
            "Overall survival, months: median (95% CI)",
            lambda a: median_text(a.overall_survival.median),
            lambda t: t.median_os_months,
        ),
        *(
            (
                f"Overall survival at {m:g} months (95% CI)",
                (lambda a, k=k: landmark(a, k)),
                (lambda t: DASH),
            )
            for k, m in enumerate(OS_LANDMARK_MONTHS)
        ),
        (
            "Progression-free survival, months: median (95% CI)",
            lambda a: median_text(a.progression_free_survival.median),
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
    spread = f"{months_text(t.min_months)}–{months_text(t.max_months)}"
    return f"{months_text(t.median_months)} ({spread})\nn = {t.n}"


def _trial_ttr(trial: Trial, arm: TrialArm) -> str:
    if arm.name != trial.arms[0].name:
        return DASH
    c = trial.comparison
    low, high = c.time_to_response_range_months
    return f"{c.median_time_to_response_months} ({low}–{high})"


def rd_method(trial: Trial) -> str:
    """The risk-difference interval method of the trial's publication (Newcombe if unknown)."""
    final = trial.final_analysis
    return DEFAULT_RD_METHOD if final is None else final.rd_method


def rd_method_sentence(trial: Trial) -> str:
    """The interval of the DRR difference, "95% CI by <method> (<reference>)", and why."""
    sentence = f"DRR difference: 95% CI by {method_title(rd_method(trial))}"
    final = trial.final_analysis
    if final is None:
        return sentence + "."
    return (
        f"{sentence}, the method of the published differences in {final.source} "
        f"({final.rd_method_source})."
    )


def _published_drr_difference(trial: Trial) -> str:
    final = trial.final_analysis
    if final is not None:
        low, high = final.drr_difference_ci
        return f"{final.drr_difference} ({low}–{high})\nfinal analysis"
    first, second = trial.arms[0], trial.arms[1]
    difference = first.durable_responders / first.n - second.durable_responders / second.n
    return f"{100 * difference:.1f}\nfrom the published counts"


def _drr_difference(drr: TwoArmComparison, trial: Trial) -> str:
    a, b = drr.a, drr.b
    rd = risk_difference(a.events, a.n, b.events, b.n, alpha=a.alpha, method=rd_method(trial))
    return f"{100 * rd.estimate:.1f} ({ci_range(rd.ci)})"


def comparison_table(endpoints: Endpoints, trial: Trial, name: str) -> Table:
    c = trial.comparison
    first, second = trial.arms[0], trial.arms[1]
    eu = trial.eu_subgroup
    published = [
        f"{c.drr_relative_risk} ({c.drr_relative_risk_ci[0]}–{c.drr_relative_risk_ci[1]})",
        c.drr_p,
        _published_drr_difference(trial),
        DASH,
        DASH,
        c.os_p,
        DASH,
        f"{eu.tvec_durable_responders}/{eu.tvec_n} vs {eu.gmcsf_durable_responders}/{eu.gmcsf_n}",
    ]
    labels = [
        "DRR relative risk (95% CI)",
        "DRR, Fisher's exact p",
        "DRR difference, percentage points (95% CI)",
        "DRR odds ratio, stage-adjusted (Mantel–Haenszel, 95% CI)",
        "ORR relative risk (95% CI)",
        "Overall survival, log-rank p",
        "Progression-free survival, log-rank p",
        f"Durable responders without visceral disease ({_stage_span(eu)})",
    ]
    cmp, mh = endpoints.comparison, endpoints.stage_adjusted_drr
    if cmp is None:
        ours = ["single-arm cohort"] * (len(labels) - 1) + [_subgroup_drr(endpoints, eu)]
        label = endpoints.arm_names[0]
    else:
        drr = cmp.drr
        ours = [
            ratio(drr.relative_risk.estimate, drr.relative_risk.ci),
            p_value(drr.fisher_exact_p),
            _drr_difference(drr, trial),
            DASH if mh is None else ratio(mh.common_odds_ratio, mh.ci),
            ratio(cmp.orr.relative_risk.estimate, cmp.orr.relative_risk.ci),
            p_value(cmp.os_logrank.p_value),
            p_value(cmp.pfs_logrank.p_value),
            _subgroup_drr(endpoints, eu),
        ]
        label = f"{cmp.arm_a} vs {cmp.arm_b}"
    return Table(
        "Comparison of the arms",
        ["", f"this cohort\n{label}", f"{name} (published)\n{first.name} vs {second.name}"],
        [[a, b, t] for a, b, t in zip(labels, ours, published, strict=True)],
        note=f"{name}: {c.source}; {eu.description}: {eu.source}; stages as in {eu.stages_source}. "
        "Ratios are first arm over "
        "second: Katz (relative risk), Woolf and Robins–Breslow–Greenland (odds ratios) "
        f"intervals. {rd_method_sentence(trial)}",
    )


def _stage_span(subgroup: TrialSubgroup) -> str:
    """The subgroup's stages as a range, first to last ("IIIB–IVM1a")."""
    first, last = subgroup.stages[0], subgroup.stages[-1]
    return first if first == last else f"{first}–{last}"


def _subgroup_drr(endpoints: Endpoints, subgroup: TrialSubgroup) -> str:
    """Durable responders over patients of the subgroup's stages, per arm ("a/n vs b/m")."""
    stages = set(subgroup.stages)
    rows = [s for s in endpoints.subgroups if s.factor == "stage" and s.level in stages]
    parts = []
    for k in range(min(2, len(endpoints.arm_names))):
        events = sum(p.events for p in (s.drr[k] for s in rows) if p is not None)
        n = sum(s.n[k] for s in rows)
        parts.append(f"{events}/{n}")
    return " vs ".join(parts)


def lesion_table(endpoints: Endpoints, rules: ResponseCriteria) -> Table:
    threshold = f"{rules.lesion_level.min_shrinkage_pct}%"
    rows = [
        [
            g.arm,
            g.group,
            str(g.lesions),
            DASH if g.shrank_share is None else f"{g.shrank_count} ({pct(g.shrank_share)})",
            DASH if g.resolved_share is None else f"{g.resolved_count} ({pct(g.resolved_share)})",
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


def subgroup_table(endpoints: Endpoints) -> Table:
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
                DASH
                if p is None
                else f"{p.events}/{p.n} ({pct(p.rate)})\nexact {ci_range(p.exact)}"
            )
        if two:
            rr, orr = sub.relative_risk, sub.odds_ratio
            cells += [
                ratio(None if rr is None else rr.estimate, None if rr is None else rr.ci),
                ratio(None if orr is None else orr.estimate, None if orr is None else orr.ci),
            ]
        rows.append(cells)
    mh = endpoints.stage_adjusted_drr
    if two and mh is not None:
        rows.append(
            [
                "All stages, Mantel–Haenszel",
                *([""] * len(arms)),
                DASH,
                f"{ratio(mh.common_odds_ratio, mh.ci)}\nCMH p {p_value(mh.p_value)}",
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


__all__ = [
    "comparison_table",
    "lesion_table",
    "rd_method",
    "rd_method_sentence",
    "response_table",
    "subgroup_table",
]
