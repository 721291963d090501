"""What a version's document says about the version itself: its cover (with the one decision record) and the
revision history of the plan it belongs to."""
from __future__ import annotations

from flask_babel import gettext as _

from ...clock import local_date, municipality_clock
from ...models import PlanVersion
from ...plan_templates import PlanTemplate
from ..compare import diff
from ..plans.plans import template_for
from . import decision_record
from .document_model import Cover, HistoryEntry


def cover_of(version: PlanVersion) -> Cover:
    """What the cover prints: the decision's date for an adopted version, else the date of the last change; the
    decision as recorded at adoption, else as the draft proposes it."""
    template = template_for(version.template_id)
    content = version.content or {}
    printed_date = version.decision_date if version.is_frozen and version.decision_date else None
    if printed_date is None:
        when = version.adopted_at if version.is_frozen and version.adopted_at else version.updated_at
        printed_date = local_date(when, municipality_clock(version.plan.municipality)) if when else None
    decision = (decision_record.recorded(template, content, version) if version.is_frozen and version.decision_date
                else decision_record.proposed(template, content))
    return Cover(municipality=version.plan.municipality.name, title=version.plan.title,
                 version_label=version.label, status=version.status, date=printed_date, decision=decision)


def _changed_sections(template: PlanTemplate, older: PlanVersion, newer: PlanVersion, edition: str) -> str:
    """One line for a council: which sections the newer version changed (from the comparison of the two)."""
    compared = diff.compare(template_for(older.template_id), older.content or {}, template, newer.content or {},
                            include_sensitive=edition == "internal")
    titles = [section.title for section in compared.sections if section.kind != "unchanged"]
    if not titles:
        return _("No changes to the text.")
    return _("Changed: %(sections)s.", sections=", ".join(titles))


def history_versions(version: PlanVersion) -> list[PlanVersion]:
    """The versions the revision history tells of: the plan's earlier adopted versions, oldest first, then this
    one. Empty for a plan's first version, which has no history to tell."""
    earlier = sorted((v for v in version.plan.versions
                      if v.is_frozen and v.decision_date and v.id != version.id
                      and (not version.adopted_at or (v.adopted_at and v.adopted_at < version.adopted_at))),
                     key=lambda v: (v.decision_date, v.id))
    return [*earlier, version] if earlier else []


def history_inputs(version: PlanVersion) -> list[list]:
    """Everything the printed history is made from, for the cache key, without comparing any two versions (that
    is the history's costly part, and the key is computed on every download and progress page): the versions and
    their decisions; an earlier version's text is frozen, so its id stands for it, and this version's text is in
    the key already."""
    return [[item.id, item.label, item.status, item.decision_date, item.decision_body, item.decision_citation,
             item.template_id, template_for(item.template_id).revision] for item in history_versions(version)]


def revision_history(version: PlanVersion, edition: str) -> tuple[HistoryEntry, ...]:
    """The plan's earlier adopted versions, oldest first, and this one: each with its decision and what it
    changed. Empty for a plan's first version, which has no history to tell."""
    entries, previous = [], None
    for item in history_versions(version):
        summary = (_changed_sections(template_for(item.template_id), previous, item, edition) if previous
                   else _("First adopted version."))
        decided = item.is_frozen and item.decision_date is not None
        entries.append(HistoryEntry(label=item.label, decided_on=item.decision_date if decided else None,
                                    body=item.decision_body or "" if decided else "",
                                    citation=item.decision_citation if decided else "", summary=summary))
        previous = item
    return tuple(entries)
