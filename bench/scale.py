"""Benchmark: lists that scale. The pages that list what grows with use — the overview of every plan, the user
list, the audit log's newest and oldest pages, a section's comments on its review page and the editor's section
page — at 1× and 10× data: database queries per page, and median and p95 server time of 20 requests through the
WSGI app (no network). Prints figures; not a test. Targets: p95 under 200 ms at 10× on the 2-core reference
machine, and as many queries at 10× as at 1×.

    python bench/scale.py                    # SQLite (temporary files)
    python bench/scale.py --postgres URL     # and PostgreSQL: a database 'planbuilder_scale' is made on that server
"""
from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_wizard import build_app, populate  # noqa: E402
from flask import url_for  # noqa: E402
from harness import scratch_database  # noqa: E402
from report import Row, print_table, summarise  # noqa: E402
from sqlalchemy import event, func, insert, select  # noqa: E402

from planbuilder.extensions import db  # noqa: E402
from planbuilder.models import AuditEvent, Comment, Membership, Plan, User, utcnow  # noqa: E402
from planbuilder.services.data import demo  # noqa: E402
from planbuilder.services.people import accounts  # noqa: E402
from planbuilder.services.people.admin import AUDIT_PAGE_SIZE  # noqa: E402
from planbuilder.services.plans import plans  # noqa: E402

PASSWORD = "bench-password-1"
REQUESTS = 20
WARM_UP = 2
TARGET = "p95 < 200 ms"
SECTION = "ansvar"


@dataclass(frozen=True)
class Scale:
    name: str
    municipalities: int  # each with two plans of five versions (bench_wizard.populate), all in the overview
    users: int  # members of the admin's municipality, in the user list
    events: int  # in the admin's municipality's audit log
    threads: int  # comment threads on one section; every fifth has a reply


SCALES = (Scale("1×", 100, 50, 5_000, 250), Scale("10×", 1_000, 500, 50_000, 2_500))


# --- the data ----------------------------------------------------------------------------------------------------

def build(scale: Scale) -> dict[str, int]:
    """The demo, then the scale's rows in bulk; the ids the pages need."""
    demo.seed(PASSWORD)
    ekdala = accounts.find_municipality("Ekdala kommun")
    coordinator = accounts.create_user("coordinator@bench.example", "Coordinator", PASSWORD, ekdala, "reviewer")
    db.session.execute(insert(Membership), [{"user_id": coordinator.id, "municipality_id": m, "role": "reviewer"}
                                            for m in populate(scale.municipalities)])
    members(ekdala.id, scale.users)
    events(ekdala.id, scale.events)
    version = plans.current_version(db.session.scalars(select(Plan).where(Plan.municipality_id == ekdala.id)
                                                       .order_by(Plan.id)).first())
    version.status = "in_review"
    comments(version.id, scale.threads)
    db.session.commit()
    return {"version": version.id, "plan": version.plan_id, "oldest_page_after": oldest_page_cursor(ekdala.id)}


def members(municipality_id: int, count: int) -> None:
    """People with one password hash between them (hashing each would be most of the set-up time)."""
    password_hash = accounts.hash_password(PASSWORD)
    db.session.execute(insert(User), [
        {"email": f"person{n:04d}@bench.example", "display_name": f"Person {n:04d}", "password_hash": password_hash}
        for n in range(count)])
    people = db.session.scalars(select(User.id).where(User.email.like("person%@bench.example")))
    db.session.execute(insert(Membership), [
        {"user_id": person, "municipality_id": municipality_id, "role": ("editor", "reviewer")[person % 2]}
        for person in people])


def events(municipality_id: int, count: int) -> None:
    """A log spread over the past year, by the bench's people in turn."""
    people = db.session.scalars(select(User.id).where(User.email.like("person%@bench.example"))).all()
    start = utcnow() - timedelta(days=365)
    step = timedelta(days=365) / count
    db.session.execute(insert(AuditEvent), [
        {"municipality_id": municipality_id, "user_id": people[n % len(people)], "action": "plan.save",
         "object_type": "Plan", "object_id": n, "detail": {"section": SECTION, "field": "samordnare"},
         "at": start + n * step} for n in range(count)])


