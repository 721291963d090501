"""The printed plan as a council secretary and an archive read it: addresses, dates and case numbers whole,
tables that fit, the draft mark out of the text, one described link per contents entry, archival metadata."""
from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from conftest import require_tool
from pypdf import PdfReader
from sqlalchemy import select
from test_documents import adopted_version, squash

from planbuilder.extensions import db
from planbuilder.fields.blocks import Table
from planbuilder.models import Plan
from planbuilder.services.documents import rendering as documents
from planbuilder.services.documents.tables import table_layout
from planbuilder.services.documents.typography import printed
from planbuilder.services.plans import plans

HYPHENS = "\u2010\\-\u00ad"
STATIC = Path(__file__).resolve().parent.parent / "static"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "planbuilder" / "translations"


# ---- helpers ------------------------------------------------------------------------------------------

def pdftotext(body: bytes) -> list[str]:
    """The text of each page as poppler extracts it (what copy-paste and most indexers see), layout kept."""
    done = subprocess.run([require_tool("pdftotext", "poppler-utils"), "-layout", "-", "-"], input=body,
                          capture_output=True, check=True)
    return done.stdout.decode("utf-8").split("\f")[:-1]


def demo_pdf(template_id: str) -> bytes:
    plan = db.session.scalar(select(Plan).where(Plan.template_id == template_id).order_by(Plan.id))
    return documents.render_pdf(plans.latest_version(plan), "internal")


def annotations(body: bytes) -> list[tuple[int, dict]]:
    """Every annotation with the number of its page (0-based)."""
    reader = PdfReader(io.BytesIO(body))
    return [(number, annot.get_object()) for number, page in enumerate(reader.pages)
            for annot in page.get("/Annots") or ()]


@pytest.fixture
def norwegian_pdf(seeded, shared_renders) -> bytes:
    return demo_pdf("no-vbe")


@pytest.fixture
def danish_pdf(seeded, shared_renders) -> bytes:
    return demo_pdf("dk-ekstremisme")


# ---- user text is printed whole and inert ---------------------------------------------------------------

def test_addresses_become_links_and_user_text_stays_inert():
    html = str(printed('Skriv til kari.nordmann@fjellvik.example eller se https://x.example/a?b=1. '
                       '<b onclick="x">fet</b> javascript:alert(1) "http://evil.example/"onmouseover=x'))
    assert '<a class="link" href="mailto:kari.nordmann@fjellvik.example">' in html
    assert 'href="https://x.example/a?b=1"' in html  # the sentence's full stop is not part of the address
    assert "<b" not in html and "&lt;b onclick=&#34;x&#34;&gt;" in html
    assert 'href="javascript' not in html
    assert 'href="http://evil.example/"' in html and "&#34;onmouseover=x" in html  # the quote stays text
    assert re.findall(r'href="([a-z]+):', html) == ["mailto", "https", "http"]


def test_dates_phone_numbers_and_case_numbers_are_kept_on_one_line():
    html = str(printed("Frist 30.06.2026, ring 12 34 50 00 om KS 2026/0142 eller sak 27.00.00-P22-4-26."))
    for token in ["30.06.2026", "12 34 50 00", "KS 2026/0142", "27.00.00-P22-4-26"]:
        assert f'<span class="nobreak">{token}</span>' in html


def test_listed_words_break_only_where_the_language_allows():
    html = str(printed("indsats fra socialpsykiatrien", "da"))
    # Kept whole: soft hyphens would make WeasyPrint map the hyphen glyph to U+00AD, and pdftotext would then
    # drop every hyphen in the document.
    assert '<span class="hyphens-manual">socialpsykiatrien</span>' in html
    assert printed("socialpsykiatrien", "en") == "socialpsykiatrien"


def test_email_url_and_case_number_come_out_of_the_pdf_whole(norwegian_pdf, danish_pdf):
    norwegian = "".join(pdftotext(norwegian_pdf))
    for address in ["kari.nordmann@fjellvik.example", "radikaliseringskontakt.fjordkyst@politiet.example",
                    "slt@fjellvik.example"]:
        assert re.search(re.escape(address).replace(r"\.", r"\.\s*").replace("@", r"@\s*"), norwegian), address
    assert not re.search(rf"[\w.]+[{HYPHENS}]\s*\n\s*[\w.]*@", norwegian)  # no address hyphenated at a line end
    danish = "".join(pdftotext(danish_pdf))
    url = "https://www.soendervig.example/beredskab-ekstremisme"
    assert url in re.sub(r"/\s+", "/", danish)  # it may break after "/", never at its "-" (read as a hyphen)
    assert "SSP-styregruppen" in danish  # hyphens in ordinary words survive
    assert "27.00.00-P22-4-26" in danish
    assert "socialp\u2010" not in danish and "socialp-" not in danish
    targets = {annot["/A"]["/URI"] for _, annot in annotations(danish_pdf) if "/A" in annot}
    assert url in targets
    assert "mailto:kari.nordmann@fjellvik.example" in {
        annot["/A"]["/URI"] for _, annot in annotations(norwegian_pdf) if "/A" in annot}


