"""The registry benchmark's two pipelines agree (its correctness guarantee; timing is not tested).

`benchmarks/registry.py` compares tvec (vectorised response engine, own statistics) with pandas +
statsmodels + lifelines. Here both run in-process on a small synthetic registry and every number
they both report must agree to 1e-8 relative, and every patient's results exactly.
"""

from __future__ import annotations

from importlib.metadata import version

import pytest
from benchmarks.registry import (
    GOAL_RELATIVE,
    PER_PATIENT,
    compare,
    reference_pipeline,
    report,
    tvec_pipeline,
)

from tvec.analytics.synth import synthesize
from tvec.knowledge import load_criteria


@pytest.mark.parametrize("criteria_name", ["modified-who", "who"])
def test_tvec_and_the_pandas_lifelines_reference_agree(criteria_name: str) -> None:
    cohort = synthesize(3000, 5)
    criteria = load_criteria(criteria_name)
    ours = tvec_pipeline(cohort, criteria)
    reference = reference_pipeline(cohort, criteria)
    agreement = compare(ours, reference)
    assert agreement.unmatched == ()
    assert agreement.series >= 30  # rates per arm and cell, RR, KM, medians, log-rank, Cox
    assert agreement.max_rel <= GOAL_RELATIVE, (agreement.max_rel, agreement.max_rel_at)
    assert agreement.patients_differing == 0
    assert agreement.within
    best = ours.patients["best"]
    assert {"CR", "PR", "SD", "PD"} <= set(best.tolist())  # the cohort exercises every category
    assert set(PER_PATIENT) <= set(reference.patients)


def test_the_report_names_the_baseline_and_every_stage() -> None:
    cohort = synthesize(300, 6)
    criteria = load_criteria("modified-who")
    ours = tvec_pipeline(cohort, criteria)
    text = "\n".join(report(cohort, 0.1, ours, reference_pipeline(cohort, criteria), seed=6))
    # the versions actually installed (pyproject allows a range), not a pinned string
    assert f"reference: pandas {version('pandas')} + lifelines {version('lifelines')}" in text
    for stage in ours.seconds:
        assert stage in text
    assert "largest relative difference" in text
