"""Patient identity in a real browser: finding a patient from the patient list, and the banner with
name, MRN, date of birth, age, sex and red alerts on every patient screen, at 1280 and 390 px.

One uvicorn process serves the demo data plus a patient due for visit 2 with an allergy on file.
The screenshots are saved to docs/screenshots/identity-*.png on every run.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.support.browser import (
    DEMO_PASSWORD,
    OLDER_SIZES,
    DuePatient,
    Staff,
    chromium_path,
    demo_staff,
    make_due_patient,
    running_server,
)

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.domain.identity import age_in_years
from tvec.persistence.migrate import upgrade
from tvec.schemas import clinic as s
from tvec.services import patients, visits
from tvec.services.banner import actor_today
from tvec.services.context import Context
from tvec.services.seeding import load_demo

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000
RED = "rgb(179, 38, 30)"  # --bad in tvec.css: the alerts' background
BORN = date(1958, 3, 14)  # make_due_patient's patient: Wrenna Quillfeather, female


@dataclass(frozen=True)
class Clinic:
    base: str
    ctx: Context
    staff: Staff
    due: DuePatient  # visit 1 given, visit 2 planned; allergies on file
    planned: int  # visit 2's id


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    chromium_path()  # skip (or install, in CI) before building anything
    where = tmp_path_factory.mktemp("web-identity")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx)
        staff = demo_staff(ctx)
        due = make_due_patient(ctx, staff, "ID-2201")
        fix = s.PatientCorrection(
            version=1,
            reason="allergy and preferred name reported",
            preferred_name="Wren",
            allergies="penicillin (rash)",
        )
        patients.correct_patient(ctx, staff.nurse, due.patient_id, fix)
        planned = visits.plan_next_visit(ctx, staff.nurse, due.course_id, stale_reason=OLDER_SIZES)
        with running_server(url, where / "server.log") as base:
            yield Clinic(base, ctx, staff, due, planned.id)
    finally:
        ctx.engine.dispose()


@pytest.fixture
def open_page(browser: Browser, clinic: Clinic) -> Iterator[Any]:
    """`open_page(role, viewport)`: a fresh browser context, logged in as that demo user."""
    contexts = []

    def make(role: str, viewport: dict[str, int] = DESKTOP) -> Page:
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


def screenshot(page: Page, name: str, *, full_page: bool = False) -> None:
    """A PNG in 256 colours (a third of the size, the same look)."""
    from PIL import Image  # Pillow comes with matplotlib

    png = page.screenshot(full_page=full_page, animations="disabled")
    image = Image.open(io.BytesIO(png)).convert("RGB")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    image.quantize(256, Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        SCREENSHOTS / name, optimize=True
    )


def page_width(page: Page) -> int:
    return int(page.evaluate("() => document.scrollingElement.scrollWidth"))


def expect_banner(page: Page, age: int) -> None:
    """The banner of make_due_patient's patient, with the allergy as a red alert."""
    banner = page.get_by_test_id("patient-banner")
    expect(banner.get_by_test_id("banner-name")).to_have_text("QUILLFEATHER, Wrenna “Wren”")
    expect(banner.get_by_test_id("banner-mrn")).to_have_text("ID-2201")
    expect(banner.get_by_test_id("banner-dob")).to_have_text("14 Mar 1958")
    expect(banner.get_by_test_id("banner-age")).to_have_text(f"{age} years")
    expect(banner.get_by_test_id("banner-sex")).to_have_text("female")
    allergy = banner.locator('[data-kind="allergy"]')
    expect(allergy).to_have_text("⚠ Allergies: penicillin (rash)")
    expect(allergy).to_have_css("background-color", RED)


@pytest.mark.parametrize(("viewport", "size"), [(DESKTOP, "1280"), (PHONE, "390")])
def test_a_nurse_finds_a_patient_by_name_and_opens_the_chart_with_the_banner(
    open_page: Any, clinic: Clinic, viewport: dict[str, int], size: str
) -> None:
    page = open_page("nurse", viewport)
    page.get_by_role("link", name="Patients").first.click()
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    page.get_by_label("Find a patient").fill("quillfeather WREN")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("search-summary")).to_have_text(
        "1 patient matches “quillfeather WREN”."
    )
    rows = page.get_by_test_id("patient-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("QUILLFEATHER")
    expect(rows.first).to_contain_text("Wrenna")
    expect(rows.first).to_contain_text("Wren")
    expect(rows.first).to_contain_text("ID-2201")
    expect(rows.first).to_contain_text("14 Mar 1958")
    assert "quill" not in page.url.lower()  # what was typed is not in the URL (nor its history)
    assert page_width(page) <= viewport["width"]
    screenshot(page, f"identity-search-{size}.png")

    rows.first.get_by_role("link", name="QUILLFEATHER").click()
    page.wait_for_url(f"**/chart/{clinic.due.patient_id}")
    expect_banner(page, age_in_years(BORN, actor_today(clinic.ctx, clinic.staff.nurse)))
    assert page_width(page) <= viewport["width"]
    screenshot(page, f"identity-banner-chart-{size}.png")


def test_a_search_by_date_of_birth_or_mrn_and_one_that_finds_nobody(open_page: Any) -> None:
    page = open_page("nurse")
    page.goto("/patient-list")
    search = page.get_by_label("Find a patient")
    search.fill("14/03/1958")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("patient-row").filter(has_text="ID-2201")).to_have_count(1)
    page.get_by_label("Find a patient").fill("id-2201")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("patient-row")).to_have_count(1)
    page.get_by_label("Find a patient").fill("Nobody Byname")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("patients")).to_contain_text(
        "No patient of this centre matches “Nobody Byname”."
    )
    page.get_by_test_id("show-all").click()
    expect(page.get_by_test_id("patient-row").first).to_be_visible()
    assert page.get_by_test_id("patient-row").count() > 1


