"""The wizard in a real browser: with htmx autosave, without JavaScript, with two people at once, by keyboard."""
from __future__ import annotations

import re

from flask import url_for
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from sqlalchemy import select

from planbuilder.extensions import db
from planbuilder.models import Membership, User
from planbuilder.services.plans import plans
from tests.e2e.conftest import screenshot
from tests.e2e.helpers import (
    add_row,
    autosave_of,
    autosaved,
    create_plan,
    fill_section,
    is_autosave,
    is_row_action,
    mark_completed,
    open_row,
    pick_row,
    settled,
    sign_in,
    tab_to,
    tick_in_list,
    two_people_on_ansvar,
)
from tests.e2e.test_accessibility import serious_violations
from tests.wizard_helpers import demo_plan, working_version


def test_editor_completes_a_new_plan_through_autosave(live_server, new_page, seeded):
    page = new_page()
    sign_in(page, live_server, "editor@demo.example")
    plan_id = create_plan(page, "Handlingsplan 2027")
    template = plans.template_for("se-vbe")
    for section in template.sections:
        page.goto(live_server + url_for("wizard.overview", plan_id=plan_id))
        number = template.section_number(section.id)  # a foreword has none
        page.get_by_role("link", name=f"{number}. {section.title}" if number else section.title, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(section.title)
        fill_section(page, section, skip_groups=("aktorer",))
        if section.id == "samverkan":
            actors_journey(page, live_server, plan_id)
            screenshot(page, "section-samverkan")
        mark_completed(page)

    page.goto(live_server + url_for("wizard.overview", plan_id=plan_id))
    expect(page.get_by_text(f"{len(template.sections)} of {len(template.sections)} sections completed")).to_be_visible()
    screenshot(page, "task-list")

    # Everything was saved by autosave alone: a reload shows it.
    page.goto(live_server + url_for("wizard.section", plan_id=plan_id, section_id="ansvar"))
    expect(page.locator("#samordnare")).to_have_value("Svar på " + template.section("ansvar").field("samordnare").label)

    page.goto(live_server + url_for("wizard.check", plan_id=plan_id))
    expect(page.get_by_text("Every required answer is filled in.")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".tag--in_review").first).to_have_text("In review")
    assert working_version(plan_id).status == "in_review"


def actors_journey(page, base, plan_id):
    """Two actors from the catalogue, one of our own; remove one, reorder, and it all survives a reload."""
    police = plans.template_for("se-vbe").catalogue_entry("aktorer", "polisen")
    pick_row(page, "aktorer", "polisen")
    expect(page.locator("#aktorer-0-description")).to_have_value(police.description)  # filled from the catalogue
    pick_row(page, "aktorer", "skola")
    index = add_row(page, "aktorer")
    autosaved(page, lambda: page.fill(f"#aktorer-{index}-name", "Nattvandrarna i Ekdala"))
    open_row(page, "aktorer", 0)  # picked rows are written, so folded to a card
    autosaved(page, lambda: page.fill("#aktorer-0-description", "Lägesbild varje månad, egen formulering"))
    open_row(page, "aktorer", 1)
    autosaved(page, lambda: page.get_by_role("button", name="Remove aktör 2").click(), is_row_action)
    settled(page, "aktorer")
    open_row(page, "aktorer", 1)
    autosaved(page, lambda: page.get_by_role("button", name="Move up aktör 2").click(), is_row_action)
    settled(page, "aktorer")
    page.reload()
    expect(page.locator("#aktorer-0-name")).to_have_value("Nattvandrarna i Ekdala")
    expect(page.locator("#aktorer-1-name")).to_have_value(police.name)
    expect(page.locator("#aktorer-1-description")).to_have_value("Lägesbild varje månad, egen formulering")
    expect(page.locator("#aktorer-group .group__row")).to_have_count(2)


