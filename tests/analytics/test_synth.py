"""`tvec.analytics.synth`: the synthetic registry obeys the cohort contract and the response rules.

Every synthetic patient goes through the domain response engine (modified WHO) without an error,
and the engine's durable and objective response rates on a large cohort land near the figures the
simulation is calibrated to (docs/synth.md), which are the pivotal trial's (clinical-facts §7).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter

from tvec.analytics.cohort import (
    ARMS,
    END_REASONS,
    LESION_COLUMNS,
    LINES,
    MEASUREMENT_COLUMNS,
    OPTIONAL_PATIENT_COLUMNS,
    PATIENT_COLUMNS,
    SEXES,
    SITES,
    STAGES,
    Cohort,
)
from tvec.analytics.synth import ASSUMPTIONS, synthesize
from tvec.domain.response import (
    Category,
    DurableStatus,
    Measurement,
    ResponseAssessment,
    assess_response,
)
from tvec.domain.rules import Site
from tvec.knowledge import load_criteria
from tvec.knowledge.trials import load_trial

DTYPE_KINDS = {
    **dict.fromkeys(("patient_id", "lesion_id", "age", "os_days", "os_event"), "i"),
    **dict.fromkeys(("first_day", "day"), "i"),
    **dict.fromkeys(("arm", "stage", "line", "site"), "U"),
    "start_date": "M",
    "injected": "b",
    **dict.fromkeys(("longest_cm", "perpendicular_cm"), "f"),
    **dict.fromkeys(("ecog", "courses", "visits", "vials_thawed", "vials_discarded"), "i"),
    **dict.fromkeys(("treatment_days", "reinitiations"), "i"),
    **dict.fromkeys(("volume_ml", "pfu"), "f"),
    **dict.fromkeys(("sex", "end_reason"), "U"),
}
CHOICES = {
    "arm": ARMS,
    "stage": STAGES,
    "line": LINES,
    "site": SITES,
    "sex": SEXES,
    "end_reason": ("", *END_REASONS),
}


# --- helpers: the cohort as the domain engine sees it --------------------------------------------


def make_patient_measurements(cohort: Cohort) -> list[tuple[dt.date, list[Measurement]]]:
    """Each patient's start date and measurements as the domain engine takes them."""
    lesions = cohort.lesions
    info = {
        (int(p), int(lid)): (Site(str(site)), bool(injected))
        for p, lid, site, injected in zip(
            lesions["patient_id"],
            lesions["lesion_id"],
            lesions["site"],
            lesions["injected"],
            strict=True,
        )
    }
    m = cohort.measurements
    ids = cohort.patients["patient_id"]
    bounds = np.searchsorted(m["patient_id"], np.append(ids, ids[-1] + 1)).tolist()
    columns = [m[c].tolist() for c in MEASUREMENT_COLUMNS]
    out = []
    for k, start in enumerate(cohort.patients["start_date"].tolist()):
        rows = []
        for i in range(bounds[k], bounds[k + 1]):
            pid, lid, day, longest, perpendicular = (c[i] for c in columns)
            site, injected = info[pid, lid]
            rows.append(
                Measurement(
                    day=start + dt.timedelta(days=day),
                    lesion_id=str(lid),
                    longest_cm=Decimal(f"{longest:.1f}"),
                    perpendicular_cm=Decimal(f"{perpendicular:.1f}"),
                    site=site,
                    injected=injected,
                    row=i,
                )
            )
        out.append((start, rows))
    return out


def make_assessments(cohort: Cohort) -> list[ResponseAssessment]:
    criteria = load_criteria("modified-who")
    return [
        assess_response(criteria, start, rows) for start, rows in make_patient_measurements(cohort)
    ]


def rates(results: list[ResponseAssessment]) -> dict[str, float]:
    """Durable response rate, objective response rate, CR and PR rates."""
    best = [r.best_overall_response for r in results]
    n = len(results)
    return {
        "DRR": sum(r.durable_response is DurableStatus.YES for r in results) / n,
        "ORR": sum(b in (Category.CR, Category.PR) for b in best) / n,
        "CR": best.count(Category.CR) / n,
        "PR": best.count(Category.PR) / n,
    }


