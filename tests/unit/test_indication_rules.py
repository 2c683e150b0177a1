"""The indication as knowledge data: loaded with its source, refused when incomplete, shown."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tvec.domain.indication import PatientFacts, evaluate_indication
from tvec.domain.rules import IndicationRule, Site
from tvec.knowledge import load_label
from tvec.knowledge.loader import DATA, KnowledgeError, load_label_file
from tvec.knowledge.rulebook import label_sections

BARE = IndicationRule(text="any melanoma", source="a test label §1")


def test_a_rule_with_no_condition_takes_every_patient() -> None:
    verdict = evaluate_indication(BARE, PatientFacts(lesion_sites=(Site.VISCERAL,)))
    assert (verdict.within, verdict.reasons, verdict.missing) == (True, (), ())


def test_an_age_limit_without_its_source_is_refused_at_load(tmp_path: Path) -> None:
    text = (Path(str(DATA)) / "labels" / "eu.toml").read_text(encoding="utf-8")
    broken = "\n".join(line for line in text.splitlines() if not line.startswith("min_age_source"))
    path = tmp_path / "eu.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(KnowledgeError, match="min_age_source") as refused:
        load_label_file(path)
    assert refused.value.field == "indication"


def test_the_rules_show_the_indication_first_with_its_source() -> None:
    eu = label_sections(load_label("eu"))
    assert eu[0].title == "Indication"
    assert eu[0].rows[1][:2] == ("age", "18 years and over")
    assert "SmPC §4.1" in eu[0].rows[1][2]
    assert "tvec's ruling" in eu[0].rows[1][2]
    bare = label_sections(replace(load_label("us"), indication=BARE))
    assert [row[0] for row in bare[0].rows] == ["indicated for", "outside the indication"]
    without = label_sections(replace(load_label("us"), indication=None))
    assert all(s.title != "Indication" for s in without)
