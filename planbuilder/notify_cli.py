"""`flask --app app notify …`: the date-driven mail, for a daily cron job (registered with the others in cli.py)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from .services.mail import reminders

notify_cli = AppGroup("notify", help="Mail that the calendar brings (run daily by cron).")


@notify_cli.command("due")
def notify_due() -> None:
    """Queue the reminders due today (review-by date in 60 and in 14 days, measures newly late); each is sent
    once, however often this runs. The worker, or `mail send`, delivers them."""
    reminded = reminders.send_due()
    click.echo(f"queued {reminded.mails} mail(s) for {reminded.versions} review-by reminder(s) and "
               f"{reminded.late} late measure(s)")
