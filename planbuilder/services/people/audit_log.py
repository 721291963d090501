"""The audit log as people read it: one sentence per event in the reader's language, its plan, version and person
linked, and readable names for the action filter. The log itself stays as recorded (audit.py); this only reads it.

The objects a page of events names are loaded together (a few queries per page, whatever is on it).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import and_, or_, select

from ...extensions import db
from ...models import AuditEvent, Membership, Plan, PlanVersion, User
from ..plans.plans import UnknownTemplateError, template_for

# The filter choice for every sign-in event; the log without a filter leaves them out (they would bury the rest).
SIGN_INS = "sign-ins"
SIGN_IN_PREFIX = "auth."

ACTION_NAMES = {
    "plan.create": _l("Plan created"),
    "plan.import": _l("Plan imported"),
    "section.edit": _l("Section changed"),
    "section.confirm": _l("Section confirmed as still valid"),
    "version.submit": _l("Submitted for review"),
    "version.withdraw": _l("Taken back from review"),
    "version.adopt": _l("Plan adopted"),
    "version.freeze": _l("Adopted documents frozen"),
    "version.correct_decision": _l("Recorded decision corrected"),
    "plan.publish": _l("Plan published"),
    "plan.withdraw_publication": _l("Publication withdrawn"),
    "version.supersede": _l("Version replaced by a newer one"),
    "version.revision_start": _l("Revision started"),
    "version.relabel": _l("Version renamed"),
    "comment.create": _l("Comment written"),
    "comment.reply": _l("Comment answered"),
    "comment.resolve": _l("Comment resolved"),
    "comment.reopen": _l("Comment reopened"),
    "review.signoff": _l("Review signed off"),
    "share.create": _l("Share link made"),
    "share.revoke": _l("Share link revoked"),
    "share.used": _l("Share link opened"),
    "follow_up.record": _l("Follow-up recorded"),
    "user.create": _l("Account created"),
    "user.update": _l("Account details changed"),
    "user.role_change": _l("Role changed"),
    "user.deactivate": _l("Account deactivated"),
    "user.reactivate": _l("Account reactivated"),
    "user.sign_in_link": _l("Sign-in link made"),
    "user.password_change": _l("Password changed"),
    "user.password_set": _l("Password chosen"),
    "user.password_reset_requested": _l("New password asked for"),
    "user.password_reset": _l("Password reset by e-mail"),
    "user.mail_preferences": _l("E-mail choices changed"),
    "membership.invite": _l("Invitation sent"),
    "membership.create": _l("Member added"),
    "membership.decline": _l("Invitation declined"),
    "membership.remove": _l("Member removed"),
    "municipality.create": _l("Municipality created"),
    "backup.export": _l("Backup made"),
    "backup.restore": _l("Backup restored"),
    "auth.sign_in": _l("Signed in"),
    "auth.sign_in_failed": _l("Sign-in failed"),
    "auth.sign_in_limited": _l("Sign-in attempts limited"),
    "auth.password_reset_limited": _l("Requests for a new password limited"),
}

# %(who)s is the person who acted; %(plan)s the plan; %(version)s the plan and version; %(section)s a section;
# %(person)s the account acted on. Each is filled in as a link where the reader may open it.
SENTENCES = {
    "plan.create": _l("%(who)s created the plan %(plan)s."),
    "plan.import": _l("The plan %(plan)s was imported from a file."),
    "section.edit": _l("%(who)s changed the section %(section)s in %(version)s."),
    "section.confirm": _l("%(who)s confirmed the section %(section)s in %(version)s as still valid."),
    "version.submit": _l("%(who)s submitted %(version)s for review."),
    "version.withdraw": _l("%(who)s took %(version)s back from review."),
    "version.adopt": _l("%(who)s recorded the adoption of %(version)s (%(decision)s)."),
    "version.freeze": _l("The documents of %(version)s were frozen as adopted."),
    "version.correct_decision": _l("%(who)s corrected the recorded decision of %(version)s. Reason: %(reason)s"),
    "plan.publish": _l("%(who)s published the public edition of %(version)s on the public site."),
    "plan.withdraw_publication": _l("%(who)s withdrew %(plan)s from the public site."),
    "version.supersede": _l("%(version)s was replaced by a newly adopted version."),
    "version.revision_start": _l("%(who)s started the revision %(version)s."),
    "version.relabel": _l("%(who)s renamed %(version)s (it was called “%(old)s”)."),
    "comment.create": _l("%(who)s commented on the section %(section)s in %(version)s."),
    "comment.reply": _l("%(who)s answered a comment on the section %(section)s in %(version)s."),
    "comment.resolve": _l("%(who)s resolved a comment on the section %(section)s in %(version)s."),
    "comment.reopen": _l("%(who)s reopened a comment on the section %(section)s in %(version)s."),
    "review.signoff": _l("%(who)s signed off the review of %(version)s."),
    "share.create": _l("%(who)s made a share link to %(version)s."),
    "share.revoke": _l("%(who)s revoked a share link to %(version)s."),
    "share.used": _l("A share link to %(version)s was opened."),
    "follow_up.record": _l("%(who)s recorded a follow-up of “%(measure)s” in %(version)s."),
    "user.create": _l("%(who)s created an account for %(person)s."),
    "user.update": _l("%(who)s changed the account details of %(person)s."),
    "user.role_change": _l("%(who)s changed the role of %(person)s."),
    "user.deactivate": _l("%(who)s deactivated the account of %(person)s."),
    "user.reactivate": _l("%(who)s reactivated the account of %(person)s."),
    "user.sign_in_link": _l("%(who)s made a sign-in link for %(person)s."),
    "user.password_change": _l("%(who)s changed their password."),
    "user.password_set": _l("%(who)s chose a password with a sign-in link."),
    "user.password_reset_requested": _l("A new password was asked for on behalf of %(person)s."),
    "user.password_reset": _l("%(who)s chose a new password with a link sent by e-mail."),
    "user.mail_preferences": _l("%(who)s changed which e-mails they get."),
    "membership.invite": _l("%(who)s invited %(person)s to work here."),
    "membership.create": _l("%(person)s became a member here."),
    "membership.decline": _l("%(person)s declined the invitation to work here."),
    "membership.remove": _l("%(who)s removed %(person)s from this municipality."),
    "municipality.create": _l("The municipality was created."),
    "backup.export": _l("A backup of the municipality was made."),
    "backup.restore": _l("The municipality was restored from a backup."),
    "auth.sign_in": _l("%(who)s signed in."),
    "auth.sign_in_failed": _l("A sign-in as %(person)s failed."),
    "auth.sign_in_limited": _l("Sign-in attempts as %(person)s were limited after too many tries."),
    "auth.password_reset_limited": _l("Requests for a new password for %(person)s were limited after too many "
                                      "tries."),
}

# The objects whose events point at a version through their detail rather than as the event's object.
_VERSION_IN_DETAIL = ("Comment", "ShareLink", "ReviewSignoff", "FollowUpEntry")


def about_plan(plan_id: int):
    """The condition for a plan's events: on the plan, on one of its versions, or on what belongs to a version
    (a comment, a share link, a sign-off, a follow-up), which names its version in the detail."""
    versions = select(PlanVersion.id).where(PlanVersion.plan_id == plan_id)
    return or_(and_(AuditEvent.object_type == "Plan", AuditEvent.object_id == plan_id),
               and_(AuditEvent.object_type == "PlanVersion", AuditEvent.object_id.in_(versions)),
               and_(AuditEvent.object_type.in_(_VERSION_IN_DETAIL),
                    AuditEvent.detail["version"].as_integer().in_(versions)))


def action_name(action: str) -> str:
    name = ACTION_NAMES.get(action)
    return str(name) if name is not None else action


def action_choices(actions: list[str]) -> list[tuple[str, str]]:
    """The filter's choices for the actions in a log: sign-ins as one choice, the rest by their readable name."""
    named = sorted(((action, action_name(action)) for action in actions if not action.startswith(SIGN_IN_PREFIX)),
                   key=lambda choice: choice[1].lower())
    if any(action.startswith(SIGN_IN_PREFIX) for action in actions):
        named.append((SIGN_INS, gettext("Sign-ins (successful and failed)")))
    return named


