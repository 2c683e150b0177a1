"""The demo's prior authorizations: the payer's review office and its reviewer, one approved
authorization partly used, one pended request, and one course whose due visit is warned because
its approved window ends within 30 days.

Called once by `tvec db demo` (`tvec.services.seeding.load_demo`) after the demo patients are
treated; a demo database that already holds requests is left as it is.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from tvec.domain.policy import ReviewType
from tvec.domain.prior_auth import RequestStatus
from tvec.knowledge import load_policy
from tvec.persistence.prior_auth_repositories import PriorAuthRequest
from tvec.schemas.clinic import UserIn
from tvec.schemas.prior_auth import AnswerIn, PriorAuthIn
from tvec.services import payer_review, prior_auth
from tvec.services.authorization_windows import WINDOW_ENDING_DAYS
from tvec.services.context import Actor, Context
from tvec.services.permissions import Role
from tvec.services.prior_auth_facts import window_end
from tvec.services.worklist import worklist

DEMO_POLICY = "5.01.562"
# the demo's payer reviewer (a published demo password, as the centre's demo users')
REVIEWER = ("payer_reviewer", "Pia Payer-Reviewer", "demo-payer_reviewer-pass")
# what the billing office adds to the chart's facts in the demo (the chart holds the rest)
ANSWERS = {
    "prescriber_specialty": "oncology",
    "prior_therapies": ["pembrolizumab"],
    "documents": ["office-notes", "history", "physical-exam"],
}
ASKED = "Send the office notes with the history and the physical examination."


def seed_prior_auth(ctx: Context, nurse: Actor, billing_username: str = "billing") -> None:
    """The demo's requests, made by the centre's billing office (none made when the centre
    already has some, or has no billing user)."""
    with ctx.uow(readonly=True) as uow:
        found = uow.users.by_username(billing_username)
    if found is None or found.centre_id != nurse.centre_id:
        return
    billing = Actor(found.id, found.centre_id, Role.BILLING, found.username, nurse.time_zone)
    if prior_auth.centre_requests(ctx, billing):
        return
    policy = load_policy(DEMO_POLICY)
    username, name, password = REVIEWER
    user = payer_review.open_payer_office(
        ctx,
        policy.payer,
        f"{policy.payer} utilization review",
        UserIn(username=username, full_name=name, role=Role.PAYER_REVIEWER, password=password),
        published=True,
    )
    reviewer = Actor(user.id, user.centre_id, Role.PAYER_REVIEWER, username)
    courses = prior_auth.open_courses(ctx, billing)
    due = [d.course_id for d in worklist(ctx, nurse).due if not d.held]
    others = [c for c in courses if c.course_id not in due]
    if not due or len(others) < 2:
        return
    today = ctx.today(nurse)
    used, pended = others[-1], others[0]  # the longest treated; the latest started
    # approved (automatically when the chart meets the policy) from the course's start
    _approved(ctx, billing, reviewer, used.course_id, used.start_date, None)
    # pended: the documents are not on file yet
    req = _request(ctx, billing, pended.course_id, pended.start_date, documents=False)
    if RequestStatus(req.status) is RequestStatus.SUBMITTED:
        answer = AnswerIn(status="pended", version=req.version, note=ASKED)
        payer_review.decide(ctx, reviewer, req.id, answer)
    # a due visit warned: its window ends within the warning period
    warned = next(c for c in courses if c.course_id == due[0])
    _approved(
        ctx,
        billing,
        reviewer,
        warned.course_id,
        warned.start_date,
        today + timedelta(days=WINDOW_ENDING_DAYS // 2),
    )


def _request(
    ctx: Context, billing: Actor, course_id: int, start: date, *, documents: bool
) -> PriorAuthRequest:
    asked = PriorAuthIn.model_validate(
        {
            "policy_id": DEMO_POLICY,
            "service_date": start,
            **ANSWERS,
            "documents": ANSWERS["documents"] if documents else [],
        }
    )
    return prior_auth.submit_request(ctx, billing, course_id, asked)


def _approved(
    ctx: Context,
    billing: Actor,
    reviewer: Actor,
    course_id: int,
    start: date,
    ends: date | None,
) -> None:
    """A request for the course, approved: automatically when the chart meets the policy and no
    other end is wanted, else by the reviewer (a shorter window where `ends` is given)."""
    req = _request(ctx, billing, course_id, start, documents=ends is None)
    if RequestStatus(req.status) is RequestStatus.APPROVED:
        return
    answer = AnswerIn(
        status="approved",
        version=req.version,
        authorization_number=f"PRE-{req.id:06d}",
        window_start=req.service_date,
        window_end=ends or window_end(req.service_date, _months()),
        units_authorized=req.units_requested or Decimal(400),
    )
    payer_review.decide(ctx, reviewer, req.id, answer)


def _months() -> int:
    """The policy's initial authorization length for a standard review."""
    return load_policy(DEMO_POLICY).authorization.initial_months[ReviewType.STANDARD]
