"""The oncologist's screens in a real browser (Debian's chromium, headless, Playwright).

At 1280 px (desktop) and 390 px (a phone), as the oncologist:

- the whole path of a new patient: register (from the patient list), record the diagnosis and
  stage, screen for contraindications, start a course on the US label; the chart says at each
  step what to do next, in plain words; after visit 1 (given by the nurse) the oncologist
  pre-authorises an early dose of visit 2, which the chart then shows; the course is ended with
  its reason;
- the 6-month review from the worklist: "review: continue or end", the review screen, a note too
  short refused next to its field, "continue" recorded, and the worklist stops asking;
- the wrong inputs a tired user types (a blank MRN, a birth date in the future, a stage not in
  the list) are shown next to their field, and nothing is written;
- a nurse sees the next step with who must act and none of the oncologist's buttons, and gets 403
  on their pages.

The clinic state is the demo centre (users, vial lots) plus patients built through the services,
in a database of its own served by a real uvicorn process. Screenshots go to
docs/screenshots/oncologist-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from tests.factories import screening_answers
from tests.support.browser import (
    DEMO_PASSWORD,
    FIRST_LOT,
    Staff,
    centre_today,
    chromium_path,
    demo_staff,
    row_counts,
    running_server,
)

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.domain.calendar import add_months
from tvec.domain.rules import Site
from tvec.persistence.migrate import upgrade
from tvec.schemas import clinic as s
from tvec.services import courses, lesions, patients, visits
from tvec.services.context import Context
from tvec.services.seeding import load_demo

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
VIEWPORTS = [DESKTOP, PHONE]
IDS = ["1280px", "390px"]
TIMEOUT_MS = 10_000
EARLY_REASON = "tumour board: bring visit 2 forward before planned surgery"
REVIEW_NOTE = "partial response of the skin lesions; continue"


@dataclass(frozen=True)
class Clinic:
    base: str
    ctx: Context
    staff: Staff
    long_courses: dict[str, tuple[int, int, str]]  # by width: patient id, course id, MRN
    unreviewed: tuple[int, int, str]  # a course at 6 months the nurse sees on the worklist
    screened: int  # diagnosis and screening on file, no course


def _patient(ctx: Context, staff: Staff, mrn: str, diagnosed_on: date) -> int:
    new = s.PatientIn.model_validate(
        {
            "mrn": mrn,
            "given_name": "Iris",
            "family_name": "Calloway",
            "birth_date": "1957-09-03",
            "sex": "female",
        }
    )
    pid = patients.register_patient(ctx, staff.nurse, new).id
    dx = s.DiagnosisIn(
        stage=s.Stage.IIIC,
        recurrent_after_surgery=True,
        unresectable=True,
        diagnosed_on=diagnosed_on,
        distant_sites=[],
    )
    patients.record_diagnosis(ctx, staff.oncologist, pid, dx)
    screening = s.ScreeningIn(
        screened_on=diagnosed_on + timedelta(days=20),
        answers=screening_answers(),
        answered_by="patient, confirmed by the nurse",
    )
    patients.record_screening(ctx, staff.nurse, pid, screening)
    return pid


def _give_first_visit(ctx: Context, staff: Staff, pid: int, course_id: int, day: date) -> None:
    """The nurse's visit 1 on the course's first day: one lesion measured and injected."""
    site = Site.CUTANEOUS
    new = s.LesionIn(name="L1", site=site, location="left forearm", first_seen=day)
    lesion = lesions.add_lesion(ctx, staff.nurse, pid, new)
    item = s.MeasurementItem(
        lesion_id=lesion.id, longest_cm=Decimal("2.6"), perpendicular_cm=Decimal("1.9")
    )
    sizes = s.MeasurementsIn(measured_on=day, method=s.Method.CALIPER, items=[item])
    lesions.record_measurements(ctx, staff.nurse, pid, sizes)
    planned = visits.plan_next_visit(ctx, staff.nurse, course_id, stale_reason="sizes of day 1")
    given = s.AdministrationIn(
        version=planned.version,
        administered_at=datetime.combine(day, datetime.min.time(), UTC).replace(hour=10),
        items=[
            s.AdministrationItem(target=i.lesion_id, volume_ml=i.volume_ml, vial_lot=FIRST_LOT)
            for i in planned.plan.injections
        ],
    )
    visits.record_administration(ctx, staff.nurse, planned.id, given)


def _long_course(ctx: Context, staff: Staff, mrn: str) -> tuple[int, int, str]:
    """A course started 190 days ago (its 6-month review due), visit 1 given that day."""
    start = centre_today(ctx) - timedelta(days=190)
    pid = _patient(ctx, staff, mrn, start - timedelta(days=60))
    course = courses.start_course(ctx, staff.oncologist, pid, s.CourseIn(start_date=start))
    _give_first_visit(ctx, staff, pid, course.id, start)
    return pid, course.id, mrn


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    chromium_path()  # skip (or install, in CI) before building anything
    where = tmp_path_factory.mktemp("web-oncologist")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx, patients_wanted=0)  # the demo centre, its users and vial lots
        staff = demo_staff(ctx)
        long_courses = {w: _long_course(ctx, staff, f"LONG-{w}") for w in IDS}
        unreviewed = _long_course(ctx, staff, "LONG-NURSE")
        screened = _patient(ctx, staff, "READY-0001", centre_today(ctx) - timedelta(days=40))
        with running_server(url, where / "server.log") as base:
            yield Clinic(base, ctx, staff, long_courses, unreviewed, screened)
    finally:
        ctx.engine.dispose()


@pytest.fixture
def open_page(browser: Browser, clinic: Clinic) -> Iterator[Any]:
    """`open_page(role, viewport)`: a fresh browser context, logged in as that demo user."""
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
    """The page never scrolls sideways."""
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= viewport["width"] + 1, f"the page is {width} px wide at {viewport['width']} px"


def seen_whole(locator: Any, viewport: ViewportSize) -> None:
    """The element is visible and lies within the window's width."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= viewport["width"] + 1, box


