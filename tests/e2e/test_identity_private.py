"""A patient's name and allergies never reach a log line, an error text or a researcher's view.

A patient of the demo centre, given a course and a dose, is renamed with a distinctive name; the
nurse then searches for them, registers a duplicate and sends malformed names (all logged at
DEBUG). The researcher reads every de-identified view, through the API and the web app. None of
it may carry the names or the allergies; the clinical staff's own answers do.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from tests.support.browser import DEMO_PASSWORD, demo_staff, make_due_patient
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    client_for,
    close_app,
    login,
    login_form,
    make_app,
)

from tvec.services.seeding import load_demo

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

# Invented, and unlike anything else in the demo, so that any leak is found.
IDENTITY = {
    "given_name": "Xanthippe",
    "family_name": "Brightwater-Quorn",
    "preferred_name": "Zazzlebee",
    "allergies": "kumquatine",
}
SECRETS = ("xanthippe", "brightwater", "quorn", "zazzlebee", "kumquatine")


def leaked(text: str | bytes) -> list[str]:
    folded = (text.decode("latin-1") if isinstance(text, bytes) else text).casefold()
    return [word for word in SECRETS if word in folded]


def web_login(client: Any, username: str) -> None:
    data = {"username": username, "password": DEMO_PASSWORD.format(username)}
    answer = client.post("/login", data=data | login_form(client), follow_redirects=False)
    assert answer.status_code == 303, answer.text


def test_names_reach_no_log_line_no_error_text_and_no_researcher_view(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app, ctx = make_app(f"sqlite:///{tmp_path / 'tvec.db'}")
    try:
        load_demo(ctx)
        due = make_due_patient(ctx, demo_staff(ctx), "PRIV-1")
        api = client_for(app)
        nurse = login(api, "nurse", DEMO_PASSWORD.format("nurse"))
        fix = {"version": 1, "reason": "names as on the passport", **IDENTITY}
        renamed = api.patch(f"/patients/{due.patient_id}", json=fix, headers=nurse)
        assert renamed.status_code == 200, renamed.text

        # the clinical staff see the names ...
        found = api.get("/patients", params={"q": "brightwater xanth"}, headers=nurse)
        assert [p["mrn"] for p in found.json()["items"]] == ["PRIV-1"]
        assert leaked(found.text)
        # ... but refusals never echo them
        again = {"mrn": "PRIV-1", "birth_date": "1958-03-14", "sex": "female", **IDENTITY}
        duplicate = api.post("/patients", json=again, headers=nurse)
        assert duplicate.status_code == 409
        malformed = [
            {**again, "mrn": "PRIV-2", "given_name": "Xanthippe\x00"},
            {**again, "mrn": "PRIV-3", "family_name": "Brightwater-Quorn" * 10},
            {**again, "mrn": "PRIV-4", "sex": "Xanthippe"},
            {**again, "mrn": "PRIV-5", "allergies": "kumquatine\x00"},
        ]
        for body in malformed:
            refused = api.post("/patients", json=body, headers=nurse)
            assert refused.status_code == 422, refused.text
            assert leaked(refused.text) == [], refused.text
        assert leaked(duplicate.text) == []
        long_search = api.get("/patients", params={"q": "brightwater" * 20}, headers=nurse)
        assert long_search.status_code == 422
        assert leaked(long_search.text) == []

        web = client_for(app)
        web_login(web, "nurse")
        page = web.get("/patient-list")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None
        searched = web.post("/patient-list", data={"csrf": csrf.group(1), "q": "Quorn"})
        assert "BRIGHTWATER-QUORN" in searched.text  # the nurse's own page shows the name

        # the researcher sees no name anywhere
        researcher = login(api, "researcher", DEMO_PASSWORD.format("researcher"))
        views = [
            api.get("/research/patients", params={"limit": 200}, headers=researcher),
            api.get("/research/report", params={"format": "html"}, headers=researcher),
            api.get("/research/report", params={"format": "pdf"}, headers=researcher),
        ]
        pseudonymised = views[0].json()["items"]
        assert len(pseudonymised) > 1  # the renamed patient among the others, pseudonymised
        denied = [
            api.get("/patients", params={"q": "brightwater"}, headers=researcher),
            api.get(f"/patients/{due.patient_id}", headers=researcher),
        ]
        research_web = client_for(app)
        web_login(research_web, "researcher")
        for url in ("/research", "/research/outcomes-report", "/research/outcomes-report.pdf"):
            views.append(research_web.get(url))
        denied.append(research_web.get(f"/chart/{due.patient_id}"))
        for answer in views:
            assert answer.status_code == 200, (answer.url, answer.text[:300])
            assert leaked(answer.content) == [], answer.url
        for answer in denied:
            assert answer.status_code in (403, 404), answer.url
            assert leaked(answer.content) == [], answer.url
    finally:
        close_app(app)
    # what tvec and its server log (the test's own HTTP client logs the URLs it asks for)
    server_side = [r for r in caplog.records if not r.name.startswith("httpx")]
    assert server_side  # logged at DEBUG ...
    for record in server_side:
        assert leaked(record.getMessage()) == [], record.name  # ... without a name
