"""The plan document: what a reader finds in the PDF, the DOCX and the preview, and who may see it."""
from __future__ import annotations

import copy
import gc
import hashlib
import html
import io
import re
import shutil
import subprocess
import sys
import threading
from datetime import date

import docx
import pytest
import weasyprint.urls
from conftest import page_text, require_tool, sign_in_as
from document_helpers import pdf_pages, pdf_text, squash
from flask import url_for
from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import func, insert, select
from sqlalchemy.exc import OperationalError
from wizard_helpers import form_fields

from planbuilder.extensions import db
from planbuilder.models import FrozenDocument, Plan, PlanVersion, RenderedDocument
from planbuilder.plan_templates import parse_template
from planbuilder.services.documents import rendering as documents
from planbuilder.services.documents.decision_record import DecisionRecord
from planbuilder.services.documents.document_model import Cover, build_document
from planbuilder.services.people import accounts
from planbuilder.services.plans import plans

SECTION_TITLES = ["Bakgrund och inriktning", "Koppling till det brottsförebyggande arbetet", "Ansvar", "Samverkan",
                  "Utbildning av medarbetare", "Särskilda insatser", "Hantering av oro",
                  "Sekretess och informationsdelning", "Stöd till anhöriga", "Lokal lägesbild",
                  "Åtgärder och uppföljning", "Dokumentuppgifter"]
INTERNAL_ONLY_LINE = "Avsnittet finns bara i den interna utgåvan."
HOSTILE = ('<img src="file:///etc/passwd"> <link rel="stylesheet" href="http://127.0.0.1:9/evil.css"> '
           '<script>alert(1)</script> http://127.0.0.1:9/tracker.png')


# ---- helpers ------------------------------------------------------------------------------------------

def demo_version() -> PlanVersion:
    plan = db.session.scalar(select(Plan).order_by(Plan.id))
    return plans.latest_version(plan)


def set_content(version: PlanVersion, change) -> None:
    content = copy.deepcopy(version.content)
    change(content)
    version.content = content
    db.session.commit()


def adopted_version(label: str = "2025") -> PlanVersion:
    """A version of the demo plan created as adopted in one go (content of adopted versions cannot change)."""
    draft = demo_version()
    version = PlanVersion(
        plan_id=draft.plan_id, label=label, status="adopted", content=copy.deepcopy(draft.content),
        template_id=draft.template_id, template_revision=draft.template_revision,
        decision_body="Kommunfullmäktige", decision_date=date(2026, 3, 12), decision_paragraph="KF § 42",
        case_number="KS 2026/0142",
    )
    db.session.add(version)
    db.session.commit()
    return version


def download(client, version: PlanVersion, fmt: str = "pdf", edition: str = "internal"):
    endpoint = "documents.pdf" if fmt == "pdf" else "documents.docx"
    response = client.get(url_for(endpoint, version_id=version.id, edition=edition))
    assert response.status_code == 200, response.status_code
    return response


def rendered_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(RenderedDocument))


@pytest.fixture
def version(seeded) -> PlanVersion:
    return demo_version()


@pytest.fixture
def internal_pdf(editor_client, version, shared_renders) -> bytes:
    return download(editor_client, version).data


# ---- the PDF ------------------------------------------------------------------------------------------

def test_pdf_has_every_section_in_template_order_with_contents_and_bookmarks(internal_pdf):
    pages = pdf_pages(internal_pdf)
    body = "".join(pages[3:])
    positions = [body.find(squash(f"{n} {title}")) for n, title in enumerate(SECTION_TITLES, start=1)]
    assert -1 not in positions and positions == sorted(positions)
    assert pages[1].startswith(squash("Förord Den här planen beskriver"))  # the foreword, unnumbered, first
    assert pages[2].startswith(squash("Innehåll"))
    for title in SECTION_TITLES:
        assert squash(title) in pages[2]
    outline = [item.title for item in PdfReader(io.BytesIO(internal_pdf)).outline if not isinstance(item, list)]
    assert outline == ["Förord", "Innehåll"] + [f"{n} {t}" for n, t in enumerate(SECTION_TITLES, start=1)]


