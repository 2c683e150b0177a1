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

This module is the command: options, reading the cohort, progress, errors and writing the files.
The report's model, tables and text are in `tvec.cli.report_content`; its figures, the HTML page
and the PDF pages in `tvec.cli.report_render`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer
from rich.console import Console

from tvec.analytics.caveats import StatisticalWarning
from tvec.analytics.cohort import Cohort, CohortError, CohortResponses
from tvec.analytics.endpoints import Endpoints, cohort_endpoints
from tvec.cli.output import EXIT_BAD_INPUT, fail
from tvec.cli.report_content import Report, Source, Table, build_report
from tvec.cli.report_render import build_figures, pdf_pages, render_html, svg
from tvec.domain.rules import ResponseCriteria
from tvec.knowledge import available_criteria, load_criteria
from tvec.knowledge.trials import load_trial

if TYPE_CHECKING:
    from tvec.services.cohort import RecordsCohort

PASSWORD_ENV = "TVEC_REPORT_PASSWORD"
DEMO_CENTRE = "tvec demo centre"  # tvec.demo.CENTRE: its patients are invented
TRIAL = "optim"

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
        figures = build_figures(source.cohort, responses, endpoints, rules, trial, max_swimmers)
        next(f for f in figures if f.key == "os").caption += source.os_note
        for figure in figures:
            step(f"plots: {figure.title.lower()}")
            figure.svg = svg(figure)
        step("writing")
        page = build_report(title, source, endpoints, rules, trial, figures, notes)
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


# --- writing --------------------------------------------------------------------------------------


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
                for figure in pdf_pages(page):
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
