"""Records and repositories of prior authorization: payers, requests, dose overrides."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tvec.persistence import prior_auth_rows as pa
from tvec.persistence.repository import Repository


@dataclass(frozen=True)
class Payer:
    id: int
    name: str
    office_centre_id: int | None


@dataclass(frozen=True)
class PriorAuthRequest:
    id: int
    centre_id: int
    course_id: int
    payer_id: int
    policy_id: str
    policy_version: str
    service_date: date
    review_type: str
    units_requested: Decimal
    status: str
    facts: dict[str, Any]
    bundle: dict[str, Any]
    note: str | None
    authorization_number: str | None
    window_start: date | None
    window_end: date | None
    units_authorized: Decimal | None
    decided_automatically: bool
    submitted_by: int
    submitted_at: datetime
    answered_by: int | None
    answered_at: datetime | None
    version: int


@dataclass(frozen=True)
class AuthorizationOverride:
    id: int
    visit_id: int
    override_reason: str
    recorded_by: int
    recorded_at: datetime


class PayerRepository(Repository[pa.PayerRow, Payer]):
    row, record, entity = pa.PayerRow, Payer, "payer"

    def by_name(self, name: str) -> Payer | None:
        return self._first(self._select().where(pa.PayerRow.name == name))

    def of_office(self, centre_id: int) -> Payer | None:
        """The payer whose review office is this centre (None: the centre is a clinic)."""
        return self._first(self._select().where(pa.PayerRow.office_centre_id == centre_id))


class PriorAuthRequestRepository(Repository[pa.PriorAuthRequestRow, PriorAuthRequest]):
    row, record, entity = pa.PriorAuthRequestRow, PriorAuthRequest, "prior-auth-request"

    def for_course(self, course_id: int) -> list[PriorAuthRequest]:
        """The course's requests, oldest first."""
        q = pa.PriorAuthRequestRow
        return self._all(self._select().where(q.course_id == course_id).order_by(q.id))

    def for_courses(self, course_ids: Collection[int]) -> list[PriorAuthRequest]:
        if not course_ids:
            return []
        q = pa.PriorAuthRequestRow
        return self._all(
            self._select().where(q.course_id.in_(course_ids)).order_by(q.course_id, q.id)
        )

    def for_payer(self, payer_id: int) -> list[PriorAuthRequest]:
        """The requests addressed to the payer, newest first."""
        q = pa.PriorAuthRequestRow
        return self._all(self._select().where(q.payer_id == payer_id).order_by(q.id.desc()))

    def in_centre(self, centre_id: int) -> list[PriorAuthRequest]:
        """The clinic's requests, newest first."""
        q = pa.PriorAuthRequestRow
        return self._all(self._select().where(q.centre_id == centre_id).order_by(q.id.desc()))


class AuthorizationOverrideRepository(
    Repository[pa.AuthorizationOverrideRow, AuthorizationOverride]
):
    row, record, entity = (
        pa.AuthorizationOverrideRow,
        AuthorizationOverride,
        "authorization-override",
    )

    def for_visits(self, visit_ids: Collection[int]) -> list[AuthorizationOverride]:
        if not visit_ids:
            return []
        o = pa.AuthorizationOverrideRow
        return self._all(self._select().where(o.visit_id.in_(visit_ids)).order_by(o.id))
