"""An unexpected exception, as an operator and a user see it, on a real uvicorn server.

The log gets one line: method, path, status 500 and an error id, never the exception's text (which
may hold patient data) nor its traceback. The client gets the same error id (JSON from the API, a
page in the browser), with the security headers, and the same keep-alive connection answers the
next request.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from tests.support.clinic import close_app, make_app, seed_staff

from tvec.services import patients
from tvec.services.permissions import Role

SECRET = "MRN DEMO-1001"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(app: FastAPI) -> Iterator[int]:
    """uvicorn serving `app` in this process (so a test can break a service), on a free port.
    log_config=None: uvicorn's loggers propagate to the test's log capture."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "uvicorn did not start"
        assert time.monotonic() < deadline, "uvicorn not started after 30 s"
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(30)


def _get(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> Any:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read().decode()
    return response, body


@pytest.fixture
def broken_clinic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[int, dict[str, str], dict[str, str]]]:
    """A served clinic whose patient list fails with an exception naming a patient: the port,
    bearer headers and cookie headers of a nurse."""
    app, ctx = make_app(f"sqlite:///{tmp_path}/t.db")
    try:
        nurse = seed_staff(ctx)[Role.NURSE]
        with serving(app) as port:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            body = json.dumps({"username": nurse.username, "password": nurse.password})
            conn.request("POST", "/auth/login", body, {"Content-Type": "application/json"})
            login = conn.getresponse()
            token = json.loads(login.read())["access_token"]
            conn.close()

            def fail(*_args: Any, **_kwargs: Any) -> Any:
                raise RuntimeError(f"cannot list {SECRET}")

            monkeypatch.setattr(patients, "list_patients", fail)
            yield (
                port,
                {"Authorization": f"Bearer {token}"},
                {"Cookie": f"tvec_session={token}"},
            )
    finally:
        close_app(app)


def _assert_logged_once_without_data(caplog: pytest.LogCaptureFixture, path: str) -> str:
    """The one log line of the failure; its error id."""
    assert SECRET not in caplog.text
    assert "Traceback" not in caplog.text
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    (line,) = lines
    found = re.fullmatch(
        rf"unexpected RuntimeError on GET {re.escape(path)}: status 500, error id ([0-9a-f]{{12}})",
        line,
    )
    assert found, line
    return found.group(1)


def test_api_failure_is_logged_with_an_error_id_and_the_connection_stays_usable(
    broken_clinic: tuple[int, dict[str, str], dict[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    port, bearer, _cookie = broken_clinic
    caplog.set_level(logging.INFO)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    response, body = _get(conn, "/patients", bearer)
    assert response.status == 500
    answer = json.loads(body)
    assert answer["code"] == "internal"
    assert SECRET not in body
    assert answer["error_id"] in answer["detail"]
    assert response.getheader("Cache-Control") == "no-store"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert _assert_logged_once_without_data(caplog, "/patients") == answer["error_id"]
    # the same connection answers the next request
    sock = conn.sock
    assert sock is not None
    response, body = _get(conn, "/auth/me", bearer)
    assert conn.sock is sock  # not reconnected: the same connection
    conn.close()
    assert response.status == 200, body


def test_page_failure_shows_the_error_id_and_the_connection_stays_usable(
    broken_clinic: tuple[int, dict[str, str], dict[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    port, _bearer, cookie = broken_clinic
    caplog.set_level(logging.INFO)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    response, body = _get(conn, "/patient-list", cookie)
    assert response.status == 500
    assert response.getheader("Content-Type", "").startswith("text/html")
    assert "Something went wrong" in body
    assert SECRET not in body
    error_id = _assert_logged_once_without_data(caplog, "/patient-list")
    assert f"error {error_id}" in body
    assert response.getheader("Cache-Control") == "no-store"
    assert response.getheader("X-Frame-Options") == "DENY"
    sock = conn.sock
    response, body = _get(conn, "/", cookie)  # the worklist
    assert conn.sock is sock
    conn.close()
    assert response.status == 200, body
