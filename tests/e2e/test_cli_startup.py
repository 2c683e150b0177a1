"""The command line starts fast: `tvec --help` lists every command without importing it, and a
command imports what it needs and nothing of the statistics, database, web or plotting stacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from benchmarks.cli_startup import main as startup_benchmark
from typer.testing import CliRunner

from tvec.cli.main import COMMANDS, app, load

ROOT = Path(__file__).parents[2]
HEAVY = (
    "numpy",
    "scipy",
    "matplotlib",
    "pandas",
    "sqlalchemy",
    "fastapi",
    "uvicorn",
    "jinja2",
    "tvec.analytics",
    "tvec.services",
    "tvec.persistence",
    "tvec.api",
    "tvec.web",
)
# Runs `tvec ARGS…` in a fresh interpreter, then prints the heavy modules it imported.
PROBE = """
import json, sys
from tvec.cli.main import app
try:
    app(sys.argv[2:], prog_name="tvec")
except SystemExit:
    pass
heavy = json.loads(sys.argv[1])
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in heavy or
                        any(m == h or m.startswith(h + ".") for h in heavy))))
"""


def make_imported(*args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(HEAVY), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    imported: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return imported


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("dose-plan", "examples/visit-initial.json"),
        ("schedule", "--start", "2026-01-05"),
        ("assess", "examples/patient-progression-then-response.csv", "--start", "2026-01-05"),
        ("rules",),
    ],
)
def test_a_command_imports_nothing_of_the_heavy_stacks(args: tuple[str, ...]) -> None:
    assert make_imported(*args) == []


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_listed_summary_is_the_commands_own_help(name: str) -> None:
    group = typer.main.get_command(load(name))
    assert isinstance(group, typer.core.TyperGroup)
    command = group.commands[name]
    assert command.help is not None
    assert command.help.split("\n\n")[0].strip() == COMMANDS[name].summary


def test_help_lists_every_command_in_order_with_its_summary() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    positions = [result.stdout.index(f" {name} ") for name in COMMANDS]
    assert positions == sorted(positions)
    for entry in COMMANDS.values():
        assert entry.summary in result.stdout


def test_a_mistyped_command_is_refused_with_a_suggestion() -> None:
    result = CliRunner().invoke(app, ["schedul"])
    assert result.exit_code == 2
    assert "No such command 'schedul'. Did you mean 'schedule'?" in result.stderr


def test_the_startup_benchmark_runs_and_prints_the_baseline(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert startup_benchmark(["--runs", "1"]) == 0
    out = capsys.readouterr().out
    for row in ("python -c pass", "tvec --help", "tvec dose-plan examples/visit-initial.json"):
        assert row in out
    assert "baseline" in out
