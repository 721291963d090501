"""Reading documents as a person (or a screen reader, or a search) would: the text of a PDF, of a DOCX."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import unicodedata

import docx
from pypdf import PdfReader


def squash(text: str) -> str:
    """Text with line breaks, hyphenation and spacing taken out, so a phrase is found wherever lines break."""
    return re.sub(r"[\s\-\u2010\u00ad]+", "", unicodedata.normalize("NFKC", text))


def pdf_pages(body: bytes) -> list[str]:
    return [squash(page.extract_text()) for page in PdfReader(io.BytesIO(body)).pages]


def pdf_text(body: bytes) -> str:
    return "".join(pdf_pages(body))


def pdftotext(body: bytes) -> list[str]:
    """Each page as poppler's pdftotext reads it (what copy-paste and most PDF readers give), whitespace kept."""
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed"
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=body, capture_output=True,
                          check=True).stdout.decode("utf-8")
    return text.split("\f")


def docx_text(body: bytes) -> str:
    """Every paragraph of a DOCX, tables included, one per line."""
    document = docx.Document(io.BytesIO(body))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(lines)
