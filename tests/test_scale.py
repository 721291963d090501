"""Lists that scale: the overview, the dashboard, the user list, a section's comments and the audit log make the
same number of database queries whatever the amount of data behind them (a page that queries per row is fine with ten rows and times out at a
thousand municipalities)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import func, insert, select

from planbuilder.extensions import db
from planbuilder.models import AuditEvent, Comment, Membership, Plan, User, utcnow
from planbuilder.services.people import accounts
from planbuilder.services.plans import plans
from tests.conftest import counted_queries, sign_in_as

EDITOR = "editor@demo.example"
REVIEWER = "reviewer@demo.example"


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


# --- pages: the dashboard, the overview and the user list in pages of a fixed size ------------------------------

def page_of(client, endpoint: str, **args) -> str:
    """The page's main content (the header's municipality switcher names every municipality of the person), with
    its forms' CSRF tokens left out: they carry the second they were made in, so two pages compared would differ."""
    response = client.get(url_for(endpoint, **args))
    assert response.status_code == 200
    main = response.get_data(as_text=True).split('<main id="main"')[1].split("</main>")[0]
    return re.sub(r'(name="csrf_token" value=")[^"]*"', r'\1…"', main)


def plans_named(count: int, municipality_name: str = "Ekdala kommun", prefix: str = "Plan") -> None:
    """`count` plans in bulk, titled so they sort in number order (“Plan 007”)."""
    municipality = accounts.find_municipality(municipality_name)
    for number in range(count):
        plans.create_plan(municipality, "se-vbe" if municipality.country == "SE" else "no-vbe",
                          f"{prefix} {number:03d}", accounts.find_user(EDITOR))


def pager_of(html: str) -> str:
    match = re.search(r'<nav class="pager pager--numbered".*?</nav>', html, re.S)
    return match.group(0) if match else ""


def test_the_dashboard_shows_its_plans_25_to_a_page_with_a_pager(client, seeded):
    plans_named(30)  # and the demo's two “Handlingsplan …”, which come first by title: 32 in all
    sign_in_as(client, EDITOR)
    first = page_of(client, "plans.dashboard")
    assert "Plan 000" in first and "Plan 022" in first and "Plan 023" not in first
    pager = pager_of(first)
    assert 'aria-label="Pages of plans"' in pager and "Showing 1–25 of 32" in pager
    assert re.search(r'href="[^"]*\?page=1"[^>]*aria-current', pager) is None  # page 1 is the list's own address
    assert re.search(r'aria-current="page"><span class="visually-hidden">Page </span>1<', pager)
    assert f'rel="next" href="{url_for("plans.dashboard", page=2)}"' in pager and 'rel="prev"' not in pager
    second = page_of(client, "plans.dashboard", page=2)
    assert "Plan 023" in second and "Plan 029" in second and "Plan 022" not in second
    assert "Showing 26–32 of 32" in second
    assert f'rel="prev" href="{url_for("plans.dashboard")}"' in second and 'rel="next"' not in second


def test_a_plan_due_for_review_is_listed_whichever_page_it_is_on(client, seeded):
    from tests.test_access import adopt_directly
    plans_named(30)
    last = db.session.scalar(select(Plan).where(Plan.title == "Plan 029"))
    adopt_directly(plans.latest_version(last), utcnow().date() - timedelta(days=3))
    sign_in_as(client, EDITOR)
    first = page_of(client, "plans.dashboard")
    assert "Plan 029" in first.split('id="due-title"')[1].split("</section>")[0]
    coordinator_view = page_of(client, "plans.overview")
    assert "Plan 029" in coordinator_view.split('id="due-title"')[1].split("</section>")[0]


@pytest.mark.parametrize("asked, shown", [("abc", 1), ("0", 1), ("-4", 1), ("2", 2), ("3", 2), ("1.5", 1), ("", 1),
                                          ("99999999999999999999999", 2), ("%00", 1)])
def test_a_page_that_does_not_exist_gives_the_nearest_one(client, seeded, asked, shown):
    plans_named(30)
    sign_in_as(client, EDITOR)
    response = client.get(url_for("plans.dashboard") + f"?page={asked}")
    assert response.status_code == 200
    assert f'aria-current="page"><span class="visually-hidden">Page </span>{shown}</a>' in response.get_data(as_text=True)


def test_the_dashboard_never_pages_into_another_municipality(client, seeded):
    plans_named(30, "Fjellvik kommune", prefix="Fjellvik plan")
    plans_named(3)
    sign_in_as(client, EDITOR)
    shown = page_of(client, "plans.dashboard") + page_of(client, "plans.dashboard", page=2)
    assert "Fjellvik plan" not in shown and "Fjellvik kommune" not in shown
    assert pager_of(shown) == ""  # four plans of its own: one page, no pager


def test_a_later_page_takes_as_many_queries_as_the_first_whatever_the_amount(client, seeded):
    sign_in_as(client, EDITOR)
    plans_named(30)
    few = [queries_for(client, url_for("plans.dashboard", page=n)) for n in (1, 2)]
    plans_named(270, prefix="More")
    assert [queries_for(client, url_for("plans.dashboard", page=n)) for n in (1, 2, 12)] == [few[0], few[0], few[0]]
    assert few[0] == few[1]


def municipalities_on(html: str) -> list[str]:
    return [name.strip() for name in re.findall(r'<h2 id="municipality-\d+">([^<]+)', html)]


