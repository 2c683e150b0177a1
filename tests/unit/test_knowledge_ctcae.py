"""The CTCAE and reporting knowledge files: loaded and validated, every value sourced; a bad edit
is refused at load naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from tvec.knowledge.ctcae import load_ctcae, load_ctcae_file, load_reporting_file
from tvec.knowledge.loader import KnowledgeError

DATA = Path(__file__).parents[2] / "src/tvec/knowledge/data"
CTCAE_TEXT = (DATA / "ctcae/v5.toml").read_text(encoding="utf-8")
REPORTING_TEXT = (DATA / "safety/reporting.toml").read_text(encoding="utf-8")


def test_every_term_names_its_source_and_system_organ_class() -> None:
    ctcae = load_ctcae()
    assert ctcae.version == "v5.0"
    assert "NCI CTEP" in ctcae.source
    assert all(t.source.startswith("CTCAE v5.0") and t.soc for t in ctcae.terms)
    assert [t.name for t in ctcae.terms if t.herpetic] == ["Herpes simplex reactivation"]


def test_a_term_stored_as_free_text_before_ctcae_reads_as_other_specify() -> None:
    ctcae = load_ctcae()
    assert ctcae.term_of("cellulitis") is ctcae.other
    assert ctcae.term_of("Fever").name == "Fever"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('[terms.grades]\n1 = "Relieved by rest"', '[terms.grades]\n6 = "x"', "terms.0"),
        ('name = "Chills"', 'name = "Fatigue"', "(top level)"),
        ('name = "Chills"', 'name = "other"', "terms.1"),
        ("meddra_code = 10016256", "meddra_code = 123", "terms.0.meddra_code"),
    ],
)
def test_a_bad_ctcae_file_is_refused_naming_the_field(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    assert old in CTCAE_TEXT
    path = tmp_path / "v5.toml"
    path.write_text(CTCAE_TEXT.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KnowledgeError) as refused:
        load_ctcae_file(path)
    assert refused.value.field == field


def test_an_expected_term_must_be_a_ctcae_term_on_file(tmp_path: Path) -> None:
    path = tmp_path / "reporting.toml"
    path.write_text(REPORTING_TEXT.replace('"Fatigue",', '"Tiredness",'), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="Tiredness") as refused:
        load_reporting_file(path, load_ctcae())
    assert refused.value.field == "expected.terms"


def test_the_clocks_are_positive_days(tmp_path: Path) -> None:
    path = tmp_path / "reporting.toml"
    path.write_text(REPORTING_TEXT.replace("fatal_days = 7", "fatal_days = 0"), encoding="utf-8")
    with pytest.raises(KnowledgeError) as refused:
        load_reporting_file(path, load_ctcae())
    assert refused.value.field == "clocks.fatal_days"
