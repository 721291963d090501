"""The plan document as plain data: what is printed, in which order, already in the plan's language.

One model feeds every output (HTML preview, PDF, DOCX), so the editions and the rules for empty and sensitive
content are decided once, here. Building it calls gettext and the Babel formatters, so run it inside
`flask_babel.force_locale(template.language)`.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from ...fields import is_empty
from ...fields.blocks import Block, Facts, Table, Value, clean_text
from ...fields.group import visible
from ...models import FROZEN_STATUSES
from ...template_model import RECORDED_ROLES, Field, PlanTemplate, Section
from ...templating import status_label
from .decision_record import DecisionRecord

EDITIONS = ("internal", "public")


def long_date(day: date) -> str:
    return format_date(day, "long")


@dataclass(frozen=True)
class Cover:
    """Everything printed on the cover page; it is also part of the cache key."""
    municipality: str
    title: str
    version_label: str
    status: str
    date: date | None = None
    decision: DecisionRecord = DecisionRecord()


@dataclass(frozen=True)
class HistoryEntry:
    """One earlier adopted version, for the document's revision history."""
    label: str
    decided_on: date | None
    body: str
    citation: str
    summary: str


@dataclass(frozen=True)
class DocSection:
    id: str
    number: int
    title: str
    blocks: tuple[Block, ...]
    # Left out of this (public) edition: the heading keeps its number, so "section 8" means the same in both.
    internal_only: bool = False

    @property
    def anchor(self) -> str:
        return f"section-{self.id}"


@dataclass(frozen=True)
class PlanDocument:
    language: str
    edition: str
    cover: Cover
    status_label: str
    sections: tuple[DocSection, ...]
    country: str = ""
    front_matter: tuple[DocSection, ...] = ()
    history: tuple[HistoryEntry, ...] = ()
    # What the cover lists, as (label, text) in the plan's language: the same for the PDF and the DOCX.
    cover_facts: tuple[tuple[str, str], ...] = ()

    @property
    def history_table(self) -> Table | None:
        """The revision history as a table (version, decision, what it changed), or None for a first version."""
        if not self.history:
            return None
        with force_locale(self.language):
            columns = (_("Version"), _("Decision"), _("Changes"))
            rows = tuple(((entry.label,), (_decision_line(entry),), (entry.summary,)) for entry in self.history)
        return Table("", columns, (15, 40, 45), rows)

    @property
    def is_draft(self) -> bool:
        """Every version that is not the municipality's decision carries a DRAFT marking."""
        return self.cover.status not in FROZEN_STATUSES

    @property
    def is_public(self) -> bool:
        return self.edition == "public"


def _block(template: PlanTemplate, field: Field, value: Any, edition: str) -> Block | None:
    """The printed form of one field, or None when there is nothing to print (an empty field is left out)."""
    if is_empty(value) or (isinstance(value, str) and not clean_text(value)):
        return None
    return field.kind.document_block(field, value, template, edition)


def _recorded_value(role: str, decision: DecisionRecord) -> Value | None:
    """An adopted plan prints the recorded decision where its draft had the proposal, labelled as a decision."""
    if role == "case_number" and not decision.case_number and decision.reference:
        return Value(_("Reference"), decision.reference)
    texts = {"proposed_body": (_("Adopted by"), decision.body),
             "decision_date": (_("Decision date"), decision.decided_on and long_date(decision.decided_on)),
             "paragraph": (_("Minute paragraph"), decision.paragraph),
             "case_number": (_("Case number"), decision.case_number),
             "review_by": (_("To be revised by"), decision.review_by and long_date(decision.review_by))}
    label, text = texts[role]
    return Value(label, text) if text else None


def _section_blocks(template: PlanTemplate, section: Section, content: dict, edition: str,
                    decision: DecisionRecord) -> tuple[Block, ...]:
    values = content.get(section.id) or {}
    if not isinstance(values, dict):
        return ()
    blocks = []
    for field in visible(section.fields, edition):
        role = template.decision.role_of(section.id, field.id)
        if decision.adopted and role in RECORDED_ROLES:
            blocks.append(_recorded_value(role, decision))
        else:
            blocks.append(_block(template, field, values.get(field.id), edition))
    return _with_facts([b for b in blocks if b is not None])


