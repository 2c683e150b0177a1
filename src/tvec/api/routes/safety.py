"""Adverse-event reports: the centre's reports still to make (with days left), an event's
reports, and marking one submitted (who and when are recorded).

Reports are created and withdrawn by recording and updating adverse events: a serious,
unexpected event that may be related needs an expedited report (15 calendar days from awareness;
7 when fatal or life-threatening, with a follow-up 8 days later; ICH E2A), and a suspected
herpetic lesion a report to the manufacturer (USPI §5.2).
"""

from __future__ import annotations

from fastapi import APIRouter

from tvec.api.deps import Act, Id, Limit, Offset, Page, paged
from tvec.schemas import clinic as s
from tvec.services import safety_reports

router = APIRouter(tags=["patients"])


@router.get(
    "/safety-reports",
    response_model=Page[s.OpenReportOut],
    summary="The centre's adverse-event reports still to make, first due first",
)
async def open_reports(act: Act, limit: Limit = 50, offset: Offset = 0) -> Page[s.OpenReportOut]:
    found = await act(safety_reports.centre_open_reports)
    return paged(found, limit, offset, s.OpenReportOut.model_validate)


@router.get(
    "/adverse-events/{event_id}/reports",
    response_model=Page[s.SafetyReportOut],
    summary="An adverse event's reports: open, submitted and withdrawn",
)
async def event_reports(
    event_id: Id, act: Act, limit: Limit = 50, offset: Offset = 0
) -> Page[s.SafetyReportOut]:
    found = await act(safety_reports.reports_of_event, event_id)
    return paged(found, limit, offset, s.SafetyReportOut.model_validate)


@router.post(
    "/safety-reports/{report_id}/submit",
    response_model=s.SafetyReportOut,
    summary="Mark a report submitted on a day (who and when are recorded)",
)
async def submit(report_id: Id, body: s.SafetyReportSubmit, act: Act) -> s.SafetyReportOut:
    done = await act(safety_reports.submit_report, report_id, body.version, body.submitted_on)
    return s.SafetyReportOut.model_validate(done)
