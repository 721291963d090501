"""Plans and their versions: creating, listing, reading content safely."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from ...clock import local_today
from ...extensions import db
from ...models import (
    WORKING_STATUSES,
    Municipality,
    Plan,
    PlanVersion,
    User,
    VersionStatus,
    latest_version_of,
)
from ...plan_templates import PlanTemplate
from ..people import audit
from .content import content_problems
from .labels import first_label

TITLE_MAX_LENGTH = 300


class PlanError(ValueError):
    """A refused plan operation; the message is shown to the person who asked."""


class UnknownTemplateError(PlanError):
    pass


def templates() -> dict[str, PlanTemplate]:
    return current_app.extensions["plan_templates"]


def template_for(template_id: str) -> PlanTemplate:
    found = templates().get(template_id)
    if found is None:
        raise UnknownTemplateError(f"There is no plan template '{template_id}'.")
    return found


def templates_for_country(country: str) -> list[PlanTemplate]:
    return sorted((t for t in templates().values() if t.country == country), key=lambda t: t.title)


def create_plan(municipality: Municipality, template_id: str, title: str, user: User | None,
                content: dict | None = None) -> Plan:
    """A new plan with its first draft version, optionally pre-filled (content is checked first)."""
    template = template_for(template_id)
    title = title.strip()
    if not title:
        raise PlanError("Give the plan a title.")
    if len(title) > TITLE_MAX_LENGTH:
        raise PlanError(f"The title can have at most {TITLE_MAX_LENGTH} characters.")
    content = content or {}
    problems = content_problems(template, content)
    if problems:
        raise PlanError("The content does not fit the template: " + "; ".join(problems[:5]))
    user_id = user.id if user else None
    plan = Plan(municipality_id=municipality.id, template_id=template.id, title=title, created_by_id=user_id)
    version = PlanVersion(
        plan=plan, label=first_label(template, local_today()), status=VersionStatus.DRAFT.value, content=content,
        template_id=template.id, template_revision=template.revision,
        created_by_id=user_id, updated_by_id=user_id,
    )
    db.session.add_all([plan, version])
    db.session.flush()
    audit.record("plan.create", user_id=user_id, municipality_id=municipality.id, obj=plan,
                 template=template.id, title=title)
    db.session.commit()
    return plan


def latest_version(plan: Plan) -> PlanVersion | None:
    return db.session.scalar(latest_version_of(plan.id))


def current_version(plan: Plan) -> PlanVersion | None:
    """The version people work on: the draft or the one in review, else the latest (one row, one query)."""
    working = db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan.id,
                                                          PlanVersion.status.in_(WORKING_STATUSES)))
    return working or latest_version(plan)


def versions_of(plan: Plan) -> list[PlanVersion]:
    return list(db.session.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan.id)
                                   .order_by(PlanVersion.id)))


def all_plans() -> list[Plan]:
    return list(db.session.scalars(select(Plan).join(Municipality).order_by(Municipality.name, Plan.id)))


def stored_content_problems(version: PlanVersion) -> list[str]:
    """Problems of a stored version against its template (empty when it fits)."""
    try:
        template = template_for(version.template_id)
    except UnknownTemplateError as exc:
        return [str(exc)]
    return content_problems(template, version.content)
