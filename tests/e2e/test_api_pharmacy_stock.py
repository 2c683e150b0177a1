"""The pharmacy's stock and reconciliation through the API, on SQLite and PostgreSQL.

Vials are received by barcode (`POST /shipments`); what happens to them afterwards is written
straight into `vial_events` with the vial's kept status, as the thaw, dose and discard services
would (a small factory below). The stock is by strength and lot in picking order; the
reconciliation balances per day and for the period, and a vial whose record does not fit is named
with its serial number. Only pharmacists see either; other centres' vials are not counted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from tests.e2e.test_api_shipments import HIGH, LOW, SEALED, make_scan
from tests.support.clinic import (
    NOW,
    TESTCLIENT_WARNING,
    TestClient,
    client_for,
    items,
    login_all,
    ok,
    running_app,
    seed_staff,
)

from tvec.services.context import Context
from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

TODAY = NOW.date().isoformat()  # 2026-06-01, the centre's zone is UTC


def record_event(
    ctx: Context, user_id: int, vial: dict[str, Any], kind: str, at: datetime, **kept: Any
) -> None:
    """A vial event as a service would write it: the row, and the vial's kept status."""
    with ctx.uow() as uow:
        uow.vial_events.add(
            by=user_id,
            centre_id=uow.vials.get(vial["id"]).centre_id,
            vial_id=vial["id"],
            kind=kind,
            at=at,
            recorded_by=user_id,
            recorded_at=at,
            reason=kept.get("reason"),
            volume_ml=kept.get("volume_ml"),
        )
        if "status" in kept:
            current = uow.vials.get(vial["id"])
            uow.vials.update(
                vial["id"], expected_version=current.version, by=user_id, status=kept["status"]
            )
        uow.commit()


class Pharmacy:
    def __init__(self, app: FastAPI) -> None:
        self.ctx: Context = app.state.ctx
        self.client: TestClient = client_for(app)
        self.staff = seed_staff(self.ctx)
        self.h = login_all(self.client, self.staff)
        other_staff = seed_staff(self.ctx, "Other centre", "o-")
        self.other = login_all(self.client, other_staff)
        self.pharmacist = self.h[Role.PHARMACIST]
        self.user_id = self.staff[Role.PHARMACIST].actor.user_id

    def receive(self, scans: list[str], who: Any = None, sealed_at: str = SEALED) -> Any:
        body = {"scans": scans, "sealed_at": sealed_at}
        return ok(self.client.post("/shipments", json=body, headers=who or self.pharmacist), 201)

    def vial(self, serial: str) -> dict[str, Any]:
        vials = items(self.client.get("/pharmacy/vials", headers=self.pharmacist))
        return next(v for v in vials if v["serial"] == serial)

    def get(self, path: str, who: Any = None) -> Any:
        return self.client.get(path, headers=who or self.pharmacist)


@pytest.fixture
def pharmacy(database_url: str) -> Iterator[Pharmacy]:
    with running_app(database_url) as (app, _ctx):
        yield Pharmacy(app)


def test_stock_is_by_strength_and_lot_in_picking_order(pharmacy: Pharmacy) -> None:
    pharmacy.receive(
        [
            make_scan("1", "LATE-8", HIGH, "271231"),
            make_scan("2", "SOON-8", HIGH, "260715"),  # 44 days: within the 60-day window
            make_scan("3", "SOON-8", HIGH, "260715"),
            make_scan("4", "LOW-6", LOW, "270101"),
        ]
    )
    pharmacy.receive(
        [make_scan("5", "LATE-8", HIGH, "271231")],
        sealed_at=(NOW - timedelta(hours=100)).isoformat(),
    )
    pharmacy.receive([make_scan("9", "OTHER", HIGH, "260801")], who=pharmacy.other[Role.PHARMACIST])
    body = ok(pharmacy.get("/pharmacy/stock"))
    assert (body["today"], body["expiry_window_days"]) == (TODAY, 60)
    low, high = body["strengths"]
    assert [(x["lot"], x["pick"], x["serials"], x["expiring_soon"]) for x in high["lots"]] == [
        ("SOON-8", 1, ["2", "3"], True),
        ("LATE-8", 2, ["1"], False),
    ]
    assert (high["in_stock"], high["quarantined"], high["usable"], high["expiring_soon"]) == (
        3,
        1,
        3,
        2,
    )
    assert high["earliest_expiry"] == "2026-07-15"
    assert [(x["lot"], x["in_stock"]) for x in low["lots"]] == [("LOW-6", 1)]


