"""A review that reaches people: the reviewer's "waiting for your review" list, per-reviewer sign-offs, share
links made by reviewers, and the page of a share link that no longer works."""
from __future__ import annotations

import re

from flask import url_for
from sqlalchemy import select

from planbuilder.extensions import db
from planbuilder.models import AuditEvent, ReviewSignoff, ShareLink
from planbuilder.services.people import accounts, sharing
from planbuilder.services.plans import plans
from tests.conftest import page_text, sign_in_as
from tests.test_access import adopt_directly, separate_requests, submit_directly  # noqa: F401  (autouse fixture)
from tests.wizard_helpers import demo_plan

REVIEWER = "reviewer@demo.example"


def client_as(app, email):
    client = app.test_client()
    sign_in_as(client, email)
    return client


def sign_off(client, version, verdict="no_comments"):
    return client.post(url_for("review.sign_off", version_id=version.id), data={"verdict": verdict})


def stored() -> list[ReviewSignoff]:
    db.session.expire_all()
    return db.session.scalars(select(ReviewSignoff).order_by(ReviewSignoff.id)).all()


def events(action: str) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def waiting_block(client) -> str:
    html = client.get(url_for("plans.dashboard")).get_data(as_text=True)
    found = re.search(r'<section class="panel panel--due waiting-review".*?</section>', html, re.S)
    return found.group(0) if found else ""


# --- waiting for your review ---------------------------------------------------------------------------------------

def test_the_waiting_list_shows_a_submitted_version_until_the_reviewer_signs_it_off(app, in_review):
    reviewer = client_as(app, REVIEWER)
    block = waiting_block(reviewer)
    assert "Waiting for your review" in block
    assert f'href="{url_for("review.summary", version_id=in_review.id)}"' in block
    assert in_review.plan.title in block
    assert sign_off(reviewer, in_review).status_code == 303
    assert waiting_block(reviewer) == ""


def test_editors_and_admins_have_no_waiting_list(app, in_review):
    for email in ("editor@demo.example", "admin@demo.example"):
        assert "Waiting for your review" not in page_text(client_as(app, email).get(url_for("plans.dashboard")))


def test_a_new_round_asks_the_reviewer_again(app, in_review):
    reviewer = client_as(app, REVIEWER)
    sign_off(reviewer, in_review)
    editor = client_as(app, "editor@demo.example")
    assert editor.post(url_for("versions.withdraw", version_id=in_review.id)).status_code == 303
    assert waiting_block(reviewer) == ""
    submit_directly(db.session.get(type(in_review), in_review.id))
    assert "Waiting for your review" in waiting_block(reviewer)


# --- signing off ---------------------------------------------------------------------------------------------------

def test_sign_off_is_stored_changeable_and_audited(app, in_review):
    reviewer = client_as(app, REVIEWER)
    page = reviewer.get(url_for("review.summary", version_id=in_review.id))
    assert "Reviewed – no further comments" in page_text(page) and 'name="verdict"' in page.get_data(as_text=True)
    response = sign_off(reviewer, in_review, "with_comments")
    assert response.headers["Location"] == url_for("review.summary", version_id=in_review.id, _anchor="signoff")
    assert "Your sign-off is recorded: Reviewed – with comments." in page_text(reviewer.get(response.headers["Location"]))
    [first] = stored()
    user = accounts.find_user(REVIEWER)
    assert (first.version_id, first.reviewer_id, first.verdict) == (in_review.id, user.id, "with_comments")
    signed_at = first.signed_at
    assert sign_off(reviewer, in_review, "no_comments").status_code == 303
    [changed] = stored()
    assert changed.id == first.id and changed.verdict == "no_comments" and changed.signed_at >= signed_at
    [made, change] = events("review.signoff")
    assert made.user_id == user.id and made.municipality_id == in_review.plan.municipality_id
    assert made.detail == {"version": in_review.id, "verdict": "with_comments"}
    assert change.detail == {"version": in_review.id, "verdict": "no_comments", "was": "with_comments"}
    # The form shows the current choice.
    html = reviewer.get(url_for("review.summary", version_id=in_review.id)).get_data(as_text=True)
    assert re.search(r'id="verdict-no_comments" name="verdict" value="no_comments"\s+checked', html)


def test_editors_see_the_sign_off_on_the_version_page(app, in_review):
    sign_off(client_as(app, REVIEWER), in_review)
    editor = client_as(app, "editor@demo.example")
    text = page_text(editor.get(url_for("versions.show", version_id=in_review.id)))
    assert re.search(r"Reviewed by Demo reviewer on \d{1,2} \w{3} \d{4}: no further comments", text), text
    assert "Reviewed by Demo reviewer" in page_text(editor.get(url_for("review.summary", version_id=in_review.id)))


def test_an_unchosen_verdict_is_refused_with_a_message(app, in_review):
    reviewer = client_as(app, REVIEWER)
    response = sign_off(reviewer, in_review, "")
    assert response.status_code == 422
    assert "Choose whether you have further comments or not." in page_text(response)
    assert sign_off(reviewer, in_review, "looks fine").status_code == 422
    assert stored() == []


