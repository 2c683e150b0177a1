"""Support for the web tests: clinic state built through the services, a real server, Chromium.

- `prepare_clinic` migrates a database, loads the demo data and adds patients whose next visit
  is due today (built through the services, so the tests do not depend on demo randomness).
- `running_server` serves that database from a real uvicorn process on a free loopback port.
- `chromium_path` finds Debian's chromium (installing it in CI) and `CHROMIUM_ARGS` are the
  flags it needs on this machine. Playwright's own browser download is never used.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect
from sqlalchemy import func, select

from tests.factories import screening_answers
from tvec.domain.rules import Site
from tvec.persistence.db import Base
from tvec.schemas import clinic as s
from tvec.services import courses, lesions, patients, visits
from tvec.services.context import Actor, Context
from tvec.services.permissions import Role

# ---- clinic state --------------------------------------------------------------------------------

DEMO_PASSWORD = "demo-{}-pass"  # the demo users' passwords (tvec.services.seeding, in the README)

# name, site, longest cm, perpendicular cm. Bands (USPI §2.2 Table 2): 3.2 cm → 2 mL,
# 1.8 cm → 1 mL, 0.9 cm → 0.5 mL; the visceral lesion is never injected.
DUE_LESIONS: tuple[tuple[str, Site, str, str], ...] = (
    ("L1", Site.CUTANEOUS, "3.2", "2.0"),
    ("L2", Site.SUBCUTANEOUS, "1.8", "1.2"),
    ("L3", Site.NODAL, "0.9", "0.6"),
    ("V1", Site.VISCERAL, "3.0", "2.5"),
)
# The reason the tests give to plan from sizes not measured that day (tvec's rule asks for one;
# tests/e2e/test_web_measure_plan.py tests the rule itself). Ignored when every size is today's.
OLDER_SIZES = "test plans from the sizes on file"
FIRST_LOT = "DEMO6-A01"  # 10^6 PFU/mL, given at visit 1
SECOND_LOT = "DEMO8-B01"  # 10^8 PFU/mL, what visit 2 needs


@dataclass(frozen=True)
class Staff:
    nurse: Actor
    oncologist: Actor
    pharmacist: Actor
    admin: Actor


@dataclass(frozen=True)
class DuePatient:
    """A patient given visit 1 (10^6 PFU/mL) on the course's first day."""

    patient_id: int
    mrn: str
    course_id: int
    lesion_ids: dict[str, int]  # by lesion name
    first_visit_id: int


def demo_staff(ctx: Context) -> Staff:
    """The demo users as actors (read from the database; logs nobody in)."""
    with ctx.uow(readonly=True) as uow:
        found = {name: uow.users.by_username(name) for name in ("nurse", "oncologist")}
        found |= {name: uow.users.by_username(name) for name in ("pharmacist", "admin")}
        nurse = found["nurse"]
        zone = uow.centres.get(nurse.centre_id).time_zone if nurse else None
    actors = {}
    for name, user in found.items():
        assert user is not None, f"demo user {name} missing: load the demo data first"
        actors[name] = Actor(user.id, user.centre_id, Role(user.role), user.username, zone)
    return Staff(**actors)


def centre_today(ctx: Context) -> date:
    """Today in the demo centre's time zone: the day its pages call today."""
    return ctx.today(demo_staff(ctx).nurse)


def make_due_patient(
    ctx: Context, staff: Staff, mrn: str, days_since_first_dose: int = 21
) -> DuePatient:
    """Register, screen and measure a patient, start the course and give visit 1 that day.

    Visit 2 (the first at 10^8 PFU/mL, 21 days after the first dose) is not planned yet; with the
    default it is due today, with fewer days it is early.
    """
    start = ctx.today(staff.nurse) - timedelta(days=days_since_first_dose)
    patient = patients.register_patient(
        ctx,
        staff.nurse,
        s.PatientIn(
            mrn=mrn,
            given_name="Wrenna",
            family_name="Quillfeather",
            birth_date=date(1958, 3, 14),
            sex=s.Sex.FEMALE,
        ),
    )
    patients.record_diagnosis(
        ctx,
        staff.oncologist,
        patient.id,
        s.DiagnosisIn(
            stage=s.Stage.IIIC,
            recurrent_after_surgery=True,
            unresectable=True,
            diagnosed_on=start - timedelta(days=90),
            distant_sites=[],
        ),
    )
    patients.record_screening(
        ctx,
        staff.nurse,
        patient.id,
        s.ScreeningIn(
            screened_on=start - timedelta(days=3),
            answers=screening_answers(),
            answered_by="patient, confirmed by the nurse",
        ),
    )
    ids = {
        name: lesions.add_lesion(
            ctx,
            staff.nurse,
            patient.id,
            s.LesionIn(
                name=name,
                site=site,
                location=f"{site.value} site of {name}",
                first_seen=start - timedelta(days=10),
            ),
        ).id
        for name, site, _, _ in DUE_LESIONS
    }
    lesions.record_measurements(
        ctx,
        staff.nurse,
        patient.id,
        s.MeasurementsIn(
            measured_on=start,
            method=s.Method.CALIPER,
            items=[
                s.MeasurementItem(
                    lesion_id=ids[name], longest_cm=Decimal(a), perpendicular_cm=Decimal(b)
                )
                for name, _, a, b in DUE_LESIONS
            ],
        ),
    )
    course = courses.start_course(ctx, staff.oncologist, patient.id, s.CourseIn(start_date=start))
    # planned today from the sizes of the day of the first dose: tvec's rule asks why
    first = visits.plan_next_visit(ctx, staff.nurse, course.id, stale_reason=OLDER_SIZES)
    visits.record_administration(
        ctx,
        staff.nurse,
        first.id,
        s.AdministrationIn(
            version=first.version,
            administered_at=datetime.combine(start, datetime.min.time(), UTC).replace(hour=10),
            items=[
                s.AdministrationItem(target=i.lesion_id, volume_ml=i.volume_ml, vial_lot=FIRST_LOT)
                for i in first.plan.injections
            ],
        ),
    )
    return DuePatient(patient.id, mrn, course.id, ids, first.id)


