"""Resilience checks against real servers on loopback (not part of CI's pytest run; takes about two minutes):

  1. Two gunicorn instances on different ports, one PostgreSQL and one Redis: a save through one is seen through
     the other; the sign-in rate limit is shared; a PDF rendered by one is served from the shared cache by the
     other.
  2. PostgreSQL stopped mid-run: friendly 503 pages and /healthz 503; when it returns the app recovers by itself.
  3. A worker killed (SIGKILL) while saves are in flight: the version is wholly before or after each save.
  4. The document worker (`flask --app app worker`, RQ on the same Redis) killed (SIGKILL) in the middle of a
     PDF render and again in the middle of an adoption's freeze: nothing half-written is left, and each job is
     handed out again once its heartbeat is stale and made by the next worker. The check shortens the job
     timings through an instance folder's config.py (JOB_STALE_SECONDS=8 instead of 60), so it takes a minute.

    python bench/resilience.py [--only NAME ...] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
                               [--redis redis://127.0.0.1:6379/15]

NAME is one of instances, outage, saves, documents (default: all four). The outage check needs to be allowed to
stop and start the local PostgreSQL cluster (pg_ctlcluster, as on the CI machine); leave it out (--only) on a
machine others are using. Prints one line per check and exits non-zero if any fails.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import (  # noqa: E402
    DEFAULT_POSTGRES,
    PASSWORD,
    EditorClient,
    Gunicorn,
    Worker,
    flush_redis,
    scratch_database,
    seed,
)

results: list[tuple[bool, str]] = []


def check(ok: bool, what: str) -> bool:
    results.append((ok, what))
    print(f"{'PASS' if ok else 'FAIL'}  {what}")
    return ok


def cluster(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action], check=True,
                   capture_output=True)


def forget_rate_limits(redis_url: str) -> None:
    """Each phase starts with fresh sign-in limits: the rate-limit check uses them up on purpose."""
    flush_redis(redis_url)


def signed_in(client: EditorClient, email: str) -> EditorClient:
    status = client.sign_in(email, PASSWORD)
    if status != 200:
        raise RuntimeError(f"could not sign in as {email} ({status})")
    return client


def query(env: dict, sql: str, **params) -> list:
    """The rows of one query on the app's database, as an operator would look."""
    from sqlalchemy import create_engine, text
    engine = create_engine(env["DATABASE_URL"])
    with engine.connect() as connection:
        rows = connection.execute(text(sql), params).all()
    engine.dispose()
    return rows


def first_plan_id(env: dict) -> int:
    return query(env, "SELECT min(id) FROM plan")[0][0]


def rendered_count(env: dict) -> int:
    return query(env, "SELECT count(*) FROM rendered_document")[0][0]


def two_processes(env: dict, plan_id: int) -> None:
    one, two = Gunicorn(env, workers=2), Gunicorn(env, workers=2)
    try:
        writer = signed_in(EditorClient(one.base), "editor@demo.example")
        reader = signed_in(EditorClient(two.base), "admin@demo.example")
        writer.open_section(plan_id, "ansvar")
        status, _ = writer.autosave(plan_id, "ansvar", "samordnare", "Sparad via instans ett")
        page = reader.open_section(plan_id, "ansvar")
        check(status == 200 and "Sparad via instans ett" in page, "a save through one instance is seen through the other")

        version = plan_id  # the first demo plan's first version has the same id in a fresh database
        before = rendered_count(env)
        started = time.perf_counter()
        # Made in the background: the first asker follows the progress page until the PDF is there.
        status_one, pdf_one, _ = writer.download(f"/versions/{version}/document.pdf?edition=public",
                                                 time.monotonic() + 120)
        first = time.perf_counter() - started
        started = time.perf_counter()
        status_two, pdf_two, _ = reader.fetch(f"/versions/{version}/document.pdf?edition=public", timeout=120)
        second = time.perf_counter() - started
        check(status_one == status_two == 200 and pdf_one == pdf_two and rendered_count(env) == before + 1
              and second < first / 3,
              f"a PDF made for one instance ({first:.2f} s, progress page followed) is served from the shared "
              f"cache by the other ({second * 1000:.0f} ms)")

        attempts = [EditorClient(one.base), EditorClient(two.base)]
        statuses = [attempts[i % 2].sign_in("editor@demo.example", "wrong password") for i in range(12)]
        first_refusal = next((i for i, s in enumerate(statuses) if s == 429), None)
        check(first_refusal is not None and all(s == 429 for s in statuses[first_refusal:]),
              f"the sign-in rate limit is shared: wrong passwords alternating between instances were refused "
              f"from attempt {None if first_refusal is None else first_refusal + 1} on, on both")
    finally:
        one.stop()
        two.stop()


