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
