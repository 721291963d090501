"""The labels of a plan's versions, as a council's agenda names them: the plan's period ("2027" for a plan
revised every year, "2026–2029" for one of four years), and "2026–2029, revision 1" for a revision within a
period. Written in the plan's language; an editor may change a label until the version is adopted
(versions.rename).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _

from ...plan_templates import PlanTemplate

LABEL_MAX_LENGTH = 100

# "2026", "2026–2029", and either followed by ", <word> <n>" in any language ("revision 2", "revidering 2").
_PERIOD = re.compile(r"^(\d{4})(?:–(\d{4}))?(?:, \D+ ([1-9]\d*))?$")


class LabelRefused(ValueError):
    """A label that cannot be given (str() says why, for the reader)."""


def period_years(template: PlanTemplate) -> int:
    return max(1, template.revision_interval_months // 12)


def period_label(start: int, years: int) -> str:
    return str(start) if years == 1 else f"{start}–{start + years - 1}"


def first_label(template: PlanTemplate, today: date) -> str:
    return period_label(today.year, period_years(template))


def _periods(existing: Iterable[str]) -> list[tuple[int, int, int]]:
    """(first year, last year, revision number) of each label that follows the scheme; others are skipped."""
    found = []
    for label in existing:
        match = _PERIOD.match(label or "")
        if match:
            start = int(match.group(1))
            found.append((start, int(match.group(2) or start), int(match.group(3) or 0)))
    return found


def next_label(template: PlanTemplate, existing: Iterable[str], today: date) -> str:
    """The label of a new revision. A yearly plan is revised for the year after the latest one labelled (in
    November 2026 after "2026": "2027"), never for a year gone by. A plan of several years revised within its
    period is that period's next revision ("2026–2029, revision 1"); after the period, the next period."""
    existing = list(existing)
    years = period_years(template)
    periods = _periods(existing)
    if years == 1:
        latest = max((start for start, _end, _n in periods), default=today.year - 1)
        return _free(str(max(today.year, latest + 1)), existing, template)
    current = [(start, end, n) for start, end, n in periods if start <= today.year <= end and end > start]
    if not current:
        return _free(period_label(today.year, years), existing, template)
    start, end = max((start, end) for start, end, _n in current)
    number = max(n for s, e, n in current if (s, e) == (start, end)) + 1
    return _free(_revision(template, f"{start}–{end}", number), existing, template)


def _revision(template: PlanTemplate, period: str, number: int) -> str:
    with force_locale(template.language):
        return _("%(period)s, revision %(number)s", period=period, number=number)


def _free(label: str, existing: list[str], template: PlanTemplate) -> str:
    """The label, or if a version already has it (labels are the editors' to change), the first free revision."""
    number = 1
    candidate = label
    while candidate in existing:
        number += 1
        candidate = _revision(template, label.split(",")[0], number)
    return candidate
