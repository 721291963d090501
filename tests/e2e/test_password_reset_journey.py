"""A forgotten password in a real browser, with a real SMTP server: from the sign-in page to the mail's link, a
new password refused and then chosen, and the used link refused; axe finds nothing serious on any of the pages."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask import url_for
from playwright.sync_api import expect

from tests.e2e.helpers import sign_in
from tests.e2e.test_accessibility import serious_violations

pytestmark = pytest.mark.one_database  # its database work is checked on both by the rest of the suite

EDITOR = "editor@demo.example"
NEW_PASSWORD = "cloudberry lantern meadow"


def test_a_forgotten_password_is_chosen_anew_through_the_mailed_link(app, live_server, new_page, seeded, inbox):
    page = new_page()
    page.goto(live_server + url_for("auth.sign_in"))
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", name="Forgotten password")).to_be_visible()
    assert serious_violations(page) == []

    page.get_by_role("button", name="Send the link").click()  # nothing typed: told next to the box
    expect(page.locator(".error-summary")).to_contain_text("Enter your e-mail address.")
    assert serious_violations(page) == []
    page.get_by_label("E-mail address").fill(EDITOR)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    assert serious_violations(page) == []

    assert app.test_cli_runner().invoke(args=["mail", "send"]).exit_code == 0
    [message] = inbox.to(EDITOR)
    [link] = re.findall(r"https?://\S+/reset-password/\S+", message.get_body(("plain",)).get_content())
    path = urlsplit(link).path
    page.goto(live_server + path)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert serious_violations(page) == []

    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill("cloudberry lantern")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_text("Sign in with the new password")).to_be_visible()
    sign_in(page, live_server, EDITOR, NEW_PASSWORD)

    page.goto(live_server + path)  # a link works once
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()
    assert serious_violations(page) == []
