"""Recording a dose in a real browser: the review before saving, back to edit, the second check,
a correction with its reason, the summary (printed too) and the chart's notices.

One uvicorn process serves one SQLite database for this file: the demo centre (time zone
America/New_York) plus patients whose visit 2 is due today, planned through the services.
Screenshots: docs/screenshots/record-*.png.
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
    chromium_path,
    demo_staff,
    make_due_patient,
    running_server,
)

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.persistence.migrate import upgrade
from tvec.services import second_check, visits
from tvec.services.administrations import administration_history
from tvec.services.context import Context
from tvec.services.seeding import load_demo

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Clinic:
    base: str
    ctx: Context
    staff: Staff
    patients: dict[str, tuple[DuePatient, int]]  # by use: the patient and its planned visit


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    chromium_path()
    where = tmp_path_factory.mktemp("web-record")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx)
        staff = demo_staff(ctx)
        made = {}
        for n, use in enumerate(("review", "correct", "phone", "checked")):
            due = make_due_patient(ctx, staff, f"REC-{3101 + n}")
            visit = visits.plan_next_visit(
                ctx, staff.nurse, due.course_id, stale_reason=OLDER_SIZES
            )
            made[use] = (due, visit.id)
        with running_server(url, where / "server.log") as base:
            yield Clinic(base, ctx, staff, made)
    finally:
        ctx.engine.dispose()


@pytest.fixture
def open_page(browser: Browser, clinic: Clinic) -> Iterator[Any]:
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
    from PIL import Image

    png = page.screenshot(full_page=full_page, animations="disabled")
    image = Image.open(io.BytesIO(png)).convert("RGB")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    image.quantize(256, Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        SCREENSHOTS / name, optimize=True
    )


def rows(page: Page, testid: str) -> list[list[str]]:
    body = page.get_by_test_id(testid).locator("tbody tr")
    return [[c.strip() for c in r.locator("td, th").all_inner_texts()] for r in body.all()]


def page_width(page: Page) -> int:
    return int(page.evaluate("() => document.documentElement.scrollWidth"))


def test_record_review_back_to_edit_then_confirm(clinic: Clinic, open_page: Any) -> None:
    due, visit_id = clinic.patients["review"]
    page = open_page("nurse")
    page.goto(f"/chart/{due.patient_id}/visit/{visit_id}/record")
    expect(page.get_by_test_id("location-L1")).to_have_text("cutaneous site of L1")
    expect(page.get_by_text("Given at (time in America/New_York)")).to_be_visible()
    page.get_by_label("Volume given to L2 (mL)").fill("0.8")
    page.get_by_label("Vial lot for L3").select_option("DEMO8-B02")
    default = page.get_by_label("Given at").input_value()  # now, on the centre's clock
    local_day = default[:10]
    page.get_by_label("Given at").fill(f"{local_day}T00:05")
    page.get_by_test_id("save-administration").click()

    # the review: what will be saved, with the time in the centre's zone, named; nothing saved
    expect(page.get_by_test_id("review-notice")).to_contain_text("Nothing is saved yet")
    review = rows(page, "review-table")
    assert [r[:5] for r in review] == [
        ["L1", "cutaneous site of L1", "2", "DEMO8-B01", "10^8 PFU/mL"],
        ["L2", "subcutaneous site of L2", "0.8", "DEMO8-B01", "10^8 PFU/mL"],
        ["L3", "nodal site of L3", "0.5", "DEMO8-B02", "10^8 PFU/mL"],
    ]
    assert {r[5] for r in review} == {"no"}  # ultrasound-guided (billed as CPT 76942 when yes)
    assert review[0][6] in (f"{local_day} 00:05 EST", f"{local_day} 00:05 EDT")  # named
    expect(page.get_by_test_id("review-total")).to_have_text("3.3 mL")
    assert visits.list_administrations(clinic.ctx, clinic.staff.nurse, visit_id) == []
    screenshot(page, "record-review.png")

    # back to edit keeps everything typed
    page.get_by_test_id("back-to-edit").click()
    expect(page.get_by_label("Volume given to L2 (mL)")).to_have_value("0.8")
    expect(page.get_by_label("Vial lot for L3")).to_have_value("DEMO8-B02")
    expect(page.get_by_label("Given at")).to_have_value(f"{local_day}T00:05")
    page.get_by_label("Volume given to L2 (mL)").fill("0.9")
    page.get_by_test_id("save-administration").click()
    page.get_by_test_id("confirm-administration").click()

    # the summary: DOB, who gave it in full, the next due date, vials and waste
    expect(page.get_by_test_id("notice")).to_have_text("The dose is recorded.")
    summary = rows(page, "summary-table")
    assert [r[:5] for r in summary] == [
        ["L1", "cutaneous site of L1", "2", "10^8 PFU/mL", "DEMO8-B01"],
        ["L2", "subcutaneous site of L2", "0.9", "10^8 PFU/mL", "DEMO8-B01"],
        ["L3", "nodal site of L3", "0.5", "10^8 PFU/mL", "DEMO8-B02"],
    ]
    assert {r[6] for r in summary} == {"Nia Nurse"}
    assert summary[0][5].endswith(("EST", "EDT"))
    expect(page.get_by_test_id("summary-dob")).not_to_have_text("–")
    expect(page.get_by_test_id("next-due")).to_contain_text("not before")
    expect(page.get_by_test_id("summary-use")).to_contain_text(
        "Total given 3.4 mL from 4 vials thawed (1 mL each); 0.6 mL discarded."
    )
    saved = visits.list_administrations(clinic.ctx, clinic.staff.nurse, visit_id)
    assert len(saved) == 3  # once, though reviewed twice
    screenshot(page, "record-summary.png", full_page=True)

    # printed: no buttons, navigation, header forms or steps; the content stays
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator(".steps")).to_be_hidden()
    expect(page.get_by_role("link", name="Back to the chart")).to_be_hidden()
    expect(page.get_by_test_id("summary-table")).to_be_visible()
    expect(page.get_by_test_id("summary-dob")).to_be_visible()
    screenshot(page, "record-summary-print.png", full_page=True)
    page.goto(f"/chart/{due.patient_id}/visit/{visit_id}")  # the plan, printed
    expect(page.locator("header.top")).to_be_hidden()
    assert page.locator("main button:visible, main a.button:visible").count() == 0


def test_a_correction_with_its_reason_shows_both_versions(clinic: Clinic, open_page: Any) -> None:
    due, visit_id = clinic.patients["correct"]
    page = open_page("nurse")
    page.goto(f"/chart/{due.patient_id}/visit/{visit_id}/record")
    page.get_by_test_id("save-administration").click()
    page.get_by_test_id("confirm-administration").click()
    first = visits.list_administrations(clinic.ctx, clinic.staff.nurse, visit_id)
    l1 = next(a for a in first if a.target == "L1")

    page.get_by_test_id(f"correct-{l1.id}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Correct the dose to L1")
    page.get_by_label("Volume given (mL)").fill("1.5")
    page.get_by_test_id("review-correction").click()  # no reason: refused, nothing written
    expect(page.get_by_label("Volume given (mL)")).to_have_value("1.5")
    page.get_by_label("Reason for the correction").fill("1.5 mL drawn up, 2 mL typed")
    page.get_by_test_id("review-correction").click()
    expect(page.get_by_test_id("review-notice")).to_contain_text("Nothing is saved yet")
    assert rows(page, "correction-review")[0][2] == "1.5"
    screenshot(page, "record-correction-review.png")
    page.get_by_test_id("back-to-edit").click()
    expect(page.get_by_label("Reason for the correction")).to_have_value(
        "1.5 mL drawn up, 2 mL typed"
    )
    page.get_by_test_id("review-correction").click()
    page.get_by_test_id("confirm-correction").click()

    expect(page.get_by_test_id("notice")).to_contain_text("The correction is saved")
    listed = [r[:3] for r in rows(page, "summary-table")]
    assert listed[:2] == [  # the replaced version beside its correction, then the note
        ["L1 replaced by a correction", "cutaneous site of L1", "2"],
        ["L1 correction", "cutaneous site of L1", "1.5"],
    ]
    assert listed[2][0].startswith("Correction of L1: 1.5 mL drawn up, 2 mL typed (Nia Nurse, ")
    expect(page.get_by_test_id("summary-table")).to_contain_text(
        "Correction of L1: 1.5 mL drawn up, 2 mL typed (Nia Nurse"
    )
    expect(page.get_by_test_id(f"correct-{l1.id}")).to_have_count(0)  # only the latest
    history = administration_history(clinic.ctx, clinic.staff.nurse, visit_id)
    assert [(a.target, a.status) for a in history if a.target == "L1"] == [
        ("L1", "superseded"),
        ("L1", "active"),
    ]
    screenshot(page, "record-summary-corrected.png", full_page=True)
    page.get_by_role("link", name="Back to the chart").click()  # the chart says so, and links
    fixed = next(a for a in history if a.target == "L1" and a.status == "active")
    expect(page.get_by_test_id(f"corrected-{fixed.id}")).to_have_text("corrected: both versions")


def test_a_chart_shows_only_the_servers_notices(clinic: Clinic, open_page: Any) -> None:
    due, _visit = clinic.patients["review"]
    page = open_page("nurse")
    page.goto(f"/chart/{due.patient_id}?notice=Dose+cancelled+by+the+pharmacy")
    expect(page.locator("main")).not_to_contain_text("Dose cancelled")
    page.goto(f"/chart/{due.patient_id}?notice=anything")
    expect(page.locator("main")).not_to_contain_text("anything")
    page.goto(f"/chart/{due.patient_id}?notice=adverse-event-recorded")
    expect(page.get_by_role("status").first).to_contain_text("Adverse event recorded.")


def test_the_record_steps_fit_a_phone(clinic: Clinic, open_page: Any) -> None:
    due, visit_id = clinic.patients["phone"]
    page = open_page("nurse", PHONE)
    page.goto(f"/chart/{due.patient_id}/visit/{visit_id}/record")
    assert page_width(page) <= PHONE["width"]
    page.get_by_test_id("save-administration").scroll_into_view_if_needed()
    expect(page.get_by_test_id("save-administration")).to_be_in_viewport()
    page.get_by_test_id("save-administration").click()
    assert page_width(page) <= PHONE["width"]
    screenshot(page, "record-review-phone.png", full_page=True)
    page.get_by_test_id("confirm-administration").click()
    expect(page.get_by_test_id("summary")).to_be_visible()
    assert page_width(page) <= PHONE["width"]
    screenshot(page, "record-summary-phone.png", full_page=True)


def test_a_required_second_check_is_asked_for_and_recorded(clinic: Clinic, open_page: Any) -> None:
    due, visit_id = clinic.patients["checked"]
    admin = clinic.staff.admin
    zone = second_check.centre_settings(clinic.ctx, admin).time_zone
    second_check.set_centre_settings(clinic.ctx, admin, time_zone=zone, require_second_check=True)
    try:
        page = open_page("nurse")
        page.goto(f"/chart/{due.patient_id}/visit/{visit_id}/record")
        page.get_by_test_id("save-administration").click()
        expect(page.get_by_test_id("second-check")).to_be_visible()
        page.get_by_label("Second checker's username").fill("nurse")  # the recorder themself
        page.get_by_label("Second checker's password").fill(DEMO_PASSWORD.format("nurse"))
        page.get_by_test_id("confirm-administration").click()
        expect(page.get_by_test_id("form-error")).to_contain_text("someone other than")
        page.get_by_label("Second checker's username").fill("pharmacist")
        page.get_by_label("Second checker's password").fill("not-the-password")
        page.get_by_test_id("confirm-administration").click()
        expect(page.get_by_test_id("form-error")).to_have_text(
            "Second check was refused: the checker's username or password is wrong"
        )
        assert visits.list_administrations(clinic.ctx, clinic.staff.nurse, visit_id) == []
        screenshot(page, "record-second-check.png")
        page.get_by_label("Second checker's password").fill(DEMO_PASSWORD.format("pharmacist"))
        page.get_by_test_id("confirm-administration").click()
        expect(page.get_by_test_id("summary")).to_be_visible()
        assert {r[7] for r in rows(page, "summary-table")} == {"Pat Pharmacist"}
    finally:
        second_check.set_centre_settings(
            clinic.ctx, admin, time_zone=zone, require_second_check=False
        )
