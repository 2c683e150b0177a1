"""`tvec audit verify`: check that no audit entry was changed, removed or slipped in afterwards."""

from __future__ import annotations

import sys

import typer

from tvec.cli.output import console, fail

audit_app = typer.Typer(
    help="Audit log: check that its entries are as they were written.", no_args_is_help=True
)


@audit_app.command("verify")
def verify(
    head: list[str] = typer.Option(
        [],
        "--head",
        help="A head printed by an earlier check, as CENTRE:NUMBER:HASH (repeatable): the chain "
        "must still pass through it.",
    ),
) -> None:
    """Check every centre's audit chain (TVEC_DATABASE_URL); name the first broken entry of each.

    Exit 0 when every chain holds, 1 when one is broken. Each centre's head (its last entry's
    number and hash) is printed: kept elsewhere and given back with --head, it also shows newest
    entries removed or a chain rebuilt with recomputed hashes.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from tvec.config import Settings
    from tvec.persistence.audit_chain import verify_database
    from tvec.persistence.db import make_engine

    anchors = dict(_anchor(text) for text in head)
    url = Settings().database_url
    engine = make_engine(url)
    try:
        verdict = verify_database(engine, anchors)
    except SQLAlchemyError:
        where = url.split("@", 1)[-1]
        fail(
            f"could not read the audit log of the database at {where}: is it reachable and "
            "up to date (tvec db upgrade)?"
        )
    finally:
        engine.dispose()
    for broken in verdict.breaks:
        sys.stderr.write(f"broken: {broken}\n")
    for shortfall in verdict.shortfalls:
        sys.stderr.write(f"broken: {shortfall}\n")
    if not verdict.intact:
        raise typer.Exit(1)
    console.print(
        f"audit log intact: {verdict.entries} entries in {verdict.centres} centre chain(s)"
    )
    for centre, (seq, digest) in sorted(verdict.heads.items()):
        # keep these elsewhere: a later check must find each centre's chain passing through them
        sys.stdout.write(f"head {centre}:{seq}:{digest}\n")


def _anchor(text: str) -> tuple[int, tuple[int, str]]:
    parts = text.split(":")
    if (
        len(parts) != 3
        or not parts[0].isdigit()
        or not parts[1].isdigit()
        or len(parts[2]) != 64
        or any(c not in "0123456789abcdef" for c in parts[2])
    ):
        fail(f"--head: {text!r} is not CENTRE:NUMBER:HASH (a 64-digit lower-case hex hash)")
    return int(parts[0]), (int(parts[1]), parts[2])
