"""Running a job: claim it (only one worker ever does), keep its heartbeat, record how it ended.

A job that fails is tried again a little later, up to MAX_ATTEMPTS, then marked failed with its error for the
person waiting and for admins. A job whose worker died (killed, out of memory, machine gone) stops beating; the
sweep puts it back in the queue, so nothing anybody asked for is lost with a worker.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import DocumentJob, JobState, utcnow
from ...storage import is_storage_full
from . import queue

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
JOBS = DocumentJob.__table__


def hand_over(job: DocumentJob, *, ahead: bool = False, delay: float = 0) -> None:
    """Give a committed, queued job to the queue. If the queue cannot take it now, the job stays queued (with
    the reason, shown to whoever waits) and the next sweep tries again."""
    db.session.execute(update(JOBS).where(JOBS.c.id == job.id).values(submitted_at=utcnow(), error=None))
    db.session.commit()
    try:
        queue.submit(job.id, ahead=ahead, delay=delay)
    except queue.QueueUnavailable:
        db.session.execute(update(JOBS).where(JOBS.c.id == job.id).values(error=QUEUE_DOWN))
        db.session.commit()


QUEUE_DOWN = "queue unavailable"
STORAGE_FULL = "storage full"


def run(job_id: int) -> None:
    """What a worker calls with a job id (RQ imports it by name; it makes its own app context if it has none)."""
    from flask import has_app_context

    if has_app_context():
        _run(job_id)
    else:
        with worker_app().app_context():
            _run(job_id)


_app = None


def worker_app():
    """The app of a worker started outside Flask (a plain `rq worker`), made once per process."""
    global _app
    if _app is None:
        from planbuilder import create_app

        _app = create_app()
    return _app


# What each kind of job does, registered by the module that knows (services/documents/preparation.py and, for
# the changes annex, services/plans/versions.py): the runner runs jobs without knowing what documents are.
WORK: dict[str, Callable[[DocumentJob], None]] = {}


def does(kind: str) -> Callable[[Callable[[DocumentJob], None]], Callable[[DocumentJob], None]]:
    def register(work: Callable[[DocumentJob], None]) -> Callable[[DocumentJob], None]:
        WORK[kind] = work
        return work
    return register


# Other background work done on every sweep (the mail outbox's retries), registered by the module that knows.
SWEEPS: list[Callable[[], object]] = []


def on_sweep(work: Callable[[], object]) -> Callable[[], object]:
    SWEEPS.append(work)
    return work


def _run(job_id: int) -> None:
    waiting = _claim(job_id)
    if waiting:
        queue.submit(job_id, delay=waiting)
    job = db.session.get(DocumentJob, job_id) if waiting is None else None
    if job is None or job.state != JobState.RUNNING:
        return  # done, taken by another worker, not due yet, or its version was deleted meanwhile
    with _heartbeat(job_id):
        try:
            WORK[job.kind](job)
            job.state, job.finished_at, job.error = JobState.DONE, utcnow(), None
            db.session.commit()
        except IntegrityError:
            # Another worker stored the same document first (its inputs are the same): this job is done too.
            db.session.rollback()
            _finish(job_id, JobState.DONE)
        except Exception as exc:
            db.session.rollback()
            _failed(job_id, exc)


def _claim(job_id: int) -> float | None:
    """Take a queued, due job: None when claimed or not ours to run; seconds to wait when it is not due yet."""
    now = utcnow()
    claimed = db.session.execute(
        update(JOBS).where(JOBS.c.id == job_id, JOBS.c.state == JobState.QUEUED,
                           or_(JOBS.c.run_after.is_(None), JOBS.c.run_after <= now))
        .values(state=JobState.RUNNING, started_at=now, heartbeat_at=now, attempts=JOBS.c.attempts + 1))
    db.session.commit()
    if claimed.rowcount:
        return None
    run_after = db.session.scalar(select(DocumentJob.run_after).where(
        DocumentJob.id == job_id, DocumentJob.state == JobState.QUEUED))
    return max((run_after - now).total_seconds(), 0.5) if run_after is not None else None


def _finish(job_id: int, state: str, error: str | None = None) -> None:
    db.session.execute(update(JOBS).where(JOBS.c.id == job_id).values(state=state, finished_at=utcnow(),
                                                                        error=error))
    db.session.commit()


def _failed(job_id: int, exc: Exception) -> None:
    job = db.session.get(DocumentJob, job_id)
    if job is None:
        return
    log.error("document job %s (%s, version %s, %s %s) failed on attempt %s", job.id, job.kind, job.version_id,
              job.edition, job.format, job.attempts, exc_info=exc)
    error = STORAGE_FULL if is_storage_full(exc) else f"{type(exc).__name__}: {exc}"[:500]
    if job.attempts >= MAX_ATTEMPTS:
        _finish(job_id, JobState.FAILED, error)
        return
    job.state, job.error, job.run_after = JobState.QUEUED, error, None
    db.session.commit()
    queue.submit(job_id, delay=5 * job.attempts)


@contextmanager
def _heartbeat(job_id: int) -> Iterator[None]:
    """Renew the job's heartbeat while it runs, on a connection of its own (the job's session is busy)."""
    engine, every = db.engine, current_app.config["JOB_HEARTBEAT_SECONDS"]
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            try:
                with engine.begin() as connection:
                    connection.execute(update(JOBS).where(JOBS.c.id == job_id, JOBS.c.state == JobState.RUNNING)
                                       .values(heartbeat_at=utcnow()))
            except Exception:  # a missed beat is only a missed beat
                log.warning("heartbeat of job %s not recorded", job_id, exc_info=True)

    beater = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    beater.start()
    try:
        yield
    finally:
        stop.set()
        beater.join()


# --- the sweep: jobs that lost their worker, or never reached one -----------------------------------------------

def lost(job: DocumentJob, now: datetime | None = None) -> bool:
    """Running, but its heartbeat stopped: the worker died."""
    now = now or utcnow()
    stale = timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])
    return job.state == JobState.RUNNING and (job.heartbeat_at is None or job.heartbeat_at < now - stale)


def never_reached_a_worker(job: DocumentJob, now: datetime | None = None) -> bool:
    """Queued and due, but not handed to the queue (it was down) or handed long ago without being started."""
    now = now or utcnow()
    again = timedelta(seconds=current_app.config["JOB_RESUBMIT_SECONDS"])
    due = job.run_after is None or job.run_after <= now
    return (job.state == JobState.QUEUED and due
            and (job.submitted_at is None or job.submitted_at < now - again or job.error == QUEUE_DOWN))


def revive(job: DocumentJob) -> None:
    """Put a lost job back in the queue, or hand over again one that never reached a worker."""
    if lost(job):
        log.warning("job %s lost its worker (no heartbeat since %s); queued again", job.id, job.heartbeat_at)
        job.state, job.error = JobState.QUEUED, "the worker stopped during the job"
        db.session.commit()
        hand_over(job)
    elif never_reached_a_worker(job):
        hand_over(job)


def sweep() -> int:
    """Revive every job that needs it and forget finished jobs older than a week; returns how many revived."""
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])
    candidates = db.session.scalars(select(DocumentJob).where(or_(
        and_(DocumentJob.state == JobState.RUNNING,
             or_(DocumentJob.heartbeat_at.is_(None), DocumentJob.heartbeat_at < stale)),
        DocumentJob.state == JobState.QUEUED)).order_by(DocumentJob.id)).all()
    revived = 0
    for job in candidates:
        if lost(job, now) or never_reached_a_worker(job, now):
            revive(job)
            revived += 1
    revived += _retry_failed_freezes(now)
    db.session.execute(delete(DocumentJob).where(DocumentJob.state == JobState.DONE,
                                                 DocumentJob.finished_at < now - timedelta(days=7)))
    db.session.commit()
    for work in SWEEPS:
        try:
            work()
        except Exception:  # one kind of work failing must not stop the others
            db.session.rollback()
            log.exception("%s failed during the sweep", work.__qualname__)
    return revived


def _retry_failed_freezes(now: datetime) -> int:
    """An adopted version must not stay without its frozen documents: a freeze that failed is tried again after
    a pause, for as long as it fails (each failure logged), until an operator fixes the cause."""
    pause = now - timedelta(seconds=current_app.config["JOB_RESUBMIT_SECONDS"])
    failed = db.session.scalars(select(DocumentJob).where(
        DocumentJob.kind == "freeze", DocumentJob.state == JobState.FAILED, DocumentJob.finished_at < pause)).all()
    for job in failed:
        job.state, job.attempts = JobState.QUEUED, 0
        db.session.commit()
        hand_over(job)
    return len(failed)


def run_due() -> int:
    """Run every queued job that is due, here and now (the tests' "manual" queue; `flask jobs run`)."""
    done = 0
    while True:
        now = utcnow()
        job_id = db.session.scalar(select(DocumentJob.id).where(
            DocumentJob.state == JobState.QUEUED,
            or_(DocumentJob.run_after.is_(None), DocumentJob.run_after <= now)).order_by(DocumentJob.id))
        if job_id is None:
            return done
        _run(job_id)
        done += 1


def unfinished() -> list[DocumentJob]:
    """Jobs waiting, running or failed, oldest first (`flask jobs list`, the admins' view)."""
    return list(db.session.scalars(select(DocumentJob).where(DocumentJob.state != JobState.DONE)
                                   .order_by(DocumentJob.id)))
