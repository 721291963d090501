"""axe-core finds no serious or critical violations on the pages coordinators use most."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import url_for
from playwright.sync_api import expect

from tests.e2e.helpers import open_row, sign_in
from tests.wizard_helpers import demo_plan

pytestmark = pytest.mark.one_database  # its database work is checked on both by the rest of the suite

SERIOUS = ("serious", "critical")


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in SERIOUS]


@pytest.fixture
def editor_page(live_server, new_page, seeded):
    page = new_page()
    sign_in(page, live_server, "editor@demo.example")
    return page


def test_dashboard(editor_page, live_server):
    editor_page.goto(live_server + url_for("plans.dashboard"))
    assert serious_violations(editor_page) == []


def test_task_list(editor_page, live_server):
    editor_page.goto(live_server + url_for("wizard.overview", plan_id=demo_plan().id))
    assert serious_violations(editor_page) == []


def test_section_page_with_validation_errors(editor_page, live_server):
    editor_page.goto(live_server + url_for("wizard.section", plan_id=demo_plan().id, section_id="samverkan"))
    open_row(editor_page, "aktorer", 0)
    editor_page.fill("#aktorer-0-name", "x" * 500)
    editor_page.evaluate("document.querySelectorAll('[hx-post]').forEach(e => e.removeAttribute('hx-post'))")
    editor_page.get_by_role("button", name="Save", exact=True).click()
    expect(editor_page.locator(".error-summary")).to_be_visible()
    assert serious_violations(editor_page) == []


def test_section_page_with_rows_as_cards(editor_page, live_server):
    """The demo plan's actors, folded to cards and one opened: nothing serious, and no heading skips a level
    (rows were once <h3> right under the page's <h1>)."""
    editor_page.goto(live_server + url_for("wizard.section", plan_id=demo_plan().id, section_id="samverkan"))
    expect(editor_page.locator("#aktorer-group .group__row").nth(4)).to_be_visible()
    for opened in (False, True):
        if opened:
            open_row(editor_page, "aktorer", 1)
        violations = Axe().run(editor_page).response["violations"]
        assert [v["id"] for v in violations if v["impact"] in SERIOUS] == []
        assert "heading-order" not in [v["id"] for v in violations]


def test_check_your_answers(editor_page, live_server):
    editor_page.goto(live_server + url_for("wizard.check", plan_id=demo_plan().id))
    assert serious_violations(editor_page) == []


def test_section_page_with_an_honest_answer_missing_its_reason(editor_page, live_server):
    editor_page.goto(live_server + url_for("wizard.section", plan_id=demo_plan().id, section_id="lagesbild"))
    editor_page.evaluate("document.querySelectorAll('[hx-post]').forEach(e => e.removeAttribute('hx-post'))")
    editor_page.locator("#uppdaterad-wrapper summary").click()
    editor_page.locator("#uppdaterad-wrapper").get_by_label("Not known yet").check()
    editor_page.get_by_role("button", name="Save", exact=True).click()
    expect(editor_page.locator(".error-summary")).to_contain_text("Say in a few words why")
    expect(editor_page.locator("#uppdaterad__reason")).to_be_visible()  # the answer stays open at its error
    assert serious_violations(editor_page) == []


def test_version_page_with_the_adoption_form(editor_page, live_server):
    from planbuilder.extensions import db
    from planbuilder.models import User
    from planbuilder.services.plans import plans, wizard

    plan = demo_plan()
    version = plans.latest_version(plan)
    editor = db.session.query(User).filter_by(email="editor@demo.example").one()
    wizard.submit_for_review(plans.template_for(version.template_id), version, editor)
    editor_page.goto(live_server + url_for("versions.show", version_id=version.id))
    expect(editor_page.locator("#case_number")).to_have_value("KS 2026/0142")  # from the plan's own details
    assert serious_violations(editor_page) == []
    # The confirmation page that follows, before anything is recorded.
    editor_page.fill("#decision_body", "Kommunfullmäktige")
    editor_page.fill("#decision_date", "2026-11-24")
    editor_page.fill("#decision_paragraph", "KF § 42")
    editor_page.get_by_role("button", name="Check the adoption").click()
    expect(editor_page.get_by_role("heading", name="Check the adoption before it is recorded")).to_be_visible()
    assert serious_violations(editor_page) == []


def test_pages_with_tables_fit_a_phone_screen(live_server, new_page, seeded):
    """At 390 px nothing widens a page: each table scrolls inside its own named box (the dashboard's plans, the
    regional overview, the user list, the audit log, the sent e-mail, an adopted version's frozen documents, its
    downloads and its share links)."""
    from sqlalchemy import select

    from planbuilder.extensions import db
    from planbuilder.models import Plan, PlanVersion
    from planbuilder.services.mail import messages

    adopted = db.session.scalar(select(PlanVersion).join(Plan).where(
        Plan.municipality_id == demo_plan().municipality_id, PlanVersion.status == "adopted"))
    messages.submitted_for_review(adopted)  # mail to the reviewers, for the admin's list of sent e-mail
    db.session.commit()
    page = new_page()
    sign_in(page, live_server, "admin@demo.example")
    page.set_viewport_size({"width": 390, "height": 844})
    for endpoint, args in (("plans.dashboard", {}), ("plans.overview", {}), ("admin.users", {}),
                           ("admin.audit", {}), ("admin.mail", {}), ("versions.show", {"version_id": adopted.id}),
                           ("documents.preview", {"version_id": adopted.id}),
                           ("review.shares", {"version_id": adopted.id})):
        page.goto(live_server + url_for(endpoint, **args))
        if endpoint == "review.shares":
            page.get_by_role("button", name="Make the link").click()  # the table lists the links made
        expect(page.locator(".table-scroll table").first).to_be_attached()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, (endpoint, page.evaluate(
            "Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > 390)"
            ".map(e => e.tagName + '.' + e.className).slice(0, 8)"))
        assert serious_violations(page) == [], endpoint


def test_a_field_with_a_limit_counts_its_characters_and_says_so_politely(editor_page, live_server):
    import re

    editor_page.goto(live_server + url_for("wizard.section", plan_id=demo_plan().id, section_id="ansvar"))
    field = editor_page.locator("#samordnare")
    limit = int(field.get_attribute("data-maxlength"))
    field.fill("Tolv tecken.")
    count = editor_page.locator("#samordnare + .char-count")
    expect(count.locator("[aria-hidden=true]")).to_have_text(f"12 of {limit} characters")
    expect(count.locator("[aria-live=polite]")).to_have_text(re.compile(f"^12 of {limit} characters$"))
    assert serious_violations(editor_page) == []


def test_the_task_lists_status_tags_line_up_on_a_wide_and_a_narrow_screen(editor_page, live_server):
    """Wide: every section's status ends at the same right edge; narrow: each sits under its section, at the
    same left edge as the section's name."""
    editor_page.goto(live_server + url_for("wizard.overview", plan_id=demo_plan().id))
    edges = "Array.from(document.querySelectorAll('.task-list__tags .tag:last-child')).map(t => {" \
            "const box = t.getBoundingClientRect(); return [Math.round(box.left), Math.round(box.right)]; })"
    wide = editor_page.evaluate(edges)
    assert len(wide) > 5 and len({right for _left, right in wide}) == 1, wide
    editor_page.set_viewport_size({"width": 390, "height": 844})
    narrow = editor_page.evaluate(edges)
    names = editor_page.evaluate("Array.from(document.querySelectorAll('.task-list__name'))"
                                 ".map(n => Math.round(n.getBoundingClientRect().left))")
    assert len({left for left, _right in narrow}) == 1 and {left for left, _right in narrow} == set(names)
