"""Each event's mails: who gets one, and what it says, in the recipient's language.

A mail says what happened, names the plan and links to its page; it carries nothing of the plan's content, nor
of a comment's text (mail passes through servers the municipality does not run). Nobody is mailed about what they
did themselves, nor about a kind of mail they turned off on their account page (KINDS). The words are written
here, one set per event, under the recipient's locale (so through the same catalogues as the pages), and laid out
by templates/mail/message.txt and message.html.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, render_template, url_for
from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ...extensions import db
from ...locales import ui_languages
from ...models import Comment, MailOptOut, Membership, Municipality, PlanVersion, Role, User
from ..plans.plans import template_for
from . import outbox

SUBMITTED = "review.submitted"
COMMENTED = "review.comment"
ADOPTED = "version.adopted"
REVIEW_DUE = "review.due"
MEASURES_LATE = "follow_up.late"
# Every kind of mail a person can turn off on their account page, in the order it lists them.
KINDS = {SUBMITTED: _l("A plan is submitted for review (to its reviewers)"),
         COMMENTED: _l("Someone comments or replies on a plan you edit or a discussion you take part in"),
         ADOPTED: _l("A plan of your municipality is adopted"),
         REVIEW_DUE: _l("A plan you edit or administer is due for review in 60 days, and again in 14 days"),
         MEASURES_LATE: _l("A measure of a plan you edit or administer passes its deadline without being done")}


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
    _tell(_people(municipality.id, SUBMITTED, Membership.role == Role.REVIEWER.value), municipality, SUBMITTED,
          link, lambda person: Words(
              subject=_("For review: %(title)s", title=plan.title),
              paragraphs=(_("%(title)s (version %(label)s) has been submitted for review.", title=plan.title,
                            label=version.label),
                          _("Read it and leave your comments, or sign it off, on its review page.")),
              link_text=_("Open the review page"),
              why=_("You get this e-mail because you review plans for %(name)s.", name=municipality.name)))


def comment_written(comment: Comment, page: int) -> None:
    """A comment or a reply: one mail to each person in its thread and each editor of the municipality, but not
    its author (`page`: the page of the section's review page the thread is on)."""
    version = comment.version
    municipality = version.plan.municipality
    thread_id = comment.parent_id or comment.id
    in_thread = select(Comment.author_id).where(or_(Comment.id == thread_id, Comment.parent_id == thread_id))
    taking_part = set(db.session.scalars(in_thread))
    people = _people(municipality.id, COMMENTED,
                     or_(Membership.role == Role.EDITOR.value, User.id.in_(in_thread)), besides=comment.author_id)
    link = url_for("review.section", version_id=version.id, section_id=comment.section_id,
                   page=page if page > 1 else None, _anchor=f"comment-{comment.id}", _external=True)
    _tell(people, municipality, COMMENTED, link, lambda person: _comment_words(comment, person.id in taking_part))


def _comment_words(comment: Comment, taking_part: bool) -> Words:
    """Who wrote, and on which section: never what (a comment may say what the plan keeps internal)."""
    version = comment.version
    plan, municipality = version.plan, version.plan.municipality
    names = {"name": comment.author.display_name, "title": plan.title, "label": version.label,
             "section": template_for(version.template_id).section(comment.section_id).title}
    if comment.parent_id is None:
        subject = _("New comment on %(title)s", title=plan.title)
        what = _("%(name)s commented on the section “%(section)s” of %(title)s (version %(label)s).", **names)
    else:
        subject = _("New reply on %(title)s", title=plan.title)
        what = _("%(name)s replied in a discussion on the section “%(section)s” of %(title)s (version %(label)s).",
                 **names)
    return Words(subject=subject, paragraphs=(what, _("Read it, and answer if you wish, on the review page.")),
                 link_text=_("Open the comment"),
                 why=(_("You get this e-mail because you take part in this discussion.") if taking_part
                      else _("You get this e-mail because you edit plans for %(name)s.", name=municipality.name)))


def adopted(version: PlanVersion, by: User) -> None:
    """A version was adopted: one mail to everyone active in the municipality but the person who recorded it."""
    plan, municipality = version.plan, version.plan.municipality
    link = url_for("versions.show", version_id=version.id, _external=True)
    _tell(_people(municipality.id, ADOPTED, besides=by.id), municipality, ADOPTED, link, lambda person: Words(
        subject=_("Adopted: %(title)s", title=plan.title),
        paragraphs=(_("%(title)s (version %(label)s) was adopted on %(date)s and is now the plan in force.",
                      title=plan.title, label=version.label, date=format_date(version.decision_date)),),
        link_text=_("Open the adopted version"),
        why=_("You get this e-mail because you work with the plans of %(name)s.", name=municipality.name)))


def review_due(version: PlanVersion) -> int:
    """The plan in force is due for review by its review-by date (reminders.py says when): one mail to each active
    editor and admin of the municipality. Returns how many were queued."""
    plan, municipality = version.plan, version.plan.municipality
    link = url_for("versions.show", version_id=version.id, _external=True)
    people = _people(municipality.id, REVIEW_DUE, Membership.role.in_((Role.EDITOR.value, Role.ADMIN.value)))
    return _tell(people, municipality, REVIEW_DUE, link, lambda person: Words(
        subject=_("Due for review by %(date)s: %(title)s", date=format_date(version.review_by), title=plan.title),
        paragraphs=(_("%(title)s (version %(label)s) is due for review by %(date)s.", title=plan.title,
                      label=version.label, date=format_date(version.review_by)),
                    _("Start the revision in good time: a new draft begins from the adopted version.")),
        link_text=_("Open the adopted version"),
        why=_("You get this e-mail because you work with the plans of %(name)s.", name=municipality.name)))


def measures_late(version: PlanVersion, late: int) -> int:
    """`late` measures of the plan in force passed their deadline, not done (reminders.py finds them): one mail
    to each active editor and admin, with how many and a link to the follow-up, never what the measures are."""
    plan, municipality = version.plan, version.plan.municipality
    link = url_for("follow_up.plan", plan_id=plan.id, _external=True)
    people = _people(municipality.id, MEASURES_LATE, Membership.role.in_((Role.EDITOR.value, Role.ADMIN.value)))
    return _tell(people, municipality, MEASURES_LATE, link, lambda person: Words(
        subject=_("Late measures: %(title)s", title=plan.title),
        paragraphs=(ngettext("%(num)s measure of %(title)s (version %(label)s) has passed its deadline and is "
                             "not done.", "%(num)s measures of %(title)s (version %(label)s) have passed their "
                             "deadline and are not done.", late, title=plan.title, label=version.label),
                    _("Record how far they have come, and why they are late, on the plan's follow-up page.")),
        link_text=_("Open the follow-up"),
        why=_("You get this e-mail because you work with the plans of %(name)s.", name=municipality.name)))


def _tell(people: list[User], municipality: Municipality, kind: str, link: str,
          words: Callable[[User], Words]) -> int:
    """One mail to each person, its words made under their locale; how many."""
    for person in people:
        with force_locale(language_of(person, municipality)):
            add(person, municipality, kind, link, words(person))
    return len(people)


def add(person: User, municipality: Municipality, kind: str, link: str, words: Words) -> None:
    """Lay the words out as plain text and HTML, under the locale in force, and record the mail."""
    context = {"words": words, "municipality": municipality, "link": link}
    outbox.add(person, municipality.id, kind, words.subject, render_template("mail/message.txt", **context),
               render_template("mail/message.html", **context))


def _people(municipality_id: int, kind: str, *which, besides: int | None = None) -> list[User]:
    """The municipality's active people (those `which` picks, if given) who have not turned this kind of mail
    off, but the one `besides` (who did what the mail tells of): a deactivated account gets no mail."""
    turned_off = select(MailOptOut.user_id).where(MailOptOut.kind == kind)
    conditions = [Membership.municipality_id == municipality_id, User.active.is_(True), User.id.not_in(turned_off),
                  *which]
    if besides is not None:
        conditions.append(User.id != besides)
    return list(db.session.scalars(select(User).join(Membership).where(*conditions).order_by(User.id)))


def language_of(person: User, municipality: Municipality) -> str:
    """The language a person reads Planbuilder in (as i18n.select_locale): their own setting, else their
    municipality's, else the default."""
    languages = ui_languages()
    for language in (person.language, municipality.language):
        if language in languages:
            return language
    return current_app.config["BABEL_DEFAULT_LOCALE"]
