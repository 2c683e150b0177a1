"""Outcomes reports: a cohort's response and survival next to the pivotal trial's figures.

One report, three ways in: the `tvec report` command, the researcher's report page of the web app
and the API's ``GET /research/report``. Whoever gathers the cohort describes it in a `Source`
(`tvec.reports.source`); `outcomes_report` computes the statistics, draws the figures and builds
the content; `render_html` and `pdf_bytes` / `write_pdf` render it. This package reads no database
and knows no entry point.

Modules: `model` (the content model), `content` and `tables` (text and tables), `study_tables`
(disposition, baseline, exposure, survival and adverse-event tables by arm), `formatting`,
`shaping` (what the figures show, without matplotlib), `figures` (one module per chart kind, also
used by the web app's patient charts), `report_figures` (the report's figure list), `html` and
`pdf` (rendering: the PDF is the HTML page printed by WeasyPrint), `csv_export` (the tables
as CSV files in a zip), `build` (the steps), `source` (describing a cohort).
"""

from tvec.reports.build import TITLE, TRIAL, compute_endpoints, compute_responses, outcomes_report
from tvec.reports.csv_export import tables_zip
from tvec.reports.html import PAPERS, Paper, render_body, render_html
from tvec.reports.model import DISCLAIMER, Figure, Report, Source, Table
from tvec.reports.pdf import pdf_bytes, pdf_document, write_pdf
from tvec.reports.source import DEMO_CENTRE, composition, folder_source, records_source

__all__ = [
    "DEMO_CENTRE",
    "DISCLAIMER",
    "PAPERS",
    "TITLE",
    "TRIAL",
    "Figure",
    "Paper",
    "Report",
    "Source",
    "Table",
    "composition",
    "compute_endpoints",
    "compute_responses",
    "folder_source",
    "outcomes_report",
    "pdf_bytes",
    "pdf_document",
    "records_source",
    "render_body",
    "render_html",
    "tables_zip",
    "write_pdf",
]