def test_the_overview_pages_plans_by_municipality_and_keeps_empty_ones(client, seeded):
    sign_in_as(client, EDITOR)
    more_municipalities_with_plans(15, 10)  # Kommun 10 … Kommun 24, two plans each, after Ekdala's
    editor = accounts.find_user(EDITOR)
    empty = accounts.create_municipality("Kommun 99", "SE")  # sorts last, with no plans
    db.session.add(Membership(user_id=editor.id, municipality_id=empty.id, role="reviewer"))
    db.session.commit()
    # Ekdala's two plans, the thirty new ones and the empty municipality: 33 lines; Kommun 21's two plans are
    # lines 25 and 26, so it heads both pages.
    first = page_of(client, "plans.overview")
    assert "Showing 1–25 of 33" in pager_of(first) and 'aria-label="Pages of plans"' in pager_of(first)
    assert municipalities_on(first) == ["Ekdala kommun", *(f"Kommun {n}" for n in range(10, 22))]
    second = page_of(client, "plans.overview", page=2)
    assert "Showing 26–33 of 33" in second
    assert municipalities_on(second) == [*(f"Kommun {n}" for n in range(21, 25)), "Kommun 99"]
    assert "There are no plans yet." in second  # the empty municipality is listed, with its switch button
    assert page_of(client, "plans.overview", page=7) == second


def test_the_overview_shows_only_the_persons_municipalities(client, seeded):
    plans_named(30, "Fjellvik kommune", prefix="Fjellvik plan")
    more_municipalities_with_plans(14, 10)
    sign_in_as(client, EDITOR)
    shown = page_of(client, "plans.overview") + page_of(client, "plans.overview", page=2)
    assert "Fjellvik" not in shown and "Søndervig" not in shown


def test_the_overview_takes_as_many_queries_on_any_page_at_ten_times_the_municipalities(client, seeded):
    sign_in_as(client, EDITOR)
    more_municipalities_with_plans(15, 10)
    # The first page holds the municipality the person works in now; a later page looks it up for the header.
    few = [queries_for(client, url_for("plans.overview", page=n)) for n in (1, 2)]
    more_municipalities_with_plans(150, 100)
    assert [queries_for(client, url_for("plans.overview", page=n)) for n in (1, 2, 13)] == [*few, few[1]]
    assert few[1] <= few[0] + 1


def test_the_municipality_switch_is_a_list_up_to_its_limit_and_a_way_to_the_overview_beyond(client, seeded):
    """Up to 25 municipalities, the header and the dashboard switch by a list; a regional coordinator with more
    chooses on the overview instead, and no page carries an option for each of them."""
    sign_in_as(client, EDITOR)
    more_municipalities_with_plans(20, 10)  # Ekdala and 20 more: 21

    def whole(endpoint):
        return client.get(url_for(endpoint)).get_data(as_text=True)
    dashboard = whole("plans.dashboard")
    assert dashboard.count("<option value=") == 2 * 21  # the header's list and the dashboard's
    assert "Choose another municipality" not in dashboard
    more_municipalities_with_plans(10, 100)  # 31
    for endpoint in ("plans.dashboard", "plans.overview"):
        html = whole(endpoint)
        assert "<option value=" not in html and "Choose another municipality" in html, endpoint
        assert "Ekdala kommun" in html.split("</header>")[0]  # the header still names where the person works
    chosen = accounts.find_municipality("Kommun 105")
    client.post(url_for("plans.switch_municipality"), data={"municipality_id": chosen.id})
    assert "Kommun 105" in whole("plans.dashboard").split("</header>")[0]


def members_named(count: int, municipality_name: str = "Ekdala kommun", prefix: str = "Member") -> None:
    municipality = accounts.find_municipality(municipality_name)
    password_hash = accounts.hash_password("a-long-enough-secret")
    ids = db.session.scalars(insert(User).returning(User.id), [
        {"email": f"{prefix.lower()}{n:03d}@{municipality.id}.example", "display_name": f"{prefix} {n:03d}",
         "password_hash": password_hash} for n in range(count)]).all()
    db.session.execute(insert(Membership), [{"user_id": i, "municipality_id": municipality.id, "role": "reviewer"}
                                            for i in ids])
    db.session.commit()


def test_the_user_list_shows_50_to_a_page_with_a_pager(client, seeded):
    members_named(60)  # and the demo's admin, editor and reviewer (“Demo …”, before “Member …”)
    sign_in_as(client, "admin@demo.example")
    first = page_of(client, "admin.users")
    assert "Member 046" in first and "Member 047" not in first
    assert 'aria-label="Pages of users"' in pager_of(first) and "Showing 1–50 of 63" in pager_of(first)
    second = page_of(client, "admin.users", page=2)
    assert "Member 047" in second and "Member 059" in second and "Member 046" not in second
    assert "Showing 51–63 of 63" in second and f'rel="prev" href="{url_for("admin.users")}"' in second
    assert page_of(client, "admin.users", page="x") == first
    assert page_of(client, "admin.users", page=40) == second


def test_the_user_list_never_shows_another_municipalitys_people(client, seeded):
    members_named(60, "Fjellvik kommune", prefix="Fjellvik")
    members_named(3)
    sign_in_as(client, "admin@demo.example")
    shown = page_of(client, "admin.users") + page_of(client, "admin.users", page=2)
    assert "Fjellvik" not in shown and pager_of(shown) == ""


def test_the_user_list_takes_as_many_queries_on_any_page_at_ten_times_the_people(client, seeded):
    sign_in_as(client, "admin@demo.example")
    members_named(60)
    few = queries_for(client, url_for("admin.users"))
    members_named(540, prefix="More")
    assert [queries_for(client, url_for("admin.users", page=n)) for n in (1, 2, 12)] == [few, few, few]