def comments(version_id: int, threads: int) -> None:
    authors = db.session.scalars(select(User.id).where(User.email.like("person%@bench.example"))).all()
    now = utcnow()
    db.session.execute(insert(Comment), [
        {"version_id": version_id, "section_id": SECTION, "author_id": authors[n % len(authors)],
         "body": f"Comment {n}: " + "Vem äger frågan politiskt, och vem följer upp den? " * 3, "created_at": now}
        for n in range(threads)])
    firsts = db.session.scalars(select(Comment.id).where(Comment.version_id == version_id).order_by(Comment.id))
    db.session.execute(insert(Comment), [
        {"version_id": version_id, "section_id": SECTION, "parent_id": thread, "author_id": authors[0],
         "body": "Det står nu i texten.", "created_at": now} for n, thread in enumerate(firsts) if n % 5 == 0])


def oldest_page_cursor(municipality_id: int) -> int:
    """The event the "Older" link of the second-oldest page starts from: the oldest page is the one after it."""
    total = db.session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.municipality_id == municipality_id))
    on_last_page = total - (total - 1) // AUDIT_PAGE_SIZE * AUDIT_PAGE_SIZE
    return db.session.scalar(select(AuditEvent.id).where(AuditEvent.municipality_id == municipality_id)
                             .order_by(AuditEvent.at.asc(), AuditEvent.id.asc()).offset(on_last_page))


# --- the measuring -----------------------------------------------------------------------------------------------

def pages(ids: dict[str, int]) -> dict[str, tuple[str, str]]:
    """Page name -> (who looks at it, its address)."""
    review = {"version_id": ids["version"], "section_id": SECTION}
    return {
        "overview": ("coordinator@bench.example", url_for("plans.overview")),
        "users list": ("admin@demo.example", url_for("admin.users")),
        "audit log, newest page": ("admin@demo.example", url_for("admin.audit")),
        "audit log, oldest page": ("admin@demo.example", url_for("admin.audit", older_than=ids["oldest_page_after"])),
        "review page of the section": ("editor@demo.example", url_for("review.section", **review)),
        "review page, its last page": ("editor@demo.example", url_for("review.section", page=10**6, **review)),
        "review summary": ("editor@demo.example", url_for("review.summary", version_id=ids["version"], all=1)),
        "editor's section page": ("editor@demo.example",
                                  url_for("wizard.section", plan_id=ids["plan"], section_id=SECTION)),
    }


def measure(app, scale: Scale) -> dict[str, tuple[int, list[float], int]]:
    """Per page: queries, server times in ms, and the size of the page in bytes."""
    with app.app_context():
        ids = build(scale)
        engine = db.engine
    with app.test_request_context():
        wanted = pages(ids)
    clients = {}
    found: list[str] = []

    def count(conn, cursor, statement, *rest):
        found.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    results = {}
    for page, (who, url) in wanted.items():
        if who not in clients:
            clients[who] = app.test_client()
            clients[who].post("/auth/sign-in", data={"email": who, "password": PASSWORD})
        client, times = clients[who], []
        for _ in range(WARM_UP):
            client.get(url)
        found.clear()
        response = client.get(url)
        assert response.status_code == 200, (page, response.status_code)
        queries, size = len(found), len(response.data)
        gc.collect()  # the set-up's garbage is not the page's to collect
        for _ in range(REQUESTS):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        results[page] = (queries, times, size)
    event.remove(engine, "before_cursor_execute", count)
    engine.dispose()
    return results


def collect(postgres: str | None = None) -> list[Row]:
    databases = {"SQLite": lambda: f"sqlite:///{tempfile.mkdtemp()}/scale.sqlite3"}
    if postgres:
        databases["PostgreSQL"] = lambda: scratch_database(postgres, "planbuilder_scale")
    rows = []
    for name, new_database in databases.items():
        small, large = (measure(build_app(new_database()), scale) for scale in SCALES)
        for page, (queries, times, size) in large.items():
            few, small_times, small_size = small[page]
            rows.append(summarise("scale", f"{page} ({name}, 1×)", small_times))
            rows.append(summarise("scale", f"{page} ({name}, 10×)", times, target=TARGET, reference=small_times))
            rows.append(Row("scale", "  queries 1× → 10×", queries, queries, "q", "the same as 1×", few))
            rows.append(Row("scale", "  page size 1× → 10×", size / 1024, size / 1024, "KiB", "", small_size / 1024))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL server URL, e.g. postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    for scale in SCALES:
        print(f"{scale.name}: {scale.municipalities} municipalities, {scale.users} users, {scale.events} audit events, "
              f"{scale.threads} threads on one section")
    print_table(collect(args.postgres))


if __name__ == "__main__":
    main()
