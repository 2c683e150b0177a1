"""Per-patient tumour response for a whole registry at once: the domain rules on NumPy columns.

Why a second execution of the response rules
--------------------------------------------
The response rules have one home, `tvec.domain.response.assess_response`, which assesses one
patient from `Decimal` measurements. A registry of 1,000,000 patients (about 30,000,000 lesion
measurements) would need roughly an hour that way (a few milliseconds per patient, most of it
building and validating `Measurement` objects). `cohort_responses` executes the same rules on
whole columns instead: one pass over the measurements sorted by patient, day and lesion, segment
sums (``np.add.reduceat``), a segmented running minimum and cumulative counts, with no loop that
visits a patient. It takes a few seconds for the whole registry.

One rule, two executions: `cohort_responses_reference` calls the domain engine patient by
patient, and ``tests/analytics/test_cohort_engine.py`` checks that both return identical results
(every column, exactly) on hand-made edge cases, on Hypothesis-generated cohorts under the bundled
and perturbed criteria, and on synthetic registries. A change to a domain rule makes those tests
fail until this module follows. Every threshold and duration is read from the `ResponseCriteria`;
none is written here.

Exact arithmetic
----------------
The domain compares exact decimals. The registry records diameters to 0.1 cm, so sizes are
converted to whole millimetres and every sum of products is an exact integer (mm²). A threshold
``t`` percent, itself a decimal ``t = a/b``, turns "``spd <= baseline · (1 - t/100)``" into the
integer comparison ``100·b·spd <= (100·b - a)·baseline``; progression likewise. A size that is not
a whole number of millimetres (beyond float representation error) is refused, as are the inputs
the domain refuses (see `tvec.domain.response_validation`); the error names the patient.

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
vectorised `add_months`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from tvec.analytics.cohort import RESPONSE_CODES, Cohort, CohortError, CohortResponses, Columns
from tvec.analytics.inputs import BoolArray, FloatArray, IntArray
from tvec.domain.lesions import GONE_HINT
from tvec.domain.response import Category, DurableStatus, Measurement, assess_response
from tvec.domain.rules import ResponseCriteria, Site

MM_PER_CM = 10  # the registry's resolution is 0.1 cm (a format fact, not a response threshold)
GRID_SLACK = 1e-6  # mm: how far a float may sit from a whole millimetre (representation error)
PERCENT = 100
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


@dataclass(frozen=True)
class _Episodes:
    """Counted response episodes, in patient then date order."""

    patient: IntArray
    onset_day: IntArray
    end_day: IntArray  # the assessment that ended it, or the last one if it is still running
    ongoing: BoolArray
    complete: BoolArray  # best confirmed category CR (else PR)


def cohort_responses(cohort: Cohort, criteria: ResponseCriteria) -> CohortResponses:
    """Best overall response, response times and durable response of every patient, vectorised.

    Parameters
    ----------
    cohort : Cohort
        The registry tables (docs/registry-format.md). Only ``measurements`` and the patients'
        ``patient_id`` and ``start_date`` are read: sites and injection do not change a response.
    criteria : ResponseCriteria
        Response criteria, e.g. ``tvec.knowledge.load_criteria("modified-who")``.

    Returns
    -------
    CohortResponses
        Aligned with ``cohort.patients``; identical to `cohort_responses_reference`.

    Raises
    ------
    CohortError
        Where the domain engine would refuse a patient's measurements, naming the patient.
    """
    rows = _read_measurements(cohort.measurements)
    visits = _visits(rows, criteria)
    category, counted = _categories(visits, criteria)
    episodes = _episodes(visits, category, counted, criteria.confirmation.min_days)
    patient_row = _patient_rows(cohort.patients["patient_id"], rows.patient_id[visits.first])
    start = np.asarray(cohort.patients["start_date"]).astype("datetime64[D]")[patient_row]
    durable = _durable(episodes, start, criteria)
    columns = _per_patient(visits, category, counted, episodes)
    columns["durable"] = durable
    columns["patient_id"] = rows.patient_id[visits.first]
    result: Columns = {}
    for name, values in columns.items():
        result[name] = np.empty_like(values)
        result[name][patient_row] = values
    return CohortResponses(result)


def _read_measurements(table: Columns) -> _Rows:
    pid, day, lid = (np.asarray(table[c], np.int64) for c in ("patient_id", "day", "lesion_id"))
    longest, perpendicular = table["longest_cm"], table["perpendicular_cm"]
    if pid.size == 0:
        raise CohortError("measurements: the table is empty")
    same_patient, same_visit, ordered = _order_checks(pid, day, lid)
    if not ordered.all():
        order = np.lexsort((lid, day, pid))
        pid, day, lid = pid[order], day[order], lid[order]
        longest, perpendicular = np.asarray(longest)[order], np.asarray(perpendicular)[order]
        same_patient, same_visit, ordered = _order_checks(pid, day, lid)
        if not ordered.all():
            i = int(np.argmin(ordered)) + 1
            raise CohortError(_where(pid, lid, day, i) + "is a duplicate lesion id on this date")
    long_mm = _millimetres(longest, "longest_cm")
    perp_mm = _millimetres(perpendicular, "perpendicular_cm")
    _check_diameters(pid, lid, day, long_mm, perp_mm)
    return _Rows(
        patient_id=pid,
        day=day,
        lesion_id=lid,
        product=long_mm * perp_mm,
        new_patient=np.r_[True, ~same_patient],
        new_visit=np.r_[True, ~same_visit],
    )


def _order_checks(pid: IntArray, day: IntArray, lid: IntArray) -> tuple[BoolArray, ...]:
    """Same patient / same assessment as the previous row, and strictly increasing keys."""
    same_patient = pid[1:] == pid[:-1]
    same_visit = same_patient & (day[1:] == day[:-1])
    later = (pid[1:] > pid[:-1]) | (same_patient & (day[1:] > day[:-1]))
    return same_patient, same_visit, later | (same_visit & (lid[1:] > lid[:-1]))


def _where(pid: IntArray, lid: IntArray, day: IntArray, i: int) -> str:
    return f"measurements: patient {pid[i]}, lesion {lid[i]}, day {day[i]}: "


def _millimetres(cm: npt.ArrayLike, name: str) -> IntArray:
    """Whole millimetres, refusing sizes off the 0.1 cm grid, negative or not finite."""
    scaled = np.asarray(cm, dtype=np.float64) * MM_PER_CM
    mm = np.rint(scaled)
    np.subtract(scaled, mm, out=scaled)
    bad = ~(np.abs(scaled, out=scaled) <= GRID_SLACK) | (mm < 0)
    if bad.any():
        i = int(np.argmax(bad))
        value = float(np.asarray(cm, dtype=np.float64)[i])
        raise CohortError(f"measurements: {name}[{i}] = {value!r} is not a size in 0.1 cm >= 0")
    return mm.astype(np.int64)


def _check_diameters(
    pid: IntArray, lid: IntArray, day: IntArray, longest: IntArray, perpendicular: IntArray
) -> None:
    """`tvec.domain.lesions.check_diameters` with ``may_be_gone``, on whole columns."""
    gone = (longest == 0) & (perpendicular == 0)
    for field, bad, rule in (
        ("longest_cm", ~gone & (longest == 0), f"must be greater than 0 ({GONE_HINT})"),
        ("perpendicular_cm", ~gone & (perpendicular == 0), f"must be greater than 0 ({GONE_HINT})"),
        ("perpendicular_cm", perpendicular > longest, "must not exceed longest_cm"),
    ):
        if bad.any():
            raise CohortError(_where(pid, lid, day, int(np.argmax(bad))) + f"{field} {rule}")


def _visits(rows: _Rows, criteria: ResponseCriteria) -> _Visits:
    starts = np.flatnonzero(rows.new_visit)
    patient_of_row = np.cumsum(rows.new_patient, dtype=np.int64) - 1
    patient = patient_of_row[starts]
    first = np.flatnonzero(rows.new_patient[starts])
    last = np.r_[first[1:] - 1, starts.size - 1]
    day = rows.day[starts]
    if np.any(day[first] != 0):
        i = starts[first[np.argmax(day[first] != 0)]]
        rule = "no lesion is measured on day 0 (the start date, the day of the first dose)"
        raise CohortError(f"measurements: patient {rows.patient_id[i]}: {rule}")
    baseline = np.zeros(starts.size, np.bool_)
    baseline[first] = True
    rank = np.arange(starts.size) - first[patient]
    new_lesion = _new_lesion_rows(rows, patient_of_row, np.repeat(rank, np.diff(np.r_[starts, rows.day.size])), last - first + 1)
    rule = criteria.progression
    included = rows.product if rule.new_lesions_added_to_sum else np.where(new_lesion, 0, rows.product)
    spd = np.add.reduceat(included, starts)
    every = spd if rule.new_lesions_added_to_sum else np.add.reduceat(rows.product, starts)
    new_present = np.zeros(starts.size, np.bool_)
    if rule.new_lesion_is_progression:
        new_present = np.add.reduceat(np.where(new_lesion, rows.product, 0), starts) > 0
    return _Visits(patient, day, baseline, spd, every == 0, new_present, first, last)
