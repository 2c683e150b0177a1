"""Abuse limits (issue 21, "Why" 4 and the login CSRF of "Why" 10): login rate limits with a
lockout, request bodies refused before they are read, records per patient and per request, and
a login form that another site cannot post.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from tests.support.browser import running_server
from tests.support.clinic import (
    DEFAULT_LESIONS,
    NOW,
    TODAY,
    TestClient,
    close_app,
    login,
    login_form,
    make_patient_ready_for_course,
    measure,
    seed_staff,
)

from tvec.app import create_app
from tvec.config import Settings
from tvec.persistence.migrate import upgrade
from tvec.services.permissions import Role


class Clock:
    """A clock the test moves on."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def wait(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def url(database_url: str) -> str:
    upgrade(database_url)
    return database_url


@pytest.fixture
def make(url: str, clock: Clock) -> Iterator[Any]:
    """make(**settings) → an app on the migrated database with those settings and the clock."""
    apps: list[FastAPI] = []

    def build(**settings: Any) -> FastAPI:
        app = create_app(Settings(database_url=url, **settings), clock)
        apps.append(app)
        return app

    yield build
    for app in apps:
        close_app(app)


def client(app: FastAPI, address: str = "198.51.100.7") -> TestClient:
    return TestClient(app, raise_server_exceptions=False, client=(address, 50000))


def api_login(web: TestClient, username: str, password: str) -> Any:
    return web.post("/auth/login", json={"username": username, "password": password})


def nurse(app: FastAPI) -> tuple[str, str]:
    member = seed_staff(app.state.ctx)[Role.NURSE]
    return member.username, member.password


# ---- login limits ------------------------------------------------------------------------------


def test_six_wrong_passwords_then_the_right_one_is_refused_429_with_retry_after(make: Any) -> None:
    app = make()  # the defaults: 5 failures, 15 minutes
    username, password = nurse(app)
    web = client(app)
    answers = [api_login(web, username, "wrong-password-123").status_code for _ in range(6)]
    assert answers == [401, 401, 401, 401, 401, 429]
    right = api_login(web, username, password)
    assert right.status_code == 429, right.text
    assert right.headers["Retry-After"] == str(15 * 60)
    assert right.json()["code"] == "too-many-attempts"
    # the web login page says so in words, with the same Retry-After
    form = {"username": username, "password": password} | login_form(web)
    page = web.post("/login", data=form, follow_redirects=False)
    assert page.status_code == 429
    assert page.headers["Retry-After"] == str(15 * 60)
    assert "Too many failed logins" in page.text
    assert "15 minutes" in page.text


def test_an_unknown_username_gets_the_same_answers_as_a_known_one(make: Any) -> None:
    app = make()
    username, _ = nurse(app)

    def answers(name: str) -> list[tuple[int, dict[str, Any], str | None]]:
        web = client(app, address=f"203.0.113.{len(name)}")
        seen = []
        for _ in range(7):
            response = api_login(web, name, "wrong-password-123")
            seen.append(
                (response.status_code, response.json(), response.headers.get("Retry-After"))
            )
        return seen

    known, unknown = answers(username), answers("nobody-here")
    assert known == unknown
    assert [status for status, _, _ in known] == [401] * 5 + [429] * 2


def test_the_lockout_ends_after_the_configured_time_and_then_grows(make: Any, clock: Clock) -> None:
    app = make(login_failures_before_lock=3, login_lockout_minutes=10)
    username, password = nurse(app)
    web = client(app)
    for _ in range(3):
        assert api_login(web, username, "wrong-password-123").status_code == 401
    assert api_login(web, username, password).headers["Retry-After"] == "600"
    clock.wait(minutes=9, seconds=59)
    assert api_login(web, username, password).headers["Retry-After"] == "1"
    clock.wait(seconds=1)
    assert api_login(web, username, password).status_code == 200
    # the success cleared the account's count and its lockouts: the next lockout is 10 minutes
    for _ in range(3):
        assert api_login(web, username, "wrong-password-123").status_code == 401
    assert api_login(web, username, password).headers["Retry-After"] == "600"
    # without a success in between, a second lockout lasts twice as long
    clock.wait(minutes=10)
    for _ in range(3):
        assert api_login(web, username, "wrong-password-123").status_code == 401
    assert api_login(web, username, password).headers["Retry-After"] == "1200"


