"""The notices a page may show after a redirect: a fixed table of codes, never text from the URL.

A redirect names a notice by its code (`/chart/12?notice=adverse-event-recorded`); the page shows
this table's text for it, and nothing for a code it does not know. So no link can put words of
its own on a chart. Add a code here when a new action redirects with a notice.
"""

from __future__ import annotations

NOTICES: dict[str, str] = {
    "coverage-answers-kept": "Your answers are kept with the course.",
    "adverse-event-recorded": "Adverse event recorded.",
    "adverse-event-updated": (
        "Adverse event updated: the new version and its reason are in the history."
    ),
    "safety-report-submitted": "Report marked submitted.",
    "hold-placed": "The course is on hold: no dose can be planned or given while it is held.",
    "hold-released": "The hold is released; the course can go on. The hold stays on record.",
    "dose-recorded": "The dose is recorded.",
    "dose-corrected": "The correction is saved; the earlier version is kept and marked replaced.",
    "location-added": "The storage location is added. Import its data logger's readings next.",
    "readings-imported": "The readings are imported and checked against the band.",
    "excursion-acknowledged": "Your acknowledgement is recorded.",
    "vial-released": "The vial is released back into stock; the reason is on record.",
    "vial-discarded": "The vial is recorded as discarded (temperature excursion).",
}


def notice_text(code: str | None) -> str:
    """The text of a known notice code; "" for any other value."""
    return NOTICES.get(code or "", "")


def with_notice(url: str, code: str) -> str:
    """`url` with a known notice code (a code missing from the table is a programming error)."""
    assert code in NOTICES, code
    return f"{url}{'&' if '?' in url else '?'}notice={code}"
