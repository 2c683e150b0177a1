"""Account control over HTTP (issue 21, "Accounts"): disable and enable, reset a password (to be
changed at the next login), change one's own password, end a user's sessions, the password
rules, and usernames of other centres never confirmed.

Each test runs on a fresh database (SQLite and PostgreSQL): two centres, A (with every role) and B (an admin).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    StaffMember,
    TestClient,
    client_for,
    login,
    ok,
    running_app,
    seed_staff,
)

from tvec.services.context import Context
from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

TEMPORARY = "temporary-Reset-9137"
NEW = "my-own-new-Secret-2468"


@dataclass
class Clinic:
    client: TestClient
    ctx: Context
    a: dict[Role, StaffMember]  # centre A
    b_admin: StaffMember  # centre B's admin

    def headers(self, member: StaffMember, password: str | None = None) -> dict[str, str]:
        return login(self.client, member.username, password or member.password)

    def user_id(self, member: StaffMember) -> int:
        return member.actor.user_id

    def login(self, username: str, password: str) -> Any:
        response = self.client.post(
            "/auth/login", json={"username": username, "password": password}
        )
        self.client.cookies.clear()
        return response


@pytest.fixture
def clinic(database_url: str) -> Iterator[Clinic]:
    with running_app(database_url) as (app, ctx):
        a = seed_staff(ctx)
        b = seed_staff(ctx, centre="Centre B", prefix="b-")
        yield Clinic(client_for(app), ctx, a, b[Role.ADMIN])


def post(clinic: Clinic, path: str, headers: dict[str, str], body: Any = None) -> Any:
    return clinic.client.post(path, json=body, headers=headers)


def test_a_disabled_user_is_logged_out_at_once_and_cannot_log_in(clinic: Clinic) -> None:
    nurse = clinic.a[Role.NURSE]
    nurse_token, admin = clinic.headers(nurse), clinic.headers(clinic.a[Role.ADMIN])
    ok(clinic.client.get("/auth/me", headers=nurse_token))

    user = ok(post(clinic, f"/users/{clinic.user_id(nurse)}/disable", admin))

    assert user["active"] is False
    assert clinic.client.get("/auth/me", headers=nurse_token).status_code == 401
    wrong = clinic.login(nurse.username, "not-the-password-at-all")
    disabled = clinic.login(nurse.username, nurse.password)
    assert disabled.status_code == wrong.status_code == 401
    assert disabled.json() == wrong.json()  # a disabled account answers as a wrong password


def test_an_enabled_user_logs_in_again_but_old_sessions_stay_ended(clinic: Clinic) -> None:
    nurse = clinic.a[Role.NURSE]
    old, admin = clinic.headers(nurse), clinic.headers(clinic.a[Role.ADMIN])
    ok(post(clinic, f"/users/{clinic.user_id(nurse)}/disable", admin))

    assert ok(post(clinic, f"/users/{clinic.user_id(nurse)}/enable", admin))["active"] is True

    assert clinic.client.get("/auth/me", headers=old).status_code == 401
    ok(clinic.client.get("/auth/me", headers=clinic.headers(nurse)))


def test_a_reset_password_only_lets_its_owner_change_it(clinic: Clinic) -> None:
    nurse = clinic.a[Role.NURSE]
    old, admin = clinic.headers(nurse), clinic.headers(clinic.a[Role.ADMIN])
    reset = f"/users/{clinic.user_id(nurse)}/reset-password"

    assert ok(post(clinic, reset, admin, {"password": TEMPORARY}))["must_change_password"]

    assert clinic.client.get("/auth/me", headers=old).status_code == 401  # sessions ended
    assert clinic.login(nurse.username, nurse.password).status_code == 401  # old password gone
    answer = ok(clinic.login(nurse.username, TEMPORARY))
    assert answer["password_change_required"] is True
    temporary = {"Authorization": f"Bearer {answer['access_token']}"}
    for path in ("/auth/me", "/patients", "/vial-lots"):
        refused = clinic.client.get(path, headers=temporary)
        assert refused.status_code == 403, path
        assert refused.json()["code"] == "password-change-required"

    change = {"current_password": TEMPORARY, "new_password": NEW}
    assert post(clinic, "/auth/change-password", temporary, change).status_code == 204

    ok(clinic.client.get("/auth/me", headers=temporary))  # the session that changed it goes on
    fresh = ok(clinic.login(nurse.username, NEW))
    assert fresh["password_change_required"] is False
    assert clinic.login(nurse.username, TEMPORARY).status_code == 401


def test_a_reset_login_may_still_log_out(clinic: Clinic) -> None:
    nurse = clinic.a[Role.NURSE]
    admin = clinic.headers(clinic.a[Role.ADMIN])
    ok(
        post(
            clinic, f"/users/{clinic.user_id(nurse)}/reset-password", admin, {"password": TEMPORARY}
        )
    )
    temporary = clinic.headers(nurse, TEMPORARY)
    assert post(clinic, "/auth/logout", temporary).status_code == 204
    assert clinic.client.get("/auth/me", headers=temporary).status_code == 401


def test_changing_ones_own_password_needs_the_current_one(clinic: Clinic) -> None:
    nurse = clinic.a[Role.NURSE]
    other_session, mine = clinic.headers(nurse), clinic.headers(nurse)
    wrong = post(
        clinic,
        "/auth/change-password",
        mine,
        {"current_password": "not-my-password-at-all", "new_password": NEW},
    )
    assert wrong.status_code == 422
    assert wrong.json()["field"] == "current_password"
    assert clinic.login(nurse.username, NEW).status_code == 401  # nothing changed

    change = {"current_password": nurse.password, "new_password": NEW}
    assert post(clinic, "/auth/change-password", mine, change).status_code == 204

    assert clinic.client.get("/auth/me", headers=other_session).status_code == 401
    ok(clinic.client.get("/auth/me", headers=mine))
    ok(clinic.login(nurse.username, NEW))
    assert clinic.login(nurse.username, nurse.password).status_code == 401


def test_an_admin_ends_every_session_of_a_user(clinic: Clinic) -> None:
    nurse = clinic.a[Role.NURSE]
    first, second = clinic.headers(nurse), clinic.headers(nurse)
    admin = clinic.headers(clinic.a[Role.ADMIN])

    ended = ok(post(clinic, f"/users/{clinic.user_id(nurse)}/revoke-sessions", admin))

    assert ended == {"sessions_ended": 2}
    for token in (first, second):
        assert clinic.client.get("/auth/me", headers=token).status_code == 401
    ok(clinic.client.get("/auth/me", headers=clinic.headers(nurse)))  # the account still works


def test_users_end_their_own_sessions_but_not_others(clinic: Clinic) -> None:
    nurse, oncologist = clinic.a[Role.NURSE], clinic.a[Role.ONCOLOGIST]
    elsewhere, here = clinic.headers(nurse), clinic.headers(nurse)
    others = post(clinic, f"/users/{clinic.user_id(oncologist)}/revoke-sessions", here)
    assert others.status_code == 403

    ok(post(clinic, f"/users/{clinic.user_id(nurse)}/revoke-sessions", here))

    for token in (elsewhere, here):
        assert clinic.client.get("/auth/me", headers=token).status_code == 401


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("aaaaaaaaaa", "at least 12 characters"),
        (" " * 10, "must not be blank"),
        ("password12", "at least 12 characters"),
        ("aaaaaaaaaaaa", "commonly used"),
        ("password1234", "commonly used"),
        ("Qwerty123456", "commonly used"),
        ("x-New-Nurse-One-2024", "username"),
        ("eno-esrun-wen", "username"),
    ],
    ids=[
        "ten-a",
        "ten-spaces",
        "password12",
        "twelve-a",
        "password1234",
        "qwerty",
        "contains-username",
        "username-reversed",
    ],
)
def test_weak_passwords_are_refused_naming_the_rule(
    clinic: Clinic, password: str, rule: str
) -> None:
    admin = clinic.headers(clinic.a[Role.ADMIN])
    body = {"username": "new-nurse-one", "full_name": "N", "role": "nurse", "password": password}
    refused = post(clinic, "/users", admin, body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "password"
    assert rule in refused.json()["detail"]
    assert clinic.login(body["username"], password).status_code == 401


def test_weak_passwords_are_refused_on_reset_and_change(clinic: Clinic) -> None:
    nurse = clinic.a[Role.NURSE]
    admin, mine = clinic.headers(clinic.a[Role.ADMIN]), clinic.headers(nurse)
    reset = f"/users/{clinic.user_id(nurse)}/reset-password"
    refused = post(clinic, reset, admin, {"password": "password12"})
    assert (refused.status_code, refused.json()["field"]) == (422, "password")
    change = {"current_password": nurse.password, "new_password": " " * 12}
    refused = post(clinic, "/auth/change-password", mine, change)
    assert (refused.status_code, refused.json()["field"]) == (422, "new_password")
    assert "blank" in refused.json()["detail"]
    ok(clinic.login(nurse.username, nurse.password))  # nothing changed


def test_a_username_of_another_centre_is_not_confirmed(clinic: Clinic) -> None:
    b_admin = clinic.headers(clinic.b_admin)
    a_nurse = clinic.a[Role.NURSE].username

    def create(username: str) -> Any:
        body = {"username": username, "full_name": "N", "role": "nurse", "password": NEW}
        return post(clinic, "/users", b_admin, body)

    elsewhere, own = create(a_nurse), create(clinic.b_admin.username)

    assert elsewhere.status_code == own.status_code == 409
    assert (
        elsewhere.json()
        == own.json()
        == {
            "detail": "choose another username",
            "code": "conflict",
            "field": "username",
        }
    )


def test_an_admin_cannot_touch_users_of_another_centre(clinic: Clinic) -> None:
    b_admin = clinic.headers(clinic.b_admin)
    nurse = clinic.a[Role.NURSE]
    for action, body in [
        ("disable", None),
        ("enable", None),
        ("reset-password", {"password": TEMPORARY}),
        ("revoke-sessions", None),
    ]:
        refused = post(clinic, f"/users/{clinic.user_id(nurse)}/{action}", b_admin, body)
        assert refused.status_code == 404, action
        assert refused.json()["detail"] == f"user {clinic.user_id(nurse)} not found"
    ok(clinic.login(nurse.username, nurse.password))


def test_an_admin_cannot_disable_their_own_account(clinic: Clinic) -> None:
    admin = clinic.a[Role.ADMIN]
    refused = post(clinic, f"/users/{clinic.user_id(admin)}/disable", clinic.headers(admin))
    assert (refused.status_code, refused.json()["field"]) == (422, "id")


def test_account_actions_are_audited_without_secrets(clinic: Clinic) -> None:
    nurse = clinic.a[Role.NURSE]
    admin = clinic.headers(clinic.a[Role.ADMIN])
    user = f"/users/{clinic.user_id(nurse)}"
    ok(post(clinic, f"{user}/disable", admin))
    ok(post(clinic, f"{user}/enable", admin))
    ok(post(clinic, f"{user}/reset-password", admin, {"password": TEMPORARY}))

    history = ok(clinic.client.get(f"/audit/user/{clinic.user_id(nurse)}", headers=admin))

    actions = [entry["action"] for entry in history["items"]]
    assert {"disable", "enable", "reset-password"} <= set(actions)
    text = str(history)
    assert "password_hash" not in text
    assert "argon2" not in text
    assert TEMPORARY not in text
