"""Where a job runs, behind one small interface: `submit(job_id)`.

- "redis": RQ, a well-kept queue library, on the Redis at QUEUE_URL; its worker is `flask --app app worker`.
- "embedded" (no QUEUE_URL): a worker thread inside each app process, so the Quick start's one command does
  everything. The job rows live in the database, so a job a stopped process left behind is picked up again.
- "inline" (the tests' default): a job someone waits for runs at once in the same thread (a retry too, without
  its delay); work done ahead of time (pre-renders) stays queued in the table until a test runs it, so no test
  renders what it did not ask for.
- "manual": nothing runs until `runner.run_due()` is called (tests of the progress pages).
"""
from __future__ import annotations

import fcntl
import heapq
import importlib
import itertools
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app

log = logging.getLogger(__name__)

MODES = ("embedded", "redis", "inline", "manual")
RQ_QUEUE_NAME = "planbuilder-documents"
# A request thread that waits for the interpreter lock while the embedded worker renders gets it after this many
# seconds (Python's default is 5 ms): an autosave takes the lock back a dozen times (after each database call).
EMBEDDED_SWITCH_INTERVAL = 0.0005
# A render takes seconds; a job still running after this long is stopped by RQ (and handed out again).
JOB_TIMEOUT_SECONDS = 600


# The queue carries jobs to functions by name, as RQ does across processes: this module knows where jobs are run,
# the runner knows how, and neither imports the other's half.
RUNNER = "planbuilder.services.jobs.runner"


def job_function(name: str):
    return task_function(f"{RUNNER}.{name}")


class QueueUnavailable(Exception):
    """The queue could not take the job now (Redis down); the job stays queued in the database."""


def submit(job_id: int, *, ahead: bool = False, delay: float = 0) -> None:
    """Hand job `job_id` to a worker, after `delay` seconds. `ahead`: nobody is waiting for it."""
    app = current_app._get_current_object()
    mode = app.config["JOB_QUEUE"]
    if mode == "manual" or (mode == "inline" and ahead):
        return
    if mode == "inline":
        job_function("run")(job_id)
    elif mode == "embedded":
        embedded_worker(app).put(job_id, delay)
    else:
        _submit_to_rq(app, job_id, delay)


def submit_task(name: str) -> None:
    """Run the function at dotted path `name` (no arguments, its own records in the database) out of this request,
    e.g. delivering the mail a request queued. Nobody waits for it, so the inline and manual queues leave it to
    the test; if Redis does not take it, the next sweep does the work (runner.on_sweep)."""
    app = current_app._get_current_object()
    mode = app.config["JOB_QUEUE"]
    if mode == "embedded":
        embedded_worker(app).put(name)
    elif mode == "redis":
        from redis.exceptions import RedisError

        try:
            rq_queue(app).enqueue(name, result_ttl=0, failure_ttl=7 * 24 * 3600)
        except RedisError as exc:
            log.warning("%s not queued: Redis at QUEUE_URL does not answer (%s); the sweep will do it", name, exc)


def task_function(name: str):
    module, _, function = name.rpartition(".")
    return getattr(importlib.import_module(module), function)


def someone_waits(job_id: int) -> None:
    """Someone now waits for a job that may have been queued ahead of time. Only the inline queue, which leaves
    such jobs alone, has to run it now; a real worker has it in its queue already."""
    if current_app.config["JOB_QUEUE"] == "inline":
        job_function("run")(job_id)


def health() -> str:
    """"ok", or "queue unreachable" when Redis at QUEUE_URL does not answer (for /healthz)."""
    app = current_app._get_current_object()
    if app.config["JOB_QUEUE"] != "redis":
        return "ok"
    from redis.exceptions import RedisError

    try:
        redis_connection(app).ping()
    except RedisError:
        return "queue unreachable"
    return "ok"


# --- RQ on Redis ----------------------------------------------------------------------------------------------

def redis_connection(app: Flask):
    from redis import Redis

    return Redis.from_url(app.config["QUEUE_URL"], socket_connect_timeout=2, socket_timeout=5)


def rq_queue(app: Flask):
    from rq import Queue

    return Queue(RQ_QUEUE_NAME, connection=redis_connection(app), default_timeout=JOB_TIMEOUT_SECONDS)


def _submit_to_rq(app: Flask, job_id: int, delay: float) -> None:
    from datetime import timedelta

    from redis.exceptions import RedisError
    from rq import Retry

    queue = rq_queue(app)
    # Retries are for a worker that died mid-job (RQ's abandoned jobs); a job that fails retries itself.
    options = {"retry": Retry(max=2), "result_ttl": 3600, "failure_ttl": 7 * 24 * 3600}
    try:
        if delay:
            queue.enqueue_in(timedelta(seconds=delay), f"{RUNNER}.run", job_id, **options)
        else:
            queue.enqueue(f"{RUNNER}.run", job_id, **options)
    except RedisError as exc:
        log.warning("job %s not queued: Redis at QUEUE_URL does not answer (%s)", job_id, exc)
        raise QueueUnavailable(str(exc)) from exc


# --- the embedded worker: a thread in this process ------------------------------------------------------------

