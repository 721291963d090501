"""A forgotten password: with a mail server, a link by mail (the same answer for any address, single use, valid
for an hour, rate-limited) with which the person chooses a new password; without one, whom to ask."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import url_for
from sqlalchemy import select

from planbuilder.extensions import db
from planbuilder.models import AuditEvent, MailMessage, utcnow
from planbuilder.services.mail import preferences
from planbuilder.services.people import accounts, password_reset
from tests.conftest import DEMO_PASSWORD, SENDER, make_app, page_text, sign_in_as
from tests.test_access import separate_requests  # noqa: F401  (autouse fixture)

NEW_PASSWORD = "lingonberry tractor whistle"
EDITOR = "editor@demo.example"


@pytest.fixture
def app_config(tmp_path) -> dict:
    return {"MAIL_FROM": SENDER, "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"), "MAIL_RETRY_SECONDS": 0}


def ask(client, email: str):
    return client.post(url_for("auth.forgot_password"), data={"email": email})


def send(runner) -> None:
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output


def link_in(message) -> str:
    """The path of the reset link in a mail's plain text."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    [link] = re.findall(r"https?://\S+/reset-password/\S+", text)
    return urlsplit(link).path


def choose(client, path: str, password: str = NEW_PASSWORD, again: str | None = None):
    return client.post(path, data={"new_password": password, "confirm_password": again or password})


def mails() -> list[MailMessage]:
    db.session.expire_all()
    return db.session.scalars(select(MailMessage).order_by(MailMessage.id)).all()


def audited(action: str) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


# --- asking for a link -----------------------------------------------------------------------------------------

def test_the_sign_in_page_links_to_the_forgotten_password_page(client, seeded, inbox):
    html = client.get(url_for("auth.sign_in")).get_data(as_text=True)
    assert f'href="{url_for("auth.forgot_password")}"' in html and "Forgotten your password?" in html


def test_an_address_with_and_without_an_account_get_the_same_answer(app, client, seeded, inbox):
    form = client.get(url_for("auth.forgot_password"))
    assert form.status_code == 200 and 'name="email"' in form.get_data(as_text=True)
    known, unknown = ask(client, EDITOR), ask(client, "nobody@demo.example")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"] == url_for("auth.reset_link_sent")
    answer = client.get(known.headers["Location"])
    assert "If an account with that address exists, we have sent it a link" in page_text(answer)
    assert "valid for 60 minutes" in page_text(answer)
    assert [(m.recipient, m.kind) for m in mails()] == [(EDITOR, password_reset.MAIL_KIND)]


def test_the_link_arrives_resets_the_password_once_and_ends_every_session(app, client, runner, seeded, inbox):
    elsewhere = app.test_client()
    sign_in_as(elsewhere, EDITOR)
    ask(client, EDITOR)
    assert inbox.messages == []  # the request only recorded the mail
    send(runner)
    [message] = inbox.to(EDITOR)
    assert message["From"] == SENDER and "password" in message["Subject"]
    path = link_in(message)
    assert DEMO_PASSWORD not in message.as_string()

    page = client.get(path)
    assert page.status_code == 200 and EDITOR in page_text(page) and 'name="confirm_password"' in page.get_data(True)
    done = choose(client, path)
    assert done.status_code == 303 and done.headers["Location"] == url_for("auth.sign_in")
    assert "Sign in with the new password" in page_text(client.get(done.headers["Location"]))
    assert [event.user_id for event in audited("user.password_reset")] == [accounts.find_user(EDITOR).id]

    assert elsewhere.get(url_for("plans.dashboard")).status_code == 302  # signed out everywhere
    assert client.post(url_for("auth.sign_in"), data={"email": EDITOR, "password": DEMO_PASSWORD}).status_code == 422
    sign_in_as(app.test_client(), EDITOR, NEW_PASSWORD)

    for again in (client.get(path), choose(app.test_client(), path, "another fine long passphrase")):
        assert again.status_code == 404
        assert "This link does not work" in page_text(again) and "has been used, has expired" in page_text(again)
        assert f'href="{url_for("auth.forgot_password")}"' in again.get_data(as_text=True)
    sign_in_as(app.test_client(), EDITOR, NEW_PASSWORD)


def test_the_new_password_follows_the_account_pages_rules(client, seeded, inbox):
    path = url_for("auth.reset_password", token=password_reset.make_token(accounts.find_user(EDITOR)))
    weak = choose(client, path, "short")
    assert weak.status_code == 422 and "at least 10 characters" in page_text(weak)
    different = choose(client, path, NEW_PASSWORD, "something else entirely here")
    assert different.status_code == 422 and "The two new passwords are not the same." in page_text(different)
    assert client.get(path).status_code == 200  # a refused attempt does not spend the link
    assert accounts.authenticate(EDITOR, DEMO_PASSWORD) is not None


