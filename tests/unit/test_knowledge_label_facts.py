"""Lot overrides may only shorten the label's limits; the label facts the clinic must know are data,
each with its source, and shown on the rules page."""

from dataclasses import replace
from pathlib import Path

import pytest

from tvec.knowledge import KnowledgeError, load_criteria, load_label, load_label_file
from tvec.knowledge.rulebook import (
    all_rules_markdown,
    label_sections,
    rules_markdown,
    trial_section,
)
from tvec.knowledge.trials import load_trial, load_trial_file

DATA = Path(__file__).parents[2] / "src/tvec/knowledge/data"
US_TEXT = (DATA / "labels/us.toml").read_text(encoding="utf-8")


def with_lot(tmp_path: Path, pfu: str, container: str, band: str, hours: str) -> Path:
    lot = (
        f'\n[[lot_overrides]]\nlot = "LOT-X"\npfu_per_ml = {pfu}\ncontainer = "{container}"\n'
        f'temperature_band = "{band}"\nmax_hours = "{hours}"\nsource = "regulator letter"\n'
    )
    path = tmp_path / "us-with-lot.toml"
    path.write_text(US_TEXT.replace("lot_overrides = []\n", "") + lot, encoding="utf-8")
    return path


def test_a_lot_override_as_long_as_the_label_limit_is_accepted(tmp_path: Path) -> None:
    label = load_label_file(with_lot(tmp_path, "1_000_000", "vial", "refrigerated", "24"))
    assert [o.max_hours for o in label.lot_overrides] == [24]


@pytest.mark.parametrize(
    ("pfu", "container", "band", "hours", "field", "problem"),
    [
        pytest.param(
            "1_000_000",
            "vial",
            "refrigerated",
            "30",
            "lot_overrides.0.max_hours",
            "30 h is longer than the label's 24 h",
            id="longer than the label's 24 h for a thawed 10^6 vial",
        ),
        pytest.param(
            "100_000_000",
            "syringe",
            "room",
            "4.5",
            "lot_overrides.0.max_hours",
            "may only shorten the label's limit",
            id="longer than the label's 4 h for a 10^8 syringe at room temperature",
        ),
        pytest.param(
            "10_000_000",
            "vial",
            "refrigerated",
            "12",
            "lot_overrides.0.pfu_per_ml",
            "names no strength",
            id="a strength the label lacks",
        ),
        pytest.param(
            "1_000_000",
            "vial",
            "freezer",
            "12",
            "lot_overrides.0.temperature_band",
            "the label has no vial limit at 'freezer'",
            id="a temperature band the label has no limit for",
        ),
    ],
)
def test_a_lot_override_that_does_not_shorten_a_label_limit_is_refused_at_load(
    tmp_path: Path, pfu: str, container: str, band: str, hours: str, field: str, problem: str
) -> None:
    path = with_lot(tmp_path, pfu, container, band, hours)
    with pytest.raises(KnowledgeError) as caught:
        load_label_file(path)
    assert (caught.value.path, caught.value.field) == (str(path), field)
    assert problem in caught.value.problem
    assert str(path) in str(caught.value)
    assert field in str(caught.value)


def test_a_storage_range_upside_down_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "label.toml"
    path.write_text(US_TEXT.replace("frozen_max_c = -70", "frozen_max_c = -95"), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"storage: .*frozen_max_c must be above"):
        load_label_file(path)


def test_trial_arms_must_add_up_to_the_patients_randomised(tmp_path: Path) -> None:
    text = (DATA / "trials/optim.toml").read_text(encoding="utf-8")
    path = tmp_path / "optim.toml"
    path.write_text(text.replace("patients = 436", "patients = 437"), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="arms' n must add up to patients"):
        load_trial_file(path)


# fact on the rules page -> the source named next to it
RULES_PAGE_FACTS = [
    ("visible, palpable or detectable by ultrasound", "USPI §2.1"),
    ("immunocompromised or pregnant staff must not prepare or administer", "USPI §5"),
    ("report suspected herpetic lesions to the manufacturer", "USPI §5"),
    ("Acyclovir and other antivirals may interfere", "USPI §5"),
    ("necrosis, ulceration, cellulitis", "USPI §5"),
    ("vitiligo, vasculitis, pneumonitis", "USPI §5"),
    ("Plasmacytoma near the injection site", "USPI §5"),
    ("not indicated for the transcutaneous intrahepatic route", "added June 2022"),
    ("patient alert card", "SmPC §4.2; EMA, EPAR summary for the public, Imlygic"),
    ("trade name (Imlygic) and the batch (lot) number", "EU and Swiss labels"),
    ("−90 °C to −70 °C", "Manufacturer's HCP site"),
    ("up to 96 h after sealing", "Manufacturer's HCP site"),
    ("about 30 min", "drug monographs"),
    ("| refreeze | never |", "a thawed vial is never returned to the freezer"),
    ("whole: a part unit is rounded up", "First Coast, 'units of service'"),
    ("CPT 96405", "IMLYGIC billing guide"),
    ("CPT 96406", "IMLYGIC billing guide"),
    ("CPT 76942", "IMLYGIC billing guide"),
    ("| 2023-10-01 |", "may be returned as unprocessable from 1 Oct 2023"),
    ("| patients randomised | 436 (T-VEC 295, GM-CSF 141) |", "EMA, EPAR summary"),
    ("| adverse reaction: fatigue | 50% vs 36% (T-VEC vs GM-CSF) |", "5.01.562"),
    ("| adverse reaction: chills | 49% vs 9%", "5.01.562"),
    ("| adverse reaction: injection-site pain | 28% vs 6%", "5.01.562"),
]


@pytest.mark.parametrize(("fact", "source"), RULES_PAGE_FACTS)
def test_the_rules_page_shows_each_label_fact_with_its_source(fact: str, source: str) -> None:
    rows = [line for line in all_rules_markdown().splitlines() if fact in line]
    assert rows, fact
    assert any(source in row for row in rows), rows


def test_the_rules_page_cites_documents_never_seed_files_or_issues() -> None:
    text = all_rules_markdown()
    for internal in ("seed 0", "seeds 0", "issue #", "fact sheet"):
        assert internal not in text


def test_a_label_without_these_facts_shows_no_empty_sections() -> None:
    us = load_label("us")
    assert us.billing is not None
    bare = replace(
        us,
        injectable_lesion=None,
        warnings=(),
        handling=(),
        storage=None,
        billing=replace(
            us.billing,
            modifier_required_from=None,
            claims_returned_from=None,
            administration_codes=(),
        ),
    )
    titles = [s.title for s in label_sections(bare)]
    for gone in ("Injectable lesion", "Warnings and precautions", "At every administration"):
        assert gone not in titles
    assert "Storage and thawing" not in titles
    billing = next(s for s in label_sections(bare) if s.title == "Billing")
    assert [row[0] for row in billing.rows if "returned" in row[0] or "CPT" in row[0]] == []


def test_the_pivotal_trial_section_names_the_trial() -> None:
    section = trial_section(load_trial("optim"))
    assert section.title.startswith("Pivotal trial: OPTiM")


def test_a_rules_page_without_trials_has_no_trial_heading() -> None:
    page = rules_markdown([load_label("eu")], [load_criteria("who")])
    assert "Published trial figures" not in page
    assert "patient alert card" in page
