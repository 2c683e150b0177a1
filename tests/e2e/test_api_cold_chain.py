"""The pharmacy's freezers through the API, on SQLite and PostgreSQL.

A pharmacist adds a freezer (its band is the label data's, −90 to −70 °C), receives vials into it,
and imports its data logger's readings, as JSON or as the logger's CSV export. A reading out of
band starts an excursion, stored with the rule in force; the vials in stock in the freezer are
quarantined until a pharmacist releases them (with a reason) or discards them. An excursion stays
on the open list until acknowledged and until none of its vials is still quarantined. An import
is all or nothing: each refusal names the row and field, and nothing is written. A freezer
silent for longer than the setting raises "no data". Other centres see none of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from tests.support.clinic import (
    NOW,
    TESTCLIENT_WARNING,
    TestClient,
    audit_total,
    client_for,
    items,
    login,
    login_all,
    ok,
    password_of,
    running_app,
    seed_staff,
)

from tvec.schemas.clinic import UserIn
from tvec.services import auth
from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

HIGH = "00355513079013"
SEALED = (NOW - timedelta(hours=20)).isoformat()


def scan(serial: str) -> str:
    return f"01{HIGH}1727060010UX8-C11\x1d21{serial}"


def minutes_ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def readings(*pairs: tuple[float, float]) -> list[dict[str, Any]]:
    """Readings as (minutes before now, °C)."""
    return [{"at": minutes_ago(m).isoformat(), "temperature_c": c} for m, c in pairs]


def csv_of(*pairs: tuple[float, float], zone: str = "+02:00") -> bytes:
    lines = ["Timestamp,Temperature (°C),Serial"]
    for m, c in pairs:
        at = minutes_ago(m).astimezone(datetime.fromisoformat(f"2026-01-01T00:00{zone}").tzinfo)
        lines.append(f"{at.isoformat()},{c},LOG-7")
    return ("\n".join(lines) + "\n").encode()


class Clock:
    """The clinic's clock: now, unless a test receives vials earlier."""

    def __init__(self) -> None:
        self.at = NOW

    def __call__(self) -> datetime:
        return self.at


class Pharmacy:
    def __init__(self, app: FastAPI, clock: Clock) -> None:
        self.clock = clock
        self.client: TestClient = client_for(app)
        staff = seed_staff(app.state.ctx)
        self.h = login_all(self.client, staff)
        self.other = login_all(self.client, seed_staff(app.state.ctx, "Other centre", "o-"))
        self.pharmacist, self.admin = self.h[Role.PHARMACIST], self.h[Role.ADMIN]
        second = auth.create_user(
            app.state.ctx,
            staff[Role.ADMIN].actor,
            UserIn(
                username="pharmacist2",
                full_name="Second pharmacist",
                role=Role.PHARMACIST,
                password=password_of("pharmacist2"),
            ),
        )
        assert second.id
        self.second = login(self.client, "pharmacist2", password_of("pharmacist2"))

    def freezer(self, name: str = "Freezer A", who: Any = None) -> dict[str, Any]:
        body = {"location_name": name, "kind": "freezer"}
        return ok(  # type: ignore[no-any-return]
            self.client.post("/storage-locations", json=body, headers=who or self.pharmacist),
            201,
        )

    def receive_into(self, location_id: int, *serials: str, minutes: float = 120) -> None:
        """Receive vials into the location `minutes` before now."""
        body = {"scans": [scan(s) for s in serials], "sealed_at": SEALED}
        body["location_id"] = location_id  # type: ignore[assignment]
        self.clock.at = minutes_ago(minutes)
        try:
            ok(self.client.post("/shipments", json=body, headers=self.pharmacist), 201)
        finally:
            self.clock.at = NOW

    def post_json(self, location_id: int, rows: list[dict[str, Any]], who: Any = None) -> Any:
        return self.client.post(
            f"/storage-locations/{location_id}/readings",
            json={"readings": rows},
            headers=who or self.pharmacist,
        )

    def post_csv(self, location_id: int, content: bytes, name: str = "logger.csv") -> Any:
        return self.client.post(
            f"/storage-locations/{location_id}/readings.csv",
            files={"file": (name, content, "text/csv")},
            headers=self.pharmacist,
        )

    def location(self, location_id: int, who: Any = None) -> Any:
        return ok(
            self.client.get(f"/storage-locations/{location_id}", headers=who or self.pharmacist)
        )

    def vials(self) -> dict[str, dict[str, Any]]:
        found = items(self.client.get("/pharmacy/vials", headers=self.pharmacist))
        return {v["serial"]: v for v in found}

    def open_excursions(self, who: Any = None) -> list[dict[str, Any]]:
        return items(
            self.client.get("/excursions", params={"open": "true"}, headers=who or self.pharmacist)
        )


