"""J9325 claim lines carry whole units (Medicare contractor guidance, "units of service"; CMS JW/JZ
FAQ): the administered amount rounded up to a whole unit; a JW line for the whole units left of the
vials thawed, only when at least one whole unit was discarded; otherwise one line with JZ."""

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tvec.domain.billing import bill_dose
from tvec.domain.dose_plan import vials_for
from tvec.knowledge import load_label

US = load_label("us")
assert US.billing is not None
RULES = US.billing
D = Decimal

# mL given, PFU/mL, vials thawed -> claim lines as (units, modifier); None = the administered line
# without a modifier (the JW line follows it).
WHOLE_UNITS = [
    pytest.param("0.1", 10**6, 1, [(1, "JZ")], id="0.1 mL from one 10^6 vial: 1 unit JZ"),
    pytest.param("3.6", 10**6, 4, [(4, "JZ")], id="3.6 mL from four 10^6 vials: 4 units JZ"),
    pytest.param("2.1", 10**6, 3, [(3, "JZ")], id="2.1 mL from three 10^6 vials: 3 units JZ"),
    pytest.param("4", 10**6, 4, [(4, "JZ")], id="4 mL from four 10^6 vials: 4 units JZ"),
    pytest.param(
        "1.1", 10**8, 2, [(110, None), (90, "JW")], id="1.1 mL from two 10^8 vials: 110 + 90 JW"
    ),
    pytest.param("4", 10**8, 4, [(400, "JZ")], id="4 mL from four 10^8 vials: 400 units JZ"),
    pytest.param("0.1", 10**8, 1, [(10, None), (90, "JW")], id="0.1 mL of 10^8: 10 + 90 JW"),
    pytest.param("0", 10**6, 0, [], id="nothing given: no J9325 line"),
]


@pytest.mark.parametrize(("ml", "pfu", "vials", "lines"), WHOLE_UNITS)
def test_claim_lines_carry_whole_units(
    ml: str, pfu: int, vials: int, lines: list[tuple[int, str | None]]
) -> None:
    given_ml = D(ml)
    thawed_vials, discarded_ml = vials_for(given_ml, D(1))
    assert thawed_vials == vials
    billing = bill_dose(RULES, pfu, given_ml, discarded_ml)
    assert [(line.units, line.modifier) for line in billing.lines] == [
        (D(units), modifier) for units, modifier in lines
    ]
    assert all(line.hcpcs == "J9325" for line in billing.lines)


def test_a_visit_with_a_discarded_line_names_jw_for_the_claim() -> None:
    billing = bill_dose(RULES, 10**8, D("1.1"), D("0.9"))
    assert (billing.units_administered, billing.units_discarded, billing.modifier) == (
        D(110),
        D(90),
        "JW",
    )
    assert [line.what for line in billing.lines] == ["administered", "discarded"]


def test_nothing_given_has_no_line_and_no_modifier() -> None:
    billing = bill_dose(RULES, 10**6, D(0), D(0))
    assert (billing.lines, billing.modifier, billing.units_administered) == ((), None, D(0))


def test_the_rounding_rule_and_its_source_are_knowledge_data() -> None:
    assert RULES.min_discarded_units == 1
    assert "First Coast" in RULES.units_source
    assert "JW/JZ FAQ" in RULES.units_source
    # A payer needing two whole discarded units: one unit left is not a JW line.
    two = replace(RULES, min_discarded_units=2)
    assert [(li.units, li.modifier) for li in bill_dose(two, 10**6, D("3"), D(1)).lines] == [
        (D(3), "JZ")
    ]


@settings(max_examples=300, deadline=None)
@given(
    tenths=st.integers(min_value=0, max_value=40),
    pfu=st.sampled_from([10**6, 10**8]),
    extra_vials=st.integers(min_value=0, max_value=2),
)
def test_billed_units_are_whole_and_add_up_to_the_vials_thawed(
    tenths: int, pfu: int, extra_vials: int
) -> None:
    """Whole units; administered + discarded = the thawed vials' units whenever a JW line exists;
    JW and JZ never on one line; JZ only when less than a whole unit was left."""
    given_ml = D(tenths) / 10
    vials, discarded_ml = vials_for(given_ml, D(1))
    vials += extra_vials if given_ml else 0  # a vial thawed and not opened is discarded too
    discarded_ml += extra_vials if given_ml else 0
    billing = bill_dose(RULES, pfu, given_ml, discarded_ml)
    if given_ml == 0:
        assert billing.lines == ()
        return
    thawed_units = D(vials) * pfu / RULES.pfu_per_unit
    for line in billing.lines:
        assert line.units == line.units.to_integral_value()
        assert str(line.units).isdigit()  # shown on a claim as a plain whole number
        assert line.units > 0
        assert line.modifier in (None, "JW", "JZ")  # one modifier per line at most
    administered, *rest = billing.lines
    assert administered.units >= given_ml * pfu / RULES.pfu_per_unit
    assert administered.units - given_ml * pfu / RULES.pfu_per_unit < 1
    if rest:
        (discarded,) = rest
        assert (administered.modifier, discarded.modifier) == (None, "JW")
        assert administered.units + discarded.units == thawed_units
    else:
        assert administered.modifier == "JZ"
        assert thawed_units - administered.units < RULES.min_discarded_units
