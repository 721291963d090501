"""The follow-up report for the council: "Follow-up as of <date>", as PDF and DOCX, made by a worker like every
document, in the plan's language, and made again when a follow-up is recorded or the day changes.

Two tests render for real (one PDF, one DOCX); the others count renders with fake bytes. The queue is "manual", so
each download is seen waiting (202) before the test runs its job.
"""
from __future__ import annotations

import io
from datetime import timedelta

import docx
import pytest
from flask import url_for
from flask_babel import force_locale, format_date, gettext
from sqlalchemy import func, select

from planbuilder.clock import local_today
from planbuilder.extensions import db
from planbuilder.models import DocumentJob, JobKind, RenderedDocument
from planbuilder.services.documents import follow_up_content, follow_up_report
from planbuilder.services.jobs import runner
from planbuilder.services.people import accounts
from planbuilder.services.plans import follow_up
from tests.conftest import page_text, sign_in_as
from tests.document_helpers import docx_text, pdftotext, squash
from tests.test_follow_up import LATE_MEASURE, adopted, entry_data, measure_titled, record_url
from tests.test_versions import revised_plan

LATE_COMMENT = "Arbetet har inte kommit i gång: förvaltningarna har ännu inte utsett någon som leder det."
SURVEY = "Uppdatera den lokala lägesbilden tillsammans med polisen två gånger per år"
FAKE_PDF = b"%PDF-1.7 a fake follow-up report"


@pytest.fixture
def app_config():
    return {"JOB_QUEUE": "manual"}


@pytest.fixture
def fake_renders(monkeypatch):
    """Every report render, counted, as fast fake bytes that say what they were made from."""
    made = []

    def fake(fmt):
        def render(version, as_of=None):
            made.append((fmt, version.id, as_of))
            return FAKE_PDF + f" {len(made)}".encode() if fmt == "pdf" else b"PK fake"
        return render

    monkeypatch.setattr(follow_up_report, "render_report_pdf", fake("pdf"))
    monkeypatch.setattr(follow_up_report, "render_report_docx", fake("docx"))
    return made


def in_swedish(msgid: str, **values) -> str:
    with force_locale("sv"):
        return gettext(msgid, **values)


def swedish_heading() -> str:
    """The cover's heading as the report prints it for the demo's Swedish plan."""
    as_of = follow_up_report.as_of_date(adopted())
    with force_locale("sv"):
        return gettext("Follow-up as of %(date)s", date=format_date(as_of, "long"))


def download(client, endpoint: str, plan_id: int):
    """A report asked for (202: a job is queued), made by the worker, then fetched from the same address."""
    url = url_for(endpoint, plan_id=plan_id)
    waiting = client.get(url)
    assert waiting.status_code == 202, page_text(waiting)
    assert runner.run_due() == 1
    job = db.session.scalars(select(DocumentJob).order_by(DocumentJob.id.desc())).first()
    assert job.kind == JobKind.FOLLOW_UP
    done = client.get(url_for(endpoint, plan_id=plan_id, job=job.id))
    assert done.status_code == 200
    return done


def record_a_decimal_value(client) -> None:
    measure = measure_titled(SURVEY)
    response = client.post(record_url(adopted(), measure), data=entry_data(
        measure, comment="Andra genomgången hölls i november.", indicator_value="2,5"))
    assert response.status_code == 303


def test_the_pdf_report_tells_the_council_what_is_late_and_why(editor_client):
    record_a_decimal_value(editor_client)
    plan = revised_plan()
    response = download(editor_client, "follow_up.report_pdf", plan.id)
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    name = follow_up_report.download_name(adopted(), "pdf")
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    today = follow_up_report.as_of_date(adopted())
    as_of = in_swedish("Follow-up as of %(date)s", date=today.isoformat())  # "Uppföljning per 2026-12-05"
    assert name.endswith(f"-2025-{follow_up_report.rendering.slug(as_of)}.pdf")

    pages = pdftotext(response.data)
    cover, text = squash(pages[0]), squash("".join(pages))
    # The cover: whose plan, which adopted version, the council's decision, and the day the follow-up speaks of.
    for printed in (swedish_heading(), "Ekdala kommun", plan.title, "Kommunfullmäktige", "17 mars 2025",
                    "KF § 42", "KS 2025/118"):
        assert squash(printed).casefold() in cover.casefold(), printed  # the municipality is set in capitals
    # The measures counted by status (the labels are the plan's own, in Swedish), with the late ones among them.
    summary = text.split(squash(in_swedish("Late measures")))[0]
    for label, count in (("Genomförd", 2), ("Pågår", 2), ("Ej påbörjad", 2), ("Avbruten", 1)):
        assert squash(f"{label} {count}") in summary, label
    assert squash(f"{in_swedish('Total')} 7") in summary and squash(f"{in_swedish('Of these, late')} 1") in summary
    # The late measure under its heading, with its deadline, who is responsible and why it is late.
    late = text.split(squash(in_swedish("Late measures")), 1)[1].split(squash(in_swedish("Measures by status")))[0]
    for printed in (LATE_MEASURE, "30 oktober 2026", "Det interna VBE-nätverket", "Ej påbörjad", LATE_COMMENT):
        assert squash(printed) in late, printed
    # Indicator values over time, oldest first, written the Swedish way.
    values = text.split(squash(in_swedish("Indicator values over time")), 1)[1]
    assert squash(SURVEY) in values and "2,5" in values and "2.5" not in text
    assert values.index("12juni2026") < values.index("2,5") and "142" in values


