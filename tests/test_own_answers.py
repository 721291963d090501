"""A choice list with `other: true` takes an answer of the person's own beside the options: Nyköping's
"kontaktytan mot den nationella samordnaren" had nowhere to go."""
from __future__ import annotations

import html

from flask_babel import force_locale

from planbuilder.services.documents.document_model import Cover, build_document
from planbuilder.services.plans import plans
from planbuilder.services.plans.content import content_problems
from tests.wizard_helpers import post_section, section_url, working_version

OWN = "Kontaktytan mot den nationella samordnaren"



def test_an_answer_of_ones_own_is_stored_shown_again_and_printed(editor_client, empty_plan):
    template = plans.template_for("se-vbe")
    field = template.section("ansvar").field("samordnarens_uppgifter")
    first = field.options[0]
    response = post_section(editor_client, empty_plan.id, "ansvar", {
        "samordnarens_uppgifter": [first.value], "samordnarens_uppgifter__other": f" {OWN} "})
    assert response.status_code in (200, 303)
    stored = working_version(empty_plan.id).content["ansvar"]["samordnarens_uppgifter"]
    assert stored == [first.value, f"other:{OWN}"]
    page = html.unescape(editor_client.get(section_url(empty_plan.id, "ansvar")).get_data(as_text=True))
    assert 'name="samordnarens_uppgifter__other"' in page and f'value="{OWN}"' in page
    with force_locale("sv"):
        document = build_document(template, working_version(empty_plan.id).content,
                                  Cover("Ekdala kommun", "Plan", "2027", "draft"), "internal")
    items = [item.text for s in document.sections for b in s.blocks for item in getattr(b, "items", ())]
    assert first.label in items and OWN in items
    # Emptied again, it is gone.
    post_section(editor_client, empty_plan.id, "ansvar", {"samordnarens_uppgifter__other": ""})
    assert working_version(empty_plan.id).content["ansvar"]["samordnarens_uppgifter"] == [first.value]


def test_only_a_list_that_allows_it_takes_ones_own_answer(app):
    template = plans.template_for("se-vbe")
    assert content_problems(template, {"ansvar": {"samordnarens_uppgifter": [f"other:{OWN}"]}}) == []
    assert content_problems(template, {"ansvar": {"samordnarens_uppgifter": ["other:" + "x" * 301]}}) == [
        "ansvar › samordnarens_uppgifter: has an 'other' answer longer than 300 characters"]
    assert content_problems(template, {"samverkan": {"faktorer_pa_plats": [f"other:{OWN}"]}}) == [
        f"samverkan › faktorer_pa_plats: 'other:{OWN}' is not one of the options"]
