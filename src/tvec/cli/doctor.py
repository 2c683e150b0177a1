"""`tvec doctor`: check a deployment and say what to fix."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from tvec.cli.output import console


@dataclass(frozen=True)
class Check:
    """One finding: `ok`, `note` (worth knowing, nothing to fix) or `fix` (must be fixed)."""

    verdict: str
    what: str


def doctor(
    backup_dir: Path | None = typer.Option(
        None,
        "--backup-dir",
        help="Where the scheduled backups are written: the newest file there must be younger "
        "than TVEC_BACKUP_MAX_AGE_HOURS (default 26).",
    ),
) -> None:
    """Check a deployment: keys, cookies, database, migrations, backups; say what to fix.

    Each check is printed as `ok`, `note` or `fix` with what to do. Exit 1 when something must be
    fixed, 0 otherwise. The settings are read from the TVEC_* environment as `tvec serve` reads
    them; with TVEC_ENV=production, default keys and insecure session settings must be fixed.
    """
    from pydantic import ValidationError

    from tvec.config import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        checks = [Check("fix", f"TVEC_{'_'.join(map(str, first['loc'])).upper()}: {first['msg']}")]
    else:
        checks = [*_settings(settings), *_database(settings.database_url)]
        if backup_dir is not None:
            checks.append(_backups(backup_dir, settings.backup_max_age_hours))
    for check in checks:
        console.print(f"{check.verdict:<4}  {check.what}", highlight=False, soft_wrap=True)
    if any(check.verdict == "fix" for check in checks):
        raise typer.Exit(1)


def _settings(settings: Any) -> list[Check]:
    from tvec.config import insecure_settings

    problems = insecure_settings(settings)
    if settings.env == "development":
        found = [Check("note", "TVEC_ENV=development: not for patient data (default keys allowed)")]
        return found + [Check("note", f"before production: {p}") for p in problems]
    if not problems:
        return [Check("ok", "production settings: pseudonym key, Secure cookies, session length")]
    return [Check("fix", problem) for problem in problems]


def _database(url: str) -> list[Check]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from tvec.persistence.db import make_engine
    from tvec.persistence.migrate import alembic_config

    where = url.split("@", 1)[-1]
    path = url.split("///", 1)[-1] if url.startswith("sqlite") else ""
    if path and path != ":memory:" and not Path(path).exists():
        return [Check("fix", f"no database file at {path}: run tvec db upgrade")]
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as exc:
        reason = type(getattr(exc, "orig", None) or exc).__name__
        return [
            Check(
                "fix",
                f"database at {where} is not reachable ({reason}): check "
                "TVEC_DATABASE_URL, the server and the login role",
            )
        ]
    finally:
        engine.dispose()
    found = [Check("ok", f"database at {where} is reachable")]
    scripts = ScriptDirectory.from_config(alembic_config(url))
    heads = set(scripts.get_heads())
    known = {revision.revision for revision in scripts.walk_revisions()}
    if current == heads:
        found.append(Check("ok", f"migrations current ({', '.join(sorted(heads))})"))
    elif not current:
        found.append(Check("fix", "the database has no migrations applied: run tvec db upgrade"))
    elif current - known:
        found.append(
            Check(
                "fix",
                f"the database is at {', '.join(sorted(current - known))}, which this tvec "
                "does not know: it was migrated by a newer tvec; install that version",
            )
        )
    else:
        found.append(
            Check(
                "fix",
                f"migrations behind: database at {', '.join(sorted(current))}, this tvec at "
                f"{', '.join(sorted(heads))}: back up, then run tvec db upgrade",
            )
        )
    return found


def _backups(directory: Path, max_age_hours: float) -> Check:
    if not directory.is_dir():
        return Check("fix", f"backup directory {directory} does not exist")
    files = [p for p in directory.iterdir() if p.is_file()]
    if not files:
        return Check("fix", f"no backup in {directory}: schedule tvec db backup (docs/deploy.md)")
    newest = max(files, key=lambda p: p.stat().st_mtime)
    age_hours = (time.time() - newest.stat().st_mtime) / 3600
    if age_hours > max_age_hours:
        return Check(
            "fix",
            f"newest backup {newest.name} is {age_hours:.0f} h old (more than "
            f"{max_age_hours:g} h, TVEC_BACKUP_MAX_AGE_HOURS): check the scheduled tvec db backup",
        )
    return Check("ok", f"newest backup {newest.name} is {age_hours:.1f} h old")
