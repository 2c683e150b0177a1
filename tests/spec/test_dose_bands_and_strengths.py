"""USPI Table 2 (volume per lesion by longest dimension) and Table 1 (strength per visit), as tables.

Each row is checked through the real dose planner and the real bundled label data, for every label
variant on file.
"""

from decimal import Decimal

import pytest
from tests.factories import make_lesion

from tvec.domain.dose_plan import plan_visit
from tvec.domain.rules import VisitKind
from tvec.knowledge import available_labels, load_label

# longest dimension (cm)  ->  largest volume the lesion may receive (mL)       USPI §2.2 Table 2
BAND_TABLE = [
    ("0.1", "0.1"),
    ("0.5", "0.1"),  # ≤ 0.5 cm: up to 0.1 mL (the boundary belongs to the lower band)
    ("0.51", "0.5"),  # > 0.5 cm to 1.5 cm: up to 0.5 mL
    ("1.0", "0.5"),
    ("1.5", "0.5"),
    ("1.51", "1"),  # > 1.5 cm to 2.5 cm: up to 1 mL
    ("2.5", "1"),
    ("2.51", "2"),  # > 2.5 cm to 5 cm: up to 2 mL
    ("5", "2"),
    ("5.01", "4"),  # > 5 cm: up to 4 mL
    ("14", "4"),
]

# visit kind  ->  strength (PFU/mL), cap colour                                   USPI §2.2 Table 1
STRENGTH_TABLE = [
    (VisitKind.INITIAL, 10**6, "light green"),
    (VisitKind.SECOND, 10**8, "royal blue"),
    (VisitKind.SUBSEQUENT, 10**8, "royal blue"),
    (VisitKind.REINITIATION, 10**8, "royal blue"),
]


@pytest.mark.parametrize("variant", available_labels())
@pytest.mark.parametrize(("longest_cm", "max_ml"), BAND_TABLE)
def test_a_single_lesion_receives_its_band_volume(
    variant: str, longest_cm: str, max_ml: str
) -> None:
    plan = plan_visit(load_label(variant), VisitKind.SUBSEQUENT, [make_lesion("L1", longest_cm)])
    (injection,) = plan.injections
    assert injection.volume_ml == Decimal(max_ml)
    assert injection.band_max_ml == Decimal(max_ml)
    assert not injection.partial


@pytest.mark.parametrize("variant", available_labels())
@pytest.mark.parametrize(("visit", "pfu_per_ml", "cap"), STRENGTH_TABLE)
def test_each_visit_kind_uses_its_strength(
    variant: str, visit: VisitKind, pfu_per_ml: int, cap: str
) -> None:
    plan = plan_visit(load_label(variant), visit, [make_lesion("L1", "2")])
    assert plan.concentration_pfu_per_ml == pfu_per_ml
    assert plan.cap_colour == cap
    assert plan.total_pfu == pfu_per_ml  # 1 mL of the band's 1 mL


@pytest.mark.parametrize("variant", available_labels())
@pytest.mark.parametrize("visit", list(VisitKind))
def test_every_visit_is_capped_at_4_ml(variant: str, visit: VisitKind) -> None:
    lesions = [make_lesion(f"L{i}", "6") for i in range(3)]
    plan = plan_visit(load_label(variant), visit, lesions)
    assert plan.total_volume_ml == Decimal(4)
    assert plan.max_total_volume_ml == Decimal(4)
