"""Re-initiation and the indication in a real browser (Debian's chromium, headless, Playwright).

What a nurse or an oncologist sees, at 1280 px (desktop) and at 390 px (a phone):

- A re-initiation (USPI §2.2: 10^8 PFU/mL every 2 weeks, new lesions first, when new lesions
  appear after a complete response): the worklist and the chart's course calendar read
  "re-initiation"; the dose plan of its first visit is 10^8 PFU/mL with the royal blue cap and the
  new lesion first, although the regrown lesion is larger.
- A course outside the label's indication, started with an oncologist's off-label reason: the
  chart shows the reason and what is outside; the dose plan shows the warning that cannot be missed.

The clinic state is built through the services (as tests/support/browser.py does) in a database of
its own: the demo centre, users and vial lots, and the two patients below, whose visit 1 is due
today. Screenshots of each page at both widths go to a temporary directory (never the README's
docs/screenshots/); their paths are printed (run with -s to see them).
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
    OLDER_SIZES,
    Staff,
    centre_today,
    chromium_path,
    demo_staff,
    running_server,
)

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.domain.rules import CourseEndReason, DistantSite, Site
from tvec.persistence.migrate import upgrade
from tvec.schemas import clinic as s
from tvec.services import courses, lesions, patients, visits
from tvec.services.context import Context
from tvec.services.seeding import load_demo

DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
VIEWPORTS = [DESKTOP, PHONE]
IDS = ["1280px", "390px"]
TIMEOUT_MS = 10_000
# how many lines an element's text takes
LINES = (
    "e => { const r = document.createRange(); r.selectNodeContents(e);"
    " return r.getClientRects().length; }"
)
BLUE_CAP = "rgb(37, 71, 168)"  # the 10^8 strength's royal blue cap (--blue-cap in tvec.css)
FIRST_LOT = "DEMO6-A01"  # a demo 10^6 PFU/mL lot (tvec.services.seeding)

OFF_LABEL_REASON = "tumour board: local control of painful skin lesions, lung disease stable"
# The SmPC §4.1 indication: stage IIIB, IIIC or IVM1a, no bone, brain, lung or visceral disease.
OUTSIDE = (
    "stage IVM1c: the indication is stage IIIB, IIIC or IVM1a",
    "lung disease: the indication excludes bone, brain, lung or other visceral disease",
)
SOURCE = "SmPC §4.1 Therapeutic indications"


@dataclass(frozen=True)
class Patient:
    patient_id: int
    mrn: str
    course_id: int
    visit_id: int  # visit 1 of the course, planned, due today


@dataclass(frozen=True)
class Clinic:
    base: str
    ctx: Context
    restart: Patient  # a re-initiation course after a complete response
    off_label: Patient  # outside the EU indication, with the oncologist's reason
    cr_on: date  # the first complete-response assessment of the earlier course


# ---- the clinic state, built through the services ----------------------------------------------


def _register(ctx: Context, staff: Staff, mrn: str, dx: s.DiagnosisIn) -> int:
    patient = patients.register_patient(
        ctx,
        staff.nurse,
        s.PatientIn(
            mrn=mrn,
            given_name="Osric",
            family_name="Fennimore",
            birth_date=date(1956, 7, 2),
            sex=s.Sex.MALE,
        ),
    )
    patients.record_diagnosis(ctx, staff.oncologist, patient.id, dx)
    patients.record_screening(
        ctx,
        staff.nurse,
        patient.id,
        s.ScreeningIn(
            screened_on=dx.diagnosed_on + timedelta(days=30),
            answers=screening_answers(),
            answered_by="patient, confirmed by the nurse",
        ),
    )
    return patient.id


def _lesion(ctx: Context, staff: Staff, pid: int, name: str, site: Site, seen: date) -> int:
    new = s.LesionIn(name=name, site=site, location=f"{site.value}, {name}", first_seen=seen)
    return lesions.add_lesion(ctx, staff.nurse, pid, new).id


def _measure(
    ctx: Context, staff: Staff, pid: int, on: date, sizes: dict[int, tuple[str, str]]
) -> None:
    items = [
        s.MeasurementItem(lesion_id=lid, longest_cm=Decimal(a), perpendicular_cm=Decimal(b))
        for lid, (a, b) in sizes.items()
    ]
    lesions.record_measurements(
        ctx,
        staff.nurse,
        pid,
        s.MeasurementsIn(measured_on=on, method=s.Method.CALIPER, items=items),
    )


def make_reinitiation_patient(ctx: Context, staff: Staff, mrn: str) -> tuple[Patient, date]:
    """The story of tests/e2e/test_api_reinitiation.py, ending today.

    First course from day 0: L1 2.0 × 1.5 and L2 1.0 × 0.8 cm; visit 1 given; both 0 × 0 on day 35,
    confirmed on day 70 (modified WHO: 4 weeks apart); ended on day 70 for "no injectable
    lesions". A new lesion N1 is first seen on day 120; on day 125 (today) L1 has regrown to
    3.0 × 2.0, N1 is 1.0 × 0.8, L2 is still gone; the oncologist starts a re-initiation course.
    """
    today = centre_today(ctx)
    start = today - timedelta(days=125)
    cr_on, ended = start + timedelta(days=35), start + timedelta(days=70)
    dx = s.DiagnosisIn(
        stage=s.Stage.IIIC,
        recurrent_after_surgery=True,
        unresectable=True,
        diagnosed_on=start - timedelta(days=60),
        distant_sites=[],
    )
    pid = _register(ctx, staff, mrn, dx)
    l1 = _lesion(ctx, staff, pid, "L1", Site.CUTANEOUS, start - timedelta(days=10))
    l2 = _lesion(ctx, staff, pid, "L2", Site.NODAL, start - timedelta(days=10))
    _measure(ctx, staff, pid, start, {l1: ("2.0", "1.5"), l2: ("1.0", "0.8")})
    first = courses.start_course(ctx, staff.oncologist, pid, s.CourseIn(start_date=start))
    v1 = visits.plan_next_visit(ctx, staff.nurse, first.id, stale_reason=OLDER_SIZES)
    visits.record_administration(
        ctx,
        staff.nurse,
        v1.id,
        s.AdministrationIn(
            version=v1.version,
            administered_at=datetime.combine(start, datetime.min.time(), UTC).replace(hour=10),
            items=[
                s.AdministrationItem(target=i.lesion_id, volume_ml=i.volume_ml, vial_lot=FIRST_LOT)
                for i in v1.plan.injections
            ],
        ),
    )
    for day in (cr_on, ended):
        _measure(ctx, staff, pid, day, {l1: ("0", "0"), l2: ("0", "0")})
    courses.end_treatment(
        ctx,
        staff.oncologist,
        first.id,
        s.CourseEnd(
            version=first.version,
            end_date=ended,
            end_reason=CourseEndReason.NO_INJECTABLE_LESIONS,
        ),
    )
    n1 = _lesion(ctx, staff, pid, "N1", Site.SUBCUTANEOUS, start + timedelta(days=120))
    _measure(ctx, staff, pid, today, {l1: ("3.0", "2.0"), n1: ("1.0", "0.8")})
    _measure(ctx, staff, pid, today, {l2: ("0", "0")})
    course = courses.start_course(
        ctx, staff.oncologist, pid, s.CourseIn(start_date=today, reinitiation=True)
    )
    visit = visits.plan_next_visit(ctx, staff.nurse, course.id)
    return Patient(pid, mrn, course.id, visit.id), cr_on


def make_off_label_patient(ctx: Context, staff: Staff, mrn: str) -> Patient:
    """Stage IVM1c with lung disease (outside the EU indication, SmPC §4.1), skin lesions only;
    the oncologist starts an EU-label course today with an off-label reason."""
    today = centre_today(ctx)
    dx = s.DiagnosisIn(
        stage=s.Stage.IVM1C,
        recurrent_after_surgery=True,
        unresectable=True,
        diagnosed_on=today - timedelta(days=90),
        distant_sites=[DistantSite.LUNG],
    )
    pid = _register(ctx, staff, mrn, dx)
    l1 = _lesion(ctx, staff, pid, "L1", Site.CUTANEOUS, today - timedelta(days=20))
    l2 = _lesion(ctx, staff, pid, "L2", Site.SUBCUTANEOUS, today - timedelta(days=20))
    _measure(ctx, staff, pid, today, {l1: ("3.2", "2.0"), l2: ("1.8", "1.2")})
    new = s.CourseIn(label_variant="eu", start_date=today, off_label_reason=OFF_LABEL_REASON)
    course = courses.start_course(ctx, staff.oncologist, pid, new)
    visit = visits.plan_next_visit(ctx, staff.nurse, course.id)
    return Patient(pid, mrn, course.id, visit.id)


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    chromium_path()  # skip (or install, in CI) before building anything
    where = tmp_path_factory.mktemp("web-browser-clinical")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx, patients_wanted=0)  # the demo centre, its users and vial lots
        staff = demo_staff(ctx)
        restart, cr_on = make_reinitiation_patient(ctx, staff, "DEMO-3101")
        off_label = make_off_label_patient(ctx, staff, "DEMO-3102")
        with running_server(url, where / "server.log") as base:
            yield Clinic(base, ctx, restart, off_label, cr_on)
    finally:
        ctx.engine.dispose()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go: a temporary directory, not docs/screenshots."""
    return tmp_path_factory.mktemp("clinical-screenshots")