@pytest.fixture
def pharmacy(database_url: str) -> Iterator[Pharmacy]:
    clock = Clock()
    with running_app(database_url, clock) as (app, _ctx):
        yield Pharmacy(app, clock)


def test_a_freezer_holds_the_label_band_with_its_source(pharmacy: Pharmacy) -> None:
    freezer = pharmacy.freezer()
    rule = freezer["rule"]
    assert (rule["band_min_c"], rule["band_max_c"]) == (-90, -70)
    assert "HCP" in rule["band_source"] or "frozen" in rule["band_source"].lower()
    assert rule["min_duration_minutes"] == 0
    assert "tvec's ruling" in rule["duration_source"]
    assert freezer["no_data"] is True
    assert freezer["last_reading_at"] is None
    again = pharmacy.client.post(
        "/storage-locations",
        json={"location_name": "Freezer A", "kind": "freezer"},
        headers=pharmacy.pharmacist,
    )
    assert again.status_code == 409
    assert again.json()["field"] == "location_name"
    nurse = pharmacy.client.post(
        "/storage-locations",
        json={"location_name": "B", "kind": "fridge"},
        headers=pharmacy.h[Role.NURSE],
    )
    assert nurse.status_code == 403


def test_json_readings_in_band_are_stored_and_clear_the_no_data_alert(pharmacy: Pharmacy) -> None:
    freezer = pharmacy.freezer()
    done = ok(pharmacy.post_json(freezer["id"], readings((30, -80.5), (20, -80.1))), 201)
    assert (done["readings"], done["excursions"], done["quarantined_vials"]) == (2, [], [])
    shown = pharmacy.location(freezer["id"])
    assert shown["last_temperature_c"] == -80.1
    assert shown["no_data"] is False
    assert datetime.fromisoformat(shown["last_reading_at"]) == minutes_ago(20)
    assert shown["excursions"] == []


def test_a_freezer_silent_for_longer_than_the_setting_raises_no_data(pharmacy: Pharmacy) -> None:
    freezer = pharmacy.freezer()
    ok(pharmacy.post_json(freezer["id"], readings((61, -80.0))), 201)
    listed = items(pharmacy.client.get("/storage-locations", headers=pharmacy.pharmacist))
    assert [(x["name"], x["no_data"], x["gap_minutes"]) for x in listed] == [
        ("Freezer A", True, 60)
    ]


def test_a_logger_file_with_an_excursion_quarantines_the_freezers_vials(
    pharmacy: Pharmacy,
) -> None:
    freezer = pharmacy.freezer()
    pharmacy.receive_into(freezer["id"], "1001", "1002")
    content = csv_of((50, -80.0), (40, -65.5), (30, -60.25), (20, -79.0), (10, -80.0))
    done = ok(pharmacy.post_csv(freezer["id"], content), 201)
    assert done["readings"] == 5
    assert len(done["excursions"]) == 1
    vials = pharmacy.vials()
    assert {s: v["status"] for s, v in vials.items()} == {
        "1001": "quarantined",
        "1002": "quarantined",
    }
    (excursion,) = pharmacy.location(freezer["id"])["excursions"]
    assert datetime.fromisoformat(excursion["started_at"]) == minutes_ago(40)
    assert datetime.fromisoformat(excursion["ended_at"]) == minutes_ago(20)
    assert (excursion["min_c"], excursion["max_c"], excursion["readings"]) == (-65.5, -60.25, 2)
    assert excursion["duration_minutes"] == 20
    assert excursion["ongoing"] is False
    assert excursion["rule"]["band_min_c"] == -90
    assert excursion["rule"]["band_max_c"] == -70
    assert excursion["rule"]["band_source"]
    assert excursion["rule"]["duration_source"]
    assert excursion["vials"] == 2
    assert excursion["needs_attention"] is True


