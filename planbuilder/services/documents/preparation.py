"""Documents made in the background: what a job makes, who asked for it, and what a waiting person is told.

A person who asks for a document that is not ready gets a job (or joins the one already asked for: the job's
key is the document's cache key, so two people asking at once share one job) and a progress page. Submitting
for review and editing a draft queue renders ahead of time, so the download is usually ready before anyone
asks. Adoption freezes its PDFs as a job too: the version is adopted at once, its documents follow.
"""
from __future__ import annotations

import hashlib
import json
import logging
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import DocumentJob, FrozenDocument, JobKind, JobState, PlanVersion, RenderedDocument, utcnow
from ..jobs import queue, runner
from ..people import audit
from . import document_files, rendering

log = logging.getLogger(__name__)

# The file copies of documents the database no longer holds go within a sweep of their deletion.
runner.on_sweep(document_files.prune)

CHANGES_FORMAT = "changes"


# --- asking ---------------------------------------------------------------------------------------------------

def _job_for(key: str, **fields) -> tuple[DocumentJob, bool]:
    """The job with this key, made now if nobody asked before (True) or found (False). A failed job asked for
    again is tried afresh: the person asking again is the retry; so is a done one whose document is gone (pruned),
    but not one that finished between the asker's look for the document and now: that document is there."""
    job = db.session.scalar(select(DocumentJob).where(DocumentJob.key == key))
    if job is None:
        job = DocumentJob(key=key, state=JobState.QUEUED, attempts=0, **fields)
        db.session.add(job)
        try:
            db.session.commit()
            return job, True
        except IntegrityError:  # someone asked for the same document at the same moment: theirs is ours
            db.session.rollback()
            return db.session.scalar(select(DocumentJob).where(DocumentJob.key == key)), False
    if job.state == JobState.FAILED or (job.state == JobState.DONE and not is_made(key)):
        job.state, job.attempts, job.error, job.run_after = JobState.QUEUED, 0, None, None
        db.session.commit()
        return job, True
    return job, False


def _ask(key: str, ahead: bool = False, **fields) -> DocumentJob:
    job, new = _job_for(key, **fields)
    if new:
        runner.hand_over(job, ahead=ahead)
    elif not ahead:
        runner.revive(job)  # a job someone waits for again must not wait on a dead worker
        if job.state == JobState.QUEUED:
            queue.someone_waits(job.id)
    return job


def ask_for_plan_document(version: PlanVersion, edition: str, fmt: str, ahead: bool = False) -> DocumentJob:
    """One edition of the version as PDF or DOCX; or, for an adopted version's PDF, its freezing."""
    if fmt == "pdf" and version.status in rendering.FROZEN_STATUSES:
        return ask_for_freeze(version)
    key = rendering.cache_key(version, edition, fmt)
    return _ask(key, ahead, kind=JobKind.PLAN, version_id=version.id, edition=edition, format=fmt)


def ask_for_freeze(version: PlanVersion) -> DocumentJob:
    return _ask(f"freeze-{version.id}", kind=JobKind.FREEZE, version_id=version.id)


def changes_key(version_a: PlanVersion, version_b: PlanVersion, edition: str) -> str:
    """Both versions' document keys (content, status, labels, renderer revision), as one key of the annex."""
    # The annex also says which sections were confirmed still valid, by whom and when (section_state).
    review = json.dumps(version_b.section_state or {}, sort_keys=True, default=str)
    parts = ["changes", rendering.cache_key(version_a, edition, "pdf"), rendering.cache_key(version_b, edition, "pdf"),
             review]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def ask_for_changes(version_a: PlanVersion, version_b: PlanVersion, edition: str) -> DocumentJob:
    return _ask(changes_key(version_a, version_b, edition), kind=JobKind.CHANGES, version_id=version_b.id,
                other_version_id=version_a.id, edition=edition, format=CHANGES_FORMAT)


def ready_changes(version_a: PlanVersion, version_b: PlanVersion, edition: str) -> document_files.Made | None:
    return document_files.made_render(changes_key(version_a, version_b, edition))


