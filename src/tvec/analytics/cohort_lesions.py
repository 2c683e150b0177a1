"""Lesion-level response and best change of the sum of products, for a whole cohort at once.

The rules have one home: `tvec.domain.response_lesions` (the OPTiM lesion analysis) and the
per-assessment ``change_from_baseline_pct`` of `tvec.domain.response`. This module executes them
on the registry's columns with the exact integer arithmetic of the cohort response engine
(`tvec.analytics.exact`: sizes in whole millimetres, products and sums in mm², thresholds as
integer comparisons), and ``tests/analytics/test_cohort_engine.py`` holds both executions equal,
patient by patient, on the same Hypothesis-generated cohorts as `cohort_responses`.

Lesion-level response. A lesion is visceral (by site), injected (injected, not visceral) or
uninjected non-visceral. It is evaluable with a first measurement and at least one later one. It
"shrank" when a later product (longest × perpendicular) is at most ``100 - t`` percent of its
first product, ``t`` being the criteria's ``lesion_level.min_shrinkage_pct``; it "resolved" when a
later measurement is 0 × 0. Its best change is the lowest later product against the first.

Best SPD change. For each patient, the lowest sum of products of the assessments after baseline
against the baseline sum; new lesions (first measured after day 0) join the sums only when the
criteria say so (``progression.new_lesions_added_to_sum``), as in the response engine.

Percentages are exact fractions of integers until they are shown: the float arrays here are
those fractions correctly rounded once (`tvec.analytics.exact.percent_change`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tvec.analytics.cohort import Cohort, CohortError
from tvec.analytics.exact import decreased_by, millimetres, percent_change
from tvec.analytics.inputs import BoolArray, FloatArray, IntArray, readonly
from tvec.domain.response_lesions import LesionGroup
from tvec.domain.rules import ResponseCriteria

LESION_GROUPS = tuple(group.value for group in LesionGroup)
_NONE = np.iinfo(np.int64).max  # "no later measurement" in a running minimum


@dataclass(frozen=True)
class LesionGroupResponse:
    """Lesion-level response of one lesion group in one arm; shares are `None` without lesions."""

    arm: str
    group: str  # a `LesionGroup` value
    lesions: int  # evaluable lesions
    shrank_at_least_pct: float
    shrank_count: int
    shrank_share: float | None
    resolved_count: int
    resolved_share: float | None


@dataclass(frozen=True)
class LesionChanges:
    """Every lesion of the cohort, in the order of the lesions table (read-only arrays).

    ``first_mm2`` and ``lowest_later_mm2`` are the exact products (mm²) the rules compare; the
    latter is 0 for a lesion that is not evaluable. ``best_change_pct`` is the lowest later product
    against the first, in percent (-100 when resolved), for display; NaN for lesions that are not
    evaluable.
    """

    patient_id: IntArray
    lesion_id: IntArray
    arm: npt.NDArray[np.str_]
    group: npt.NDArray[np.str_]
    evaluable: BoolArray
    first_mm2: IntArray
    lowest_later_mm2: IntArray
    best_change_pct: FloatArray
    shrank: BoolArray
    resolved: BoolArray


@dataclass(frozen=True)
class SpdChanges:
    """Per patient row: baseline and lowest later sum of products (exact, mm²).

    ``known`` is False for a patient without a positive baseline sum or without an assessment
    after baseline; both sums are then 0.
    """

    baseline_mm2: IntArray
    lowest_later_mm2: IntArray
    known: BoolArray

    @property
    def best_change_pct(self) -> FloatArray:
        """The lowest later sum against the baseline sum, in percent; NaN where not known."""
        return readonly(percent_change(self.lowest_later_mm2, self.baseline_mm2, self.known))


def _patient_rows(cohort: Cohort, patient_ids: npt.ArrayLike, table: str) -> IntArray:
    """Row of each id in the patients table; `CohortError` for an unknown patient."""
    ids = np.asarray(cohort.patients["patient_id"]).astype(np.int64)
    wanted = np.asarray(patient_ids).astype(np.int64)
    runs = _segments(wanted) if np.all(wanted[1:] >= wanted[:-1]) else None
    distinct = wanted if runs is None else wanted[runs]  # rows grouped by patient: look up once
    order = np.argsort(ids, kind="stable")
    position = np.searchsorted(ids[order], distinct)
    position = np.minimum(position, max(ids.size - 1, 0))
    if ids.size == 0 or np.any(ids[order][position] != distinct):
        raise CohortError(f"{table}: patient_id not in the patients table")
    rows: IntArray = order[position].astype(np.intp)
    if runs is not None:
        rows = np.repeat(rows, np.diff(np.r_[runs, wanted.size]))
    return rows


def _measurement_lesions(
    cohort: Cohort, lesion_rows: RowArray | None = None, measured_rows: RowArray | None = None
) -> RowArray:
    """The row of the lesions table of every measurement.

    Each (patient_id, lesion_id) pair becomes one int64, ``patient row · span + lesion offset``.
    When those codes are few enough (lesion ids are small within a patient, as in any registry),
    a table indexed by code finds each measurement's lesion in one gather; otherwise the codes
    are sorted and searched. `lesion_rows` and `measured_rows`, the patient rows of the lesions
    and of the measurements, may be given when already known. The rows come as int32 when the
    table is searched by code (half the memory of int64 for tens of millions of measurements).
    """
    lesion_pid = np.asarray(cohort.lesions["patient_id"]).astype(np.int64, copy=False)
    lesion_lid = np.asarray(cohort.lesions["lesion_id"]).astype(np.int64, copy=False)
    measured_pid = np.asarray(cohort.measurements["patient_id"]).astype(np.int64, copy=False)
    measured_lid = np.asarray(cohort.measurements["lesion_id"]).astype(np.int64, copy=False)
    if lesion_lid.size == 0:
        if measured_lid.size:
            raise CohortError("measurements: a (patient_id, lesion_id) is not in the lesions table")
        return np.zeros(0, np.intp)
    low = min(int(lesion_lid.min()), int(measured_lid.min(initial=lesion_lid.min())))
    span = max(int(lesion_lid.max()), int(measured_lid.max(initial=lesion_lid.max()))) - low + 1
    if cohort.n_patients * span >= 2**62:
        raise CohortError("lesions: lesion_id values too far apart to index")
    if lesion_rows is None:
        lesion_rows = _patient_rows(cohort, lesion_pid, "lesions")
    if measured_rows is None:
        measured_rows = _patient_rows(cohort, measured_pid, "measurements")
    lesion_code = lesion_rows.astype(np.int64, copy=False) * span + (lesion_lid - low)
    measured_code = measured_rows.astype(np.int64, copy=False) * span + (measured_lid - low)
    codes = cohort.n_patients * span
    if codes <= 8 * (lesion_lid.size + measured_lid.size) and lesion_lid.size < 2**31 - 1:
        table = np.full(codes, -1, np.int32)  # the lesion row of each code, -1 for none
        table[lesion_code] = np.arange(lesion_lid.size, dtype=np.int32)
        if np.any(table[lesion_code] != np.arange(lesion_lid.size, dtype=np.int32)):
            raise CohortError("lesions: the same (patient_id, lesion_id) appears twice")
        found: RowArray = table[measured_code]
        if np.any(found < 0):
            raise CohortError("measurements: a (patient_id, lesion_id) is not in the lesions table")
        return found
    order = np.argsort(lesion_code, kind="stable")
    ordered = lesion_code[order]
    if np.any(ordered[1:] == ordered[:-1]):
        raise CohortError("lesions: the same (patient_id, lesion_id) appears twice")
    position = np.minimum(np.searchsorted(ordered, measured_code), ordered.size - 1)
    if np.any(ordered[position] != measured_code):
        raise CohortError("measurements: a (patient_id, lesion_id) is not in the lesions table")
    rows: IntArray = order[position].astype(np.intp)
    return rows


RowArray = npt.NDArray[np.signedinteger[Any]]  # rows of a table: int32 when they fit


def _compact(rows: RowArray) -> RowArray:
    """`rows` as int32 when every value fits (half the memory), else unchanged."""
    if rows.size and int(rows.max()) >= 2**31 - 1:
        return rows
    compact: RowArray = rows.astype(np.int32, copy=False)
    return compact


@dataclass(frozen=True)
class MeasurementIndex:
    """What the lesion analyses of one cohort share, computed once (`measurement_index`).

    Every array is read-only and aligned with the rows of ``cohort.measurements`` (``lesion``,
    ``row``, ``day``, ``product_mm2``, ``gone``) or of ``cohort.lesions`` (``lesion_row``). Build
    it for a cohort and pass it, with that cohort, to `lesion_changes`, `spd_changes` and
    `tvec.analytics.baseline.baseline_disease`; each would otherwise join the tables itself.
    """

    lesion: RowArray  # row of the lesions table of each measurement (int32 when it fits)
    row: RowArray  # row of the patients table of each measurement (int32 when it fits)
    day: IntArray
    product_mm2: IntArray  # longest × perpendicular, exact (whole millimetres)
    gone: BoolArray  # measured 0 × 0
    lesion_row: IntArray  # row of the patients table of each lesion


def measurement_index(cohort: Cohort) -> MeasurementIndex:
    """Join every measurement to its lesion and patient, and take its exact product, once.

    Raises
    ------
    CohortError
        As `lesion_changes` does: an unknown patient or lesion, a lesion listed twice, or a size
        that is not a whole number of millimetres.
    """
    lesion_row = np.zeros(0, np.intp)
    if np.asarray(cohort.lesions["lesion_id"]).size:
        lesion_row = _patient_rows(cohort, cohort.lesions["patient_id"], "lesions")
    row = _compact(_patient_rows(cohort, cohort.measurements["patient_id"], "measurements"))
    lesion = _compact(_measurement_lesions(cohort, lesion_row, row))
    product, gone = _products(cohort)
    day = np.asarray(cohort.measurements["day"]).astype(np.int64, copy=False)
    return MeasurementIndex(
        lesion=readonly(lesion),
        row=readonly(row),
        day=readonly(day),
        product_mm2=readonly(product),
        gone=readonly(gone),
        lesion_row=readonly(lesion_row),
    )


def _index_of(cohort: Cohort, index: MeasurementIndex | None) -> MeasurementIndex:
    if index is None:
        return measurement_index(cohort)
    if index.lesion_row.size != np.asarray(cohort.lesions["lesion_id"]).size or (
        index.lesion.size != cohort.n_measurements
    ):
        raise ValueError("the measurement index is not the one of this cohort")
    return index


def _sorted_by(major: RowArray, minor: IntArray) -> IntArray | None:
    """The stable order by (`major`, `minor`), as ``np.lexsort((minor, major))`` gives it; `None`
    when the rows are already in that order (nothing to move)."""
    if major.size < 2:
        return None
    same = major[1:] == major[:-1]
    if bool(np.all((major[1:] > major[:-1]) | (same & (minor[1:] >= minor[:-1])))):
        return None
    low, high = int(minor.min()), int(minor.max())
    width = high - low + 1
    if int(major.max()) * width + width >= 2**62 or int(major.min()) < 0:
        order: IntArray = np.lexsort((minor, major))
        return order
    # one int64 key, sorted stably: the same order as lexsort, in a single pass
    key = major.astype(np.int64) * width
    key += minor - low
    order = np.argsort(key, kind="stable")
    return order


def _products(cohort: Cohort) -> tuple[IntArray, BoolArray]:
    """Each measurement's product in mm² (exact int64) and whether it is 0 × 0."""
    m = cohort.measurements
    pid, lid, day = (
        np.asarray(m[c]).astype(np.int64, copy=False) for c in ("patient_id", "lesion_id", "day")
    )
    longest = millimetres(m["longest_cm"], "longest_cm", pid, lid, day)
    perpendicular = millimetres(m["perpendicular_cm"], "perpendicular_cm", pid, lid, day)
    product: IntArray = np.multiply(longest, perpendicular, dtype=np.int64)
    gone: BoolArray = (longest == 0) & (perpendicular == 0)
    return product, gone


