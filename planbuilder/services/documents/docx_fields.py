"""Word fields and bookmarks for the DOCX: the table of contents, page references, page numbers.

A field is written the way Word writes it (begin, instruction, separate, result, end), with a result already in
place, so the document reads right where fields are never updated (LibreOffice, web previews, mail clients)
and Word can still recalculate it (F9).
"""
from __future__ import annotations

from dataclasses import dataclass

from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Pt

# Word's own switches: level-1 headings (\o "1-1") and outline levels (\u), as links (\h), page numbers hidden
# in web layout (\z).
CONTENTS_INSTRUCTION = 'TOC \\o "1-1" \\h \\z \\u'
CONTENTS_STYLE = "toc 1"  # Word's built-in name, so a municipality's own template styles the lines


@dataclass(frozen=True)
class ContentsLine:
    text: str
    bookmark: str
    page: int | None  # None when the page is not known: left blank for Word to fill in, never guessed


def add_field(paragraph, instruction: str, result: str) -> None:
    """A field at the end of `paragraph` showing `result` until it is updated."""
    paragraph._p.extend(_field_runs(instruction, result))


def add_bookmark(paragraph, name: str, bookmark_id: int) -> None:
    """A bookmark around the paragraph's text, for links and page references to point at."""
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), str(bookmark_id))
    start.set(qn("w:name"), name)
    end.set(qn("w:id"), str(bookmark_id))
    properties = paragraph._p.pPr
    if properties is None:
        paragraph._p.insert(0, start)
    else:
        properties.addnext(start)
    paragraph._p.append(end)


def add_contents(docx: DocxDocument, lines: list[ContentsLine], tab_position: Length, placeholder: str) -> None:
    """A TOC field whose result is one linked line per entry, as Word would write it after an update.

    The field starts in the first line and ends in the last, so there is no empty paragraph around it.
    """
    _ensure_contents_style(docx)
    if not lines:
        add_field(docx.add_paragraph(style=CONTENTS_STYLE), CONTENTS_INSTRUCTION, placeholder)
        return
    paragraphs = [_contents_line(docx, line, tab_position) for line in lines]
    first, last = paragraphs[0]._p, paragraphs[-1]._p
    for run in reversed(_field_start(CONTENTS_INSTRUCTION)):
        first.pPr.addnext(run)
    last.append(_fld_char("end"))


def _contents_line(docx: DocxDocument, line: ContentsLine, tab_position: Length):
    paragraph = docx.add_paragraph(style=CONTENTS_STYLE)
    paragraph.paragraph_format.tab_stops.add_tab_stop(tab_position, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    link = OxmlElement("w:hyperlink")
    link.set(qn("w:anchor"), line.bookmark)
    link.set(qn("w:history"), "1")
    link.append(_text_run(line.text))
    if line.page is not None:  # else no dotted leader running to nothing; Word's update puts both in
        link.append(_tab_run())
    link.extend(_field_runs(f"PAGEREF {line.bookmark} \\h", "" if line.page is None else str(line.page)))
    paragraph._p.append(link)
    return paragraph


def _ensure_contents_style(docx: DocxDocument) -> None:
    """python-docx's template lacks Word's built-in "toc 1" style; declared as Word does (no looks of our own),
    so Word and LibreOffice recognise it as their contents style."""
    if any(style.name == CONTENTS_STYLE for style in docx.styles):
        return
    style = docx.styles.add_style(CONTENTS_STYLE, WD_STYLE_TYPE.PARAGRAPH, builtin=True)
    style.style_id = "TOC1"
    style.base_style = docx.styles["Normal"]
    style.next_paragraph_style = docx.styles["Normal"]
    style.priority = 39
    style.unhide_when_used = True
    style.paragraph_format.space_after = Pt(5)


def _field_runs(instruction: str, result: str) -> list:
    shown = [_text_run(result)] if result else []
    return _field_start(instruction) + shown + [_fld_char("end")]


def _field_start(instruction: str) -> list:
    """What opens a field: begin, the instruction, and the separator before the shown result."""
    return [_fld_char("begin"), _instruction_run(instruction), _fld_char("separate")]


def _fld_char(kind: str):
    run, element = OxmlElement("w:r"), OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    run.append(element)
    return run


def _instruction_run(instruction: str):
    run, element = OxmlElement("w:r"), OxmlElement("w:instrText")
    element.set(qn("xml:space"), "preserve")
    element.text = f" {instruction} "
    run.append(element)
    return run


def _text_run(text: str):
    run, element = OxmlElement("w:r"), OxmlElement("w:t")
    element.set(qn("xml:space"), "preserve")
    element.text = text  # lxml escapes it: user text is never read as markup
    run.append(element)
    return run


def _tab_run():
    run = OxmlElement("w:r")
    run.append(OxmlElement("w:tab"))
    return run
