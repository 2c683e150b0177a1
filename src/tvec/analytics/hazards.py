"""The hazard ratio between the first two arms, for overall and progression-free survival.

A Cox proportional hazards model (`tvec.analytics.cox.cox_ph`, Efron's handling of tied times)
with the arm as its only covariate: 1 for the first arm, 0 for the second, so the ratio is the
first arm's hazard over the second's (T-VEC over GM-CSF for a randomised cohort, as published for
OPTiM). Patients of other arms are left out. Its Wald 95% interval comes with it. With a single
arm, or no event in the two arms, there is no ratio (`None`); a fit whose likelihood has no finite
maximum (for example no event in one arm) is returned with ``converged`` False and reported as not
estimable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tvec.analytics.cohort import Cohort, CohortResponses
from tvec.analytics.cox import CoxModel, Ties, cox_ph
from tvec.analytics.endpoints import months, pfs_days

TIES: Ties = "efron"


@dataclass(frozen=True)
class ArmHazards:
    """First arm over second arm: the Cox models of OS and PFS (`None` without events)."""

    arm_a: str
    arm_b: str
    overall_survival: CoxModel | None
    progression_free_survival: CoxModel | None


def arm_hazard_ratio(
    time: npt.ArrayLike,
    event: npt.ArrayLike,
    arm_of: npt.ArrayLike,
    arm_a: str,
    arm_b: str,
    alpha: float = 0.05,
) -> CoxModel | None:
    """The Cox model of `time`/`event` on "arm is `arm_a`", over the patients of both arms."""
    arm = np.asarray(arm_of).astype(str)
    in_a, in_b = arm == arm_a, arm == arm_b
    both = in_a | in_b
    died = np.asarray(event)[both].astype(bool)
    if not in_a.any() or not in_b.any() or not died.any():
        return None
    t = np.asarray(time, np.float64)[both]
    x = in_a[both].astype(np.float64)
    return cox_ph(t, died, x, names=[f"{arm_a} vs {arm_b}"], ties=TIES, alpha=alpha)


def arm_hazards(
    cohort: Cohort, responses: CohortResponses, arms: tuple[str, ...], alpha: float = 0.05
) -> ArmHazards | None:
    """OS and PFS hazard ratios of `arms[0]` over `arms[1]`; `None` for a single-arm cohort."""
    if len(arms) < 2:
        return None
    a, b = arms[0], arms[1]
    arm_of = cohort.patients["arm"]
    pfs_time, pfs_event = pfs_days(cohort, responses)
    return ArmHazards(
        a,
        b,
        arm_hazard_ratio(
            months(cohort.patients["os_days"]), cohort.patients["os_event"], arm_of, a, b, alpha
        ),
        arm_hazard_ratio(months(pfs_time), pfs_event, arm_of, a, b, alpha),
    )


__all__ = ["TIES", "ArmHazards", "arm_hazard_ratio", "arm_hazards"]
