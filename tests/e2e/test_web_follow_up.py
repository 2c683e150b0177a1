"""The follow-up page in a real browser (Debian's chromium, headless, Playwright), at 1280 and
390 px: the nurse opens it from the chart, a death dated before the first dose is refused beside
its field with nothing written, the ECOG status and last known alive date are saved, and a prior
therapy (its end before its start refused beside the field) makes T-VEC a later line.

Once a death is recorded, the chart offers no next step and the worklist lists no visit for the
patient, only the open course under "Open courses of patients who have died".

Screenshots: docs/screenshots/follow-up-*.png, worklist-died-390.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from tests.support.browser import (
    DEMO_PASSWORD,
    DuePatient,
    centre_today,
    chromium_path,
    demo_staff,
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
TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Clinic:
    base: str
    ctx: Context
    due: dict[int, DuePatient]  # by width
    dying: DuePatient  # whose death the nurse records (at 390 px)


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    chromium_path()
    where = tmp_path_factory.mktemp("web-follow-up")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx, patients_wanted=0)
        staff = demo_staff(ctx)
        due = {w: make_due_patient(ctx, staff, f"FOLLOW-{w}") for w in (1280, 390)}
        dying = make_due_patient(ctx, staff, "FOLLOW-DIED")
        with running_server(url, where / "server.log") as base:
            yield Clinic(base, ctx, due, dying)
    finally:
        ctx.engine.dispose()


@pytest.fixture
def open_page(browser: Browser, clinic: Clinic) -> Iterator[Any]:
    contexts = []

    def make(role: str, viewport: ViewportSize) -> Page:
        context = browser.new_context(base_url=clinic.base, viewport=viewport)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Username").fill(role)
        page.get_by_label("Password").fill(DEMO_PASSWORD.format(role))
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_test_id("username")).to_have_text(role)
        return page

    yield make
    for context in contexts:
        context.close()


def fits_the_window(page: Page, viewport: ViewportSize) -> None:
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= viewport["width"] + 1, f"the page is {width} px wide at {viewport['width']} px"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_nurse_records_follow_up_and_a_prior_therapy(
    open_page: Any, clinic: Clinic, viewport: ViewportSize
) -> None:
    due = clinic.due[viewport["width"]]
    today = centre_today(clinic.ctx)
    first_dose = today - timedelta(days=21)
    nurse = open_page("nurse", viewport)
    nurse.goto(f"/chart/{due.patient_id}")
    nurse.get_by_test_id("follow-up-link").click()
    expect(nurse.get_by_role("heading", level=1)).to_have_text("Follow-up")
    expect(nurse.get_by_test_id("line")).to_have_text("first line")

    before = row_counts(clinic.ctx)
    form = nurse.get_by_test_id("follow-up-form")
    form.get_by_label("Date of death").fill((first_dose - timedelta(days=3)).isoformat())
    form.get_by_label("Cause of death").select_option("melanoma")
    form.get_by_role("button", name="Save follow-up").click()
    expect(nurse.locator("#err-died_on")).to_contain_text("must not be before")
    assert row_counts(clinic.ctx) == before

    form = nurse.get_by_test_id("follow-up-form")
    form.get_by_label("Date of death").fill("")
    form.get_by_label("Cause of death").select_option("")
    form.get_by_label("Last known alive").fill(today.isoformat())
    form.get_by_label("ECOG performance status at baseline").select_option("1")
    form.get_by_label("ECOG assessed on").fill(first_dose.isoformat())
    form.get_by_role("button", name="Save follow-up").click()
    expect(nurse.get_by_test_id("ecog")).to_have_text("1")
    expect(nurse.get_by_test_id("follow-up-summary")).to_contain_text(today.isoformat())

    therapy = nurse.get_by_test_id("prior-therapy-form")
    therapy.get_by_label("Therapy", exact=True).select_option("anti-pd-1")
    therapy.get_by_label("Agent").fill("pembrolizumab")
    therapy.get_by_label("Line of therapy").fill("1")
    therapy.get_by_label("Started on").fill("2025-09-01")
    therapy.get_by_label("Ended on").fill("2025-03-01")
    therapy.get_by_role("button", name="Add therapy").click()
    expect(nurse.locator("#err-ended_on")).to_contain_text("must not be before the start")
    therapy = nurse.get_by_test_id("prior-therapy-form")
    therapy.get_by_label("Ended on").fill("2026-01-15")
    therapy.get_by_role("button", name="Add therapy").click()
    expect(nurse.get_by_test_id("prior-therapies")).to_contain_text("Anti-PD-1 antibody")
    expect(nurse.get_by_test_id("prior-therapies")).to_contain_text("pembrolizumab")
    expect(nurse.get_by_test_id("line")).to_have_text("later line")
    fits_the_window(nurse, viewport)
    path = SCREENSHOTS / f"follow-up-{viewport['width']}.png"
    nurse.screenshot(path=str(path), full_page=True, animations="disabled")
    assert path.stat().st_size > 5_000


def test_a_pharmacist_reads_follow_up_but_has_no_form(open_page: Any, clinic: Clinic) -> None:
    pharmacist = open_page("pharmacist", DESKTOP)
    pharmacist.goto(f"/chart/{clinic.due[1280].patient_id}/follow-up")
    expect(pharmacist.get_by_role("heading", level=1)).to_have_text("Follow-up")
    expect(pharmacist.get_by_test_id("follow-up-form")).to_have_count(0)


def test_after_a_recorded_death_the_worklist_lists_no_visit_but_the_open_course(
    open_page: Any, clinic: Clinic
) -> None:
    dying, today = clinic.dying, centre_today(clinic.ctx)
    nurse = open_page("nurse", PHONE)
    nurse.goto("/")
    due = nurse.get_by_test_id("due-visits")
    expect(due.get_by_role("link", name=dying.mrn)).to_have_count(1)
    expect(nurse.get_by_test_id("died-courses")).to_have_count(0)

    nurse.goto(f"/chart/{dying.patient_id}/follow-up")
    form = nurse.get_by_test_id("follow-up-form")
    form.get_by_label("Date of death").fill(today.isoformat())
    form.get_by_label("Cause of death").select_option("melanoma")
    form.get_by_role("button", name="Save follow-up").click()
    expect(nurse.get_by_test_id("follow-up-summary")).to_contain_text(today.isoformat())

    nurse.goto(f"/chart/{dying.patient_id}")
    expect(nurse.get_by_test_id("next-step")).to_contain_text(
        f"A death is recorded on {today.isoformat()}: no visit or dose follows."
    )
    expect(nurse.get_by_test_id("next-step-action")).to_have_count(0)

    nurse.goto("/")
    expect(nurse.get_by_test_id("due-visits").get_by_role("link", name=dying.mrn)).to_have_count(0)
    died = nurse.get_by_test_id("died-courses")
    expect(died).to_contain_text(dying.mrn)
    expect(died).to_contain_text(f"died {today.isoformat()}")
    died.scroll_into_view_if_needed()
    fits_the_window(nurse, PHONE)
    path = SCREENSHOTS / "worklist-died-390.png"
    died.screenshot(path=str(path), animations="disabled")
    assert path.stat().st_size > 2_000
