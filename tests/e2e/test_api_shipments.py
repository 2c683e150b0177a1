"""Receiving a shipment by barcode through the API, on SQLite and PostgreSQL.

The pharmacist posts the shipment's scans and its container's sealing time. Receipt is all or
nothing: one bad scan refuses the whole shipment (422 naming the scan) and nothing is written. A
shipment received more than 96 hours (label data) after its container was sealed is received
quarantined. Lots are one lot whatever their letter case. Only pharmacists receive; other
centres do not see a centre's shipments or vials.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from tests.support.clinic import (
    NOW,
    TESTCLIENT_WARNING,
    TestClient,
    add_vial_lot,
    audit_total,
    client_for,
    items,
    login_all,
    ok,
    running_app,
    seed_staff,
)

from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

LOW, HIGH = "00355513078016", "00355513079013"
SEALED = (NOW - timedelta(hours=20)).isoformat()


def make_scan(serial: str, lot: str = "UX8-C11", gtin: str = HIGH, expiry: str = "270600") -> str:
    return f"01{gtin}17{expiry}10{lot}\x1d21{serial}"


class Pharmacy:
    def __init__(self, app: FastAPI) -> None:
        self.client: TestClient = client_for(app)
        self.h = login_all(self.client, seed_staff(app.state.ctx))
        self.other = login_all(self.client, seed_staff(app.state.ctx, "Other centre", "o-"))
        self.pharmacist, self.admin = self.h[Role.PHARMACIST], self.h[Role.ADMIN]

    def receive(self, scans: list[str], sealed_at: str = SEALED, who: Any = None) -> Any:
        return self.client.post(
            "/shipments",
            json={"scans": scans, "sealed_at": sealed_at},
            headers=who or self.pharmacist,
        )

    def vials(self, who: Any = None) -> list[dict[str, Any]]:
        return items(self.client.get("/pharmacy/vials", headers=who or self.pharmacist))


@pytest.fixture
def pharmacy(database_url: str) -> Iterator[Pharmacy]:
    with running_app(database_url) as (app, _ctx):
        yield Pharmacy(app)


def test_a_shipment_is_received_with_one_vial_per_carton(pharmacy: Pharmacy) -> None:
    scans = [make_scan("1001"), "(01)00355513079013(17)270600(10)ux8-c11(21)1002"]
    shipment = ok(pharmacy.receive([*scans, make_scan("7", "LOW-1", LOW, "280115")]), 201)
    assert (shipment["vials"], shipment["quarantined"], shipment["container_hours"]) == (
        3,
        False,
        96,
    )
    vials = pharmacy.vials()
    assert [(v["serial"], v["lot"], v["pfu_per_ml"], v["status"]) for v in vials] == [
        ("1001", "UX8-C11", 100_000_000, "in_stock"),
        ("1002", "UX8-C11", 100_000_000, "in_stock"),
        ("7", "LOW-1", 1_000_000, "in_stock"),
    ]
    lots = items(pharmacy.client.get("/vial-lots", headers=pharmacy.pharmacist))
    assert sorted(lot["lot"] for lot in lots) == ["LOW-1", "UX8-C11"]
    listed = items(pharmacy.client.get("/shipments", headers=pharmacy.pharmacist))
    assert [s["id"] for s in listed] == [shipment["id"]]


def test_the_receipt_is_in_the_audit_trail_with_who_and_when(pharmacy: Pharmacy) -> None:
    before = audit_total(pharmacy.client, pharmacy.admin)
    shipment = ok(pharmacy.receive([make_scan("1"), make_scan("2")]), 201)
    # the shipment, its new lot and its two vials
    assert audit_total(pharmacy.client, pharmacy.admin) == before + 4
    history = items(
        pharmacy.client.get(f"/audit/shipment/{shipment['id']}", headers=pharmacy.pharmacist)
    )
    assert [(e["action"], e["after"]["received_by"]) for e in history] == [
        ("create", shipment["received_by"])
    ]
    vial = pharmacy.vials()[0]
    vial_history = pharmacy.client.get(f"/audit/vial/{vial['id']}", headers=pharmacy.pharmacist)
    assert items(vial_history)[0]["after"]["serial"] == "1"


@pytest.mark.parametrize(
    ("bad", "detail"),
    [
        (make_scan("2", gtin="00355513079014"), "scan 2: product code 00355513079014 fails its "),
        (make_scan("2", gtin="04006381333931"), "scan 2: product code 04006381333931 is not an "),
        (make_scan("2", expiry="260615"), "scan 2: lot UX8-C11 expires on 2026-06-15, within 30"),
        (make_scan("2", expiry="260500"), "scan 2: lot UX8-C11 expired on 2026-05-31"),
        (make_scan("1"), "scan 2: serial number 1 was already received"),
        (make_scan("2", "ux8-c11", LOW), "scan 2: lot ux8-c11 is lot UX8-C11 of 100,000,000"),
        ("(01)00355513079013(10)X(21)2", "scan 2: the barcode has no expiry date (AI 17)"),
    ],
)
def test_one_bad_scan_refuses_the_whole_shipment(pharmacy: Pharmacy, bad: str, detail: str) -> None:
    before = audit_total(pharmacy.client, pharmacy.admin)
    refused = pharmacy.receive([make_scan("1"), bad, make_scan("3")])
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["detail"].startswith(detail)
    assert (body["code"], body["field"]) == ("shipment-refused", "scans.1")
    assert pharmacy.vials() == []
    assert items(pharmacy.client.get("/vial-lots", headers=pharmacy.pharmacist)) == []
    assert audit_total(pharmacy.client, pharmacy.admin) == before


def test_a_serial_received_in_an_earlier_shipment_is_refused(pharmacy: Pharmacy) -> None:
    ok(pharmacy.receive([make_scan("1")]), 201)
    refused = pharmacy.receive([make_scan("2"), make_scan("1")])
    assert (refused.status_code, refused.json()["field"]) == (422, "scans.1")
    assert len(pharmacy.vials()) == 1


def test_a_lot_registered_by_hand_is_the_same_lot_in_another_case(pharmacy: Pharmacy) -> None:
    add_vial_lot(pharmacy.client, pharmacy.pharmacist, "ab-1", 10**8)
    again = pharmacy.client.post(
        "/vial-lots",
        json={"lot": "AB-1", "pfu_per_ml": 10**8, "expiry_date": "2027-01-01"},
        headers=pharmacy.pharmacist,
    )
    assert again.status_code == 409, again.text
    refused = pharmacy.receive([make_scan("1", "AB-1", LOW)])
    assert "lot AB-1 is lot ab-1 of 100,000,000 PFU/mL" in refused.json()["detail"]


def test_a_shipment_received_after_96_hours_is_quarantined(pharmacy: Pharmacy) -> None:
    late = (NOW - timedelta(hours=97)).isoformat()
    shipment = ok(pharmacy.receive([make_scan("1")], late), 201)
    assert shipment["quarantined"] is True
    assert shipment["quarantine_reason"].startswith(
        "received 97 h after the shipping container was sealed; it keeps temperature for 96 h ["
    )
    assert [v["status"] for v in pharmacy.vials()] == ["quarantined"]


def test_a_sealing_time_after_the_receipt_is_refused(pharmacy: Pharmacy) -> None:
    refused = pharmacy.receive([make_scan("1")], (NOW + timedelta(hours=1)).isoformat())
    assert (refused.status_code, refused.json()["field"]) == (422, "sealed_at")


def test_only_a_pharmacist_receives_and_each_centre_sees_its_own(pharmacy: Pharmacy) -> None:
    for role in (Role.NURSE, Role.ONCOLOGIST, Role.BILLING):
        assert pharmacy.receive([make_scan("1")], who=pharmacy.h[role]).status_code == 403
    ok(pharmacy.receive([make_scan("1")]), 201)
    other = pharmacy.other[Role.PHARMACIST]
    assert pharmacy.vials(other) == []
    assert items(pharmacy.client.get("/shipments", headers=other)) == []
    assert pharmacy.client.get("/pharmacy/vials", headers=pharmacy.h[Role.NURSE]).status_code == 403
