"""Descriptive summaries by arm, as a study report's tables show them, vectorised.

`continuous` gives, per arm, the number of patients with a value, the mean and standard deviation
(denominator n - 1), the median with the first and third quartiles and the range. `categorical`
gives, per arm, the patients in each level. Arms are integer codes (`arm_codes`), so every
summary is one pass of NumPy over the column per arm (sorting for the quantiles) or one
``bincount`` for all arms at once; no loop visits a patient.

Conventions
-----------
Quartiles are NumPy's default linear interpolation between order statistics (Hyndman and Fan's
type 7, R's default ``quantile``). A missing continuous value is NaN and is left out of n.
The standard deviation of a single value is undefined (`None`).
A column the source does not hold is `None` in the summaries' callers ("not recorded").

References
----------
.. [1] Hyndman, R. J., Fan, Y. (1996). Sample quantiles in statistical packages. The American
   Statistician 50, 361–365.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tvec.analytics.inputs import IntArray

NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class Continuous:
    """One continuous variable in one arm; the statistics are `None` when n is 0."""

    n: int
    mean: float | None
    sd: float | None
    median: float | None
    q1: float | None
    q3: float | None
    minimum: float | None
    maximum: float | None


@dataclass(frozen=True)
class Categorical:
    """One categorical variable in one arm: patients per level, out of the arm's `of`."""

    levels: tuple[str, ...]
    counts: tuple[int, ...]
    of: int


@dataclass(frozen=True)
class Variable:
    """One row group of a table: a variable's summary per arm, or `None` when not recorded."""

    name: str
    summaries: tuple[Continuous, ...] | tuple[Categorical, ...] | None

    @property
    def recorded(self) -> bool:
        return self.summaries is not None


@dataclass(frozen=True)
class Summary:
    """A descriptive table by arm: the arms, their patients and the variables in order."""

    arms: tuple[str, ...]
    patients: tuple[int, ...]
    variables: tuple[Variable, ...]

    def variable(self, name: str) -> Variable:
        """The variable called `name` (`KeyError` if the table has none)."""
        for v in self.variables:
            if v.name == name:
                return v
        raise KeyError(name)


def arm_codes(arm_of: npt.ArrayLike, arms: Sequence[str]) -> IntArray:
    """Each patient's arm as its index in `arms` (-1 for an arm not listed)."""
    labels = np.asarray(arm_of)
    if labels.dtype.kind not in "US":
        labels = labels.astype(str)
    codes = np.full(labels.size, -1, np.int64)
    for k, arm in enumerate(arms):
        codes[labels == arm] = k
    return codes


def continuous(values: npt.ArrayLike, codes: IntArray, n_arms: int) -> tuple[Continuous, ...]:
    """The summary of `values` in each arm (NaN values left out)."""
    x = np.asarray(values, dtype=np.float64)
    present = ~np.isnan(x)
    out = []
    for k in range(n_arms):
        v = x[(codes == k) & present]
        if v.size == 0:
            out.append(Continuous(0, None, None, None, None, None, None, None))
            continue
        q1, median, q3 = (float(q) for q in np.percentile(v, (25.0, 50.0, 75.0)))
        out.append(
            Continuous(
                n=int(v.size),
                mean=float(v.mean()),
                sd=float(v.std(ddof=1)) if v.size > 1 else None,
                median=median,
                q1=q1,
                q3=q3,
                minimum=float(v.min()),
                maximum=float(v.max()),
            )
        )
    return tuple(out)


def level_codes(level_of: npt.ArrayLike, levels: Sequence[str]) -> tuple[IntArray, tuple[str, ...]]:
    """Each value's index among `levels`, then any other value found (sorted) appended as its own
    level: the codes and the full list of levels. One comparison per level, so the values are
    sorted only when some are not among `levels`."""
    labels = np.asarray(level_of)
    if labels.dtype.kind not in "US":
        labels = labels.astype(str)
    code = np.full(labels.size, -1, np.int64)
    for k, level in enumerate(levels):
        code[labels == level] = k
    order = list(levels)
    rest = code < 0
    if rest.any():
        found, inverse = np.unique(labels[rest].astype(str), return_inverse=True)
        code[rest] = len(order) + inverse.ravel()
        order += [str(v) for v in found]
    return code, tuple(order)


def categorical(
    level_of: npt.ArrayLike, levels: Sequence[str], codes: IntArray, n_arms: int
) -> tuple[Categorical, ...]:
    """Patients per level in each arm. Values not in `levels` are appended as their own levels
    (sorted), so no patient is lost."""
    level_code, order = level_codes(level_of, levels)
    return categorical_codes(level_code, order, codes, n_arms)


def categorical_codes(
    level_code: IntArray, levels: Sequence[str], codes: IntArray, n_arms: int
) -> tuple[Categorical, ...]:
    """Patients per level in each arm, from each patient's level index into `levels`."""
    mine = codes >= 0
    width = len(levels)
    cells = np.bincount(codes[mine] * width + level_code[mine], minlength=n_arms * width).reshape(
        n_arms, width
    )
    arm_n = np.bincount(codes[mine], minlength=n_arms)
    return tuple(
        Categorical(tuple(levels), tuple(int(c) for c in cells[k]), int(arm_n[k]))
        for k in range(n_arms)
    )


def arm_sizes(codes: IntArray, n_arms: int) -> tuple[int, ...]:
    """Patients in each arm."""
    return tuple(int(c) for c in np.bincount(codes[codes >= 0], minlength=n_arms))


__all__ = [
    "NOT_RECORDED",
    "Categorical",
    "Continuous",
    "Summary",
    "Variable",
    "arm_codes",
    "arm_sizes",
    "categorical",
    "categorical_codes",
    "continuous",
    "level_codes",
]