def assert_same(a: Cohort, b: Cohort) -> None:
    for x, y in (
        (a.patients, b.patients),
        (a.lesions, b.lesions),
        (a.measurements, b.measurements),
    ):
        assert list(x) == list(y)
        for name in x:
            assert x[name].dtype == y[name].dtype, name
            np.testing.assert_array_equal(x[name], y[name], err_msg=name)


def assert_follows_the_registry_format(cohort: Cohort) -> None:
    """Every rule of docs/registry-format.md and docs/synth.md, checked on whole columns."""
    p, les, m = cohort.patients, cohort.lesions, cohort.measurements
    patient_columns = PATIENT_COLUMNS + OPTIONAL_PATIENT_COLUMNS
    for table, columns in ((p, patient_columns), (les, LESION_COLUMNS), (m, MEASUREMENT_COLUMNS)):
        assert tuple(table) == columns
        for name in columns:
            assert table[name].dtype.kind == DTYPE_KINDS[name], name
            if name in CHOICES:
                assert np.isin(table[name], CHOICES[name]).all(), name
    tvec = p["arm"] == "T-VEC"
    for name in ("courses", "visits", "volume_ml", "pfu", "vials_thawed", "treatment_days"):
        assert (p[name][~tvec] == 0).all(), name  # no T-VEC in the GM-CSF arm
        assert (p[name] >= 0).all(), name
    assert (p["visits"][tvec] >= 1).all()
    assert (p["end_reason"][~tvec] == "").all()
    assert (p["courses"] == np.where(tvec, 1 + p["reinitiations"], 0)).all()
    assert p["start_date"].dtype == np.dtype("datetime64[D]")
    np.testing.assert_array_equal(p["patient_id"], np.arange(1, cohort.n_patients + 1))
    assert np.isin(p["os_event"], (0, 1)).all()
    assert (p["os_days"] >= 1).all()
    assert ((p["age"] >= 22) & (p["age"] <= 94)).all()
    assert_lesions_are_numbered_and_sited(cohort)
    assert_every_assessment_measures_every_known_lesion(cohort)
    assert_sizes_are_measurable(cohort)
    assert_disappeared_lesions_stay_gone(cohort)
    assert_follow_up_is_consistent(cohort)


def lesion_row(cohort: Cohort) -> np.ndarray:
    """For each measurement, its row in the lesions table (both sorted by patient, lesion)."""
    les, m = cohort.lesions, cohort.measurements
    key = les["patient_id"] * 100 + les["lesion_id"]
    assert (np.diff(key) > 0).all()
    row = np.searchsorted(key, m["patient_id"] * 100 + m["lesion_id"])
    np.testing.assert_array_equal(key[row], m["patient_id"] * 100 + m["lesion_id"])
    return row


def assert_lesions_are_numbered_and_sited(cohort: Cohort) -> None:
    les, p = cohort.lesions, cohort.patients
    first = np.r_[True, les["patient_id"][1:] != les["patient_id"][:-1]]
    np.testing.assert_array_equal(les["lesion_id"][first], 1)
    np.testing.assert_array_equal(np.diff(les["lesion_id"])[~first[1:]], 1)
    np.testing.assert_array_equal(np.unique(les["patient_id"]), p["patient_id"])
    # an injectable lesion 1, visceral lesions only in stage IVM1b/c, injection as the arm says
    assert (les["site"][first] != "visceral").all()
    stage = p["stage"][les["patient_id"] - 1]
    assert not ((les["site"] == "visceral") & ~np.isin(stage, ("IVM1b", "IVM1c"))).any()
    tvec = p["arm"][les["patient_id"] - 1] == "T-VEC"
    # injection only in the T-VEC arm, never visceral; lesion 1 always injected there, and some
    # non-visceral T-VEC lesions left uninjected (as in OPTiM's lesion-level analysis)
    assert not (les["injected"] & ~(tvec & (les["site"] != "visceral"))).any()
    np.testing.assert_array_equal(les["injected"][first], tvec[first])
    if len(les["injected"]) > 1_000:
        assert (tvec & (les["site"] != "visceral") & ~les["injected"]).any()


