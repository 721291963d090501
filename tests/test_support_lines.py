"""Support lines: editable rows picked from a catalogue, notes for the editor that no document prints, numbers
to verify before adoption, and content stored as a list of entry ids (before support lines were rows)."""
from __future__ import annotations

import dataclasses
import re

import pytest
from flask import url_for
from flask_babel import force_locale
from sqlalchemy import select

from planbuilder.extensions import db
from planbuilder.fields.blocks import Table
from planbuilder.fields.group import legacy_row_id, rows_from_entry_ids
from planbuilder.models import Plan, PlanVersion
from planbuilder.services.compare.diff import ADDED, CHANGED, REMOVED, compare
from planbuilder.services.documents import rendering as documents
from planbuilder.services.documents.document_model import Cover, build_document
from planbuilder.services.plans import plans, revisions
from planbuilder.services.plans.content import content_problems
from planbuilder.services.plans.verification import unverified_entries
from tests.conftest import page_text
from tests.wizard_helpers import post_section, section_url, working_version

SUPPORT = {"se-vbe": ("anhoriga", "stodlinjer"), "no-vbe": ("parorende", "stottelinjer"),
           "dk-ekstremisme": ("stoette", "stoettelinjer"), "no-vnr": ("hjelp", "stottelinjer")}
# Sentences for the editor that the public edition used to print.
EDITOR_SENTENCES = ("Ange kommunens eget nummer", "måste kontrolleras", "Legg inn det lokale nummeret",
                    "Indsæt kommunens", "kontroller det før planen vedtas", "Kontrollér før vedtagelsen")


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def notes_of(template) -> list[str]:
    found = [e.note for entries in template.catalogues.values() for e in entries if e.note]
    for section in template.sections:
        for field in section.fields:
            found += [f.note for f in (field, *field.fields) if f.note]
    return found


def printed_text(document) -> str:
    return squash(" ".join(str(value) for value in _leaves(dataclasses.asdict(document))))


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, str):
        yield value


def every_entry_picked(template) -> dict:
    """Content with every entry of every catalogue picked into each group that picks from it."""
    content: dict = {}
    for section in template.sections:
        for field in section.fields:
            if field.is_group and field.catalogue:
                ids = [e.id for e in template.catalogues[field.catalogue]][:field.max_rows]
                content.setdefault(section.id, {})[field.id] = rows_from_entry_ids(field, ids, template)
    return content


def document_of(template, content, edition="public"):
    with force_locale(template.language):
        return build_document(template, content, Cover("Ekdala kommun", "Plan", "1", "draft"), edition)


@pytest.fixture
def fresh_plan(editor_client):
    editor_client.post(url_for("plans.create"), data={"title": "Stödplan", "template_id": "se-vbe"})
    return db.session.scalars(select(Plan).where(Plan.title == "Stödplan")).one()


def support_rows(plan_id):
    return working_version(plan_id).content.get("anhoriga", {}).get("stodlinjer", [])


# --- notes for the editor -------------------------------------------------------------------------------------

def test_the_templates_have_notes_and_no_editor_sentence_left_in_printed_text(app):
    for template in plans.templates().values():
        printed = printed_text(document_of(template, every_entry_picked(template), "internal"))
        assert [s for s in EDITOR_SENTENCES if s in printed] == [], template.id
        assert [n for n in notes_of(template) if squash(n) in printed] == [], template.id
    assert len(notes_of(plans.template_for("se-vbe"))) >= 3


def test_no_note_is_printed_in_any_demo_plans_document(app, seeded):
    for version in db.session.scalars(select(PlanVersion)):
        template = plans.template_for(version.template_id)
        for edition in ("internal", "public"):
            html = squash(documents.standalone_html(version, edition))
            assert [n for n in notes_of(template) if squash(n) in html] == [], (template.id, edition)
            assert [s for s in EDITOR_SENTENCES if s in html] == [], (template.id, edition)


