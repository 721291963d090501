"""The follow-up report as DOCX, from the same FollowUpReport as the PDF (follow_up_report.py).

As the plan's DOCX: built-in styles only (Title, Heading 1/2, Table Grid), so a municipality's own Word template
takes over; user text only ever in text runs; proofing in the plan's language; no metadata that is not true.
"""
from __future__ import annotations

import io
import re
from datetime import UTC, datetime, time

from docx.document import Document as DocxDocument
from flask_babel import force_locale
from flask_babel import gettext as _

from ...locales import word_language
from .docx_export import a4_document, set_proofing_language
from .docx_fields import add_field
from .docx_properties import describe_file
from .follow_up_content import NO_VALUE, FollowUpReport, ReportMeasure


def report_docx(report: FollowUpReport) -> bytes:
    with force_locale(report.language):
        docx = _new_docx(report)
        _cover(docx, report)
        _summary(docx, report)
        if report.total:
            _late(docx, report)
            _by_status(docx, report)
            _indicators(docx, report)
        _header_and_footer(docx, report)
    out = io.BytesIO()
    docx.save(out)
    return out.getvalue()


def _new_docx(report: FollowUpReport) -> DocxDocument:
    docx = a4_document()
    language = word_language(report.language, report.country)
    describe_file(docx, title=f"{report.heading} – {report.plan_title}",
                  subject=_("Version %(label)s", label=report.version_label), municipality=report.municipality,
                  language=language, when=datetime.combine(report.as_of, time(12), tzinfo=UTC))
    set_proofing_language(docx, language)
    return docx


def _cover(docx: DocxDocument, report: FollowUpReport) -> None:
    docx.add_paragraph(report.municipality, style="Subtitle")
    docx.add_paragraph(report.plan_title, style="Subtitle")
    docx.add_paragraph(report.heading, style="Title")
    for label, value in report.facts:
        paragraph = docx.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(value)


def _summary(docx: DocxDocument, report: FollowUpReport) -> None:
    docx.add_heading(_("Summary"), level=1)
    if not report.total:
        docx.add_paragraph(_("The adopted plan lists no measures."))
        return
    rows = [(group.label, str(group.count)) for group in report.statuses]
    rows += [(_("Total"), str(report.total)), (_("Of these, late"), str(len(report.late)))]
    table = _table(docx, (_("Status"), _("Measures")), rows)
    for cell in table.rows[-2].cells:
        for run in cell.paragraphs[0].runs:
            run.bold = True


def _late(docx: DocxDocument, report: FollowUpReport) -> None:
    docx.add_heading(_("Late measures"), level=1)
    if not report.late:
        docx.add_paragraph(_("No measure is late."))
    for measure in report.late:
        docx.add_heading(measure.title, level=2)
        facts = docx.add_paragraph()
        _labelled(facts, _("Deadline"), measure.deadline)
        if measure.owner:
            _labelled(facts, _("Responsible"), measure.owner, after=True)
        _labelled(facts, _("Status"), measure.status, after=True)
        why = docx.add_paragraph()
        if measure.comment:
            why.add_run(_("Latest follow-up, %(date)s", date=measure.last_date) + ": ").bold = True
        _add_text(why, measure.reason)


def _labelled(paragraph, label: str, value: str, after: bool = False) -> None:
    paragraph.add_run(f"{' · ' if after else ''}{label}: ").bold = True
    paragraph.add_run(value)


def _by_status(docx: DocxDocument, report: FollowUpReport) -> None:
    docx.add_heading(_("Measures by status"), level=1)
    columns = (_("Measure"), _("Responsible"), _("Deadline"), _("Latest follow-up"), _("Comment"))
    for group in report.statuses:
        if group.count:
            docx.add_heading(f"{group.label} ({group.count})", level=2)
            _table(docx, columns, [_measure_row(m) for m in group.measures])


def _measure_row(measure: ReportMeasure) -> tuple[str, ...]:
    return (measure.title, measure.owner or NO_VALUE, measure.deadline,
            measure.last_date or _("Not followed up yet."), measure.comment)


def _indicators(docx: DocxDocument, report: FollowUpReport) -> None:
    docx.add_heading(_("Indicator values over time"), level=1)
    if not report.indicators:
        docx.add_paragraph(_("No indicator values have been recorded yet."))
    for series in report.indicators:
        docx.add_heading(series.title, level=2)
        if series.indicator:
            paragraph = docx.add_paragraph()
            _labelled(paragraph, _("Indicator"), series.indicator)
        _table(docx, (_("Date"), _("Indicator value")), series.values)


def _table(docx: DocxDocument, columns: tuple[str, ...], rows):
    table = docx.add_table(rows=1, cols=len(columns), style="Table Grid")
    for cell, title in zip(table.rows[0].cells, columns, strict=True):
        cell.paragraphs[0].add_run(title).bold = True
    for values in rows:
        for cell, value in zip(table.add_row().cells, values, strict=True):
            _add_text(cell.paragraphs[0], value)
    docx.add_paragraph()
    return table


def _add_text(paragraph, text: str) -> None:
    """User text with its line breaks kept, as breaks (never as markup)."""
    for index, line in enumerate(text.split("\n")):
        if index:
            paragraph.add_run().add_break()
        paragraph.add_run(line)


def _header_and_footer(docx: DocxDocument, report: FollowUpReport) -> None:
    section = docx.sections[0]
    section.header.paragraphs[0].add_run(f"{report.plan_title} · {report.heading}")
    foot = section.footer.paragraphs[0]
    for token in re.split(r"(%\(page\)s|%\(pages\)s)", _("Page %(page)s of %(pages)s")):
        if token == "%(page)s":
            add_field(foot, "PAGE", "1")
        elif token == "%(pages)s":
            add_field(foot, "NUMPAGES", "1")
        elif token:
            foot.add_run(token)
