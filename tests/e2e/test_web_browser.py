"""The clinic web app in a real browser: Debian's chromium, headless, driven by Playwright.

One uvicorn process serves one SQLite database for the whole file: the demo data plus patients
built through the services whose visit 2 (the first at 10^8 PFU/mL) is due today. Each test
asserts what the user sees; "nothing saved" is also checked through the services. The tests save
the README's screenshots to docs/screenshots/ on every run.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.support.browser import (
    DEMO_PASSWORD,
    OLDER_SIZES,
    DuePatient,
    Staff,
    centre_today,
    chromium_path,
    demo_staff,
    make_due_patient,
    running_server,
    showcase_patient,
)

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.persistence.migrate import upgrade
from tvec.services import visits
from tvec.services.context import Context
from tvec.services.seeding import load_demo

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 768, "height": 1024}
TIMEOUT_MS = 10_000
BLUE_CAP = "rgb(37, 71, 168)"  # the 10^8 strength's royal blue cap (--blue-cap in tvec.css)


@dataclass(frozen=True)
class Clinic:
    base: str
    ctx: Context  # the same database, read through the services
    staff: Staff
    visit: DuePatient  # test (a) completes its visit 2
    refuse: DuePatient  # test (b) is refused on its visit 2
    refuse_visit: int  # that visit, planned
    showcase: int  # a demo responder (the chart and response screenshots)


@pytest.fixture(scope="session")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    """The demo database plus due patients, served by a real uvicorn process."""
    chromium_path()  # skip (or install, in CI) before building anything
    where = tmp_path_factory.mktemp("web-browser")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx)
        staff = demo_staff(ctx)
        visit = make_due_patient(ctx, staff, "DEMO-2101")
        refuse = make_due_patient(ctx, staff, "DEMO-2102")
        make_due_patient(ctx, staff, "DEMO-2103", days_since_first_dose=30)  # 9 days overdue
        planned = visits.plan_next_visit(
            ctx, staff.nurse, refuse.course_id, stale_reason=OLDER_SIZES
        )
        showcase = showcase_patient(ctx, staff)
        with running_server(url, where / "server.log") as base:
            yield Clinic(base, ctx, staff, visit, refuse, planned.id, showcase)
    finally:
        ctx.engine.dispose()


@pytest.fixture
def open_page(browser: Browser, clinic: Clinic) -> Iterator[Any]:
    """`open_page(role, viewport)`: a fresh browser context, logged in as that demo user.

    Whatever the test did, the browser reported no script or style that the pages'
    Content-Security-Policy blocked (tvec.http.security)."""
    contexts = []
    blocked: list[str] = []

    def make(role: str | None = None, viewport: dict[str, int] = DESKTOP) -> Page:
        context = browser.new_context(base_url=clinic.base, viewport=viewport)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
        )
        if role is not None:
            log_in(page, role)
        return page

    yield make
    for context in contexts:
        context.close()
    assert blocked == []


def log_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD.format(username))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("username")).to_have_text(username)


def screenshot(page: Page, name: str, *, full_page: bool = False) -> None:
    """Save a 1280 px wide PNG for the README, in 256 colours (a third of the size, same look)."""
    from PIL import Image  # Pillow comes with matplotlib

    png = page.screenshot(full_page=full_page, animations="disabled")
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.width == DESKTOP["width"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    image.quantize(256, Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        SCREENSHOTS / name, optimize=True
    )


def table_rows(page: Page, testid: str) -> list[list[str]]:
    rows = page.get_by_test_id(testid).locator("tbody tr")
    return [
        [cell.strip() for cell in row.locator("td, th").all_inner_texts()] for row in rows.all()
    ]


def today(clinic: Clinic) -> str:
    return centre_today(clinic.ctx).isoformat()


# ---- (a) a whole visit ---------------------------------------------------------------------------


def test_the_nurse_completes_a_whole_visit_and_sees_it_on_the_chart(
    clinic: Clinic, open_page: Any
) -> None:
    page = open_page("nurse")
    mrn, pid = clinic.visit.mrn, clinic.visit.patient_id

    # The worklist offers the visit that is due today.
    row = page.get_by_test_id("due-visits").locator("tr", has_text=mrn)
    expect(row).to_contain_text("due today")
    row.get_by_role("link", name="Start visit").click()

    # 1 Measure: the previous sizes are shown for reference, never as today's values; the nurse
    # types today's (L1 has shrunk, the others are as before).
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Visit for patient {mrn}")
    expect(page.get_by_label("L1 longest")).to_have_value("")
    expect(page.get_by_test_id("lesion-V1").get_by_test_id("last")).to_contain_text("3 × 2.5 cm")
    sizes = {"L1": ("2.8", "1.9"), "L2": ("1.8", "1.2"), "L3": ("0.9", "0.6"), "V1": ("3", "2.5")}
    for name, (longest, perpendicular) in sizes.items():
        page.get_by_label(f"{name} longest").fill(longest)
        page.get_by_label(f"{name} perpendicular").fill(perpendicular)
    screenshot(page, "visit-measure.png")
    page.get_by_test_id("save-measurements").click()
    expect(page.get_by_role("status")).to_contain_text("are saved")
    expect(page.get_by_test_id("lesion-L1").get_by_test_id("today")).to_contain_text("2.8 × 1.9 cm")
    page.get_by_test_id("make-plan").click()

    # 2 Dose plan: 10^8 with its blue cap, the injection order, what is not injected, vials.
    plan = page.get_by_test_id("plan")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dose plan — visit 2 (second)")
    expect(page.get_by_test_id("strength")).to_have_text("10^8 PFU/mL")
    expect(plan).to_contain_text("10^8 PFU/mL — royal blue cap; at most 4 mL this visit.")
    cap = plan.locator(".cap").first
    assert cap.evaluate("e => getComputedStyle(e).backgroundColor") == BLUE_CAP
    assert [[*r[1].split("\n"), r[2], r[4], r[5]] for r in table_rows(page, "injections")] == [
        # lesion and its location, longest cm, band max mL, volume mL: biggest first
        ["L1", "cutaneous site of L1", "2.8", "2", "2"],
        ["L2", "subcutaneous site of L2", "1.8", "1", "1"],
        ["L3", "nodal site of L3", "0.9", "0.5", "0.5"],
    ]
    expect(page.get_by_test_id("measured-on")).to_contain_text("(the day of planning)")
    expect(page.get_by_test_id("not-injected")).to_contain_text(
        "V1 (visceral site of V1): visceral lesion"
    )
    expect(page.get_by_test_id("vials")).to_have_text("4")
    expect(plan).to_contain_text(
        "Total 3.5 mL = 350,000,000 PFU. Thaw 4 × 1 mL vial(s); waste 0.5 mL."
    )
    screenshot(page, "visit-plan.png")
    page.get_by_test_id("to-record").click()

    # 3 Record: the plan's volumes and a lot of the right strength are offered; L2 got less.
    expect(page.get_by_label("Volume given to L1 (mL)")).to_have_value("2")
    expect(page.get_by_label("Vial lot for L1")).to_have_value("DEMO8-B01")
    page.get_by_label("Volume given to L2 (mL)").fill("0.8")
    page.get_by_label("Vial lot for L3").select_option("DEMO8-B02")
    page.get_by_test_id("save-administration").click()

    # The review: exactly what will be saved, nothing saved yet; then the nurse confirms.
    expect(page.get_by_test_id("review-notice")).to_contain_text("Nothing is saved yet")
    assert [r[:5] for r in table_rows(page, "review-table")] == [
        ["L1", "cutaneous site of L1", "2", "DEMO8-B01", "10^8 PFU/mL"],
        ["L2", "subcutaneous site of L2", "0.8", "DEMO8-B01", "10^8 PFU/mL"],
        ["L3", "nodal site of L3", "0.5", "DEMO8-B02", "10^8 PFU/mL"],
    ]
    page.get_by_test_id("confirm-administration").click()

    # 4 Summary, printable.
    expect(page.get_by_test_id("summary")).to_have_text(
        f"Visit 2 (second) recorded as given on {today(clinic)}."
    )
    summary = [r[:5] for r in table_rows(page, "summary-table")]
    assert summary == [
        ["L1", "cutaneous site of L1", "2", "10^8 PFU/mL", "DEMO8-B01"],
        ["L2", "subcutaneous site of L2", "0.8", "10^8 PFU/mL", "DEMO8-B01"],
        ["L3", "nodal site of L3", "0.5", "10^8 PFU/mL", "DEMO8-B02"],
    ]
    expect(page.get_by_test_id("summary-use")).to_contain_text(
        "Total given 3.3 mL from 4 vials thawed (1 mL each); 0.7 mL discarded."
    )
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    screenshot(page, "visit-summary.png")
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("window.printed") == 1

    # The chart: the administrations with lots and volumes, and visit 2 given in the calendar.
    page.get_by_role("link", name="Back to the chart").click()
    expect(page).to_have_url(f"{clinic.base}/chart/{pid}")
    given = [r for r in table_rows(page, "administrations") if r[0] == "2 · second"]
    assert [[r[1], r[2], r[3], r[4], r[5]] for r in given] == [
        [today(clinic), "L1", "2", "10^8", "DEMO8-B01"],
        [today(clinic), "L2", "0.8", "10^8", "DEMO8-B01"],
        [today(clinic), "L3", "0.5", "10^8", "DEMO8-B02"],
    ]
    calendar = {r[0]: r for r in table_rows(page, "calendar")}
    assert calendar["2"][1:5] == ["second", today(clinic), "10^8 PFU/mL", "given"]
    lesions = {r[0]: r for r in table_rows(page, "lesions")}
    assert (lesions["L1"][4], lesions["L1"][5]) == ("2.8 × 1.9", today(clinic))


def test_the_nurse_adds_new_lesion_rows_on_the_measure_page(clinic: Clinic, open_page: Any) -> None:
    """The "Add a new lesion" button fetches one more numbered row each time (the page's script,
    which the Content-Security-Policy allows, counts the rows)."""
    page = open_page("nurse")
    page.goto(f"/chart/{clinic.refuse.patient_id}/visit")
    expect(page.get_by_role("heading", level=1)).to_contain_text("measure the lesions")
    add = page.get_by_role("button", name="Add a new lesion")
    add.click()
    expect(page.get_by_test_id("new-lesion-0")).to_contain_text("New lesion 1")
    add.click()
    expect(page.get_by_test_id("new-lesion-1")).to_contain_text("New lesion 2")
    expect(page.locator("#new_count")).to_have_value("2")
    expect(page.get_by_label("Lesion id")).to_have_count(2)


def table_rows_of(page: Page, selector: str) -> list[list[str]]:
    rows = page.locator(selector).first.locator("tbody tr")
    return [
        [cell.strip() for cell in row.locator("td, th").all_inner_texts()] for row in rows.all()
    ]


# ---- (b) refusals: wrong strength, overdose ------------------------------------------------------


def test_a_wrong_strength_lot_and_an_overdose_are_refused_and_nothing_is_saved(
    clinic: Clinic, open_page: Any
) -> None:
    page = open_page("nurse")
    pid, visit_id = clinic.refuse.patient_id, clinic.refuse_visit
    page.goto(f"/chart/{pid}/visit/{visit_id}/record")
    expect(page.locator("main")).to_contain_text("This visit needs 10^8 PFU/mL (royal blue cap)")

    # A 10^6 lot on a 10^8 visit.
    page.get_by_label("Volume given to L1 (mL)").fill("1.5")
    page.get_by_label("Vial lot for L1").select_option("DEMO6-A01")
    page.get_by_test_id("save-administration").click()
    expect(page.get_by_test_id("form-error")).to_have_text(
        "Please correct the fields marked below."
    )
    lot = page.get_by_label("Vial lot for L1")
    error = page.locator("#err-lot-L1")
    expect(error).to_have_text(
        "Vial lot is 1,000,000 PFU/mL but this visit needs 100,000,000 PFU/mL (got DEMO6-A01)"
    )
    expect(lot).to_have_attribute("aria-describedby", "err-lot-L1")
    assert_next_to(lot, error)
    expect(lot).to_have_value("DEMO6-A01")  # what was typed is kept
    expect(page.get_by_label("Volume given to L1 (mL)")).to_have_value("1.5")
    expect(page.get_by_label("Volume given to L2 (mL)")).to_have_value("1")
    error.scroll_into_view_if_needed()
    screenshot(page, "visit-record-refused.png")
    assert_nothing_given(clinic, page, pid, visit_id)

    # The lot corrected, but L2 (1.8 cm: at most 1 mL) given 1.5 mL.
    page.goto(f"/chart/{pid}/visit/{visit_id}/record")
    page.get_by_label("Volume given to L2 (mL)").fill("1.5")
    page.get_by_test_id("save-administration").click()
    volume = page.get_by_label("Volume given to L2 (mL)")
    error = page.locator("#err-volume-L2")
    expect(error).to_contain_text("Volume (mL) exceeds the lesion's maximum of 1 mL")
    assert_next_to(volume, error)
    expect(volume).to_have_value("1.5")
    expect(page.locator("#err-lot-L1")).to_have_count(0)
    assert_nothing_given(clinic, page, pid, visit_id)


def assert_next_to(control: Any, error: Any) -> None:
    """The error is shown right under its control, in the same column."""
    box, err = control.bounding_box(), error.bounding_box()
    assert box is not None
    assert err is not None
    assert 0 <= err["y"] - (box["y"] + box["height"]) < 24, (box, err)
    assert abs(err["x"] - box["x"]) < 24, (box, err)


def assert_nothing_given(clinic: Clinic, page: Page, pid: int, visit_id: int) -> None:
    assert visits.list_administrations(clinic.ctx, clinic.staff.nurse, visit_id) == []
    assert visits.get_visit(clinic.ctx, clinic.staff.nurse, visit_id).status == "planned"
    chart = page.context.new_page()
    chart.goto(f"/chart/{pid}")
    visits_given = {r[0] for r in table_rows(chart, "administrations") if " · " in r[0]}
    assert visits_given == {"1 · initial"}
    status = {r[0]: r[4] for r in table_rows(chart, "calendar")}
    assert status["1"] == "given"
    assert status["2"] != "given"
    chart.close()


# ---- (c) the researcher ------------------------------------------------------------------------


def test_the_researcher_finds_no_clinical_write_action(clinic: Clinic, open_page: Any) -> None:
    page = open_page("researcher")
    expect(page).to_have_url(f"{clinic.base}/research")
    expect(page.get_by_role("heading", level=1)).to_have_text("De-identified outcomes")
    nav = page.get_by_role("navigation", name="Main")
    links = [t.strip() for t in nav.get_by_role("link").all_inner_texts()]
    assert links == ["tvec", "Research", "Outcomes report"]
    assert_no_clinical_writes(page)
    for url in ("/chart/1", "/chart/1/visit", f"/chart/{clinic.refuse.patient_id}/visit"):
        response = page.goto(url)
        assert response is not None
        assert response.status == 403, url
        expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed for your role")
        expect(page.get_by_role("alert")).to_contain_text("role researcher may not")
        assert_no_clinical_writes(page)


def test_the_researcher_reads_the_centres_outcomes_report(clinic: Clinic, open_page: Any) -> None:
    page = open_page("researcher")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Outcomes report").click()
    expect(page).to_have_url(f"{clinic.base}/research/outcomes-report")
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcomes report")
    expect(page.get_by_role("img", name="Swimmer plot")).to_be_visible()
    expect(page.get_by_role("img", name="Overall survival")).to_be_visible()
    expect(page.get_by_role("link", name="Download the PDF")).to_be_visible()
    assert_no_clinical_writes(page)


def assert_no_clinical_writes(page: Page) -> None:
    for words in ("Start visit", "Record adverse event", "Record what was given"):
        expect(page.get_by_text(words)).to_have_count(0)
    expect(page.locator("form[action^='/chart/']")).to_have_count(0)
    expect(page.locator("a[href^='/chart/']")).to_have_count(0)
    expect(page.locator("form[method='post']:not([action='/logout'])")).to_have_count(0)


# ---- (d) keyboard and tablet --------------------------------------------------------------------


def test_logging_in_with_the_keyboard_only(clinic: Clinic, open_page: Any) -> None:
    page = open_page()
    page.goto("/login")
    focused = "() => document.activeElement.id || document.activeElement.tagName"
    assert page.evaluate(focused) == "username"  # the caret starts in the username
    page.keyboard.type("nurse")
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == "password"
    page.keyboard.type(DEMO_PASSWORD.format("nurse"))
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Log in"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(focused) == "password"
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("username")).to_have_text("nurse")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Worklist")


@pytest.mark.parametrize("which", ["due-patient", "responder"])
def test_at_tablet_width_the_chart_does_not_scroll_sideways(
    clinic: Clinic, open_page: Any, which: str
) -> None:
    page = open_page("nurse", TABLET)
    pid = clinic.visit.patient_id if which == "due-patient" else clinic.showcase
    page.goto(f"/chart/{pid}")
    expect(page.get_by_test_id("lesions")).to_be_visible()
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= TABLET["width"] + 1, f"the page is {width} px wide at {TABLET['width']} px"


@pytest.mark.parametrize("viewport", [DESKTOP, TABLET], ids=["1280px", "tablet"])
def test_the_worklist_tables_fit_inside_their_cards(
    clinic: Clinic, open_page: Any, viewport: dict[str, int]
) -> None:
    """At 1280 px the 'Visits due and overdue' card once was ~370 px for a ~400 px table, its
    'Start visit' buttons sticking out over the card's border. No card may be wider inside than
    out, nor the page wider than the window."""
    page = open_page("nurse", viewport)
    expect(page.get_by_test_id("due-visits")).to_contain_text("DEMO-2103")
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('main .card')]
            .filter(card => card.scrollWidth > card.clientWidth + 1)
            .map(card => `${card.querySelector('h2').textContent}: ${card.scrollWidth} px in ${card.clientWidth} px`)"""
    )
    assert overflowing == []
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= viewport["width"] + 1, f"the page is {width} px wide at {viewport['width']} px"
    # Every "Start visit" button is inside its card, and seen whole.
    card = page.locator("section.card", has=page.get_by_test_id("due-visits")).bounding_box()
    assert card is not None
    for button in page.get_by_test_id("due-visits").get_by_role("link", name="Start visit").all():
        box = button.bounding_box()
        assert box is not None
        assert card["x"] <= box["x"], (card, box)
        assert box["x"] + box["width"] <= card["x"] + card["width"], (card, box)


# ---- (e) the README's screenshots ----------------------------------------------------------------


def test_screenshots_of_the_worklist_chart_and_response(clinic: Clinic, open_page: Any) -> None:
    page = open_page("nurse")
    expect(page.get_by_test_id("due-visits")).to_contain_text("DEMO-2103")
    screenshot(page, "worklist.png")
    page.goto(f"/chart/{clinic.showcase}")
    expect(page.get_by_role("img", name="Tumour burden over time")).to_be_visible()
    screenshot(page, "chart.png", full_page=True)
    page.get_by_role("link", name="Response details").click()
    expect(page.get_by_role("img", name="Best change per lesion")).to_be_visible()
    screenshot(page, "response.png")
    for name in ("worklist", "chart", "response"):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000
