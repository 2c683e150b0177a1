"""Helpers of the FHIR import tests: a transaction Bundle of resources, and the row counts that a
refused import must leave as they were."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from tvec.services.context import Context

TABLES = (
    "patients",
    "diagnoses",
    "lesions",
    "measurements",
    "courses",
    "visits",
    "administrations",
    "adverse_events",
    "vial_lots",
    "fhir_links",
)
# the audit entries of records (a login's session is audited too, import or not)
AUDITED = "SELECT count(*) FROM audit_log WHERE entity <> 'auth-session'"


def transaction(resources: list[dict[str, Any]]) -> dict[str, Any]:
    """A FHIR transaction Bundle that creates the resources."""
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": f"{r['resourceType']}/{r['id']}",
                "resource": r,
                "request": {"method": "POST", "url": r["resourceType"]},
            }
            for r in resources
        ],
    }


def row_counts(ctx: Context) -> dict[str, int]:
    """How many rows each table an import writes holds, and the audit entries of records."""
    with ctx.uow(readonly=True) as uow:
        run = uow.connection.execute
        counts = {t: int(run(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES}
        counts["audit_log"] = int(run(text(AUDITED)).scalar_one())
        return counts