def test_a_successful_login_clears_the_account_count(make: Any) -> None:
    app = make(login_failures_before_lock=3)
    username, password = nurse(app)
    web = client(app)
    for _ in range(2):
        for _ in range(2):
            assert api_login(web, username, "wrong-password-123").status_code == 401
        assert api_login(web, username, password).status_code == 200


def test_the_address_limit_counts_failures_across_usernames(make: Any) -> None:
    app = make(login_address_failures_before_lock=3)
    username, password = nurse(app)
    web = client(app, address="192.0.2.10")
    for name in ("someone", "someone-else", "a-third"):
        assert api_login(web, name, "wrong-password-123").status_code == 401
    refused = api_login(web, username, password)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) == 15 * 60
    # the same nurse from another computer is not locked out
    assert api_login(client(app, address="192.0.2.11"), username, password).status_code == 200


def test_the_openapi_documents_429_on_the_login_and_413_where_a_body_is_taken(make: Any) -> None:
    spec = client(make()).get("/openapi.json").json()
    login_answers = spec["paths"]["/auth/login"]["post"]["responses"]
    assert "429" in login_answers
    assert "Retry-After" in login_answers["429"]["headers"]
    assert "413" in spec["paths"]["/patients"]["post"]["responses"]
    assert "413" not in spec["paths"]["/patients"]["get"]["responses"]


# ---- login CSRF --------------------------------------------------------------------------------


