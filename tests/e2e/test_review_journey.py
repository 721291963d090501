"""The review round in a real browser: submit, comment, reply and resolve, share the PDF, and the audit log."""
from __future__ import annotations

import re

import pytest
from flask import url_for
from playwright.sync_api import expect
from sqlalchemy import select

from planbuilder.extensions import db
from planbuilder.models import Comment
from planbuilder.services.plans import plans
from tests.e2e.conftest import screenshot
from tests.e2e.helpers import sign_in
from tests.wizard_helpers import demo_plan, working_version

pytestmark = pytest.mark.one_database  # its database work is checked on both by the rest of the suite


def test_review_round_from_submission_to_audit_log(live_server, new_page, seeded):
    plan_id = demo_plan().id
    template = plans.template_for("se-vbe")
    ansvar, samverkan = template.section("ansvar"), template.section("samverkan")

    # The editor submits the complete demo draft for review.
    editor = new_page()
    sign_in(editor, live_server, "editor@demo.example")
    editor.goto(live_server + url_for("wizard.check", plan_id=plan_id))
    editor.get_by_role("button", name="Submit for review").click()
    expect(editor.locator(".tag--in_review").first).to_have_text("In review")
    version = working_version(plan_id)
    assert version.status == "in_review"

    # The reviewer, without JavaScript (plain forms), comments on two sections.
    reviewer = new_page(javascript=False)
    sign_in(reviewer, live_server, "reviewer@demo.example")
    for section, text in ((ansvar, "Vem i kommunstyrelsen äger frågan?"),
                          (samverkan, "Saknas inte socialtjänsten bland aktörerna?")):
        reviewer.goto(live_server + url_for("wizard.section", plan_id=plan_id, section_id=section.id))
        reviewer.get_by_label("Comment on this section").fill(text)
        reviewer.get_by_role("button", name="Add comment").click()
        expect(reviewer.get_by_role("heading", level=1)).to_have_text(section.title)  # back on the section
        expect(reviewer.locator(f"#comments-{section.id} .comment__body")).to_have_text(text)
    # A reviewer cannot resolve: there is no button for it.
    expect(reviewer.get_by_role("button", name="Mark as resolved")).to_have_count(0)

    # The editor sees them on the task list, replies to one and resolves it (htmx swaps the panel in place).
    editor.goto(live_server + url_for("wizard.overview", plan_id=plan_id))
    expect(editor.get_by_text("2 open comments", exact=True)).to_be_visible()
    editor.get_by_role("link", name=f"{template.section_number(ansvar.id)}. {ansvar.title}").last.click()
    panel = editor.locator("#comments-ansvar")
    expect(panel.locator(".comment__body").first).to_have_text("Vem i kommunstyrelsen äger frågan?")
    panel.locator("summary", has_text="Reply").click()
    panel.get_by_label("Your reply").fill("Kommunstyrelsens ordförande; det står nu i texten.")
    with editor.expect_response(lambda r: r.request.method == "POST" and "/replies" in r.url) as answer:
        panel.get_by_role("button", name="Send reply").click()
    assert answer.value.status == 200  # the fragment, not a redirect
    expect(editor.locator("#comments-ansvar .comment--reply .comment__body")).to_have_text(
        "Kommunstyrelsens ordförande; det står nu i texten.")
    editor.locator("#comments-ansvar").get_by_role("button", name="Mark as resolved").click()
    expect(editor.locator("#comments-ansvar .tag--resolved")).to_have_text("Resolved")
    expect(editor.locator("#comments-ansvar .comments__count")).to_have_text("0 open")
    screenshot(editor, "review-section-comments")

    editor.goto(live_server + url_for("review.summary", version_id=version.id))
    expect(editor.get_by_text("1 open comment", exact=True)).to_be_visible()
    expect(editor.get_by_text("Saknas inte socialtjänsten bland aktörerna?")).to_be_visible()
    expect(editor.get_by_text("Vem i kommunstyrelsen äger frågan?")).to_have_count(0)
    db.session.expire_all()
    assert [(c.section_id, c.parent_id is None, c.is_resolved) for c in
            db.session.scalars(select(Comment).order_by(Comment.id))] == [
        ("ansvar", True, True), ("samverkan", True, False), ("ansvar", False, False)]

    # A share link opens the PDF for someone without an account, until it is revoked.
    editor.goto(live_server + url_for("wizard.overview", plan_id=plan_id))
    editor.get_by_role("link", name="Share the PDF with a link").click()
    editor.get_by_role("button", name="Make the link").click()
    link = editor.locator("#new-link-url").input_value()
    assert link.startswith(live_server + "/shared/")
    stranger = new_page().context.request
    pdf = stranger.get(link)
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    screenshot(editor, "review-share-link")
    editor.get_by_role("button", name="Revoke").click()
    expect(editor.get_by_text("The link no longer works.")).to_be_visible()
    gone = new_page().context.request.get(link)
    assert gone.status == 410 and b"%PDF" not in gone.body()
    # The visitor is told in the plan's language (the demo plan is Swedish) whose link it was.
    assert "Länken fungerar inte" in gone.text() and "Ekdala kommun" in gone.text()

    # The admin sees all of it in the audit log.
    admin = new_page()
    sign_in(admin, live_server, "admin@demo.example")
    admin.get_by_role("link", name="Audit log").click()
    expect(admin.get_by_role("heading", name="Audit log")).to_be_visible()
    log = admin.locator("#audit-results")
    # One sentence per event, in the reader's language, with the plan's version linked.
    for sentence in (r"submitted .+, version .+ for review\.", r"answered a comment on the section .+ in .+, version",
                     r"resolved a comment on the section .+ in .+, version", r"made a share link to ", r"A share link to .+ was opened",
                     r"revoked a share link to "):
        expect(log.locator("td", has_text=re.compile(sentence)).first).to_be_visible()
    expect(log.locator("td", has_text=re.compile(r"commented on the section .+ in .+, version"))).to_have_count(2)
    expect(log.locator("td q").first).to_be_visible()  # the section's title, quoted the page language's way
    submitted = log.locator("td", has_text="submitted").first.get_by_role("link")
    expect(submitted.first).to_have_attribute("href", re.compile(r"/admin/users/\d+"))  # who did it
    expect(submitted.last).to_have_attribute("href", re.compile(r"/versions/\d+"))  # and to what
    expect(log.locator("td", has_text=" signed in.")).to_have_count(0)  # sign-ins have a filter of their own
    # Filtering by a readable name (htmx swaps the results; the address follows).
    admin.select_option("#action", label="Share link opened")
    admin.get_by_role("button", name="Show").click()
    expect(admin.get_by_text("1 event", exact=True)).to_be_visible()
    expect(log.locator("tbody tr")).to_have_count(1)
    assert "action=share.used" in admin.url
    admin.select_option("#action", label="Sign-ins (successful and failed)")
    admin.get_by_role("button", name="Show").click()
    expect(log.locator("td", has_text=re.compile(r"Demo admin signed in\.")).first).to_be_visible()
    screenshot(admin, "audit-log")