def ask_for_render(key: str, **fields) -> DocumentJob:
    """Any other document made into the render cache under `key` (the follow-up report: its module knows
    the key and registers what the job of its kind does)."""
    return _ask(key, **fields)


def ready_render(key: str) -> document_files.Made | None:
    return document_files.made_render(key)


def is_made(key: str) -> bool:
    return db.session.scalar(select(RenderedDocument.id).where(RenderedDocument.cache_key == key)) is not None


def prepare_for_review(version: PlanVersion) -> None:
    """Submitted for review: both editions as PDF and DOCX, made before the reviewers open them."""
    for fmt in ("pdf", "docx"):
        for edition in rendering.EDITIONS:
            ask_for_plan_document(version, edition, fmt, ahead=True)


# How many times within JOB_SETTLE_SECONDS the draft's render is moved on while people type (see settle_later).
SETTLE_MOVES = 4


def settle_later(version: PlanVersion, previous_save: datetime | None = None) -> None:
    """A draft was saved: make its PDFs again once nobody has saved for JOB_SETTLE_SECONDS. The first save in
    each quarter of that time moves the same one job's start further on, so a busy afternoon of typing queues
    one render, not hundreds, and it never starts while people type (the last move is at most a quarter old);
    it starts between three quarters and the whole of that time after the last save. The other saves leave
    the job alone: on PostgreSQL a move is a transaction of its own, four round trips while the person waits.

    Written on a connection of its own: the save's session (and the version the reply shows) stays untouched."""
    settle = current_app.config["JOB_SETTLE_SECONDS"]
    now = utcnow()
    step = settle / SETTLE_MOVES
    if previous_save is not None and previous_save.timestamp() // step == now.timestamp() // step:
        return  # the save before this one, in the same quarter, moved it (or made it) already
    table, key = DocumentJob.__table__, f"settle-{version.id}"
    queued = {"state": JobState.QUEUED, "attempts": 0, "error": None, "run_after": now + timedelta(seconds=settle),
              "submitted_at": now}
    try:
        with db.engine.begin() as connection:
            moved = connection.execute(update(table).where(table.c.key == key, table.c.state == JobState.QUEUED)
                                       .values(run_after=queued["run_after"]))
            if moved.rowcount:
                return
            found = connection.execute(select(table.c.id, table.c.state).where(table.c.key == key)).first()
            if found is None:
                job_id = connection.execute(insert(table).values(
                    key=key, kind=JobKind.SETTLE, version_id=version.id, requested_at=now, **queued)
                ).inserted_primary_key[0]
            elif found.state == JobState.RUNNING:
                return  # rendering right now; a download renders the newest text if that one is older
            else:
                job_id = found.id
                connection.execute(update(table).where(table.c.id == job_id).values(**queued))
    except IntegrityError:
        return  # a colleague's save made the job at the same moment: it carries this save too
    try:
        queue.submit(job_id, ahead=True, delay=settle)
    except queue.QueueUnavailable:
        pass  # the sweep hands it over once the queue is back


# --- making ---------------------------------------------------------------------------------------------------

@runner.does(JobKind.PLAN)
def make_plan_document(job: DocumentJob) -> None:
    # The content may have changed since the job was asked for: what is made is the version as it is now.
    version, edition, fmt = job.version, job.edition, job.format
    key = rendering.cache_key(version, edition, fmt)
    if db.session.scalar(select(RenderedDocument.id).where(RenderedDocument.cache_key == key)) is None:
        rendering.add_to_cache(version.id, edition, fmt, key, rendering.renderer(fmt)(version, edition))


@runner.does(JobKind.FREEZE)
def make_frozen_documents(job: DocumentJob) -> None:
    freeze(job.version)


@runner.does(JobKind.SETTLE)
def make_settled_draft(job: DocumentJob) -> None:
    if job.version.status == "draft":
        for edition in rendering.EDITIONS:
            ask_for_plan_document(job.version, edition, "pdf", ahead=True)


