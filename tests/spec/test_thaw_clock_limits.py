"""The thaw clock against the label's table: each strength, container and temperature alone
expires at exactly its limit (EU label data via NHS SPS for vials, Swiss label Table 6 for
syringes), for both label variants."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tvec.domain.stability import Binding, ThawEvent, thaw_clock
from tvec.knowledge import load_label

THAWED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

# strength, container, temperature band -> hours (fact sheet section 4)
TABLE = [
    (10**6, "vial", "refrigerated", "24"),
    (10**6, "vial", "room", "12"),
    (10**8, "vial", "refrigerated", "168"),
    (10**8, "vial", "room", "24"),
    (10**6, "syringe", "refrigerated", "8"),
    (10**6, "syringe", "room", "2"),
    (10**8, "syringe", "refrigerated", "8"),
    (10**8, "syringe", "room", "4"),
]


def alone(container: str, band: str) -> list[ThawEvent]:
    """Thawed and at once at `band`, in the vial or drawn into a syringe at once."""
    events = [ThawEvent(THAWED, "thawed")]
    if band == "refrigerated":
        events.append(ThawEvent(THAWED, "to_fridge"))
    if container == "syringe":
        events.append(ThawEvent(THAWED, "drawn_into_syringe"))
    return events


@pytest.mark.parametrize("variant", ["us", "eu"])
@pytest.mark.parametrize(("pfu", "container", "band", "hours"), TABLE)
def test_each_limit_alone_expires_at_exactly_its_hours(
    variant: str, pfu: int, container: str, band: str, hours: str
) -> None:
    label = load_label(variant)
    end = THAWED + timedelta(hours=int(hours))
    just_before = thaw_clock(label, pfu, alone(container, band), end - timedelta(microseconds=1))
    at_limit = thaw_clock(label, pfu, alone(container, band), end)
    assert just_before.expires_at == at_limit.expires_at == end
    assert (just_before.expired, at_limit.expired) == (False, True)
    assert at_limit.remaining_minutes == 0
    assert just_before.binding == Binding(container)
    assert f": {hours} h [" in at_limit.binding_source
    assert at_limit.limit_sources[0] == at_limit.binding_source


@pytest.mark.parametrize(("pfu", "hours"), [(10**6, 12), (10**8, 24)])
def test_a_lot_limit_shorter_than_the_label_binds(pfu: int, hours: int) -> None:
    clock = thaw_clock(load_label("us"), pfu, alone("vial", "room"), THAWED, Decimal("6"))
    assert clock.expires_at == THAWED + timedelta(hours=6)
    assert clock.binding is Binding.LOT
    assert clock.remaining_minutes == 360
    longer = thaw_clock(load_label("us"), pfu, alone("vial", "room"), THAWED, Decimal(hours + 1))
    assert longer.expires_at == THAWED + timedelta(hours=hours)
    assert longer.binding is Binding.VIAL
    assert "lot-specific limit" in longer.limit_sources[-1]
