"""The body diagram of the chart and the dose plan: each lesion marked on a front and a back
silhouette, drawn by tvec as inline SVG (no image files, no outside service).

- Where a lesion goes comes from its recorded location text through the table of body regions
  (`tvec.web.body_regions.locate`); a location the table does not place is listed beside the
  diagram with the reason, never guessed.
- Lesions that fall in the same place are spread: each marker takes the nearest free spot around
  its region's point (a fixed search pattern, so the same chart always draws the same way),
  kept inside the silhouette's bounding box, and no two markers overlap.
- What a marker says without colour: a filled rounded marker is injectable (on the plan: injected
  this visit, its planned volume written after its id); a hollow rounded marker is injectable but
  not in this plan; a hollow square dashed marker is not injectable. Dark blue on white prints in
  grey as well as in colour.
- Every text (lesion id, location, size) is escaped with `html.escape` before it enters the SVG.

This module draws; it decides nothing clinical.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cache
from html import escape

from tvec.domain.dose_plan import DosePlan
from tvec.domain.status import RecordStatus
from tvec.persistence import records as r
from tvec.services import lesions
from tvec.services.chart import LesionLine
from tvec.services.context import Actor, Context
from tvec.web.body_regions import (
    FIGURE_BOTTOM,
    FIGURE_HALF_WIDTH,
    FIGURE_TOP,
    HEIGHT,
    MIDLINE,
    TOP,
    WIDTH,
    Spot,
    Unplaced,
    View,
    locate,
)


class Kind(StrEnum):
    INJECTABLE = "injectable"
    PLANNED = "planned"  # on the plan: injected this visit
    NOT_PLANNED = "not-planned"  # on the plan: injectable, not injected this visit
    NOT_INJECTABLE = "not-injectable"


LEGEND = {
    Kind.INJECTABLE: "injectable lesion",
    Kind.PLANNED: "injected this visit, with its planned volume",
    Kind.NOT_PLANNED: "injectable, not injected this visit",
    Kind.NOT_INJECTABLE: "not injectable",
}
CHART_KINDS = (Kind.INJECTABLE, Kind.NOT_INJECTABLE)
PLAN_KINDS = (Kind.PLANNED, Kind.NOT_PLANNED, Kind.NOT_INJECTABLE)

INK, BLUE, GREY = "#1f2328", "#1d4e89", "#59636e"
MARK_H = 20.0  # a marker's height (viewBox units); its width follows its label
GAP = 2.0  # the least space between two markers
LABEL_CHARS = 7  # longer lesion ids are cut on the marker (the tooltip has the whole id)
SEARCH_STEP, SEARCH_RADIUS = 3.0, 120.0


@dataclass(frozen=True)
class LesionMark:
    """One lesion as the diagram shows it; `detail` follows the location in its tooltip."""

    lesion_id: str
    location: str
    kind: Kind
    detail: str = ""
    tag: str = ""  # shown on the marker after the id: the planned volume ("2 mL")


@dataclass(frozen=True)
class Marker:
    mark: LesionMark
    spot: Spot  # the region's point
    x: float  # the marker's centre, after spreading
    y: float
    width: float


@dataclass(frozen=True)
class NotPlaced:
    mark: LesionMark
    reason: str


@dataclass(frozen=True)
class BodyDiagram:
    markers: tuple[Marker, ...]
    unplaced: tuple[NotPlaced, ...]
    kinds: tuple[Kind, ...]  # what the legend explains

    @property
    def svg(self) -> str:
        return diagram_svg(self)

    @property
    def legend(self) -> tuple[tuple[str, str], ...]:
        """(swatch SVG, words) for each kind of marker this diagram can show."""
        return tuple((swatch_svg(kind), LEGEND[kind]) for kind in self.kinds)


# ---- placing ------------------------------------------------------------------------------------


def label_of(mark: LesionMark) -> str:
    """What the marker reads: the lesion id (cut when long) and its tag."""
    name = mark.lesion_id
    short = name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"
    return f"{short} {mark.tag}" if mark.tag else short


def marker_width(mark: LesionMark) -> float:
    return max(MARK_H, 6.6 * len(label_of(mark)) + 9)


@cache
def _offsets() -> tuple[tuple[float, float], ...]:
    """Candidate shifts from a region's point, nearest first (ties broken by angle)."""
    n = int(SEARCH_RADIUS / SEARCH_STEP)
    grid = [(i * SEARCH_STEP, j * SEARCH_STEP) for i in range(-n, n + 1) for j in range(-n, n + 1)]
    near = [p for p in grid if math.hypot(*p) <= SEARCH_RADIUS]
    return tuple(sorted(near, key=lambda p: (math.hypot(*p), math.atan2(p[1], p[0]))))


