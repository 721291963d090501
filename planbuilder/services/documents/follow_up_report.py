"""The follow-up report of a plan's adopted version, for the council: "Follow-up as of <date>".

What it says is built once (FollowUpReport, every text already in the plan's language) and printed twice: as
PDF through the plan document's pipeline (its Jinja environment, print.css, the static-only fetcher) and as
DOCX (follow_up_docx.py). Like every download, it is made by a job (JobKind.FOLLOW_UP) and kept in the render
cache under a key that changes with a new follow-up entry and with the day, so the report is never stale.
"""
from __future__ import annotations

import hashlib
import json
import warnings
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from weasyprint import HTML

from ...extensions import db
from ...models import DocumentJob, FollowUpEntry, JobKind, PlanVersion
from ..jobs import runner
from ..plans.plans import template_for
from . import document_files, preparation, rendering
from .follow_up_content import FollowUpReport, as_of_date, build_report
from .follow_up_docx import report_docx

# Raise it whenever the report's layout or fixed texts change (as RENDERER_REVISION for the plan document).
REPORT_REVISION = 1
# Its renders sit in the render cache beside the version's own documents, under an edition of their own, so
# caching one never pushes out the other.
CACHE_EDITION = "follow-up"


# ---- printing ------------------------------------------------------------------------------------------------

def report_html(report: FollowUpReport) -> str:
    with force_locale(report.language):
        return rendering.document_environment().get_template("follow_up_report.html").render(report=report)


@rendering.gc_spares_older_objects
def render_report_pdf(version: PlanVersion, as_of: date | None = None) -> bytes:
    """The report as a tagged PDF, printed like the plan document: our print.css, our fonts, and a fetcher that
    serves our static files and refuses every other URL."""
    root = rendering.static_dir()
    html = HTML(string=report_html(build_report(version, as_of)), base_url=f"{root.as_uri()}/",
                url_fetcher=rendering.StaticOnlyFetcher(root))
    with rendering.print_setup(root) as setup, warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        return html.write_pdf(font_config=setup.font_config, stylesheets=[setup.stylesheet],
                              pdf_variant="pdf/ua-1")


@rendering.gc_spares_older_objects
def render_report_docx(version: PlanVersion, as_of: date | None = None) -> bytes:
    return report_docx(build_report(version, as_of))


def report_renderer(fmt: str):
    # Looked up at call time, so a test can count renders by replacing these.
    return render_report_pdf if fmt == "pdf" else render_report_docx


# ---- the download: cache key, job, file name -----------------------------------------------------------------

def report_key(version: PlanVersion, fmt: str, as_of: date | None = None) -> str:
    """Everything that decides the bytes: the version, its follow-up so far (newest entry, number of entries),
    the day, the format and the layout; and what the cover prints that can still change (titles, template)."""
    newest, count = db.session.execute(select(func.max(FollowUpEntry.id), func.count(FollowUpEntry.id))
                                       .where(FollowUpEntry.version_id == version.id)).one()
    template = template_for(version.template_id)
    payload = {"version": version.id, "newest_entry": newest, "entries": count,
               "as_of": (as_of or as_of_date(version)).isoformat(), "format": fmt,
               "renderer": [rendering.RENDERER_REVISION, REPORT_REVISION],
               "template": [template.id, template.revision],
               "names": [version.plan.title, version.plan.municipality.name, version.label]}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "follow-up-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:46]


def ready_report(version: PlanVersion, fmt: str) -> document_files.Made | None:
    return preparation.ready_render(report_key(version, fmt))


def ask_for_report(version: PlanVersion, fmt: str) -> DocumentJob:
    return preparation.ask_for_render(report_key(version, fmt), kind=JobKind.FOLLOW_UP, version_id=version.id,
                                      edition=CACHE_EDITION, format=fmt)


@runner.does(JobKind.FOLLOW_UP)
def make_report(job: DocumentJob) -> None:
    # Made as things are now: a follow-up recorded since the job was asked for is in the report.
    version, fmt = job.version, job.format
    as_of = as_of_date(version)
    key = report_key(version, fmt, as_of)
    if not preparation.is_made(key):
        body = report_renderer(fmt)(version, as_of)
        rendering.add_to_cache(version.id, CACHE_EDITION, fmt, key, body)


def download_name(version: PlanVersion, fmt: str, as_of: date | None = None) -> str:
    """In the plan's language: "<plan>-2025-uppfoljning-per-2026-12-05.pdf"."""
    as_of = as_of or as_of_date(version)
    with force_locale(template_for(version.template_id).language):
        what = rendering.slug(_("Follow-up as of %(date)s", date=as_of.isoformat()))
    return f"{rendering.slug(version.plan.title) or 'plan'}-{rendering.slug(version.label) or version.id}-{what}.{fmt}"
