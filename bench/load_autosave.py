"""Load test: 25 simulated editors autosaving for 60 s against gunicorn on PostgreSQL, then a check that no
acknowledged save was lost. Loopback only, bounded in time; prints requests, errors and latency percentiles.

    python bench/load_autosave.py [--editors 25] [--seconds 60] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

It creates (and drops first) a database 'planbuilder_load', migrates it, seeds the demo and 25 editor accounts,
starts gunicorn on a free local port, and runs one thread per editor. Each editor works on one section of the
same plan (several editors share a section; a save is refused only when another editor changed the same field
since this one loaded it: the editor then reloads the page, as a person would). Every 200 answer is an acknowledged save; at the end the database must hold, for every
field, the value of the acknowledged save with the highest lock counter, and no two acknowledged saves may
share a lock counter.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from harness import DEFAULT_POSTGRES, PASSWORD, EditorClient, Gunicorn, scratch_database, seed  # noqa: E402
from report import Row, percentile, summarise  # noqa: E402


class Editor(threading.Thread):
    """One simulated coordinator: autosaves fields of one section, pausing like a person typing."""

    def __init__(self, number: int, base: str, plan_id: int, section: str, fields: list[str], until: float):
        super().__init__(daemon=True)
        self.number, self.plan_id, self.section, self.fields, self.until = number, plan_id, section, fields, until
        self.client = EditorClient(base)
        self.latencies: list[float] = []
        self.acknowledged: list[tuple[int, str, str, str]] = []  # (lock after, section, field, value)
        self.conflicts = self.same_field = self.errors = self.server_errors = 0

    def run(self) -> None:
        self.client.sign_in(f"load{self.number:02d}@demo.example", PASSWORD)
        self.client.open_section(self.plan_id, self.section)
        n = 0
        while time.monotonic() < self.until:
            field = random.choice(self.fields)
            value = f"editor {self.number} save {n}"
            n += 1
            started = time.perf_counter()
            status, body = self.client.autosave(self.plan_id, self.section, field, value)
            self.latencies.append((time.perf_counter() - started) * 1000)
            if status == 200:
                self.acknowledged.append((int(self.client.form["lock"]), self.section, field, value))
            elif status == 409:
                self.conflicts += 1
                self.same_field += 'name="_keep-' in body  # a true clash (the same field), offering "keep mine"
                self.client.open_section(self.plan_id, self.section)  # "reload the page"
            else:
                self.errors += 1
                self.server_errors += status >= 500
            time.sleep(random.uniform(0.2, 0.6))  # a person types, pauses, types


def text_fields(section) -> list[str]:
    return [f.id for f in section.fields if f.type in ("short_text", "long_text")]


def verify(database_url: str, editors: list[Editor]) -> list[str]:
    """For every field: the stored value is the acknowledged save with the highest lock counter of its plan,
    and no counter was acknowledged twice (two saves both believing they came right after the same state)."""
    from sqlalchemy import create_engine, text
    engine = create_engine(database_url)
    with engine.connect() as connection:
        contents = dict(connection.execute(text("SELECT plan_id, content FROM plan_version WHERE status = 'draft'")).all())
    engine.dispose()
    problems, latest, locks = [], {}, {}
    for editor in editors:
        for lock, section, field, value in editor.acknowledged:
            if (editor.plan_id, lock) in locks:
                problems.append(f"lock {lock} acknowledged twice: {locks[(editor.plan_id, lock)]} and {value}")
            locks[(editor.plan_id, lock)] = value
            key = (editor.plan_id, section, field)
            if key not in latest or lock > latest[key][0]:
                latest[key] = (lock, value)
    for (plan_id, section, field), (lock, value) in latest.items():
        stored = (contents[plan_id].get(section) or {}).get(field)
        if stored != value:
            problems.append(f"{section}.{field}: acknowledged '{value}' (lock {lock}) but stored '{stored}'")
    return problems


def run(editors_count: int = 25, seconds: int = 60, workers: int = 3, postgres: str = DEFAULT_POSTGRES) -> dict:
    """Runs the load and the check; returns the figures and any lost saves."""
    database_url = scratch_database(postgres, "planbuilder_load")
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "load-test"}
    seed(env, editors_count)
    server = Gunicorn(env, workers=workers)
    try:
        from planbuilder import create_app
        from planbuilder.extensions import db
        from planbuilder.models import Plan
        os.environ.update(env)
        app = create_app()
        with app.app_context():
            # Every draft of Ekdala kommun (where the load editors work): one slot per section with text fields.
            from planbuilder.models import Municipality, PlanVersion
            drafts = db.session.execute(
                db.select(Plan.id, Plan.template_id).join(PlanVersion).join(Municipality)
                .where(PlanVersion.status == "draft", Municipality.name == "Ekdala kommun").order_by(Plan.id)).all()
            templates = app.extensions["plan_templates"]
            slots = [(plan_id, section.id, text_fields(section)) for plan_id, template_id in drafts
                     for section in templates[template_id].sections if text_fields(section)]
        until = time.monotonic() + seconds
        # Editors beyond the number of slots share a section with someone: both kinds of work at once.
        editors = [Editor(i, server.base, *slots[i % len(slots)], until) for i in range(editors_count)]
        for editor in editors:
            editor.start()
        for editor in editors:
            editor.join(seconds + 60)
    finally:
        server.stop()
    return {
        "latencies": [ms for e in editors for ms in e.latencies],
        "acknowledged": sum(len(e.acknowledged) for e in editors),
        "conflicts": sum(e.conflicts for e in editors),
        "same_field": sum(e.same_field for e in editors),
        "errors": sum(e.errors for e in editors),
        "server_errors": sum(e.server_errors for e in editors),
        "lost": verify(database_url, editors),
    }


def collect(seconds: int = 60) -> list[Row]:
    result = run(seconds=seconds)
    measure = (f"autosave, 25 editors {seconds} s: {len(result['latencies'])} req, {result['acknowledged']} saved, "
               f"{result['conflicts']} conflicts ({result['same_field']} same field), {result['server_errors']} 5xx, {len(result['lost'])} lost, "
               f"p99 {percentile(result['latencies'], .99):.0f} ms")
    return [summarise("load (gunicorn, PG)", measure, result["latencies"], target="0 5xx, 0 lost")]


def main() -> None:
    parser = argparse.ArgumentParser(description="Autosave load test (loopback only)")
    parser.add_argument("--editors", type=int, default=25)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    result = run(args.editors, args.seconds, args.workers, args.postgres)
    latencies = result["latencies"]
    print(f"editors {args.editors}, {args.seconds} s, gunicorn {args.workers} workers × 4 threads, PostgreSQL")
    print(f"requests {len(latencies)}  acknowledged {result['acknowledged']}  conflicts {result['conflicts']} "
          f"({result['same_field']} on the same field)  "
          f"errors {result['errors']} (5xx {result['server_errors']})")
    print(f"latency ms  p50 {statistics.median(latencies):.1f}  p95 {percentile(latencies, .95):.1f}  "
          f"p99 {percentile(latencies, .99):.1f}")
    print("lost acknowledged saves: " + ("none" if not result["lost"] else f"{len(result['lost'])}"))
    for problem in result["lost"][:10]:
        print("  " + problem)
    sys.exit(1 if result["lost"] or result["server_errors"] else 0)


if __name__ == "__main__":
    main()
