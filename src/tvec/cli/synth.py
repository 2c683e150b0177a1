"""`tvec synth`: a synthetic registry for the demo data and the benchmarks.

Writes the three registry tables (docs/registry-format.md) made by `tvec.analytics.synth` to a
folder as Parquet or CSV, or, with ``--database``, loads a small all-T-VEC cohort into the
configured tvec database through the seeding service (`tvec.services.seeding`, which also
makes the demo data of `tvec db demo`). The model and its
assumptions: docs/synth.md. Bad options are one line on stderr and exit code 2, and nothing is
written.
"""

from __future__ import annotations

import sys
import tempfile
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.progress import track
from rich.table import Table

from tvec.analytics.cohort import ARMS, Cohort
from tvec.cli.output import console, fail, print_json

MAX_PATIENTS = 5_000_000
MAX_DATABASE_PATIENTS = 2_000


class Format(StrEnum):
    PARQUET = "parquet"
    CSV = "csv"


def synth(
    patients: Annotated[int, typer.Option("--patients", help="Number of patients.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same cohort.")] = 1,
    out: Annotated[Path, typer.Option("--out", help="Folder for the three tables.")] = Path(
        "registry"
    ),
    format: Annotated[Format, typer.Option("--format", help="File format.")] = Format.PARQUET,
    database: Annotated[
        bool,
        typer.Option(
            "--database",
            help=f"Load the patients (at most {MAX_DATABASE_PATIENTS}, all T-VEC) into the tvec "
            "database (TVEC_DATABASE_URL) through the clinic services instead of writing files.",
        ),
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Make a synthetic T-VEC registry: patients, lesions, measurements and survival."""
    _check_options(patients, seed, out, database)
    began = time.perf_counter()
    from tvec.analytics.synth import synthesize

    arms = (1.0, 0.0) if database else (2 / 3, 1 / 3)
    cohort = synthesize(patients, seed, arms=arms)
    if database:
        where = _load_database(cohort, seed, quiet=json_out)
    else:
        from tvec.analytics.cohort_files import write_cohort

        try:
            written = write_cohort(cohort, out, format.value)
        except OSError as exc:
            fail(f"--out: cannot write to {out}: {exc.strerror or exc}")
        where = ", ".join(str(path) for path in written)
    summary = _summary(cohort, seed, where, time.perf_counter() - began)
    if json_out:
        print_json(summary)
    else:
        console.print(_table(summary))


def _check_options(patients: int, seed: int, out: Path, database: bool) -> None:
    if not 1 <= patients <= MAX_PATIENTS:
        fail(f"--patients: {patients} is not between 1 and {MAX_PATIENTS:,}")
    if database and patients > MAX_DATABASE_PATIENTS:
        fail(
            f"--patients: {patients} is too many for --database (at most "
            f"{MAX_DATABASE_PATIENTS:,}: each patient goes through the clinic services); "
            "write files instead"
        )
    if seed < 0:
        fail(f"--seed: {seed} is negative; use a whole number >= 0")
    if not database:
        problem = _unwritable(out)
        if problem:
            fail(f"--out: cannot write to {out}: {problem}")


def _unwritable(folder: Path) -> str | None:
    """Why files cannot be written in `folder` (which may not exist yet), or None."""
    if folder.exists() and not folder.is_dir():
        return "it is a file, not a folder"
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    try:  # the only sure test: create a file there (and remove it at once)
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        return f"{existing} is not writable ({exc.strerror or exc})"
    return None


def _summary(cohort: Cohort, seed: int, where: str, seconds: float) -> dict[str, Any]:
    arm = cohort.patients["arm"]
    return {
        "patients": cohort.n_patients,
        "lesions": len(cohort.lesions["patient_id"]),
        "measurements": cohort.n_measurements,
        "arms": {name: int(np.count_nonzero(arm == name)) for name in ARMS},
        "seed": seed,
        "written_to": where,
        "seconds": round(seconds, 3),
    }


def _table(summary: dict[str, Any]) -> Table:
    table = Table(title="Synthetic registry", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("value")
    for key in ("patients", "lesions", "measurements"):
        table.add_row(key, f"{summary[key]:,}")
    table.add_row("arms", ", ".join(f"{name} {n:,}" for name, n in summary["arms"].items()))
    table.add_row("seed", str(summary["seed"]))
    table.add_row("written to", summary["written_to"])
    table.add_row("time", f"{summary['seconds']:.2f} s")
    return table


# --- --database ---------------------------------------------------------------------------------


def _load_database(cohort: Cohort, seed: int, *, quiet: bool) -> str:
    """Every patient through the seeding service (`tvec.services.seeding.load_registry`)."""
    from sqlalchemy.exc import SQLAlchemyError

    from tvec.bootstrap import build_context
    from tvec.config import Settings
    from tvec.domain.errors import Conflict, DomainError
    from tvec.services import seeding

    settings = Settings()
    try:
        ctx = build_context(settings)
        loading = seeding.load_registry(ctx, seeding.demo_centre(ctx), cohort, seed)
        progress = Console(stderr=True, quiet=quiet)
        for _ in track(loading, "loading patients", total=cohort.n_patients, console=progress):
            pass
    except Conflict as exc:
        fail(f"--seed: the synthetic patients of seed {seed} are already in the database ({exc})")
    except DomainError as exc:
        fail(str(exc))
    except SQLAlchemyError as exc:
        sys.stderr.write(f"error: database: {type(exc).__name__}; run `tvec db upgrade` first?\n")
        raise typer.Exit(1) from exc
    url = settings.database_url
    return "database " + (url.split("@", 1)[-1] if "@" in url else url)