def _inside(view: View, x: float, y: float) -> bool:
    """Within the silhouette's bounding box (the marker's centre)."""
    mid = MIDLINE[view]
    return abs(x - mid) <= FIGURE_HALF_WIDTH and TOP + FIGURE_TOP <= y <= TOP + FIGURE_BOTTOM


def _clear(x: float, y: float, width: float, others: list[Marker]) -> bool:
    return all(
        abs(x - o.x) >= (width + o.width) / 2 + GAP or abs(y - o.y) >= MARK_H + GAP for o in others
    )


def _spread(mark: LesionMark, spot: Spot, placed: list[Marker]) -> Marker | None:
    width = marker_width(mark)
    for dx, dy in _offsets():
        x, y = spot.x + dx, spot.y + dy
        if _inside(spot.view, x, y) and _clear(x, y, width, placed):
            return Marker(mark, spot, x, y, width)
    return None


def place_all(marks: Iterable[LesionMark], kinds: tuple[Kind, ...]) -> BodyDiagram:
    """Every lesion placed by its location (spread so none overlaps), or listed as not placed."""
    placed: list[Marker] = []
    unplaced: list[NotPlaced] = []
    for mark in marks:
        spot = locate(mark.location)
        if isinstance(spot, Unplaced):
            unplaced.append(NotPlaced(mark, spot.reason))
            continue
        marker = _spread(mark, spot, placed)
        if marker is None:
            unplaced.append(NotPlaced(mark, "no room left on the diagram"))
        else:
            placed.append(marker)
    return BodyDiagram(tuple(placed), tuple(unplaced), kinds)


# ---- drawing ------------------------------------------------------------------------------------

# The right half of the outline in a figure's own frame (midline x = 0, crown y = 6), from the
# top of the neck down the arm's outer edge, up its inner edge, down the trunk and leg to the
# crotch; mirrored for the other half and smoothed. The head is an ellipse.
HALF_OUTLINE = (
    (7, 44), (8, 58), (24, 65), (38, 70), (45, 77), (50, 90), (53, 110), (57, 140), (64, 172),
    (68, 198), (74, 210), (76, 226), (72, 238), (66, 238), (62, 226), (60, 212), (58, 202),
    (51, 176), (45, 146), (39, 114), (35, 101), (33, 120), (31, 150), (33, 178), (36, 200),
    (35, 230), (31, 270), (29, 292), (28, 320), (24, 350), (21, 368), (26, 386), (27, 395),
    (8, 396), (8, 368), (10, 330), (9, 292), (7, 255), (4, 224), (0, 216),
)  # fmt: skip


def _smooth_closed(points: list[tuple[float, float]]) -> str:
    """A closed Catmull-Rom curve through the points, as cubic Béziers."""
    n = len(points)
    out = [f"M{points[0][0]:.1f},{points[0][1]:.1f}"]
    for i in range(n):
        p0, p1, p2, p3 = (points[(i + k) % n] for k in (-1, 0, 1, 2))
        c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        out.append(f"C{c1[0]:.1f},{c1[1]:.1f} {c2[0]:.1f},{c2[1]:.1f} {p2[0]:.1f},{p2[1]:.1f}")
    return " ".join(out) + "Z"


@cache
def outline_path(view: View) -> str:
    mid = MIDLINE[view]
    half = [(float(x), float(y)) for x, y in HALF_OUTLINE]
    other = [(-x, y) for x, y in reversed(half[:-1])]
    return _smooth_closed([(mid + x, TOP + y) for x, y in [*half, *other]])


