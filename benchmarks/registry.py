"""Registry-scale outcomes pipeline: tvec against pandas + lifelines, measured in the same run.

Usage::

    .venv/bin/python benchmarks/registry.py --patients 1000000 --seed 1 [--repeat 3]
    .venv/bin/python benchmarks/registry.py --patients 100000 --skip-reference

What is measured
----------------
A synthetic registry (`tvec.analytics.synth.synthesize`; about 34 lesion measurements per
patient) is generated first; its time is reported but belongs to neither pipeline. Then the same
analysis runs in two pipelines, ``--repeat`` times each (interleaved), every run in a fresh
forked process that inherits the registry; the fastest run of each is reported:

- **tvec**: `cohort_responses` (vectorised NumPy response engine) → ORR and DRR per arm and per
  arm × stage with Wilson and exact intervals (`proportion`), relative risk of DRR T-VEC vs
  GM-CSF (`compare_proportions`) → Kaplan–Meier and median overall survival with its interval per
  arm (`kaplan_meier`) → log-rank test by arm (`logrank_test`) → Cox model, Efron ties, with four
  covariates: arm (T-VEC = 1), stage (ordinal 0-4), line (later = 1), age / 10 (`cox_ph`).
- **reference** ("the straightforward way"): pandas group-by / transform / shift / merge for
  the per-patient best and durable response, implementing the response rules independently
  (new lesions recognised from the lesions table's ``first_day``, episodes from run ids, calendar
  months with ``pd.DateOffset``); ``value_counts``/``groupby`` for the rates, statsmodels'
  ``proportion_confint`` and ``Table2x2`` for the intervals and the relative risk; lifelines'
  ``KaplanMeierFitter``, ``logrank_test`` and ``CoxPHFitter`` (Efron ties, Newton steps of 1 and a
  1e-10 convergence tolerance, so both Cox fits reach the same maximum). The pandas code is
  vectorised: a ``groupby(...).apply`` with a Python function per patient would not be a fair
  baseline (a function computing only the sums, nadirs and categories already costs about 1 ms per
  patient, 18 minutes per million; the full rules would take about an hour).

Printed: seconds per stage for both, their ratio, the total; the peak resident memory of each
pipeline's process (``getrusage(RUSAGE_SELF).ru_maxrss`` read in the forked child at its end;
it includes the cohort tables inherited from the parent, whose size is printed too); and the
largest absolute and relative differences over every compared number (rates, interval bounds,
relative risk, Kaplan–Meier survival and band at every tabulated time, medians and their
intervals, log-rank statistic and p-value, Cox coefficients, standard errors and hazard
ratios), plus the number of patients whose per-patient results differ.

Goal (issue: registry performance) on the 2-core reference machine: tvec pipeline <= 10 s,
>= 10x faster than the reference, <= 4 GB, results equal to 1e-8.
"""

from __future__ import annotations

import argparse
import gc
import math
import multiprocessing
import os
import platform
import resource
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from multiprocessing.connection import Connection
from typing import Any

import lifelines  # type: ignore[import-untyped]
import numpy as np
import pandas as pd
import statsmodels  # type: ignore[import-untyped]
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test as lifelines_logrank  # type: ignore[import-untyped]
from lifelines.utils import median_survival_times  # type: ignore[import-untyped]
from statsmodels.stats.contingency_tables import Table2x2  # type: ignore[import-untyped]
from statsmodels.stats.proportion import proportion_confint  # type: ignore[import-untyped]

from tvec.analytics import compare_proportions, cox_ph, kaplan_meier, logrank_test, proportion
from tvec.analytics.cohort import ARMS, STAGES, Cohort, CohortResponses
from tvec.analytics.cohort_engine import cohort_responses
from tvec.analytics.synth import synthesize
from tvec.domain.rules import ResponseCriteria
from tvec.knowledge import load_criteria

