"""What the DOCX says about itself (File > Info in Word, a file manager's details, a records system's import).

python-docx starts from a template saved by Word for Mac in 2013 and keeps its metadata: the application,
its version, a thumbnail of another document, dates in 2013, a spell check marked as done. A council's
records system files what it reads there, so every value is either true of this plan or left out.
"""
from __future__ import annotations

from datetime import UTC, datetime, time

from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from flask_babel import gettext as _
from lxml import etree

from ...locales import word_language
from .document_model import PlanDocument

APPLICATION = "Planbuilder"
_EXTENDED = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"


def describe(docx: DocxDocument, document: PlanDocument) -> None:
    describe_file(docx, title=document.cover.title,
                  subject=_("Version %(label)s", label=document.cover.version_label),
                  municipality=document.cover.municipality,
                  language=word_language(document.language, document.country), when=_document_time(document))


def describe_file(docx: DocxDocument, *, title: str, subject: str, municipality: str, language: str,
                  when: datetime) -> None:
    """The same for any document we make (the plan, its follow-up report): these values and nothing else."""
    properties = docx.core_properties
    properties.title, properties.subject = title, subject
    properties.author = properties.last_modified_by = municipality
    properties.language = language
    properties.created = properties.modified = when
    properties.revision = 1
    properties.comments = properties.keywords = properties.category = ""
    _application_properties(docx, municipality)
    _drop_thumbnail(docx)
    _drop_proofing_state(docx)


def _document_time(document: PlanDocument) -> datetime:
    """The date the plan carries (its decision, else its last change); the moment of export when it has none."""
    if document.cover.date is None:
        return datetime.now(UTC)
    return datetime.combine(document.cover.date, time(12), tzinfo=UTC)  # noon: the same date in every zone


def _application_properties(docx: DocxDocument, municipality: str) -> None:
    """docProps/app.xml rewritten whole: who made the file and whose it is, nothing counted or inherited."""
    part = docx.part.package.part_related_by(RT.EXTENDED_PROPERTIES)
    root = etree.Element(f"{{{_EXTENDED}}}Properties", nsmap={None: _EXTENDED})
    etree.SubElement(root, f"{{{_EXTENDED}}}Application").text = APPLICATION
    etree.SubElement(root, f"{{{_EXTENDED}}}Company").text = municipality
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _drop_thumbnail(docx: DocxDocument) -> None:
    """The template's preview picture shows some other document in file managers."""
    package_rels = docx.part.package.rels
    for rel_id in [r.rId for r in package_rels.values() if r.reltype == RT.THUMBNAIL]:
        del package_rels[rel_id]


def _drop_proofing_state(docx: DocxDocument) -> None:
    """The template marks spelling and grammar as already checked, so Word would not check the plan's text."""
    settings = docx.settings.element
    for state in settings.findall(qn("w:proofState")):
        settings.remove(state)
