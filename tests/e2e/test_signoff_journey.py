"""A review that reaches people, in a real browser: the reviewer finds the version on the dashboard, signs it off
on the review summary, and the editor reads the sign-off on the version page. axe on both reviewer pages."""
from __future__ import annotations

import re

import pytest
from flask import url_for
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.helpers import sign_in
from tests.e2e.test_accessibility import serious_violations

pytestmark = pytest.mark.one_database  # its database work is checked on both by the rest of the suite


def test_reviewer_signs_off_and_the_editor_sees_it(live_server, new_page, in_review):
    reviewer = new_page()
    sign_in(reviewer, live_server, "reviewer@demo.example")
    waiting = reviewer.locator(".waiting-review")
    expect(waiting.get_by_role("heading", name="Waiting for your review")).to_be_visible()
    assert serious_violations(reviewer) == []

    waiting.get_by_role("link", name=re.compile(re.escape(in_review.plan.title))).click()
    expect(reviewer.get_by_role("heading", level=1)).to_have_text("Review summary")
    expect(reviewer.get_by_role("heading", name="Reviewers' sign-off")).to_be_visible()
    assert serious_violations(reviewer) == []

    reviewer.get_by_label("Reviewed – no further comments").check()
    reviewer.get_by_role("button", name="Record sign-off").click()
    expect(reviewer.get_by_role("status").filter(has_text="Your sign-off is recorded")).to_be_visible()
    expect(reviewer.locator(".signoff-list")).to_contain_text("Reviewed by Demo reviewer")
    expect(reviewer.get_by_label("Reviewed – no further comments")).to_be_checked()
    screenshot(reviewer, "signoff-summary")
    reviewer.goto(live_server + url_for("plans.dashboard"))
    expect(reviewer.locator(".waiting-review")).to_have_count(0)

    editor = new_page()
    sign_in(editor, live_server, "editor@demo.example")
    editor.goto(live_server + url_for("versions.show", version_id=in_review.id))
    expect(editor.locator("#signoffs")).to_contain_text(
        re.compile(r"Reviewed by Demo reviewer on .+: no further comments"))
