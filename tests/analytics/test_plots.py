"""Report figures (`tvec.reports.figures`): valid SVG with the expected bars, marks and text."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from tvec.analytics.cohort import Cohort, CohortResponses, Columns
from tvec.analytics.intervals import Interval
from tvec.analytics.proportions import proportion
from tvec.analytics.survival import kaplan_meier, number_at_risk
from tvec.knowledge import load_criteria
from tvec.knowledge.trials import load_trial
from tvec.reports.figures import (
    drr_chart_svg,
    forest_svg,
    km_figure,
    km_svg,
    save_figure,
    swimmer_svg,
    waterfall_svg,
)
from tvec.reports.shaping import ForestRow, even_selection, swimmer_selection

SVG = "{http://www.w3.org/2000/svg}"
CRITERIA = load_criteria("modified-who")


def parse(svg: str) -> ET.Element:
    """The SVG root, checked to be well-formed, labelled and free of external references."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label")
    assert "http://" not in re.sub(r'xmlns(:\w+)?="[^"]*"', "", svg)  # nothing fetched
    return root


def ids(root: ET.Element, pattern: str) -> list[str]:
    return [e.get("id", "") for e in root.iter() if re.search(pattern, e.get("id", ""))]


def texts(root: ET.Element) -> list[str]:
    return [e.text or "" for e in root.iter(f"{SVG}text")]


def cohort(n: int, responders: int, seed: int = 1) -> tuple[Cohort, CohortResponses]:
    """Patients only (the swimmer plot reads no lesion); the first `responders` responded."""
    rng = np.random.default_rng(seed)
    responded = np.arange(n) < responders
    onset = np.where(responded, rng.integers(28, 200, n), np.nan)
    duration = np.where(responded, rng.integers(30, 600, n), np.nan)
    last = rng.integers(60, 900, n)
    empty = np.zeros(0, np.int64)
    patients = {
        "patient_id": np.arange(1, n + 1),
        "arm": np.where(np.arange(n) % 3 == 2, "GM-CSF", "T-VEC"),
        "stage": np.full(n, "IIIB"),
        "line": np.full(n, "first"),
        "age": np.full(n, 60),
        "start_date": np.full(n, np.datetime64("2024-01-01", "D")),
        "os_days": last + rng.integers(0, 300, n),
        "os_event": rng.integers(0, 2, n),
    }
    lesions: Columns = {"patient_id": empty, "lesion_id": empty, "site": np.zeros(0, str)}
    lesions |= {"injected": np.zeros(0, bool), "first_day": empty}
    measurements: Columns = {"patient_id": empty, "lesion_id": empty, "day": empty}
    measurements |= {"longest_cm": np.zeros(0), "perpendicular_cm": np.zeros(0)}
    responses = CohortResponses(
        {
            "patient_id": patients["patient_id"],
            "best": np.where(responded, "PR", "SD"),
            "responded": responded,
            "time_to_response_days": onset,
            "duration_of_response_days": duration,
            "response_ongoing": responded & (np.arange(n) % 2 == 0),
            "durable": responded & (duration >= 183),
            "progression_day": np.where(np.arange(n) % 4 == 1, 300.0, np.nan),
            "last_assessment_day": last,
        }
    )
    return Cohort(patients, lesions, measurements), responses


# --- swimmer --------------------------------------------------------------------------------------


def test_swimmer_draws_one_bar_per_responder() -> None:
    data, responses = cohort(30, 12)
    root = parse(swimmer_svg(data, responses))
    assert len(ids(root, r"swimmer-bar-\d+$")) == 12
    assert "12 of 12 responders shown" in texts(root)
    assert {"response onset", "durable response", "progression (PD)"} <= set(texts(root))


