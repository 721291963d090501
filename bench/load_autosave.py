"""Load test: 25 simulated editors autosaving for 60 s against gunicorn on PostgreSQL, then a check that no
acknowledged save was lost. Loopback only, bounded in time; prints requests, errors and latency percentiles.

    python bench/load_autosave.py [--editors 25] [--seconds 60] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

It creates (and drops first) a database 'planbuilder_load', migrates it, seeds the demo and 25 editor accounts,
starts gunicorn on a free local port, and runs one thread per editor. Each editor works on one section of the
same plan (several editors share a section, so some saves are refused as conflicts: the editor then reloads the
page, as a person would). Every 200 answer is an acknowledged save; at the end the database must hold, for every
field, the value of the acknowledged save with the highest lock counter, and no two acknowledged saves may
share a lock counter.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
PASSWORD = "load-test-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(server: str) -> str:
    from sqlalchemy import create_engine, text
    base = server.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    engine = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS planbuilder_load WITH (FORCE)"))
        connection.execute(text("CREATE DATABASE planbuilder_load"))
    engine.dispose()
    return f"{base}/planbuilder_load"


def flask(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, check=True)
    return done.stdout


def seed(env: dict, editors: int) -> None:
    flask(env, "db", "upgrade")
    flask(env, "seed-demo", "--password", PASSWORD)
    for i in range(editors):
        flask(env, "users", "create", "--email", f"load{i:02d}@demo.example", "--municipality", "Ekdala kommun",
              "--role", "editor", "--password", PASSWORD)


class Editor(threading.Thread):
    def __init__(self, number: int, base: str, plan_id: int, section: str, fields: list[str], until: float):
        super().__init__(daemon=True)
        self.number, self.base, self.plan_id, self.section, self.fields = number, base, plan_id, section, fields
        self.until = until
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.latencies: list[float] = []
        self.acknowledged: list[tuple[int, str, str, str]] = []  # (lock after, section, field, value)
        self.conflicts = self.errors = self.server_errors = 0

    def request(self, path: str, data: dict | None = None, headers: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def sign_in(self) -> None:
        _, page = self.request("/auth/sign-in")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        status, _ = self.request("/auth/sign-in", {"csrf_token": token, "email": f"load{self.number:02d}@demo.example",
                                                   "password": PASSWORD})
        assert status == 200, status  # urllib follows the 303 to the dashboard

    def open_section(self) -> dict:
        _, page = self.request(f"/plans/{self.plan_id}/sections/{self.section}")
        return {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
                "lock": re.search(r'name="lock" id="lock" value="(\d+)"', page).group(1),
                "editor_token": re.search(r'name="editor_token" value="([^"]+)"', page).group(1)}

    def run(self) -> None:
        self.sign_in()
        form = self.open_section()
        n = 0
        while time.monotonic() < self.until:
            field = random.choice(self.fields)
            value = f"editor {self.number} save {n}"
            n += 1
            started = time.perf_counter()
            status, body = self.request(f"/plans/{self.plan_id}/sections/{self.section}",
                                        {**form, "_autosave": field, field: value}, {"HX-Request": "true"})
            self.latencies.append((time.perf_counter() - started) * 1000)
            if status == 200:
                form["lock"] = re.search(r'id="lock" value="(\d+)"', body).group(1)
                self.acknowledged.append((int(form["lock"]), self.section, field, value))
            elif status == 409:
                self.conflicts += 1
                form = self.open_section()  # "reload the page"
            else:
                self.errors += 1
                self.server_errors += status >= 500
            time.sleep(random.uniform(0.2, 0.6))  # a person types, pauses, types


def text_fields(section) -> list[str]:
    return [f.id for f in section.fields if f.type in ("short_text", "long_text")]


def verify(database_url: str, editors: list[Editor], plan_id: int) -> list[str]:
    from sqlalchemy import create_engine, text
    engine = create_engine(database_url)
    with engine.connect() as connection:
        content = connection.execute(text("SELECT content FROM plan_version WHERE plan_id = :p AND status = 'draft'"),
                                     {"p": plan_id}).scalar_one()
    engine.dispose()
    problems, latest, locks = [], {}, {}
    for editor in editors:
        for lock, section, field, value in editor.acknowledged:
            if lock in locks:
                problems.append(f"lock {lock} acknowledged twice: {locks[lock]} and {value}")
            locks[lock] = value
            if (section, field) not in latest or lock > latest[(section, field)][0]:
                latest[(section, field)] = (lock, value)
    for (section, field), (lock, value) in latest.items():
        stored = (content.get(section) or {}).get(field)
        if stored != value:
            problems.append(f"{section}.{field}: acknowledged '{value}' (lock {lock}) but stored '{stored}'")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description="Autosave load test (loopback only)")
    parser.add_argument("--editors", type=int, default=25)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    database_url = prepare_database(args.postgres)
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "load-test"}
    seed(env, args.editors)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--threads", "4",
                               "--bind", f"127.0.0.1:{port}", "app:app"], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(60):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        from planbuilder import create_app
        from planbuilder.extensions import db
        from planbuilder.models import Plan
        os.environ.update(env)
        app = create_app()
        with app.app_context():
            plan = db.session.scalars(db.select(Plan).order_by(Plan.id)).first()
            template = app.extensions["plan_templates"][plan.template_id]
        sections = [s for s in template.sections if text_fields(s)]
        until = time.monotonic() + args.seconds
        editors = [Editor(i, base, plan.id, sections[i % len(sections)].id, text_fields(sections[i % len(sections)]),
                          until) for i in range(args.editors)]
        for editor in editors:
            editor.start()
        for editor in editors:
            editor.join(args.seconds + 60)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)

    latencies = [ms for e in editors for ms in e.latencies]
    acknowledged = sum(len(e.acknowledged) for e in editors)
    conflicts = sum(e.conflicts for e in editors)
    errors = sum(e.errors for e in editors)
    server_errors = sum(e.server_errors for e in editors)
    ordered = sorted(latencies)
    pct = lambda p: ordered[min(len(ordered) - 1, int(p * (len(ordered) - 1)))]  # noqa: E731
    print(f"editors {args.editors}, {args.seconds} s, gunicorn {args.workers} workers × 4 threads, PostgreSQL")
    print(f"requests {len(latencies)}  acknowledged {acknowledged}  conflicts {conflicts}  errors {errors} "
          f"(5xx {server_errors})")
    print(f"latency ms  p50 {statistics.median(latencies):.1f}  p95 {pct(.95):.1f}  p99 {pct(.99):.1f}")
    problems = verify(database_url, editors, plan.id)
    print("lost acknowledged saves: " + ("none" if not problems else f"{len(problems)}"))
    for problem in problems[:10]:
        print("  " + problem)
    sys.exit(1 if problems or server_errors else 0)


if __name__ == "__main__":
    main()
