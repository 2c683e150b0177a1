"""`tvec report`: an outcomes report for a cohort, next to the pivotal trial's published figures.

The cohort is a registry folder (``--cohort DIR``, docs/registry-format.md, as `tvec synth` writes
it) or the centre's own clinic records (``--database``, the configured TVEC_DATABASE_URL). The
report is one self-contained HTML page (inline CSS and SVG, nothing fetched) and, with ``--pdf``,
a PDF of the same figures and tables (matplotlib's PdfPages; no other dependency).

Steps: read the cohort; compute every patient's response (the vectorised cohort engine for a
folder; for the clinic records, the domain engine on the exact recorded sizes, as each patient's
response page does); compute the endpoints (`tvec.analytics.endpoints`); draw the figures
(`tvec.analytics.plots`); write. A progress bar on stderr follows the steps when stderr is a
terminal; otherwise nothing is shown but the final line.

``--database`` logs in as ``--username`` with the password from ``--password``, the
TVEC_REPORT_PASSWORD environment variable or, at a terminal, a hidden prompt. The user's role
decides (`tvec.services.cohort`): researchers and clinical staff may build the de-identified
cohort. The login is closed (the token revoked) when the cohort has been read.

Bad input (a missing folder, a bad cohort file, unknown criteria, an unwritable output, wrong
credentials) is one line on stderr naming the option, exit code 2 and no output file: the files
are written to temporary names in the target folder and renamed only when everything succeeded.
Statistical caveats (`StatisticalWarning`) are listed in the report's "Statistical notes".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer
from rich.console import Console

from tvec.analytics.caveats import StatisticalWarning
from tvec.analytics.cohort import Cohort, CohortError, CohortResponses
from tvec.analytics.endpoints import (
    DAYS_PER_MONTH,
    OS_LANDMARK_MONTHS,
    ArmEndpoints,
    Endpoints,
    cohort_endpoints,
    spd_best_change,
)
from tvec.analytics.intervals import Interval
from tvec.analytics.proportions import ProportionEstimate
from tvec.analytics.survival import MedianSurvival
from tvec.cli.output import DISCLAIMER, EXIT_BAD_INPUT, fail
from tvec.domain.rules import ResponseCriteria
from tvec.knowledge import available_criteria, load_criteria
from tvec.knowledge.trials import Trial, TrialArm, load_trial

if TYPE_CHECKING:
    from tvec.services.cohort import RecordsCohort

PASSWORD_ENV = "TVEC_REPORT_PASSWORD"
DEMO_CENTRE = "tvec demo centre"  # tvec.demo.CENTRE: its patients are invented
TRIAL = "optim"
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


CRITERIA_HELP = f"Response criteria: {', '.join(available_criteria())}."


def report(
    cohort: Annotated[
        Path | None,
        typer.Option(
            "--cohort",
            help="Registry folder: patients, lesions, measurements (.parquet or .csv).",
            show_default=False,
        ),
    ] = None,
    database: Annotated[
        bool,
        typer.Option("--database", help="Use the centre's clinic records (TVEC_DATABASE_URL)."),
    ] = False,
    out: Annotated[Path, typer.Option("--out", help="HTML file to write.")] = Path("report.html"),
    pdf: Annotated[
        Path | None, typer.Option("--pdf", help="Also write a PDF here.", show_default=False)
    ] = None,
    criteria: Annotated[str, typer.Option("--criteria", help=CRITERIA_HELP)] = "modified-who",
    username: Annotated[
        str | None, typer.Option("--username", help="With --database: who runs the report.")
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            envvar=PASSWORD_ENV,
            help=f"With --database (or set {PASSWORD_ENV}; prompted at a terminal).",
            show_default=False,
        ),
    ] = None,
    title: Annotated[str, typer.Option("--title", help="Report title.")] = "T-VEC outcomes report",
    max_swimmers: Annotated[
        int, typer.Option("--max-swimmers", min=5, max=500, help="Patients in the swimmer plot.")
    ] = 40,
    synthetic: Annotated[
        bool,
        typer.Option("--synthetic", help="The cohort is invented (tvec synth): say so at the top."),
    ] = False,
) -> None:
    """Build an outcomes report (HTML, and PDF) for a cohort, next to OPTiM's published figures."""
    rules = _criteria(criteria)
    if (cohort is None) == (not database):
        fail("--cohort DIR or --database: give exactly one")
    out_path = _target("--out", out)
    pdf_path = None if pdf is None else _target("--pdf", pdf)
    if pdf_path is not None and pdf_path == out_path:
        fail("--pdf: must differ from --out")
    credentials = _credentials(username, password) if database else None
    with _progress() as step:
        step("reading the cohort")
        if credentials is not None:
            source = _read_database(*credentials, rules)
        else:
            source = _read_folder(cohort or Path())
        source.synthetic = source.synthetic or synthetic or None
        step("computing responses")
        responses = _responses(source, rules)
        step("statistics")
        endpoints, notes = _statistics(source.cohort, responses, rules)
        step("plots")
        trial = load_trial(TRIAL)
        figures = _figures(source.cohort, responses, endpoints, rules, trial, max_swimmers)
        next(f for f in figures if f.key == "os").caption += source.os_note
        for figure in figures:
            step(f"plots: {figure.title.lower()}")
            figure.svg = _svg(figure)
        step("writing")
        page = _report(title, source, endpoints, rules, trial, figures, notes)
        _write(out_path, pdf_path, page)
    written = str(out_path) if pdf_path is None else f"{out_path} and {pdf_path}"
    typer.echo(f"report written to {written} ({endpoints.n_patients} patients)")


