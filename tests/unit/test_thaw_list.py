"""The thaw list a visit's dose plan gives the pharmacy: how many vials of which strength, when to
start thawing them before the appointment, and by when they must be used at room temperature."""

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from tests.factories import make_lesion

from tvec.domain.dose_plan import DosePlan, plan_visit
from tvec.domain.errors import InvalidInput
from tvec.domain.plan_json import plan_from_json, plan_to_json
from tvec.domain.rules import Site, VisitKind
from tvec.domain.thaw_list import thaw_list
from tvec.knowledge import load_label

US = load_label("us")
NEW_YORK_WINTER = timezone(timedelta(hours=-5))
APPOINTMENT = datetime(2026, 3, 2, 9, 0, tzinfo=NEW_YORK_WINTER)


def first_visit() -> DosePlan:
    # 2 mL + 1 mL + 0.5 mL + 0.1 mL = 3.6 mL of 10^6: 4 vials
    lesions = [make_lesion("L1", "3"), make_lesion("L2", "2"), make_lesion("L3", "1")]
    lesions.append(make_lesion("L4", "0.4"))
    return plan_visit(US, VisitKind.INITIAL, lesions)


def test_the_plan_carries_its_thaw_list_in_minutes_around_the_appointment() -> None:
    plan = first_visit()
    [item] = plan.thaw_list
    assert (item.pfu_per_ml, item.cap_colour, item.vials) == (10**6, "light green", 4)
    assert item.vials == plan.vials
    assert (item.thaw_minutes, item.start_minutes_before) == (30, 30)
    # 10^6 at room temperature: 12 h from the start of thawing, 11 h 30 min after the appointment
    assert (item.use_within_minutes, item.latest_use_minutes_after) == (720, 690)
    assert (item.start_at, item.latest_use_at) == (None, None)
    assert "about 30 min" in item.sources[0]
    assert item.sources[1].startswith("tvec ruling: start thawing 30 min before")
    assert item.sources[2].startswith("thawed vial at 8–25 °C: 12 h [NHS SPS")


def test_with_an_appointment_time_the_list_gives_the_clock_times() -> None:
    [item] = thaw_list(US, first_visit(), APPOINTMENT)
    assert item.start_at == datetime(2026, 3, 2, 8, 30, tzinfo=NEW_YORK_WINTER)
    assert item.latest_use_at == datetime(2026, 3, 2, 20, 30, tzinfo=NEW_YORK_WINTER)


def test_later_visits_thaw_10_8_vials_with_their_longer_room_temperature_limit() -> None:
    plan = plan_visit(US, VisitKind.SECOND, [make_lesion("L1", "6")])
    [item] = thaw_list(US, plan, APPOINTMENT)
    assert (item.pfu_per_ml, item.vials) == (10**8, 4)
    assert item.latest_use_at == APPOINTMENT + timedelta(hours=23, minutes=30)
    assert item.latest_use_minutes_after == 23 * 60 + 30


def test_nothing_to_inject_means_nothing_to_thaw() -> None:
    plan = plan_visit(US, VisitKind.SECOND, [make_lesion("V1", "2", Site.VISCERAL)])
    assert plan.vials == 0
    assert plan.thaw_list == ()
    assert "thaw_list" not in plan_to_json(plan)


def test_a_label_without_storage_data_gives_no_thaw_list() -> None:
    assert thaw_list(replace(US, storage=None), first_visit(), APPOINTMENT) == ()


def test_an_appointment_without_a_time_zone_is_refused() -> None:
    with pytest.raises(InvalidInput, match="thaw list: appointment time must carry a time zone"):
        thaw_list(US, first_visit(), datetime(2026, 3, 2, 9, 0))


def test_a_thaw_list_with_clock_times_is_stored_and_read_back_unchanged() -> None:
    plan = first_visit()
    timed = replace(plan, thaw_list=thaw_list(US, plan, APPOINTMENT.astimezone(UTC)))
    text = json.dumps(plan_to_json(timed))
    assert '"start_at": "2026-03-02T13:30:00+00:00"' in text
    assert plan_from_json(json.loads(text)) == timed
