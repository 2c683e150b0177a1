"""The receive page's refusals and warnings in the pharmacy's words (served pages, no browser):
each refusal names the carton by its line and says what is wrong without field names; a sealing
time after now is refused next to its box; a late shipment is reviewed and received quarantined.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from tests.support.clinic import (
    NOW,
    TESTCLIENT_WARNING,
    client_for,
    close_app,
    login_form,
    make_app,
    password_of,
    seed_staff,
)
from tests.support.wording import assert_plain

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

GOOD = "(01)00355513079013(17)270600(10)MSG-1(21){serial}"
ERROR = re.compile(r'<span class="field-error" id="err-(\w+)">([^<]*)</span>')


@pytest.fixture
def pharmacist(tmp_path: Any) -> Iterator[Any]:
    app, ctx = make_app(f"sqlite:///{tmp_path / 'tvec.db'}")
    try:
        seed_staff(ctx)
        client = client_for(app)
        data = {"username": "pharmacist", "password": password_of("pharmacist")}
        answer = client.post("/login", data=data | login_form(client), follow_redirects=False)
        assert answer.status_code == 303, answer.text
        yield client
    finally:
        close_app(app)


def make_post(client: Any, scans: list[str], sealed_at: str, step: str = "review") -> Any:
    page = client.get("/vials/receive")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    data = {"csrf": csrf.group(1), "scans": "\n".join(scans), "sealed_at": sealed_at, "step": step}
    return client.post("/vials/receive", data=data)


def errors_of(page: Any) -> dict[str, str]:
    return {name: html.unescape(text) for name, text in ERROR.findall(page.text)}


SEALED = (NOW - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ("(01)04006381333931(17)270600(10)X(21)9", "it is not an IMLYGIC carton of the IMLYGIC US"),
        ("(01)00355513079013(17)260500(10)X(21)9", "lot X expired on 2026-05-31"),
        ("(01)00355513079013(10)X(21)9", "its barcode is incomplete"),
        (GOOD.format(serial="1"), "serial number 1 was already received"),
        ("hello", "its barcode could not be read"),
    ],
)
def test_a_refused_carton_is_named_by_its_line_in_plain_words(
    pharmacist: Any, bad: str, words: str
) -> None:
    page = make_post(pharmacist, [GOOD.format(serial="1"), "", bad], SEALED)
    assert page.status_code == 422
    message = errors_of(page)["scans"]
    assert message.startswith(f"Carton on line 3: {words}")
    assert "Nothing was received" in message
    assert_plain(message)


def test_a_sealing_time_after_now_is_refused_next_to_its_box(pharmacist: Any) -> None:
    later = (NOW + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page = make_post(pharmacist, [GOOD.format(serial="1")], later)
    assert page.status_code == 422
    assert errors_of(page)["sealed_at"] == (
        "shipment: Container sealed at is after the time of receipt"
    )


def test_a_late_shipment_is_reviewed_and_received_quarantined(pharmacist: Any) -> None:
    late = (NOW - timedelta(hours=100)).strftime("%Y-%m-%dT%H:%M")
    review = make_post(pharmacist, [GOOD.format(serial="1")], late)
    assert review.status_code == 200, review.text[:500]
    assert 'data-testid="will-quarantine"' in review.text
    received = make_post(pharmacist, [GOOD.format(serial="1")], late, step="receive")
    assert 'data-testid="quarantined"' in received.text
    assert "Shipment received: 1 vial in stock" in received.text
