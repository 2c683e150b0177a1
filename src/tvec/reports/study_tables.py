"""The study-report tables: disposition, demographics, baseline disease, exposure, survival and
adverse events by term and worst grade, by arm.

The numbers come from `tvec.analytics.baseline`, `tvec.analytics.exposure`,
`tvec.analytics.hazards`, the endpoints and the safety counts (`tvec.analytics.safety`); this
module only words and formats them. Continuous variables read as n, mean (SD), median (Q1–Q3)
and min–max; categorical ones as n (%) of the arm's patients. What the source does not hold reads
"not recorded".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tvec.analytics.cohort import SITES
from tvec.analytics.cox import CoxModel
from tvec.analytics.describe import NOT_RECORDED, Categorical, Continuous, Summary
from tvec.analytics.endpoints import Endpoints
from tvec.analytics.exposure import ONGOING, REINITIATED
from tvec.analytics.hazards import ArmHazards
from tvec.analytics.safety import SEVERE_GRADE, Count
from tvec.analytics.survival import KaplanMeier
from tvec.reports.formatting import DASH, count, median_text, p_value, ratio
from tvec.reports.model import Table
from tvec.reports.safety import GRADE_NOTE, SafetyData, share

INDENT = "\u2003"
BASELINE_NOTE = (
    "Baseline: the measurements of day 0 (the first dose). Burden: the sum of the products of "
    "the perpendicular diameters (cm²) of the lesions, as in the response criteria."
)  # an em space: the sub-rows of a variable
SUMMARY_NOTE = (
    "Continuous: n, mean (SD), median (Q1–Q3), min–max; categorical: n (%) of the arm's "
    "patients. Not recorded: the source does not hold the item."
)


@dataclass(frozen=True)
class Wording:
    """How a variable reads: its label, its levels' labels, its scale and decimals."""

    label: str
    levels: dict[str, str] | None = None
    scale: float = 1.0
    digits: int = 1


WORDING: dict[str, Wording] = {
    "age": Wording("Age, years"),
    "sex": Wording("Sex", {"female": "Female", "male": "Male", "unknown": "Unknown"}),
    "stage": Wording("Disease stage"),
    "ecog": Wording("ECOG performance status", {NOT_RECORDED: "Not recorded"}),
    "line": Wording("Line of therapy", {"first": "First line", "later": "Second line or later"}),
    "lesions": Wording("Lesions at baseline, all sites"),
    "burden": Wording("Tumour burden at baseline, all sites (SPD, cm²)"),
    "sites": Wording(
        "Patients with lesions at baseline, by site", {s: s.capitalize() for s in SITES}
    ),
    "courses": Wording("Courses of treatment"),
    "visits": Wording("Injection visits"),
    "volume_ml": Wording("Volume injected, total (mL)"),
    "pfu": Wording("Plaque-forming units, total (× 10⁸ PFU)", scale=1e-8, digits=2),
    "vials_thawed": Wording("Vials thawed"),
    "vials_discarded": Wording("Vials discarded"),
    "treatment_days": Wording("Duration on treatment, first to last dose (months)"),
    "end_reason": Wording(
        "How the last course ended",
        {
            "completed": "Course completed",
            "no-injectable-lesions": "No injectable lesions left",
            "other-treatment-required": "Other treatment required",
            "death": "Died on treatment",
            ONGOING: "Still on treatment at the data cut-off",
        },
    ),
    "reinitiated": Wording(
        "Treatment re-initiated",
        {REINITIATED[0]: "Re-initiated at least once", REINITIATED[1]: "Not re-initiated"},
    ),
    "reinitiations": Wording("Re-initiations per patient"),
}


def wording(name: str) -> Wording:
    """A variable's wording; per-site variables are ``lesions:SITE`` and ``burden:SITE``."""
    if name in WORDING:
        return WORDING[name]
    kind, _, site = name.partition(":")
    if kind == "lesions":
        return Wording(f"{site.capitalize()} lesions per patient, among patients with one")
    if kind == "burden":
        return Wording(f"{site.capitalize()} tumour burden (SPD, cm²), among patients with one")
    return Wording(name)