def test_group_tables_print_their_rows_with_option_labels(internal_pdf):
    text = pdf_text(internal_pdf)
    for expected in ["Aktör", "Roll i arbetet", "Kontaktfunktion", "Mötesfrekvens",
                     "Polisen, lokalpolisområde Ekdala", "Kommunpolisen, via polisens växel 114 14",
                     "Varannan vecka", "Målgrupp", "Höstterminen 2026", "Klart senast", "Indikator",
                     "2026-03-31", "Genomförd", "Ej påbörjad", "Avbruten"]:
        assert squash(expected) in text, expected
    # Stored option values never reach the reader.
    for raw in ["varannan_vecka", "not_started", "manadsvis"]:
        assert raw not in text


def test_draft_is_marked_on_every_page(internal_pdf):
    pages = pdf_pages(internal_pdf)
    assert len(pages) > 5
    assert all("UTKAST" in page for page in pages)
    assert squash("Sida 3 av") in pages[2]


def test_adopted_version_has_no_draft_marking_and_shows_the_decision(editor_client, version):
    adopted = adopted_version()
    body = download(editor_client, adopted).data
    pages = pdf_pages(body)
    assert not any("UTKAST" in page for page in pages)
    cover = pages[0]
    for expected in ["Antagen", "Antagen av Kommunfullmäktige", "Beslutsdatum 12 mars 2026", "KS 2026/0142"]:
        assert squash(expected) in cover
    # Archival: PDF/A-3 (level A, which is also tagged).
    metadata = PdfReader(io.BytesIO(body)).trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in metadata and b'pdfaid:conformance="A"' in metadata


def test_public_edition_leaves_out_sensitive_sections_and_columns(editor_client, version, internal_pdf):
    public = download(editor_client, version, edition="public").data
    internal_text, public_text = pdf_text(internal_pdf), pdf_text(public)
    sensitive = ["Klistermärken och flygblad", "Kommunpolisen i lokalpolisområde Ekdala",
                 "Kontaktfunktion", "Kommunpolisen, via polisens växel", "Mottagningsenheten för barn och unga"]
    for text in sensitive:
        assert squash(text) in internal_text, text  # so the absence below means something
        assert squash(text) not in public_text, text
    assert squash("Polisen, lokalpolisområde Ekdala") in public_text  # the rest of the table stays
    assert "OFFENTLIGUTGÅVA" in pdf_pages(public)[0].upper()  # the cover prints it in capitals
    outline = [i.title for i in PdfReader(io.BytesIO(public)).outline if not isinstance(i, list)]
    # The section left out keeps its heading and number, so "section 7" is the same text in both editions.
    assert outline == ["Förord", "Innehåll"] + [f"{n} {t}" for n, t in enumerate(SECTION_TITLES, start=1)]
    assert squash(f"10 Lokal lägesbild {INTERNAL_ONLY_LINE}") in public_text
    assert squash(INTERNAL_ONLY_LINE) not in internal_text


def test_pdf_metadata_names_title_author_and_language(internal_pdf):
    reader = PdfReader(io.BytesIO(internal_pdf))
    assert reader.metadata.title == "Handlingsplan mot våldsbejakande extremism"
    assert reader.metadata.author == "Ekdala kommun"
    assert reader.trailer["/Root"]["/Lang"] == "sv"
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged


def test_fixed_texts_follow_the_plan_language_not_the_users(client, seeded, version, shared_renders):
    editor = accounts.find_user("editor@demo.example")
    editor.language = "en"
    db.session.commit()
    sign_in_as(client, "editor@demo.example")
    pages = pdf_pages(download(client, version).data)
    assert "Innehåll" in pages[2] and "Contents" not in pages[2]
    assert squash("Sida 2 av") in pages[1]


# ---- DOCX -----------------------------------------------------------------------------------------------

