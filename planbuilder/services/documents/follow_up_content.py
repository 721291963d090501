"""What the follow-up report of an adopted version says, every text already in the plan's language: built once
and printed twice, as PDF (follow_up_report.py) and as DOCX (follow_up_docx.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.numbers import format_decimal
from flask_babel import force_locale
from flask_babel import gettext as _

from ...clock import local_date, municipality_clock
from ...models import PlanVersion, utcnow
from ..plans import follow_up
from ..plans.plans import template_for
from .cover import cover_of
from .document_model import long_date

NO_VALUE = "–"


@dataclass(frozen=True)
class ReportMeasure:
    title: str
    owner: str
    deadline: str
    status: str
    last_date: str     # the latest follow-up's date, "" when nobody followed it up
    comment: str       # the latest follow-up's comment
    reason: str        # why it is late, in words (late measures only)


@dataclass(frozen=True)
class StatusGroup:
    label: str
    measures: tuple[ReportMeasure, ...]

    @property
    def count(self) -> int:
        return len(self.measures)


@dataclass(frozen=True)
class IndicatorSeries:
    title: str
    indicator: str
    values: tuple[tuple[str, str], ...]   # (date, value), oldest first


@dataclass(frozen=True)
class FollowUpReport:
    language: str
    country: str
    municipality: str
    plan_title: str
    version_label: str
    as_of: date
    heading: str                           # "Follow-up as of 5 December 2026"
    facts: tuple[tuple[str, str], ...]     # the cover's list: version and the council's decision
    statuses: tuple[StatusGroup, ...]      # every status the measures can have, in the template's order
    late: tuple[ReportMeasure, ...]
    indicators: tuple[IndicatorSeries, ...]

    @property
    def total(self) -> int:
        return sum(group.count for group in self.statuses)


def as_of_date(version: PlanVersion) -> date:
    """Today on the municipality's clock: the same date for every reader and for the worker that prints it."""
    return local_date(utcnow(), municipality_clock(version.plan.municipality))


def build_report(version: PlanVersion, as_of: date | None = None) -> FollowUpReport:
    as_of = as_of or as_of_date(version)
    template = template_for(version.template_id)
    with force_locale(template.language):
        measures = follow_up.measures_of(version, template)
        printed = {m.row_id: _printed(m, as_of) for m in measures}
        return FollowUpReport(
            language=template.language, country=template.country, municipality=version.plan.municipality.name,
            plan_title=version.plan.title, version_label=version.label, as_of=as_of,
            heading=_("Follow-up as of %(date)s", date=long_date(as_of)), facts=_facts(version),
            statuses=_by_status(measures, printed),
            late=tuple(printed[m.row_id] for m in measures if m.is_late(as_of)),
            indicators=tuple(series for m in measures if (series := _series(m, template.language))))


def _facts(version: PlanVersion) -> tuple[tuple[str, str], ...]:
    decision = cover_of(version).decision
    facts = [(_("Version"), version.label), (_("Adopted by"), decision.body),
             (_("Decision date"), long_date(decision.decided_on) if decision.decided_on else ""),
             (_("Minute paragraph"), decision.paragraph),
             (_("Case number"), decision.case_number) if decision.case_number
             else (_("Reference"), decision.reference)]
    return tuple((label, text) for label, text in facts if text)


def _printed(measure: follow_up.Measure, as_of: date) -> ReportMeasure:
    latest = measure.latest
    return ReportMeasure(
        title=measure.title or _("Measure %(number)s", number=measure.number), owner=measure.owner,
        deadline=long_date(measure.deadline) if measure.deadline else _("none given"),
        status=measure.status_label(), last_date=long_date(latest.entry_date) if latest else "",
        comment=latest.comment if latest else "",
        reason=_late_reason(measure) if measure.is_late(as_of) else "")


def _late_reason(measure: follow_up.Measure) -> str:
    latest = measure.latest
    if latest is None:
        return _("No follow-up explains the delay: the measure has not been followed up since the plan was "
                 "adopted.")
    if not latest.comment:
        return _("No follow-up explains the delay: the latest follow-up (%(date)s) gives no comment.",
                 date=long_date(latest.entry_date))
    return latest.comment


def _by_status(measures: list[follow_up.Measure], printed: dict[str, ReportMeasure]) -> tuple[StatusGroup, ...]:
    """One group per status a measure can have (those with none too: a council reads "0 dropped" as news),
    and one for measures without a status, if any."""
    groups: dict[str, list[ReportMeasure]] = {}
    for measure in measures:
        for option in measure.status_options:
            groups.setdefault(measure.status_label(option.value), [])
    for measure in measures:
        groups.setdefault(measure.status_label(), []).append(printed[measure.row_id])
    return tuple(StatusGroup(label, tuple(items)) for label, items in groups.items())


def _series(measure: follow_up.Measure, language: str) -> IndicatorSeries | None:
    values = tuple((long_date(entry.entry_date), local_number(entry.indicator_value, language))
                   for entry in reversed(measure.entries) if entry.indicator_value is not None)
    if not values:
        return None
    return IndicatorSeries(title=measure.title or _("Measure %(number)s", number=measure.number),
                           indicator=measure.indicator, values=values)


def local_number(value: float, language: str) -> str:
    """A value as the plan's language writes it: 3,5 in Swedish, Norwegian and Danish; 142, not 142.0."""
    return format_decimal(value, locale=language, decimal_quantization=False)
