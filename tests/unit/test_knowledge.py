"""Knowledge files load into validated rules, and a broken file fails at load naming file and field."""

from pathlib import Path

import pytest

from tvec.knowledge import (
    KnowledgeError,
    available_criteria,
    available_labels,
    load_criteria,
    load_criteria_file,
    load_label,
    load_label_file,
)

DATA = Path(__file__).parents[2] / "src/tvec/knowledge/data"
US_TEXT = (DATA / "labels/us.toml").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "label.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_both_label_variants_and_both_criteria_sets_are_on_file() -> None:
    assert available_labels() == ["eu", "us"]
    assert available_criteria() == ["modified-who", "who"]
    assert load_label("us").billing is not None
    assert load_label("eu").billing is None
    assert load_criteria("who").progression.new_lesion_is_progression
    assert not load_criteria("modified-who").progression.new_lesion_is_progression


def test_every_rule_names_its_source() -> None:
    for variant in available_labels():
        label = load_label(variant)
        groups = [
            label.strengths,
            label.visits,
            label.volume_bands,
            label.contraindications,
            label.route_restrictions,
            label.site_restrictions,
            label.stability,
        ]
        for rule in [*(r for g in groups for r in g), label.dosing, label.course]:
            assert rule.source.strip(), rule


@pytest.mark.parametrize(
    ("broken", "field"),
    [
        (US_TEXT.replace('cap_colour = "royal blue"\n', ""), "strengths.1.cap_colour"),
        (
            US_TEXT.replace('max_volume_ml = "0.5"', 'max_volume_ml = "half"'),
            "volume_bands.3.max_volume_ml",
        ),
        (US_TEXT.replace('kind = "second"', 'kind = "third"'), "visits.1.kind"),
        (
            US_TEXT.replace('source = "USPI §4 (immunocompromised patients)"', 'source = ""', 1),
            "contraindications.0.source",
        ),
        (US_TEXT.replace('hcpcs = "J9325"', 'hcpcs = "J9325"\nunits = 3'), "billing.units"),
        (
            US_TEXT.replace('above_cm = "2.5"\nup_to_cm = "5"', 'above_cm = "2.6"\nup_to_cm = "5"'),
            "volume_bands",
        ),
        (US_TEXT.replace("interval_days = 21\n", ""), "visits.second.interval_days"),
        (
            US_TEXT.replace(
                'interval_days = 21\nmax_total_volume_ml = "4"\npfu_per_ml = 100_000_000',
                'interval_days = 21\nmax_total_volume_ml = "4"\npfu_per_ml = 100_000',
            ),
            "visits.1.pfu_per_ml",
        ),
        (US_TEXT.replace("[dosing]", "[dosing"), "(syntax)"),
    ],
)
def test_a_broken_label_file_fails_at_load_naming_file_and_field(
    tmp_path: Path, broken: str, field: str
) -> None:
    assert broken != US_TEXT
    path = write(tmp_path, broken)
    with pytest.raises(KnowledgeError) as failure:
        load_label_file(path)
    assert failure.value.field == field
    assert str(failure.value).startswith(f"{path}: {field}: ")


def test_a_criteria_file_missing_a_section_fails_at_load(tmp_path: Path) -> None:
    text = (DATA / "criteria/who.toml").read_text(encoding="utf-8")
    broken = text[: text.index("[durable_response]")]
    path = tmp_path / "who.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"who.toml: durable_response: Field required"):
        load_criteria_file(path)


def test_an_unknown_bundled_name_lists_the_known_ones() -> None:
    with pytest.raises(KnowledgeError, match=r"unknown 'jp'; known: \['eu', 'us'\]"):
        load_label("jp")
