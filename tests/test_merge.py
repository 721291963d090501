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


def test_a_tampered_group_base_is_refused_and_loses_nothing(editor_client, plan_with_two_actors):
    pid = plan_with_two_actors.id
    page = open_page(editor_client, pid)
    before = actors(pid)
    # The base cannot prove what the page saw of rows another page wrote: refused, nothing written.
    refused = autosave_rows(editor_client, pid, page, {"aktorer-0-description": ["Ny"],
                                                       "_base-aktorer": ["nonsense|x:y,,:"]})
    assert refused.status_code == 409 and actors(pid) == before
    assert "Use my colleague's text" in refused.get_data(as_text=True)


@pytest.fixture
def clash_on_the_coordinator(editor_client, fresh_plan):
    """A page whose text for "samordnare" clashes with what a colleague saved meanwhile: (the page's form, the
    409 answer)."""
    pid = fresh_plan.id
    mine = form_fields(editor_client.get(section_url(pid, "ansvar")).get_data(as_text=True))
    post_section(editor_client, pid, "ansvar", {"samordnare": "Kollegans text"}, headers=HTMX, _autosave="samordnare")
    mine["samordnare"] = ["Min text"]
    refused = editor_client.post(section_url(pid, "ansvar"), data={**mine, "_autosave": ["samordnare"]}, headers=HTMX)
    assert refused.status_code == 409
    return mine, refused.get_data(as_text=True)


@pytest.fixture
def fresh_plan(editor_client):
    editor_client.post(url_for("plans.create"), data={"title": "Krockplan", "template_id": "se-vbe"})
    return db.session.scalars(select(plans.Plan).where(plans.Plan.title == "Krockplan")).one()


def coordinator(plan_id):
    return working_version(plan_id).content["ansvar"]["samordnare"]


def choose(client, plan_id, page, html, name, fragment=True):
    value = re.search(rf'name="{name}" value="([^"]*)"', html).group(1)
    data = {**page, name: [value], **({"_autosave": ["samordnare"]} if fragment else {})}
    return client.post(section_url(plan_id, "ansvar"), data=data, headers=HTMX if fragment else {})


def test_taking_theirs_puts_their_text_in_the_box_and_saves_nothing_of_mine(editor_client, fresh_plan,
                                                                             clash_on_the_coordinator):
    page, html = clash_on_the_coordinator
    taken = choose(editor_client, fresh_plan.id, page, html, "_take-samordnare")
    assert taken.status_code == 200 and taken.headers.get("X-Planbuilder-Restored")
    box = re.search(r'<textarea[^>]*name="samordnare"[^>]*>(.*?)</textarea>', taken.get_data(as_text=True), re.S)
    assert box.group(1).strip() == "Kollegans text"  # their text, redrawn in place of mine
    assert 'id="samordnare-wrapper" hx-swap-oob="true"' in taken.get_data(as_text=True)
    assert coordinator(fresh_plan.id) == "Kollegans text"


def test_keeping_mine_saves_it_over_theirs(editor_client, fresh_plan, clash_on_the_coordinator):
    page, html = clash_on_the_coordinator
    assert choose(editor_client, fresh_plan.id, page, html, "_keep-samordnare").status_code == 200
    assert coordinator(fresh_plan.id) == "Min text"


def test_both_in_the_box_saves_both_texts_to_edit_into_one(editor_client, fresh_plan, clash_on_the_coordinator):
    page, html = clash_on_the_coordinator
    both = choose(editor_client, fresh_plan.id, page, html, "_combine-samordnare")
    assert both.status_code == 200
    assert coordinator(fresh_plan.id) == "Min text\n\nKollegans text"
    box = re.search(r'<textarea[^>]*name="samordnare"[^>]*>(.*?)</textarea>', both.get_data(as_text=True), re.S)
    assert "Min text" in box.group(1) and "Kollegans text" in box.group(1)