def test_sign_off_is_refused_once_the_version_is_adopted(app, in_review):
    from datetime import date, timedelta

    reviewer = client_as(app, REVIEWER)
    sign_off(reviewer, in_review, "with_comments")
    adopt_directly(in_review, date.today() + timedelta(days=300))
    response = sign_off(reviewer, in_review, "no_comments")
    assert response.status_code == 409
    assert "has been adopted: its review is closed and sign-offs can no longer change" in page_text(response)
    assert [s.verdict for s in stored()] == ["with_comments"] and len(events("review.signoff")) == 1
    # The summary keeps showing who signed off, with no form.
    html = reviewer.get(url_for("review.summary", version_id=in_review.id)).get_data(as_text=True)
    assert "Reviewed by Demo reviewer" in page_text_of(html) and 'name="verdict"' not in html


def test_sign_off_is_refused_once_the_version_is_withdrawn(app, in_review):
    reviewer = client_as(app, REVIEWER)
    client_as(app, "editor@demo.example").post(url_for("versions.withdraw", version_id=in_review.id))
    response = sign_off(reviewer, in_review)
    assert response.status_code == 409 and "withdrawn to draft" in page_text(response)
    assert stored() == []


def test_only_reviewers_sign_off(app, in_review):
    for email in ("editor@demo.example", "admin@demo.example"):
        assert sign_off(client_as(app, email), in_review).status_code == 403
    assert stored() == []


def test_another_municipalitys_reviewer_gets_404(app, in_review):
    outsider = client_as(app, "reviewer@fjellvik.example")
    assert outsider.get(url_for("review.summary", version_id=in_review.id)).status_code == 404
    assert sign_off(outsider, in_review).status_code == 404
    assert "Waiting for your review" not in waiting_block(outsider)
    assert stored() == []


def test_sign_off_needs_the_csrf_token(app, in_review):
    reviewer = client_as(app, REVIEWER)
    app.config["WTF_CSRF_ENABLED"] = True
    assert sign_off(reviewer, in_review).status_code == 400
    assert stored() == []
    html = reviewer.get(url_for("review.summary", version_id=in_review.id)).get_data(as_text=True)
    form = html[html.index(url_for("review.sign_off", version_id=in_review.id)):]
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = reviewer.post(url_for("review.sign_off", version_id=in_review.id),
                             data={"verdict": "no_comments", "csrf_token": token})
    assert response.status_code == 303 and len(stored()) == 1


# --- reviewers share the version they review -------------------------------------------------------------------------

def test_a_reviewer_makes_a_share_link_to_the_version_in_review(app, in_review):
    reviewer = client_as(app, REVIEWER)
    summary = reviewer.get(url_for("review.summary", version_id=in_review.id)).get_data(as_text=True)
    assert f'href="{url_for("review.shares", version_id=in_review.id)}"' in summary
    assert reviewer.get(url_for("review.shares", version_id=in_review.id)).status_code == 200
    response = reviewer.post(url_for("review.shares", version_id=in_review.id), data={"edition": "public",
                                                                                      "days": "14"})
    assert response.status_code == 303
    page = reviewer.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="new-link-url"' in page
    [link] = db.session.scalars(select(ShareLink)).all()
    assert link.created_by_id == accounts.find_user(REVIEWER).id and link.version_id == in_review.id
    [event] = events("share.create")
    assert event.user_id == link.created_by_id and event.detail == {"version": in_review.id, "edition": "public",
                                                                    "days": 14}
    # Revoking stays with editors and admins: no button for the reviewer.
    assert url_for("review.revoke_share", link_id=link.id) not in page


def test_a_reviewer_cannot_share_a_draft(app, seeded):
    draft = plans.current_version(demo_plan())
    reviewer = client_as(app, REVIEWER)
    assert reviewer.get(url_for("review.shares", version_id=draft.id)).status_code == 403
    assert reviewer.post(url_for("review.shares", version_id=draft.id), data={"edition": "public"}).status_code == 403
    assert db.session.scalars(select(ShareLink)).all() == []


# --- a link that no longer works -------------------------------------------------------------------------------------

def test_a_revoked_link_names_the_municipality_in_the_plans_language(app, in_review):
    editor = accounts.find_user("editor@demo.example")
    link, token = sharing.create_link(in_review, "public", 30, editor)
    sharing.revoke(link, editor)
    response = app.test_client().get(url_for("shared.pdf", token=token),
                                     headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    text = page_text(response)
    assert '<html lang="sv">' in html and "Länken fungerar inte" in text
    assert "Ekdala kommun" in text and "Be planens samordnare i Ekdala kommun" in text
    assert url_for("static", filename="screen.css") in html  # styled like the app
    assert in_review.plan.title not in text
    assert response.headers["Cache-Control"] == "private, no-store"


def page_text_of(html: str) -> str:
    from tests.conftest import html_text
    return html_text(html)