def _segments(key: RowArray) -> IntArray:
    """The first index of each run of equal values of a sorted `key`."""
    starts: IntArray = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if key.size else key
    return starts


def lesion_changes(
    cohort: Cohort, criteria: ResponseCriteria, index: MeasurementIndex | None = None
) -> LesionChanges:
    """Group, best change, shrinkage and resolution of every lesion (vectorised; module notes).

    Parameters
    ----------
    cohort : Cohort
    criteria : ResponseCriteria
        Supplies ``lesion_level.min_shrinkage_pct``.
    index : MeasurementIndex, optional
        The cohort's `measurement_index`, when it is already built.

    Returns
    -------
    LesionChanges
        Aligned with the rows of ``cohort.lesions``.

    Raises
    ------
    CohortError
        When a measurement names a lesion the lesions table lacks, or a size is not a whole
        number of millimetres.
    """
    n_lesions = np.asarray(cohort.lesions["lesion_id"]).size
    shared = _index_of(cohort, index)
    lesion, product, gone = shared.lesion, shared.product_mm2, shared.gone
    order = _sorted_by(lesion, shared.day)
    if order is not None:
        lesion, product, gone = lesion[order], product[order], gone[order]
    starts = _segments(lesion)
    later = np.ones(lesion.size, np.bool_)
    later[starts] = False
    first = np.zeros(n_lesions, np.int64)
    first[lesion[starts]] = product[starts]
    lowest = np.full(n_lesions, _NONE, np.int64)
    if starts.size:
        lowest[lesion[starts]] = np.minimum.reduceat(np.where(later, product, _NONE), starts)
    evaluable = lowest != _NONE
    lowest[~evaluable] = 0
    resolved = np.zeros(n_lesions, np.bool_)
    resolved[lesion[later & gone]] = True
    del lesion, product, gone, later, order  # the per-measurement copies, before the lesions' text
    shrank = evaluable & decreased_by(lowest, first, criteria.lesion_level.min_shrinkage_pct)
    return LesionChanges(
        patient_id=readonly(np.asarray(cohort.lesions["patient_id"]).astype(np.intp)),
        lesion_id=readonly(np.asarray(cohort.lesions["lesion_id"]).astype(np.intp)),
        arm=readonly(_arms(cohort, shared.lesion_row)),
        group=readonly(_groups(cohort)),
        evaluable=readonly(evaluable),
        first_mm2=readonly(first),
        lowest_later_mm2=readonly(lowest),
        best_change_pct=readonly(percent_change(lowest, first, evaluable)),
        shrank=readonly(shrank),
        resolved=readonly(resolved),
    )


