"""A plan's versions: labels, the lifecycle (withdraw, adopt, supersede), review-by dates, history and the
changes annex.

draft → in review → adopted → superseded. Submitting is wizard.submit_for_review, starting the next year's
revision is revisions.start_revision; everything else is here.
Adoption records the decision at once and asks a worker to render both PDF editions once and freeze them
(FrozenDocument, services/documents/preparation.py): the person adopting never waits for a render, and the
frozen documents are made from the adopted version, whose content can no longer change.
"""
from __future__ import annotations

import calendar
import logging
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from ...clock import local_today
from ...extensions import db
from ...forms import DecisionForm
from ...models import WORKING_STATUSES, FrozenDocument, JobKind, Plan, PlanVersion, User, VersionStatus, utcnow
from ...plan_templates import PlanTemplate
from ...storage import is_storage_full
from ...templating import status_label
from ..compare import diff, diff_text
from ..documents import decision_record, preparation
from ..documents import rendering as documents
from ..jobs import runner
from ..mail import messages as mail
from ..people import audit
from . import labels, revision_work
from .content import content_problems
from .plans import template_for, versions_of
from .verification import unverified_entries
from .wizard import everything_missing

log = logging.getLogger(__name__)

DRAFT, IN_REVIEW = VersionStatus.DRAFT.value, VersionStatus.IN_REVIEW.value
ADOPTED, SUPERSEDED = VersionStatus.ADOPTED.value, VersionStatus.SUPERSEDED.value
DUE_SOON_DAYS = 60
DECISION_FIELDS = ("decision_body", "decision_date", "decision_paragraph", "case_number", "review_by")


class VersionError(ValueError):
    """A refused version operation; the message is shown to the person who asked."""


class StorageFull(VersionError):
    """The database refused the write because its disk is full; nothing was changed."""


class MissingAnswers(VersionError):
    """Adoption refused: required answers are missing (listed in .missing as (section, field) pairs)."""

    def __init__(self, missing):
        super().__init__(_("This version cannot be adopted: some required answers are missing."))
        self.missing = missing


class UnverifiedNumbers(VersionError):
    """Adoption refused: numbers the template marks to verify are not checked yet (one line each in .lines)."""

    def __init__(self, lines: list[str]):
        super().__init__(_("This version cannot be adopted until every number marked to verify is checked: "
                           "%(lines)s.", lines="; ".join(lines)))
        self.lines = lines


class InvalidDecision(VersionError):
    """The decision fields are missing or wrong; .problems maps each form field to its message."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(_("Check the decision details."))
        self.problems = problems


# --- labels (the scheme is labels.py's) -----------------------------------------------------------------------

def rename(version: PlanVersion, label: str, user: User) -> bool:
    """Give a version that is not adopted yet another label; False if it already had it. The label stays unique
    within the plan: the documents, the comparison and the council's agenda name versions by it."""
    label = " ".join((label or "").split())
    if version.status not in WORKING_STATUSES:
        raise labels.LabelRefused(_("An adopted version keeps its label: it is the one in the council's decision."))
    if not label:
        raise labels.LabelRefused(_("Give the version a label, for example the year or period it covers."))
    if len(label) > labels.LABEL_MAX_LENGTH:
        raise labels.LabelRefused(_("A label can have at most %(limit)s characters.", limit=labels.LABEL_MAX_LENGTH))
    if label == version.label:
        return False
    taken = db.session.scalar(db.select(PlanVersion.id).where(PlanVersion.plan_id == version.plan_id,
                                                              PlanVersion.label == label, PlanVersion.id != version.id))
    if taken:
        raise labels.LabelRefused(_("Another version of this plan is already called “%(label)s”.", label=label))
    before, version.label = version.label, label
    audit.record("version.relabel", user_id=user.id, municipality_id=version.plan.municipality_id, obj=version,
                 old=before, new=label)
    try:
        commit_version(version)
    except VersionError as exc:
        raise labels.LabelRefused(str(exc)) from None
    return True


# --- review-by dates ------------------------------------------------------------------------------------------