def test_the_mail_is_in_the_recipients_language_and_ignores_opt_outs(app, client, runner, seeded, inbox):
    reviewer = accounts.find_user("reviewer@demo.example")
    reviewer.language = None  # reads the municipality's Swedish
    db.session.commit()
    preferences.set_kinds_wanted(reviewer, ())  # turned every notification off: this is not one
    ask(client, "Reviewer@Demo.Example ")
    send(runner)
    [message] = inbox.to("reviewer@demo.example")
    assert '<html lang="sv">' in message.get_body(preferencelist=("html",)).get_content()


def test_an_expired_link_is_refused_with_a_way_to_ask_again(client, seeded, inbox, monkeypatch):
    path = url_for("auth.reset_password", token=password_reset.make_token(accounts.find_user(EDITOR)))
    later = utcnow() + timedelta(minutes=password_reset.LINK_MINUTES, seconds=5)
    monkeypatch.setattr(password_reset, "utcnow", lambda: later)
    for refused in (client.get(path), choose(client, path)):
        assert refused.status_code == 404 and "works once and for 60 minutes" in page_text(refused)
        assert "Ask for a new link" in page_text(refused)
    assert accounts.authenticate(EDITOR, DEMO_PASSWORD) is not None


def test_a_tampered_link_is_refused(client, seeded, inbox):
    token = password_reset.make_token(accounts.find_user(EDITOR))
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "nonsense", "a.b.c"):
        assert client.get(url_for("auth.reset_password", token=bad)).status_code == 404


def test_a_deactivated_account_gets_no_mail_and_its_link_does_not_work(client, runner, seeded, inbox):
    editor = accounts.find_user(EDITOR)
    path = url_for("auth.reset_password", token=password_reset.make_token(editor))
    editor.active = False
    db.session.commit()
    answer = ask(client, EDITOR)
    assert answer.headers["Location"] == url_for("auth.reset_link_sent")
    send(runner)
    assert mails() == [] and inbox.messages == []
    assert client.get(path).status_code == 404


# --- without a mail server -------------------------------------------------------------------------------------

def test_without_mail_the_page_says_whom_to_ask_and_has_no_form(app, client, seeded):
    app.config["MAIL_URL"] = ""
    page = client.get(url_for("auth.forgot_password"))
    assert page.status_code == 200
    assert "Ask your municipality's administrator for a new sign-in link" in page_text(page)
    assert 'name="email"' not in page.get_data(as_text=True) and "<form" not in page.get_data(as_text=True)
    assert ask(client, EDITOR).status_code == 200 and mails() == []


# --- protection ------------------------------------------------------------------------------------------------

def test_asking_is_rate_limited_per_address_and_per_ip(app, seeded, smtp_server):
    _handler, url = smtp_server
    limited = make_app(app.config["SQLALCHEMY_DATABASE_URI"], app.config["BABEL_TRANSLATION_DIRECTORIES"],
                       RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", MAIL_URL=url, MAIL_FROM=SENDER,
                       PASSWORD_RESET_LIMIT_PER_EMAIL="3 per minute", PASSWORD_RESET_LIMIT_PER_IP="5 per minute")
    client = limited.test_client()
    assert [ask(client, EDITOR).status_code for _ in range(4)] == [303, 303, 303, 429]
    blocked = ask(client, EDITOR)
    assert "Too many attempts" in page_text(blocked) and "Please wait a minute" in page_text(blocked)
    assert ask(client, "reviewer@demo.example").status_code == 303  # another address, same IP: still allowed
    many = [ask(client, f"person{i}@demo.example").status_code for i in range(5)]  # the IP address's own limit
    assert many[0] == 303 and many[-1] == 429
    assert client.get(url_for("auth.forgot_password")).status_code == 200  # GET is never limited
    with limited.app_context():
        assert len(audited("auth.password_reset_limited")) == 2 + many.count(429)
        assert len(db.session.scalars(select(MailMessage)).all()) == 4


def test_the_forms_need_their_csrf_token(app, client, seeded, inbox):
    app.config["WTF_CSRF_ENABLED"] = True
    refused = ask(client, EDITOR)
    assert refused.status_code == 400 and "The form has expired" in page_text(refused)
    path = url_for("auth.reset_password", token=password_reset.make_token(accounts.find_user(EDITOR)))
    assert choose(client, path).status_code == 400
    assert mails() == [] and accounts.authenticate(EDITOR, DEMO_PASSWORD) is not None