def test_review_and_admin_pages_have_no_serious_accessibility_problems(live_server, new_page, seeded):
    from planbuilder.extensions import db
    from planbuilder.models import ShareLink
    from planbuilder.services.people import sharing
    from tests.e2e.test_accessibility import serious_violations
    from tests.test_access import build_world

    world = build_world()  # a plan in review with a comment and a reply, a share link, an adopted plan
    pages = {
        "admin@demo.example": [url_for("admin.users"), url_for("admin.new_user"), url_for("admin.audit"),
                               url_for("admin.member", user_id=world.editor.id), url_for("auth.account")],
        "editor@demo.example": [url_for("wizard.section", plan_id=world.plan.id, section_id="ansvar"),
                                url_for("wizard.overview", plan_id=world.plan.id),
                                url_for("review.summary", version_id=world.in_review.id, all=1),
                                url_for("review.section", version_id=world.in_review.id, section_id="ansvar"),
                                url_for("review.shares", version_id=world.in_review.id),
                                url_for("plans.dashboard"), url_for("plans.overview")],
    }
    pages["reviewer@demo.example"] = [url_for("plans.dashboard"),  # with "waiting for your review"
                                      url_for("review.shares", version_id=world.in_review.id)]
    for email, urls in pages.items():
        page = new_page()
        sign_in(page, live_server, email)
        for url in urls:
            page.goto(live_server + url)
            assert serious_violations(page) == [], url
    # A council member's link after it was revoked: the styled page in the plan's language, without the plan.
    sharing.revoke(db.session.get(ShareLink, world.link), world.editor)
    visitor = new_page()
    visitor.goto(live_server + url_for("shared.pdf", token=world.token))
    expect(visitor.get_by_role("heading", name="Länken fungerar inte")).to_be_visible()
    assert serious_violations(visitor) == []
    # A refused comment, with its error summary and message next to the box: the full page, as without
    # JavaScript (form.submit() bypasses htmx; axe itself needs JavaScript, so the page keeps it)...
    plain = new_page()
    sign_in(plain, live_server, "reviewer@demo.example")
    plain.goto(live_server + url_for("review.section", version_id=world.in_review.id, section_id="ansvar"))
    with plain.expect_navigation():
        plain.evaluate("document.querySelector('.comment-form').submit()")
    expect(plain.locator(".error-summary")).to_be_visible()
    assert serious_violations(plain) == []
    # ...and the panel alone with htmx.
    page.goto(live_server + url_for("wizard.section", plan_id=world.plan.id, section_id="ansvar"))
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator("#new-comment-ansvar-error")).to_have_text("Error: Write your comment before sending it.")
    expect(page.locator("#new-comment-ansvar")).to_have_attribute("aria-invalid", "true")
    assert serious_violations(page) == []


