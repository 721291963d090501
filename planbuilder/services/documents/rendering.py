"""The plan document of a version: HTML (preview and export) and PDF, rendered offline.

The document templates (templates/documents/) have their own Jinja environment: StrictUndefined, so a
missing value is an error and not a blank on an adopted plan, and autoescape, so user text is always inert.
Fixed texts follow the plan TEMPLATE's language, whatever language the person downloading uses.
"""
from __future__ import annotations

import gc
import hashlib
import json
import logging
import mimetypes
import re
import threading
import unicodedata
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import lru_cache, wraps
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from flask import current_app
from flask_babel import force_locale, format_date, gettext, ngettext
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from ...config import REPO_ROOT
from ...extensions import db
from ...models import FROZEN_STATUSES, FrozenDocument, PlanVersion, RenderedDocument
from ...plan_templates import PlanTemplate
from ...storage import is_storage_full
from ..plans.plans import template_for
from . import document_files
from .cover import cover_of, history_inputs, revision_history
from .document_model import EDITIONS, PlanDocument, build_document
from .docx_export import docx_bytes
from .pdf_metadata import PlanMetadata, describe_links, w3c_datetime
from .tables import table_layout
from .typography import printed

# Part of every cache key: raise it whenever the layout changes (templates/documents/, static/print.css, the
# DOCX layout, the document's fixed texts or their translations), so no stale document is served again.
RENDERER_REVISION = 7
log = logging.getLogger(__name__)
MIME_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
}
DOCUMENT_TEMPLATES = REPO_ROOT / "templates" / "documents"
# Only these kinds of static file may be pulled into a PDF; anything else under static/ is refused too.
FETCHABLE_SUFFIXES = (".css", ".png", ".svg", ".jpg", ".jpeg", ".woff2", ".woff", ".ttf", ".otf")


class UnknownEditionError(ValueError):
    """An edition other than internal or public was asked for."""


class RefusedURLError(ValueError):
    """The document asked for something that is not one of our static files; it is never fetched."""


def check_edition(edition: str) -> str:
    if edition not in EDITIONS:
        raise UnknownEditionError(f"There is no edition '{edition}'; choose one of: {', '.join(EDITIONS)}.")
    return edition


@lru_cache(maxsize=1)
def document_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(DOCUMENT_TEMPLATES)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # Flask-Babel's gettext reads the locale forced around the render, so the texts follow the plan's language.
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    # Empty spans whose ::after prints counter(page) / counter(pages), so "page X of Y" is one translatable text.
    env.globals["page_number"] = Markup('<span class="page-number"></span>')
    env.globals["page_count"] = Markup('<span class="page-count"></span>')
    env.filters["long_date"] = lambda value: format_date(value, "long") if value else ""
    env.filters["printed"] = printed
    env.filters["table_layout"] = table_layout
    return env


def template_of(version: PlanVersion) -> PlanTemplate:
    return template_for(version.template_id)


def build(version: PlanVersion, edition: str) -> PlanDocument:
    template = template_of(version)
    with force_locale(template.language):
        return build_document(template, version.content or {}, cover_of(version), check_edition(edition),
                              history=revision_history(version, edition))


def _render(document: PlanDocument, page: str, **context) -> str:
    with force_locale(document.language):
        return document_environment().get_template(page).render(doc=document, **context)


def document_dates(version: PlanVersion) -> dict[str, str | None]:
    """When the version was made and last changed (adopted, for an adopted one): the PDF's metadata dates."""
    modified = version.adopted_at if version.is_frozen and version.adopted_at else version.updated_at
    return {"created": w3c_datetime(version.created_at), "modified": w3c_datetime(modified or version.created_at)}


def preview_html(version: PlanVersion, edition: str) -> Markup:
    """The document's body for the preview page; the very markup the PDF is printed from."""
    return Markup(_render(build(version, edition), "_document.html"))