def test_the_choices_work_without_javascript(editor_client, fresh_plan):
    pid = fresh_plan.id
    mine = form_fields(editor_client.get(section_url(pid, "ansvar")).get_data(as_text=True))
    post_section(editor_client, pid, "ansvar", {"samordnare": "Kollegans text"})
    mine.update(samordnare=["Min text"], politiskt_ansvar=["Kommunstyrelsen"])
    refused = editor_client.post(section_url(pid, "ansvar"), data=mine)
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert "Use my colleague's text" in html and 'href="#samordnare-error"' in html  # the notice links to the choice
    again = form_fields(html)
    taken = choose(editor_client, pid, again, html, "_take-samordnare", fragment=False)
    assert taken.status_code == 303
    assert working_version(pid).content["ansvar"] == {"samordnare": "Kollegans text",
                                                      "politiskt_ansvar": "Kommunstyrelsen"}


def test_both_texts_too_long_together_are_refused_with_a_reason(editor_client, fresh_plan):
    pid = fresh_plan.id
    limit = plans.template_for("se-vbe").section("ansvar").field("samordnare").max_length or 10000
    mine = form_fields(editor_client.get(section_url(pid, "ansvar")).get_data(as_text=True))
    post_section(editor_client, pid, "ansvar", {"samordnare": "k" * (limit - 10)}, headers=HTMX,
                 _autosave="samordnare")
    mine["samordnare"] = ["m" * 20]
    html = editor_client.post(section_url(pid, "ansvar"), data={**mine, "_autosave": ["samordnare"]},
                              headers=HTMX).get_data(as_text=True)
    refused = choose(editor_client, pid, mine, html, "_combine-samordnare")
    assert refused.status_code == 422 and "longer than this answer may be" in refused.get_data(as_text=True)
    assert coordinator(pid) == "k" * (limit - 10)


def test_a_choice_made_after_the_answer_changed_again_is_asked_again(editor_client, fresh_plan,
                                                                      clash_on_the_coordinator):
    page, html = clash_on_the_coordinator
    post_section(editor_client, fresh_plan.id, "ansvar", {"samordnare": "Kollegans andra text"}, headers=HTMX,
                 _autosave="samordnare")
    again = choose(editor_client, fresh_plan.id, page, html, "_keep-samordnare")
    assert again.status_code == 409  # "keep mine" named the text it was shown, not this newer one
    assert "Kollegans andra text" in again.get_data(as_text=True)
    assert coordinator(fresh_plan.id) == "Kollegans andra text"


def test_a_row_both_changed_is_shown_side_by_side_without_javascript(editor_client, plan_with_two_actors):
    pid = plan_with_two_actors.id
    mine, colleague = open_page(editor_client, pid), open_page(editor_client, pid)
    assert autosave_rows(editor_client, pid, colleague, {"aktorer-0-description": ["Kollegans"]}).status_code == 200
    refused = editor_client.post(section_url(pid, "samverkan"), data={**mine, "aktorer-0-description": ["Min"]})
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    panel = html[html.index('id="aktorer-error"'):]
    panel = panel[:panel.index("_take-aktorer")]
    assert "Min" in panel and "Kollegans" in panel
    taken = editor_client.post(section_url(pid, "samverkan"), data={**form_fields(html), "_take-aktorer": ["1"]})
    assert taken.status_code == 303 and actors(pid)[0]["description"] == "Kollegans"


def test_a_save_of_another_answer_does_not_license_overwriting_a_colleagues(editor_client, fresh_plan):
    """The page's lock counter moves on with each of its saves, past colleagues' saves of other answers; a later
    clash on such an answer must still be told, not written over theirs."""
    pid = fresh_plan.id
    page = form_fields(editor_client.get(section_url(pid, "ansvar")).get_data(as_text=True))
    post_section(editor_client, pid, "ansvar", {"samordnare": "Kollegans"}, headers=HTMX, _autosave="samordnare")
    other = editor_client.post(section_url(pid, "ansvar"), data={**page, "politiskt_ansvar": ["KS"],
                                                                 "_autosave": ["politiskt_ansvar"]}, headers=HTMX)
    assert other.status_code == 200
    page["lock"] = [re.search(r'name="lock" id="lock" value="(\d+)"', other.get_data(as_text=True)).group(1)]
    clash = editor_client.post(section_url(pid, "ansvar"), data={**page, "samordnare": ["Min"],
                                                                 "_autosave": ["samordnare"]}, headers=HTMX)
    assert clash.status_code == 409
    assert coordinator(pid) == "Kollegans"
