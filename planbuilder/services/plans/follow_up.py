"""Follow-up of the adopted plan between revisions: each measure's dated entries, what is late, and the next
revision's starting point.

The measures are the rows of a template's follow-up group (`follow_up: true`, fields/group.py). The adopted
version is frozen; an entry is stored beside it (FollowUpEntry) and only for the plan's current adopted version:
an earlier, superseded version is history and keeps the follow-up it had.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ...clock import local_today
from ...extensions import db
from ...fields.group import FOLLOW_UP_CLOSED
from ...models import FollowUpEntry, Plan, PlanVersion, User, VersionStatus
from ...plan_templates import Field, PlanTemplate, Section
from ..people import audit
from .plans import template_for

COMMENT_MAX_LENGTH = 2000
ADOPTED = VersionStatus.ADOPTED.value


class FollowUpRefused(ValueError):
    """An entry that cannot be recorded; `problems` maps a form field's name to its message ("" for the page)."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


@dataclass
class Measure:
    """One row of a follow-up group, with what its follow-up says."""
    section: Section
    group: Field
    row_id: str
    number: int  # its place in the plan's list, from 1
    title: str
    owner: str
    indicator: str
    deadline: date | None
    planned_status: str | None  # as the adopted plan says
    entries: list[FollowUpEntry] = field(default_factory=list)  # newest first

    @property
    def latest(self) -> FollowUpEntry | None:
        return self.entries[0] if self.entries else None

    @property
    def status(self) -> str | None:
        return self.latest.status if self.latest else self.planned_status

    def status_label(self, status: str | None = None) -> str:
        status = status if status is not None else self.status
        return self.group.subfield("status").option_label(status) if status else _("No status given")

    def is_late(self, today: date) -> bool:
        """The deadline has passed and the measure is neither done nor dropped."""
        return self.deadline is not None and self.deadline < today and self.status not in FOLLOW_UP_CLOSED

    @property
    def status_options(self):
        return self.group.subfield("status").options


def follow_up_groups(template: PlanTemplate) -> list[tuple[Section, Field]]:
    return [(section, f) for section in template.sections for f in section.fields
            if f.is_group and f.settings.get("follow_up")]


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def measures_of(version: PlanVersion, template: PlanTemplate | None = None,
                entries: list[FollowUpEntry] | None = None) -> list[Measure]:
    """The version's measures in the plan's order, each with its entries (newest first)."""
    template = template or template_for(version.template_id)
    if entries is None:
        entries = entries_of([version.id])
    by_row: dict[str, list[FollowUpEntry]] = defaultdict(list)
    for entry in entries:
        by_row[entry.row_id].append(entry)
    measures = []
    for section, group in follow_up_groups(template):
        rows = ((version.content or {}).get(section.id) or {}).get(group.id) or []
        for number, row in enumerate((r for r in rows if isinstance(r, dict) and r.get("_id")), start=1):
            measures.append(Measure(
                section=section, group=group, row_id=row["_id"], number=number, title=_text(row.get("title")),
                owner=_text(row.get("owner")), indicator=_text(row.get("indicator")),
                deadline=_day(row.get("deadline")),
                planned_status=row.get("status") if isinstance(row.get("status"), str) else None,
                entries=by_row.get(row["_id"], [])))
    return measures


def entries_of(version_ids: list[int]) -> list[FollowUpEntry]:
    """Entries of these versions, newest first (by date, then by when they were recorded). Asked even for no
    version, so a page of plans takes as many queries whatever is on it."""
    return list(db.session.scalars(select(FollowUpEntry).where(FollowUpEntry.version_id.in_(version_ids))
                                   .order_by(FollowUpEntry.entry_date.desc(), FollowUpEntry.id.desc())))


def adopted_versions(plans: list[Plan]) -> dict[int, PlanVersion]:
    """Each plan's current adopted version, by plan id, in one query."""
    if not plans:
        return {}
    found = db.session.scalars(select(PlanVersion).where(PlanVersion.plan_id.in_([p.id for p in plans]),
                                                         PlanVersion.status == ADOPTED)
                               .order_by(PlanVersion.id))
    return {version.plan_id: version for version in found}


def late_counts(plans: list[Plan], today: date | None = None) -> dict[int, int]:
    """How many measures of each plan's adopted version are late, by plan id (plans with none left out).
    Two queries whatever the number of plans, so a list of plans can show it."""
    today = today or local_today()
    adopted = adopted_versions(plans)
    entries: dict[int, list[FollowUpEntry]] = defaultdict(list)
    for entry in entries_of([v.id for v in adopted.values()]):
        entries[entry.version_id].append(entry)
    counts = {}
    for plan_id, version in adopted.items():
        late = sum(m.is_late(today) for m in measures_of(version, entries=entries[version.id]))
        if late:
            counts[plan_id] = late
    return counts


