"""Lists that scale: the overview, the dashboard and the user list make the same number of database queries
whatever the amount of data behind them (a page that queries per row is fine with ten rows and times out at a
thousand municipalities)."""
from __future__ import annotations

from contextlib import contextmanager

from flask import url_for
from sqlalchemy import event

from planbuilder.extensions import db
from planbuilder.models import Membership
from planbuilder.services.people import accounts
from planbuilder.services.plans import plans
from tests.conftest import sign_in_as

EDITOR = "editor@demo.example"


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
