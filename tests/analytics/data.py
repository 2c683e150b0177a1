"""Seeded synthetic cohorts for the analytics tests (plain `make_*` factories, no fixtures)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

RTOL = 1e-8  # relative agreement required with every reference implementation
ATOL = 1e-10  # absolute agreement accepted for values near zero


def assert_close(actual: object, expected: object, rtol: float = RTOL, atol: float = ATOL) -> None:
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=rtol, atol=atol
    )


@dataclass(frozen=True)
class Cohort:
    """Follow-up times, event flags, arm labels, strata and covariates of synthetic patients."""

    time: npt.NDArray[np.float64]
    event: npt.NDArray[np.int64]
    group: npt.NDArray[np.str_]
    stratum: npt.NDArray[np.int64]
    covariates: npt.NDArray[np.float64]


def make_cohort(
    seed: int,
    n: int,
    groups: int = 2,
    strata: int = 1,
    tie_grid: float | None = None,
    censor_rate: float = 0.4,
) -> Cohort:
    """Exponential survival with arm, age and stage effects; `tie_grid` rounds times up to it."""
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, groups, n)
    stratum = rng.integers(0, strata, n)
    age = rng.normal(0.0, 1.0, n)
    stage = rng.integers(0, 2, n).astype(float)
    lab = rng.gamma(2.0, 1.0, n)
    hazard = 0.05 * np.exp(-0.4 * arm + 0.3 * age + 0.6 * stage + 0.1 * lab + 0.2 * stratum)
    event_time = rng.exponential(1.0 / hazard)
    censor_time = rng.exponential(1.0 / (0.05 * censor_rate + 1e-12), n)
    time = np.minimum(event_time, censor_time)
    if tie_grid is not None:
        time = np.ceil(time / tie_grid) * tie_grid
    names = np.array(["arm-" + chr(ord("a") + k) for k in range(groups)])
    covariates = np.column_stack([arm, age, stage, lab]).astype(float)
    return Cohort(
        time, (event_time <= censor_time).astype(np.int64), names[arm], stratum, covariates
    )