# ---- tables ------------------------------------------------------------------------------------------

def _table(columns: tuple[str, ...], row: tuple[str, ...], widths: tuple[int, ...] | None = None) -> Table:
    return Table("t", columns, widths or tuple(100 // len(columns) for _ in columns), (tuple((c,) for c in row),))


def test_dates_and_statuses_keep_their_width_and_a_crowded_group_prints_by_row():
    five = _table(("Åtgärd", "Ansvarig", "Klart senast", "Indikator", "Status"),
                  ("Utbilda all personal i skolan om propaganda och källkritik", "Rektor vid varje skola",
                   "30.06.2026", "Alla medarbetare har gått utbildningen och har tillgång till materialet", "Pågår"),
                  (20, 20, 12, 20, 12))
    layout = table_layout(five)
    assert not layout.as_rows and sum(layout.widths) == 100
    assert layout.one_line == (False, False, True, False, True)
    assert layout.widths[2] * 1.63 >= 10 * 1.75 + 4.4  # "30.06.2026" fits its column (163 mm is 100 %)
    eight = _table(("Indsats", "Niveau", "Opgave", "Hjemmel", "Ansvarlig", "Frist", "Indikator", "Status"),
                   ("Forløb", "Generel", "Generel forebyggelse", "Folkeskoleloven", "Skolechefen", "18.12.2026",
                    "Forløbet er gennemført i alle 8. klasser", "I gang"))
    assert table_layout(eight).as_rows


def test_the_eight_column_group_prints_one_block_per_row_with_whole_dates(danish_pdf):
    text = "".join(pdftotext(danish_pdf))
    assert "Nivea\n" not in text and not re.search(r"30\.06\.\s*\n", text)
    assert re.search(r"Frist\s+30\.06\.2026", text)  # a row's label and its value side by side
    assert re.search(r"Niveau\s+Generel", text)


# ---- the draft mark, the contents' links, the archive ------------------------------------------------------

def test_the_draft_watermark_is_not_text_and_the_running_head_still_says_draft(norwegian_pdf):
    pages = pdftotext(norwegian_pdf)
    assert not any("U T K A S T" in page for page in pages)
    # Once a page: the cover's badge, then the running head; nothing from the mark behind the text.
    assert all(re.sub(r"\s", "", page).count("UTKAST") == 1 for page in pages), [p.count("UTKAST") for p in pages]


def test_every_translation_has_its_draft_watermark():
    languages = {p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES" / "messages.po").is_file()}
    css = (STATIC / "print.css").read_text(encoding="utf-8")
    for language in languages:
        assert (STATIC / "watermarks" / f"draft-{language}.png").is_file()  # a picture: no text to extract
        assert f"url(watermarks/draft-{language}.png)" in css


def test_each_contents_entry_is_one_link_described_by_its_title(norwegian_pdf):
    reader = PdfReader(io.BytesIO(norwegian_pdf))
    contents_page = reader.pages[1]
    links = [a.get_object() for a in contents_page.get("/Annots") or ()]
    titles = [item.title for item in reader.outline if not isinstance(item, list)][1:]  # after "Innhold"
    assert [link["/Contents"] for link in links] == [re.sub(r"^\d+ ", "", title) for title in titles]
    assert all(link["/Subtype"] == "/Link" and "/Dest" in link for link in links)


def test_adopted_plan_is_pdf_a_with_the_archive_metadata(app, seeded):
    body = documents.render_pdf(adopted_version(), "internal")
    reader = PdfReader(io.BytesIO(body))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="A"' in xmp
    for expected in ["<dc:title>", ">Handlingsplan mot våldsbejakande extremism<", "<dc:language>",
                     "<rdf:li>sv</rdf:li>", "<dc:publisher>", ">Ekdala kommun<",
                     "<dc:identifier>KS 2026/0142</dc:identifier>", "<xmp:CreateDate>", "<xmp:ModifyDate>"]:
        assert expected in xmp, expected
    assert reader.metadata["/CreationDate"] and reader.metadata["/ModDate"]
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font).get(
                "/FontDescriptor")
            assert descriptor is not None and {"/FontFile", "/FontFile2", "/FontFile3"} & set(
                descriptor.get_object()), font.get("/BaseFont")
    links = [annot for _, annot in annotations(body) if annot["/Subtype"] == "/Link"]
    assert links and all(str(link.get("/Contents", "")).strip() for link in links)
    assert "UTKAST" not in squash("".join(pdftotext(body)))


def test_a_section_sign_stays_with_its_number():
    html = str(printed("efter retsplejelovens § 115 og serviceloven § 12 b", "da"))
    assert '<span class="nobreak">§ 115</span>' in html and '<span class="nobreak">§ 12 b</span>' in html
