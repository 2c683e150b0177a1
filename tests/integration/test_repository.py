"""The repositories on both databases: several records added at once (as the doses of one visit
are) come back in the order given, each with its own audit entry, or not at all; and the named
queries that rely on SQL beyond plain filters (a window function, paging) answer alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.unit.test_services_clinic import make_ctx

from tvec.domain.errors import Conflict, NotFound
from tvec.persistence.models import AuditRow, VialLotRow
from tvec.services.context import Actor, Context


@pytest.fixture
def clinic(database_url: str) -> Iterator[tuple[Context, Actor]]:
    """A centre on the database under test, and its pharmacist."""
    ctx, actors, _ = make_ctx(url=database_url)
    yield ctx, actors["pharmacist"]
    ctx.engine.dispose()


def count(ctx: Context, table: Any) -> int:
    with ctx.uow(readonly=True) as uow:
        return int(uow.connection.execute(select(func.count()).select_from(table)).scalar_one())


def lots(ctx: Context, pharmacist: Actor, names: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "centre_id": pharmacist.centre_id,
            "lot": name,
            "pfu_per_ml": 10**6 if n % 2 else 10**8,
            "expiry_date": date(2030, 1, 1 + n),
            "created_by": pharmacist.user_id,
            "created_at": ctx.clock(),
        }
        for n, name in enumerate(names)
    ]


def test_records_added_together_come_back_in_the_order_given_each_audited(
    clinic: tuple[Context, Actor],
) -> None:
    ctx, pharmacist = clinic
    names = ["Q7", "B2", "Z9", "A1", "M5"]  # neither sorted nor reverse-sorted
    with ctx.uow() as uow:
        added = uow.vial_lots.add_many(lots(ctx, pharmacist, names), by=pharmacist.user_id)
        uow.commit()

    assert [x.lot for x in added] == names
    assert [x.expiry_date.day for x in added] == [1, 2, 3, 4, 5]
    with ctx.uow(readonly=True) as uow:
        stored = {x.id: x for x in uow.vial_lots.in_centre(pharmacist.centre_id)}
        entries = uow.connection.execute(
            select(
                AuditRow.entity_id,
                AuditRow.action,
                AuditRow.user_id,
                AuditRow.before,
                AuditRow.after,
            )
            .where(AuditRow.entity == "vial-lot")
            .order_by(AuditRow.id)
        )
        audit = [(*entry[:4], entry.after["lot"]) for entry in entries]
    assert [stored[x.id] for x in added] == added  # each id is that record's own row
    assert audit == [(x.id, "create", pharmacist.user_id, None, x.lot) for x in added]


def test_a_clash_in_records_added_together_writes_none_of_them(
    clinic: tuple[Context, Actor],
) -> None:
    ctx, pharmacist = clinic
    with ctx.uow() as uow:
        uow.vial_lots.add(by=pharmacist.user_id, **lots(ctx, pharmacist, ["A1"])[0])
        uow.commit()
    audited = count(ctx, AuditRow)

    def add_three_one_taken() -> None:
        with ctx.uow() as uow:
            uow.vial_lots.add_many(lots(ctx, pharmacist, ["C3", "A1", "D4"]), by=pharmacist.user_id)
            uow.commit()

    with pytest.raises(Conflict, match="the lot is already registered") as refused:
        add_three_one_taken()
    assert refused.value.fields["field"] == "lot"

    with ctx.uow(readonly=True) as uow:
        assert uow.connection.execute(select(VialLotRow.lot)).scalars().all() == ["A1"]
    assert count(ctx, AuditRow) == audited


def test_nothing_to_add_adds_nothing() -> None:
    ctx, actors, _ = make_ctx()
    with ctx.uow() as uow:
        assert uow.vial_lots.add_many([], by=actors["pharmacist"].user_id) == []


# ---- named queries ----------------------------------------------------------------------------


def add_lesion_measurements(
    ctx: Context, pharmacist: Actor, rows: dict[str, tuple[str, list[tuple[int, str]]]]
) -> tuple[int, dict[str, int]]:
    """A patient with lesions named as in `rows`: each with its status and its measurements as
    (day of January 2030, status), entered in the order given. Returns (patient id, lesion ids)."""
    by = pharmacist.user_id
    with ctx.uow() as uow:
        patient = uow.patients.add(
            by=by,
            centre_id=pharmacist.centre_id,
            mrn="REPO-1",
            birth_date=date(1960, 1, 1),
            sex="female",
            created_at=ctx.clock(),
        )
        ids = {}
        for name, (status, measured) in rows.items():
            lesion = uow.lesions.add(
                by=by,
                patient_id=patient.id,
                name=name,
                site="cutaneous",
                location="arm",
                first_seen=date(2030, 1, 1),
                injectable=True,
                cluster=None,
                status=status,
            )
            ids[name] = lesion.id
            uow.measurements.add_many(
                [
                    {
                        "lesion_id": lesion.id,
                        "measured_on": date(2030, 1, day),
                        "longest_cm": Decimal(n + 1),
                        "perpendicular_cm": Decimal(1),
                        "method": "calliper",
                        "status": measurement_status,
                        "recorded_by": by,
                        "recorded_at": ctx.clock(),
                    }
                    for n, (day, measurement_status) in enumerate(measured)
                ],
                by=by,
            )
        uow.commit()
    return patient.id, ids


def test_each_active_lesion_comes_with_its_latest_active_measurement(
    clinic: tuple[Context, Actor],
) -> None:
    ctx, pharmacist = clinic
    patient_id, ids = add_lesion_measurements(
        ctx,
        pharmacist,
        {
            # the latest day wins; a day holds one active measurement (the database refuses a
            # second, test_database_rules), here after one entered in error on that day
            "L1": (
                "active",
                [(5, "active"), (9, "entered-in-error"), (2, "active"), (9, "active")],
            ),
            # a measurement entered in error never counts
            "L2": ("active", [(3, "active"), (8, "entered-in-error")]),
            "L3": ("active", []),
            "L4": ("entered-in-error", [(4, "active")]),
            "L5": ("active", [(1, "entered-in-error")]),
        },
    )
    with ctx.uow(readonly=True) as uow:
        found = uow.lesions.active_with_latest_measurement(patient_id)
    latest = {
        lesion.name: None if m is None else (m.measured_on.day, m.longest_cm) for lesion, m in found
    }
    assert [lesion.id for lesion, _ in found] == [ids[n] for n in ("L1", "L2", "L3", "L5")]
    assert latest == {"L1": (9, Decimal(4)), "L2": (3, Decimal(1)), "L3": None, "L5": None}


def test_a_record_looked_up_by_id_or_name_is_none_when_absent(
    clinic: tuple[Context, Actor],
) -> None:
    ctx, pharmacist = clinic
    with ctx.uow() as uow:
        uow.vial_lots.add(by=pharmacist.user_id, **lots(ctx, pharmacist, ["A1"])[0])
        uow.commit()
    with ctx.uow(readonly=True) as uow:
        found = uow.vial_lots.by_lot(pharmacist.centre_id, "A1")
        assert found is not None
        assert uow.vial_lots.find(found.id) == found
        assert uow.vial_lots.find(found.id + 1000) is None
        assert uow.vial_lots.by_lot(pharmacist.centre_id, "B2") is None
        assert uow.vial_lots.by_lot(pharmacist.centre_id + 1000, "A1") is None
        assert uow.visits.for_courses([]) == []
        with pytest.raises(NotFound):
            uow.vial_lots.get(found.id + 1000)


def test_the_audit_log_pages_oldest_first_and_counts_by_kind_of_record(
    clinic: tuple[Context, Actor],
) -> None:
    ctx, pharmacist = clinic
    with ctx.uow() as uow:
        uow.vial_lots.add_many(lots(ctx, pharmacist, ["A1", "B2", "C3"]), by=pharmacist.user_id)
        uow.commit()
    with ctx.uow(readonly=True) as uow:
        everything = uow.audit.page(1000, 0)
        mine = uow.audit.page(2, 1, "vial-lot")
        assert uow.audit.total() == len(everything)
        assert uow.audit.total("vial-lot") == 3
        assert uow.audit.total("no-such-record") == 0
    assert [e.id for e in everything] == sorted(e.id for e in everything)
    assert [e.after["lot"] for e in mine if e.after] == ["B2", "C3"]
