"""The centre's outcomes report, for its researchers: the de-identified records, rendered.

The web app's report page and the API's ``GET /research/report`` call this use case; the
`tvec report --database` command builds the same report from the same cohort.

- Who: researchers only (`Action.READ_DEIDENTIFIED`); every other role is refused.
- What: the actor's own centre, de-identified as `tvec.services.cohort.records_cohort` makes it
  (patients numbered in a keyed-hash order; no name, MRN, birth date or record id), every
  response from the domain engine, next to the pivotal trial's published figures; the safety
  table (`tvec.services.safety_tables`: counts only) next to the trial's common reactions.
- How: this module gathers the records; `tvec.reports` computes, draws and renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tvec.domain.errors import NotFound
from tvec.knowledge import load_criteria
from tvec.reports import (
    Report,
    outcomes_report,
    pdf_bytes,
    records_source,
    render_html,
    tables_zip,
)
from tvec.services.cohort import records_cohort
from tvec.services.context import Actor, Context
from tvec.services.permissions import Action
from tvec.services.safety_tables import report_safety, safety_data

CRITERIA = "modified-who"
Format = Literal["html", "pdf", "csv"]
FORMATS: tuple[Format, ...] = ("html", "pdf", "csv")
MEDIA_TYPES: dict[Format, str] = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "application/zip",  # the tables as CSV files, with a README, in one zip
}
SUFFIXES: dict[Format, str] = {"html": "html", "pdf": "pdf", "csv": "zip"}


@dataclass(frozen=True)
class CentreReport:
    """The report of the actor's centre; `report` is None when no patient can be assessed yet."""

    centre_name: str
    registered: int  # every patient of the centre, treated or not
    report: Report | None


@dataclass(frozen=True)
class ReportFile:
    """A rendered report, ready to send."""

    content: bytes
    media_type: str
    filename: str


def centre_report(ctx: Context, actor: Actor, criteria: str = CRITERIA) -> CentreReport:
    """The outcomes report of the actor's centre (researchers only; see the module notes)."""
    actor.require(Action.READ_DEIDENTIFIED)
    rules = load_criteria(criteria)
    records = records_cohort(ctx, actor, rules)
    if records.cohort.n_patients == 0:
        return CentreReport(records.centre_name, records.centre_patients, None)
    source = records_source(
        records.cohort,
        records.responses,
        records.excluded,
        records.centre_name,
        records.centre_patients,
        reader=f"{actor.username} ({actor.role.value})",
    )
    source.safety = safety_data(report_safety(ctx, actor))
    return CentreReport(
        records.centre_name, records.centre_patients, outcomes_report(source, rules)
    )


def report_file(ctx: Context, actor: Actor, fmt: Format) -> ReportFile:
    """The report of the actor's centre as one HTML page, a PDF (the same page, printed) or its
    tables as CSV files in a zip.

    Raises `NotFound` when no patient of the centre can be assessed yet.
    """
    found = centre_report(ctx, actor)
    if found.report is None:
        raise NotFound("outcomes report: no assessable patient in centre", found.centre_name)
    if fmt == "html":
        content = render_html(found.report).encode("utf-8")
    elif fmt == "pdf":
        content = pdf_bytes(found.report)
    else:
        content = tables_zip(found.report)
    filename = f"outcomes-report-{ctx.today(actor).isoformat()}.{SUFFIXES[fmt]}"
    return ReportFile(content, MEDIA_TYPES[fmt], filename)


__all__ = [
    "CRITERIA",
    "FORMATS",
    "MEDIA_TYPES",
    "CentreReport",
    "Format",
    "ReportFile",
    "centre_report",
]