def screenshot(page: Page, name: str, viewport: ViewportSize) -> None:
    path = SCREENSHOTS / f"oncologist-{name}-{viewport['width']}px.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    assert path.stat().st_size > 5_000


def next_step(page: Page) -> Any:
    return page.get_by_test_id("next-step")


def field_error(page: Page, name: str) -> Any:
    return page.locator(f"#err-{name.replace('.', '-')}")


def fill_if_asked(page: Page, label: str, value: str) -> None:
    """Fill a field the form has (the names come with the patient-identity schema)."""
    field = page.get_by_label(label, exact=True)
    if field.count():
        field.fill(value)


# ---- the whole path ---------------------------------------------------------------------------


def _register(page: Page, mrn: str, viewport: ViewportSize) -> None:
    page.goto("/patient-list")
    page.get_by_test_id("register-patient").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register a patient")
    page.get_by_label("MRN (medical record number)").fill(mrn)
    fill_if_asked(page, "Given name", "Nora")
    fill_if_asked(page, "Family name", "Achterberg")
    page.get_by_label("Date of birth").fill("1962-02-17")
    page.get_by_label("Sex").select_option("female")
    screenshot(page, "register", viewport)
    fits_the_window(page, viewport)
    page.get_by_role("button", name="Register the patient").click()
    expect(page.get_by_test_id("done")).to_have_text("Patient registered.")


def _diagnose(page: Page, viewport: ViewportSize) -> None:
    step = next_step(page)
    expect(step).to_contain_text("No melanoma diagnosis is on file")
    step.get_by_role("link", name="Record the diagnosis and stage").click()
    page.get_by_label("Melanoma stage (AJCC)").select_option("IIIC")
    form = page.get_by_test_id("diagnosis-form")
    form.locator("input[name=recurrent_after_surgery][value=true]").check()
    form.locator("input[name=unresectable][value=true]").check()
    page.get_by_label("Diagnosed on").fill((date.today() - timedelta(days=60)).isoformat())
    form.locator("input[name=distant][value=none]").check()
    screenshot(page, "diagnosis", viewport)
    fits_the_window(page, viewport)
    page.get_by_role("button", name="Save the diagnosis").click()
    expect(page.get_by_test_id("done")).to_have_text("Diagnosis and stage recorded.")


def _screen(page: Page, viewport: ViewportSize) -> None:
    step = next_step(page)
    expect(step).to_contain_text("No contraindication screening is on file")
    step.get_by_role("link", name="Screen for contraindications").click()
    for answer in page.locator("fieldset[data-testid^=item-] input[value=false]").all():
        answer.check()
    page.get_by_label("Answered by").fill("patient, confirmed by the oncologist")
    screenshot(page, "screening", viewport)
    fits_the_window(page, viewport)
    page.get_by_role("button", name="Save the screening").click()
    expect(page.get_by_test_id("done")).to_have_text("Contraindication screening recorded.")
    expect(page.get_by_test_id("screening-items")).to_contain_text("Pregnancy: no")


