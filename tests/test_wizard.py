"""The wizard through the test client: the plain-form path (no JavaScript) and the htmx path."""
from __future__ import annotations

import re

import pytest
from flask import url_for
from sqlalchemy import select

from planbuilder.extensions import db
from planbuilder.models import AuditEvent, Membership, User, utcnow
from planbuilder.services.documents import preparation
from planbuilder.services.people import accounts
from planbuilder.services.plans import plans, wizard
from tests.conftest import counted_queries, html_text, page_text, sign_in_as
from tests.wizard_helpers import HTMX, demo_plan, form_fields, post_section, section_url, working_version


@pytest.fixture
def fresh_plan(editor_client):
    """A new, empty plan from the Swedish template, created through the dashboard."""
    response = editor_client.post(url_for("plans.create"), data={"title": "Testplan 2027", "template_id": "se-vbe"})
    assert response.status_code == 303
    plan = db.session.scalars(select(plans.Plan).where(plans.Plan.title == "Testplan 2027")).one()
    assert response.headers["Location"] == url_for("wizard.overview", plan_id=plan.id)
    return plan


def test_task_list_shows_every_section_with_status(editor_client, fresh_plan):
    text = page_text(editor_client.get(url_for("wizard.overview", plan_id=fresh_plan.id)))
    assert f"0 of {len(plans.template_for('se-vbe').sections)} sections completed" in text
    template = plans.template_for("se-vbe")
    for number, section in enumerate(template.numbered_sections, start=1):  # numbered as the document is
        assert f"{number}. {section.title}" in text
    assert "Förord" in text and "1. Förord" not in text
    assert text.count("Not started") == len(template.sections)


def test_section_page_shows_guidance_example_and_labels(editor_client, fresh_plan):
    html = editor_client.get(section_url(fresh_plan.id, "ansvar")).get_data(as_text=True)
    section = plans.template_for("se-vbe").section("ansvar")
    assert "Guidance for this section" in html
    field = section.field("politiskt_ansvar")
    assert f'<label class="field__label" for="politiskt_ansvar">{field.label}' in html
    assert 'aria-describedby="politiskt_ansvar-hint"' in html
    assert "Show an example" in html
    assert "Section 3 of 12" in page_text(editor_client.get(section_url(fresh_plan.id, "ansvar")))


def test_guidance_is_open_on_the_first_visit_and_folded_once_seen(editor_client, fresh_plan):
    def guidance(section_id):
        html = editor_client.get(section_url(fresh_plan.id, section_id)).get_data(as_text=True)
        return re.search(r'<details class="guidance"( open)?>', html).group(1)
    assert guidance("ansvar") == " open"
    assert guidance("ansvar") is None  # seen: folded, one click opens it again
    assert guidance("samverkan") == " open"  # another section is new


def test_plain_post_saves_and_goes_to_next_section(editor_client, fresh_plan):
    response = post_section(editor_client, fresh_plan.id, "ansvar",
                            {"politiskt_ansvar": "Kommunstyrelsen", "samordnarens_uppgifter": ["lagesbild_polis"]},
                            _nav="next")
    assert response.status_code == 303
    assert response.headers["Location"] == section_url(fresh_plan.id, "samverkan")
    saved = working_version(fresh_plan.id).content["ansvar"]
    assert saved["politiskt_ansvar"] == "Kommunstyrelsen"


def test_too_long_text_is_refused_next_to_the_field_and_input_is_kept(editor_client, fresh_plan):
    limit = plans.template_for("se-vbe").section("ansvar").field("politiskt_ansvar").max_length
    response = post_section(editor_client, fresh_plan.id, "ansvar",
                            {"politiskt_ansvar": "x" * (limit + 1), "samordnare": "Trygghetssamordnare"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert f"at most {limit} characters" in html
    assert 'id="politiskt_ansvar-error"' in html
    assert "Trygghetssamordnare" in html  # the other input is kept
    assert working_version(fresh_plan.id).content == {}  # nothing saved


def test_invalid_date_and_tampered_choice_are_refused(editor_client, fresh_plan):
    response = post_section(editor_client, fresh_plan.id, "lagesbild",
                            {"uppdaterad": "2026-02-31", "kallor": ["polisen", "hackad"]})
    assert response.status_code == 422
    text = page_text(response)
    assert "Not a valid date value" in text
    assert "Choose one of the options shown." in text
    assert working_version(fresh_plan.id).content == {}


def test_html_is_stored_as_text_and_shown_escaped(editor_client, fresh_plan):
    post_section(editor_client, fresh_plan.id, "ansvar", {"samordnare": "<script>alert(1)</script>"})
    assert working_version(fresh_plan.id).content["ansvar"]["samordnare"] == "<script>alert(1)</script>"
    html = editor_client.get(section_url(fresh_plan.id, "ansvar")).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_autosave_saves_one_field_and_returns_a_fragment(editor_client, fresh_plan):
    response = post_section(editor_client, fresh_plan.id, "ansvar",
                            {"samordnare": "Säkerhetssamordnare", "politiskt_ansvar": "x" * 9999},
                            headers=HTMX, _autosave="samordnare")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and "Saved" in html
    assert "Vary" in response.headers and "HX-Request" in response.headers["Vary"]
    version = working_version(fresh_plan.id)
    assert version.content == {"ansvar": {"samordnare": "Säkerhetssamordnare"}}  # only that field
    assert f'id="lock" value="{version.lock_version}"' in html
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "section.edit")
                                .order_by(AuditEvent.id)).all()
    assert audit[-1].detail["section"] == "ansvar"


