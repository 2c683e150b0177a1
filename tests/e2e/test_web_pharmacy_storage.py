"""The pharmacy's storage pages in a real browser (Debian's chromium, headless, Playwright), at
1280 and 390 px.

The demo centre has a freezer with vials in it and a day of its logger's readings, one stretch of
them out of band: the storage page lists it with its band and last reading and the excursion in
red; a silent fridge shows "No data". On the freezer's page the pharmacist sees the chart (the
band and the excursion shaded), acknowledges the excursion, releases one quarantined vial with a
reason and discards the other; the excursion then leaves the list. A logger file in the wrong
format is refused naming its row, and nothing is imported. Nurses cannot open the pages.

Screenshots: docs/screenshots/pharmacy-storage-1280.png and -390.png (the storage page),
pharmacy-excursion-1280.png (the freezer's page with its excursion).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from tests.support.browser import (
    chromium_path,
    demo_staff,
    fits_the_window,
    log_in,
    row_counts,
    running_server,
)

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.domain.zones import wall_time_text
from tvec.persistence.migrate import upgrade
from tvec.services import cold_chain, readings_import, second_check, shipments
from tvec.services.context import Context
from tvec.services.seeding import load_demo

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Clinic:
    base: str
    ctx: Context
    freezer: int
    fridge: int


def scans(prefix: str, count: int) -> list[str]:
    expiry = f"{(datetime.now(UTC) + timedelta(days=200)):%y%m}00"
    return [f"0100355513079013{'17'}{expiry}10{prefix}-F8\x1d21{prefix}{i}" for i in range(count)]


def day_of_readings(breach_at: int) -> list[tuple[datetime, float]]:
    """A day of ten-minute readings up to now, out of band for 40 minutes `breach_at` readings
    in."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    start = now - timedelta(minutes=10 * 143)
    out = range(breach_at, breach_at + 4)
    return [
        (start + timedelta(minutes=10 * i), -62.5 if i in out else -80.0 + (i % 5) * 0.3)
        for i in range(144)
    ]


def receive_early(ctx: Context, prefix: str, location_id: int) -> None:
    """Receive two vials into the location a day and a half ago (before its readings)."""
    earlier = datetime.now(UTC) - timedelta(hours=36)
    then = replace(ctx, clock=lambda: earlier)
    sealed = earlier - timedelta(hours=30)
    shipments.receive_shipment(
        then, demo_staff(ctx).pharmacist, scans(prefix, 2), sealed, location_id
    )


def make_storage(ctx: Context) -> tuple[int, int]:
    pharmacist = demo_staff(ctx).pharmacist
    freezer = cold_chain.add_location(ctx, pharmacist, "Freezer A", "freezer").id
    fridge = cold_chain.add_location(ctx, pharmacist, "Thaw fridge", "fridge").id
    receive_early(ctx, "WA", freezer)
    return freezer, fridge


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    chromium_path()  # skip (or install, in CI) before building anything
    where = tmp_path_factory.mktemp("web-storage")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx, patients_wanted=0)
        freezer, fridge = make_storage(ctx)
        with running_server(url, where / "server.log") as base:
            yield Clinic(base, ctx, freezer, fridge)
    finally:
        ctx.engine.dispose()


@pytest.fixture
def open_page(browser: Browser, clinic: Clinic) -> Iterator[Any]:
    contexts = []

    def make(role: str, viewport: ViewportSize) -> Page:
        return log_in(browser, clinic.base, role, viewport, contexts)

    yield make
    for context in contexts:
        context.close()


