"""Honest answers: a required field answered "not known yet" or "not applicable" with a reason completes its
section, is listed apart on check your answers, prints as what it is, and shows in a comparison."""
from __future__ import annotations

import html

import pytest
from flask import url_for
from flask_babel import force_locale

from planbuilder.fields.honest import honest_value
from planbuilder.plan_templates import TemplateError, parse_template
from planbuilder.services.compare.diff import compare
from planbuilder.services.documents.document_model import Cover, build_document
from planbuilder.services.plans import plans
from planbuilder.services.plans.content import content_problems, missing_required
from tests.conftest import page_text
from tests.wizard_helpers import post_section, section_url, working_version

REASON = "Lägesbilden tas fram under våren 2027"



def test_not_known_yet_completes_the_section_and_is_listed_apart(editor_client, empty_plan):
    template = plans.template_for("se-vbe")
    page = editor_client.get(section_url(empty_plan.id, "lagesbild")).get_data(as_text=True)
    assert "Cannot answer this yet?" in page and 'name="uppdaterad__honest"' in page
    assert 'name="polis_kontakt__honest"' not in page  # an optional field can simply be left empty
    response = post_section(editor_client, empty_plan.id, "lagesbild", {
        "uppdaterad": "", "uppdaterad__honest": "unknown", "uppdaterad__reason": f"  {REASON} ",
        "kallor__honest": "not_applicable", "kallor__reason": "Inga källor ännu",
        "miljoer-0-name": "Nätet", "completed": "no"})
    assert response.status_code in (200, 303), page_text(response)
    stored = working_version(empty_plan.id).content["lagesbild"]
    assert stored["uppdaterad"] == honest_value("unknown", REASON)
    assert stored["kallor"] == honest_value("not_applicable", "Inga källor ännu")
    assert template.section("lagesbild").field("uppdaterad") not in missing_required(
        template, working_version(empty_plan.id).content, template.section("lagesbild"))
    check = page_text(editor_client.get(url_for("wizard.check", plan_id=empty_plan.id)))
    assert "2 answers not known yet or not applicable" in check
    assert f"Lokal lägesbild › Senast uppdaterad tillsammans med polisen : Not known yet: {REASON}" in check
    # Back on the page, the answer is shown as given: the details open, the choice and the reason kept.
    again = html.unescape(editor_client.get(section_url(empty_plan.id, "lagesbild")).get_data(as_text=True))
    assert f'value="{REASON}"' in again and '<details class="honest" open>' in again


def test_an_honest_answer_without_a_reason_is_refused_next_to_it_and_keeps_the_rest(editor_client, empty_plan):
    response = post_section(editor_client, empty_plan.id, "lagesbild", {
        "uppdaterad__honest": "unknown", "uppdaterad__reason": "", "genusperspektiv": "Behålls som skrivet"})
    assert response.status_code == 422
    body = html.unescape(response.get_data(as_text=True))
    slot = body.split('id="uppdaterad__reason-error"')[1].split("</p>")[0]
    assert "Say in a few words why, for example when it will be known." in slot
    assert 'href="#uppdaterad__reason"' in body  # the error summary leads to the reason
    assert "Behålls som skrivet" in body
    assert not (working_version(empty_plan.id).content or {}).get("lagesbild")  # nothing half-written


def test_the_document_prints_it_as_what_it_is_and_the_comparison_shows_the_change(app):
    template = plans.template_for("se-vbe")
    before = {"lagesbild": {"uppdaterad": honest_value("unknown", REASON)}}
    after = {"lagesbild": {"uppdaterad": "2027-04-01"}}
    with force_locale("sv"):
        document = build_document(template, before, Cover("Ekdala kommun", "Plan", "2027", "draft"), "internal")
        section = next(s for s in document.sections if s.id == "lagesbild")
        printed = [value.value for block in section.blocks for value in getattr(block, "values", ())]
        assert f"Uppgift saknas: {REASON}" in printed
        change = compare(template, before, template, after).sections
        lagesbild = next(s for s in change if s.id == "lagesbild")
        assert lagesbild.kind != "unchanged"
        assert any(f"Uppgift saknas: {REASON}" in " ".join(c.old) for c in lagesbild.changes)


def test_a_stored_honest_answer_is_checked_like_any_value(app):
    template = plans.template_for("se-vbe")
    assert content_problems(template, {"lagesbild": {"uppdaterad": honest_value("unknown", REASON)}}) == []
    assert content_problems(template, {"lagesbild": {"uppdaterad": {"_honest": "maybe", "reason": "x"}}}) == [
        "lagesbild › uppdaterad: is an answer of an unknown kind 'maybe'"]
    assert content_problems(template, {"lagesbild": {"uppdaterad": {"_honest": "unknown", "reason": ""}}}) == [
        "lagesbild › uppdaterad: needs a reason of at most 300 characters"]
    # An optional field cannot hold one: it is simply left empty.
    assert content_problems(template, {"lagesbild": {"polis_kontakt": honest_value("unknown", "x")}})


def _template(field: dict) -> dict:
    return {"id": "t", "revision": 1, "country": "SE", "language": "sv", "title": "T",
            "sections": [{"id": "s", "title": "S", "fields": [{"id": "f", "type": "short_text", "label": "F",
                                                                **field}]}]}


def test_a_template_can_say_a_required_field_must_be_answered(app):
    assert parse_template(_template({"required": True}), "t").sections[0].fields[0].honest
    strict = parse_template(_template({"required": True, "honest": False}), "t").sections[0].fields[0]
    assert not strict.honest
    with pytest.raises(TemplateError, match="'honest' is for required fields"):
        parse_template(_template({"honest": False}), "t")
