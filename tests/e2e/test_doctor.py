"""`tvec doctor` checks a deployment and says what to fix: exit 1 when something must be fixed."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from typer.testing import CliRunner

from tvec.cli.main import app
from tvec.persistence.migrate import upgrade

GOOD_KEY = "k" * 40


def doctor(url: str, *args: str, **env: str | None) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["doctor", *args], env={"TVEC_DATABASE_URL": url, "COLUMNS": "300", **env}
    )
    return result.exit_code, result.stdout


def _fresh(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/tvec.db"
    upgrade(url)
    return url


def test_a_fresh_dev_database_in_production_mode_must_fix_the_default_key(
    tmp_path: Path,
) -> None:
    code, out = doctor(_fresh(tmp_path), TVEC_ENV="production", TVEC_PSEUDONYM_KEY=None)
    lines = out.splitlines()
    assert code == 1, out
    assert any(
        line.startswith("fix") and "TVEC_PSEUDONYM_KEY is the default" in line for line in lines
    ), out
    assert any(line.startswith("ok") and "migrations current" in line for line in lines), out
    assert any(line.startswith("ok") and "reachable" in line for line in lines), out


def test_insecure_cookies_must_be_fixed_in_production(tmp_path: Path) -> None:
    code, out = doctor(
        _fresh(tmp_path),
        TVEC_ENV="production",
        TVEC_PSEUDONYM_KEY=GOOD_KEY,
        TVEC_COOKIE_SECURE="false",
    )
    assert code == 1
    assert "fix   TVEC_COOKIE_SECURE=false" in out


def test_a_sound_production_deployment_passes(tmp_path: Path) -> None:
    code, out = doctor(_fresh(tmp_path), TVEC_ENV="production", TVEC_PSEUDONYM_KEY=GOOD_KEY)
    assert code == 0, out
    assert "fix" not in out
    assert "ok    production settings" in out


def test_development_mode_notes_the_default_key_without_failing(tmp_path: Path) -> None:
    code, out = doctor(_fresh(tmp_path), TVEC_ENV="development", TVEC_PSEUDONYM_KEY=None)
    assert code == 0, out
    assert "note  before production: TVEC_PSEUDONYM_KEY is the default key" in out


def test_an_unmigrated_database_must_be_upgraded(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "empty.db").close()
    code, out = doctor(f"sqlite:///{tmp_path}/empty.db", TVEC_PSEUDONYM_KEY=GOOD_KEY)
    assert code == 1
    assert "fix   the database has no migrations applied: run tvec db upgrade" in out


def test_a_database_behind_the_migrations_must_be_upgraded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    upgrade(url, "0001")
    code, out = doctor(url)
    assert code == 1
    assert "migrations behind" in out
    assert "run tvec db upgrade" in out


def test_a_missing_database_file_must_be_created(tmp_path: Path) -> None:
    code, out = doctor(f"sqlite:///{tmp_path}/none.db")
    assert code == 1
    assert "no database file" in out
    assert "run tvec db upgrade" in out
    assert not (tmp_path / "none.db").exists()  # the check creates nothing


def test_an_unreachable_database_is_named_without_its_password(tmp_path: Path) -> None:
    url = "postgresql+psycopg://tvec:hunter2pw@127.0.0.1:1/tvec"
    code, out = doctor(url)
    assert code == 1
    assert "not reachable" in out
    assert "hunter2pw" not in out


def test_backups_older_than_the_limit_must_be_fixed(tmp_path: Path) -> None:
    url = _fresh(tmp_path)
    backups = tmp_path / "backups"
    backups.mkdir()
    code, out = doctor(url, "--backup-dir", str(backups))
    assert code == 1
    assert "no backup in" in out
    old = backups / "tvec-old.dump"
    old.write_bytes(b"x")
    two_days = time.time() - 48 * 3600
    os.utime(old, (two_days, two_days))
    code, out = doctor(url, "--backup-dir", str(backups))
    assert code == 1
    assert "newest backup tvec-old.dump is 48 h old" in out
    (backups / "tvec-new.dump").write_bytes(b"x")
    code, out = doctor(url, "--backup-dir", str(backups))
    assert code == 0, out
    assert "ok    newest backup tvec-new.dump" in out
    code, out = doctor(url, "--backup-dir", str(backups), TVEC_BACKUP_MAX_AGE_HOURS="abc")
    assert code == 1
    assert "TVEC_BACKUP_MAX_AGE_HOURS" in out


def test_on_each_database_unmigrated_then_upgraded(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        sqlite3.connect(database_url.split("///", 1)[1]).close()
    code, out = doctor(database_url, TVEC_ENV="production", TVEC_PSEUDONYM_KEY=GOOD_KEY)
    assert code == 1
    assert "run tvec db upgrade" in out
    upgrade(database_url)
    code, out = doctor(database_url, TVEC_ENV="production", TVEC_PSEUDONYM_KEY=GOOD_KEY)
    assert code == 0, out
    assert "ok    migrations current" in out