def test_swimmer_is_capped_for_large_cohorts_with_a_note() -> None:
    data, responses = cohort(3000, 900)
    selection = swimmer_selection(data, responses, max_patients=40)
    assert selection.responders == 900
    assert selection.rows.size == 40
    assert bool(np.all(responses.columns["responded"][selection.rows]))
    root = parse(swimmer_svg(data, responses, max_patients=40))
    assert len(ids(root, r"swimmer-bar-\d+$")) == 40
    assert "40 of 900 responders shown (evenly spaced by follow-up)" in texts(root)


def test_swimmer_without_responders_says_so() -> None:
    data, responses = cohort(10, 0)
    root = parse(swimmer_svg(data, responses))
    assert ids(root, r"swimmer-bar-\d+$") == []
    assert "no responders in this cohort" in texts(root)


def test_even_selection_keeps_the_ends_and_never_repeats() -> None:
    assert even_selection(5, 10).tolist() == [0, 1, 2, 3, 4]
    picked = even_selection(1000, 7)
    assert picked.tolist() == sorted(set(picked.tolist()))
    assert (picked[0], picked[-1], picked.size) == (0, 999, 7)


# --- waterfall ------------------------------------------------------------------------------------


def test_waterfall_has_one_bar_per_evaluable_value_with_the_criteria_thresholds() -> None:
    change = np.array([-100.0, -60.0, np.nan, -10.0, 30.0, 250.0])
    best = np.array(["CR", "PR", "NE", "SD", "PD", "PD"])
    root = parse(waterfall_svg(change, CRITERIA, best))
    assert len(ids(root, r"waterfall-bar-\d+$")) == 5
    words = texts(root)
    assert "PR threshold -50%" in words
    assert "PD threshold +25%" in words
    assert any("5 of 5 evaluable patients shown" in w and "+100%" in w for w in words)


def test_waterfall_per_lesion_is_capped_and_coloured_by_threshold() -> None:
    change = np.linspace(-100, 80, 2000)
    root = parse(waterfall_svg(change, CRITERIA, unit="lesion", max_bars=300))
    assert len(ids(root, r"waterfall-bar-\d+$")) == 300
    assert any("300 of 2000 evaluable lesions shown" in w for w in texts(root))
    assert "≤ -50%" in texts(root)


# --- Kaplan–Meier ---------------------------------------------------------------------------------


def test_km_plot_has_a_curve_per_arm_and_the_numbers_at_risk_under_the_axis() -> None:
    rng = np.random.default_rng(3)
    curves = {
        "T-VEC": kaplan_meier(rng.exponential(20, 200), rng.random(200) < 0.7),
        "GM-CSF": kaplan_meier(rng.exponential(12, 100), rng.random(100) < 0.7),
    }
    times = [0.0, 6.0, 12.0, 18.0, 24.0]
    root = parse(km_svg(curves, "Overall survival", times=times))
    words = texts(root)
    assert {"T-VEC", "GM-CSF", "number at risk", "Overall survival"} <= set(words)
    for row, curve in enumerate(curves.values()):
        expected = number_at_risk(curve, times).tolist()
        shown = []
        for t in times:
            (group,) = [
                e
                for e in root.iter()
                if e.get("id", "").endswith(f"at-risk-{row}-{round(t * 1000)}")
            ]
            shown.append(int(next(group.iter(f"{SVG}text")).text or ""))
        assert shown == expected
    assert shown[0] == 100


def test_km_default_times_step_with_the_follow_up() -> None:
    short = {"T-VEC": kaplan_meier([1.0, 5.0, 20.0], [1, 0, 1])}
    root = parse(km_svg(short, "Short"))
    assert len(ids(root, r"at-risk-0-\d+$")) == 7  # every 3 months to 18


# --- forest ---------------------------------------------------------------------------------------


