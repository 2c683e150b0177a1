"""Every page of the web app fits a phone (390 px) for every role (issue 15, item 11).

The pages are not listed by hand: they are the app's registered GET routes that are not in the
API's schema (the web app's pages), so a page added later is measured too. A route's ids are
filled with real records of a clinic built through the services (a patient whose visit 2 is
planned from today's sizes, a demo responder, their courses, visits, doses, measurements, a
user); every combination that some role can open (200) is kept. Each role then opens every
page at 390 px; on each (including pages the role is refused, shown as an error page):

- the page does not scroll sideways: `document.documentElement.scrollWidth <= 390` (a wide table
  scrolls inside its card instead);
- the page's primary action (the element marked `data-primary`, else the first button in
  `main`) lies within the viewport's width, so it is seen without scrolling sideways.

Files (CSV, PDF, the API documentation's scripts) and HTML fragments (HTMX rows, no `<main>`)
are not pages and are skipped. Screenshots of the worklist, chart, measure, plan and record
steps at 390 px are saved as docs/screenshots/phone-*.png.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from playwright.sync_api import Browser, Page, expect
from tests.support.browser import (
    DEMO_PASSWORD,
    DUE_LESIONS,
    DuePatient,
    centre_today,
    chromium_path,
    demo_staff,
    make_due_patient,
    running_server,
    showcase_patient,
)

from tvec.app import create_app
from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.persistence.migrate import upgrade
from tvec.schemas import clinic as s
from tvec.schemas.holds import HoldIn
from tvec.services import exposures, holds, lesions, visits
from tvec.services.prior_auth_seed import REVIEWER
from tvec.services.seeding import DEMO_USERS, load_demo

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000
# admin, oncologist, nurse, pharmacist, billing, researcher, and the payer's reviewer
ROLES = [*DEMO_USERS, REVIEWER[0]]
MOST_PER_ROUTE = 4  # combinations of ids kept per route
# Routes that serve files, not pages (their content type is checked too).
FILES = re.compile(r"^/docs/assets/|\.(csv|pdf|js|json|xml|x12|html|zip)$")


@dataclass(frozen=True)
class Clinic:
    base: str
    ids: dict[str, list[str]]  # a path parameter's name → real values to try, best first
    due: DuePatient
    planned: int  # the due patient's visit 2, planned from today's sizes
    unmeasured: DuePatient  # due today, nothing measured yet today (the measure step's boxes)


def web_routes(app: FastAPI) -> list[str]:
    """The path of every GET route of the web app (not in the API's schema), included routers'
    too (FastAPI keeps an included router as a route of its own)."""

    def walk(routes: Any, prefix: str) -> Iterator[str]:
        for route in routes:
            if isinstance(route, APIRoute):
                if "GET" in route.methods and not route.include_in_schema:
                    yield prefix + route.path
            elif (router := getattr(route, "original_router", None)) is not None:
                inner = getattr(getattr(route, "include_context", None), "prefix", "")
                yield from walk(router.routes, prefix + inner)

    return sorted(set(walk(app.routes, "")))


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    chromium_path()  # skip (or install, in CI) before building anything
    where = tmp_path_factory.mktemp("phone")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx)
        staff = demo_staff(ctx)
        due = make_due_patient(ctx, staff, "DEMO-3901")
        lesions.record_measurements(  # today's sizes: the plan uses them
            ctx,
            staff.nurse,
            due.patient_id,
            s.MeasurementsIn(
                measured_on=centre_today(ctx),
                method=s.Method.CALIPER,
                items=[
                    s.MeasurementItem(
                        lesion_id=due.lesion_ids[name],
                        longest_cm=Decimal(a),
                        perpendicular_cm=Decimal(b),
                    )
                    for name, _, a, b in DUE_LESIONS
                ],
            ),
        )
        planned = visits.plan_next_visit(ctx, staff.nurse, due.course_id)
        unmeasured = make_due_patient(ctx, staff, "DEMO-3902")
        held = make_due_patient(ctx, staff, "DEMO-3903")
        hold = holds.place_hold(
            ctx, staff.oncologist, held.course_id, HoldIn(reason="cellulitis at the site, grade 3")
        )
        showcase = showcase_patient(ctx, staff)
        doses = visits.list_administrations(ctx, staff.nurse, due.first_visit_id)
        measured = lesions.list_measurements(ctx, staff.nurse, due.patient_id)
        ids = {
            "patient_id": [
                *(str(p.patient_id) for p in (due, unmeasured, held)),
                str(showcase),
            ],
            "course_id": [str(due.course_id), str(held.course_id)],
            "hold_id": [str(hold.hold.id)],
            "visit_id": [str(planned.id), str(due.first_visit_id)],
            "dose_id": [str(d.id) for d in doses][:2],
            "measurement_id": [str(m.id) for m in sorted(measured, key=lambda m: -m.id)][:2],
            "user_id": [str(staff.nurse.user_id)],
            "action": ["disable", "reset-password", "revoke-sessions", "enable"],
            "location_id": [str(a_freezer_with_an_excursion(ctx, staff))],
            "exposure_id": [str(x.exposure.id) for x in exposures.list_exposures(ctx, staff.nurse)],
            "event_id": [str(an_adverse_event(ctx, staff))],
        }
        ids["course_id"] += course_ids_of(ctx, staff.nurse, showcase)
        with ctx.uow(readonly=True) as uow:  # the demo's prior-authorization requests
            found = uow.prior_auth_requests.in_centre(staff.nurse.centre_id)
            ids["request_id"] = [str(q.id) for q in found][:2]
        with running_server(url, where / "server.log") as base:
            yield Clinic(base, ids, due, planned.id, unmeasured)
    finally:
        ctx.engine.dispose()


def a_freezer_with_an_excursion(ctx: Any, staff: Any) -> int:
    """The pharmacy's freezer: a day of readings, one stretch out of band (the storage pages)."""
    from datetime import timedelta

    from tvec.services import cold_chain, readings_import

    freezer = cold_chain.add_location(ctx, staff.pharmacist, "Freezer A", "freezer")
    now = ctx.clock().replace(microsecond=0)
    readings = [
        (now - timedelta(minutes=10 * i), -61.5 if i in (40, 41) else -80.0) for i in range(144)
    ]
    readings_import.import_readings(ctx, staff.pharmacist, freezer.id, sorted(readings))
    return freezer.id


def an_adverse_event(ctx: Any, staff: Any) -> int:
    """One of the demo's adverse events (the event page and its downloads)."""
    with ctx.uow(readonly=True) as uow:
        ids = [p.id for p in uow.patients.in_centre(staff.nurse.centre_id)]
        return min(e.id for e in uow.adverse_events.for_patients(ids))


def course_ids_of(ctx: Any, actor: Any, patient_id: int) -> list[str]:
    from tvec.services import courses

    return [str(c.id) for c in courses.list_courses(ctx, actor, patient_id)][-1:]


@pytest.fixture(scope="module")
def sessions(browser: Browser, clinic: Clinic) -> Iterator[dict[str, Page]]:
    """One logged-in page per role, at 390 px."""
    contexts, pages = [], {}
    for role in ROLES:
        context = browser.new_context(base_url=clinic.base, viewport=PHONE)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Username").fill(role)
        page.get_by_label("Password").fill(DEMO_PASSWORD.format(role))
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_test_id("username")).to_have_text(role)
        pages[role] = page
    yield pages
    for context in contexts:
        context.close()


