"""Logs never carry patient-identifying data, even when a request fails or the server errs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from fastapi import APIRouter

from tvec.app import create_app
from tvec.config import Settings
from tvec.persistence.migrate import upgrade
from tvec.schemas.clinic import UserIn
from tvec.services import auth
from tvec.services.permissions import Role

MRN = "MRN-SECRET-4711"
BIRTH = "1957-03-14"
NAMES = {"given_name": "Perpetua", "family_name": "Quillfeather-Nox"}


def test_failed_and_crashing_requests_log_no_mrn_or_birth_date(tmp_path, caplog) -> None:
    from fastapi.testclient import TestClient

    url = f"sqlite:///{tmp_path}/t.db"
    upgrade(url)
    app = create_app(Settings(database_url=url), clock=lambda: datetime(2026, 6, 1, tzinfo=UTC))
    ctx = app.state.ctx
    auth.bootstrap_centre(
        ctx,
        "c",
        UserIn(username="nurse", full_name="N", role=Role.NURSE, password="a-nursing-secret-1"),
    )
    boom = APIRouter()

    @boom.post("/boom")
    def crash(body: dict) -> None:  # type: ignore[type-arg]
        raise RuntimeError(f"failed for {body}")  # an exception message carrying request data

    app.include_router(boom)
    client = TestClient(app, raise_server_exceptions=False)
    token = client.post(
        "/auth/login", json={"username": "nurse", "password": "a-nursing-secret-1"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    caplog.set_level(logging.DEBUG)
    patient = {"mrn": MRN, **NAMES, "birth_date": BIRTH, "sex": "female"}
    assert client.post("/patients", json=patient, headers=headers).status_code == 201
    assert client.post("/patients", json=patient, headers=headers).status_code == 409
    assert (
        client.post("/patients", json={**patient, "sex": "x"}, headers=headers).status_code == 422
    )
    crashed = client.post("/boom", json=patient, headers=headers)
    assert crashed.status_code == 500
    assert MRN not in crashed.text
    assert "unexpected RuntimeError on POST /boom" in caplog.text
    assert MRN not in caplog.text
    assert BIRTH not in caplog.text
