"""Per-patient tumour response for a whole registry at once: the domain rules on NumPy columns.

Why a second execution of the response rules
--------------------------------------------
The response rules have one home, `tvec.domain.response.assess_response`, which assesses one
patient from `Decimal` measurements, building and validating one `Measurement` object per lesion
measurement: too slow for a registry-scale report that is re-run at will (benchmarks/registry.py
measures both). `cohort_responses` executes the same rules on whole columns instead: the
measurements sorted by patient, day and lesion are cut into blocks of whole patients, and each
block is processed with segment sums (``np.add.reduceat``), a segmented running minimum and
cumulative counts, with no loop that visits a patient; blocks run on all CPUs (NumPy releases the
GIL).

One rule, two executions: `cohort_responses_reference` calls the domain engine patient by
patient (`domain_assessments`), and ``tests/analytics/test_cohort_engine.py`` checks that both
return identical results (every column, exactly) on hand-made edge cases, on Hypothesis-generated
cohorts under the bundled and perturbed criteria, and on synthetic registries. A change to a
domain rule makes those tests fail until this module follows. Every threshold and duration is
read from the `ResponseCriteria`; none is written here.

Exact arithmetic
----------------
The domain compares exact decimals. The registry records diameters to 0.1 cm, so sizes are
converted to whole millimetres and every sum of products is an exact integer (mm²). A threshold
``t`` percent, itself a decimal ``t = a/b``, turns "``spd <= baseline · (1 - t/100)``" into the
integer comparison ``100·b·spd <= (100·b - a)·baseline``; progression likewise
(`tvec.analytics.exact`, shared with the lesion-level rules of `tvec.analytics.cohort_lesions`).
A size that is not a whole number of millimetres (beyond float representation error) is refused,
as are the inputs the domain refuses (see `tvec.domain.response_validation`); the error names the
patient.

Rules, vectorised
-----------------
For each assessment: the SPD (new lesions join the sum when the criteria say so), the nadir
(the minimum SPD of the earlier assessments: a running minimum restarted at each patient by
offsetting the patients' values), and the category: PD on growth from the nadir (or a new lesion,
when the criteria say so), else CR when every lesion is 0 x 0, else PR against baseline, else SD.
Counted assessments stop at the first PD when responses after progression do not count.

A confirmed response needs a later assessment at least ``min_days`` after it with only CR/PR in
between, so within a run of consecutive counted CR/PR assessments the confirmed ones are a prefix
of the run: an episode starts at a run's first assessment exactly when the run's last assessment
is ``min_days`` or more later, and ends at the next assessment (or is ongoing at the patient's
last). It is a CR when some assessment of the run is confirmed as CR (it starts a run of CRs that
lasts ``min_days``). Durable response compares calendar dates as the domain does, with a
vectorised `add_months`: an onset on the boundary date (``onset_within_months`` after the start)
counts only when the criteria say so.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from tvec.analytics.cohort import (
    MEASUREMENT_COLUMNS,
    RESPONSE_CODES,
    Cohort,
    CohortError,
    CohortResponses,
    Columns,
)
from tvec.analytics.exact import MM_PER_CM, decreased_by, increased_by, millimetres, where
from tvec.analytics.inputs import BoolArray, FloatArray, IntArray
from tvec.domain.lesions import GONE_HINT
from tvec.domain.response import (
    Category,
    DurableStatus,
    Measurement,
    ResponseAssessment,
    assess_response,
)
from tvec.domain.rules import ResponseCriteria, Site

BLOCK_ROWS = 1 << 20  # measurements per block of whole patients processed together
DENSE_FACTOR = 4  # lesion ids are indexed densely while the index is at most 4x the row count
Dates = npt.NDArray[np.datetime64]

_CODE = {category: RESPONSE_CODES.index(category.value) for category in Category}


@dataclass(frozen=True)
class _Rows:
    """The measurements sorted by patient, day and lesion, sizes in whole millimetres."""

    patient_id: IntArray
    day: IntArray
    lesion_id: IntArray
    product: IntArray  # longest x perpendicular, mm²
    new_patient: BoolArray
    new_visit: BoolArray


@dataclass(frozen=True)
class _Visits:
    """One entry per assessment, in patient then day order; per-patient bounds."""

    patient: IntArray  # patient number (order of the sorted measurements)
    day: IntArray
    baseline: BoolArray
    spd: IntArray  # mm², with new lesions only if the criteria add them to the sum
    gone: BoolArray  # every lesion 0 x 0
    new_present: BoolArray  # a lesion absent at baseline is present (not 0 x 0)
    first: IntArray  # per patient: index of the baseline assessment
    last: IntArray  # per patient: index of the last assessment
    patient_id: IntArray  # per patient


@dataclass(frozen=True)
class _Episodes:
    """Counted response episodes, in patient then date order."""

    patient: IntArray
    onset_day: IntArray
    end_day: IntArray  # the assessment that ended it, or the last one if it is still running
    ongoing: BoolArray
    complete: BoolArray  # best confirmed category CR (else PR)


def cohort_responses(
    cohort: Cohort, criteria: ResponseCriteria, *, workers: int | None = None
) -> CohortResponses:
    """Best overall response, response times and durable response of every patient, vectorised.

    Parameters
    ----------
    cohort : Cohort
        The registry tables (docs/registry-format.md). Only ``measurements`` and the patients'
        ``patient_id`` and ``start_date`` are read: sites and injection do not change a response.
    criteria : ResponseCriteria
        Response criteria, e.g. ``tvec.knowledge.load_criteria("modified-who")``.
    workers : int, optional
        Threads working on blocks of patients at the same time (default: the CPUs this process
        may use). NumPy releases the GIL inside its loops, so blocks run in parallel.

    Returns
    -------
    CohortResponses
        Aligned with ``cohort.patients``; identical to `cohort_responses_reference`.

    Raises
    ------
    CohortError
        Where the domain engine would refuse a patient's measurements, naming the patient.
    """
    table = {name: np.asarray(cohort.measurements[name]) for name in MEASUREMENT_COLUMNS}
    if table["patient_id"].size == 0:
        raise CohortError("measurements: the table is empty")
    try:
        columns, patient_row = _responses(table, cohort.patients, criteria, workers)
    except _Unsorted:  # rows out of (patient, day, lesion) order: sort them once, then again
        order = np.lexsort((table["lesion_id"], table["day"], table["patient_id"]))
        sorted_table = {name: values[order] for name, values in table.items()}
        columns, patient_row = _responses(sorted_table, cohort.patients, criteria, workers)
    result: Columns = {}
    for name, values in columns.items():
        result[name] = np.empty_like(values)
        result[name][patient_row] = values
    return CohortResponses(result)


class _Unsorted(Exception):
    """The measurements are not sorted by patient, day and lesion."""


def _responses(
    table: Columns, patients: Columns, criteria: ResponseCriteria, workers: int | None
) -> tuple[Columns, IntArray]:
    """Per-patient columns in measurement order, and each patient's row in the patients table.

    The rows are cut into blocks of whole patients of about `BLOCK_ROWS` measurements: their
    temporaries stay small (and are reused), and the blocks are shared among threads.
    """
    pid = np.asarray(table["patient_id"], np.int64)
    starts = np.r_[0, np.flatnonzero(pid[1:] != pid[:-1]) + 1]
    if np.any(pid[starts[1:]] <= pid[starts[:-1]]):
        raise _Unsorted
    patient_row = _patient_rows(patients["patient_id"], pid[starts])
    start_date = np.asarray(patients["start_date"]).astype("datetime64[D]")[patient_row]
    first = np.unique(np.searchsorted(starts, np.arange(0, pid.size, BLOCK_ROWS)))
    first = first[first < starts.size]  # a cut inside the last patient starts no empty block
    patient_bounds = np.r_[first, starts.size]
    row_bounds = np.r_[starts, pid.size][patient_bounds]

    def block(k: int) -> Columns:
        rows = slice(row_bounds[k], row_bounds[k + 1])
        dates = start_date[patient_bounds[k] : patient_bounds[k + 1]]
        return _block({name: values[rows] for name, values in table.items()}, dates, criteria)

    parts = _map(block, range(first.size), workers)
    columns = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    columns["patient_id"] = pid[starts]
    return columns, patient_row


def _map(work: Callable[[int], Columns], items: range, workers: int | None) -> list[Columns]:
    threads = workers if workers is not None else _available_cpus()
    if threads <= 1 or len(items) <= 1:
        return [work(k) for k in items]
    with ThreadPoolExecutor(max_workers=min(threads, len(items))) as pool:
        return list(pool.map(work, items))


def _available_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _block(table: Columns, start_date: Dates, criteria: ResponseCriteria) -> Columns:
    """Every per-patient column for a block of whole patients (measurement order)."""
    rows = _read_measurements(table)
    visits = _visits(rows, criteria)
    code, counted = _categories(visits, criteria)
    episodes = _episodes(visits, code, counted, criteria.confirmation.min_days)
    columns = _per_patient(visits, code, counted, episodes)
    columns["durable"] = _durable(episodes, start_date, criteria)
    return columns


def _read_measurements(table: Columns) -> _Rows:
    pid, day, lid = (np.asarray(table[c], np.int64) for c in ("patient_id", "day", "lesion_id"))
    same_patient, same_visit, ordered = _order_checks(pid, day, lid)
    if not ordered.all():
        i = int(np.argmin(ordered))
        if (pid[i], day[i], lid[i]) != (pid[i + 1], day[i + 1], lid[i + 1]):
            raise _Unsorted
        raise CohortError(where(pid, lid, day, i) + "is a duplicate lesion id on this date")
    long_mm = millimetres(table["longest_cm"], "longest_cm", pid, lid, day)
    perp_mm = millimetres(table["perpendicular_cm"], "perpendicular_cm", pid, lid, day)
    _check_diameters(pid, lid, day, long_mm, perp_mm)
    wide = int(long_mm.max()) * int(perp_mm.max()) > np.iinfo(np.int32).max
    return _Rows(
        patient_id=pid,
        day=day,
        lesion_id=lid,
        product=np.multiply(long_mm, perp_mm, dtype=np.int64 if wide else np.int32),
        new_patient=np.r_[True, ~same_patient],
        new_visit=np.r_[True, ~same_visit],
    )


def _order_checks(pid: IntArray, day: IntArray, lid: IntArray) -> tuple[BoolArray, ...]:
    """Same patient / same assessment as the previous row, and strictly increasing keys."""
    same_patient = pid[1:] == pid[:-1]
    same_visit = same_patient & (day[1:] == day[:-1])
    later = (pid[1:] > pid[:-1]) | (same_patient & (day[1:] > day[:-1]))
    return same_patient, same_visit, later | (same_visit & (lid[1:] > lid[:-1]))


def _check_diameters(
    pid: IntArray, lid: IntArray, day: IntArray, longest: IntArray, perpendicular: IntArray
) -> None:
    """`tvec.domain.lesions.check_diameters` with ``may_be_gone``, on whole columns."""
    for bad, rule in (
        (perpendicular > longest, "perpendicular_cm must not exceed longest_cm"),
        (
            (perpendicular == 0) & (longest > 0),
            f"perpendicular_cm must be greater than 0 ({GONE_HINT})",
        ),
    ):
        if bad.any():
            raise CohortError(where(pid, lid, day, int(np.argmax(bad))) + rule)


def _visits(rows: _Rows, criteria: ResponseCriteria) -> _Visits:
    starts = np.flatnonzero(rows.new_visit)
    new_patient = rows.new_patient[starts]
    patient = _running_count(new_patient) - 1
    first = np.flatnonzero(new_patient)
    last = np.r_[first[1:] - 1, starts.size - 1]
    day = rows.day[starts]
    if np.any(day[first] != 0):
        i = starts[first[np.argmax(day[first] != 0)]]
        why = "no lesion is measured on day 0 (the start date, the day of the first dose)"
        if rows.day[i] < 0:
            why = f"day {rows.day[i]} is before the start date (day 0)"
        raise CohortError(f"measurements: patient {rows.patient_id[i]}: {why}")
    baseline = np.zeros(starts.size, np.bool_)
    baseline[first] = True
    rule = criteria.progression
    wanted = rule.new_lesion_is_progression or not rule.new_lesions_added_to_sum
    new_lesion = _lesion_presence(rows, starts, patient, first, last, wanted)
    product, summed = rows.product, rows.product
    new_present = np.zeros(starts.size, np.bool_)
    if new_lesion is not None:
        if not rule.new_lesions_added_to_sum:
            summed = np.where(new_lesion, 0, product)
        if rule.new_lesion_is_progression:
            new_present = np.logical_or.reduceat(new_lesion & (product > 0), starts)
    spd = np.add.reduceat(summed, starts, dtype=np.int64)
    every = spd if summed is product else np.add.reduceat(product, starts, dtype=np.int64)
    patient_id = rows.patient_id[starts[first]]
    return _Visits(patient, day, baseline, spd, every == 0, new_present, first, last, patient_id)


def _lesion_presence(
    rows: _Rows, starts: IntArray, patient: IntArray, first: IntArray, last: IntArray, wanted: bool
) -> BoolArray | None:
    """Check every lesion's presence; return the rows of lesions absent at baseline if wanted.

    A lesion measured ``c`` times must be measured at the patient's last ``c`` assessments (a
    known lesion is never left out) and not be 0 x 0 at the first of them. Counting, for each
    assessment, the lesions whose last ``c`` assessments include it gives at least as many
    lesions, over any tail of a patient's assessments, as were measured there, with equality
    everywhere only if every lesion is where it should be: one comparison checks them all.
    """
    key, owner = _lesion_keys(rows)
    count = np.bincount(key, minlength=owner.size)
    first_rank = (last - first + 1)[owner] - count
    arrived = np.bincount((first[owner] + first_rank)[count > 0], minlength=starts.size)
    expected = np.cumsum(arrived)
    expected -= (expected[first] - arrived[first])[patient]
    measured = np.diff(np.r_[starts, key.size])
    if not np.array_equal(expected, measured):
        raise CohortError(_missing_lesion(rows, int(patient[np.argmax(expected != measured)])))
    gone = np.flatnonzero(rows.product == 0)
    rank = np.arange(starts.size) - first[patient]
    gone_rank = rank[(_running_count(rows.new_visit) - 1)[gone]]
    unmeasurable = gone[gone_rank == first_rank[key[gone]]]
    if unmeasurable.size:
        i = int(unmeasurable[0])
        when = "at baseline" if rows.day[i] == 0 else "when first recorded"
        rule = f"is 0 x 0 {when}: a lesion must be measurable when first recorded"
        raise CohortError(where(rows.patient_id, rows.lesion_id, rows.day, i) + rule)
    if not wanted:
        return None
    result: BoolArray = (first_rank > 0)[key]
    return result


def _missing_lesion(rows: _Rows, patient: int) -> str:
    """The error message naming the first lesion missing from an assessment (error path only)."""
    bounds = np.r_[np.flatnonzero(rows.new_patient), rows.day.size]
    low, high = int(bounds[patient]), int(bounds[patient + 1])
    days = rows.day[low:high].tolist()
    lesions = rows.lesion_id[low:high].tolist()
    seen: set[int] = set()
    for day in sorted(set(days)):
        here = {lesion for d, lesion in zip(days, lesions, strict=True) if d == day}
        for lesion in sorted(seen - here):
            where = f"measurements: patient {rows.patient_id[low]}, lesion {lesion}, day {day}: "
            return where + f"is missing from this assessment ({GONE_HINT})"
        seen |= here
    return f"measurements: patient {rows.patient_id[low]}: a lesion is missing ({GONE_HINT})"


def _lesion_keys(rows: _Rows) -> tuple[IntArray, IntArray]:
    """A number per (patient, lesion) for every row, and the patient of every number.

    Dense offsets when lesion ids are compact within patients (as ``1..k``), else a sort.
    """
    starts = np.flatnonzero(rows.new_patient)
    sizes = np.diff(np.r_[starts, rows.lesion_id.size])
    low = np.minimum.reduceat(rows.lesion_id, starts)
    width = np.maximum.reduceat(rows.lesion_id, starts) - low + 1
    if float(width.astype(np.float64).sum()) <= DENSE_FACTOR * rows.lesion_id.size:
        offset = np.cumsum(width) - width - low
        key = np.repeat(offset, sizes)
        key += rows.lesion_id
        return key, np.repeat(np.arange(starts.size), width)
    patient = np.repeat(np.arange(starts.size), sizes)
    order = np.lexsort((rows.lesion_id, patient))
    lid, pat = rows.lesion_id[order], patient[order]
    distinct = np.r_[True, (lid[1:] != lid[:-1]) | (pat[1:] != pat[:-1])]
    key = np.empty(order.size, np.int64)
    key[order] = np.cumsum(distinct) - 1
    return key, pat[distinct]


def _categories(visits: _Visits, criteria: ResponseCriteria) -> tuple[IntArray, BoolArray]:
    """Each assessment's category code (index into RESPONSE_CODES; -1 at baseline), and counted."""
    spd, later = visits.spd, ~visits.baseline
    nadir = _previous_minimum(spd, visits.patient, visits.first)
    baseline = spd[visits.first][visits.patient]
    grown = increased_by(spd, nadir, criteria.progression.min_increase_from_nadir_pct)
    progressed = later & (((spd > nadir) & grown) | visits.new_present)
    halved = decreased_by(spd, baseline, criteria.partial_response.min_decrease_from_baseline_pct)
    code: IntArray = np.full(spd.size, -1, np.intp)
    code[later] = _CODE[Category.SD]
    code[later & halved] = _CODE[Category.PR]
    code[later & visits.gone] = _CODE[Category.CR]
    code[progressed] = _CODE[Category.PD]
    if criteria.confirmation.response_after_progression_counts:
        return code, later
    seen: IntArray = _running_count(progressed) - progressed
    before: IntArray = seen - seen[visits.first][visits.patient]
    return code, later & (before == 0)


