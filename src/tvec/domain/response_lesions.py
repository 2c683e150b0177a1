"""Lesion-level response summary, as in the OPTiM lesion analysis.

Each lesion falls in one group: visceral (by site), injected (injected at any measurement, not
visceral) or uninjected non-visceral. A lesion is evaluable when it has a first measurement and at
least one later one; this includes lesions that appeared after baseline, each compared with its
own first measurement. For each group the summary counts the evaluable lesions whose product
(longest x perpendicular) fell by at least the criteria's lesion-level threshold at some later
measurement, and those that reached 0 x 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from tvec.domain.rules import LesionLevelRule, Site

if TYPE_CHECKING:
    from tvec.domain.response import Measurement

HUNDRED = Decimal(100)


class LesionGroup(StrEnum):
    INJECTED = "injected"
    UNINJECTED_NON_VISCERAL = "uninjected non-visceral"
    VISCERAL = "visceral"


@dataclass(frozen=True)
class LesionGroupSummary:
    """Counts over the evaluable lesions of one group; shares are fractions, None if no lesion."""

    group: LesionGroup
    lesions: int
    shrank_at_least_pct: Decimal
    shrank_count: int
    shrank_share: Decimal | None
    resolved_count: int
    resolved_share: Decimal | None


@dataclass(frozen=True)
class LesionChange:
    """One lesion's best change of its product from its first measurement (for a waterfall)."""

    lesion_id: str
    group: LesionGroup
    first_product_cm2: Decimal
    best_change_pct: Decimal  # the lowest later product vs the first, in %; -100 when resolved
    resolved: bool


def lesion_changes(trajectories: Mapping[str, Sequence[Measurement]]) -> tuple[LesionChange, ...]:
    """Every evaluable lesion (measured at least twice), in the order given."""
    return tuple(
        LesionChange(
            lesion_id=lesion_id,
            group=lesion_group(t),
            first_product_cm2=t[0].product_cm2,
            best_change_pct=min(m.product_cm2 for m in t[1:]) * HUNDRED / t[0].product_cm2
            - HUNDRED,
            resolved=resolved(t),
        )
        for lesion_id, t in trajectories.items()
        if len(t) > 1
    )


def lesion_group(trajectory: Sequence[Measurement]) -> LesionGroup:
    if trajectory[0].site is Site.VISCERAL:
        return LesionGroup.VISCERAL
    if any(m.injected for m in trajectory):
        return LesionGroup.INJECTED
    return LesionGroup.UNINJECTED_NON_VISCERAL


def shrank(rule: LesionLevelRule, trajectory: Sequence[Measurement]) -> bool:
    """Whether a later product is at most (100 - threshold)% of the first one."""
    limit = trajectory[0].product_cm2 * (HUNDRED - rule.min_shrinkage_pct)
    return any(m.product_cm2 * HUNDRED <= limit for m in trajectory[1:])


def resolved(trajectory: Sequence[Measurement]) -> bool:
    return any(m.disappeared for m in trajectory[1:])


def summarise_lesions(
    rule: LesionLevelRule, trajectories: Mapping[str, Sequence[Measurement]]
) -> tuple[LesionGroupSummary, ...]:
    """One summary per group, in the order injected, uninjected non-visceral, visceral.

    `trajectories` maps each lesion id to its measurements in date order.
    """
    evaluable = [t for t in trajectories.values() if len(t) > 1]
    return tuple(
        _summary(rule, group, [t for t in evaluable if lesion_group(t) is group])
        for group in LesionGroup
    )


def _summary(
    rule: LesionLevelRule, group: LesionGroup, trajectories: Sequence[Sequence[Measurement]]
) -> LesionGroupSummary:
    shrank_count = sum(1 for t in trajectories if shrank(rule, t))
    resolved_count = sum(1 for t in trajectories if resolved(t))
    return LesionGroupSummary(
        group=group,
        lesions=len(trajectories),
        shrank_at_least_pct=rule.min_shrinkage_pct,
        shrank_count=shrank_count,
        shrank_share=_share(shrank_count, len(trajectories)),
        resolved_count=resolved_count,
        resolved_share=_share(resolved_count, len(trajectories)),
    )


def _share(count: int, total: int) -> Decimal | None:
    return None if total == 0 else Decimal(count) / Decimal(total)
