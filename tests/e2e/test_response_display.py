"""How a response reads over HTTP and on the pages: labels and percentages (docs/response.md).

A percent change is a JSON number with one decimal, rounded towards zero so that it never reads
across a threshold; an assessment not yet confirmed reads "PR (unconfirmed, confirm on or after
DATE)" in the API, on the response page and on the chart, DATE being the assessment date + the 28
days of the criteria's confirmation interval.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    client_for,
    days_ago,
    login_all,
    make_patient_ready_for_course,
    measure,
    ok,
    running_app,
    seed_staff,
    start_course,
)

from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

START = days_ago(60)
LESION = (("L1", "cutaneous", "5.0", "4.0"),)  # 20 cm² at baseline


@pytest.fixture
def clinic(database_url: str) -> Iterator[FastAPI]:
    with running_app(database_url) as (app, _ctx):
        yield app


def patient_with(
    client: TestClient, h: dict[Role, dict[str, str]], mrn: str, later: tuple[str, str]
) -> tuple[int, dict[str, Any]]:
    """A patient on a course from START, measured at baseline and 28 days later; the response."""
    nurse, onc = h[Role.NURSE], h[Role.ONCOLOGIST]
    rec = make_patient_ready_for_course(client, nurse, mrn=mrn, lesions=LESION, measured_on=START)
    pid = rec["patient"]["id"]
    start_course(client, onc, pid, START)
    measure(client, nurse, pid, START + timedelta(days=28), {"L1": later}, rec["lesions"])
    return pid, ok(client.get(f"/patients/{pid}/response", headers=onc))


def page_text(client: TestClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.text[:300]
    return " ".join(re.sub(r"<[^>]+>", " ", response.text).split())


def browser_for(clinic: FastAPI, staff: dict[Role, Any]) -> TestClient:
    browser = client_for(clinic)
    member = staff[Role.ONCOLOGIST]
    ok(browser.post("/auth/login", json={"username": member.username, "password": member.password}))
    return browser


@pytest.mark.parametrize(
    ("later", "number", "shown", "hidden"),
    [
        # 3.6 x 2.78 = 10.008 cm²: -49.96%, stable disease
        pytest.param(("3.6", "2.78"), -49.9, "-49.9%", "-50.0%", id="-49.96% reads -49.9%"),
        # 7.1 x 3.52 = 24.992 cm²: +24.96%, not progression
        pytest.param(("7.1", "3.52"), 24.9, "+24.9%", "+25.0%", id="+24.96% reads +24.9%"),
    ],
)
def test_a_percent_change_never_reads_across_a_threshold(
    clinic: FastAPI, later: tuple[str, str], number: float, shown: str, hidden: str
) -> None:
    client = client_for(clinic)
    staff = seed_staff(clinic.state.ctx)
    pid, response = patient_with(client, login_all(client, staff), "MRN-8101", later)
    row = response["assessments"][1]
    assert row["category"] == "SD"
    assert row["change_from_baseline_pct"] == number  # a JSON number, not a string
    assert row["change_from_nadir_pct"] == number
    assert response["lesion_summary"][0]["shrank_at_least_pct"] == 50
    page = page_text(browser_for(clinic, staff), f"/chart/{pid}/response")
    assert shown in page
    assert hidden not in page


def test_an_unconfirmed_response_reads_the_same_in_the_api_and_on_the_pages(
    clinic: FastAPI,
) -> None:
    client = client_for(clinic)
    staff = seed_staff(clinic.state.ctx)
    pid, response = patient_with(client, login_all(client, staff), "MRN-8102", ("3.0", "3.0"))
    assessed = START + timedelta(days=28)
    label = f"PR (unconfirmed, confirm on or after {(assessed + timedelta(days=28)).isoformat()})"
    row = response["assessments"][1]
    assert (row["category"], row["label"], row["confirmation"]) == ("PR", label, "pending")
    assert row["confirm_on_or_after"] == (assessed + timedelta(days=28)).isoformat()
    assert response["best_overall_response"] == "SD"  # not a PR until confirmed
    browser = browser_for(clinic, staff)
    assert label in page_text(browser, f"/chart/{pid}/response")
    assert f"Latest assessment {assessed.isoformat()}: {label}" in page_text(
        browser, f"/chart/{pid}"
    )