def number(value: float | None, digits: int) -> str:
    """`value` with `digits` decimals; a whole number without them; a dash when absent."""
    if value is None:
        return DASH
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.{digits}f}"


def continuous_rows(label: str, cells: Sequence[Continuous], w: Wording) -> list[list[str]]:
    def fixed(v: float | None) -> str:
        return DASH if v is None else f"{w.scale * v:.{w.digits}f}"

    def spread(c: Continuous) -> str:
        low, high = (w.scale * v for v in (c.minimum or 0.0, c.maximum or 0.0))
        if float(low).is_integer() and float(high).is_integer():
            return f"{number(low, 0)}–{number(high, 0)}"
        return f"{low:.{w.digits}f}–{high:.{w.digits}f}"

    rows = [[label, *("" for _ in cells)]]
    rows.append([f"{INDENT}n", *(str(c.n) for c in cells)])
    rows.append([f"{INDENT}Mean (SD)", *(_mean_sd(c, fixed) for c in cells)])
    rows.append(
        [
            f"{INDENT}Median (Q1–Q3)",
            *(
                DASH if c.n == 0 else f"{fixed(c.median)} ({fixed(c.q1)}–{fixed(c.q3)})"
                for c in cells
            ),
        ]
    )
    rows.append(
        [
            f"{INDENT}Min–max",
            *(DASH if c.n == 0 else spread(c) for c in cells),
        ]
    )
    return rows


def _mean_sd(c: Continuous, fixed: Callable[[float | None], str]) -> str:
    if c.n == 0:
        return DASH
    return f"{fixed(c.mean)} ({fixed(c.sd)})"


def categorical_rows(label: str, cells: Sequence[Categorical], w: Wording) -> list[list[str]]:
    rows = [[label, *("" for _ in cells)]]
    names = w.levels or {}
    for k, level in enumerate(cells[0].levels if cells else ()):
        counts = [c.counts[k] for c in cells]
        rows.append(
            [
                f"{INDENT}{names.get(level, level)}",
                *(count(n, c.of) for n, c in zip(counts, cells, strict=True)),
            ]
        )
    return rows


def summary_rows(summary: Summary) -> list[list[str]]:
    """Every variable of `summary`, in order, as rows (a label row, then its sub-rows)."""
    rows: list[list[str]] = []
    for variable in summary.variables:
        w = wording(variable.name)
        cells = variable.summaries
        if cells is None:
            rows.append([w.label, *(NOT_RECORDED for _ in summary.arms)])
        elif all(isinstance(c, Continuous) for c in cells):
            rows += continuous_rows(w.label, [c for c in cells if isinstance(c, Continuous)], w)
        else:
            rows += categorical_rows(w.label, [c for c in cells if isinstance(c, Categorical)], w)
    return rows


def arm_header(summary: Summary, first: str = "") -> list[str]:
    return [
        first,
        *(f"{arm}\nN = {n}" for arm, n in zip(summary.arms, summary.patients, strict=True)),
    ]


def summary_table(summary: Summary, caption: str, note: str = SUMMARY_NOTE) -> Table:
    return Table(caption, arm_header(summary), summary_rows(summary), note=note)


def demographics_table(summary: Summary) -> Table:
    return summary_table(summary, "Demographics and disease characteristics at baseline, by arm")


def baseline_table(summary: Summary) -> Table:
    """Lesions and burden over all sites, and the patients with lesions at each site."""
    overall = Summary(
        summary.arms,
        summary.patients,
        tuple(v for v in summary.variables if ":" not in v.name),
    )
    return summary_table(
        overall,
        "Lesions and tumour burden at baseline, by arm",
        note=f"{BASELINE_NOTE} A patient may have lesions at several sites. {SUMMARY_NOTE}",
    )