def _previous_minimum(spd: IntArray, patient: IntArray, first: IntArray) -> IntArray:
    """The minimum SPD of each patient's earlier assessments (the nadir); the SPD at baseline.

    One running minimum over all patients: shifting patient k's values down by ``k`` times more
    than any SPD puts every patient below all earlier ones, so the minimum restarts at each.
    """
    big = int(spd.max()) + 1
    if big * (int(patient[-1]) + 1) >= 2**62:
        raise ValueError("sums of products too large for the running minimum")
    offset = patient.astype(np.int64) * big
    running = np.minimum.accumulate(spd - offset) + offset
    nadir = np.empty_like(spd)
    nadir[1:] = running[:-1]
    nadir[first] = spd[first]
    return nadir


def _running_count(mask: BoolArray) -> IntArray:
    """``np.cumsum`` of a mask, in int32 when it fits (several times faster than int64)."""
    result: IntArray = np.cumsum(mask, dtype=np.int32 if mask.size < 2**31 else np.int64)
    return result


def _runs(mask: BoolArray, patient: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Runs of consecutive True entries within a patient: first and last index of each run, and
    for every entry the last index of its run (meaningful where `mask` is True)."""
    joined = mask[:-1] & mask[1:] & (patient[1:] == patient[:-1])
    starts = mask & ~np.r_[False, joined]
    first = np.flatnonzero(starts)
    last = np.flatnonzero(mask & ~np.r_[joined, False])
    run = np.maximum(_running_count(starts) - 1, 0)
    return first, last, last[run] if last.size else np.zeros(mask.size, np.int64)


def _episodes(visits: _Visits, code: IntArray, counted: BoolArray, min_days: int) -> _Episodes:
    """Counted response episodes: runs of CR/PR whose first assessment is confirmed."""
    day = visits.day
    responding = counted & ((code == _CODE[Category.CR]) | (code == _CODE[Category.PR]))
    complete = counted & (code == _CODE[Category.CR])
    first, last, _ = _runs(responding, visits.patient)
    _, _, complete_until = _runs(complete, visits.patient)
    confirmed_cr = complete & (day[complete_until] - day >= min_days)
    keep = day[last] - day[first] >= min_days
    first, last = first[keep], last[keep]
    running = _running_count(confirmed_cr)
    any_cr = running[last] - running[first] + confirmed_cr[first] > 0
    patient = visits.patient[first]
    ongoing = last == visits.last[patient]
    ended_by = np.minimum(last + 1, day.size - 1)
    return _Episodes(
        patient=patient,
        onset_day=day[first],
        end_day=np.where(ongoing, day[last], day[ended_by]),
        ongoing=ongoing,
        complete=any_cr,
    )


def _per_patient(
    visits: _Visits, code: IntArray, counted: BoolArray, episodes: _Episodes
) -> Columns:
    n = visits.first.size
    only_baseline = visits.last == visits.first
    pd = code == _CODE[Category.PD]
    stable = np.bincount(visits.patient[counted & ~pd], minlength=n) > 0
    best = np.where(only_baseline, _CODE[Category.NE], _CODE[Category.PD])
    best[stable] = _CODE[Category.SD]
    best[episodes.patient] = _CODE[Category.PR]
    best[episodes.patient[episodes.complete]] = _CODE[Category.CR]
    responded = np.zeros(n, np.bool_)
    responded[episodes.patient] = True
    first = _first_of_each(episodes.patient)
    who = episodes.patient[first]
    onset = episodes.onset_day[first]
    ongoing = np.zeros(n, np.bool_)
    ongoing[who] = episodes.ongoing[first]
    progressions = np.flatnonzero(pd)
    first_pd = progressions[_first_of_each(visits.patient[progressions])]
    return {
        "best": np.asarray(RESPONSE_CODES)[best],
        "responded": responded,
        "time_to_response_days": _scatter(n, who, onset),
        "duration_of_response_days": _scatter(n, who, episodes.end_day[first] - onset),
        "response_ongoing": ongoing,
        "progression_day": _scatter(n, visits.patient[first_pd], visits.day[first_pd]),
        "last_assessment_day": visits.day[visits.last].astype(np.int64),
    }


def _first_of_each(patient: IntArray) -> BoolArray:
    return np.r_[True, patient[1:] != patient[:-1]] if patient.size else np.zeros(0, np.bool_)


def _scatter(n: int, where: IntArray, values: IntArray) -> FloatArray:
    result = np.full(n, np.nan)
    result[where] = values
    return result


def _durable(episodes: _Episodes, start: Dates, criteria: ResponseCriteria) -> BoolArray:
    """Yes when an episode began within the window and lasted the criteria's calendar months.

    In time: before the date `onset_within_months` after the start, or on it if the rule says so.
    """
    rule = criteria.durable_response
    begin = start[episodes.patient]
    onset = begin + episodes.onset_day.astype("timedelta64[D]")
    boundary = add_months(begin, rule.onset_within_months)
    eligible = onset < boundary
    if rule.onset_on_boundary_date_counts:
        eligible |= onset == boundary
    end = begin + episodes.end_day.astype("timedelta64[D]")
    lasted = end >= add_months(onset, rule.min_duration_months)
    durable = np.zeros(start.size, np.bool_)
    durable[episodes.patient[eligible & lasted]] = True
    return durable


def add_months(days: npt.ArrayLike, months: int) -> Dates:
    """`tvec.domain.calendar.add_months` on an array of dates (``datetime64[D]``).

    The same day of the month `months` later, clamped to that month's last day.
    """
    day = np.asarray(days).astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    day_index = (day - month.astype("datetime64[D]")).astype(np.int64)
    target = month + months
    first_day = target.astype("datetime64[D]")
    length = ((target + 1).astype("datetime64[D]") - first_day).astype(np.int64)
    result: Dates = first_day + np.minimum(day_index, length - 1)
    return result


def _patient_rows(patient_ids: npt.ArrayLike, measured: IntArray) -> IntArray:
    """The row of the patients table of each measured patient; every patient must be measured."""
    ids = np.asarray(patient_ids, np.int64)
    if ids.shape == measured.shape and np.array_equal(ids, measured):
        return np.arange(ids.size)
    order = np.argsort(ids, kind="stable")
    ordered = ids[order]
    twice = np.flatnonzero(ordered[1:] == ordered[:-1])
    if twice.size:
        raise CohortError(f"patients: patient_id {ordered[twice[0]]} appears twice")
    position = np.minimum(np.searchsorted(ordered, measured), max(ids.size - 1, 0))
    unknown = ordered[position] != measured if ids.size else np.ones(measured.size, np.bool_)
    if unknown.any():
        who = measured[np.argmax(unknown)]
        raise CohortError(f"measurements: patient {who} is not in the patients table")
    if measured.size < ids.size:
        who = np.setdiff1d(ids, measured)[0]
        rule = "has no measurements: record the baseline lesions on day 0"
        raise CohortError(f"patients: patient {who} {rule}")
    rows: IntArray = order[position]
    return rows


def cohort_responses_reference(cohort: Cohort, criteria: ResponseCriteria) -> CohortResponses:
    """The same results from `tvec.domain.response.assess_response`, one patient at a time.

    The ground truth for `cohort_responses` (slow: milliseconds per patient); see
    `domain_assessments`. Invalid measurements raise the domain's `InvalidInput`.
    """
    return reference_columns(cohort, domain_assessments(cohort, criteria))


def reference_columns(cohort: Cohort, assessments: Sequence[ResponseAssessment]) -> CohortResponses:
    """The `CohortResponses` columns of the domain's assessments of the cohort's patients."""
    columns: dict[str, list[object]] = {name: [] for name in _REFERENCE_DTYPES}
    patient_ids = np.asarray(cohort.patients["patient_id"], np.int64).tolist()
    for patient, result in zip(patient_ids, assessments, strict=True):
        _collect(columns, patient, result)
    return CohortResponses(
        {name: np.asarray(columns[name], dtype) for name, dtype in _REFERENCE_DTYPES.items()}
    )


def domain_assessments(cohort: Cohort, criteria: ResponseCriteria) -> list[ResponseAssessment]:
    """`tvec.domain.response.assess_response` of every patient, in the patients table's order.

    Each measurement becomes a `Measurement` dated ``start_date + day``, with its sizes as
    `Decimal` at the registry's 0.1 cm resolution and the lesion's site and injection from the
    lesions table. Invalid measurements raise the domain's `InvalidInput`.
    """
    lesion_info = _lesion_info(cohort.lesions)
    table = {name: np.asarray(values).tolist() for name, values in cohort.measurements.items()}
    measured = np.asarray(cohort.measurements["patient_id"], np.int64)
    order = np.argsort(measured, kind="stable")
    patient_ids = np.asarray(cohort.patients["patient_id"], np.int64)
    lows = np.searchsorted(measured[order], patient_ids, "left").tolist()
    highs = np.searchsorted(measured[order], patient_ids, "right").tolist()
    starts = np.asarray(cohort.patients["start_date"]).astype("datetime64[D]").tolist()
    results = []
    for start, low, high in zip(starts, lows, highs, strict=True):
        measurements = [
            _measurement(table, i, start, lesion_info) for i in order[low:high].tolist()
        ]
        results.append(assess_response(criteria, start, measurements))
    return results


_REFERENCE_DTYPES: dict[str, npt.DTypeLike] = {
    "patient_id": np.int64,
    "best": f"<U{max(map(len, RESPONSE_CODES))}",
    "responded": np.bool_,
    "time_to_response_days": np.float64,
    "duration_of_response_days": np.float64,
    "response_ongoing": np.bool_,
    "durable": np.bool_,
    "progression_day": np.float64,
    "last_assessment_day": np.int64,
}


def _lesion_info(lesions: Columns) -> dict[tuple[int, int], tuple[Site, bool]]:
    keys = ("patient_id", "lesion_id", "site", "injected")
    return {
        (patient, lesion): (Site(site), bool(injected))
        for patient, lesion, site, injected in zip(
            *(np.asarray(lesions[key]).tolist() for key in keys), strict=True
        )
    }


def _measurement(
    table: dict[str, list[object]],
    i: int,
    start: dt.date,
    lesion_info: dict[tuple[int, int], tuple[Site, bool]],
) -> Measurement:
    patient, lesion, day = (int(str(table[c][i])) for c in ("patient_id", "lesion_id", "day"))
    site, injected = lesion_info[patient, lesion]
    return Measurement(
        day=start + dt.timedelta(days=day),
        lesion_id=str(lesion),
        longest_cm=_decimal_cm(table["longest_cm"][i]),
        perpendicular_cm=_decimal_cm(table["perpendicular_cm"][i]),
        site=site,
        injected=injected,
        row=i,
    )


def _decimal_cm(value: object) -> Decimal:
    """A size in cm as an exact decimal at the registry's 0.1 cm resolution."""
    return Decimal(round(float(str(value)) * MM_PER_CM)) / MM_PER_CM


def _collect(columns: dict[str, list[object]], patient: int, result: ResponseAssessment) -> None:
    progression = next((a.day for a in result.assessments if a.category is Category.PD), None)
    values = {
        "patient_id": patient,
        "best": result.best_overall_response.value,
        "responded": result.time_to_response_days is not None,
        "time_to_response_days": _or_nan(result.time_to_response_days),
        "duration_of_response_days": _or_nan(result.duration_of_response_days),
        "response_ongoing": bool(result.response_ongoing),
        "durable": result.durable_response is DurableStatus.YES,
        "progression_day": _or_nan(progression),
        "last_assessment_day": result.assessments[-1].day,
    }
    for name, value in values.items():
        columns[name].append(value)


def _or_nan(value: int | None) -> float:
    return math.nan if value is None else float(value)
