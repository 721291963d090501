"""A comparison in words: the summary line at the top of a comparison and the plain-text form for a terminal.

These read the locale (the summary is translated), so call them in a request or app context.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from .diff import ADDED, CHANGED, REMOVED, UNCHANGED, Change, Comparison
from .word_diff import DELETED, INSERTED, SAME, Part


def summary(comparison: Comparison) -> tuple[str, ...]:
    """"3 sections changed", "1 aktör added", … — the parts of the line at the top of a comparison.

    The row label is the template's noun in the singular, which no catalogue can inflect; so a translation may put
    it apart from the number (Swedish "aktör: 2 tillagda") and make the participle agree with the number.
    """
    changed = len(comparison.changed_sections)
    if not changed:
        return (_("No changes"),)
    parts = [ngettext("%(num)s section changed", "%(num)s sections changed", changed)]
    for counts in comparison.rows:
        for kind in ("added", "removed", "changed", "moved"):
            number = getattr(counts, kind)
            if number:
                parts.append(_row_count_text(kind, number, counts.label))
    return tuple(parts)


def _row_count_text(kind: str, number: int, label: str) -> str:
    # English reads the same in both forms ("2 aktör added": the label is the plan's word, not an English one).
    if kind == "added":
        return ngettext("%(num)s %(label)s added", "%(num)s %(label)s added", number, label=label)
    if kind == "removed":
        return ngettext("%(num)s %(label)s removed", "%(num)s %(label)s removed", number, label=label)
    if kind == "changed":
        return ngettext("%(num)s %(label)s changed", "%(num)s %(label)s changed", number, label=label)
    return ngettext("%(num)s %(label)s moved", "%(num)s %(label)s moved", number, label=label)


def _text_words(parts: tuple[Part, ...]) -> str:
    marks = {SAME: "{}", INSERTED: "{{+{}+}}", DELETED: "[-{}-]"}
    return "".join(marks[p.op].format(p.text) for p in parts)


def _text_value(values: tuple[str, ...]) -> str:
    return "; ".join(v.replace("\n", " ") for v in values)


def _text_change(change: Change, indent: str) -> list[str]:
    sign = {ADDED: "+", REMOVED: "-", CHANGED: "~", UNCHANGED: " "}[change.kind]
    if change.is_group:
        lines = [f"{indent}{sign} {change.label}:"]
        for row in change.rows:
            if row.kind == UNCHANGED and not row.moved:
                continue
            row_sign = {ADDED: "+", REMOVED: "-", CHANGED: "~", UNCHANGED: "↕"}[row.kind]
            moved = f" ({_('moved')})" if row.moved else ""
            lines.append(f"{indent}    {row_sign} {change.row_label or _('row')} “{row.title}”{moved}")
            for cell in row.cells:
                lines += _text_change(cell, indent + "        ")
        return lines
    if change.words:
        return [f"{indent}{sign} {change.label}: {_text_words(change.words)}"]
    if change.kind == CHANGED:
        return [f"{indent}{sign} {change.label}: {_text_value(change.old)} → {_text_value(change.new)}"]
    return [f"{indent}{sign} {change.label}: {_text_value(change.new or change.old)}"]


def as_text(comparison: Comparison, heading: str, notes: dict[str, str] | None = None) -> str:
    """The comparison for a terminal, in the locale's words: [-deleted-]{+inserted+} word marks, one line per
    field; `notes` says what the revision work did with a section without changes (by section id)."""
    lines = [heading, " · ".join(summary(comparison)), ""]
    for section in comparison.sections:
        lines.append(_section_line(section.heading, section.kind, (notes or {}).get(section.id)))
        for change in section.changes if section.changed else ():
            lines += _text_change(change, "  ")
    return "\n".join(lines) + "\n"


def _section_line(heading: str, kind: str, note: str | None) -> str:
    if kind == ADDED:
        return _("%(section)s: added", section=heading)
    if kind == REMOVED:
        return _("%(section)s: removed", section=heading)
    if kind == CHANGED:
        return _("%(section)s: changed", section=heading)
    if note:
        return _("%(section)s: no changes, %(note)s", section=heading, note=note)
    return _("%(section)s: no changes", section=heading)
