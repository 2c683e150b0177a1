"""Helpers for the alert-card, education and exposure tests: a clinic on the API with EU and US
courses whose first dose is given today, and a PDF's page sizes read from WeasyPrint's output."""

from __future__ import annotations

import re
import zlib
from typing import Any

from fastapi import FastAPI

from tests.support.clinic import (
    TODAY,
    TestClient,
    add_vial_lot,
    administration_body,
    audit_total,
    client_for,
    login_all,
    make_patient_ready_for_course,
    ok,
    plan_visit,
    seed_staff,
)
from tvec.services import cold_chain
from tvec.services.permissions import Role

LOT6 = "CARD6-A01"
# No visceral lesion: within the EU indication too (SmPC §4.1).
EU_LESIONS = (("L1", "cutaneous", "3.2", "2.0"), ("L2", "subcutaneous", "1.8", "1.2"))
WALLET_PT = (242.65, 153.07)  # 85.6 × 54 mm in PDF points
A4_PT = (595.28, 841.89)


class Clinic:
    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.ctx = app.state.ctx
        self.client: TestClient = client_for(app)
        self.staff = seed_staff(self.ctx)
        self.h = login_all(self.client, self.staff)
        self.nurse, self.onc = self.h[Role.NURSE], self.h[Role.ONCOLOGIST]
        add_vial_lot(self.client, self.h[Role.PHARMACIST], LOT6, 10**6)
        # a qualified centre (the EU safety programme): an ultra-low freezer on record
        cold_chain.add_location(self.ctx, self.staff[Role.PHARMACIST].actor, "ULT-1", "freezer")

    def actor(self, role: Role) -> Any:
        return self.staff[role].actor

    def course(self, mrn: str, label: str = "eu", *, dose: bool = True) -> tuple[int, int]:
        """A patient whose course on `label` starts today, its first dose given today."""
        ready = make_patient_ready_for_course(
            self.client, self.nurse, mrn=mrn, lesions=EU_LESIONS, measured_on=TODAY
        )
        pid = ready["patient"]["id"]
        course = ok(
            self.client.post(
                f"/patients/{pid}/courses",
                json={"label_variant": label, "start_date": TODAY.isoformat()},
                headers=self.onc,
            ),
            201,
        )
        if dose:
            visit = plan_visit(self.client, self.nurse, course["id"], stale_reason=None)
            body = administration_body(visit, LOT6, TODAY)
            ok(
                self.client.post(
                    f"/visits/{visit['id']}/administrations", json=body, headers=self.nurse
                ),
                201,
            )
        return pid, course["id"]

    def audit(self) -> int:
        return audit_total(self.client, self.h[Role.ADMIN])


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """The (width, height) in points of each page's MediaBox, read from the PDF's objects
    (WeasyPrint compresses them into object streams: those are inflated first)."""
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    texts = [pdf]
    for found in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            texts.append(zlib.decompress(found.group(1)))
        except zlib.error:
            continue
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", b"\n".join(texts))
    return [(round(float(w), 2), round(float(h), 2)) for w, h in boxes]