def test_an_excursion_under_way_continues_in_the_next_import_and_ends_back_in_band(
    pharmacy: Pharmacy,
) -> None:
    freezer = pharmacy.freezer()
    first = ok(pharmacy.post_json(freezer["id"], readings((50, -80), (40, -68))), 201)
    (started,) = first["excursions"]
    ongoing = pharmacy.location(freezer["id"])["excursions"][0]
    assert ongoing["ongoing"] is True
    assert ongoing["ended_at"] is None
    second = ok(pharmacy.post_json(freezer["id"], readings((30, -50), (20, -75))), 201)
    assert second["excursions"] == [started]
    (excursion,) = pharmacy.location(freezer["id"])["excursions"]
    assert excursion["readings"] == 2
    assert excursion["max_c"] == -50
    assert datetime.fromisoformat(excursion["ended_at"]) == minutes_ago(20)
    assert excursion["duration_minutes"] == 20


def test_vials_received_into_a_freezer_during_an_ongoing_excursion_are_quarantined_next(
    pharmacy: Pharmacy,
) -> None:
    freezer = pharmacy.freezer()
    ok(pharmacy.post_json(freezer["id"], readings((50, -60))), 201)
    pharmacy.receive_into(freezer["id"], "2001", minutes=45)
    assert pharmacy.vials()["2001"]["status"] == "in_stock"
    done = ok(pharmacy.post_json(freezer["id"], readings((40, -60), (30, -80))), 201)
    assert len(done["quarantined_vials"]) == 1
    assert pharmacy.vials()["2001"]["status"] == "quarantined"


