"""`tvec assess` through its command-line runner, on the bundled example patients."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from tvec.cli.assess import assess
from tvec.cli.output import DISCLAIMER

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
START = "2026-01-05"


def make_app() -> typer.Typer:
    app = typer.Typer()
    app.callback()(lambda: None)  # keeps `assess` a named subcommand, as in the real app
    app.command("assess")(assess)
    return app


def make_run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(make_app(), ["assess", *args], input=stdin)


def make_json(example: str, *options: str) -> dict[str, Any]:
    result = make_run(str(EXAMPLES / example), "--start", START, "--json", *options)
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_json_has_every_key_for_a_durable_complete_response() -> None:
    data = make_json("patient-durable-cr.csv")
    assert {
        "criteria",
        "start",
        "baseline_date",
        "assessments",
        "best_overall_response",
        "time_to_response_days",
        "duration_of_response_days",
        "response_ongoing",
        "durable_response",
        "lesion_summary",
    } <= set(data)
    assert data["criteria"] == "modified-who"
    assert (data["start"], data["baseline_date"]) == (START, START)
    assert data["best_overall_response"] == "CR"
    assert data["time_to_response_days"] == 84
    assert data["duration_of_response_days"] == 287
    assert data["response_ongoing"] is True
    assert data["durable_response"] == "yes"


def test_json_assessment_rows() -> None:
    rows = make_json("patient-durable-cr.csv")["assessments"]
    assert set(rows[0]) >= {
        "date",
        "day",
        "spd_cm2",
        "change_from_baseline_pct",
        "change_from_nadir_pct",
        "category",
        "new_lesion_ids",
        "confirmed",
    }
    assert [r["category"] for r in rows] == [None, "SD", "PR", "PR", "CR", "CR", "CR", "CR"]
    assert rows[0]["spd_cm2"] == 13.5
    assert rows[2] == {
        "date": "2026-03-30",
        "day": 84,
        "spd_cm2": 4.6,
        "change_from_baseline_pct": -65.9,  # 4.6 / 13.5 = 34.07%: rounded to one decimal
        "change_from_nadir_pct": -63.5,
        "category": "PR",
        "label": "PR (confirmed onset)",
        "new_lesion_ids": [],
        "confirmed": True,
        "counted": True,
        "confirmation": "confirmed",
        "confirm_on_or_after": None,
    }


def test_json_lesion_summary() -> None:
    summary = make_json("patient-progression-then-response.csv")["lesion_summary"]
    assert [g["group"] for g in summary] == ["injected", "uninjected non-visceral", "visceral"]
    injected = summary[0]
    assert (injected["lesions"], injected["shrank_count"], injected["resolved_count"]) == (3, 3, 2)
    assert injected["shrank_share"] == 1
    assert injected["resolved_share"] == 0.667
    assert summary[1]["shrank_share"] is None


@pytest.mark.parametrize(
    ("criteria", "best", "durable"),
    [("modified-who", "PR", "yes"), ("who", "PD", "no")],
)
def test_progression_then_response_depends_on_the_criteria(
    criteria: str, best: str, durable: str
) -> None:
    data = make_json("patient-progression-then-response.csv", "--criteria", criteria)
    assert data["assessments"][1]["category"] == "PD"
    assert data["assessments"][1]["new_lesion_ids"] == ["L3"]
    assert (data["best_overall_response"], data["durable_response"]) == (best, durable)


def test_progressive_patient() -> None:
    data = make_json("patient-progressive.csv")
    assert data["best_overall_response"] == "PD"
    assert data["time_to_response_days"] is None
    assert data["response_ongoing"] is None
    assert data["durable_response"] == "no"


def test_reads_standard_input() -> None:
    text = (EXAMPLES / "patient-progressive.csv").read_text(encoding="utf-8")
    result = make_run("-", "--start", START, "--json", stdin=text)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["best_overall_response"] == "PD"


def test_human_output_shows_tables_summary_and_disclaimer() -> None:
    result = make_run(str(EXAMPLES / "patient-durable-cr.csv"), "--start", START)
    assert result.exit_code == 0
    for text in ("2026-03-30", "best overall response: CR", "time to response: 84 days"):
        assert text in result.stdout
    assert "287 days (ongoing)" in result.stdout
    assert "durable response: yes" in result.stdout
    assert "uninjected non-visceral" in result.stdout
    assert DISCLAIMER in result.stdout


BAD_ROW = "date,lesion_id,longest_cm,perpendicular_cm,site,injected\n2026-01-05,L1,2,3,nodal,no\n"

# name, arguments, standard input, text the error line must contain
BAD_INPUTS = [
    ("bad start date", ["-", "--start", "05/01/2026"], "", "--start"),
    ("unknown criteria", ["-", "--start", START, "--criteria", "recist"], "", "modified-who, who"),
    ("file not found", ["no-such-file.csv", "--start", START], None, "no-such-file.csv"),
    ("bad CSV header", ["-", "--start", START], "date,lesion\n", "row 1"),
    ("perpendicular longer than longest", ["-", "--start", START], BAD_ROW, "row 2 (lesion L1"),
    (
        "no baseline",
        ["-", "--start", "2026-01-04"],
        BAD_ROW.replace(",3,", ",1,"),
        "Baseline is missing",
    ),
]


@pytest.mark.parametrize(
    ("args", "stdin", "expected"), [pytest.param(*c[1:], id=c[0]) for c in BAD_INPUTS]
)
@pytest.mark.parametrize("json_flag", [[], ["--json"]], ids=["table", "json"])
def test_bad_input_exits_2_with_one_stderr_line_and_nothing_on_stdout(
    args: list[str], stdin: str | None, expected: str, json_flag: list[str]
) -> None:
    result = make_run(*args, *json_flag, stdin=stdin)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert expected in lines[0]


HEADER = "date,lesion_id,longest_cm,perpendicular_cm,site,injected\n"


def one_lesion_csv(*visits: tuple[str, str, str]) -> str:
    """One cutaneous lesion: (date, longest, perpendicular) per visit; baseline 10 x 10 = 100 cm²."""
    rows = [
        f"{day},L1,{longest},{perpendicular},cutaneous,true"
        for day, longest, perpendicular in visits
    ]
    return HEADER + "\n".join(rows) + "\n"


@pytest.mark.parametrize(
    ("later", "shown", "hidden"),
    [
        pytest.param(("8.34", "6"), "-49.9%", "-50.0%", id="-49.96% (SD) reads -49.9%"),
        pytest.param(("11.36", "11"), "+24.9%", "+25.0%", id="+24.96% (SD) reads +24.9%"),
    ],
)
def test_a_percent_change_never_reads_across_a_threshold(
    later: tuple[str, str], shown: str, hidden: str
) -> None:
    text = one_lesion_csv((START, "10", "10"), ("2026-02-16", *later))
    data = json.loads(make_run("-", "--start", START, "--json", stdin=text).stdout)
    row = data["assessments"][1]
    assert row["category"] == "SD"
    assert row["change_from_baseline_pct"] == float(shown.rstrip("%"))
    assert row["change_from_nadir_pct"] == float(shown.rstrip("%"))
    human = make_run("-", "--start", START, stdin=text).stdout
    assert shown in human
    assert hidden not in human


def test_an_unconfirmed_response_reads_with_the_date_it_may_be_confirmed() -> None:
    """A PR on 16 Feb, nothing later: best response SD, the row says when to confirm it."""
    text = one_lesion_csv((START, "10", "10"), ("2026-02-16", "5", "5"))
    data = json.loads(make_run("-", "--start", START, "--json", stdin=text).stdout)
    assert data["best_overall_response"] == "SD"
    row = data["assessments"][1]
    assert row["label"] == "PR (unconfirmed, confirm on or after 2026-03-16)"  # + 28 days
    assert (row["confirmation"], row["confirm_on_or_after"]) == ("pending", "2026-03-16")
    human = make_run("-", "--start", START, stdin=text).stdout
    words = " ".join(human.split())  # the terminal may wrap the line between words
    assert "latest assessment 2026-02-16: PR (unconfirmed, confirm on or after 2026-03-16)" in words


def test_a_response_that_was_never_confirmed_says_so() -> None:
    text = one_lesion_csv((START, "10", "10"), ("2026-02-16", "7", "7"), ("2026-03-02", "7.5", "7"))
    data = json.loads(make_run("-", "--start", START, "--json", stdin=text).stdout)
    assert [r["label"] for r in data["assessments"]] == ["baseline", "PR (not confirmed)", "SD"]
    assert data["best_overall_response"] == "SD"
