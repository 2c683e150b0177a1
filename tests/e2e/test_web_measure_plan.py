"""The measure and plan steps in a real browser: the visit cannot go wrong silently.

Each test takes a patient of its own whose visit 2 is due today and whose sizes on file are from
visit 1, 21 days ago (built through the services). What the nurse sees is asserted in Chromium;
"nothing written" is counted through the API (the patient's lesions and measurements) before and
after. Screenshots go to docs/screenshots/measure-*.png.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Dialog, Page, ViewportSize, expect
from tests.support.browser import (
    DEMO_PASSWORD,
    DuePatient,
    Staff,
    centre_today,
    chromium_path,
    demo_staff,
    make_due_patient,
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
VIEWPORTS = [pytest.param(DESKTOP, id="1280px"), pytest.param(PHONE, id="390px")]
TIMEOUT_MS = 10_000
TODAYS = {"L1": ("2.8", "1.9"), "L2": ("1.8", "1.2"), "L3": ("0.9", "0.6"), "V1": ("3", "2.5")}
REASON = "patient declined measuring today"
_mrns = itertools.count(1)


@dataclass(frozen=True)
class Clinic:
    base: str
    ctx: Context
    staff: Staff

    def patient(self) -> DuePatient:
        """A fresh patient: visit 1 given 21 days ago, its sizes from then, visit 2 due today."""
        return make_due_patient(self.ctx, self.staff, f"MP-{next(_mrns):04d}")

    @property
    def today(self) -> date:
        return centre_today(self.ctx)


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    chromium_path()
    where = tmp_path_factory.mktemp("web-measure-plan")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx)
        with running_server(url, where / "server.log") as base:
            yield Clinic(base, ctx, demo_staff(ctx))
    finally:
        ctx.engine.dispose()


@pytest.fixture
def open_page(browser: Browser, clinic: Clinic) -> Iterator[Any]:
    """`open_page(viewport)`: a fresh browser context logged in as the demo nurse; no script or
    style was blocked by the Content-Security-Policy."""
    contexts, blocked = [], []

    def make(viewport: ViewportSize = DESKTOP) -> Page:
        context = browser.new_context(base_url=clinic.base, viewport=viewport)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.goto("/login")
        page.get_by_label("Username").fill("nurse")
        page.get_by_label("Password").fill(DEMO_PASSWORD.format("nurse"))
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_test_id("username")).to_have_text("nurse")
        return page

    yield make
    for context in contexts:
        context.close()
    assert blocked == []


@pytest.fixture(scope="module")
def api(clinic: Clinic) -> Iterator[httpx.Client]:
    """The API of the same server, as the demo nurse."""
    with httpx.Client(base_url=clinic.base, timeout=10) as client:
        login = {"username": "nurse", "password": DEMO_PASSWORD.format("nurse")}
        token = client.post("/auth/login", json=login).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def counts(api: httpx.Client, patient_id: int) -> tuple[int, int]:
    """(lesions, measurements) of the patient, through the API."""
    lesions = api.get(f"/patients/{patient_id}/lesions?limit=200").json()["total"]
    measured = api.get(f"/patients/{patient_id}/measurements?limit=200").json()["total"]
    return lesions, measured


def day_text(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def screenshot(page: Page, name: str) -> None:
    """A PNG of the page as seen, in 256 colours (a third of the size, the same look)."""
    from PIL import Image  # Pillow comes with matplotlib

    image = Image.open(io.BytesIO(page.screenshot(animations="disabled"))).convert("RGB")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    image.quantize(256, Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        SCREENSHOTS / name, optimize=True
    )


def fits(page: Page, viewport: ViewportSize) -> None:
    """The page does not scroll sideways (wide tables scroll inside their card)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "w => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect()"
        ".right > w && e.parentElement.getBoundingClientRect().right <= w)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)",
        viewport["width"],
    )
    assert width <= viewport["width"], f"{page.url} is {width} px wide: {wide}"


def type_sizes(page: Page, sizes: dict[str, tuple[str, str]]) -> None:
    for name, (longest, perpendicular) in sizes.items():
        page.get_by_label(f"{name} longest").fill(longest)
        page.get_by_label(f"{name} perpendicular").fill(perpendicular)


def px(viewport: ViewportSize) -> int:
    return viewport["width"]