def test_every_patient_screen_shows_the_banner(open_page: Any, clinic: Clinic) -> None:
    pid, due = clinic.due.patient_id, clinic.due
    screens = {
        "nurse": [
            f"/chart/{pid}",
            f"/chart/{pid}/response",
            f"/chart/{pid}/adverse-events/new",
            f"/chart/{pid}/visit",
            f"/chart/{pid}/visit/{clinic.planned}",
            f"/chart/{pid}/visit/{clinic.planned}/record",
            f"/chart/{pid}/visit/{due.first_visit_id}/summary",
        ],
        "oncologist": [f"/chart/{pid}/diagnosis", f"/chart/{pid}/screening"],
    }
    age = age_in_years(BORN, actor_today(clinic.ctx, clinic.staff.nurse))
    for role, urls in screens.items():
        page = open_page(role)
        for url in urls:
            response = page.goto(url)
            assert response is not None, url
            assert response.status == 200, url
            expect_banner(page, age)
        if role == "nurse":
            page.goto(f"/chart/{pid}/visit/{clinic.planned}")
            screenshot(page, "identity-banner-plan-1280.png")


def test_no_banner_for_another_centres_or_an_unknown_patient(open_page: Any) -> None:
    page = open_page("nurse")
    response = page.goto("/chart/999999")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_test_id("patient-banner")).to_have_count(0)


def test_a_nurse_records_an_allergy_from_the_banner_and_a_blank_name_is_refused(
    open_page: Any, clinic: Clinic
) -> None:
    pid = clinic.due.patient_id
    page = open_page("nurse", PHONE)
    page.goto(f"/chart/{pid}")
    page.get_by_test_id("banner-details").click()
    page.wait_for_url(f"**/chart/{pid}/details")
    expect(page.get_by_label("Given name")).to_have_value("Wrenna")
    page.get_by_label("Family name").fill("")
    page.get_by_label("Reason for the correction").fill("checked against the referral letter")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.locator("#err-family_name")).to_contain_text("Family name")
    before = patients.get_patient(clinic.ctx, clinic.staff.nurse, pid)
    assert before.family_name == "Quillfeather"  # nothing saved

    page.get_by_label("Family name").fill("Quillfeather")
    page.get_by_label("Allergies").fill("penicillin (rash); latex")
    page.get_by_role("button", name="Save the correction").click()
    page.wait_for_url(f"**/chart/{pid}")
    allergy = page.get_by_test_id("patient-banner").locator('[data-kind="allergy"]')
    expect(allergy).to_have_text("⚠ Allergies: penicillin (rash); latex")
    assert page_width(page) <= PHONE["width"]
    screenshot(page, "identity-banner-chart-after-correction-390.png")
    after = patients.get_patient(clinic.ctx, clinic.staff.nurse, pid)
    assert (after.allergies, after.version) == ("penicillin (rash); latex", before.version + 1)
    fix = s.PatientCorrection(
        version=after.version,
        reason="test done: allergy list as before",
        allergies="penicillin (rash)",
    )
    patients.correct_patient(clinic.ctx, clinic.staff.nurse, pid, fix)


@pytest.mark.parametrize(("viewport", "size"), [(DESKTOP, "1280"), (PHONE, "390")])
def test_the_worklist_names_each_patient_beside_the_mrn(
    open_page: Any, viewport: dict[str, int], size: str
) -> None:
    page = open_page("nurse", viewport)
    page.goto("/")
    row = page.get_by_test_id("due-visits").locator("tr", has_text="ID-2201")
    expect(row).to_contain_text("QUILLFEATHER, Wrenna “Wren”")
    assert page_width(page) <= viewport["width"]
    screenshot(page, f"identity-worklist-{size}.png")
