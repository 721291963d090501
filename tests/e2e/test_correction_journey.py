"""Correcting a recorded decision in a real browser: the form starts from the decision as recorded, a correction
without a reason is refused next to the reason with the rest kept, and once saved the version page lists the
correction with its reason, the new checksums, and the replaced documents' old ones."""
from __future__ import annotations

import re

import pytest
from flask import url_for
from playwright.sync_api import expect

from planbuilder.services.jobs import runner
from planbuilder.services.plans import versions
from tests.e2e.helpers import sign_in
from tests.e2e.test_accessibility import serious_violations
from tests.test_versions import revised_plan

pytestmark = pytest.mark.one_database  # its database work is checked on both by the rest of the suite

EDITIONS = ("internal", "public")
CHECKSUM = re.compile(r"^[0-9a-f]{64}$")


@pytest.fixture
def app_config():
    # The documents are frozen again when the test plays the worker, so the waiting state can be seen first.
    return {"WTF_CSRF_ENABLED": True, "JOB_QUEUE": "manual"}


def test_a_decision_is_corrected_with_a_reason_and_old_and_new_checksums_are_listed(live_server, new_page, seeded):
    page = new_page()
    sign_in(page, live_server, "editor@demo.example")
    adopted = versions.adopted_version(revised_plan())
    page.goto(live_server + url_for("versions.show", version_id=adopted.id))
    old = {edition: page.locator(f"#sha256-{edition}").inner_text() for edition in EDITIONS}

    page.get_by_role("link", name="Correct the recorded decision").click()
    expect(page.get_by_role("heading", name="Correct the recorded decision")).to_be_visible()
    expect(page.locator("#decision_paragraph")).to_have_value("KF § 42")  # as recorded
    assert serious_violations(page) == []
    page.fill("#case_number", "KS 2025/181")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.locator("#reason-error")).to_contain_text("Say why the decision is corrected")
    expect(page.locator("#case_number")).to_have_value("KS 2025/181")  # what was typed is kept
    assert serious_violations(page) == []

    page.fill("#reason", "Diariet har ärendet som KS 2025/181.")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_text("The decision is corrected.")).to_be_visible()
    expect(page.locator("#frozen-documents")).to_contain_text("being frozen")
    runner.run_due()  # the worker freezes both editions again; the page's poll shows them
    for edition in EDITIONS:
        expect(page.locator(f"#sha256-{edition}")).to_have_text(CHECKSUM, timeout=30_000)
    new = {edition: page.locator(f"#sha256-{edition}").inner_text() for edition in EDITIONS}
    assert all(new[edition] != old[edition] for edition in EDITIONS)

    newest = page.locator("#corrections article").first
    expect(newest).to_contain_text("Case number: was KS 2025/118, now KS 2025/181")
    expect(newest).to_contain_text("Reason: Diariet har ärendet som KS 2025/181.")
    for edition in EDITIONS:
        expect(newest.locator(".sha256", has_text=old[edition])).to_have_count(1)  # kept, listed as replaced
    assert serious_violations(page) == []