def _silhouette(view: View) -> str:
    mid = MIDLINE[view]
    heading = "Front" if view is View.FRONT else "Back"
    # the patient's right: the viewer's left on the front view, the viewer's right on the back
    right_x, left_x = (mid - 62, mid + 62) if view is View.FRONT else (mid + 62, mid - 62)
    detail = (
        f'<circle cx="{mid}" cy="{TOP + 160}" r="1.6" fill="{GREY}"/>'  # the navel
        if view is View.FRONT
        else f'<path d="M{mid},{TOP + 64} V{TOP + 196}" stroke="{GREY}" stroke-width="1"'
        ' stroke-dasharray="3 3" fill="none"/>'  # the spine
    )
    return (
        f'<g class="silhouette" data-view="{view}">'
        f'<text x="{mid}" y="16" text-anchor="middle" font-size="13" font-weight="700"'
        f' fill="{INK}">{heading}</text>'
        f'<g class="figure"><ellipse cx="{mid}" cy="{TOP + 26}" rx="16" ry="20"'
        f' fill="#eef1f4" stroke="{GREY}" stroke-width="1.2"/>'
        f'<path d="{outline_path(view)}" fill="#eef1f4" stroke="{GREY}" stroke-width="1.2"/>'
        f"{detail}</g>"
        f'<text x="{right_x}" y="{TOP + 40}" text-anchor="middle" font-size="12"'
        f' font-weight="700" fill="{GREY}">R</text>'
        f'<text x="{left_x}" y="{TOP + 40}" text-anchor="middle" font-size="12"'
        f' font-weight="700" fill="{GREY}">L</text></g>'
    )


def _shape(kind: Kind, x: float, y: float, width: float) -> str:
    """The marker's box: rounded (injectable) or square and dashed (not injectable); filled
    when injectable on the chart or injected on the plan."""
    left, top = x - width / 2, y - MARK_H / 2
    box = f'x="{left:.1f}" y="{top:.1f}" width="{width:.1f}" height="{MARK_H}"'
    if kind is Kind.NOT_INJECTABLE:
        return (
            f'<rect {box} rx="1" fill="#ffffff" stroke="{INK}" stroke-width="1.5"'
            ' stroke-dasharray="3 2"/>'
        )
    fill = BLUE if kind in (Kind.INJECTABLE, Kind.PLANNED) else "#ffffff"
    return f'<rect {box} rx="{MARK_H / 2}" fill="{fill}" stroke="{BLUE}" stroke-width="2"/>'


def _text_colour(kind: Kind) -> str:
    return "#ffffff" if kind in (Kind.INJECTABLE, Kind.PLANNED) else INK


def _tooltip(marker: Marker) -> str:
    mark = marker.mark
    words = [f"{mark.lesion_id}: {mark.location}", f"{marker.spot.view} view"]
    words += [LEGEND[mark.kind]] + ([mark.detail] if mark.detail else [])
    return " — ".join(words)


def _marker_svg(marker: Marker) -> str:
    mark = marker.mark
    return (
        f'<g class="mark" data-lesion="{escape(mark.lesion_id)}" data-view="{marker.spot.view}"'
        f' data-kind="{mark.kind}" data-region="{escape(marker.spot.region)}">'
        f"<title>{escape(_tooltip(marker))}</title>"
        f"{_shape(mark.kind, marker.x, marker.y, marker.width)}"
        f'<text x="{marker.x:.1f}" y="{marker.y:.1f}" text-anchor="middle"'
        f' dominant-baseline="central" font-size="11" font-weight="700"'
        f' fill="{_text_colour(mark.kind)}">{escape(label_of(mark))}</text></g>'
    )


def summary(diagram: BodyDiagram) -> str:
    """What the picture shows, in words (its accessible name)."""
    placed = [
        f"{m.mark.lesion_id} {m.mark.location} ({m.spot.view}, {LEGEND[m.mark.kind]})"
        for m in diagram.markers
    ]
    text = "Body diagram, front and back: " + ("; ".join(placed) or "no lesion placed")
    if diagram.unplaced:
        text += "; not placed: " + ", ".join(u.mark.lesion_id for u in diagram.unplaced)
    return text + "."


