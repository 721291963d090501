"""Languages: every UI string is translated in every catalogue, pages read wholly in the user's language, the plan
document is in its template's language whatever the reader's, and the locale is chosen in the documented order.

The catalogues are checked against the strings the source holds *now* (babel's extraction, run in-process with
babel.cfg), so adding a _("…") without translating it fails here, not in front of a Danish coordinator.
"""
from __future__ import annotations

import functools
import html
import io
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from conftest import page_text, sign_in_as
from document_helpers import pdf_text, squash
from flask import url_for
from flask_babel import force_locale, gettext
from sqlalchemy import select

from planbuilder.extensions import db
from planbuilder.locales import ui_languages
from planbuilder.models import Municipality, Plan, PlanVersion, User
from planbuilder.services.plans import plans

REPO = Path(__file__).resolve().parents[1]
CATALOGUES = REPO / "planbuilder" / "translations"
UI_LANGUAGES = ui_languages()  # found from the catalogues present, as the app finds them
NORDIC = ("sv", "nb", "da")
# The keywords the extraction command uses (pybabel extract -k _l -k lazy_gettext), plus flask_babel's lazy plural.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
# %(name)s and its kin, and a bare %s or %d; "%%" is a literal percent sign and must match too.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")
EXTRACT = ("pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -o /tmp/messages.pot . && "
           "pybabel update -i /tmp/messages.pot -d planbuilder/translations --no-fuzzy-matching")
# Words that really are the same in the language as in English; anything else with msgstr == msgid is a copy.
SAME_AS_ENGLISH = {
    "PDF", "Word (DOCX)", "SHA-256", "Status", "Person", "Plan", "Version", "Version %(label)s",
    "version %(label)s", "%(field)s: %(problem)s", "Download", "Start revision", "revision %(label)s: %(status)s",
    "%(plan)s, version %(label)s", "%(period)s, revision %(number)s",
}


# ---- the catalogues against the source --------------------------------------------------------------------------

