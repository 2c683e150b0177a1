"""The patient alert card, education and exposure services on SQLite and PostgreSQL.

Records are made through the API (as the clinic makes them); the services under test are called
directly with the clinic's staff, as the web app and the API call them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from tests.support.alert_card import Clinic
from tests.support.clinic import NOW, TESTCLIENT_WARNING, TODAY, running_app

from tvec.domain.errors import Conflict, InvalidInput, NotFound
from tvec.schemas.safety import (
    AcknowledgementIn,
    CentreContactIn,
    EducationIn,
    ExposureIn,
    FollowUpCloseIn,
)
from tvec.services import alert_cards, education, exposures
from tvec.services.alerts import ALERT_CARD_MISSING, patient_alerts
from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)
ALL_TOPICS = ["dressing-care", "disposal", "avoid-contact"]


@pytest.fixture
def clinic(database_url: str) -> Iterator[Clinic]:
    with running_app(database_url) as (app, _ctx):
        yield Clinic(app)


def facts(c: Clinic, pid: int, course_id: int) -> dict[str, bool]:
    with c.ctx.uow(readonly=True) as uow:
        return alert_cards.patient_programme_facts(uow, pid, course_id)


def alert_kinds(c: Clinic, pid: int) -> list[str]:
    with c.ctx.uow(readonly=True) as uow:
        return [a.kind for a in patient_alerts(uow, pid, TODAY)]


def test_an_eu_first_dose_without_a_card_is_missing_until_issued_and_acknowledged(
    clinic: Clinic,
) -> None:
    c, nurse = clinic, clinic.actor(Role.NURSE)
    pid, course_id = c.course("EU-1")
    assert alert_cards.card_state(c.ctx, nurse, course_id).missing
    assert ALERT_CARD_MISSING in alert_kinds(c, pid)
    assert facts(c, pid, course_id) == {
        "patient.alert_card_issued": False,
        "patient.education_given": False,
    }

    card = alert_cards.issue_card(c.ctx, nurse, course_id)
    assert card.first_dose_on == TODAY
    assert card.issued_by == nurse.user_id
    assert card.acknowledged_at is None
    assert not alert_cards.card_state(c.ctx, nurse, course_id).missing
    assert ALERT_CARD_MISSING not in alert_kinds(c, pid)
    assert facts(c, pid, course_id)["patient.alert_card_issued"] is True

    done = alert_cards.acknowledge_card(c.ctx, nurse, card.id, AcknowledgementIn(version=1))
    assert done.acknowledged_at == NOW
    assert done.acknowledged_by == nurse.user_id
    with pytest.raises(Conflict):
        alert_cards.acknowledge_card(c.ctx, nurse, card.id, AcknowledgementIn(version=2))
    with pytest.raises(Conflict) as twice:
        alert_cards.issue_card(c.ctx, nurse, course_id)
    assert twice.value.fields["field"] == "course_id"


def test_a_card_is_refused_for_a_us_course_and_before_the_first_dose(clinic: Clinic) -> None:
    c, nurse = clinic, clinic.actor(Role.NURSE)
    us_pid, us_course = c.course("US-1", "us")
    _pid, waiting = c.course("EU-2", dose=False)
    before = c.audit()
    with pytest.raises(InvalidInput) as refused:
        alert_cards.issue_card(c.ctx, nurse, us_course)
    assert refused.value.field == "course_id"
    assert "EU-label courses" in str(refused.value)
    assert not alert_cards.card_state(c.ctx, nurse, us_course).missing  # US: no card asked
    assert ALERT_CARD_MISSING not in alert_kinds(c, us_pid)

    with pytest.raises(InvalidInput) as early:
        alert_cards.issue_card(c.ctx, nurse, waiting)
    assert early.value.field == "course_id"
    assert not alert_cards.card_state(c.ctx, nurse, waiting).missing
    assert c.audit() == before


def test_an_acknowledgement_before_the_issue_or_in_the_future_is_refused(clinic: Clinic) -> None:
    c, nurse = clinic, clinic.actor(Role.NURSE)
    _pid, course_id = c.course("EU-3")
    card = alert_cards.issue_card(c.ctx, nurse, course_id)
    before = c.audit()
    for when, rule in ((NOW - timedelta(hours=1), "before"), (NOW + timedelta(hours=1), "future")):
        with pytest.raises(InvalidInput) as refused:
            alert_cards.acknowledge_card(
                c.ctx, nurse, card.id, AcknowledgementIn(version=1, acknowledged_at=when)
            )
        assert refused.value.field == "acknowledged_at"
        assert rule in str(refused.value)
    assert alert_cards.card_for_course(c.ctx, nurse, course_id).acknowledged_at is None
    assert c.audit() == before


def test_the_card_prints_the_patient_centre_contact_and_warnings(clinic: Clinic) -> None:
    c, nurse = clinic, clinic.actor(Role.NURSE)
    _pid, course_id = c.course("EU-4")
    with pytest.raises(NotFound):
        alert_cards.card_content(c.ctx, nurse, course_id)
    contact = CentreContactIn(contact_phone="+44 20 7946 0018", contact_address="1 Test Row")
    with pytest.raises(Exception, match="may not"):
        alert_cards.set_centre_contact(c.ctx, nurse, contact)
    alert_cards.set_centre_contact(c.ctx, c.actor(Role.ADMIN), contact)
    alert_cards.issue_card(c.ctx, nurse, course_id)
    card = alert_cards.card_content(c.ctx, nurse, course_id)
    assert card.patient_name == "Maren Hollowmere"
    assert (card.centre_name, card.centre_phone) == ("Test centre", "+44 20 7946 0018")
    assert card.centre_address == "1 Test Row"
    assert (card.product, card.active_substance) == ("IMLYGIC", "talimogene laherparepvec")
    assert card.first_dose_on == TODAY
    assert any("airtight, watertight" in w for w in card.warnings)
    assert "SmPC §4.2" in card.sources
    assert "USPI §5.1" in card.sources


def test_education_of_the_patient_and_a_named_caregiver(clinic: Clinic) -> None:
    c, nurse = clinic, clinic.actor(Role.NURSE)
    pid, course_id = c.course("EU-5")
    education.record_education(
        c.ctx, nurse, pid, EducationIn(recipient="patient", topics=ALL_TOPICS[:2])
    )
    assert facts(c, pid, course_id)["patient.education_given"] is False  # one topic missing
    education.record_education(
        c.ctx,
        nurse,
        pid,
        EducationIn(
            recipient="caregiver",
            caregiver_name="Ines Hollowmere",
            caregiver_relation="daughter",
            topics=["dressing-care"],
            course_id=course_id,
        ),
    )
    assert facts(c, pid, course_id)["patient.education_given"] is False  # a caregiver's
    education.record_education(
        c.ctx, nurse, pid, EducationIn(recipient="patient", topics=["avoid-contact"])
    )
    assert facts(c, pid, course_id)["patient.education_given"] is True
    lines = education.list_education(c.ctx, nurse, pid)
    assert [line.record.recipient for line in lines] == ["patient", "caregiver", "patient"]
    assert lines[1].record.caregiver_name == "Ines Hollowmere"
    assert [t.title for t in lines[0].topics] == [
        "Dressing care",
        "Disposal of dressings and cleaning material",
    ]
    assert lines[0].given_by == "Test nurse"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"recipient": "patient", "topics": []}, "topics"),
        ({"recipient": "patient", "topics": ["singing"]}, "topics"),
        ({"recipient": "caregiver", "topics": ["disposal"]}, "caregiver_name"),
        (
            {"recipient": "patient", "topics": ["disposal"], "given_at": "2026-06-02T09:00:00Z"},
            "given_at",
        ),
    ],
)
def test_bad_education_is_refused_naming_the_field(
    clinic: Clinic, body: dict[str, object], field: str
) -> None:
    c, nurse = clinic, clinic.actor(Role.NURSE)
    pid, _course = c.course("EU-6", dose=False)
    before = c.audit()
    with pytest.raises(InvalidInput) as refused:
        education.record_education(c.ctx, nurse, pid, EducationIn.model_validate(body))
    assert refused.value.field == field
    assert education.list_education(c.ctx, nurse, pid) == []
    assert c.audit() == before


def test_an_exposure_creates_a_follow_up_that_closes_with_its_outcome(clinic: Clinic) -> None:
    c, nurse = clinic, clinic.actor(Role.NURSE)
    pid, _course = c.course("EU-7", dose=False)
    x = exposures.record_exposure(
        c.ctx,
        nurse,
        ExposureIn(
            exposed="staff",
            staff_user_id=c.actor(Role.PHARMACIST).user_id,
            patient_id=pid,
            kind="needle-stick",
            occurred_at=NOW - timedelta(hours=2),
            actions=["washed", "occupational-health"],
        ),
    )
    assert x.follow_up_due == TODAY + timedelta(days=7)  # tvec's ruling (knowledge data)
    [line] = exposures.list_exposures(c.ctx, nurse, open_only=True)
    assert line.who == "staff: Test pharmacist"
    assert line.kind == "Needle-stick injury"
    assert line.actions == (
        "Area washed with soap and water and/or a disinfectant",
        "Reported to occupational health",
    )
    closed = exposures.close_follow_up(
        c.ctx, nurse, x.id, FollowUpCloseIn(version=1, outcome="no signs of herpetic infection")
    )
    assert closed.follow_up_outcome == "no signs of herpetic infection"
    assert exposures.list_exposures(c.ctx, nurse, open_only=True) == []
    assert len(exposures.list_exposures(c.ctx, nurse)) == 1
    with pytest.raises(Conflict):
        exposures.close_follow_up(c.ctx, nurse, x.id, FollowUpCloseIn(version=2, outcome="again"))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"occurred_at": NOW + timedelta(minutes=5)}, "occurred_at"),
        ({"kind": "sneeze"}, "kind"),
        ({"actions": ["prayed"]}, "actions"),
        ({"contact_relation": None}, "contact_relation"),
        ({"exposed": "staff"}, "staff_user_id"),
    ],
)
def test_a_bad_exposure_is_refused_naming_the_field(
    clinic: Clinic, change: dict[str, object], field: str
) -> None:
    c, nurse = clinic, clinic.actor(Role.NURSE)
    body = {
        "exposed": "close-contact",
        "contact_relation": "spouse",
        "kind": "site-contact",
        "occurred_at": NOW - timedelta(days=1),
        "actions": ["washed"],
    }
    before = c.audit()
    with pytest.raises(InvalidInput) as refused:
        exposures.record_exposure(c.ctx, nurse, ExposureIn.model_validate({**body, **change}))
    assert refused.value.field == field
    assert exposures.list_exposures(c.ctx, nurse) == []
    assert c.audit() == before
