"""The cold-chain bands and the excursion rule are label data: a malformed entry is refused at load,
naming the file and the field; the freezer's numbers are [storage]'s, never written twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from tvec.knowledge import KnowledgeError, load_label, load_label_file
from tvec.knowledge.rulebook import label_sections

DATA = Path(__file__).parents[2] / "src/tvec/knowledge/data"
US_TEXT = (DATA / "labels/us.toml").read_text(encoding="utf-8")
FREEZER = '[[storage_locations]]\nlocation = "freezer"\nband = "frozen"\n'
FRIDGE_NUMBERS = "min_c = 2\nmax_c = 8\n"
EXCURSIONS = "[excursions]\nmin_duration_minutes = 0\n"


def replaced(old: str, new: str) -> str:
    assert US_TEXT.count(old) == 1, old
    return US_TEXT.replace(old, new)


def make_refusal(tmp_path: Path, text: str) -> KnowledgeError:
    path = tmp_path / "label.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as refused:
        load_label_file(path)
    assert str(refused.value).startswith(f"{path}: ")
    return refused.value


def storage_table() -> str:
    start = US_TEXT.index("[storage]\n")
    return US_TEXT[start : US_TEXT.index("\n\n", start) + 1]


@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        pytest.param(
            replaced(FREEZER, FREEZER + "min_c = -80\n"),
            "storage_locations.0",
            "the frozen band's °C and source are [storage]'s",
            id="the frozen range written a second time",
        ),
        pytest.param(
            replaced(FRIDGE_NUMBERS, "min_c = 2\n"),
            "storage_locations.1",
            "needs min_c, max_c and source",
            id="a fridge band without its upper end",
        ),
        pytest.param(
            replaced(FRIDGE_NUMBERS, "min_c = 8\nmax_c = 2\n"),
            "storage_locations.1",
            "max_c must be above min_c",
            id="a fridge band upside down",
        ),
        pytest.param(
            replaced(FRIDGE_NUMBERS, 'min_c = 2\nmax_c = "nan"\n'),
            "storage_locations.1.max_c",
            "finite number",
            id="a band end that is not a number",
        ),
        pytest.param(
            replaced('"fridge"\nband = "refrigerated"', '"fridge"\nband = "cellar"'),
            "storage_locations.1.band",
            "names no band",
            id="a band no stability limit has",
        ),
        pytest.param(
            replaced('location = "fridge"', 'location = "freezer"'),
            "storage_locations.1.location",
            "is given twice",
            id="one location twice",
        ),
        pytest.param(
            replaced('location = "fridge"', 'location = "cellar"'),
            "storage_locations.1.location",
            "Input should be 'freezer' or 'fridge'",
            id="an unknown kind of location",
        ),
        pytest.param(
            replaced(EXCURSIONS, "[excursions]\nmin_duration_minutes = -1\n"),
            "excursions.min_duration_minutes",
            "greater than or equal to 0",
            id="a negative minimum excursion",
        ),
        pytest.param(
            replaced(EXCURSIONS, "[no_excursions]\nmin_duration_minutes = 0\n"),
            "no_excursions",
            "Extra inputs are not permitted",
            id="the excursion rule misnamed",
        ),
        pytest.param(
            replaced(storage_table(), ""),
            "storage_locations.0.band",
            "'frozen' needs a [storage] table",
            id="a frozen band without the storage range",
        ),
    ],
)
def test_a_malformed_cold_chain_entry_is_refused_at_load(
    tmp_path: Path, text: str, field: str, problem: str
) -> None:
    refused = make_refusal(tmp_path, text)
    assert refused.field == field
    assert problem in refused.problem


def test_storage_bands_need_an_excursion_rule(tmp_path: Path) -> None:
    start = US_TEXT.index(EXCURSIONS)
    end = US_TEXT.index("\n\n", start)
    refused = make_refusal(tmp_path, US_TEXT[:start] + US_TEXT[end + 2 :])
    assert (refused.field, refused.problem) == ("excursions", "is required with storage_locations")


def test_a_label_without_cold_chain_entries_loads(tmp_path: Path) -> None:
    start = US_TEXT.index(FREEZER)
    end = US_TEXT.index("\n\n", US_TEXT.index(EXCURSIONS))
    path = tmp_path / "label.toml"
    path.write_text(US_TEXT[:start] + US_TEXT[end + 2 :], encoding="utf-8")
    label = load_label_file(path)
    assert (label.storage_bands, label.excursions) == ((), None)
    storage = next(s for s in label_sections(label) if s.title == "Storage and thawing")
    assert not any("band" in row[0] for row in storage.rows)


def test_the_rules_page_shows_each_band_and_the_excursion_rule_with_sources() -> None:
    storage = next(s for s in label_sections(load_label("us")) if s.title == "Storage and thawing")
    rows = {row[0]: row for row in storage.rows}
    assert rows["freezer band"][1:] == (
        "−90 °C to −70 °C",
        "Manufacturer's HCP site (IMLYGIC, Amgen): storage",
    )
    assert rows["fridge band"][1] == "2 °C to 8 °C"
    assert "any reading out of band" in rows["temperature excursion"][1]
    assert rows["temperature excursion"][2].startswith("tvec's ruling")


def test_a_minimum_excursion_duration_is_shown_in_minutes(tmp_path: Path) -> None:
    path = tmp_path / "label.toml"
    path.write_text(replaced(EXCURSIONS, "[excursions]\nmin_duration_minutes = 15\n"), "utf-8")
    storage = next(
        s for s in label_sections(load_label_file(path)) if s.title == "Storage and thawing"
    )
    rows = {row[0]: row for row in storage.rows}
    assert rows["temperature excursion"][1].startswith("out of band for at least 15 min")