def test_the_core_journey_works_without_javascript(live_server, new_page, seeded):
    page = new_page(javascript=False)
    sign_in(page, live_server, "editor@demo.example")
    plan_id = create_plan(page, "Plan utan JavaScript")
    page.goto(live_server + url_for("wizard.section", plan_id=plan_id, section_id="ansvar"))
    page.fill("#samordnare", "Trygghetssamordnare")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Samverkan")
    assert working_version(plan_id).content["ansvar"]["samordnare"] == "Trygghetssamordnare"

    tick_in_list(page, "aktorer", "polisen", "skola")  # several at once
    page.get_by_role("button", name="Add selected").click()
    expect(page.locator("#aktorer-group .group__row")).to_have_count(2)
    page.get_by_role("button", name="Add your own aktör").click()
    page.fill("#aktorer-2-name", "Fritidsgården Norrby")
    page.get_by_role("button", name="Save", exact=True).click()
    open_row(page, "aktorer", 2)  # written rows are folded cards; <details> opens them without JavaScript too
    page.get_by_role("button", name="Move up aktör 3").click()
    expect(page.locator("#aktorer-1-name")).to_have_value("Fritidsgården Norrby")
    open_row(page, "aktorer", 2)
    page.get_by_role("button", name="Remove aktör 3").click()
    open_row(page, "aktorer", 0)
    page.get_by_role("button", name="Remove aktör 1").click()
    expect(page.locator("#aktorer-group .group__row")).to_have_count(1)
    assert [r["name"] for r in working_version(plan_id).content["samverkan"]["aktorer"]] == ["Fritidsgården Norrby"]

    page.get_by_role("button", name="Previous: Ansvar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ansvar")
    page.fill("#politiskt_ansvar", "x" * 1000)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".error-summary")).to_contain_text("at most")
    expect(page.locator("#samordnare")).to_have_value("Trygghetssamordnare")

    page.goto(live_server + url_for("wizard.check", plan_id=plan_id))
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()


def test_a_stale_save_shows_the_conflict_and_keeps_the_first_text(live_server, new_page, seeded):
    plan_id = demo_plan().id
    first, second = two_people_on_ansvar(live_server, new_page)
    assert autosaved(first, lambda: first.fill("#samordnare", "Text från första fliken")) == 200
    assert autosaved(second, lambda: second.fill("#samordnare", "Text från andra fliken")) == 409
    expect(second.locator("#save-status")).to_contain_text("a colleague changed this answer meanwhile")
    expect(second.locator("#samordnare-error")).to_contain_text("Text från första fliken")  # what they saved
    expect(second.locator("#samordnare")).to_have_value("Text från andra fliken")  # not wiped from the screen
    assert working_version(plan_id).content["ansvar"]["samordnare"] == "Text från första fliken"
    # Answers nobody else touched save as ever, from both tabs.
    assert autosaved(first, lambda: first.fill("#politiskt_ansvar", "Kommunstyrelsen"),
                     autosave_of("politiskt_ansvar")) == 200
    assert autosaved(second, lambda: second.fill("#omvarldsbevakning", "Varje kvartal"),
                     autosave_of("omvarldsbevakning")) == 200
    content = working_version(plan_id).content["ansvar"]
    assert (content["politiskt_ansvar"], content["omvarldsbevakning"]) == ("Kommunstyrelsen", "Varje kvartal")
    # The refused text is still unsaved: leaving the page (reloading, closing the tab) asks first, while the
    # tab whose text was saved leaves without a question.
    assert asks_before_leaving(second) and not asks_before_leaving(first)


