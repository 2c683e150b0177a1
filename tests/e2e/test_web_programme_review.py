"""The record step's review lists the safety programme's missing dose requirements that only warn
(here a US nurse without current training: tvec's rule warns), before the nurse confirms."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.browser import OLDER_SIZES, demo_staff, make_due_patient
from tests.support.clinic import client_for, close_app, login_form, make_app, password_of

from tvec.schemas.clinic import UserIn
from tvec.schemas.programme import AttestationIn
from tvec.services import auth, staff_safety, visits
from tvec.services.context import Actor
from tvec.services.permissions import Role
from tvec.services.seeding import load_demo

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def test_the_review_shows_a_missing_training_that_only_warns(tmp_path: Path) -> None:
    app, ctx = make_app(f"sqlite:///{tmp_path / 'tvec.db'}")
    try:
        load_demo(ctx, patients_wanted=0)
        staff = demo_staff(ctx)
        user = auth.create_user(
            ctx,
            staff.admin,
            UserIn(username="nurse-two", full_name="Nell Newcomer", role=Role.NURSE,
                   password=password_of("nurse-two")),
        )  # fmt: skip
        staff_safety.attest(ctx, Actor(user.id, user.centre_id, Role.NURSE, "nurse-two"),
                            AttestationIn(cleared=True))  # fmt: skip
        due = make_due_patient(ctx, staff, "PROG-R")
        planned = visits.plan_next_visit(ctx, staff.nurse, due.course_id, stale_reason=OLDER_SIZES)
        client = client_for(app)
        data = {"username": "nurse-two", "password": password_of("nurse-two")}
        assert client.post("/login", data=data | login_form(client)).status_code == 200
        url = f"/chart/{due.patient_id}/visit/{planned.id}/record"
        form_page = client.get(url)
        assert form_page.status_code == 200, form_page.text[:300]
        found = CSRF.search(form_page.text)
        assert found
        injection = planned.plan.injections[0]
        form = {
            "csrf": found.group(1),
            "version": str(planned.version),
            "administered_at": re.search(r'name="administered_at"[^>]*value="([^"]+)"',
                                         form_page.text).group(1),  # type: ignore[union-attr]
            f"volume-{injection.lesion_id}": str(injection.volume_ml),
            f"lot-{injection.lesion_id}": "DEMO8-B01",
            "step": "review",
        }  # fmt: skip
        review = client.post(url, data=form)
        assert review.status_code == 200, review.text[:2000]
        assert 'data-testid="programme-warnings"' in review.text
        assert "The person giving the dose holds current IMLYGIC training" in review.text
        assert "record their completed training with its expiry date" in review.text
    finally:
        close_app(app)
