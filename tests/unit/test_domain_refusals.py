"""Refusals carry the fields an entry point shows: where, which field, what the rule is, what was
asked. A blank lesion id is refused wherever lesions come in; a missing record says which one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from tests.factories import make_lesion

from tvec.domain.dose_plan import plan_visit
from tvec.domain.errors import DomainError, InvalidInput, NotFound
from tvec.domain.response import Measurement, assess_response
from tvec.domain.rules import Site, VisitKind
from tvec.knowledge import load_criteria, load_label

START = date(2026, 1, 5)


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_dose_plan_refuses_a_lesion_without_an_id(blank: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        plan_visit(load_label("us"), VisitKind.INITIAL, [make_lesion("L1"), make_lesion(blank)])
    assert (refused.value.where, refused.value.field, refused.value.rule) == (
        "dose plan",
        "id",
        "must not be empty",
    )
    assert str(refused.value) == "dose plan: Lesion id must not be empty"


def test_a_measurement_without_a_lesion_id_is_refused_naming_its_row() -> None:
    blank = Measurement(
        day=START,
        lesion_id=" ",
        longest_cm=Decimal("1.5"),
        perpendicular_cm=Decimal("1"),
        site=Site.CUTANEOUS,
        injected=True,
        row=3,
    )
    with pytest.raises(InvalidInput) as refused:
        assess_response(load_criteria("modified-who"), START, [blank])
    assert refused.value.field == "lesion_id"
    assert refused.value.rule == "must not be empty"
    assert str(refused.value).startswith("row 3")


def test_a_missing_record_names_what_was_looked_for() -> None:
    missing = NotFound("patient", 42)
    assert isinstance(missing, DomainError)
    assert str(missing) == "patient 42 not found"
    assert missing.code == "not-found"
    assert missing.fields == {"entity": "patient", "entity_id": 42}


def test_a_cluster_id_that_is_another_lesions_id_is_refused_naming_both() -> None:
    lesions = [make_lesion("L4a", cluster="C1"), make_lesion("L4b", cluster="L4a")]
    with pytest.raises(InvalidInput) as refused:
        plan_visit(load_label("us"), VisitKind.INITIAL, lesions)
    assert (refused.value.where, refused.value.field) == ("lesion L4b", "cluster")
    assert str(refused.value) == (
        "lesion L4b: Cluster 'L4a' is also the id of lesion L4a in the dose plan; "
        "give the cluster an id no lesion has"
    )


def test_a_lesion_may_lend_its_own_id_to_its_cluster() -> None:
    plan = plan_visit(load_label("us"), VisitKind.INITIAL, [make_lesion("L4", cluster="L4")])
    assert [i.lesion_ids for i in plan.injections] == [("L4",)]
