"""Resilience checks against real servers on loopback (not part of CI's pytest run; takes about two minutes):

  1. Two gunicorn instances on different ports, one PostgreSQL and one Redis: a save through one is seen through
     the other; the sign-in rate limit is shared; a PDF rendered by one is served from the shared cache by the
     other.
  2. PostgreSQL stopped mid-run: friendly 503 pages and /healthz 503; when it returns the app recovers by itself.
  3. A worker killed (SIGKILL) while saves are in flight: the version is wholly before or after each save.

    python bench/resilience.py [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--redis redis://127.0.0.1:6379/15]

Needs to be allowed to stop and start the local PostgreSQL cluster (pg_ctlcluster, as on the CI machine).
Prints one line per check and exits non-zero if any fails.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import DEFAULT_POSTGRES, PASSWORD, EditorClient, Gunicorn, scratch_database, seed  # noqa: E402

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
    subprocess.run(["redis-cli", "-n", redis_url.rsplit("/", 1)[1], "FLUSHDB"], capture_output=True, check=True)


def signed_in(client: EditorClient, email: str) -> EditorClient:
    status = client.sign_in(email, PASSWORD)
    if status != 200:
        raise RuntimeError(f"could not sign in as {email} ({status})")
    return client


def first_plan_id(env: dict) -> int:
    from sqlalchemy import create_engine, text
    engine = create_engine(env["DATABASE_URL"])
    with engine.connect() as connection:
        plan_id = connection.execute(text("SELECT min(id) FROM plan")).scalar_one()
    engine.dispose()
    return plan_id


def rendered_count(env: dict) -> int:
    from sqlalchemy import create_engine, text
    engine = create_engine(env["DATABASE_URL"])
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM rendered_document")).scalar_one()
    engine.dispose()
    return count


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
        status_one, pdf_one = writer.request(f"/versions/{version}/document.pdf?edition=public", timeout=120)
        first = time.perf_counter() - started
        started = time.perf_counter()
        status_two, pdf_two = reader.request(f"/versions/{version}/document.pdf?edition=public", timeout=120)
        second = time.perf_counter() - started
        check(status_one == status_two == 200 and pdf_one == pdf_two and rendered_count(env) == before + 1
              and second < first / 3,
              f"a PDF rendered by one instance ({first:.2f} s) is served from the shared cache by the other "
              f"({second * 1000:.0f} ms)")

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


def main() -> None:
    parser = argparse.ArgumentParser(description="Resilience checks on loopback")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": scratch_database(args.postgres, "planbuilder_resilience"),
           "SECRET_KEY": "resilience", "RATELIMIT_STORAGE_URI": args.redis}
    seed(env, editors=4)
    plan_id = first_plan_id(env)
    for phase in (two_processes, database_down, worker_killed):
        forget_rate_limits(args.redis)
        phase(env, plan_id)
    failed = [what for ok, what in results if not ok]
    print(f"\n{len(results) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