@dataclass
class _Named:
    """What a page of events names, loaded at once."""
    versions: dict[int, PlanVersion] = field(default_factory=dict)
    plans: dict[int, Plan] = field(default_factory=dict)
    people: dict[int, User] = field(default_factory=dict)
    members: set[int] = field(default_factory=set)


def _version_id(event: AuditEvent) -> int | None:
    if event.object_type == "PlanVersion":
        return event.object_id
    if event.object_type in _VERSION_IN_DETAIL and isinstance((event.detail or {}).get("version"), int):
        return event.detail["version"]
    return None


def _load(events: list[AuditEvent], municipality_id: int) -> _Named:
    """Four queries, whatever the page holds (so a page costs the same at any size of the log)."""
    named = _Named()
    version_ids = {vid for vid in map(_version_id, events) if vid}
    named.versions = {version.id: version for version in db.session.scalars(
        select(PlanVersion).where(PlanVersion.id.in_(version_ids)))}
    plan_ids = {e.object_id for e in events if e.object_type == "Plan"} | {
        v.plan_id for v in named.versions.values()}
    named.plans = {plan.id: plan for plan in db.session.scalars(
        select(Plan).where(Plan.id.in_(plan_ids), Plan.municipality_id == municipality_id))}
    people_ids = {e.object_id for e in events if e.object_type == "User"}
    named.people = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(people_ids)))}
    named.members = set(db.session.scalars(select(Membership.user_id).where(
        Membership.municipality_id == municipality_id)))
    return named


