"""Notifications by e-mail: mail recorded with the event, delivered after the commit to a real SMTP server (aiosmtpd,
in-process) or, without MAIL_URL, written to the outbox folder; refused mail retried and sent once; the admins'
list of their municipality's mail; and a MAIL_URL that does not parse stopping the start."""
from __future__ import annotations

import time
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from flask import url_for
from sqlalchemy import select

from planbuilder import create_app
from planbuilder.extensions import db
from planbuilder.models import MailMessage, User, utcnow
from planbuilder.services.jobs import queue
from planbuilder.services.mail import outbox
from planbuilder.services.people import accounts
from tests.conftest import DEMO_PASSWORD, SENDER, free_port, make_app, missing_tool, page_text, sign_in_as
from tests.test_access import separate_requests  # noqa: F401  (autouse fixture)
from tests.wizard_helpers import demo_plan


@pytest.fixture
def app_config(tmp_path) -> dict:
    return {"MAIL_FROM": SENDER, "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"), "MAIL_RETRY_SECONDS": 0}


def submit_demo_draft(app):
    editor = app.test_client()
    sign_in_as(editor, "editor@demo.example")
    plan = demo_plan()
    response = editor.post(url_for("wizard.submit", plan_id=plan.id))
    assert response.status_code == 303
    return plan


def mails() -> list[MailMessage]:
    db.session.expire_all()
    return db.session.scalars(select(MailMessage).order_by(MailMessage.id)).all()


def send(runner) -> str:
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def parts(message) -> tuple[str, str]:
    return (message.get_body(preferencelist=("plain",)).get_content(),
            message.get_body(preferencelist=("html",)).get_content())


# --- submitted for review --------------------------------------------------------------------------------------

def test_submitting_mails_each_active_reviewer_in_their_language(app, runner, inbox, reviewers):
    plan = submit_demo_draft(app)
    assert inbox.messages == []  # the request only recorded the mails
    assert [(m.recipient, m.state) for m in mails()] == [(r, "queued") for r in reviewers]
    assert "sent 2 mail(s), 0 failed" in send(runner)

    link = url_for("review.summary", version_id=plan.versions[-1].id, _external=True)
    [swedish], [norwegian] = inbox.to(reviewers[0]), inbox.to(reviewers[1])
    assert swedish["Subject"] == f"Att granska: {plan.title}" and swedish["From"] == SENDER
    assert norwegian["Subject"] == f"Til gjennomgang: {plan.title}"
    text, html = parts(swedish)
    assert text.startswith(f"{plan.title} (version ") and "har skickats på granskning" in text and link in text
    assert f'href="{link}"' in html and '<html lang="sv">' in html and "Öppna granskningssidan" in html
    assert "Les den og kom" not in text and "kvitter for den" in parts(norwegian)[0]
    assert [(m.state, m.attempts) for m in mails()] == [("sent", 1), ("sent", 1)]
    assert send(runner).startswith("sent 0 mail(s)")  # sent once, however often the command runs
    assert len(inbox.messages) == 2


def test_the_mail_carries_nothing_of_the_plans_content(app, runner, inbox, reviewers):
    plan = submit_demo_draft(app)
    send(runner)
    text, html = parts(inbox.to(reviewers[0])[0])
    answers = [value for section in plan.versions[-1].content.values() for value in section.values()
               if isinstance(value, str) and len(value) > 30]
    assert answers
    for answer in answers:
        assert answer[:30] not in text and answer[:30] not in html


def test_the_mail_is_recorded_with_the_submission_and_handed_to_the_worker_after_the_commit(
        app, inbox, reviewers, monkeypatch):
    handed = []

    def submit_task(name):  # what the worker is given, and what the database holds at that moment
        with db.engine.connect() as connection:
            handed.append((name, connection.scalar(select(db.func.count()).select_from(MailMessage))))

    monkeypatch.setattr(queue, "submit_task", submit_task)
    submit_demo_draft(app)
    assert handed == [("planbuilder.services.mail.outbox.deliver", 2)]
    assert outbox.deliver() == outbox.Delivered(sent=2, failed=0)
    assert len(inbox.messages) == 2