def candidates(template: str, ids: dict[str, list[str]]) -> Iterator[str]:
    names = re.findall(r"{(\w+)(?::\w+)?}", template)
    missing = [name for name in names if not ids.get(name)]
    assert not missing, f"{template}: no real value for {missing}; add them to the test's ids"
    for values in itertools.product(*(ids[name] for name in names)):
        url = template
        for name, value in zip(names, values, strict=True):
            url = re.sub(r"{" + name + r"(?::\w+)?}", value, url, count=1)
        yield url


def is_page(response: Any) -> bool:
    kind = response.headers.get("content-type", "")
    return kind.startswith("text/html") and "<main" in response.text()


def page_urls(clinic: Clinic, sessions: dict[str, Page]) -> list[str]:
    """Each web route with real ids: the combinations some role opens as a page (200).

    A route no role can open with any of the ids fails the test: its ids must be added above,
    or the page would go unmeasured."""
    urls, unreached = [], []
    for template in web_routes(create_app(Settings(database_url="sqlite://"))):
        if FILES.search(template):
            continue
        found: list[str] = []
        reached = False
        for url in candidates(template, clinic.ids):
            for role in ROLES:
                response = sessions[role].request.get(url, max_redirects=0)
                if response.status == 200:
                    reached = True
                    if is_page(response):  # not a file, nor an HTMX fragment
                        found.append(url)
                    break
            if len(found) >= MOST_PER_ROUTE:
                break
        if not reached:
            unreached.append(template)
        urls += found
    assert not unreached, f"no role opens these with the test's ids: {unreached}"
    return urls


