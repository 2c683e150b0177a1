"""The patient alert card, education and an exposure in a real browser (Debian's chromium,
headless), at 1280 and 390 px.

- The chart of an EU-label patient whose first dose was given without a card shows the card
  missing in red, and the banner says so; the nurse issues the card, prints the wallet card and
  the A4 page (PDFs from WeasyPrint), and records the patient's acknowledgement;
- education with no topic is refused beside the field and writes nothing; then the nurse records
  a caregiver's education (dressing care, disposal) and it is listed on the chart;
- the nurse records a needle stick with what was done: its follow-up shows on the worklist with
  tvec's rule named, and is closed with its outcome.

Screenshots: docs/screenshots/alert-card-*.png, including the card itself (its HTML, as the PDF
is made from it, rendered by Chromium: pdftoppm is not installed here).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from tests.support.alert_card import A4_PT, WALLET_PT, pdf_pages
from tests.support.browser import (
    DEMO_PASSWORD,
    centre_today,
    chromium_path,
    demo_staff,
    fits_the_window,
    row_counts,
    running_server,
)

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.persistence.migrate import upgrade
from tvec.reports.alert_card import card_html
from tvec.schemas import clinic as s
from tvec.services import alert_cards
from tvec.services.alert_card_seeding import DEMO_CONTACT, centre_admin, first_dose_patient
from tvec.services.context import Context
from tvec.services.seeding import DEMO_LOTS, load_demo

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
VIEWPORTS = [DESKTOP, PHONE]
IDS = ["1280", "390"]
TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Clinic:
    base: str
    ctx: Context
    patients: dict[str, tuple[int, int]]  # by width: (patient id, course id)


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    chromium_path()  # skip (or install, in CI) before building anything
    where = tmp_path_factory.mktemp("web-alert-card")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx, patients_wanted=0)  # the demo centre, its users and vial lots
        staff = demo_staff(ctx)
        admin = centre_admin(ctx, staff.nurse)
        alert_cards.set_centre_contact(ctx, admin, DEMO_CONTACT)
        start = centre_today(ctx) - timedelta(days=1)
        made = {
            w: first_dose_patient(
                ctx, staff, f"CARD-{w}", "Liesel", f"Vandermeer{w}", s.Sex.FEMALE, start,
                DEMO_LOTS[0][0],
            )
            for w in IDS
        }  # fmt: skip
        with running_server(url, where / "server.log") as base:
            yield Clinic(base, ctx, made)
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


def screenshot(page: Page, name: str, viewport: ViewportSize | None = None) -> None:
    suffix = f"-{viewport['width']}" if viewport else ""
    path = SCREENSHOTS / f"alert-card-{name}{suffix}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    assert path.stat().st_size > 5_000


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_the_nurse_issues_the_card_and_records_education(
    open_page: Any, clinic: Clinic, viewport: ViewportSize
) -> None:
    pid, _course = clinic.patients[str(viewport["width"])]
    nurse = open_page("nurse", viewport)
    nurse.goto(f"/chart/{pid}")
    missing = nurse.get_by_test_id("alert-card-missing")
    expect(missing).to_contain_text("Patient alert card not issued")
    expect(missing).to_contain_text("SmPC §4.2")
    assert missing.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 235, 233)"
    banner = nurse.get_by_test_id("banner-alerts")
    expect(banner.locator("[data-kind=alert-card-missing]")).to_contain_text("alert card")
    fits_the_window(nurse, viewport)
    screenshot(nurse, "missing", viewport)

    nurse.get_by_test_id("issue-card").click()
    expect(nurse.locator(".notice")).to_contain_text("The patient alert card is issued")
    expect(nurse.get_by_test_id("alert-card-missing")).to_have_count(0)
    expect(nurse.get_by_test_id("alert-card-not-acknowledged")).to_be_visible()
    expect(nurse.locator("[data-kind=alert-card-missing]")).to_have_count(0)
    wallet = nurse.request.get(nurse.get_by_test_id("card-wallet").get_attribute("href") or "")
    assert wallet.headers["content-type"] == "application/pdf"
    assert pdf_pages(wallet.body()) == [WALLET_PT, WALLET_PT]
    a4 = nurse.request.get(nurse.get_by_test_id("card-a4").get_attribute("href") or "")
    assert pdf_pages(a4.body()) == [A4_PT]
    nurse.get_by_test_id("acknowledge-card").click()
    expect(nurse.get_by_test_id("alert-card-acknowledged")).to_contain_text("acknowledged")

    nurse.get_by_test_id("record-education").click()
    before = row_counts(clinic.ctx)
    nurse.get_by_test_id("recipient-caregiver").check()
    nurse.get_by_label("Caregiver's name").fill("Ines Vandermeer")
    nurse.get_by_label("Relation to the patient").fill("daughter")
    nurse.get_by_test_id("education-save").click()  # no topic ticked
    expect(nurse.locator("#err-topics")).to_contain_text("at least one")
    assert row_counts(clinic.ctx) == before
    nurse.get_by_test_id("topic-dressing-care").check()
    nurse.get_by_test_id("topic-disposal").check()
    fits_the_window(nurse, viewport)
    screenshot(nurse, "education-form", viewport)
    nurse.get_by_test_id("education-save").click()
    expect(nurse.locator(".notice")).to_contain_text("The education is recorded")
    listed = nurse.get_by_test_id("education-list")
    expect(listed).to_contain_text("Ines Vandermeer")
    expect(listed).to_contain_text("Dressing care, Disposal of dressings and cleaning material")
    nurse.locator("#card-h").scroll_into_view_if_needed()
    fits_the_window(nurse, viewport)
    screenshot(nurse, "chart", viewport)


def test_the_card_itself(browser: Browser, clinic: Clinic) -> None:
    """The card as printed, for the README: the wallet card's two sides and the A4 page."""
    _pid, course_id = clinic.patients["1280"]
    staff = demo_staff(clinic.ctx)
    if alert_cards.card_state(clinic.ctx, staff.nurse, course_id).card is None:
        alert_cards.issue_card(clinic.ctx, staff.nurse, course_id)
    card = alert_cards.card_content(clinic.ctx, staff.nurse, course_id)
    assert card.centre_phone == DEMO_CONTACT.contact_phone
    page = browser.new_page(device_scale_factor=2)
    try:
        for size, width in (("wallet", 360), ("a4", 860)):
            page.set_viewport_size({"width": width, "height": 400})
            page.set_content(card_html(card, size))
            expect(page.locator(".patient-name").first).to_have_text(card.patient_name)
            expect(page.locator(".centre-phone").first).to_have_text(DEMO_CONTACT.contact_phone)
            screenshot(page, size)
    finally:
        page.close()