def test_the_audit_trail_names_only_the_answers_a_save_changed_and_a_save_of_nothing_new_leaves_no_line(
        editor_client, fresh_plan):
    def edits():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "section.edit")
                                  .order_by(AuditEvent.id)).all()
    post_section(editor_client, fresh_plan.id, "ansvar", {"samordnare": "Trygghetssamordnare"})
    before = len(edits())
    # The whole form again (as "Save" sends it), one answer changed: the line names that one.
    post_section(editor_client, fresh_plan.id, "ansvar", {"samordnare": "Trygghetssamordnare",
                                                          "politiskt_ansvar": "Kommunstyrelsen"})
    assert [event.detail["fields"] for event in edits()[before:]] == [["politiskt_ansvar"]]
    post_section(editor_client, fresh_plan.id, "ansvar", {"samordnare": "Trygghetssamordnare",
                                                          "politiskt_ansvar": "Kommunstyrelsen"})
    assert len(edits()) == before + 1  # nothing new: no line


def test_autosave_of_invalid_value_shows_error_and_saves_nothing(editor_client, fresh_plan):
    response = post_section(editor_client, fresh_plan.id, "lagesbild", {"uppdaterad": "31/02/2026"},
                            headers=HTMX, _autosave="uppdaterad")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="uppdaterad-error"' in html and "Not a valid date value" in html
    assert "Not saved" in html
    assert working_version(fresh_plan.id).content == {}


def test_stale_save_is_refused_and_newer_text_survives(editor_client, fresh_plan):
    stale_page = editor_client.get(section_url(fresh_plan.id, "ansvar")).get_data(as_text=True)
    post_section(editor_client, fresh_plan.id, "ansvar", {"samordnare": "Först"}, headers=HTMX,
                 _autosave="samordnare")
    stale = form_fields(stale_page)
    stale["samordnare"] = ["Sen ändring från en annan flik"]
    response = editor_client.post(section_url(fresh_plan.id, "ansvar"),
                                  data={**stale, "_autosave": "samordnare"}, headers=HTMX)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "a colleague changed this answer meanwhile" in html
    # Next to the field: both texts side by side, who saved theirs, and the choices.
    slot = html[html.index('<div class="field__error clash" id="samordnare-error"'):]
    error = html_text(slot[:slot.index("</div>", slot.index("_take-samordnare"))])
    assert "Your text, not saved Sen ändring från en annan flik" in error
    assert re.search(r"Saved by .+, .+ Först", error) and "Keep my text" in error and "Use my colleague's text" in error
    assert working_version(fresh_plan.id).content["ansvar"]["samordnare"] == "Först"
    plain = editor_client.post(section_url(fresh_plan.id, "ansvar"), data=stale)
    assert plain.status_code == 409
    assert "Sen ändring från en annan flik" in plain.get_data(as_text=True)  # their text is still on screen
    assert working_version(fresh_plan.id).content["ansvar"]["samordnare"] == "Först"
    # Saving the same page again is told again; only "Keep my text" replaces theirs, by the person's choice.
    shown = plain.get_data(as_text=True)
    assert editor_client.post(section_url(fresh_plan.id, "ansvar"), data=form_fields(shown)).status_code == 409
    keep = re.search(r'name="(_keep-samordnare)" value="(\w+)"', shown)
    again = editor_client.post(section_url(fresh_plan.id, "ansvar"), data={**form_fields(shown),
                                                                            keep.group(1): [keep.group(2)]})
    assert again.status_code == 303
    assert working_version(fresh_plan.id).content["ansvar"]["samordnare"] == "Sen ändring från en annan flik"


def test_colleagues_on_different_answers_of_one_section_both_save(editor_client, fresh_plan):
    """Field-level merge: pages opened at the same time, each saving its own answer, refuse nobody."""
    anna = form_fields(editor_client.get(section_url(fresh_plan.id, "ansvar")).get_data(as_text=True))
    bertil = form_fields(editor_client.get(section_url(fresh_plan.id, "ansvar")).get_data(as_text=True))
    first = editor_client.post(section_url(fresh_plan.id, "ansvar"),
                               data={**anna, "samordnare": ["Anna"], "_autosave": ["samordnare"]}, headers=HTMX)
    second = editor_client.post(section_url(fresh_plan.id, "ansvar"),
                                data={**bertil, "politiskt_ansvar": ["KS"], "_autosave": ["politiskt_ansvar"]},
                                headers=HTMX)
    assert (first.status_code, second.status_code) == (200, 200)
    # Bertil's page then saves the whole form ("Save"), still showing the old, empty coordinator field: Anna's
    # answer is kept, as only she changed it.
    whole = editor_client.post(section_url(fresh_plan.id, "ansvar"),
                               data={**bertil, "politiskt_ansvar": ["KS"], "omvarldsbevakning": ["Varje månad"]})
    assert whole.status_code == 303
    assert working_version(fresh_plan.id).content["ansvar"] == {
        "samordnare": "Anna", "politiskt_ansvar": "KS", "omvarldsbevakning": "Varje månad"}


