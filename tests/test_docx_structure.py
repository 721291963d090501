"""The DOCX as a council secretary receives it: contents already filled in, table rows that stay whole, and
file properties that say who made it and whose it is."""
from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import zipfile

import docx
import pytest
from conftest import require_tool
from lxml import etree
from sqlalchemy import select

from planbuilder.extensions import db
from planbuilder.fields.blocks import Item, Items, Table
from planbuilder.models import Plan
from planbuilder.services.documents import rendering
from planbuilder.services.documents.docx_export import docx_bytes
from planbuilder.services.plans import plans

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture
def plan_document(seeded):
    """The demo plan's internal edition as the document model both the PDF and the DOCX are built from."""
    version = plans.latest_version(db.session.scalar(select(Plan).order_by(Plan.id)))
    return rendering.build(version, "internal")


def numbered_titles(document) -> list[str]:
    return [f"{s.number} {s.title}" for s in document.sections]


def part(body: bytes, name: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return etree.fromstring(archive.read(name))


def field_sequence(body: etree._Element) -> list[str]:
    """Field markers and instructions in document order, as Word reads them."""
    found = []
    for element in body.iter(f"{W}fldChar", f"{W}instrText"):
        found.append(element.text.strip() if element.tag == f"{W}instrText" else element.get(f"{W}fldCharType"))
    return found


# ---- the table of contents ---------------------------------------------------------------------------------

def test_libreoffice_shows_the_contents_with_the_pages_given(plan_document, tmp_path):
    libreoffice = require_tool("libreoffice", "libreoffice-writer-nogui")
    pdftotext = require_tool("pdftotext", "poppler-utils")
    pages = {section.anchor: 2 + section.number for section in plan_document.sections}
    source = tmp_path / "plan.docx"
    source.write_bytes(docx_bytes(plan_document, pages))
    subprocess.run([libreoffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)
    text = subprocess.run([pdftotext, "-layout", str(tmp_path / "plan.pdf"), "-"],
                          check=True, capture_output=True, text=True).stdout
    contents_page = text.split("\f")[2 if plan_document.front_matter else 1]  # after the cover (and a foreword)
    for section, title in zip(plan_document.sections, numbered_titles(plan_document)):
        assert re.search(rf"^{re.escape(title)}\s*\.{{3,}}\s*{2 + section.number}$", contents_page, re.M), title


def test_contents_are_a_field_word_can_update_with_links_to_the_headings(plan_document):
    pages = {plan_document.sections[0].anchor: 3}
    body = part(docx_bytes(plan_document, pages), "word/document.xml")
    sequence = field_sequence(body)
    entries = len(plan_document.sections)
    # The TOC field holds one PAGEREF field per section between its separator and its end.
    assert sequence[:3] == ["begin", 'TOC \\o "1-1" \\h \\z \\u', "separate"]
    assert sequence[3 + 4 * entries] == "end"
    assert [sequence[4 + 4 * n] for n in range(entries)] == [
        f"PAGEREF _TocSection{n} \\h" for n in range(1, entries + 1)]
    document = docx.Document(io.BytesIO(docx_bytes(plan_document, pages)))
    lines = [p for p in document.paragraphs if p.style.name == "toc 1"]
    assert [p.text for p in lines] == [numbered_titles(plan_document)[0] + "\t3"] + numbered_titles(plan_document)[1:]
    # Each line links to a bookmark around its section's heading.
    bookmarks = {b.get(f"{W}name"): "".join(b.getparent().itertext())
                 for b in body.iter(f"{W}bookmarkStart")}
    anchors = [link.get(f"{W}anchor") for link in body.iter(f"{W}hyperlink")]
    assert [bookmarks[a] for a in anchors] == numbered_titles(plan_document)


def test_without_known_pages_the_contents_leave_the_numbers_blank(plan_document):
    document = docx.Document(io.BytesIO(docx_bytes(plan_document)))
    lines = [p.text for p in document.paragraphs if p.style.name == "toc 1"]
    assert lines == numbered_titles(plan_document)


def test_the_first_section_starts_a_page_without_an_empty_line(plan_document):
    document = docx.Document(io.BytesIO(docx_bytes(plan_document)))
    paragraphs = document.paragraphs
    contents_end = max(n for n, p in enumerate(paragraphs) if p.style.name == "toc 1")
    first = next(n for n, p in enumerate(paragraphs) if p.style.name == "Heading 1" and n > contents_end)
    assert paragraphs[first].paragraph_format.page_break_before
    assert first == contents_end + 1
    headings_after = [p for p in paragraphs[first + 1:] if p.style.name == "Heading 1"]
    assert not any(p.paragraph_format.page_break_before for p in headings_after)  # left to their template


# ---- tables and lists ------------------------------------------------------------------------------------

def test_table_rows_never_split_and_header_rows_repeat(plan_document):
    body = part(docx_bytes(plan_document), "word/document.xml")
    tables = list(body.iter(f"{W}tbl"))
    assert tables
    for table in tables:
        rows = table.findall(f"{W}tr")
        flags = [[child.tag.removeprefix(W) for child in row.find(f"{W}trPr")] for row in rows]
        assert flags[0] == ["cantSplit", "tblHeader"]  # in the schema's order, which Word insists on
        assert all(row_flags == ["cantSplit"] for row_flags in flags[1:])


def test_a_list_item_and_its_note_stay_on_one_page(plan_document):
    listed = Items("Kontaktvägar", (Item("Polisen", "114 14", "Ring vid misstanke om att ett brott planeras."),))
    first = dataclasses.replace(plan_document.sections[0], blocks=(listed,))
    with_notes = dataclasses.replace(plan_document, sections=(first, *plan_document.sections[1:]))
    document = docx.Document(io.BytesIO(docx_bytes(with_notes)))
    items = [p for p in document.paragraphs if p.style.name in ("List Bullet", "List Paragraph")]
    assert any("\n" in p.text for p in items)  # an item with a note under it
    assert all(p.paragraph_format.keep_together for p in items)


# ---- what the file says about itself ----------------------------------------------------------------------

def test_file_properties_name_planbuilder_and_the_municipality(plan_document):
    body = docx_bytes(plan_document)
    app = part(body, "docProps/app.xml")
    assert {child.tag.split("}")[1]: child.text for child in app} == {
        "Application": "Planbuilder", "Company": "Ekdala kommun"}
    core = docx.Document(io.BytesIO(body)).core_properties
    assert (core.title, core.author, core.last_modified_by) == (
        "Handlingsplan mot våldsbejakande extremism", "Ekdala kommun", "Ekdala kommun")
    assert core.language == "sv-SE" and core.revision == 1
    assert core.created.date() == core.modified.date() == plan_document.cover.date
    assert "python-docx" not in core.comments
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = archive.namelist()
    assert not any("thumbnail" in name for name in names)  # the template's picture of another document
    settings = part(body, "word/settings.xml")
    assert settings.find(f"{W}proofState") is None  # Word checks the spelling instead of trusting a stale mark



def test_a_group_too_wide_for_the_page_prints_one_block_per_row_as_in_the_pdf(plan_document):
    columns = ("Tiltak", "Ansvarlig", "Frist", "Status", "Indikator", "Kostnad", "Samarbeid", "Merknad")
    wide = Table("Tiltak", columns, (13,) * 8, ((("Kurs for ledere",), ("Kommunalsjef",), ("30.06.2027",),
                                                  ("Planlagt",), ("Antall deltakere",), ("20 000",), ("Politiet",),
                                                  ("Første kurs i mars",)),))
    first = dataclasses.replace(plan_document.sections[0], blocks=(wide,))
    document = docx.Document(io.BytesIO(docx_bytes(dataclasses.replace(
        plan_document, sections=(first, *plan_document.sections[1:])))))
    texts = [p.text for p in document.paragraphs]
    assert "Kurs for ledere" in texts and "Frist: 30.06.2027" in texts and "Merknad: Første kurs i mars" in texts
    assert not any(len(table.columns) == 8 for table in document.tables)
