"""A vial from the freezer to the syringe through the API, on SQLite and PostgreSQL.

Nurses and pharmacists thaw a vial, move it between room temperature and the fridge, draw it
into a syringe, record the dose given and discard what is left with a reason; the vial's page
shows its events, status, volume left and thaw clock, and the pharmacy board every thawed vial.
Every refusal names the field and writes nothing; two people recording the same vial from the
same version: one succeeds, the other gets 409.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from fastapi import FastAPI
from tests.support.clinic import (
    NOW,
    TESTCLIENT_WARNING,
    TestClient,
    audit_total,
    client_for,
    login_all,
    ok,
    running_app,
    seed_staff,
)
from tests.support.races import at_once_first_reader_held

from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

HIGH = "00355513079013"
RECEIVED = NOW - timedelta(hours=6)


def make_scan(serial: str, expiry: str = "270600") -> str:
    return f"01{HIGH}17{expiry}10UX8-C11\x1d21{serial}"


class Clock:
    """The clinic's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Ward:
    def __init__(self, app: FastAPI, clock: Clock) -> None:
        self.client: TestClient = client_for(app)
        self.clock = clock
        self.staff = seed_staff(app.state.ctx)
        self.h = login_all(self.client, self.staff)
        self.other = login_all(self.client, seed_staff(app.state.ctx, "Other centre", "o-"))
        self.pharmacist, self.nurse = self.h[Role.PHARMACIST], self.h[Role.NURSE]
        clock.now = RECEIVED
        sealed = (RECEIVED - timedelta(hours=20)).isoformat()
        scans = [make_scan("1"), make_scan("2")]
        ok(
            self.client.post(
                "/shipments", json={"scans": scans, "sealed_at": sealed}, headers=self.pharmacist
            ),
            201,
        )
        clock.now = NOW
        vials = ok(self.client.get("/pharmacy/vials", headers=self.pharmacist))["items"]
        self.vial_id = vials[0]["id"]

    def later(self, hours: int) -> None:
        """The clock moves on, and everyone logs in again."""
        self.clock.now = NOW + timedelta(hours=hours)
        self.h = login_all(self.client, self.staff)
        self.pharmacist, self.nurse = self.h[Role.PHARMACIST], self.h[Role.NURSE]

    def vial(self, who: Any = None) -> Any:
        return self.client.get(f"/vials/{self.vial_id}", headers=who or self.nurse)

    def post(self, kind: str, at: datetime, who: Any = None, **more: Any) -> Any:
        version = ok(self.vial())["version"]
        body = {"kind": kind, "at": at.isoformat(), "version": version, **more}
        return self.client.post(
            f"/vials/{self.vial_id}/events", json=body, headers=who or self.nurse
        )


@pytest.fixture
def ward(database_url: str) -> Iterator[Ward]:
    clock = Clock(NOW)
    with running_app(database_url, clock) as (app, _ctx):
        yield Ward(app, clock)


def test_a_vial_is_thawed_moved_drawn_given_and_its_leftover_discarded(ward: Ward) -> None:
    thawed = ok(ward.post("thawed", NOW - timedelta(hours=3)), 201)
    assert (thawed["status"], thawed["where"]) == ("thawed", "vial at room temperature")
    # the label's 10^8 thawed vial at room temperature keeps 24 h (tvec rules)
    assert thawed["clock"]["expired"] is False
    ok(ward.post("to_fridge", NOW - timedelta(hours=2)), 201)
    ok(ward.post("to_room", NOW - timedelta(hours=1)), 201)
    drawn = ok(ward.post("drawn_into_syringe", NOW - timedelta(minutes=30), volume_ml="0.8"), 201)
    assert (drawn["in_syringe"], drawn["in_syringe_ml"]) == (True, "0.80")
    assert drawn["where"] == "in a syringe at room temperature"
    given = ok(ward.post("given", NOW - timedelta(minutes=20), volume_ml="0.7"), 201)
    assert (given["status"], given["volume_left_ml"]) == ("thawed", "0.30")
    board = ok(ward.client.get("/pharmacy/board", headers=ward.pharmacist))
    assert [v["id"] for v in board["thawed"]] == [ward.vial_id]
    assert board["warn_minutes"] == 30
    done = ok(ward.post("discarded", NOW - timedelta(minutes=10), reason="unused"), 201)
    assert (done["status"], done["discarded_ml"], done["clock"]) == ("discarded", "0.30", None)
    assert [e["kind"] for e in done["events"]] == [
        "thawed",
        "to_fridge",
        "to_room",
        "drawn_into_syringe",
        "given",
        "discarded",
    ]
    assert ok(ward.client.get("/pharmacy/board", headers=ward.nurse))["thawed"] == []


