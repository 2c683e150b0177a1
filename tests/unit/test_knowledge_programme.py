"""The safety programme's knowledge files: loaded into frozen rules, and a malformed file refused
at load with the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from tvec.knowledge import KnowledgeError
from tvec.knowledge.programme import (
    all_programme_sections,
    available_programmes,
    load_programme,
    load_programme_file,
    programme_for_label,
)
from tvec.knowledge.rulebook import all_rules_markdown

EU = Path(__file__).parents[2] / "src/tvec/knowledge/data/programme/eu.toml"


def test_each_region_governs_the_courses_of_its_label() -> None:
    assert available_programmes() == ["eu", "us"]
    assert programme_for_label("eu").region == "eu"
    assert programme_for_label("us") is load_programme("us")
    with pytest.raises(KnowledgeError) as refused:
        programme_for_label("ch")
    assert refused.value.field == "label_variant"


def test_the_rules_page_shows_every_regions_programme() -> None:
    titles = [s.title for s in all_programme_sections()]
    assert titles[0].startswith("Safety programme: US")
    assert "Staff training and attestation (eu)" in titles
    page = all_rules_markdown()
    assert "## Safety programme" in page
    assert "eu-patient-alert-card" in page
    assert "every 30 days" in page


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = EU.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "eu.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


# the edit → the field named
BROKEN = [
    ('fact = "centre.ultra_low_freezer"', 'fact = "centre.has_a_freezer"', "requirements.0.fact"),
    ('fact = "centre.ultra_low_freezer"', 'fact = "nurse.training_current"', "requirements.0.fact"),
    ('id = "eu-prescriber-trained"', 'id = "eu-centre-qualified"', "requirements.1.id"),
    ('who_acts = "pharmacist"', 'who_acts = "porter"', "requirements.0.who_acts"),
    ('enforcement = "block"', 'enforcement = "stop"', "requirements.0.enforcement"),
    ('applies = "course-start"', 'applies = "yearly"', "requirements.0.applies"),
    ("expiry_warning_days = 30", "expiry_warning_days = 0", "training.expiry_warning_days"),
    ("renewal_days = 30", "renewal_days = -1", "attestation.renewal_days"),
    ('to_do = "add the ultra-low', 'todo = "add the ultra-low', "requirements.0.to_do"),
    (
        "source = \"tvec's rule: the EPAR summary asks",
        'source = "the EPAR summary asks',
        "requirements.2.source",
    ),
]


@pytest.mark.parametrize(("old", "new", "field"), BROKEN)
def test_a_malformed_file_is_refused_naming_the_file_and_the_field(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    path = _broken(tmp_path, old, new)
    with pytest.raises(KnowledgeError) as refused:
        load_programme_file(path)
    assert (refused.value.path, refused.value.field) == (str(path), field)


def test_a_requirement_without_a_source_is_refused(tmp_path: Path) -> None:
    text = EU.read_text(encoding="utf-8")
    start = text.index("source = ", text.index("[[requirements]]"))
    end = text.index("\n", start)
    path = tmp_path / "eu.toml"
    path.write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    with pytest.raises(KnowledgeError) as refused:
        load_programme_file(path)
    assert refused.value.field == "requirements.0.source"