def add_months(day: date, months: int) -> date:
    """The same day so many months later; the 31st becomes the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def latest_review_by(template: PlanTemplate, decided_on: date) -> date | None:
    """The latest review-by date the law allows, for templates that name a statutory maximum."""
    if template.statutory_max_months is None:
        return None
    return add_months(decided_on, template.statutory_max_months)


def default_review_by(template: PlanTemplate, decided_on: date) -> date:
    """The template's revision interval after the decision, never later than the statutory maximum."""
    default = add_months(decided_on, template.revision_interval_months)
    latest = latest_review_by(template, decided_on)
    return min(default, latest) if latest else default


def adopted_version(plan: Plan) -> PlanVersion | None:
    return db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan.id,
                                                       PlanVersion.status == ADOPTED)
                             .order_by(PlanVersion.id.desc()).limit(1))


def working_version(plan: Plan) -> PlanVersion | None:
    return db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan.id,
                                                       PlanVersion.status.in_(WORKING_STATUSES)))


def review_status(plan: Plan, today: date | None = None) -> tuple[str | None, date | None]:
    """("overdue" | "due_soon" | "ok", review-by date) of the plan's adopted version; (None, None) without one.

    due_soon: the review-by date is at most 60 days away (today included); overdue: it has passed.
    """
    return review_state(adopted_version(plan), today)


def review_state(adopted: PlanVersion | None, today: date | None = None) -> tuple[str | None, date | None]:
    """review_status for an adopted version already at hand (a list of plans loads them all at once)."""
    if adopted is None or adopted.review_by is None:
        return None, None
    days_left = (adopted.review_by - (today or local_today())).days
    status = "overdue" if days_left < 0 else "due_soon" if days_left <= DUE_SOON_DAYS else "ok"
    return status, adopted.review_by


# --- withdraw, adopt ------------------------------------------------------------------------------------------

def withdraw(version: PlanVersion, user: User) -> None:
    """Back from review to draft, so the editors can change it again."""
    if version.status != IN_REVIEW:
        raise VersionError(_("Only a version in review can be withdrawn; this one is %(status)s.",
                             status=status_text(version.status)))
    version.status = DRAFT
    version.submitted_at = None
    audit.record("version.withdraw", user_id=user.id, municipality_id=version.plan.municipality_id, obj=version)
    commit_version(version)


@dataclass(frozen=True)
class Decision:
    """What the council decided, as entered (text) and as understood (dates)."""
    body: str = ""
    decided_on: date | None = None
    paragraph: str = ""
    case_number: str = ""
    review_by: date | None = None
    raw: dict[str, str] = field(default_factory=dict)


def decision_defaults(template: PlanTemplate, version: PlanVersion) -> dict[str, Any]:
    """What the adoption form starts from: the draft's own decision fields (the proposed body, the case number,
    the dates it names), and a review-by date counted from the decision date, never from today."""
    values = decision_record.adoption_defaults(template, version.content or {})
    if "review_by" not in values and values.get("decision_date"):
        values["review_by"] = default_review_by(template, values["decision_date"])
    return values


def decision_form(form: Mapping[str, str] | DecisionForm) -> DecisionForm:
    """The adoption form as the view has it; a plain dict of texts (a script, the demo, a test) is read through
    the same form, so every caller's input is parsed and checked alike."""
    if isinstance(form, DecisionForm):
        return form
    texts = MultiDict({key: value for key, value in form.items() if value is not None})
    return DecisionForm(formdata=texts, meta={"csrf": False})


def parse_decision(template: PlanTemplate, form: Mapping[str, str] | DecisionForm, today: date | None = None
                   ) -> tuple[Decision, dict[str, str]]:
    """The decision from the adoption form (or a dict of its texts), and a message per field that is missing or
    wrong. The form checks what was typed; the rules for the dates are here."""
    today = today or local_today()
    form = decision_form(form)
    form.validate()
    problems = {name: str(errors[0]) for name, errors in form.errors.items() if errors}
    decided_on, review_by = form.decision_date.data, form.review_by.data
    if "decision_date" not in problems and decided_on > today:
        problems["decision_date"] = _("The decision date cannot be in the future.")
    if "decision_date" not in problems and "review_by" not in problems:
        review_by = review_by or default_review_by(template, decided_on)
        latest = latest_review_by(template, decided_on)
        if review_by <= decided_on:
            problems["review_by"] = _("The review-by date must be after the decision date.")
        elif latest is not None and review_by > latest:
            problems["review_by"] = _("The law allows at most %(months)s months between revisions: review the "
                                      "plan by %(latest)s at the latest.", months=template.statutory_max_months,
                                      latest=latest.isoformat())
    raw = {name: " ".join(form[name].raw_data or ()).strip() for name in DECISION_FIELDS}
    decision = Decision(form.decision_body.data or "", decided_on, form.decision_paragraph.data or "",
                        form.case_number.data or "", review_by, raw)
    return decision, problems


