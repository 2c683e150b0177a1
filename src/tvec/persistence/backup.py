"""Backups of the clinic database and their restore.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies the database in one step under
a read transaction, so the copy is a consistent snapshot even while others write (WAL).
PostgreSQL: `pg_dump --format=custom` (one snapshot transaction) and `pg_restore`.

A restore goes into the configured database and refuses one that already holds rows unless forced.
Errors are `BackupError` with a one-line, user-facing message (no credentials, no patient data).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect, make_url, select, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import SQLAlchemyError

from tvec.persistence.db import make_engine

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
# The role migration 0004 grants the application's privileges to (PostgreSQL).
APP_ROLE = "tvec_app"
TOOL_TIMEOUT_S = 3600


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is one line for the user."""


@dataclass(frozen=True)
class Outcome:
    """What was done: the file, its size in bytes, and the database kind."""

    file: Path
    size: int
    kind: str  # "SQLite" or "PostgreSQL"


def where(url: str) -> str:
    """The database location without credentials."""
    return url.split("@", 1)[-1] if "@" in url else url


def backup(url: str, file: Path) -> Outcome:
    """Write a consistent copy of the database at `url` to `file` (replaced if present)."""
    file = Path(file)
    if file.is_dir():
        raise BackupError(f"{file} is a directory, not a backup file")
    if not file.parent.is_dir():
        raise BackupError(f"directory {file.parent} does not exist")
    if url.startswith("sqlite"):
        _sqlite_backup(_sqlite_path(url), file)
        return Outcome(file, file.stat().st_size, "SQLite")
    _pg_dump(make_url(url), file)
    return Outcome(file, file.stat().st_size, "PostgreSQL")


def restore(url: str, file: Path, *, force: bool = False) -> Outcome:
    """Replace the database at `url` with the backup in `file`.

    Refuses a database that holds rows unless `force`; refuses a file that is not a backup of
    the configured kind of database.
    """
    file = Path(file)
    if not file.is_file():
        raise BackupError(f"{file}: no such backup file")
    with file.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    sqlite = url.startswith("sqlite")
    if sqlite and not head.startswith(SQLITE_MAGIC):
        raise BackupError(f"{file} is not a SQLite backup of tvec")
    if not sqlite and not head.startswith(PGDUMP_MAGIC):
        raise BackupError(f"{file} is not a PostgreSQL custom-format backup (pg_dump -Fc)")
    if sqlite:
        _check_sqlite_backup(file)
    if not force and (rows := _rows_present(url)):
        raise BackupError(
            f"the database at {where(url)} is not empty ({rows} rows); "
            "use --force to replace it with the backup"
        )
    if sqlite:
        _sqlite_restore(file, _sqlite_path(url))
        return Outcome(file, file.stat().st_size, "SQLite")
    _pg_restore(make_url(url), file)
    return Outcome(file, file.stat().st_size, "PostgreSQL")


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_path(url: str) -> Path:
    path = url.split("///", 1)[-1]
    if path in ("", ":memory:"):
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(path)


def _sqlite_backup(source: Path, file: Path) -> None:
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    partial = file.with_name(file.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(source, timeout=30)
        try:
            dst = sqlite3.connect(partial)
            try:
                # pages=-1 (all at once): one read transaction, so one consistent snapshot; a
                # stepwise copy would restart whenever another connection writes.
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"backup of {source} failed: {exc}") from exc
    partial.replace(file)


def _check_sqlite_backup(file: Path) -> None:
    try:
        con = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        try:
            names = {row[0] for row in con.execute("SELECT name FROM sqlite_master")}
            ok = con.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise BackupError(f"{file} is not a readable SQLite backup: {exc}") from exc
    if "alembic_version" not in names:
        raise BackupError(f"{file} is a SQLite file but not a backup of tvec")
    if not ok:
        raise BackupError(f"{file} is damaged (integrity check failed)")


def _sqlite_restore(file: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        src = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(target, timeout=30)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise BackupError(f"restore into {target} failed: {exc}") from exc


# --- both -----------------------------------------------------------------------------------


def _rows_present(url: str) -> int:
    """Rows in the database's tables (the migration bookkeeping aside); 0 for a new database."""
    if url.startswith("sqlite") and not _sqlite_path(url).exists():
        return 0
    engine = make_engine(url)
    try:
        return _count_rows(engine)
    except SQLAlchemyError as exc:  # say where, without credentials
        raise BackupError(f"could not read the database at {where(url)}: is it reachable?") from (
            exc
        )
    finally:
        engine.dispose()


def _count_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        names = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]
        total = 0
        for name in names:
            table = conn.dialect.identifier_preparer.quote(name)
            total += int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
        return total


# --- PostgreSQL -----------------------------------------------------------------------------


def find_pg_tool(name: str) -> Path | None:
    """A PostgreSQL client program (pg_dump, pg_restore), or None.

    Order: $TVEC_PG_BINDIR; `pg_config --bindir`; the highest-versioned
    /usr/lib/postgresql/*/bin (Debian/Ubuntu, not on PATH); then PATH.
    """
    if override := os.environ.get("TVEC_PG_BINDIR"):
        candidate = Path(override) / name
        return candidate if candidate.is_file() else None
    if pg_config := shutil.which("pg_config"):
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidate = Path(result.stdout.strip()) / name
        if result.returncode == 0 and candidate.is_file():
            return candidate
    versions = [p for p in Path("/usr/lib/postgresql").glob(f"*/bin/{name}") if p.is_file()]
    if versions:
        return max(
            versions,
            key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.parent.name)],
        )
    found = shutil.which(name)
    return Path(found) if found else None


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and the environment carrying it."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run_tool(name: str, args: list[str], env: dict[str, str]) -> None:
    tool = find_pg_tool(name)
    if tool is None:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client programs "
            "(e.g. postgresql-client) or set TVEC_PG_BINDIR"
        )
    try:
        result = subprocess.run(
            [str(tool), *args], capture_output=True, text=True, env=env, timeout=TOOL_TIMEOUT_S
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackupError(f"{name} could not run: {exc}") from exc
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        first = lines[0] if lines else f"exit {result.returncode}"
        raise BackupError(f"{name} failed: {first}")


def _pg_dump(url: URL, file: Path) -> None:
    uri, env = _libpq(url)
    partial = file.with_name(file.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        _run_tool("pg_dump", ["--format=custom", f"--file={partial}", f"--dbname={uri}"], env)
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(file)


def _pg_restore(url: URL, file: Path) -> None:
    uri, env = _libpq(url)
    args = ["--no-owner", "--clean", "--if-exists", "--single-transaction", "--exit-on-error"]
    if not _app_role_exists(url):
        # The grants to the application role (migration 0004) need that role in this cluster.
        args.append("--no-privileges")
    _run_tool("pg_restore", [*args, f"--dbname={uri}", str(file)], env)


def _app_role_exists(url: URL) -> bool:
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            found = conn.execute(
                select(text("1")).select_from(text("pg_roles")).where(text("rolname = :r")),
                {"r": APP_ROLE},
            ).first()
            return found is not None
    finally:
        engine.dispose()
