"""docs/rules.md is generated from the knowledge data; it must never drift from it."""

from pathlib import Path

from tvec.knowledge.rulebook import all_rules_markdown

DOC = Path(__file__).parents[2] / "docs/rules.md"


def current() -> str:
    return all_rules_markdown()


def test_docs_rules_md_is_up_to_date_with_the_knowledge_data() -> None:
    assert DOC.read_text(encoding="utf-8") == current(), "docs/rules.md is stale: run `make docs`"


def test_the_rules_page_shows_every_band_and_source_a_clinician_checks() -> None:
    text = current()
    for band in (
        "≤ 0.5 cm",
        "> 0.5 cm to 1.5 cm",
        "> 1.5 cm to 2.5 cm",
        "> 2.5 cm to 5 cm",
        "> 5 cm",
    ):
        assert band in text
    assert "USPI §2.2 Table 2" in text
    assert "SmPC §4.2" in text
    assert "transcutaneous-intrahepatic" in text
    assert "J9325" in text
    assert "supports, and does not replace, clinical judgement" in text