class EmbeddedWorker:
    """One thread running jobs in order of their due time; jobs are ids, the work is in the database. A task
    (submit_task) is a function's dotted name instead of an id."""

    def __init__(self, app: Flask):
        self.app = app
        self._due: list[tuple[float, int, int | str]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._work, name="planbuilder-jobs", daemon=True)
        self._thread.start()

    def put(self, job_id: int | str, delay: float = 0) -> None:
        with self._wake:
            heapq.heappush(self._due, (time.monotonic() + delay, next(self._order), job_id))
            self._wake.notify()

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()
        self._thread.join(timeout=30)

    def _next_job(self, sweep_every: float) -> int | str | None:
        with self._wake:
            while not self._stopping:
                now = time.monotonic()
                if self._due and self._due[0][0] <= now:
                    return heapq.heappop(self._due)[2]
                wait = min(self._due[0][0] - now, sweep_every) if self._due else sweep_every
                if not self._wake.wait(wait):
                    return None  # time for a sweep
            raise _Stopped()

    def _work(self) -> None:
        run, sweep = job_function("run"), job_function("sweep")
        sweep_every = self.app.config["JOB_SWEEP_SECONDS"]
        yield_to_requests(self.app, threading.get_native_id())
        sys.setswitchinterval(min(sys.getswitchinterval(), EMBEDDED_SWITCH_INTERVAL))
        job_id = None  # the first round is a sweep: it picks up what a stopped process left queued or running
        while not self._stopping:
            try:
                with self.app.app_context():
                    if job_id is None:
                        sweep()
                    elif isinstance(job_id, str):
                        task_function(job_id)()  # a light task (mail): no need to wait for a render
                    else:
                        with one_job_per_machine(self.app):
                            run(job_id)
            except Exception:  # the worker thread must outlive any one job
                log.exception("the embedded worker failed on job %s", job_id)
            try:
                job_id = self._next_job(sweep_every)
            except _Stopped:
                return


def yield_to_requests(app: Flask, native_id: int = 0, *, own_process: bool = False) -> None:
    """Renders take a core for seconds; people typing must not wait for them. The worker (a process, or on Linux
    the embedded worker's thread) runs at a lower priority (JOB_WORKER_NICE), so requests get the CPU first.

    A worker in a process of its own goes further where Linux allows it: it runs only on a core nothing else
    wants (SCHED_IDLE), so a request waking up never waits for a render to be moved aside. Not for the embedded
    thread: it shares the interpreter lock with the requests of its process, and a render holding that lock must
    not be left waiting for an idle core while a request waits for the lock."""
    try:
        os.setpriority(os.PRIO_PROCESS, native_id, min(os.getpriority(os.PRIO_PROCESS, native_id)
                                                       + app.config["JOB_WORKER_NICE"], 19))
    except (OSError, AttributeError):  # not allowed or not Linux: the jobs run at normal priority
        log.info("the document worker runs at normal priority")
    if own_process and app.config["JOB_WORKER_IDLE"]:
        try:
            os.sched_setscheduler(native_id, os.SCHED_IDLE, os.sched_param(0))
        except (OSError, AttributeError):
            log.info("the document worker cannot run at idle priority here; it stays niced")


@contextmanager
def one_job_per_machine(app: Flask) -> Iterator[None]:
    """Each gunicorn process has its own embedded worker: one render at a time per machine (a lock file next to
    the embedded database), so two cores are never both taken by renders while people type."""
    path = os.path.join(app.instance_path, "document-jobs.lock")
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class _Stopped(Exception):
    pass


_workers: dict[int, EmbeddedWorker] = {}
_workers_lock = threading.Lock()


def embedded_worker(app: Flask) -> EmbeddedWorker:
    """This process's worker for `app`, started on first use (after a fork, each gunicorn worker has its own)."""
    with _workers_lock:
        worker = _workers.get(id(app))
        if worker is None or not worker._thread.is_alive():
            worker = _workers[id(app)] = EmbeddedWorker(app)
        return worker


def stop_embedded_workers() -> None:
    """Stop this process's worker threads (a test that started one, at its end)."""
    with _workers_lock:
        for worker in _workers.values():
            worker.stop()
        _workers.clear()


def work_on_redis(app: Flask, burst: bool = False) -> None:
    """RQ's worker for `flask --app app worker`: jobs in this process (no fork per job, so the fonts and the
    print stylesheet stay warm between renders), delayed jobs through RQ's scheduler, and a sweep every
    JOB_SWEEP_SECONDS for jobs that lost their worker. `burst`: stop when the queue is empty (tests, bench)."""
    from rq.worker import SimpleWorker

    sweep = job_function("sweep")
    stop = threading.Event()

    def sweeping() -> None:
        while not stop.wait(app.config["JOB_SWEEP_SECONDS"]):
            try:
                with app.app_context():
                    sweep()
            except Exception:
                log.exception("the sweep for lost jobs failed")

    yield_to_requests(app, own_process=True)  # before its threads start: they inherit it
    with app.app_context():
        sweep()  # what a worker that stopped left running is handed out again before anything new
    sweeper = threading.Thread(target=sweeping, name="planbuilder-sweep", daemon=True)
    sweeper.start()
    try:
        worker = SimpleWorker([rq_queue(app)], connection=redis_connection(app))
        with app.app_context():
            worker.work(burst=burst, with_scheduler=not burst)
    finally:
        stop.set()