STAGE_NAMES = (
    "per-patient responses",
    "ORR/DRR + intervals, RR",
    "Kaplan-Meier + median OS",
    "log-rank",
    "Cox (4 covariates, Efron)",
)
COVARIATES = ("arm T-VEC", "stage 0-4", "line later", "age/10")
OUTCOMES = {"ORR": "responded", "DRR": "durable"}
PER_PATIENT = ("best", "responded", "durable", "time_to_response_days", "duration_of_response_days")
LIFELINES_FIT = {"step_size": 1.0, "precision": 1e-10, "r_precision": 0.0, "max_steps": 50}
GOAL_SECONDS, GOAL_RATIO, GOAL_BYTES, GOAL_RELATIVE = 10.0, 10.0, 4 * 2**30, 1e-8
Values = dict[str, np.ndarray]


@dataclass
class Run:
    """One pipeline's results: seconds per stage, compared numbers, per-patient columns."""

    seconds: dict[str, float] = field(default_factory=dict)
    values: Values = field(default_factory=dict)
    patients: Values = field(default_factory=dict)
    caveats: list[str] = field(default_factory=list)
    peak_rss: int = 0  # bytes, of the process that ran the pipeline
    rss_at_start: int = 0
    load: float = 0.0  # 1-minute load average when the pipeline started (other work competes)
    totals: list[float] = field(default_factory=list)  # total seconds of every repeated run