def test_unknown_autosave_field_gets_a_clear_message(editor_client, fresh_plan):
    response = post_section(editor_client, fresh_plan.id, "ansvar", {}, headers=HTMX, _autosave="finns_inte")
    assert response.status_code == 400
    assert "not part of the section" in response.get_data(as_text=True)


def rows(plan_id):
    return working_version(plan_id).content.get("samverkan", {}).get("aktorer", [])


def test_rows_without_javascript_pick_add_remove_move(editor_client, fresh_plan):
    pid = fresh_plan.id
    response = post_section(editor_client, pid, "samverkan", {"aktorer-pick": "polisen"}, _action="pick:aktorer")
    assert response.status_code == 303 and response.headers["Location"].endswith("#aktorer-group")
    police = plans.template_for("se-vbe").catalogue_entry("aktorer", "polisen")
    assert rows(pid)[0]["_ref"] == "polisen" and rows(pid)[0]["description"] == police.description
    post_section(editor_client, pid, "samverkan", {"aktorer-pick": "skola"}, _action="pick:aktorer")
    post_section(editor_client, pid, "samverkan", {}, _action="add:aktorer")
    assert len(rows(pid)) == 3 and "_ref" not in rows(pid)[2]
    post_section(editor_client, pid, "samverkan", {"aktorer-2-name": "Nattvandrarna"})
    assert rows(pid)[2]["name"] == "Nattvandrarna"
    first, second, third = (row["_id"] for row in rows(pid))
    post_section(editor_client, pid, "samverkan", {}, _action=f"remove:aktorer:{second}")
    post_section(editor_client, pid, "samverkan", {}, _action=f"up:aktorer:{third}")
    assert [row["_id"] for row in rows(pid)] == [third, first]
    # A row that is no longer there (removed in another window, or an id made up) is said so; nothing changes.
    for gone in (f"remove:aktorer:{second}", "down:aktorer:no-such-row"):
        refused = post_section(editor_client, pid, "samverkan", {}, _action=gone)
        assert refused.status_code == 422 and "That row is no longer in the list" in page_text(refused)
        assert [row["_id"] for row in rows(pid)] == [third, first]
    # An edited description is the user's own; the catalogue only pre-fills it.
    post_section(editor_client, pid, "samverkan", {"aktorer-1-description": "Egen text"})
    assert rows(pid)[1]["description"] == "Egen text" and rows(pid)[1]["_ref"] == "polisen"


def test_several_entries_are_picked_from_the_list_at_once(editor_client, fresh_plan):
    pid = fresh_plan.id
    response = post_section(editor_client, pid, "samverkan", {"aktorer-pick": ["skola", "polisen", "finns-inte"]},
                            headers=HTMX, _action="pick:aktorer")
    assert response.status_code == 200
    in_list_order = [e.id for e in plans.template_for("se-vbe").catalogues["aktorer"] if e.id in ("polisen", "skola")]
    assert [row["_ref"] for row in rows(pid)] == in_list_order  # in the list's order; an unknown id is ignored
    html = response.get_data(as_text=True)
    assert 'id="aktorer-pick-socialtjanst"' in html and 'id="aktorer-pick-polisen"' not in html  # not offered twice
    # Ticking one already added (in another tab, say) adds nothing again; ticking nothing says what to do.
    post_section(editor_client, pid, "samverkan", {"aktorer-pick": "polisen"}, _action="pick:aktorer")
    assert len(rows(pid)) == 2
    refused = post_section(editor_client, pid, "samverkan", {}, _action="pick:aktorer")
    assert refused.status_code == 422
    assert "Nothing was added: tick one or more in the list first." in page_text(refused)
    assert len(rows(pid)) == 2


def test_rows_with_htmx_return_the_group_fragment(editor_client, fresh_plan):
    response = post_section(editor_client, fresh_plan.id, "samverkan", {"aktorer-pick": "socialtjanst"},
                            headers=HTMX, _action="pick:aktorer")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<fieldset class="group') and 'id="aktorer-group"' in html
    assert 'name="aktorer-0-name"' in html and rows(fresh_plan.id)[0]["_ref"] == "socialtjanst"


def test_more_rows_than_allowed_is_refused(editor_client, fresh_plan):
    field = plans.template_for("se-vbe").section("samverkan").field("aktorer")
    data = {}
    for i in range(field.max_rows + 1):
        data[f"aktorer-{i}-name"] = f"Aktör {i}"
    response = post_section(editor_client, fresh_plan.id, "samverkan", data)
    assert response.status_code == 422
    assert f"at most {field.max_rows} rows" in page_text(response)
    assert rows(fresh_plan.id) == []