def standalone_html(version: PlanVersion, edition: str) -> str:
    """A self-contained HTML file (our print CSS inlined), for the html export and the Chromium benchmark."""
    css = (static_dir() / "print.css").read_text(encoding="utf-8")
    return _render(build(version, edition), "plan.html", inline_css=Markup(css), **document_dates(version))


def static_dir() -> Path:
    return Path(current_app.static_folder or REPO_ROOT / "static").resolve()


class StaticOnlyFetcher(URLFetcher):
    """Serves our own static files to WeasyPrint and refuses every other URL without touching it.

    Resolving the path first (symlinks, '..', percent-escapes) and then checking it is inside static/ is what
    stops traversal; a refused URL raises before anything is opened or any connection is made.
    """

    def __init__(self, root: Path):
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = root.resolve()

    def static_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost") or parts.query:
            return None
        try:
            path = Path(url2pathname(unquote(parts.path))).resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            return None
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path if path.suffix.lower() in FETCHABLE_SUFFIXES else None

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        path = self.static_path(url)
        if path is None:
            raise RefusedURLError(f"not one of our static files: {url[:200]}")
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime_type})


def pdf_options(document: PlanDocument) -> dict:
    """Adopted (and superseded) plans are archived: PDF/A-3a, which is also tagged. Drafts: tagged PDF/UA-1."""
    return {"pdf_variant": "pdf/ua-1" if document.is_draft else "pdf/a-3a"}


@dataclass
class PrintSetup:
    """What every render needs and no render changes: a font configuration and our print.css parsed for it.

    Made afresh, they cost each render tens of milliseconds, and a fresh FontConfiguration is a fresh Pango
    font map whose font, glyph and shaping caches all start empty; so they are made once and reused. What they
    keep is fonts and measurements per style, never a document's text. A Pango font map must not be used by
    two threads at once, so a render borrows a setup for its duration (see print_setup).
    """
    font_config: FontConfiguration
    stylesheet: CSS
    source: tuple[str, int, int]  # print.css as parsed (path, mtime_ns, size); an edited file is parsed again


_idle_setups: list[PrintSetup] = []  # list.append / list.pop are atomic, so no lock is needed


def _stylesheet_source(root: Path) -> tuple[str, int, int]:
    path = root / "print.css"
    stat = path.stat()
    return str(path), stat.st_mtime_ns, stat.st_size


@contextmanager
def print_setup(root: Path) -> Iterator[PrintSetup]:
    """Lends a PrintSetup that no other render is using; made on first need, so there are as many as there
    are renders at the same time in this process."""
    source = _stylesheet_source(root)
    try:
        setup = _idle_setups.pop()
    except IndexError:
        font_config = FontConfiguration()
        setup = PrintSetup(font_config, _parse_print_css(root, font_config), source)
    if setup.source != source:
        setup = PrintSetup(setup.font_config, _parse_print_css(root, setup.font_config), source)
    try:
        yield setup
    finally:
        _idle_setups.append(setup)


def _parse_print_css(root: Path, font_config: FontConfiguration) -> CSS:
    # Through our fetcher like everything else, so an @import or url() in it is held to the same rule.
    return CSS(url=(root / "print.css").as_uri(), url_fetcher=StaticOnlyFetcher(root), font_config=font_config)


_renders_running = 0
_renders_lock = threading.Lock()