def test_without_mail_url_the_mail_is_written_to_the_outbox(app, runner, reviewers, tmp_path):
    app.config["MAIL_URL"] = ""
    plan = submit_demo_draft(app)
    send(runner)
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 2 and not list((tmp_path / "outbox").glob(".*"))  # no half-written file left
    written = [message_from_bytes(path.read_bytes(), policy=default_policy) for path in files]
    assert sorted(message["To"] for message in written) == sorted(reviewers)
    text, html = parts(written[0])
    assert url_for("review.summary", version_id=plan.versions[-1].id, _external=True) in text and "<a href=" in html
    assert [m.state for m in mails()] == ["sent", "sent"]
    admin = app.test_client()
    sign_in_as(admin, "admin@demo.example")
    assert "No mail server is configured (MAIL_URL)" in page_text(admin.get(url_for("admin.mail")))


# --- failures --------------------------------------------------------------------------------------------------

def test_a_refused_mail_stays_failed_with_the_reason_and_a_retry_sends_it_once(app, runner, inbox, reviewers):
    inbox.refuse = "550 5.1.1 Mailbox unavailable"
    submit_demo_draft(app)
    assert "sent 0 mail(s), 2 failed" in send(runner)
    failed = mails()
    assert [(m.state, m.attempts) for m in failed] == [("failed", 1), ("failed", 1)]
    assert failed[0].last_error == "550 5.1.1 Mailbox unavailable" and failed[0].next_attempt_at is not None

    inbox.refuse = None
    assert "sent 2 mail(s), 0 failed" in send(runner)
    send(runner)
    assert sorted(address for address, _ in inbox.messages) == sorted(reviewers)
    assert [(m.state, m.attempts) for m in mails()] == [("sent", 2), ("sent", 2)]


def test_a_server_that_is_down_is_a_failure_and_the_attempts_are_bounded(app, runner, reviewers):
    app.config.update(MAIL_URL=f"smtp://127.0.0.1:{free_port()}?timeout=2", MAIL_MAX_ATTEMPTS=2)
    submit_demo_draft(app)
    send(runner)
    send(runner)
    assert "sent 0 mail(s), 0 failed" in send(runner)  # given up: no third attempt
    for mail in mails():
        assert (mail.state, mail.attempts, mail.next_attempt_at) == ("failed", 2, None)
        assert "ConnectionRefusedError" in mail.last_error


def test_a_mail_claimed_by_another_deliverer_is_not_sent_again(app, runner, inbox, reviewers):
    submit_demo_draft(app)
    for mail in mails():
        mail.state = "sending"  # another process has it now
    db.session.commit()
    send(runner)
    assert inbox.messages == []


def test_a_mail_whose_deliverer_stopped_mid_send_is_tried_again(app, runner, inbox, reviewers):
    submit_demo_draft(app)
    for mail in mails():
        mail.state, mail.attempts = "sending", 1
        mail.attempted_at = utcnow() - outbox.INTERRUPTED_AFTER - timedelta(minutes=1)
    db.session.commit()
    send(runner)  # finds them stuck: failed, due again after the pause
    assert {(m.state, m.last_error) for m in mails()} == {("failed", outbox.INTERRUPTED)}
    send(runner)
    assert len(inbox.messages) == 2 and {(m.state, m.attempts) for m in mails()} == {("sent", 2)}


# --- configuration ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["smtp//mail.example.org", "http://mail.example.org", "smtp://:587",
                                 "smtp://mail.example.org:port", "smtp://mail.example.org?tls=1",
                                 "smtps://mail.example.org?starttls=1"])
def test_a_mail_url_that_does_not_parse_stops_the_start_naming_it(database_url, translations_dir, url):
    with pytest.raises(SystemExit) as stopped:
        make_app(database_url, translations_dir, MAIL_URL=url, MAIL_FROM=SENDER)
    message = str(stopped.value)
    assert message.startswith("Planbuilder cannot start:\nMAIL_URL ") and "smtp://user:password@" in message


