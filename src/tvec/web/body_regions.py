"""Where a lesion's recorded location lies on the body diagram: a table of body regions.

`locate(text)` reads the free-text location a nurse recorded ("right thigh", "left upper arm,
posterior", "back, left scapula") and answers a `Spot` (front or back view, x and y in the
diagram's viewBox) or `Unplaced` with the reason in the clinic's words. It never guesses: a text
that names no region of the table, a paired region (thigh, hand, scapula...) without its side,
both sides, or two places of different parts of the body is not placed, and the page lists it
beside the diagram.

Conventions, stated once:

- The diagram shows the patient in the anatomical position (palms forward), a front view on the
  left and a back view on the right. On the front view the patient's right is the viewer's left;
  on the back view the patient's right is the viewer's right.
- A region's x is a distance from the body's midline toward the named side; a midline region
  (chest, abdomen, scalp...) sits on the midline unless a side is named.
- "posterior", "back", "dorsal", "behind" choose the back view of a region seen from both sides;
  "anterior", "front" the front view. A region seen from one side only (scapula, buttock, calf
  on the back; face, shin, groin on the front) keeps its view. "dorsum of the foot" is the top of
  the foot, seen from the front.
- Multi-word phrases ("upper arm", "shoulder blade", "lower back") are read before single words,
  and the table is ordered from the most specific region to the most general.
- Visceral organs (liver, spleen, lung, kidney) are shown where they project on the skin.
- "leg" is the lower leg (the clinical usage); "arm" is the middle of the arm.

This is presentation, not a clinical rule: it only draws what was recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class View(StrEnum):
    FRONT = "front"
    BACK = "back"


class Side(StrEnum):
    RIGHT = "right"
    LEFT = "left"


BOTH_VIEWS = (View.FRONT, View.BACK)
FRONT = (View.FRONT,)
BACK = (View.BACK,)

# The diagram's geometry (viewBox units): two figures side by side, each drawn around its midline.
WIDTH, HEIGHT = 380, 440
MIDLINE = {View.FRONT: 95.0, View.BACK: 285.0}
TOP = 28.0  # y of the figure's frame origin (the crown of the head is at TOP + 6)
FIGURE_HALF_WIDTH = 76.0  # the silhouette's half-width, fingertips included
FIGURE_TOP, FIGURE_BOTTOM = 6.0, 396.0  # in the figure's frame


@dataclass(frozen=True)
class Region:
    """A place on the body. `side_x`: distance from the midline toward the named side; `paired`:
    one on each side, so the side must be recorded; `fixed_side`: an organ with one side."""

    name: str
    phrases: tuple[str, ...]
    y: float
    side_x: float
    paired: bool
    views: tuple[View, ...]
    part: str
    fixed_side: Side | None = None


def _r(
    name: str,
    phrases: str,
    y: float,
    side_x: float,
    views: tuple[View, ...],
    part: str,
    *,
    paired: bool = True,
    fixed: Side | None = None,
) -> Region:
    return Region(name, tuple(phrases.split("|")), y, side_x, paired, views, part, fixed)


# Most specific first: the first region whose phrase is in the text wins.
REGIONS: tuple[Region, ...] = (
    # head and neck
    _r("back of the head", "occiput|occipital", 22, 8, BACK, "head", paired=False),
    _r(
        "ear",
        "ear|ears|auricular|periauricular|preauricular|postauricular",
        28,
        15,
        BOTH_VIEWS,
        "head",
    ),
    _r("parotid", "parotid", 38, 11, FRONT, "head"),
    _r("eye", "eye|eyes|eyelid|eyelids|periorbital|orbital|orbit", 24, 7, FRONT, "head"),
    _r("temple", "temple|temples|temporal", 19, 14, FRONT, "head"),
    _r("cheek", "cheek|cheeks|malar", 35, 9, FRONT, "head"),
    _r("jaw", "jaw|mandible|mandibular|submandibular", 42, 8, FRONT, "head"),
    _r("forehead", "forehead|brow|frontal", 14, 7, FRONT, "head", paired=False),
    _r("nose", "nose|nasal", 30, 3, FRONT, "head", paired=False),
    _r("lip", "lip|lips|perioral", 39, 4, FRONT, "head", paired=False),
    _r("chin", "chin", 46, 4, FRONT, "head", paired=False),
    _r("face", "face|facial", 32, 8, FRONT, "head", paired=False),
    _r("scalp", "scalp|vertex|crown", 11, 9, BOTH_VIEWS, "head", paired=False),
    _r("head", "head", 22, 10, BOTH_VIEWS, "head", paired=False),
    _r("supraclavicular", "supraclavicular|clavicle|clavicular|collarbone", 64, 18, FRONT, "neck"),
    _r("nape", "nape", 54, 5, BACK, "neck", paired=False),
    _r("neck", "neck|cervical", 55, 6, BOTH_VIEWS, "neck", paired=False),
    # trunk
    _r(
        "scapula", "shoulder blade|shoulder blades|scapula|scapular|scapulae", 94, 22, BACK, "trunk"
    ),
    _r(
        "upper back",
        "upper back|interscapular|thoracic spine",
        104,
        16,
        BACK,
        "trunk",
        paired=False,
    ),
    _r(
        "lower back",
        "lower back|small back|lumbar|lumbosacral",
        172,
        14,
        BACK,
        "trunk",
        paired=False,
    ),
    _r("sacrum", "sacrum|sacral|coccyx|coccygeal", 198, 5, BACK, "trunk", paired=False),
    _r("buttock", "buttock|buttocks|gluteal|gluteus|natal", 214, 18, BACK, "trunk"),
    _r("axilla", "axilla|axillae|axillary|armpit|armpits", 97, 33, FRONT, "trunk"),
    _r("breast", "breast|breasts|nipple|areola|inframammary", 104, 18, FRONT, "trunk"),
    _r("sternum", "sternum|sternal|presternal", 92, 4, FRONT, "trunk", paired=False),
    _r("groin", "groin|groins|inguinal", 205, 22, FRONT, "trunk"),
    _r("pubic area", "pubic|suprapubic|pubis", 208, 6, FRONT, "trunk", paired=False),
    _r(
        "umbilicus", "umbilicus|umbilical|periumbilical|navel", 160, 5, FRONT, "trunk", paired=False
    ),
    _r("epigastrium", "epigastrium|epigastric", 128, 6, FRONT, "trunk", paired=False),
    _r("liver", "liver|hepatic", 132, 14, FRONT, "trunk", fixed=Side.RIGHT),
    _r("spleen", "spleen|splenic", 134, 20, FRONT, "trunk", fixed=Side.LEFT),
    _r("kidney", "kidney|kidneys|renal", 152, 14, BACK, "trunk"),
    _r("lung", "lung|lungs|pulmonary", 104, 18, FRONT, "trunk"),
    _r("flank", "flank|flanks|loin|loins", 160, 28, BOTH_VIEWS, "trunk"),
    _r(
        "chest",
        "chest wall|chest|thorax|thoracic|pectoral",
        102,
        18,
        BOTH_VIEWS,
        "trunk",
        paired=False,
    ),
    _r("abdomen", "abdominal wall|abdomen|abdominal|belly", 150, 16, FRONT, "trunk", paired=False),
    _r("trunk", "trunk|torso", 130, 18, FRONT, "trunk", paired=False),
    # arms
    _r(
        "finger",
        "finger|fingers|thumb|thumbs|fingertip|fingertips|digit|digits",
        236,
        70,
        BOTH_VIEWS,
        "arm",
    ),
    _r("palm", "palm|palms|palmar", 222, 68, FRONT, "arm"),
    _r("hand", "hand|hands", 222, 68, BOTH_VIEWS, "arm"),
    _r("wrist", "wrist|wrists", 202, 63, BOTH_VIEWS, "arm"),
    _r("forearm", "forearm|forearms", 172, 57, BOTH_VIEWS, "arm"),
    _r("antecubital fossa", "antecubital|cubital", 142, 51, FRONT, "arm"),
    _r("olecranon", "olecranon", 142, 51, BACK, "arm"),
    _r("elbow", "elbow|elbows", 142, 51, BOTH_VIEWS, "arm"),
    _r("biceps", "biceps", 110, 46, FRONT, "arm"),
    _r("triceps", "triceps", 110, 46, BACK, "arm"),
    _r("upper arm", "upper arm|upper arms|humeral", 108, 46, BOTH_VIEWS, "arm"),
    _r("shoulder", "shoulder|shoulders|deltoid", 80, 39, BOTH_VIEWS, "arm"),
    _r("arm", "arm|arms", 128, 50, BOTH_VIEWS, "arm"),
    # legs
    _r("top of the foot", "dorsum foot|dorsal foot|top foot|instep", 384, 17, FRONT, "leg"),
    _r("toe", "toe|toes|hallux", 392, 19, FRONT, "leg"),
    _r("heel", "heel|heels", 390, 15, BACK, "leg"),
    _r("sole", "sole|soles|plantar", 388, 17, BACK, "leg"),
    _r("foot", "foot|feet", 386, 17, BOTH_VIEWS, "leg"),
    _r("ankle", "ankle|ankles|malleolus|malleolar", 368, 15, BOTH_VIEWS, "leg"),
    _r("calf", "calf|calves|gastrocnemius", 325, 18, BACK, "leg"),
    _r("shin", "shin|shins|pretibial|tibial|lower leg|lower legs", 330, 18, BOTH_VIEWS, "leg"),
    _r("popliteal fossa", "popliteal", 290, 19, BACK, "leg"),
    _r("knee", "knee|knees|patella|patellar|prepatellar", 290, 19, BOTH_VIEWS, "leg"),
    _r("thigh", "thigh|thighs|femoral", 245, 20, BOTH_VIEWS, "leg"),
    _r("hip", "hip|hips|trochanteric", 200, 31, BOTH_VIEWS, "leg"),
    _r("leg", "leg|legs", 325, 18, BOTH_VIEWS, "leg"),
    # last: "back" is also the word that chooses the back view of another region
    _r("back", "back", 135, 18, BACK, "trunk", paired=False),
)

RIGHT_WORDS = frozenset({"right", "rt", "r"})
LEFT_WORDS = frozenset({"left", "lt", "l"})
BOTH_WORDS = frozenset({"bilateral", "both"})
BACK_WORDS = frozenset({"posterior", "posteriorly", "back", "dorsal", "dorsum", "behind", "rear"})
FRONT_WORDS = frozenset({"anterior", "anteriorly", "front", "ventral"})
FILLER = frozenset({"of", "the", "on", "at", "in", "over", "a", "an", "to", "near", "and", "side"})
WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Spot:
    """Where a location is drawn: the view, and x, y in the diagram's viewBox."""

    view: View
    x: float
    y: float
    region: str


