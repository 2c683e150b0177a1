"""Secrets and headers: what a security reviewer checks on a running tvec.

- Outside development mode the server refuses to start with the default pseudonym key (with which
  anyone can map research pseudonyms back to patients) or insecure session settings, naming the
  setting; in development mode `tvec serve` says so.
- The session cookie is Secure over HTTPS (directly, or behind a trusted proxy) and in production.
- Every page and API answer says: do not store me (patient data), do not frame me, do not sniff
  my type, send no referrer elsewhere, and run scripts from tvec only.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    TestClient,
    close_app,
    fixed_clock,
    login,
    make_app,
    make_patient_ready_for_course,
    seed_staff,
)
from typer.testing import CliRunner

from tvec.app import create_app
from tvec.config import DEFAULT_PSEUDONYM_KEY, InsecureSettings, Settings, check_settings
from tvec.persistence.migrate import upgrade
from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

SECRET_KEY = "k" * 40
MRN = "MRN-HEADERS-1"
CENTRES = itertools.count(1)


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/t.db"
    upgrade(url)
    return url


# ---- production mode refuses the default secrets -------------------------------------------------


def test_production_mode_refuses_the_default_pseudonym_key(url: str) -> None:
    settings = Settings(database_url=url, env="production", pseudonym_key=DEFAULT_PSEUDONYM_KEY)
    with pytest.raises(InsecureSettings, match="TVEC_PSEUDONYM_KEY is the default key"):
        check_settings(settings)
    with pytest.raises(InsecureSettings, match="TVEC_PSEUDONYM_KEY"):
        create_app(settings)  # `uvicorn tvec.asgi:app` refuses too
    check_settings(settings.model_copy(update={"env": "development"}))  # the demo may
    check_settings(settings.model_copy(update={"pseudonym_key": SECRET_KEY}))


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"pseudonym_key": "short-secret"}, "TVEC_PSEUDONYM_KEY must be at least 32 characters"),
        ({"cookie_secure": False}, "TVEC_COOKIE_SECURE=false"),
        ({"session_hours": 24.0}, "TVEC_SESSION_HOURS=24 is longer than 12 hours"),
    ],
)
def test_production_mode_refuses_insecure_session_settings(
    change: dict[str, Any], named: str
) -> None:
    settings = Settings(**{"env": "production", "pseudonym_key": SECRET_KEY, **change})
    with pytest.raises(InsecureSettings, match=named):
        check_settings(settings)


def _serve(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tvec", "serve", "--port", "1", *args],
        env={**os.environ, "TVEC_DATABASE_URL": f"sqlite:///{tmp_path}/t.db", **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_tvec_serve_in_production_mode_with_the_default_key_does_not_start(
    tmp_path: Path,
) -> None:
    done = _serve(tmp_path, TVEC_ENV="production", TVEC_PSEUDONYM_KEY=DEFAULT_PSEUDONYM_KEY)
    assert done.returncode == 2, done
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: production mode (TVEC_ENV=production): TVEC_PSEUDONYM_KEY")


def test_tvec_serve_refuses_an_unknown_mode(tmp_path: Path) -> None:
    done = _serve(tmp_path, TVEC_ENV="prod")
    assert done.returncode == 2, done
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: TVEC_ENV: "), line


def test_tvec_serve_in_development_mode_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from tvec import serving
    from tvec.cli.main import app

    started: list[tuple[str, int]] = []
    monkeypatch.setattr(
        serving, "serve", lambda host, port, *_a, **_k: started.append((host, port)) or 0
    )
    for name in ("TVEC_ENV", "TVEC_PSEUDONYM_KEY"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(app, ["serve", "--port", "8123"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert started == [("127.0.0.1", 8123)]
    assert "development mode" in result.output
    assert "not for patient data" in result.output


# ---- the session cookie --------------------------------------------------------------------------


def web_login(client: TestClient, user: Any, headers: dict[str, str] | None = None) -> Any:
    """Log in on the login page as a browser does (with the page's form token, if it has one,
    and the page's origin)."""
    page = client.get("/login")
    form = {"username": user.username, "password": user.password}
    for name, value in re.findall(r'name="((?:login_)?csrf)" value="([^"]*)"', page.text):
        form[name] = value
    origin = {"Origin": str(client.base_url).rstrip("/")}
    return client.post(
        "/login", data=form, headers={**origin, **(headers or {})}, follow_redirects=False
    )


def _cookie_after_login(
    url: str,
    base_url: str = "http://testserver",
    headers: dict[str, str] | None = None,
    web: bool = True,
    **settings: Any,
) -> tuple[str, ...]:
    """The Set-Cookie headers of an API login and (if `web`) of a web login."""
    app = create_app(Settings(database_url=url, **settings), fixed_clock)
    try:
        n = next(CENTRES)  # one database per test, one centre per login
        nurse = seed_staff(app.state.ctx, f"Centre {n}", prefix=f"c{n}")[Role.NURSE]
        with TestClient(app, base_url=base_url) as client:
            api = client.post(
                "/auth/login",
                json={"username": nurse.username, "password": nurse.password},
                headers=headers,
            )
            assert api.status_code == 200, api.text
            if not web:
                return (api.headers["set-cookie"],)
            client.cookies.clear()
            page = web_login(client, nurse, headers)
            assert page.status_code == 303, page.text
            return api.headers["set-cookie"], page.headers["set-cookie"]
    finally:
        close_app(app)


def _secure(cookie: str) -> bool:
    return "secure" in [part.strip().lower() for part in cookie.split(";")]


def test_session_cookie_is_secure_over_https(url: str) -> None:
    assert all(_secure(c) for c in _cookie_after_login(url, "https://testserver"))


def test_session_cookie_is_secure_in_production_mode_even_over_plain_http(url: str) -> None:
    # API only: over plain HTTP a browser would not send the login form's own (Secure) cookie
    # back, so the login page needs HTTPS in production anyway
    production = {"env": "production", "pseudonym_key": SECRET_KEY}
    (api,) = _cookie_after_login(url, web=False, **production)
    assert _secure(api)
    assert all(_secure(c) for c in _cookie_after_login(url, "https://testserver", **production))


def test_plain_http_in_development_mode_keeps_the_cookie_usable(url: str) -> None:
    assert not any(_secure(c) for c in _cookie_after_login(url))


def test_forwarded_https_counts_only_behind_a_trusted_proxy(url: str) -> None:
    forwarded = {"X-Forwarded-Proto": "https"}
    assert all(_secure(c) for c in _cookie_after_login(url, headers=forwarded, trusted_proxy=True))
    # anyone may send the header: without the setting it says nothing
    assert not any(_secure(c) for c in _cookie_after_login(url, headers=forwarded))


# ---- security headers ----------------------------------------------------------------------------


def _assert_protected(response: Any) -> None:
    where = f"{response.request.method} {response.request.url.path}"
    headers = response.headers
    assert headers.get("cache-control") == "no-store", where
    assert headers.get("x-frame-options") == "DENY", where
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy") == "same-origin", where
    policy = {
        part.split()[0]: part.split()[1:]
        for part in headers.get("content-security-policy", "").split(";")
        if part.strip()
    }
    assert policy.get("frame-ancestors") == ["'none'"], where
    assert policy.get("script-src") == ["'self'"], where  # no inline scripts, no eval
    assert policy.get("default-src") == ["'self'"], where
    assert policy.get("object-src") == ["'none'"], where


@pytest.fixture
def clinic(url: str) -> Any:
    app, ctx = make_app(url)
    try:
        staff = seed_staff(ctx)
        with TestClient(app, raise_server_exceptions=False) as client:
            nurse = staff[Role.NURSE]
            headers = login(client, nurse.username, nurse.password)
            made = make_patient_ready_for_course(client, headers, mrn=MRN)
            yield app, client, headers, made["patient"]["id"], nurse
    finally:
        close_app(app)


def test_login_page_pages_and_api_answers_carry_the_security_headers(clinic: Any) -> None:
    _app, client, headers, pid, nurse = clinic
    _assert_protected(client.get("/login"))
    _assert_protected(client.get(f"/patients/{pid}", headers=headers))  # API JSON
    _assert_protected(client.get("/patients/999999", headers=headers))  # API error
    _assert_protected(client.get("/auth/me"))  # 401
    assert web_login(client, nurse).status_code == 303
    _assert_protected(client.get(f"/chart/{pid}"))  # a page with patient data
    _assert_protected(client.get("/chart/999999"))  # an error page


def test_static_files_and_health_may_be_cached_but_are_not_sniffed(clinic: Any) -> None:
    _app, client, *_ = clinic
    for path in ("/static/tvec.css", "/static/tvec.js", "/health"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" not in response.headers.get("cache-control", ""), path
        assert response.headers["x-content-type-options"] == "nosniff", path


def get_routes(routes: Any, prefix: str = "") -> list[str]:
    """The path templates of the GET routes, through included routers (FastAPI keeps those as
    routers of their own, with the original router's routes)."""
    paths = []
    for route in routes:
        if isinstance(route, APIRoute):
            if "GET" in route.methods:
                paths.append(prefix + route.path)
        elif (router := getattr(route, "original_router", None)) is not None:
            inner = getattr(getattr(route, "include_context", None), "prefix", "")
            paths += get_routes(router.routes, prefix + inner)
    return paths


def test_no_answer_with_patient_data_may_be_stored(clinic: Any) -> None:
    """Every GET route of the app (API and pages), asked for the patient: each answer that shows
    the MRN says no-store."""
    app, client, headers, pid, nurse = clinic
    assert web_login(client, nurse).status_code == 303
    showing_mrn = []
    for template in get_routes(app.routes):
        if set(re.findall(r"{(\w+)", template)) - {"patient_id"}:
            continue
        path = template.replace("{patient_id}", str(pid))
        response = client.get(path, headers=headers)
        if MRN in response.text:
            showing_mrn.append(path)
            assert response.headers.get("cache-control") == "no-store", path
    # the API's patient list and record, the worklist, patient list and chart pages at least
    assert {"/patients", f"/patients/{pid}", "/patient-list", f"/chart/{pid}"} <= set(
        showing_mrn
    ), showing_mrn


def test_the_visit_pages_run_without_inline_scripts() -> None:
    """The Content-Security-Policy forbids inline scripts and handlers: no template has any."""
    templates = Path(__file__).parents[2] / "src" / "tvec" / "web" / "templates"
    for template in templates.glob("*.html"):
        text = template.read_text()
        assert " onclick=" not in text, template.name
        assert "hx-on" not in text, template.name
        assert "js:" not in text, template.name  # hx-vals evaluated as JavaScript
        for line in text.splitlines():
            if "<script" in line:
                assert 'src="/static/' in line, f"{template.name}: {line}"