def test_forest_plot_marks_every_estimable_row_and_names_the_others() -> None:
    rows = [
        ForestRow("All patients", 7.6, Interval(2.4, 24.1), "48/295 vs 3/141", summary=True),
        ForestRow("stage IIIB", 3.2, Interval(1.5, 7.0), "43/266 vs 7/140"),
        ForestRow("stage IVM1c", None, None, "10/80 vs 0/40"),
    ]
    root = parse(forest_svg(rows))
    assert len(ids(root, r"forest-point-\d+$")) == 2
    words = texts(root)
    assert "not estimable" in words
    assert "7.60 (2.40–24.10)" in words
    assert {"All patients", "stage IIIB", "stage IVM1c", "48/295 vs 3/141"} <= set(words)
    assert "relative risk (log scale)" in words


def test_forest_plot_of_rates_uses_a_linear_scale() -> None:
    rows = [ForestRow("All patients", 20.0, Interval(15.0, 26.0), "40/200", summary=True)]
    root = parse(forest_svg(rows, xlabel="DRR (%)", estimate_header="DRR %", log_scale=False))
    assert "20.0 (15.0–26.0)" in texts(root)


# --- DRR against the trial ------------------------------------------------------------------------


def test_drr_chart_puts_each_arm_next_to_the_published_trial() -> None:
    arms = {"T-VEC": proportion(60, 300), "GM-CSF": proportion(4, 150)}
    root = parse(drr_chart_svg(arms, load_trial("optim")))
    assert len(ids(root, r"drr-bar-this-cohort-")) == 2
    assert len(ids(root, r"drr-bar-optim-published-")) == 2
    words = " ".join(texts(root))
    for text in ("48/295", "3/141", "60/300", "4/150", "OPTiM (published)", "this cohort"):
        assert text in words


def test_a_single_arm_cohort_is_shown_against_both_trial_arms() -> None:
    root = parse(drr_chart_svg({"T-VEC": proportion(9, 40)}, load_trial("optim")))
    assert len(ids(root, r"drr-bar-this-cohort-")) == 1
    assert len(ids(root, r"drr-bar-optim-published-")) == 2


# --- plumbing -------------------------------------------------------------------------------------


def test_ids_are_prefixed_so_figures_can_share_a_page() -> None:
    curve = {"T-VEC": kaplan_meier([1.0, 2.0, 3.0], [1, 1, 0])}
    one, two = km_svg(curve, "Overall survival"), km_svg(curve, "Progression-free survival")
    first, second = set(ids(parse(one), ".")), set(ids(parse(two), "."))
    assert first
    assert second
    assert not first & second
    references = re.findall(r"url\(#([^)]+)\)", one)
    assert references
    assert set(references) <= first


@pytest.mark.parametrize(("suffix", "magic"), [("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_figures_are_written_as_png_and_pdf(tmp_path: Path, suffix: str, magic: bytes) -> None:
    path = tmp_path / f"km.{suffix}"
    save_figure(km_figure({"T-VEC": kaplan_meier([1.0, 2.0], [1, 0])}, "OS"), path)
    assert path.read_bytes().startswith(magic)


def test_a_registrys_curve_is_drawn_with_at_most_max_steps_of_its_own_points() -> None:
    from tvec.reports.figures.survival import MAX_STEPS, drawn_steps

    rng = np.random.default_rng(3)
    days = rng.integers(1, 3000, 20_000).astype(np.float64)
    curve = kaplan_meier(days / 30.4375, (rng.random(days.size) < 0.7).astype(int))
    keep = drawn_steps(curve.time)
    assert curve.time.size > MAX_STEPS
    assert MAX_STEPS / 2 <= keep.size <= MAX_STEPS + 1
    assert keep[0] == 0
    assert keep[-1] == curve.time.size - 1  # the curve ends where it ends
    assert np.all(np.diff(keep) > 0)
    span = curve.time[-1] - curve.time[0]
    gaps = np.diff(curve.time[keep])
    assert gaps.max() <= 2 * span / MAX_STEPS + np.diff(curve.time).max()
    small = kaplan_meier([1.0, 2.0, 3.0], [1, 0, 1])
    assert drawn_steps(small.time).tolist() == [0, 1, 2]  # a small cohort: every step
