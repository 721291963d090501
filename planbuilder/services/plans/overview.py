"""Across plans: where each stands (adopted version, work in progress) and when its review is due.

When a review is due is decided once, by versions.review_status(plan): overdue after the review-by date of the
latest adopted version, due soon from DUE_SOON_DAYS before it (the day itself included), else ok.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, defer

from ...clock import local_today
from ...extensions import db
from ...models import WORKING_STATUSES, Municipality, Plan, PlanVersion
from . import versions

# A plan shows as due for review this many days before its review-by date.
REVIEW_SOON_DAYS = versions.DUE_SOON_DAYS
OVERDUE, DUE_SOON, OK = "overdue", "due_soon", "ok"


@dataclass(frozen=True)
class PlanStanding:
    plan: Plan
    adopted: PlanVersion | None  # the latest adopted version
    working: PlanVersion | None  # the draft or the version in review, if any
    state: str | None  # overdue | due_soon | ok; None before anything is adopted
    review_by: date | None
    today: date

    @property
    def days_left(self) -> int | None:
        return (self.review_by - self.today).days if self.review_by else None

    @property
    def needs_attention(self) -> bool:
        return self.state in (OVERDUE, DUE_SOON)


def standing_of(plan: Plan, today: date | None = None) -> PlanStanding:
    return _standing(plan, versions.adopted_version(plan), versions.working_version(plan), today or local_today())


def _standing(plan: Plan, adopted: PlanVersion | None, working: PlanVersion | None, today: date) -> PlanStanding:
    state, review_by = versions.review_state(adopted, today)
    return PlanStanding(plan, adopted, working, state, review_by, today)


def standings(municipality_ids: list[int], today: date | None = None) -> list[PlanStanding]:
    """Every plan of these municipalities, by municipality and title, with where it stands: in four queries
    however many plans there are (an overview of a thousand municipalities must not make thousands)."""
    if not municipality_ids:
        return []
    today = today or local_today()
    # The municipality comes with its plan from the join the order needs (a separate load goes 500 ids a query).
    plans = list(db.session.scalars(
        select(Plan).where(Plan.municipality_id.in_(municipality_ids)).join(Municipality)
        .options(contains_eager(Plan.municipality)).order_by(Municipality.name, Plan.title, Plan.id)))
    adopted, working = _versions_by_plan([plan.id for plan in plans])
    return [_standing(plan, adopted.get(plan.id), working.get(plan.id), today) for plan in plans]


def _versions_by_plan(plan_ids: list[int]) -> tuple[dict[int, PlanVersion], dict[int, PlanVersion]]:
    """Each plan's latest adopted version and its version in work, in one query (their texts left unloaded)."""
    adopted: dict[int, PlanVersion] = {}
    working: dict[int, PlanVersion] = {}
    if not plan_ids:
        return adopted, working
    found = db.session.scalars(
        select(PlanVersion).where(PlanVersion.plan_id.in_(plan_ids),
                                  PlanVersion.status.in_((versions.ADOPTED, *WORKING_STATUSES)))
        .options(defer(PlanVersion.content), defer(PlanVersion.section_state)).order_by(PlanVersion.id))
    for version in found:  # in id order, so the latest adopted one stays
        (adopted if version.status == versions.ADOPTED else working)[version.plan_id] = version
    return adopted, working


def by_municipality(found: list[PlanStanding]) -> dict[int, list[PlanStanding]]:
    """The standings per municipality id, each list in the order given: looked up per municipality, not searched
    for (a search per municipality through every plan is a million steps at a thousand municipalities)."""
    grouped: dict[int, list[PlanStanding]] = {}
    for standing in found:
        grouped.setdefault(standing.plan.municipality_id, []).append(standing)
    return grouped


def due_for_review(found: list[PlanStanding]) -> list[PlanStanding]:
    """Overdue and soon-due plans, the most urgent first."""
    return sorted((s for s in found if s.needs_attention), key=lambda s: (s.review_by, s.plan.title))
