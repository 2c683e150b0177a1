"""The stored dose plan: plan → JSON → plan → JSON gives the same JSON, byte for byte.

A visit stores `plan_to_json` of its plan (with the planner's notes among the warnings) and reads
it back with `plan_from_json`; the API returns the JSON again. So the JSON must be the one
`jsonable` has always written, and reading it back must lose nothing.
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.factories import make_lesion

from tvec.domain.dose_plan import DosePlan, plan_visit
from tvec.domain.indication import PatientFacts
from tvec.domain.plan_json import plan_from_json, plan_to_json
from tvec.domain.rules import DistantSite, Site, VisitKind
from tvec.jsonable import jsonable
from tvec.knowledge import available_labels, load_label

lesion_rows = st.lists(
    st.tuples(
        st.decimals(min_value="0.1", max_value="12", places=2),
        st.sampled_from(list(Site)),
        st.booleans(),
        st.booleans(),
        st.sampled_from([None, "C1", "C2"]),
    ),
    max_size=12,
)
notes = st.lists(st.text(max_size=40), max_size=3)
# the patient's facts for the indication, or none (a plan made without them has no block)
patient_facts = st.none() | st.builds(
    PatientFacts,
    stage=st.sampled_from([None, "IIIB", "IVM1c"]),
    unresectable=st.sampled_from([None, True, False]),
    recurrent_after_surgery=st.sampled_from([None, True, False]),
    distant_sites=st.sampled_from([None, (), (DistantSite.LUNG,)]),
    age_years=st.sampled_from([None, 17, 70]),
)


def planned(
    rows: list[Any],
    visit: VisitKind,
    variant: str,
    extra: list[str],
    facts: PatientFacts | None = None,
) -> DosePlan:
    lesions = [
        make_lesion(f"L{i}", size, site, new=new, injectable=injectable, cluster=cluster)
        for i, (size, site, new, injectable, cluster) in enumerate(rows)
    ]
    plan = plan_visit(load_label(variant), visit, lesions, facts)
    return replace(plan, warnings=plan.warnings + tuple(extra))


def stored(plan: DosePlan) -> Any:
    """The JSON as the database hands it back."""
    return json.loads(json.dumps(plan_to_json(plan)))


@settings(max_examples=300, deadline=None)
@given(
    rows=lesion_rows,
    visit=st.sampled_from(list(VisitKind)),
    variant=st.sampled_from(available_labels()),
    extra=notes,
    facts=patient_facts,
)
def test_a_stored_plan_reads_back_to_the_same_plan_and_the_same_json(
    rows: list[Any], visit: VisitKind, variant: str, extra: list[str], facts: PatientFacts | None
) -> None:
    plan = planned(rows, visit, variant, extra, facts)
    text = json.dumps(plan_to_json(plan))
    shape = jsonable(plan)
    if plan.indication is None:  # a plan without the patient's facts: stored as it always was
        del shape["indication"]
    if not plan.thaw_list:  # no vials to thaw: no thaw list, as plans were always stored
        del shape["thaw_list"]
    else:  # vials to thaw: one strength, with minutes relative to the appointment
        assert [item["vials"] for item in shape["thaw_list"]] == [plan.vials]
    assert text == json.dumps(shape)  # the shape the API has always returned
    again = plan_from_json(stored(plan))
    assert again == plan
    assert json.dumps(plan_to_json(again)) == text


# A plan as a visit stored it (US label, second visit, a cluster, an excluded lesion, billing
# with waste, the planner's note), and as the API returns it.
STORED = (
    '{"visit": "second", "concentration_pfu_per_ml": 100000000, "cap_colour": "royal blue", '
    '"max_total_volume_ml": 4, "injections": [{"lesion_id": "C1", "lesion_ids": ["L1", "L2"], '
    '"longest_cm": 3.2, "new": true, "band_max_ml": 2, "volume_ml": 2, "partial": false}, '
    '{"lesion_id": "L3", "lesion_ids": ["L3"], "longest_cm": 0.8, "new": false, '
    '"band_max_ml": 0.5, "volume_ml": 0.5, "partial": false}], "not_injected": '
    '[{"lesion_id": "V1", "reason": "visceral", "source": "USPI 2.2"}], '
    '"total_volume_ml": 2.5, "vials": 3, "waste_ml": 0.5, "total_pfu": 250000000, '
    '"billing": {"hcpcs": "J9325", "units_administered": 250, "units_discarded": 50, '
    '"modifier": "JW", "lines": [{"hcpcs": "J9325", "units": 250, "modifier": null, '
    '"what": "administered"}, {"hcpcs": "J9325", "units": 50, "modifier": "JW", '
    '"what": "discarded"}], "source": "CMS"}, "label": "us", "sources": ["USPI 2.2 Table 1", '
    '"USPI 2.2 Table 2"], "warnings": ["lesion L4 has no measurement on file and was not planned"]}'
)


def test_a_stored_plan_is_read_back_typed() -> None:
    plan = plan_from_json(json.loads(STORED))
    assert plan.visit is VisitKind.SECOND
    assert [(i.lesion_id, i.lesion_ids, i.volume_ml) for i in plan.injections] == [
        ("C1", ("L1", "L2"), Decimal("2")),
        ("L3", ("L3",), Decimal("0.5")),
    ]
    assert plan.billing is not None
    assert plan.billing.lines[1].units == Decimal("50")
    assert plan.warnings == ("lesion L4 has no measurement on file and was not planned",)
    assert json.dumps(plan_to_json(plan)) == STORED


def test_a_plan_without_billing_reads_back_without_billing() -> None:
    plan = plan_visit(load_label("eu"), VisitKind.INITIAL, [make_lesion("L1", "2")])
    assert plan.billing is None
    assert plan_from_json(stored(plan)) == plan