@dataclass(frozen=True)
class Unplaced:
    """A location the diagram does not place, and why (shown beside the diagram)."""

    reason: str


def words(text: str) -> list[str]:
    """The location's words, lower case, without punctuation and filler words."""
    return [w for w in WORD.findall(text.lower()) if w not in FILLER]


def _find(phrase: tuple[str, ...], tokens: list[str | None]) -> int | None:
    n = len(phrase)
    for i in range(len(tokens) - n + 1):
        if tuple(tokens[i : i + n]) == phrase:
            return i
    return None


def matched_regions(tokens: list[str]) -> tuple[list[Region], list[str]]:
    """The regions named, most specific first, and the words no region used (each word is
    used once, so "shoulder blade" is the scapula and not also the shoulder)."""
    left: list[str | None] = list(tokens)
    found: list[Region] = []
    for region in REGIONS:
        for phrase in region.phrases:
            parts = tuple(phrase.split())
            at = _find(parts, left)
            if at is not None:
                left[at : at + len(parts)] = [None] * len(parts)
                if region not in found:
                    found.append(region)
    return found, [w for w in left if w is not None]


def _side(tokens: list[str]) -> Side | Unplaced | None:
    named = set(tokens)
    if named & BOTH_WORDS or (named & RIGHT_WORDS and named & LEFT_WORDS):
        return Unplaced("both sides are named: record each side as a lesion of its own")
    if named & RIGHT_WORDS:
        return Side.RIGHT
    if named & LEFT_WORDS:
        return Side.LEFT
    return None


