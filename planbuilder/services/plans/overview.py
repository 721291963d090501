"""Across plans: where each stands (adopted version, work in progress) and when its review is due.

When a review is due is decided once, by versions.review_status(plan): overdue after the review-by date of the
latest adopted version, due soon from DUE_SOON_DAYS before it (the day itself included), else ok.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, defer

from ...clock import local_today
from ...extensions import db
from ...models import WORKING_STATUSES, Membership, Municipality, Plan, PlanVersion, plans_of
from .. import paging
from . import versions

# A plan shows as due for review this many days before its review-by date.
REVIEW_SOON_DAYS = versions.DUE_SOON_DAYS
DASHBOARD_PAGE_SIZE = 25  # plans on a page of a municipality's dashboard
OVERVIEW_PAGE_SIZE = 25  # lines on a page of the overview: a plan, or a municipality without any
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


def _text_unloaded():
    return defer(PlanVersion.content), defer(PlanVersion.section_state)


def _versions_by_plan(plan_ids: list[int]) -> tuple[dict[int, PlanVersion], dict[int, PlanVersion]]:
    """Each plan's latest adopted version and its version in work, in one query (their texts left unloaded)."""
    adopted: dict[int, PlanVersion] = {}
    working: dict[int, PlanVersion] = {}
    if not plan_ids:
        return adopted, working
    found = db.session.scalars(
        select(PlanVersion).where(PlanVersion.plan_id.in_(plan_ids),
                                  PlanVersion.status.in_((versions.ADOPTED, *WORKING_STATUSES)))
        .options(*_text_unloaded()).order_by(PlanVersion.id))
    for version in found:  # in id order, so the latest adopted one stays
        (adopted if version.status == versions.ADOPTED else working)[version.plan_id] = version
    return adopted, working


def due_for_review(found: list[PlanStanding]) -> list[PlanStanding]:
    """Overdue and soon-due plans, the most urgent first."""
    return sorted((s for s in found if s.needs_attention), key=lambda s: (s.review_by, s.plan.title))


# --- pages: what a list shows, in the same few queries on page 1 and page 400 ---------------------------------

@dataclass(frozen=True)
class DashboardRow:
    plan: Plan
    latest: PlanVersion | None  # the newest version, whatever its status
    standing: PlanStanding


def dashboard_page(municipality_id: int, asked: int | None, today: date | None = None) -> paging.Page[DashboardRow]:
    """One page of a municipality's plans, by title, each with its newest version and where it stands."""
    page = paging.page_of(plans_of(municipality_id), asked, DASHBOARD_PAGE_SIZE)
    ids = [plan.id for plan in page.items]
    adopted, working = _versions_by_plan(ids)
    latest_ids = select(func.max(PlanVersion.id)).where(PlanVersion.plan_id.in_(ids)).group_by(PlanVersion.plan_id)
    latest = {v.plan_id: v for v in db.session.scalars(
        select(PlanVersion).where(PlanVersion.id.in_(latest_ids)).options(*_text_unloaded()))} if ids else {}
    today = today or local_today()
    rows = [DashboardRow(plan, latest.get(plan.id), _standing(plan, adopted.get(plan.id), working.get(plan.id), today))
            for plan in page.items]
    return paging.Page(rows, page.number, page.size, page.total)


@dataclass(frozen=True)
class MunicipalityPlans:
    """A municipality on a page of the overview, with those of its plans that fall on that page."""
    membership: Membership
    standings: list[PlanStanding] = field(default_factory=list)


def overview_page(user_id: int, asked: int | None, today: date | None = None) -> paging.Page[MunicipalityPlans]:
    """One page of every plan of every municipality the person belongs to, by municipality and title. A page holds
    OVERVIEW_PAGE_SIZE lines, a line being a plan or a municipality without plans (so it is listed too); a
    municipality whose plans go on over two pages heads both."""
    lines = (select(Membership, Plan).join(Municipality, Membership.municipality_id == Municipality.id)
             .outerjoin(Plan, Plan.municipality_id == Membership.municipality_id)
             .where(Membership.user_id == user_id).options(contains_eager(Membership.municipality))
             .order_by(Municipality.name, Municipality.id, Plan.title, Plan.id))
    rows, number, total = paging.rows_of(lines, asked, OVERVIEW_PAGE_SIZE)
    adopted, working = _versions_by_plan([plan.id for _, plan in rows if plan is not None])
    today = today or local_today()
    sections: list[MunicipalityPlans] = []
    for membership, plan in rows:
        if not sections or sections[-1].membership is not membership:
            sections.append(MunicipalityPlans(membership))
        if plan is not None:
            sections[-1].standings.append(_standing(plan, adopted.get(plan.id), working.get(plan.id), today))
    return paging.Page(sections, number, OVERVIEW_PAGE_SIZE, total)


def due_in(municipality_ids: list[int] | Select, today: date | None = None) -> list[PlanStanding]:
    """Overdue and soon-due plans of these municipalities (a list of ids or a query of them), the most urgent
    first: found by the database among every plan, not only those on the page shown, in two queries."""
    today = today or local_today()
    latest_adopted = (select(func.max(PlanVersion.id)).join(Plan)
                      .where(Plan.municipality_id.in_(municipality_ids), PlanVersion.status == versions.ADOPTED)
                      .group_by(PlanVersion.plan_id))
    adopted = list(db.session.scalars(
        select(PlanVersion).join(PlanVersion.plan).join(Plan.municipality)
        .where(PlanVersion.id.in_(latest_adopted),
               PlanVersion.review_by <= today + timedelta(days=REVIEW_SOON_DAYS))
        .options(contains_eager(PlanVersion.plan).contains_eager(Plan.municipality), *_text_unloaded())))
    working = {v.plan_id: v for v in db.session.scalars(
        select(PlanVersion).where(PlanVersion.plan_id.in_([v.plan_id for v in adopted]),
                                  PlanVersion.status.in_(WORKING_STATUSES)).options(*_text_unloaded()))} \
        if adopted else {}
    return due_for_review([_standing(v.plan, v, working.get(v.plan_id), today) for v in adopted])


def municipalities_of(user_id: int) -> Select:
    """The ids of the municipalities a person works for, as a query: the overview counts them and finds what is
    due among them in the database, without loading a regional coordinator's thousand memberships."""
    return select(Membership.municipality_id).where(Membership.user_id == user_id)


def count_of(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery()))