def _with_facts(blocks: list) -> tuple[Block, ...]:
    """Runs of one-line values become one Facts block, so they read as a list rather than many headings."""
    result: list = []
    for block in blocks:
        if isinstance(block, Value):
            if result and isinstance(result[-1], Facts):
                result[-1] = Facts(result[-1].values + (block,))
            else:
                result.append(Facts((block,)))
        else:
            result.append(block)
    return tuple(result)


def _left_out(section: Section, edition: str) -> bool:
    """The public edition leaves out sensitive sections and sections with only sensitive fields."""
    return edition == "public" and (section.sensitive or not visible(section.fields, edition))


def _doc_section(template: PlanTemplate, section: Section, number: int, content: dict, edition: str,
                 decision: DecisionRecord) -> DocSection:
    if _left_out(section, edition):
        return DocSection(section.id, number, section.title, (), internal_only=True)
    return DocSection(section.id, number, section.title,
                      _section_blocks(template, section, content, edition, decision))


def _clean_texts(record: DecisionRecord) -> DecisionRecord:
    """Every text of the decision as it may be printed (no bidi overrides, no characters PDF text cannot hold)."""
    return replace(record, **{f.name: clean_text(getattr(record, f.name)) for f in fields(record)
                              if isinstance(getattr(record, f.name), str)})


def _decision_line(entry: HistoryEntry) -> str:
    if entry.decided_on is None:
        return _("Not adopted yet")
    line = f"{entry.body}, {long_date(entry.decided_on)}"
    return f"{line} ({entry.citation})" if entry.citation else line


def _plan_period(decision: DecisionRecord) -> str:
    if decision.validity:
        return decision.validity
    start, end = decision.valid_from, decision.valid_until
    if start and end:
        return _("%(start)s to %(end)s", start=long_date(start), end=long_date(end))
    if start or end:
        return _("From %(start)s", start=long_date(start)) if start else _("Until %(end)s", end=long_date(end))
    return ""


def _cover_facts(cover: Cover, status: str) -> tuple[tuple[str, str], ...]:
    """The cover's list: what a council looks for (the decision, or in a draft what is proposed; the plan period,
    the review-by date and who revises), each part once and from the one decision record."""
    decision = cover.decision
    facts = [(_("Version"), cover.version_label), (_("Status"), status)]
    if decision.adopted:
        facts += [(_("Adopted by"), decision.body),
                  (_("Decision date"), long_date(decision.decided_on) if decision.decided_on else ""),
                  (_("Minute paragraph"), decision.paragraph),
                  (_("Case number"), decision.case_number) if decision.case_number
                  else (_("Reference"), decision.reference)]
    else:
        facts += [(_("Date"), long_date(cover.date) if cover.date else ""),
                  (_("Proposed for adoption by"), decision.body), (_("Case number"), decision.case_number)]
    facts += [(_("Plan period"), _plan_period(decision)),
              (_("To be revised by"), long_date(decision.review_by) if decision.review_by else ""),
              (_("Responsible for revision"), decision.reviser)]
    return tuple((label, text) for label, text in facts if text)


def build_document(template: PlanTemplate, content: dict, cover: Cover, edition: str,
                   history: tuple[HistoryEntry, ...] = ()) -> PlanDocument:
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}")
    content = content if isinstance(content, dict) else {}
    decision = cover.decision
    front = tuple(_doc_section(template, s, 0, content, edition, decision)
                  for s in template.sections if s.front_matter)
    numbered = [s for s in template.sections if not s.front_matter]
    sections = tuple(_doc_section(template, s, number, content, edition, decision)
                     for number, s in enumerate(numbered, start=1))
    clean_cover = replace(cover, municipality=clean_text(cover.municipality), title=clean_text(cover.title),
                          version_label=clean_text(cover.version_label), decision=_clean_texts(cover.decision))
    status = status_label(cover.status)
    return PlanDocument(template.language, edition, clean_cover, status, sections,
                        country=template.country, front_matter=tuple(s for s in front if s.blocks),
                        history=history, cover_facts=_cover_facts(clean_cover, status))