def test_the_wizard_shows_the_note_beside_the_field_and_the_picked_row(editor_client, fresh_plan):
    post_section(editor_client, fresh_plan.id, "anhoriga", {"stodlinjer-pick": "orosanmalan"},
                 _action="pick:stodlinjer")
    text = squash(page_text(editor_client.get(section_url(fresh_plan.id, "anhoriga"))))
    template = plans.template_for("se-vbe")
    assert "Note for the editor: " + squash(template.catalogue_entry("stodlinjer", "orosanmalan").note) in text
    assert squash(template.section("anhoriga").field("stodlinjer").note) in text


# --- editable rows ------------------------------------------------------------------------------------------

def test_a_picked_line_is_an_editable_row_and_the_edited_number_is_printed(editor_client, fresh_plan):
    pid = fresh_plan.id
    post_section(editor_client, pid, "anhoriga", {"stodlinjer-pick": "anhorigstodlinje"}, _action="pick:stodlinjer")
    entry = plans.template_for("se-vbe").catalogue_entry("stodlinjer", "anhorigstodlinje")
    row = support_rows(pid)[0]
    assert (row["_ref"], row["name"], row["number"], row["hours"], row["operator"], row["description"]) == (
        "anhorigstodlinje", entry.name, "020-100 200", entry.extra["hours"], entry.extra["operator"],
        entry.description)
    assert "note" not in row and "verify" not in row
    html = editor_client.get(section_url(pid, "anhoriga")).get_data(as_text=True)
    assert 'name="stodlinjer-0-number"' in html and 'value="020-100 200"' in html
    post_section(editor_client, pid, "anhoriga", {"stodlinjer-0-number": "031-390 06 35",
                                                   "stodlinjer-0-hours": "Måndag–torsdag 9–15"})
    post_section(editor_client, pid, "anhoriga", {}, _action="add:stodlinjer")
    post_section(editor_client, pid, "anhoriga", {"stodlinjer-1-name": "Ekdala jourtelefon",
                                                   "stodlinjer-1-number": "031-390 06 36"})
    printed = printed_text(document_of(plans.template_for("se-vbe"), working_version(pid).content))
    assert "031-390 06 35" in printed and "Måndag–torsdag 9–15" in printed and "020-100 200" not in printed
    assert "Ekdala jourtelefon" in printed and "031-390 06 36" in printed


# --- no number twice ------------------------------------------------------------------------------------------

def test_no_entry_names_its_own_number(app):
    for template in plans.templates().values():
        for entries in template.catalogues.values():
            for entry in entries:
                numbers = [v for v in entry.extra.values() if re.search(r"\d", v)]
                assert [n for n in numbers if n in entry.name] == [], (template.id, entry.id)


def test_no_printed_support_line_shows_its_number_twice(app, seeded):
    checked = 0
    for version in db.session.scalars(select(PlanVersion)):
        template = plans.template_for(version.template_id)
        if template.id not in SUPPORT:
            continue
        section_id, field_id = SUPPORT[template.id]
        field = template.section(section_id).field(field_id)
        document = document_of(template, version.content, "internal")
        section = next(s for s in document.sections if s.id == section_id)
        table = next(b for b in section.blocks if isinstance(b, Table) and b.label == field.label)
        number_column = table.columns.index(field.subfield("number").label)
        for row in table.rows:
            text = " ".join(p for cell in row for p in cell)
            for number in row[number_column]:
                checked += 1
                assert text.count(number) == 1, (template.id, text)
    assert checked >= 15


# --- numbers to verify ----------------------------------------------------------------------------------------

