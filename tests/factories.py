"""Plain factory functions for tests (no fixture forests)."""

from __future__ import annotations

from decimal import Decimal

from tvec.domain.dose_plan import PlanLesion
from tvec.domain.rules import Site


def make_lesion(
    lesion_id: str = "L1",
    longest_cm: str | Decimal = "1",
    site: Site = Site.CUTANEOUS,
    **extra: object,
) -> PlanLesion:
    return PlanLesion(lesion_id=lesion_id, longest_cm=Decimal(longest_cm), site=site, **extra)  # type: ignore[arg-type]
