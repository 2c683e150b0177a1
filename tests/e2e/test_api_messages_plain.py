"""Every refusal the API gives a person to read is in the clinic's words (issue 15, item 7).

Walks every operation of the OpenAPI, as the oncologist and as the admin (between them every
route is theirs): path ids that are not numbers, a body that is empty, one with an unknown
field, and each field of the body given a wrong value of every kind. Every 4xx answer must name
the field by its label, without a snake_case name or Pydantic's English in `detail`, while the
`field` key keeps the field's name for programs. Refusals from the rules (an overdose, a wrong lot,
an early dose, ...) are checked the same way in tests/e2e/test_api_refusals.py (`assert_refused`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    TestClient,
    client_for,
    close_app,
    login,
    make_app,
)
from tests.support.wording import plain_problems

from tvec.services.seeding import DEMO_USERS, load_demo

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

WRONG: list[Any] = ["", "x" * 3000, -5, "no", {}, [], None, 10**12]
WRITES = ("post", "put", "patch")


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    app, ctx = make_app(
        f"sqlite:///{tmp_path_factory.mktemp('plain')}/tvec.db",
        login_address_failures_before_lock=100_000,
    )
    try:
        load_demo(ctx, patients_wanted=2)
        yield app
    finally:
        close_app(app)


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    for key in ("anyOf", "allOf", "oneOf"):
        if key in node:
            found = [resolve(schema, n) for n in node[key] if n.get("type") != "null"]
            return next((n for n in found if "properties" in n), found[0] if found else {})
    return node


def bodies(schema: dict[str, Any], operation: dict[str, Any]) -> list[Any]:
    """Wrong bodies for an operation: empty, an unknown field, each field wrong in every way."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return []
    shape = resolve(schema, content["application/json"]["schema"])
    wrong: list[Any] = [{}, {"not_a_field": 1}]
    for name in shape.get("properties", {}):
        wrong += [{name: value} for value in WRONG]
    return wrong


def requests(schema: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(method, url, json body or None) for every operation, made to be refused."""
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or method not in (*WRITES, "get", "delete"):
                continue
            if "{" in path:  # an id that is not a number
                yield method, re.sub(r"\{[^}]+\}", "not-a-number", path), None
            url = re.sub(r"\{[^}]+\}", "1", path)
            for query in ("limit", "offset", "since", "until", "q"):
                if any(p.get("name") == query for p in operation.get("parameters", [])):
                    yield method, f"{url}?{query}=-5x", None
            for body in bodies(schema, operation) if method in WRITES else []:
                yield method, url, body


def answers(client: TestClient, headers: dict[str, str], schema: dict[str, Any]) -> Iterator[Any]:
    for method, url, body in requests(schema):
        if url.startswith(("/auth/login", "/login")):
            continue  # failed logins count towards the lockout; the login form has its own tests
        response = client.request(method.upper(), url, json=body, headers=headers)
        if 400 <= response.status_code < 500 and "json" in response.headers["content-type"]:
            yield method, url, body, response


@pytest.mark.parametrize("username", ["oncologist", "admin"])
def test_every_refusal_of_every_operation_names_fields_in_clinic_words(
    api: FastAPI, username: str
) -> None:
    client = client_for(api)
    headers = login(client, username, DEMO_USERS[username][2])
    schema = client.get("/openapi.json").json()
    refused, unplain = 0, []
    for method, url, body, response in answers(client, headers, schema):
        detail = str(response.json().get("detail", ""))
        refused += 1
        if problems := plain_problems(detail):
            unplain.append(f"{method.upper()} {url} {body!r:.60}: {detail!r} ({problems})")
    assert refused > 200  # the walk reached the operations
    assert not unplain, "\n".join(unplain[:20])


def test_the_field_key_keeps_the_name_for_programs(api: FastAPI) -> None:
    client = client_for(api)
    headers = login(client, "oncologist", DEMO_USERS["oncologist"][2])
    response = client.get("/patients/not-a-number", headers=headers)
    assert response.status_code == 422
    assert response.json()["field"] == "path.patient_id"
    assert response.json()["detail"] == "Patient: must be a whole number, such as 3"
