"""`tvec db upgrade`, `tvec db demo` and `tvec serve`: the clinic records service."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from tvec.cli.output import console, fail, refuse_bad_input

db_app = typer.Typer(
    help="Database: migrate, load demo data, back up and restore.", no_args_is_help=True
)


@db_app.command("upgrade")
@refuse_bad_input
def upgrade() -> None:
    """Apply the database migrations (TVEC_DATABASE_URL, default a SQLite file in ./var)."""
    from tvec.config import Settings
    from tvec.persistence.migrate import upgrade as run_upgrade

    settings = Settings()
    done = run_upgrade(settings.database_url)
    where, revision = _where(settings.database_url), ", ".join(done.after) or "none"
    if done.created:
        console.print(
            f"created a new database at {where} (migrated to revision {revision})", soft_wrap=True
        )
    elif done.changed:
        console.print(
            f"upgraded the database at {where} from revision {', '.join(done.before)} "
            f"to {revision}",
            soft_wrap=True,
        )
    else:
        console.print(f"database at {where} is up to date (revision {revision})", soft_wrap=True)


@db_app.command("demo")
@refuse_bad_input
def demo(
    patients: int = typer.Option(20, "--patients", min=1, max=500, help="Synthetic patients."),
    seed: int = typer.Option(7, "--seed", help="Random seed: the same seed gives the same demo."),
) -> None:
    """Load the demo centre, one user per role and synthetic patients (once; skipped if present)."""
    from tvec.bootstrap import build_context
    from tvec.config import Settings
    from tvec.services.seeding import load_demo

    created = load_demo(build_context(Settings()), patients, seed)
    console.print(
        f"demo data: {created} patients created" if created else "demo data already loaded"
    )
    _demo_logins()


def _demo_logins() -> None:
    """Who to log in as: the demo users and their published demo passwords (demo data only)."""
    from tvec.services.seeding import DEMO_USERS

    console.print("demo users (username / password; for the demo database only):")
    for username, (role, _name, password) in DEMO_USERS.items():
        console.print(f"  {username:<11} / {password:<22} {role.value}")
    from tvec.services.prior_auth_seed import REVIEWER

    console.print(f"  {REVIEWER[0]:<11} / {REVIEWER[2]:<22} payer_reviewer (the payer's office)")
    console.print(f"start with the nurse: log in as nurse / {DEMO_USERS['nurse'][2]}")


@db_app.command("backup")
def backup(
    file: Path = typer.Argument(..., help="Backup file to write (replaced if present)."),
) -> None:
    """Back up the database (TVEC_DATABASE_URL) while it is in use.

    SQLite: the online backup API, a consistent copy; PostgreSQL: pg_dump's custom format.
    """
    from tvec.config import Settings
    from tvec.persistence.backup import BackupError
    from tvec.persistence.backup import backup as run_backup

    url = Settings().database_url
    try:
        done = run_backup(url, file)
    except BackupError as exc:
        fail(str(exc))
    console.print(
        f"backed up the {done.kind} database at {_where(url)} to {done.file} ({done.size} bytes)",
        soft_wrap=True,
    )


@db_app.command("restore")
def restore(
    file: Path = typer.Argument(..., help="Backup file made by tvec db backup."),
    force: bool = typer.Option(
        False, "--force", help="Replace a database that already holds records."
    ),
) -> None:
    """Restore a backup into the configured database (TVEC_DATABASE_URL).

    Refuses a database that already holds records unless --force is given.
    """
    from tvec.config import Settings
    from tvec.persistence.backup import BackupError
    from tvec.persistence.backup import restore as run_restore

    url = Settings().database_url
    try:
        done = run_restore(url, file, force=force)
    except BackupError as exc:
        fail(str(exc))
    console.print(
        f"restored {done.file} into the {done.kind} database at {_where(url)}", soft_wrap=True
    )


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    workers: int = typer.Option(
        1, "--workers", min=1, max=16, help="Server processes; under load, one per CPU."
    ),
    log_level: str = typer.Option(
        "info", "--log-level", help="uvicorn's log level: critical, error, warning, info, debug."
    ),
    access_log: bool = typer.Option(True, "--access-log/--no-access-log", help="Log each request."),
) -> None:
    """Serve the REST API (interactive docs at /docs).

    Outside development mode (TVEC_ENV=production) it refuses to start with default or insecure
    settings, naming the setting.
    """
    from pydantic import ValidationError

    from tvec.config import InsecureSettings, Settings, check_settings
    from tvec.serving import PortInUse
    from tvec.serving import serve as run_server

    if log_level not in ("critical", "error", "warning", "info", "debug"):
        fail(f"--log-level: {log_level!r} is not one of critical, error, warning, info, debug")
    try:
        settings = Settings()
        check_settings(settings)
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"TVEC_{'_'.join(map(str, first['loc'])).upper()}: {first['msg']}")
    except InsecureSettings as exc:
        fail(str(exc))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    _banner(host, port, development=settings.env == "development")
    try:
        status = run_server(host, port, workers, log_level=log_level, access_log=access_log)
    except PortInUse as exc:
        fail(str(exc))
    raise typer.Exit(status)


def _banner(host: str, port: int, *, development: bool) -> None:
    """Where the web app and the API docs are, and who to log in as, before the server starts."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    base = f"http://{shown}:{port}"
    console.print(f"tvec web app:  {base}/  (open it in a browser)", soft_wrap=True)
    console.print(f"API docs:      {base}/docs", soft_wrap=True)
    if shown != host:
        console.print(f"listening on every interface ({host}); from elsewhere use this host's name")
    if development:
        from tvec.services.seeding import DEMO_USERS

        login = f"nurse / {DEMO_USERS['nurse'][2]}"
        console.print(
            f"log in as:     {login} once `tvec db demo` has loaded the demo "
            "(`tvec db demo` lists every demo user)",
            soft_wrap=True,
        )
        console.print("development mode: not for patient data (default keys allowed; TVEC_ENV)")
    console.print("stop with Ctrl+C")


def _where(url: str) -> str:
    """The database location without credentials."""
    return url.split("@", 1)[-1] if "@" in url else url
