"""Following up the adopted plan in a real browser: the late measure flagged where the editor starts, a follow-up
recorded on its card (htmx with JavaScript, a whole page without), a wrong one refused next to its field with the
rest kept, and the follow-up report for the council downloaded as a PDF that says what was recorded."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import url_for
from playwright.sync_api import expect

from planbuilder.clock import local_today
from planbuilder.services.jobs import runner
from tests.document_helpers import pdftotext, squash
from tests.e2e.helpers import sign_in
from tests.e2e.test_accessibility import serious_violations
from tests.test_follow_up import LATE_MEASURE
from tests.test_versions import revised_plan

pytestmark = pytest.mark.one_database  # its database work is checked on both by the rest of the suite

DONE_COMMENT = "Rutinen beslutades av skolans och fritidsförvaltningens ledning den 2 december."


@pytest.fixture
def app_config():
    # The report is made when the test plays the worker, so its progress page can be looked at.
    return {"WTF_CSRF_ENABLED": True, "JOB_QUEUE": "manual"}


@pytest.fixture
def editor(live_server, new_page, seeded):
    def open_page(javascript: bool = True):
        page = new_page(javascript=javascript)
        sign_in(page, live_server, "editor@demo.example")
        return page
    return open_page


def late_card(page):
    return page.locator("article.measure", has=page.get_by_role("heading", name=re.compile(LATE_MEASURE)))


def open_form(card):
    card.locator("summary", has_text="Record a follow-up").click()
    return card.locator("form")


def test_the_late_measure_is_flagged_and_a_follow_up_ends_it(editor, live_server):
    page = editor()
    # The dashboard names the late measure beside the plan and leads to its follow-up.
    page.get_by_role("link", name="1 late measure").click()
    expect(page.get_by_role("heading", name="Follow-up of the adopted plan", level=1)).to_be_visible()
    late_notice = page.locator("#late-measures")
    expect(late_notice).to_contain_text("1 measure is late")
    expect(late_notice.get_by_role("link", name=LATE_MEASURE)).to_be_visible()
    card = late_card(page)
    expect(card.locator(".tag--overdue")).to_contain_text("late")
    assert serious_violations(page) == []

    # A date in the future is refused next to the date; the comment typed stays.
    form = open_form(card)
    form.get_by_label("Date of the follow-up").fill((local_today() + timedelta(days=3)).isoformat())
    form.get_by_label("Genomförd").check()
    form.get_by_label("What was done").fill(DONE_COMMENT)
    form.get_by_role("button", name="Record the follow-up").click()
    card = late_card(page)
    date_field = card.locator(".field--error", has=page.get_by_label("Date of the follow-up"))
    expect(date_field).to_contain_text("future")
    expect(card.get_by_label("What was done")).to_have_value(DONE_COMMENT)
    expect(card.get_by_label("Genomförd")).to_be_checked()
    assert serious_violations(page) == []

    # Today's date: recorded in the card, which no longer says late.
    card.get_by_label("Date of the follow-up").fill(local_today().isoformat())
    card.get_by_label("Indicator value (optional)").fill("3,5")
    card.get_by_role("button", name="Record the follow-up").click()
    card = late_card(page)
    expect(card.get_by_role("status")).to_have_text("Recorded.")
    entries = card.locator("table.follow-up-entries")
    expect(entries).to_contain_text(DONE_COMMENT)
    expect(entries).to_contain_text("3.5")  # typed with a decimal comma, shown in the reader's (English) way
    expect(card.locator(".measure__title .tag")).to_have_text("Genomförd")
    page.reload()
    expect(page.get_by_text("No measure is late.")).to_be_visible()
    page.goto(live_server + url_for("plans.dashboard"))
    expect(page.get_by_role("link", name="1 late measure")).to_have_count(0)


def test_without_javascript_the_follow_up_is_recorded_through_a_whole_page(editor, live_server):
    page = editor(javascript=False)
    page.goto(live_server + url_for("wizard.overview", plan_id=revised_plan().id))
    notice = page.get_by_role("status").filter(has_text="1 measure of the adopted plan is late")
    notice.get_by_role("link", name="Follow-up of the adopted plan").click()
    form = open_form(late_card(page))
    form.get_by_label("Pågår").check()
    form.get_by_label("What was done").fill("Ledningsgruppen utsåg en ansvarig i november.")
    form.get_by_role("button", name="Record the follow-up").click()
    expect(page.get_by_role("status").filter(has_text="is recorded")).to_contain_text(LATE_MEASURE)
    expect(late_card(page).locator("table.follow-up-entries")).to_contain_text("Ledningsgruppen utsåg")
    expect(page.locator("#late-measures")).to_contain_text("1 measure is late")  # ongoing is not done


def test_the_follow_up_report_is_a_pdf_of_what_was_recorded(editor, live_server):
    page = editor()
    page.goto(live_server + url_for("follow_up.plan", plan_id=revised_plan().id))
    page.get_by_role("link", name="PDF", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Preparing"))).to_be_visible()
    assert serious_violations(page) == []
    with page.expect_download(timeout=60000) as download:
        runner.run_due()  # the worker makes it; the page's next poll starts the download
    text = squash(" ".join(pdftotext(download.value.path().read_bytes())))
    assert squash("Uppföljning per") in text  # the plan's language, on its cover
    assert squash(LATE_MEASURE) in text  # late, and why:
    assert squash("förvaltningarna har ännu inte utsett någon") in text
    assert "142" in text  # an indicator value recorded in the year
