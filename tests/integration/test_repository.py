"""The generic repository on both databases: several records added at once (as the doses of one
visit are) come back in the order given, each with its own audit entry, or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.unit.test_services_clinic import make_ctx

from tvec.domain.errors import Conflict
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
        stored = {x.id: x for x in uow.vial_lots.list(centre_id=pharmacist.centre_id)}
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

    with pytest.raises(Conflict, match="vial-lot clashes with an existing record"):
        add_three_one_taken()

    with ctx.uow(readonly=True) as uow:
        assert uow.connection.execute(select(VialLotRow.lot)).scalars().all() == ["A1"]
    assert count(ctx, AuditRow) == audited


def test_nothing_to_add_adds_nothing() -> None:
    ctx, actors, _ = make_ctx()
    with ctx.uow() as uow:
        assert uow.vial_lots.add_many([], by=actors["pharmacist"].user_id) == []
