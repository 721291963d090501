"""The DOCX as a council secretary receives it: contents already filled in, table rows that stay whole, and
file properties that say who made it and whose it is."""
from __future__ import annotations

import io
import zipfile

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
