"""Trial endpoints of a cohort: response rates, durable response, time-to-event, lesions, subgroups.

Input is a `Cohort` (the three registry tables, docs/registry-format.md) and the per-patient
`CohortResponses` computed from it by the response engine; output is one frozen `Endpoints` value.
Everything is computed on NumPy arrays; no loop visits a patient or a lesion.

Conventions
-----------
Arms. Arms appear in the order of `tvec.analytics.cohort.ARMS` (T-VEC, then GM-CSF), then any
other arm label in sorted order. Two-arm comparisons are "first arm versus second arm", so with a
randomised T-VEC / GM-CSF cohort the relative risk is T-VEC over GM-CSF, as published for OPTiM.
A single-arm cohort (a centre's own patients) gets rates only.

Rates. The objective response rate (ORR) counts patients with a counted (confirmed) CR or PR
(``responded``); the CR and PR rates use the best overall response; the durable response rate
(DRR) counts ``durable``. Every rate comes with the Wilson score and the exact Clopper–Pearson
interval (and Wald, for completeness) from `tvec.analytics.proportions.proportion`.

Months. Times are reported in months of ``365.25 / 12 = 30.4375`` days (`DAYS_PER_MONTH`), the
average Gregorian month. Kaplan–Meier curves and landmarks are computed on that scale. (The
response engine itself counts calendar months for the durable-response rule; that is a rule of the
criteria, not a reporting convention.)

Time to response. Among responders: the median, minimum and maximum of the days from day 0 to the
onset of the first counted response, as published for OPTiM (median and range, no interval).

Duration of response. Kaplan–Meier over responders: time from the onset of the first counted
response to the assessment that ended it (the first SD or PD after it); the event is "the response
ended". A response still running at the last assessment is censored there. Deaths without a
recorded end of response are censored too (the registry holds no assessment at death).

Overall survival. Kaplan–Meier of ``os_days`` / ``os_event``, with landmarks at 12 and 24 months
and the median with its Brookmeyer–Crowley interval. Between two arms: the log-rank test.

Progression-free survival. The event is the first assessment categorised PD under the criteria
(``progression_day``) or death (``os_event == 1`` at ``os_days``), whichever comes first. A
patient with neither is censored at the last tumour assessment (``last_assessment_day``), not at
the last contact: progression can only be seen at an assessment. Under criteria that let a
response after progression count (modified WHO), an early PD followed by a response still ends
PFS at that PD; this is the conventional, conservative reading.

Lesion-level response. As in `tvec.domain.response_lesions` (the OPTiM lesion analysis): a
lesion is visceral (by site), injected (ever injected, not visceral) or uninjected non-visceral.
It is evaluable with a first measurement and at least one later one. It "shrank" when a later
product (longest × perpendicular) is at most ``100 - t`` percent of its first product, ``t`` being
the criteria's ``lesion_level.min_shrinkage_pct``; it "resolved" when a later measurement is
0 × 0. Comparisons are made as ``100 · later <= (100 - t) · first`` with a relative slack of
1e-9, so that a product exactly at the threshold counts as shrunk, as it does in the exact
decimal arithmetic of the domain engine. Lesions are clustered within patients, so shares are
given without confidence intervals.

Subgroups. For each stage and each line of therapy: patients per arm, DRR per arm and, with two
arms, the relative risk (Katz interval) and the odds ratio (Woolf interval) of durable response,
first arm over second. No 0.5 correction is applied: a ratio whose table has an empty cell is
`None` ("not estimable") with a `StatisticalWarning`. Across stages, the Mantel–Haenszel common
odds ratio (Robins–Breslow–Greenland interval) and the CMH test adjust the DRR comparison for stage.

Statistical caveats (an interval of zero width, a landmark beyond follow-up, an empty cell) arrive
as `StatisticalWarning` from the functions used; callers collect them.

References
----------
.. [1] Andtbacka, R. H. I. et al. (2015). Talimogene laherparepvec improves durable response rate
   in patients with advanced melanoma. J Clin Oncol 33(25), 2780–2788 (OPTiM).
.. [2] Kaplan, E. L., Meier, P. (1958). JASA 53, 457–481.
.. [3] Mantel, N., Haenszel, W. (1959). JNCI 22, 719–748.
.. [4] FDA (2018). Clinical Trial Endpoints for the Approval of Cancer Drugs and Biologics,
   guidance for industry (definitions of ORR, DoR, PFS).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tvec.analytics.cohort import ARMS, LINES, STAGES, Cohort, CohortError, CohortResponses
from tvec.analytics.inputs import BoolArray, FloatArray, IntArray, readonly
from tvec.analytics.logrank import LogRank, logrank_test
from tvec.analytics.mantel_haenszel import MantelHaenszel, mantel_haenszel
from tvec.analytics.proportions import (
    ProportionEstimate,
    RatioEstimate,
    TwoArmComparison,
    compare_proportions,
    odds_ratio,
    proportion,
    relative_risk,
)
from tvec.analytics.survival import KaplanMeier, Landmarks, kaplan_meier, survival_at
from tvec.domain.response_lesions import LesionGroup
from tvec.domain.rules import ResponseCriteria

DAYS_PER_MONTH = 365.25 / 12
"""Days in a reporting month: the average Gregorian month (30.4375 days)."""

OS_LANDMARK_MONTHS = (12.0, 24.0)
THRESHOLD_SLACK = 1e-9
LESION_GROUPS = tuple(group.value for group in LesionGroup)


def months(days: npt.ArrayLike) -> FloatArray:
    """Days as reporting months (``days / (365.25 / 12)``)."""
    result: FloatArray = np.asarray(days, dtype=np.float64) / DAYS_PER_MONTH
    return result


# --- results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseCounts:
    """Patients by best overall response."""

    cr: int
    pr: int
    sd: int
    pd: int
    ne: int


@dataclass(frozen=True)
class TimeToResponse:
    """Months from day 0 to the onset of the first counted response, among ``n`` responders.

    Median and range are `None` when there is no responder.
    """

    n: int
    median_months: float | None
    min_months: float | None
    max_months: float | None


@dataclass(frozen=True)
class ArmEndpoints:
    """Every per-arm endpoint. Survival curves are on the month scale (`DAYS_PER_MONTH`)."""

    arm: str
    n: int
    counts: ResponseCounts
    orr: ProportionEstimate
    cr_rate: ProportionEstimate
    pr_rate: ProportionEstimate
    drr: ProportionEstimate
    time_to_response: TimeToResponse
    duration_of_response: KaplanMeier | None  # None without responders
    overall_survival: KaplanMeier
    os_landmarks: Landmarks
    progression_free_survival: KaplanMeier


@dataclass(frozen=True)
class ArmComparison:
    """First arm versus second arm: DRR and ORR compared, OS and PFS log-rank tests."""

    arm_a: str
    arm_b: str
    drr: TwoArmComparison
    orr: TwoArmComparison
    os_logrank: LogRank
    pfs_logrank: LogRank


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

    ``best_change_pct`` is the lowest later product against the first, in percent (-100 when
    resolved); NaN for lesions that are not evaluable or whose first product is 0.
    """

    patient_id: IntArray
    lesion_id: IntArray
    arm: npt.NDArray[np.str_]
    group: npt.NDArray[np.str_]
    evaluable: BoolArray
    best_change_pct: FloatArray
    shrank: BoolArray
    resolved: BoolArray