def test_completing_a_section_needs_its_required_answers(editor_client, fresh_plan):
    response = post_section(editor_client, fresh_plan.id, "ansvar", {"samordnare": "X", "completed": "yes"})
    assert response.status_code == 422
    assert "Answer this before marking the section as completed." in page_text(response)
    assert working_version(fresh_plan.id).content == {}


def test_ticking_completed_through_autosave_with_answers_missing_marks_them_and_clears_the_tick(
        editor_client, fresh_plan):
    response = post_section(editor_client, fresh_plan.id, "ansvar", {"completed": "yes"}, headers=HTMX,
                            _autosave="completed")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for field in plans.template_for("se-vbe").section("ansvar").fields:
        error = re.search(rf'<p class="field__error" id="{field.id}-error"[^>]*>(.*?)</p>', html, re.S)
        assert bool(error and "Answer this before marking" in error.group(1)) == field.required, field.id
    assert "some answers are still missing. They are marked above." in html
    # Both answers come back unticked (nothing is stored), so the page shows no tick that was not kept.
    radios = re.findall(r'<input type="radio" id="completed-(\w+)"[^>]*>', html)
    assert sorted(radios) == ["no", "yes"]
    assert "checked" not in "".join(re.findall(r"<input type=\"radio\"[^>]*>", html))
    assert wizard.section_state(working_version(fresh_plan.id), plans.template_for("se-vbe").section("ansvar")) == {}


