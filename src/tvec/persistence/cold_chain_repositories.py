"""The cold chain's tables: storage locations, their readings, excursions, acknowledgements, and the
vials an excursion quarantined.

Readings are many (a year of one-minute readings is half a million rows per location): they are
written in one statement per import without an audit entry each; the import itself is audited
once by the service, on its location.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select

from tvec.persistence import models as m
from tvec.persistence import records as r
from tvec.persistence.repository import Repository


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class StorageLocationRepository(Repository[m.StorageLocationRow, r.StorageLocation]):
    row, record, entity = m.StorageLocationRow, r.StorageLocation, "storage-location"

    def in_centre(self, centre_id: int) -> list[r.StorageLocation]:
        """The centre's freezers and fridges, by name."""
        s = m.StorageLocationRow
        return self._all(self._select().where(s.centre_id == centre_id).order_by(s.name, s.id))


class TemperatureReadingRepository(Repository[m.TemperatureReadingRow, r.TemperatureReading]):
    row, record, entity = m.TemperatureReadingRow, r.TemperatureReading, "temperature-reading"

    def add_series(self, location_id: int, rows: Sequence[tuple[datetime, float]]) -> None:
        """Store readings (not audited one by one: the service audits the import)."""
        if rows:
            self.connection.execute(
                insert(m.TemperatureReadingRow),
                [{"location_id": location_id, "at": at, "temperature_c": c} for at, c in rows],
            )

    def last(self, location_ids: Collection[int]) -> dict[int, tuple[datetime, float]]:
        """Each location's last reading (time, °C), for those that have one."""
        t = m.TemperatureReadingRow
        if not location_ids:
            return {}
        latest = (
            select(t.location_id, func.max(t.at).label("at"))
            .where(t.location_id.in_(sorted(location_ids)))
            .group_by(t.location_id)
            .subquery()
        )
        query = select(t.location_id, t.at, t.temperature_c).join(
            latest, (latest.c.location_id == t.location_id) & (latest.c.at == t.at)
        )
        return {
            row.location_id: (_utc(row.at), float(row.temperature_c))
            for row in self.connection.execute(query)
        }

    def stored_at(self, location_id: int, at: datetime) -> bool:
        t = m.TemperatureReadingRow
        query = select(t.id).where(t.location_id == location_id, t.at == at).limit(1)
        return self.connection.execute(query).first() is not None

    def series(self, location_id: int) -> tuple[list[datetime], list[float]]:
        """The location's readings in time order: times (UTC) and °C."""
        t = m.TemperatureReadingRow
        query = select(t.at, t.temperature_c).where(t.location_id == location_id).order_by(t.at)
        times: list[datetime] = []
        temperatures: list[float] = []
        for at, c in self.connection.execute(query):
            times.append(_utc(at))
            temperatures.append(float(c))
        return times, temperatures


class ExcursionRepository(Repository[m.ExcursionRow, r.Excursion]):
    row, record, entity = m.ExcursionRow, r.Excursion, "excursion"

    def in_centre(self, centre_id: int) -> list[r.Excursion]:
        """The centre's excursions, the latest first."""
        e = m.ExcursionRow
        query = self._select().where(e.centre_id == centre_id)
        return self._all(query.order_by(e.started_at.desc(), e.id.desc()))

    def of_location(self, location_id: int) -> list[r.Excursion]:
        """A location's excursions, the latest first."""
        e = m.ExcursionRow
        query = self._select().where(e.location_id == location_id)
        return self._all(query.order_by(e.started_at.desc(), e.id.desc()))

    def ongoing_at(self, location_id: int) -> r.Excursion | None:
        """The location's excursion with no reading back in band yet, if any."""
        e = m.ExcursionRow
        return self._first(self._select().where(e.location_id == location_id, e.ended_at.is_(None)))


class AcknowledgementRepository(
    Repository[m.ExcursionAcknowledgementRow, r.ExcursionAcknowledgement]
):
    row, record, entity = (
        m.ExcursionAcknowledgementRow,
        r.ExcursionAcknowledgement,
        "excursion-acknowledgement",
    )

    def of_excursions(self, ids: Collection[int]) -> list[r.ExcursionAcknowledgement]:
        a = m.ExcursionAcknowledgementRow
        if not ids:
            return []
        query = self._select().where(a.excursion_id.in_(sorted(ids)))
        return self._all(query.order_by(a.at, a.id))


class ExcursionVialRepository(Repository[m.ExcursionVialRow, r.ExcursionVial]):
    row, record, entity = m.ExcursionVialRow, r.ExcursionVial, "excursion-vial"

    def of_excursions(self, ids: Collection[int]) -> list[r.ExcursionVial]:
        x = m.ExcursionVialRow
        if not ids:
            return []
        return self._all(self._select().where(x.excursion_id.in_(sorted(ids))).order_by(x.id))

    def of_vial(self, vial_id: int) -> list[r.ExcursionVial]:
        x = m.ExcursionVialRow
        return self._all(self._select().where(x.vial_id == vial_id).order_by(x.id))


def stored_vials(
    connection: Any, location_id: int, statuses: Collection[str], received_until: datetime | None
) -> list[int]:
    """Ids of the vials stored at a location with one of these statuses, received (their
    shipment) no later than `received_until` (None: whenever)."""
    v, s = m.VialRow, m.ShipmentRow
    query = (
        select(v.id)
        .join(s, s.id == v.shipment_id)
        .where(v.location_id == location_id, v.status.in_(sorted(statuses)))
    )
    if received_until is not None:
        query = query.where(s.received_at <= received_until)
    return [row.id for row in connection.execute(query.order_by(v.id))]