def gc_spares_older_objects(render: Callable[..., bytes]) -> Callable[..., bytes]:
    """`render`, during which Python's cyclic garbage collector leaves alone the objects that existed before.

    A render makes a few hundred thousand objects, enough to set off a full collection, which then scanned
    the whole server's heap: an eighth of the render (0.15-0.2 s of 1.2 s for the demo plan). gc.freeze()
    sets the older objects aside and gc.unfreeze() gives them back, both at no cost. Once the render has
    returned, what it left behind is collected before the older objects are given back: a worker that only
    renders, one job after another, never allocates enough between renders to set off a full collection, and
    each render's cycles (the layout's boxes) were frozen with the older objects by the next one — 10 MB a
    render, a worker of 1.3 GB after 70 jobs. Nothing is done where the application has frozen objects itself."""
    @wraps(render)
    def sparing(*args, **kwargs) -> bytes:
        global _renders_running
        with _renders_lock:
            ours = _renders_running > 0 or gc.get_freeze_count() == 0
            if ours:
                if _renders_running == 0:
                    gc.freeze()
                _renders_running += 1
        try:
            return render(*args, **kwargs)
        finally:
            if ours:
                with _renders_lock:
                    _renders_running -= 1
                    if _renders_running == 0:
                        gc.collect()  # only the objects made since the freeze: what the render left
                        gc.unfreeze()
    return sparing


@gc_spares_older_objects
def render_pdf(version: PlanVersion, edition: str) -> bytes:
    """Render one edition of a version to PDF now, without the cache (adoption freezes what this returns)."""
    document = build(version, edition)
    root = static_dir()
    html = HTML(string=_render(document, "plan.html", inline_css=None, **document_dates(version)),
                base_url=f"{root.as_uri()}/", url_fetcher=StaticOnlyFetcher(root))
    options = pdf_options(document)
    with print_setup(root) as setup, warnings.catch_warnings():
        # WeasyPrint 70 opens its sRGB profile for PDF/A and never closes it: a harmless ResourceWarning.
        warnings.simplefilter("ignore", ResourceWarning)
        printed_document = html.render(font_config=setup.font_config, stylesheets=[setup.stylesheet], **options)
        printed_document.metadata = PlanMetadata(printed_document.metadata, document)
        titles = {section.anchor: section.title for section in document.sections}
        return printed_document.write_pdf(finisher=describe_links(titles), **options)


# ---- Downloads: frozen at adoption, else cached in the database, else rendered now --------------------------