# ---- unsaved input -------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_continue_saves_the_typed_sizes_then_plans_from_them_and_says_their_date(
    clinic: Clinic, open_page: Any, api: httpx.Client, viewport: ViewportSize
) -> None:
    patient = clinic.patient()
    page = open_page(viewport)
    page.goto(f"/chart/{patient.patient_id}/visit")
    # last visit's sizes are a reference beside each lesion, never today's values
    row = page.get_by_test_id("lesion-L1")
    expect(row.get_by_test_id("location")).to_have_text("cutaneous site of L1")
    start = clinic.today - timedelta(days=21)
    expect(row.get_by_test_id("last")).to_have_text(f"last: 3.2 × 2 cm on {day_text(start)}")
    expect(page.get_by_label("L1 longest")).to_have_value("")
    type_sizes(page, TODAYS)
    fits(page, viewport)
    screenshot(page, f"measure-typed-{px(viewport)}.png")
    before = counts(api, patient.patient_id)
    page.get_by_test_id("make-plan").click()  # not saved yet: Continue saves, then plans

    expect(page.get_by_role("heading", level=1)).to_contain_text("Dose plan — visit 2")
    expect(page.get_by_test_id("measured-on")).to_have_text(
        f"Sizes used: measured on {day_text(clinic.today)} (the day of planning)."
    )
    expect(page.get_by_test_id("stale-reason")).to_have_count(0)
    first = page.get_by_test_id("injections").locator("tbody tr").first
    expect(first).to_contain_text("L1")
    expect(first.get_by_test_id("location")).to_have_text("cutaneous site of L1")
    expect(first).to_contain_text("2.8")
    expect(first).to_contain_text(day_text(clinic.today))  # the date of L1's size
    assert counts(api, patient.patient_id) == (before[0], before[1] + 4)
    expect(page.get_by_test_id("thaw-list")).to_contain_text(
        "start thawing 30 min before the appointment"
    )
    fits(page, viewport)
    screenshot(page, f"measure-plan-{px(viewport)}.png")


def test_leaving_the_measure_step_with_typed_sizes_asks_first(
    clinic: Clinic, open_page: Any
) -> None:
    patient = clinic.patient()
    page = open_page()
    page.goto(f"/chart/{patient.patient_id}/visit")
    page.get_by_label("L1 longest").fill("2.8")
    asked: list[str] = []

    def stay(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", stay)
    page.get_by_role("link", name=patient.mrn).first.click()
    assert asked
    assert "not saved" in asked[0]
    expect(page).to_have_url(f"{clinic.base}/chart/{patient.patient_id}/visit")
    expect(page.get_by_label("L1 longest")).to_have_value("2.8")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("link", name=patient.mrn).first.click()
    expect(page).to_have_url(f"{clinic.base}/chart/{patient.patient_id}")


# ---- new lesions ---------------------------------------------------------------------------------


def test_a_new_lesion_gets_the_next_id_and_a_blank_id_is_refused_writing_nothing(
    clinic: Clinic, open_page: Any, api: httpx.Client
) -> None:
    patient = clinic.patient()
    page = open_page()
    page.goto(f"/chart/{patient.patient_id}/visit")
    add = page.get_by_role("button", name="Add a new lesion")
    add.click()
    expect(page.locator("#new-0-name")).to_have_value("L4")  # L1-L3 and V1 exist
    add.click()
    expect(page.locator("#new-1-name")).to_have_value("L5")
    page.get_by_test_id("new-lesion-1").get_by_role("button", name="Remove").click()
    expect(page.get_by_test_id("new-lesion-1")).to_have_count(0)
    page.locator("#new-0-name").fill("")
    page.locator("#new-0-location").fill("right thigh")
    page.locator("#new-0-longest").fill("1.1")
    page.locator("#new-0-perpendicular").fill("0.7")
    type_sizes(page, TODAYS)
    before = counts(api, patient.patient_id)
    page.get_by_test_id("save-measurements").click()

    expect(page.locator("#err-new-0-name")).to_contain_text("Give the new lesion an id")
    expect(page.locator("#err-new-0-name")).to_contain_text("for example L4")
    expect(page.locator("#new-0-location")).to_have_value("right thigh")
    expect(page.get_by_label("L1 longest")).to_have_value("2.8")
    assert counts(api, patient.patient_id) == before  # nothing saved, not even the other sizes
    screenshot(page, "measure-blank-id.png")

    page.locator("#new-0-name").fill("L4")
    page.get_by_test_id("save-measurements").click()
    row = page.get_by_test_id("lesion-L4")
    expect(row.get_by_test_id("location")).to_have_text("right thigh")
    expect(row.get_by_test_id("today")).to_contain_text("1.1 × 0.7 cm")
    assert counts(api, patient.patient_id) == (before[0] + 1, before[1] + 5)


def test_a_refused_save_writes_nothing_not_even_the_new_lesion(
    clinic: Clinic, open_page: Any, api: httpx.Client
) -> None:
    patient = clinic.patient()
    page = open_page()
    page.goto(f"/chart/{patient.patient_id}/visit")
    page.get_by_role("button", name="Add a new lesion").click()
    page.locator("#new-0-location").fill("left calf")
    page.locator("#new-0-longest").fill("1.0")
    page.locator("#new-0-perpendicular").fill("0.8")
    type_sizes(page, {**TODAYS, "L2": ("1.0", "2.0")})  # perpendicular above longest
    before = counts(api, patient.patient_id)
    page.get_by_test_id("save-measurements").click()
    expect(page.get_by_test_id("form-error")).to_be_visible()
    expect(page.locator(f"#err-m-{patient.lesion_ids['L2']}-perpendicular")).to_be_visible()
    expect(page.locator("#new-0-name")).to_have_value("L4")  # kept, as typed
    assert counts(api, patient.patient_id) == before
    names = [
        les["name"] for les in api.get(f"/patients/{patient.patient_id}/lesions").json()["items"]
    ]
    assert "L4" not in names


# ---- measurements not from today -----------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_plan_from_older_sizes_is_refused_with_a_way_to_measure_or_a_reason_that_is_kept(
    clinic: Clinic, open_page: Any, api: httpx.Client, viewport: ViewportSize
) -> None:
    patient = clinic.patient()
    start = clinic.today - timedelta(days=21)
    page = open_page(viewport)
    page.goto(f"/chart/{patient.patient_id}/visit")
    page.get_by_test_id("make-plan").click()  # nothing typed: the sizes on file are 21 days old

    stale = page.get_by_test_id("stale")
    expect(stale).to_contain_text(f"not measured today ({day_text(clinic.today)})")
    expect(stale).to_contain_text(f"L1: last measured on {day_text(start)}")
    expect(stale).to_contain_text("the centre software's rule (tvec)")
    expect(page).to_have_url(f"{clinic.base}/chart/{patient.patient_id}/visit/measure")
    fits(page, viewport)
    screenshot(page, f"measure-stale-{px(viewport)}.png")
    page.get_by_test_id("measure-now").click()
    expect(page.get_by_label("L1 longest")).to_be_in_viewport()

    page.get_by_label("Or plan from the older measurements").fill("old ok")
    page.get_by_test_id("plan-with-reason").click()
    expect(page.locator("#err-stale_reason")).to_contain_text("at least 3 words")
    page.get_by_label("Or plan from the older measurements").fill(REASON)
    page.get_by_test_id("plan-with-reason").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Dose plan — visit 2")
    expect(page.get_by_test_id("measured-on")).to_contain_text(f"measured on {day_text(start)}")
    expect(page.get_by_test_id("stale-reason")).to_contain_text(REASON)
    visit_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    audit = api.get(f"/audit/visit/{visit_id}").json()["items"]
    assert audit[-1]["reason"] == REASON
    assert audit[-1]["after"]["stale_reason"] == REASON
    fits(page, viewport)


