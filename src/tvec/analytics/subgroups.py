"""Durable response by subgroup (stage, line of therapy) and adjusted for stage.

For each stage and each line of therapy: patients per arm, DRR per arm and, with two arms, the
relative risk (Katz interval) and the odds ratio (Woolf interval) of durable response, first arm
over second. No 0.5 correction is applied: a ratio whose table has an empty cell is `None` ("not
estimable") with a `StatisticalWarning`. Across stages, the Mantel–Haenszel common odds ratio
(Robins–Breslow–Greenland interval) and the CMH test adjust the DRR comparison for stage.

References
----------
.. [1] Mantel, N., Haenszel, W. (1959). JNCI 22, 719–748.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tvec.analytics.cohort import LINES, STAGES
from tvec.analytics.mantel_haenszel import MantelHaenszel, mantel_haenszel
from tvec.analytics.proportions import (
    ProportionEstimate,
    RatioEstimate,
    odds_ratio,
    proportion,
    relative_risk,
)


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