def _start(page: Page, viewport: ViewportSize) -> None:
    step = next_step(page)
    expect(step).to_contain_text("Diagnosis and screening are on file")
    step.get_by_role("link", name="Start a course").click()
    expect(page.get_by_label("US label (USPI)")).to_be_checked()
    screenshot(page, "course", viewport)
    fits_the_window(page, viewport)
    page.get_by_role("button", name="Start the course").click()
    expect(page.get_by_test_id("done")).to_have_text("Course started.")
    expect(next_step(page)).to_have_text(
        "Next step: Visit 1 is due today. Add and measure the lesions at its measure step. "
        "Start visit 1"
    )
    expect(page.get_by_test_id("no-response-yet")).to_have_text(
        "No response yet: the lesions measured at the first visit are the baseline."
    )
    screenshot(page, "chart-next-step", viewport)
    seen_whole(next_step(page).get_by_role("link", name="Start visit 1"), viewport)
    fits_the_window(page, viewport)


def _pre_authorise(page: Page, clinic: Clinic, viewport: ViewportSize) -> None:
    page.get_by_test_id("early-dose").click()
    earliest = centre_today(clinic.ctx) + timedelta(days=21)
    expect(page.locator(".decisions").first).to_contain_text(
        f"Next visit: visit 2, by the schedule on or after {earliest.isoformat()}."
    )
    page.get_by_role("button", name="Pre-authorise").click()  # no reason: refused
    expect(field_error(page, "reason")).to_be_visible()
    page.get_by_label("Reason for giving visit 2 early").fill(EARLY_REASON)
    screenshot(page, "early-dose", viewport)
    fits_the_window(page, viewport)
    page.get_by_role("button", name="Pre-authorise").click()
    expect(page.get_by_test_id("done")).to_have_text(
        "Early dose pre-authorised for the next visit."
    )
    on_file = page.get_by_test_id("early-dose-on-file")
    expect(on_file).to_contain_text("Early dose of visit 2 pre-authorised by the oncologist")
    expect(on_file).to_contain_text(EARLY_REASON)


def _end(page: Page, clinic: Clinic, viewport: ViewportSize) -> None:
    page.get_by_test_id("end-course").click()
    page.get_by_label("Reason").select_option(label="other treatment is required")
    screenshot(page, "end", viewport)
    fits_the_window(page, viewport)
    page.get_by_role("button", name="End the course").click()
    expect(page.get_by_test_id("done")).to_have_text("Course ended.")
    today = centre_today(clinic.ctx).isoformat()
    expect(next_step(page)).to_contain_text(
        f"The last course ended on {today} (other treatment required)."
    )
    expect(page.get_by_test_id("early-dose")).to_have_count(0)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_the_oncologist_takes_a_new_patient_from_registration_to_the_end_of_a_course(
    clinic: Clinic, open_page: Any, viewport: ViewportSize
) -> None:
    page = open_page("oncologist", viewport)
    mrn = f"NEW-{viewport['width']}"
    _register(page, mrn, viewport)
    pid = int(page.url.split("/chart/")[1].split("?")[0])
    _diagnose(page, viewport)
    _screen(page, viewport)
    _start(page, viewport)
    course = courses.list_courses(clinic.ctx, clinic.staff.nurse, pid)[-1]
    assert (course.label_variant, course.start_date) == ("us", centre_today(clinic.ctx))
    _give_first_visit(clinic.ctx, clinic.staff, pid, course.id, course.start_date)
    page.goto(f"/chart/{pid}")
    _pre_authorise(page, clinic, viewport)
    _end(page, clinic, viewport)


