"""The CLI shows whole J9325 units as a claim needs them, and `tvec rules` the label facts."""

import json
from pathlib import Path

from typer.testing import CliRunner

from tvec.cli.main import app

EXAMPLES = Path(__file__).parents[2] / "examples"
runner = CliRunner()


def dose_plan(visit: dict[str, object], *args: str) -> str:
    result = runner.invoke(app, ["dose-plan", "-", *args], input=json.dumps(visit))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_readme_example_bills_4_whole_units_with_jz() -> None:
    result = runner.invoke(app, ["dose-plan", str(EXAMPLES / "visit-initial.json")])
    assert result.exit_code == 0, result.output
    assert "billing: J9325 × 4-JZ (administered)\n" in result.stdout


def test_a_whole_unit_discarded_is_billed_on_its_own_jw_line() -> None:
    # 1 mL (2.5 cm) + 0.1 mL (0.5 cm) = 1.1 mL of 10^8 from two vials: 110 units, 90 discarded
    visit = {
        "visit": "second",
        "lesions": [
            {"id": "L1", "longest_cm": 2.5, "site": "cutaneous"},
            {"id": "L2", "longest_cm": 0.5, "site": "cutaneous"},
        ],
    }
    assert "billing: J9325 × 110 (administered); J9325 × 90-JW (discarded)" in dose_plan(visit)
    plan = json.loads(dose_plan(visit, "--json"))
    assert [(line["units"], line["modifier"]) for line in plan["billing"]["lines"]] == [
        (110, None),
        (90, "JW"),
    ]


def test_nothing_to_administer_bills_no_j9325_line() -> None:
    out = dose_plan({"visit": "initial", "lesions": []})
    assert "billing: no J9325 line (nothing to administer)" in out
    assert "JZ" not in out


def test_rules_shows_the_warnings_storage_and_the_trial_with_sources() -> None:
    result = runner.invoke(app, ["rules", "--label", "eu"])
    assert result.exit_code == 0, result.output
    for title in (
        "Warnings and precautions",
        "At every administration",
        "Storage and thawing",
        "Pivotal trial: OPTiM",
    ):
        assert title in result.stdout
    data = json.loads(runner.invoke(app, ["rules", "--json"]).stdout)
    billing = data["label"]["billing"]
    assert (billing["claims_returned_from"], billing["min_discarded_units"]) == ("2023-10-01", 1)
    assert [c["code"] for c in billing["administration_codes"]] == [
        "CPT 96405",
        "CPT 96406",
        "CPT 76942",
    ]
