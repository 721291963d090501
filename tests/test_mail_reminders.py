"""Date-driven mail: `flask --app app notify due`, run daily by cron, reminds the editors and admins of a plan in
force 60 and 14 days before its review-by date; each reminder once, however often the command runs; none to
reviewers, to those who turned it off, for a superseded version or an overdue plan."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import url_for
from sqlalchemy import update

from planbuilder import clock
from planbuilder.extensions import db
from planbuilder.models import MailReminder, PlanVersion, VersionStatus
from planbuilder.services.mail import messages, preferences, reminders
from planbuilder.services.people import accounts
from tests.conftest import SENDER
from tests.test_mail import mails, parts, send

EDITORS = ["admin@demo.example", "editor@demo.example"]  # Ekdala's demo admin and editor, not its reviewer


@pytest.fixture
def app_config(tmp_path) -> dict:
    return {"MAIL_FROM": SENDER, "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"), "BASE_URL": "https://plans.example.org"}


@pytest.fixture
def in_force(seeded):
    """Ekdala's plan adopted in 2025 (its revision is a draft), the plan in force."""
    [version] = db.session.scalars(db.select(PlanVersion).where(PlanVersion.status == VersionStatus.ADOPTED.value))
    return version


def on(monkeypatch, day):
    monkeypatch.setattr(clock, "local_today", lambda: day)


def notify(runner) -> str:
    result = runner.invoke(args=["notify", "due"])
    assert result.exit_code == 0, result.output
    return result.output


def reminded() -> list[str]:
    return sorted(mail.recipient for mail in mails() if mail.kind == messages.REVIEW_DUE)


def test_sixty_days_before_each_editor_and_admin_gets_one_reminder_in_their_language(app, runner, inbox, in_force,
                                                                                     monkeypatch):
    accounts.find_user("editor@demo.example").language = "sv"
    db.session.commit()
    on(monkeypatch, in_force.review_by - timedelta(days=60))
    assert notify(runner) == "queued 2 mail(s) for 1 review-by reminder(s) and 0 late measure(s)\n"
    assert reminded() == EDITORS  # the reviewer gets none
    assert notify(runner) == "queued 0 mail(s) for 0 review-by reminder(s) and 0 late measure(s)\n"  # twice: one
    send(runner)
    [english], [swedish] = inbox.to("admin@demo.example"), inbox.to("editor@demo.example")
    assert not inbox.to("reviewer@demo.example")
    title = in_force.plan.title
    assert english["Subject"].startswith("Due for review by ") and english["Subject"].endswith(title)
    text, html = parts(english)
    # The link is built under BASE_URL, there being no request to take the address from.
    link = f"https://plans.example.org{url_for('versions.show', version_id=in_force.id)}"
    assert link in text and f'href="{link}"' in html and f"(version {in_force.label})" in text
    assert '<html lang="sv">' in parts(swedish)[1] and '<html lang="en">' in html
    assert "Kommunfullmäktige" not in text  # nothing of the plan's content beyond its title


def test_the_fourteen_day_reminder_follows_and_a_missed_day_is_made_up(app, runner, in_force, monkeypatch):
    on(monkeypatch, in_force.review_by - timedelta(days=58))  # cron did not run on the 60th day
    assert "queued 2 mail(s)" in notify(runner)
    on(monkeypatch, in_force.review_by - timedelta(days=15))
    assert "queued 0 mail(s)" in notify(runner)
    on(monkeypatch, in_force.review_by - timedelta(days=14))
    assert "queued 2 mail(s)" in notify(runner)
    assert "queued 0 mail(s)" in notify(runner)
    assert reminded() == sorted(EDITORS * 2)
    assert sorted(r.kind for r in db.session.scalars(db.select(MailReminder))) == ["review.14", "review.60"]


def test_an_overdue_plan_gets_no_reminder_and_one_found_late_gets_only_the_nearest(app, runner, in_force,
                                                                                    monkeypatch):
    on(monkeypatch, in_force.review_by + timedelta(days=1))
    assert "queued 0 mail(s)" in notify(runner)
    on(monkeypatch, in_force.review_by - timedelta(days=10))  # first seen inside the 14 days: one reminder
    assert "queued 2 mail(s) for 1 " in notify(runner)
    on(monkeypatch, in_force.review_by - timedelta(days=5))
    assert "queued 0 mail(s)" in notify(runner)


def test_nobody_who_turned_it_off_and_no_superseded_version(app, runner, in_force, monkeypatch):
    preferences.set_kinds_wanted(accounts.find_user("admin@demo.example"), [messages.SUBMITTED])
    on(monkeypatch, in_force.review_by - timedelta(days=60))
    assert "queued 1 mail(s)" in notify(runner)
    assert reminded() == ["editor@demo.example"]

    db.session.execute(update(PlanVersion).where(PlanVersion.id == in_force.id)
                       .values(status=VersionStatus.SUPERSEDED.value))
    db.session.commit()
    on(monkeypatch, in_force.review_by - timedelta(days=14))
    assert "queued 0 mail(s)" in notify(runner)


def test_a_run_that_finds_the_reminder_queued_meanwhile_sends_nothing(app, in_force, monkeypatch):
    """Two runs at once: both see the reminder due; the second to write its record is refused by the key."""
    day = in_force.review_by - timedelta(days=60)
    on(monkeypatch, day)
    [(version_id, kind)] = reminders._due(day)
    with reminders.links_from_command():
        assert reminders._remind(version_id, kind) == 2
        assert reminders._remind(version_id, kind) is None
    assert reminded() == EDITORS


def test_the_account_page_offers_to_turn_the_reminder_off(app, seeded):
    assert messages.REVIEW_DUE in preferences.kinds_wanted(accounts.find_user("editor@demo.example"))


def late_mails() -> list[str]:
    return sorted(mail.recipient for mail in mails() if mail.kind == messages.MEASURES_LATE)


def test_a_measure_passing_its_deadline_is_told_once_to_editors_and_admins(app, runner, inbox, in_force,
                                                                           monkeypatch):
    """The demo's routine for concerns (due 2026-10-30, not started) is late on 1 November; its training
    (due 2026-12-18, ongoing) on 20 December: each is told of once, in a mail that names no measure."""
    on(monkeypatch, date(2026, 11, 1))
    assert notify(runner) == "queued 2 mail(s) for 0 review-by reminder(s) and 1 late measure(s)\n"
    assert late_mails() == EDITORS
    assert notify(runner) == "queued 0 mail(s) for 0 review-by reminder(s) and 0 late measure(s)\n"
    send(runner)
    [mail] = inbox.to("editor@demo.example")
    text, html = parts(mail)
    assert "1 measure of Handlingsplan mot våldsbejakande extremism 2025–2026 (version 2025) has passed its " \
           "deadline and is not done." in text
    assert url_for("follow_up.plan", plan_id=in_force.plan_id) in text
    assert "rutin" not in text and "rutin" not in html  # what the measure is stays in the plan
    admin = accounts.find_user("admin@demo.example")
    preferences.set_kinds_wanted(admin, [k for k in messages.KINDS if k != messages.MEASURES_LATE])
    on(monkeypatch, date(2026, 12, 20))
    assert notify(runner) == "queued 1 mail(s) for 0 review-by reminder(s) and 1 late measure(s)\n"
    kinds = db.session.scalars(db.select(MailReminder.kind).where(MailReminder.version_id == in_force.id))
    assert sum(kind.startswith(reminders.LATE) for kind in kinds) == 2
