"""The dose planner: order of injection, partial lesions, exclusions, vials, waste and billing."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.factories import make_lesion

from tvec.domain.dose_plan import plan_visit
from tvec.domain.errors import InvalidInput, RouteNotPermitted
from tvec.domain.rules import Site, VisitKind
from tvec.knowledge import load_label

US = load_label("us")
D = Decimal


def ids(plan):
    return [i.lesion_id for i in plan.injections]


def test_initial_visit_injects_largest_first_even_when_a_lesion_is_new() -> None:
    lesions = [
        make_lesion("small", "0.8", new=True),
        make_lesion("big", "4"),
        make_lesion("mid", "2"),
    ]
    assert ids(plan_visit(US, VisitKind.INITIAL, lesions)) == ["big", "mid", "small"]


@pytest.mark.parametrize("visit", [VisitKind.SECOND, VisitKind.SUBSEQUENT, VisitKind.REINITIATION])
def test_later_visits_inject_new_lesions_first_then_the_rest_by_size(visit: VisitKind) -> None:
    lesions = [
        make_lesion("old-big", "4"),
        make_lesion("new-small", "0.4", new=True),
        make_lesion("old-mid", "2"),
        make_lesion("new-mid", "1.2", new=True),
    ]
    assert ids(plan_visit(US, visit, lesions)) == ["new-mid", "new-small", "old-big", "old-mid"]


def test_lesions_of_equal_size_keep_their_input_order() -> None:
    lesions = [make_lesion("b", "2"), make_lesion("a", "2"), make_lesion("c", "2")]
    assert ids(plan_visit(US, VisitKind.INITIAL, lesions)) == ["b", "a", "c"]


def test_the_lesion_that_reaches_the_4_ml_limit_is_partial_and_the_rest_wait() -> None:
    lesions = [make_lesion("A", "3"), make_lesion("B", "6"), make_lesion("C", "0.3")]
    plan = plan_visit(US, VisitKind.INITIAL, lesions)
    assert [(i.lesion_id, i.volume_ml, i.partial) for i in plan.injections] == [
        ("B", D(4), False),
    ]
    assert [(n.lesion_id, "4 mL" in n.reason) for n in plan.not_injected] == [
        ("A", True),
        ("C", True),
    ]

    lesions = [make_lesion("A", "3"), make_lesion("B", "6")]
    plan = plan_visit(
        US, VisitKind.SUBSEQUENT, [make_lesion("A", "3", new=True), make_lesion("B", "6")]
    )
    assert [(i.lesion_id, i.volume_ml, i.partial) for i in plan.injections] == [
        ("A", D(2), False),
        ("B", D(2), True),
    ]


def test_visceral_and_not_injectable_lesions_are_never_planned_and_say_why() -> None:
    lesions = [
        make_lesion("liver", "3", Site.VISCERAL),
        make_lesion("skin", "1", injectable=False),
        make_lesion("node", "2", Site.NODAL),
    ]
    plan = plan_visit(US, VisitKind.SUBSEQUENT, lesions)
    assert ids(plan) == ["node"]
    reasons = {n.lesion_id: (n.reason, n.source) for n in plan.not_injected}
    assert "visceral" in reasons["liver"][0]
    assert "USPI" in reasons["liver"][1]
    assert "not injectable" in reasons["skin"][0]


@pytest.mark.parametrize("route", ["transcutaneous-intrahepatic", "intravenous"])
def test_a_route_the_label_excludes_is_refused_citing_the_label(route: str) -> None:
    with pytest.raises(RouteNotPermitted) as refused:
        plan_visit(US, VisitKind.SUBSEQUENT, [make_lesion("H1", "2", route=route)])
    assert "lesion H1" in str(refused.value)
    assert "USPI" in str(refused.value)
    if route == "transcutaneous-intrahepatic":
        assert "hepatic haemorrhage" in str(refused.value)


def test_an_unknown_route_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput, match=r"lesion X: Route must be 'intralesional' \(got oral\)"):
        plan_visit(US, VisitKind.SUBSEQUENT, [make_lesion("X", "1", route="oral")])


def test_a_cluster_is_dosed_as_one_lesion_sized_by_its_largest_member() -> None:
    lesions = [
        make_lesion("a", "0.4", cluster="C"),
        make_lesion("b", "1.7", cluster="C"),
        make_lesion("z", "1.0"),
    ]
    plan = plan_visit(US, VisitKind.INITIAL, lesions)
    first = plan.injections[0]
    assert (first.lesion_id, first.lesion_ids, first.longest_cm, first.volume_ml) == (
        "C",
        ("a", "b"),
        D("1.7"),
        D(1),
    )
    assert len(plan.injections) == 2


def test_a_visceral_member_of_a_cluster_stays_out_and_the_rest_is_dosed() -> None:
    lesions = [
        make_lesion("a", "1", cluster="C"),
        make_lesion("v", "6", Site.VISCERAL, cluster="C"),
    ]
    plan = plan_visit(US, VisitKind.INITIAL, lesions)
    assert [(i.lesion_ids, i.volume_ml) for i in plan.injections] == [(("a",), D("0.5"))]
    assert [n.lesion_id for n in plan.not_injected] == ["v"]


def test_vials_waste_and_billing_round_a_part_unit_up_and_carry_jz() -> None:
    # 2 + 1 + 0.5 + 0.1 = 3.6 mL of 10^6 PFU/mL: four 1 mL vials, 0.4 mL discarded; units on a
    # claim line are whole, so 3.6 units bill as 4 and less than a whole unit is left: JZ
    lesions = [
        make_lesion("a", "3.2"),
        make_lesion("b", "1.8"),
        make_lesion("c", "0.9"),
        make_lesion("d", "0.5"),
    ]
    plan = plan_visit(US, VisitKind.INITIAL, lesions)
    assert (plan.total_volume_ml, plan.vials, plan.waste_ml) == (D("3.6"), 4, D("0.4"))
    assert plan.total_pfu == 3_600_000
    billing = plan.billing
    assert billing is not None
    assert (
        billing.hcpcs,
        billing.units_administered,
        billing.units_discarded,
        billing.modifier,
    ) == (
        "J9325",
        D(4),
        D(0),
        "JZ",
    )
    assert [(line.units, line.modifier) for line in billing.lines] == [(D(4), "JZ")]


def test_a_full_4_ml_dose_of_10_8_bills_400_units_with_jz() -> None:
    plan = plan_visit(US, VisitKind.SUBSEQUENT, [make_lesion("a", "6")])
    assert plan.billing is not None
    assert (plan.billing.units_administered, plan.billing.units_discarded) == (D(400), D(0))
    assert [(line.units, line.modifier) for line in plan.billing.lines] == [(D(400), "JZ")]


def test_the_eu_variant_plans_identically_but_carries_no_us_billing_code() -> None:
    lesions = [make_lesion("a", "3.2"), make_lesion("b", "0.9")]
    us, eu = (plan_visit(load_label(v), VisitKind.SECOND, lesions) for v in ("us", "eu"))
    assert eu.billing is None
    assert [(i.lesion_id, i.volume_ml) for i in eu.injections] == [
        (i.lesion_id, i.volume_ml) for i in us.injections
    ]


def test_no_injectable_lesion_gives_an_empty_plan_with_a_warning() -> None:
    plan = plan_visit(US, VisitKind.SUBSEQUENT, [make_lesion("v", "2", Site.VISCERAL)])
    assert (plan.injections, plan.vials, plan.total_volume_ml) == ((), 0, D(0))
    assert any("no injectable lesion" in w for w in plan.warnings)


@pytest.mark.parametrize(
    ("lesion", "message"),
    [
        (make_lesion("L1", "0"), r"lesion L1: Longest diameter \(cm\) must be greater than 0"),
        (make_lesion("L1", "-1"), r"lesion L1: Longest diameter \(cm\) must be greater than 0"),
        (
            make_lesion("L1", "1", perpendicular_cm=D(0)),
            r"lesion L1: Perpendicular diameter \(cm\) must be greater than 0",
        ),
        (
            make_lesion("L1", "1", perpendicular_cm=D(2)),
            r"lesion L1: Perpendicular diameter \(cm\) must not exceed the longest diameter \(1 cm\)",
        ),
    ],
)
def test_impossible_diameters_are_refused_naming_the_lesion(lesion, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        plan_visit(US, VisitKind.INITIAL, [lesion])


def test_duplicate_lesion_ids_are_refused() -> None:
    with pytest.raises(InvalidInput, match="lesion L1: Lesion id is duplicated"):
        plan_visit(US, VisitKind.INITIAL, [make_lesion("L1", "1"), make_lesion("L1", "2")])


# ---- properties -------------------------------------------------------------------------------

sizes = st.decimals(min_value="0.1", max_value="12", places=2)
lesion_lists = st.lists(
    st.tuples(
        sizes,
        st.sampled_from(list(Site)),
        st.booleans(),
        st.booleans(),
        st.sampled_from([None, "C1", "C2"]),
    ),
    min_size=0,
    max_size=12,
)


def build(rows):
    return [
        make_lesion(f"L{i}", size, site, new=new, injectable=injectable, cluster=cluster)
        for i, (size, site, new, injectable, cluster) in enumerate(rows)
    ]


@settings(max_examples=300, deadline=None)
@given(
    rows=lesion_lists, visit=st.sampled_from(list(VisitKind)), variant=st.sampled_from(["us", "eu"])
)
def test_a_plan_never_exceeds_4_ml_nor_any_band_and_uses_whole_steps(rows, visit, variant) -> None:
    label = load_label(variant)
    plan = plan_visit(label, visit, build(rows))
    assert plan.total_volume_ml <= D(4)
    assert plan.total_volume_ml == sum((i.volume_ml for i in plan.injections), D(0))
    for injection in plan.injections:
        assert D(0) < injection.volume_ml <= label.band_for(injection.longest_cm).max_volume_ml
        assert injection.volume_ml % D("0.1") == 0
        assert injection.partial == (injection.volume_ml < injection.band_max_ml)
    assert plan.vials * 1 - plan.total_volume_ml == plan.waste_ml
    assert D(0) <= plan.waste_ml < D(1)


@settings(max_examples=200, deadline=None)
@given(rows=lesion_lists)
def test_the_initial_visit_never_uses_the_10_8_strength(rows) -> None:
    plan = plan_visit(US, VisitKind.INITIAL, build(rows))
    assert plan.concentration_pfu_per_ml == 10**6
    assert plan.total_pfu <= 4 * 10**6


@settings(max_examples=200, deadline=None)
@given(rows=lesion_lists, visit=st.sampled_from(list(VisitKind)))
def test_the_plan_is_deterministic_and_accounts_for_every_lesion(rows, visit) -> None:
    lesions = build(rows)
    plan = plan_visit(US, visit, lesions)
    assert plan == plan_visit(US, visit, lesions)
    covered = [lid for i in plan.injections for lid in i.lesion_ids]
    skipped = {n.lesion_id for n in plan.not_injected}
    for lesion in lesions:
        assert (
            lesion.lesion_id in covered or lesion.lesion_id in skipped or lesion.cluster in skipped
        )
