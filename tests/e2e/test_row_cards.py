"""Rows of a repeating group as short cards in a real browser: folded once written, opened in place to change."""
from __future__ import annotations

import pytest
from flask import url_for
from playwright.sync_api import expect

from tests.e2e.helpers import autosave_of, autosaved, sign_in, tab_to
from tests.wizard_helpers import demo_plan, working_version

pytestmark = pytest.mark.one_database  # its database work is checked on both by the rest of the suite

# A folded card is its title and a line of key facts; a written actor used to take about 1,200 px.
CARD_HEIGHT = 110


def test_written_rows_are_short_cards_that_open_in_place_to_change(live_server, new_page, seeded):
    page = new_page()
    sign_in(page, live_server, "editor@demo.example")
    plan_id = demo_plan().id
    page.goto(live_server + url_for("wizard.section", plan_id=plan_id, section_id="samverkan"))
    rows = page.locator("#aktorer-group .group__row")
    count = rows.count()
    assert count >= 5
    police = rows.nth(0).locator("summary.group__summary")
    expect(police).to_contain_text("Aktör 1: Polisen, lokalpolisområde Ekdala")
    expect(police).to_contain_text("Kommunpolisen, via polisens växel 114 14 · Månadsvis · Finns")  # key facts
    expect(police.get_by_text("Change", exact=True)).to_be_visible()
    expect(police.get_by_text("Close", exact=True)).to_be_hidden()
    for index in range(count):  # every written row is folded: none of its inputs takes room
        expect(page.locator(f"#aktorer-{index}-name")).to_be_hidden()
    cards = page.locator("#aktorer-group .group__rows").bounding_box()["height"]
    assert cards < CARD_HEIGHT * count, cards

    # "Change" opens the row in place; what is typed there autosaves as ever.
    police.get_by_text("Change", exact=True).click()
    expect(page.locator("#aktorer-0-name")).to_be_visible()
    expect(police.get_by_text("Close", exact=True)).to_be_visible()
    assert autosaved(page, lambda: page.fill("#aktorer-0-contact_function", "Kommunpolisen Ekdala"),
                     autosave_of("aktorer")) == 200
    assert working_version(plan_id).content["samverkan"]["aktorer"][0]["contact_function"] == "Kommunpolisen Ekdala"
    expect(page.locator("#aktorer-1-name")).to_be_hidden()  # the others stay folded

    # By keyboard: the card's summary takes focus; Enter opens it, Space closes it, and the opened row is next
    # in the tab order.
    school = rows.nth(1).locator("summary.group__summary")
    school.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#aktorer-1-name")).to_be_visible()
    page.keyboard.press("Space")
    expect(page.locator("#aktorer-1-name")).to_be_hidden()
    page.keyboard.press("Space")
    tab_to(page, lambda e: e["id"] == "aktorer-1-name", limit=5)
    page.keyboard.press("End")  # tabbing in selects the text
    assert autosaved(page, lambda: page.keyboard.type(" i Ekdala"), autosave_of("aktorer")) == 200
    assert working_version(plan_id).content["samverkan"]["aktorer"][1]["name"] == \
        "Barn- och utbildningsförvaltningen i Ekdala"

def test_cards_fit_a_phone_screen(live_server, new_page, seeded):
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "editor@demo.example")
    page.goto(live_server + url_for("wizard.section", plan_id=demo_plan().id, section_id="samverkan"))
    expect(page.locator("#aktorer-group .group__row").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    cue = page.locator("#aktorer-group .group__row").first.get_by_text("Change", exact=True)
    box = cue.bounding_box()
    assert box["x"] + box["width"] <= 390
