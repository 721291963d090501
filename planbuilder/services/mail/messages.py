"""Each event's mails: who gets one, and what it says, in the recipient's language.

A mail says what happened, names the plan and links to its page; it carries nothing of the plan's content
(mail passes through servers the municipality does not run). The words are written here, one set per event, under
the recipient's locale (so through the same catalogues as the pages), and laid out by templates/mail/message.txt
and message.html.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...locales import ui_languages
from ...models import Membership, Municipality, PlanVersion, Role, User
from . import outbox

SUBMITTED = "review.submitted"


@dataclass(frozen=True)
class Words:
    """What one mail says, already in its recipient's language; templates/mail/message.* lay it out."""
    subject: str
    paragraphs: tuple[str, ...]
    link_text: str
    why: str  # why this person gets it


def submitted_for_review(version: PlanVersion) -> None:
    """A version went to review: one mail to each active reviewer of the plan's municipality."""
    plan, municipality = version.plan, version.plan.municipality
    link = url_for("review.summary", version_id=version.id, _external=True)
    for person in _members(municipality.id, Role.REVIEWER):
        with force_locale(language_of(person, municipality)):
            _add(person, municipality, SUBMITTED, link, Words(
                subject=_("For review: %(title)s", title=plan.title),
                paragraphs=(_("%(title)s (version %(label)s) has been submitted for review.", title=plan.title,
                              label=version.label),
                            _("Read it and leave your comments, or sign it off, on its review page.")),
                link_text=_("Open the review page"),
                why=_("You get this e-mail because you review plans for %(name)s.", name=municipality.name)))


def _add(person: User, municipality: Municipality, kind: str, link: str, words: Words) -> None:
    """Lay the words out as plain text and HTML, under the locale in force, and record the mail."""
    context = {"words": words, "municipality": municipality, "link": link}
    outbox.add(person, municipality.id, kind, words.subject, render_template("mail/message.txt", **context),
               render_template("mail/message.html", **context))


def _members(municipality_id: int, role: Role) -> list[User]:
    """The municipality's active people in a role: a deactivated account gets no mail."""
    return list(db.session.scalars(
        select(User).join(Membership).where(Membership.municipality_id == municipality_id,
                                            Membership.role == role.value, User.active.is_(True))
        .order_by(User.id)))


def language_of(person: User, municipality: Municipality) -> str:
    """The language a person reads Planbuilder in (as i18n.select_locale): their own setting, else their
    municipality's, else the default."""
    languages = ui_languages()
    for language in (person.language, municipality.language):
        if language in languages:
            return language
    return current_app.config["BABEL_DEFAULT_LOCALE"]
