"""From plan to syringe through the API, on SQLite and PostgreSQL: the nurse records the vial a
dose was drawn from, not just its lot. The draw and the dose are recorded on the vial, what is left
is discarded with a reason, and the JW line bills what was actually discarded. A vial of the wrong
strength, not thawed (in stock, quarantined), emptied, of another centre or past its thaw clock is
refused, naming the item's field, and nothing is written."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from tests.support.browser import OLDER_SIZES, demo_staff, make_due_patient
from tests.support.clinic import (
    NOW,
    TESTCLIENT_WARNING,
    TestClient,
    client_for,
    close_app,
    login,
    make_app,
    ok,
    seed_staff,
)

from tvec.domain.roles import Role
from tvec.services import shipments, vial_events, visits
from tvec.services.context import Context
from tvec.services.seeding import load_demo

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

HIGH, LOW = "00355513079013", "00355513078016"


@dataclasses.dataclass
class Bedside:
    app: FastAPI
    ctx: Context
    client: TestClient
    nurse: dict[str, str]
    visit: dict[str, Any]
    vials: dict[str, int]  # by serial


def receive_and_thaw(ctx: Context) -> dict[str, int]:
    staff = demo_staff(ctx)
    earlier = dataclasses.replace(ctx, clock=lambda: NOW - timedelta(hours=30))
    scans = [f"01{gtin}1727060010BED-{gtin[-3:]}\x1d21S{n}" for n, gtin in enumerate([HIGH] * 3)]
    scans.append(f"01{LOW}1727060010BED-LOW\x1d21S9")
    shipments.receive_shipment(earlier, staff.pharmacist, scans, NOW - timedelta(hours=40))
    found = {v.serial: v.id for v in shipments.list_vials(ctx, staff.pharmacist)}
    thaws = {"S0": timedelta(hours=2), "S1": timedelta(hours=25), "S9": timedelta(hours=1)}
    for serial, ago in thaws.items():
        vial_events.record_event(
            ctx, staff.nurse, found[serial], kind="thawed", at=NOW - ago, version=1
        )
    return found


@pytest.fixture
def bed(database_url: str) -> Iterator[Bedside]:
    app, ctx = make_app(database_url)
    try:
        load_demo(ctx, patients_wanted=0)
        staff = demo_staff(ctx)
        found = receive_and_thaw(ctx)
        due = make_due_patient(ctx, staff, "BED-1")
        planned = visits.plan_next_visit(ctx, staff.nurse, due.course_id, stale_reason=OLDER_SIZES)
        client = client_for(app)
        nurse = login(client, "nurse", "demo-nurse-pass")
        visit = ok(client.get(f"/visits/{planned.id}", headers=nurse))
        yield Bedside(app, ctx, client, nurse, visit, found)
    finally:
        close_app(app)


def body(bed: Bedside, vial: int | None, lot: str = "BED-013", **more: Any) -> dict[str, Any]:
    first = bed.visit["plan"]["injections"][0]
    item = {"target": first["lesion_id"], "volume_ml": "0.5", "vial_lot": lot, "vial_id": vial}
    return {
        "version": bed.visit["version"],
        "administered_at": NOW.isoformat(),
        "items": [item],
        **more,
    }


def record(bed: Bedside, sent: dict[str, Any]) -> Any:
    return bed.client.post(
        f"/visits/{bed.visit['id']}/administrations", json=sent, headers=bed.nurse
    )


def vial(bed: Bedside, serial: str) -> Any:
    return ok(bed.client.get(f"/vials/{bed.vials[serial]}", headers=bed.nurse))


def test_the_dose_is_drawn_given_and_the_leftover_discarded_on_the_vial(bed: Bedside) -> None:
    saved = ok(record(bed, body(bed, bed.vials["S0"], leftover_reason="unused")), 201)
    assert saved["administrations"][0]["vial_id"] == bed.vials["S0"]
    used = vial(bed, "S0")
    assert (used["status"], Decimal(used["volume_left_ml"]), Decimal(used["discarded_ml"])) == (
        "discarded",
        0,
        Decimal("0.5"),
    )
    assert [(e["kind"], e["volume_ml"], e["reason"]) for e in used["events"]] == [
        ("thawed", None, None),
        ("drawn_into_syringe", "0.50", None),
        ("given", "0.50", None),
        ("discarded", "0.50", "unused"),
    ]
    # JW: 0.5 mL × 10^8 PFU/mL discarded = 50 units of 10^6 PFU (J9325)
    billing = ok(
        bed.client.get(
            "/billing/lines",
            params={"since": NOW.date().isoformat(), "until": NOW.date().isoformat()},
            headers=login(bed.client, "billing", "demo-billing-pass"),
        )
    )
    jw = [line for line in billing["items"] if line["modifier"] == "JW"]
    assert [Decimal(line["units"]) for line in jw] == [Decimal(50)]


@pytest.mark.parametrize(
    ("serial", "lot", "words"),
    [
        ("S2", "BED-013", "is in stock: only a thawed vial is given"),
        ("S1", "BED-013", "the thaw clock ran out"),
        ("S9", "BED-013", "is a vial of 1,000,000 PFU/mL, not the dose's 100,000,000 PFU/mL"),
    ],
)
def test_a_vial_the_rules_refuse_names_the_item_and_writes_nothing(
    bed: Bedside, serial: str, lot: str, words: str
) -> None:
    before = vial(bed, serial)
    refused = record(bed, body(bed, bed.vials[serial], lot))
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "items.0.vial_id"
    assert words in refused.json()["detail"]
    assert vial(bed, serial) == before
    again = ok(bed.client.get(f"/visits/{bed.visit['id']}", headers=bed.nurse))
    assert again["status"] == "planned"


def test_a_used_up_vial_and_another_centres_vial_are_refused(bed: Bedside) -> None:
    version = vial(bed, "S0")["version"]
    thrown = {"kind": "discarded", "at": NOW.isoformat(), "reason": "breakage", "version": version}
    ok(bed.client.post(f"/vials/{bed.vials['S0']}/events", json=thrown, headers=bed.nurse), 201)
    refused = record(bed, body(bed, bed.vials["S0"]))
    assert (refused.status_code, refused.json()["field"]) == (422, "items.0.vial_id")
    assert "is discarded: only a thawed vial is given" in refused.json()["detail"]
    unknown = record(bed, body(bed, 999_999))
    assert (unknown.status_code, unknown.json()["field"]) == (422, "items.0.vial_id")
    assert "is not a vial of this centre" in unknown.json()["detail"]


def test_without_a_vial_the_plan_based_billing_stays(bed: Bedside) -> None:
    ok(record(bed, body(bed, None)), 201)
    assert vial(bed, "S0")["status"] == "thawed"


# ---- the vial named by its serial: typed, or scanned from its carton ----------------------------

SCANNED_S0 = f"]d201{HIGH}1727060010BED-013\x1d21S0"  # the carton's DataMatrix as scanned


def by_serial(bed: Bedside, text: str, lot: str = "BED-013", **more: Any) -> dict[str, Any]:
    sent = body(bed, None, lot)
    sent["items"][0] = {**sent["items"][0], "vial_serial": text, **more}
    return sent


@pytest.mark.parametrize(
    "text", ["S0", SCANNED_S0, f"(01){HIGH}(17)270600(10)BED-013(21)S0", " S0 "]
)
def test_a_typed_serial_or_a_scanned_carton_names_the_thawed_vial(bed: Bedside, text: str) -> None:
    saved = ok(record(bed, by_serial(bed, text)), 201)
    assert saved["administrations"][0]["vial_id"] == bed.vials["S0"]
    used = vial(bed, "S0")
    assert used["status"] == "discarded"
    assert [e["kind"] for e in used["events"]] == [
        "thawed",
        "drawn_into_syringe",
        "given",
        "discarded",
    ]


def _refused(bed: Bedside, sent: dict[str, Any], words: str) -> None:
    before = {serial: vial(bed, serial) for serial in ("S0", "S2", "S9")}
    refused = record(bed, sent)
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "items.0.vial_serial"
    assert words in refused.json()["detail"]
    assert {serial: vial(bed, serial) for serial in before} == before
    again = ok(bed.client.get(f"/visits/{bed.visit['id']}", headers=bed.nurse))
    assert again["status"] == "planned"


def test_an_unknown_serial_is_refused_naming_the_row(bed: Bedside) -> None:
    lesion = bed.visit["plan"]["injections"][0]["lesion_id"]
    _refused(bed, by_serial(bed, "S77"), f"the vial scanned for {lesion} (serial S77) is no vial")


def test_another_centres_thawed_vial_is_refused_as_unknown(bed: Bedside) -> None:
    other = seed_staff(bed.ctx, "Other centre", "o-")
    earlier = dataclasses.replace(bed.ctx, clock=lambda: NOW - timedelta(hours=30))
    scan = f"01{HIGH}1727060010BED-013\x1d21X1"
    shipments.receive_shipment(
        earlier, other[Role.PHARMACIST].actor, [scan], NOW - timedelta(hours=40)
    )
    theirs = shipments.list_vials(bed.ctx, other[Role.PHARMACIST].actor)[0]
    vial_events.record_event(
        bed.ctx,
        other[Role.NURSE].actor,
        theirs.id,
        kind="thawed",
        at=NOW - timedelta(hours=1),
        version=1,
    )
    _refused(bed, by_serial(bed, "X1"), "(serial X1) is no vial received at this centre")
    _refused(bed, by_serial(bed, scan), "(serial X1) is no vial received at this centre")


@pytest.mark.parametrize(
    ("serial", "words"),
    [
        ("S2", "is in stock: only a thawed vial is given"),
        ("S9", "is a vial of 1,000,000 PFU/mL, not the dose's 100,000,000 PFU/mL"),
    ],
)
def test_a_serial_of_a_vial_not_thawed_or_of_another_strength_is_refused(
    bed: Bedside, serial: str, words: str
) -> None:
    lesion = bed.visit["plan"]["injections"][0]["lesion_id"]
    _refused(bed, by_serial(bed, serial), f"the vial scanned for {lesion} {words}")


def test_an_unreadable_scan_is_refused_in_plain_words(bed: Bedside) -> None:
    _refused(bed, by_serial(bed, f"01{HIGH}17271399"), "cannot be read from the scan")


def test_a_vial_picked_and_a_serial_both_given_is_refused_naming_the_serial(bed: Bedside) -> None:
    _refused(bed, by_serial(bed, "S0", vial_id=bed.vials["S0"]), "not both")
