"""Migration 0013 on a database with lots recorded before it: each lot gets the key it is compared
by (its number in upper case), so a lot typed in another letter case is the same lot; lots that
already differ only in letter case stop the upgrade, naming them, and nothing is merged."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from tvec.domain.errors import Conflict
from tvec.persistence.migrate import upgrade
from tvec.persistence.uow import UnitOfWork

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ROWS = [
    "INSERT INTO centres (id, name) VALUES (1, 'Old centre')",
    "INSERT INTO users (id, centre_id, username, full_name, role, password_hash, active,"
    " created_at) VALUES (1, 1, 'pharmacist', 'P', 'pharmacist', 'x', :yes, :at)",
    "INSERT INTO vial_lots (centre_id, lot, pfu_per_ml, expiry_date, created_by, created_at)"
    " VALUES (1, ' ux8-c11', 100000000, '2027-06-30', 1, :at)",
]
SAME_LOT = (
    "INSERT INTO vial_lots (centre_id, lot, pfu_per_ml, expiry_date, created_by, created_at)"
    " VALUES (1, 'UX8-C11', 1000000, '2027-06-30', 1, :at)"
)


def make_old_database(url: str, rows: list[str]) -> None:
    upgrade(url, "0012")
    engine = create_engine(url)
    with engine.begin() as connection:
        for row in rows:
            connection.execute(text(row), {"yes": True, "at": AT})
    engine.dispose()


def test_a_lot_recorded_before_0013_is_found_whatever_its_letter_case(database_url: str) -> None:
    make_old_database(database_url, ROWS)
    upgrade(database_url)
    engine = create_engine(database_url)
    try:
        with UnitOfWork(engine, lambda: AT) as uow:
            found = uow.vial_lots.by_lot(1, "UX8-C11")
            assert found is not None
            assert found.lot == " ux8-c11"  # the text as first recorded
            with pytest.raises(Conflict, match="the lot is already registered"):
                uow.vial_lots.add(
                    by=1,
                    centre_id=1,
                    lot="Ux8-C11",
                    pfu_per_ml=10**6,
                    expiry_date=AT.date(),
                    created_by=1,
                    created_at=AT,
                )
    finally:
        engine.dispose()


def test_lots_differing_only_in_letter_case_stop_the_upgrade(database_url: str) -> None:
    make_old_database(database_url, [*ROWS, SAME_LOT])
    with pytest.raises(RuntimeError, match=r"centre 1: lots 1 and 2"):
        upgrade(database_url)
