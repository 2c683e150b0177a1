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
