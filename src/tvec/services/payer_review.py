"""The payer's side: receive PAS Bundles, evaluate them against the payer's policy, and approve,
pend or deny (docs/adr/0006-payer-reviewers.md).

A payer reviewer's account belongs to the payer's review office (a centre row of its own), so
everything centre-scoped in tvec is empty for them; they see the requests addressed to their
payer, and nothing else. The evaluation they see is the payer's policy applied to the facts the
Bundle carries, not to the clinic's chart.

Automatic approval (the aim of the CodeX prior-authorization-in-oncology use case): when every
criterion is met and every document is on file (decision `meets`), the request is approved on
receipt for the policy's length and the units asked for, recorded as automatic; otherwise it
waits for a reviewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tvec.domain.coverage import CoverageDecision, Decision
from tvec.domain.errors import InvalidInput, NotFound
from tvec.domain.prior_auth import MalformedBundle, RequestStatus
from tvec.interop.fhir import pas
from tvec.knowledge import load_policy
from tvec.persistence import records as r
from tvec.persistence.prior_auth_repositories import Payer, PriorAuthRequest
from tvec.persistence.uow import UnitOfWork
from tvec.schemas.clinic import UserIn
from tvec.schemas.prior_auth import AnswerIn
from tvec.services import auth
from tvec.services import prior_auth_facts as pf
from tvec.services.context import Actor, Context
from tvec.services.permissions import Action, Role
from tvec.services.plausible import near_today
from tvec.services.prior_auth import record_answer

OPEN = (RequestStatus.SUBMITTED, RequestStatus.APPEALED)  # waiting for the payer


@dataclass(frozen=True)
class Review:
    """A request as the payer's reviewer sees it: the evaluation of the Bundle's facts."""

    request: PriorAuthRequest
    clinic_name: str
    policy_title: str
    decision: CoverageDecision
    facts: dict[str, Any]
    lines: tuple[pas.ServiceLine, ...]


def receive(
    uow: UnitOfWork, actor: Actor, req: PriorAuthRequest, facts: dict[str, Any]
) -> PriorAuthRequest:
    """The payer's intake: approve automatically when the facts meet the policy."""
    decision = pf.evaluated(load_policy(req.policy_id), facts)
    if decision.decision is not Decision.MEETS or RequestStatus(req.status) not in OPEN:
        return req
    end = pf.window_end(req.service_date, pf.window_months(decision))
    answer = AnswerIn(
        status="approved",
        version=req.version,
        note="every criterion of the policy is met: approved automatically",
        authorization_number=f"AUTO-{req.id:06d}",
        window_start=req.service_date,
        window_end=end,
        units_authorized=req.units_requested,
    )
    return record_answer(uow, actor, req, answer, automatic=True)


def reviewer_payer(uow: UnitOfWork, actor: Actor) -> Payer | None:
    """The payer whose review office the reviewer works in (None: none, they see nothing)."""
    return uow.payers.of_office(actor.centre_id)


def receive_bundle(ctx: Context, actor: Actor, data: Any) -> PriorAuthRequest:
    """A PAS Bundle posted to the payer: read (a malformed one: MalformedBundle naming its path),
    matched to the request it carries, addressed to the reviewer's payer, and evaluated."""
    actor.require(Action.REVIEW_PRIOR_AUTH)
    try:
        received = pas.read_request(data)
    except pas.BundleRefused as refused:
        raise MalformedBundle(refused.path, refused.message) from None
    try:
        pf.stored_facts(received.facts)  # facts the policy's evaluation can read
    except InvalidInput as wrong:
        path = f"entry.0.resource.supportingInfo.1.valueAttachment.data.{wrong.field}"
        raise MalformedBundle(path, wrong.rule) from None
    with ctx.uow() as uow:
        req = _addressed(uow, actor, received.request_id)
        if received.policy_id != req.policy_id:
            raise MalformedBundle(
                "entry.0.resource.supportingInfo",
                f"names policy {received.policy_id}, not the request's {req.policy_id}",
            )
        saved = receive(uow, actor, req, received.facts)
        uow.commit()
        return saved


def _addressed(uow: UnitOfWork, actor: Actor, request_id: int) -> PriorAuthRequest:
    payer = reviewer_payer(uow, actor)
    found = uow.prior_auth_requests.find(request_id)
    if payer is None or found is None or found.payer_id != payer.id:
        raise NotFound("prior-auth-request", request_id)
    return found


def inbox(ctx: Context, actor: Actor) -> list[PriorAuthRequest]:
    """The requests addressed to the reviewer's payer, newest first."""
    actor.require(Action.REVIEW_PRIOR_AUTH)
    with ctx.uow(readonly=True) as uow:
        payer = reviewer_payer(uow, actor)
        return [] if payer is None else uow.prior_auth_requests.for_payer(payer.id)


def clinic_names(ctx: Context, actor: Actor) -> dict[int, str]:
    """The names of the clinics that addressed requests to the reviewer's payer."""
    actor.require(Action.REVIEW_PRIOR_AUTH)
    with ctx.uow(readonly=True) as uow:
        payer = reviewer_payer(uow, actor)
        found = [] if payer is None else uow.prior_auth_requests.for_payer(payer.id)
        return {c: uow.centres.get(c).name for c in {q.centre_id for q in found}}


def review(ctx: Context, actor: Actor, request_id: int) -> Review:
    actor.require(Action.REVIEW_PRIOR_AUTH)
    with ctx.uow(readonly=True) as uow:
        req = _addressed(uow, actor, request_id)
        received = pas.read_request(req.bundle)
        policy = load_policy(req.policy_id)
        return Review(
            req,
            uow.centres.get(req.centre_id).name,
            policy.shown_title,
            pf.evaluated(policy, received.facts),
            received.facts,
            received.lines,
        )


def decide(ctx: Context, actor: Actor, request_id: int, given: AnswerIn) -> PriorAuthRequest:
    """The reviewer's answer: approved (number, window, units), pended (what is asked) or denied
    (the reason)."""
    actor.require(Action.REVIEW_PRIOR_AUTH)
    if given.status not in (RequestStatus.PENDED, RequestStatus.APPROVED, RequestStatus.DENIED):
        raise InvalidInput(
            "Prior authorization", "status", "must be approved, pended or denied", given.status
        )
    for field in ("window_start", "window_end"):
        near_today(ctx, actor, "Prior authorization", field, getattr(given, field))
    with ctx.uow() as uow:
        req = _addressed(uow, actor, request_id)
        saved = record_answer(uow, actor, req, given, automatic=False)
        uow.commit()
        return saved


def open_payer_office(
    ctx: Context, payer_name: str, office_name: str, reviewer: UserIn, *, published: bool = False
) -> r.User:
    """Set up (or find) a payer's review office and a reviewer's account in it; the office is a
    centre row of its own, holding no clinic's records (used by `tvec db demo` and deployments,
    like `auth.bootstrap_centre`)."""
    if reviewer.role is not Role.PAYER_REVIEWER:
        raise InvalidInput("Payer office", "role", "must be payer_reviewer", reviewer.role)
    user = auth.bootstrap_centre(ctx, office_name, reviewer, published=published)
    with ctx.uow() as uow:
        payer = uow.payers.by_name(payer_name)
        if payer is None:
            uow.payers.add(by=user.id, name=payer_name, office_centre_id=user.centre_id)
        elif payer.office_centre_id is None:
            uow.payers.update(
                payer.id, expected_version=None, by=user.id, office_centre_id=user.centre_id
            )
        uow.commit()
    return user
