"""`tvec db backup` and `tvec db restore`: a backup taken while the clinic writes restores whole.

A thread registers patients through the services while the backup runs. The backup is restored
into a fresh database; every table of the restored copy holds every row that existed before the
backup began, only rows that exist after the writer stopped, each exactly as written, and the
patients and their audit entries agree (a consistent snapshot); `tvec audit verify` passes on it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.engine import Engine
from tests.support.clinic import seed_staff
from typer.testing import CliRunner

from tvec.bootstrap import build_context
from tvec.cli.main import app as cli
from tvec.config import Settings
from tvec.persistence.migrate import upgrade
from tvec.schemas.clinic import PatientIn
from tvec.services import patients
from tvec.services.permissions import Role
from tvec.services.seeding import load_demo

BEFORE_BACKUP = 5  # registrations the writer makes before the backup starts
AFTER_BACKUP = 5  # and after it has finished


@pytest.fixture
def fresh_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty database of the same kind to restore into."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path}/restored.db"
        return
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS tvec_restored"))
            conn.execute(text("CREATE DATABASE tvec_restored"))
        yield make_url(database_url).set(database="tvec_restored").render_as_string(False)
    finally:
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS tvec_restored WITH (FORCE)"))
        admin.dispose()


def tables(engine: Engine) -> dict[str, set[tuple[Any, ...]]]:
    """Every table's rows, read in one transaction."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        names = inspect(conn).get_table_names()
        quote = conn.dialect.identifier_preparer.quote
        return {
            name: {
                tuple(hashable(value) for value in row)
                for row in conn.execute(text(f"SELECT * FROM {quote(name)}"))
            }
            for name in names
        }


def hashable(value: Any) -> Any:
    """JSON columns come back as dicts and lists: compare them by their canonical text."""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def tvec(*args: str, url: str) -> Any:
    return CliRunner().invoke(cli, list(args), env={"TVEC_DATABASE_URL": url})


def test_a_backup_under_concurrent_writes_restores_a_consistent_copy(
    database_url: str, fresh_url: str, tmp_path: Path
) -> None:
    upgrade(database_url)
    ctx = build_context(Settings(database_url=database_url))
    source = create_engine(database_url)
    try:
        load_demo(ctx, 4, 7)
        nurse = seed_staff(ctx, "Backup centre", prefix="bk-")[Role.NURSE].actor
        written = 0
        backup_started, backup_done, stop = threading.Event(), threading.Event(), threading.Event()
        during = 0
        failure: list[BaseException] = []

        def writer() -> None:
            nonlocal written, during
            try:
                while not stop.is_set():
                    patients.register_patient(
                        ctx,
                        nurse,
                        PatientIn.model_validate(
                            {
                                "mrn": f"BK-{written}",
                                "given_name": "Odalys",
                                "family_name": "Vantongeren",
                                "birth_date": "1960-01-01",
                                "sex": "female",
                            }
                        ),
                    )
                    written += 1
                    if backup_started.is_set() and not backup_done.is_set():
                        during += 1
                    if backup_done.is_set() and written >= BEFORE_BACKUP + AFTER_BACKUP + during:
                        return
            except BaseException as exc:  # reported by the main thread
                failure.append(exc)

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            while written < BEFORE_BACKUP and thread.is_alive():
                time.sleep(0.01)
            before = tables(source)
            backup_started.set()
            file = tmp_path / "clinic.backup"
            made = tvec("db", "backup", str(file), url=database_url)
            backup_done.set()
            thread.join(timeout=120)
        finally:
            stop.set()
            thread.join()
        assert not failure, failure
        assert made.exit_code == 0, made.output
        assert made.output.startswith("backed up the ")
        after = tables(source)

        restored = tvec("db", "restore", str(file), url=fresh_url)
        assert restored.exit_code == 0, restored.output
        assert restored.output.count("\n") == 1
        assert "restored" in restored.output
        copy_engine = create_engine(fresh_url)
        try:
            copy = tables(copy_engine)
            with copy_engine.connect() as conn:
                patient_ids = set(conn.scalars(text("SELECT id FROM patients")))
                audited_ids = set(
                    conn.scalars(text("SELECT entity_id FROM audit_log WHERE entity = 'patient'"))
                )
        finally:
            copy_engine.dispose()
    finally:
        source.dispose()
        ctx.engine.dispose()

    assert set(copy) == set(after)  # every table, the migrations' bookkeeping too
    for name, rows in copy.items():
        assert before[name] <= rows, f"{name}: rows written before the backup are missing"
        assert rows <= after[name], f"{name}: rows that were never in the database"
    # A consistent snapshot: the copy's patients and their registration audit entries agree.
    assert patient_ids == audited_ids
    copy_patients = len(copy["patients"])
    assert len(before["patients"]) <= copy_patients <= len(after["patients"])
    assert len(after["patients"]) > len(before["patients"])  # the writer did write meanwhile
    verified = tvec("audit", "verify", url=fresh_url)
    assert verified.exit_code == 0, verified.output
    audit_total = len(copy["audit_log"]) if "audit_log" in copy else None
    if audit_total is not None:
        assert f"{audit_total} entries" in verified.output


def test_restore_refuses_a_database_with_records_and_a_file_that_is_not_a_backup(
    database_url: str, tmp_path: Path
) -> None:
    upgrade(database_url)
    ctx = build_context(Settings(database_url=database_url))
    try:
        load_demo(ctx, 2, 7)
    finally:
        ctx.engine.dispose()
    file = tmp_path / "clinic.backup"
    assert tvec("db", "backup", str(file), url=database_url).exit_code == 0

    refused = tvec("db", "restore", str(file), url=database_url)
    assert refused.exit_code == 2
    assert "not empty" in refused.output
    assert "--force" in refused.output

    forced = tvec("db", "restore", str(file), "--force", url=database_url)
    assert forced.exit_code == 0, forced.output
    assert tvec("audit", "verify", url=database_url).exit_code == 0

    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup\n")
    not_backup = tvec("db", "restore", str(junk), "--force", url=database_url)
    assert not_backup.exit_code == 2
    assert "is not a" in not_backup.output
    assert "backup" in not_backup.output

    missing = tvec("db", "restore", str(tmp_path / "nowhere.backup"), url=database_url)
    assert missing.exit_code == 2
    assert "no such backup file" in missing.output


def test_a_missing_pg_dump_is_one_clear_line(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TVEC_PG_BINDIR", str(tmp_path))  # a directory without pg_dump
    result = tvec("db", "backup", str(tmp_path / "x.backup"), url=postgres_url)
    assert result.exit_code == 2
    assert "pg_dump not found" in result.output
    assert "\n" not in result.output.strip()
