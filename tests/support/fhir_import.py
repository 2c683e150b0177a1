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
    "audit_log",
)


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
    """How many rows each table an import writes holds."""
    with ctx.uow(readonly=True) as uow:
        return {
            table: int(uow.connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in TABLES
        }
