"""The body diagram on the chart and the dose plan, in a real browser (Debian's chromium).

A patient with lesions where nurses record them ("right thigh" twice, "left upper arm,
posterior", "scalp", "back, left scapula", "chest wall", a not injectable "left calf", and a
location the diagram does not know), measured today, with visit 1 planned today. At 1280 px and
390 px: one marker per placed lesion, with its id, inside its silhouette; the patient's right
thigh on the viewer's left of the front view; the patient's left scapula on the viewer's left of
the back view; the lesion that cannot be placed listed beside the diagram; the page never
scrolls sideways. Screenshots: docs/screenshots/body-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from tests.factories import screening_answers
from tests.support.browser import (
    DEMO_PASSWORD,
    centre_today,
    chromium_path,
    demo_staff,
    running_server,
)

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.domain.rules import Site
from tvec.persistence.migrate import upgrade
from tvec.schemas import clinic as s
from tvec.services import courses, lesions, patients, visits
from tvec.services.seeding import load_demo

DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
VIEWPORTS = [DESKTOP, PHONE]
IDS = ["1280px", "390px"]
TIMEOUT_MS = 10_000
SHOTS = Path(__file__).parents[2] / "docs" / "screenshots"

# name, location, injectable, longest cm, perpendicular cm
LESIONS = (
    ("L1", "right thigh", True, "3.2", "2.0"),
    ("L2", "right thigh", True, "1.1", "0.9"),
    ("L3", "left upper arm, posterior", True, "1.8", "1.2"),
    ("L4", "scalp", True, "0.8", "0.6"),
    ("L5", "back, left scapula", True, "1.4", "1.0"),
    ("L6", "chest wall", True, "0.9", "0.7"),
    ("L7", "left calf", False, "2.2", "1.5"),
    ("L8", "near the old graft scar", True, "0.6", "0.5"),
)
PLACED = [name for name, *_ in LESIONS if name != "L8"]


@dataclass(frozen=True)
class Clinic:
    base: str
    patient_id: int
    visit_id: int
    today: date  # the clinic's today, when the lesions were measured


def make_patient(ctx: Any) -> tuple[int, int]:
    staff = demo_staff(ctx)
    today = centre_today(ctx)
    new = s.PatientIn(
        mrn="DEMO-8801",
        given_name="Tamsin",
        family_name="Ashgrove",
        birth_date=date(1961, 5, 9),
        sex=s.Sex.FEMALE,
    )
    pid = patients.register_patient(ctx, staff.nurse, new).id
    dx = s.DiagnosisIn(
        stage=s.Stage.IIIC,
        recurrent_after_surgery=True,
        unresectable=True,
        diagnosed_on=today - timedelta(days=60),
        distant_sites=[],
    )
    patients.record_diagnosis(ctx, staff.oncologist, pid, dx)
    screening = s.ScreeningIn(
        screened_on=today - timedelta(days=3), answers=screening_answers(), answered_by="patient"
    )
    patients.record_screening(ctx, staff.nurse, pid, screening)
    items = []
    for name, location, injectable, longest, perpendicular in LESIONS:
        lesion = s.LesionIn(
            name=name,
            site=Site.CUTANEOUS,
            location=location,
            first_seen=today - timedelta(days=10),
            injectable=injectable,
        )
        lid = lesions.add_lesion(ctx, staff.nurse, pid, lesion).id
        size = (Decimal(longest), Decimal(perpendicular))
        items.append(s.MeasurementItem(lesion_id=lid, longest_cm=size[0], perpendicular_cm=size[1]))
    measured = s.MeasurementsIn(measured_on=today, method=s.Method.CALIPER, items=items)
    lesions.record_measurements(ctx, staff.nurse, pid, measured)
    course = courses.start_course(ctx, staff.oncologist, pid, s.CourseIn(start_date=today))
    return pid, visits.plan_next_visit(ctx, staff.nurse, course.id).id


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    chromium_path()  # skip (or install, in CI) before building anything
    where = tmp_path_factory.mktemp("web-body-diagram")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx, patients_wanted=0)  # the demo centre, its users and vial lots
        pid, visit_id = make_patient(ctx)
        with running_server(url, where / "server.log") as base:
            yield Clinic(base, pid, visit_id, centre_today(ctx))
    finally:
        ctx.engine.dispose()


@pytest.fixture
def nurse_page(browser: Browser, clinic: Clinic) -> Iterator[Any]:
    contexts = []

    def make(viewport: ViewportSize) -> Page:
        context = browser.new_context(base_url=clinic.base, viewport=viewport)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Username").fill("nurse")
        page.get_by_label("Password").fill(DEMO_PASSWORD.format("nurse"))
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_test_id("username")).to_have_text("nurse")
        return page

    yield make
    for context in contexts:
        context.close()


def centre(box: dict[str, float]) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def markers(page: Page) -> dict[str, dict[str, Any]]:
    """Each marker by lesion id: its view, kind, label and where it is on the screen."""
    found = {}
    for mark in page.locator("svg.body-diagram g.mark").all():
        box = mark.locator("rect").bounding_box()
        assert box is not None
        found[mark.get_attribute("data-lesion") or ""] = {
            "view": mark.get_attribute("data-view"),
            "kind": mark.get_attribute("data-kind"),
            "label": mark.locator("text").text_content(),
            "title": mark.locator("title").text_content(),
            "centre": centre(box),
        }
    return found


def figure_box(page: Page, view: str) -> dict[str, float]:
    box = page.locator(f'svg.body-diagram g.silhouette[data-view="{view}"] g.figure').bounding_box()
    assert box is not None
    return box


def check_diagram(page: Page, viewport: ViewportSize) -> dict[str, dict[str, Any]]:
    """The checks both pages share; the markers, for the page's own checks."""
    svg = page.get_by_test_id("body-diagram")
    expect(svg).to_be_visible()
    expect(svg).to_have_attribute("role", "img")
    label = svg.get_attribute("aria-label") or ""
    assert "L1 right thigh (front" in label
    assert label.endswith("not placed: L8.")
    found = markers(page)
    assert sorted(found) == sorted(PLACED)
    assert all(m["label"].split(" ")[0] == name for name, m in found.items())
    boxes = {view: figure_box(page, view) for view in ("front", "back")}
    for name, m in found.items():
        box, (x, y) = boxes[m["view"]], m["centre"]
        assert box["x"] <= x <= box["x"] + box["width"], (name, m, box)
        assert box["y"] <= y <= box["y"] + box["height"], (name, m, box)
    front_mid = centre(boxes["front"])[0]
    back_mid = centre(boxes["back"])[0]
    # the patient's right thigh: the viewer's left on the front view
    assert found["L1"]["view"] == found["L2"]["view"] == "front"
    assert found["L1"]["centre"][0] < front_mid
    assert found["L2"]["centre"][0] < front_mid
    # the patient's left scapula and left upper arm (posterior): the viewer's left from behind
    assert found["L5"]["view"] == found["L3"]["view"] == "back"
    assert found["L5"]["centre"][0] < back_mid
    assert found["L3"]["centre"][0] < back_mid
    assert found["L7"]["view"] == "back"  # the calf
    assert found["L7"]["kind"] == "not-injectable"
    assert found["L4"]["centre"][1] < found["L6"]["centre"][1] < found["L1"]["centre"][1]
    expect(page.get_by_test_id("body-unplaced")).to_have_text(
        "L8 “near the old graft scar”: the place is not one the diagram knows"
    )
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= viewport["width"] + 1, f"the page is {width} px wide at {viewport['width']} px"
    svg_box = svg.bounding_box()
    assert svg_box is not None
    assert svg_box["x"] >= 0
    assert svg_box["x"] + svg_box["width"] <= viewport["width"]
    return found


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    page.get_by_test_id("body-map").screenshot(path=str(path), animations="disabled")
    assert path.stat().st_size > 5_000


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_the_chart_marks_each_lesion_on_the_body_diagram(
    clinic: Clinic, nurse_page: Any, viewport: ViewportSize
) -> None:
    page = nurse_page(viewport)
    page.goto(f"/chart/{clinic.patient_id}")
    found = check_diagram(page, viewport)
    assert found["L1"]["kind"] == "injectable"
    assert all(m["label"] == name for name, m in found.items())  # the id alone
    assert found["L1"]["title"] == (
        "L1: right thigh — front view — injectable lesion — latest 3.2 × 2 cm on "
        f"{clinic.today.isoformat()}"
    )
    legend = page.get_by_test_id("body-legend").locator("li")
    expect(legend).to_have_text(["injectable lesion", "not injectable"])
    shoot(page, f"body-chart-{viewport['width']}px.png")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_the_dose_plan_marks_what_is_injected_this_visit(
    clinic: Clinic, nurse_page: Any, viewport: ViewportSize
) -> None:
    page = nurse_page(viewport)
    page.goto(f"/chart/{clinic.patient_id}/visit/{clinic.visit_id}")
    found = check_diagram(page, viewport)
    planned = page.get_by_test_id("injections").locator("tbody tr td:nth-child(2)")
    planned_ids = {text.split()[0] for text in planned.all_inner_texts()}  # id, location
    assert planned_ids  # visit 1 injects the largest lesions first, up to 4 mL
    for name in PLACED:
        expected = "planned" if name in planned_ids else "not-planned"
        assert found[name]["kind"] == ("not-injectable" if name == "L7" else expected), name
    assert "planned 2 mL" in found["L1"]["title"]  # 3.2 cm: the 2 mL band (USPI §2.2)
    assert found["L1"]["label"] == "L1 2 mL"
    assert found["L7"]["label"] == "L7"
    legend = page.get_by_test_id("body-legend").locator("li")
    expect(legend).to_have_text(
        [
            "injected this visit, with its planned volume",
            "injectable, not injected this visit",
            "not injectable",
        ]
    )
    to_record = page.get_by_test_id("to-record")  # the primary action stays above the diagram
    to_record_box, map_box = (
        to_record.bounding_box(),
        page.get_by_test_id("body-map").bounding_box(),
    )
    assert to_record_box is not None
    assert map_box is not None
    assert to_record_box["y"] < map_box["y"]
    shoot(page, f"body-plan-{viewport['width']}px.png")
