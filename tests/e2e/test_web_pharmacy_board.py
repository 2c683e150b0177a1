"""The pharmacy board in a real browser (Debian's chromium, headless, Playwright), at 1280 and
390 px.

A nurse opens the board from the main menu: every thawed vial shows its lot, strength, where it is,
when it was thawed and its latest use in the centre's time zone (named), with a countdown that
moves without a page reload. A vial with under 30 minutes left is red. The nurse thaws the vial
suggested from stock (the first to expire), moves it to the fridge, and a discard without a
reason is refused in words naming the field; nothing is written.

Screenshots: docs/screenshots/pharmacy-board-1280.png and -390.png.
"""

from __future__ import annotations

import dataclasses
import re
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
from tvec.persistence.migrate import upgrade
from tvec.services import second_check, shipments, vial_events
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


def scan(gtin: str, lot: str, serial: str, days: int = 200) -> str:
    expiry = f"{(datetime.now(UTC) + timedelta(days=days)):%y%m}00"
    return f"(01){gtin}(17){expiry}(10){lot}(21){serial}"


HIGH, LOW = "00355513079013", "00355513078016"


def stock_the_pharmacy(ctx: Context) -> None:
    """Vials received a day ago; one 10^6 vial thawed 11 h 45 min ago (12 h at room temperature:
    15 minutes left, red) and one 10^8 vial thawed an hour ago (24 h: hours left)."""
    staff = demo_staff(ctx)
    now = datetime.now(UTC)
    yesterday = dataclasses.replace(ctx, clock=lambda: now - timedelta(hours=25))
    scans = [
        scan(LOW, "BRD6-A", "B61"),
        scan(HIGH, "BRD8-L", "B81", days=400),
        scan(HIGH, "BRD8-E", "B82", days=100),
        scan(HIGH, "BRD8-L", "B83", days=400),
    ]
    shipments.receive_shipment(yesterday, staff.pharmacist, scans, now - timedelta(hours=30))
    vials = {v.serial: v for v in shipments.list_vials(ctx, staff.pharmacist)}
    for serial, ago in (("B61", timedelta(hours=11, minutes=45)), ("B81", timedelta(hours=1))):
        vial_events.record_event(
            ctx,
            staff.nurse,
            vials[serial].id,
            kind="thawed",
            at=now - ago,
            version=1,  # as received
        )


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    chromium_path()  # skip (or install, in CI) before building anything
    where = tmp_path_factory.mktemp("web-board")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx, patients_wanted=0)
        stock_the_pharmacy(ctx)
        zone = second_check.centre_settings(ctx, demo_staff(ctx).nurse).time_zone
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


def choose(form: Any, lot: str) -> None:
    """Pick the thawed vial of this lot in the record form."""
    select = form.get_by_label("Thawed vial")
    select.select_option(select.locator("option", has_text=f"lot {lot}").get_attribute("value"))


def clock_of(page: Page, lot: str) -> Any:
    return page.get_by_test_id("clock").filter(has_text=f"lot {lot}")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_board_counts_down_and_shows_a_vial_near_its_end_in_red(
    open_page: Any, clinic: Clinic, viewport: ViewportSize
) -> None:
    page = open_page("nurse", viewport)
    page.goto("/")
    page.get_by_role("link", name="Pharmacy board").click()
    expect(page.get_by_role("heading", name="Pharmacy board")).to_be_visible()
    near = clock_of(page, "BRD6-A")
    expect(near).to_have_class(re.compile(r"\bclock-red\b"))
    expect(near.get_by_test_id("countdown")).to_have_text(re.compile(r"^1[45] min \d\d s left$"))
    first = near.get_by_test_id("countdown").inner_text()
    # it moves without a reload: the seconds tick
    expect(near.get_by_test_id("countdown")).not_to_have_text(first, timeout=3_000)
    fresh = clock_of(page, "BRD8-L")
    expect(fresh).not_to_have_class(re.compile(r"\bclock-red\b"))
    expect(fresh.get_by_test_id("countdown")).to_have_text(re.compile(r"^2[23] h \d\d min left$"))
    expect(fresh.get_by_test_id("where")).to_contain_text("Vial at room temperature")
    zone_named = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d \S+")
    expect(fresh.get_by_test_id("use-by")).to_have_text(zone_named)
    fits_the_window(page, viewport)
    page.screenshot(
        path=str(SCREENSHOTS / f"pharmacy-board-{viewport['width']}.png"),
        full_page=True,
        animations="disabled",
    )


def test_the_fragment_is_fetched_again_by_htmx(open_page: Any) -> None:
    page = open_page("pharmacist", DESKTOP)
    page.goto("/pharmacy")
    section = page.locator("#board-clocks")
    assert section.get_attribute("hx-get") == "/pharmacy/clocks"
    assert section.get_attribute("hx-trigger") == "every 30s"
    fragment = page.request.get("/pharmacy/clocks")
    assert fragment.ok
    assert "BRD6-A" in fragment.text()


def test_the_nurse_thaws_the_suggested_vial_then_moves_it(open_page: Any, clinic: Clinic) -> None:
    page = open_page("nurse", DESKTOP)
    page.goto("/pharmacy")
    thaw = page.get_by_test_id("thaw")
    stock = thaw.get_by_label("Vial from stock")
    # offered first: the vial that expires first, marked as the suggestion
    expect(stock.locator("option:checked")).to_contain_text("suggested: first to expire")
    stock.select_option(stock.locator("option", has_text="lot BRD8-E").get_attribute("value"))
    thaw.get_by_role("button", name="Record the thaw").click()
    expect(page.get_by_test_id("notice")).to_contain_text("Vial B82 (lot BRD8-E): thawed")
    expect(clock_of(page, "BRD8-E")).to_be_visible()
    record = page.get_by_test_id("record")
    choose(record, "BRD8-E")
    record.get_by_label("What happened").select_option("to_fridge")
    record.get_by_role("button", name="Record").click()
    expect(clock_of(page, "BRD8-E").get_by_test_id("where")).to_contain_text(
        "Vial in the fridge (2–8 °C)"
    )
    before = row_counts(clinic.ctx)
    record = page.get_by_test_id("record")
    choose(record, "BRD8-E")
    record.get_by_label("What happened").select_option("discarded")
    record.get_by_role("button", name="Record").click()
    expect(page.locator("#err-reason")).to_contain_text(
        "the reason must be one of: unused, expired, excursion, breakage, contamination"
    )
    assert row_counts(clinic.ctx) == before


def test_a_billing_clerk_cannot_open_the_board(open_page: Any) -> None:
    page = open_page("billing", DESKTOP)
    response = page.goto("/pharmacy")
    assert response is not None
    assert response.status == 403