def test_a_comment_sent_while_signed_out_is_kept_and_can_be_sent_again(live_server, new_page, seeded):
    from tests.e2e.test_accessibility import serious_violations
    from tests.test_access import build_world

    world = build_world()
    page = new_page()
    sign_in(page, live_server, "reviewer@demo.example")
    page.goto(live_server + url_for("review.section", version_id=world.in_review.id, section_id="ansvar"))
    page.fill("#new-comment-ansvar", "Skriven efter utloggningen")
    page.context.clear_cookies()  # the session ends while the reviewer writes

    def sent(action) -> int:
        with page.expect_response(lambda response: response.request.method == "POST", timeout=30000) as answer:
            action()
        return answer.value.status

    assert sent(lambda: page.get_by_role("button", name="Add comment").click()) == 400
    notice = page.locator(".comment-form .session-status")
    expect(notice).to_contain_text("you have been signed out")
    expect(page.locator("#new-comment-ansvar")).to_have_value("Skriven efter utloggningen")
    assert serious_violations(page) == []

    other_tab = page.context.new_page()
    sign_in(other_tab, live_server, "reviewer@demo.example")
    page.bring_to_front()
    page.evaluate("window.dispatchEvent(new Event('focus'))")
    expect(notice).to_contain_text("signed in again")
    assert sent(lambda: page.get_by_role("button", name="Add comment").click()) == 200
    bodies = db.session.scalars(select(Comment.body).where(Comment.version_id == world.in_review.id)).all()
    assert "Skriven efter utloggningen" in bodies


def test_a_busy_sections_comments_turn_pages_in_place_and_without_javascript(live_server, new_page, in_review):
    from tests.e2e.test_accessibility import serious_violations
    from tests.test_scale import many_threads

    many_threads(in_review, 45)
    review_page = live_server + url_for("review.section", version_id=in_review.id, section_id="ansvar")
    editor = new_page()
    sign_in(editor, live_server, "editor@demo.example")
    editor.goto(review_page)
    assert serious_violations(editor) == []
    editor.get_by_role("navigation", name="Pages of comments").get_by_role("link", name="Next").click()
    expect(editor.get_by_text("Page 2 of 3")).to_be_visible()
    assert editor.url.endswith("?page=2")  # the address follows, so Back and a reload work
    expect(editor.get_by_role("heading", name="Comments")).to_be_focused()
    assert serious_violations(editor) == []
    screenshot(editor, "review-comment-pages")

    # The editor's section page: the newest few, one link from all of them.
    editor.goto(live_server + url_for("wizard.section", plan_id=in_review.plan_id, section_id="ansvar"))
    expect(editor.locator("#comments-ansvar .comment-list > li")).to_have_count(3)
    assert serious_violations(editor) == []
    editor.get_by_role("link", name="All comments on this section").click()
    expect(editor.get_by_text("Page 1 of 3")).to_be_visible()

    plain = new_page(javascript=False)
    sign_in(plain, live_server, "reviewer@demo.example")
    plain.goto(review_page)
    plain.get_by_role("navigation", name="Pages of comments").get_by_role("link", name="Last").click()
    expect(plain.get_by_text("Page 3 of 3")).to_be_visible()
