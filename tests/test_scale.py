"""Lists that scale: the overview, the dashboard, the user list, a section's comments and the audit log make the
same number of database queries whatever the amount of data behind them (a page that queries per row is fine with ten rows and times out at a
thousand municipalities)."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

from flask import url_for
from sqlalchemy import event, func, insert, select

from planbuilder.extensions import db
from planbuilder.models import AuditEvent, Comment, Membership, utcnow
from planbuilder.services.people import accounts
from planbuilder.services.plans import plans
from tests.conftest import sign_in_as

EDITOR = "editor@demo.example"
REVIEWER = "reviewer@demo.example"


@contextmanager
def counted_queries():
    found: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        found.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield found
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def queries_for(client, url: str) -> int:
    client.get(url)  # once to warm the caches a running server has
    with counted_queries() as found:
        assert client.get(url).status_code == 200
    return len(found)


def more_municipalities_with_plans(count: int, start: int) -> None:
    editor = accounts.find_user(EDITOR)
    for number in range(start, start + count):
        municipality = accounts.create_municipality(f"Kommun {number}", "SE")
        db.session.add(Membership(user_id=editor.id, municipality_id=municipality.id, role="editor"))
        db.session.commit()
        for title in ("Plan A", "Plan B"):
            plans.create_plan(municipality, "se-vbe", title, editor)


def test_the_overview_of_every_municipality_takes_as_many_queries_for_two_as_for_twelve(client, seeded):
    sign_in_as(client, EDITOR)
    more_municipalities_with_plans(1, 1)
    few = queries_for(client, url_for("plans.overview"))
    more_municipalities_with_plans(5, 2)
    assert queries_for(client, url_for("plans.overview")) == few


def test_the_dashboard_takes_as_many_queries_for_two_plans_as_for_twelve(client, seeded):
    sign_in_as(client, EDITOR)
    ekdala = accounts.find_municipality("Ekdala kommun")
    few = queries_for(client, url_for("plans.dashboard"))
    for number in range(10):
        plans.create_plan(ekdala, "se-vbe", f"Plan {number}", accounts.find_user(EDITOR))
    assert queries_for(client, url_for("plans.dashboard")) == few


def test_the_user_list_takes_as_many_queries_for_three_members_as_for_thirty(client, seeded):
    sign_in_as(client, "admin@demo.example")
    ekdala = accounts.find_municipality("Ekdala kommun")
    few = queries_for(client, url_for("admin.users"))
    for number in range(27):
        accounts.create_user(f"person{number}@ekdala.example", f"Person {number}", "a-long-enough-secret",
                             ekdala, "reviewer")
    assert queries_for(client, url_for("admin.users")) == few


# --- comments: thousands on one section are a page of threads, or the newest few ------------------------------

def many_threads(version, count: int, section_id: str = "ansvar") -> None:
    """`count` threads on one section, in bulk as a busy review round leaves them: by turns of the demo's three
    people, each with a reply, every third resolved; the replies and the resolving by two people new at each
    call, so a query per person named would show as more queries."""
    authors = [accounts.find_user(email).id for email in (EDITOR, REVIEWER, "admin@demo.example")]
    start = db.session.scalar(select(func.count()).where(Comment.version_id == version.id, Comment.parent_id.is_(None)))
    replier, resolver = (accounts.create_user(f"{role}{start}@ekdala.example", f"{role} {start}", "a-long-enough-secret",
                                              accounts.find_municipality("Ekdala kommun"), "editor").id
                         for role in ("replier", "resolver"))
    now = utcnow()
    db.session.execute(insert(Comment), [
        {"version_id": version.id, "section_id": section_id, "author_id": authors[n % 3], "body": f"Thread {n}",
         "created_at": now, "resolved_at": now if n % 3 == 0 else None,
         "resolved_by_id": resolver if n % 3 == 0 else None} for n in range(start, start + count)])
    new = db.session.scalars(select(Comment.id).where(Comment.version_id == version.id, Comment.parent_id.is_(None))
                             .order_by(Comment.id).offset(start))
    db.session.execute(insert(Comment), [
        {"version_id": version.id, "section_id": section_id, "parent_id": thread, "author_id": replier,
         "body": f"Reply to thread {thread}", "created_at": now} for thread in new])
    db.session.commit()


def test_a_sections_comments_take_as_many_queries_for_two_threads_as_for_sixty(client, in_review):
    sign_in_as(client, EDITOR)
    review_page = url_for("review.section", version_id=in_review.id, section_id="ansvar")
    wizard_page = url_for("wizard.section", plan_id=in_review.plan_id, section_id="ansvar")
    summary = url_for("review.summary", version_id=in_review.id, all=1)
    many_threads(in_review, 2)
    few = [queries_for(client, url) for url in (review_page, wizard_page, summary)]
    many_threads(in_review, 58)
    assert [queries_for(client, url) for url in (review_page, wizard_page, summary)] == few
    assert queries_for(client, url_for("review.section", version_id=in_review.id, section_id="ansvar", page=3)) \
        == few[0]


# --- the audit log: its oldest page as cheap as its newest ----------------------------------------------------

def many_events(count: int, people: int) -> None:
    """`count` events in bulk, newer than any before, by turns of `people` new members, so a query per person
    named would show as more queries."""
    ekdala = accounts.find_municipality("Ekdala kommun")
    made = db.session.scalar(select(func.count()).select_from(AuditEvent))
    who = [accounts.create_user(f"actor{made}-{n}@ekdala.example", f"Actor {made}-{n}", "a-long-enough-secret",
                                ekdala, "editor").id for n in range(people)]
    start = utcnow() + timedelta(minutes=made)
    db.session.execute(insert(AuditEvent), [
        {"municipality_id": ekdala.id, "user_id": who[n % people], "action": "test.event", "detail": {"n": n},
         "at": start + timedelta(seconds=n)} for n in range(count)])
    db.session.commit()


def oldest_page(client) -> str:
    """The address of the log's last page, found as a person finds it: by following "Older" to the end."""
    url = url_for("admin.audit", action="test.event")
    while match := re.search(r'href="([^"]+)">Older', client.get(url).get_data(as_text=True)):
        url = match.group(1).replace("&amp;", "&")
    return url


def test_the_audit_log_takes_as_many_queries_for_its_oldest_page_as_for_its_newest(client, seeded):
    sign_in_as(client, "admin@demo.example")
    many_events(60, people=1)
    newest = url_for("admin.audit", action="test.event")
    few = queries_for(client, newest)
    many_events(240, people=3)
    assert queries_for(client, newest) == few
    assert queries_for(client, oldest_page(client)) == few