def test_the_word_report_says_the_same(editor_client):
    record_a_decimal_value(editor_client)
    response = download(editor_client, "follow_up.report_docx", revised_plan().id)
    assert response.mimetype.endswith("wordprocessingml.document")
    assert response.headers["Content-Disposition"].endswith('.docx"')
    text = docx_text(response.data)
    for printed in (swedish_heading(), "Ekdala kommun", "KF § 42", in_swedish("Late measures"), LATE_MEASURE,
                    LATE_COMMENT, "2,5", "142", "Ej påbörjad"):
        assert printed in text, printed
    lines = text.splitlines()
    assert lines[lines.index("Genomförd", lines.index(in_swedish("Measures"))) + 1] == "2"
    assert lines[lines.index(in_swedish("Total")) + 1] == "7"
    properties = docx.Document(io.BytesIO(response.data)).core_properties
    assert properties.language == "sv-SE" and properties.author == "Ekdala kommun"


def test_a_new_entry_or_a_new_day_gives_a_new_report(editor_client, fake_renders, monkeypatch):
    plan_id = revised_plan().id
    first = download(editor_client, "follow_up.report_pdf", plan_id)
    again = editor_client.get(url_for("follow_up.report_pdf", plan_id=plan_id))
    assert again.status_code == 200 and again.data == first.data  # from the cache: nothing rendered again
    assert len(fake_renders) == 1

    record_a_decimal_value(editor_client)
    second = download(editor_client, "follow_up.report_pdf", plan_id)
    assert second.data != first.data and len(fake_renders) == 2

    tomorrow = local_today() + timedelta(days=1)
    monkeypatch.setattr(follow_up_report, "as_of_date", lambda version: tomorrow)
    third = download(editor_client, "follow_up.report_pdf", plan_id)
    assert third.data not in (first.data, second.data) and fake_renders[-1][2] == tomorrow
    assert tomorrow.isoformat() in third.headers["Content-Disposition"]
    # Only the newest report is kept; the plan's own documents are left alone.
    kept = db.session.scalar(select(func.count(RenderedDocument.id)).where(
        RenderedDocument.edition == follow_up_report.CACHE_EDITION))
    assert kept == 1


def test_a_reviewer_may_download_the_report(reviewer_client, fake_renders):
    response = download(reviewer_client, "follow_up.report_docx", revised_plan().id)
    assert response.data == b"PK fake"


def test_another_municipality_sees_no_report(client, seeded, fake_renders):
    elsewhere = accounts.create_municipality("Norrby kommun", "SE")
    accounts.create_user("editor@norrby.example", "Nora", "long-enough-pw", elsewhere, "editor")
    sign_in_as(client, "editor@norrby.example", "long-enough-pw")
    plan_id = revised_plan().id
    for endpoint in ("follow_up.report_pdf", "follow_up.report_docx"):
        assert client.get(url_for(endpoint, plan_id=plan_id)).status_code == 404
    assert db.session.scalar(select(func.count(DocumentJob.id)).where(DocumentJob.kind == JobKind.FOLLOW_UP)) == 0


def test_a_plan_without_an_adopted_version_has_no_report(editor_client, empty_plan, fake_renders):
    response = editor_client.get(url_for("follow_up.report_pdf", plan_id=empty_plan.id))
    assert response.status_code == 404
    assert "The plan has no adopted version yet, so there is no follow-up to report." in page_text(response)
    assert fake_renders == []


def test_the_follow_up_page_links_to_the_report(editor_client):
    plan_id = revised_plan().id
    html = editor_client.get(url_for("follow_up.plan", plan_id=plan_id)).get_data(as_text=True)
    for endpoint in ("follow_up.report_pdf", "follow_up.report_docx"):
        assert f'href="{url_for(endpoint, plan_id=plan_id)}"' in html


def test_a_plan_without_measures_says_so(editor_client, monkeypatch):
    monkeypatch.setattr(follow_up, "measures_of", lambda version, template=None, entries=None: [])
    html = follow_up_report.report_html(follow_up_content.build_report(adopted()))
    assert in_swedish("The adopted plan lists no measures.") in html
    assert in_swedish("Late measures") not in html and "<table" not in html
