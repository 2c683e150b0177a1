"""The body diagram: where a recorded location is drawn, how markers are spread, and the SVG.

Conventions checked: the patient's right is the viewer's left on the front view and the viewer's
right on the back view; "posterior" chooses the back view; a location the table does not know,
or a paired place without its side, is listed as not placed (never guessed).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.factories import make_lesion

from tvec.domain.dose_plan import plan_visit
from tvec.domain.rules import Site, VisitKind
from tvec.domain.status import RecordStatus
from tvec.knowledge import load_label
from tvec.persistence import records as r
from tvec.web.body_diagram import (
    CHART_KINDS,
    MARK_H,
    PLAN_KINDS,
    Kind,
    LesionMark,
    place_all,
    plan_marks,
)
from tvec.web.body_regions import (
    FIGURE_BOTTOM,
    FIGURE_HALF_WIDTH,
    FIGURE_TOP,
    MIDLINE,
    REGIONS,
    TOP,
    Spot,
    Unplaced,
    View,
    locate,
)

FRONT, BACK = View.FRONT, View.BACK
SVG = "{http://www.w3.org/2000/svg}"


def spot(text: str) -> Spot:
    found = locate(text)
    assert isinstance(found, Spot), f"{text!r}: {found}"
    return found


def side_seen(found: Spot) -> str:
    """Which side of the figure the viewer sees the spot on."""
    mid = MIDLINE[found.view]
    return "viewer's left" if found.x < mid else "viewer's right" if found.x > mid else "midline"


# ---- laterality and views -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "view", "seen_on"),
    [
        ("right thigh", FRONT, "viewer's left"),
        ("left thigh", FRONT, "viewer's right"),
        ("R forearm", FRONT, "viewer's left"),
        ("lt knee", FRONT, "viewer's right"),
        ("right calf", BACK, "viewer's right"),  # the calf is seen from behind
        ("left calf", BACK, "viewer's left"),
        ("back, left scapula", BACK, "viewer's left"),
        ("right shoulder blade", BACK, "viewer's right"),
        ("right buttock", BACK, "viewer's right"),
        ("right groin", FRONT, "viewer's left"),
        ("left axilla", FRONT, "viewer's right"),
    ],
)
def test_the_patients_right_is_the_viewers_left_in_front_and_right_behind(
    text: str, view: View, seen_on: str
) -> None:
    found = spot(text)
    assert (found.view, side_seen(found)) == (view, seen_on)


@pytest.mark.parametrize(
    "text",
    [
        "left upper arm, posterior",
        "posterior left thigh",
        "back of the right hand",
        "back of the head",
        "right knee, behind",
        "upper back",
        "lower back, right",
        "left flank, posterior",
    ],
)
def test_posterior_or_back_chooses_the_back_view(text: str) -> None:
    assert spot(text).view is BACK


def test_the_same_place_front_and_back_mirrors_across_the_midline() -> None:
    front, back = spot("left upper arm"), spot("left upper arm, posterior")
    assert front.view is FRONT
    assert back.view is BACK
    assert front.x - MIDLINE[FRONT] == pytest.approx(MIDLINE[BACK] - back.x)
    assert front.y == back.y
    assert side_seen(back) == "viewer's left"  # the patient's left, seen from behind


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("scalp", "scalp"),
        ("face", "face"),
        ("neck", "neck"),
        ("chest wall", "chest"),
        ("abdomen", "abdomen"),
        ("back", "back"),
        ("left upper arm", "upper arm"),
        ("right forearm", "forearm"),
        ("left hand", "hand"),
        ("right thigh", "thigh"),
        ("left knee", "knee"),
        ("right shin", "shin"),
        ("left lower leg", "shin"),
        ("right foot", "foot"),
        ("dorsum of the right foot", "top of the foot"),
        ("left buttock", "buttock"),
        ("right shoulder", "shoulder"),
        ("left flank", "flank"),
        ("liver", "liver"),
    ],
)
def test_the_table_knows_the_regions_nurses_write(text: str, region: str) -> None:
    assert spot(text).region == region


def test_midline_places_sit_on_the_midline_unless_a_side_is_named() -> None:
    assert side_seen(spot("scalp")) == "midline"
    assert side_seen(spot("chest wall")) == "midline"
    assert side_seen(spot("right chest wall")) == "viewer's left"
    assert side_seen(spot("lower back, right")) == "viewer's right"


def test_the_top_of_the_foot_is_seen_from_the_front_its_sole_from_behind() -> None:
    assert spot("dorsum of the right foot").view is FRONT
    assert spot("sole of the right foot").view is BACK


def test_head_to_foot_runs_down_the_figure() -> None:
    ys = [spot(t).y for t in ("scalp", "neck", "chest", "abdomen", "right thigh", "right foot")]
    assert ys == sorted(ys)


# ---- never guessed ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("cutaneous site of L1", "not one the diagram knows"),
        ("", "not one the diagram knows"),
        ("perineum", "not one the diagram knows"),
        ("thigh", "side (right or left) is not recorded"),
        ("upper arm, posterior", "side (right or left) is not recorded"),
        ("bilateral shins", "both sides"),
        ("right thigh and left thigh", "both sides"),
        ("right thigh and right forearm", "more than one place"),
    ],
)
def test_what_the_table_cannot_place_is_not_placed_with_the_reason(text: str, reason: str) -> None:
    found = locate(text)
    assert isinstance(found, Unplaced)
    assert reason in found.reason


def test_an_unknown_location_is_listed_beside_the_diagram_not_drawn() -> None:
    marks = [mark("L1", "right thigh"), mark("L2", "somewhere odd")]
    diagram = place_all(marks, CHART_KINDS)
    assert [m.mark.lesion_id for m in diagram.markers] == ["L1"]
    assert [(u.mark.lesion_id, u.reason) for u in diagram.unplaced] == [
        ("L2", "the place is not one the diagram knows")
    ]
    assert 'data-lesion="L2"' not in diagram.svg
    assert "not placed: L2" in diagram.svg


# ---- spreading ----------------------------------------------------------------------------------


def mark(lesion_id: str, location: str, kind: Kind = Kind.INJECTABLE) -> LesionMark:
    return LesionMark(lesion_id, location, kind, "latest 1 × 1 cm")


def overlaps(a, b) -> bool:  # two markers' boxes
    return abs(a.x - b.x) < (a.width + b.width) / 2 and abs(a.y - b.y) < MARK_H


@pytest.mark.parametrize("count", [2, 6, 15])
def test_many_lesions_in_one_region_are_spread_without_overlap_inside_the_figure(
    count: int,
) -> None:
    marks = [mark(f"L{n}", "right thigh") for n in range(1, count + 1)]
    diagram = place_all(marks, CHART_KINDS)
    assert len(diagram.markers) == count
    assert diagram.unplaced == ()
    placed = diagram.markers
    assert not any(overlaps(a, b) for i, a in enumerate(placed) for b in placed[i + 1 :])
    for m in placed:
        assert abs(m.x - MIDLINE[FRONT]) <= FIGURE_HALF_WIDTH
        assert TOP + FIGURE_TOP <= m.y <= TOP + FIGURE_BOTTOM
    assert (placed[0].x, placed[0].y) == (placed[0].spot.x, placed[0].spot.y)  # first: exact


def test_neighbouring_regions_do_not_overlap_either() -> None:
    texts = ["chest wall", "right chest", "left chest", "sternum", "right breast", "left breast"]
    diagram = place_all([mark(f"L{i}", t) for i, t in enumerate(texts)], CHART_KINDS)
    placed = diagram.markers
    assert len(placed) == len(texts)
    assert not any(overlaps(a, b) for i, a in enumerate(placed) for b in placed[i + 1 :])


def test_the_same_lesions_always_draw_the_same_way() -> None:
    marks = [mark(f"L{n}", "scalp") for n in range(8)]
    assert place_all(marks, CHART_KINDS).svg == place_all(marks, CHART_KINDS).svg


# ---- the SVG ------------------------------------------------------------------------------------


def test_html_in_a_location_or_an_id_is_escaped() -> None:
    evil = '<script>alert(1)</script> right thigh "quoted" & more'
    marks = [LesionMark("L<1>", evil, Kind.INJECTABLE), mark("L2", "<b>nowhere</b>")]
    diagram = place_all(marks, CHART_KINDS)
    svg = diagram.svg
    assert "<script>" not in svg
    assert "<b>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; right thigh &quot;quoted&quot; &amp; more" in svg
    root = ET.fromstring(svg)  # well-formed
    ids = [g.get("data-lesion") for g in root.iter(f"{SVG}g") if g.get("class") == "mark"]
    assert ids == ["L<1>"]


def test_the_svg_is_an_accessible_image_with_one_marker_per_placed_lesion() -> None:
    marks = [mark("L1", "right thigh"), mark("L2", "scalp", Kind.NOT_INJECTABLE)]
    root = ET.fromstring(place_all(marks, CHART_KINDS).svg)
    assert root.get("role") == "img"
    assert root.get("viewBox") == "0 0 380 440"
    assert root.get("width") == "100%"
    assert "L1 right thigh (front, injectable lesion)" in (root.get("aria-label") or "")
    assert root.find(f"{SVG}title") is not None
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "mark"]
    assert [g.findtext(f"{SVG}text") for g in groups] == ["L1", "L2"]
    titles = [g.findtext(f"{SVG}title") or "" for g in groups]
    assert titles[0] == "L1: right thigh — front view — injectable lesion — latest 1 × 1 cm"
    assert "not injectable" in titles[1]


def test_injectable_and_not_injectable_differ_in_shape_and_fill_not_only_colour() -> None:
    marks = [mark("L1", "right thigh"), mark("L2", "scalp", Kind.NOT_INJECTABLE)]
    root = ET.fromstring(place_all(marks, CHART_KINDS).svg)
    boxes = {
        g.get("data-lesion"): g.find(f"{SVG}rect")
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "mark"
    }
    injectable, not_injectable = boxes["L1"], boxes["L2"]
    assert injectable is not None
    assert not_injectable is not None
    assert float(injectable.get("rx") or 0) == MARK_H / 2  # rounded
    assert float(not_injectable.get("rx") or 0) <= 1  # square
    assert not_injectable.get("stroke-dasharray")  # dashed
    assert injectable.get("fill") != "#ffffff"
    assert not_injectable.get("fill") == "#ffffff"


def test_a_long_lesion_id_is_cut_on_the_marker_and_whole_in_its_tooltip() -> None:
    diagram = place_all([mark("scalp-lesion-12", "scalp")], CHART_KINDS)
    root = ET.fromstring(diagram.svg)
    group = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "mark")
    assert group.findtext(f"{SVG}text") == "scalp-…"
    assert (group.findtext(f"{SVG}title") or "").startswith("scalp-lesion-12: scalp")


# ---- the dose plan's marks ----------------------------------------------------------------------


def lesion(id_: int, name: str, location: str, injectable: bool = True) -> r.Lesion:
    return r.Lesion(
        id_, 1, name, "cutaneous", location, date(2026, 1, 1), injectable, None,
        RecordStatus.ACTIVE, 1,
    )  # fmt: skip


def measurement(lesion_id: int, longest: str, on: date) -> r.Measurement:
    return r.Measurement(
        lesion_id * 10, lesion_id, on, Decimal(longest), Decimal("1.0"), "caliper",
        RecordStatus.ACTIVE, 1, datetime(2026, 1, 1, tzinfo=UTC), 1,
    )  # fmt: skip


def test_the_plan_marks_planned_volume_not_planned_and_not_injectable() -> None:
    plan = plan_visit(
        load_label("us"),
        VisitKind.INITIAL,
        [make_lesion("L1", "3.2"), make_lesion("V1", "2", site=Site.VISCERAL)],
    )
    on_file = [
        lesion(1, "L1", "right thigh"),
        lesion(2, "V1", "liver"),
        lesion(3, "L3", "left calf", injectable=False),
        lesion(4, "L4", "scalp"),
    ]
    measured = [measurement(1, "3.0", date(2026, 1, 1)), measurement(1, "3.2", date(2026, 2, 1))]
    marks = {m.lesion_id: m for m in plan_marks(on_file, measured, plan)}
    assert marks["L1"].kind is Kind.PLANNED
    assert marks["L1"].detail == "latest 3.2 × 1 cm on 2026-02-01; planned 2 mL"
    assert marks["L1"].tag == "2 mL"
    assert marks["L3"].tag == ""
    assert marks["V1"].kind is Kind.NOT_PLANNED
    assert marks["V1"].detail.startswith("not measured; not injected: ")
    assert marks["L3"].kind is Kind.NOT_INJECTABLE
    assert marks["L4"].kind is Kind.NOT_PLANNED
    legend = place_all(marks.values(), PLAN_KINDS).legend
    assert [words for _swatch, words in legend] == [
        "injected this visit, with its planned volume",
        "injectable, not injected this visit",
        "not injectable",
    ]


def test_a_planned_marker_reads_its_id_and_planned_volume() -> None:
    planned = LesionMark("L1", "right thigh", Kind.PLANNED, "planned 2 mL", tag="2 mL")
    root = ET.fromstring(place_all([planned], PLAN_KINDS).svg)
    group = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "mark")
    assert group.findtext(f"{SVG}text") == "L1 2 mL"


# ---- the table matches the drawing ---------------------------------------------------------------


def on_the_figure(view: View, x: float, y: float) -> bool:
    """Inside the drawn outline (its polygon before smoothing) or the head's ellipse."""
    from tvec.web.body_diagram import HALF_OUTLINE

    half = [(float(px), float(py)) for px, py in HALF_OUTLINE]
    polygon = [*half, *((-px, py) for px, py in reversed(half[:-1]))]
    fx, fy = x - MIDLINE[view], y - TOP
    if (fx / 16) ** 2 + ((fy - 26) / 20) ** 2 <= 1:
        return True
    inside = False
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (y1 > fy) != (y2 > fy) and fx < x1 + (fy - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


@pytest.mark.parametrize("region", REGIONS, ids=lambda region: region.name)
def test_every_region_of_the_table_lies_on_the_drawn_figure_on_both_sides(region) -> None:
    for side in ("right", "left"):
        text = f"{side} {region.phrases[0]}"
        for view_word in ("anterior", "posterior"):
            found = spot(f"{text}, {view_word}")
            assert on_the_figure(found.view, found.x, found.y), (text, found)


VOCABULARY = sorted(
    {word for region in REGIONS for phrase in region.phrases for word in phrase.split()}
    | {"right", "left", "r", "l", "posterior", "anterior", "back", "front", "of", "the", ","}
)


@given(
    st.one_of(
        st.text(max_size=60),
        st.lists(st.sampled_from(VOCABULARY), max_size=5).map(" ".join),
    )
)
def test_any_text_is_drawn_on_the_figure_or_listed_with_a_reason(text: str) -> None:
    found = locate(text)
    if isinstance(found, Unplaced):
        assert found.reason
    else:
        assert on_the_figure(found.view, found.x, found.y), (text, found)


def test_the_chart_marks_lesions_on_file_but_not_those_entered_in_error() -> None:
    from dataclasses import replace

    from tvec.services.chart import LesionLine
    from tvec.web.body_diagram import chart_diagram

    wrong = replace(lesion(2, "L2", "scalp"), status=RecordStatus.ENTERED_IN_ERROR)
    lines = [
        LesionLine(lesion(1, "L1", "right thigh"), measurement(1, "2.5", date(2026, 3, 1)), True),
        LesionLine(wrong, None, False),
        LesionLine(lesion(3, "L3", "left calf", injectable=False), None, False),
    ]
    diagram = chart_diagram(lines)
    kinds = {m.mark.lesion_id: (m.mark.kind, m.mark.detail) for m in diagram.markers}
    assert kinds == {
        "L1": (Kind.INJECTABLE, "latest 2.5 × 1 cm on 2026-03-01"),
        "L3": (Kind.NOT_INJECTABLE, "not measured"),
    }
