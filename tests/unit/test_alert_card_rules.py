"""The alert card, education and exposure rules (tvec.domain.alert_card) and their data
(tvec.knowledge.alert_card): a readable table of cases, and the data file's checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tvec.domain.alert_card import (
    card_missing,
    check_acknowledged_at,
    check_code,
    check_codes,
    check_occurred_at,
    follow_up_due,
)
from tvec.domain.errors import InvalidInput
from tvec.knowledge import KnowledgeError
from tvec.knowledge.alert_card import alert_card_sections, load_alert_card, load_alert_card_file
from tvec.knowledge.rulebook import all_rules_markdown

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
DATA = Path(__file__).parents[2] / "src/tvec/knowledge/data/safety/alert-card.toml"


@pytest.mark.parametrize(
    ("needs", "first_dose", "issued", "missing"),
    [
        (True, date(2026, 6, 1), False, True),  # EU, dose given, no card: missing
        (True, date(2026, 6, 1), True, False),  # EU, card issued
        (True, None, False, False),  # EU, before the first dose
        (False, date(2026, 6, 1), False, False),  # US: no card asked
    ],
)
def test_when_a_card_is_missing(
    needs: bool, first_dose: date | None, issued: bool, missing: bool
) -> None:
    assert card_missing(needs, first_dose, issued) is missing


def test_an_acknowledgement_comes_after_the_issue_and_not_in_the_future() -> None:
    issued = NOW - timedelta(hours=1)
    check_acknowledged_at(issued, issued, NOW)
    check_acknowledged_at(issued, NOW, NOW)
    for at, rule in (
        (issued - timedelta(seconds=1), "before"),
        (NOW + timedelta(seconds=1), "future"),
    ):
        with pytest.raises(InvalidInput) as refused:
            check_acknowledged_at(issued, at, NOW)
        assert refused.value.field == "acknowledged_at"
        assert rule in refused.value.rule


def test_an_exposure_is_not_in_the_future_and_its_follow_up_falls_days_after() -> None:
    check_occurred_at(NOW, NOW)
    with pytest.raises(InvalidInput) as refused:
        check_occurred_at(NOW + timedelta(minutes=1), NOW)
    assert refused.value.field == "occurred_at"
    assert follow_up_due(date(2026, 6, 1), 7) == date(2026, 6, 8)


@pytest.mark.parametrize(
    ("chosen", "rule"),
    [([], "at least one"), (["a", "z"], "unknown z"), (["a", "a"], "twice")],
)
def test_codes_name_at_least_one_known_code_once(chosen: list[str], rule: str) -> None:
    check_codes("education", "topics", ["a"], {"a", "b"})
    with pytest.raises(InvalidInput) as refused:
        check_codes("education", "topics", chosen, {"a", "b"})
    assert refused.value.field == "topics"
    assert rule in refused.value.rule


def test_a_code_is_one_of_the_known() -> None:
    check_code("exposure", "kind", "a", {"a"})
    with pytest.raises(InvalidInput) as refused:
        check_code("exposure", "kind", "z", {"a", "b"})
    assert refused.value.rule == "must be one of a, b"


def test_the_card_data_names_a_source_for_every_text() -> None:
    data = load_alert_card()
    assert data.needs_card("eu")
    assert not data.needs_card("us")
    assert data.product == "IMLYGIC"
    assert data.topic_codes() == {"dressing-care", "disposal", "avoid-contact"}
    assert {k.code for k in data.exposure_kinds} == {"needle-stick", "splash-back", "site-contact"}
    assert data.kind("needle-stick") is not None
    assert data.kind("bite") is None
    assert data.action("washed") is not None
    assert data.topic("singing") is None
    assert all(w.source for w in data.warnings)
    assert "SmPC §4.2" in data.card_labels_source
    assert "tvec's ruling" in data.follow_up.source  # the label gives no interval
    sources = data.card_sources()
    assert sources[0] == "SmPC §4.2"  # why the card is given, then the warnings' sections
    assert len(set(sources)) == len(sources)
    assert {"SmPC §4.3", "SmPC §4.4", "USPI §5.1"} <= set(sources)


def test_the_rules_page_shows_the_card_education_and_exposures() -> None:
    titles = [s.title for s in alert_card_sections(load_alert_card())]
    assert titles == [
        "Patient alert card",
        "Patient and caregiver education topics",
        "Accidental exposure",
    ]
    text = all_rules_markdown()
    assert "## Patient alert card, education and accidental exposure" in text
    assert "airtight, watertight" in text


def test_a_card_file_with_a_repeated_code_is_refused_naming_it(tmp_path: Path) -> None:
    text = DATA.read_text(encoding="utf-8").replace('code = "disposal"', 'code = "dressing-care"')
    bad = tmp_path / "alert-card.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError, match="education_topics: every code must be different"):
        load_alert_card_file(bad)
