"""The demo's safety-programme records: made once, the pharmacist's training expiring within the
worklist's window, and every demo clinician cleared to prepare and give (so the demo records
doses); loading the demo again adds nothing while the attestations still hold."""

from __future__ import annotations

from pathlib import Path

from tests.support.browser import demo_staff
from tests.support.clinic import close_app, make_app

from tvec.services import staff_safety, worklist
from tvec.services.seeding import load_demo


def test_the_demo_has_trainings_one_expiring_and_cleared_staff(tmp_path: Path) -> None:
    app, ctx = make_app(f"sqlite:///{tmp_path / 'tvec.db'}")
    try:
        load_demo(ctx, patients_wanted=0)
        staff = demo_staff(ctx)
        rows = staff_safety.list_trainings(ctx, staff.admin)
        assert sorted((r.user_name, r.current, r.expiring_soon) for r in rows) == [
            ("Dr Olu Oncologist", True, False),
            ("Nia Nurse", True, False),
            ("Pat Pharmacist", True, True),
        ]
        alerts = worklist.worklist(ctx, staff.nurse).trainings
        assert [(a.user_name, a.days_left) for a in alerts] == [("Pat Pharmacist", 12)]
        for actor in (staff.nurse, staff.oncologist, staff.pharmacist):
            assert staff_safety.my_attestation(ctx, actor).current
        load_demo(ctx, patients_wanted=0)
        assert len(staff_safety.list_trainings(ctx, staff.admin)) == 3
        with ctx.uow(readonly=True) as uow:
            ids = [staff.nurse.user_id]
            assert uow.staff_attestations.latest_for(ids)[staff.nurse.user_id].id == 1
    finally:
        close_app(app)
