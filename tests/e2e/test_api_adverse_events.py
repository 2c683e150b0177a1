"""Adverse events over HTTP: "related" must be answered (422 naming it, nothing written); the
earlier true/false answers still work; seriousness is derived and a contradicting `serious` is
refused; the expedited report appears in the centre's list with its days left, and marking it
submitted records who and when."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    TODAY,
    TestClient,
    client_for,
    items,
    login_all,
    make_patient_ready_for_course,
    ok,
    running_app,
    seed_staff,
)

from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)


@pytest.fixture
def api(database_url: str) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]], int]]:
    with running_app(database_url) as (app, ctx):
        client = client_for(app)
        h = login_all(client, seed_staff(ctx))
        ready = make_patient_ready_for_course(client, h[Role.NURSE], mrn="AE-API")
        yield client, h, ready["patient"]["id"]


def body(**changes: Any) -> dict[str, Any]:
    return {
        "term": "Vasculitis",
        "grade": 3,
        "criteria": ["hospitalisation"],
        "related": "unknown",
        "onset": (TODAY - timedelta(days=3)).isoformat(),
        "aware_on": (TODAY - timedelta(days=2)).isoformat(),
        "action_taken": "admitted; steroids",
        **changes,
    }


def test_related_must_be_answered(api: tuple[TestClient, Any, int]) -> None:
    client, h, pid = api
    unanswered = {k: v for k, v in body().items() if k != "related"}
    refused = client.post(f"/patients/{pid}/adverse-events", json=unanswered, headers=h[Role.NURSE])
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "related"
    assert "Related to IMLYGIC" in refused.json()["detail"]
    assert items(client.get(f"/patients/{pid}/adverse-events", headers=h[Role.NURSE])) == []


def test_the_earlier_true_false_answers_and_serious_flag_still_work(
    api: tuple[TestClient, Any, int],
) -> None:
    client, h, pid = api
    old = body(term="Fever", grade=2, criteria=[], serious=False, related=True)
    e = ok(client.post(f"/patients/{pid}/adverse-events", json=old, headers=h[Role.NURSE]), 201)
    assert (e["related"], e["serious"], e["expected"]) == ("yes", False, True)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"grade": 5, "criteria": [], "serious": False}, "serious"),
        ({"term": "Skin hypopigmentation"}, "grade"),  # it has grades 1 and 2 only
        ({"term": "Plasmacytoma"}, "term"),
        ({"term": "other"}, "other_specify"),
        ({"aware_on": (TODAY - timedelta(days=4)).isoformat()}, "aware_on"),
        ({"resolved_on": (TODAY - timedelta(days=4)).isoformat()}, "resolved_on"),
        ({"onset": (TODAY + timedelta(days=1)).isoformat()}, "onset"),
    ],
)
def test_bad_input_names_the_field(
    api: tuple[TestClient, Any, int], changes: dict[str, Any], field: str
) -> None:
    client, h, pid = api
    refused = client.post(
        f"/patients/{pid}/adverse-events", json=body(**changes), headers=h[Role.NURSE]
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == field


def test_a_serious_unexpected_event_is_due_in_15_days_and_can_be_marked_submitted(
    api: tuple[TestClient, Any, int],
) -> None:
    client, h, pid = api
    nurse = h[Role.NURSE]
    e = ok(client.post(f"/patients/{pid}/adverse-events", json=body(), headers=nurse), 201)
    assert (e["serious"], e["expected"], e["criteria"]) == (True, False, ["hospitalisation"])
    (due,) = items(client.get("/safety-reports", headers=nurse))
    assert (due["event_id"], due["kind"], due["days_left"]) == (e["id"], "expedited-15-day", 13)
    assert due["due_on"] == (TODAY + timedelta(days=13)).isoformat()
    assert "ICH E2A" in due["source"]
    sent = {"version": due["version"], "submitted_on": TODAY.isoformat()}
    done = ok(client.post(f"/safety-reports/{due['report_id']}/submit", json=sent, headers=nurse))
    assert done["submitted_on"] == TODAY.isoformat()
    assert done["submitted_by"] is not None
    assert items(client.get("/safety-reports", headers=nurse)) == []
    (kept,) = items(client.get(f"/adverse-events/{e['id']}/reports", headers=nurse))
    assert kept["submitted_at"] is not None


def test_an_update_resolves_the_event_as_a_new_version(api: tuple[TestClient, Any, int]) -> None:
    client, h, pid = api
    nurse = h[Role.NURSE]
    e = ok(client.post(f"/patients/{pid}/adverse-events", json=body(), headers=nurse), 201)
    fix = {
        "version": e["version"],
        "reason": "discharged, recovered",
        "resolved_on": TODAY.isoformat(),
    }
    done = ok(client.patch(f"/adverse-events/{e['id']}", json=fix, headers=nurse))
    assert (done["version"], done["resolved_on"]) == (2, TODAY.isoformat())
    history = items(client.get(f"/audit/adverse-event/{e['id']}", headers=nurse))
    assert [entry["action"] for entry in history] == ["create", "resolve"]
    assert history[1]["reason"] == "discharged, recovered"