def test_the_person_told_of_a_colleagues_answer_keeps_their_own_by_choice(live_server, new_page, seeded):
    plan_id = demo_plan().id
    first, second = two_people_on_ansvar(live_server, new_page)
    assert autosaved(first, lambda: first.fill("#samordnare", "Annas text")) == 200
    assert autosaved(second, lambda: second.fill("#samordnare", "Bertils text")) == 409
    # Typing on (or leaving the field) is told again, and writes nothing over Anna's text...
    assert autosaved(second, lambda: second.fill("#samordnare", "Bertils text, efter att ha läst Annas"),
                     autosave_of("samordnare")) == 409
    assert working_version(plan_id).content["ansvar"]["samordnare"] == "Annas text"
    # Side by side, next to the field: his text, not saved, and hers, with who saved it.
    expect(second.locator("#samordnare-error .clash__side").first).to_contain_text("Bertils text, efter att ha läst")
    expect(second.locator("#samordnare-error .clash__side").last).to_contain_text("Saved by Demo editor")
    expect(second.locator("#samordnare-error .clash__side").last).to_contain_text("Annas text")
    assert serious_violations(second) == []  # the conflict as shown: both texts and the choices
    # ...until Bertil chooses to keep his.
    keep = second.locator("#samordnare-error button[name='_keep-samordnare']")
    assert autosaved(second, keep.click, lambda answer: "_keep-samordnare=" in (answer.request.post_data or "")) == 200
    assert working_version(plan_id).content["ansvar"]["samordnare"] == "Bertils text, efter att ha läst Annas"
    assert not asks_before_leaving(second)  # his text is saved
    # Anna's page did not see that: her next change of the answer is told of Bertil's, not written over it.
    assert autosaved(first, lambda: first.fill("#samordnare", "Annas andra text"), autosave_of("samordnare")) == 409
    expect(first.locator("#samordnare-error")).to_contain_text("Bertils text, efter att ha läst Annas")


def test_the_person_told_of_a_colleagues_answer_can_take_theirs_and_write_on(live_server, new_page, seeded):
    plan_id = demo_plan().id
    first, second = two_people_on_ansvar(live_server, new_page)
    assert autosaved(first, lambda: first.fill("#samordnare", "Annas text")) == 200
    assert autosaved(second, lambda: second.fill("#samordnare", "Bertils text")) == 409
    take = second.get_by_role("button", name="Use my colleague's text")
    assert autosaved(second, take.click, lambda answer: "_take-samordnare=" in (answer.request.post_data or "")) == 200
    expect(second.locator("#samordnare")).to_have_value("Annas text")  # hers, in place of his
    expect(second.locator("#samordnare-error .clash__side")).to_have_count(0)
    expect(second.locator("#samordnare")).to_be_focused()  # settled: the caret waits at the end of her text
    # His page now holds what is stored: his next words save without a conflict.
    assert autosaved(second, lambda: second.fill("#samordnare", "Annas text, och Bertils tillägg"),
                     autosave_of("samordnare")) == 200
    assert working_version(plan_id).content["ansvar"]["samordnare"] == "Annas text, och Bertils tillägg"
    assert not asks_before_leaving(second)


def test_the_person_told_of_a_colleagues_answer_can_combine_both_and_edit_them_into_one(live_server, new_page,
                                                                                      seeded):
    plan_id = demo_plan().id
    first, second = two_people_on_ansvar(live_server, new_page)
    assert autosaved(first, lambda: first.fill("#samordnare", "Annas text")) == 200
    assert autosaved(second, lambda: second.fill("#samordnare", "Bertils text")) == 409
    combine = second.get_by_role("button", name="Combine both in the box")
    assert autosaved(second, combine.click,
                     lambda answer: "_combine-samordnare=" in (answer.request.post_data or "")) == 200
    box = second.locator("#samordnare")
    expect(box).to_be_focused()  # the person goes on where the two texts now are
    value = box.input_value()
    assert "Annas text" in value and "Bertils text" in value
    assert working_version(plan_id).content["ansvar"]["samordnare"] == value  # saved as it stands
    expect(second.locator("#save-status")).to_contain_text("Both texts are saved together in the box")
    assert autosaved(second, lambda: second.fill("#samordnare", "Annas och Bertils text i ett"),
                     autosave_of("samordnare")) == 200
    assert working_version(plan_id).content["ansvar"]["samordnare"] == "Annas och Bertils text i ett"


def test_a_colleague_with_the_same_section_open_is_named(live_server, new_page, seeded):
    first, second = two_people_on_ansvar(live_server, new_page)
    expect(second.locator("#presence")).to_have_text("Also on this page now: Demo editor")
    expect(first.locator("#presence")).to_have_text("")  # told on its next poll, 20 s on


def asks_before_leaving(page) -> bool:
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)  # does not wait: the page closes unless a question stops it
    for _ in range(50):
        if asked or page.is_closed():
            break
        try:
            page.wait_for_timeout(100)
        except PlaywrightError:  # it closed meanwhile: nothing was asked
            break
    return asked == ["beforeunload"]


