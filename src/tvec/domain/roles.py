"""The staff roles of a treatment centre.

A role is a plain value that records, schemas and the permission table (`tvec.services.permissions`)
all name, so it lives at the bottom of the layers.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ONCOLOGIST = "oncologist"
    NURSE = "nurse"
    PHARMACIST = "pharmacist"
    BILLING = "billing"
    RESEARCHER = "researcher"
    ADMIN = "admin"
    # a payer's utilization reviewer: an account of the payer's own review office (a centre row
    # of its own), seeing only the prior-authorization requests addressed to that payer
    PAYER_REVIEWER = "payer_reviewer"
