"""The record step offers the nurse only lots that have not expired, the visit's strength first and
the lot that expires first at the top (first expiry, first out); an expired lot is never offered.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from tests.support.browser import OLDER_SIZES, centre_today, demo_staff, make_due_patient
from tests.support.clinic import client_for, close_app, login_form, make_app

from tvec.schemas.clinic import VialLotIn
from tvec.services import vials, visits
from tvec.services.seeding import load_demo

OPTION = re.compile(r'<option value="([^"]*)"')


def test_the_record_step_offers_no_expired_lot_and_the_first_to_expire_first(
    tmp_path: Path,
) -> None:
    app, ctx = make_app(f"sqlite:///{tmp_path / 'tvec.db'}")
    try:
        load_demo(ctx, patients_wanted=0)
        staff = demo_staff(ctx)
        today = centre_today(ctx)
        for lot, days in (("GONE8-X01", -1), ("SOON8-X02", 40), ("TODAY8-X03", 0)):
            new = VialLotIn(lot=lot, pfu_per_ml=10**8, expiry_date=today + timedelta(days=days))
            vials.add_lot(ctx, staff.pharmacist, new)
        due = make_due_patient(ctx, staff, "LOTS-1")
        planned = visits.plan_next_visit(ctx, staff.nurse, due.course_id, stale_reason=OLDER_SIZES)
        client = client_for(app)
        data = {"username": "nurse", "password": "demo-nurse-pass"} | login_form(client)
        assert client.post("/login", data=data, follow_redirects=False).status_code == 303
        page = client.get(f"/chart/{due.patient_id}/visit/{planned.id}/record")
        assert page.status_code == 200, page.text[:300]
        first_select = page.text.split("<select", 2)[1]
        offered = [lot for lot in OPTION.findall(first_select) if lot]
        assert "GONE8-X01" not in offered
        assert offered[:3] == ["TODAY8-X03", "SOON8-X02", "DEMO8-B01"]
        lots = {lot.lot: lot for lot in vials.list_lots(ctx, staff.pharmacist)}
        strengths = [lots[lot].pfu_per_ml for lot in offered]
        # the visit's strength first, then the other strength, each first expiry first
        assert strengths == sorted(strengths, key=lambda pfu: pfu != 10**8)
        assert 10**6 in strengths
        for pfu in (10**6, 10**8):
            expiries = [lots[lot].expiry_date for lot in offered if lots[lot].pfu_per_ml == pfu]
            assert expiries == sorted(expiries)
    finally:
        close_app(app)