@dataclass(frozen=True)
class SubgroupRow:
    """Durable response in one subgroup; ``drr`` per arm in ``Endpoints.arm_names`` order.

    ``drr[k]`` is `None` when arm k has no patient in the subgroup; the ratios are `None` for a
    single-arm cohort, or when not estimable (an empty cell; see the module notes).
    """

    factor: str  # "stage" or "line"
    level: str
    n: tuple[int, ...]
    drr: tuple[ProportionEstimate | None, ...]
    relative_risk: RatioEstimate | None
    odds_ratio: RatioEstimate | None


@dataclass(frozen=True)
class Endpoints:
    """All endpoints of one cohort under one set of response criteria."""

    criteria: str
    alpha: float
    n_patients: int
    arms: tuple[ArmEndpoints, ...]
    comparison: ArmComparison | None  # None for a single-arm cohort
    lesion_groups: tuple[LesionGroupResponse, ...]
    subgroups: tuple[SubgroupRow, ...]
    stage_adjusted_drr: MantelHaenszel | None  # None for a single-arm cohort

    @property
    def arm_names(self) -> tuple[str, ...]:
        return tuple(arm.arm for arm in self.arms)

    def arm(self, name: str) -> ArmEndpoints:
        """The endpoints of arm `name` (`KeyError` if the cohort has no such arm)."""
        for arm in self.arms:
            if arm.arm == name:
                return arm
        raise KeyError(name)


