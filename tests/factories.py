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


SCREENING_ITEMS = (
    "immunodeficiency",
    "leukaemia",
    "lymphoma",
    "hiv-aids",
    "immunosuppressive-therapy",
    "pregnancy",
)


def screening_answers(*yes: str) -> dict[str, bool]:
    """Every item of the label's contraindication list answered no, except the items in `yes`."""
    unknown = set(yes) - set(SCREENING_ITEMS)
    assert not unknown, f"not items of the list: {unknown}"
    return {code: code in yes for code in SCREENING_ITEMS}
