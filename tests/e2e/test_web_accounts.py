"""Account control in the web app: the admin page's buttons (disable, enable, reset the password,
end sessions; each with the form token), and the change-password page every user has, which a
user whose password an admin reset is sent to until they change it.

Each test runs on a fresh SQLite database with one user per role (tests.support.clinic).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    StaffMember,
    TestClient,
    client_for,
    login_form,
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
    app: FastAPI
    ctx: Context
    staff: dict[Role, StaffMember]

    def browser(self, role: Role, password: str | None = None) -> TestClient:
        """A client logged in through the login form (the session cookie kept)."""
        member = self.staff[role]
        client = client_for(self.app)
        response = client.post(
            "/login",
            data={"username": member.username, "password": password or member.password}
            | login_form(client),
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return client

    def user_id(self, role: Role) -> int:
        return self.staff[role].actor.user_id


@pytest.fixture
def clinic(tmp_path: Any) -> Iterator[Clinic]:
    with running_app(f"sqlite:///{tmp_path}/tvec.db") as (app, ctx):
        yield Clinic(app, ctx, seed_staff(ctx))


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no form token on the page"
    return found.group(1)


def admin_action(clinic: Clinic, admin: TestClient, role: Role, action: str, **form: str) -> Any:
    csrf = csrf_of(admin.get("/admin").text)
    return admin.post(
        f"/admin/users/{clinic.user_id(role)}/{action}",
        data={"csrf": csrf, **form},
        follow_redirects=False,
    )


def test_the_admin_page_has_account_buttons_with_the_form_token(clinic: Clinic) -> None:
    html = clinic.browser(Role.ADMIN).get("/admin").text
    nurse = clinic.user_id(Role.NURSE)
    for action in ("disable", "reset-password", "revoke-sessions"):
        assert f'action="/admin/users/{nurse}/{action}"' in html
    # no button to disable one's own account
    assert f'action="/admin/users/{clinic.user_id(Role.ADMIN)}/disable"' not in html


def test_disabling_from_the_admin_page_logs_the_user_out(clinic: Clinic) -> None:
    nurse, admin = clinic.browser(Role.NURSE), clinic.browser(Role.ADMIN)
    assert nurse.get("/", follow_redirects=False).status_code == 200

    done = admin_action(clinic, admin, Role.NURSE, "disable")

    assert done.status_code == 200
    assert "is disabled" in done.text
    assert nurse.get("/", follow_redirects=False).headers["location"].startswith("/login")
    enabled = admin_action(clinic, admin, Role.NURSE, "enable")
    assert "enabled again" in enabled.text
    clinic.browser(Role.NURSE)  # logs in again


def test_an_account_button_without_the_form_token_changes_nothing(clinic: Clinic) -> None:
    nurse, admin = clinic.browser(Role.NURSE), clinic.browser(Role.ADMIN)
    refused = admin.post(
        f"/admin/users/{clinic.user_id(Role.NURSE)}/disable",
        data={"csrf": "forged"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert nurse.get("/", follow_redirects=False).status_code == 200


def test_a_reset_user_is_sent_to_change_the_password_first(clinic: Clinic) -> None:
    admin = clinic.browser(Role.ADMIN)
    weak = admin_action(clinic, admin, Role.NURSE, "reset-password", password="password12")
    assert weak.status_code == 422
    assert "at least 12 characters" in weak.text
    assert admin_action(clinic, admin, Role.NURSE, "reset-password", password=TEMPORARY).is_success

    nurse = clinic.browser(Role.NURSE, TEMPORARY)
    for url in ("/", "/patient-list"):
        sent = nurse.get(url, follow_redirects=False)
        assert (sent.status_code, sent.headers["location"]) == (303, "/account/password")
    form = nurse.get("/account/password")
    assert "An admin has reset your password" in form.text

    changed = nurse.post(
        "/account/password",
        data={
            "csrf": csrf_of(form.text),
            "current_password": TEMPORARY,
            "new_password": NEW,
            "new_password_again": NEW,
        },
        follow_redirects=False,
    )

    assert changed.status_code == 303
    assert nurse.get("/", follow_redirects=False).status_code == 200
    clinic.browser(Role.NURSE, NEW)


def test_changing_ones_password_on_the_page_names_the_field_refused(clinic: Clinic) -> None:
    nurse = clinic.browser(Role.NURSE)
    csrf = csrf_of(nurse.get("/account/password").text)
    typed = {"csrf": csrf, "current_password": "not-my-password-at-all"}
    wrong = nurse.post(
        "/account/password", data=typed | {"new_password": NEW, "new_password_again": NEW}
    )
    assert wrong.status_code == 422
    assert 'id="err-current_password"' in wrong.text
    typed["current_password"] = clinic.staff[Role.NURSE].password
    weak = nurse.post(
        "/account/password", data=typed | {"new_password": " " * 12, "new_password_again": " " * 12}
    )
    assert weak.status_code == 422
    assert 'id="err-new_password"' in weak.text
    assert "must not be blank" in weak.text
    clinic.browser(Role.NURSE)  # the password did not change


def test_an_account_button_after_the_session_ended_logs_in_back_to_the_admin_page(
    clinic: Clinic,
) -> None:
    anonymous = client_for(clinic.app)
    sent = anonymous.post(
        f"/admin/users/{clinic.user_id(Role.NURSE)}/disable",
        data={"csrf": "x"},
        follow_redirects=False,
    )
    assert (sent.status_code, sent.headers["location"]) == (303, "/login?next=/admin")
