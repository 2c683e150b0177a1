"""The claims' repositories: billing profiles, member ids, and the exported batches (added, read,
never updated: the tables refuse it)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from tvec.persistence import claim_rows as c
from tvec.persistence.repository import Repository


@dataclass(frozen=True)
class BillingProfile:
    id: int
    centre_id: int
    place_of_service: str
    provider_name: str
    npi: str
    tax_id: str
    address: str
    city: str
    state: str
    postal_code: str
    contact_name: str
    contact_phone: str
    submitter_id: str
    receiver_id: str
    receiver_name: str
    payer_name: str
    payer_id: str
    fees: dict[str, str]
    policy_id: str | None
    version: int


@dataclass(frozen=True)
class ClaimSubscriber:
    id: int
    patient_id: int
    member_id: str
    version: int


@dataclass(frozen=True)
class ClaimBatch:
    id: int
    centre_id: int
    control_number: int
    created_at: datetime
    created_by: int
    claim_count: int
    x12: str
    csv: str


@dataclass(frozen=True)
class Claim:
    id: int
    batch_id: int
    visit_id: int
    patient_id: int
    control_number: str
    service_date: date
    place_of_service: str
    diagnosis_codes: list[str]
    authorization_number: str | None
    total_charge: Decimal


@dataclass(frozen=True)
class ClaimLine:
    id: int
    claim_id: int
    number: int
    code: str
    modifiers: list[str]
    units: Decimal
    charge: Decimal
    ndc11: str | None
    ndc_unit: str | None
    ndc_quantity: Decimal | None


class BillingProfileRepository(Repository[c.BillingProfileRow, BillingProfile]):
    row, record, entity = c.BillingProfileRow, BillingProfile, "billing-profile"

    def for_centre(self, centre_id: int) -> BillingProfile | None:
        return self._first(self._select().where(c.BillingProfileRow.centre_id == centre_id))


class ClaimSubscriberRepository(Repository[c.ClaimSubscriberRow, ClaimSubscriber]):
    row, record, entity = c.ClaimSubscriberRow, ClaimSubscriber, "claim-subscriber"

    def for_patients(self, patient_ids: Collection[int]) -> list[ClaimSubscriber]:
        if not patient_ids:
            return []
        return self._all(self._select().where(c.ClaimSubscriberRow.patient_id.in_(patient_ids)))


class ClaimBatchRepository(Repository[c.ClaimBatchRow, ClaimBatch]):
    row, record, entity = c.ClaimBatchRow, ClaimBatch, "claim-batch"

    def in_centre(self, centre_id: int) -> list[ClaimBatch]:
        """The centre's batches, newest first."""
        b = c.ClaimBatchRow
        return self._all(self._select().where(b.centre_id == centre_id).order_by(b.id.desc()))

    def next_control_number(self, centre_id: int) -> int:
        b = c.ClaimBatchRow
        query = select(func.coalesce(func.max(b.control_number), 0)).where(b.centre_id == centre_id)
        return int(self.connection.execute(query).scalar_one()) + 1


class ClaimRepository(Repository[c.ClaimRow, Claim]):
    row, record, entity = c.ClaimRow, Claim, "claim"

    def billed_visits(self, visit_ids: Collection[int]) -> set[int]:
        """Those of the visits already on an exported claim."""
        if not visit_ids:
            return set()
        query = select(c.ClaimRow.visit_id).where(c.ClaimRow.visit_id.in_(visit_ids))
        return {int(v) for v in self.connection.execute(query).scalars()}

    def in_batch(self, batch_id: int) -> list[Claim]:
        return self._all(
            self._select().where(c.ClaimRow.batch_id == batch_id).order_by(c.ClaimRow.id)
        )


class ClaimLineRepository(Repository[c.ClaimLineRow, ClaimLine]):
    row, record, entity = c.ClaimLineRow, ClaimLine, "claim-line"