@pytest.fixture
def open_page(browser: Browser, clinic: Clinic) -> Iterator[Any]:
    """`open_page(role, viewport)`: a fresh browser context, logged in as that demo user; the
    browser reports nothing blocked by the pages' Content-Security-Policy."""
    contexts = []
    blocked: list[str] = []

    def make(role: str, viewport: ViewportSize) -> Page:
        context = browser.new_context(base_url=clinic.base, viewport=viewport)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.goto("/login")
        page.get_by_label("Username").fill(role)
        page.get_by_label("Password").fill(DEMO_PASSWORD.format(role))
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_test_id("username")).to_have_text(role)
        return page

    yield make
    for context in contexts:
        context.close()
    assert blocked == []


def table_rows(page: Page, testid: str) -> list[list[str]]:
    rows = page.get_by_test_id(testid).locator("tbody tr")
    return [
        [cell.strip() for cell in row.locator("td, th").all_inner_texts()] for row in rows.all()
    ]


def fits_the_window(page: Page, viewport: ViewportSize) -> None:
    """The page never scrolls sideways: on a phone, wide tables scroll inside themselves."""
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= viewport["width"] + 1, f"the page is {width} px wide at {viewport['width']} px"


def seen_whole(page: Page, locator: Any, viewport: ViewportSize) -> None:
    """The element is visible and lies within the window's width (nothing cut off at the side)."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= viewport["width"] + 1, box


def screenshot(page: Page, shots: Path, name: str) -> None:
    path = shots / name
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    assert path.stat().st_size > 5_000
    print(f"screenshot: {path}")


def width_name(viewport: ViewportSize) -> str:
    return f"{viewport['width']}px"


# ---- re-initiation ------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_the_worklist_shows_the_re_initiation_visit_due_today(
    clinic: Clinic, open_page: Any, shots: Path, viewport: ViewportSize
) -> None:
    page = open_page("nurse", viewport)
    row = page.get_by_test_id("due-visits").locator("tr", has_text=clinic.restart.mrn)
    expect(row).to_contain_text("1 · re-initiation")
    expect(row).to_contain_text("due today")
    screenshot(page, shots, f"reinitiation-worklist-{width_name(viewport)}.png")
    seen_whole(page, row.get_by_role("link", name="Start visit"), viewport)
    fits_the_window(page, viewport)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_the_chart_calendar_reads_re_initiation_at_10_8_every_14_days(
    clinic: Clinic, open_page: Any, shots: Path, viewport: ViewportSize
) -> None:
    page = open_page("oncologist", viewport)
    page.goto(f"/chart/{clinic.restart.patient_id}")
    note = page.get_by_test_id("reinitiation")
    expect(note).to_have_text(
        f"re-initiation after the complete response of {clinic.cr_on.isoformat()}: every visit "
        "at 10^8 PFU/mL every 14 days, new lesions first."
    )
    today = centre_today(clinic.ctx)
    calendar = table_rows(page, "calendar")
    assert [r[:4] for r in calendar[:3]] == [
        [str(n + 1), "re-initiation", (today + timedelta(days=14 * n)).isoformat(), "10^8 PFU/mL"]
        for n in range(3)
    ]
    assert {(r[1], r[3]) for r in calendar} == {("re-initiation", "10^8 PFU/mL")}
    # The new lesion is on the chart with today's size.
    lesion_rows = {r[0]: r for r in table_rows(page, "lesions")}
    assert lesion_rows["N1"][4:6] == ["1 × 0.8", today.isoformat()]
    screenshot(page, shots, f"reinitiation-chart-{width_name(viewport)}.png")
    seen_whole(page, note, viewport)
    # The whole calendar row is seen, dates unbroken, without scrolling the table sideways.
    table = page.get_by_test_id("calendar")
    assert table.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), "the calendar scrolls"
    seen_whole(page, table.locator("tbody tr").first.locator("td").last, viewport)
    date_cell = table.locator("tbody tr").first.locator("td").nth(2)
    assert date_cell.evaluate(LINES) == 1, "the date is broken over two lines"
    fits_the_window(page, viewport)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_the_re_initiation_dose_plan_is_10_8_with_the_blue_cap_and_the_new_lesion_first(
    clinic: Clinic, open_page: Any, shots: Path, viewport: ViewportSize
) -> None:
    page = open_page("nurse", viewport)
    page.goto(f"/chart/{clinic.restart.patient_id}/visit/{clinic.restart.visit_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"Dose plan — visit 1 (re-initiation) for {clinic.restart.mrn}"
    )
    plan = page.get_by_test_id("plan")
    expect(page.get_by_test_id("strength")).to_have_text("10^8 PFU/mL")
    expect(plan).to_contain_text("10^8 PFU/mL — royal blue cap")
    cap = plan.locator(".cap").first
    assert cap.evaluate("e => getComputedStyle(e).backgroundColor") == BLUE_CAP
    expect(page.get_by_test_id("indication")).to_contain_text(
        "Within the label's indication [USPI §1 Indications and Usage"
    )
    # lesion (its location below it), longest cm, new: the new lesion first although the
    # regrown L1 is larger
    assert [[r[1].split("\n")[0], r[2], r[3]] for r in table_rows(page, "injections")] == [
        ["N1", "1", "new"],
        ["L1", "3", ""],
    ]
    screenshot(page, shots, f"reinitiation-plan-{width_name(viewport)}.png")
    seen_whole(page, page.get_by_test_id("strength"), viewport)
    volume = page.get_by_test_id("injections").locator("tbody tr").first.locator("td").nth(5)
    expect(volume).to_have_text("0.5")
    seen_whole(page, volume, viewport)  # what to inject, seen without scrolling sideways
    mrn = page.get_by_role("heading", level=1).get_by_role("link", name=clinic.restart.mrn)
    assert mrn.evaluate(LINES) == 1, "the MRN is broken over two lines"
    fits_the_window(page, viewport)


# ---- outside the indication ----------------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_the_chart_shows_the_oncologists_off_label_reason(
    clinic: Clinic, open_page: Any, shots: Path, viewport: ViewportSize
) -> None:
    page = open_page("nurse", viewport)
    page.goto(f"/chart/{clinic.off_label.patient_id}")
    reason = page.get_by_test_id("off-label")
    expect(reason).to_have_text(
        "Off-label course (outside the label's indication); the oncologist's reason: "
        + OFF_LABEL_REASON
    )
    outside = page.get_by_test_id("indication")
    expect(outside).to_have_text(
        f"Outside the label's indication [{SOURCE}]: {'; '.join(OUTSIDE)}."
    )
    screenshot(page, shots, f"off-label-chart-{width_name(viewport)}.png")
    for element in (reason, outside):
        seen_whole(page, element, viewport)
    fits_the_window(page, viewport)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_the_dose_plan_warns_that_the_patient_is_outside_the_indication(
    clinic: Clinic, open_page: Any, shots: Path, viewport: ViewportSize
) -> None:
    page = open_page("nurse", viewport)
    page.goto(f"/chart/{clinic.off_label.patient_id}/visit/{clinic.off_label.visit_id}")
    warning = page.get_by_role("alert")
    expect(warning).to_have_attribute("data-testid", "indication")
    expect(warning).to_have_text(f"Outside the label's indication: {'; '.join(OUTSIDE)} [{SOURCE}]")
    # It is the first thing in the plan, above the strength, and not small print.
    first = page.get_by_test_id("plan").locator("> *").first
    expect(first).to_have_attribute("data-testid", "indication")
    style = warning.evaluate(
        "e => { const s = getComputedStyle(e);"
        " return [parseFloat(s.fontSize), s.backgroundColor, s.borderLeftWidth]; }"
    )
    assert style[0] >= 16, style  # not small print
    assert style[1] != "rgba(0, 0, 0, 0)", style  # a box of its own
    assert style[2] != "0px", style
    expect(page.get_by_test_id("strength")).to_have_text("10^6 PFU/mL")  # visit 1: initial
    screenshot(page, shots, f"off-label-plan-{width_name(viewport)}.png")
    seen_whole(page, warning, viewport)
    fits_the_window(page, viewport)