def baseline_sites_table(summary: Summary) -> Table:
    """Per site and arm, among the patients with a lesion there: lesions and burden (one row per
    site and arm, the statistics as columns, so the table stays short)."""
    header = ["Site", "Arm", "Patients with lesions at the site"]
    for what in ("Lesions per patient", "Burden (SPD, cm²)"):
        header += [f"{what}\nmean (SD)", "median (Q1–Q3)", "min–max"]
    rows = []
    sites = summary.variable("sites").summaries or ()
    for site in sites[0].levels if sites and isinstance(sites[0], Categorical) else ():
        lesions = summary.variable(f"lesions:{site}").summaries or ()
        burden = summary.variable(f"burden:{site}").summaries or ()
        for k, arm in enumerate(summary.arms):
            many, heavy = lesions[k], burden[k]
            assert isinstance(many, Continuous)
            assert isinstance(heavy, Continuous)
            cells = [site.capitalize(), arm, count(many.n, summary.patients[k])]
            cells += _statistics(many, WORDING["lesions"]) + _statistics(heavy, WORDING["burden"])
            rows.append(cells)
    return Table(
        "Lesions and tumour burden at baseline, by site and arm",
        header,
        rows,
        note=f"{BASELINE_NOTE} Among the patients with a lesion at the site. {SUMMARY_NOTE}",
        numeric_from=2,
    )


def _statistics(c: Continuous, w: Wording) -> list[str]:
    """[mean (SD), median (Q1–Q3), min–max] of one summary."""
    rows = continuous_rows("", [c], w)
    return [row[1] for row in rows[2:]]


def exposure_table(summary: Summary) -> Table:
    """One row per item and arm, the statistics as columns (so the table stays short)."""
    rows = []
    for variable in summary.variables:
        w = wording(variable.name)
        for k, arm in enumerate(summary.arms):
            cells = variable.summaries
            c = None if cells is None else cells[k]
            if not isinstance(c, Continuous):
                rows.append([w.label, arm, NOT_RECORDED, "", "", ""])
                continue
            rows.append([w.label, arm, str(c.n), *_statistics(c, w)])
    return Table(
        "Exposure to treatment, by arm",
        ["Item", "Arm", "n", "Mean (SD)", "Median (Q1–Q3)", "Min–max"],
        rows,
        note="Totals per patient over every dose given; duration from the first to the last "
        "dose, in months of 30.4375 days. " + SUMMARY_NOTE,
        numeric_from=2,
    )


def disposition_table(summary: Summary) -> Table:
    table = summary_table(summary, "Patients and disposition, by arm")
    table.rows.insert(0, ["Patients analysed", *(str(n) for n in summary.patients)])
    return table


# --- survival -------------------------------------------------------------------------------------