# --- the whole computation ------------------------------------------------------------------------


def cohort_endpoints(
    cohort: Cohort,
    responses: CohortResponses,
    criteria: ResponseCriteria,
    alpha: float = 0.05,
) -> Endpoints:
    """Compute every endpoint of `cohort` from its per-patient `responses`.

    Parameters
    ----------
    cohort : Cohort
        The three registry tables.
    responses : CohortResponses
        Per-patient results, aligned with ``cohort.patients`` (same ``patient_id`` order).
    criteria : ResponseCriteria
        The criteria the responses were computed with; its lesion-level threshold is used here.
    alpha : float
        One minus the confidence level of every interval.

    Returns
    -------
    Endpoints

    Raises
    ------
    CohortError
        When `responses` is not aligned with the patients table, or a measurement names a lesion
        the lesions table lacks.
    """
    check_aligned(cohort, responses)
    arm_of = np.asarray(cohort.patients["arm"]).astype(str)
    names = arm_order(arm_of)
    pfs_time, pfs_event = pfs_days(cohort, responses)
    arms = tuple(
        _arm_endpoints(name, arm_of == name, cohort, responses, pfs_time, pfs_event, alpha)
        for name in names
    )
    comparison = None
    if len(names) >= 2:
        comparison = _compare(names[0], names[1], arm_of, cohort, responses, pfs_time, pfs_event)
    durable = np.asarray(responses.columns["durable"], dtype=bool)
    subgroups = subgroup_rows(
        arm_of, durable, cohort.patients["stage"], cohort.patients["line"], names, alpha
    )
    return Endpoints(
        criteria=criteria.name,
        alpha=alpha,
        n_patients=cohort.n_patients,
        arms=arms,
        comparison=comparison,
        lesion_groups=lesion_group_responses(lesion_changes(cohort, criteria), criteria, names),
        subgroups=subgroups,
        stage_adjusted_drr=(
            None
            if len(names) < 2
            else stage_adjusted(arm_of, durable, cohort.patients["stage"], names[:2], alpha)
        ),
    )


def check_aligned(cohort: Cohort, responses: CohortResponses) -> None:
    """Refuse responses that are not row-for-row those of the cohort's patients."""
    ours = np.asarray(cohort.patients["patient_id"])
    theirs = np.asarray(responses.columns["patient_id"])
    if ours.shape != theirs.shape or not np.array_equal(ours, theirs):
        raise CohortError("responses: patient_id does not match the patients table row for row")


def arm_order(arm_of: npt.ArrayLike) -> tuple[str, ...]:
    """The arms present, known arms (`ARMS`) first in their order, then the rest sorted."""
    present = {str(a) for a in np.unique(np.asarray(arm_of).astype(str))}
    known = [a for a in ARMS if a in present]
    return tuple(known + sorted(present - set(known)))


