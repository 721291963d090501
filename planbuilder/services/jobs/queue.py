"""Where a job runs, behind one small interface: `submit(job_id)`.

- "redis": RQ, a well-kept queue library, on the Redis at QUEUE_URL; its worker is `flask --app app worker`.
- "embedded" (no QUEUE_URL): a worker thread inside each app process, so the Quick start's one command does
  everything; the thread hands each render to a child process of its own (child.py), at the lowest priority.
  The job rows live in the database, so a job a stopped process left behind is picked up again.
- "inline" (the tests' default): a job someone waits for runs at once in the same thread (a retry too, without
  its delay); work done ahead of time (pre-renders) stays queued in the table until a test runs it, so no test
  renders what it did not ask for.
- "manual": nothing runs until `runner.run_due()` is called (tests of the progress pages).
- "relay": the embedded worker's render process; what it queues goes back to the worker that started it.
"""
from __future__ import annotations

import fcntl
import heapq
import importlib
import itertools
import json
import logging
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app

log = logging.getLogger(__name__)

MODES = ("embedded", "redis", "inline", "manual", "relay")
RQ_QUEUE_NAME = "planbuilder-documents"
# A render takes seconds; a job still running after this long is stopped (and handed out again by the sweep).
JOB_TIMEOUT_SECONDS = 600
# The embedded worker's render process gives its memory back after this long without a render.
RENDER_PROCESS_IDLE_SECONDS = 600


# The queue carries jobs to functions by name, as RQ does across processes: this module knows where jobs are run,
# the runner knows how, and neither imports the other's half.
RUNNER = "planbuilder.services.jobs.runner"


def job_function(name: str):
    return task_function(f"{RUNNER}.{name}")


# In the render process ("relay"): the jobs and tasks it queued, (id or name, delay), for its embedded worker.
relayed: list[tuple[int | str, float]] = []


class QueueUnavailable(Exception):
    """The queue could not take the job now (Redis down); the job stays queued in the database."""


def submit(job_id: int, *, ahead: bool = False, delay: float = 0) -> None:
    """Hand job `job_id` to a worker, after `delay` seconds. `ahead`: nobody is waiting for it."""
    app = current_app._get_current_object()
    mode = app.config["JOB_QUEUE"]
    if mode == "manual" or (mode == "inline" and ahead):
        return
    if mode == "relay":
        relayed.append((job_id, delay))
    elif mode == "inline":
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
    elif mode == "relay":
        relayed.append((name, 0))
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
    (submit_task) is a function's dotted name instead of an id. Tasks and sweeps are light and run in the thread;
    a job (a render) runs in the render process, so it never holds this process's interpreter lock while a
    request waits for it."""

    def __init__(self, app: Flask):
        self.app = app
        self.renders = RenderProcess(app)
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
        self.renders.stop()

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
        sweep = job_function("sweep")
        sweep_every = self.app.config["JOB_SWEEP_SECONDS"]
        yield_to_requests(self.app, threading.get_native_id())
        job_id = None  # the first round is a sweep: it picks up what a stopped process left queued or running
        while not self._stopping:
            try:
                if job_id is None:
                    self.renders.stop_if_idle(RENDER_PROCESS_IDLE_SECONDS)
                    with self.app.app_context():
                        sweep()
                elif isinstance(job_id, str):
                    with self.app.app_context():
                        task_function(job_id)()  # a light task (mail): no need to wait for a render
                else:
                    with one_job_per_machine(self.app):
                        queued = self.renders.run(job_id)
                    for job_or_task, delay in queued:
                        self.put(job_or_task, delay)
            except Exception:  # the worker thread must outlive any one job
                log.exception("the embedded worker failed on job %s", job_id)
            try:
                job_id = self._next_job(sweep_every)
            except _Stopped:
                return


class RenderProcess:
    """The embedded worker's renders, in a child process (`python -m planbuilder.services.jobs.child`) that lives
    as long as there is work: its fonts and stylesheets stay warm between renders, it holds no lock a request
    needs, and it runs only on a core nothing else wants, like a worker of its own. It claims, beats for and
    finishes each job itself; if it dies mid-render the job's heartbeat stops and the sweep hands it out again."""

    def __init__(self, app: Flask):
        self.app = app
        self._child: subprocess.Popen | None = None
        self._last_used = time.monotonic()

    def run(self, job_id: int) -> list[tuple[int | str, float]]:
        """Have the child run job `job_id`; what it queued meanwhile (a retry, mail) is returned for this worker."""
        self._last_used = time.monotonic()
        child = self._child if self._child and self._child.poll() is None else self._start()
        try:
            child.stdin.write(json.dumps({"job": job_id}) + "\n")
            child.stdin.flush()
            if not select.select([child.stdout], [], [], JOB_TIMEOUT_SECONDS)[0]:
                raise TimeoutError(f"still rendering after {JOB_TIMEOUT_SECONDS} s")
            answer = json.loads(child.stdout.readline())
        except (OSError, ValueError) as exc:  # died, stuck, or said something else than its answer
            log.error("the render process stopped during job %s (%s); the sweep will hand it out again",
                      job_id, exc)
            self.stop(wait=0)
            return []
        finally:
            self._last_used = time.monotonic()
        return [(item, delay) for item, delay in answer["relay"]]

    def stop_if_idle(self, seconds: float) -> None:
        if self._child and time.monotonic() - self._last_used > seconds:
            self.stop()

    def stop(self, wait: float = 10) -> None:
        """Close the child's input (it ends after its current job), or kill it if it does not end in `wait` s."""
        child, self._child = self._child, None
        if child is None:
            return
        try:
            child.stdin.close()
            child.wait(timeout=wait)
        except (OSError, subprocess.TimeoutExpired):
            child.kill()
            child.wait()
        child.stdout.close()

    def _start(self) -> subprocess.Popen:
        package_root = str(Path(__file__).resolve().parents[3])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root,
                                                                         os.environ.get("PYTHONPATH")]))}
        # A session of its own, which it puts last (yield_to_requests); it ends when its input closes.
        self._child = subprocess.Popen([sys.executable, "-m", "planbuilder.services.jobs.child"], env=env,
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                       start_new_session=True)
        # The app's settings go through the pipe (not the command line or environment: they hold the secret key).
        self._child.stdin.write(json.dumps(portable_config(self.app)) + "\n")
        return self._child


