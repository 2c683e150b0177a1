"""Course holds in a real browser (Debian's chromium, headless, Playwright), at 1280 and 390 px.

- The oncologist puts a course on hold from the chart (reason, no last day): the chart shows the
  hold in force as a red alert and no "Start visit";
- the nurse's worklist shows "Held" with the reason instead of "Start visit";
- the measure step shows the hard stop (the reason; no dose can be planned or given) and offers
  no "Continue to the dose plan"; a plan forced by posting the form is refused with the reason
  and nothing is written;
- the oncologist releases the hold with a reason (it stays on the chart as released) and the
  worklist offers "Start visit" again;
- a nurse recording a serious grade 3 skin infection (cellulitis) with "hold the next dose" puts the course on
  hold; a nurse gets 403 on the hold form.

Screenshots: docs/screenshots/holds-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from tests.factories import screening_answers
from tests.support.browser import (
    DEMO_PASSWORD,
    DuePatient,
    Staff,
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
from tvec.schemas import clinic as s
from tvec.services import patients
from tvec.services.context import Context
from tvec.services.seeding import load_demo

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
VIEWPORTS = [DESKTOP, PHONE]
IDS = ["1280", "390"]
TIMEOUT_MS = 10_000
REASON = "platelets 40 000/µL: recheck before the next dose"


@dataclass(frozen=True)
class Clinic:
    base: str
    ctx: Context
    due: dict[str, DuePatient]  # by width
    ae_patient: DuePatient
    contraindicated: int  # a patient whose latest screening answers pregnancy yes


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    chromium_path()  # skip (or install, in CI) before building anything
    where = tmp_path_factory.mktemp("web-holds")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx, patients_wanted=0)  # the demo centre, its users and vial lots
        staff = demo_staff(ctx)
        due = {w: make_due_patient(ctx, staff, f"HOLD-{w}") for w in IDS}
        ae_patient = make_due_patient(ctx, staff, "HOLD-AE")
        contraindicated = _contraindicated(ctx, staff)
        with running_server(url, where / "server.log") as base:
            yield Clinic(base, ctx, due, ae_patient, contraindicated)
    finally:
        ctx.engine.dispose()


def _contraindicated(ctx: Context, staff: Staff) -> int:
    new = s.PatientIn.model_validate(
        {
            "mrn": "HOLD-CI",
            "given_name": "Odile",
            "family_name": "Brackenbury",
            "birth_date": "1984-05-02",
            "sex": "female",
        }
    )
    pid = patients.register_patient(ctx, staff.nurse, new).id
    screening = s.ScreeningIn(
        screened_on=centre_today(ctx),
        answers=screening_answers("pregnancy"),
        answered_by="patient, confirmed by the nurse",
    )
    patients.record_screening(ctx, staff.nurse, pid, screening)
    return pid


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
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= viewport["width"] + 1, f"the page is {width} px wide at {viewport['width']} px"


def screenshot(page: Page, name: str, viewport: ViewportSize) -> None:
    path = SCREENSHOTS / f"holds-{name}-{viewport['width']}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    assert path.stat().st_size > 5_000


def worklist_row(page: Page, due: DuePatient) -> Any:
    page.goto("/")
    return page.get_by_test_id("due-visits").locator(
        "tr", has=page.locator(f"a[href='/chart/{due.patient_id}']")
    )


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_a_held_course_stops_the_visit_until_released(
    open_page: Any, clinic: Clinic, viewport: ViewportSize
) -> None:
    due = clinic.due[str(viewport["width"])]
    onc = open_page("oncologist", viewport)
    onc.goto(f"/chart/{due.patient_id}")
    holds = onc.get_by_test_id("holds")
    expect(holds).to_contain_text("The course is not on hold.")
    holds.get_by_test_id("put-on-hold").locator("summary").click()
    onc.get_by_label("Reason for the hold").fill(REASON)
    onc.get_by_test_id("hold-save").click()
    expect(onc.locator(".notice")).to_contain_text("The course is on hold")
    expect(onc.get_by_test_id("hold-in-force")).to_contain_text(REASON)
    expect(onc.get_by_test_id("hold-in-force")).to_contain_text("until released")
    expect(onc.get_by_test_id("start-visit")).to_have_count(0)
    expect(onc.get_by_test_id("held")).to_be_visible()
    fits_the_window(onc, viewport)
    screenshot(onc, "chart", viewport)

    nurse = open_page("nurse", viewport)
    row = worklist_row(nurse, due)
    expect(row.get_by_test_id(f"held-{due.course_id}")).to_have_text("Held")
    expect(row).to_contain_text(REASON)
    expect(row.get_by_role("link", name="Start visit")).to_have_count(0)
    expect(nurse.get_by_test_id("held-courses")).to_contain_text(f"{due.mrn}")
    expect(nurse.get_by_test_id("held-courses")).to_contain_text(REASON)
    fits_the_window(nurse, viewport)
    screenshot(nurse, "worklist", viewport)

    nurse.goto(f"/chart/{due.patient_id}/visit")
    stop = nurse.get_by_test_id("hold-stop")
    expect(stop).to_contain_text(REASON)
    expect(stop).to_contain_text("No dose can be planned or given")
    expect(nurse.get_by_test_id("make-plan")).to_have_count(0)
    fits_the_window(nurse, viewport)
    screenshot(nurse, "measure", viewport)
    # a plan forced by posting the form is refused with the reason, and nothing is written
    before = row_counts(clinic.ctx)
    csrf = nurse.locator("input[name=csrf]").first.get_attribute("value")
    forced = nurse.request.post(
        f"/chart/{due.patient_id}/visit/plan", form={"csrf": csrf or "", "stale_reason": ""}
    )
    assert forced.status == 422
    assert REASON in forced.text()
    assert row_counts(clinic.ctx) == before

    onc.goto(f"/chart/{due.patient_id}")
    onc.get_by_role("link", name="Release hold").click()
    expect(onc.get_by_role("heading", level=1)).to_contain_text("Release the hold")
    onc.get_by_test_id("release-save").click()
    expect(onc.locator("#err-reason")).to_be_visible()  # a reason is required
    onc.get_by_label("Why the hold is released").fill("platelets 150 000/µL today")
    fits_the_window(onc, viewport)
    onc.get_by_test_id("release-save").click()
    expect(onc.locator(".notice")).to_contain_text("The hold is released")
    expect(onc.get_by_test_id("hold-in-force")).to_have_count(0)
    expect(onc.get_by_test_id("holds")).to_contain_text("released: platelets 150 000/µL today")
    screenshot(onc, "released", viewport)

    row = worklist_row(nurse, due)
    expect(row.get_by_role("link", name="Start visit")).to_be_visible()
    held_rows = nurse.get_by_test_id("held-courses").locator("li", has_text=due.mrn)
    expect(held_rows).to_have_count(0)
    nurse.goto(f"/chart/{due.patient_id}/visit")
    expect(nurse.get_by_test_id("hold-stop")).to_have_count(0)
    expect(nurse.get_by_test_id("make-plan")).to_be_visible()


def test_an_adverse_event_holds_the_next_dose(open_page: Any, clinic: Clinic) -> None:
    due = clinic.ae_patient
    nurse = open_page("nurse", DESKTOP)
    refused = nurse.goto(f"/chart/{due.patient_id}/course/{due.course_id}/hold")
    assert refused is not None
    assert refused.status == 403
    nurse.goto(f"/chart/{due.patient_id}/adverse-events/new")
    nurse.get_by_label("Adverse event (CTCAE v5.0 term)").select_option("Skin infection")
    nurse.get_by_label("CTCAE grade").select_option("3")
    form = nurse.get_by_test_id("ae-form")
    form.locator("input[name=criteria][value=hospitalisation]").check()
    form.locator("input[name=related][value=yes]").check()
    nurse.get_by_label("Action taken").fill("next dose held; oral antibiotics")
    form.locator("input[name=hold_next_dose]").check()
    screenshot(nurse, "adverse-event", DESKTOP)
    nurse.get_by_role("button", name="Save adverse event").click()
    expect(nurse.get_by_test_id("hold-in-force")).to_contain_text("Skin infection, grade 3")
    expect(nurse.get_by_test_id("start-visit")).to_have_count(0)
    # the nurse may hold the dose through the event, but not release it
    expect(nurse.get_by_role("link", name="Release hold")).to_have_count(0)
    row = worklist_row(nurse, due)
    expect(row.get_by_test_id(f"held-{due.course_id}")).to_have_text("Held")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_a_contraindication_is_a_red_alert_on_the_chart(
    open_page: Any, clinic: Clinic, viewport: ViewportSize
) -> None:
    nurse = open_page("nurse", viewport)
    nurse.goto(f"/chart/{clinic.contraindicated}")
    alert = nurse.get_by_test_id("contraindication-alert")
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_contain_text("Contraindication")
    expect(alert).to_contain_text("Pregnancy")
    red = alert.evaluate("e => getComputedStyle(e).borderLeftColor")
    assert red not in ("rgba(0, 0, 0, 0)", "rgb(0, 0, 0)"), red
    fits_the_window(nurse, viewport)
    screenshot(nurse, "contraindication", viewport)
