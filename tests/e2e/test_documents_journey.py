"""Waiting for a document in a real browser: the progress page, then the download starting by itself, with
JavaScript (htmx polls, app.js starts the download) and without (the page refreshes itself)."""
from __future__ import annotations

import pytest
from flask import url_for
from playwright.sync_api import expect

from planbuilder.services.documents import rendering as documents
from planbuilder.services.jobs import runner
from tests.e2e.helpers import sign_in
from tests.e2e.test_accessibility import serious_violations
from tests.wizard_helpers import demo_plan, working_version

pytestmark = pytest.mark.one_database  # its database work is checked on both by the rest of the suite

FAKE_PDF = b"%PDF-1.7 made while the browser waited"


@pytest.fixture
def app_config():
    # Nothing is made until the test plays the worker, so the wait can be looked at.
    return {"WTF_CSRF_ENABLED": True, "JOB_QUEUE": "manual"}


@pytest.fixture
def waiting_page(live_server, new_page, seeded, monkeypatch):
    monkeypatch.setattr(documents, "render_pdf", lambda version, edition: FAKE_PDF)

    def open_download(javascript: bool):
        page = new_page(javascript=javascript)
        sign_in(page, live_server, "editor@demo.example")
        version = working_version(demo_plan().id)
        page.goto(live_server + url_for("documents.preview", version_id=version.id))
        page.get_by_role("link", name="PDF – Internal edition").click()
        expect(page.get_by_role("heading", name="Preparing the PDF document")).to_be_visible()
        return page
    return open_download


def test_with_javascript_the_progress_turns_into_the_download(waiting_page):
    page = waiting_page(javascript=True)
    expect(page.get_by_role("status").first).to_contain_text("Preparing the PDF document…")
    assert serious_violations(page) == []
    with page.expect_download(timeout=20000) as download:
        runner.run_due()  # the worker makes it; the page's next poll starts the download
    assert download.value.suggested_filename.endswith("-intern-utgava.pdf")  # the plan is Swedish
    expect(page.get_by_role("status").first).to_contain_text("can be downloaded")


def test_without_javascript_the_page_refreshes_until_the_download_comes(waiting_page):
    page = waiting_page(javascript=False)
    with page.expect_download(timeout=20000) as download:
        runner.run_due()
    assert download.value.suggested_filename.endswith(".pdf")
