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

Lesion-level response and best SPD change. Computed by `tvec.analytics.cohort_lesions` with the
exact integer arithmetic of the response engine (sizes in whole millimetres, thresholds from the
criteria as integer comparisons), held equal to the domain engine
(`tvec.domain.response_lesions`) by the same Hypothesis test as the responses. Lesions are
clustered within patients, so shares are given without confidence intervals.

Subgroups. Durable response per stage and line of therapy, and adjusted for stage
(`tvec.analytics.subgroups`).

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

from tvec.analytics.cohort import ARMS, Cohort, CohortError, CohortResponses
from tvec.analytics.cohort_lesions import (
    LESION_GROUPS,
    LesionChanges,
    LesionGroupResponse,
    MeasurementIndex,
    lesion_changes,
    lesion_group_responses,
    measurement_index,
    spd_best_change,
)
from tvec.analytics.inputs import BoolArray, FloatArray, readonly
from tvec.analytics.logrank import LogRank, logrank_test
from tvec.analytics.mantel_haenszel import MantelHaenszel
from tvec.analytics.proportions import (
    ProportionEstimate,
    TwoArmComparison,
    compare_proportions,
    proportion,
)
from tvec.analytics.subgroups import SubgroupRow, stage_adjusted, subgroup_rows
from tvec.analytics.survival import KaplanMeier, Landmarks, kaplan_meier, survival_at
from tvec.domain.rules import ResponseCriteria

__all__ = [
    "DAYS_PER_MONTH",
    "LESION_GROUPS",
    "OS_LANDMARK_MONTHS",
    "ArmComparison",
    "ArmEndpoints",
    "Endpoints",
    "LesionChanges",
    "LesionGroupResponse",
    "MeasurementIndex",
    "ResponseCounts",
    "SubgroupRow",
    "TimeToResponse",
    "arm_order",
    "check_aligned",
    "cohort_endpoints",
    "duration_of_response",
    "lesion_changes",
    "lesion_group_responses",
    "measurement_index",
    "months",
    "pfs_days",
    "spd_best_change",
    "stage_adjusted",
    "subgroup_rows",
    "time_to_response",
]

DAYS_PER_MONTH = 365.25 / 12
"""Days in a reporting month: the average Gregorian month (30.4375 days)."""

OS_LANDMARK_MONTHS = (12.0, 24.0)


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
    index: MeasurementIndex | None = None,
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
    index : MeasurementIndex, optional
        The cohort's `measurement_index` (measurements joined to their lesions), when the caller
        builds it once for several analyses; otherwise it is built here.

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
        lesion_groups=lesion_group_responses(
            lesion_changes(cohort, criteria, index), criteria, names
        ),
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