def test_a_vial_given_whole_is_emptied(ward: Ward) -> None:
    ok(ward.post("thawed", NOW - timedelta(hours=1)), 201)
    ok(ward.post("drawn_into_syringe", NOW - timedelta(minutes=30), volume_ml="1"), 201)
    given = ok(ward.post("given", NOW - timedelta(minutes=20), volume_ml="1"), 201)
    assert (given["status"], given["volume_left_ml"]) == ("emptied", "0.00")
    refused = ward.post("discarded", NOW, reason="unused")
    assert (refused.status_code, refused.json()["field"]) == (422, "kind")


def test_each_event_is_audited_with_who(ward: Ward) -> None:
    admin = ward.h[Role.ADMIN]
    before = audit_total(ward.client, admin)
    ok(ward.post("thawed", NOW - timedelta(hours=1)), 201)
    assert audit_total(ward.client, admin) == before + 2  # the event and the vial's new status
    history = ok(ward.client.get(f"/audit/vial/{ward.vial_id}", headers=ward.pharmacist))
    assert history["items"][-1]["after"]["status"] == "thawed"


REFUSALS = [
    # (events before, the refused event, field, words in the detail)
    ([], ("to_fridge", -60, {}), "kind", "not thawed"),
    ([], ("thawed", 60, {}), "at", "in the future"),
    ([], ("thawed", -7 * 60, {}), "at", "before the vial was received"),
    ([("thawed", -60, {})], ("to_room", -90, {}), "at", "earlier than the vial's last event"),
    ([("thawed", -60, {})], ("thawed", -30, {}), "kind", "thawed"),
    ([("thawed", -60, {})], ("to_freezer", -30, {}), "kind", "never refrozen"),
    ([("thawed", -60, {})], ("to_room", -30, {}), "kind", "already is"),
    (
        [("thawed", -60, {})],
        ("drawn_into_syringe", -30, {"volume_ml": "1.5"}),
        "volume_ml",
        "more than the 1 mL",
    ),
    ([("thawed", -60, {})], ("drawn_into_syringe", -30, {}), "volume_ml", "required"),
    ([("thawed", -60, {})], ("given", -30, {"volume_ml": "0.5"}), "kind", "syringe first"),
    ([("thawed", -60, {})], ("discarded", -30, {}), "reason", "unused, expired"),
    ([("thawed", -60, {})], ("discarded", -30, {"reason": "spilt"}), "reason", "unused"),
    ([("thawed", -60, {})], ("boiled", -30, {}), "kind", "must be one of"),
    # 24 h at room temperature (10^8 PFU/mL thawed vial): ran out, only an expired discard
    ([("thawed", -26 * 60, {})], ("to_fridge", 0, {}), "kind", "thaw clock ran out"),
]


@pytest.mark.parametrize(("before", "refused", "field", "words"), REFUSALS)
def test_a_refused_event_names_the_field_and_writes_nothing(
    ward: Ward,
    before: list[tuple[str, int, dict[str, Any]]],
    refused: tuple[str, int, dict[str, Any]],
    field: str,
    words: str,
) -> None:
    if "ran out" in words:
        ward.later(20)
    now = ward.clock.now
    for kind, minutes, more in before:
        ok(ward.post(kind, now + timedelta(minutes=minutes), **more), 201)
    vial = ok(ward.vial())
    audited = audit_total(ward.client, ward.h[Role.ADMIN])
    kind, minutes, more = refused
    answer = ward.post(kind, now + timedelta(minutes=minutes), **more)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field
    assert words in answer.json()["detail"]
    assert ok(ward.vial()) == vial
    assert audit_total(ward.client, ward.h[Role.ADMIN]) == audited


def test_an_expired_vial_is_discarded_as_expired(ward: Ward) -> None:
    ok(ward.post("thawed", NOW - timedelta(hours=5)), 201)
    ward.later(20)
    vial = ok(ward.vial())
    assert (vial["clock"]["expired"], vial["clock"]["remaining_minutes"]) == (True, 0)
    refused = ward.post("discarded", ward.clock.now, reason="unused")
    assert (refused.status_code, refused.json()["field"]) == (422, "reason")
    done = ok(ward.post("discarded", ward.clock.now, reason="expired"), 201)
    assert (done["status"], done["discarded_ml"]) == ("discarded", "1")