def test_the_storage_page_shows_bands_last_readings_no_data_and_open_excursions(
    open_page: Any, clinic: Clinic
) -> None:
    pharmacist = demo_staff(clinic.ctx).pharmacist
    readings_import.import_readings(clinic.ctx, pharmacist, clinic.freezer, day_of_readings(60))
    for viewport in (DESKTOP, PHONE):
        page = open_page("pharmacist", viewport)
        page.goto("/")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Storage").click()
        expect(page.get_by_role("heading", name="Storage", exact=True)).to_be_visible()
        freezer = page.get_by_test_id(f"location-{clinic.freezer}")
        expect(freezer).to_contain_text("-90.0 to -70.0 °C")
        expect(freezer).to_contain_text("1 to deal with")
        expect(page.get_by_test_id(f"location-{clinic.fridge}")).to_contain_text("No data")
        expect(page.get_by_test_id("open-excursions")).to_contain_text("Freezer A")
        expect(page.get_by_test_id("open-excursions")).to_contain_text("not yet acknowledged")
        fits_the_window(page, viewport)
        page.screenshot(
            path=str(SCREENSHOTS / f"pharmacy-storage-{viewport['width']}.png"),
            full_page=True,
            animations="disabled",
        )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_pharmacist_acknowledges_releases_and_discards(
    open_page: Any, clinic: Clinic, viewport: ViewportSize
) -> None:
    ctx, pharmacist = clinic.ctx, demo_staff(clinic.ctx).pharmacist
    location = cold_chain.add_location(ctx, pharmacist, f"Freezer {viewport['width']}", "freezer")
    receive_early(ctx, f"P{viewport['width']}", location.id)
    readings_import.import_readings(ctx, pharmacist, location.id, day_of_readings(100))
    page = open_page("pharmacist", viewport)
    page.goto(f"/storage/{location.id}")
    expect(page.get_by_test_id("band")).to_contain_text("-90.0 to -70.0 °C")
    expect(page.get_by_test_id("chart").locator("svg")).to_be_visible()
    excursion = page.get_by_test_id("excursion")
    expect(excursion).to_contain_text("-62.5 to -62.5 °C")
    expect(excursion).to_contain_text("2 vials quarantined")
    expect(page.get_by_test_id("quarantined-vial")).to_have_count(2)
    fits_the_window(page, viewport)
    if viewport is DESKTOP:
        page.screenshot(
            path=str(SCREENSHOTS / "pharmacy-excursion-1280.png"),
            full_page=True,
            animations="disabled",
        )
    excursion.get_by_label("Note (optional)").fill("Logger and door checked")
    excursion.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status")).to_contain_text("acknowledgement is recorded")
    expect(page.get_by_test_id("excursion")).to_contain_text("Acknowledged by pharmacist")
    first = page.get_by_test_id("quarantined-vial").first
    first.get_by_label("Reason to release it").fill("Manufacturer confirmed stability")
    first.get_by_role("button", name="Release into stock").click()
    expect(page.get_by_role("status")).to_contain_text("released back into stock")
    page.get_by_test_id("quarantined-vial").first.get_by_role(
        "button", name="Discard (excursion)"
    ).click()
    expect(page.get_by_role("status")).to_contain_text("discarded")
    expect(page.get_by_test_id("quarantined-vial")).to_have_count(0)
    assert all(
        x.location_id != location.id
        for x in cold_chain.list_excursions(ctx, pharmacist, attention_only=True)
    )
    fits_the_window(page, viewport)


def test_a_logger_file_in_the_wrong_format_is_refused_by_its_row(
    open_page: Any, clinic: Clinic, tmp_path: Path
) -> None:
    page = open_page("pharmacist", DESKTOP)
    page.goto(f"/storage/{clinic.fridge}")
    bad = tmp_path / "fridge.csv"
    bad.write_text(
        "Timestamp,Temperature (°C)\n2026-01-05T08:00:00+01:00,4.1\n2026-01-05T08:10:00,4.2\n"
    )
    before = row_counts(clinic.ctx)
    page.get_by_label("Data logger CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#err-file")).to_contain_text("fridge.csv, row 3")
    expect(page.locator("#err-file")).to_contain_text("no UTC offset")
    assert row_counts(clinic.ctx) == before


def test_a_nurse_cannot_open_the_storage_pages(open_page: Any, clinic: Clinic) -> None:
    page = open_page("nurse", DESKTOP)
    for path in ("/storage", f"/storage/{clinic.freezer}"):
        response = page.goto(path)
        assert response is not None
        assert response.status == 403


def test_vials_received_on_the_receive_page_go_into_the_chosen_freezer(
    open_page: Any, clinic: Clinic
) -> None:
    page = open_page("pharmacist", DESKTOP)
    page.goto("/vials/receive")
    page.get_by_label("Carton barcodes, one per line").fill(
        "\n".join(s.replace("\x1d", "<GS>") for s in scans("RX", 2))
    )
    zone = second_check.centre_settings(clinic.ctx, demo_staff(clinic.ctx).pharmacist).time_zone
    sealed = wall_time_text(datetime.now(UTC) - timedelta(hours=5), zone)
    page.get_by_label("Container sealed at").fill(sealed)
    page.get_by_label("Put the vials in").select_option(label="Freezer A")
    page.get_by_role("button", name="Review cartons").click()
    page.get_by_role("button", name="Receive 2 vials").click()
    expect(page.get_by_test_id("received")).to_contain_text("Shipment received: 2 vials")
    received = [
        v
        for v in shipments.list_vials(clinic.ctx, demo_staff(clinic.ctx).pharmacist)
        if v.serial.startswith("RX")
    ]
    assert [v.location_id for v in received] == [clinic.freezer, clinic.freezer]