def _view(region: Region, rest: list[str]) -> View:
    if len(region.views) == 1:
        return region.views[0]
    back, front = bool(set(rest) & BACK_WORDS), bool(set(rest) & FRONT_WORDS)
    if back != front:
        return View.BACK if back else View.FRONT
    return region.views[0]


def _x(view: View, side: Side | None, distance: float) -> float:
    """Toward the patient's side: the viewer's left on the front view, right on the back."""
    if side is None:
        return MIDLINE[view]
    toward_viewers_left = (side is Side.RIGHT) == (view is View.FRONT)
    return MIDLINE[view] - distance if toward_viewers_left else MIDLINE[view] + distance


def locate(text: str) -> Spot | Unplaced:
    """Where the recorded location `text` is drawn, or why it is not placed (never a guess)."""
    tokens = words(text)
    sides = RIGHT_WORDS | LEFT_WORDS | BOTH_WORDS  # read apart: "dorsum of the right foot"
    found, rest = matched_regions([w for w in tokens if w not in sides])
    if len(found) > 1 and found[-1].name == "back":  # "back, left scapula": back is the view
        found, rest = found[:-1], [*rest, "back"]
    if not found:
        return Unplaced("the place is not one the diagram knows")
    if len({region.part for region in found}) > 1:
        return Unplaced("it names more than one place")
    region = found[0]
    side = region.fixed_side or _side(tokens)
    if isinstance(side, Unplaced):
        return side
    if region.paired and side is None:
        return Unplaced("the side (right or left) is not recorded")
    view = _view(region, rest)
    return Spot(view, _x(view, side, region.side_x), TOP + region.y, region.name)
