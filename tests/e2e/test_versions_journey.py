"""A plan's year in a real browser: submit, adopt, start the revision, change it, compare, read the annex."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from flask import url_for
from flask_babel import force_locale, gettext
from playwright.sync_api import expect
from pypdf import PdfReader

from planbuilder.services.plans import plans
from tests.e2e.conftest import screenshot
from tests.e2e.helpers import autosaved, open_row, sign_in
from tests.wizard_helpers import demo_plan, working_version

pytestmark = pytest.mark.one_database  # its database work is checked on both by the rest of the suite

# Both PDF editions are rendered while the person waits: generous, and the budget of the whole action (the click
# and the answer), not only of what follows the click.
ADOPTION_TIMEOUT = 180_000


def test_adopt_revise_and_compare(live_server, new_page, seeded):
    page = new_page()
    sign_in(page, live_server, "editor@demo.example")
    plan_id = demo_plan().id
    year = date.today().year

    # Submit the complete demo draft, then record the council's decision on the version page.
    page.goto(live_server + url_for("wizard.check", plan_id=plan_id))
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_role("link", name="Record the adoption, or withdraw the version to draft").click()
    page.fill("#decision_body", "Kommunfullmäktige")
    page.fill("#decision_date", (date.today() - timedelta(days=7)).isoformat())
    page.fill("#decision_paragraph", "KF § 42")
    page.fill("#case_number", "KS 2026/118")
    page.get_by_role("button", name="Check the adoption").click()
    expect(page.get_by_role("heading", name="Check the adoption before it is recorded")).to_be_visible()
    expect(page.get_by_text("KS 2026/118")).to_be_visible()
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/adopt"),
                              timeout=ADOPTION_TIMEOUT) as answer:
        page.get_by_role("button", name="Adopt and freeze the documents").click(timeout=ADOPTION_TIMEOUT)
    assert answer.value.status == 303, f"adoption answered {answer.value.status}"
    expect(page.get_by_text(f"Version {year} is adopted.")).to_be_visible()
    expect(page.locator("#sha256-internal")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    expect(page.locator("#sha256-public")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    adopted = working_version(plan_id)
    assert adopted.status == "adopted"

    # Start the annual revision: every section waits to be confirmed or changed.
    page.get_by_role("button", name="Start revision").click()
    expect(page.get_by_text(f"Revision {year + 1} has started")).to_be_visible()  # next year's plan
    expect(page.locator(".tag--to_review")).to_have_count(len(plans.template_for("se-vbe").sections))

    # Change two sections and one actor (autosave), confirm one section as still valid.
    page.get_by_role("link", name="1. Bakgrund och inriktning", exact=True).click()
    purpose = page.input_value("#syfte")
    autosaved(page, lambda: page.fill("#syfte", purpose.replace("gemensam bild", "gemensam och aktuell bild")))
    page.goto(live_server + url_for("wizard.section", plan_id=plan_id, section_id="ansvar"))
    coordinator = page.input_value("#samordnare")
    autosaved(page, lambda: page.fill("#samordnare", coordinator + " Trygghetssamordnare med ansvar för VBE-frågor"))
    page.goto(live_server + url_for("wizard.section", plan_id=plan_id, section_id="samverkan"))
    open_row(page, "aktorer", 0)
    role = page.input_value("#aktorer-0-description")
    autosaved(page, lambda: page.fill("#aktorer-0-description", role + " Deltar också i skolornas trygghetsgrupper."))
    page.goto(live_server + url_for("wizard.section", plan_id=plan_id, section_id="utbildning"))
    page.get_by_role("button", name="Still valid").click()
    expect(page.get_by_text("is confirmed as still valid")).to_be_visible()
    expect(page.locator("#task-utbildning-status")).to_have_text("Completed")
    expect(page.locator("#task-bakgrund-status")).to_have_text("Completed")  # changed counts as reviewed

    # Compare with the adopted version: the summary, a word-level change, a changed actor.
    page.get_by_role("link", name=f"See what has changed since version {year}").click()
    expect(page.locator("#compare-summary")).to_have_text("3 sections changed · 1 aktör changed")
    expect(page.locator("#compare-section-bakgrund ins")).to_contain_text("och aktuell")
    expect(page.locator("#compare-section-samverkan ins")).to_contain_text("skolornas trygghetsgrupper")
    # An unchanged section opens in place (htmx), without leaving the page.
    url_before = page.url
    page.get_by_role("link", name="Show the section Utbildning av medarbetare").click()
    expect(page.locator("#compare-section-utbildning")).to_contain_text("Prioriterade målgrupper")
    assert page.url == url_before
    screenshot(page, "compare-versions")

    # The changes annex, as the council will read it.
    with page.expect_download() as download:
        page.get_by_role("link", name="Changes annex (PDF) – Internal edition").click()
    pdf = download.value.path().read_bytes()
    text = squeezed(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    with force_locale("sv"):  # the annex speaks the plan's language
        heading = gettext("Changes since version %(label)s", label=str(year))
    for expected in (heading, "och aktuell bild", "Trygghetssamordnare med ansvar för VBE-frågor",
                     "Deltar också i skolornas trygghetsgrupper."):
        assert squeezed(expected) in text, expected


def squeezed(text: str) -> str:
    """Without white space: the PDF's line breaks fall anywhere."""
    return re.sub(r"\s+", "", text)


def test_the_comparison_works_without_javascript(live_server, new_page, seeded):
    """The demo's plan under revision: history → compare form → expand a section by following its link."""
    page = new_page(javascript=False)
    sign_in(page, live_server, "editor@demo.example")
    page.get_by_role("link", name="Handlingsplan mot våldsbejakande extremism 2025–2026").first.click()
    page.get_by_role("link", name="Version history").click()
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("#compare-summary")).to_contain_text("5 sections changed")
    page.get_by_role("link", name="Show the section Ansvar").click()
    expect(page.locator("#compare-section-ansvar")).to_contain_text("Politiskt ansvarig nämnd")
    expect(page.locator("#compare-summary")).to_be_visible()  # the whole page, with that section open