def assert_every_assessment_measures_every_known_lesion(cohort: Cohort) -> None:
    les, m = cohort.lesions, cohort.measurements
    pid, day, lid = m["patient_id"], m["day"], m["lesion_id"]
    order = np.lexsort((lid, day, pid))
    np.testing.assert_array_equal(order, np.arange(len(pid)))  # sorted by patient, day, lesion
    same_visit = (pid[1:] == pid[:-1]) & (day[1:] == day[:-1])
    assert (lid[1:][same_visit] > lid[:-1][same_visit]).all()  # each lesion once
    row = lesion_row(cohort)
    assert (day >= les["first_day"][row]).all()
    starts = np.nonzero(np.r_[True, ~same_visit])[0]
    measured = np.diff(np.r_[starts, len(pid)])
    known_key = np.sort(les["patient_id"] * 10_000 + les["first_day"])
    visit = pid[starts] * 10_000
    known = np.searchsorted(known_key, visit + day[starts], "right")
    known -= np.searchsorted(known_key, visit, "left")
    np.testing.assert_array_equal(measured, known)
    # every lesion is first measured on its first day (a new lesion at a later assessment)
    first_measured = np.full(len(les["patient_id"]), np.iinfo(np.int64).max)
    np.minimum.at(first_measured, row, day)
    np.testing.assert_array_equal(first_measured, les["first_day"])


def assert_sizes_are_measurable(cohort: Cohort) -> None:
    m = cohort.measurements
    longest, perpendicular = m["longest_cm"], m["perpendicular_cm"]
    for size in (longest, perpendicular):
        np.testing.assert_allclose(size * 10, np.rint(size * 10), atol=1e-9)
    assert (perpendicular <= longest).all()
    assert ((longest == 0) == (perpendicular == 0)).all()
    baseline = m["day"] == 0
    assert (longest[baseline] >= 0.3).all()
    assert (longest[baseline] <= 6.0).all()
    assert (perpendicular[baseline] >= 0.1).all()


def assert_disappeared_lesions_stay_gone(cohort: Cohort) -> None:
    """Once a lesion is 0 x 0 it is 0 x 0 at every later assessment; never 0 when first seen."""
    m = cohort.measurements
    row = lesion_row(cohort)
    order = np.lexsort((m["day"], row))
    lesion, gone = row[order], (m["longest_cm"] == 0)[order]
    start = np.r_[True, lesion[1:] != lesion[:-1]]
    assert not gone[start].any()
    gone_so_far = np.cumsum(gone)
    before = np.repeat(
        gone_so_far[start] - gone[start], np.diff(np.r_[np.nonzero(start)[0], len(lesion)])
    )
    assert not ((gone_so_far - before > 0) & ~gone).any()


def assert_follow_up_is_consistent(cohort: Cohort) -> None:
    p, m = cohort.patients, cohort.measurements
    last_day = np.zeros(cohort.n_patients, np.int64)
    np.maximum.at(last_day, m["patient_id"] - 1, m["day"])
    assert (last_day <= p["os_days"]).all()
    cutoff = np.datetime64(ASSUMPTIONS.data_cutoff)
    assert (p["start_date"] + p["os_days"] <= cutoff).all()
    assert (p["start_date"] >= np.datetime64(ASSUMPTIONS.accrual[0])).all()
    days = np.unique(m["patient_id"] * 10_000 + m["day"])
    patient, day = days // 10_000, days % 10_000
    first = np.r_[True, patient[1:] != patient[:-1]]
    np.testing.assert_array_equal(day[first], 0)  # a baseline on day 0 for everyone
    gaps = np.diff(day)[~first[1:]]
    assert ((gaps >= 28) & (gaps <= 84)).all()  # every 4-12 weeks


# --- the tests ----------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_cohort_and_another_seed_another() -> None:
    assert_same(synthesize(400, 11), synthesize(400, 11))
    other = synthesize(400, 12)
    assert not np.array_equal(
        synthesize(400, 11).measurements["day"][:50], other.measurements["day"][:50]
    )


def test_cohorts_larger_than_one_chunk_are_deterministic_and_valid() -> None:
    first, second = synthesize(60_000, 3), synthesize(60_000, 3)
    assert_same(first, second)
    assert_follows_the_registry_format(first)


