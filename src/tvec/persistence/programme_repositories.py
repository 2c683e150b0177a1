"""The safety programme's staff tables: training records and attestations (migration 0017)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select

from tvec.persistence import models as m
from tvec.persistence import records as r
from tvec.persistence.repository import Repository


class StaffTrainingRepository(Repository[m.StaffTrainingRow, r.StaffTraining]):
    row, record, entity = m.StaffTrainingRow, r.StaffTraining, "staff-training"

    def for_users(self, user_ids: Collection[int]) -> list[r.StaffTraining]:
        """The users' training records, latest completion first."""
        if not user_ids:
            return []
        t = m.StaffTrainingRow
        return self._all(
            self._select()
            .where(t.user_id.in_(sorted(user_ids)))
            .order_by(t.completed_on.desc(), t.id.desc())
        )

    def in_centre(self, centre_id: int) -> list[r.StaffTraining]:
        """The centre's training records, soonest expiry first."""
        t = m.StaffTrainingRow
        return self._all(
            self._select().where(t.centre_id == centre_id).order_by(t.expires_on, t.id)
        )


class StaffAttestationRepository(Repository[m.StaffAttestationRow, r.StaffAttestation]):
    row, record, entity = m.StaffAttestationRow, r.StaffAttestation, "staff-attestation"

    def latest_for(self, user_ids: Collection[int]) -> dict[int, r.StaffAttestation]:
        """Each user's latest attestation, for those who have one."""
        if not user_ids:
            return {}
        a = m.StaffAttestationRow
        newest = (
            select(func.max(a.id))
            .where(a.user_id.in_(sorted(user_ids)))
            .group_by(a.user_id)
            .scalar_subquery()
        )
        return {x.user_id: x for x in self._all(self._select().where(a.id.in_(newest)))}
