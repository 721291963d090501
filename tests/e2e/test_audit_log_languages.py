"""The audit log read in a browser in each interface language: every event one sentence in the reader's
language (the demo's adoption, correction and publication among them), and axe finds nothing serious."""
from __future__ import annotations

import pytest
from flask import url_for
from playwright.sync_api import expect

from planbuilder.extensions import db
from planbuilder.services.people import accounts
from tests.e2e.helpers import sign_in
from tests.e2e.test_accessibility import serious_violations

pytestmark = pytest.mark.one_database  # its database work is checked on both by the rest of the suite

# A sentence of the demo's log in each language: its plan was published, and its decision corrected.
SENTENCES = {
    "sv": ("publicerade den offentliga utgåvan av", "rättade det registrerade beslutet för"),
    "nb": ("publiserte den offentlige utgaven av", "rettet det registrerte vedtaket for"),
    "da": ("offentliggjorde den offentlige udgave af", "rettede den registrerede beslutning for"),
    "en": ("published the public edition of", "corrected the recorded decision of"),
}


@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_the_audit_log_reads_as_sentences_in_the_readers_language(live_server, new_page, seeded, language):
    page = new_page()
    sign_in(page, live_server, "admin@demo.example")
    admin = accounts.find_user("admin@demo.example")
    admin.language = language  # as chosen on the account page
    db.session.commit()
    page.goto(live_server + url_for("admin.audit"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    for fragment in SENTENCES[language]:
        expect(page.locator("main")).to_contain_text(fragment)
    assert serious_violations(page) == []