def portable_config(app: Flask) -> dict:
    """The settings the child's app is made with: this app's, where they can be written as JSON (the rest, such as
    the session lifetime, are the same defaults in both and have nothing to do with rendering)."""
    def portable(value) -> bool:
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            return False
        return True
    config = {key: os.fspath(value) if isinstance(value, os.PathLike) else value
              for key, value in app.config.items()}
    return {key: value for key, value in config.items() if portable(value)}


def yield_to_requests(app: Flask, native_id: int = 0, *, own_process: bool = False) -> None:
    """Renders take a core for seconds; people typing must not wait for them. A worker (a process, or on Linux
    the embedded worker's thread) runs at a lower priority (JOB_WORKER_NICE), so requests get the CPU first.

    A process that renders (`flask --app app worker`, the embedded worker's render process) goes further where
    Linux allows it: it runs only on a core nothing else wants (SCHED_IDLE), so a request waking up never waits
    for a render to be moved aside. Not for the embedded worker's thread: it shares the interpreter lock with the
    requests of its process (it only sweeps and sends mail), and must not keep that lock waiting for an idle
    core."""
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
        _session_last()


def _session_last() -> None:
    """Linux shares a busy CPU between sessions (autogroups) first and only then by priority within each: a
    render at idle priority in a session of its own took a core's share from the requests in gunicorn's session
    and from PostgreSQL's (measured: more than a busy loop at normal priority). A render process that leads its
    session gives the whole session the lowest weight too. Not one started inside someone else's session (a
    terminal, a script that also starts gunicorn): that would put them last as well. Under systemd each service
    is a control group instead, which this cannot change: the README's Production section says what to set."""
    if getattr(os, "getsid", None) is None:
        return  # not Unix: no sessions to put last
    if os.getsid(0) != os.getpid():
        log.info("the document worker shares its session with other processes; its session keeps its CPU share")
        return
    try:
        with open("/proc/self/autogroup", "w") as group:
            group.write("19")
    except OSError:  # no autogroups on this system, or not allowed: the priorities above apply as they are
        pass


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

    class JobByJob(SimpleWorker):
        """Each job in an app context of its own, so its database session ends with it. One context for the
        worker's whole life would keep a transaction open from a job's last read until the next job, for hours
        on a quiet day: PostgreSQL could not clean up after people's saves meanwhile (their rows grow), and a
        migration's lock would wait for it with every request queued behind."""

        def execute_job(self, job, queue):
            with app.app_context():
                super().execute_job(job, queue)

    try:
        JobByJob([rq_queue(app)], connection=redis_connection(app)).work(burst=burst, with_scheduler=not burst)
    finally:
        stop.set()
