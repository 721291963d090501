"""Handing one composed message over: to the SMTP server at MAIL_URL, or without one to a .eml file in the
outbox folder (instance/outbox/), so the embedded default shows what would have been sent."""
from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

from flask import current_app

from ...config import MailServer, mail_server
from ...models import MailMessage


class NotDelivered(Exception):
    """The server refused the message or could not be reached; the message says why, for the admins' list."""


def email_of(mail: MailMessage) -> EmailMessage:
    """The stored mail as a MIME message: plain text, with the HTML as its alternative."""
    sender = current_app.config["MAIL_FROM"]
    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = sender
    message["To"] = mail.recipient
    message["Date"] = format_datetime(mail.created_at)
    # The same on every attempt: a mail sent again after a crash mid-send is one message to the reader's program.
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<planbuilder.{mail.id}.{mail.created_at:%Y%m%d%H%M%S}@{domain}>"
    message.set_content(mail.body_text)
    message.add_alternative(mail.body_html, subtype="html")
    return message


def outbox_file(mail: MailMessage) -> Path:
    return Path(current_app.config["MAIL_OUTBOX_DIR"]) / f"{mail.created_at:%Y%m%d-%H%M%S}-{mail.id}.eml"


def deliver(mail: MailMessage) -> None:
    """Send the mail, or without MAIL_URL write it to the outbox folder; NotDelivered says why it did not go."""
    message = email_of(mail)
    server = mail_server(current_app.config["MAIL_URL"])
    try:
        if server is None:
            _write_to_outbox(message, outbox_file(mail))
        else:
            _send(server, message)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reason = next(iter(exc.recipients.values()))
        raise NotDelivered(_reply(code, reason)) from exc
    except smtplib.SMTPResponseException as exc:
        raise NotDelivered(_reply(exc.smtp_code, exc.smtp_error)) from exc
    except (smtplib.SMTPException, OSError) as exc:  # refused connection, timeout, TLS failure, full disk
        raise NotDelivered(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from exc


def _reply(code: int, reason: bytes | str) -> str:
    text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
    return f"{code} {text}"  # the server's own words, for the admins' list


def _send(server: MailServer, message: EmailMessage) -> None:
    context = ssl.create_default_context()
    if server.ssl:
        connection = smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout, context=context)
    else:
        connection = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
    with connection:
        if server.starttls:
            connection.starttls(context=context)
        if server.user:
            connection.login(server.user, server.password or "")
        connection.send_message(message)


def _write_to_outbox(message: EmailMessage, path: Path) -> None:
    """Written whole or not at all, under a name of its own: writing the same mail again replaces the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, draft = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".eml.tmp")
    with os.fdopen(fd, "wb") as handle:
        handle.write(message.as_bytes())
    os.replace(draft, path)
