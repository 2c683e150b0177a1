"""`tvec dose-plan` and the label's indication: the patient's facts in the input, the `indication`
block in the JSON, and a first line that cannot be missed when the patient is outside it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from tvec.cli import dose_plan as dose_plan_cli
from tvec.cli.main import app

EXAMPLES = Path(__file__).parents[2] / "examples"
runner = CliRunner()

SKIN_AND_LUNG = {
    "visit": "subsequent",
    "lesions": [
        {"id": "L1", "longest_cm": 2.8, "site": "cutaneous"},
        {"id": "P1", "longest_cm": 1.9, "site": "visceral"},  # a lung lesion
    ],
    "patient": {"stage": "IIIC", "unresectable": True, "distant_sites": [], "age_years": 58},
}


def run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=stdin)


def test_eu_plan_for_a_visit_with_a_visceral_lung_lesion_warns_on_its_first_line() -> None:
    result = run("dose-plan", "-", "--label", "eu", stdin=json.dumps(SKIN_AND_LUNG))
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("OUTSIDE THE LABEL'S INDICATION: visceral lesion on record")
    assert "SmPC §4.1" in result.stdout
    assert "Visit: subsequent" in result.stdout  # the plan is still shown, for the clinician


def test_the_warning_is_red_and_bold_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, color_system="standard", width=100)
    monkeypatch.setattr(dose_plan_cli, "console", terminal)
    result = run("dose-plan", "-", "--label", "eu", stdin=json.dumps(SKIN_AND_LUNG))
    assert result.exit_code == 0, result.output
    first = screen.getvalue().splitlines()[0]
    assert first.startswith("\x1b[1;31mOUTSIDE THE LABEL'S INDICATION")  # bold red


def test_the_json_plan_carries_the_indication_block() -> None:
    outside = run("dose-plan", str(EXAMPLES / "visit-eu-lung.json"), "--label", "eu", "--json")
    block = json.loads(outside.stdout)["indication"]
    assert block["within"] is False
    assert any(r.startswith("stage IVM1b") for r in block["reasons"])
    assert any(r.startswith("lung disease") for r in block["reasons"])
    assert block["source"].startswith("SmPC §4.1")
    within = run("dose-plan", str(EXAMPLES / "visit-initial.json"), "--json")
    block = json.loads(within.stdout)["indication"]
    assert (block["within"], block["reasons"]) == (True, [])


def test_the_same_visit_is_within_the_us_indication() -> None:
    facts = {**SKIN_AND_LUNG["patient"], "recurrent_after_surgery": True}  # type: ignore[dict-item]
    result = run("dose-plan", "-", stdin=json.dumps({**SKIN_AND_LUNG, "patient": facts}))
    assert result.exit_code == 0, result.output
    assert "OUTSIDE" not in result.stdout
    assert "within the label's indication [USPI §1" in result.stdout


def test_without_the_patients_facts_the_indication_is_not_confirmed() -> None:
    bare = {"visit": "initial", "lesions": [{"id": "L1", "longest_cm": 1, "site": "cutaneous"}]}
    result = run("dose-plan", "-", stdin=json.dumps(bare))
    assert result.stdout.splitlines()[0].startswith(
        "INDICATION NOT CONFIRMED: resectability not recorded"
    )
    data = json.loads(run("dose-plan", "-", "--json", stdin=json.dumps(bare)).stdout)
    assert data["indication"]["missing"] == ["resectability", "recurrence after initial surgery"]


def test_a_bad_patient_fact_is_refused_naming_the_field() -> None:
    bad = {**SKIN_AND_LUNG, "patient": {"stage": "IIIZ"}}
    result = run("dose-plan", "-", stdin=json.dumps(bad))
    assert result.exit_code == 2
    assert "patient.stage" in result.stderr
    assert result.stdout == ""