def test_inline_validation_when_a_field_loses_focus(live_server, new_page, seeded):
    page = new_page()
    sign_in(page, live_server, "editor@demo.example")
    page.goto(live_server + url_for("wizard.section", plan_id=demo_plan().id, section_id="ansvar"))
    limit = plans.template_for("se-vbe").section("ansvar").field("politiskt_ansvar").max_length
    status = autosaved(page, lambda: (page.fill("#politiskt_ansvar", "y" * (limit + 5)),
                                      page.keyboard.press("Tab")))
    assert status == 422
    expect(page.locator("#politiskt_ansvar-error")).to_contain_text(f"at most {limit} characters")
    expect(page.locator("#save-status")).to_contain_text("Not saved")
    assert asks_before_leaving(page)  # a refused text is not saved: leaving asks first


def test_ticking_completed_with_answers_missing_marks_them_and_clears_the_tick(live_server, new_page, seeded):
    page = new_page()
    sign_in(page, live_server, "editor@demo.example")
    plan_id = create_plan(page, "Plan med luckor")
    page.goto(live_server + url_for("wizard.section", plan_id=plan_id, section_id="ansvar"))
    page.keyboard.press("Tab")  # focus starts on the page, as a person's would
    assert autosaved(page, lambda: page.check("#completed-yes")) == 422
    expect(page.locator("#completed-yes")).not_to_be_checked()  # no tick on the screen that was not stored
    expect(page.locator("#completed-error")).to_contain_text("not marked as completed")
    expect(page.locator("#samordnare-error")).to_contain_text("Answer this before marking")
    expect(page.locator("#completed-yes")).to_be_focused()  # the person is still where they were
    assert not asks_before_leaving(page)  # the screen shows what is stored: nothing to lose


def test_what_became_of_a_save_is_shown_next_to_the_typing(live_server, new_page, seeded):
    """On a long section the save status stays at the foot of the screen, for a save and for a refusal."""
    page = new_page()
    sign_in(page, live_server, "editor@demo.example")
    page.goto(live_server + url_for("wizard.section", plan_id=demo_plan().id, section_id="samverkan"))
    assert page.evaluate("document.documentElement.scrollHeight > 3 * window.innerHeight")  # a long page
    status = page.locator("#save-status")
    open_row(page, "aktorer", 0)
    assert autosaved(page, lambda: page.fill("#aktorer-0-name", "Polisen i Demo kommun")) == 200
    expect(status).to_contain_text("Saved")
    expect(status).to_be_in_viewport()
    membership = db.session.scalars(select(Membership).join(User).where(User.email == "editor@demo.example")).one()
    membership.role = "reviewer"  # an admin took the editing away meanwhile
    db.session.commit()
    assert autosaved(page, lambda: page.fill("#aktorer-0-name", "Polisen")) == 403
    expect(status).to_contain_text("you can no longer edit this plan")
    expect(status).to_be_in_viewport()


def test_the_wizard_can_be_completed_with_the_keyboard_alone(live_server, new_page, seeded):
    page = new_page()
    sign_in(page, live_server, "editor@demo.example")
    plan = demo_plan()
    template = plans.template_for("se-vbe")
    page.goto(live_server + url_for("wizard.overview", plan_id=plan.id))
    tab_to(page, lambda e: e["text"] == template.sections[0].title)
    page.keyboard.press("Enter")
    for section in template.sections:
        expect(page.get_by_role("heading", level=1)).to_have_text(section.title)
        if section.id == "ansvar":
            tab_to(page, lambda e: e["id"] == "samordnare")
            page.keyboard.press("Control+A")
            page.keyboard.type("Skrivet med tangentbordet")
        tab_to(page, lambda e: e["id"] == "completed-yes" or e["id"] == "completed-no")
        page.keyboard.press("Space" if page.evaluate("document.activeElement.id") == "completed-yes" else "ArrowUp")
        tab_to(page, lambda e: e["text"] == "Save and continue")
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    tab_to(page, lambda e: e["text"] == "Submit for review")
    page.keyboard.press("Enter")
    expect(page.locator(".tag--in_review").first).to_be_visible()
    version = working_version(plan.id)
    assert version.status == "in_review"
    assert version.content["ansvar"]["samordnare"] == "Skrivet med tangentbordet"