def find_measure(version: PlanVersion, row_id: str) -> Measure | None:
    return next((m for m in measures_of(version) if m.row_id == row_id), None)


def _checked(version: PlanVersion, measure: Measure | None, entry_date: date | None, status: str | None,
             comment: str, today: date) -> dict[str, str]:
    problems = {}
    if version.status != ADOPTED:
        problems[""] = _("Only the plan's adopted version is followed up; this version is %(status)s. Record "
                         "the follow-up on the version in force.", status=_("replaced by a later adoption")
                         if version.adopted_at else _("not adopted"))
    elif measure is None:
        problems[""] = _("This measure is not part of the adopted plan.")
    if entry_date is not None and entry_date > today:
        problems["entry_date"] = _("The follow-up date cannot be in the future; enter today's date or an "
                                   "earlier one.")
    elif entry_date is not None and version.decision_date and entry_date < version.decision_date:
        problems["entry_date"] = _("The follow-up date cannot be before the plan was adopted (%(day)s).",
                                   day=version.decision_date.isoformat())
    if measure is not None and status not in {o.value for o in measure.status_options}:
        problems["status"] = _("Choose the measure's status.")
    if len(comment) > COMMENT_MAX_LENGTH:
        problems["comment"] = _("A comment can have at most %(limit)s characters; this one has %(count)s.",
                                limit=COMMENT_MAX_LENGTH, count=len(comment))
    return problems


def record(version: PlanVersion, row_id: str, user: User, *, entry_date: date, status: str, comment: str = "",
           indicator_value: Decimal | None = None, today: date | None = None) -> FollowUpEntry:
    """Record one follow-up of one measure; refused whole (FollowUpRefused) when anything is wrong."""
    measure = find_measure(version, row_id)
    comment = (comment or "").strip()
    problems = _checked(version, measure, entry_date, status, comment, today or local_today())
    if problems:
        raise FollowUpRefused(problems)
    entry = FollowUpEntry(version_id=version.id, section_id=measure.section.id, field_id=measure.group.id,
                          row_id=row_id, entry_date=entry_date, status=status, comment=comment,
                          indicator_value=float(indicator_value) if indicator_value is not None else None,
                          author_id=user.id)
    db.session.add(entry)
    db.session.flush()
    audit.record("follow_up.record", user_id=user.id, municipality_id=version.plan.municipality_id, obj=entry,
                 version=version.id, measure=measure.title[:80], status=status, date=entry_date.isoformat())
    db.session.commit()
    return entry


def carried_statuses(version: PlanVersion, content: dict) -> dict[str, list[dict]]:
    """Bring each measure's latest follow-up into a new revision's content (its status), and say so: per section
    id, a note per measure carried (row id, title, date, status, comment), kept in the draft's section_state."""
    template = template_for(version.template_id)
    carried: dict[str, list[dict]] = {}
    for measure in measures_of(version, template):
        latest = measure.latest
        rows = (content.get(measure.section.id) or {}).get(measure.group.id) or []
        row = next((r for r in rows if isinstance(r, dict) and r.get("_id") == measure.row_id), None)
        if latest is None or row is None or latest.status not in {o.value for o in measure.status_options}:
            continue
        row["status"] = latest.status
        carried.setdefault(measure.section.id, []).append({
            "row_id": measure.row_id, "title": measure.title, "date": latest.entry_date.isoformat(),
            "status": latest.status, "comment": latest.comment})
    return carried


def carried_notes(version: PlanVersion, template: PlanTemplate) -> dict[str, list[dict]]:
    """What a revision carried in from follow-up, per section id, ready to show: title, date, status label and
    comment of each measure."""
    result: dict[str, list[dict]] = {}
    for section_id, measures in ((version.section_state or {}).items()):
        carried = measures.get("carried") if isinstance(measures, dict) else None
        if not isinstance(carried, list):
            continue
        groups = [g for s, g in follow_up_groups(template) if s.id == section_id]
        status_field = groups[0].subfield("status") if groups else None
        result[section_id] = [{**note, "day": _day(note.get("date")),
                               "status_label": status_field.option_label(note.get("status", ""))
                               if status_field else note.get("status", "")} for note in carried]
    return result


def late_measures(version: PlanVersion | None, today: date | None = None) -> list[Measure]:
    """The late measures of an adopted version (none for no version)."""
    today = today or local_today()
    return [m for m in measures_of(version) if m.is_late(today)] if version is not None else []