def diagram_svg(diagram: BodyDiagram) -> str:
    label = escape(summary(diagram))
    marks = "".join(_marker_svg(m) for m in diagram.markers)
    return (
        f'<svg class="body-diagram" data-testid="body-diagram" viewBox="0 0 {WIDTH} {HEIGHT}"'
        f' width="100%" style="max-width:460px;height:auto" role="img" aria-label="{label}"'
        ' xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif">'
        f"<title>{label}</title>"
        f"{_silhouette(View.FRONT)}{_silhouette(View.BACK)}{marks}</svg>"
    )


def swatch_svg(kind: Kind) -> str:
    """A legend's sample marker."""
    return (
        '<svg viewBox="0 0 26 22" width="26" height="22" aria-hidden="true"'
        ' xmlns="http://www.w3.org/2000/svg">'
        f"{_shape(kind, 13, 11, 22)}</svg>"
    )


# ---- the chart's and the plan's lesions ---------------------------------------------------------


def _cm(value: Decimal) -> str:
    return format(value.normalize(), "f")


def size_text(latest: r.Measurement | None) -> str:
    if latest is None:
        return "not measured"
    sizes = f"{_cm(latest.longest_cm)} × {_cm(latest.perpendicular_cm)} cm"
    return f"latest {sizes} on {latest.measured_on.isoformat()}"


def _latest(measurements: Iterable[r.Measurement]) -> dict[int, r.Measurement]:
    active = [m for m in measurements if m.status is RecordStatus.ACTIVE]
    return {m.lesion_id: m for m in sorted(active, key=lambda m: (m.measured_on, m.id))}


def chart_diagram(lines: Iterable[LesionLine]) -> BodyDiagram:
    """The chart's diagram: every lesion on file (not those entered in error)."""
    marks = [
        LesionMark(
            line.lesion.name,
            line.lesion.location,
            Kind.INJECTABLE if line.lesion.injectable else Kind.NOT_INJECTABLE,
            size_text(line.latest),
        )
        for line in lines
        if line.lesion.status is RecordStatus.ACTIVE
    ]
    return place_all(marks, CHART_KINDS)


def plan_marks(
    lesions_on_file: Iterable[r.Lesion], measurements: Iterable[r.Measurement], plan: DosePlan
) -> list[LesionMark]:
    """Each lesion with what the plan does with it: its planned volume, or why not injected."""
    latest = _latest(measurements)
    volume = {
        name: (i.volume_ml, i.lesion_id if len(i.lesion_ids) > 1 else None)
        for i in plan.injections
        for name in i.lesion_ids
    }
    why_not = {n.lesion_id: n.reason for n in plan.not_injected}
    marks = []
    for lesion in lesions_on_file:
        if lesion.status is not RecordStatus.ACTIVE:
            continue
        detail = [size_text(latest.get(lesion.id))]
        if lesion.name in volume:
            ml, cluster = volume[lesion.name]
            detail.append(f"planned {_cm(ml)} mL" + (f" for cluster {cluster}" if cluster else ""))
            kind, tag = Kind.PLANNED, f"{_cm(ml)} mL"
        else:
            kind, tag = (Kind.NOT_PLANNED if lesion.injectable else Kind.NOT_INJECTABLE), ""
            reason = why_not.get(lesion.name) or why_not.get(lesion.cluster or "")
            detail += [f"not injected: {reason}"] if reason else []
        marks.append(LesionMark(lesion.name, lesion.location, kind, "; ".join(detail), tag))
    return marks


def plan_diagram(ctx: Context, user: Actor, patient_id: int, plan: DosePlan) -> BodyDiagram:
    """The dose plan's diagram, from the patient's lesions and their latest sizes."""
    on_file = lesions.list_lesions(ctx, user, patient_id)
    measured = lesions.list_measurements(ctx, user, patient_id)
    return place_all(plan_marks(on_file, measured, plan), PLAN_KINDS)
