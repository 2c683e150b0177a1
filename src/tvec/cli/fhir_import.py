"""`tvec fhir import DIR|FILE`: a folder of NDJSON files (as `tvec fhir export` writes them) or
one Bundle JSON file, loaded into the centre of ``--username`` (tvec.services.fhir_import).

All or nothing: when anything is wrong, nothing is written and every problem is listed, one line
each, naming the resource and the path (`Observation/tumor-size-40.component[0].valueQuantity.unit:
...`), and the exit code is 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NoReturn

import typer

from tvec.cli.output import EXIT_BAD_INPUT, console, fail, print_json

# why a resource of these types is read but not stored
NOT_STORED = {
    "Observation": "disease status: tvec derives it and checked it agrees",
    "Practitioner": "kept as the dose's performer, as text",
}


def run_import(source: Path, username: str, password: str, json_out: bool) -> None:
    from tvec.services.fhir_import import ImportRefused

    try:
        data = _read_source(source)
    except ImportRefused as refused:
        _refused(refused, json_out)
    counts = _import(username, password, data, json_out)
    if json_out:
        print_json({"imported": counts})
        return
    for kind, done in counts.items():
        line = f"{kind}: {done['created']} created, {done['unchanged']} unchanged"
        if done["skipped"]:
            line += f", {done['skipped']} not stored ({NOT_STORED.get(kind, 'read only')})"
        console.print(line)


def _read_source(source: Path) -> Any:
    """A Bundle's JSON, or the resources of every NDJSON file of a folder (ImportRefused names
    the file and line that is not JSON)."""
    from tvec.interop.fhir.mcode.validate import Problem
    from tvec.services.fhir_import import ImportRefused, read_json

    if source.is_dir():
        resources: list[Any] = []
        problems = []
        files = sorted(source.glob("*.ndjson"))
        if not files:
            fail(f"SOURCE: {source}: no .ndjson files in this folder")
        for path in files:
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    resources.append(json.loads(line))
                except ValueError as exc:
                    problems.append(Problem(path.name, f"line {n}", f"not JSON ({exc})"))
        if problems:
            raise ImportRefused(problems)
        return resources
    try:
        text = source.read_bytes()
    except OSError as exc:
        fail(f"SOURCE: {source}: {exc.strerror}")
    return read_json(text, source.name)


def _import(username: str, password: str, data: Any, json_out: bool) -> dict[str, Any]:
    from tvec.bootstrap import build_context
    from tvec.config import Settings
    from tvec.domain.errors import DomainError, NotAuthenticated
    from tvec.services import auth, fhir_import

    ctx = build_context(Settings())
    try:
        token, _session, _user = auth.login(ctx, username, password, kind="cli")
    except NotAuthenticated:
        fail("--username/--password: wrong username or password")
    try:
        return fhir_import.import_bundle(ctx, auth.authenticate(ctx, token), data).counts()
    except fhir_import.ImportRefused as refused:
        _refused(refused, json_out)
    except DomainError as exc:
        fail(f"--username: {username}: {exc}")
    finally:
        auth.logout(ctx, token)


def _refused(refused: Any, json_out: bool) -> NoReturn:
    if json_out:
        print_json({"refused": True, "problems": refused.lines})
    else:
        console.print(f"Import refused, nothing written: {len(refused.problems)} problem(s)")
        for line in refused.lines:
            console.print(f"  {line}", markup=False, soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT)
