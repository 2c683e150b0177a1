"""`tvec fhir export --out DIR`: the centre's records as FHIR R4 (mCODE), one NDJSON per type.

Logs in as ``--username`` (an oncologist or nurse of the centre) with ``--password`` (or the
environment variable, or a hidden prompt at a terminal), writes ``Patient.ndjson``,
``Observation.ndjson``, ... into DIR, and runs tvec's mCODE checks on what it wrote. A researcher
gets the de-identified form (pseudonyms, shifted dates, no names; docs/adr/0008), and is told so.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from tvec.cli.output import console, fail, print_json

PASSWORD_ENV = "TVEC_FHIR_PASSWORD"

fhir_app = typer.Typer(
    help="FHIR R4 (mCODE): export the centre's records, one NDJSON file per resource type.",
    no_args_is_help=True,
)


@fhir_app.command("export")
def export(
    out: Annotated[Path, typer.Option("--out", help="Folder for the NDJSON files.")],
    username: Annotated[
        str,
        typer.Option(
            "--username",
            help="An oncologist or nurse of the centre (a researcher gets the de-identified form).",
        ),
    ],
    password: Annotated[
        str | None,
        typer.Option("--password", envvar=PASSWORD_ENV, help=f"Or set {PASSWORD_ENV}."),
    ] = None,
    json_out: bool = typer.Option(False, "--json", help="Print the files and counts as JSON."),
) -> None:
    """Write one NDJSON file per resource type for every patient of the centre."""
    deidentified, by_type = _read(username, _password(username, password))
    problems = _check(by_type)
    written = _write(out, by_type)
    if json_out:
        print_json(
            {
                "files": written,
                "deidentified": deidentified,
                "problems": [str(p) for p in problems],
            }
        )
    else:
        if deidentified:
            console.print(
                "De-identified export (researcher): pseudonymous patients, dates shifted, "
                "birth year only, no names, MRNs, staff or free-text locations."
            )
        for name, count in written.items():
            console.print(f"{out / name}: {count} resources")
        console.print(f"mCODE checks: {len(problems) or 'no'} problem(s)")
        for p in problems:
            console.print(f"  {p}")
    if problems:
        raise typer.Exit(1)


def _password(username: str, password: str | None) -> str:
    if password is not None:
        return password
    if not sys.stdin.isatty():
        fail(f"--password: required (or set {PASSWORD_ENV})")
    return str(typer.prompt(f"password for {username}", hide_input=True, err=True))


def _read(username: str, password: str) -> tuple[bool, dict[str, list[dict[str, Any]]]]:
    from tvec.bootstrap import build_context
    from tvec.config import Settings
    from tvec.domain.errors import DomainError, NotAuthenticated
    from tvec.services import auth, fhir_export

    ctx = build_context(Settings())
    try:
        token, _session, _user = auth.login(ctx, username, password, kind="cli")
    except NotAuthenticated:
        fail("--username/--password: wrong username or password")
    try:
        return fhir_export.centre_export_for(ctx, auth.authenticate(ctx, token))
    except DomainError as exc:
        fail(f"--username: {username}: {exc}")
    finally:
        auth.logout(ctx, token)


def _check(by_type: dict[str, list[dict[str, Any]]]) -> list[Any]:
    from tvec.interop.fhir.mcode import validate_resources
    from tvec.knowledge.fhir_codes import load_fhir_codes

    everything = [res for found in by_type.values() for res in found]
    return validate_resources(everything, load_fhir_codes())


def _write(out: Path, by_type: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"--out: {out}: {exc.strerror}")
    from tvec.interop.fhir.ndjson import write_ndjson

    counts = write_ndjson((res for found in by_type.values() for res in found), out)
    return {f"{kind}.ndjson": count for kind, count in counts.items()}


@fhir_app.command("import")
def import_(
    source: Annotated[
        Path, typer.Argument(help="A folder of NDJSON files (as `fhir export` writes) or a Bundle.")
    ],
    username: Annotated[
        str, typer.Option("--username", help="An oncologist or nurse of the centre.")
    ],
    password: Annotated[
        str | None,
        typer.Option("--password", envvar=PASSWORD_ENV, help=f"Or set {PASSWORD_ENV}."),
    ] = None,
    json_out: bool = typer.Option(False, "--json", help="Print the counts or problems as JSON."),
) -> None:
    """Load the resources into the centre: all or nothing, every problem listed with its path."""
    from tvec.cli.fhir_import import run_import

    run_import(source, username, _password(username, password), json_out)