def _arm_endpoints(
    name: str,
    mask: BoolArray,
    cohort: Cohort,
    responses: CohortResponses,
    pfs_time: FloatArray,
    pfs_event: BoolArray,
    alpha: float,
) -> ArmEndpoints:
    cols = responses.columns
    best = np.asarray(cols["best"]).astype(str)[mask]
    responded = np.asarray(cols["responded"], dtype=bool)[mask]
    durable = np.asarray(cols["durable"], dtype=bool)[mask]
    n = int(mask.sum())
    counts = ResponseCounts(*(int(np.count_nonzero(best == code)) for code in _CODES))
    os_curve = kaplan_meier(
        months(np.asarray(cohort.patients["os_days"])[mask]),
        np.asarray(cohort.patients["os_event"])[mask],
        alpha,
    )
    return ArmEndpoints(
        arm=name,
        n=n,
        counts=counts,
        orr=proportion(int(responded.sum()), n, alpha),
        cr_rate=proportion(counts.cr, n, alpha),
        pr_rate=proportion(counts.pr, n, alpha),
        drr=proportion(int(durable.sum()), n, alpha),
        time_to_response=time_to_response(
            np.asarray(cols["time_to_response_days"], dtype=np.float64)[mask][responded]
        ),
        duration_of_response=duration_of_response(
            np.asarray(cols["duration_of_response_days"], dtype=np.float64)[mask][responded],
            np.asarray(cols["response_ongoing"], dtype=bool)[mask][responded],
            alpha,
        ),
        overall_survival=os_curve,
        os_landmarks=survival_at(os_curve, OS_LANDMARK_MONTHS),
        progression_free_survival=kaplan_meier(months(pfs_time[mask]), pfs_event[mask], alpha),
    )


_CODES = ("CR", "PR", "SD", "PD", "NE")


def _compare(
    arm_a: str,
    arm_b: str,
    arm_of: npt.NDArray[np.str_],
    cohort: Cohort,
    responses: CohortResponses,
    pfs_time: FloatArray,
    pfs_event: BoolArray,
) -> ArmComparison:
    in_a, in_b = arm_of == arm_a, arm_of == arm_b
    both = in_a | in_b
    durable = np.asarray(responses.columns["durable"], dtype=bool)
    responded = np.asarray(responses.columns["responded"], dtype=bool)

    def compare(flag: BoolArray) -> TwoArmComparison:
        return compare_proportions(
            int(flag[in_a].sum()), int(in_a.sum()), int(flag[in_b].sum()), int(in_b.sum())
        )

    os_time = months(np.asarray(cohort.patients["os_days"]))
    os_event = np.asarray(cohort.patients["os_event"])
    return ArmComparison(
        arm_a=arm_a,
        arm_b=arm_b,
        drr=compare(durable),
        orr=compare(responded),
        os_logrank=logrank_test(os_time[both], os_event[both], arm_of[both]),
        pfs_logrank=logrank_test(months(pfs_time[both]), pfs_event[both], arm_of[both]),
    )


# --- time to event --------------------------------------------------------------------------------


