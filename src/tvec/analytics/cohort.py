"""A cohort as three column tables (docs/registry-format.md), held as NumPy arrays.

This is the contract between `tvec synth` (which makes cohorts), the cohort response engine and
`tvec report` (which read them). Columns are 1-d NumPy arrays of equal length per table; string
columns are NumPy unicode arrays, dates are `datetime64[D]`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Columns = dict[str, npt.NDArray[np.generic]]

PATIENT_COLUMNS = ("patient_id", "arm", "stage", "line", "age", "start_date", "os_days", "os_event")
LESION_COLUMNS = ("patient_id", "lesion_id", "site", "injected", "first_day")
MEASUREMENT_COLUMNS = ("patient_id", "lesion_id", "day", "longest_cm", "perpendicular_cm")

ARMS = ("T-VEC", "GM-CSF")
STAGES = ("IIIB", "IIIC", "IVM1a", "IVM1b", "IVM1c")
LINES = ("first", "later")
SITES = ("cutaneous", "subcutaneous", "nodal", "visceral")

# Optional patient columns, for the study report's baseline, exposure and disposition tables. A
# source that lacks one (a registry file without it) makes the report say "not recorded".
# - sex: unicode, "female", "male" or "unknown"
# - ecog: int64, the ECOG performance status at baseline (0-4), ECOG_NOT_RECORDED when unknown
# - courses, visits, vials_thawed, vials_discarded, reinitiations, treatment_days: int64
#   (treatment_days: first to last dose, inclusive of neither end's time of day)
# - volume_ml, pfu: float64, totals over every dose given
# - end_reason: unicode, how the patient's last course ended (END_REASONS), "" while ongoing
OPTIONAL_PATIENT_COLUMNS = (
    "sex",
    "ecog",
    "courses",
    "visits",
    "volume_ml",
    "pfu",
    "vials_thawed",
    "vials_discarded",
    "treatment_days",
    "end_reason",
    "reinitiations",
)
SEXES = ("female", "male", "unknown")
ECOG_NOT_RECORDED = -1
# tvec's course end reasons (tvec.domain.rules.CourseEndReason), and "death" for a patient who
# died on treatment; "" is a course still running at the data cut-off.
END_REASONS = ("completed", "no-injectable-lesions", "other-treatment-required", "death")


class CohortError(ValueError):
    """A cohort table is missing a column, or a column has the wrong length or values."""


@dataclass(frozen=True)
class Cohort:
    patients: Columns
    lesions: Columns
    measurements: Columns

    def __post_init__(self) -> None:
        for name, table, wanted in (
            ("patients", self.patients, PATIENT_COLUMNS),
            ("lesions", self.lesions, LESION_COLUMNS),
            ("measurements", self.measurements, MEASUREMENT_COLUMNS),
        ):
            missing = [c for c in wanted if c not in table]
            if missing:
                raise CohortError(f"{name}: missing column(s) {', '.join(missing)}")
            lengths = {len(table[c]) for c in wanted}
            if len(lengths) > 1:
                raise CohortError(f"{name}: columns have different lengths {sorted(lengths)}")

    @property
    def n_patients(self) -> int:
        return len(self.patients["patient_id"])

    @property
    def n_measurements(self) -> int:
        return len(self.measurements["patient_id"])


# Best overall response codes in `CohortResponses.best` (ordered best first).
RESPONSE_CODES = ("CR", "PR", "SD", "PD", "NE")


@dataclass(frozen=True)
class CohortResponses:
    """Per-patient response results for a cohort, aligned with `Cohort.patients` row order.

    Produced by `tvec.analytics.cohort_engine.cohort_responses` (vectorised) and by its per-patient
    reference built on the domain response engine; both must agree exactly.

    Columns (1-d arrays of length n_patients):
    - ``patient_id`` int64
    - ``best`` unicode: best overall response, one of RESPONSE_CODES ("NE" = no assessment after
      baseline)
    - ``responded`` bool: a counted (confirmed) CR or PR
    - ``time_to_response_days`` float64: days from day 0 to the onset of the first counted
      response; NaN if none
    - ``duration_of_response_days`` float64: of that first response; NaN if none
    - ``response_ongoing`` bool: the first response had not ended at the last assessment
      (False when there was no response)
    - ``durable`` bool: a durable response (criteria's months held, onset within the window)
    - ``progression_day`` float64: day of the first assessment categorised PD; NaN if none
    - ``last_assessment_day`` int64
    """

    columns: Columns

    @property
    def n_patients(self) -> int:
        return len(self.columns["patient_id"])