@functools.cache
def extracted_messages() -> dict[str | tuple[str, str], list[str]]:
    """Every message the source holds, as pybabel extract finds it: msgid (a tuple for plurals) -> where."""
    with (REPO / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[str | tuple[str, str], list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(str(REPO), method_map, options_map,
                                                                          keywords=KEYWORDS):
        msgid = tuple(message[:2]) if isinstance(message, (tuple, list)) else message
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


@functools.cache
def catalogue(language: str) -> Catalog:
    with (CATALOGUES / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def translation_problems(messages, catalog: Catalog) -> list[str]:
    """What keeps the catalogue from translating every message: missing, fuzzy, empty, wrong placeholders."""
    problems = []
    for msgid, where in messages.items():
        plural = isinstance(msgid, tuple)
        shown = f"{msgid[0] if plural else msgid!r} ({', '.join(where[:2])})"
        entry = catalog.get(msgid)
        if entry is None:
            problems.append(f"no entry: {shown}")
            continue
        if entry.fuzzy:
            problems.append(f"fuzzy: {shown}")
            continue
        forms = tuple(entry.string) if isinstance(entry.string, (tuple, list)) else (entry.string,)
        if plural and len(forms) != catalog.num_plurals:
            problems.append(f"{len(forms)} plural forms instead of {catalog.num_plurals}: {shown}")
        if not all(form and form.strip() for form in forms):
            problems.append(f"not translated: {shown}")
            continue
        expected = placeholders(msgid[-1] if plural else msgid)
        for form in forms:
            if placeholders(form) != expected:
                problems.append(f"placeholders {placeholders(form)} instead of {expected}: {shown} -> {form!r}")
    return problems


def test_extraction_finds_python_template_and_plural_strings():
    messages = extracted_messages()
    places = {where.split(":")[0] for spots in messages.values() for where in spots}
    assert "Save and continue" in messages  # a template
    assert "Enter your e-mail address." in messages  # a lazy form label in Python
    assert "Contents" in messages  # the plan document's own templates
    assert ("%(num)s comment", "%(num)s comments") in messages  # ngettext in a template
    assert ("%(num)s section changed", "%(num)s sections changed") in messages  # ngettext in Python
    assert any(p.startswith("templates/documents/") for p in places)
    assert any(p.startswith("planbuilder/views/") for p in places)


@pytest.mark.parametrize("language", UI_LANGUAGES)
def test_every_source_string_is_translated(language):
    problems = translation_problems(extracted_messages(), catalogue(language))
    assert not problems, (f"{len(problems)} strings lack a {language} translation. Run\n  {EXTRACT}\nthen "
                          f"translate the new entries of planbuilder/translations/*/LC_MESSAGES/messages.po:\n"
                          + "\n".join(problems[:40]))


@pytest.mark.parametrize("language", NORDIC)
def test_translations_are_not_english_copies(language):
    copies = [m.id for m in catalogue(language) if m.id
              and (tuple(m.string) == tuple(m.id) if m.pluralizable else m.string == m.id)
              and (m.id[0] if m.pluralizable else m.id) not in SAME_AS_ENGLISH]
    assert not copies, f"msgstr is the English msgid (add to SAME_AS_ENGLISH only if the word is the same): {copies}"


@pytest.mark.parametrize("language", UI_LANGUAGES)
def test_catalogue_headers_and_compiles(language):
    catalog = catalogue(language)
    assert str(catalog.locale) == language
    assert catalog.num_plurals == 2 and catalog.plural_expr.replace(" ", "") == "(n!=1)"
    assert not catalog.fuzzy, "a fuzzy header makes gettext ignore the whole catalogue"
    write_mo(io.BytesIO(), catalog, use_fuzzy=False)  # what planbuilder.i18n does at start-up


def test_the_check_catches_what_a_forgotten_translation_looks_like():
    """The check above is only worth something if it fails: a crafted catalogue with each kind of mistake."""
    messages = {"Save and continue": ["a.html:1"], "Saved %(time)s": ["b.py:2"], "Sign out": ["c.html:3"],
                ("%(num)s comment", "%(num)s comments"): ["d.html:4"], "Brand new string": ["e.py:5"],
                "Check your answers": ["f.html:6"]}
    catalog = Catalog(locale="sv")
    catalog.add("Save and continue", "Spara och fortsätt")
    catalog.add("Saved %(time)s", "Sparat %(tid)s", flags=["python-format"])
    catalog.add("Sign out", "Logga ut", flags=["fuzzy"])
    catalog.add(("%(num)s comment", "%(num)s comments"), ("%(num)s kommentar", ""))
    catalog.add("Check your answers", "")
    problems = translation_problems(messages, catalog)
    assert len(problems) == 5, problems
    assert any(p.startswith("placeholders") and "Saved" in p for p in problems)
    assert any(p.startswith("fuzzy") and "Sign out" in p for p in problems)
    assert any(p.startswith("not translated") and "comment" in p for p in problems)
    assert any(p.startswith("no entry") and "Brand new string" in p for p in problems)
    assert any(p.startswith("not translated") and "Check your answers" in p for p in problems)
    # And the real catalogues fail the moment the source gains a string nobody translated.
    grown = {**extracted_messages(), "A string added this morning": ["planbuilder/views/new.py:1"]}
    for language in UI_LANGUAGES:
        assert translation_problems(grown, catalogue(language)) == [
            "no entry: 'A string added this morning' (planbuilder/views/new.py:1)"]


# ---- pages in every UI language ---------------------------------------------------------------------------------

EDITORS = {"se-vbe": "editor@demo.example", "no-vbe": "editor@fjellvik.example",
           "no-vnr": "editor@fjellvik.example", "dk-ekstremisme": "editor@soendervig.example"}
# Phrases a page must never show in Swedish, Norwegian or Danish (the catalogue adds every other English phrase).
KNOWN_ENGLISH = ["Save and continue", "Check your answers", "There is a problem", "Sign out", "Skip to main content",
                 "Back to the task list", "Preview the document", "Have you completed this section?", "Completed",
                 "Not started", "In progress", "Sections", "Previous", "Next", "(required)", "Not filled in",
                 "Submit for review", "Plans", "Change", "Show an example", "Add from the list"]
KEY_PHRASE = {"section": "Save and continue", "check": "Check your answers", "overview": "Preview the document"}


def readable(response) -> str:
    return html.unescape(page_text(response))


def folded(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@functools.cache
def english_phrases(language: str) -> tuple[str, ...]:
    """English UI text that must not appear on a page in this language: the known list, and every literal run of
    two words or more in a msgid whose translation differs (placeholders split a msgid into runs)."""
    phrases = set(KNOWN_ENGLISH)
    for message in catalogue(language):
        if not message.id:
            continue
        ids = message.id if message.pluralizable else (message.id,)
        translated = " ".join(message.string if message.pluralizable else (message.string,))
        for msgid in ids:
            for run in PLACEHOLDER.split(msgid):
                run = run.strip(" .,;:–()'\"“”›")
                if len(run.split()) >= 2 and run not in translated:
                    phrases.add(run)
    return tuple(sorted(phrases))


def english_in(text: str, language: str) -> list[str]:
    return [p for p in english_phrases(language) if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text)]


def plan_for(template_id: str) -> Plan:
    """The demo plan of a template; where the demo has none, Fjellvik's editor starts one."""
    plan = db.session.scalar(select(Plan).where(Plan.template_id == template_id).order_by(Plan.id))
    if plan is None:
        editor = db.session.scalar(select(User).where(User.email == EDITORS[template_id]))
        fjellvik = db.session.scalar(select(Municipality).where(Municipality.name == "Fjellvik kommune"))
        plan = plans.create_plan(fjellvik, template_id, plans.template_for(template_id).title, editor)
    return plan


def set_language(email: str, language: str | None) -> None:
    db.session.scalar(select(User).where(User.email == email)).language = language
    db.session.commit()


def in_language(response, language: str, kind: str) -> str:
    """The page's text, after checking it is wholly in the language: lang attribute, key phrase, no English."""
    where = (language, kind, response.request.path)
    assert response.status_code == 200, (where, response.status_code)
    assert f'<html lang="{language}">' in response.get_data(as_text=True), where
    text = readable(response)
    with force_locale(language):
        assert gettext(KEY_PHRASE[kind]) in text, (where, gettext(KEY_PHRASE[kind]))
    if language != "en":
        assert english_in(text, language) == [], where
    return text


def answered_rows(version: PlanVersion, section, field) -> list:
    return ((version.content or {}).get(section.id) or {}).get(field.id) or []


def missing_template_text(text: str, version: PlanVersion, section) -> list[str]:
    """Labels of the template this section page does not show: section title, fields, options, row fields."""
    template = plans.template_for(version.template_id)
    wanted = [section.title]
    for field in section.fields:
        wanted.append(field.label)
        wanted += [option.label for option in field.options]
        if field.type == "catalogue":
            wanted += [entry.name for entry in template.catalogues.get(field.catalogue or "", ())]
        if field.is_group and answered_rows(version, section, field):
            for sub in field.fields:
                wanted.append(sub.label)
                wanted += [option.label for option in sub.options]
    return [w for w in wanted if folded(w) not in text]


@pytest.mark.one_database  # words on pages; the pages' database work is checked on both by the wizard's tests
@pytest.mark.parametrize("template_id", sorted(EDITORS))
def test_wizard_pages_in_every_ui_language(client, seeded, template_id):
    """Task list, every section page and check-your-answers, read by the editor in each UI language in turn."""
    plan = plan_for(template_id)
    version = plans.latest_version(plan)
    template = plans.template_for(template_id)
    sign_in_as(client, EDITORS[template_id])
    for language in UI_LANGUAGES:
        set_language(EDITORS[template_id], language)
        overview = in_language(client.get(url_for("wizard.overview", plan_id=plan.id)), language, "overview")
        assert [s.title for s in template.sections if folded(s.title) not in overview] == [], language

        for section in template.sections:
            text = in_language(client.get(url_for("wizard.section", plan_id=plan.id, section_id=section.id)),
                               language, "section")
            assert missing_template_text(text, version, section) == [], (language, section.id)

        check = in_language(client.get(url_for("wizard.check", plan_id=plan.id)), language, "check")
        labels = [s.title for s in template.sections] + [f.label for s in template.sections for f in s.fields]
        assert [label for label in labels if folded(label) not in check] == [], language


# ---- the plan document follows its template, not the reader -----------------------------------------------------

DOCUMENT_WORDS = {"sv": ("Innehåll", r"Sida\d+av\d+"), "nb": ("Innhold", r"Side\d+av\d+"),
                  "da": ("Indhold", r"Side\d+af\d+")}
# A reader whose UI language differs from the plan's: English for the internal edition, a neighbour for the public.
NEIGHBOUR = {"sv": "da", "nb": "sv", "da": "nb"}
ENGLISH_DOCUMENT_TEXTS = ["Contents", "Page 2 of", "Internal edition", "Public edition", "Not filled in",
                          "This edition", "Adopted by", "Decision date"]


def document_texts(language: str) -> list[str]:
    with force_locale(language):
        return [gettext("Contents"), gettext("Internal edition"), gettext("Public edition")]


@pytest.mark.parametrize("template_id", sorted(EDITORS))
def test_pdf_editions_are_in_the_templates_language_whatever_the_ui_language(client, seeded, template_id):
    plan = plan_for(template_id)
    template = plans.template_for(template_id)
    ours = template.language
    version = plans.latest_version(plan)
    sign_in_as(client, EDITORS[template_id])
    # The preview page, in every UI language: its own texts are the reader's, the document's are the plan's.
    for reader in UI_LANGUAGES:
        set_language(EDITORS[template_id], reader)
        body = client.get(url_for("documents.preview", version_id=version.id)).get_data(as_text=True)
        around, document = body.split('class="document-preview"', 1)
        assert f'<html lang="{reader}">' in around
        document = folded(html.unescape(re.sub(r"<[^>]+>", " ", document)))
        assert document_texts(ours)[0] in document, reader
        if reader != ours:
            with force_locale(reader):
                assert gettext("Plan document") in html.unescape(around), reader
            assert document_texts(reader)[0] not in document, reader

    # Each PDF edition once (a render takes seconds), read by someone whose UI is in another language.
    for edition, reader in (("internal", "en"), ("public", NEIGHBOUR[ours])):
        set_language(EDITORS[template_id], reader)
        preview = client.get(url_for("documents.preview", version_id=version.id, edition=edition))
        assert f'<html lang="{reader}">' in preview.get_data(as_text=True)  # the page around it is the reader's
        response = client.get(url_for("documents.pdf", version_id=version.id, edition=edition))
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        text = pdf_text(response.data)
        lower = text.lower()  # the cover sets some labels in capitals

        contents, page_of = DOCUMENT_WORDS[ours]
        assert contents in text and re.search(page_of, text), (edition, text[:300])
        edition_text = document_texts(ours)[1 if edition == "internal" else 2]
        assert squash(edition_text).lower() in lower, edition
        assert [e for e in ENGLISH_DOCUMENT_TEXTS if squash(e).lower() in lower] == [], (edition, reader)
        if reader != "en":
            assert squash(document_texts(reader)[0]) not in text, (edition, reader)

        shown = template.numbered_sections  # every numbered heading, in both editions; an empty foreword is left out
        assert [s.title for s in shown if squash(s.title) not in text] == [], edition


# ---- which language a request gets ------------------------------------------------------------------------------

@pytest.mark.parametrize(("accept", "expected"), [
    ("da-DK,da;q=0.9,en;q=0.8", "da"), ("sv-SE,sv;q=0.9", "sv"), ("nb-NO,nb;q=0.9,no;q=0.8", "nb"),
    ("fr-FR,fr;q=0.9", "en"), ("", "en"), ("de;q=0.9,da;q=0.5", "da"), ("da;q=0.5,sv;q=0.8", "sv"),
    ("no-NO,no;q=0.9,en;q=0.5", "nb"), ("nn-NO,nn;q=0.9", "nb"), ("en-GB,en;q=0.9,sv;q=0.8", "en"), ("*", "en"),
])
def test_signed_out_pages_follow_the_browser(client, accept, expected):
    response = client.get(url_for("auth.sign_in"), headers={"Accept-Language": accept} if accept else {})
    text = readable(response)
    assert f'<html lang="{expected}">' in response.get_data(as_text=True)
    with force_locale(expected):
        assert gettext("Sign in") in text and gettext("Password") in text


def test_locale_order_user_then_municipality_then_browser_then_english(client, seeded):
    """Søndervig's editor (a Danish municipality) with a Swedish-preferring browser."""
    email, browser = "editor@soendervig.example", {"Accept-Language": "sv-SE,sv;q=0.9"}
    dashboard = url_for("plans.dashboard")

    def language_of(response) -> str:
        return re.search(r'<html lang="(\w+)">', response.get_data(as_text=True)).group(1)

    set_language(email, None)
    sign_in_as(client, email)
    page = client.get(dashboard, headers=browser)
    assert language_of(page) == "da" and "Handlingsplaner" in readable(page)  # municipality beats browser

    set_language(email, "nb")
    page = client.get(dashboard, headers=browser)
    assert language_of(page) == "nb" and "Logg ut" in readable(page)  # the user's own setting beats both

    set_language(email, "en")
    assert language_of(client.get(dashboard, headers=browser)) == "en"

    # Signed out, nothing but the browser is known; without a usable preference, English.
    client.post(url_for("auth.sign_out"))
    assert language_of(client.get(url_for("auth.sign_in"), headers=browser)) == "sv"
    assert language_of(client.get(url_for("auth.sign_in"), headers={"Accept-Language": "fi"})) == "en"


@pytest.mark.parametrize("template_id", sorted(EDITORS))
def test_plan_pages_follow_the_municipality_when_the_user_has_no_language(client, seeded, template_id):
    """Plan pages scope access by their plan, not by g.access; the municipality's language must still apply."""
    plan = plan_for(template_id)
    version = plans.latest_version(plan)
    expected = plan.municipality.language
    set_language(EDITORS[template_id], None)
    sign_in_as(client, EDITORS[template_id])
    english_browser = {"Accept-Language": "en-GB,en;q=0.9"}
    first = plans.template_for(template_id).sections[0].id
    for url in (url_for("plans.dashboard"), url_for("wizard.overview", plan_id=plan.id),
                url_for("wizard.section", plan_id=plan.id, section_id=first), url_for("wizard.check", plan_id=plan.id),
                url_for("documents.preview", version_id=version.id)):
        response = client.get(url, headers=english_browser)
        assert response.status_code == 200, url
        assert f'<html lang="{expected}">' in response.get_data(as_text=True), url
        assert english_in(readable(response), expected) == [], url


def test_the_account_page_changes_the_language_at_once(client, seeded):
    email = "editor@fjellvik.example"
    set_language(email, "en")
    sign_in_as(client, email)
    response = client.post(url_for("auth.account"), data={"display_name": "Demo editor", "language": "da"},
                           follow_redirects=True)
    assert '<html lang="da">' in response.get_data(as_text=True)
    assert "Sprog i Planbuilder" in readable(response)
    response = client.post(url_for("auth.account"), data={"display_name": "Demo editor", "language": ""},
                           follow_redirects=True)
    assert '<html lang="nb">' in response.get_data(as_text=True)  # follows Fjellvik kommune again
    assert db.session.scalar(select(User).where(User.email == email)).language is None


def test_the_confirmation_of_a_language_change_is_in_the_new_language(client, seeded):
    set_language("editor@fjellvik.example", "en")
    sign_in_as(client, "editor@fjellvik.example")
    response = client.post(url_for("auth.account"), data={"display_name": "Demo editor", "language": "da"},
                           follow_redirects=True)
    assert "Dine indstillinger er gemt." in readable(response)


@pytest.mark.parametrize(("language", "changed", "review_by"), [
    ("sv", "2026-03-05 14:07", "15 mars 2027"),
    ("nb", "05.03.2026, 14:07", "15. mars 2027"),
    ("da", "05.03.2026 14.07", "15. mar. 2027"),
    ("en", "05/03/2026, 14:07", "15 Mar 2027"),  # British order: never "3/5/26", which reads 3 May
])
def test_dashboard_dates_are_written_the_local_way(client, seeded, language, changed, review_by):
    ekdala = db.session.scalar(select(Municipality).where(Municipality.name == "Ekdala kommun"))
    for plan in db.session.scalars(select(Plan).where(Plan.municipality_id == ekdala.id)):
        for version in db.session.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan.id)):
            version.updated_at = datetime(2026, 3, 5, 13, 7, tzinfo=timezone.utc)  # 14:07 on Ekdala's clock
            if version.status == "adopted":
                version.review_by = date(2027, 3, 15)
    db.session.commit()
    set_language("editor@demo.example", language)
    sign_in_as(client, "editor@demo.example")
    text = readable(client.get(url_for("plans.dashboard")))
    assert folded(changed) in text
    assert review_by in text
