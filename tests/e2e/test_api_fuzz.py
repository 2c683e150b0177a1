"""Fuzzing the API from its own OpenAPI schema (schemathesis), and checking that schema.

One run per role (oncologist, nurse, pharmacist, billing, researcher, admin), each logged in as
that role's demo user, on SQLite with the demo data loaded: every operation of the OpenAPI gets
valid and invalid requests (path ids biased towards records that exist), and no request may be
answered with a 5xx or with a status its operation does not document (schemathesis' checks
`not_a_server_error` and `status_code_conformance`). Bounded: 25 examples per operation and role
(about 1,150 requests per role, some 90 s for all six), no shrinking, derandomized so CI sees the
same requests every run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    client_for,
    close_app,
    login,
    make_app,
    running_app,
    seed_staff,
)

from tvec.services.permissions import Role
from tvec.services.seeding import DEMO_USERS, load_demo

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

EXAMPLES = 25
# Any 5xx fails, and so does a status the operation's OpenAPI entry does not list.
CHECKS = [not_a_server_error, status_code_conformance]
INT64 = 2**63
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@dataclass
class Demo:
    app: FastAPI
    schema: Any  # schemathesis.BaseSchema


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    # The fuzzed logins fail by the hundred from one client address: without a higher address
    # limit they would lock out the fuzzing users' own logins (429, tests/e2e/test_abuse_limits).
    app, ctx = make_app(
        f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/tvec.db",
        login_address_failures_before_lock=100_000,
    )
    try:
        load_demo(ctx)
        yield Demo(app, schemathesis.openapi.from_asgi("/openapi.json", app))
    finally:
        close_app(app)


def _headers(app: FastAPI, username: str) -> dict[str, str]:
    return login(client_for(app), username, DEMO_USERS[username][2])


def _cases(operation: Any, mode: GenerationMode) -> st.SearchStrategy[Any]:
    anywhere = operation.as_strategy(generation_mode=mode)
    names = re.findall(r"{(\w+)}", operation.path)
    if not names:
        return anywhere
    existing = st.fixed_dictionaries({n: st.integers(1, 30) for n in names}).flatmap(
        lambda ids: operation.as_strategy(generation_mode=mode, path_parameters=ids)
    )
    return st.one_of(existing, anywhere)


@dataclass
class Fuzzed:
    failures: list[str]  # a 5xx, or a status the operation does not document
    sent: int
    statuses: dict[int, int]  # answers by class: {2: 2xx answers, 4: 4xx answers, ...}


def fuzz(demo: Demo, username: str) -> Fuzzed:
    """Every operation, EXAMPLES valid-or-invalid requests each, checked by CHECKS."""
    headers = _headers(demo.app, username)
    failures: list[str] = []
    statuses: dict[int, int] = {}
    sent = [0]

    def fuzz_operation(operation: Any) -> None:
        logout = operation.label == "POST /auth/logout"

        @FUZZ
        @given(
            case=st.one_of(
                _cases(operation, GenerationMode.POSITIVE),
                _cases(operation, GenerationMode.NEGATIVE),
            )
        )
        def run(case: Any) -> None:
            # a logout would end the session the rest of the fuzz uses: give it its own
            as_user = _headers(demo.app, username) if logout else headers
            sent[0] += 1
            try:
                response = case.call(headers=as_user)
            except Exception as exc:  # the app re-raises what its 500 handler answered
                failures.append(f"{operation.label}: {exc!r}\n{case.as_curl_command()}")
                return
            statuses[response.status_code // 100] = statuses.get(response.status_code // 100, 0) + 1
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:  # a FailureGroup naming the checks that failed
                failures.append(
                    f"{operation.label}: {response.status_code} {response.text[:300]}\n"
                    f"{type(exc).__name__}: {str(exc)[:500]}\n{case.as_curl_command()}"
                )

        run()
        if operation.label == "POST /users/{user_id}/revoke-sessions":
            # ending one's own sessions (the nurse's id is among those tried) ends `headers` too
            headers.update(_headers(demo.app, username))

    for result in demo.schema.get_all_operations():
        fuzz_operation(result.ok())
    return Fuzzed(failures, sent[0], statuses)


@pytest.mark.parametrize("username", list(DEMO_USERS))  # one run per role
def test_no_request_gets_a_5xx_or_an_undocumented_status(demo: Demo, username: str) -> None:
    fuzzed = fuzz(demo, username)
    operations = len(list(demo.schema.get_all_operations()))
    print(f"fuzz as {username}: {fuzzed.sent} requests, answers by class {fuzzed.statuses}")
    assert fuzzed.sent >= operations * EXAMPLES // 2  # the fuzz really ran
    assert not fuzzed.failures, (
        f"{len(fuzzed.failures)} of {fuzzed.sent} requests got a 5xx or an undocumented "
        "status:\n" + "\n\n".join(fuzzed.failures[:10])
    )


def test_an_id_beyond_the_integer_range_is_a_4xx(database_url: str) -> None:
    with running_app(database_url) as (app, ctx):
        client = client_for(app)
        nurse = Role.NURSE
        staff = seed_staff(ctx)
        headers = login(client, staff[nurse].username, staff[nurse].password)
        patient = client.post(
            "/patients",
            headers=headers,
            json={
                "mrn": "BIG-1",
                "given_name": "Tobiah",
                "family_name": "Ashbourne-Vale",
                "birth_date": "1960-01-01",
                "sex": "male",
            },
        ).json()
        answers = {
            "GET /patients/2^31": client.get(f"/patients/{2**31}", headers=headers).status_code,
            "GET /patients/2^63": client.get(f"/patients/{2**63}", headers=headers).status_code,
            "GET /visits/2^63": client.get(f"/visits/{2**63}", headers=headers).status_code,
            "POST adverse event, course_id 2^63": client.post(
                f"/patients/{patient['id']}/adverse-events",
                headers=headers,
                json={
                    "term": "Fatigue",
                    "grade": 1,
                    "related": "no",
                    "onset": "2026-05-01",
                    "action_taken": "none",
                    "course_id": 2**63,
                },
            ).status_code,
        }
        assert all(400 <= status < 500 for status in answers.values()), answers


# ---- the schema itself -----------------------------------------------------------------------

ERROR_STATUSES = ("401", "403", "404", "409", "422")
DOCUMENTS = {  # not JSON
    "GET /research/report": {"text/html", "application/pdf", "application/zip"},
    "GET /prior-authorizations/{request_id}/packet.pdf": {"application/pdf"},
    "GET /courses/{course_id}/alert-card.pdf": {"application/pdf"},
    "GET /adverse-events/{event_id}/safety-report": {"application/xml", "application/pdf"},
    "GET /claims/batches/{batch_id}/837p": {"application/edi-x12"},
    "GET /claims/batches/{batch_id}/csv": {"text/csv"},
    "GET /fhir/$export-file/{job}/{resource_type}.ndjson": {"application/fhir+ndjson"},
}


@pytest.fixture(scope="module")
def openapi(demo: Demo) -> dict[str, Any]:
    response = client_for(demo.app).get("/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def _operations(openapi: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_is_documented_with_success_and_error_responses(
    openapi: dict[str, Any],
) -> None:
    error_model = {"$ref": "#/components/schemas/ErrorOut"}
    assert set(openapi["components"]["schemas"]["ErrorOut"]["properties"]) == {
        "detail",
        "code",
        "field",
    }
    for label, operation in _operations(openapi):
        assert operation.get("summary") or operation.get("description"), label
        responses = operation["responses"]
        success = [code for code in responses if code.startswith("2")]
        assert len(success) == 1, label
        content = responses[success[0]].get("content", {})
        if label in DOCUMENTS:  # answers a document (a report), not JSON
            assert {kind for kind in content if content[kind].get("schema")} == DOCUMENTS[label]
        elif success[0] != "204":
            assert content["application/json"]["schema"], label
        expected = {"GET /health": (), "POST /auth/login": ("401", "422")}.get(
            label, ERROR_STATUSES
        )
        for status in expected:
            assert status in responses, (label, status)
            assert responses[status]["content"]["application/json"]["schema"] == error_model, (
                label,
                status,
            )
            assert responses[status]["description"], (label, status)


def test_every_operation_but_health_and_login_declares_a_login(openapi: dict[str, Any]) -> None:
    schemes = openapi["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    open_ops = {label for label, op in _operations(openapi) if not op.get("security")}
    assert open_ops == {"GET /health", "POST /auth/login"}


def test_list_endpoints_that_page_say_so(openapi: dict[str, Any]) -> None:
    for path in ("/patients", "/research/patients", "/audit"):
        params = {p["name"] for p in openapi["paths"][path]["get"]["parameters"]}
        assert {"limit", "offset"} <= params, path


def test_every_operation_has_a_human_written_summary_or_description(
    openapi: dict[str, Any],
) -> None:
    generated = []
    for label, operation in _operations(openapi):
        if not operation.get("description") and _looks_generated(operation):
            generated.append(label)
    assert not generated, generated


def _looks_generated(operation: dict[str, Any]) -> bool:
    """FastAPI's fallback summary is the endpoint function's name in Title Case, which is also the
    start of its operationId (`list_patients_patients_get` → 'List Patients')."""
    summary = operation.get("summary", "")
    words = operation.get("operationId", "").split("_")
    return any(summary == " ".join(words[:n]).title() for n in range(1, len(words) + 1))


def test_every_list_endpoint_is_paginated(openapi: dict[str, Any]) -> None:
    unpaged = []
    for label, operation in _operations(openapi):
        ok_schema = (
            operation["responses"]
            .get("200", {})
            .get("content", {})
            .get("application/json", {})
            .get("schema", {})
        )
        if ok_schema.get("type") == "array":
            unpaged.append(label)
    assert not unpaged, unpaged


# 429 (the login limits) where a password is checked: the login, and the second staff member's
# check of a dose when it is recorded or corrected (tvec.services.second_check)
CHECKS_A_PASSWORD = {
    "POST /auth/login",
    "POST /visits/{visit_id}/administrations",
    "POST /administrations/{administration_id}/corrections",
}


def test_what_the_framework_answers_is_documented_where_it_occurs(
    demo: Demo, openapi: dict[str, Any]
) -> None:
    for label, operation in _operations(openapi):
        responses = operation["responses"]
        assert {"400", "405"} <= set(responses), label
        assert ("413" in responses) == ("requestBody" in operation), label
        assert ("429" in responses) == (label in CHECKS_A_PASSWORD), label
    client = client_for(demo.app)
    # a body that is not UTF-8 text, and a method the path does not take
    unreadable = client.post(
        "/auth/login", content=b"\xff\xfe{", headers={"content-type": "application/json"}
    )
    assert unreadable.status_code == 400, unreadable.text
    assert "detail" in unreadable.json()
    wrong_method = client.delete("/health")
    assert wrong_method.status_code == 405
    assert "GET" in wrong_method.headers["allow"]
