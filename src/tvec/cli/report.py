"""`tvec report`: an outcomes report for a cohort, next to the pivotal trial's published figures.

The cohort is a registry folder (``--cohort DIR``, docs/registry-format.md, as `tvec synth` writes
it) or the centre's own clinic records (``--database``, the configured TVEC_DATABASE_URL). The
report is one self-contained HTML page (inline CSS and SVG, nothing fetched); with ``--pdf``, the
same page printed as a paged document by WeasyPrint (A4 portrait, or ``--paper letter``); with
``--csv``, a zip of its tables as CSV files.

Steps: read the cohort; compute every patient's response (the vectorised cohort engine for a
folder; for the clinic records, the domain engine on the exact recorded sizes, as each patient's
response page does); compute the endpoints (`tvec.analytics.endpoints`); draw the figures
(`tvec.reports.figures`); write. A progress bar on stderr follows the steps when stderr is a
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
The report itself (statistics, figures, content, HTML page and PDF pages) is `tvec.reports`, which
the web app and the API use too; it is imported when the command runs.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tvec.cli.output import EXIT_BAD_INPUT, fail
from tvec.knowledge import available_criteria, load_criteria

if TYPE_CHECKING:
    from tvec.domain.rules import ResponseCriteria
    from tvec.reports import Report, Source

PASSWORD_ENV = "TVEC_REPORT_PASSWORD"

CRITERIA_HELP = f"Response criteria: {', '.join(available_criteria())}."
PAPERS = ("a4", "letter")  # tvec.reports.PAPERS (not imported before the command runs)
PAPER_HELP = "Paper of the PDF (and of the HTML page when printed): a4 or letter."


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
    csv: Annotated[
        Path | None,
        typer.Option(
            "--csv", help="Also write the tables as CSV files in a zip here.", show_default=False
        ),
    ] = None,
    paper: Annotated[str, typer.Option("--paper", help=PAPER_HELP)] = "a4",
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
    if paper not in PAPERS:
        fail(f"--paper: unknown {paper!r}; choose one of: {', '.join(PAPERS)}")
    targets = {"--out": _target("--out", out)}
    for option, path in (("--pdf", pdf), ("--csv", csv)):
        if path is not None:
            target = _target(option, path)
            if target in targets.values():
                fail(f"{option}: must differ from {', '.join(targets)}")
            targets[option] = target
    credentials = _credentials(username, password) if database else None
    from tvec.analytics.cohort import CohortError
    from tvec.reports import outcomes_report

    with _progress() as step:
        step("reading the cohort")
        if credentials is not None:
            source = _read_database(*credentials, rules)
        else:
            source = _read_folder(cohort or Path())
        source.synthetic = source.synthetic or synthetic or None
        try:
            page = outcomes_report(source, rules, title=title, max_swimmers=max_swimmers, step=step)
        except (CohortError, ValueError) as exc:
            fail(f"--cohort: {_first_line(exc)}")
        _write(targets, page, paper)
    written = " and ".join(str(p) for p in targets.values())
    typer.echo(f"report written to {written} ({page.n_patients} patients)")


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
    from rich.console import Console
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
    from tvec.analytics.cohort import CohortError
    from tvec.analytics.cohort_files import read_cohort
    from tvec.reports import folder_source

    try:
        cohort = read_cohort(folder)
    except (CohortError, ValueError, KeyError, OSError) as exc:
        fail(f"--cohort: {exc}")
    if cohort.n_patients == 0:
        fail(f"--cohort: {folder}: the cohort has no patients")
    return folder_source(cohort, folder.resolve().name)


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
    from tvec.reports import records_source

    return records_source(
        records.cohort,
        records.responses,
        records.excluded,
        records.centre_name,
        records.centre_patients,
        reader=f"{username} ({actor.role.value})",
    )


def _check_database(url: str) -> None:
    """Refuse a SQLite URL whose file does not exist (connecting would create an empty one)."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and ":memory:" not in url:
        path = Path(url.removeprefix(prefix).split("?")[0])
        if not path.is_file():
            fail(f"--database: no database at {path}; run `tvec db upgrade` (TVEC_DATABASE_URL)")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


# --- writing --------------------------------------------------------------------------------------


def _write(targets: dict[str, Path], page: Report, paper: str) -> None:
    """Write the HTML (and the PDF, the CSV zip) to temporary files next to the targets, then
    rename them: all of them or none."""
    from tvec.reports import Paper, pdf_bytes, render_html, tables_zip

    sheet: Paper = "letter" if paper == "letter" else "a4"
    render = {
        "--out": lambda: render_html(page, sheet).encode("utf-8"),
        "--pdf": lambda: pdf_bytes(page, sheet),
        "--csv": lambda: tables_zip(page),
    }
    temporary: dict[str, Path] = {}
    option = "--out"
    try:
        for option, target in targets.items():
            temporary[option] = _temporary(target)
            temporary[option].write_bytes(render[option]())
        for option, target in targets.items():
            os.replace(temporary.pop(option), target)
    except OSError as exc:
        fail(f"{option}: cannot write: {exc}")
    finally:
        for path in temporary.values():
            path.unlink(missing_ok=True)


def _temporary(target: Path) -> Path:
    handle, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent if str(target.parent) else "."
    )
    os.close(handle)
    path = Path(name)
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)  # as an ordinary new file (mkstemp makes it private)
    return path


__all__ = ["EXIT_BAD_INPUT", "report"]