Renderer = Callable[[PlanVersion, str], bytes]


def check_adoption(version: PlanVersion, form: Mapping[str, str] | DecisionForm, today: date | None = None
                   ) -> Decision:
    """The decision as it would be recorded, after every check adoption makes, writing nothing: what the
    confirmation page shows before anything is frozen."""
    if version.status != IN_REVIEW:
        raise VersionError(_("Only a version in review can be adopted; this one is %(status)s.",
                             status=status_text(version.status)))
    template = template_for(version.template_id)
    decision, problems = parse_decision(template, form, today)
    if problems:
        raise InvalidDecision(problems)
    missing = everything_missing(template, version)
    if missing or content_problems(template, version.content):
        raise MissingAnswers(missing)
    unverified = unverified_entries(template, version.content)
    if unverified:
        raise UnverifiedNumbers(unverified)
    return decision


def adopt(version: PlanVersion, user: User, form: Mapping[str, str] | DecisionForm, today: date | None = None,
          renderer: Renderer | None = None, *, notify: bool = True) -> PlanVersion:
    """Record the council's decision: the version becomes adopted, the previously adopted one superseded, and
    both PDF editions are frozen by a worker (or now, with `renderer`); the municipality's people are told by mail
    (`notify`). The decision is one transaction: on any failure nothing changes."""
    decision = check_adoption(version, form, today)
    previous = [v for v in versions_of(version.plan) if v.status == ADOPTED and v.id != version.id]
    municipality_id = version.plan.municipality_id
    version.status = ADOPTED
    version.decision_body, version.decision_date = decision.body, decision.decided_on
    version.decision_paragraph, version.case_number = decision.paragraph, decision.case_number
    version.review_by = decision.review_by
    version.adopted_at, version.adopted_by_id = utcnow(), user.id
    for older in previous:
        older.status = SUPERSEDED
        audit.record("version.supersede", user_id=user.id, municipality_id=municipality_id, obj=older,
                     superseded_by=version.id)
    audit.record("version.adopt", user_id=user.id, municipality_id=municipality_id, obj=version,
                 decision_body=decision.body, decision_date=decision.decided_on.isoformat(),
                 decision_paragraph=decision.paragraph, case_number=decision.case_number,
                 review_by=decision.review_by.isoformat())
    if notify:
        mail.adopted(version, user)
    commit_version(version)
    freeze_documents(version, renderer)
    return version


def freeze_documents(version: PlanVersion, renderer: Renderer | None = None) -> None:
    """Freeze the adopted version's PDFs: by a worker, or here and now with `renderer` (the demo seed, imports)."""
    if renderer is None:
        preparation.ask_for_freeze(version)
        return
    preparation.freeze(version, renderer)
    db.session.commit()


def commit_version(version: PlanVersion) -> None:
    """Commit a change to a version; a colleague's change of the same version in the meantime refuses it."""
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        raise VersionError(_("This version was changed by someone else in the meantime; nothing was saved. "
                             "Reload the page and try again.")) from exc
    except OperationalError as exc:
        if not is_storage_full(exc):
            raise
        db.session.rollback()
        raise StorageFull(_("This could not be stored: the server's storage is full. Nothing was changed; tell "
                             "your administrator, then try again.")) from exc


def status_text(status: str) -> str:
    """A status as it reads inside a sentence ("this one is adopted")."""
    return status_label(status).lower()


# --- history and documents ------------------------------------------------------------------------------------

def frozen_hashes(versions: list[PlanVersion]) -> dict[int, dict[str, str]]:
    """{version id: {edition: sha256}} of the PDFs frozen at adoption."""
    ids = [v.id for v in versions]
    found: dict[int, dict[str, str]] = {}
    if ids:
        rows = db.session.execute(select(FrozenDocument.version_id, FrozenDocument.edition, FrozenDocument.sha256)
                                  .where(FrozenDocument.version_id.in_(ids), FrozenDocument.replaced_by_id.is_(None)))
        for version_id, edition, sha256 in rows:
            found.setdefault(version_id, {})[edition] = sha256
    return found


