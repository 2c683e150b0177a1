"""The outcomes report as a document a person reads: the PDF is its HTML page printed (WeasyPrint).

Checked as a reader would: portrait pages of the chosen paper, a title page naming the data
source, cut-off and population, contents whose page numbers are the sections' pages, a running
header and "page X of Y" on every page after the first, a long table going on over pages under its
repeated header row; the contents listing every section, also one added later; the CSV zip
holding every table; no text citing internal files, seeds or issues.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import replace
from functools import cache
from html import unescape

import pytest

from tests.support.report_pdf import A4_PT, LETTER_PT, page_sizes_pt, page_texts, pdf_pages
from tvec.analytics.cohort import Cohort
from tvec.analytics.cohort_lesions import measurement_index
from tvec.analytics.synth import synthesize
from tvec.knowledge import load_criteria
from tvec.reports import (
    DISCLAIMER,
    Report,
    Table,
    folder_source,
    outcomes_report,
    pdf_bytes,
    pdf_document,
    render_body,
    render_html,
    tables_zip,
)
from tvec.reports.csv_export import file_name
from tvec.reports.source import data_cutoff

SECTIONS = [
    "cohort",
    "baseline",
    "exposure",
    "response",
    "drr",
    "swimmer",
    "waterfall",
    "survival",
    "lesions",
    "subgroups",
]


@cache
def report() -> Report:
    source = folder_source(page_source_cohort(), "registry")
    source.synthetic = True
    return outcomes_report(source, load_criteria("modified-who"), max_swimmers=10)


@cache
def document_texts() -> tuple[list[tuple[float, float]], list[list[str]]]:
    document = pdf_document(report())
    return page_sizes_pt(document), page_texts(document)


def joined(texts: list[str]) -> str:
    return " ".join(" ".join(texts).split())


def test_the_pdf_is_portrait_a4_with_page_x_of_y_on_every_page() -> None:
    sizes, pages = document_texts()
    assert len(pages) >= 8
    assert set(sizes) == {A4_PT}
    total = len(pages)
    for number, texts in enumerate(pages, start=1):
        assert texts[-1] == f"page {number} of {total}"


def test_the_pdf_file_has_the_same_portrait_pages() -> None:
    content = pdf_bytes(report())
    assert content.startswith(b"%PDF")
    assert pdf_pages(content) == [A4_PT] * len(document_texts()[1])


def test_letter_paper_is_a_choice() -> None:
    document = pdf_document(report(), "letter")
    assert set(page_sizes_pt(document)) == {LETTER_PT}
    assert "@page { size: letter portrait; }" in render_html(report(), "letter")


def test_the_title_page_names_the_source_cut_off_and_population() -> None:
    page = report()
    title = joined(document_texts()[1][0])
    assert title.startswith(page.title)
    assert "DATA SOURCE registry folder registry/" in title
    assert "Synthetic data: the patients are invented." in title
    cutoff = data_cutoff(page_source_cohort())
    assert cutoff is not None
    assert f"DATA CUT-OFF {cutoff.isoformat()} (the latest date recorded in the cohort" in title
    arms = ", ".join(f"{arm} {n}" for arm, n in page.population)
    assert f"POPULATION {page.n_patients} patients: {arms}" in title
    assert sum(n for _arm, n in page.population) == page.n_patients
    assert f"GENERATED {page.generated}" in title
    assert DISCLAIMER in title
    assert "page 1 of" in title
    assert page.title not in document_texts()[1][0][:-1][1:]  # no running header on the cover


def page_source_cohort() -> Cohort:
    return synthesize(240, seed=4)


def test_the_cut_off_is_the_latest_date_in_the_cohort() -> None:
    import numpy as np

    cohort = page_source_cohort()
    start = cohort.patients["start_date"]
    follow_up = (start + cohort.patients["os_days"].astype("timedelta64[D]")).max()
    by_id = dict(zip(cohort.patients["patient_id"].tolist(), start.tolist(), strict=True))
    measured = max(
        by_id[int(pid)] + np.timedelta64(int(day), "D").astype(object)
        for pid, day in zip(
            cohort.measurements["patient_id"], cohort.measurements["day"], strict=True
        )
    )
    assert data_cutoff(cohort) == max(follow_up.astype(object), measured)
    # the report passes the measurements' patient rows it joined once: the same date
    assert data_cutoff(cohort, measurement_index(cohort)) == max(follow_up.astype(object), measured)


def test_the_contents_give_each_sections_page_and_the_header_names_it() -> None:
    _sizes, pages = document_texts()
    contents_page = next(k for k, texts in enumerate(pages) if "Contents" in texts)
    entries = pages[contents_page]
    headings = re.findall(r'<section id="[^"]+">\s*<h2>(.*?)</h2>', render_html(report()))
    assert len(headings) >= len(SECTIONS) + 1  # and Methods
    for heading in headings:
        at = entries.index(heading)
        number = int(next(t for t in entries[at + 1 :] if t.strip(" .").isdigit()).strip(" ."))
        body = pages[number - 1]
        assert heading in body, (heading, number)
        # the running header (right) names the section on the page where it starts
        assert body[-2] == heading or body[-2] in headings
        assert body[-3] == report().title


def test_a_long_table_goes_on_over_pages_under_its_repeated_header() -> None:
    long = Table(
        "Every patient's follow-up",
        ["Patient", "Arm", "Months"],
        [[f"patient {k}", "T-VEC", f"{k / 3:.1f}"] for k in range(160)],
    )
    page = replace(report(), tables={**report().tables, "follow_up": long})
    html = render_html(page)
    html = html.replace(
        '<section id="methods">',
        '<section id="follow-up"><h2>Follow-up</h2>'
        + _table_html(long)
        + '</section>\n<section id="methods">',
    )
    from weasyprint import HTML

    pages = page_texts(HTML(string=html).render())
    holding = [k for k, texts in enumerate(pages) if any(t.startswith("patient ") for t in texts)]
    assert len(holding) >= 2
    for k in holding:
        texts = pages[k]
        first_row = next(t for t in texts if t.startswith("patient "))
        assert texts.index("Months") < texts.index(first_row)  # header row above the rows
        if k != holding[0]:  # the header names the section at the top of the page
            assert texts[-2] == "Follow-up"
    rows = [t for k in holding for t in pages[k] if t.startswith("patient ")]
    assert rows == [f"patient {k}" for k in range(160)]  # every row once, in order


def _table_html(table: Table) -> str:
    from tvec.reports.html import _environment

    macros = _environment().get_template("_report_macros.html").module
    return str(macros.table(table, "follow-up-table"))


def test_the_contents_list_every_section_also_one_added_later() -> None:
    body = render_body(report())
    nav = body[body.index('<nav class="toc"') : body.index("</nav>")]
    anchors = re.findall(r'<a href="#([^"]+)">', nav)
    sections = re.findall(r'<section id="([^"]+)">', body)
    assert anchors == sections
    assert anchors[: len(SECTIONS)] == SECTIONS
    assert anchors[-1] == "methods"
    from tvec.reports.html import contents

    added = body.replace(
        "</section>", '</section>\n<section id="new"><h2>New <em>table</em></h2>', 1
    )
    assert '<a href="#new">New table</a>' in contents(added)


def test_the_html_page_and_the_pdf_are_the_same_document() -> None:
    html = render_html(report())
    _sizes, pages = document_texts()
    everything = joined([t for texts in pages for t in texts])
    for caption in (t.caption for t in report().tables.values()):
        assert caption in html
        assert caption in everything
    assert html.count("<svg ") == len(report().figures)
    assert everything.count("Swimmer plot.") == 1


def test_the_tables_zip_holds_one_csv_per_table_and_a_readme() -> None:
    page = report()
    archive = zipfile.ZipFile(io.BytesIO(tables_zip(page)))
    names = archive.namelist()
    assert names[0] == "README.txt"
    assert names[1:] == [file_name(key) for key in page.tables]
    assert file_name("baseline_sites") == "baseline-sites.csv"
    for key, table in page.tables.items():
        rows = list(csv.reader(io.StringIO(archive.read(file_name(key)).decode("utf-8"))))
        assert len(rows) == 1 + len(table.rows)
        assert len(rows[0]) == len(table.header)
        assert rows[0][1:] == [" ".join(h.split("\n")) for h in table.header[1:]]
        for row, original in zip(rows[1:], table.rows, strict=True):
            assert row[0] == original[0].split("\n")[0].strip()  # indents dropped
    response = list(csv.reader(io.StringIO(archive.read("response.csv").decode("utf-8"))))
    drr = next(r for r in response if r[0] == "Durable response rate (DRR)")
    assert drr[2] == "48/295 (16.3%)"  # OPTiM's published DRR
    assert re.fullmatch(r"\d+/\d+ \(\d+\.\d%\); Wilson [\d.]+–[\d.]+; exact [\d.]+–[\d.]+", drr[1])
    readme = archive.read("README.txt").decode("utf-8")
    assert page.title in readme
    assert f"Data cut-off: {page.cutoff}" in readme
    assert "Data source: registry folder registry/" in readme
    assert "response.csv: Response and survival by arm" in readme


def test_a_table_added_to_the_report_is_in_the_zip() -> None:
    extra = Table("Exposure", ["Arm", "Doses\nmedian"], [["T-VEC", "6\nrange 1–20"]])
    page = replace(report(), tables={**report().tables, "exposure_by_arm": extra})
    archive = zipfile.ZipFile(io.BytesIO(tables_zip(page)))
    text = archive.read("exposure-by-arm.csv").decode("utf-8")
    assert text.splitlines() == ["Arm,Doses median", "T-VEC,6; range 1–20"]


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_no_text_cites_internal_files_seeds_or_issues(paper: str) -> None:
    html = render_html(report(), paper)  # type: ignore[arg-type]
    text = re.sub(r"<(style|svg)\b.*?</\1>", "", html, flags=re.S)
    text = unescape(re.sub(r"<[^>]+>", " ", text))
    assert not re.search(r"\bseeds?\b|\bissues?\b|#\d|\.(md|toml|py)\b", text, re.I)
    assert "zero_correction" not in text  # no option names of the statistics library
    assert "--haldane" not in text