# ---- correcting today's measurement -------------------------------------------------------------


def test_a_measurement_saved_today_is_corrected_and_a_forgotten_lesion_added(
    clinic: Clinic, open_page: Any, api: httpx.Client
) -> None:
    patient = clinic.patient()
    page = open_page()
    page.goto(f"/chart/{patient.patient_id}/visit")
    type_sizes(page, TODAYS)
    page.get_by_test_id("save-measurements").click()
    expect(page.get_by_test_id("lesion-L1").get_by_test_id("today")).to_contain_text("2.8 × 1.9 cm")
    page.get_by_test_id("correct-L1").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Correct lesion L1")
    expect(page.get_by_label("Longest (cm)")).to_have_value("2.8")
    page.get_by_label("Longest (cm)").fill("2.5")
    page.get_by_label("Perpendicular (cm)").fill("1.5")
    page.get_by_label("Reason for the correction").fill("typo")
    page.get_by_test_id("save-correction").click()
    expect(page.locator("#err-reason")).to_contain_text("at least 3 words")
    page.get_by_label("Reason for the correction").fill("typed the sizes of L2 by mistake")
    page.get_by_test_id("save-correction").click()

    today = page.get_by_test_id("lesion-L1").get_by_test_id("today")
    expect(today).to_contain_text("2.5 × 1.5 cm")
    expect(today).to_contain_text("corrected")
    page.get_by_test_id("correct-L1").click()
    history = page.get_by_test_id("history").locator("tbody tr")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("saved")
    expect(history.nth(0)).to_contain_text("2.8 × 1.9 cm")
    expect(history.nth(1)).to_contain_text("corrected")
    expect(history.nth(1)).to_contain_text("typed the sizes of L2 by mistake")
    screenshot(page, "measure-correct.png")
    measurement_id = int(page.url.split("/measurements/")[1].split("/")[0])
    audit = api.get(f"/audit/measurement/{measurement_id}").json()["items"]
    assert [e["action"] for e in audit] == ["create", "correct"]

    # a lesion forgotten at the first save is added on the same day with its sizes
    page.get_by_role("link", name="Back to measurements").click()
    page.get_by_role("button", name="Add a new lesion").click()
    page.locator("#new-0-location").fill("left calf")
    page.locator("#new-0-longest").fill("1.0")
    page.locator("#new-0-perpendicular").fill("0.8")
    page.get_by_test_id("save-measurements").click()
    expect(page.get_by_test_id("lesion-L4").get_by_test_id("today")).to_contain_text("1 × 0.8 cm")
    expect(page.get_by_role("status").first).to_contain_text("are saved")