def _arms(cohort: Cohort, rows: IntArray) -> npt.NDArray[np.str_]:
    arm: npt.NDArray[np.str_] = np.asarray(cohort.patients["arm"]).astype(str, copy=False)[rows]
    return arm


def _groups(cohort: Cohort) -> npt.NDArray[np.str_]:
    site = np.asarray(cohort.lesions["site"]).astype(str, copy=False)
    injected = np.asarray(cohort.lesions["injected"], dtype=bool)
    names = np.array(
        [g.value for g in (LesionGroup.INJECTED, LesionGroup.UNINJECTED_NON_VISCERAL)]
        + [LesionGroup.VISCERAL.value]
    )
    # a small code per lesion, then one gather of the names: no string built per lesion
    code = np.where(site == "visceral", np.int8(2), np.where(injected, np.int8(0), np.int8(1)))
    group: npt.NDArray[np.str_] = names[code]
    return group


def lesion_group_responses(
    changes: LesionChanges, criteria: ResponseCriteria, arms: tuple[str, ...]
) -> tuple[LesionGroupResponse, ...]:
    """Per arm (in `arms` order) and lesion group: evaluable lesions, shrunk and resolved.

    Shares are plain fractions of counts, as floats for display.
    """
    rows = []
    threshold = float(criteria.lesion_level.min_shrinkage_pct)
    # each arm's and each group's lesions found once (text comparisons over every lesion)
    in_group = {group: changes.group == group for group in LESION_GROUPS}
    for arm in arms:
        in_arm = changes.evaluable & (changes.arm == arm)
        for group in LESION_GROUPS:
            mask = in_arm & in_group[group]
            total = int(mask.sum())
            shrunk = int(changes.shrank[mask].sum())
            gone = int(changes.resolved[mask].sum())
            rows.append(
                LesionGroupResponse(
                    arm=arm,
                    group=group,
                    lesions=total,
                    shrank_at_least_pct=threshold,
                    shrank_count=shrunk,
                    shrank_share=shrunk / total if total else None,
                    resolved_count=gone,
                    resolved_share=gone / total if total else None,
                )
            )
    return tuple(rows)


