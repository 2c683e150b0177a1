"""The centre's safety page and an event's safety report download, in a real browser.

At 1280 and 390 px, as the oncologist of the demo centre (`tvec db demo`: patients in treatment
with mild reactions and one serious cellulitis): the "Safety" page lists the adverse events by
term and worst grade per patient (any grade, grade >= 3, serious, related) with the same counts as
the service, next to OPTiM's published rates of the label's common reactions and the note that a
centre's rates are not comparable one-to-one with a trial's; no patient is named. From a chart,
"Safety report (XML)" downloads the event's E2B(R3)-shaped XML without the patient's name, MRN or
birth date, and "CIOMS (PDF)" the same case laid out after the CIOMS I form. The billing office is refused the page.

Screenshots: docs/screenshots/safety-table-1280.png and -390.png.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from tests.support.browser import chromium_path, demo_staff, fits_the_window, log_in, running_server

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.persistence import records as r
from tvec.persistence.migrate import upgrade
from tvec.services import safety_tables
from tvec.services.context import Context
from tvec.services.seeding import load_demo

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Clinic:
    base: str
    ctx: Context
    patients: tuple[r.Patient, ...]
    event_patient: r.Patient  # a patient with an adverse event


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    chromium_path()
    where = tmp_path_factory.mktemp("web-safety")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx, patients_wanted=12)
        with ctx.uow(readonly=True) as uow:
            centre = demo_staff(ctx).oncologist.centre_id
            patients = tuple(uow.patients.in_centre(centre))
            with_event = next(p for p in patients if uow.adverse_events.for_patient(p.id))
        with running_server(url, where / "server.log") as base:
            yield Clinic(base, ctx, patients, with_event)
    finally:
        ctx.engine.dispose()


@pytest.fixture
def open_page(browser: Browser, clinic: Clinic) -> Iterator[Any]:
    contexts: list[Any] = []

    def make(viewport: ViewportSize, role: str = "oncologist") -> Page:
        return log_in(browser, clinic.base, role, viewport, contexts)

    yield make
    for context in contexts:
        context.close()


def identifiers(patient: r.Patient) -> list[str]:
    return [patient.family_name, patient.given_name, patient.mrn, patient.birth_date.isoformat()]


def cells(page: Page, testid: str) -> list[list[str]]:
    rows = page.get_by_test_id(testid).locator("tbody tr")
    return [
        [c.strip() for c in rows.nth(i).locator("th, td").all_inner_texts()]
        for i in range(rows.count())
    ]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_safety_page_lists_events_by_term_next_to_optim(
    open_page: Any, clinic: Clinic, viewport: ViewportSize
) -> None:
    page = open_page(viewport)
    page.get_by_role("link", name="Safety", exact=True).click()
    expect(page.get_by_role("heading", name="Safety — tvec demo centre")).to_be_visible()
    found = safety_tables.centre_safety(clinic.ctx, demo_staff(clinic.ctx).oncologist)
    shown = cells(page, "safety-table")
    assert [row[0] for row in shown] == [row.term for row in found.table.rows]
    first = found.table.rows[0].arms[safety_tables.ARM].any_grade
    assert shown[0][1] == f"{first.patients} ({first.pct:.1f}%)"
    assert first.patients >= 1
    serious = found.table.rows[0].arms[safety_tables.ARM].serious.patients
    assert shown[0][3].startswith(str(serious))
    published = {row[0].split("\n")[0]: row for row in cells(page, "safety-published-table")}
    assert published["fatigue"][1:3] == ["50%", "36%"]
    assert published["injection-site pain"][1:3] == ["28%", "6%"]
    body = page.locator("main").inner_text()
    assert "not comparable one-to-one" in body
    assert "Andtbacka et al., J Clin Oncol 2015" in body
    for patient in clinic.patients:
        for text in identifiers(patient):
            assert text not in body
    fits_the_window(page, viewport)
    width = viewport["width"]
    page.screenshot(path=str(SCREENSHOTS / f"safety-table-{width}.png"), full_page=True)


def test_the_chart_downloads_an_events_safety_report(open_page: Any, clinic: Clinic) -> None:
    page = open_page(DESKTOP, "nurse")
    page.goto(f"/chart/{clinic.event_patient.id}")
    with page.expect_download() as info:
        page.get_by_test_id("safety-report-link").first.click()
    download = info.value
    assert download.suggested_filename.startswith("safety-report-tvec-")
    raw = Path(download.path()).read_bytes()
    root = ET.fromstring(raw)
    assert root.tag.endswith("individualCaseSafetyReport")
    assert any(e.get("e2b") == "G.k.2.2" and e.text == "IMLYGIC" for e in root.iter())
    for text in identifiers(clinic.event_patient):
        assert text.encode() not in raw
    # the event's own page offers the same two downloads
    page.get_by_test_id("adverse-events").get_by_role("link").first.click()
    with page.expect_download() as info:
        page.get_by_test_id("ae-cioms-link").click()
    assert info.value.suggested_filename.endswith(".pdf")
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF")


def test_the_billing_office_is_refused_the_safety_page(open_page: Any) -> None:
    page = open_page(DESKTOP, "billing")
    response = page.goto("/safety")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("link", name="Safety", exact=True)).to_have_count(0)
