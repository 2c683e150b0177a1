"""The CLI as a user runs it: JSON fields, human tables, and one-line refusals with exit code 2."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tvec.cli.main import app

EXAMPLES = Path(__file__).parents[2] / "examples"
runner = CliRunner()


def run(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin)


def test_dose_plan_json_has_the_fields_a_nurse_and_billing_need() -> None:
    result = run("dose-plan", str(EXAMPLES / "visit-initial.json"), "--json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["visit"] == "initial"
    assert plan["concentration_pfu_per_ml"] == 1_000_000
    assert [(i["lesion_id"], i["volume_ml"], i["partial"]) for i in plan["injections"]] == [
        ("L1", 2, False),
        ("N1", 1, False),
        ("L2", 0.5, False),
        ("L3", 0.1, False),
    ]
    assert plan["not_injected"][0]["lesion_id"] == "V1"
    assert (plan["total_volume_ml"], plan["vials"], plan["waste_ml"]) == (3.6, 4, 0.4)
    assert plan["total_pfu"] == 3_600_000
    billing = plan["billing"]
    assert (
        billing["hcpcs"],
        billing["units_administered"],
        billing["units_discarded"],
        billing["modifier"],
    ) == (
        "J9325",
        4,
        0,
        "JZ",
    )


def test_dose_plan_reads_standard_input_and_prints_a_table() -> None:
    text = (EXAMPLES / "visit-subsequent.json").read_text()
    result = run("dose-plan", "-", stdin=text)
    assert result.exit_code == 0, result.output
    assert "royal blue" in result.stdout
    assert "PARTIAL" in result.stdout
    assert "C1 (L4a+L4b)" in result.stdout
    assert "does not replace, clinical judgement" in result.stdout


@pytest.mark.parametrize(
    ("request_json", "message"),
    [
        (
            '{"visit": "third", "lesions": []}',
            "input: visit must be one of: 'initial', 'second', 'subsequent' or 'reinitiation' (got third)",
        ),
        (
            '{"visit": "initial", "lesions": [{"id": "L7", "longest_cm": 1, "site": "bone"}]}',
            "lesion L7: site must be one of",
        ),
        (
            '{"visit": "initial", "lesions": [{"id": "L7", "longest_cm": -1, "site": "nodal"}]}',
            "lesion L7: longest_cm must be greater than or equal to 0 (got -1)",
        ),
        (
            '{"visit": "initial", "lesions": [{"id": "L7", "longest_cm": 1, "perpendicular_cm": 2, "site": "nodal"}]}',
            "lesion L7: Perpendicular diameter (cm) must not exceed the longest diameter (1 cm) (got 2)",
        ),
        (
            '{"visit": "initial", "lesions": [{"id": "A", "longest_cm": 1, "site": "nodal"}, {"id": "A", "longest_cm": 2, "site": "nodal"}]}',
            "lesion A: Lesion id is duplicated",
        ),
        (
            '{"visit": "initial", "lesions": [{"id": "H", "longest_cm": 3, "site": "visceral", "route": "transcutaneous-intrahepatic"}]}',
            "lesion H: route transcutaneous-intrahepatic is refused",
        ),
        (
            '{"visit": "initial", "lesions": [{"longest_cm": 3, "site": "nodal"}]}',
            "lesions[0]: id is required",
        ),
        (
            '{"visit": "initial", "lesions": [{"id": "L1", "longest_cm": "big", "site": "nodal"}]}',
            "lesion L1: longest_cm",
        ),
        (
            '{"visit": "initial", "lesions": [{"id": "L1", "longest_cm": 1, "site": "nodal", "colour": "red"}]}',
            "lesion L1: colour is not a known field",
        ),
        ('{"visit": "initial", "lesions": [', "input: (json) is not valid JSON"),
    ],
)
def test_bad_dose_plan_input_gets_one_line_naming_lesion_and_field(
    request_json: str, message: str
) -> None:
    result = run("dose-plan", "-", "--json", stdin=request_json)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: ")
    assert message in result.stderr


def test_dose_plan_refuses_a_missing_file_and_an_unknown_label() -> None:
    missing = run("dose-plan", "no-such-file.json")
    assert (missing.exit_code, missing.stdout) == (2, "")
    assert "no-such-file.json: file not found" in missing.stderr
    unknown = run("dose-plan", str(EXAMPLES / "visit-initial.json"), "--label", "jp")
    assert unknown.exit_code == 2
    assert "--label: unknown variant 'jp'; known: eu, us" in unknown.stderr


def test_schedule_json_gives_numbered_visits_with_dates_and_strengths() -> None:
    result = run("schedule", "--start", "2026-01-05", "--json")
    assert result.exit_code == 0, result.output
    visits = json.loads(result.stdout)["visits"]
    assert visits[:3] == [
        {
            "number": 1,
            "kind": "initial",
            "date": "2026-01-05",
            "earliest": "2026-01-05",
            "concentration_pfu_per_ml": 1_000_000,
            "status": "next",
            "override_reason": None,
        },
        {
            "number": 2,
            "kind": "second",
            "date": "2026-01-26",
            "earliest": "2026-01-26",
            "concentration_pfu_per_ml": 100_000_000,
            "status": "planned",
            "override_reason": None,
        },
        {
            "number": 3,
            "kind": "subsequent",
            "date": "2026-02-09",
            "earliest": "2026-02-09",
            "concentration_pfu_per_ml": 100_000_000,
            "status": "planned",
            "override_reason": None,
        },
    ]
    assert visits[-1]["date"] >= "2026-07-05"


def test_schedule_counts_from_given_dates_and_takes_an_override_with_a_reason() -> None:
    args = [
        "schedule",
        "--start",
        "2026-01-05",
        "--given",
        "2026-01-05",
        "--given",
        "2026-01-20",
        "--json",
    ]
    refused = run(*args)
    assert refused.exit_code == 2
    assert (
        "visit 2: dose on 2026-01-20 is earlier than its interval allows (earliest 2026-01-26)"
        in refused.stderr
    )
    accepted = run(*args, "--override", "2026-01-20=admitted for surgery on the 26th")
    assert accepted.exit_code == 0, accepted.output
    visits = json.loads(accepted.stdout)["visits"]
    assert visits[1]["override_reason"] == "admitted for surgery on the 26th"
    assert visits[2]["date"] == "2026-02-03"  # 14 days after the dose actually given


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2026-13-01"], "--start: '2026-13-01' is not an ISO date"),
        (
            ["--start", "2026-01-05", "--given", "2026-01-06"],
            "first dose must be on the course start date",
        ),
        (["--start", "2026-01-05", "--override", "2026-01-05"], "must be DATE=REASON"),
        (
            [
                "--start",
                "2026-01-05",
                "--given",
                "2026-01-05",
                "--end",
                "2026-03-01",
                "--end-reason",
                "completed",
            ],
            "reason 'completed' cannot end a course before 2026-07-05",
        ),
        (["--start", "2026-01-05", "--end", "2026-03-01"], "--end and --end-reason go together"),
    ],
)
def test_bad_schedule_input_is_refused_with_one_line(args: list[str], message: str) -> None:
    result = run("schedule", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr


def test_schedule_shows_reinitiation_and_an_ended_course() -> None:
    result = run(
        "schedule",
        "--start",
        "2026-01-05",
        "--given",
        "2026-01-05",
        "--given",
        "2026-01-26",
        "--given",
        "2026-09-01",
        "--reinitiated",
        "2026-09-01",
        "--json",
    )
    assert result.exit_code == 0, result.output
    third = json.loads(result.stdout)["visits"][2]
    assert (third["kind"], third["concentration_pfu_per_ml"]) == ("reinitiation", 100_000_000)
    ended = run(
        "schedule",
        "--start",
        "2026-01-05",
        "--given",
        "2026-01-05",
        "--end",
        "2026-02-01",
        "--end-reason",
        "other-treatment-required",
    )
    assert ended.exit_code == 0, ended.output
    assert "course ended 2026-02-01: other-treatment-required" in ended.stdout


def test_rules_prints_the_tables_with_sources_and_the_markdown_page_matches_the_docs() -> None:
    human = run("rules")
    assert human.exit_code == 0
    assert "USPI §2.2 Table 2" in human.stdout
    assert "light" in human.stdout  # cap colours; tables wrap at narrow widths
    assert "royal" in human.stdout
    markdown = run("rules", "--markdown")
    assert markdown.stdout == (Path(__file__).parents[2] / "docs/rules.md").read_text(
        encoding="utf-8"
    )
    data = json.loads(run("rules", "--json", "--label", "eu").stdout)
    assert data["label"]["billing"] is None
    assert [c["name"] for c in data["criteria"]] == ["modified-who", "who"]