def test_a_missing_answer_in_a_row_is_named_by_row_and_field_and_marked_alone(editor_client, fresh_plan):
    pid = fresh_plan.id
    post_section(editor_client, pid, "dokument", {}, _action="add:remiss")
    post_section(editor_client, pid, "dokument", {}, _action="add:remiss")
    post_section(editor_client, pid, "dokument", {"remiss-0-name": "Polisen"})
    response = post_section(editor_client, pid, "dokument", {"completed": "yes"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert re.search(r'<a href="#remiss-1-name">Remissinstans 2: Remissinstans – Answer this', summary)
    assert "#remiss-0-name" not in summary  # the first row is answered

    def error_of(input_id):
        return re.search(rf'<p class="field__error" id="{input_id}-error"([^>]*)>(.*?)</p>', html, re.S)
    assert "Answer this before marking" in error_of("remiss-1-name").group(2)
    for answered_or_optional in ("remiss-0-name", "remiss-1-received", "remiss-1-summary"):
        assert "hidden" in error_of(answered_or_optional).group(1), answered_or_optional
    assert error_of("remiss").group(1).strip() == "hidden"  # the group as a whole is not blamed
    assert not re.search(r'<fieldset class="group field--error" id="remiss-group"', html)
    # Check your answers names the same input and leads to it.
    check = editor_client.get(url_for("wizard.check", plan_id=pid)).get_data(as_text=True)
    title = plans.template_for("se-vbe").section("dokument").title
    link = section_url(pid, "dokument") + "#remiss-1-name"
    assert re.search(rf'<a href="{re.escape(link)}">{re.escape(title)}: Remissinstans 2, Remissinstans</a>', check)
    assert "#remiss-0-name" not in check


def test_adding_a_row_without_javascript_to_a_completed_section_adds_it(editor_client):
    plan, template = demo_plan(), plans.template_for("se-vbe")
    section = template.section("samverkan")
    assert post_section(editor_client, plan.id, "samverkan", {"completed": "yes"}).status_code == 303
    assert wizard.section_status(template, working_version(plan.id), section) == wizard.COMPLETED
    before = len(working_version(plan.id).content["samverkan"]["aktorer"])
    response = post_section(editor_client, plan.id, "samverkan", {}, _action="add:aktorer")
    assert response.status_code == 303
    version = working_version(plan.id)
    assert len(version.content["samverkan"]["aktorer"]) == before + 1
    # The new row is not answered yet: the task list says so instead of refusing the row.
    assert wizard.section_status(template, version, section) == wizard.NEEDS_ATTENTION


def test_demo_plan_sections_can_be_completed(editor_client):
    plan = demo_plan()
    template = plans.template_for("se-vbe")
    for section in template.sections:
        response = post_section(editor_client, plan.id, section.id, {"completed": "yes"}, _nav="next")
        assert response.status_code == 303, (section.id, page_text(response)[:500])
    text = page_text(editor_client.get(url_for("wizard.overview", plan_id=plan.id)))
    assert f"{len(template.sections)} of {len(template.sections)} sections completed" in text


def test_check_answers_lists_missing_and_submits(editor_client, fresh_plan):
    text = page_text(editor_client.get(url_for("wizard.check", plan_id=fresh_plan.id)))
    assert "answers are still missing" in text and "Submit for review" not in text
    refused = editor_client.post(url_for("wizard.submit", plan_id=fresh_plan.id))
    assert refused.status_code == 303 and working_version(fresh_plan.id).status == "draft"

    plan = demo_plan()
    text = page_text(editor_client.get(url_for("wizard.check", plan_id=plan.id)))
    assert "Every required answer is filled in." in text
    assert "Polisen" in text  # rows are shown
    response = editor_client.post(url_for("wizard.submit", plan_id=plan.id))
    assert response.status_code == 303
    assert working_version(plan.id).status == "in_review"
    blocked = post_section(editor_client, plan.id, "ansvar", {"samordnare": "Ändrad"})
    assert blocked.status_code == 409  # submitted while the person typed: told so, the typing handed back
    assert "(status: In review)" in page_text(blocked) and "Ändrad" in page_text(blocked)
    assert working_version(plan.id).content["ansvar"]["samordnare"] != "Ändrad"


def test_reviewer_reads_but_cannot_change(reviewer_client):
    plan = demo_plan()
    html = reviewer_client.get(section_url(plan.id, "ansvar")).get_data(as_text=True)
    assert "your role does not allow changes" in html
    assert "Save and continue" not in html and "hx-post" not in html
    before = working_version(plan.id).content
    response = reviewer_client.post(section_url(plan.id, "ansvar"), data={"samordnare": "Ändrad"})
    assert response.status_code == 403
    assert working_version(plan.id).content == before
    assert reviewer_client.post(url_for("plans.create"), data={"title": "X", "template_id": "se-vbe"}).status_code == 403


def test_an_autosave_after_the_role_was_taken_away_says_so_in_place(editor_client):
    """The page was opened as an editor; an admin made the person a reviewer meanwhile. The autosave is refused
    with a message the page shows where it says "Saved" (static/app.js), not with an error page swapped in."""
    plan = demo_plan()
    page = editor_client.get(section_url(plan.id, "ansvar")).get_data(as_text=True)
    membership = db.session.scalars(select(Membership).join(User).where(User.email == "editor@demo.example")).one()
    membership.role = "reviewer"
    db.session.commit()
    before = working_version(plan.id).content
    response = editor_client.post(section_url(plan.id, "ansvar"), headers=HTMX,
                                  data={**form_fields(page), "samordnare": "Ändrad", "_autosave": "samordnare"})
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "<html" not in body and "data-error-message" in body
    assert "Not saved: you can no longer edit this plan." in page_text(response)
    assert working_version(plan.id).content == before


def test_a_missing_page_asked_by_htmx_gets_a_message_not_a_page(editor_client):
    response = editor_client.get(section_url(demo_plan().id, "no-such-section"), headers=HTMX)
    assert response.status_code == 404
    assert "<html" not in response.get_data(as_text=True)
    assert page_text(response).startswith("Not saved: Page not found.")


def test_other_municipality_gets_404(client, seeded):
    other = accounts.create_municipality("Annanby kommun", "SE")
    accounts.create_user("editor@annanby.example", "Anna", "long-enough-pw", other, "editor")
    sign_in_as(client, "editor@annanby.example", "long-enough-pw")
    plan = demo_plan()
    assert client.get(url_for("wizard.overview", plan_id=plan.id)).status_code == 404
    assert client.get(section_url(plan.id, "ansvar")).status_code == 404
    assert client.post(section_url(plan.id, "ansvar"), data={"samordnare": "x"}).status_code == 404
    assert client.get(url_for("wizard.check", plan_id=plan.id)).status_code == 404


def test_new_plan_needs_a_title_and_known_template(editor_client):
    response = editor_client.post(url_for("plans.create"), data={"title": "", "template_id": "se-vbe"})
    assert response.status_code == 422 and "Give the plan a title." in page_text(response)
    response = editor_client.post(url_for("plans.create"), data={"title": "X", "template_id": "nope"})
    assert response.status_code == 422 and "Not a valid choice" in page_text(response)


def test_a_pages_own_quick_saves_are_not_a_conflict_but_a_colleagues_are(editor_client, fresh_plan):
    from tests.wizard_helpers import form_fields
    page = form_fields(editor_client.get(section_url(fresh_plan.id, "ansvar")).get_data(as_text=True))
    colleague = dict(page, editor_token=["colleague-page"])
    # An autosave and then "Save" from the same page, both sent before the first answer came back.
    first = editor_client.post(section_url(fresh_plan.id, "ansvar"),
                               data={**page, "samordnare": "Ett", "_autosave": "samordnare"}, headers=HTMX)
    second = editor_client.post(section_url(fresh_plan.id, "ansvar"),
                                data={**page, "samordnare": "Två", "politiskt_ansvar": "KS"})
    assert (first.status_code, second.status_code) == (200, 303)
    assert working_version(fresh_plan.id).content["ansvar"] == {"samordnare": "Två", "politiskt_ansvar": "KS"}
    # A page opened before those saves, in another window, is refused.
    stale = editor_client.post(section_url(fresh_plan.id, "ansvar"),
                               data={**colleague, "samordnare": "Tre", "_autosave": "samordnare"}, headers=HTMX)
    assert stale.status_code == 409
    assert working_version(fresh_plan.id).content["ansvar"]["samordnare"] == "Två"


def test_a_save_racing_with_its_own_pages_earlier_save_is_retried_not_refused(app, seeded):
    """Both requests read the version before either wrote; the later one must not be a false conflict."""
    from sqlalchemy.orm import Session

    from planbuilder.models import PlanVersion, User
    from planbuilder.services.plans import wizard

    template = plans.template_for("se-vbe")
    section = template.section("ansvar")
    version = working_version(demo_plan().id)
    lock = version.lock_version
    editor = db.session.scalars(select(User).where(User.email == "editor@demo.example")).one()
    with Session(db.engine) as other:  # the earlier request, committing while ours is between read and write
        earlier = other.get(PlanVersion, version.id)
        earlier.content = {**earlier.content, "ansvar": {**earlier.content["ansvar"], "samordnare": "Först"}}
        earlier.save_log = [[lock + 1, "same-page"]]
        other.commit()
    assert wizard.save_section(template, version, section, {"omvarldsbevakning": "Sedan"}, lock, editor,
                               editor_token="same-page")
    stored = working_version(version.plan_id)
    assert (stored.content["ansvar"]["samordnare"], stored.content["ansvar"]["omvarldsbevakning"]) == ("Först", "Sedan")
    # The retry counts the lock once and logs it: a colleague's page on another section is not refused after it.
    assert (stored.lock_version, stored.save_log[-1][0]) == (lock + 2, lock + 2)


def test_colleagues_on_different_sections_do_not_refuse_each_other(editor_client, fresh_plan):
    from tests.wizard_helpers import form_fields
    ansvar = form_fields(editor_client.get(section_url(fresh_plan.id, "ansvar")).get_data(as_text=True))
    samverkan = form_fields(editor_client.get(section_url(fresh_plan.id, "samverkan")).get_data(as_text=True))
    first = editor_client.post(section_url(fresh_plan.id, "ansvar"),
                               data={**ansvar, "samordnare": "Anna", "_autosave": "samordnare"}, headers=HTMX)
    # A colleague who opened another section before that save still saves there...
    second = editor_client.post(section_url(fresh_plan.id, "samverkan"),
                                data={**samverkan, "befintliga_forum": "Brå-rådet", "_autosave": "befintliga_forum"},
                                headers=HTMX)
    assert (first.status_code, second.status_code) == (200, 200)
    content = working_version(fresh_plan.id).content
    assert content["ansvar"]["samordnare"] == "Anna" and content["samverkan"]["befintliga_forum"] == "Brå-rådet"
    # ...but a page of the changed section, opened before the change, is refused.
    stale = editor_client.post(section_url(fresh_plan.id, "ansvar"),
                               data={**ansvar, "editor_token": "another-page", "samordnare": "Bertil",
                                     "_autosave": "samordnare"}, headers=HTMX)
    assert stale.status_code == 409
    assert working_version(fresh_plan.id).content["ansvar"]["samordnare"] == "Anna"


def test_an_autosave_reports_the_lock_its_own_save_produced(app, editor_client, fresh_plan, monkeypatch):
    """If a colleague commits right after us, our page must not be handed their counter (it has not seen them)."""
    from sqlalchemy.orm import Session

    from planbuilder.models import PlanVersion
    from planbuilder.services.plans import wizard as wizard_service

    version_id = working_version(fresh_plan.id).id
    real_commit = wizard_service.db.session.commit

    def commit_then_a_colleague_saves():
        real_commit()
        with Session(wizard_service.db.engine) as colleague:
            row = colleague.get(PlanVersion, version_id)
            row.content = {**row.content, "samverkan": {"befintliga_forum": "Kollegans text"}}
            colleague.commit()

    data = form_fields(editor_client.get(section_url(fresh_plan.id, "ansvar")).get_data(as_text=True))
    data.update(samordnare=["Min text"], _autosave=["samordnare"])
    monkeypatch.setattr(wizard_service.db.session, "commit", commit_then_a_colleague_saves)  # the save's commit
    response = editor_client.post(section_url(fresh_plan.id, "ansvar"), data=data, headers=HTMX)
    monkeypatch.undo()
    stored = working_version(fresh_plan.id)
    assert f'id="lock" value="{stored.lock_version - 1}"' in response.get_data(as_text=True)


def test_an_autosave_reads_the_person_once_and_nothing_again_after_its_commit(editor_client, fresh_plan,
                                                                              monkeypatch):
    """Each statement is a round trip to PostgreSQL while the person types: the signed-in user comes with their
    session, the membership with its municipality, once for the plan and its language alike, and the reply is
    made from what the save wrote (reading them all again after the commit was seven more per autosave). The
    draft's re-render is moved on by the first save, not by the one right after it."""
    moment = utcnow()
    for module in (wizard, preparation):  # both saves in one quarter-minute, whenever the test runs
        monkeypatch.setattr(module, "utcnow", lambda: moment)
    url = section_url(fresh_plan.id, "ansvar")
    data = form_fields(editor_client.get(url).get_data(as_text=True))

    def autosave(text: str) -> list[str]:
        """The tables of the statements the save sent, each by the one it names first (SQLite's BEGIN, sent as
        a statement, names none); the page then takes the new lock and base, as the browser does."""
        data.update(samordnare=[text], _autosave=["samordnare"])
        with counted_queries() as statements:
            response = editor_client.post(url, data=data, headers=HTMX)
        reply = response.get_data(as_text=True)
        assert response.status_code == 200 and "Saved" in reply
        data["lock"] = [re.search(r'id="lock" value="(\d+)"', reply).group(1)]
        data.update({name: [value] for name, value in re.findall(r'name="(_base-[^"]+)" id="base-[^"]+" '
                                                                 r'value="([0-9a-f]+)"', reply)})
        return [found.group(1) for found in map(re.compile(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)").search,
                                                statements) if found]

    first = autosave("Min text")
    assert first.count("user_account") == 1 and "sign_in_session" not in first  # read together, joined
    assert first.count("membership") == 1 and "municipality" not in first
    saved = first.index("plan_version", first.index("audit_event"))  # the UPDATE, after its audit line
    assert set(first[saved + 1:]) == {"document_job"}  # the draft's re-render, on a connection of its own
    second = autosave("Min text, längre")
    assert second[-2:] == ["audit_event", "plan_version"]  # nothing read or written after the save
    assert working_version(fresh_plan.id).content["ansvar"]["samordnare"] == "Min text, längre"


def test_change_from_check_your_answers_returns_there_after_saving(editor_client):
    plan = demo_plan()
    check = editor_client.get(url_for("wizard.check", plan_id=plan.id)).get_data(as_text=True)
    change = url_for("wizard.section", plan_id=plan.id, section_id="ansvar", **{"from": "check"})
    assert f'href="{change}#' in check.replace("&amp;", "&")
    page = editor_client.get(change)
    assert "Save and return to check your answers" in page_text(page)
    data = {**form_fields(page.get_data(as_text=True)), "samordnare": "Ändrad från kontrollsidan", "_nav": "check"}
    saved = editor_client.post(change, data=data)
    assert saved.status_code == 303 and saved.headers["Location"].endswith(url_for("wizard.check", plan_id=plan.id))


def test_the_task_list_labels_sections_nothing_in_which_is_required_as_optional(editor_client):
    html = editor_client.get(url_for("wizard.overview", plan_id=demo_plan().id)).get_data(as_text=True)
    template = plans.template_for("se-vbe")
    for section in template.sections:
        optional = not any(field.required for field in section.fields)
        row = html[html.index(f'/sections/{section.id}"'):].split("</li>", 1)[0]
        assert ("(optional)" in row) == optional, section.id
    assert any(not any(f.required for f in s.fields) for s in template.sections)  # the demo has one to show


# --- rows as folded cards (issue #13) -----------------------------------------------------------------------

def row_cards(html: str) -> dict[str, tuple[bool, str]]:
    """Each row's card by its inputs' id prefix ("remiss-0"): (open?, the summary's text, both cues included:
    the style sheet shows "Change" on a folded card and "Close" on an open one)."""
    cards = re.findall(r'<details class="group__card"( open)?>\s*<summary class="group__summary">(.*?)</summary>'
                       r'.*?name="([\w-]+)-row_id"', html, re.S)
    return {prefix: (bool(is_open), re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", summary)).strip())
            for is_open, summary, prefix in cards}


def test_a_written_row_is_a_folded_card_and_a_row_still_to_write_is_open_without_javascript(editor_client,
                                                                                           fresh_plan):
    pid = fresh_plan.id
    for _ in range(3):
        post_section(editor_client, pid, "dokument", {}, _action="add:remiss")
    post_section(editor_client, pid, "dokument", {"remiss-0-name": "Polisen", "remiss-0-received": "2026-03-05",
                                                  "remiss-2-received": "2026-03-06"})
    cards = row_cards(editor_client.get(section_url(pid, "dokument")).get_data(as_text=True))
    is_open, summary = cards["remiss-0"]
    assert not is_open and summary == "Remissinstans 1: Polisen 05/03/2026 Change Close"  # a date as people read it
    assert cards["remiss-1"][0]  # nothing written yet: open to be written
    assert cards["remiss-2"][0]  # its required answer is missing: open
    # Marking the section completed names the missing answers; their rows are open, so the links land on them.
    response = post_section(editor_client, pid, "dokument", {"completed": "yes"})
    assert response.status_code == 422
    cards = row_cards(response.get_data(as_text=True))
    assert not cards["remiss-0"][0] and cards["remiss-1"][0] and cards["remiss-2"][0]


def test_a_row_card_names_its_key_facts_in_words_and_leaves_long_texts_out(editor_client):
    html = editor_client.get(section_url(demo_plan().id, "samverkan")).get_data(as_text=True)
    assert "<h3" not in html and "<h2" not in html.split('id="section-form"')[1]  # no heading skips a level
    police = plans.template_for("se-vbe").catalogue_entry("aktorer", "polisen")
    is_open, summary = row_cards(html)["aktorer-0"]
    assert not is_open
    assert summary.startswith("Aktör 1: Polisen, lokalpolisområde Ekdala")
    assert "Månadsvis" in summary and "manadsvis" not in summary  # a choice by its label, not its stored value
    assert "Kommunpolisen" in summary and police.description[:30] not in summary  # no long text
    assert 'name="aktorer-0-description"' in html  # still in the form: a save without JavaScript keeps it
    # A written row with a message is open, so the error summary's link lands on a visible input.
    response = post_section(editor_client, demo_plan().id, "samverkan", {"aktorer-1-contact_function": "x" * 500})
    assert response.status_code == 422 and '<a href="#aktorer-1-contact_function">' in response.get_data(as_text=True)
    cards = row_cards(response.get_data(as_text=True))
    assert cards["aktorer-1"][0] and not cards["aktorer-0"][0]


def test_a_row_to_verify_is_folded_and_says_so(editor_client, fresh_plan):
    pid = fresh_plan.id
    post_section(editor_client, pid, "anhoriga", {"stodlinjer-pick": "anhorigstodlinje"}, _action="pick:stodlinjer")
    is_open, summary = row_cards(editor_client.get(section_url(pid, "anhoriga")).get_data(as_text=True))["stodlinjer-0"]
    assert not is_open and "To verify" in summary and "020-100 200" in summary


def test_a_row_card_keeps_what_people_typed_inert(editor_client, fresh_plan):
    pid = fresh_plan.id
    post_section(editor_client, pid, "samverkan", {}, _action="add:aktorer")
    post_section(editor_client, pid, "samverkan", {"aktorer-0-name": "<b>Fet</b>",
                                                   "aktorer-0-contact_function": "<img src=x onerror=alert(1)>"})
    html = editor_client.get(section_url(pid, "samverkan")).get_data(as_text=True)
    summary = re.search(r'<summary class="group__summary">(.*?)</summary>', html, re.S).group(1)
    assert "&lt;b&gt;Fet&lt;/b&gt;" in summary and "&lt;img src=x" in summary and "<img" not in summary


def test_a_row_moved_stays_open_where_the_person_is_working(editor_client, fresh_plan):
    pid = fresh_plan.id
    post_section(editor_client, pid, "samverkan", {"aktorer-pick": ["polisen", "skola"]}, _action="pick:aktorer")
    first, second = (row["_id"] for row in rows(pid))
    moved = post_section(editor_client, pid, "samverkan", {}, headers=HTMX, _action=f"down:aktorer:{first}")
    html = moved.get_data(as_text=True)
    assert [row["_id"] for row in rows(pid)] == [second, first]
    card = re.search(rf'<li class="group__row" id="row-{first}">\s*<details class="group__card"([^>]*)>', html)
    other = re.search(rf'<li class="group__row" id="row-{second}">\s*<details class="group__card"([^>]*)>', html)
    assert "open" in card.group(1) and "open" not in other.group(1)


def test_a_number_is_read_as_people_write_it_and_a_word_in_it_is_told_not_emptied(editor_client, fresh_plan):
    """The time set aside is a number field: drawn as a text box, a decimal comma and spaces between thousands
    are read; "50 procent" keeps the stored answer and says why, instead of storing nothing as "Saved"."""
    pid = fresh_plan.id
    page = editor_client.get(section_url(pid, "ansvar")).get_data(as_text=True)
    assert re.search(r'<input[^>]*id="samordnare_tid"[^>]*type="text"', page) or \
        re.search(r'<input[^>]*type="text"[^>]*id="samordnare_tid"', page)
    for typed, stored in (("40", 40), ("50,5", 50.5), ("1 000", 1000)):
        saved = post_section(editor_client, pid, "ansvar", {"samordnare_tid": typed}, headers=HTMX,
                             _autosave="samordnare_tid")
        assert saved.status_code == 200
        assert working_version(pid).content["ansvar"]["samordnare_tid"] == stored
    refused = post_section(editor_client, pid, "ansvar", {"samordnare_tid": "50 procent"}, headers=HTMX,
                           _autosave="samordnare_tid")
    assert refused.status_code == 422
    assert working_version(pid).content["ansvar"]["samordnare_tid"] == 1000


def test_a_missing_choice_in_a_row_is_linked_to_its_question_and_marked_alone(editor_client, fresh_plan):
    """A row's unanswered radio group ("Miljö 1: Förekomst") is named in the error summary, and the link lands on
    that question (its fieldset), not on an id nobody has."""
    pid = fresh_plan.id
    post_section(editor_client, pid, "lagesbild", {}, _action="add:miljoer")
    post_section(editor_client, pid, "lagesbild", {"miljoer-0-environment": "annan"})
    html = post_section(editor_client, pid, "lagesbild", {"completed": "yes"}).get_data(as_text=True)
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert re.search(r'<a href="#miljoer-0-presence">Miljö 1: Förekomst – ', summary)
    question = re.search(r'<fieldset class="field field--choices( field--error)?" id="miljoer-0-presence"', html)
    assert question and question.group(1)  # the link's target exists, and is the one marked
    assert not re.search(r'<fieldset class="field field--choices field--error" id="miljoer-0-environment"', html)
