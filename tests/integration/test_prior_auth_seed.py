"""The demo's prior authorizations (`tvec db demo`): one approved authorization partly used, one
pended request, and one visit on the worklist warned for its window."""

from __future__ import annotations

from tests.integration.test_seeding import migrated

from tvec.services import authorization_windows as aw
from tvec.services import payer_review, prior_auth, worklist
from tvec.services.context import Actor
from tvec.services.permissions import Role
from tvec.services.seeding import demo_centre, load_demo


def test_the_demo_has_an_approved_authorization_partly_used_a_pended_one_and_a_warned_visit(
    database_url: str,
) -> None:
    ctx = migrated(database_url)
    try:
        assert load_demo(ctx) == 20
        staff = demo_centre(ctx)
        with ctx.uow(readonly=True) as uow:
            billing_user = uow.users.by_username("billing")
            reviewer_user = uow.users.by_username("payer_reviewer")
        assert billing_user is not None
        assert reviewer_user is not None
        billing = Actor(billing_user.id, billing_user.centre_id, Role.BILLING, "billing")
        reviewer = Actor(
            reviewer_user.id, reviewer_user.centre_id, Role.PAYER_REVIEWER, "payer_reviewer"
        )
        requests = prior_auth.centre_requests(ctx, billing)
        usage = [u for q in requests for u in aw.course_usage(ctx, billing, q.course_id)]
        work = worklist.worklist(ctx, staff.nurse)
        inbox = payer_review.inbox(ctx, reviewer)
    finally:
        ctx.engine.dispose()
    assert sorted(q.status for q in requests) == ["approved", "approved", "pended"]
    assert any(0 < u.units_used < u.authorization.units_authorized for u in usage), usage
    assert any(
        "within 30 days" in w for warnings in work.authorization.values() for w in warnings
    ), work.authorization
    assert {q.id for q in inbox} == {q.id for q in requests}  # addressed to the demo payer
