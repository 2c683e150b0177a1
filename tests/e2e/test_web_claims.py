"""The billing office's claims page in headless Chromium at 1280 px and 390 px: visits ready to
bill with their lines, exporting the chosen ones as a batch, and downloading its 837P (which pyx12
accepts) and CSV. Screenshots: docs/screenshots/claims-1280px.png and claims-390px.png."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ViewportSize, expect
from tests.support.browser import chromium_path, fits_the_window, log_in, running_server

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.interop.x12.validate import x12_errors
from tvec.persistence.migrate import upgrade
from tvec.services.seeding import load_demo

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    chromium_path()
    where = tmp_path_factory.mktemp("web-claims")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx, patients_wanted=8)
        with running_server(url, where / "server.log") as served:
            yield served
    finally:
        ctx.engine.dispose()


def screenshot(page: object, name: str) -> None:
    from PIL import Image

    png = page.screenshot(full_page=True, animations="disabled")  # type: ignore[attr-defined]
    image = Image.open(io.BytesIO(png)).convert("RGB")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    image.quantize(256, Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        SCREENSHOTS / name, optimize=True
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_the_office_exports_the_chosen_visits_and_downloads_the_files(
    browser: Browser, base: str, viewport: ViewportSize
) -> None:
    opened: list[BrowserContext] = []
    try:
        page = log_in(browser, base, "billing", viewport, opened)
        page.goto("/billing")
        page.get_by_test_id("to-claims").click()
        expect(page.get_by_role("heading", name="Claims", exact=True)).to_be_visible()
        ready = page.get_by_test_id("claims-ready").locator("tbody tr")
        expect(ready.first).to_contain_text("J9325")
        expect(ready.first).to_contain_text("NDC 555130")
        expect(ready.first).to_contain_text("(Office)")
        fits_the_window(page, viewport)
        width = viewport["width"]
        screenshot(page, f"claims-{width}px.png")
        # export only the first two visits ready
        boxes = page.locator("input[name=visit]")
        count = boxes.count()
        assert count >= 3
        for i in range(2, count):
            boxes.nth(i).uncheck()
        page.get_by_test_id("export-claims").click()
        expect(page.get_by_test_id("claims-exported")).to_contain_text("2 claims")
        assert page.locator("input[name=visit]").count() == count - 2
        batches = page.get_by_test_id("claims-batches").locator("tbody tr")
        with page.expect_download() as got:
            batches.first.get_by_role("link", name="837P (X12)").click()
        x12 = Path(got.value.path()).read_text()
        assert x12_errors(x12) == []
        assert x12.count("CLM*") == 2
        with page.expect_download() as got:
            batches.first.get_by_role("link", name="CSV").click()
        assert Path(got.value.path()).read_text().startswith("Batch,Claim,Service date")
    finally:
        for context in opened:
            context.close()
