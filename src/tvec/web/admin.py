"""The administrator's page: users and the audit log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from tvec.domain.errors import DomainError
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.schemas import clinic as s
from tvec.services import (
    auth,
    outcomes,
)
from tvec.services.permissions import Action, Role
from tvec.web.deps import (
    PageUser,
    check_csrf,
    form_data,
)
from tvec.web.forms import FormErrors, from_domain, validate
from tvec.web.templating import render

# Errors on these routes are answered as pages, not JSON (tvec.web.errors).
MAX_OFFSET = 1_000_000

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    return admin_view(request, ctx, user, None, {}, "")


def admin_view(
    request: Request,
    ctx: Ctx,
    user: Any,
    errors: FormErrors | None,
    values: dict[str, Any],
    notice: str,
    status: int = 200,
) -> HTMLResponse:
    accounts = auth.list_users(ctx, user)
    rows = [
        (u.username, u.full_name, u.role, _account_status(u.active, u.must_change_password))
        for u in accounts
    ]
    _entries, total = outcomes.audit_log(ctx, user, 1, 0)
    return render(
        request,
        "office.html",
        user,
        status,
        nav="admin",
        title=f"Users (audit log: {total} entries, see GET /audit)",
        headers=["Username", "Name", "Role", "Status", "Account"],
        rows=rows,
        accounts=accounts,  # a row's buttons: disable or enable, reset password, end sessions
        errors=errors.placed(("username", "full_name", "role", "password")) if errors else None,
        values=values,
        notice=notice,
        form="user",
        roles=[r.value for r in Role],
    )


@router.post("/admin/users", response_model=None)
async def admin_add_user(request: Request, ctx: Ctx, user: PageUser) -> Any:
    form = await form_data(request)
    user.require(Action.MANAGE_USERS)
    try:
        check_csrf(request, form)
        auth.create_user(
            ctx,
            user,
            validate(
                s.UserIn, {k: form.get(k) for k in ("username", "full_name", "role", "password")}
            ),
        )
    except (FormErrors, DomainError) as exc:
        fields = {"username": "username", "password": "password"}
        errors = exc if isinstance(exc, FormErrors) else from_domain(exc, fields)
        return admin_view(request, ctx, user, errors, {**form, "password": ""}, "", errors.status)
    return admin_view(request, ctx, user, None, {}, f"User {form.get('username')} added.")


def _account_status(active: bool, must_change_password: bool) -> str:
    if not active:
        return "disabled"
    return "active, must change the password" if must_change_password else "active"