def test_the_mail_url_comes_from_the_environment_and_its_password_is_never_shown(monkeypatch, tmp_path):
    monkeypatch.setenv("PLANBUILDER_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("MAIL_URL", "smtp://user:secret-word@mail.example.org:port")
    with pytest.raises(SystemExit) as stopped:
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert "MAIL_URL" in str(stopped.value) and "secret-word" not in str(stopped.value)


def test_a_mail_server_needs_a_sender(database_url, translations_dir):
    with pytest.raises(SystemExit, match="MAIL_FROM"):
        make_app(database_url, translations_dir, MAIL_URL="smtps://user:pw@mail.example.org", MAIL_FROM="")


# --- the embedded worker ---------------------------------------------------------------------------------------

def test_the_embedded_worker_delivers_after_the_commit(app, smtp_server, tmp_path):
    handler, url = smtp_server
    embedded = make_app(app.config["SQLALCHEMY_DATABASE_URI"], app.config["BABEL_TRANSLATION_DIRECTORIES"],
                        JOB_QUEUE="embedded", MAIL_URL=url, MAIL_FROM=SENDER)
    try:
        with embedded.app_context():
            town = accounts.create_municipality("Mailby kommun", "SE", "sv")
            person = accounts.create_user("person@mailby.example", "Person", "another-long-password", town,
                                          "reviewer")
            outbox.add(person, town.id, "test", "Hello", "Hello in text", "<p>Hello in HTML</p>")
            assert handler.messages == []
            db.session.commit()  # the commit hands the delivery to the worker thread
        deadline = time.monotonic() + 10
        while not handler.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        [(address, message)] = handler.messages
        assert address == "person@mailby.example" and message["Subject"] == "Hello"
    finally:
        queue.stop_embedded_workers()
    assert [(m.state, m.attempts) for m in mails()] == [("sent", 1)]


def test_with_redis_the_commit_queues_one_task_for_the_worker(app, inbox, reviewers):
    from redis import Redis
    from redis.exceptions import RedisError

    url = "redis://127.0.0.1:6379/13"  # a database of its own: the job tests use 15
    try:
        Redis.from_url(url).flushdb()
    except RedisError:
        missing_tool("Redis is not running on 127.0.0.1:6379")
    app.config.update(JOB_QUEUE="redis", QUEUE_URL=url)
    try:
        outbox.add(accounts.find_user(reviewers[0]), demo_plan().municipality_id, "test", "Hello", "Hi", "<p>Hi</p>")
        db.session.commit()
        assert [job.func_name for job in queue.rq_queue(app).jobs] == ["planbuilder.services.mail.outbox.deliver"]
        queue.work_on_redis(app, burst=True)
        assert [address for address, _ in inbox.messages] == [reviewers[0]]
        assert [m.state for m in mails()] == ["sent"]
    finally:
        Redis.from_url(url).flushdb()


# --- the admins' list ------------------------------------------------------------------------------------------

def test_admins_see_their_municipalitys_mail_and_no_one_elses(app, runner, inbox, reviewers):
    plan = submit_demo_draft(app)
    inbox.refuse = "550 5.1.1 Mailbox unavailable"
    send(runner)
    admin = app.test_client()
    sign_in_as(admin, "admin@demo.example")
    users_page = admin.get(url_for("admin.users")).get_data(as_text=True)
    assert f'href="{url_for("admin.mail")}"' in users_page
    shown = page_text(admin.get(url_for("admin.mail")))
    assert "Sent e-mail" in shown and f"For review: {plan.title}" not in shown  # in the reviewer's language
    assert f"Att granska: {plan.title}" in shown and "granskare2@demo.example" in shown
    assert "Not sent" in shown and "550 5.1.1 Mailbox unavailable" in shown and "next attempt" in shown

    other = app.test_client()
    sign_in_as(other, "admin@fjellvik.example")
    assert other.get(url_for("admin.mail")).status_code == 200
    assert "granskare2@demo.example" not in page_text(other.get(url_for("admin.mail")))
    for email in ("editor@demo.example", "reviewer@demo.example"):
        outsider = app.test_client()
        sign_in_as(outsider, email, DEMO_PASSWORD)
        assert outsider.get(url_for("admin.mail")).status_code in (403, 404)


def test_deactivated_and_other_municipalities_reviewers_get_nothing(app, runner, inbox, reviewers):
    submit_demo_draft(app)
    send(runner)
    recipients = {address for address, _ in inbox.messages}
    assert recipients == set(reviewers)
    assert db.session.scalar(select(User).where(User.email == "reviewer@fjellvik.example")) is not None


def test_a_mail_to_someone_deactivated_after_it_was_queued_is_not_sent_and_admins_see_why(app, runner, inbox,
                                                                                         reviewers):
    submit_demo_draft(app)
    accounts.find_user("granskare2@demo.example").active = False  # before the worker got to it
    db.session.commit()
    send(runner)
    assert {address for address, _ in inbox.messages} == {"reviewer@demo.example"}
    [kept] = [mail for mail in mails() if mail.recipient == "granskare2@demo.example"]
    assert kept.state == "failed" and kept.next_attempt_at is None  # not tried again
    admin = app.test_client()
    sign_in_as(admin, "admin@demo.example", DEMO_PASSWORD)
    assert "Not sent: the account was deactivated" in page_text(admin.get(url_for("admin.mail")))
