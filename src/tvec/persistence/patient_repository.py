"""The patients' repository: registration order, the search by name, MRN and date of birth, and
the search key (`name_key`) kept with every write of a name or the MRN (tvec.domain.identity).

Kept apart from `tvec.persistence.repositories` (which re-exports it) for its size; it follows the
same pattern: named queries on the shared base, which audits every write.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.sql import ColumnElement

from tvec.domain.identity import PatientSearch, name_key
from tvec.persistence import models as m
from tvec.persistence import records as r
from tvec.persistence.repository import Repository


class PatientRepository(Repository[m.PatientRow, r.Patient]):
    row, record, entity = m.PatientRow, r.Patient, "patient"

    def by_mrn(self, centre_id: int, mrn: str) -> r.Patient | None:
        p = m.PatientRow
        return self._first(self._select().where(p.centre_id == centre_id, p.mrn == mrn))

    def in_centre(self, centre_id: int) -> list[r.Patient]:
        """The centre's patients, in the order they were registered."""
        return self._all(self._in_centre(centre_id))

    def page_in_centre(self, centre_id: int, limit: int, offset: int) -> list[r.Patient]:
        """One page of `in_centre`."""
        return self._all(self._in_centre(centre_id).limit(limit).offset(offset))

    def count_in_centre(self, centre_id: int) -> int:
        return self._count(m.PatientRow.centre_id == centre_id)

    def _in_centre(self, centre_id: int) -> Select[Any]:
        p = m.PatientRow
        return self._select().where(p.centre_id == centre_id).order_by(p.id)

    def search_in_centre(
        self, centre_id: int, search: PatientSearch, limit: int, offset: int
    ) -> list[r.Patient]:
        """One page of the centre's patients that match the search (tvec.domain.identity), by
        family name, given name (accents and case ignored), then registration."""
        p = m.PatientRow
        query = self._select().where(*self._matching(centre_id, search))
        return self._all(query.order_by(p.name_key, p.id).limit(limit).offset(offset))

    def count_search(self, centre_id: int, search: PatientSearch) -> int:
        """How many of the centre's patients match the search."""
        return self._count(*self._matching(centre_id, search))

    @staticmethod
    def _matching(centre_id: int, search: PatientSearch) -> list[ColumnElement[bool]]:
        p = m.PatientRow
        where: list[ColumnElement[bool]] = [p.centre_id == centre_id]
        if search.date_typed:
            where.append(p.birth_date.in_(search.birth_dates))  # none real: nobody
        if search.mrn is not None:
            where.append(p.mrn == search.mrn)
        where.extend(p.name_key.contains(word, autoescape=True) for word in search.words)
        return where

    # The search key follows every write of a name or the MRN, whoever writes it.

    def add_many(
        self,
        rows: Sequence[dict[str, Any]],
        *,
        by: int | None,
        reason: str | None = None,
        audit: bool = True,
    ) -> list[r.Patient]:
        keyed = [{**row, "name_key": _key_of(row)} for row in rows]
        return super().add_many(keyed, by=by, reason=reason, audit=audit)

    def update(self, record_id: int, **kwargs: Any) -> r.Patient:
        if _KEYED & kwargs.keys():
            current = kwargs.get("read") or self.get(record_id)
            merged = {f: kwargs.get(f, getattr(current, f)) for f in _KEYED}
            kwargs["name_key"] = _key_of(merged)
        return super().update(record_id, **kwargs)


_KEYED = frozenset({"given_name", "family_name", "preferred_name", "mrn"})


def _key_of(values: dict[str, Any]) -> str:
    return name_key(
        values.get("given_name") or "",
        values.get("family_name") or "",
        values.get("preferred_name"),
        values.get("mrn") or "",
    )