def time_to_response(days: npt.ArrayLike) -> TimeToResponse:
    """Median and range, in months, of the times to response of the responders given."""
    values = np.asarray(days, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return TimeToResponse(0, None, None, None)
    in_months = months(values)
    return TimeToResponse(
        n=int(values.size),
        median_months=float(np.median(in_months)),
        min_months=float(in_months.min()),
        max_months=float(in_months.max()),
    )


def duration_of_response(
    duration_days: npt.ArrayLike, ongoing: npt.ArrayLike, alpha: float = 0.05
) -> KaplanMeier | None:
    """Kaplan–Meier of the responders' durations (months); event = the response ended.

    `None` when there is no responder.
    """
    duration = np.asarray(duration_days, dtype=np.float64)
    if duration.size == 0:
        return None
    ended = ~np.asarray(ongoing, dtype=bool)
    return kaplan_meier(months(duration), ended, alpha)


def pfs_days(cohort: Cohort, responses: CohortResponses) -> tuple[FloatArray, BoolArray]:
    """Progression-free survival time (days) and event flag of every patient (module notes).

    The event is the first PD (``progression_day``) or death (``os_event`` at ``os_days``),
    whichever is first; without either the patient is censored at ``last_assessment_day``.
    """
    progression = np.asarray(responses.columns["progression_day"], dtype=np.float64)
    last = np.asarray(responses.columns["last_assessment_day"], dtype=np.float64)
    died = np.asarray(cohort.patients["os_event"]).astype(np.int64) == 1
    death = np.where(died, np.asarray(cohort.patients["os_days"], dtype=np.float64), np.inf)
    first_event = np.fmin(np.where(np.isnan(progression), np.inf, progression), death)
    event: BoolArray = np.isfinite(first_event)
    time: FloatArray = np.where(event, first_event, last)
    return readonly(time), readonly(event)


# --- lesions --------------------------------------------------------------------------------------


def _patient_rows(cohort: Cohort, patient_ids: npt.ArrayLike, table: str) -> IntArray:
    """Row of each id in the patients table; `CohortError` for an unknown patient."""
    ids = np.asarray(cohort.patients["patient_id"]).astype(np.int64)
    wanted = np.asarray(patient_ids).astype(np.int64)
    order = np.argsort(ids, kind="stable")
    position = np.searchsorted(ids[order], wanted)
    position = np.minimum(position, max(ids.size - 1, 0))
    if ids.size == 0 or np.any(ids[order][position] != wanted):
        raise CohortError(f"{table}: patient_id not in the patients table")
    rows: IntArray = order[position].astype(np.intp)
    return rows


def _lesion_keys(cohort: Cohort) -> tuple[IntArray, IntArray]:
    """The lesion row of every lesion (``0..L-1``) and of every measurement.

    Each (patient_id, lesion_id) pair becomes one int64, ``patient row · span + lesion offset``,
    so the matching is a sort and a binary search rather than a search over pairs.
    """
    lesion_pid = np.asarray(cohort.lesions["patient_id"]).astype(np.int64)
    lesion_lid = np.asarray(cohort.lesions["lesion_id"]).astype(np.int64)
    measured_pid = np.asarray(cohort.measurements["patient_id"]).astype(np.int64)
    measured_lid = np.asarray(cohort.measurements["lesion_id"]).astype(np.int64)
    if lesion_lid.size == 0:
        if measured_lid.size:
            raise CohortError("measurements: a (patient_id, lesion_id) is not in the lesions table")
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    low = min(int(lesion_lid.min()), int(measured_lid.min(initial=lesion_lid.min())))
    span = max(int(lesion_lid.max()), int(measured_lid.max(initial=lesion_lid.max()))) - low + 1
    if cohort.n_patients * span >= 2**62:
        raise CohortError("lesions: lesion_id values too far apart to index")
    lesion_code = _patient_rows(cohort, lesion_pid, "lesions") * span + (lesion_lid - low)
    measured_code = _patient_rows(cohort, measured_pid, "measurements") * span + (
        measured_lid - low
    )
    order = np.argsort(lesion_code, kind="stable")
    ordered = lesion_code[order]
    if np.any(ordered[1:] == ordered[:-1]):
        raise CohortError("lesions: the same (patient_id, lesion_id) appears twice")
    position = np.minimum(np.searchsorted(ordered, measured_code), ordered.size - 1)
    if np.any(ordered[position] != measured_code):
        raise CohortError("measurements: a (patient_id, lesion_id) is not in the lesions table")
    lesion_rows: IntArray = np.arange(lesion_code.size, dtype=np.intp)
    measurement_rows: IntArray = order[position].astype(np.intp)
    return lesion_rows, measurement_rows


def lesion_changes(cohort: Cohort, criteria: ResponseCriteria) -> LesionChanges:
    """Group, best change, shrinkage and resolution of every lesion (vectorised; module notes).

    Parameters
    ----------
    cohort : Cohort
    criteria : ResponseCriteria
        Supplies ``lesion_level.min_shrinkage_pct``.

    Returns
    -------
    LesionChanges
        Aligned with the rows of ``cohort.lesions``.
    """
    lesion_key, measurement_key = _lesion_keys(cohort)
    n_keys = int(max(lesion_key.max(initial=-1), measurement_key.max(initial=-1)) + 1)
    m = cohort.measurements
    product = np.asarray(m["longest_cm"], dtype=np.float64) * np.asarray(
        m["perpendicular_cm"], dtype=np.float64
    )
    gone = (np.asarray(m["longest_cm"], dtype=np.float64) == 0) & (
        np.asarray(m["perpendicular_cm"], dtype=np.float64) == 0
    )
    order = np.lexsort((np.asarray(m["day"]).astype(np.int64), measurement_key))
    key, product, gone = measurement_key[order], product[order], gone[order]
    first_row = np.r_[True, key[1:] != key[:-1]] if key.size else np.zeros(0, bool)
    count = np.bincount(key, minlength=n_keys)
    first_product = np.full(n_keys, np.nan)
    first_product[key[first_row]] = product[first_row]
    later = np.where(first_row, np.inf, product)
    lowest_later = np.full(n_keys, np.inf)
    np.minimum.at(lowest_later, key, later)
    resolved_key = np.zeros(n_keys, dtype=bool)
    resolved_key[key[gone & ~first_row]] = True

    threshold = float(criteria.lesion_level.min_shrinkage_pct)
    evaluable = count[lesion_key] >= 2
    first = first_product[lesion_key]
    lowest = lowest_later[lesion_key]
    limit = first * (100.0 - threshold)
    shrank = evaluable & (lowest * 100.0 <= limit + np.abs(limit) * THRESHOLD_SLACK)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(evaluable & (first > 0), (lowest / first - 1.0) * 100.0, np.nan)

    rows = _patient_rows(cohort, cohort.lesions["patient_id"], "lesions")
    arm = np.asarray(cohort.patients["arm"]).astype(str)[rows]
    site = np.asarray(cohort.lesions["site"]).astype(str)
    injected = np.asarray(cohort.lesions["injected"], dtype=bool)
    group = np.where(
        site == "visceral",
        LesionGroup.VISCERAL.value,
        np.where(injected, LesionGroup.INJECTED.value, LesionGroup.UNINJECTED_NON_VISCERAL.value),
    )
    return LesionChanges(
        patient_id=readonly(np.asarray(cohort.lesions["patient_id"]).astype(np.intp)),
        lesion_id=readonly(np.asarray(cohort.lesions["lesion_id"]).astype(np.intp)),
        arm=readonly(arm),
        group=readonly(group.astype(str)),
        evaluable=readonly(evaluable),
        best_change_pct=readonly(change.astype(np.float64)),
        shrank=readonly(shrank),
        resolved=readonly(evaluable & resolved_key[lesion_key]),
    )


def lesion_group_responses(
    changes: LesionChanges, criteria: ResponseCriteria, arms: tuple[str, ...]
) -> tuple[LesionGroupResponse, ...]:
    """Per arm (in `arms` order) and lesion group: evaluable lesions, shrunk and resolved."""
    rows = []
    threshold = float(criteria.lesion_level.min_shrinkage_pct)
    for arm in arms:
        for group in LESION_GROUPS:
            mask = changes.evaluable & (changes.arm == arm) & (changes.group == group)
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


def spd_best_change(cohort: Cohort, criteria: ResponseCriteria) -> FloatArray:
    """Best (lowest) % change of the sum of products from baseline, one value per patient row.

    New lesions (first measured after day 0) join the sum only when the criteria say so
    (``progression.new_lesions_added_to_sum``), as in the response engine. NaN for a patient
    without a baseline sum, or without an assessment after baseline.
    """
    _, measurement_key = _lesion_keys(cohort)
    m = cohort.measurements
    day = np.asarray(m["day"]).astype(np.int64)
    product = np.asarray(m["longest_cm"], dtype=np.float64) * np.asarray(
        m["perpendicular_cm"], dtype=np.float64
    )
    n_keys = int(measurement_key.max(initial=-1) + 1)
    first_day = np.full(n_keys, np.iinfo(np.int64).max)
    np.minimum.at(first_day, measurement_key, day)
    if not criteria.progression.new_lesions_added_to_sum:
        product = np.where(first_day[measurement_key] == 0, product, 0.0)
    row = _patient_rows(cohort, m["patient_id"], "measurements")
    n = cohort.n_patients
    order = np.lexsort((day, row))
    row, day, product = row[order], day[order], product[order]
    new_cell = np.r_[True, (row[1:] != row[:-1]) | (day[1:] != day[:-1])] if row.size else row
    starts = np.flatnonzero(new_cell)
    spd = np.add.reduceat(product, starts) if starts.size else np.zeros(0)
    cell_row, cell_day = row[starts], day[starts]
    baseline = np.full(n, np.nan)
    at_zero = cell_day == 0
    baseline[cell_row[at_zero]] = spd[at_zero]
    lowest = np.full(n, np.inf)
    np.minimum.at(lowest, cell_row[~at_zero], spd[~at_zero])
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(
            np.isfinite(lowest) & (baseline > 0), (lowest / baseline - 1.0) * 100.0, np.nan
        )
    return readonly(change.astype(np.float64))


# --- subgroups ------------------------------------------------------------------------------------


def _levels(values: npt.NDArray[np.str_], known: tuple[str, ...]) -> list[str]:
    present = {str(v) for v in np.unique(values)}
    return [k for k in known if k in present] + sorted(present - set(known))


def subgroup_rows(
    arm_of: npt.ArrayLike,
    durable: npt.ArrayLike,
    stage: npt.ArrayLike,
    line: npt.ArrayLike,
    arms: tuple[str, ...],
    alpha: float = 0.05,
) -> tuple[SubgroupRow, ...]:
    """DRR per arm in every stage and every line of therapy, with ratios for two arms.

    Parameters
    ----------
    arm_of, durable, stage, line : array_like
        One value per patient.
    arms : tuple of str
        Arm order; ratios compare ``arms[0]`` with ``arms[1]``.
    alpha : float
        One minus the confidence level.

    Returns
    -------
    tuple of SubgroupRow
        Stages (in `STAGES` order), then lines (in `LINES` order).
    """
    arm_text = np.asarray(arm_of).astype(str)
    flag = np.asarray(durable, dtype=bool)
    rows: list[SubgroupRow] = []
    for factor, values, known in (("stage", stage, STAGES), ("line", line, LINES)):
        text = np.asarray(values).astype(str)
        for level in _levels(text, known):
            here = text == level
            events = [int((flag & here & (arm_text == a)).sum()) for a in arms]
            sizes = [int((here & (arm_text == a)).sum()) for a in arms]
            rr = orr = None
            if len(arms) >= 2 and min(sizes[:2]) > 0:
                table = (events[0], sizes[0], events[1], sizes[1])
                rr = relative_risk(*table, alpha=alpha)
                orr = odds_ratio(*table, alpha=alpha)
            rows.append(
                SubgroupRow(
                    factor=factor,
                    level=level,
                    n=tuple(sizes),
                    drr=tuple(
                        proportion(e, s, alpha) if s else None
                        for e, s in zip(events, sizes, strict=True)
                    ),
                    relative_risk=rr,
                    odds_ratio=orr,
                )
            )
    return tuple(rows)


def stage_adjusted(
    arm_of: npt.ArrayLike,
    durable: npt.ArrayLike,
    stage: npt.ArrayLike,
    arms: tuple[str, ...],
    alpha: float = 0.05,
) -> MantelHaenszel:
    """Mantel–Haenszel common odds ratio of durable response, ``arms[0]`` over ``arms[1]``,
    stratified by stage (one 2×2 table per stage), with the CMH test."""
    arm_text = np.asarray(arm_of).astype(str)
    flag = np.asarray(durable, dtype=bool)
    stage_text = np.asarray(stage).astype(str)
    tables = []
    for level in _levels(stage_text, STAGES):
        here = stage_text == level
        table = []
        for arm in arms[:2]:
            in_arm = here & (arm_text == arm)
            events = int((flag & in_arm).sum())
            table.append([events, int(in_arm.sum()) - events])
        tables.append(table)
    return mantel_haenszel(tables, alpha)