def survival_table(
    endpoints: Endpoints, hazards: ArmHazards | None, deaths_recorded: bool
) -> Table:
    """Per arm: patients, events and the median (95% CI) of OS and PFS; between the first two
    arms: the Cox hazard ratio (95% CI) and the log-rank p."""
    arms = endpoints.arms
    two = endpoints.comparison is not None
    header = ["", *(f"{a.arm}\nN = {a.n}" for a in arms)]
    if two and endpoints.comparison is not None:
        header.append(f"{endpoints.comparison.arm_a} vs {endpoints.comparison.arm_b}")
    rows: list[list[str]] = []
    groups: tuple[tuple[str, str, list[KaplanMeier], CoxModel | None, float | None, bool], ...] = (
        (
            "Overall survival",
            "Events (deaths)",
            [a.overall_survival for a in arms],
            None if hazards is None else hazards.overall_survival,
            None if endpoints.comparison is None else endpoints.comparison.os_logrank.p_value,
            deaths_recorded,
        ),
        (
            "Progression-free survival",
            "Events (progression or death)",
            [a.progression_free_survival for a in arms],
            None if hazards is None else hazards.progression_free_survival,
            None if endpoints.comparison is None else endpoints.comparison.pfs_logrank.p_value,
            True,
        ),
    )
    for name, events, curves, model, logrank, has_data in groups:
        blank = [""] if two else []
        if not has_data:
            rows.append([name, *("no death records" for _ in arms), *blank])
            continue
        rows.append([name, *("" for _ in arms), *blank])
        rows.append([f"{INDENT}{events}", *(str(c.n_events) for c in curves), *blank])
        rows.append(
            [
                f"{INDENT}Median, months (95% CI)",
                *(median_text(c.median) for c in curves),
                *blank,
            ]
        )
        if two:
            rows.append([f"{INDENT}Hazard ratio (95% CI)", *("" for _ in arms), hazard_text(model)])
            rows.append([f"{INDENT}Log-rank p", *("" for _ in arms), p_value(logrank)])
    return Table(
        "Survival by arm: medians, hazard ratio and log-rank test",
        header,
        rows,
        note="Kaplan–Meier medians with Brookmeyer–Crowley 95% intervals. Hazard ratio of the "
        "first arm over the second from a Cox model with the arm as its only covariate (Efron "
        "ties), Wald 95% interval; below 1 favours the first arm. Log-rank test of the two arms.",
    )


def hazard_text(model: CoxModel | None) -> str:
    """'0.79 (0.62–1.00)' from a Cox model with one term; a dash without one."""
    if model is None:
        return DASH
    if not model.converged:
        return "not estimable"
    term = model.terms[0]
    return ratio(term.hazard_ratio, term.ci)


# --- adverse events -------------------------------------------------------------------------------


def adverse_events_table(data: SafetyData | None, arms: Sequence[str]) -> Table:
    """Patients with each term per arm: any grade, by worst grade, grade ≥ 3, serious, related
    (the term repeated on each of its rows, so every row reads alone, in a CSV too).

    From the same counts as the safety page (`tvec.analytics.safety.safety_table`); "not recorded"
    for a source without adverse-event records."""
    caption = "Adverse events by term and worst grade per patient"
    if data is None:
        return Table(
            caption,
            ["", *arms],
            [["Adverse events", *(NOT_RECORDED for _ in arms)]],
            note="The source holds no adverse-event records.",
        )
    table = data.table
    header = ["Term", "Patients", *(f"{arm}\nN = {table.patients[arm]}" for arm in table.arms)]
    rows: list[list[str]] = []
    for row in table.rows:
        counts = [row.arms[arm] for arm in table.arms]
        rows.append([row.term, "Any grade", *(share(c.any_grade) for c in counts)])
        for grade in range(1, 6):
            patients = [c.by_worst_grade[grade - 1] for c in counts]
            if any(patients):
                rows.append(
                    [
                        row.term,
                        f"Worst grade {grade}",
                        *(
                            share(Count(n, c.any_grade.of))
                            for n, c in zip(patients, counts, strict=True)
                        ),
                    ]
                )
        rows.append(
            [row.term, f"Grade ≥ {SEVERE_GRADE}", *(share(c.grade_3_or_worse) for c in counts)]
        )
        rows.append([row.term, "Serious", *(share(c.serious) for c in counts)])
        rows.append([row.term, "Related", *(share(c.related) for c in counts)])
    arms_text = "; ".join(f"{arm}: {n} patients" for arm, n in table.patients.items())
    return Table(f"{caption} ({arms_text})", header, rows, note=GRADE_NOTE, numeric_from=2)


__all__ = [
    "SUMMARY_NOTE",
    "WORDING",
    "adverse_events_table",
    "baseline_sites_table",
    "baseline_table",
    "demographics_table",
    "disposition_table",
    "exposure_table",
    "hazard_text",
    "summary_table",
    "survival_table",
]