def showcase_patient(ctx: Context, staff: Staff) -> int:
    """A demo responder for the chart screenshots: an open course, PR or CR, 5 to 10 doses (a
    readable page), and as many lesions as possible."""
    from tvec.services import chart

    candidates = []
    for p in patients.list_patients(ctx, staff.nurse, 500, 0)[0]:
        c = chart.chart(ctx, staff.nurse, p.id)
        if c.course is None or c.course.end_date is not None or c.response is None:
            continue
        if c.response.best_overall_response.value not in ("PR", "CR"):
            continue
        doses = sum(1 for line in c.visits if line.visit.status == "administered")
        candidates.append((not 5 <= doses <= 10, -len(c.lesions), doses, p.id))
    assert candidates, "the demo data has no responder on an open course"
    return min(candidates)[3]


def row_counts(ctx: Context) -> dict[str, int]:
    """Rows in every table: equal before and after means nothing was written."""
    with ctx.engine.connect() as connection:
        return {
            table.name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


# ---- a real server ------------------------------------------------------------------------------

STARTUP_S = 30
LAUNCHER = (
    "import sys, uvicorn\n"
    "from tvec.app import create_app\n"
    "from tvec.config import Settings\n"
    "app = create_app(Settings(database_url=sys.argv[1]))\n"
    "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[2]), log_level='warning')\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(url: str, log: Path) -> Iterator[str]:
    """A uvicorn process serving the database at `url` on a free loopback port; its base URL.

    The process is killed on the way out, whatever happened.
    """
    import httpx

    port = free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, url, str(port)],
            env=os.environ.copy(),
            cwd=log.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"server exited with {proc.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"server not healthy after {STARTUP_S} s:\n{log.read_text()}")
            time.sleep(0.1)
        yield base
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=STARTUP_S)


# ---- the browser --------------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
# Required on this machine (no sandbox for root, no GPU, no network chatter from the browser).
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Debian's chromium; installed with apt-get in CI (CI=true, root), else the tests skip."""
    found = _find_chromium()
    if found:
        return found
    if os.environ.get("CI") != "true":
        pytest.skip(
            f"chromium not found at {CHROMIUM} or on PATH: install Debian's chromium package "
            "(apt-get install chromium) to run the browser tests"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.fail(
                f"CI requires the browser tests, and `{' '.join(command)}` failed "
                f"({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}",
                pytrace=False,
            )
    found = _find_chromium()
    if not found:
        pytest.fail("chromium was installed but is not at /usr/bin/chromium", pytrace=False)
    return found


def _find_chromium() -> str | None:
    if CHROMIUM.exists():
        return str(CHROMIUM)
    return shutil.which("chromium")


TIMEOUT_MS = 10_000  # how long a browser test waits for a page to show what it expects


def log_in(
    browser: Browser, base: str, role: str, viewport: ViewportSize, opened: list[BrowserContext]
) -> Page:
    """A new browser window at `viewport`, logged in as the demo user `role` through the login
    page (its context is added to `opened`, for the test to close)."""
    context = browser.new_context(base_url=base, viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    opened.append(context)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Username").fill(role)
    page.get_by_label("Password").fill(DEMO_PASSWORD.format(role))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("username")).to_have_text(role)
    return page


def fits_the_window(page: Page, viewport: ViewportSize) -> None:
    """The page is no wider than the window (no horizontal scrolling of the page)."""
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= viewport["width"] + 1, f"the page is {width} px wide at {viewport['width']} px"
