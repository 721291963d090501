"""The public site as a resident meets it: the municipality's published plans, read in a browser without
JavaScript and without an account; no cookie is set, and axe finds nothing serious on any of its pages."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accessibility import serious_violations
from tests.test_versions import revised_plan

pytestmark = pytest.mark.one_database  # its database work is checked on both by the rest of the suite

EKDALA = "/public/ekdala-kommun/"


def test_a_resident_reads_the_published_plan_without_javascript_or_cookies(live_server, new_page, seeded):
    title = revised_plan().title
    page = new_page(javascript=False)
    page.goto(live_server + EKDALA)
    expect(page.get_by_role("heading", level=1)).to_have_text("Antagna planer i Ekdala kommun")
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1, name=title).first).to_be_visible()
    expect(page.locator(".summary-list")).to_contain_text("KF § 42")  # the decision as corrected
    plan_page = page.url
    pdf = page.request.get(live_server + page.get_by_role("link", name="Planen som PDF").get_attribute("href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF") and "set-cookie" not in pdf.headers
    page.goto(live_server + "/public/fjellvik-kommune/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nothing published here")  # the reader's language
    assert page.context.cookies() == []

    # axe runs as a script in the page, so it looks at the same pages in a browser with JavaScript on.
    checker = new_page()
    for address in (live_server + EKDALA, plan_page, live_server + "/public/fjellvik-kommune/"):
        checker.goto(address)
        assert serious_violations(checker) == [], address
    assert checker.context.cookies() == []
