"""The synthetic registry's calibration targets (knowledge data): sourced, and the same figures
as the trial's published counts where both hold them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tvec.knowledge.calibration import (
    available_calibrations,
    load_calibration,
    load_calibration_file,
)
from tvec.knowledge.loader import KnowledgeError
from tvec.knowledge.trials import load_trial


def test_every_target_names_its_source_and_a_tolerance_or_a_direction() -> None:
    calibration = load_calibration("optim")
    assert "optim" in available_calibrations()
    for target in calibration.targets:
        assert target.source.strip()
        if target.number is None:
            assert target.direction
            assert not target.tolerance
        else:
            assert target.within is not None
            assert target.within > 0


def test_rates_are_the_published_counts() -> None:
    trial, calibration = load_trial("optim"), load_calibration("optim")
    sub = trial.eu_subgroup

    def value(key: str) -> float:
        number = calibration.target(key).number
        assert number is not None
        return number

    tvec, gmcsf = trial.arm("T-VEC"), trial.arm("GM-CSF")
    assert value("drr-tvec") == round(tvec.durable_responders / tvec.n, 3)
    assert value("drr-gmcsf") == round(gmcsf.durable_responders / gmcsf.n, 3)
    assert value("orr-tvec") == float(tvec.objective_response_pct) / 100
    assert value("drr-nonvisceral-tvec") == round(sub.tvec_durable_responders / sub.tvec_n, 3)
    assert value("drr-nonvisceral-gmcsf") == round(sub.gmcsf_durable_responders / sub.gmcsf_n, 3)
    rest_tvec = (tvec.durable_responders - sub.tvec_durable_responders) / (tvec.n - sub.tvec_n)
    rest_gmcsf = (gmcsf.durable_responders - sub.gmcsf_durable_responders) / (gmcsf.n - sub.gmcsf_n)
    assert value("drr-visceral-tvec") == round(rest_tvec, 3)
    assert value("drr-visceral-gmcsf") == round(rest_gmcsf, 3)
    assert value("ttr-median-tvec") == float(trial.comparison.median_time_to_response_months)
    low, high = trial.comparison.time_to_response_range_months
    assert (value("ttr-min-tvec"), value("ttr-max-tvec")) == (float(low), float(high))


def test_the_line_of_therapy_is_a_direction_only() -> None:
    target = load_calibration("optim").target("drr-first-vs-later-tvec")
    assert target.number is None
    assert "5.01.562" in target.source


def test_a_target_without_value_or_direction_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        'trial = "x"\ntitle = "x"\n[[targets]]\nkey = "k"\nwhat = "w"\nvalue = ""\n'
        'tolerance = ""\nsource = "s"\n',
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError, match="direction"):
        load_calibration_file(path)


def test_an_unknown_target_is_refused_by_name() -> None:
    with pytest.raises(KnowledgeError, match="no target"):
        load_calibration("optim").target("nope")


def test_two_targets_with_one_key_are_refused(tmp_path: Path) -> None:
    target = '[[targets]]\nkey = "k"\nwhat = "w"\nvalue = "0.5"\ntolerance = "0.1"\nsource = "s"\n'
    path = tmp_path / "twice.toml"
    path.write_text('trial = "x"\ntitle = "x"\n' + target + target, encoding="utf-8")
    with pytest.raises(KnowledgeError, match="unique"):
        load_calibration_file(path)
