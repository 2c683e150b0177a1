"""The researcher's outcomes report in a real browser (Debian's chromium, headless), at 1280 and
390 px: the centre's report with its figures inline and its contents, downloaded as a PDF, an
HTML page and its tables as CSV files in a zip, each file opened and checked.

Screenshots: docs/screenshots/outcomes-report-{1280,390}.png (the page) and
docs/screenshots/outcomes-report-pdf-page-{1,2,4}.png (pages of the downloaded PDF itself, as
Chromium's PDF viewer shows them: pdftoppm is not installed here).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from tests.support.browser import DEMO_PASSWORD, chromium_path, fits_the_window, running_server
from tests.support.report_pdf import A4_PT, page_texts, pdf_pages

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.persistence.migrate import upgrade
from tvec.reports import pdf_document
from tvec.services.context import Actor, Context
from tvec.services.permissions import Role
from tvec.services.research_report import centre_report
from tvec.services.seeding import load_demo

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
VIEWPORTS = [DESKTOP, PHONE]
IDS = ["1280", "390"]
TIMEOUT_MS = 20_000
PAGE = "/research/outcomes-report"
PDF_PAGES_SHOWN = (1, 2, 4)  # the title page, the contents, a table with a figure


@dataclass(frozen=True)
class Centre:
    base: str
    ctx: Context


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Centre]:
    chromium_path()  # skip (or install, in CI) before building anything
    where = tmp_path_factory.mktemp("web-research-report")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx, 12, seed=3)
        with running_server(url, where / "server.log") as base:
            yield Centre(base, ctx)
    finally:
        ctx.engine.dispose()


def researcher(ctx: Context) -> Actor:
    with ctx.uow(readonly=True) as uow:
        user = uow.users.by_username("researcher")
    assert user is not None
    return Actor(user.id, user.centre_id, Role.RESEARCHER, user.username)


@pytest.fixture
def open_page(browser: Browser, centre: Centre) -> Iterator[Any]:
    contexts = []

    def make(viewport: ViewportSize) -> Page:
        context = browser.new_context(
            base_url=centre.base, viewport=viewport, accept_downloads=True
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Username").fill("researcher")
        page.get_by_label("Password").fill(DEMO_PASSWORD.format("researcher"))
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_test_id("username")).to_have_text("researcher")
        return page

    yield make
    for context in contexts:
        context.close()


def download(page: Page, testid: str, folder: Path) -> tuple[str, bytes]:
    """Click a download link; the file's suggested name and its bytes."""
    with page.expect_download() as info:
        page.get_by_test_id(testid).click()
    file = info.value
    target = folder / file.suggested_filename
    file.save_as(target)
    return file.suggested_filename, target.read_bytes()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_the_researcher_reads_the_report_and_downloads_it_three_ways(
    open_page: Any, centre: Centre, viewport: ViewportSize, tmp_path: Path
) -> None:
    page = open_page(viewport)
    page.goto(PAGE)
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcomes report")
    summary = page.get_by_test_id("report-summary")
    expect(summary).to_contain_text("data cut-off 20")
    expect(page.get_by_role("img", name="Swimmer plot")).to_be_visible()
    expect(page.get_by_role("img", name="Overall survival")).to_be_visible()
    contents = page.get_by_role("navigation", name="Contents")
    links = [t.strip() for t in contents.get_by_role("link").all_inner_texts()]
    assert links[:4] == ["Cohort", "Baseline characteristics", "Exposure to treatment", "Response"]
    assert "Safety" in links
    assert links[-1] == "Methods"
    contents.get_by_role("link", name="Methods").click()
    expect(page).to_have_url(re.compile(r"#methods$"))
    expect(page.get_by_role("heading", name="Methods", level=2)).to_be_in_viewport()
    page.evaluate("window.scrollTo(0, 0)")
    for testid in ("report-pdf", "report-html", "report-csv"):
        link = page.get_by_test_id(testid)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= viewport["width"]
    fits_the_window(page, viewport)
    shot = SCREENSHOTS / f"outcomes-report-{viewport['width']}.png"
    page.screenshot(path=str(shot), animations="disabled")
    assert shot.stat().st_size > 5_000

    # the PDF: portrait A4 pages, as many as the laid-out report (which numbers them)
    name, pdf = download(page, "report-pdf", tmp_path)
    assert re.fullmatch(r"outcomes-report-\d{4}-\d{2}-\d{2}\.pdf", name)
    sizes = pdf_pages(pdf)
    assert len(sizes) >= 8
    assert set(sizes) == {A4_PT}
    found = centre_report(centre.ctx, researcher(centre.ctx))
    assert found.report is not None
    texts = page_texts(pdf_document(found.report))
    assert len(texts) == len(sizes)
    assert [t[-1] for t in texts] == [f"page {k} of {len(sizes)}" for k in range(1, len(sizes) + 1)]

    # the HTML page: the same sections, self-contained
    name, html_bytes = download(page, "report-html", tmp_path)
    assert name.endswith(".html")
    html = html_bytes.decode("utf-8")
    for section in ("cohort", "response", "survival", "safety", "methods"):
        assert f'<section id="{section}">' in html
        assert f'<a href="#{section}">' in html
    assert "Data cut-off" in html
    assert "DEMO-" not in html  # no MRN
    assert not re.search(r"<(link|script|img)\b", html)

    # the tables: one CSV per table, and a README
    name, zipped = download(page, "report-csv", tmp_path)
    assert name.endswith(".zip")
    archive = zipfile.ZipFile(io.BytesIO(zipped))
    assert archive.namelist()[0] == "README.txt"
    assert {"response.csv", "comparison.csv", "adverse-events.csv"} <= set(archive.namelist())
    rows = list(csv.reader(io.StringIO(archive.read("response.csv").decode("utf-8"))))
    assert rows[1][0] == "Patients"

    if viewport is DESKTOP:
        pdf_screenshots(page, tmp_path / name.replace(".zip", ".pdf"), pdf)


def pdf_screenshots(page: Page, path: Path, pdf: bytes) -> None:
    """Pages of the downloaded PDF as Chromium's PDF viewer draws them (for the README)."""
    path.write_bytes(pdf)
    browser = page.context.browser
    assert browser is not None
    viewer = browser.new_context(viewport={"width": 820, "height": 1160})
    try:
        for number in PDF_PAGES_SHOWN:
            tab = viewer.new_page()
            tab.goto(f"{path.as_uri()}#page={number}&toolbar=0&navpanes=0&view=FitH")
            tab.wait_for_timeout(2_500)  # the viewer draws the page after the load event
            shot = SCREENSHOTS / f"outcomes-report-pdf-page-{number}.png"
            tab.screenshot(path=str(shot))
            assert shot.stat().st_size > 20_000
            tab.close()
    finally:
        viewer.close()
