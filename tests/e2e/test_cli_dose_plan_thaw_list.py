"""`tvec dose-plan` tells the pharmacy what to thaw: vials, when to start, the latest use."""

import json
from pathlib import Path

from typer.testing import CliRunner

from tvec.cli.main import app

EXAMPLES = Path(__file__).parents[2] / "examples"
runner = CliRunner()


def test_the_plan_json_has_the_thaw_list_relative_to_the_appointment() -> None:
    result = runner.invoke(app, ["dose-plan", str(EXAMPLES / "visit-initial.json"), "--json"])
    assert result.exit_code == 0, result.output
    [item] = json.loads(result.stdout)["thaw_list"]
    assert (item["pfu_per_ml"], item["vials"]) == (1_000_000, 4)
    assert (item["start_minutes_before"], item["latest_use_minutes_after"]) == (30, 690)
    assert (item["start_at"], item["latest_use_at"]) == (None, None)


def test_with_an_appointment_the_thaw_list_gives_clock_times() -> None:
    args = ["dose-plan", str(EXAMPLES / "visit-subsequent.json"), "--json"]
    result = runner.invoke(app, [*args, "--appointment", "2026-03-02T09:00:00-05:00"])
    assert result.exit_code == 0, result.output
    [item] = json.loads(result.stdout)["thaw_list"]
    assert item["start_at"] == "2026-03-02T08:30:00-05:00"
    assert item["latest_use_at"] == "2026-03-03T08:30:00-05:00"  # 10^8: 24 h at room temperature


def test_the_table_says_when_to_start_thawing() -> None:
    args = ["dose-plan", str(EXAMPLES / "visit-initial.json")]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "start thawing 30 min before the appointment; use within 11 h 30 min after it" in (
        result.stdout
    )
    assert "tvec ruling: start thawing 30 min before the appointment" in result.stdout


def test_an_appointment_without_a_time_zone_is_refused_in_one_line() -> None:
    args = ["dose-plan", str(EXAMPLES / "visit-initial.json"), "--appointment", "2026-03-02T09:00"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: --appointment: '2026-03-02T09:00' must carry a time zone, such as +01:00 or Z"
    )
    bad = runner.invoke(app, [*args[:-1], "nine"])
    assert bad.exit_code == 2
    assert "is not an ISO-8601 date and time" in bad.stderr