def _stage(run: Run, name: str, work: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = work()
    run.seconds[name] = time.perf_counter() - start
    return result


def _floats(*values: float | None) -> np.ndarray:
    return np.array([math.nan if v is None else v for v in values], dtype=np.float64)


# --- the tvec pipeline --------------------------------------------------------------------------


def tvec_pipeline(cohort: Cohort, criteria: ResponseCriteria) -> Run:
    """Responses, rates, Kaplan–Meier, log-rank and Cox with tvec's own functions."""
    run = Run()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        responses = _stage(run, STAGE_NAMES[0], lambda: cohort_responses(cohort, criteria))
        codes = _stage(run, STAGE_NAMES[1], lambda: _tvec_rates(cohort, responses, run.values))
        _stage(run, STAGE_NAMES[2], lambda: _tvec_survival(cohort, codes, run.values))
        _stage(run, STAGE_NAMES[3], lambda: _tvec_logrank(cohort, codes, run.values))
        _stage(run, STAGE_NAMES[4], lambda: _tvec_cox(cohort, codes, run.values))
    run.caveats = sorted({str(w.message) for w in caught})
    run.patients = {name: responses.columns[name] for name in PER_PATIENT}
    return run


@dataclass(frozen=True)
class Codes:
    """Arm and stage of every patient as small integers (index into ARMS / STAGES)."""

    arm: np.ndarray
    stage: np.ndarray


def _codes(cohort: Cohort) -> Codes:
    arm = np.full(cohort.n_patients, -1, np.int8)
    stage = np.full(cohort.n_patients, -1, np.int8)
    for k, name in enumerate(ARMS):
        arm[cohort.patients["arm"] == name] = k
    for k, name in enumerate(STAGES):
        stage[cohort.patients["stage"] == name] = k
    return Codes(arm, stage)


def _tvec_rates(cohort: Cohort, responses: CohortResponses, values: Values) -> Codes:
    """Rates per arm and per arm x stage cell (counts from one bincount each); the codes."""
    codes = _codes(cohort)
    cell = codes.arm.astype(np.intp) * len(STAGES) + codes.stage
    cells = len(ARMS) * len(STAGES)
    known = (codes.arm >= 0) & (codes.stage >= 0)
    members = np.bincount(cell[known], minlength=cells).reshape(len(ARMS), len(STAGES))
    for label, column in OUTCOMES.items():
        hits = np.asarray(responses.columns[column], dtype=np.bool_) & known
        events = np.bincount(cell[hits], minlength=cells).reshape(len(ARMS), len(STAGES))
        for a, name in enumerate(ARMS):
            values[f"{label} {name}"] = _tvec_rate(events[a].sum(), members[a].sum())
            for k, stage_name in enumerate(STAGES):
                if members[a, k]:
                    values[f"{label} {name} {stage_name}"] = _tvec_rate(events[a, k], members[a, k])
    durable = responses.columns["durable"]
    counts = [
        (int(np.count_nonzero(durable & (codes.arm == a))), int(np.count_nonzero(codes.arm == a)))
        for a in range(len(ARMS))
    ]
    rr = compare_proportions(*counts[0], *counts[1]).relative_risk
    low, high = (rr.ci.low, rr.ci.high) if rr.ci else (None, None)
    values["RR DRR T-VEC/GM-CSF"] = _floats(rr.estimate, low, high)
    return codes


def _tvec_rate(events: np.integer, n: np.integer) -> np.ndarray:
    p = proportion(int(events), int(n))
    return _floats(p.rate, p.wilson.low, p.wilson.high, p.exact.low, p.exact.high)


def _tvec_survival(cohort: Cohort, codes: Codes, values: Values) -> None:
    days, event = cohort.patients["os_days"], cohort.patients["os_event"]
    for a, name in enumerate(ARMS):
        mine = codes.arm == a
        curve = kaplan_meier(days[mine], event[mine])
        values[f"KM {name} time"] = np.asarray(curve.time)
        values[f"KM {name} survival"] = np.asarray(curve.survival)
        values[f"KM {name} band"] = np.r_[curve.lower, curve.upper]
        median = curve.median
        values[f"median OS {name}"] = _floats(median.estimate, median.low, median.high)


def _tvec_logrank(cohort: Cohort, codes: Codes, values: Values) -> None:
    """Log-rank by arm; the arms are passed as their codes (no sort of a million strings)."""
    test = logrank_test(cohort.patients["os_days"], cohort.patients["os_event"], codes.arm)
    values["log-rank"] = _floats(test.statistic, test.p_value)


def _tvec_cox(cohort: Cohort, codes: Codes, values: Values) -> None:
    p = cohort.patients
    x = np.column_stack(
        [
            codes.arm == 0,
            codes.stage,
            p["line"] == "later",
            np.asarray(p["age"], dtype=np.float64) / 10.0,
        ]
    ).astype(np.float64)
    model = cox_ph(p["os_days"], p["os_event"], x, names=COVARIATES, ties="efron")
    values["Cox coef"] = np.array([t.coef for t in model.terms])
    values["Cox se"] = np.array([t.se for t in model.terms])
    values["Cox HR"] = np.array([t.hazard_ratio for t in model.terms])


# --- the reference pipeline: pandas + statsmodels + lifelines ------------------------------------


def reference_pipeline(cohort: Cohort, criteria: ResponseCriteria) -> Run:
    """The same analysis written the straightforward way (see the module notes)."""
    run = Run()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        patients = _stage(run, STAGE_NAMES[0], lambda: pandas_responses(cohort, criteria))
        _stage(run, STAGE_NAMES[1], lambda: _reference_rates(cohort, patients, run.values))
        frame = pd.DataFrame({c: cohort.patients[c] for c in ("arm", "os_days", "os_event")})
        _stage(run, STAGE_NAMES[2], lambda: _reference_survival(frame, run.values))
        _stage(run, STAGE_NAMES[3], lambda: _reference_logrank(frame, run.values))
        _stage(run, STAGE_NAMES[4], lambda: _reference_cox(cohort, run.values))
    run.caveats = sorted({str(w.message) for w in caught})
    run.patients = {name: patients[name].to_numpy() for name in PER_PATIENT}
    return run


def pandas_responses(cohort: Cohort, criteria: ResponseCriteria) -> pd.DataFrame:
    """Per-patient best and durable response with vectorised pandas, one row per patient."""
    visits = _pandas_visits(cohort, criteria)
    pid, day = visits["patient_id"], visits["day"]
    counted, progressed = _pandas_categories(visits, criteria)
    category = visits["category"]
    min_days = criteria.confirmation.min_days
    responding = counted & category.isin(["CR", "PR"])
    run = _run_ids(responding, pid)
    confirmed = responding & (day.groupby(run).transform("max") - day >= min_days)
    complete = counted & (category == "CR")
    confirmed_cr = complete & (
        day.groupby(_run_ids(complete, pid)).transform("max") - day >= min_days
    )
    onset = confirmed & (confirmed.groupby(run).cumsum() == 1)
    run_end = run != run.shift(-1)
    ends = pd.DataFrame(
        {
            "run": run[run_end],
            "last_day": day[run_end],
            "next_day": day.groupby(pid).shift(-1)[run_end],
        }
    )
    episodes = pd.DataFrame(
        {
            "patient_id": pid[onset],
            "run": run[onset],
            "onset": day[onset],
            "cr": confirmed_cr.groupby(run).transform("any")[onset],
        }
    ).merge(ends, on="run")
    episodes["ongoing"] = episodes["next_day"].isna()
    episodes["end"] = episodes["next_day"].fillna(episodes["last_day"])
    return _pandas_per_patient(cohort, criteria, visits, counted, progressed, episodes)


def _pandas_visits(cohort: Cohort, criteria: ResponseCriteria) -> pd.DataFrame:
    """One row per assessment: sum of products (mm², exact integers), all gone, new lesion."""
    rule = criteria.progression
    m = pd.DataFrame({c: cohort.measurements[c] for c in ("patient_id", "lesion_id", "day")})
    longest = (pd.Series(cohort.measurements["longest_cm"]) * 10).round().astype("int64")
    perpendicular = (pd.Series(cohort.measurements["perpendicular_cm"]) * 10).round()
    m["product"] = longest * perpendicular.astype("int64")
    if rule.new_lesions_added_to_sum and not rule.new_lesion_is_progression:
        m["summed"], m["new_present"] = m["product"], False
    else:
        first = pd.DataFrame(
            {c: cohort.lesions[c] for c in ("patient_id", "lesion_id", "first_day")}
        )
        m = m.merge(first, on=["patient_id", "lesion_id"], how="left")
        new = m["first_day"] > 0
        m["summed"] = m["product"] if rule.new_lesions_added_to_sum else m["product"].where(~new, 0)
        m["new_present"] = new & (m["product"] > 0)
    visits = m.groupby(["patient_id", "day"], sort=True).agg(
        spd=("summed", "sum"), every=("product", "sum"), new_present=("new_present", "any")
    )
    return visits.reset_index()


def _pandas_categories(
    visits: pd.DataFrame, criteria: ResponseCriteria
) -> tuple[pd.Series, pd.Series]:
    pid, spd = visits["patient_id"], visits["spd"]
    by_patient = spd.groupby(pid)
    baseline = by_patient.transform("first")
    nadir = by_patient.cummin().groupby(pid).shift(1).fillna(0).astype("int64")
    later = visits.groupby("patient_id").cumcount() > 0
    grow = Fraction(criteria.progression.min_increase_from_nadir_pct)
    shrink = Fraction(criteria.partial_response.min_decrease_from_baseline_pct)
    grown = spd * (100 * grow.denominator) >= nadir * (100 * grow.denominator + grow.numerator)
    new = visits["new_present"] & criteria.progression.new_lesion_is_progression
    progressed = later & (((spd > nadir) & grown) | new)
    complete = later & ~progressed & (visits["every"] == 0)
    halved = spd * (100 * shrink.denominator) <= baseline * (
        100 * shrink.denominator - shrink.numerator
    )
    visits["category"] = np.select(
        [~later, progressed, complete, halved], ["baseline", "PD", "CR", "PR"], "SD"
    )
    if criteria.confirmation.response_after_progression_counts:
        return later, progressed
    earlier = progressed.groupby(pid).cumsum() - progressed
    return later & (earlier == 0), progressed


def _run_ids(flag: pd.Series, pid: pd.Series) -> pd.Series:
    return ((flag != flag.shift()) | (pid != pid.shift())).cumsum()


def _pandas_per_patient(
    cohort: Cohort,
    criteria: ResponseCriteria,
    visits: pd.DataFrame,
    counted: pd.Series,
    progressed: pd.Series,
    episodes: pd.DataFrame,
) -> pd.DataFrame:
    rule = criteria.durable_response
    ids = pd.Index(cohort.patients["patient_id"], name="patient_id")
    start = pd.Series(cohort.patients["start_date"], index=ids).astype("datetime64[s]")
    begin = episodes["patient_id"].map(start)
    onset_date = begin + pd.to_timedelta(episodes["onset"], unit="D")
    eligible = onset_date <= begin + pd.DateOffset(months=rule.onset_within_months)
    end_date = begin + pd.to_timedelta(episodes["end"], unit="D")
    episodes["durable"] = eligible & (
        end_date >= onset_date + pd.DateOffset(months=rule.min_duration_months)
    )
    pid = visits["patient_id"]
    n_visits = pid.value_counts().reindex(ids)
    stable = (counted & (visits["category"] != "PD")).groupby(pid).any().reindex(ids)
    by_patient = episodes.groupby("patient_id")
    has_cr = by_patient["cr"].any()
    responded = ids.isin(has_cr.index)
    complete = has_cr.reindex(ids, fill_value=False).to_numpy(bool)
    first = episodes.drop_duplicates("patient_id").set_index("patient_id").reindex(ids)
    best = np.where(n_visits == 1, "NE", np.where(stable, "SD", "PD"))
    best = np.where(responded, np.where(complete, "CR", "PR"), best)
    return pd.DataFrame(
        {
            "best": best,
            "responded": responded,
            "durable": by_patient["durable"].any().reindex(ids, fill_value=False).to_numpy(bool),
            "time_to_response_days": first["onset"].astype("float64").to_numpy(),
            "duration_of_response_days": (first["end"] - first["onset"])
            .astype("float64")
            .to_numpy(),
            "progression_day": visits["day"][progressed]
            .groupby(pid[progressed])
            .first()
            .reindex(ids)
            .to_numpy(),
        },
        index=ids,
    )


def _reference_rates(cohort: Cohort, patients: pd.DataFrame, values: Values) -> None:
    frame = pd.DataFrame(
        {
            "arm": cohort.patients["arm"],
            "stage": cohort.patients["stage"],
            "responded": patients["best"].isin(["CR", "PR"]).to_numpy(),
            "durable": patients["durable"].to_numpy(),
        }
    )
    for label, column in OUTCOMES.items():
        by_arm = frame.groupby("arm")[column].agg(["sum", "count"])
        for arm, row in by_arm.iterrows():
            values[f"{label} {arm}"] = _reference_rate(row["sum"], row["count"])
        by_cell = frame.groupby(["arm", "stage"])[column].agg(["sum", "count"])
        for (arm, stage), row in by_cell.iterrows():
            values[f"{label} {arm} {stage}"] = _reference_rate(row["sum"], row["count"])
    counts = frame.groupby("arm")["durable"].agg(["sum", "count"]).loc[list(ARMS)]
    table = np.column_stack([counts["sum"], counts["count"] - counts["sum"]])
    rr = Table2x2(table)
    values["RR DRR T-VEC/GM-CSF"] = np.r_[rr.riskratio, rr.riskratio_confint(alpha=0.05)]


def _reference_rate(events: int, n: int) -> np.ndarray:
    wilson = proportion_confint(events, n, alpha=0.05, method="wilson")
    exact = proportion_confint(events, n, alpha=0.05, method="beta")
    return np.asarray(np.r_[events / n, wilson, exact], dtype=np.float64)


def _reference_survival(frame: pd.DataFrame, values: Values) -> None:
    for arm in ARMS:
        mine = frame[frame["arm"] == arm]
        fitter = KaplanMeierFitter().fit(mine["os_days"], mine["os_event"])
        times = fitter.survival_function_.index.to_numpy()[1:]  # without lifelines' extra t = 0
        band = fitter.confidence_interval_.to_numpy()[1:]
        values[f"KM {arm} time"] = times.astype(np.float64)
        values[f"KM {arm} survival"] = fitter.survival_function_.to_numpy()[1:, 0]
        values[f"KM {arm} band"] = np.r_[band[:, 0], band[:, 1]]
        ci = median_survival_times(fitter.confidence_interval_).to_numpy().ravel()
        median = [fitter.median_survival_time_, *ci]
        values[f"median OS {arm}"] = np.array([math.nan if math.isinf(v) else v for v in median])


def _reference_logrank(frame: pd.DataFrame, values: Values) -> None:
    a, b = (frame[frame["arm"] == arm] for arm in ARMS)
    test = lifelines_logrank(a["os_days"], b["os_days"], a["os_event"], b["os_event"])
    values["log-rank"] = np.array([test.test_statistic, test.p_value])


def _reference_cox(cohort: Cohort, values: Values) -> None:
    p = pd.DataFrame(
        {c: cohort.patients[c] for c in ("arm", "stage", "line", "age", "os_days", "os_event")}
    )
    data = pd.DataFrame(
        {
            COVARIATES[0]: (p["arm"] == ARMS[0]).astype(float),
            COVARIATES[1]: p["stage"].map({name: k for k, name in enumerate(STAGES)}).astype(float),
            COVARIATES[2]: (p["line"] == "later").astype(float),
            COVARIATES[3]: p["age"] / 10.0,
            "os_days": p["os_days"],
            "os_event": p["os_event"],
        }
    )
    fitter = CoxPHFitter().fit(data, "os_days", "os_event", fit_options=LIFELINES_FIT)
    values["Cox coef"] = fitter.params_.loc[list(COVARIATES)].to_numpy()
    values["Cox se"] = fitter.standard_errors_.loc[list(COVARIATES)].to_numpy()
    values["Cox HR"] = fitter.hazard_ratios_.loc[list(COVARIATES)].to_numpy()


# --- comparing the two runs ----------------------------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    """The largest differences between two runs over every number both computed."""

    compared: int
    series: int
    max_abs: float
    max_abs_at: str
    max_rel: float
    max_rel_at: str
    unmatched: tuple[str, ...]  # series one run has and the other lacks, or of another shape
    patients_differing: int
    n_patients: int

    @property
    def within(self) -> bool:
        exact = not self.unmatched and self.patients_differing == 0
        return exact and self.max_rel <= GOAL_RELATIVE


def compare(ours: Run, reference: Run) -> Agreement:
    """Absolute and relative (to the larger magnitude) differences; NaN only matches NaN."""
    worst_abs, worst_rel = (0.0, ""), (0.0, "")
    compared, series, unmatched = 0, 0, []
    for name in sorted(set(ours.values) | set(reference.values)):
        a, b = ours.values.get(name), reference.values.get(name)
        if a is None or b is None or a.shape != b.shape:
            unmatched.append(name)
            continue
        absolute, relative = _differences(a.astype(np.float64), b.astype(np.float64))
        compared, series = compared + a.size, series + 1
        if absolute.size and absolute.max() > worst_abs[0]:
            worst_abs = (float(absolute.max()), name)
        if relative.size and relative.max() > worst_rel[0]:
            worst_rel = (float(relative.max()), name)
    differing = np.zeros(len(next(iter(ours.patients.values()))), np.bool_)
    for name in PER_PATIENT:
        x, y = ours.patients[name], reference.patients[name]
        same = (x == y) | (_isnan(x) & _isnan(y))
        differing |= ~same
    return Agreement(
        compared=compared,
        series=series,
        max_abs=worst_abs[0],
        max_abs_at=worst_abs[1],
        max_rel=worst_rel[0],
        max_rel_at=worst_rel[1],
        unmatched=tuple(unmatched),
        patients_differing=int(differing.sum()),
        n_patients=differing.size,
    )


def _differences(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    absolute = np.where(nan_a | nan_b, np.where(nan_a & nan_b, 0.0, np.inf), np.abs(a - b))
    scale = np.maximum(np.abs(np.nan_to_num(a)), np.abs(np.nan_to_num(b)))
    relative = np.where(absolute == 0, 0.0, absolute / np.where(scale > 0, scale, 1.0))
    return absolute, np.where(np.isinf(absolute), np.inf, relative)


def _isnan(values: np.ndarray) -> np.ndarray:
    return np.isnan(values) if values.dtype.kind == "f" else np.zeros(values.shape, np.bool_)


# --- running and reporting ----------------------------------------------------------------------


def _rss_now() -> int:
    """Resident set size of this process in bytes (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            line = next(line for line in status if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0
    return int(line.split()[1]) * 1024


def _child(
    sender: Connection,
    pipeline: Callable[[Cohort, ResponseCriteria], Run],
    cohort: Cohort,
    criteria: ResponseCriteria,
) -> None:
    at_start = _rss_now()
    load = os.getloadavg()[0]
    try:
        run = pipeline(cohort, criteria)
    except BaseException as error:
        sender.send(error)
        raise
    run.rss_at_start, run.load = at_start, load
    run.peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    sender.send(run)


def run_in_child(
    pipeline: Callable[[Cohort, ResponseCriteria], Run], cohort: Cohort, criteria: ResponseCriteria
) -> Run:
    """Run a pipeline in a forked process (it inherits the cohort without copying it)."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, pipeline, cohort, criteria))
    process.start()
    sender.close()
    result = receiver.recv()
    process.join()
    if isinstance(result, BaseException):
        raise RuntimeError(f"{pipeline.__name__} failed in its process") from result
    assert isinstance(result, Run)
    return result


def fastest(runs: list[Run]) -> Run:
    """The run with the smallest total time, with the largest peak memory of all the runs."""
    best = min(runs, key=lambda run: sum(run.seconds.values()))
    best.peak_rss = max(run.peak_rss for run in runs)
    best.totals = [sum(run.seconds.values()) for run in runs]
    return best


def _gb(n_bytes: float) -> str:
    return f"{n_bytes / 2**30:.2f} GB"


def _verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"


def report(
    cohort: Cohort, synth_seconds: float, ours: Run, reference: Run | None, seed: int
) -> list[str]:
    """The printed lines: header, stage table, memory, agreement and goals."""
    m = cohort.measurements
    changes = (np.diff(m["patient_id"]) != 0) | (np.diff(m["day"]) != 0)
    assessments = int(np.count_nonzero(changes)) + 1
    cohort_bytes = sum(
        a.nbytes for t in (cohort.patients, cohort.lesions, cohort.measurements) for a in t.values()
    )
    lines = [
        f"registry benchmark: {cohort.n_patients:,} patients, {len(cohort.lesions['lesion_id']):,} "
        f"lesions, {cohort.n_measurements:,} lesion measurements ({assessments:,} assessments), "
        f"seed {seed}",
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"numpy {np.__version__}"
        f"; reference: pandas {pd.__version__} + lifelines {lifelines.__version__} "
        f"(statsmodels {statsmodels.__version__} for the intervals)",
        f"synthesize: {synth_seconds:.1f} s (not part of either pipeline); cohort tables "
        f"{_gb(cohort_bytes)}; load average before tvec {ours.load:.2f}"
        + ("" if reference is None else f", before the reference {reference.load:.2f}"),
        "",
        f"{'stage':<28}{'tvec s':>10}{'reference s':>14}{'ratio':>10}",
    ]
    for name in [*STAGE_NAMES, "total"]:
        mine = sum(ours.seconds.values()) if name == "total" else ours.seconds[name]
        if reference is None:
            lines.append(f"{name:<28}{mine:>10.2f}{'-':>14}{'-':>10}")
            continue
        theirs = sum(reference.seconds.values()) if name == "total" else reference.seconds[name]
        lines.append(f"{name:<28}{mine:>10.2f}{theirs:>14.2f}{theirs / mine:>9.1f}x")
    lines += ["", _runs_line(ours, reference), _memory_line(ours, reference)]
    total = sum(ours.seconds.values())
    goals = [
        f"goal tvec total <= {GOAL_SECONDS:g} s: {_verdict(total <= GOAL_SECONDS)} ({total:.2f} s)",
        f"goal peak memory <= {_gb(GOAL_BYTES)}: {_verdict(ours.peak_rss <= GOAL_BYTES)} "
        f"({_gb(ours.peak_rss)})",
    ]
    if reference is not None:
        agreement = compare(ours, reference)
        lines += _agreement_lines(agreement)
        ratio = sum(reference.seconds.values()) / total
        goals.insert(
            1, f"goal >= {GOAL_RATIO:g}x faster: {_verdict(ratio >= GOAL_RATIO)} ({ratio:.1f}x)"
        )
        goals.append(
            f"goal results equal to {GOAL_RELATIVE:g}: {_verdict(agreement.within)} "
            f"(max relative difference {agreement.max_rel:.2e})"
        )
    for label, run in (("tvec", ours), ("reference", reference)):
        for caveat in run.caveats if run else []:
            lines.append(f"warning in the {label} pipeline: {caveat}")
    return [*lines, "", *goals]


def _runs_line(ours: Run, reference: Run | None) -> str:
    def listed(run: Run) -> str:
        return ", ".join(f"{total:.2f}" for total in run.totals or [sum(run.seconds.values())])

    theirs = "" if reference is None else f"; reference {listed(reference)}"
    return (
        f"total seconds of each run (each in a fresh forked process; the table shows the fastest): "
        f"tvec {listed(ours)}{theirs}"
    )


def _memory_line(ours: Run, reference: Run | None) -> str:
    theirs = "" if reference is None else f", reference {_gb(reference.peak_rss)}"
    return (
        f"peak RSS of each pipeline's forked process (ru_maxrss, includes the inherited cohort; "
        f"RSS at fork {_gb(ours.rss_at_start)}): tvec {_gb(ours.peak_rss)}{theirs}"
    )


def _agreement_lines(agreement: Agreement) -> list[str]:
    lines = [
        f"compared {agreement.compared:,} numbers in {agreement.series} series: largest absolute "
        f"difference {agreement.max_abs:.2e} ({agreement.max_abs_at or '-'}), largest relative "
        f"difference {agreement.max_rel:.2e} ({agreement.max_rel_at or '-'})",
        f"per-patient results ({', '.join(PER_PATIENT)}): identical for "
        f"{agreement.n_patients - agreement.patients_differing:,} of {agreement.n_patients:,} "
        "patients",
    ]
    if agreement.unmatched:
        lines.append(
            f"not comparable (missing or of another shape): {', '.join(agreement.unmatched)}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--criteria", default="modified-who")
    parser.add_argument("--skip-reference", action="store_true", help="run the tvec pipeline only")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each pipeline; the fastest is reported"
    )
    args = parser.parse_args(argv)
    criteria = load_criteria(args.criteria)
    start = time.perf_counter()
    cohort = synthesize(args.patients, args.seed)
    synth_seconds = time.perf_counter() - start
    gc.collect()
    ours_runs: list[Run] = []
    reference_runs: list[Run] = []
    for _ in range(max(args.repeat, 1)):  # interleaved, so both meet the same machine load
        ours_runs.append(run_in_child(tvec_pipeline, cohort, criteria))
        if not args.skip_reference:
            reference_runs.append(run_in_child(reference_pipeline, cohort, criteria))
    ours = fastest(ours_runs)
    reference = fastest(reference_runs) if reference_runs else None
    print("\n".join(report(cohort, synth_seconds, ours, reference, args.seed)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