def test_typing_after_being_signed_out_is_kept_and_saved_once_signed_in_again(live_server, new_page, seeded):
    plan_id = demo_plan().id
    page = new_page()
    sign_in(page, live_server, "editor@demo.example")
    page.goto(live_server + url_for("wizard.section", plan_id=plan_id, section_id="ansvar"))
    page.context.clear_cookies()  # the session ends: it expired, or the person signed out in another tab
    assert autosaved(page, lambda: page.fill("#samordnare", "Skrivet efter utloggningen")) == 400
    expect(page.locator("#save-status")).to_contain_text("you have been signed out")
    expect(page.locator("#save-status a")).to_have_attribute("target", "_blank")
    expect(page.locator("#samordnare")).to_have_value("Skrivet efter utloggningen")  # still on the screen
    assert working_version(plan_id).content.get("ansvar", {}).get("samordnare") != "Skrivet efter utloggningen"

    other_tab = page.context.new_page()
    sign_in(other_tab, live_server, "editor@demo.example")
    with page.expect_response(is_autosave, timeout=30000) as answer:  # back in the first tab: it saves at once
        page.bring_to_front()
        page.evaluate("window.dispatchEvent(new Event('focus'))")
    assert answer.value.status == 200
    expect(page.locator("#save-status")).to_contain_text("Saved")
    assert working_version(plan_id).content["ansvar"]["samordnare"] == "Skrivet efter utloggningen"


def test_an_editor_made_reviewer_while_typing_is_told_in_place(live_server, new_page, seeded):
    """The role changed after the page was opened: the autosave is refused (403) and the save status says so,
    where the person is looking; the text stays on the screen."""
    plan_id = demo_plan().id
    page = new_page()
    sign_in(page, live_server, "editor@demo.example")
    page.goto(live_server + url_for("wizard.section", plan_id=plan_id, section_id="ansvar"))
    membership = db.session.scalars(select(Membership).join(User).where(User.email == "editor@demo.example")).one()
    membership.role = "reviewer"
    db.session.commit()
    assert autosaved(page, lambda: page.fill("#samordnare", "Skrivet efter rollbytet")) == 403
    expect(page.locator("#save-status")).to_contain_text("Not saved: you can no longer edit this plan.")
    screenshot(page, "role-changed-while-typing")
    expect(page.locator("#samordnare")).to_have_value("Skrivet efter rollbytet")
    assert working_version(plan_id).content.get("ansvar", {}).get("samordnare") != "Skrivet efter rollbytet"


def test_rows_without_javascript_in_a_completed_section_from_check_your_answers(live_server, new_page, seeded):
    """"Change" on check your answers leads to the answer and back; adding a row to a section marked completed
    works without JavaScript; the error for the row names the row and the field, and links to that input."""
    page = new_page(javascript=False)
    sign_in(page, live_server, "editor@demo.example")
    plan_id = create_plan(page, "Rader utan JavaScript")
    check = live_server + url_for("wizard.check", plan_id=plan_id)
    page.goto(check)
    page.get_by_role("link", name="Change Särskilda insatser").click()
    page.get_by_label("Yes, I have completed this section").check()
    page.get_by_role("button", name="Save and return to check your answers").click()
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    assert working_version(plan_id).section_state["sarskilda"]["completed"] is True

    page.get_by_role("link", name="Change Särskilda insatser").click()
    page.get_by_role("button", name="Add insats").click()
    expect(page.locator("#sarskilda_insatser-group .group__row")).to_have_count(1)
    page.get_by_role("button", name="Save and return to check your answers").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Insats 1: Insats")
    expect(summary.get_by_role("link", name=re.compile("^Insats 1: Insats"))).to_have_attribute(
        "href", "#sarskilda_insatser-0-title")
    expect(page.locator("#sarskilda_insatser-0-title")).to_be_visible()  # the row with the error is open
    page.fill("#sarskilda_insatser-0-title", "Mentorsprogram")
    page.get_by_role("button", name="Save and return to check your answers").click()
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    assert working_version(plan_id).content["sarskilda"]["sarskilda_insatser"][0]["title"] == "Mentorsprogram"