def test_an_unverified_line_is_named_until_the_editor_confirms_it(editor_client, fresh_plan):
    pid = fresh_plan.id
    template = plans.template_for("se-vbe")
    for entry_id in ("polisen_11414", "anhorigstodlinje"):
        post_section(editor_client, pid, "anhoriga", {"stodlinjer-pick": entry_id}, _action="pick:stodlinjer")
    assert unverified_entries(template, working_version(pid).content) == [
        "Stöd till anhöriga › Stödlinjer och kontaktvägar › Stödtelefon för anhöriga"]
    check = squash(page_text(editor_client.get(url_for("wizard.check", plan_id=pid))))
    assert "1 number to verify" in check and "Stödtelefon för anhöriga – to verify" in check
    page = page_text(editor_client.get(section_url(pid, "anhoriga")))
    assert page.count("I have checked these details") == 1  # on the line to verify, not on the police's
    post_section(editor_client, pid, "anhoriga", {"stodlinjer-1-row_verified": "y"})
    assert support_rows(pid)[1]["_verified"] is True and "_verified" not in support_rows(pid)[0]
    assert unverified_entries(template, working_version(pid).content) == []
    assert "number to verify" not in page_text(editor_client.get(url_for("wizard.check", plan_id=pid)))


def test_the_demo_plans_have_every_number_checked_and_fill_in_local_details(app, seeded):
    for version in db.session.scalars(select(PlanVersion).where(PlanVersion.status != "draft")):
        assert unverified_entries(plans.template_for(version.template_id), version.content) == []
    for template_id, (section_id, field_id) in SUPPORT.items():
        plan = db.session.scalars(select(Plan).where(Plan.template_id == template_id)).first()
        rows = plans.latest_version(plan).content[section_id][field_id]
        assert all(row.get("number") for row in rows if row["name"] != "Alarmcentralen" or row.get("number"))
        assert any(".example" in row.get("number", "") or row.get("hours") for row in rows)


def test_the_marked_lines_are_to_verify(app):
    se = plans.template_for("se-vbe")
    assert se.catalogue_entry("stodlinjer", "anhorigstodlinje").verify
    for template in plans.templates().values():
        for entries in template.catalogues.values():
            for entry in entries:  # a line whose number the municipality fills in must be checked
                if entry.note and re.search(r"Ange|Legg inn|Skriv inn|Indsæt", entry.note):
                    assert entry.verify, (template.id, entry.id)


# --- content stored as entry ids ------------------------------------------------------------------------------

def test_a_list_of_entry_ids_still_reads_as_rows(app):
    template = plans.template_for("se-vbe")
    field = template.section("anhoriga").field("stodlinjer")
    legacy = {"anhoriga": {"stodlinjer": ["polisen_11414", "anhorigstodlinje"]}}
    assert content_problems(template, legacy) == []
    section = next(s for s in document_of(template, legacy).sections if s.id == "anhoriga")
    table = next(b for b in section.blocks if isinstance(b, Table))
    assert [row[0] for row in table.rows] == [("Polisen",), ("Stödtelefon för anhöriga",)]
    assert table.rows[0][1] == ("114 14",)
    assert unverified_entries(template, legacy) == [
        "Stöd till anhöriga › Stödlinjer och kontaktvägar › Stödtelefon för anhöriga"]
    # A revision of a version adopted with ids starts with the rows; a comparison follows each line.
    carried, notes = revisions.carry_over(template, legacy)
    rows = carried["anhoriga"]["stodlinjer"]
    assert notes == {} and [r["_id"] for r in rows] == [legacy_row_id(field, "polisen_11414"),
                                                         legacy_row_id(field, "anhorigstodlinje")]
    rows[1] = {**rows[1], "number": "031-390 06 35"}
    comparison = compare(template, legacy, template, carried)
    row_kinds = [row.kind for section in comparison.sections for change in section.changes for row in change.rows]
    assert CHANGED in row_kinds and ADDED not in row_kinds and REMOVED not in row_kinds


def test_a_revision_checks_its_numbers_again(app, seeded):
    from planbuilder.services.data.demo import REVISED_TITLE

    plan = db.session.scalars(select(Plan).where(Plan.title == REVISED_TITLE)).one()
    template = plans.template_for(plan.template_id)
    adopted = next(v for v in plan.versions if v.status == "adopted")
    assert unverified_entries(template, adopted.content) == []
    assert unverified_entries(template, plans.latest_version(plan).content) == [
        "Stöd till anhöriga › Stödlinjer och kontaktvägar › Orosanmälan till socialtjänstens mottagning"]