def make_changes(job: DocumentJob, render_annex) -> None:
    """The annex between the job's two versions, printed by `render_annex` (services/plans/versions.py, which
    registers this for JobKind.CHANGES: the comparison lives there)."""
    version_a, version_b = db.session.get(PlanVersion, job.other_version_id), job.version
    if version_a is None:
        return  # the earlier version was deleted meanwhile: nobody can ask for this annex any more
    key = changes_key(version_a, version_b, job.edition)
    annex = render_annex(version_a, version_b, job.edition)
    rendering.add_to_cache(version_b.id, job.edition, CHANGES_FORMAT, key, annex)


def freeze(version: PlanVersion, render=None) -> dict[str, str]:
    """Render both PDF editions of an adopted version once and add them as its frozen documents (unless they
    are there already); returns {edition: sha256}. Audited with the hashes, which the version page shows."""
    render = render or rendering.render_pdf
    existing = frozen_hashes(version)
    if existing:
        return existing
    hashes = {}
    for edition in rendering.EDITIONS:
        body = render(version, edition)
        hashes[edition] = hashlib.sha256(body).hexdigest()
        db.session.add(FrozenDocument(version_id=version.id, edition=edition, content=body, sha256=hashes[edition]))
        document_files.keep(hashes[edition], body)
    audit.record("version.freeze", user_id=None, municipality_id=version.plan.municipality_id, obj=version,
                 sha256=hashes)
    return hashes


def freeze_failed(version: PlanVersion) -> bool:
    """Whether freezing the version's documents failed (for now: failed freezes are tried again by the sweep)."""
    state = db.session.scalar(select(DocumentJob.state).where(DocumentJob.key == f"freeze-{version.id}"))
    return state == JobState.FAILED


def frozen_hashes(version: PlanVersion) -> dict[str, str]:
    rows = db.session.execute(select(FrozenDocument.edition, FrozenDocument.sha256)
                              .where(FrozenDocument.version_id == version.id, FrozenDocument.replaced_by_id.is_(None)))
    return {edition: digest for edition, digest in rows}


# --- waiting --------------------------------------------------------------------------------------------------

def job_of(version_id: int, job_id: int | None) -> DocumentJob | None:
    """A job of this version (the progress page names it in its address; any other id is nobody's)."""
    job = db.session.get(DocumentJob, job_id) if job_id else None
    return job if job is not None and job.version_id == version_id else None


@dataclass(frozen=True)
class Progress:
    """What the person waiting for a job is told."""

    # queued, running, done, failed, storage_full, stalled (no worker took it yet), delayed (the queue is down)
    state: str
    seconds_left: int | None   # a rough estimate, from how long recent jobs of the same kind took
    job_id: int

    @property
    def waiting(self) -> bool:
        return self.state in ("queued", "running", "stalled", "delayed")


def progress(job: DocumentJob) -> Progress:
    db.session.refresh(job)
    runner.revive(job)
    state = job.state
    if state == JobState.FAILED and job.error == runner.STORAGE_FULL:
        state = "storage_full"
    elif state == JobState.QUEUED and job.error == runner.QUEUE_DOWN:
        state = "delayed"
    elif state == JobState.QUEUED and _unstarted_for_long(job):
        state = "stalled"
    return Progress(state=state, seconds_left=_estimate(job), job_id=job.id)


def _unstarted_for_long(job: DocumentJob) -> bool:
    since = job.submitted_at or job.requested_at
    return since < utcnow() - timedelta(seconds=current_app.config["JOB_STALL_SECONDS"])


def _estimate(job: DocumentJob) -> int | None:
    recent = db.session.execute(
        select(DocumentJob.started_at, DocumentJob.finished_at)
        .where(DocumentJob.kind == job.kind, DocumentJob.state == JobState.DONE,
               DocumentJob.started_at.is_not(None), DocumentJob.finished_at.is_not(None))
        .order_by(DocumentJob.finished_at.desc()).limit(10)).all()
    if not recent:
        return None
    typical = statistics.median((finished - started).total_seconds() for started, finished in recent)
    if job.state == JobState.RUNNING and job.started_at is not None:
        typical -= (utcnow() - job.started_at).total_seconds()
    return max(round(typical), 1)
