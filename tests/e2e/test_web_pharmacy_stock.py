"""The pharmacist's stock and reconciliation pages in a real browser, at 1280 and 390 px.

The demo pharmacy (`tvec db demo`) has stock of both strengths, a 10^6 lot expiring within the
window (marked, and picked first), a late shipment quarantined and a shipment quarantined by
its freezer's open excursion. One vial is then recorded as
given without a thaw (straight into `vial_events`, as a faulty service might): the reconciliation
flags that day in red and names the vial. A date that cannot be read is named on the form.

Screenshots: docs/screenshots/pharmacy-stock-1280.png, -390.png, pharmacy-reconciliation-1280.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from tests.e2e.test_api_pharmacy_stock import record_event
from tests.support.browser import DEMO_PASSWORD, chromium_path, demo_staff, log_in, running_server

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.persistence.migrate import upgrade
from tvec.services import shipments
from tvec.services.context import Context
from tvec.services.seeding import load_demo

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Clinic:
    base: str
    ctx: Context
    today: str


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    chromium_path()
    where = tmp_path_factory.mktemp("web-stock")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx, patients_wanted=0)
        pharmacist = demo_staff(ctx).pharmacist
        vial = next(v for v in shipments.list_vials(ctx, pharmacist) if v.serial == "D8S0104")
        record_event(
            ctx, pharmacist.user_id, {"id": vial.id}, "given", ctx.clock(), volume_ml=Decimal(1)
        )
        with running_server(url, where / "server.log") as base:
            yield Clinic(base, ctx, ctx.today(pharmacist).isoformat())
    finally:
        ctx.engine.dispose()


@pytest.fixture
def open_page(browser: Browser, clinic: Clinic) -> Iterator[Any]:
    contexts = []

    def make(viewport: ViewportSize) -> Page:
        return log_in(browser, clinic.base, "pharmacist", viewport, contexts)

    yield make
    for context in contexts:
        context.close()


def fits(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_stock_page_shows_both_strengths_in_picking_order(
    open_page: Any, viewport: ViewportSize
) -> None:
    page = open_page(viewport)
    page.get_by_role("link", name="Stock", exact=True).first.click()
    expect(page.get_by_role("heading", name="Stock", exact=True)).to_be_visible()
    low = page.get_by_test_id("stock-lots-1000000")
    first = low.locator("tbody tr").first
    expect(first).to_contain_text("DEMO6-S01")  # expires soonest: picked first, marked
    expect(first).to_contain_text("Expires within 60 days")
    expect(first).to_have_class("row-soon")
    expect(page.get_by_test_id("stock-summary-1000000")).to_contain_text("7 vials to use")
    high = page.get_by_test_id("stock-lots-100000000")
    expect(high.locator("tr", has_text="DEMO8-Q01")).to_contain_text("Every vial quarantined")
    # the late shipment, and the shipment in the freezer whose excursion is still open
    expect(high.locator("tr", has_text="DEMO8-X01")).to_contain_text("Every vial quarantined")
    expect(page.get_by_test_id("stock-summary-100000000")).to_contain_text("4 quarantined")
    csv = page.request.get("/vials/stock.csv")
    assert csv.ok
    assert "DEMO6-S01" in csv.text()
    fits(page, viewport["width"])
    page.screenshot(
        path=str(SCREENSHOTS / f"pharmacy-stock-{viewport['width']}.png"), full_page=True
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_reconciliation_flags_the_day_and_names_the_vial(
    open_page: Any, clinic: Clinic, viewport: ViewportSize
) -> None:
    page = open_page(viewport)
    page.goto("/vials/stock")
    page.get_by_test_id("reconciliation-link").click()
    expect(page.get_by_label("To")).to_have_value(clinic.today)
    page.get_by_role("button", name="Reconcile").click()
    alert = page.get_by_test_id("not-reconciled")
    expect(alert).to_contain_text(
        "vial D8S0104 (lot DEMO8-S01): a dose while the vial was in stock"
    )
    flagged = page.locator("[data-flagged=true]")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text(clinic.today)
    expect(page.get_by_test_id("reconciliation-period")).to_have_class("ledger-total row-bad")
    csv = page.request.get(page.get_by_test_id("reconciliation-csv").get_attribute("href") or "")
    assert csv.ok
    assert "D8S0104" in csv.text()
    fits(page, viewport["width"])
    if viewport is DESKTOP:
        page.screenshot(path=str(SCREENSHOTS / "pharmacy-reconciliation-1280.png"), full_page=True)


def test_a_date_that_cannot_be_read_or_a_to_before_from_is_named(open_page: Any) -> None:
    page = open_page(DESKTOP)
    page.goto("/vials/reconciliation?from=2026-02-30&to=2026-03-01")
    expect(page.locator("#err-from")).to_contain_text("From: enter a date as YYYY-MM-DD")
    expect(page.get_by_test_id("reconciliation-days")).to_have_count(0)
    page.goto("/vials/reconciliation?from=2026-03-02&to=2026-03-01")
    expect(page.locator("#err-to")).to_contain_text("must not be before the From date")


def test_a_nurse_cannot_open_the_pharmacy_pages(browser: Browser, clinic: Clinic) -> None:
    context = browser.new_context(base_url=clinic.base, viewport=DESKTOP)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Username").fill("nurse")
    page.get_by_label("Password").fill(DEMO_PASSWORD.format("nurse"))
    page.get_by_role("button", name="Log in").click()
    for path in ("/vials/stock", "/vials/reconciliation"):
        assert page.goto(path).status == 403  # type: ignore[union-attr]
    context.close()
