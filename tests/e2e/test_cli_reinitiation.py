"""`tvec schedule` and re-initiation, as a user runs it (USPI §2.2 Table 1 and dosing)."""

import json

from typer.testing import CliRunner

from tvec.cli.main import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_a_reinitiation_as_the_second_dose_14_days_after_the_first_is_refused() -> None:
    result = run(
        "schedule",
        "--start",
        "2026-01-05",
        "--given",
        "2026-01-05",
        "--given",
        "2026-01-19",
        "--reinitiated",
        "2026-01-19",
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "error: visit 2: a re-initiation is only possible after a complete response; the second"
        " visit of a course is the second dose, at the earliest 21 days after the first"
    )


def test_a_reinitiation_course_is_10_8_every_14_days_from_its_first_visit() -> None:
    result = run(
        "schedule",
        "--start",
        "2026-09-07",
        "--reinitiation",
        "--given",
        "2026-09-07",
        "--given",
        "2026-09-21",
        "--json",
    )
    assert result.exit_code == 0, result.output
    visits = json.loads(result.stdout)["visits"]
    assert [(v["kind"], v["date"], v["concentration_pfu_per_ml"]) for v in visits[:3]] == [
        ("reinitiation", "2026-09-07", 100_000_000),
        ("reinitiation", "2026-09-21", 100_000_000),
        ("reinitiation", "2026-10-05", 100_000_000),
    ]
    human = run("schedule", "--start", "2026-09-07", "--reinitiation")
    assert "re-initiation after a complete response" in human.stdout
    early = run(
        "schedule",
        "--start",
        "2026-09-07",
        "--reinitiation",
        "--given",
        "2026-09-07",
        "--given",
        "2026-09-20",
    )
    assert early.exit_code == 2
    assert "visit 2: dose on 2026-09-20" in early.stderr
