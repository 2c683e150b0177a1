"""The billing office's authorization pages and the payer reviewer's page in a real browser, at
1280 and 390 px, on the demo centre (`tvec db demo`: one approved authorization partly used, one
pended request, one due visit warned for its window).

Screenshots: docs/screenshots/billing-authorizations-{1280,390}.png and
payer-review-{1280,390}.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from tests.support.browser import (
    chromium_path,
    fits_the_window,
    log_in,
    running_server,
)

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.persistence.migrate import upgrade
from tvec.schemas.prior_auth import PriorAuthIn
from tvec.services import authorization_windows as aw
from tvec.services import prior_auth
from tvec.services.context import Actor, Context
from tvec.services.permissions import Role
from tvec.services.seeding import load_demo

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Clinic:
    base: str
    ctx: Context
    billing: Actor


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    chromium_path()
    where = tmp_path_factory.mktemp("web-prior-auth")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx, patients_wanted=12)
        with ctx.uow(readonly=True) as uow:
            user = uow.users.by_username("billing")
        assert user is not None
        billing = Actor(user.id, user.centre_id, Role.BILLING, "billing")
        with running_server(url, where / "server.log") as base:
            yield Clinic(base, ctx, billing)
    finally:
        ctx.engine.dispose()


@pytest.fixture
def open_page(browser: Browser, clinic: Clinic) -> Iterator[Any]:
    contexts: list[Any] = []

    def make(viewport: ViewportSize, role: str) -> Page:
        return log_in(browser, clinic.base, role, viewport, contexts)

    yield make
    for context in contexts:
        context.close()


def partly_used(clinic: Clinic) -> aw.Usage:
    for q in prior_auth.centre_requests(clinic.ctx, clinic.billing):
        for u in aw.course_usage(clinic.ctx, clinic.billing, q.course_id):
            if 0 < u.units_used < u.authorization.units_authorized:
                return u
    raise AssertionError("the demo has no authorization partly used")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_billing_office_sees_the_units_left_and_the_requests(
    open_page: Any, clinic: Clinic, viewport: ViewportSize
) -> None:
    page = open_page(viewport, "billing")
    page.goto("/authorizations")
    listed = page.get_by_test_id("pa-list")
    expect(listed).to_contain_text("approved")
    expect(listed).to_contain_text("pended")
    expect(listed).to_contain_text("Send the office notes")
    used = partly_used(clinic)
    page.goto(f"/authorizations/course/{used.authorization.course_id}")
    bar = page.get_by_test_id("pa-usage")
    expect(bar.locator("progress")).to_have_attribute("value", str(used.percent_used))
    expect(bar.get_by_test_id("pa-units")).to_contain_text(
        f"{used.units_used.normalize():f} of "
        f"{used.authorization.units_authorized.normalize():f} units used"
    )
    expect(page.get_by_test_id("pa-requests")).to_contain_text(used.authorization.number)
    fits_the_window(page, viewport)
    page.screenshot(path=str(SCREENSHOTS / f"billing-authorizations-{viewport['width']}.png"))


def test_a_request_for_a_date_the_policy_is_not_in_effect_is_refused_beside_the_field(
    open_page: Any, clinic: Clinic
) -> None:
    page = open_page(DESKTOP, "billing")
    course = prior_auth.open_courses(clinic.ctx, clinic.billing)[-1]
    page.goto(f"/authorizations/course/{course.course_id}")
    form = page.get_by_test_id("pa-request-form")
    form.get_by_label("First day of service").fill("2024-01-02")
    form.get_by_test_id("pa-request-save").click()
    expect(page.locator("#err-service_date")).to_contain_text("in effect")
    expect(page.get_by_label("First day of service")).to_have_value("2024-01-02")


def submitted(clinic: Clinic) -> int:
    """A new request waiting for the reviewer (its documents not yet on file)."""
    taken = {q.course_id for q in prior_auth.centre_requests(clinic.ctx, clinic.billing)}
    course = next(
        c for c in prior_auth.open_courses(clinic.ctx, clinic.billing) if c.course_id not in taken
    )
    asked = PriorAuthIn(policy_id="5.01.562", service_date=course.start_date, documents=[])
    return prior_auth.submit_request(clinic.ctx, clinic.billing, course.course_id, asked).id


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_payer_reviewer_sees_the_evaluation_and_approves(
    open_page: Any, clinic: Clinic, viewport: ViewportSize
) -> None:
    request_id = submitted(clinic)
    page = open_page(viewport, "payer_reviewer")
    page.goto("/")
    expect(page.get_by_test_id("payer-inbox")).to_contain_text(f"Request {request_id}")
    page.get_by_role("link", name=f"Request {request_id}").click()
    expect(page.get_by_test_id("payer-decision")).to_have_text("needs-documentation")
    expect(page.get_by_test_id("payer-criteria")).to_contain_text("met")
    expect(page.get_by_test_id("payer-missing")).to_contain_text("Documents not on file")
    expect(page.get_by_test_id("payer-lesions")).to_contain_text("L1")
    fits_the_window(page, viewport)
    page.screenshot(
        path=str(SCREENSHOTS / f"payer-review-{viewport['width']}.png"), full_page=False
    )
    form = page.get_by_test_id("payer-decide")
    form.get_by_label("Authorization number (approval)").fill("PRE-DEMO-7")
    start = page.get_by_label("Window from (approval)").input_value()
    before = (date.fromisoformat(start) - timedelta(days=1)).isoformat()
    form.get_by_label("Window to, last day included (approval)").fill(before)
    form.get_by_test_id("payer-save").click()
    expect(page.locator("#err-window_end")).to_contain_text("must not be before")
    after = (date.fromisoformat(start) + timedelta(days=180)).isoformat()
    page.get_by_label("Window to, last day included (approval)").fill(after)
    page.get_by_test_id("payer-save").click()
    expect(page.get_by_test_id("payer-approved")).to_contain_text("PRE-DEMO-7")


def test_the_reviewer_is_offered_no_clinic_page(open_page: Any, clinic: Clinic) -> None:
    page = open_page(DESKTOP, "payer_reviewer")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).not_to_contain_text("Patients")
    expect(nav).not_to_contain_text("Billing")
    assert page.goto("/patient-list").status == 403  # type: ignore[union-attr]


def test_the_worklist_warns_of_the_window_ending_within_30_days(open_page: Any) -> None:
    page = open_page(DESKTOP, "nurse")
    page.goto("/")
    warned = page.locator(".pa-warning").filter(has_text="within 30 days")
    expect(warned.first).to_contain_text("The authorization window ends on")