MEASURE = """() => {
    const main = document.querySelector('main');
    const visible = (e) => e.offsetParent !== null && e.getClientRects().length > 0;
    const marked = [...document.querySelectorAll('[data-primary]')].filter(visible);
    const buttons = main ? [...main.querySelectorAll(
        'button, a.button, input[type=submit]')].filter(visible) : [];
    const primary = marked[0] || buttons[0] || null;
    const box = primary ? primary.getBoundingClientRect() : null;
    const name = (e) => (e.textContent || e.value || '').trim().replace(/\\s+/g, ' ');
    const off = buttons.filter((e) => {
        const r = e.getBoundingClientRect();
        return r.left < 0 || r.right > window.innerWidth;
    });
    return {
        width: document.documentElement.scrollWidth,
        primary: primary ? name(primary) : null,
        left: box ? box.left : 0,
        right: box ? box.right : 0,
        offscreen: off.map(name),
    };
}"""


def measure(page: Page) -> dict[str, Any]:
    """The page's width, its primary action's place, and the buttons off the screen's width."""
    return dict(page.evaluate(MEASURE))


def test_every_page_fits_a_phone_for_every_role(clinic: Clinic, sessions: dict[str, Page]) -> None:
    urls = page_urls(clinic, sessions)
    assert len(urls) >= 25, urls  # the walk reached the app's pages
    assert "/" in urls
    assert f"/chart/{clinic.due.patient_id}" in urls
    problems = []
    for role, page in sessions.items():
        for url in urls:
            page.goto(url)
            found = measure(page)
            if found["width"] > PHONE["width"]:
                problems.append(f"{role} {url}: page is {found['width']} px wide")
            if found["primary"] is not None and not (
                found["left"] >= 0 and found["right"] <= PHONE["width"]
            ):
                problems.append(
                    f"{role} {url}: primary action {found['primary']!r} at "
                    f"{found['left']:.0f}-{found['right']:.0f} px, off the screen"
                )
            if found["offscreen"]:
                problems.append(f"{role} {url}: buttons off the screen: {found['offscreen']}")
    assert not problems, "\n".join(problems)


def test_the_worklists_start_visit_is_on_screen(clinic: Clinic, sessions: dict[str, Page]) -> None:
    page = sessions["nurse"]
    page.goto("/")
    start = page.get_by_role("link", name="Start visit").first
    box = start.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("worklist", "/"),
        ("chart", "/chart/{pid}"),
        ("measure", "/chart/{new}/visit"),
        ("measure-saved", "/chart/{pid}/visit"),
        ("plan", "/chart/{pid}/visit/{vid}"),
        ("record", "/chart/{pid}/visit/{vid}/record"),
    ],
)
def test_phone_screenshots(clinic: Clinic, sessions: dict[str, Page], name: str, path: str) -> None:
    page = sessions["nurse"]
    page.goto(
        path.format(pid=clinic.due.patient_id, vid=clinic.planned, new=clinic.unmeasured.patient_id)
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, f"phone-{name}.png")


def screenshot(page: Page, name: str) -> None:
    """A 390 px wide PNG of the whole page, in 256 colours."""
    from PIL import Image  # Pillow comes with matplotlib

    png = page.screenshot(full_page=True, animations="disabled")
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.width == PHONE["width"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    image.quantize(256, Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        SCREENSHOTS / name, optimize=True
    )


def test_the_measure_sees_a_page_that_scrolls_sideways(
    clinic: Clinic, sessions: dict[str, Page]
) -> None:
    page = sessions["nurse"]
    page.goto("/")
    assert measure(page)["width"] <= PHONE["width"]
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', "
        "'<div style=\"width: 659px\">wide</div><button>Far</button>')"
    )
    page.evaluate("document.querySelector('main button:last-of-type').style.marginLeft = '500px'")
    found = measure(page)
    assert found["width"] > PHONE["width"]
    assert "Far" in found["offscreen"]


def test_the_walk_finds_pages_added_later() -> None:
    """The routes come from the app: a page any module registers is in the walk."""
    paths = web_routes(create_app(Settings(database_url="sqlite://")))
    assert {"/", "/chart/{patient_id}", "/chart/{patient_id}/visit/{visit_id}/record"} <= set(paths)
    assert {"/vials/stock", "/vials/reconciliation", "/vials/forecast"} <= set(paths)
    assert not [p for p in paths if p.startswith(("/patients/", "/visits/"))]  # API routes
