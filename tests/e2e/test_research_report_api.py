"""``GET /research/report``: the centre's outcomes report for researchers, as HTML or PDF.

One migrated SQLite database with the demo centre serves the module; every role logs in over the
API. The report must be the researcher's own centre's, de-identified, and refused to every other
role.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    client_for,
    close_app,
    login,
    make_app,
)
from tests.support.report_pdf import A4_PT, page_texts, pdf_pages

from tvec.knowledge import load_criteria
from tvec.reports import DEMO_CENTRE
from tvec.services.cohort import records_cohort
from tvec.services.context import Actor, Context
from tvec.services.permissions import Role
from tvec.services.seeding import CENTRE, load_demo

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

DEMO_PASSWORD = "demo-{}-pass"  # tvec.services.seeding's demo users
URL = "/research/report"


@dataclass(frozen=True)
class Centre:
    client: TestClient
    ctx: Context
    headers: dict[Role, dict[str, str]]


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Centre]:
    app, ctx = make_app(f"sqlite:///{tmp_path_factory.mktemp('research-report') / 'tvec.db'}")
    load_demo(ctx, 12, seed=3)
    client = client_for(app)
    headers = {role: login(client, role.value, DEMO_PASSWORD.format(role.value)) for role in Role}
    try:
        yield Centre(client, ctx, headers)
    finally:
        close_app(app)


def researcher(ctx: Context) -> Actor:
    with ctx.uow(readonly=True) as uow:
        user = uow.users.by_username("researcher")
    assert user is not None
    return Actor(user.id, user.centre_id, Role.RESEARCHER, user.username)


def test_a_researcher_gets_the_centres_report_as_one_html_page(centre: Centre) -> None:
    response = centre.client.get(URL, headers=centre.headers[Role.RESEARCHER])
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    records = records_cohort(centre.ctx, researcher(centre.ctx), load_criteria("modified-who"))
    assessed, registered = records.cohort.n_patients, records.centre_patients
    assert assessed >= 1
    assert f"{assessed} treated patients assessed of {registered} registered" in html
    assert f"{assessed} patients · Modified WHO (OPTiM) criteria" in html
    assert f"clinic records of {CENTRE}, read by researcher (researcher)" in html
    assert "Synthetic data." in html  # the demo centre's patients are invented
    assert "OPTiM (published)" in html
    assert html.count("<svg ") >= 6
    assert "DEMO-" not in html  # no MRN
    assert not re.search(r"\bseeds?\b|\bissue\b|\.toml\b", html)  # cites publications only


@pytest.mark.parametrize(
    ("params", "accept"),
    [({"format": "pdf"}, "*/*"), ({}, "application/pdf")],
    ids=["format-pdf", "accept-pdf"],
)
def test_the_pdf_is_chosen_by_format_or_by_accept(
    centre: Centre, params: dict[str, str], accept: str
) -> None:
    headers = centre.headers[Role.RESEARCHER] | {"Accept": accept}
    response = centre.client.get(URL, params=params, headers=headers)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.RESEARCHER], ids=str)
def test_every_other_role_is_refused(centre: Centre, role: Role) -> None:
    response = centre.client.get(URL, headers=centre.headers[role])
    assert response.status_code == 403, response.text[:300]
    assert "read de-identified outcomes" in response.json()["detail"]


def test_without_a_login_the_report_is_refused(centre: Centre) -> None:
    assert centre.client.get(URL).status_code == 401


def test_an_unknown_format_is_refused(centre: Centre) -> None:
    response = centre.client.get(
        URL, params={"format": "docx"}, headers=centre.headers[Role.RESEARCHER]
    )
    assert response.status_code == 422


def test_the_reports_demo_centre_is_the_seeded_one() -> None:
    assert DEMO_CENTRE == CENTRE  # the report calls the demo centre's patients invented


def test_the_report_has_the_safety_table_next_to_optims_rates(centre: Centre) -> None:
    response = centre.client.get(URL, headers=centre.headers[Role.RESEARCHER])
    html = response.text
    assert '<a href="#safety">Safety</a>' in html
    safety = html[html.index('<section id="safety">') :]
    safety = safety[: safety.index("</section>")]
    assert "Adverse events by term and worst grade per patient" in safety
    assert 'id="adverse-events-table"' in safety
    assert "Worst grade 1" in safety or "Worst grade 2" in safety
    assert "any adverse event" in safety
    for reaction, tvec, gmcsf in (("fatigue", 50, 36), ("chills", 49, 9), ("pyrexia", 43, 9)):
        assert f'<th scope="row">{reaction}' in safety
        assert f"{tvec}%" in safety
        assert f"{gmcsf}%" in safety
    assert "not comparable one-to-one with a trial" in safety
    assert "Andtbacka et al., J Clin Oncol 2015" in safety
    assert "DEMO-" not in safety


def test_the_pdf_has_the_safety_pages(centre: Centre) -> None:
    from tvec.reports import pdf_document
    from tvec.services.research_report import centre_report

    found = centre_report(centre.ctx, researcher(centre.ctx))
    assert found.report is not None
    pages = page_texts(pdf_document(found.report))
    words = [" ".join(texts) for texts in pages]
    at = next(k for k, text in enumerate(words) if "Adverse events by term and worst grade" in text)
    assert "OPTiM's most common reactions (published)" in " ".join(words[at : at + 2])
    assert pages[at][-2] in ("Safety", "Subgroups")  # the running header names the section
    assert pages[at][-1] == f"page {at + 1} of {len(pages)}"


def test_the_pdf_is_portrait_a4_pages_of_the_same_report(centre: Centre) -> None:
    headers = centre.headers[Role.RESEARCHER]
    response = centre.client.get(URL, params={"format": "pdf"}, headers=headers)
    assert response.status_code == 200
    pages = pdf_pages(response.content)
    assert len(pages) >= 8
    assert set(pages) == {A4_PT}


def test_the_tables_come_as_csv_files_in_a_zip(centre: Centre) -> None:
    headers = centre.headers[Role.RESEARCHER]
    response = centre.client.get(URL, params={"format": "csv"}, headers=headers)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/zip"
    disposition = response.headers["content-disposition"]
    assert re.fullmatch(
        r'attachment; filename="outcomes-report-\d{4}-\d{2}-\d{2}\.zip"', disposition
    )
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert names[0] == "README.txt"
    assert {"response.csv", "comparison.csv", "adverse-events.csv", "safety-published.csv"} <= set(
        names
    )
    readme = archive.read("README.txt").decode("utf-8")
    assert f"clinic records of {CENTRE}" in readme
    assert "Data cut-off: 20" in readme
    rows = list(csv.reader(io.StringIO(archive.read("response.csv").decode("utf-8"))))
    assert rows[0][1:] == [
        "T-VEC this cohort",
        "T-VEC OPTiM (published)",
        "GM-CSF OPTiM (published)",
    ]
    for name in names:
        assert b"DEMO-" not in archive.read(name)  # no MRN


def test_zip_in_accept_asks_for_the_csv_tables(centre: Centre) -> None:
    headers = centre.headers[Role.RESEARCHER] | {"Accept": "application/zip"}
    response = centre.client.get(URL, headers=headers)
    assert response.headers["content-type"] == "application/zip"
