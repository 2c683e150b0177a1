"""`tvec rules` shows the safety programme of the label's region, with its sources."""

import json

from typer.testing import CliRunner

from tvec.cli.main import app

runner = CliRunner()


def rules(*args: str) -> str:
    result = runner.invoke(app, ["rules", *args], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_rules_for_the_eu_label_shows_the_eu_programme_with_what_blocks_and_who_acts() -> None:
    out = rules("--label", "eu")
    assert "Safety programme: EU controlled distribution programme" in out
    assert "eu-centre-qualified" in out
    assert "who acts" in out
    assert "EPAR summary" in out
    assert "Staff training and attestation (eu)" in out
    assert "every 30 days" in out
    assert "us-nurse-cleared" not in out


def test_rules_for_the_us_label_shows_the_us_programme() -> None:
    out = rules()
    assert "us-nurse-cleared" in out
    assert "USPI §5.1" in out
    assert "eu-centre-qualified" not in out


def test_rules_json_carries_the_programme() -> None:
    data = json.loads(rules("--label", "eu", "--json"))
    programme = data["programme"]
    assert programme["region"] == "eu"
    first = programme["requirements"][0]
    assert (first["id"], first["enforcement"], first["applies"]) == (
        "eu-centre-qualified",
        "block",
        "course-start",
    )
    assert programme["training"]["expiry_warning_days"] == 30
