"""`GET /billing/lines` filters as the billing office page does (tvec.services.billing_office):
date range, patient, kind of line; newest first; paged; a bad filter is refused with 422 naming
the field. On SQLite and PostgreSQL, on the demo clinic (built through the services)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from tests.support.clinic import TESTCLIENT_WARNING, TODAY, client_for, login, running_app

from tvec.services import billing_office as bo
from tvec.services.context import Actor
from tvec.services.permissions import Role
from tvec.services.seeding import load_demo

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

WIDE = {"since": (TODAY - timedelta(days=400)).isoformat(), "until": TODAY.isoformat()}


@pytest.fixture
def office(database_url: str) -> Iterator[tuple[Any, dict[str, str], Any]]:
    with running_app(database_url) as (app, ctx):
        load_demo(ctx, patients_wanted=6)
        client = client_for(app)
        yield client, login(client, "billing", "demo-billing-pass"), ctx


def lines(client: Any, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    answer = client.get("/billing/lines", headers=headers, params={**WIDE, "limit": 200, **params})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def key(line: dict[str, Any]) -> tuple[Any, ...]:
    return (line["visit_id"], line["hcpcs"], line["units"], line["modifier"], line["what"])


def test_lines_come_newest_first_and_page_through(office: Any) -> None:
    client, headers, _ctx = office
    every = lines(client, headers)
    assert every["total"] == len(every["items"]) > 4
    days = [line["service_date"] for line in every["items"]]
    assert days == sorted(days, reverse=True)
    page = lines(client, headers, limit=2, offset=2)
    assert page["total"] == every["total"]
    assert [key(x) for x in page["items"]] == [key(x) for x in every["items"][2:4]]


def test_the_date_range_includes_both_days(office: Any) -> None:
    client, headers, _ctx = office
    every = lines(client, headers)["items"]
    day = every[len(every) // 2]["service_date"]
    one_day = lines(client, headers, since=day, until=day)
    assert one_day["total"] == sum(1 for x in every if x["service_date"] == day) >= 1
    assert {x["service_date"] for x in one_day["items"]} == {day}


def test_a_patient_and_a_kind_of_line_filter_the_same_lines(office: Any) -> None:
    client, headers, _ctx = office
    every = lines(client, headers)["items"]
    patient = every[0]["patient_id"]
    theirs = lines(client, headers, patient_id=patient)["items"]
    assert [key(x) for x in theirs] == [key(x) for x in every if x["patient_id"] == patient]
    for kind in bo.LINE_KINDS:
        chosen = lines(client, headers, status=kind)["items"]
        assert [key(x) for x in chosen] == [key(x) for x in every if x["what"] == kind]
        if kind == "discarded":
            assert {x["modifier"] for x in chosen} <= {"JW"}
    both = lines(client, headers, patient_id=patient, status="administered")["items"]
    expected = [x for x in every if x["patient_id"] == patient and x["what"] == "administered"]
    assert [key(x) for x in both] == [key(x) for x in expected]
    assert lines(client, headers, patient_id=999_999)["total"] == 0  # none of this centre


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-05-02", "until": "2026-05-01"}, "until"),
        ({"since": "2026-02-30"}, "since"),
        ({"status": "written-off"}, "status"),
        ({"patient_id": "0"}, "patient_id"),
    ],
)
def test_a_bad_filter_is_refused_naming_the_field(
    office: Any, params: dict[str, str], field: str
) -> None:
    client, headers, _ctx = office
    answer = client.get("/billing/lines", headers=headers, params={**WIDE, **params})
    assert answer.status_code == 422, answer.text
    assert field in answer.text


def test_other_roles_may_not_read_billing_lines(office: Any) -> None:
    client, _headers, _ctx = office
    nurse = login(client, "nurse", "demo-nurse-pass")
    assert client.get("/billing/lines", headers=nurse, params=WIDE).status_code == 403


def test_month_totals_add_up_the_lines_of_the_filter(office: Any) -> None:
    _client, _headers, ctx = office
    from tvec.services import auth

    user = auth.verify_password(ctx, "billing", "demo-billing-pass")
    actor = Actor(user.id, user.centre_id, Role.BILLING, "billing")
    wanted = bo.BillingFilter(TODAY - timedelta(days=400), TODAY)
    report = bo.billing_report(ctx, actor, wanted, 3, 0)
    every = bo.filtered_lines(ctx, actor, wanted)
    assert len(report.lines) == 3
    assert report.total == len(every)
    assert sum(t.lines for t in report.totals) == len(every)
    for total in report.totals:
        month = [
            o.line
            for o in every
            if f"{o.line.service_date:%Y-%m}" == total.month
            and (o.line.modifier or "") == total.modifier
        ]
        assert total.units == sum((line.units for line in month), Decimal(0))
    months = [t.month for t in report.totals]
    assert months == sorted(months, reverse=True)
    assert date.fromisoformat(months[0] + "-01") <= TODAY