def test_an_exposure_follow_up_is_on_the_worklist_until_closed(
    open_page: Any, clinic: Clinic
) -> None:
    nurse = open_page("nurse", DESKTOP)
    nurse.goto("/exposure-log/new")
    nurse.get_by_label("Staff member", exact=True).select_option(label="Nia Nurse")
    nurse.get_by_label("Kind of exposure").select_option("needle-stick")
    nurse.get_by_test_id("action-washed").check()
    nurse.get_by_test_id("action-occupational-health").check()
    expect(nurse.get_by_test_id("exposure-form")).to_contain_text("tvec's rule")
    fits_the_window(nurse, DESKTOP)
    screenshot(nurse, "exposure-form", DESKTOP)
    nurse.get_by_test_id("exposure-save").click()
    expect(nurse.locator(".notice")).to_contain_text("The exposure is recorded")
    nurse.goto("/")
    tasks = nurse.get_by_test_id("exposure-tasks")
    expect(tasks).to_contain_text("staff: Nia Nurse: Needle-stick injury")
    expect(tasks).to_contain_text("tvec's rule")
    tasks.get_by_role("link", name="close with outcome").first.click()
    nurse.get_by_label("Outcome of the follow-up").fill(
        "no signs of herpetic infection at one week"
    )
    nurse.get_by_test_id("close-save").click()
    expect(nurse.locator(".notice")).to_contain_text("The follow-up is closed")
    nurse.goto("/")
    expect(nurse.get_by_test_id("exposure-tasks")).to_have_count(0)
