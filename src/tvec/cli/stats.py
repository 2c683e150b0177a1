"""`tvec stats`: compare response rates, Kaplan–Meier curves, log-rank tests and Cox models.

Thin wrappers: parse the arguments or the CSV, call `tvec.analytics`, render a Rich table or JSON.
Bad input is one line on stderr and exit code 2 (nothing on stdout). Statistical caveats raised by
the analytics (`StatisticalWarning`) are printed to stderr as ``warning: …`` lines and listed
under ``"warnings"`` in the JSON. Full-precision numbers go to JSON; tables round for reading.
"""

from __future__ import annotations

import math
import re
import warnings
from collections import Counter
from collections.abc import Callable
from typing import Annotated, TypeVar

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from tvec.analytics import (
    CoxModel,
    Interval,
    KaplanMeier,
    Landmarks,
    LogRank,
    TwoArmComparison,
    compare_proportions,
    cox_ph,
    kaplan_meier_by_group,
    logrank_test,
    survival_at,
)
from tvec.analytics.export import comparison_record, cox_record, kaplan_meier_record, logrank_record
from tvec.analytics.risk_difference import (
    DEFAULT_RD_METHOD,
    RD_METHOD_NAMES,
    RD_METHOD_REFERENCES,
    RD_METHODS,
)
from tvec.analytics.survival_csv import SurvivalCsvError, SurvivalRecords, read_survival_csv
from tvec.cli.output import console, fail, print_json, read_text

stats_app = typer.Typer(
    help="Outcome statistics: compare two response rates, Kaplan–Meier, log-rank, Cox.",
    no_args_is_help=True,
)
T = TypeVar("T")
COUNTS = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")
ONE_COHORT = "all"

