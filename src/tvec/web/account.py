"""Account pages: changing one's own password (also after an admin reset it), and the admin's
buttons to disable, enable, reset the password of and log out a user of the centre."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tvec.domain.errors import DomainError, NotAuthenticated
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.schemas.clinic import MAX_ID
from tvec.services import account_admin, auth
from tvec.services.permissions import Action
from tvec.web.admin import admin_view
from tvec.web.deps import LoginRequired, PageUser, back_to, check_csrf, form_data, session_token
from tvec.web.forms import FormErrors, from_domain
from tvec.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

PASSWORD_FIELDS = ("current_password", "new_password", "new_password_again")


def _own_session(ctx: Ctx, request: Request) -> Any:
    """The logged-in user, also while their password must be changed."""
    try:
        return auth.authenticate(ctx, session_token(request), password_change=True)
    except NotAuthenticated:
        raise LoginRequired(back_to(request)) from None


def _change_page(
    request: Request, ctx: Ctx, errors: FormErrors | None = None, status: int = 200
) -> HTMLResponse:
    actor = _own_session(ctx, request)
    required = auth.me(ctx, actor).must_change_password
    return render(
        request,
        "change_password.html",
        actor,
        status,
        nav="password",
        errors=errors.placed(PASSWORD_FIELDS) if errors else None,
        required=required,
    )


@router.get("/account/password", response_class=HTMLResponse)
def change_password_page(request: Request, ctx: Ctx) -> HTMLResponse:
    return _change_page(request, ctx)


@router.post("/account/password", response_model=None)
async def change_password(request: Request, ctx: Ctx) -> Any:
    form = await form_data(request)
    token = session_token(request)
    try:
        check_csrf(request, form)
        if form.get("new_password", "") != form.get("new_password_again", ""):
            raise FormErrors({"new_password_again": "does not match the new password"})
        auth.change_password(
            ctx, token, form.get("current_password", ""), form.get("new_password", "")
        )
    except (FormErrors, DomainError) as exc:
        errors = exc if isinstance(exc, FormErrors) else from_domain(exc, _FIELDS)
        return _change_page(request, ctx, errors, errors.status)
    return RedirectResponse("/?password=changed", status_code=303)


_FIELDS = {"current_password": "current_password", "new_password": "new_password"}

# The admin's buttons: the form's action → the use case and the notice shown after it.
ADMIN_ACTIONS = {
    "disable": (auth.disable_user, "{} is disabled; their sessions have ended."),
    "enable": (auth.enable_user, "{} is enabled again."),
    "revoke-sessions": (auth.revoke_sessions, "Every session of {} has ended."),
}
# Each button first opens a page that says what will happen (heading, explanation, button).
CONFIRM = {
    "disable": (
        "Disable {}?",
        "They can no longer log in, and every session they have open ends now. Their records and "
        "their entries in the audit log stay. You can enable the account again.",
        "Disable the account",
    ),
    "enable": (
        "Enable {} again?",
        "They can log in again with their password.",
        "Enable the account",
    ),
    "revoke-sessions": (
        "End every session of {}?",
        "They are logged out on every device now and must log in again; the account stays "
        "active. Use this when a device is lost or was left logged in.",
        "End their sessions",
    ),
    "reset-password": (
        "Reset the password of {}?",
        "tvec makes a temporary password and shows it to you once; their sessions end, and they "
        "must choose a new password when they log in with it.",
        "Reset the password",
    ),
}
AccountAction = Annotated[str, Path(max_length=20)]
UserId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/admin/users/{user_id}/{action}", response_class=HTMLResponse)
def admin_account_confirm(
    request: Request, ctx: Ctx, user: PageUser, user_id: UserId, action: AccountAction
) -> HTMLResponse:
    """The confirm step of an account button: what will happen, and the button that does it."""
    user.require(Action.MANAGE_USERS)
    account = next((u for u in auth.list_users(ctx, user) if u.id == user_id), None)
    if action not in CONFIRM or account is None:
        errors = FormErrors({}, "no such account or account action")
        return admin_view(request, ctx, user, errors, {}, "", 404)
    heading, explanation, button = CONFIRM[action]
    return render(
        request,
        "admin_confirm.html",
        user,
        nav="admin",
        account=account,
        action=action,
        heading=heading.format(account.username),
        explanation=explanation,
        button=button,
        account_status="active" if account.active else "disabled",
        mark=account_admin.reset_mark(account) if action == "reset-password" else "",
        errors=None,
    )


@router.post("/admin/users/{user_id}/{action}", response_model=None)
async def admin_account_action(
    request: Request, ctx: Ctx, user: PageUser, user_id: UserId, action: AccountAction
) -> Any:
    form = await form_data(request)
    user.require(Action.MANAGE_USERS)
    if action not in ADMIN_ACTIONS and action != "reset-password":
        return admin_view(request, ctx, user, FormErrors({}, "no such account action"), {}, "", 404)
    temporary = None
    try:
        check_csrf(request, form)
        if action == "reset-password" and form.get("password"):  # a password the admin chose
            auth.reset_password(ctx, user, user_id, form.get("password", ""))
            done = "{} has a temporary password, to be changed at their next login."
        elif action == "reset-password":
            account, password = account_admin.reset_to_temporary(
                ctx, user, user_id, form.get("mark", "")
            )
            temporary = (account.username, password)
            done = "{} has a new temporary password (below), to be changed at their next login."
        else:
            use_case, done = ADMIN_ACTIONS[action]
            use_case(ctx, user, user_id)
    except (FormErrors, DomainError) as exc:
        errors = exc if isinstance(exc, FormErrors) else from_domain(exc)
        return admin_view(request, ctx, user, errors, {}, "", errors.status)
    name = next((u.username for u in auth.list_users(ctx, user) if u.id == user_id), "")
    return admin_view(request, ctx, user, None, {}, done.format(name), temporary=temporary)
