"""A de-identified safety case for the export tests (plain values, as a service builds them)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tvec.interop.e2b import Dose, SafetyCase, Seriousness

CASE = SafetyCase(
    report_id="TVEC-1-AE-7-V1",
    created_on=date(2026, 6, 1),
    first_received_on=None,
    most_recent_on=date(2026, 6, 1),
    expedited=True,
    sender_organisation="Test centre",
    reporter_qualification="physician",
    age_at_onset_years=71,
    sex="male",
    term="Skin infection",
    meddra_code=10040872,
    ctcae_grade=3,
    seriousness=Seriousness(hospitalisation=True),
    serious=True,
    expected=False,
    onset=date(2026, 5, 30),
    resolved_on=date(2026, 5, 31),
    outcome="recovered/resolved",
    related="not yet assessed",
    doses=(
        Dose(date(2026, 5, 1), Decimal("4.0"), 10**6, "LOT-A"),
        Dose(date(2026, 5, 22), Decimal("2.5"), 10**8, "LOT-B"),
    ),
    action_taken="antibiotics",
    narrative="A patient aged 71 years developed cellulitis.",
)