def cache_key(version: PlanVersion, edition: str, fmt: str) -> str:
    """sha256 over everything that decides the bytes: content, template revision, edition, format, layout
    revision and what the cover prints (title, label, status, decision, date)."""
    template = template_of(version)
    payload = {
        "content": version.content or {},
        "template": [template.id, template.revision],
        "edition": edition,
        "format": fmt,
        "renderer": RENDERER_REVISION,
        "cover": asdict(cover_of(version)),
        "history": history_inputs(version),
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_remembered: dict[tuple, bytes] = {}


def remembered(render: Callable[[PlanVersion, str], bytes]) -> Callable[[PlanVersion, str], bytes]:
    """`render`, remembered for this process by everything that decides the bytes (the cache key): for the
    demo seed and the tests, which render the very same version over and over."""
    def render_once(version: PlanVersion, edition: str) -> bytes:
        key = (render, cache_key(version, edition, "pdf"))
        if key not in _remembered:
            _remembered[key] = render(version, edition)
        return _remembered[key]
    return render_once


@gc_spares_older_objects
def render_docx(version: PlanVersion, edition: str) -> bytes:
    return docx_bytes(build(version, edition))


def renderer(fmt: str):
    # Looked up at call time, so a test can count calls by replacing render_pdf / render_docx.
    return render_pdf if fmt == "pdf" else render_docx


def ready_document(version: PlanVersion, edition: str, fmt: str) -> document_files.Made | None:
    """The document if it is made already, as a file copy where this machine has one: an adopted version's
    frozen PDF (exactly those bytes; never a new render of it), else the cached render of the version as it is
    now. None: it must be made first (services/documents/preparation.py), which requests never do themselves."""
    check_edition(edition)
    if fmt == "html":
        return standalone_html(version, edition).encode("utf-8")
    if fmt == "pdf" and version.status in FROZEN_STATUSES:
        return document_files.made_frozen(version, edition)
    return document_files.made_render(cache_key(version, edition, fmt))


def frozen_pdf(version: PlanVersion, edition: str) -> bytes | None:
    return db.session.scalar(select(FrozenDocument.content).where(
        FrozenDocument.version_id == version.id, FrozenDocument.edition == edition,
        FrozenDocument.replaced_by_id.is_(None)))


def add_to_cache(version_id: int, edition: str, fmt: str, key: str, body: bytes) -> None:
    """Add a render to the shared cache (the caller commits). Renders of the version's earlier content can never
    be asked for again: they go in the same transaction."""
    if db.session.get_bind().dialect.name == "postgresql":
        # A cached render can be made again: its commit need not wait for the disk. People's saves do, and would
        # otherwise wait behind half a megabyte of document on its way to the write-ahead log.
        db.session.execute(text("SET LOCAL synchronous_commit = off"))
    db.session.execute(delete(RenderedDocument).where(
        RenderedDocument.version_id == version_id, RenderedDocument.edition == edition,
        RenderedDocument.format == fmt, RenderedDocument.cache_key != key))
    sha256 = hashlib.sha256(body).hexdigest()
    db.session.add(RenderedDocument(cache_key=key, version_id=version_id, edition=edition, format=fmt,
                                    content=body, sha256=sha256))
    document_files.keep(sha256, body)  # the worker keeps the copy: the first download on its machine is a file too


# ---- Rendering here and now: the command line (`plans render`), the demo seed and the benchmarks; never a
# web request, which asks services/documents/preparation.py and shows progress instead.

def cached_document(version: PlanVersion, edition: str, fmt: str) -> bytes:
    """The PDF or DOCX from the shared cache; rendered and stored on a miss."""
    check_edition(edition)
    key = cache_key(version, edition, fmt)
    found = db.session.scalar(select(RenderedDocument.content).where(RenderedDocument.cache_key == key))
    if found is not None:
        return found
    body = renderer(fmt)(version, edition)
    return _store(version.id, edition, fmt, key, body)


def _store(version_id: int, edition: str, fmt: str, key: str, body: bytes) -> bytes:
    add_to_cache(version_id, edition, fmt, key, body)
    try:
        db.session.commit()
    except IntegrityError:
        # Another process stored the same document first; theirs has the same inputs, so serve it.
        db.session.rollback()
        stored = db.session.scalar(select(RenderedDocument.content).where(RenderedDocument.cache_key == key))
        return stored if stored is not None else body
    except OperationalError as exc:
        if not is_storage_full(exc):
            raise
        # The cache is only a cache: with the disk full, the command still gets the document it asked for.
        db.session.rollback()
        log.warning("rendered %s %s of version %s not cached: storage full", edition, fmt, version_id)
    return body


def pdf_for_download(version: PlanVersion, edition: str) -> bytes:
    """The PDF frozen at adoption when there is one (exactly those bytes), else the cached or new render."""
    check_edition(edition)
    frozen = frozen_pdf(version, edition)
    return frozen if frozen is not None else cached_document(version, edition, "pdf")


def document_for_download(version: PlanVersion, edition: str, fmt: str) -> bytes:
    if fmt == "pdf":
        return pdf_for_download(version, edition)
    if fmt == "docx":
        return cached_document(version, edition, "docx")
    if fmt == "html":
        return standalone_html(version, edition).encode("utf-8")
    raise ValueError(f"unknown format {fmt!r}")


_TRANSLITERATE = str.maketrans({"æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "ð": "d",
                                "þ": "th"})


def slug(text: str, limit: int = 80) -> str:
    """ASCII-safe, so the file name survives every browser, mail client and file system."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")


def edition_slug(version: PlanVersion, edition: str) -> str:
    """The edition's name in the plan's language, for file names ("intern-utgava" for a Swedish plan)."""
    with force_locale(template_of(version).language):
        return slug(gettext("Public edition") if edition == "public" else gettext("Internal edition")) or edition


def download_name(version: PlanVersion, edition: str, fmt: str) -> str:
    return (f"{slug(version.plan.title) or 'plan'}-{slug(version.label) or version.id}-"
            f"{edition_slug(version, edition)}.{fmt}")
