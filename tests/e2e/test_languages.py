"""Languages in a real browser: a Danish coordinator works in Danish, and a plan document keeps its own language
when the person reading it has chosen English."""
from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

import pytest
from flask import url_for
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from planbuilder.extensions import db
from planbuilder.models import Plan, User
from planbuilder.services.plans import plans
from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import screenshot
from tests.e2e.helpers import autosaved, fill_section, sign_in
from tests.wizard_helpers import working_version

pytestmark = pytest.mark.one_database  # its database work is checked on both by the rest of the suite


def sign_in_in_the_municipalitys_language(page, base: str, email: str) -> None:
    """Sign in from an English browser as someone with no language of their own: the municipality's applies."""
    set_language(email, None)
    page.goto(base + url_for("auth.sign_in"))
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()  # signed out, the browser's English applies
    expect(page.get_by_role("heading", name="Handlingsplaner")).to_be_visible()


def set_language(email: str, language: str | None) -> None:
    db.session.scalar(select(User).where(User.email == email)).language = language
    db.session.commit()


def test_danish_editor_completes_the_concern_handling_section_in_danish(live_server, new_page, seeded):
    # No language of their own: Søndervig Kommune's Danish applies, although the browser asks for English.
    template = plans.template_for("dk-ekstremisme")
    section = template.section("bekymringer")
    number = template.section_number("bekymringer")  # as the document numbers it (the foreword has none)
    page = new_page()
    sign_in_in_the_municipalitys_language(page, live_server, "editor@soendervig.example")
    expect(page.locator("html")).to_have_attribute("lang", "da")

    page.fill("#title", "Handlingsplan 2027–2028")
    page.check("#template-dk-ekstremisme")
    page.get_by_role("button", name="Opret plan").click()
    expect(page.get_by_role("heading", name="Handlingsplan 2027–2028")).to_be_visible()
    plan_id = int(re.search(r"/plans/(\d+)$", page.url).group(1))
    expect(page.locator("#task-bekymringer-status")).to_have_text("Ikke påbegyndt")

    page.get_by_role("link", name=f"{number}. {section.title}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(section.title)
    expect(page.get_by_text(f"Afsnit {number} af {len(template.numbered_sections)}")).to_be_visible()
    expect(page.get_by_role("button", name="Gem og fortsæt")).to_be_visible()
    expect(page.get_by_text("Er du færdig med dette afsnit?")).to_be_visible()
    for field in section.fields:
        expect(page.locator("main")).to_contain_text(field.label)

    fill_section(page, section)
    expect(page.locator("#section-status")).to_have_text("I gang")
    status = autosaved(page, lambda: page.get_by_label("Ja, jeg er færdig med afsnittet").check())
    assert status == 200, page.locator(".field__error:visible").all_inner_texts()
    expect(page.locator("#section-status")).to_have_text("Færdig")
    screenshot(page, "section-bekymringer-da")

    page.get_by_role("button", name="Gem og fortsæt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(template.numbered_sections[number].title)

    page.goto(live_server + url_for("wizard.overview", plan_id=plan_id))
    expect(page.locator("#task-bekymringer-status")).to_have_text("Færdig")
    expect(page.get_by_text(f"1 af {len(template.sections)} afsnit færdige")).to_be_visible()
    expect(page.get_by_role("link", name="Forhåndsvis dokumentet")).to_be_visible()
    for english in ("Completed", "Save and continue", "Sign out", "sections completed"):
        expect(page.get_by_text(english)).to_have_count(0)
    screenshot(page, "task-list-da")

    answers = working_version(plan_id).content["bekymringer"]
    assert answers["modtagelse"] == "Svar på Modtagelse af bekymringer"
    assert answers["kilder"] == [section.field("kilder").options[0].value]


def squash(text: str) -> str:
    return re.sub(r"[\s\-\u2010\u00ad]+", "", unicodedata.normalize("NFKC", text))


def test_norwegian_plan_pdf_stays_norwegian_for_an_english_reader(live_server, new_page, seeded):
    set_language("editor@fjellvik.example", "en")
    plan = db.session.scalar(select(Plan).where(Plan.template_id == "no-vbe"))
    page = new_page()
    sign_in(page, live_server, "editor@fjellvik.example")
    page.goto(live_server + url_for("wizard.overview", plan_id=plan.id))
    page.get_by_role("link", name="Preview the document").click()

    # The page around the document is in the reader's English; the document itself is Norwegian.
    expect(page.get_by_role("heading", name="Plan document", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Back to the plan")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".document-preview")).to_contain_text("Innhold")
    expect(page.locator(".document-preview")).not_to_contain_text("Contents")

    with page.expect_download(timeout=60000) as download:
        page.get_by_role("link", name="PDF – Internal edition").click()
    assert download.value.suggested_filename.endswith(".pdf")
    reader = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = "".join(squash(p.extract_text()) for p in reader.pages)
    assert "Innhold" in text and re.search(r"Side\d+av\d+", text)
    assert "internutgave" in text.lower()
    for english in ("Contents", "Page2of", "Internaledition", "Notfilledin"):
        assert english.lower() not in text.lower(), english


def test_the_norwegian_domestic_violence_plan_is_walked_and_submitted_in_norwegian(live_server, new_page, seeded):
    """The no-vnr demo plan, section by section in the browser: every page in Norwegian, every required answer
    there, the check page clean and the plan sent for review."""
    template = plans.template_for("no-vnr")
    plan = db.session.scalar(select(Plan).where(Plan.template_id == "no-vnr"))
    page = new_page()
    sign_in_in_the_municipalitys_language(page, live_server, "editor@fjellvik.example")  # Fjellvik's Norwegian
    page.goto(live_server + url_for("wizard.overview", plan_id=plan.id))
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    page.get_by_role("link", name=template.sections[0].title, exact=True).click()
    for section in template.sections:
        expect(page.get_by_role("heading", level=1)).to_have_text(section.title)
        page.get_by_role("button", name="Lagre og fortsett").click()
    expect(page.get_by_role("heading", name="Sjekk svarene dine")).to_be_visible()
    expect(page.get_by_text("Alle obligatoriske svar er fylt ut.")).to_be_visible()
    screenshot(page, "check-no-vnr")
    page.get_by_role("button", name="Send til gjennomgang").click()
    expect(page.locator(".tag--in_review").first).to_have_text("Til gjennomgang")
    assert working_version(plan.id).status == "in_review"