def test_a_login_form_from_another_site_is_refused_and_the_own_form_works(make: Any) -> None:
    app = make()
    username, password = nurse(app)
    web = client(app)
    form = {"username": username, "password": password}
    # no form token (a page of another site cannot read it)
    bare = web.post("/login", data=form, follow_redirects=False)
    assert bare.status_code == 403
    assert "tvec_session" not in bare.headers.get("set-cookie", "")
    assert "expired or came from another site" in bare.text
    # the right token, but the browser says the form is on another site
    token = login_form(web)
    forged = web.post(
        "/login",
        data=form | token,
        headers={"Origin": "https://attacker.example"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert "tvec_session" not in forged.headers.get("set-cookie", "")
    # a token that is not the browser's own login cookie
    web.cookies.clear()
    stale = web.post("/login", data=form | token, follow_redirects=False)
    assert stale.status_code == 403
    # the login page's own form, from this site
    own = web.post(
        "/login",
        data=form | login_form(web),
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert own.status_code == 303
    assert "tvec_session" in own.headers["set-cookie"]


# ---- records per patient and per request ---------------------------------------------------------


def test_lesions_per_patient_are_limited(make: Any) -> None:
    app = make(max_lesions_per_patient=len(DEFAULT_LESIONS))
    staff = seed_staff(app.state.ctx)
    web = client(app)
    nurse_headers = login(web, staff[Role.NURSE].username, staff[Role.NURSE].password)
    patient = make_patient_ready_for_course(web, nurse_headers)
    more = web.post(
        f"/patients/{patient['patient']['id']}/lesions",
        json={"name": "L9", "site": "cutaneous", "location": "left calf", "first_seen": str(TODAY)},
        headers=nurse_headers,
    )
    assert more.status_code == 422, more.text
    assert more.json()["field"] == "lesions"
    assert f"at most {len(DEFAULT_LESIONS)}" in more.json()["detail"]


def test_measurements_per_request_are_limited(make: Any) -> None:
    app = make(max_measurements_per_request=3)
    staff = seed_staff(app.state.ctx)
    web = client(app)
    nurse_headers = login(web, staff[Role.NURSE].username, staff[Role.NURSE].password)
    patient = make_patient_ready_for_course(web, nurse_headers, lesions=DEFAULT_LESIONS[:3])
    lesions = patient["lesions"]
    sizes = dict.fromkeys(lesions, ("1.0", "1.0"))
    assert len(measure(web, nurse_headers, patient["patient"]["id"], TODAY, sizes, lesions)) == 3
    pid = patient["patient"]["id"]
    four = [{"lesion_id": lesions["L1"]["id"], "longest_cm": "1", "perpendicular_cm": "1"}] * 4
    refused = web.post(
        f"/patients/{pid}/measurements",
        json={"measured_on": str(TODAY), "method": "caliper", "items": four},
        headers=nurse_headers,
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "items"
    assert "at most 3" in refused.json()["detail"]


# ---- bodies over the limit, on a real server ---------------------------------------------------


def _raw(base: str, head: str, body: bytes = b"") -> tuple[str, float]:
    """Send a raw HTTP request; the status line of the answer and the seconds it took."""
    host, port = base.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.encode() + body)
        answer = sock.recv(65536).decode(errors="replace")
    return answer.split("\r\n", 1)[0], time.monotonic() - started


def test_a_body_over_the_limit_is_refused_413_before_it_is_read(tmp_path: Path, url: str) -> None:
    if not url.startswith("sqlite"):
        pytest.skip("the server test runs once, on SQLite")
    with running_server(url, tmp_path / "server.log") as base:
        # 300 MB announced, 10 bytes sent: answered at once, without waiting for the rest
        head = (
            "POST /patients HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {300 * 1024 * 1024}\r\n\r\n"
        )
        status, seconds = _raw(base, head, b'{"mrn": "x')
        assert " 413 " in status, status
        assert seconds < 2
        # streamed without a length (chunked): refused once past the limit (1 MiB), while the
        # client could go on sending
        chunk = b"x" * 65536
        chunked = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(20))
        head = (
            "POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"
        )
        status, seconds = _raw(base, head, chunked)
        assert " 413 " in status, status
        assert seconds < 2


def test_a_10_mb_lesion_correction_is_refused_413_and_changes_nothing(make: Any) -> None:
    app = make()
    staff = seed_staff(app.state.ctx)
    web = client(app)
    nurse_headers = login(web, staff[Role.NURSE].username, staff[Role.NURSE].password)
    lesion = make_patient_ready_for_course(web, nurse_headers)["lesions"]["L1"]
    fix = {"version": lesion["version"], "reason": "grouped", "cluster": "C" * 10_000_000}
    refused = web.patch(f"/lesions/{lesion['id']}", json=fix, headers=nurse_headers)
    assert refused.status_code == 413
    assert refused.json()["field"] == "body"
    after = web.get(f"/patients/{lesion['patient_id']}/lesions", headers=nurse_headers).json()
    assert [item["version"] for item in after["items"] if item["id"] == lesion["id"]] == [1]


def test_old_counters_are_forgotten_and_usernames_are_not_stored(make: Any, clock: Clock) -> None:
    app = make()
    web = client(app)
    assert api_login(web, "typed-a-password-here", "x-wrong-password").status_code == 401

    def stored() -> list[tuple[str, str]]:
        with app.state.ctx.engine.connect() as connection:
            rows = connection.execute(text("SELECT scope, key FROM login_attempts")).all()
        return sorted((row.scope, row.key) for row in rows)

    first = stored()
    assert [scope for scope, _ in first] == ["account", "address"]
    assert all("typed-a-password-here" not in key for _, key in first)
    clock.wait(days=2)  # past the window and the longest lockout
    assert api_login(web, "someone-else", "x-wrong-password").status_code == 401
    later = stored()
    assert len(later) == 2
    assert first[0] not in later
