"""The record step names the thawed vial each dose was drawn from: the nurse picks it beside the
lot, or scans its carton (or types its serial) in a real browser, reviews, confirms, and the vial's
draw, dose and leftover discard are on its record. A vial the rules refuse, or a serial the centre
never received, is named in its lesion's row, and nothing is saved.

Screenshots: docs/screenshots/record-scan-refused-390.png, -1280.png, record-scan-review-1280.png.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, ViewportSize, expect
from tests.e2e.test_api_bedside_vials import HIGH, receive_and_thaw
from tests.support.browser import (
    DEMO_PASSWORD,
    OLDER_SIZES,
    chromium_path,
    demo_staff,
    make_due_patient,
    running_server,
)
from tests.support.clinic import NOW, client_for, close_app, login_form, make_app

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.domain.zones import wall_time_text
from tvec.persistence.migrate import upgrade
from tvec.services import second_check, shipments, vial_events, visits
from tvec.services.context import Context
from tvec.services.seeding import load_demo

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def form_of(page: str, visit: Any, vial: int, zone: str) -> dict[str, str]:
    first = visit.plan.injections[0].lesion_id
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    return {
        "csrf": CSRF.findall(page)[0],
        "version": str(visit.version),
        "idempotency_key": key.group(1) if key else "",
        "administered_at": wall_time_text(NOW, zone),
        f"volume-{first}": "0.5",
        f"lot-{first}": "BED-013",
        f"vial-{first}": str(vial),
        "leftover_reason": "unused",
    }


def test_the_nurse_names_the_vial_and_its_leftover_is_discarded(tmp_path: Path) -> None:
    app, ctx = make_app(f"sqlite:///{tmp_path / 'tvec.db'}")
    try:
        load_demo(ctx, patients_wanted=0)
        staff = demo_staff(ctx)
        found = receive_and_thaw(ctx)
        due = make_due_patient(ctx, staff, "VIAL-1")
        visit = visits.plan_next_visit(ctx, staff.nurse, due.course_id, stale_reason=OLDER_SIZES)
        client = client_for(app)
        data = {"username": "nurse", "password": "demo-nurse-pass"} | login_form(client)
        assert client.post("/login", data=data, follow_redirects=False).status_code == 303
        zone = second_check.centre_settings(ctx, staff.nurse).time_zone
        url = f"/chart/{due.patient_id}/visit/{visit.id}/record"
        page = client.get(url)
        assert "serial S0 · lot BED-013" in page.text  # the thawed 10^8 vials are offered
        assert "serial S9" not in page.text  # not the 10^6 one: another strength
        # a vial in stock (never thawed) is refused in its row; nothing is saved
        refused = client.post(
            url, data=form_of(page.text, visit, found["S2"], zone) | {"step": "review"}
        )
        assert refused.status_code == 422
        assert "only a thawed vial is given" in refused.text
        review = client.post(
            url, data=form_of(page.text, visit, found["S0"], zone) | {"step": "review"}
        )
        assert review.status_code == 200, review.text[:400]
        confirm = dict(
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', review.text)
        )
        done = client.post(url, data=confirm | {"step": "confirm"}, follow_redirects=False)
        assert done.status_code == 303, done.text[:400]
        used = vial_events.vial_detail(ctx, staff.nurse, found["S0"])
        assert [e.kind for e in used.events] == [
            "thawed",
            "drawn_into_syringe",
            "given",
            "discarded",
        ]
        assert used.status == "discarded"
    finally:
        close_app(app)


# ---- in a real browser: the carton scanned at the record step -----------------------------------

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
# the carton's DataMatrix as a keyboard-wedge scanner types it (symbology id, printed separator)
SCANNED_S0 = f"]d201{HIGH}1727060010BED-013<GS>21S0"


def _thawed_now(ctx: Context) -> dict[str, int]:
    """Two 10^8 PFU/mL vials received three hours ago, S0 thawed an hour ago (server's clock)."""
    staff = demo_staff(ctx)
    now = ctx.clock()
    earlier = dataclasses.replace(ctx, clock=lambda: now - timedelta(hours=3))
    scans = [f"01{HIGH}1727060010BED-013\x1d21S{n}" for n in range(2)]
    shipments.receive_shipment(earlier, staff.pharmacist, scans, now - timedelta(hours=10))
    found = {v.serial: v.id for v in shipments.list_vials(ctx, staff.pharmacist)}
    vial_events.record_event(
        ctx, staff.nurse, found["S0"], kind="thawed", at=now - timedelta(hours=1), version=1
    )
    return found


def _fill_first_row(page: Page, targets: list[str], serial: str) -> None:
    first = targets[0]
    for other in targets[1:]:
        page.locator(f"#volume-{other}").fill("")
    page.locator(f"#volume-{first}").fill("0.5")
    page.locator(f"#lot-{first}").select_option("BED-013")
    page.get_by_label("or scan its carton, or type its serial").first.fill(serial)


def test_the_nurse_scans_the_vials_carton_at_the_record_step(
    browser: Browser, tmp_path: Path
) -> None:
    chromium_path()
    url = f"sqlite:///{tmp_path / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx, patients_wanted=0)
        staff = demo_staff(ctx)
        found = _thawed_now(ctx)
        due = make_due_patient(ctx, staff, "SCAN-1")
        visit = visits.plan_next_visit(ctx, staff.nurse, due.course_id, stale_reason=OLDER_SIZES)
        targets = [i.lesion_id for i in visit.plan.injections]
        record_url = f"/chart/{due.patient_id}/visit/{visit.id}/record"
        with running_server(url, tmp_path / "server.log") as base:
            for viewport in (PHONE, DESKTOP):
                context = browser.new_context(base_url=base, viewport=viewport)
                context.set_default_timeout(10_000)
                page = context.new_page()
                page.goto("/login")
                page.get_by_label("Username").fill("nurse")
                page.get_by_label("Password").fill(DEMO_PASSWORD.format("nurse"))
                page.get_by_role("button", name="Log in").click()
                expect(page.get_by_test_id("username")).to_have_text("nurse")
                page.goto(record_url)
                # a serial the centre never received: named in the lesion's row, nothing saved
                _fill_first_row(page, targets, "S77")
                page.get_by_test_id("save-administration").click()
                error = page.locator(f"#err-serial-{targets[0]}")
                expect(error).to_contain_text("(serial S77) is no vial received at this centre")
                width = viewport["width"]
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                page.screenshot(
                    path=str(SCREENSHOTS / f"record-scan-refused-{width}.png"), full_page=True
                )
                if viewport is PHONE:
                    context.close()
                    continue
                # the carton scanned: the review names the vial, the confirm records it
                _fill_first_row(page, targets, SCANNED_S0)
                page.get_by_test_id("save-administration").click()
                expect(page.get_by_test_id(f"review-vial-{targets[0]}")).to_have_text("serial S0")
                page.screenshot(path=str(SCREENSHOTS / "record-scan-review-1280.png"))
                page.get_by_test_id("confirm-administration").click()
                expect(page).to_have_url(re.compile(r"/summary"))
                context.close()
        used = vial_events.vial_detail(ctx, staff.nurse, found["S0"])
        assert [e.kind for e in used.events] == [
            "thawed",
            "drawn_into_syringe",
            "given",
            "discarded",
        ]
        assert vial_events.vial_detail(ctx, staff.nurse, found["S1"]).status == "in_stock"
    finally:
        ctx.engine.dispose()
