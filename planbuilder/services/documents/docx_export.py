"""The plan document as DOCX, built from the same document model as the PDF.

Made to be brought into a municipality's own Word template: only built-in styles (Title, Heading 1/2,
List Bullet, Table Grid), no fonts or colours of our own, so their template's styles take over. User text is
only ever put into text runs, never interpreted.
"""
from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import replace

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, RGBColor
from flask_babel import force_locale
from flask_babel import gettext as _

from ...fields.blocks import Facts, Items, Table, Text
from ...locales import word_language
from .document_model import DocSection, PlanDocument
from .docx_fields import ContentsLine, add_bookmark, add_contents, add_field
from .docx_properties import describe
from .tables import table_layout

DRAFT_RED = RGBColor(0xA3, 0x2A, 0x1C)
TEXT_WIDTH_MM = 160  # A4 less the 25 mm margins


def docx_bytes(document: PlanDocument, pages: Mapping[str, int] | None = None) -> bytes:
    """The plan as DOCX. `pages` maps a section's anchor to the page it starts on (the PDF renderer knows);
    without it the contents list the sections with their page numbers left for Word to fill in."""
    with force_locale(document.language):
        docx = _new_docx(document)
        _cover(docx, document)
        for section in document.front_matter:
            docx.add_heading(section.title, level=1)
            _front_matter(docx, section)
        _contents(docx, document, pages or {})
        for index, section in enumerate(document.sections):
            _section(docx, section, after_contents=index == 0)
        _history(docx, document)
        _header_and_footer(docx, document)
    out = io.BytesIO()
    docx.save(out)
    return out.getvalue()


def a4_document() -> DocxDocument:
    """An empty Word document on A4 with the margins of every document we make."""
    docx = Document()
    section = docx.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin = section.bottom_margin = Mm(25)
    return docx


def _new_docx(document: PlanDocument) -> DocxDocument:
    docx = a4_document()
    describe(docx, document)
    set_proofing_language(docx, word_language(document.language, document.country))
    _hyphenate_and_update_contents(docx)
    return docx


def _hyphenate_and_update_contents(docx: DocxDocument) -> None:
    """Word hyphenates long compound words in narrow table columns (in the plan's language) and offers to fill
    in the table of contents when the file is opened, instead of showing the field's placeholder text.

    The settings part is schema-ordered: autoHyphenation follows defaultTabStop, updateFields precedes compat.
    """
    settings = docx.settings.element
    tab_stop, compat = settings.find(qn("w:defaultTabStop")), settings.find(qn("w:compat"))
    if tab_stop is None or compat is None:  # not the settings python-docx ships: leave them as they are
        return
    for name, place in (("w:autoHyphenation", tab_stop.addnext), ("w:updateFields", compat.addprevious)):
        element = OxmlElement(name)
        element.set(qn("w:val"), "true")
        place(element)


def set_proofing_language(docx: DocxDocument, language: str) -> None:
    """Spelling and hyphenation in Word follow the plan's language, not the reader's."""
    run_properties = docx.styles["Normal"].element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), language)
    run_properties.append(lang)


def _cover(docx: DocxDocument, document: PlanDocument) -> None:
    cover = document.cover
    docx.add_paragraph(cover.municipality, style="Subtitle")
    docx.add_paragraph(cover.title, style="Title")
    if document.is_draft:
        mark = docx.add_paragraph().add_run(_("DRAFT"))
        mark.bold, mark.font.color.rgb = True, DRAFT_RED
    for label, value in document.cover_facts:
        _labelled(docx, label, value)
    edition_name = _("Public edition") if document.is_public else _("Internal edition")
    edition_note = (_("This edition is for publication. Parts of the plan marked as sensitive are left out.")
                    if document.is_public else _("This edition contains information that is not for publication."))
    notice = docx.add_paragraph(style="Intense Quote")
    notice.add_run(edition_name).bold = True
    notice.add_run().add_break()
    notice.add_run(edition_note)
    docx.add_page_break()


def _labelled(docx: DocxDocument, label: str, value: str) -> None:
    paragraph = docx.add_paragraph()
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(value)


def _contents(docx: DocxDocument, document: PlanDocument, pages: Mapping[str, int]) -> None:
    """Word's table-of-contents field over Heading 1, already filled in: readers that never update fields
    (LibreOffice, web previews) show the sections, and Word can still update it."""
    heading = docx.add_paragraph(_("Contents"), style="TOC Heading")
    heading.paragraph_format.page_break_before = bool(document.front_matter)  # after a foreword's page
    lines = [ContentsLine(_numbered_title(s), _bookmark(s), pages.get(s.anchor)) for s in document.sections]
    add_contents(docx, lines, Mm(TEXT_WIDTH_MM), _("Update this field to show the table of contents."))


def _numbered_title(section: DocSection) -> str:
    return f"{section.number} {section.title}"


def _bookmark(section: DocSection) -> str:
    """A hidden bookmark (leading underscore, as Word names its own) from the number: template ids may hold
    characters a bookmark name cannot."""
    return f"_TocSection{section.number}"


def _section(docx: DocxDocument, section: DocSection, after_contents: bool) -> None:
    heading = docx.add_heading(_numbered_title(section), level=1)
    if after_contents:  # a page break property, not a paragraph holding a break that leaves an empty line
        heading.paragraph_format.page_break_before = True
    add_bookmark(heading, _bookmark(section), section.number)
    if section.internal_only:
        docx.add_paragraph(_("This section is in the internal edition only."))
    else:
        _blocks(docx, section)


