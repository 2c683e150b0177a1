"""The cross-table rules of a label file and the published trial figures.

A label edit that a schema alone cannot catch (a visit kind twice or not at all, an interval on the
first dose, a stability limit or a visit for a strength the label does not have, volume bands that
do not tile 0 cm to no upper limit) is refused at load, naming the file and the table.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tvec.knowledge import KnowledgeError, load_label_file
from tvec.knowledge.trials import available_trials, load_trial, load_trial_file

DATA = Path(__file__).parents[2] / "src/tvec/knowledge/data"
US_TEXT = (DATA / "labels/us.toml").read_text(encoding="utf-8")
TOP_BAND = '[[volume_bands]]\nabove_cm = "5"\nmax_volume_ml = "4"'
LOWEST_BAND = '[[volume_bands]]\nup_to_cm = "0.5"\nmax_volume_ml = "0.1"'
REINITIATION = 'kind = "reinitiation"'
FIRST_LIMIT = (
    '[[stability]]\npfu_per_ml = 1_000_000\ncontainer = "vial"\ntemperature_band = "refrigerated"'
)


def make_refusal(tmp_path: Path, text: str) -> KnowledgeError:
    path = tmp_path / "label.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as refused:
        load_label_file(path)
    assert str(refused.value).startswith(f"{path}: {refused.value.field}: ")
    return refused.value


def replaced(old: str, new: str) -> str:
    assert US_TEXT.count(old) == 1, old
    return US_TEXT.replace(old, new)


@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        pytest.param(
            replaced(REINITIATION, 'kind = "subsequent"'),
            "visits",
            "needs exactly one row for kind 'subsequent'",
            id="a kind twice",
        ),
        pytest.param(
            replaced('kind = "initial"\n', 'kind = "initial"\ninterval_days = 7\n'),
            "visits.initial.interval_days",
            "the first dose has no interval",
            id="an interval before the first dose",
        ),
        pytest.param(
            replaced(FIRST_LIMIT, FIRST_LIMIT.replace("1_000_000", "10_000_000")),
            "stability.0.pfu_per_ml",
            "names no strength",
            id="a stability limit for a strength not on the label",
        ),
        pytest.param(
            replaced(
                LOWEST_BAND,
                '[[volume_bands]]\nabove_cm = "0.1"\nup_to_cm = "0.5"\nmax_volume_ml = "0.1"',
            ),
            "volume_bands",
            "the lowest band must start at 0 cm",
            id="no band for the smallest lesions",
        ),
        pytest.param(
            replaced(
                TOP_BAND, '[[volume_bands]]\nabove_cm = "5"\nup_to_cm = "30"\nmax_volume_ml = "4"'
            ),
            "volume_bands",
            "the top band must have no upper limit",
            id="no band for the largest lesions",
        ),
        pytest.param(
            replaced(TOP_BAND, '[[volume_bands]]\nmax_volume_ml = "4"'),
            "volume_bands.0",
            "Value error, a band needs above_cm, up_to_cm or both",
            id="a band with no bounds",
        ),
        pytest.param(
            replaced(
                TOP_BAND, '[[volume_bands]]\nabove_cm = "5"\nup_to_cm = "5"\nmax_volume_ml = "4"'
            ),
            "volume_bands.0",
            "Value error, up_to_cm must be greater than above_cm",
            id="an empty band",
        ),
        pytest.param(
            replaced('criteria = "modified-who"', 'criteria = "recist"'),
            "reinitiation.criteria",
            "names no response criteria on file (known: ['modified-who', 'who'])",
            id="a re-initiation decided by criteria not on file",
        ),
    ],
)
def test_a_label_whose_tables_disagree_is_refused_at_load(
    tmp_path: Path, text: str, field: str, problem: str
) -> None:
    refused = make_refusal(tmp_path, text)
    assert (refused.field, refused.problem) == (field, problem)


def test_a_missing_label_file_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(KnowledgeError) as refused:
        load_label_file(path)
    assert (refused.value.path, refused.value.field, refused.value.problem) == (
        str(path),
        "(file)",
        "not found",
    )


def test_optim_is_on_file_with_both_arms_as_published() -> None:
    assert available_trials() == ["optim"]
    optim = load_trial("optim")
    assert optim.criteria == "modified-who"
    tvec, gm_csf = optim.arm("T-VEC"), optim.arm("GM-CSF")
    assert (tvec.objective_response_pct, tvec.median_os_months) == ("26.4", "22.9")
    assert gm_csf.complete_response_pct == "<1"  # kept verbatim, as published
    assert optim.comparison.drr_relative_risk == "7.6"
    assert all(part.source.strip() for part in [*optim.arms, optim.comparison, optim.eu_subgroup])


def test_an_arm_the_trial_does_not_have_is_refused_naming_the_trial() -> None:
    with pytest.raises(KnowledgeError) as refused:
        load_trial("optim").arm("placebo")
    assert (refused.value.path, refused.value.field) == ("trials/optim", "arms")
    assert refused.value.problem == "no arm named 'placebo'"


def test_a_trial_file_with_an_unknown_field_is_refused(tmp_path: Path) -> None:
    text = (DATA / "trials/optim.toml").read_text(encoding="utf-8")
    path = tmp_path / "optim.toml"
    path.write_text(
        text.replace('criteria = "modified-who"', 'criteria = "modified-who"\nphase = 3')
    )
    with pytest.raises(KnowledgeError) as refused:
        load_trial_file(path)
    assert refused.value.field == "phase"
