"""Receiving a shipment: the pharmacist's refusals, in the order a carton is checked, and the
96-hour shipping container (label data) that quarantines a late shipment."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from tvec.domain.administration import Lot, lots_to_offer
from tvec.domain.cartons import Carton
from tvec.domain.errors import InvalidInput
from tvec.domain.receipt import (
    KnownLot,
    ShipmentRefused,
    check_shipment,
    container_deadline,
    lot_key,
    quarantine_reason,
)
from tvec.knowledge import load_label

LABEL = load_label("us")
TODAY = date(2026, 12, 6)
STORAGE = LABEL.storage
assert STORAGE is not None
HOURS = STORAGE.shipping_container_hours


def make_carton(**changes: object) -> Carton:
    carton = Carton(
        gtin="00355513079013",
        ndc="55513-079-01",
        ndc11="55513-0079-01",
        strength_pfu_per_ml=100_000_000,
        lot="UX8-C11",
        expiry=date(2027, 6, 30),
        serial="1001",
    )
    return replace(carton, **changes)  # type: ignore[arg-type]


def make_refusal(
    cartons: list[Carton],
    known_lots: dict[str, KnownLot] | None = None,
    known_serials: set[tuple[str, str]] | None = None,
) -> ShipmentRefused:
    with pytest.raises(ShipmentRefused) as refused:
        check_shipment(
            LABEL,
            cartons,
            today=TODAY,
            min_days_to_expiry=30,
            known_lots=known_lots or {},
            known_serials=known_serials or set(),
        )
    return refused.value


def test_a_good_shipment_passes() -> None:
    cartons = [make_carton(), make_carton(serial="1002"), make_carton(lot="ux8-c11", serial="3")]
    known = {"UX8-C11": KnownLot("UX8-C11", 100_000_000, date(2027, 6, 30))}
    check_shipment(
        LABEL, cartons, today=TODAY, min_days_to_expiry=30, known_lots=known, known_serials=set()
    )


@pytest.mark.parametrize(
    ("cartons", "reason", "message"),
    [
        (
            [make_carton(strength_pfu_per_ml=10_000_000)],
            "strength-not-on-label",
            "scan 1: 10,000,000 PFU/mL is not on the label",
        ),
        (
            [make_carton(), make_carton(serial="2", expiry=date(2026, 12, 5))],
            "expired",
            "scan 2: lot UX8-C11 expired on 2026-12-05",
        ),
        (
            [make_carton(expiry=date(2027, 1, 4))],
            "expires-soon",
            "scan 1: lot UX8-C11 expires on 2027-01-04, within 30 days",
        ),
        (
            [make_carton(), make_carton()],
            "duplicate-serial",
            "scan 2: serial number 1001 was already received",
        ),
        (
            [make_carton(), make_carton(lot="ux8-c11", serial="2", strength_pfu_per_ml=1_000_000)],
            "lot-case-clash",
            "scan 2: lot ux8-c11 is lot UX8-C11 of 100,000,000 PFU/mL already on file",
        ),
        (
            [make_carton(), make_carton(serial="2", expiry=date(2027, 7, 31))],
            "lot-expiry-clash",
            "scan 2: lot UX8-C11 is on file with expiry 2027-06-30, this carton says 2027-07-31",
        ),
    ],
)
def test_a_carton_breaking_a_rule_refuses_the_shipment(
    cartons: list[Carton], reason: str, message: str
) -> None:
    refused = make_refusal(cartons)
    assert refused.reason == reason
    assert str(refused).startswith(message)
    assert refused.fields["index"] == refused.index


def test_on_the_expiry_threshold_day_a_carton_is_accepted() -> None:
    check_shipment(
        LABEL,
        [make_carton(expiry=TODAY + timedelta(days=30))],
        today=TODAY,
        min_days_to_expiry=30,
        known_lots={},
        known_serials=set(),
    )


def test_a_serial_received_before_and_a_lot_of_the_other_strength_on_file_are_refused() -> None:
    assert make_refusal([make_carton()], known_serials={("00355513079013", "1001")}).reason == (
        "duplicate-serial"
    )
    known = {"UX8-C11": KnownLot("ux8-c11", 1_000_000, date(2027, 6, 30))}
    assert make_refusal([make_carton()], known_lots=known).reason == "lot-case-clash"


def test_the_same_serial_of_another_product_is_another_vial() -> None:
    check_shipment(
        LABEL,
        [make_carton(), make_carton(gtin="00355513078016", lot="B", strength_pfu_per_ml=10**6)],
        today=TODAY,
        min_days_to_expiry=30,
        known_lots={},
        known_serials=set(),
    )


def test_lot_numbers_are_compared_whatever_their_letter_case() -> None:
    assert lot_key(" ux8-c11 ") == lot_key("UX8-C11") == "UX8-C11"


SEALED = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_the_container_keeps_temperature_for_the_labels_hours() -> None:
    assert HOURS == 96
    assert "HCP site" in STORAGE.shipping_source
    assert container_deadline(SEALED, HOURS) == datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


def test_a_shipment_received_within_the_hours_is_not_quarantined() -> None:
    at_limit = SEALED + timedelta(hours=HOURS)
    assert quarantine_reason(SEALED, at_limit, HOURS, "source") is None


def test_a_shipment_received_after_the_hours_is_quarantined_with_the_reason() -> None:
    late = SEALED + timedelta(hours=HOURS, minutes=30)
    assert quarantine_reason(SEALED, late, HOURS, "HCP site") == (
        "received 96 h after the shipping container was sealed; it keeps temperature for 96 h "
        "[HCP site]"
    )


def test_a_sealing_time_after_the_receipt_is_refused() -> None:
    with pytest.raises(InvalidInput, match="Container sealed at is after the time of receipt"):
        quarantine_reason(SEALED, SEALED - timedelta(minutes=1), HOURS, "s")


def test_expired_lots_are_never_offered_and_the_first_to_expire_comes_first() -> None:
    lots = [
        Lot("LATE", 100_000_000, date(2027, 9, 1)),
        Lot("GONE", 100_000_000, date(2026, 12, 5)),
        Lot("SOON", 100_000_000, date(2027, 1, 10)),
        Lot("LOW", 1_000_000, date(2026, 12, 20)),
        Lot("TODAY", 100_000_000, TODAY),
    ]
    offered = lots_to_offer(lots, 100_000_000, TODAY)
    assert [lot.lot for lot in offered] == ["TODAY", "SOON", "LATE", "LOW"]
