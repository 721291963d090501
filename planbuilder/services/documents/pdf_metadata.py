"""What the PDF says about itself, beyond its pages: XMP metadata for the archive and link descriptions.

WeasyPrint writes the title, the author (the municipality), the language to the catalogue and, from the
dcterms.created / dcterms.modified meta of plan.html, the dates to both the document information and XMP.
This module adds to XMP what an archive files a decision by: the language (dc:language), the municipality as
publisher (dc:publisher) and the case number (dc:identifier); all are Dublin Core properties PDF/A knows, so
no extension schema is needed. And it describes each link annotation by what the reader sees (a section's
title), where WeasyPrint writes the internal anchor's name.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from xml.etree.ElementTree import SubElement, fromstring, tostring

import pydyf
from weasyprint.document import DocumentMetadata

from .document_model import PlanDocument

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/elements/1.1/"


def case_number(document: PlanDocument) -> str | None:
    """The case number the plan is filed under: the decision's (or, in a draft, the one the plan proposes); a
    version adopted before case numbers were recorded apart has only its one reference."""
    decision = document.cover.decision
    return decision.case_number or decision.reference or None


def w3c_datetime(moment: datetime | None) -> str | None:
    """A moment as W3C date-time in UTC, the form WeasyPrint reads from dcterms.created / modified."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class PlanMetadata(DocumentMetadata):
    """WeasyPrint's metadata of the document, with the plan's Dublin Core properties added to its XMP."""

    def __init__(self, metadata: DocumentMetadata, document: PlanDocument):
        super().__init__(**vars(metadata))
        self.properties = [("language", "Bag", document.language), ("publisher", "Bag", document.cover.municipality)]
        if number := case_number(document):
            self.properties.append(("identifier", None, number))

    def generate_rdf_metadata(self, variant, version, conformance):
        rdf = fromstring(super().generate_rdf_metadata(variant, version, conformance))
        description = SubElement(rdf, f"{{{RDF}}}Description", {f"{{{RDF}}}about": ""})
        for name, container, value in self.properties:
            element = SubElement(description, f"{{{DC}}}{name}")
            if container:
                element = SubElement(SubElement(element, f"{{{RDF}}}{container}"), f"{{{RDF}}}li")
            element.text = value
        return tostring(rdf, encoding="utf-8")


def describe_links(titles: dict[str, str]) -> Callable:
    """A WeasyPrint finisher giving each internal link annotation its target's title as /Contents (what a
    screen reader announces); a web or mail link keeps its address there."""
    def finish(_document, pdf) -> None:
        for pdf_object in pdf.objects:
            if not isinstance(pdf_object, dict) or pdf_object.get("Subtype") != "/Link":
                continue
            destination = pdf_object.get("Dest")
            title = titles.get(getattr(destination, "string", None))
            if title:
                pdf_object["Contents"] = pydyf.String(title)
    return finish