def history(plan: Plan) -> list[PlanVersion]:
    """Every version of the plan, newest first."""
    return sorted(versions_of(plan), key=lambda v: v.id, reverse=True)


def previous_of(version: PlanVersion) -> PlanVersion | None:
    """What a version is best compared with: the version it was based on, else the one made before it."""
    if version.based_on_id:
        return db.session.get(PlanVersion, version.based_on_id)
    earlier = [v for v in versions_of(version.plan) if v.id < version.id]
    return earlier[-1] if earlier else None


# --- comparing ------------------------------------------------------------------------------------------------

def comparison(version_a: PlanVersion, version_b: PlanVersion, edition: str = "internal") -> diff.Comparison:
    """What changed from A to B (two versions of the same plan); the public edition leaves out what it omits."""
    if version_a.plan_id != version_b.plan_id:
        raise VersionError(_("Only two versions of the same plan can be compared."))
    documents.check_edition(edition)
    return diff.compare(template_for(version_a.template_id), version_a.content or {},
                        template_for(version_b.template_id), version_b.content or {},
                        include_sensitive=edition == "internal")


def section_listing(version: PlanVersion, section_id: str, edition: str = "internal") -> tuple[diff.Change, ...]:
    return diff.listing(template_for(version.template_id), version.content or {}, section_id,
                        include_sensitive=edition == "internal")


def changes_text(version_a: PlanVersion, version_b: PlanVersion, edition: str, language: str | None = None) -> str:
    """`plans diff --format text`: in the plan's language (or `language`), with the revision work on each
    section that has no changes."""
    with force_locale(language or template_for(version_b.template_id).language):
        heading = _("%(plan)s: changes from version %(a)s to version %(b)s", plan=version_b.plan.title,
                    a=version_a.label, b=version_b.label)
        notes = {section_id: revision_work.note_text(note)
                 for section_id, note in revision_work.review_notes(version_b).items()}
        return diff_text.as_text(comparison(version_a, version_b, edition), heading, notes)


def changes_html(version_a: PlanVersion, version_b: PlanVersion, edition: str = "internal",
                 inline_css: bool = True) -> str:
    """The changes annex as one HTML file, in the plan's language; the PDF is printed from the same markup."""
    template = template_for(version_b.template_id)
    css = (documents.static_dir() / "print.css").read_text(encoding="utf-8") if inline_css else None
    with force_locale(template.language):  # the comparison too: it writes yes/no, dates and numbers
        result = comparison(version_a, version_b, edition)
        notes = revision_work.review_notes(version_b)
        return render_template("versions/changes_annex.html", comparison=result, notes=notes,
                               unchanged_groups=revision_work.unchanged_groups(result, notes),
                               summary_parts=diff_text.summary(result),
                               version_a=version_a, version_b=version_b, plan=version_b.plan, edition=edition,
                               language=template.language, inline_css=css, today=local_today())


def changes_pdf(version_a: PlanVersion, version_b: PlanVersion, edition: str = "internal") -> bytes:
    """The "changes since version X" annex as a tagged PDF, printed like the plan document itself: WeasyPrint
    with our print.css and the same fetcher, which serves our static files and refuses everything else."""
    from weasyprint import HTML

    root = documents.static_dir()
    html = HTML(string=changes_html(version_a, version_b, edition, inline_css=False),
                base_url=f"{root.as_uri()}/", url_fetcher=documents.StaticOnlyFetcher(root))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        return html.write_pdf(pdf_variant="pdf/ua-1")


@runner.does(JobKind.CHANGES)
def make_changes_annex(job) -> None:
    preparation.make_changes(job, changes_pdf)


def changes_download_name(version_a: PlanVersion, version_b: PlanVersion, edition: str) -> str:
    """In the plan's language: "<plan>-2026-andringar-sedan-version-2025-intern-utgava.pdf"."""
    plan = documents.slug(version_b.plan.title) or "plan"
    with force_locale(template_for(version_b.template_id).language):
        changes = documents.slug(_("Changes since version %(label)s", label=version_a.label))
    return (f"{plan}-{documents.slug(version_b.label) or version_b.id}-{changes}-"
            f"{documents.edition_slug(version_b, edition)}.pdf")