FileArg = Annotated[
    str, typer.Argument(metavar="FILE", help="CSV with a header row, or '-' for stdin.")
]
TimeOpt = Annotated[str, typer.Option("--time", help="Column of follow-up times (>= 0).")]
EventOpt = Annotated[
    str, typer.Option("--event", help="Column of event flags (1 event, 0 censored).")
]
AlphaOpt = Annotated[float, typer.Option("--alpha", help="1 - confidence level (0.05: 95% CIs).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _with_caveats(compute: Callable[[], T]) -> tuple[T, list[str]]:
    """Run `compute`, turning its warnings into stderr lines; a ValueError becomes exit 2."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = compute()
        except ValueError as exc:
            fail(str(exc))
    notes = [str(w.message) for w in caught]
    for note in notes:
        typer.echo(f"warning: {note}", err=True)
    return result, notes


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha < 1.0:
        fail(f"--alpha: {alpha:g} must lie strictly between 0 and 1")


def _pct(value: float | None) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{100 * value:.1f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def _range(ci: Interval | None, show: Callable[[float | None], str]) -> str:
    return "–" if ci is None else f"{show(ci.low)} to {show(ci.high)}"


def _p(value: float | None) -> str:
    if value is None:
        return "–"
    return "< 0.0001" if value < 1e-4 else f"{value:.4f}"


# --- compare ------------------------------------------------------------------------------------


def _counts(label: str, text: str) -> tuple[int, int]:
    match = COUNTS.fullmatch(text)
    if match is None and "-" in text:
        fail(f"{label}: {text!r} has a negative count; events and N must be whole numbers >= 0")
    if match is None:
        fail(f"{label}: {text!r} is not EVENTS/N with whole numbers (for example 48/295)")
    events, n = int(match[1]), int(match[2])
    if n == 0:
        fail(f"{label}: {text!r} has no patients (N must be at least 1)")
    if events > n:
        fail(f"{label}: {text!r} has more events ({events}) than patients ({n})")
    return events, n


@stats_app.command("compare", context_settings={"ignore_unknown_options": True})
def compare(
    a: Annotated[str, typer.Argument(metavar="A", help="Arm A as EVENTS/N, e.g. 48/295.")],
    b: Annotated[str, typer.Argument(metavar="B", help="Arm B as EVENTS/N, e.g. 3/141.")],
    alpha: AlphaOpt = 0.05,
    yates: Annotated[bool, typer.Option("--yates", help="Yates-correct the chi-square.")] = False,
    haldane: Annotated[
        bool, typer.Option("--haldane", help="Add 0.5 to every cell of a table with a zero cell.")
    ] = False,
    rd_method: Annotated[
        str,
        typer.Option(
            "--rd-method",
            help="Interval of the risk difference: "
            + "; ".join(f"{m} ({RD_METHOD_REFERENCES[m]})" for m in RD_METHODS)
            + ".",
        ),
    ] = DEFAULT_RD_METHOD,
    json_out: JsonOpt = False,
) -> None:
    """Compare two proportions: intervals, risk difference, relative risk, odds ratio, p-values."""
    arm_a, arm_b = _counts("A", a), _counts("B", b)
    _check_alpha(alpha)
    if rd_method not in RD_METHODS:
        fail(f"--rd-method: {rd_method!r} is not one of {', '.join(RD_METHODS)}")
    result, notes = _with_caveats(
        lambda: compare_proportions(
            *arm_a, *arm_b, alpha, zero_correction=haldane, yates=yates, rd_method=rd_method
        )
    )
    if json_out:
        print_json({**comparison_record(result), "warnings": notes})
    else:
        console.print(_compare_arms(result, alpha))
        console.print(_compare_effects(result))


def _compare_arms(result: TwoArmComparison, alpha: float) -> Table:
    level = f"{100 * (1 - alpha):g}%"
    table = Table(title=f"Proportions with {level} intervals", title_justify="left")
    for column in ("arm", "events/n", "rate", "Wald", "Wilson", "exact"):
        table.add_column(column)
    for name, arm in (("A", result.a), ("B", result.b)):
        table.add_row(
            name,
            f"{arm.events}/{arm.n}",
            _pct(arm.rate),
            *(_range(ci, _pct) for ci in (arm.wald, arm.wilson, arm.exact)),
        )
    return table


def _compare_effects(result: TwoArmComparison) -> Table:
    rd, rr, odds = result.risk_difference, result.relative_risk, result.odds_ratio
    table = Table(title="A versus B", title_justify="left")
    for column in ("measure", "estimate", "interval", "method"):
        table.add_column(column)
    table.add_row(
        "risk difference", _pct(rd.estimate), _range(rd.ci, _pct), RD_METHOD_NAMES[rd.method]
    )
    if rd.method != "wald":
        table.add_row("", "", _range(rd.wald, _pct), RD_METHOD_NAMES["wald"])
    table.add_row("relative risk", _num(rr.estimate), _range(rr.ci, _num), "log (Katz)")
    table.add_row("odds ratio", _num(odds.estimate), _range(odds.ci, _num), "logit (Woolf)")
    table.add_row("Fisher's exact p", _p(result.fisher_exact_p), "", "two-sided")
    chi = "Pearson, Yates-corrected" if result.chi_square.yates else "Pearson, uncorrected"
    table.add_row("chi-square p", _p(result.chi_square.p_value), "", chi)
    return table


# --- survival CSVs ------------------------------------------------------------------------------


def _records(
    file: str, time: str, event: str, labels: list[str], covariates: list[str] | None = None
) -> SurvivalRecords:
    return _parse(file, read_text(file), time, event, labels, covariates or [])


def _parse(
    file: str, text: str, time: str, event: str, labels: list[str], covariates: list[str]
) -> SurvivalRecords:
    try:
        return read_survival_csv(text, time, event, labels, covariates)
    except SurvivalCsvError as exc:
        fail(f"{_source(file)}: {exc}")


def _source(file: str) -> str:
    return "stdin" if file == "-" else file


def _header(text: str) -> list[str]:
    first = text.lstrip("\ufeff").partition("\n")[0]
    return [name.strip() for name in first.split(",")]


def _names(option: str, text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        fail(f"{option}: give one or more column names separated by commas")
    return names


def _times(text: str | None) -> list[float]:
    if text is None:
        return []
    values = []
    for part in _names("--at", text):
        try:
            value = float(part)
        except ValueError:
            fail(f"--at: {part!r} is not a number")
        if not math.isfinite(value) or value < 0:
            fail(f"--at: {part!r} must be a time >= 0")
        values.append(value)
    return values


# --- km -----------------------------------------------------------------------------------------


@stats_app.command("km")
def km(
    file: FileArg,
    time: TimeOpt = "time",
    event: EventOpt = "event",
    group: Annotated[
        str | None,
        typer.Option(
            "--group", help="Column of group labels (default: 'group', if the file has it)."
        ),
    ] = None,
    at: Annotated[str | None, typer.Option("--at", help="Landmark times, e.g. 6,12,24.")] = None,
    alpha: AlphaOpt = 0.05,
    json_out: JsonOpt = False,
) -> None:
    """Kaplan–Meier curves per group: median survival, landmarks, numbers at risk."""
    _check_alpha(alpha)
    landmarks = _times(at)
    text = read_text(file)
    if group is None and "group" in _header(text):
        group = "group"
    records = _parse(file, text, time, event, [group] if group else [], [])
    labels = records.labels[group] if group else [ONE_COHORT] * len(records.line)
    curves, notes = _with_caveats(
        lambda: kaplan_meier_by_group(records.time, records.event, labels, alpha)
    )
    marks, more = _with_caveats(
        lambda: {name: survival_at(curve, landmarks) for name, curve in curves.items()}
    )
    if json_out:
        groups = [
            {"group": name, **kaplan_meier_record(curve, marks[name])}
            for name, curve in curves.items()
        ]
        print_json({"alpha": alpha, "groups": groups, "warnings": notes + more})
    else:
        console.print(_km_table(curves, marks, alpha))


def _km_table(curves: dict[str, KaplanMeier], marks: dict[str, Landmarks], alpha: float) -> Table:
    level = f"{100 * (1 - alpha):g}%"
    table = Table(title=f"Kaplan–Meier ({level} log-log intervals)", title_justify="left")
    for column in ("group", "n", "events", f"median ({level} CI)"):
        table.add_column(column)
    for t in next(iter(marks.values())).time:
        table.add_column(f"S({t:g}) · at risk")
    for name, curve in curves.items():
        median = curve.median
        cells = [
            escape(name),
            str(curve.n),
            str(curve.n_events),
            f"{_num(median.estimate, 1)} ({_num(median.low, 1)} to {_num(median.high, 1)})",
        ]
        table.add_row(*cells, *_landmark_cells(marks[name]))
    return table


def _landmark_cells(marks: Landmarks) -> list[str]:
    cells = []
    for k in range(marks.time.size):
        survival, low, high = (float(v[k]) for v in (marks.survival, marks.lower, marks.upper))
        cells.append(f"{_pct(survival)} ({_pct(low)} to {_pct(high)}) · {marks.at_risk[k]}")
    return cells


# --- logrank ------------------------------------------------------------------------------------


@stats_app.command("logrank")
def logrank(
    file: FileArg,
    time: TimeOpt = "time",
    event: EventOpt = "event",
    group: Annotated[str, typer.Option("--group", help="Column of group labels.")] = "group",
    strata: Annotated[
        str | None, typer.Option("--strata", help="Column of strata for a stratified test.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Log-rank test that all groups share one survival curve (optionally stratified)."""
    records = _records(file, time, event, [group, strata] if strata else [group])
    labels = records.labels[group]
    if len(set(labels)) < 2:
        only = labels[0]
        fail(f"{_source(file)}: column {group!r} has one group only ({only!r}); need two or more")
    stratum = records.labels[strata] if strata else None
    result, notes = _with_caveats(
        lambda: logrank_test(records.time, records.event, labels, stratum)
    )
    sizes = Counter(labels)
    if json_out:
        print_json({**logrank_record(result, sizes), "stratified_by": strata, "warnings": notes})
    else:
        console.print(_logrank_table(result, sizes))


def _logrank_table(result: LogRank, sizes: dict[str, int]) -> Table:
    kind = f"stratified, {result.strata} strata" if result.strata > 1 else "unstratified"
    title = (
        f"Log-rank ({kind}): chi-square {_num(result.statistic)} on {result.df} df, "
        f"p {_p(result.p_value)}"
    )
    table = Table(title=title, title_justify="left")
    for column in ("group", "n", "observed", "expected"):
        table.add_column(column)
    for k, name in enumerate(result.groups):
        observed, expected = float(result.observed[k]), float(result.expected[k])
        table.add_row(escape(name), str(sizes[name]), f"{observed:g}", _num(expected))
    return table


# --- cox ----------------------------------------------------------------------------------------


@stats_app.command("cox")
def cox(
    file: FileArg,
    covariates: Annotated[
        str, typer.Option("--covariates", help="Numeric columns, e.g. age,stage_iv.")
    ],
    time: TimeOpt = "time",
    event: EventOpt = "event",
    ties: Annotated[str, typer.Option("--ties", help="Tie handling: efron or breslow.")] = "efron",
    alpha: AlphaOpt = 0.05,
    json_out: JsonOpt = False,
) -> None:
    """Cox proportional hazards model: hazard ratios with intervals, Wald, LR and score tests."""
    if ties not in ("efron", "breslow"):
        fail(f"--ties: {ties!r} is not one of efron, breslow")
    _check_alpha(alpha)
    names = _names("--covariates", covariates)
    records = _records(file, time, event, [], names)
    x = np.column_stack([records.covariates[name] for name in names])
    model, notes = _with_caveats(
        lambda: cox_ph(records.time, records.event, x, names, ties, alpha)  # type: ignore[arg-type]
    )
    if json_out:
        print_json({**cox_record(model), "warnings": notes})
    else:
        console.print(_cox_table(model))


def _cox_table(model: CoxModel) -> Table:
    level = f"{100 * (1 - model.alpha):g}%"
    lr = model.likelihood_ratio
    title = (
        f"Cox model ({model.ties} ties), {model.n} patients, {model.n_events} events; "
        f"LR chi-square {_num(lr.statistic)} on {lr.df} df, p {_p(lr.p_value)}"
    )
    table = Table(title=title, title_justify="left")
    for column in ("covariate", "coef", "se", "HR", f"{level} CI", "z", "p"):
        table.add_column(column)
    for term in model.terms:
        table.add_row(
            escape(term.name),
            _num(term.coef, 4),
            _num(term.se, 4),
            _num(term.hazard_ratio),
            _range(term.ci, _num),
            _num(term.z),
            _p(term.p_value),
        )
    return table
