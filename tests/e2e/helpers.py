"""Actions a person takes in the browser, shared by the browser tests."""
from __future__ import annotations

import re

from flask import url_for
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from planbuilder.plan_templates import Field
from tests.conftest import DEMO_PASSWORD
from tests.wizard_helpers import demo_plan


def sign_in(page: Page, base: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(base + url_for("auth.sign_in"))
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Action plans")).to_be_visible()


def is_autosave(response) -> bool:
    return response.request.method == "POST" and "/sections/" in response.url


def autosave_of(field_id: str):
    """A predicate for the autosave of one field (not any save the page sends meanwhile)."""
    return lambda response: is_autosave(response) and f"_autosave={field_id}&" in (response.request.post_data
                                                                                 or "") + "&"


def is_row_action(response) -> bool:
    return is_autosave(response) and "_action=" in (response.request.post_data or "")


def autosaved(page: Page, action, predicate=is_autosave) -> int:
    """Do something that saves and wait until the server has answered; returns the HTTP status."""
    try:
        with page.expect_response(predicate, timeout=30000) as answer:  # generous: CI machines are busy
            action()
    except PlaywrightTimeoutError:
        print("htmx state of the forms:", page.evaluate(HTMX_STATE))
        raise
    return answer.value.status


# What htmx holds for each form (it keeps its state on the element): a request in flight that never ended, or
# requests queued behind it, tell a lost autosave from a slow server.
HTMX_STATE = """() => Array.from(document.forms).map(form => {
    const data = form['htmx-internal-data'] || {};
    return {action: form.action, inFlight: data.xhr ? data.xhr.readyState : null,
            queued: data.queuedRequests ? data.queuedRequests.length : 0,
            focused: document.activeElement && document.activeElement.id,
            lists: Array.from(form.querySelectorAll('[hx-post]')).filter(e => e.tagName == 'OL').map(e => {
                const d = e['htmx-internal-data'] || {};
                return {id: e.parentNode.id, keys: Object.keys(d), listeners: (d.listenerInfos || []).length,
                        delayed: !!d.delayed, cls: e.className, inBody: document.body.contains(e)};
            })};
})"""


def create_plan(page: Page, title: str, template_id: str = "se-vbe") -> int:
    page.fill("#title", title)
    page.check(f"#template-{template_id}")
    page.get_by_role("button", name="Create plan").click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    return int(re.search(r"/plans/(\d+)$", page.url).group(1))


def fill_value(page: Page, field: Field, element_id: str, text: str) -> None:
    """Give one field a valid answer the way a person would (type, tick, pick), waiting for its autosave; what to
    type follows the input the field's type draws, not the type's name."""
    if field.kind.widget in ("radio", "checkboxes"):
        autosaved(page, lambda: page.check(f"#{element_id}-0"))
        return
    box = page.locator(f"#{element_id}")
    kind = box.get_attribute("inputmode") or box.get_attribute("type")  # a number is a text box for decimals
    answer = SAMPLE_INPUT.get(kind or "", text[: field.max_length or 300])
    assert autosaved(page, lambda: page.fill(f"#{element_id}", answer)) == 200, element_id


SAMPLE_INPUT = {"date": "2027-03-15", "decimal": "3,5"}


def add_row(page: Page, group_id: str) -> int:
    """Adds a custom row to a group; returns its index."""
    rows = page.locator(f"#{group_id}-group .group__row")
    before = rows.count()
    autosaved(page, lambda: page.locator(f'button[value="add:{group_id}"]').click(), is_row_action)
    expect(rows).to_have_count(before + 1)
    settled(page, group_id)
    return before


def open_row(page: Page, group_id: str, index: int) -> None:
    """Opens a row's folded card (a written row shows only its title and key facts) with "Change", as a person
    does before changing it; a row already open stays open."""
    card = page.locator(f"#{group_id}-group .group__row").nth(index).locator("details.group__card")
    if card.get_attribute("open") is None:
        card.locator("summary.group__summary").click()
    expect(card).to_have_attribute("open", "")


def tick_in_list(page: Page, group_id: str, *entry_ids: str) -> None:
    """Opens a group's "Add from the list" (folded) and ticks the given catalogue entries."""
    picker = page.locator(f"#{group_id}-pick")
    if picker.get_attribute("open") is None:
        picker.locator("summary").click()
    for entry_id in entry_ids:
        page.check(f"#{group_id}-pick-{entry_id}")


def pick_row(page: Page, group_id: str, *entry_ids: str) -> None:
    rows = page.locator(f"#{group_id}-group .group__row")
    before = rows.count()
    tick_in_list(page, group_id, *entry_ids)
    autosaved(page, lambda: page.locator(f'button[value="pick:{group_id}"]').click(), is_row_action)
    expect(rows).to_have_count(before + len(entry_ids))
    settled(page, group_id)


def settled(page: Page, group_id: str) -> None:
    """htmx has finished with the swapped-in rows (the row message takes focus after settling), so typing in
    them now triggers autosave, as it does for a person."""
    expect(page.locator(f"#{group_id}-group .group__message")).to_be_focused()


def fill_section(page: Page, section, skip_groups: tuple[str, ...] = ()) -> None:
    """Answers every field of a section through autosave; each group gets one row with its required answers."""
    for field in section.fields:
        if field.is_group:
            if field.id in skip_groups:
                continue
            index = add_row(page, field.id)
            for sub in field.fields:
                if sub.required:
                    fill_value(page, sub, f"{field.id}-{index}-{sub.id}", f"{sub.label} (rad {index + 1})")
        else:
            fill_value(page, field, field.id, f"Svar på {field.label}")


def mark_completed(page: Page) -> None:
    status = autosaved(page, lambda: page.check("#completed-yes"))
    assert status == 200, page.locator(".field__error:visible").all_inner_texts()
    expect(page.locator("#section-status")).to_have_text("Completed")


def tab_to(page: Page, matches, limit: int = 400) -> None:
    """Press Tab until the focused element satisfies matches(info) (info: id, text, value, tag)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => { const e = document.activeElement;
            return {id: e.id, text: (e.innerText || '').trim(), value: e.value || '', tag: e.tagName}; }""")
        if matches(info):
            return
    raise AssertionError("could not reach the element with the keyboard")


def two_people_on_ansvar(live_server, new_page):
    """The demo editor (first) and the demo admin (second), each in a browser of their own, with the demo plan's
    Ansvar section open."""
    first, second = new_page(), new_page()
    sign_in(first, live_server, "editor@demo.example")
    sign_in(second, live_server, "admin@demo.example")
    url = live_server + url_for("wizard.section", plan_id=demo_plan().id, section_id="ansvar")
    first.goto(url)
    second.goto(url)
    return first, second