def _link(text: str, href: str | None) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, text) if href else escape(text)


def _person(user: User | None, named: _Named, fallback: str = "") -> Markup:
    if user is None:
        return escape(fallback or gettext("someone"))
    if user.id not in named.members:
        # Invited, gone, or never here: by the address an admin types, not the name the person keeps for
        # themselves (an invitation must not tell an admin who already had an account).
        return escape(user.email)
    return _link(user.display_name, url_for("admin.member", user_id=user.id))


def _plan(plan: Plan | None, fallback: str) -> Markup:
    if plan is None:
        return escape(fallback or gettext("a plan that no longer exists"))
    return _link(plan.title, url_for("wizard.overview", plan_id=plan.id))


def _version(version: PlanVersion | None, named: _Named) -> Markup:
    plan = named.plans.get(version.plan_id) if version is not None else None
    if plan is None:  # deleted since, or (never) another municipality's
        return escape(gettext("a version that no longer exists"))
    text = gettext("%(plan)s, version %(label)s", plan=plan.title, label=version.label)
    return _link(text, url_for("versions.show", version_id=version.id))


def _section(version: PlanVersion | None, section_id: str | None) -> Markup | str:
    if not section_id:
        return ""
    try:
        section = template_for(version.template_id).section(section_id) if version is not None else None
    except UnknownTemplateError:
        section = None
    # <q>: the browser quotes it the way of the page's language (”…” in Swedish, «…» in Norwegian).
    return Markup("<q>{}</q>").format(section.title) if section is not None else section_id


def _values(event: AuditEvent, named: _Named) -> dict[str, Markup | str]:
    detail = event.detail or {}
    version = named.versions.get(_version_id(event) or 0)
    subject = named.people.get(event.object_id) if event.object_type == "User" else None
    decision = ", ".join(str(detail[key]) for key in ("decision_body", "decision_paragraph", "decision_date")
                         if detail.get(key))
    return {
        "who": _person(event.user, named, "Planbuilder"),  # the product, acting on its own
        "person": _person(subject, named, str(detail.get("email") or "")),
        "plan": _plan(named.plans.get(event.object_id) if event.object_type == "Plan" else None,
                      str(detail.get("title") or "")),
        "version": _version(version, named),
        "section": _section(version, detail.get("section")),
        "measure": str(detail.get("measure") or ""),
        "decision": decision,
        "old": str(detail.get("old") or ""),
        "reason": str(detail.get("reason") or ""),
    }


def sentences(events: list[AuditEvent], municipality_id: int) -> dict[int, Markup]:
    """Each event's sentence, by event id; an action this release does not know keeps its recorded name."""
    named = _load(events, municipality_id)
    found = {}
    for event in events:
        sentence = SENTENCES.get(event.action)
        if sentence is None:
            found[event.id] = Markup("<code>{}</code>").format(event.action)
            continue
        # The translation is text: escaped first, then the values go in (escaped unless they are links).
        found[event.id] = Markup(escape(str(sentence))) % _values(event, named)
    return found
