"""The review round: comments on sections, replies, resolving, the summary; and when reviews of plans are due."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import url_for
from sqlalchemy import func, select

from planbuilder.clock import local_today
from planbuilder.extensions import db
from planbuilder.models import AuditEvent, Comment, Plan
from planbuilder.services.people import accounts
from planbuilder.services.plans import overview, plans, review
from tests.conftest import DEMO_PASSWORD, page_text, sign_in_as
from tests.test_access import adopt_directly, separate_requests  # noqa: F401  (autouse fixture)
from tests.test_scale import many_threads
from tests.wizard_helpers import HTMX, demo_plan


def client_as(app, email):
    client = app.test_client()
    sign_in_as(client, email)
    return client


def comment_url(version, section_id="ansvar"):
    return url_for("review.section", version_id=version.id, section_id=section_id)


def comments(**where):
    db.session.expire_all()
    return db.session.scalars(select(Comment).filter_by(**where).order_by(Comment.id)).all()


def actions() -> list[str]:
    return db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()


# --- commenting --------------------------------------------------------------------------------------------------

def test_reviewer_comments_on_a_section_from_the_wizard_page(app, in_review):
    reviewer = client_as(app, "reviewer@demo.example")
    page = reviewer.get(url_for("wizard.section", plan_id=in_review.plan_id, section_id="ansvar"))
    html = page.get_data(as_text=True)
    assert "Comment on this section" in html
    assert f'action="{comment_url(in_review)}"' in html and 'name="back" value="wizard"' in html
    response = reviewer.post(comment_url(in_review), data={"body": "Who owns this politically?", "back": "wizard"})
    assert response.status_code == 303
    [comment] = comments()
    assert response.headers["Location"] == url_for("wizard.section", plan_id=in_review.plan_id, section_id="ansvar",
                                                   _anchor=f"comment-{comment.id}")
    assert (comment.section_id, comment.body, comment.version_id) == ("ansvar", "Who owns this politically?",
                                                                      in_review.id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "comment.create"))
    assert event.detail == {"version": in_review.id, "section": "ansvar"} and event.municipality_id is not None


def test_editor_sees_open_comments_on_the_task_list_and_the_section(app, in_review):
    reviewer = client_as(app, "reviewer@demo.example")
    reviewer.post(comment_url(in_review, "ansvar"), data={"body": "First"})
    reviewer.post(comment_url(in_review, "ansvar"), data={"body": "Second"})
    reviewer.post(comment_url(in_review, "samverkan"), data={"body": "Third"})
    editor = client_as(app, "editor@demo.example")
    text = page_text(editor.get(url_for("wizard.overview", plan_id=in_review.plan_id)))
    assert "3 open comments" in text
    assert "3. Ansvar – 2 open comments" in text  # numbered as the document numbers it
    assert "Samverkan – 1 open comment" in text
    overview_html = editor.get(url_for("wizard.overview", plan_id=in_review.plan_id)).get_data(as_text=True)
    assert url_for("review.summary", version_id=in_review.id) in overview_html
    section = editor.get(url_for("wizard.section", plan_id=in_review.plan_id, section_id="ansvar"))
    section_text = page_text(section)
    assert "First" in section_text and "Second" in section_text and "Mark as resolved" in section_text


def test_comment_text_is_escaped(app, in_review):
    reviewer = client_as(app, "reviewer@demo.example")
    reviewer.post(comment_url(in_review), data={"body": "<script>alert(1)</script> & <b>bold</b>"})
    html = reviewer.get(comment_url(in_review)).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html


@pytest.mark.parametrize("body, message", [
    ("", "Write your comment before sending it."),
    ("   \n ", "Write your comment before sending it."),
    ("x" * (review.COMMENT_MAX_LENGTH + 1), "A comment can have at most 5000 characters; this one has 5001."),
    ("null \x00 byte", "cannot be stored"),
])
def test_bad_comment_is_refused_next_to_the_box_and_the_text_is_kept(app, in_review, body, message):
    reviewer = client_as(app, "reviewer@demo.example")
    response = reviewer.post(comment_url(in_review), data={"body": body})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in page_text(response)
    assert 'id="new-comment-ansvar-error"' in html and 'aria-invalid="true"' in html
    assert "There is a problem" in html  # the error summary of the full page
    if body.strip() and "\x00" not in body:
        assert body in html  # kept
    assert comments() == []


def test_htmx_gets_the_panel_only_both_for_errors_and_success(app, in_review):
    reviewer = client_as(app, "reviewer@demo.example")
    refused = reviewer.post(comment_url(in_review), data={"body": ""}, headers=HTMX)
    assert refused.status_code == 422 and "HX-Request" in refused.headers["Vary"]
    html = refused.get_data(as_text=True)
    assert "<html" not in html and 'id="comments-ansvar"' in html and "Write your comment" in html
    saved = reviewer.post(comment_url(in_review), data={"body": "Fine"}, headers=HTMX)
    assert saved.status_code == 200
    html = saved.get_data(as_text=True)
    assert "<html" not in html and "Fine" in html and "1 open" in html


def test_comment_on_an_unknown_section_is_404(app, in_review):
    reviewer = client_as(app, "reviewer@demo.example")
    assert reviewer.post(comment_url(in_review, "no-such-section"), data={"body": "x"}).status_code == 404
    assert comments() == []


def test_no_new_comments_on_a_draft(app, seeded):
    """Decision: comments belong to the review round; on a draft the editors work on the text itself."""
    version = plans.current_version(demo_plan())
    editor = client_as(app, "editor@demo.example")
    assert editor.post(comment_url(version), data={"body": "Note to self"}).status_code == 403
    text = page_text(editor.get(url_for("wizard.section", plan_id=version.plan_id, section_id="ansvar")))
    assert "Comment on this section" not in text
    assert comments() == []


def test_no_new_comments_replies_or_resolving_on_an_adopted_version(app, in_review):
    reviewer = client_as(app, "reviewer@demo.example")
    reviewer.post(comment_url(in_review), data={"body": "Before adoption"})
    [comment] = comments()
    adopt_directly(in_review, local_today() + timedelta(days=365))
    editor = client_as(app, "editor@demo.example")
    assert reviewer.post(comment_url(in_review), data={"body": "Too late"}).status_code == 403
    assert editor.post(url_for("review.reply", comment_id=comment.id), data={"body": "Too late"}).status_code == 403
    assert editor.post(url_for("review.resolve", comment_id=comment.id)).status_code == 403
    assert len(comments()) == 1 and not comments()[0].is_resolved
    # ...and the comments stay with the version, in its history and its summary.
    summary = page_text(editor.get(url_for("review.summary", version_id=in_review.id)))
    assert "Before adoption" in summary and "1 comment in all" in summary


def test_editor_replies_and_resolves_and_reviewer_cannot_resolve(app, in_review):
    reviewer = client_as(app, "reviewer@demo.example")
    reviewer.post(comment_url(in_review), data={"body": "Name the board"})
    [thread] = comments()
    assert reviewer.post(url_for("review.resolve", comment_id=thread.id)).status_code == 403
    editor = client_as(app, "editor@demo.example")
    response = editor.post(url_for("review.reply", comment_id=thread.id), data={"body": "Done: KS.", "back": "wizard"})
    assert response.status_code == 303
    reply = comments(parent_id=thread.id)[0]
    assert response.headers["Location"].endswith(f"#comment-{reply.id}")
    response = editor.post(url_for("review.resolve", comment_id=thread.id), data={"back": "wizard"})
    assert response.headers["Location"] == url_for("wizard.section", plan_id=in_review.plan_id, section_id="ansvar",
                                                   _anchor=f"comment-{thread.id}")
    thread = comments(id=thread.id)[0]
    assert thread.is_resolved and thread.resolved_by_id == accounts.find_user("editor@demo.example").id
    assert actions()[-2:] == ["comment.reply", "comment.resolve"]
    # Resolving twice changes nothing and records nothing; reopening does.
    editor.post(url_for("review.resolve", comment_id=thread.id))
    assert actions().count("comment.resolve") == 1
    editor.post(url_for("review.reopen", comment_id=reply.id))  # through a reply: its thread reopens
    assert not comments(id=thread.id)[0].is_resolved and actions()[-1] == "comment.reopen"


def test_a_reply_to_a_reply_joins_the_thread(app, in_review):
    reviewer = client_as(app, "reviewer@demo.example")
    reviewer.post(comment_url(in_review), data={"body": "Question"})
    [thread] = comments()
    editor = client_as(app, "editor@demo.example")
    editor.post(url_for("review.reply", comment_id=thread.id), data={"body": "Answer"})
    answer = comments(parent_id=thread.id)[0]
    reviewer.post(url_for("review.reply", comment_id=answer.id), data={"body": "Thanks"})
    assert [c.body for c in comments(parent_id=thread.id)] == ["Answer", "Thanks"]


def test_bad_reply_is_shown_in_its_thread(app, in_review):
    reviewer = client_as(app, "reviewer@demo.example")
    reviewer.post(comment_url(in_review), data={"body": "Question"})
    [thread] = comments()
    response = reviewer.post(url_for("review.reply", comment_id=thread.id), data={"body": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="reply-{thread.id}-error"' in html and "Write your comment before sending it." in html
    assert "<details class=\"comment__reply\" open>" in html


def error_slot(html: str, field_id: str) -> str:
    """What the error slot of a field holds (templates/macros/forms.html, field_errors)."""
    return html.split(f'id="{field_id}-error"')[1].split("</p>")[0]


def test_a_refused_comment_says_why_next_to_its_box_and_keeps_the_text_and_the_way_back(app, in_review):
    """CommentForm: the message in the box's own error slot; the text and the hidden `back` are kept."""
    reviewer = client_as(app, "reviewer@demo.example")
    text = "y" * (review.COMMENT_MAX_LENGTH + 1)
    response = reviewer.post(comment_url(in_review), data={"body": f"{text}\r\n", "back": "wizard"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    slot = error_slot(html, "new-comment-ansvar")
    assert "Error:" in slot and "A comment can have at most 5000 characters; this one has 5001." in slot
    assert text in html and 'name="back" value="wizard"' in html
    assert 'href="#new-comment-ansvar"' in html  # the error summary points at the box
    assert comments() == []
    # Fixed and sent again, it goes back to the wizard page it came from.
    response = reviewer.post(comment_url(in_review), data={"body": "  Shorter.\r\nTwo lines.  ", "back": "wizard"})
    assert response.status_code == 303 and response.headers["Location"].startswith(
        url_for("wizard.section", plan_id=in_review.plan_id, section_id="ansvar"))
    assert comments()[0].body == "Shorter.\nTwo lines."


def test_a_refused_reply_says_why_in_its_own_thread_only(app, in_review):
    """ReplyForm: the message and the text stay with the thread replied to; the other boxes stay empty."""
    reviewer = client_as(app, "reviewer@demo.example")
    reviewer.post(comment_url(in_review), data={"body": "First question"})
    reviewer.post(comment_url(in_review), data={"body": "Second question"})
    first, second = comments()
    text = "z" * (review.COMMENT_MAX_LENGTH + 1)
    response = reviewer.post(url_for("review.reply", comment_id=second.id), data={"body": text, "back": "wizard"},
                             headers=HTMX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert "at most 5000 characters" in error_slot(html, f"reply-{second.id}")
    assert "Error:" in error_slot(html, f"reply-{second.id}")
    assert "at most" not in error_slot(html, f"reply-{first.id}") and "at most" not in error_slot(html, "new-comment-ansvar")
    assert html.count(text) == 1 and 'name="back" value="wizard"' in html
    assert comments(parent_id=second.id) == []


def test_replies_are_allowed_on_a_withdrawn_draft(app, in_review):
    reviewer = client_as(app, "reviewer@demo.example")
    reviewer.post(comment_url(in_review), data={"body": "Question"})
    [thread] = comments()
    in_review.status = "draft"  # withdrawn from review
    db.session.commit()
    editor = client_as(app, "editor@demo.example")
    assert editor.post(url_for("review.reply", comment_id=thread.id), data={"body": "Fixed in the draft"}
                       ).status_code == 303
    assert editor.post(url_for("review.resolve", comment_id=thread.id)).status_code == 303


def test_summary_lists_open_comments_per_section(app, in_review):
    reviewer = client_as(app, "reviewer@demo.example")
    reviewer.post(comment_url(in_review, "samverkan"), data={"body": "Open one"})
    reviewer.post(comment_url(in_review, "ansvar"), data={"body": "Resolved one"})
    resolved = comments(body="Resolved one")[0]
    editor = client_as(app, "editor@demo.example")
    editor.post(url_for("review.resolve", comment_id=resolved.id))
    text = page_text(editor.get(url_for("review.summary", version_id=in_review.id)))
    assert "1 open comment" in text and "Open one" in text and "Resolved one" not in text
    everything = page_text(editor.get(url_for("review.summary", version_id=in_review.id, all=1)))
    assert "Open one" in everything and "Resolved one" in everything
    # Sections come in the plan's order.
    assert everything.index("3. Ansvar") < everything.index("4. Samverkan")


def test_version_history_hook_counts_the_comments(app, in_review):
    reviewer = client_as(app, "reviewer@demo.example")
    reviewer.post(comment_url(in_review), data={"body": "One"})
    html = app.jinja_env.get_template("review/_version_comments.html").render(version=in_review)
    assert "1 comment" in html and "(1 open)" in html
    assert url_for("review.summary", version_id=in_review.id, all=1) in html


def test_review_service_counts(app, in_review):
    reviewer = accounts.find_user("reviewer@demo.example")
    access = accounts.access_to(reviewer, demo_plan().municipality_id)
    first = review.add_comment(access, in_review, "ansvar", "a", reviewer)
    review.add_comment(access, in_review, "samverkan", "b", reviewer)
    review.reply(access, first, "c", reviewer)
    assert review.open_counts(in_review) == {"ansvar": 1, "samverkan": 1}
    assert review.counts(in_review) == review.CommentCounts(threads=2, open=2, comments=3)
    with pytest.raises(review.NotAllowed):
        review.set_resolved(access, first, True, reviewer)


# --- a busy section: its threads a page at a time, the newest few on the editor's page -----------------------------

def threads_shown(response) -> list[str]:
    """The threads a page shows, by their text ("Thread 7"), in the order shown (replies left out)."""
    return re.findall(r'class="comment__body preserve-lines">(Thread \d+)<', response.get_data(as_text=True))


def numbered(*numbers) -> list[str]:
    return [f"Thread {n}" for n in numbers]


def page_url(version, page, **more):
    return url_for("review.section", version_id=version.id, section_id="ansvar", page=page, **more)


def test_a_busy_section_shows_its_threads_twenty_at_a_time_with_links_between_the_pages(app, in_review):
    many_threads(in_review, 45)
    editor = client_as(app, "editor@demo.example")
    first = editor.get(comment_url(in_review))
    assert threads_shown(first) == numbered(*range(20)) and "Page 1 of 3" in page_text(first)
    pages = re.search(r'<nav class="pager comment-pages" aria-label="Pages of comments">.*?</nav>',
                      first.get_data(as_text=True), re.S).group(0)
    assert f'href="{page_url(in_review, 2)}" rel="next"' in pages and 'rel="prev"' not in pages
    assert f'href="{page_url(in_review, 3)}"' in pages  # the last page, where the newest threads are
    second = editor.get(page_url(in_review, 2))
    assert threads_shown(second) == numbered(*range(20, 40)) and "Page 2 of 3" in page_text(second)
    assert f'href="{comment_url(in_review)}" rel="prev"' in second.get_data(as_text=True)
    assert threads_shown(editor.get(page_url(in_review, 3))) == numbered(*range(40, 45))
    assert "Page 3 of 3" in page_text(editor.get(page_url(in_review, 99)))
    assert "Page 1 of 3" in page_text(editor.get(page_url(in_review, "two")))
    assert "30 open" in page_text(first)  # of the whole section, not of the page shown


def test_htmx_turns_a_page_of_comments_in_place_and_puts_the_focus_on_its_heading(app, in_review):
    many_threads(in_review, 25)
    response = client_as(app, "editor@demo.example").get(page_url(in_review, 2), headers=HTMX)
    html = response.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<section class="comments" id="comments-ansvar"')
    assert threads_shown(response) == numbered(*range(20, 25))
    assert 'tabindex="-1" data-autofocus>Comments' in html
    assert f'hx-get="{comment_url(in_review)}"' in html and 'hx-push-url="true"' in html


def test_the_editors_section_page_shows_the_newest_threads_and_links_to_all_of_them(app, in_review):
    many_threads(in_review, 45)
    editor = client_as(app, "editor@demo.example")
    page = editor.get(url_for("wizard.section", plan_id=in_review.plan_id, section_id="ansvar"))
    assert threads_shown(page) == numbered(42, 43, 44)
    assert "Showing the newest 3 of 45 comments. All comments on this section" in page_text(page)
    html = page.get_data(as_text=True)
    assert f'href="{comment_url(in_review)}"' in html and "comment-pages" not in html


def test_writing_on_a_later_page_leads_back_to_that_page(app, in_review):
    many_threads(in_review, 45)
    reviewer = client_as(app, "reviewer@demo.example")
    response = reviewer.post(comment_url(in_review), data={"body": "Newest"})
    [newest] = comments(body="Newest")
    assert response.headers["Location"] == page_url(in_review, 3, _anchor=f"comment-{newest.id}")
    [thread] = comments(body="Thread 21")
    response = reviewer.post(url_for("review.reply", comment_id=thread.id), data={"body": "An answer"})
    [answer] = comments(body="An answer")
    assert response.headers["Location"] == page_url(in_review, 2, _anchor=f"comment-{answer.id}")
    refused = reviewer.post(url_for("review.reply", comment_id=thread.id), data={"body": ""})
    assert refused.status_code == 422 and "Page 2 of 3" in page_text(refused)
    assert f'id="reply-{thread.id}-error"' in refused.get_data(as_text=True)


def test_a_reply_from_the_editors_page_keeps_its_thread_in_view_when_newer_ones_came_meanwhile(app, in_review):
    many_threads(in_review, 10)
    [thread] = comments(body="Thread 7")  # among the newest three when the editor opened the page
    many_threads(in_review, 5)
    editor = client_as(app, "editor@demo.example")
    response = editor.post(url_for("review.reply", comment_id=thread.id), data={"body": "Done", "back": "wizard"},
                           headers=HTMX)
    assert threads_shown(response) == numbered(7, 12, 13, 14) and "Done" in page_text(response)


def test_the_summary_shows_the_first_threads_of_a_busy_section_and_links_to_the_rest(app, in_review):
    many_threads(in_review, 30)  # every third resolved: 20 open
    editor = client_as(app, "editor@demo.example")
    open_ones = editor.get(url_for("review.summary", version_id=in_review.id))
    assert threads_shown(open_ones) == numbered(1, 2, 4, 5, 7, 8, 10, 11, 13, 14)
    assert "10 more are not shown here. All comments on this section" in page_text(open_ones)
    assert f'href="{comment_url(in_review)}"' in open_ones.get_data(as_text=True)
    everything = editor.get(url_for("review.summary", version_id=in_review.id, all=1))
    assert threads_shown(everything) == numbered(*range(10)) and "20 more are not shown here." in page_text(everything)
    assert page_text(everything).count("1 reply") == 10


# --- when reviews are due -----------------------------------------------------------------------------------------

TODAY = date(2026, 11, 23)


def _adopted_plan(title: str, review_by: date) -> Plan:
    ekdala = accounts.find_municipality("Ekdala kommun")
    plan = plans.create_plan(ekdala, "se-vbe", title, None)
    adopt_directly(plans.latest_version(plan), review_by)
    return plan


@pytest.mark.parametrize("days_left, expected", [
    (-1, overview.OVERDUE), (0, overview.DUE_SOON), (60, overview.DUE_SOON), (61, overview.OK)])
def test_when_a_review_is_due(app, seeded, days_left, expected):
    standing = overview.standing_of(_adopted_plan("Plan", TODAY + timedelta(days=days_left)), TODAY)
    assert (standing.state, standing.days_left) == (expected, days_left)
    assert standing.needs_attention == (expected != overview.OK)


def test_a_plan_never_adopted_has_no_review_date(app, seeded):
    standing = overview.standing_of(demo_plan(), TODAY)
    assert (standing.state, standing.review_by, standing.adopted) == (None, None, None)
    assert standing.working is not None and not standing.needs_attention


def test_dashboard_shows_overdue_and_soon_due_plans(app, seeded):
    _adopted_plan("Overdue plan", local_today() - timedelta(days=3))
    _adopted_plan("Soon plan", local_today() + timedelta(days=30))
    _adopted_plan("Later plan", local_today() + timedelta(days=200))
    editor = client_as(app, "editor@demo.example")
    text = page_text(editor.get(url_for("plans.dashboard")))
    due = text[text.index("Reviews due"):text.index("Plans of") if "Plans of" in text else None]
    assert "Overdue plan – Overdue review was due" in due and "3 days ago" in due
    assert "Soon plan – Due soon review due" in due and "in 30 days" in due
    assert "Later plan" not in due
    assert due.index("Overdue plan") < due.index("Soon plan")


def test_standings_pick_the_latest_adopted_and_the_working_version(app, seeded):
    plan = _adopted_plan("Revised plan", local_today() + timedelta(days=10))
    first = plans.latest_version(plan)
    db.session.add(plans.PlanVersion(plan=plan, label="2027", status="draft", content={}, template_id="se-vbe",
                                     template_revision=first.template_revision))
    db.session.commit()
    [standing] = [found for found in overview.standings([plan.municipality_id]) if found.plan.id == plan.id]
    assert standing.adopted.id == first.id and standing.working.label == "2027"
    assert standing.state == overview.DUE_SOON and standing.days_left == 10


def test_overview_covers_every_municipality_of_a_coordinator(app, seeded):
    coordinator = accounts.create_user("coordinator@polisen.example", "Police coordinator", DEMO_PASSWORD,
                                       accounts.find_municipality("Ekdala kommun"), "reviewer")
    db.session.add(accounts.Membership(user_id=coordinator.id,
                                       municipality_id=accounts.find_municipality("Fjellvik kommune").id,
                                       role="editor"))
    coordinator.language = "en"
    db.session.commit()
    _adopted_plan("Overdue plan", local_today() - timedelta(days=3))
    client = client_as(app, "coordinator@polisen.example")
    text = page_text(client.get(url_for("plans.overview")))
    assert "Ekdala kommun" in text and "Fjellvik kommune" in text
    assert "Handlingsplan mot radikalisering og voldelig ekstremisme" in text
    assert "Overdue plan (Ekdala kommun)" in text
    # The header offers the switch on every page; switching changes the dashboard.
    dashboard = client.get(url_for("plans.dashboard")).get_data(as_text=True)
    assert 'id="header-municipality"' in dashboard
    fjellvik = accounts.find_municipality("Fjellvik kommune")
    response = client.post(url_for("plans.switch_municipality"), data={"municipality_id": fjellvik.id})
    assert response.status_code == 303
    assert "Handlingsplan mot radikalisering" in page_text(client.get(url_for("plans.dashboard")))
    assert db.session.scalar(select(func.count()).select_from(Plan)) >= 4


def test_cannot_switch_to_a_municipality_one_does_not_belong_to(app, seeded):
    editor = client_as(app, "editor@demo.example")
    fjellvik = accounts.find_municipality("Fjellvik kommune")
    assert editor.post(url_for("plans.switch_municipality"), data={"municipality_id": fjellvik.id}).status_code == 404
    assert editor.post(url_for("plans.switch_municipality"), data={"municipality_id": "x"}).status_code == 404
