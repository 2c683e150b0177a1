"""The record step names the thawed vial each dose was drawn from: the nurse picks it beside the
lot, reviews, confirms, and the vial's draw, dose and leftover discard are on its record. A vial
the rules refuse is named in its lesion's row, and nothing is saved."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.e2e.test_api_bedside_vials import receive_and_thaw
from tests.support.browser import OLDER_SIZES, demo_staff, make_due_patient
from tests.support.clinic import NOW, client_for, close_app, login_form, make_app

from tvec.domain.zones import wall_time_text
from tvec.services import second_check, vial_events, visits
from tvec.services.seeding import load_demo

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def form_of(page: str, visit: Any, vial: int, zone: str) -> dict[str, str]:
    first = visit.plan.injections[0].lesion_id
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    return {
        "csrf": CSRF.findall(page)[0],
        "version": str(visit.version),
        "idempotency_key": key.group(1) if key else "",
        "administered_at": wall_time_text(NOW, zone),
        f"volume-{first}": "0.5",
        f"lot-{first}": "BED-013",
        f"vial-{first}": str(vial),
        "leftover_reason": "unused",
    }


def test_the_nurse_names_the_vial_and_its_leftover_is_discarded(tmp_path: Path) -> None:
    app, ctx = make_app(f"sqlite:///{tmp_path / 'tvec.db'}")
    try:
        load_demo(ctx, patients_wanted=0)
        staff = demo_staff(ctx)
        found = receive_and_thaw(ctx)
        due = make_due_patient(ctx, staff, "VIAL-1")
        visit = visits.plan_next_visit(ctx, staff.nurse, due.course_id, stale_reason=OLDER_SIZES)
        client = client_for(app)
        data = {"username": "nurse", "password": "demo-nurse-pass"} | login_form(client)
        assert client.post("/login", data=data, follow_redirects=False).status_code == 303
        zone = second_check.centre_settings(ctx, staff.nurse).time_zone
        url = f"/chart/{due.patient_id}/visit/{visit.id}/record"
        page = client.get(url)
        assert "serial S0 · lot BED-013" in page.text  # the thawed 10^8 vials are offered
        assert "serial S9" not in page.text  # not the 10^6 one: another strength
        # a vial in stock (never thawed) is refused in its row; nothing is saved
        refused = client.post(
            url, data=form_of(page.text, visit, found["S2"], zone) | {"step": "review"}
        )
        assert refused.status_code == 422
        assert "only a thawed vial is given" in refused.text
        review = client.post(
            url, data=form_of(page.text, visit, found["S0"], zone) | {"step": "review"}
        )
        assert review.status_code == 200, review.text[:400]
        confirm = dict(
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', review.text)
        )
        done = client.post(url, data=confirm | {"step": "confirm"}, follow_redirects=False)
        assert done.status_code == 303, done.text[:400]
        used = vial_events.vial_detail(ctx, staff.nurse, found["S0"])
        assert [e.kind for e in used.events] == [
            "thawed",
            "drawn_into_syringe",
            "given",
            "discarded",
        ]
        assert used.status == "discarded"
    finally:
        close_app(app)
