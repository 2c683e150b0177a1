"""Thawed-product limits (EU label data / Swiss label) and J9325 units, as the fact sheet tables."""

from decimal import Decimal
from pathlib import Path

import pytest

from tvec.domain.billing import units
from tvec.domain.errors import InvalidInput
from tvec.domain.rules import Container
from tvec.domain.stability import stability_limit
from tvec.knowledge import load_label, load_label_file

US = load_label("us")

# strength, container, temperature band -> hours
STABILITY = [
    (10**6, Container.VIAL, "refrigerated", "24"),
    (10**6, Container.VIAL, "room", "12"),
    (10**8, Container.VIAL, "refrigerated", "168"),
    (10**8, Container.VIAL, "room", "24"),
    (10**6, Container.SYRINGE, "refrigerated", "8"),
    (10**6, Container.SYRINGE, "room", "2"),
    (10**8, Container.SYRINGE, "refrigerated", "8"),
    (10**8, Container.SYRINGE, "room", "4"),
]


@pytest.mark.parametrize(("pfu", "container", "band", "hours"), STABILITY)
def test_thawed_product_limits(pfu: int, container: Container, band: str, hours: str) -> None:
    limit = stability_limit(US, pfu, container, band)
    assert limit.max_hours == Decimal(hours)
    assert limit.source


def test_a_lot_override_shortens_the_limit_for_that_lot_only(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "src/tvec/knowledge/data/labels/us.toml").read_text()
    lot = (
        '\n[[lot_overrides]]\nlot = "LOT-TEST-1"\npfu_per_ml = 1_000_000\ncontainer = "vial"\n'
        'temperature_band = "refrigerated"\nmax_hours = "18"\nsource = "test regulator letter"\n'
    )
    path = tmp_path / "us-with-lot.toml"
    path.write_text(text.replace("lot_overrides = []\n", "") + lot)
    label = load_label_file(path)
    assert (
        stability_limit(label, 10**6, Container.VIAL, "refrigerated", lot="LOT-TEST-1").max_hours
        == 18
    )
    assert (
        stability_limit(label, 10**6, Container.VIAL, "refrigerated", lot="OTHER").max_hours == 24
    )


def test_an_unknown_temperature_band_is_refused() -> None:
    with pytest.raises(InvalidInput, match="Temperature band has no stability limit on file"):
        stability_limit(US, 10**8, Container.VIAL, "freezer")


# mL, PFU/mL -> J9325 units (1 unit = 10^6 PFU)
@pytest.mark.parametrize(
    ("ml", "pfu", "expected"),
    [
        ("1", 10**6, "1"),
        ("1", 10**8, "100"),
        ("4", 10**8, "400"),
        ("4", 10**6, "4"),
        ("0.1", 10**8, "10"),
    ],
)
def test_j9325_units(ml: str, pfu: int, expected: str) -> None:
    assert US.billing is not None
    assert units(US.billing, Decimal(ml), pfu) == Decimal(expected)
