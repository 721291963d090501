"""The DOCX as a council secretary receives it: contents already filled in, table rows that stay whole, and
file properties that say who made it and whose it is."""
from __future__ import annotations

import io
import zipfile

import docx
import pytest
from lxml import etree
from sqlalchemy import select

from planbuilder.extensions import db
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


def part(body: bytes, name: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return etree.fromstring(archive.read(name))


# ---- tables ----------------------------------------------------------------------------------------------

def test_table_rows_never_split_and_header_rows_repeat(plan_document):
    body = part(docx_bytes(plan_document), "word/document.xml")
    tables = list(body.iter(f"{W}tbl"))
    assert tables
    for table in tables:
        rows = table.findall(f"{W}tr")
        flags = [[child.tag.removeprefix(W) for child in row.find(f"{W}trPr")] for row in rows]
        assert flags[0] == ["cantSplit", "tblHeader"]  # in the schema's order, which Word insists on
        assert all(row_flags == ["cantSplit"] for row_flags in flags[1:])


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