# ---- the 6-month review -----------------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_the_six_month_review_from_the_worklist_continues_the_course(
    clinic: Clinic, open_page: Any, viewport: ViewportSize
) -> None:
    pid, course_id, mrn = clinic.long_courses[f"{viewport['width']}px"]
    start = centre_today(clinic.ctx) - timedelta(days=190)
    page = open_page("oncologist", viewport)
    row = page.get_by_test_id("six-months").locator("tr", has_text=mrn)
    expect(row).to_contain_text("review: continue or end")
    seen_whole(row.get_by_test_id(f"review-{course_id}"), viewport)
    screenshot(page, "worklist-review", viewport)
    fits_the_window(page, viewport)
    row.get_by_test_id(f"review-{course_id}").click()
    expect(page.get_by_test_id("review-summary")).to_contain_text(
        f"the 6-month review is due on {add_months(start, 6).isoformat()}"
    )
    before = row_counts(clinic.ctx)
    page.get_by_label("Note (what you decided on)").fill("ok")  # too short
    page.get_by_role("button", name="Continue the course").click()
    expect(field_error(page, "note")).to_be_visible()
    assert row_counts(clinic.ctx) == before
    page.get_by_label("Note (what you decided on)").fill(REVIEW_NOTE)
    screenshot(page, "review", viewport)
    fits_the_window(page, viewport)
    page.get_by_role("button", name="Continue the course").click()
    expect(page.get_by_test_id("done")).to_have_text("Review recorded: the course continues.")
    assert page.url.endswith(f"/chart/{pid}?done=continued")
    page.goto("/")
    expect(page.get_by_test_id("six-months").locator("tr", has_text=mrn)).to_have_count(0)


# ---- wrong inputs -----------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_wrong_inputs_are_shown_next_to_their_field_and_nothing_is_written(
    clinic: Clinic, open_page: Any, viewport: ViewportSize
) -> None:
    page = open_page("oncologist", viewport)
    before = row_counts(clinic.ctx)
    page.goto("/patient-list/new")
    page.get_by_label("MRN (medical record number)").fill("   ")
    fill_if_asked(page, "Given name", "Nora")
    fill_if_asked(page, "Family name", "Achterberg")
    page.get_by_label("Date of birth").fill("1962-02-17")
    page.get_by_role("button", name="Register the patient").click()
    expect(field_error(page, "mrn")).to_be_visible()
    expect(page.get_by_label("Given name", exact=True)).to_have_value("Nora")  # kept

    page.get_by_label("MRN (medical record number)").fill("TIRED-1")
    future = (centre_today(clinic.ctx) + timedelta(days=365)).isoformat()
    page.get_by_label("Date of birth").fill(future)
    page.get_by_role("button", name="Register the patient").click()
    expect(field_error(page, "birth_date")).to_have_text("Must not be in the future")
    screenshot(page, "register-refused", viewport)
    fits_the_window(page, viewport)

    page.goto(f"/chart/{clinic.screened}/diagnosis")  # a correction of the diagnosis on file
    page.evaluate(  # AJCC 8th's IIID: not a stage tvec's list knows
        "() => { const s = document.querySelector('#f-stage');"
        " s.add(new Option('IIID', 'IIID', true, true)); }"
    )
    page.get_by_label("Reason for the correction").fill("restaged after the PET scan")
    page.get_by_role("button", name="Save the diagnosis").click()
    expect(field_error(page, "stage")).to_contain_text("IIIB")
    expect(page.get_by_label("Reason for the correction")).to_have_value(
        "restaged after the PET scan"
    )
    screenshot(page, "diagnosis-refused", viewport)
    fits_the_window(page, viewport)
    assert row_counts(clinic.ctx) == before


# ---- the nurse --------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_a_nurse_sees_who_must_act_and_none_of_the_oncologists_buttons(
    clinic: Clinic, open_page: Any, viewport: ViewportSize
) -> None:
    page = open_page("nurse", viewport)
    page.goto(f"/chart/{clinic.screened}")
    expect(next_step(page)).to_have_text(
        "Next step: Diagnosis and screening are on file; no course has been started. "
        "The oncologist must start a course."
    )
    for button in ("start-course", "early-dose", "end-course", "review"):
        expect(page.get_by_test_id(button)).to_have_count(0)
    screenshot(page, "nurse-chart", viewport)
    fits_the_window(page, viewport)
    pid, course_id, mrn = clinic.unreviewed
    page.goto("/")
    row = page.get_by_test_id("six-months").locator("tr", has_text=mrn)
    expect(row).to_contain_text("review: continue or end")
    expect(row.get_by_test_id(f"review-{course_id}")).to_have_count(0)
    for path in (
        f"/chart/{clinic.screened}/course/new",
        f"/chart/{pid}/course/{course_id}/end",
        f"/chart/{pid}/course/{course_id}/early-dose",
        f"/chart/{pid}/course/{course_id}/review",
    ):
        response = page.goto(path)
        assert response is not None
        assert response.status == 403, path