# --- options --------------------------------------------------------------------------------------


def _criteria(name: str) -> ResponseCriteria:
    known = available_criteria()
    if name not in known:
        fail(f"--criteria: unknown {name!r}; choose one of: {', '.join(known)}")
    return load_criteria(name)


def _target(option: str, path: Path) -> Path:
    """`path` if a file can be written there (checked now, so no work is wasted)."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        fail(f"{option}: {path} is a folder; give a file name")
    if not folder.is_dir():
        fail(f"{option}: cannot write {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        fail(f"{option}: cannot write {path}: permission denied")
    return path


@contextlib.contextmanager
def _progress() -> Iterator[Callable[[str], None]]:
    """A `step(description)` callable driving a progress bar on stderr (when it is a terminal)."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    steps = 5 + 7  # reading, responses, statistics, plots, writing + one per figure
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<34}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=True,
    ) as progress:
        task = progress.add_task("starting", total=steps)
        started = False

        def step(description: str) -> None:
            nonlocal started
            progress.update(task, description=description, advance=1 if started else 0)
            started = True

        yield step
        progress.update(task, completed=steps)


# --- reading --------------------------------------------------------------------------------------


def _read_folder(folder: Path) -> Source:
    if not folder.is_dir():
        fail(f"--cohort: {folder} is not a folder")
    from tvec.analytics.cohort_files import read_cohort

    try:
        cohort = read_cohort(folder)
    except (CohortError, ValueError, KeyError, OSError) as exc:
        fail(f"--cohort: {exc}")
    if cohort.n_patients == 0:
        fail(f"--cohort: {folder}: the cohort has no patients")
    return Source(
        cohort=cohort,
        description=f"registry folder {folder.resolve().name}/ ({_composition(cohort)})",
        synthetic=None,
    )


def _credentials(username: str | None, password: str | None) -> tuple[str, str]:
    """``--username`` and the password (option, environment, or a hidden prompt at a terminal)."""
    if not username:
        fail("--username: required with --database (a researcher or clinician of the centre)")
    if password is None:
        if not sys.stdin.isatty():
            fail(f"--password: required with --database (or set {PASSWORD_ENV})")
        password = typer.prompt(f"password for {username}", hide_input=True, err=True)
    return username, password


def _read_database(username: str, password: str, rules: ResponseCriteria) -> Source:
    from tvec.bootstrap import build_context
    from tvec.config import Settings
    from tvec.domain.errors import DomainError, NotAuthenticated
    from tvec.services import auth
    from tvec.services.cohort import records_cohort

    settings = Settings()
    _check_database(settings.database_url)
    ctx = build_context(settings)
    try:
        token, _session, _user = auth.login(ctx, username, password, kind="cli")
    except NotAuthenticated:
        fail("--username/--password: wrong username or password")
    except Exception as exc:  # the database itself failed (not migrated, unreachable)
        fail(f"--database: cannot read the clinic records: {_first_line(exc)}")
    try:
        actor = auth.authenticate(ctx, token)
        records = records_cohort(ctx, actor, rules)
    except DomainError as exc:
        fail(f"--username: {username}: {exc}")
    finally:
        auth.logout(ctx, token)
    if records.cohort.n_patients == 0:
        fail(f"--database: no patient of {records.centre_name!r} can be assessed")
    return _records_source(records, username, actor.role.value)