REFUSALS = {
    "duplicate-of-stored": ([(30, -80)], "readings.0.at", "already stored"),
    "older-than-stored": ([(45, -80)], "readings.0.at", "earlier than the last reading stored"),
    "in-the-future": ([(10, -60), (-5, -80)], "readings.1.at", "in the future"),
    "out-of-order": ([(10, -60), (15, -80)], "readings.1.at", "row 2"),
    "twice-in-the-import": ([(10, -60), (10, -81)], "readings.1.at", "row 2"),
    # several problems: the first row with one is named
    "future-then-disorder": ([(10, -60), (-5, -80), (20, -80)], "readings.1.at", "in the future"),
    "disorder-then-future": ([(10, -60), (15, -80), (-5, -80)], "readings.1.at", "earlier than"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_each_refused_import_names_the_row_and_field_and_writes_nothing(
    pharmacy: Pharmacy, case: str
) -> None:
    freezer = pharmacy.freezer()
    ok(pharmacy.post_json(freezer["id"], readings((40, -80), (30, -80))), 201)
    before = (pharmacy.location(freezer["id"]), audit_total(pharmacy.client, pharmacy.admin))
    rows, field, words = REFUSALS[case]
    # an out-of-band reading first, so a partial write would also leave an excursion behind
    refused = pharmacy.post_json(freezer["id"], readings(*rows))
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == field
    assert words in refused.json()["detail"]
    after = (pharmacy.location(freezer["id"]), audit_total(pharmacy.client, pharmacy.admin))
    assert after == before


@pytest.mark.parametrize("at", ["2026-06-01T08:50:00", "0001-01-01T00:00:00+14:00"])
def test_a_time_without_offset_or_outside_the_calendar_is_refused_naming_the_reading(
    pharmacy: Pharmacy, at: str
) -> None:
    freezer = pharmacy.freezer()
    body = readings((20, -60), (10, -80))
    body[1]["at"] = at
    refused = pharmacy.post_json(freezer["id"], body)
    assert refused.status_code == 422
    assert refused.json()["field"] == "readings.1.at"
    assert pharmacy.location(freezer["id"])["last_reading_at"] is None


LOGGER_REFUSALS = {
    "no-temperature-column": (
        b"Timestamp,Temp\n2026-06-01T08:00:00Z,-80\n",
        "file",
        "row 1",
    ),
    "fahrenheit": (
        b"Timestamp,Temperature (\xc2\xb0F)\n2026-06-01T08:00:00Z,-112\n",
        "file",
        "°C only",
    ),
    "not-a-number": (
        "Timestamp,Temperature (°C)\n2026-06-01T08:00:00Z,-80\n2026-06-01T08:10:00Z,cold\n".encode(),
        "Temperature (°C)",
        "row 3",
    ),
    "no-offset": (
        "Timestamp,Temperature (°C)\n2026-06-01T08:00:00,-80\n".encode(),
        "Timestamp",
        "row 2",
    ),
    "out-of-order": (
        "Timestamp,Temperature (°C)\n2026-06-01T08:10:00Z,-50\n2026-06-01T08:00:00Z,-80\n".encode(),
        "Timestamp",
        "row 3",
    ),
}


@pytest.mark.parametrize("case", sorted(LOGGER_REFUSALS))
def test_a_logger_file_tvec_cannot_use_is_refused_naming_row_and_column(
    pharmacy: Pharmacy, case: str
) -> None:
    freezer = pharmacy.freezer()
    pharmacy.receive_into(freezer["id"], "3001")
    before = audit_total(pharmacy.client, pharmacy.admin)
    content, field, words = LOGGER_REFUSALS[case]
    refused = pharmacy.post_csv(freezer["id"], content, "freezer-a.csv")
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == field
    assert words in refused.json()["detail"]
    assert "freezer-a.csv" in refused.json()["detail"]
    assert pharmacy.location(freezer["id"])["last_reading_at"] is None
    assert pharmacy.vials()["3001"]["status"] == "in_stock"
    assert audit_total(pharmacy.client, pharmacy.admin) == before


def test_an_excursion_stays_open_until_acknowledged_and_its_vials_are_dealt_with(
    pharmacy: Pharmacy,
) -> None:
    freezer = pharmacy.freezer()
    pharmacy.receive_into(freezer["id"], "4001", "4002")
    ok(pharmacy.post_json(freezer["id"], readings((30, -60), (20, -80))), 201)
    (excursion,) = pharmacy.open_excursions()
    listed = items(pharmacy.client.get("/storage-locations", headers=pharmacy.pharmacist))
    assert [x["excursions_needing_attention"] for x in listed] == [1]
    path = f"/excursions/{excursion['id']}/acknowledge"
    first = ok(
        pharmacy.client.post(path, json={"note": "Logger checked"}, headers=pharmacy.pharmacist)
    )
    second = ok(pharmacy.client.post(path, json={}, headers=pharmacy.second))
    assert [a["username"] for a in second["acknowledgements"]] == ["pharmacist", "pharmacist2"]
    assert first["acknowledgements"][0]["note"] == "Logger checked"
    twice = pharmacy.client.post(path, json={}, headers=pharmacy.pharmacist)
    assert twice.status_code == 409
    assert [x["id"] for x in pharmacy.open_excursions()] == [excursion["id"]]  # vials still held
    vials = pharmacy.vials()
    released = pharmacy.client.post(
        f"/vials/{vials['4001']['id']}/release",
        json={"reason": "Manufacturer confirmed stability for this excursion"},
        headers=pharmacy.pharmacist,
    )
    assert ok(released) == {
        "id": vials["4001"]["id"],
        "status": "in_stock",
        "reason": "Manufacturer confirmed stability for this excursion",
    }
    assert pharmacy.open_excursions()[0]["still_quarantined"] == [vials["4002"]["id"]]
    discarded = ok(
        pharmacy.client.post(
            f"/vials/{vials['4002']['id']}/discard", json={}, headers=pharmacy.pharmacist
        )
    )
    assert (discarded["status"], discarded["reason"]) == ("discarded", "excursion")
    assert pharmacy.open_excursions() == []
    listed = items(pharmacy.client.get("/storage-locations", headers=pharmacy.pharmacist))
    assert [x["excursions_needing_attention"] for x in listed] == [0]
    assert pharmacy.location(freezer["id"])["excursions"][0]["needs_attention"] is False
    assert {s: v["status"] for s, v in pharmacy.vials().items()} == {
        "4001": "in_stock",
        "4002": "discarded",
    }
    again = pharmacy.client.post(
        f"/vials/{vials['4002']['id']}/release",
        json={"reason": "oops"},
        headers=pharmacy.pharmacist,
    )
    assert again.status_code == 409
    assert "not quarantined" in again.json()["detail"]


def test_release_needs_a_reason_and_a_pharmacist(pharmacy: Pharmacy) -> None:
    freezer = pharmacy.freezer()
    pharmacy.receive_into(freezer["id"], "5001")
    ok(pharmacy.post_json(freezer["id"], readings((30, -60))), 201)
    vial = pharmacy.vials()["5001"]
    blank = pharmacy.client.post(
        f"/vials/{vial['id']}/release", json={"reason": "  "}, headers=pharmacy.pharmacist
    )
    assert blank.status_code == 422
    assert blank.json()["field"] == "reason"
    nurse = pharmacy.client.post(
        f"/vials/{vial['id']}/release", json={"reason": "fine"}, headers=pharmacy.h[Role.NURSE]
    )
    assert nurse.status_code == 403
    assert pharmacy.vials()["5001"]["status"] == "quarantined"


def test_another_centre_sees_none_of_it(pharmacy: Pharmacy) -> None:
    freezer = pharmacy.freezer()
    pharmacy.receive_into(freezer["id"], "6001")
    ok(pharmacy.post_json(freezer["id"], readings((30, -60))), 201)
    (excursion,) = pharmacy.open_excursions()
    theirs = pharmacy.other[Role.PHARMACIST]
    vial = pharmacy.vials()["6001"]
    assert items(pharmacy.client.get("/storage-locations", headers=theirs)) == []
    assert pharmacy.open_excursions(theirs) == []
    for method, path, body in (
        ("get", f"/storage-locations/{freezer['id']}", None),
        ("post", f"/storage-locations/{freezer['id']}/readings", {"readings": readings((5, -80))}),
        ("post", f"/excursions/{excursion['id']}/acknowledge", {}),
        ("post", f"/vials/{vial['id']}/release", {"reason": "not mine"}),
        ("post", f"/vials/{vial['id']}/discard", {}),
    ):
        answer = pharmacy.client.request(method, path, json=body, headers=theirs)
        assert answer.status_code == 404, (path, answer.text)
    # nor can they receive vials into it
    refused = pharmacy.client.post(
        "/shipments",
        json={"scans": [scan("6002")], "sealed_at": SEALED, "location_id": freezer["id"]},
        headers=theirs,
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "location_id"


def test_vials_received_after_an_excursion_ended_stay_in_stock(pharmacy: Pharmacy) -> None:
    freezer = pharmacy.freezer()
    pharmacy.receive_into(freezer["id"], "7001", minutes=120)
    pharmacy.receive_into(freezer["id"], "7002", minutes=15)
    ok(pharmacy.post_json(freezer["id"], readings((40, -60), (30, -80), (10, -80))), 201)
    assert {s: v["status"] for s, v in pharmacy.vials().items()} == {
        "7001": "quarantined",
        "7002": "in_stock",
    }


def test_the_audit_trail_shows_the_import_the_quarantine_and_the_release(
    pharmacy: Pharmacy,
) -> None:
    freezer = pharmacy.freezer()
    pharmacy.receive_into(freezer["id"], "8001")
    ok(pharmacy.post_json(freezer["id"], readings((30, -60), (20, -80))), 201)
    vial = pharmacy.vials()["8001"]
    reason = "Stability confirmed by the manufacturer"
    ok(
        pharmacy.client.post(
            f"/vials/{vial['id']}/release", json={"reason": reason}, headers=pharmacy.pharmacist
        )
    )
    location = items(
        pharmacy.client.get(f"/audit/storage-location/{freezer['id']}", headers=pharmacy.pharmacist)
    )
    assert [e["action"] for e in location] == ["create", "import-readings"]
    assert location[1]["after"]["readings"] == 2
    history = items(pharmacy.client.get(f"/audit/vial/{vial['id']}", headers=pharmacy.pharmacist))
    assert [(e["action"], e["after"]["status"]) for e in history] == [
        ("create", "in_stock"),
        ("quarantine", "quarantined"),
        ("released", "in_stock"),
    ]
    assert history[1]["reason"].startswith("temperature excursion")
    assert history[2]["reason"] == reason


def test_a_logger_file_larger_than_a_form_is_imported(pharmacy: Pharmacy) -> None:
    minutes = 40_000  # four weeks of one-minute readings, over 1 MiB
    content = csv_of(*((minutes - i, -80.0 + (i % 7) * 0.1) for i in range(minutes)))
    assert len(content) > 1024 * 1024
    freezer = pharmacy.freezer()
    done = ok(pharmacy.post_csv(freezer["id"], content), 201)
    assert (done["readings"], done["excursions"]) == (minutes, [])
    too_big = pharmacy.client.post(
        "/storage-locations",
        content=b"x" * (1024 * 1024 + 1),
        headers={**pharmacy.pharmacist, "Content-Type": "application/json"},
    )
    assert too_big.status_code == 413  # other requests keep the form limit
