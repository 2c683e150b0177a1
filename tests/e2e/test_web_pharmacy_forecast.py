"""The pharmacist's forecast page in a real browser, at 1280 and 390 px.

The demo centre (`tvec db demo`: patients in treatment, a pharmacy with both strengths) is
forecast for the next weeks: per week and strength the expected vials, the 80% and 95% intervals
and the vials if every visit happens as planned, then the order suggestion with its reasons, the
method in plain words and that the rules are tvec's own. No patient is named on the page. A
number of weeks or a lead time that cannot be used is named on the form.

Screenshots: docs/screenshots/pharmacy-forecast-1280.png and -390.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from tests.support.browser import chromium_path, demo_staff, log_in, running_server

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.persistence.migrate import upgrade
from tvec.services import pharmacy_forecast
from tvec.services.context import Context
from tvec.services.seeding import load_demo

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Clinic:
    base: str
    ctx: Context
    names: tuple[str, ...]  # the demo patients' names and MRNs: never on the page


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    chromium_path()
    where = tmp_path_factory.mktemp("web-forecast")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx, patients_wanted=12)
        with ctx.uow(readonly=True) as uow:
            centre = demo_staff(ctx).pharmacist.centre_id
            patients = uow.patients.in_centre(centre)
        names = tuple(p.family_name for p in patients) + tuple(p.mrn for p in patients)
        with running_server(url, where / "server.log") as base:
            yield Clinic(base, ctx, names)
    finally:
        ctx.engine.dispose()


@pytest.fixture
def open_page(browser: Browser, clinic: Clinic) -> Iterator[Any]:
    contexts = []

    def make(viewport: ViewportSize, role: str = "pharmacist") -> Page:
        return log_in(browser, clinic.base, role, viewport, contexts)

    yield make
    for context in contexts:
        context.close()


def fits(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_forecast_shows_vials_per_week_and_the_order(
    open_page: Any, clinic: Clinic, viewport: ViewportSize
) -> None:
    page = open_page(viewport)
    page.goto("/vials/stock")
    page.get_by_test_id("forecast-link").click()
    expect(page.get_by_role("heading", name="Forecast and order")).to_be_visible()
    page.get_by_label("Weeks").fill("3")
    page.get_by_label("Lead time (days)").fill("5")
    page.get_by_role("button", name="Forecast").click()
    expect(page).to_have_url(f"{clinic.base}/vials/forecast?weeks=3&lead_time_days=5")
    found = pharmacy_forecast.pharmacy_forecast(clinic.ctx, demo_staff(clinic.ctx).pharmacist, 3, 5)
    table = page.get_by_test_id("forecast-demand")
    for d in found.forecast.demand:
        row = table.locator(f"tr[data-week='{d.week}'][data-strength='{d.pfu_per_ml}']")
        low80, high80 = d.intervals[0].low, d.intervals[0].high
        expect(row).to_contain_text(f"{d.expected:.1f}")
        expect(row).to_contain_text(f"{low80}–{high80}")
    high = next(o for o in found.orders if o.pfu_per_ml == 100_000_000)
    order = page.get_by_test_id("order-100000000")
    expect(order).to_contain_text(f"10^8 PFU/mL: order {high.order_vials} vial")
    expect(order).to_contain_text(f"Up to {high.need} may be needed")
    expect(page.get_by_test_id("forecast-method")).to_contain_text(
        "tvec's own choices, not the label's"
    )
    expect(page.get_by_test_id("forecast-method")).to_contain_text("USPI")
    text = page.content()
    assert not [name for name in clinic.names if name in text]
    fits(page, viewport["width"])
    page.screenshot(
        path=str(SCREENSHOTS / f"pharmacy-forecast-{viewport['width']}.png"), full_page=True
    )


def test_weeks_or_a_lead_time_that_cannot_be_used_is_named(open_page: Any) -> None:
    page = open_page(DESKTOP)
    page.goto("/vials/forecast?weeks=many&lead_time_days=7")
    expect(page.locator("#err-weeks")).to_contain_text("Weeks: enter a whole number")
    expect(page.get_by_test_id("forecast-demand")).to_have_count(0)
    page.goto("/vials/forecast?weeks=4&lead_time_days=400")
    expect(page.locator("#err-lead_time_days")).to_contain_text(
        "Lead time must be a whole number of days from 0 to 365"
    )
    page.goto("/vials/forecast?weeks=0")
    expect(page.locator("#err-weeks")).to_contain_text("from 1 to 52")


def test_a_nurse_cannot_open_the_forecast(open_page: Any) -> None:
    page = open_page(DESKTOP, "nurse")
    assert page.goto("/vials/forecast").status == 403