def test_a_cohort_follows_the_registry_format() -> None:
    cohort = synthesize(3_000, 5)
    assert_follows_the_registry_format(cohort)
    rows_per_patient = cohort.n_measurements / cohort.n_patients
    assert 24 <= rows_per_patient <= 36
    # 1 + Poisson(2.2) baseline lesions (at least 2 in stage IVM1b/c), plus a few new ones
    assert 3.3 <= len(cohort.lesions["patient_id"]) / cohort.n_patients <= 4.0


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 80), seed=st.integers(0, 2**32), tvec=st.sampled_from([0.0, 0.5, 1.0]))
def test_any_seed_and_size_gives_valid_input_for_the_response_engine(
    n: int, seed: int, tvec: float
) -> None:
    cohort = synthesize(n, seed, arms=(tvec, 1 - tvec))
    assert_follows_the_registry_format(cohort)
    assert len(make_assessments(cohort)) == n


def test_every_patient_of_a_300_patient_cohort_is_accepted_by_the_response_engine() -> None:
    cohort = synthesize(300, 2024)
    results = make_assessments(cohort)
    assert len(results) == 300
    best = {r.best_overall_response for r in results}
    assert {Category.CR, Category.PR, Category.SD, Category.PD} <= best


def test_the_cohort_has_every_trajectory_the_registry_needs() -> None:
    """Responders, durable and not, progression before response, new lesions, deaths, censoring."""
    cohort = synthesize(1_000, 8, arms=(1.0, 0.0))
    results = make_assessments(cohort)
    durable = [r.durable_response is DurableStatus.YES for r in results]
    responded = [r.best_overall_response in (Category.CR, Category.PR) for r in results]
    assert any(durable)
    assert any(r and not d for r, d in zip(responded, durable, strict=True))
    progressed_first = [
        r
        for r in results
        if r.time_to_response_days is not None
        and any(
            a.category is Category.PD and a.day < r.time_to_response_days for a in r.assessments
        )
    ]
    assert len(progressed_first) >= 10
    assert any(a.new_lesion_ids for r in results for a in r.assessments)
    assert (cohort.lesions["first_day"] > 0).any()
    assert (cohort.measurements["longest_cm"] == 0).any()
    assert 0 < cohort.patients["os_event"].mean() < 1


@pytest.mark.parametrize("arm", ["T-VEC", "GM-CSF"])
def test_the_engines_response_rates_on_3000_patients_are_near_the_trials(arm: str) -> None:
    published = load_trial("optim").arm(arm)
    weights = (1.0, 0.0) if arm == "T-VEC" else (0.0, 1.0)
    measured = rates(make_assessments(synthesize(3_000, 99, arms=weights)))
    assert measured["DRR"] == pytest.approx(published.durable_responders / published.n, abs=0.02)
    assert measured["ORR"] == pytest.approx(
        float(published.objective_response_pct) / 100, abs=0.025
    )
    assert measured["PR"] == pytest.approx(float(published.partial_response_pct) / 100, abs=0.025)
    if arm == "T-VEC":
        cr = float(published.complete_response_pct) / 100
        assert measured["CR"] == pytest.approx(cr, abs=0.02)
    else:
        assert published.complete_response_pct == "<1"
        assert measured["CR"] < 0.01


def test_overall_survival_is_near_the_trials_and_responders_live_longer() -> None:
    cohort = synthesize(30_000, 4)
    p = cohort.patients
    for arm in ARMS:
        mine = p["arm"] == arm
        km = KaplanMeierFitter().fit(p["os_days"][mine] / 30.4375, p["os_event"][mine])
        published = float(load_trial("optim").arm(arm).median_os_months)
        assert km.median_survival_time_ == pytest.approx(published, abs=1.5)


def test_responders_outlive_non_responders() -> None:
    cohort = synthesize(2_000, 6, arms=(1.0, 0.0))
    responded = np.array(
        [r.best_overall_response in (Category.CR, Category.PR) for r in make_assessments(cohort)]
    )
    dead = cohort.patients["os_event"] == 1
    assert dead[responded].mean() < dead[~responded].mean()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [((0, 1), "n_patients"), ((10, -1), "seed")],
)
def test_impossible_arguments_are_refused(args: tuple[int, int], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        synthesize(*args)


def test_impossible_arm_weights_are_refused() -> None:
    with pytest.raises(ValueError, match="arms"):
        synthesize(10, 1, arms=(0.0, 0.0))
    with pytest.raises(ValueError, match="arms"):
        synthesize(10, 1, arms=(-1.0, 2.0))
