"""Mail for the events after submission (a comment or reply, an adoption) and each person's choice of the kinds
they get: who is told and who is not (the author, deactivated people, those who turned the kind off, other
municipalities' people), in which language, and that no comment's text is in a mail."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from planbuilder.extensions import db
from planbuilder.models import AuditEvent, Comment, MailOptOut
from planbuilder.services.mail import messages, preferences
from planbuilder.services.people import accounts
from planbuilder.services.plans import versions
from tests.conftest import DEMO_PASSWORD, page_text, sign_in_as
from tests.test_access import separate_requests  # noqa: F401  (autouse fixture)
from tests.test_mail import mails, parts, send, submit_demo_draft
from tests.wizard_helpers import working_version

SECRET = "Kommunens reservkraft räcker bara till måndag"  # a comment's text: never in a mail
REPLY = "Vi köper ett nytt aggregat i vår"


@pytest.fixture
def people(reviewers):
    """Ekdala beside its demo admin, editor (reading English) and reviewers: an editor reading Danish, one who turned
    comment mail off, and a deactivated one."""
    ekdala = accounts.find_municipality("Ekdala kommun")
    for email, name in (("redaktor@demo.example", "Dorte Dansk"), ("quiet@demo.example", "Quiet Editor"),
                        ("gone@demo.example", "Gone Editor")):
        accounts.create_user(email, name, "another-long-password", ekdala, "editor")
    accounts.find_user("redaktor@demo.example").language = "da"
    accounts.find_user("gone@demo.example").active = False
    db.session.commit()
    preferences.set_kinds_wanted(accounts.find_user("quiet@demo.example"), [messages.SUBMITTED, messages.ADOPTED])
    return reviewers


def signed_in(app, email):
    client = app.test_client()
    demo = email in ("admin@demo.example", "editor@demo.example", "reviewer@demo.example")
    sign_in_as(client, email, DEMO_PASSWORD if demo else "another-long-password")  # the fixtures' password
    return client


def recipients(kind: str) -> list[str]:
    return sorted(mail.recipient for mail in mails() if mail.kind == kind)


def no_text_of(*texts: str, among) -> bool:
    return all(text not in body for text in texts for message in among for body in parts(message))


def write(client, url, body):
    assert client.post(url, data={"body": body}).status_code == 303
    db.session.expire_all()
    return db.session.scalars(select(Comment).order_by(Comment.id.desc())).first()


# --- a comment or reply ----------------------------------------------------------------------------------------

def test_a_comment_tells_the_editors_and_a_reply_the_thread_never_the_writer(app, runner, inbox, people, in_review):
    reviewer = signed_in(app, "reviewer@demo.example")
    comment = write(reviewer, url_for("review.section", version_id=in_review.id, section_id="ansvar"), SECRET)
    # The editors who get comment mail; not the reviewer who wrote it, nor the other reviewer, nor Fjellvik's.
    assert recipients(messages.COMMENTED) == ["editor@demo.example", "redaktor@demo.example"]
    send(runner)
    [danish] = inbox.to("redaktor@demo.example")
    text, html = parts(danish)
    title = in_review.plan.title
    assert danish["Subject"] == f"Ny kommentar til {title}"
    assert "Demo reviewer har kommenteret afsnittet »Ansvar« i" in text and "fordi du redigerer planer" in text
    link = url_for("review.section", version_id=in_review.id, section_id="ansvar", _anchor=f"comment-{comment.id}",
                   _external=True)
    assert link in text and f'href="{link}"' in html and '<html lang="da">' in html
    assert inbox.to("editor@demo.example")[0]["Subject"] == f"New comment on {title}"

    other = signed_in(app, "granskare2@demo.example")
    answer = write(other, url_for("review.reply", comment_id=comment.id), REPLY)
    assert recipients(messages.COMMENTED) == ["editor@demo.example", "editor@demo.example", "redaktor@demo.example",
                                              "redaktor@demo.example", "reviewer@demo.example"]
    send(runner)
    [swedish] = inbox.to("reviewer@demo.example")  # in the thread, in the municipality's Swedish
    assert swedish["Subject"] == f"Nytt svar om {title}" and f"#comment-{answer.id}" in parts(swedish)[0]
    assert "Kari Nordmann har svarat i en diskussion" in parts(swedish)[0]
    assert "eftersom du deltar i diskussionen" in parts(swedish)[0]
    assert not inbox.to("granskare2@demo.example") and not inbox.to("quiet@demo.example")
    assert not inbox.to("gone@demo.example") and not inbox.to("admin@demo.example")
    assert not [address for address, _ in inbox.messages if not address.endswith("@demo.example")]
    assert no_text_of(SECRET, REPLY, among=[message for _, message in inbox.messages])


def test_an_editors_reply_reaches_the_thread_and_the_other_editors(app, runner, inbox, people, in_review):
    comment = write(signed_in(app, "reviewer@demo.example"),
                    url_for("review.section", version_id=in_review.id, section_id="ansvar"), SECRET)
    before = len(mails())
    write(signed_in(app, "editor@demo.example"), url_for("review.reply", comment_id=comment.id), REPLY)
    assert sorted(mail.recipient for mail in mails()[before:]) == ["redaktor@demo.example", "reviewer@demo.example"]


# --- adoption --------------------------------------------------------------------------------------------------

def test_adoption_tells_everyone_active_in_the_municipality_but_the_one_who_adopted(app, runner, inbox, people,
                                                                                  in_review):
    editor = accounts.find_user("editor@demo.example")
    preferences.set_kinds_wanted(accounts.find_user("admin@demo.example"), [messages.SUBMITTED, messages.COMMENTED])
    decided_on = date.today() - timedelta(days=3)
    versions.adopt(in_review, editor, {"decision_body": "Kommunfullmäktige", "decision_date": decided_on.isoformat(),
                                       "decision_paragraph": "KF § 42", "case_number": "KS 2026/118"},
                   renderer=lambda version, edition: f"%PDF-{edition}".encode())
    # Everyone but the adopter, the admin who turned this kind off, the deactivated editor and the people of other
    # municipalities; the editor who turned comment mail off still gets this kind.
    assert recipients(messages.ADOPTED) == ["granskare2@demo.example", "quiet@demo.example", "redaktor@demo.example",
                                            "reviewer@demo.example"]
    send(runner)
    [norwegian] = inbox.to("granskare2@demo.example")
    text, html = parts(norwegian)
    assert norwegian["Subject"] == f"Vedtatt: {in_review.plan.title}" and "ble vedtatt" in text
    assert url_for("versions.show", version_id=in_review.id, _external=True) in text
    assert "Kommunfullmäktige" not in text and "KS 2026/118" not in text and '<html lang="nb">' in html


def test_a_reviewer_who_turned_submissions_off_is_not_told_of_one(app, people):
    preferences.set_kinds_wanted(accounts.find_user("granskare2@demo.example"), [messages.COMMENTED])
    submit_demo_draft(app)
    assert recipients(messages.SUBMITTED) == ["reviewer@demo.example"]


def test_seeding_the_demo_sends_no_mail(seeded):
    assert mails() == []


# --- each person's choices -------------------------------------------------------------------------------------

def test_a_person_turns_a_kind_of_mail_off_on_their_account_page(app, runner, inbox, people, in_review):
    editor = signed_in(app, "editor@demo.example")
    page = editor.get(url_for("auth.account")).get_data(as_text=True)
    assert f'action="{url_for("auth.mail_preferences")}"' in page
    assert page.count('type="checkbox"') == len(messages.KINDS) and page.count("checked") == len(messages.KINDS)

    wanted = [kind for kind in messages.KINDS if kind != messages.COMMENTED]
    response = editor.post(url_for("auth.mail_preferences"), data={"wanted": wanted})
    assert response.status_code == 303 and response.headers["Location"] == url_for("auth.account")
    shown = editor.get(url_for("auth.account"))
    assert "Your e-mail choices are saved." in page_text(shown)
    assert shown.get_data(as_text=True).count("checked") == len(messages.KINDS) - 1
    person = accounts.find_user("editor@demo.example")
    assert db.session.scalars(select(MailOptOut.kind).where(MailOptOut.user_id == person.id)).all() == [
        messages.COMMENTED]
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.mail_preferences",
                                                          AuditEvent.object_id == person.id)).all()
    assert event.user_id == person.id and event.detail["turned_off"] == [messages.COMMENTED]

    write(signed_in(app, "reviewer@demo.example"),
          url_for("review.section", version_id=in_review.id, section_id="ansvar"), SECRET)
    assert recipients(messages.COMMENTED) == ["redaktor@demo.example"]

    assert editor.post(url_for("auth.mail_preferences"), data={}).status_code == 303  # nothing ticked: no mail
    assert preferences.kinds_wanted(person) == []
    assert editor.post(url_for("auth.mail_preferences"), data={"wanted": "no.such.kind"}).status_code == 422
    assert preferences.kinds_wanted(person) == []


# --- a whole review round --------------------------------------------------------------------------------------

def test_a_whole_review_round_reaches_each_person_once_per_event_in_their_language(app, runner, inbox, people):
    """Submitted → a comment → a reply → a sign-off → adopted, through the pages, then one `mail send`: what each
    person finds in their inbox, in the order it happened, in their language, and nothing twice."""
    plan = submit_demo_draft(app)
    version = working_version(plan.id)
    reviewer = signed_in(app, "reviewer@demo.example")
    comment = write(reviewer, url_for("review.section", version_id=version.id, section_id="ansvar"), SECRET)
    write(signed_in(app, "editor@demo.example"), url_for("review.reply", comment_id=comment.id), REPLY)
    assert reviewer.post(url_for("review.sign_off", version_id=version.id),
                         data={"verdict": "with_comments"}).status_code == 303
    editor = accounts.find_user("editor@demo.example")
    versions.adopt(version, editor, {"decision_body": "Kommunfullmäktige", "decision_paragraph": "KF § 7",
                                     "decision_date": (date.today() - timedelta(days=1)).isoformat(),
                                     "case_number": "KS 2026/9"},
                   renderer=lambda version, edition: f"%PDF-{edition}".encode())
    send(runner)
    send(runner)  # a second run sends nothing again
    title = plan.title

    def subjects(address):
        return [message["Subject"] for message in inbox.to(address)]
    # The demo reviewer (the municipality's Swedish): the submission, the reply in their thread, the adoption.
    assert subjects("reviewer@demo.example") == [f"Att granska: {title}", f"Nytt svar om {title}",
                                                 f"Antagen: {title}"]
    # The editor who replied and adopted (English): the comment only.
    assert subjects("editor@demo.example") == [f"New comment on {title}"]
    # The Danish editor: the comment, the reply, the adoption.
    assert subjects("redaktor@demo.example") == [f"Ny kommentar til {title}", f"Nyt svar om {title}",
                                                 f"Vedtaget: {title}"]
    assert not inbox.to("gone@demo.example") and not inbox.to("former@demo.example")
    assert no_text_of(SECRET, REPLY, "KS 2026/9", among=[message for _, message in inbox.messages])