def _check_database(url: str) -> None:
    """Refuse a SQLite URL whose file does not exist (connecting would create an empty one)."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and ":memory:" not in url:
        path = Path(url.removeprefix(prefix).split("?")[0])
        if not path.is_file():
            fail(f"--database: no database at {path}; run `tvec db upgrade` (TVEC_DATABASE_URL)")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _records_source(records: RecordsCohort, username: str, role: str) -> Source:
    cohort = records.cohort
    excluded = sum(count for _reason, count in records.excluded)
    description = (
        f"clinic records of {records.centre_name}, read by {username} ({role}): "
        f"{cohort.n_patients} treated patients assessed of {records.centre_patients} registered"
        f"{f', {excluded} left out' if excluded else ''} ({_composition(cohort)})"
    )
    return Source(
        cohort=cohort,
        description=description,
        synthetic=True if records.centre_name == DEMO_CENTRE else None,
        responses=records.responses,
        engine=(
            "patient by patient with the domain response engine, from the exact recorded sizes "
            "(as each patient's response page)"
        ),
        excluded=records.excluded,
        deaths_recorded=False,
        os_note=" From clinic records, which hold no death record: this is follow-up time, "
        "not survival.",
        notes=(
            "Every patient is T-VEC-treated; stage is the recorded diagnosis; the line of therapy "
            "is 'first' for everyone, because the records hold no prior-therapy field.",
            "Overall survival: no death is recorded in the clinic records, so every patient is "
            "censored at the last contact (last measurement or dose): follow-up, not survival.",
            "Patients are numbered 1..n in a keyed-hash order; no name, MRN or birth date is used.",
        ),
    )


def _composition(cohort: Cohort) -> str:
    arms, counts = np.unique(np.asarray(cohort.patients["arm"]).astype(str), return_counts=True)
    parts = ", ".join(f"{arm} {count}" for arm, count in zip(arms, counts, strict=True))
    lesions = len(cohort.lesions["patient_id"])
    return f"{parts}; {lesions} lesions, {cohort.n_measurements} measurements"


# --- computing ------------------------------------------------------------------------------------


def _responses(source: Source, rules: ResponseCriteria) -> CohortResponses:
    if source.responses is not None:
        return source.responses
    from tvec.analytics.cohort_engine import cohort_responses

    try:
        responses = cohort_responses(source.cohort, rules)
    except (CohortError, ValueError) as exc:
        fail(f"--cohort: {_first_line(exc)}")
    source.engine = (
        "with the vectorised cohort engine (identical, patient by patient, to the domain engine)"
    )
    return responses


def _statistics(
    cohort: Cohort, responses: CohortResponses, rules: ResponseCriteria
) -> tuple[Endpoints, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatisticalWarning)
        try:
            endpoints = cohort_endpoints(cohort, responses, rules)
        except (CohortError, ValueError) as exc:
            fail(f"--cohort: {_first_line(exc)}")
    notes = list(dict.fromkeys(str(w.message) for w in caught if w.category is StatisticalWarning))
    return endpoints, notes


# --- figures --------------------------------------------------------------------------------------


def _figures(
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


def _svg(figure: Figure) -> str:
    from tvec.analytics.plots import figure_svg

    return figure_svg(figure.figure, figure.title)


# --- the report -----------------------------------------------------------------------------------


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


def _report(
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


# --- writing --------------------------------------------------------------------------------------


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


def _pdf_pages(page: Report) -> list[Any]:
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


def _write(out: Path, pdf: Path | None, page: Report) -> None:
    """Write the HTML (and PDF) to temporary files next to the targets, then rename them."""
    temporary: list[Path] = []
    try:
        html = _temporary(out, temporary)
        html.write_text(render_html(page), encoding="utf-8")
        pdf_tmp = None
        if pdf is not None:
            from matplotlib.backends.backend_pdf import PdfPages

            pdf_tmp = _temporary(pdf, temporary)
            metadata = {"Title": page.title, "Creator": "tvec report"}
            with PdfPages(pdf_tmp, metadata=metadata) as document:
                for figure in _pdf_pages(page):
                    document.savefig(figure)
        os.replace(html, out)
        temporary.remove(html)
        if pdf is not None and pdf_tmp is not None:
            os.replace(pdf_tmp, pdf)
            temporary.remove(pdf_tmp)
    except OSError as exc:
        option = "--pdf" if pdf is not None and str(pdf) in str(exc) else "--out"
        fail(f"{option}: cannot write: {exc}")
    finally:
        for path in temporary:
            path.unlink(missing_ok=True)


def _temporary(target: Path, created: list[Path]) -> Path:
    handle, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent if str(target.parent) else "."
    )
    os.close(handle)
    path = Path(name)
    created.append(path)
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)  # as an ordinary new file (mkstemp makes it private)
    return path


__all__ = ["EXIT_BAD_INPUT", "Report", "Table", "render_html", "report"]
