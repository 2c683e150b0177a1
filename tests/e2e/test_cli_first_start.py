"""First start (`make run`): the commands it runs say what a newcomer needs to know.

`tvec db upgrade` tells a new database from one already current; `tvec db demo` names the demo
users and their demo passwords; `tvec serve` prints where the web app and the API docs are and
who to log in as, before the server starts. Each command runs as `make run` runs it, on a
database of its own.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tvec.cli.main import app
from tvec.services.seeding import DEMO_USERS

STARTUP_S = 30


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path}/first.db"
    monkeypatch.setenv("TVEC_DATABASE_URL", url)
    return url


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # one line, whatever the terminal's width


def test_a_new_database_says_it_was_created_and_a_second_upgrade_that_it_is_current(
    database: str,
) -> None:
    first = run("db", "upgrade")
    assert first.startswith(f"created a new database at {database}"), first
    assert "up to date" not in first
    second = run("db", "upgrade")
    assert second.startswith(f"database at {database} is up to date"), second
    assert "created" not in second


def test_the_demo_names_every_demo_user_and_its_demo_password(database: str) -> None:
    run("db", "upgrade")
    shown = run("db", "demo", "--patients", "1")
    assert "demo data: 1 patients created" in shown
    for username, (role, _name, password) in DEMO_USERS.items():
        assert f"{username} / {password} {role.value}" in shown
    assert "log in as nurse / demo-nurse-pass" in shown
    again = run("db", "demo", "--patients", "1")
    assert "demo data already loaded" in again
    assert "log in as nurse / demo-nurse-pass" in again  # a second `make run` still says it


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def banner_of(tmp_path: Path, database: str, port: int) -> str:
    """What `tvec serve` prints before it answers requests (the server is then stopped)."""
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tvec", "serve", "--port", str(port), "--no-access-log"],
            env={**os.environ, "TVEC_DATABASE_URL": database, "COLUMNS": "200"},
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
    try:
        deadline = time.monotonic() + STARTUP_S
        while "stop with Ctrl+C" not in log.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.1)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=STARTUP_S)
    return log.read_text()


def test_serve_prints_the_web_app_the_api_docs_and_who_to_log_in_as(
    tmp_path: Path, database: str
) -> None:
    run("db", "upgrade")
    port = free_port()
    shown = banner_of(tmp_path, database, port)
    lines = [line.strip() for line in shown.splitlines()]
    assert f"tvec web app:  http://127.0.0.1:{port}/  (open it in a browser)" in lines, shown
    assert f"API docs:      http://127.0.0.1:{port}/docs" in lines, shown
    login = next(line for line in lines if line.startswith("log in as:"))
    assert "nurse / demo-nurse-pass" in login
    assert "tvec db demo" in login
    assert any(line.startswith("development mode: not for patient data") for line in lines)
