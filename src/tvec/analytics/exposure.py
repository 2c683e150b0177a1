"""Exposure and disposition by arm, for a study report, from the optional patient columns.

Exposure: courses, visits, volume injected (mL), plaque-forming units (PFU), vials thawed and
discarded, and the duration on treatment (first to last dose, in reporting months). Disposition:
how each patient's last course ended (`tvec.analytics.cohort.END_REASONS`, or still running at the
data cut-off) and the patients whose treatment was re-initiated. A column the cohort does not
hold gives a variable whose summaries are `None` ("not recorded"; registry files written before
these columns existed lack them). Continuous summaries as in `tvec.analytics.describe`.
"""

from __future__ import annotations

import numpy as np

from tvec.analytics.cohort import END_REASONS, Cohort
from tvec.analytics.describe import (
    Summary,
    Variable,
    arm_codes,
    arm_sizes,
    categorical_codes,
    continuous,
    level_codes,
)
from tvec.analytics.endpoints import months

EXPOSURE_COLUMNS = (
    "courses",
    "visits",
    "volume_ml",
    "pfu",
    "vials_thawed",
    "vials_discarded",
    "treatment_days",
)
ONGOING = "ongoing"  # the disposition level of a course still running at the data cut-off
REINITIATED = ("re-initiated", "not re-initiated")


def exposure(cohort: Cohort, arms: tuple[str, ...]) -> Summary:
    """The exposure columns per arm; ``treatment_days`` is summarised in months."""
    p = cohort.patients
    codes = arm_codes(p["arm"], arms)
    k = len(arms)
    variables = []
    for name in EXPOSURE_COLUMNS:
        if name not in p:
            variables.append(Variable(name, None))
            continue
        values = np.asarray(p[name], np.float64)
        if name == "treatment_days":
            values = months(values)
        variables.append(Variable(name, continuous(values, codes, k)))
    return Summary(arms, arm_sizes(codes, k), tuple(variables))


def disposition(cohort: Cohort, arms: tuple[str, ...]) -> Summary:
    """How the last course ended and re-initiations, per arm.

    Variables: ``end_reason`` (levels `END_REASONS` then `ONGOING`), ``reinitiated`` (patients
    re-initiated at least once, or not) and ``reinitiations`` (re-initiations per patient).
    """
    p = cohort.patients
    codes = arm_codes(p["arm"], arms)
    k = len(arms)
    end = None
    if "end_reason" in p:
        level, levels = level_codes(p["end_reason"], (*END_REASONS, ""))
        named = tuple(ONGOING if name == "" else name for name in levels)
        end = categorical_codes(level, named, codes, k)
    again = times = None
    if "reinitiations" in p:
        count = np.asarray(p["reinitiations"]).astype(np.int64)
        again = categorical_codes((count <= 0).astype(np.int64), REINITIATED, codes, k)
        times = continuous(count, codes, k)
    return Summary(
        arms,
        arm_sizes(codes, k),
        (
            Variable("end_reason", end),
            Variable("reinitiated", again),
            Variable("reinitiations", times),
        ),
    )


__all__ = ["EXPOSURE_COLUMNS", "ONGOING", "REINITIATED", "disposition", "exposure"]