def database_down(env: dict, plan_id: int) -> None:
    server = Gunicorn(env, workers=2)
    try:
        person = signed_in(EditorClient(server.base), "editor@demo.example")
        cluster("stop")
        try:
            health, _ = person.request("/healthz")
            page_status, page = person.request(f"/plans/{plan_id}")
            check(health == 503, f"/healthz answers 503 while PostgreSQL is down (got {health})")
            check(page_status == 503 and "briefly unavailable" in page and "Traceback" not in page,
                  f"pages answer a friendly 503 while PostgreSQL is down (got {page_status})")
        finally:
            cluster("start")
        deadline, health = time.monotonic() + 30, 0
        while time.monotonic() < deadline and health != 200:
            time.sleep(1)
            health, _ = person.request("/healthz")
        page_status, _ = person.request(f"/plans/{plan_id}")
        check(health == 200 and page_status == 200, "the app recovers by itself when PostgreSQL returns")
    finally:
        server.stop()


def worker_killed(env: dict, plan_id: int) -> None:
    server = Gunicorn(env, workers=2, threads=2)
    sent: set[str] = set()
    stop = time.monotonic() + 8

    def keep_saving(number: int) -> None:
        person = signed_in(EditorClient(server.base), f"load{number:02d}@demo.example")
        person.open_section(plan_id, "utbildning")
        n = 0
        while time.monotonic() < stop:
            value = f"worker test {number}-{n} " + "x" * 2000
            sent.add(value)
            try:
                status, _ = person.autosave(plan_id, "utbildning", "kompetensplan_ansvar", value)
                if status != 200:
                    person.open_section(plan_id, "utbildning")
            except OSError:
                pass  # the connection died with the worker; the next request goes to its replacement
            n += 1

    try:
        threads = [threading.Thread(target=keep_saving, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(3)
        killed = server.worker_pids()[:1]
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        for thread in threads:
            thread.join()
        from sqlalchemy import create_engine, text
        engine = create_engine(env["DATABASE_URL"])
        with engine.connect() as connection:
            content, log, lock = connection.execute(text(
                "SELECT content, save_log, lock_version FROM plan_version WHERE plan_id = :p AND status = 'draft'"),
                {"p": plan_id}).one()
        engine.dispose()
        stored = content["utbildning"]["kompetensplan_ansvar"]
        check(bool(killed) and (stored in sent or stored.startswith("Kompetens") or "worker test" not in stored)
              and log[-1][0] == lock,
              "after a worker was killed mid-save the version is wholly one save's state (value intact, "
              "lock counter and save log agree)")
        person = signed_in(EditorClient(server.base), "editor@demo.example")
        person.open_section(plan_id, "utbildning")
        status, _ = person.autosave(plan_id, "utbildning", "kompetensplan_ansvar", "Efter omstarten")
        check(status == 200, "saving works again after the worker was replaced")
    finally:
        server.stop()


# The job timings of the documents check, shortened through the instance folder's config.py (the configuration
# layer after the defaults): a job without a heartbeat for 8 s (not 60) has lost its worker; the sweep looks
# every 2 s (not 30).
QUICK_JOB_TIMINGS = "JOB_HEARTBEAT_SECONDS = 2\nJOB_STALE_SECONDS = 8\nJOB_SWEEP_SECONDS = 2\n"
JOB = "SELECT id, key, state, attempts, started_at, finished_at FROM document_job"


def wait_for_job(env: dict, where: str, state: str, seconds: float = 120, **params):
    """The first job matching `where` once it is in `state`; None if none is within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rows = query(env, f"{JOB} WHERE {where} AND state = :state ORDER BY id", state=state, **params)
        if rows:
            return rows[0]
        time.sleep(0.1)
    return None


def whole_pdf(body: bytes) -> bool:
    return body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")


class DocumentWorker:
    """The one document worker of the check; killed and started again."""

    def __init__(self, env: dict):
        self.env, self.worker = env, Worker(env)

    def kill_while(self, job, seconds: float) -> bool:
        """SIGKILL after `seconds` of `job` running; whether it was still running then."""
        time.sleep(seconds)
        still = query(self.env, f"{JOB} WHERE id = :j", j=job.id)[0].state == "running"
        self.worker.kill()
        return still

    def restart(self) -> None:
        self.worker = Worker(self.env)


def document_worker_killed(env: dict, plan_id: int) -> None:
    with tempfile.TemporaryDirectory(prefix="resilience-instance-") as instance:
        Path(instance, "config.py").write_text(QUICK_JOB_TIMINGS)
        # The check's one Redis carries the jobs too.
        env = {**env, "QUEUE_URL": env["RATELIMIT_STORAGE_URI"], "PLANBUILDER_INSTANCE_PATH": instance}
        server, worker = Gunicorn(env, workers=2), DocumentWorker(env)
        try:
            editor = signed_in(EditorClient(server.base), "editor@demo.example")
            version_id = query(env, "SELECT id FROM plan_version WHERE plan_id = :p AND status = 'draft'",
                               p=plan_id)[0][0]
            render = killed_mid_render(env, worker, editor, plan_id, version_id)
            if render is not None:
                killed_mid_freeze(env, worker, editor, version_id, render)
        finally:
            worker.worker.stop()
            server.stop()


def killed_mid_render(env: dict, worker: DocumentWorker, editor: EditorClient, plan_id: int, version_id: int):
    """Submit for review (PDF and DOCX of both editions queued), SIGKILL the worker while the first PDF is being
    made, start another: the job must be made by it, with nothing of the killed render left behind."""
    status, _ = editor.request(f"/plans/{plan_id}/submit", {"csrf_token": editor.csrf_token()})
    running = wait_for_job(env, "version_id = :v AND kind = 'plan' AND format = 'pdf'", "running", v=version_id)
    if not check(running is not None, f"the submitted version's first PDF job started (submit answered {status})"):
        return None
    was_running = worker.kill_while(running, 1.0)
    left = query(env, "SELECT count(*) FROM rendered_document WHERE cache_key = :k", k=running.key)[0][0]
    state = query(env, f"{JOB} WHERE id = :j", j=running.id)[0].state
    check(was_running and left == 0 and state == "running",
          f"a document worker SIGKILLed 1 s into a PDF render leaves no document behind (job still '{state}', "
          f"{left} cached)")
    worker.restart()
    started = time.monotonic()
    retried = wait_for_job(env, "id = :j", "done", j=running.id)
    body = query(env, "SELECT content FROM rendered_document WHERE cache_key = :k", k=running.key)
    check(retried is not None and retried.attempts == 2 and len(body) == 1 and whole_pdf(body[0][0]),
          f"its job is handed out again once its heartbeat is stale and made by the next worker "
          f"({time.monotonic() - started:.0f} s after the restart, attempt "
          f"{retried.attempts if retried else '-'}, a whole PDF in the cache)")
    return retried


def killed_mid_freeze(env: dict, worker: DocumentWorker, editor: EditorClient, version_id: int, render) -> None:
    """Adopt, SIGKILL the worker after the first of the two frozen PDFs is rendered (not yet committed), start
    another: both frozen PDFs must appear once, whole, with their SHA-256, and be what a download gives."""
    deadline = time.monotonic() + 120
    while query(env, "SELECT count(*) FROM document_job WHERE version_id = :v AND state != 'done'",
                v=version_id)[0][0] and time.monotonic() < deadline:
        time.sleep(0.2)  # the review's DOCX first: the freeze is then the only job
    status = editor.adopt(version_id)
    running = wait_for_job(env, "version_id = :v AND kind = 'freeze'", "running", v=version_id)
    if not check(status == 303 and running is not None, f"adoption answered {status} and its freeze started"):
        return
    one_render = (render.finished_at - render.started_at).total_seconds()
    was_running = worker.kill_while(running, one_render * 1.3)
    frozen = query(env, "SELECT count(*) FROM frozen_document WHERE version_id = :v", v=version_id)[0][0]
    check(was_running and frozen == 0,
          f"a document worker SIGKILLed {one_render * 1.3:.1f} s into a freeze (its first PDF made, not yet stored) leaves no "
          f"frozen document ({frozen})")
    worker.restart()
    retried = wait_for_job(env, "id = :j", "done", j=running.id)
    rows = query(env, "SELECT edition, content, sha256 FROM frozen_document WHERE version_id = :v ORDER BY edition",
                 v=version_id)
    whole = [whole_pdf(content) and hashlib.sha256(content).hexdigest() == sha for _, content, sha in rows]
    _, served, _ = editor.fetch(f"/versions/{version_id}/document.pdf?edition=internal")
    internal = next((content for edition, content, _ in rows if edition == "internal"), None)
    check(retried is not None and retried.attempts == 2 and len(rows) == 2 and all(whole) and served == internal,
          f"the freeze is handed out again and made by the next worker: {len(rows)} frozen PDFs, whole and "
          f"matching their SHA-256, the download serving them (attempt {retried.attempts if retried else '-'})")


PHASES = {"instances": two_processes, "outage": database_down, "saves": worker_killed,
          "documents": document_worker_killed}


def main() -> None:
    parser = argparse.ArgumentParser(description="Resilience checks on loopback")
    parser.add_argument("--only", nargs="+", choices=PHASES, help="run only these checks (default: all)")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": scratch_database(args.postgres, "planbuilder_resilience"),
           "SECRET_KEY": "resilience", "RATELIMIT_STORAGE_URI": args.redis}
    env.pop("QUEUE_URL", None)
    seed(env, editors=4)
    plan_id = first_plan_id(env)
    # Always in the order of PHASES, whatever the order asked for: the document worker's check leaves the plan
    # submitted, which the instances' save check needs in draft.
    for name in [name for name in PHASES if name in (args.only or PHASES)]:
        forget_rate_limits(args.redis)
        PHASES[name](env, plan_id)
    failed = [what for ok, what in results if not ok]
    print(f"\n{len(results) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
