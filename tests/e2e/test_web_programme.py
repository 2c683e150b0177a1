"""The safety programme in a real browser (Debian's chromium, headless), at 1280 and 390 px.

- The demo pharmacist's training expires within 30 days: the nurse's worklist warns of it;
- the nurse's attestation page shows her cleared until the next one is due; attesting "I may
  not" makes the chart's safety programme show the dose requirement missing (it stops the dose),
  and attesting again clears it;
- the admin's training form refuses a record without an expiry date beside the field, and
  nothing is written.

Screenshots: docs/screenshots/programme-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect
from tests.support.browser import (
    DuePatient,
    chromium_path,
    demo_staff,
    fits_the_window,
    log_in,
    make_due_patient,
    row_counts,
    running_server,
)

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.persistence.migrate import upgrade
from tvec.services.context import Context
from tvec.services.seeding import load_demo

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Clinic:
    base: str
    ctx: Context
    due: DuePatient


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    chromium_path()  # skip (or install, in CI) before building anything
    where = tmp_path_factory.mktemp("web-programme")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx, patients_wanted=0)  # the demo centre, its staff's trainings, lots
        due = make_due_patient(ctx, demo_staff(ctx), "PROG-W")
        with running_server(url, where / "server.log") as base:
            yield Clinic(base, ctx, due)
    finally:
        ctx.engine.dispose()


@pytest.fixture
def opened() -> Iterator[list[BrowserContext]]:
    contexts: list[BrowserContext] = []
    yield contexts
    for context in contexts:
        context.close()


def screenshot(page: Page, name: str, viewport: ViewportSize) -> None:
    path = SCREENSHOTS / f"programme-{name}-{viewport['width']}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    assert path.stat().st_size > 5_000


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_worklist_warns_and_an_attestation_clears_or_stops_the_nurse(
    browser: Browser, clinic: Clinic, opened: list[BrowserContext], viewport: ViewportSize
) -> None:
    nurse = log_in(browser, clinic.base, "nurse", viewport, opened)
    nurse.goto("/")
    alerts = nurse.get_by_test_id("training-alerts")
    expect(alerts).to_contain_text("Pat Pharmacist")
    expect(alerts).to_contain_text("expires in 12 days")
    expect(alerts).to_contain_text("tvec's rule")
    fits_the_window(nurse, viewport)
    screenshot(nurse, "worklist", viewport)

    nurse.get_by_role("link", name="Attestation").click()
    status = nurse.get_by_test_id("attestation-status")
    expect(status).to_contain_text("cleared")
    expect(nurse.locator("form.card")).to_contain_text("USPI §5.1")
    nurse.get_by_test_id("attest-not-cleared").click()
    expect(nurse.get_by_test_id("notice")).to_contain_text("you may not prepare or give")
    nurse.goto(f"/chart/{clinic.due.patient_id}")
    row = nurse.get_by_test_id("req-us-nurse-cleared")
    expect(row).to_contain_text("missing, stops")
    expect(row).to_contain_text("attest on the staff attestation page")
    expect(nurse.get_by_test_id("programme-blocks")).to_be_visible()
    fits_the_window(nurse, viewport)
    panel = SCREENSHOTS / f"programme-chart-{viewport['width']}.png"
    nurse.get_by_test_id("programme").screenshot(path=str(panel), animations="disabled")

    nurse.goto("/attestation")
    nurse.get_by_test_id("attest-cleared").click()
    expect(nurse.get_by_test_id("notice")).to_contain_text("you may prepare and give")
    expect(nurse.get_by_test_id("due-on")).to_be_visible()
    fits_the_window(nurse, viewport)
    screenshot(nurse, "attestation", viewport)
    nurse.goto(f"/chart/{clinic.due.patient_id}")
    expect(nurse.get_by_test_id("req-us-nurse-cleared")).to_contain_text("met")
    expect(nurse.get_by_test_id("programme-blocks")).to_have_count(0)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_a_training_without_expiry_is_refused_beside_the_field(
    browser: Browser, clinic: Clinic, opened: list[BrowserContext], viewport: ViewportSize
) -> None:
    admin = log_in(browser, clinic.base, "admin", viewport, opened)
    admin.get_by_role("link", name="Staff training").click()
    expect(admin.get_by_test_id("trainings")).to_contain_text("expires soon")
    before = row_counts(clinic.ctx)
    admin.get_by_label("Completed on").fill("2026-01-05")
    admin.get_by_role("button", name="Record training").click()
    expect(admin.locator("#err-expires_on")).to_contain_text("Expires on is required")
    assert row_counts(clinic.ctx) == before
    fits_the_window(admin, viewport)
    screenshot(admin, "trainings", viewport)
