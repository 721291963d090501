"""Field-level merge of repeating groups, row by row: two people changing different rows, or both adding rows,
never refuse each other; only a row both changed is a conflict, settled by the person."""
from __future__ import annotations

import re

import pytest
from flask import url_for
from sqlalchemy import select

from planbuilder.extensions import db
from planbuilder.services.plans import plans
from planbuilder.services.plans.merge import field_base, merged_rows
from tests.wizard_helpers import HTMX, form_fields, post_section, section_url, working_version


def row(row_id, **values):
    return {"_id": row_id, **values}


def bases_of(*rows):
    return {r["_id"]: field_base(r) for r in rows}


class TestMergedRows:
    def test_each_side_keeps_the_rows_it_changed_and_both_new_rows(self):
        a, b = row("aa000001", name="A"), row("bb000002", name="B")
        stored = [row("aa000001", name="A by colleague"), b, row("cc000003", name="Colleague's new")]
        mine = [a, row("bb000002", name="B by me"), row("dd000004", name="My new")]
        rows, clashes = merged_rows(stored, mine, bases_of(a, b))
        assert clashes == []
        assert [r["name"] for r in rows] == ["A by colleague", "B by me", "My new", "Colleague's new"]

    def test_a_row_both_changed_differently_is_a_clash(self):
        a = row("aa000001", name="A")
        rows, clashes = merged_rows([row("aa000001", name="Theirs")], [row("aa000001", name="Mine")], bases_of(a))
        assert clashes == ["aa000001"]

    def test_removals_hold_unless_the_other_side_changed_the_row(self):
        a, b = row("aa000001", name="A"), row("bb000002", name="B")
        # This page removed A (it no longer sends it); a colleague removed B, which this page did not change.
        rows, _ = merged_rows([row("aa000001", name="A"), row("cc000003", name="C")], [b], bases_of(a, b))
        assert [r["_id"] for r in rows] == ["cc000003"]
        # A colleague changed A meanwhile: their change is not thrown away by this page's removal.
        rows, _ = merged_rows([row("aa000001", name="A edited")], [], bases_of(a))
        assert [r["name"] for r in rows] == ["A edited"]

    def test_the_pages_order_wins_unless_a_colleague_reordered(self):
        a, b = row("aa000001", name="A"), row("bb000002", name="B")
        rows, _ = merged_rows([a, b, row("cc000003")], [b, a], bases_of(a, b))
        assert [r["_id"] for r in rows] == ["bb000002", "aa000001", "cc000003"]
        rows, _ = merged_rows([b, a], [a, row("bb000002", name="B2")], bases_of(a, b))
        assert [r["_id"] for r in rows] == ["bb000002", "aa000001"]


@pytest.fixture
def plan_with_two_actors(editor_client):
    editor_client.post(url_for("plans.create"), data={"title": "Radplan", "template_id": "se-vbe"})
    plan = db.session.scalars(select(plans.Plan).where(plans.Plan.title == "Radplan")).one()
    post_section(editor_client, plan.id, "samverkan", {"aktorer-pick": ["polisen", "skola"]},
                 _action="pick:aktorer")
    return plan


def actors(plan_id):
    return working_version(plan_id).content["samverkan"]["aktorer"]


def open_page(client, plan_id):
    return form_fields(client.get(section_url(plan_id, "samverkan")).get_data(as_text=True))


def autosave_rows(client, plan_id, page, changes):
    return client.post(section_url(plan_id, "samverkan"), data={**page, **changes, "_autosave": ["aktorer"]},
                       headers=HTMX)


def test_colleagues_changing_different_rows_both_save(editor_client, plan_with_two_actors):
    pid = plan_with_two_actors.id
    anna, bertil = open_page(editor_client, pid), open_page(editor_client, pid)
    first = autosave_rows(editor_client, pid, anna, {"aktorer-0-description": ["Annas text"]})
    second = autosave_rows(editor_client, pid, bertil, {"aktorer-1-description": ["Bertils text"]})
    assert (first.status_code, second.status_code) == (200, 200)
    assert [r["description"] for r in actors(pid)] == ["Annas text", "Bertils text"]


def test_a_row_added_by_a_colleague_is_kept_when_a_stale_page_saves(editor_client, plan_with_two_actors):
    pid = plan_with_two_actors.id
    stale = open_page(editor_client, pid)
    post_section(editor_client, pid, "samverkan", {}, headers=HTMX, _action="add:aktorer")  # a colleague
    saved = autosave_rows(editor_client, pid, stale, {"aktorer-0-description": ["Ändrad"]})
    assert saved.status_code == 200
    assert len(actors(pid)) == 3 and actors(pid)[0]["description"] == "Ändrad"


def test_one_row_both_changed_is_settled_by_the_person_and_other_rows_stay(editor_client, plan_with_two_actors):
    pid = plan_with_two_actors.id
    mine = open_page(editor_client, pid)
    colleague = open_page(editor_client, pid)
    assert autosave_rows(editor_client, pid, colleague, {"aktorer-0-description": ["Kollegans"]}).status_code == 200
    post_section(editor_client, pid, "samverkan", {}, headers=HTMX, _action="add:aktorer")  # and a new row
    refused = autosave_rows(editor_client, pid, mine, {"aktorer-0-description": ["Min"]})
    assert refused.status_code == 409
    assert "Kollegans" in refused.get_data(as_text=True)
    assert actors(pid)[0]["description"] == "Kollegans"  # nothing written
    keep = re.search(r'name="(_keep-aktorer)" value="([^"]+)"', refused.get_data(as_text=True))
    kept = autosave_rows(editor_client, pid, mine, {"aktorer-0-description": ["Min"], keep.group(1): [keep.group(2)]})
    assert kept.status_code == 200
    assert actors(pid)[0]["description"] == "Min" and len(actors(pid)) == 3  # the colleague's new row stays


def test_a_tampered_group_base_never_loses_a_row(editor_client, plan_with_two_actors):
    pid = plan_with_two_actors.id
    page, colleague = open_page(editor_client, pid), open_page(editor_client, pid)
    tampered = {"aktorer-0-description": ["Ny"], "_base-aktorer": ["nonsense|x:y,,:"]}
    # Nobody saved since the page loaded it: the page saw everything, so its rows are saved as they are.
    assert autosave_rows(editor_client, pid, page, tampered).status_code == 200
    assert [r["description"] for r in actors(pid)][0] == "Ny" and len(actors(pid)) == 2
    # After a colleague's save the same base cannot prove what the page saw: refused, nothing written.
    assert autosave_rows(editor_client, pid, colleague, {"aktorer-1-description": ["Kollega"]}).status_code == 200
    before = actors(pid)
    refused = autosave_rows(editor_client, pid, page, {**tampered, "aktorer-0-description": ["Nyare"]})
    assert refused.status_code == 409 and actors(pid) == before