def _blocks(docx: DocxDocument, section: DocSection) -> None:
    for block in section.blocks:
        _block(docx, block)
    if not section.blocks:
        docx.add_paragraph().add_run(_("Not filled in")).italic = True


def _front_matter(docx: DocxDocument, section: DocSection) -> None:
    """A foreword's text under its own heading: the field's label would only repeat the heading."""
    for block in section.blocks:
        if isinstance(block, Text):
            for text in block.paragraphs:
                _text_with_breaks(docx.add_paragraph(), text)
        else:
            _block(docx, block)


def _history(docx: DocxDocument, document: PlanDocument) -> None:
    table = document.history_table
    if table is not None:
        docx.add_heading(_("Revision history"), level=1)
        _table(docx, table)


def _text_with_breaks(paragraph, text: str) -> None:
    for number, line in enumerate(text.split("\n")):
        if number:
            paragraph.add_run().add_break(WD_BREAK.LINE)
        paragraph.add_run(line)


def _block(docx: DocxDocument, block) -> None:
    if isinstance(block, Facts):
        for value in block.values:
            _labelled(docx, value.label, value.value)
        return
    docx.add_heading(block.label, level=2)
    if isinstance(block, Text):
        for text in block.paragraphs:
            _text_with_breaks(docx.add_paragraph(), text)
    elif isinstance(block, Items):
        _items(docx, block)
    elif isinstance(block, Table):
        layout = table_layout(block)
        if layout.as_rows:
            _rows_as_blocks(docx, block)
        else:
            _table(docx, replace(block, widths=layout.widths))


def _rows_as_blocks(docx: DocxDocument, block: Table) -> None:
    """Too many columns for a portrait page (as in the PDF): each row a short block, titled by its first cell."""
    for number, row in enumerate(block.rows, start=1):
        title = docx.add_paragraph()
        title.add_run(" ".join(row[0]) if row[0] else str(number)).bold = True
        title.paragraph_format.keep_with_next = True
        for column, cell in zip(block.columns[1:], row[1:]):
            if cell:
                _labelled(docx, column, "\n".join(cell))


def _items(docx: DocxDocument, block: Items) -> None:
    for item in block.items:
        # A checklist's items are ticked, so a tick replaces the bullet.
        paragraph = docx.add_paragraph(style="List Paragraph" if block.ticked else "List Bullet")
        paragraph.paragraph_format.keep_together = True  # an item and its note are read together, as in the PDF
        paragraph.add_run(("✓ " if block.ticked else "") + item.text).bold = bool(item.note)
        if item.detail:
            paragraph.add_run(f" – {item.detail}")
        if item.note:
            paragraph.add_run().add_break(WD_BREAK.LINE)
            paragraph.add_run(item.note).italic = True


def _table(docx: DocxDocument, block: Table) -> None:
    table = docx.add_table(rows=1, cols=len(block.columns), style="Table Grid")
    table.autofit = False
    header = table.rows[0]
    _repeat_as_header(header)
    for cell, column in zip(header.cells, block.columns):
        cell.paragraphs[0].add_run(column).bold = True
    for row in block.rows:
        cells = table.add_row().cells
        for cell, texts in zip(cells, row):
            for number, text in enumerate(texts):
                paragraph = cell.paragraphs[0] if number == 0 else cell.add_paragraph()
                _text_with_breaks(paragraph, text)
    for row in table.rows:
        _set_row_flag(row, "w:cantSplit")  # a row is read whole: it moves to the next page rather than split
    _column_widths(table, block.widths)
    docx.add_paragraph()  # Word needs a paragraph between a table and whatever follows; it also spaces them


def _column_widths(table, percents: tuple[int, ...]) -> None:
    """The same proportions as the PDF: Word reads a column's width from its cells, LibreOffice from the grid."""
    widths = [Mm(TEXT_WIDTH_MM * percent / 100) for percent in percents]
    for column, width in zip(table.columns, widths):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width


def _repeat_as_header(row) -> None:
    """The header row repeats on every page the table runs over."""
    _set_row_flag(row, "w:tblHeader")


# The order the schema gives a row's properties (from cantSplit on); Word refuses a file that breaks it.
_ROW_PROPERTY_ORDER = ("w:cantSplit", "w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden",
                       "w:ins", "w:del", "w:trPrChange")


def _set_row_flag(row, name: str) -> None:
    properties = row._tr.get_or_add_trPr()
    flag = OxmlElement(name)
    flag.set(qn("w:val"), "true")
    later = _ROW_PROPERTY_ORDER[_ROW_PROPERTY_ORDER.index(name) + 1:]
    properties.insert_element_before(flag, *later)


def _header_and_footer(docx: DocxDocument, document: PlanDocument) -> None:
    section = docx.sections[0]
    section.different_first_page_header_footer = True  # the cover has neither
    head = section.header.paragraphs[0]
    head.add_run(f"{document.cover.title} · {_('Version %(label)s', label=document.cover.version_label)}")
    if document.is_draft:
        mark = head.add_run(f"  {_('DRAFT')}")
        mark.bold, mark.font.color.rgb = True, DRAFT_RED
    foot = section.footer.paragraphs[0]
    # "Page %(page)s of %(pages)s" in the plan's language, with Word's PAGE and NUMPAGES fields put in.
    for token in re.split(r"(%\(page\)s|%\(pages\)s)", _("Page %(page)s of %(pages)s")):
        if token == "%(page)s":
            add_field(foot, "PAGE", "1")
        elif token == "%(pages)s":
            add_field(foot, "NUMPAGES", "1")
        elif token:
            foot.add_run(token)
