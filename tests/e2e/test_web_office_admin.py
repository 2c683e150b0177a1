"""The billing office page, the admin's audit log viewer and account controls, and the offline
API docs, in headless Chromium at 1280 px and 390 px.

One uvicorn process serves the demo clinic (built through the services) for the whole file. Each
test asserts what the user sees; the billing page's CSV download is compared with the page's
table, the account buttons are checked by what the affected user can then do, and /docs is opened
with every request to another host aborted. Screenshots: docs/screenshots/office-*.png and
admin-*.png.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from tests.support.browser import DEMO_PASSWORD, centre_today, chromium_path, running_server

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.persistence.migrate import upgrade
from tvec.schemas.clinic import UserIn
from tvec.services import auth
from tvec.services.context import Actor, Context
from tvec.services.permissions import Role
from tvec.services.seeding import load_demo
from tvec.web.billing import COLUMNS, csv_safe

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
VIEWPORTS = [DESKTOP, PHONE]
IDS = ["1280px", "390px"]
TIMEOUT_MS = 10_000
STAFF_PASSWORD = "a-Ward-3-nurse-pass"  # the extra user the account tests act on


@dataclass(frozen=True)
class Clinic:
    base: str
    ctx: Context
    admin: Actor


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    chromium_path()  # skip (or install, in CI) before building anything
    where = tmp_path_factory.mktemp("web-office-admin")
    url = f"sqlite:///{where / 'tvec.db'}"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx)
        user = auth.verify_password(ctx, "admin", DEMO_PASSWORD.format("admin"))
        admin = Actor(user.id, user.centre_id, Role.ADMIN, "admin")
        for name in ("ward3", "ward4"):
            auth.create_user(
                ctx,
                admin,
                UserIn(
                    username=name,
                    full_name=f"Nurse {name}",
                    role=Role.NURSE,
                    password=STAFF_PASSWORD,
                ),
            )
        with running_server(url, where / "server.log") as base:
            yield Clinic(base, ctx, admin)
    finally:
        ctx.engine.dispose()


@pytest.fixture
def open_page(browser: Browser, clinic: Clinic) -> Iterator[Any]:
    """`open_page(username, viewport)`: a fresh browser context, logged in; no script or style
    blocked by the Content-Security-Policy, whatever the test did."""
    contexts = []
    blocked: list[str] = []

    def make(
        username: str | None = None, viewport: ViewportSize = DESKTOP, password: str = ""
    ) -> Page:
        context = browser.new_context(
            base_url=clinic.base, viewport=viewport, accept_downloads=True
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
        )
        if username is not None:
            log_in(page, username, password or DEMO_PASSWORD.format(username))
        return page

    yield make
    for context in contexts:
        context.close()
    assert blocked == []


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    """A PNG in 256 colours for docs/screenshots/ (a third of the size, same look)."""
    from PIL import Image  # Pillow comes with matplotlib

    png = page.screenshot(full_page=full_page, animations="disabled")
    image = Image.open(io.BytesIO(png)).convert("RGB")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    image.quantize(256, Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        SCREENSHOTS / name, optimize=True
    )


def table_rows(page: Page, testid: str) -> list[list[str]]:
    rows = page.get_by_test_id(testid).locator("tbody tr")
    return [[c.strip() for c in row.locator("td").all_inner_texts()] for row in rows.all()]


def fits(page: Page, viewport: ViewportSize) -> None:
    """The page itself never scrolls sideways (wide tables scroll inside their wrapper)."""
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url}: {width} px wide at {viewport['width']} px"


def width_name(viewport: ViewportSize) -> str:
    return str(viewport["width"])


# ---- billing -------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_the_billing_office_filters_totals_and_pages_newest_first(
    clinic: Clinic, open_page: Any, viewport: ViewportSize
) -> None:
    page = open_page("billing", viewport)
    page.goto("/billing")
    expect(page.get_by_role("heading", name="Billing lines", exact=True)).to_be_visible()
    today = centre_today(clinic.ctx)
    page.get_by_label("From", exact=True).fill((today - timedelta(days=365)).isoformat())
    page.get_by_label("To", exact=True).fill(today.isoformat())
    page.get_by_role("button", name="Show lines").click()
    rows = table_rows(page, "billing-lines")
    days = [row[0] for row in rows]
    assert days
    assert days == sorted(days, reverse=True)
    count = page.get_by_test_id("billing-count").inner_text()
    total = int(re.search(r"of (\d+)", count).group(1))  # type: ignore[union-attr]
    assert total > len(rows) == 25  # paged

    # totals: per month, code and modifier, over every line of the filter
    totals = table_rows(page, "billing-totals")
    assert sum(int(t[4]) for t in totals) == total
    assert {t[2] for t in totals} <= {"JW", "JZ", "none"}
    months = [t[0] for t in totals]
    assert months == sorted(months, reverse=True)
    fits(page, viewport)
    screenshot(page, f"office-billing-{width_name(viewport)}.png")

    # the next page goes on, older
    page.get_by_role("link", name="Older lines").click()
    older = table_rows(page, "billing-lines")
    assert older
    assert older[0][0] <= days[-1]
    expect(page.get_by_role("link", name="Newer lines")).to_be_visible()

    # only the discarded (JW) lines
    page.get_by_label("Line", exact=True).select_option("discarded")
    page.get_by_role("button", name="Show lines").click()
    assert {row[6] for row in table_rows(page, "billing-lines")} <= {"discarded"}
    assert {row[5] for row in table_rows(page, "billing-lines")} <= {"JW"}


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_a_patient_is_found_by_mrn_and_the_csv_holds_what_is_shown(
    clinic: Clinic, open_page: Any, viewport: ViewportSize
) -> None:
    page = open_page("billing", viewport)
    page.goto(f"/billing?since={(centre_today(clinic.ctx) - timedelta(days=365)).isoformat()}")
    mrns = [row[2] for row in table_rows(page, "billing-lines")]
    mrn = max(mrns, key=mrns.count)  # the patient with the most lines on the first page
    page.get_by_label("Patient: name, MRN or date of birth").fill(mrn)
    page.get_by_role("button", name="Find patient").click()
    expect(page.get_by_test_id("billing-patient")).to_contain_text(f"MRN {mrn}")
    assert mrn not in page.url
    assert "patient_id=" in page.url
    shown = table_rows(page, "billing-lines")
    assert shown
    assert {row[2] for row in shown} == {mrn}
    fits(page, viewport)
    screenshot(page, f"office-billing-patient-{width_name(viewport)}.png")

    with page.expect_download() as info:
        page.get_by_test_id("billing-csv").click()
    download = info.value
    assert download.suggested_filename.startswith("billing-")
    with open(download.path(), newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    assert table[0] == COLUMNS
    assert table[1:] == [[csv_safe(c) for c in row] for row in shown]

    # a name search with several matches offers a choice; none says so, naming the field
    page.get_by_label("Patient: name, MRN or date of birth").fill("zzz-nobody-zzz")
    page.get_by_role("button", name="Find patient").click()
    expect(page.locator("#err-patient")).to_contain_text("Patient")
    assert "zzz" not in page.url


def test_a_bad_billing_filter_names_the_field_and_the_csv_defuses_formulas(
    clinic: Clinic, open_page: Any
) -> None:
    page = open_page("billing")
    answer = page.goto("/billing?since=2026-05-02&until=2026-05-01")
    assert answer is not None
    assert answer.status == 422
    expect(page.locator("#err-until")).to_contain_text("To must not be before the From date")
    page.goto("/billing?since=2026-02-30")
    expect(page.locator("#err-since")).to_contain_text("From: enter a date")
    for cell in ("=HYPERLINK()", "+1", "-1", "@SUM(A1)"):
        assert csv_safe(cell) == "'" + cell
    assert csv_safe("J9325") == "J9325"


# ---- the audit log viewer ------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_the_admin_reads_the_audit_log_filtered_and_paged(
    clinic: Clinic, open_page: Any, viewport: ViewportSize
) -> None:
    page = open_page("admin", viewport)
    page.goto("/admin")
    page.get_by_test_id("audit-link").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    first = table_rows(page, "audit-table")
    numbers = [int(row[0]) for row in first]
    assert len(first) == 25
    assert numbers == sorted(numbers, reverse=True)
    page.get_by_role("link", name="Older entries").click()
    older = [int(row[0]) for row in table_rows(page, "audit-table")]
    assert older[0] < numbers[-1]

    # by user: every entry is theirs
    page.get_by_label("User").select_option(label="nurse")
    page.get_by_role("button", name="Show entries").click()
    assert {row[2] for row in table_rows(page, "audit-table")} == {"nurse"}
    # clinical records: who, when, what, never the values (those are for clinical staff)
    assert "values shown to clinical staff only" in page.get_by_test_id("audit-table").inner_text()

    # by record: one user's account, before → after readable
    page.goto("/admin/audit")
    page.get_by_label("Record kind").select_option("user")
    page.get_by_role("button", name="Show entries").click()
    rows = table_rows(page, "audit-table")
    assert rows
    assert all(row[4].startswith("user ") for row in rows)
    assert any("Username:" in row[5] for row in rows)
    assert not any("hash" in row[5].lower() for row in rows)  # secrets never in the log
    record = rows[0][4].split()[1]
    page.get_by_label("Record number").fill(record)
    page.get_by_role("button", name="Show entries").click()
    assert {row[4].split(" (")[0] for row in table_rows(page, "audit-table")} == {f"user {record}"}

    # by date: today only; a date range the wrong way round names the field
    today = centre_today(clinic.ctx).isoformat()
    page.goto(f"/admin/audit?since={today}&until={today}")
    assert {row[1][:10] for row in table_rows(page, "audit-table")} <= {today}
    page.goto("/admin/audit?since=2026-05-02&until=2026-05-01")
    expect(page.locator("#err-until")).to_contain_text("To must not be before")
    page.goto("/admin/audit")
    fits(page, viewport)
    screenshot(page, f"admin-audit-{width_name(viewport)}.png")


# ---- account controls ----------------------------------------------------------------------------


def account_button(page: Page, username: str, name: str) -> None:
    page.goto("/admin")
    page.get_by_test_id(f"account-{username}").get_by_role("button", name=name).click()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_the_admin_disables_enables_and_ends_sessions_with_a_confirm_step(
    clinic: Clinic, open_page: Any, viewport: ViewportSize
) -> None:
    admin = open_page("admin", viewport)
    ward = open_page("ward3", viewport, STAFF_PASSWORD)
    expect(ward.get_by_test_id("username")).to_have_text("ward3")

    account_button(admin, "ward3", "End sessions…")
    expect(admin.get_by_role("heading", name="End every session of ward3?")).to_be_visible()
    admin.get_by_role("link", name="Cancel").click()  # cancelling changes nothing
    ward.goto("/")
    expect(ward.get_by_test_id("username")).to_have_text("ward3")
    account_button(admin, "ward3", "End sessions…")
    admin.get_by_test_id("confirm-button").click()
    expect(admin.get_by_test_id("notice")).to_contain_text("Every session of ward3 has ended")
    ward.goto("/")
    assert "/login" in ward.url

    account_button(admin, "ward3", "Disable…")
    fits(admin, viewport)
    screenshot(admin, f"admin-confirm-{width_name(viewport)}.png")
    admin.get_by_test_id("confirm-button").click()
    expect(admin.get_by_test_id("status-ward3")).to_have_text("disabled")
    log_in(ward, "ward3", STAFF_PASSWORD)
    assert "/login" in ward.url  # refused

    account_button(admin, "ward3", "Enable…")
    admin.get_by_test_id("confirm-button").click()
    expect(admin.get_by_test_id("status-ward3")).to_have_text("active")
    log_in(ward, "ward3", STAFF_PASSWORD)
    expect(ward.get_by_test_id("username")).to_have_text("ward3")
    fits(admin, viewport)
    screenshot(admin, f"admin-users-{width_name(viewport)}.png")


def test_a_password_reset_shows_the_temporary_password_once(clinic: Clinic, open_page: Any) -> None:
    admin = open_page("admin")
    account_button(admin, "ward4", "Reset password…")
    expect(admin.get_by_role("heading", name="Reset the password of ward4?")).to_be_visible()
    admin.get_by_test_id("confirm-button").click()
    temporary = admin.get_by_test_id("temporary-password-value").inner_text().strip()
    assert len(temporary) >= 12
    assert temporary not in admin.url
    screenshot(admin, "admin-temporary-password.png")
    admin.reload()  # the form sent again: refused, the password shown stays the one that works
    expect(admin.get_by_test_id("form-error")).to_contain_text("nothing was changed")
    expect(admin.get_by_test_id("temporary-password")).to_have_count(0)
    admin.goto("/admin")  # not shown again
    expect(admin.get_by_test_id("temporary-password")).to_have_count(0)
    expect(admin.get_by_test_id("status-ward4")).to_have_text("active, must change the password")

    ward = open_page()
    log_in(ward, "ward4", STAFF_PASSWORD)
    assert "/login" in ward.url  # the old password no longer works
    log_in(ward, "ward4", temporary)
    expect(ward).to_have_url(re.compile(r"/account/password$"))


# ---- /docs without internet ----------------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_the_api_docs_render_with_every_other_host_blocked(
    clinic: Clinic, open_page: Any, viewport: ViewportSize
) -> None:
    page = open_page(None, viewport)
    outside: list[str] = []

    def only_tvec(route: Any) -> None:
        if route.request.url.startswith(clinic.base):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_tvec)
    page.goto("/docs")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() > 20
    expect(page.locator(".opblock-summary-path", has_text="/billing/lines")).to_have_count(1)
    assert outside == []
    screenshot(page, f"office-api-docs-{width_name(viewport)}.png", full_page=False)