def test_only_a_pharmacist_discards_a_vial_never_thawed_or_releases_one(ward: Ward) -> None:
    refused = ward.post("discarded", NOW, reason="breakage")
    assert refused.status_code == 403
    ok(ward.post("discarded", NOW, who=ward.pharmacist, reason="breakage"), 201)
    assert ward.vial(ward.h[Role.BILLING]).status_code == 403
    assert ward.vial(ward.other[Role.PHARMACIST]).status_code == 404


def test_two_people_recording_the_same_version_one_wins(ward: Ward) -> None:
    version = ok(ward.vial())["version"]
    body = {"kind": "thawed", "at": NOW.isoformat(), "version": version}
    url = f"/vials/{ward.vial_id}/events"
    first = ward.client.post(url, json=body, headers=ward.nurse)
    second = ward.client.post(url, json=body, headers=ward.pharmacist)
    assert (first.status_code, second.status_code) == (201, 409)
    assert second.json()["field"] == "version"
    assert [e["kind"] for e in ok(ward.vial())["events"]] == ["thawed"]


def test_two_people_at_the_same_moment_one_wins(ward: Ward) -> None:
    version = ok(ward.vial())["version"]
    body = {"kind": "thawed", "at": NOW.isoformat(), "version": version}
    url = f"/vials/{ward.vial_id}/events"
    with ThreadPoolExecutor(2) as pool:
        answers = list(
            pool.map(
                lambda who: ward.client.post(url, json=body, headers=who),
                [ward.nurse, ward.pharmacist],
            )
        )
    assert sorted(a.status_code for a in answers) == [201, 409]
    assert [e["kind"] for e in ok(ward.vial())["events"]] == ["thawed"]


def test_a_writer_who_read_the_vial_first_is_not_refused_by_the_events_of_a_later_one(
    ward: Ward,
) -> None:
    """Two people thaw the same vial; the first to read it is held between reading the vial and
    reading its events (tests.support.races). The one held must not see events newer than the
    version it checked: whoever loses gets 409 (reload), never a refusal by the rules of a vial
    it was not shown (422 "already thawed")."""
    version = ok(ward.vial())["version"]
    body = {"kind": "thawed", "at": NOW.isoformat(), "version": version}
    url = f"/vials/{ward.vial_id}/events"

    def thaw(who: dict[str, str]) -> int:
        return int(ward.client.post(url, json=body, headers=who).status_code)

    answers = at_once_first_reader_held(
        ward.client.app.state.ctx.engine,  # type: ignore[attr-defined]
        "vial_events",
        [partial(thaw, ward.nurse), partial(thaw, ward.pharmacist)],
    )
    assert sorted(answers) == [201, 409]
    assert [e["kind"] for e in ok(ward.vial())["events"]] == ["thawed"]


def test_a_pharmacist_quarantines_and_releases_a_vial_before_it_is_thawed(ward: Ward) -> None:
    assert ward.post("quarantined", NOW - timedelta(hours=2)).status_code == 403  # a nurse
    ok(ward.post("quarantined", NOW - timedelta(hours=2), who=ward.pharmacist), 201)
    refused = ward.post("thawed", NOW - timedelta(hours=1))
    assert (refused.status_code, refused.json()["field"]) == (422, "kind")
    unsaid = ward.post("released", NOW - timedelta(minutes=50), who=ward.pharmacist)
    assert (unsaid.status_code, unsaid.json()["field"]) == (422, "reason")
    back = ward.post(
        "released", NOW - timedelta(minutes=50), who=ward.pharmacist, reason="logger checked"
    )
    assert ok(back, 201)["status"] == "in_stock"
    assert ok(ward.post("thawed", NOW - timedelta(minutes=40)), 201)["status"] == "thawed"


def test_an_event_dated_before_any_plausible_record_is_refused_naming_the_time(
    ward: Ward,
) -> None:
    """A time at the calendar's first hour (sent by a fuzzer) is refused, not a server error."""
    vial = ok(ward.vial())
    answer = ward.post("thawed", datetime(1, 1, 1, 1, 0, tzinfo=UTC))
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == "at"
    assert "must not be before 1900-01-01" in answer.json()["detail"]
    assert ok(ward.vial()) == vial