def test_the_reconciliation_balances_and_names_a_vial_that_does_not(pharmacy: Pharmacy) -> None:
    pharmacy.receive([make_scan(str(n), "UX8-C11") for n in (1, 2, 3)])
    one, two, three = (pharmacy.vial(s) for s in ("1", "2", "3"))
    later = NOW + timedelta(hours=1)
    record_event(pharmacy.ctx, pharmacy.user_id, one, "thawed", later, status="thawed")
    record_event(
        pharmacy.ctx,
        pharmacy.user_id,
        one,
        "given",
        later + timedelta(minutes=40),
        volume_ml=Decimal(1),
        status="emptied",
    )
    record_event(
        pharmacy.ctx,
        pharmacy.user_id,
        two,
        "discarded",
        later,
        reason="breakage",
        status="discarded",
    )
    body = ok(pharmacy.get(f"/pharmacy/reconciliation?from={TODAY}&to={TODAY}"))
    period = body["period"]
    assert (period["received"], period["thawed"], period["emptied"], period["discarded"]) == (
        3,
        1,
        1,
        1,
    )
    assert (period["closing"]["in_stock"], period["stock_difference"], period["balanced"]) == (
        1,
        0,
        True,
    )
    # a dose recorded on a vial never thawed
    record_event(pharmacy.ctx, pharmacy.user_id, three, "given", later, volume_ml=Decimal(1))
    body = ok(pharmacy.get(f"/pharmacy/reconciliation?from=2026-05-31&to={TODAY}"))
    assert [d["balanced"] for d in body["days"]] == [True, False]
    assert body["period"]["stock_difference"] == -1
    assert [(p["serial"], p["lot"], p["problem"]) for p in body["period"]["problems"]] == [
        ("3", "UX8-C11", "a dose while the vial was in stock")
    ]


def test_the_reconciliation_as_csv(pharmacy: Pharmacy) -> None:
    pharmacy.receive([make_scan("1"), make_scan("2")])
    got = pharmacy.get(f"/pharmacy/reconciliation?from=2026-05-31&to={TODAY}&format=csv")
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/csv")
    assert "reconciliation-2026-05-31-to-2026-06-01.csv" in got.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(got.text)))
    assert rows[0][:5] == [
        "Day",
        "Opening in stock",
        "Opening quarantined",
        "Opening thawed",
        "Received",
    ]
    assert [row[0] for row in rows[1:]] == ["2026-05-31", "2026-06-01", "2026-05-31 to 2026-06-01"]
    assert rows[2][4] == "2"
    assert rows[2][12] == "2"


@pytest.mark.parametrize(
    ("query", "field", "detail"),
    [
        ("from=2026-06-01&to=2026-05-31", "to", "must not be before the From date (2026-06-01)"),
        ("from=2026-13-01&to=2026-06-01", "query.from", "From"),
        ("from=2026-06-01&to=yesterday", "query.to", "To"),
        ("from=2025-01-01&to=2026-06-01", "to", "must be within 366 days"),
        ("from=2026-06-01&to=2026-06-02", "to", "must not be in the future"),
        ("from=0001-01-01&to=2026-06-01", "from", "must not be before 1900-01-01"),
        ("from=2026-06-01&to=9999-12-31", "to", "must not be in the future"),
    ],
)
def test_a_period_that_cannot_be_reconciled_is_refused_naming_the_field(
    pharmacy: Pharmacy, query: str, field: str, detail: str
) -> None:
    refused = pharmacy.get(f"/pharmacy/reconciliation?{query}")
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == field
    assert detail in refused.json()["detail"]


def test_other_centres_vials_are_not_counted(pharmacy: Pharmacy) -> None:
    pharmacy.receive([make_scan("1")])
    other = pharmacy.other[Role.PHARMACIST]
    body = ok(pharmacy.get(f"/pharmacy/reconciliation?from={TODAY}&to={TODAY}", who=other))
    assert body["period"]["received"] == 0
    assert all(not s["lots"] for s in ok(pharmacy.get("/pharmacy/stock", who=other))["strengths"])


@pytest.mark.parametrize("role", [Role.NURSE, Role.ONCOLOGIST, Role.BILLING, Role.ADMIN])
def test_only_pharmacists_see_stock_and_reconciliation(pharmacy: Pharmacy, role: Role) -> None:
    who = pharmacy.h[role]
    assert pharmacy.get("/pharmacy/stock", who=who).status_code == 403
    got = pharmacy.get(f"/pharmacy/reconciliation?from={TODAY}&to={TODAY}", who=who)
    assert got.status_code == 403