def spd_changes(
    cohort: Cohort, criteria: ResponseCriteria, index: MeasurementIndex | None = None
) -> SpdChanges:
    """Baseline and lowest later sum of products of every patient row (exact; module notes).

    `index` is the cohort's `measurement_index`, when it is already built.
    """
    shared = _index_of(cohort, index)
    lesion, product, day, row = shared.lesion, shared.product_mm2, shared.day, shared.row
    if not criteria.progression.new_lesions_added_to_sum:
        first_day = np.full(np.asarray(cohort.lesions["lesion_id"]).size, _NONE, np.int64)
        np.minimum.at(first_day, lesion, day)
        product = np.where(first_day[lesion] == 0, product, 0)
    order = _sorted_by(row, day)
    if order is not None:
        row, day, product = row[order], day[order], product[order]
    cells = np.flatnonzero(np.r_[True, (row[1:] != row[:-1]) | (day[1:] != day[:-1])])
    cells = cells if row.size else cells[:0]
    spd = np.add.reduceat(product, cells) if cells.size else np.zeros(0, np.int64)
    cell_row, at_zero = row[cells], day[cells] == 0
    n = cohort.n_patients
    baseline = np.zeros(n, np.int64)
    baseline[cell_row[at_zero]] = spd[at_zero]
    patients = _segments(cell_row)
    lowest = np.full(n, _NONE, np.int64)
    if patients.size:
        lowest[cell_row[patients]] = np.minimum.reduceat(np.where(at_zero, _NONE, spd), patients)
    known = (lowest != _NONE) & (baseline > 0)
    return SpdChanges(
        baseline_mm2=readonly(np.where(known, baseline, 0)),
        lowest_later_mm2=readonly(np.where(known, lowest, 0)),
        known=readonly(known),
    )


def spd_best_change(
    cohort: Cohort, criteria: ResponseCriteria, index: MeasurementIndex | None = None
) -> FloatArray:
    """Best (lowest) % change of the sum of products from baseline, one value per patient row.

    NaN for a patient without a baseline sum, or without an assessment after baseline. `index`
    is the cohort's `measurement_index`, when it is already built.
    """
    return spd_changes(cohort, criteria, index).best_change_pct


def measurement_lesions(cohort: Cohort) -> IntArray:
    """The row of the lesions table of each measurement (`CohortError` for a measurement whose
    lesion the lesions table lacks); used by the baseline tables (`tvec.analytics.baseline`)."""
    rows: IntArray = _measurement_lesions(cohort).astype(np.intp, copy=False)
    return rows


def patient_rows(cohort: Cohort, patient_ids: npt.ArrayLike, table: str) -> IntArray:
    """The row of the patients table of each id (`CohortError` naming `table` for an unknown
    patient)."""
    return _patient_rows(cohort, patient_ids, table)
