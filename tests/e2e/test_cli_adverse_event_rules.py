"""`tvec rules` shows the CTCAE v5.0 terms with their grades and the ICH E2A reporting deadlines,
each with its source; `--markdown` (docs/rules.md) the same tables."""

from __future__ import annotations

from typer.testing import CliRunner

from tvec.cli.main import app

runner = CliRunner()


def test_rules_show_the_ctcae_terms_and_the_reporting_clocks() -> None:
    result = runner.invoke(app, ["rules"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    for words in (
        "Adverse-event terms and grades (CTCAE v5.0",
        "Herpes simplex reactivation",
        "Skin hypopigmentation",
        "15 calendar days from awareness",
        "7 calendar days; follow-up 8 days later",
        "ICH E2A",
        "USPI §5.2",
    ):
        assert words in result.stdout, words


def test_the_rules_page_lists_each_term_with_its_grades() -> None:
    page = runner.invoke(app, ["rules", "--markdown"]).stdout
    fatigue = next(line for line in page.splitlines() if line.startswith("| Fatigue |"))
    cells = [cell.strip() for cell in fatigue.strip("|").split("|")]
    assert cells[3] == "10016256"  # MedDRA code
    assert cells[4:9] == [
        "Relieved by rest",
        "Not relieved by rest; limits instrumental activities of daily living",
        "Not relieved by rest; limits self-care",
        "–",  # no grade 4 in CTCAE
        "–",  # no grade 5
    ]