def test_docx_has_heading_styles_and_tables(editor_client, version):
    document = docx.Document(io.BytesIO(download(editor_client, version, "docx").data))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["Förord"] + [f"{n} {t}" for n, t in enumerate(SECTION_TITLES, start=1)]
    assert "Samverkansaktörer" in [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    actors = document.tables[0]
    assert actors.style.name == "Table Grid"
    assert [c.text for c in actors.rows[0].cells] == ["Aktör", "Roll i arbetet", "Kontaktfunktion", "Mötesfrekvens",
                                                      "Status"]
    assert len(actors.rows) == 1 + 9
    assert [c.text for c in actors.rows[1].cells][::3] == ["Polisen, lokalpolisområde Ekdala", "Månadsvis"]
    assert document.core_properties.author == "Ekdala kommun"
    assert document.core_properties.language == "sv-SE"
    # Word hyphenates (in Swedish) and fills in the table of contents when the file is opened.
    settings = [child.tag.split("}")[1] for child in document.settings.element]
    assert {"autoHyphenation", "updateFields"} <= set(settings)
    assert settings.index("defaultTabStop") < settings.index("autoHyphenation") < settings.index("compat")
    assert settings.index("updateFields") < settings.index("compat")


def test_public_docx_drops_the_sensitive_column_and_section(editor_client, version):
    document = docx.Document(io.BytesIO(download(editor_client, version, "docx", "public").data))
    assert [c.text for c in document.tables[0].rows[0].cells] == ["Aktör", "Roll i arbetet", "Mötesfrekvens",
                                                                  "Status"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Klistermärken och flygblad" not in text and "Offentlig utgåva" in text
    assert "10 Lokal lägesbild" in text and INTERNAL_ONLY_LINE in text


def test_docx_opens_in_libreoffice(editor_client, version, tmp_path):
    libreoffice = require_tool("libreoffice", "libreoffice-writer-nogui")
    source = tmp_path / "plan.docx"
    source.write_bytes(download(editor_client, version, "docx").data)
    subprocess.run([libreoffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=180)
    assert squash("Bakgrund och inriktning") in pdf_text((tmp_path / "plan.pdf").read_bytes())


# ---- safety -----------------------------------------------------------------------------------------------

@pytest.fixture
def guarded(monkeypatch):
    """Records every URL our fetcher is asked for, and fails on any other fetch, file open or connection."""
    asked, events = [], []
    real_fetch = documents.StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return real_fetch(self, url, headers)

    def default_fetch(self, url, headers=None):
        events.append(("default fetcher", url))
        raise AssertionError(f"WeasyPrint's own fetcher was used for {url}")

    def audit(event, args):
        if event == "open" and args and "passwd" in str(args[0]) or event == "socket.connect":
            events.append((event, args))

    monkeypatch.setattr(documents.StaticOnlyFetcher, "fetch", spy)
    monkeypatch.setattr(weasyprint.urls.URLFetcher, "fetch", default_fetch)
    _AUDIT["sink"] = audit
    yield asked, events
    _AUDIT["sink"] = None


_AUDIT = {"sink": None}
sys.addaudithook(lambda event, args: _AUDIT["sink"] and _AUDIT["sink"](event, args))


def test_html_and_urls_in_content_are_shown_as_text_and_never_fetched(editor_client, version, guarded):
    asked, events = guarded
    set_content(version, lambda c: c["bakgrund"].update(definition=HOSTILE))
    body = download(editor_client, version).data
    assert squash('<img src="file:///etc/passwd">') in pdf_text(body)
    # Only our static files are fetched (print.css is parsed once per process, the TOC's leader dot per render).
    static = documents.static_dir().as_uri() + "/"
    assert any(url == static + "leader-dot.svg" for url in asked)
    assert all(url.startswith(static) for url in asked)
    assert events == []
    preview = editor_client.get(url_for("documents.preview", version_id=version.id)).get_data(as_text=True)
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in preview and "<script>alert" not in preview
    document = docx.Document(io.BytesIO(download(editor_client, version, "docx").data))
    assert HOSTILE in [p.text for p in document.paragraphs]


def test_fetcher_serves_only_our_static_files(app, tmp_path):
    static = documents.static_dir()
    fetcher = documents.StaticOnlyFetcher(static)
    served = fetcher.fetch((static / "print.css").as_uri())
    assert served.read() == (static / "print.css").read_bytes()
    (tmp_path / "evil.css").symlink_to("/etc/passwd")
    outside = documents.StaticOnlyFetcher(tmp_path)
    refused = ["file:///etc/passwd", f"{static.as_uri()}/../../../../etc/passwd",
               f"{static.as_uri()}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "http://127.0.0.1:9/print.css",
               "https://example.org/print.css", "data:text/css,body{color:red}", "ftp://example.org/x.css",
               f"{static.as_uri()}/app.js", f"file://example.org{static}/print.css"]
    for url in refused:
        with pytest.raises(documents.RefusedURLError):
            fetcher.fetch(url)
    with pytest.raises(documents.RefusedURLError):
        outside.fetch((tmp_path / "evil.css").as_uri())


def test_two_renders_at_the_same_time_both_come_out_whole(app, version):
    """Two people download at once: each gets the whole document (a font map or stylesheet lent to two
    renders at the same time would garble or crash one of them)."""
    version_id, results = version.id, []

    def render() -> None:
        with app.app_context():
            results.append(pdf_text(documents.render_pdf(db.session.get(PlanVersion, version_id), "internal")))

    threads = [threading.Thread(target=render) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2 and results[0] == results[1]
    assert all(squash(title) in results[0] for title in SECTION_TITLES)


def test_what_renders_leave_behind_is_freed_once_each_is_done(version):
    """A worker renders one document after another with little else in between, so Python's collector would
    rarely get to the cycles a render leaves (the layout's boxes): each render must free its own, or the worker
    grows by megabytes a render (seen: 1.3 GB after 70 jobs). As a review's jobs run: DOCX, then PDF."""
    def render_both() -> None:
        documents.render_docx(version, "internal")
        documents.render_pdf(version, "internal")

    render_both()  # the fonts, stylesheet and templates, loaded once and kept
    gc.collect()
    objects_before = len(gc.get_objects())
    render_both()
    left_behind = len(gc.get_objects()) - objects_before
    assert left_behind < 1000


def test_an_edited_print_stylesheet_is_used_by_the_next_render(app, version, tmp_path):
    shutil.copytree(documents.static_dir(), tmp_path / "static")
    app.static_folder = str(tmp_path / "static")
    first = PdfReader(io.BytesIO(documents.render_pdf(version, "internal"))).pages[0].mediabox
    assert (round(first.width), round(first.height)) == (595, 842)  # A4 in points
    with (tmp_path / "static" / "print.css").open("a", encoding="utf-8") as css:
        css.write("\n@page { size: A5 }\n")
    second = PdfReader(io.BytesIO(documents.render_pdf(version, "internal"))).pages[0].mediabox
    assert (round(second.width), round(second.height)) == (420, 595)


def test_hostile_sizes_and_scripts_render(editor_client, version):
    long_word = "Extremismförebyggandesamverkansöverenskommelse" * 7  # over 300 characters
    rows = [{"_id": f"{n:08x}", "name": f"Rad {n} {long_word if n == 1 else ''}", "meeting_cadence": "vid_behov",
             "description": "Ünïcødé: שלום, مرحبا, 東京, emoji 🙂🚓"} for n in range(1, 201)]

    def change(content):
        content["samverkan"]["aktorer"] = rows
        content["bakgrund"]["definition"] = f"{long_word}\n\nÆble, øl og ål – Привет, ΕΛΛΑΣ – {long_word}"
        content["sarskilda"] = {}

    set_content(version, change)
    pages = pdf_pages(download(editor_client, version).data)
    text = "".join(pages)
    assert len(pages) > 15  # 200 rows run over many pages
    assert squash(long_word) in text and squash("Æble, øl og ål – Привет, ΕΛΛΑΣ") in text
    assert squash("Särskilda insatser Ej ifyllt") in text  # an empty section says so in one line
    # pypdf cannot decode the text of a font WeasyPrint re-encodes for glyphs no font has (emoji, CJK),
    # so the table rows are counted in the DOCX and the preview.
    document = docx.Document(io.BytesIO(download(editor_client, version, "docx").data))
    assert len(document.tables[0].rows) == 201
    preview = page_text(editor_client.get(url_for("documents.preview", version_id=version.id)))
    assert "Rad 200" in preview and "東京, emoji 🙂🚓" in preview


# ---- caching and frozen documents -------------------------------------------------------------------------

@pytest.mark.parametrize("fmt, renderer", [("pdf", "render_pdf"), ("docx", "render_docx")])
def test_repeat_download_is_served_from_the_cache(editor_client, version, monkeypatch, fmt, renderer):
    real, calls = getattr(documents, renderer), []
    monkeypatch.setattr(documents, renderer, lambda v, e: calls.append(e) or real(v, e))
    first = download(editor_client, version, fmt).data
    second = download(editor_client, version, fmt).data
    assert first == second and calls == ["internal"]
    set_content(version, lambda c: c["ansvar"].update(politiskt_ansvar="Kommunfullmäktige"))
    download(editor_client, version, fmt)
    assert len(calls) == 2  # changed content is rendered again …
    assert rendered_rows() == 1  # … and replaces the stale copy


def test_concurrent_render_of_the_same_document_serves_the_stored_one(editor_client, version, monkeypatch):
    theirs = b"%PDF-1.7 stored by another process"

    def render_while_another_process_stores(v, edition):
        key = documents.cache_key(v, edition, "pdf")
        with db.engine.begin() as other:
            other.execute(insert(RenderedDocument).values(
                cache_key=key, version_id=v.id, edition=edition, format="pdf", content=theirs,
                sha256=hashlib.sha256(theirs).hexdigest()))
        return b"%PDF-1.7 ours"

    monkeypatch.setattr(documents, "render_pdf", render_while_another_process_stores)
    assert download(editor_client, version).data == theirs
    assert rendered_rows() == 1


def test_frozen_document_is_returned_byte_for_byte(editor_client, monkeypatch):
    adopted = adopted_version()
    frozen = b"%PDF-1.7 rendered at adoption"
    db.session.add(FrozenDocument(version_id=adopted.id, edition="internal", content=frozen,
                                  sha256=hashlib.sha256(frozen).hexdigest()))
    db.session.commit()
    monkeypatch.setattr(documents, "render_pdf", lambda v, e: pytest.fail("a frozen PDF was rendered again"))
    assert download(editor_client, adopted).data == frozen


# ---- routes, scope and the command ------------------------------------------------------------------------

def test_preview_page_shows_the_document_and_download_links(reviewer_client):
    version = demo_version()
    response = reviewer_client.get(url_for("documents.preview", version_id=version.id))
    assert response.status_code == 200
    text = page_text(response)
    for n, title in enumerate(SECTION_TITLES, start=1):
        assert f"{n} {title}" in text
    body = response.get_data(as_text=True)
    for endpoint in ("documents.pdf", "documents.docx"):
        for edition in ("internal", "public"):
            assert url_for(endpoint, version_id=version.id, edition=edition).replace("&", "&amp;") in body
    public = page_text(reviewer_client.get(url_for("documents.preview", version_id=version.id, edition="public")))
    assert "Klistermärken och flygblad" not in public and "Offentlig utgåva" in public
    assert f"10 Lokal lägesbild {INTERNAL_ONLY_LINE}" in public


def test_download_has_a_safe_file_name(editor_client, version, shared_renders):
    response = download(editor_client, version, edition="public")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="handlingsplan-mot-valdsbejakande-extremism-2026-offentlig-utgava.pdf"')  # the plan's words
    assert "no-store" in response.headers["Cache-Control"]


def test_unknown_edition_is_refused_with_a_message(editor_client, version):
    for endpoint in ("documents.pdf", "documents.docx", "documents.preview"):
        response = editor_client.get(url_for(endpoint, version_id=version.id, edition="secret"))
        assert response.status_code == 400
        text = html.unescape(page_text(response))  # the user's language; the edition names are the URL's words
        assert "'secret'" in text and "internal" in text and "public" in text


def test_other_municipalities_and_anonymous_users_cannot_see_the_document(client, seeded, version):
    for endpoint in ("documents.preview", "documents.pdf", "documents.docx"):
        assert client.get(url_for(endpoint, version_id=version.id)).status_code in (302, 303)
    elsewhere = accounts.create_municipality("Norrby kommun", "SE")
    accounts.create_user("outsider@norrby.example", "Outsider", "demo-password-1", elsewhere, "admin")
    sign_in_as(client, "outsider@norrby.example")
    for endpoint in ("documents.preview", "documents.pdf", "documents.docx"):
        assert client.get(url_for(endpoint, version_id=version.id)).status_code == 404
    assert client.get(url_for("documents.pdf", version_id=9999)).status_code == 404


def test_cli_render_writes_a_valid_file(runner, version, tmp_path):
    pdf, docx_file, html_file = tmp_path / "plan.pdf", tmp_path / "plan.docx", tmp_path / "plan.html"
    result = runner.invoke(args=["plans", "render", str(version.id), "--format", "pdf", "--edition", "public",
                                 "-o", str(pdf)])
    assert result.exit_code == 0, result.output
    assert "OFFENTLIGUTGÅVA" in pdf_pages(pdf.read_bytes())[0].upper()
    assert runner.invoke(args=["plans", "render", str(version.id), "--format", "docx", "-o", str(docx_file)]
                         ).exit_code == 0
    assert docx.Document(str(docx_file)).core_properties.title == "Handlingsplan mot våldsbejakande extremism"
    assert runner.invoke(args=["plans", "render", str(version.id), "--format", "html", "-o", str(html_file)]
                         ).exit_code == 0
    assert '<html lang="sv">' in html_file.read_text(encoding="utf-8")


def test_cli_render_names_an_unknown_version(runner, seeded, tmp_path):
    result = runner.invoke(args=["plans", "render", "9999", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1
    assert "no plan version with id 9999" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.pdf").exists()


# ---- the document model's rules, on a small template --------------------------------------------------------

SMALL_TEMPLATE = {
    "id": "xx-small", "revision": 1, "country": "NO", "language": "nb", "title": "Liten plan",
    "sections": [
        {"id": "a", "title": "Åpen del", "fields": [
            {"id": "open", "type": "short_text", "label": "Åpent felt"},
            {"id": "secret", "type": "short_text", "label": "Hemmelig felt", "sensitive": True},
            {"id": "empty", "type": "long_text", "label": "Tomt felt"},
            {"id": "rows", "type": "group", "label": "Rader", "fields": [
                {"id": "name", "type": "short_text", "label": "Navn"},
                {"id": "phone", "type": "short_text", "label": "Telefon", "sensitive": True},
                {"id": "ok", "type": "yes_no", "label": "Avklart"}]}]},
        {"id": "b", "title": "Tom del", "optional": True, "fields": [
            {"id": "x", "type": "long_text", "label": "Tekst"}]},
    ],
}


def test_model_leaves_out_sensitive_and_empty_fields(app):
    from flask_babel import force_locale

    template = parse_template(SMALL_TEMPLATE, "test")
    content = {"a": {"open": "Synlig", "secret": "Skjult", "empty": "  ",
                     "rows": [{"_id": "0000000a", "name": "Ola", "phone": "99 99 99 99", "ok": True},
                              {"_id": "0000000b", "phone": "11 11 11 11"}]}}
    cover = Cover("Bø kommune", "Plan", "1", "draft")
    with force_locale("nb"):
        internal = build_document(template, content, cover, "internal")
        public = build_document(template, content, cover, "public")
    facts, table = internal.sections[0].blocks
    assert [v.label for v in facts.values] == ["Åpent felt", "Hemmelig felt"]  # the empty long text is left out
    assert table.columns == ("Navn", "Telefon", "Avklart") and len(table.rows) == 2
    assert table.rows[0][2] == ("Ja",)
    public_facts, public_table = public.sections[0].blocks
    assert [v.value for v in public_facts.values] == ["Synlig"]
    # The column goes, and so does the row that held nothing but sensitive values.
    assert public_table.columns == ("Navn", "Avklart") and public_table.rows == ((("Ola",), ("Ja",)),)
    assert internal.sections[1].blocks == ()


def test_bidi_controls_are_left_out_of_what_is_printed_but_kept_as_stored(app):
    """A right-to-left override in a decision reference would print the rest of the line reversed."""
    template = plans.template_for("se-vbe")
    content = {"ansvar": {"samordnare": "Trygghets\u202esamordnare"}}
    cover = Cover(municipality="Ekdala kommun", title="Plan", version_label="2026", status="adopted",
                  decision=DecisionRecord(adopted=True, case_number="KS \u202e2026/118\u202c"))
    with force_locale("sv"):
        document = build_document(template, content, cover, "internal")
    assert document.cover.decision.case_number == "KS 2026/118"
    assert ("Diarienummer", "KS 2026/118") in document.cover_facts
    ansvar = next(section for section in document.sections if section.id == "ansvar")
    # The coordinator's role is a long text (paragraphs); short answers print as values.
    printed = [text for block in ansvar.blocks
               for text in (*getattr(block, "paragraphs", ()), *(v.value for v in getattr(block, "values", ())))]
    assert "Trygghetssamordnare" in printed
    assert content["ansvar"]["samordnare"] == "Trygghets\u202esamordnare"


def test_the_preview_needs_no_inline_style_so_the_page_keeps_its_policy(editor_client, version):
    """The app's Content-Security-Policy allows no inline styles: a table's column widths come as classes."""
    body = editor_client.get(url_for("documents.preview", version_id=version.id)).get_data(as_text=True)
    assert "style-src 'self'" in editor_client.get(url_for("documents.preview", version_id=version.id)) \
        .headers["Content-Security-Policy"]
    assert " style=" not in body and "<style" not in body
    assert re.search(r'<col class="col-w-\d+">', body)


def _disk_full(monkeypatch):
    """Every commit from now on is refused the way SQLite refuses it when the disk is full."""
    def refused(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("database or disk is full"))

    monkeypatch.setattr(db.session, "commit", refused)


def test_with_the_disk_full_a_download_says_it_could_not_be_stored(editor_client, version, monkeypatch):
    _disk_full(monkeypatch)
    response = editor_client.get(url_for("documents.pdf", version_id=version.id))
    assert response.status_code == 507
    assert "storage is full" in page_text(response)
    assert "cannot reach the database" not in page_text(response)
    monkeypatch.undo()
    assert rendered_rows() == 0
    # Once there is room again, "try again" makes it.
    again = editor_client.get(url_for("documents.pdf", version_id=version.id))
    assert again.status_code == 200 and again.data.startswith(b"%PDF-")


def test_with_the_disk_full_an_autosave_says_it_could_not_be_stored(editor_client, version, monkeypatch):
    plan_id = version.plan_id
    page = editor_client.get(url_for("wizard.section", plan_id=plan_id, section_id="ansvar"))
    _disk_full(monkeypatch)
    data = {**form_fields(page.get_data(as_text=True)), "samordnare": "Ny text", "_autosave": "samordnare"}
    response = editor_client.post(url_for("wizard.section", plan_id=plan_id, section_id="ansvar"), data=data,
                                  headers={"HX-Request": "true"})
    assert response.status_code == 507
    assert "Not saved: This could not be stored." in page_text(response)
    assert "cannot reach the database" not in page_text(response)
