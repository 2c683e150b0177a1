"""The pharmacy's demand forecast from the centre's own records, through the API, on SQLite and
PostgreSQL.

The demo centre (its patients, courses, visits given and pharmacy) is loaded through the
services. The test gathers the forecast's inputs itself, from the records and the schedule rules
(each open course's next visit and the label's intervals after it, the latest lesion sizes, the
vials planned and given at past visits, the vials in stock), and checks that the API's expected
vials per week and strength, and its order, are what the forecast functions give for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.support.browser import DEMO_PASSWORD, demo_staff
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    client_for,
    login,
    login_all,
    ok,
    running_app,
    seed_staff,
)

from tvec.analytics.forecast import ForecastVisit, HistoryVisit, forecast_demand
from tvec.analytics.forecast_order import StockLot, suggest_orders
from tvec.domain.dose_plan import PlanLesion, vials_for
from tvec.domain.rules import Site, VisitKind
from tvec.domain.schedule import Dose, VisitStatus, course_calendar
from tvec.knowledge import load_label
from tvec.schemas.holds import HoldIn
from tvec.services import holds
from tvec.services.context import Context
from tvec.services.courses import domain_course
from tvec.services.permissions import Role
from tvec.services.seeding import load_demo

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)


class Demo:
    def __init__(self, ctx: Context, client: TestClient) -> None:
        self.ctx, self.client = ctx, client
        self.pharmacist = login(client, "pharmacist", DEMO_PASSWORD.format("pharmacist"))
        self.nurse = login(client, "nurse", DEMO_PASSWORD.format("nurse"))
        self.other = login_all(client, seed_staff(ctx, "Other centre", "o-"))[Role.PHARMACIST]

    def get(self, path: str, who: Any = None) -> Any:
        return self.client.get(path, headers=who or self.pharmacist)


@pytest.fixture
def demo(database_url: str) -> Iterator[Demo]:
    with running_app(database_url) as (app, ctx):
        load_demo(ctx, patients_wanted=8)
        yield Demo(ctx, client_for(app))


def gather(ctx: Context, today: date, end: date) -> tuple[list[ForecastVisit], list[HistoryVisit]]:
    """The visits due before `end` and the history, read from the records independently."""
    label = load_label("us")
    calendar, history = [], []
    with ctx.uow(readonly=True) as uow:
        centre = uow.users.by_username("pharmacist")
        assert centre is not None
        patients = uow.patients.in_centre(centre.centre_id)
        courses = uow.courses.for_patients([p.id for p in patients])
        for course in courses:
            visits = uow.visits.for_course(course.id)
            given = [v for v in visits if v.status == "administered"]
            for visit in given:
                doses = uow.administrations.for_visit(visit.id)
                strength = label.strength(visit.plan.concentration_pfu_per_ml)
                total = sum((d.volume_ml for d in doses), Decimal(0))
                named = {d.vial_id for d in doses}
                used = (
                    len(named)
                    if None not in named
                    else vials_for(total, strength.vial_volume_ml)[0]
                )
                assert visit.administered_on is not None
                history.append(
                    HistoryVisit(
                        str(course.patient_id),
                        visit.administered_on,
                        strength.pfu_per_ml,
                        visit.plan.vials,
                        used,
                    )
                )
            held = any(
                h.starts_on <= today and (h.ends_on is None or today <= h.ends_on)
                for h in uow.course_holds.for_course(course.id)
                if h.released_at is None
            )
            if course.end_date is not None or held:
                continue
            schedule = domain_course(label, course, visits)
            planned = [v for v in visits if v.status == "planned"]
            if planned:
                first = (planned[0].kind, planned[0].earliest_date, planned[0].number)
            else:
                nxt = next(
                    v for v in course_calendar(label, schedule) if v.status is VisitStatus.NEXT
                )
                first = (nxt.kind, nxt.date, nxt.number)
            kind, day = VisitKind(first[0]), max(first[1], today)
            projected = replace(schedule, doses=(*schedule.doses, Dose(first[2], day, kind)))
            days = [(kind, day)] + [
                (v.kind, v.date)
                for v in course_calendar(label, projected)
                if v.status is not VisitStatus.GIVEN
            ]
            previous = schedule.doses[-1].day if schedule.doses else None
            lesions = tuple(
                PlanLesion(
                    lesion_id=lesion.name,
                    longest_cm=m.longest_cm,
                    perpendicular_cm=m.perpendicular_cm,
                    site=Site(lesion.site),
                    new=previous is not None and lesion.first_seen > previous,
                    injectable=lesion.injectable,
                    cluster=lesion.cluster,
                )
                for lesion, m in uow.lesions.active_with_latest_measurement(course.patient_id)
                if m is not None and m.longest_cm > 0
            )
            calendar += [
                ForecastVisit(str(course.patient_id), d, k, lesions) for k, d in days if d < end
            ]
    return calendar, history


@pytest.mark.parametrize(("weeks", "lead"), [(4, 10), (2, 0)])
def test_the_forecast_is_the_analytics_of_the_centres_records(
    demo: Demo, weeks: int, lead: int
) -> None:
    body = ok(demo.get(f"/pharmacy/forecast?weeks={weeks}&lead_time_days={lead}"))
    today = date.fromisoformat(body["as_of"])
    end = today + timedelta(days=7 * weeks)
    assert (body["weeks"], body["lead_time_days"], body["end"]) == (
        weeks,
        lead,
        (end - timedelta(days=1)).isoformat(),
    )
    calendar, history = gather(demo.ctx, today, end)
    assert calendar  # the demo has courses under way
    assert len(history) > 5
    stock = [
        StockLot(
            line["lot"], s["pfu_per_ml"], line["in_stock"], date.fromisoformat(line["expiry_date"])
        )
        for s in ok(demo.get("/pharmacy/stock"))["strengths"]
        for line in s["lots"]
        if line["in_stock"]
    ]
    label = load_label("us")
    expected = forecast_demand(label, calendar, history, today, weeks)
    orders = suggest_orders(expected, stock, lead)
    assert body["visits"] == len(expected.visits)
    got = {(d["week"], d["pfu_per_ml"]): d for d in body["demand"] + body["totals"]}
    assert set(got) == {(d.week, d.pfu_per_ml) for d in expected.demand + expected.totals}
    for d in expected.demand + expected.totals:
        row = got[(d.week, d.pfu_per_ml)]
        assert row["expected"] == pytest.approx(d.expected)
        assert row["planned"] == d.planned
        assert [(b["low"], b["high"]) for b in row["intervals"]] == [
            (b.low, b.high) for b in d.intervals
        ]
    assert [
        (o["pfu_per_ml"], o["order_vials"], o["usable"], o["need"]) for o in body["orders"]
    ] == [(o.pfu_per_ml, o.order_vials, o.usable, o.need) for o in orders]
    assert body["orders"][0]["arrives"] == (today + timedelta(days=lead)).isoformat()
    assert "tvec's own" in body["rules"]
    assert "USPI" in " ".join(body["sources"])


def test_the_lead_time_defaults_to_the_setting_and_other_centres_see_none_of_it(
    demo: Demo,
) -> None:
    body = ok(demo.get("/pharmacy/forecast"))
    assert (body["weeks"], body["lead_time_days"]) == (4, demo.ctx.settings.order_lead_time_days)
    theirs = ok(demo.get("/pharmacy/forecast", who=demo.other))
    assert theirs["visits"] == 0
    assert all(d["expected"] == 0 for d in theirs["totals"])
    assert all(o["in_stock"] == 0 for o in theirs["orders"])
    assert body["visits"] > 0


@pytest.mark.parametrize(
    ("query", "field", "detail"),
    [
        ("weeks=0", "weeks", "Weeks must be a whole number from 1 to 52 (got 0)"),
        ("weeks=53", "weeks", "from 1 to 52"),
        ("lead_time_days=-1", "lead_time_days", "Lead time must be a whole number of days"),
        ("lead_time_days=366", "lead_time_days", "from 0 to 365"),
        ("weeks=four", "query.weeks", ""),
        ("lead_time_days=1.5", "query.lead_time_days", ""),
    ],
)
def test_bad_weeks_or_lead_time_is_refused_naming_the_field(
    demo: Demo, query: str, field: str, detail: str
) -> None:
    refused = demo.get(f"/pharmacy/forecast?{query}")
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == field
    assert detail in refused.json()["detail"]


def test_only_pharmacists_see_the_forecast(demo: Demo) -> None:
    assert demo.get("/pharmacy/forecast", who=demo.nurse).status_code == 403


def test_a_course_on_hold_is_left_out(demo: Demo) -> None:
    before = ok(demo.get("/pharmacy/forecast?weeks=4"))
    today = date.fromisoformat(before["as_of"])
    calendar, _history = gather(demo.ctx, today, today + timedelta(days=28))
    patient = calendar[0].patient
    with demo.ctx.uow(readonly=True) as uow:
        courses = uow.courses.for_patients([int(patient)])
    course = next(c for c in courses if c.end_date is None)
    reason = HoldIn(reason="Wound infection at the injection site")
    holds.place_hold(demo.ctx, demo_staff(demo.ctx).oncologist, course.id, reason)
    after = ok(demo.get("/pharmacy/forecast?weeks=4"))
    assert after["visits"] == before["visits"] - sum(v.patient == patient for v in calendar)
    assert after["visits"] == len(gather(demo.ctx, today, today + timedelta(days=28))[0])
