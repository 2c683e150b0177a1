"""Receiving a shipment by barcode in a real browser (Debian's chromium, headless, Playwright), at
1280 and 390 px.

The pharmacist opens "Receive vials" from the vial lots page, scans the cartons (one per line;
the group separator printed as <GS>), enters the container's sealing time, reviews the cartons as
read (strength, lot, expiry, serial), and receives them. A carton with a misread product code is
refused in plain words naming its line, and nothing is received. Nurses cannot open the page.

Screenshots: docs/screenshots/pharmacy-receive-1280.png and -390.png (the review step).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from tests.support.browser import (
    chromium_path,
    demo_staff,
    fits_the_window,
    log_in,
    row_counts,
    running_server,
)

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.domain.zones import wall_time_text
from tvec.persistence.migrate import upgrade
from tvec.services import second_check
from tvec.services.context import Context
from tvec.services.seeding import load_demo

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Clinic:
    base: str
    ctx: Context
    zone: str


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    chromium_path()  # skip (or install, in CI) before building anything
    where = tmp_path_factory.mktemp("web-receive")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx, patients_wanted=0)
        zone = second_check.centre_settings(ctx, demo_staff(ctx).pharmacist).time_zone
        with running_server(url, where / "server.log") as base:
            yield Clinic(base, ctx, zone)
    finally:
        ctx.engine.dispose()


@pytest.fixture
def open_page(browser: Browser, clinic: Clinic) -> Iterator[Any]:
    contexts = []

    def make(role: str, viewport: ViewportSize) -> Page:
        return log_in(browser, clinic.base, role, viewport, contexts)

    yield make
    for context in contexts:
        context.close()


def make_scans(prefix: str) -> str:
    expiry = f"{(datetime.now(UTC) + timedelta(days=200)):%y%m}00"
    return "\n".join(
        [
            f"(01)00355513079013(17){expiry}(10){prefix}-B8(21){prefix}1",
            f"0100355513079013{'17'}{expiry}10{prefix}-B8<GS>21{prefix}2",
            f"0100355513078016{'17'}{expiry}10{prefix}-A6{{GS}}21{prefix}3",
        ]
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_pharmacist_scans_reviews_and_receives_a_shipment(
    open_page: Any, clinic: Clinic, viewport: ViewportSize
) -> None:
    page = open_page("pharmacist", viewport)
    page.goto("/vials")
    page.get_by_test_id("receive-link").click()
    expect(page.get_by_role("heading", name="Receive vials")).to_be_visible()
    prefix = f"W{viewport['width']}"
    page.get_by_label("Carton barcodes, one per line").fill(make_scans(prefix))
    sealed = wall_time_text(datetime.now(UTC) - timedelta(hours=5), clinic.zone)
    page.get_by_label("Container sealed at").fill(sealed)
    page.get_by_role("button", name="Review cartons").click()
    review = page.get_by_test_id("cartons")
    expect(review.locator("tbody tr")).to_have_count(3)
    expect(review).to_contain_text(f"{prefix}-B8")
    expect(review).to_contain_text("10^8 PFU/mL")
    expect(review).to_contain_text("10^6 PFU/mL")
    fits_the_window(page, viewport)
    page.screenshot(
        path=str(SCREENSHOTS / f"pharmacy-receive-{viewport['width']}.png"),
        full_page=True,
        animations="disabled",
    )
    page.get_by_role("button", name="Receive 3 vials").click()
    expect(page.get_by_test_id("received")).to_contain_text("Shipment received: 3 vials")


def test_a_misread_carton_is_refused_by_its_line_and_nothing_is_received(
    open_page: Any, clinic: Clinic
) -> None:
    page = open_page("pharmacist", DESKTOP)
    page.goto("/vials/receive")
    before = row_counts(clinic.ctx)
    good = make_scans("BAD").splitlines()[0]
    misread = good.replace("(01)00355513079013", "(01)00355513079014").replace("BAD1", "BAD9")
    page.get_by_label("Carton barcodes, one per line").fill(f"{good}\n\n{misread}")
    page.get_by_label("Container sealed at").fill(
        wall_time_text(datetime.now(UTC) - timedelta(hours=1), clinic.zone)
    )
    page.get_by_role("button", name="Review cartons").click()
    expect(page.locator("#err-scans")).to_have_text(
        "Carton on line 3: its product code was misread; scan it again. Nothing was received: "
        "set that carton aside and review the others again."
    )
    assert row_counts(clinic.ctx) == before


def test_a_nurse_cannot_open_the_receive_page(open_page: Any) -> None:
    page = open_page("nurse", DESKTOP)
    response = page.goto("/vials/receive")
    assert response is not None
    assert response.status == 403
