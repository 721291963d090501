"""Two people on one section in real browsers: a colleague's answer comes in place where the person is not
working, and never over what they are typing; reloading a page while a save is waiting loses nothing."""
from __future__ import annotations

from flask import url_for
from playwright.sync_api import expect

from tests.e2e.helpers import autosave_of, autosaved, sign_in, two_people_on_ansvar
from tests.wizard_helpers import demo_plan, working_version


def poll(page) -> None:
    """The presence poll, now rather than in 20 seconds; waits for its answer to be put in place."""
    with page.expect_response(lambda response: "/presence" in response.url):
        page.evaluate("document.body.dispatchEvent(new CustomEvent('planbuilder:poll'))")
    page.wait_for_timeout(200)  # htmx settles the swap a moment after the answer


def test_a_colleagues_answer_comes_in_place_and_can_be_edited_on(live_server, new_page, seeded):
    plan_id = demo_plan().id
    first, second = two_people_on_ansvar(live_server, new_page)
    assert autosaved(second, lambda: second.fill("#samordnare", "Bertils text")) == 200
    first.focus("#samordnare_budget")  # working elsewhere on the page
    poll(first)
    expect(first.locator("#samordnare")).to_have_value("Bertils text")
    expect(first.locator("#refresh-status")).to_have_text(
        "Updated: Samordnarens roll och uppdrag – changed by a colleague")
    expect(first.locator("#samordnare_budget")).to_be_focused()  # the person's place is kept
    # The field put in place autosaves as before, from Bertil's text: no conflict.
    assert autosaved(first, lambda: first.fill("#samordnare", "Bertils text, med Annas tillägg"),
                     autosave_of("samordnare")) == 200
    assert working_version(plan_id).content["ansvar"]["samordnare"] == "Bertils text, med Annas tillägg"
    poll(second)  # Bertil still has the focus in the field: his page leaves it as it is...
    expect(second.locator("#samordnare")).to_have_value("Bertils text")
    second.focus("#samordnare_budget")
    poll(second)  # ...until he has moved on
    expect(second.locator("#samordnare")).to_have_value("Bertils text, med Annas tillägg")


def test_an_answer_being_typed_is_not_replaced(live_server, new_page, seeded):
    plan_id = demo_plan().id
    first, second = two_people_on_ansvar(live_server, new_page)
    assert autosaved(second, lambda: second.fill("#samordnare", "Bertils text")) == 200
    first.fill("#samordnare", "Anna skriver")  # her page has not heard of Bertil's yet: she is typing when it does
    poll(first)
    expect(first.locator("#samordnare")).to_have_value("Anna skriver")
    expect(first.locator("#samordnare")).to_be_focused()
    # Her save is then the merge's to settle: told of Bertil's answer, nothing written over it unseen.
    status = autosaved(first, lambda: first.keyboard.type(" vidare"), autosave_of("samordnare"))
    assert status == 409
    expect(first.locator("#samordnare-error")).to_contain_text("Bertils text")
    assert working_version(plan_id).content["ansvar"]["samordnare"] == "Bertils text"
    first.focus("#samordnare_budget")
    poll(first)  # refused, so still unsaved: not replaced either
    expect(first.locator("#samordnare")).to_have_value("Anna skriver vidare")


def test_reloading_while_typing_keeps_the_newest_text_and_saves_on(live_server, new_page, seeded):
    plan_id = demo_plan().id
    page = new_page()
    sign_in(page, live_server, "editor@demo.example")
    page.goto(live_server + url_for("wizard.section", plan_id=plan_id, section_id="ansvar"))
    assert autosaved(page, lambda: page.fill("#samordnare", "Första texten"), autosave_of("samordnare")) == 200
    page.on("dialog", lambda dialog: dialog.accept())  # "Leave the page?" – yes
    page.fill("#samordnare", "Den nyaste texten")
    # Reloaded within the autosave's pause: the reloaded page puts the text back and saves it.
    assert autosaved(page, page.reload, autosave_of("samordnare")) == 200
    expect(page.locator("#samordnare")).to_have_value("Den nyaste texten")
    assert working_version(plan_id).content["ansvar"]["samordnare"] == "Den nyaste texten"
    assert autosaved(page, lambda: page.fill("#samordnare", "Och sedan en till"), autosave_of("samordnare")) == 200
    assert working_version(plan_id).content["ansvar"]["samordnare"] == "Och sedan en till"


def test_reloading_as_the_save_is_sent_is_no_conflict_with_itself(live_server, new_page, seeded):
    plan_id = demo_plan().id
    page = new_page()
    sign_in(page, live_server, "editor@demo.example")
    page.goto(live_server + url_for("wizard.section", plan_id=plan_id, section_id="ansvar"))
    page.on("dialog", lambda dialog: dialog.accept())
    for round_ in range(3):  # the save and the reload arrive in either order
        text = f"Text {round_}, sparad i samma stund som sidan laddas om"
        page.fill("#samordnare", text)
        page.evaluate("htmx.trigger('#samordnare-wrapper', 'change')")  # the save is on its way...
        page.reload()  # ...as the page loads again
        expect(page.locator("#samordnare")).to_have_value(text)
        page.wait_for_load_state("networkidle")
        edited = text + "!"
        assert autosaved(page, lambda value=edited: page.fill("#samordnare", value), autosave_of("samordnare")) == 200
        assert working_version(plan_id).content["ansvar"]["samordnare"] == edited


def test_typing_put_back_after_a_reload_is_not_saved_over_a_colleagues(live_server, new_page, seeded):
    plan_id = demo_plan().id
    first, second = two_people_on_ansvar(live_server, new_page)
    first.on("dialog", lambda dialog: dialog.accept())
    assert autosaved(second, lambda: second.fill("#samordnare", "Bertils text")) == 200
    first.fill("#samordnare", "Annas text")  # Anna has not seen Bertil's yet, and reloads before her save
    status = autosaved(first, first.reload, autosave_of("samordnare"))
    expect(first.locator("#samordnare")).to_have_value("Annas text")
    assert status == 409  # the reloaded page showed Bertil's, yet Anna is told, not written over him
    expect(first.locator("#samordnare-error")).to_contain_text("Bertils text")
    assert working_version(plan_id).content["ansvar"]["samordnare"] == "Bertils text"
