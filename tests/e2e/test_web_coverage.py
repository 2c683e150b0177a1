"""The billing office's coverage check in a real browser, at 1280 and 390 px.

On the demo centre (`tvec db demo`, which keeps the office's answers for one open course against
policy 5.01.562): the office opens Coverage, picks the course, sees the chart's facts filled in
(the diagnosis, each lesion's site and latest size), the decision criterion by criterion with the
policy's section, and the question still open (the physical evaluation); ticking it and saving
makes the course meet the policy. An example policy says so. The re-authorization draft states
whether the response supports continuation and tvec's reading of "continued positive clinical
response".

Screenshots: docs/screenshots/coverage-1280.png, coverage-390.png, coverage-reauthorization-1280.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from tests.support.browser import chromium_path, fits_the_window, log_in, running_server

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.persistence.migrate import upgrade
from tvec.services.context import Context
from tvec.services.seeding import load_demo

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Clinic:
    base: str
    ctx: Context


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    chromium_path()
    where = tmp_path_factory.mktemp("web-coverage")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx, patients_wanted=6)
        with running_server(url, where / "server.log") as base:
            yield Clinic(base, ctx)
    finally:
        ctx.engine.dispose()


@pytest.fixture
def open_page(browser: Browser, clinic: Clinic) -> Iterator[Any]:
    contexts: list[Any] = []

    def make(viewport: ViewportSize, role: str = "billing") -> Page:
        return log_in(browser, clinic.base, role, viewport, contexts)

    yield make
    for context in contexts:
        context.close()


def the_answered_course(page: Page) -> None:
    """From the navigation to the course the demo answered for (the oldest open course)."""
    page.get_by_role("link", name="Coverage", exact=True).click()
    rows = page.get_by_test_id("coverage-courses").locator("tbody tr").filter(has_text="open")
    rows.last.get_by_role("link", name="5.01.562").click()
    expect(
        page.get_by_role("heading", name="Premera Blue Cross medical policy 5.01.562")
    ).to_be_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_office_checks_a_course_against_5_01_562(
    open_page: Any, viewport: ViewportSize
) -> None:
    page = open_page(viewport)
    the_answered_course(page)
    expect(page.get_by_test_id("from-chart")).to_contain_text("Melanoma, stage")
    lesions = page.get_by_test_id("chart-lesions").locator("tbody tr")
    expect(lesions.first.locator("td").nth(5)).not_to_have_text("–")  # its latest size's date
    criteria = page.get_by_test_id("criteria")
    expect(criteria).to_contain_text("Melanoma recurrent after initial surgery")
    expect(criteria).to_contain_text("5.01.562, Policy Coverage Criteria: Medical Necessity")
    expect(page.get_by_test_id("still-asked")).to_contain_text("Physical evaluation")
    expect(page.get_by_test_id("decision")).to_have_text("needs documentation")
    expect(page.get_by_test_id("authorization")).to_contain_text("up to 12 months")
    fits_the_window(page, viewport)
    page.screenshot(path=str(SCREENSHOTS / f"coverage-{viewport['width']}.png"), full_page=True)


def test_answering_the_open_question_meets_the_policy_and_is_kept(open_page: Any) -> None:
    page = open_page(DESKTOP)
    the_answered_course(page)
    form = page.get_by_test_id("coverage-questions")
    form.get_by_label("Physical evaluation").check()
    form.get_by_role("button", name="Keep the answers and check again").click()
    expect(page.get_by_test_id("notice")).to_have_text("Your answers are kept with the course.")
    expect(page.get_by_test_id("decision")).to_have_text("meets the policy")
    expect(
        page.get_by_test_id("coverage-questions").get_by_label("Physical evaluation")
    ).to_be_checked()
    form = page.get_by_test_id("coverage-questions")
    form.get_by_label("Service date (blank: today)").fill("2025-04-30")
    form.get_by_role("button", name="Keep the answers and check again").click()
    expect(page.locator("#err-service_date")).to_contain_text(
        "outside the dates policy 5.01.562 is in effect"
    )
    expect(page.get_by_test_id("decision")).to_have_text("meets the policy")  # nothing kept


def test_an_example_policy_says_so(open_page: Any) -> None:
    page = open_page(DESKTOP)
    the_answered_course(page)
    page.get_by_label("Payer policy").select_option("example-specialty-caps")
    page.get_by_role("button", name="Check against this policy").click()
    expect(page.get_by_test_id("example-policy")).to_contain_text("Example policy")
    expect(page.get_by_role("heading", level=2).first).to_contain_text("(example policy)")


def test_the_reauthorization_draft_states_tvecs_reading(open_page: Any) -> None:
    page = open_page(DESKTOP)
    the_answered_course(page)
    page.get_by_test_id("reauthorization-link").click()
    expect(page.get_by_role("heading", name="Re-authorization request")).to_be_visible()
    verdict = page.get_by_test_id("reauthorization-verdict")
    expect(verdict).to_contain_text("not defined by the policy: tvec's reading")
    expect(page.get_by_test_id("draft")).to_contain_text("Re-authorization of IMLYGIC")
    expect(page.get_by_test_id("spd-trend")).to_contain_text("baseline")
    page.screenshot(path=str(SCREENSHOTS / "coverage-reauthorization-1280.png"), full_page=True)


def test_a_nurse_cannot_open_the_coverage_pages(open_page: Any) -> None:
    page = open_page(DESKTOP, "nurse")
    assert page.goto("/coverage").status == 403
