"""The adverse-event form in a real browser (Debian's chromium, headless), at 1280 and 390 px:
- the term picker offers CTCAE v5.0 terms; choosing one shows its grade descriptions and offers
  only its grades (Fatigue has no grade 4 or 5);
- "Related to IMLYGIC" starts unanswered; saving without an answer is refused beside it and
  nothing is written;
- a serious (hospitalisation), unexpected, possibly related event saved: the worklist counts its
  15-day report down; from the chart the nurse opens the event, resolves it with a reason and
  sees the history; the report is marked submitted.
Screenshots: docs/screenshots/adverse-event-*.png (the README shows them).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
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
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
VIEWPORTS = [DESKTOP, PHONE]
IDS = ["1280", "390"]


@dataclass(frozen=True)
class Clinic:
    base: str
    ctx: Context
    due: dict[str, DuePatient]  # by width


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    chromium_path()  # skip (or install, in CI) before building anything
    where = tmp_path_factory.mktemp("web-ae")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx, patients_wanted=0)  # the demo centre, its users and vial lots
        staff = demo_staff(ctx)
        due = {w: make_due_patient(ctx, staff, f"AE-{w}") for w in IDS}
        with running_server(url, where / "server.log") as base:
            yield Clinic(base, ctx, due)
    finally:
        ctx.engine.dispose()


@pytest.fixture
def nurse(browser: Browser, clinic: Clinic, request: pytest.FixtureRequest) -> Iterator[Any]:
    opened: list[Any] = []

    def make(viewport: ViewportSize) -> Page:
        return log_in(browser, clinic.base, "nurse", viewport, opened)

    yield make
    for context in opened:
        context.close()


def shot(page: Page, name: str, viewport: ViewportSize) -> None:
    path = SCREENSHOTS / f"adverse-event-{name}-{viewport['width']}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    assert path.stat().st_size > 5_000


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_the_ae_form_grades_by_ctcae_asks_related_and_starts_the_clock(
    nurse: Any, clinic: Clinic, viewport: ViewportSize
) -> None:
    due = clinic.due[str(viewport["width"])]
    page = nurse(viewport)
    page.goto(f"/chart/{due.patient_id}/adverse-events/new")
    form = page.get_by_test_id("ae-form")
    picker = page.get_by_label("Adverse event (CTCAE v5.0 term)")

    # Fatigue: grades 1-3 only; its descriptions shown
    picker.select_option("Fatigue")
    grades = page.get_by_test_id("grade-descriptions")
    expect(grades.locator("[data-grades-for='Fatigue']")).to_be_visible()
    expect(grades).to_contain_text("Not relieved by rest; limits self-care")
    expect(page.locator("#f-grade option[value='4']")).to_be_disabled()
    expect(page.locator("#f-grade option[value='3']")).to_be_enabled()

    # Vasculitis: all five grades; related left unanswered is refused beside it
    picker.select_option("Vasculitis")
    expect(grades.locator("[data-grades-for='Fatigue']")).to_be_hidden()
    expect(grades).to_contain_text("peripheral or visceral ischaemia")
    page.get_by_label("CTCAE grade").select_option("3")
    form.locator("input[name=criteria][value=hospitalisation]").check()
    page.get_by_label("Action taken").fill("admitted; steroids")
    page.get_by_label("Visit (the dose before the event)").select_option(index=1)
    shot(page, "form", viewport)
    before = row_counts(clinic.ctx)
    page.get_by_role("button", name="Save adverse event").click()
    expect(page.locator("#err-related")).to_contain_text("Related to IMLYGIC")
    assert row_counts(clinic.ctx) == before
    expect(page.locator("#f-term")).to_have_value("Vasculitis")  # what was typed is kept

    form.locator("input[name=related][value=unknown]").check()
    page.get_by_label("Vial lot suspected (when related is yes or unknown)").select_option(index=1)
    page.get_by_role("button", name="Save adverse event").click()
    expect(page.get_by_role("status").first).to_contain_text("Adverse event recorded.")

    # the worklist counts the 15-day expedited report down (learnt of it today)
    page.goto("/")
    row = page.get_by_test_id("safety-reports").locator("tr", has_text=due.mrn)
    expect(row).to_contain_text("expedited report, 15 days")
    expect(row.get_by_test_id("days-left")).to_have_text("15 days left")
    fits_the_window(page, viewport)

    # chart → event → resolve with a reason; the history keeps both versions
    page.goto(f"/chart/{due.patient_id}")
    page.get_by_test_id("adverse-events").get_by_role("link", name="Vasculitis").click()
    expect(page.get_by_test_id("ae-now")).to_contain_text("serious")
    update = page.get_by_test_id("ae-update-form")
    update.get_by_label("Resolved on (empty if ongoing)").fill(
        clinic.ctx.today(demo_staff(clinic.ctx).nurse).isoformat()
    )
    update.get_by_label("Reason for the change").fill("discharged; vasculitis settled")
    update.get_by_role("button", name="Save new version").click()
    expect(page.get_by_role("status").first).to_contain_text("Adverse event updated")
    expect(page.get_by_test_id("ae-now")).to_contain_text("resolved")
    history = page.get_by_test_id("ae-history")
    expect(history.locator("li > strong")).to_have_text(["create", "resolve"])
    expect(history).to_contain_text("discharged; vasculitis settled")
    page.get_by_role("button", name="Mark submitted").click()
    expect(page.get_by_test_id("ae-reports")).to_contain_text("submitted")
    expect(page.get_by_test_id("ae-reports")).to_contain_text("by nurse")
    fits_the_window(page, viewport)
    shot(page, "history", viewport)
