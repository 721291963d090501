"""The published JSON Schema of a plan template: current, met by every shipped template, used by `templates check`,
and grown by a field type registered later."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator, Draft202012Validator

from planbuilder import fields
from planbuilder.config import REPO_ROOT
from planbuilder.fields.base import FieldType
from planbuilder.plan_templates import TemplateError, parse_template
from planbuilder.template_schema import REGENERATE, SCHEMA_PATH, schema_text, structure_problems, template_schema

MODELINE = "# yaml-language-server: $schema=../docs/plan-template.schema.json"
SHIPPED = sorted((REPO_ROOT / "plan_templates").glob("*.yaml"))


def template(*fields_: dict) -> dict:
    return {
        "id": "xx-test", "revision": 1, "country": "SE", "language": "sv", "title": "Testplan",
        "sections": [{"id": "samverkan", "title": "Samverkan", "fields": list(fields_)}],
    }


def test_the_published_schema_is_the_one_the_field_types_give():
    assert SCHEMA_PATH == REPO_ROOT / "docs" / "plan-template.schema.json"
    published = SCHEMA_PATH.read_text(encoding="utf-8")
    assert published == schema_text(), f"docs/plan-template.schema.json is stale; regenerate it with: {REGENERATE}"
    assert json.loads(published) == template_schema()
    Draft202012Validator.check_schema(template_schema())
    assert REGENERATE in (REPO_ROOT / "docs" / "plan-templates.md").read_text(encoding="utf-8")


def test_the_schema_knows_every_registered_type_and_its_settings():
    schema = template_schema()
    field = schema["$defs"]["field"]
    assert field["properties"]["type"]["enum"] == list(fields.type_names())
    assert {"id", "type", "label", "help", "example", "required", "sensitive"} <= set(field["properties"])
    settings = {rule["if"]["properties"]["type"]["const"]: set(rule["then"]["properties"]) for rule in field["allOf"]}
    assert settings == {
        "short_text": {"max_length"}, "long_text": {"max_length"},
        "single_choice": {"options"}, "multiple_choice": {"options", "other"}, "checklist": {"options", "other"},
        "catalogue": {"catalogue"}, "number": {"min", "max"},
        "group": {"fields", "max_rows", "min_rows", "catalogue", "row_label", "follow_up"},
    }
    assert "group" not in schema["$defs"]["row_field"]["properties"]["type"]["enum"]
    assert set(schema["properties"]) == {"id", "revision", "country", "timezone", "language", "title", "description",
                                         "revision_interval_months", "statutory_max_months", "catalogues",
                                         "decision", "sections"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_template_fits_the_schema_and_names_it(path: Path):
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == MODELINE
    assert structure_problems(yaml.safe_load(text), str(path)) == []


def test_structure_problems_name_the_place_and_the_key():
    raw = template(
        {"id": "beskrivning", "type": "long_text"},
        {"id": "aktorer", "type": "group", "label": "Aktörer", "max_rows": "many",
         "fields": [{"id": "name", "type": "short_text", "label": "Namn"}]},
        {"id": "niva", "type": "single_choice", "label": "Nivå", "options": [{"label": "Hög"}]},
    )
    assert structure_problems(raw, "x.yaml") == [
        "x.yaml: sections[0] (samverkan) › fields[0] (beskrivning): 'label' is a required property",
        "x.yaml: sections[0] (samverkan) › fields[1] (aktorer) › max_rows: must be a whole number, not 'many'",
        "x.yaml: sections[0] (samverkan) › fields[2] (niva) › options[0]: 'value' is a required property",
    ]
    assert structure_problems({**raw, "country": False, "sections": "none"}, "x.yaml") == [
        "x.yaml: country: must be text, not false",
        "x.yaml: sections: must be a list, not 'none'",
    ]


def test_editors_that_only_know_draft_07_find_the_same_problems():
    """YAML editors validate with draft-07 keywords; the schema uses no other (but $defs, a plain JSON pointer)."""
    raw = template(
        {"id": "beskrivning", "type": "long_text"},
        {"id": "aktorer", "type": "group", "label": "Aktörer", "max_rows": "many",
         "fields": [{"id": "inre", "type": "group", "label": "Inre", "fields": [{"id": "x", "type": "date"}]}]},
        {"id": "niva", "type": "single_choice", "label": "Nivå", "options": [{"label": "Hög"}]},
    )

    def found(validator):
        return sorted((list(e.path), e.message) for e in validator(template_schema()).iter_errors(raw))

    assert len(found(Draft202012Validator)) == 5
    assert found(Draft7Validator) == found(Draft202012Validator)


def test_templates_check_reports_each_structure_problem_once_with_its_place(runner, tmp_path):
    raw = template(
        {"id": "beskrivning", "type": "long_text"},
        {"id": "aktorer", "type": "group", "label": "Aktörer", "max_rows": "many",
         "fields": [{"id": "name", "type": "short_text", "label": "Namn"},
                    {"id": "inre", "type": "group", "label": "Inre",
                     "fields": [{"id": "x", "type": "date", "label": "X"}]}]},
        {"id": "niva", "type": "single_choice", "label": "Nivå", "options": [{"label": "Hög"}]},
    )
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["templates", "check", str(path)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{path}: sections[0] (samverkan) › fields[0] (beskrivning): 'label' is missing",
        f"{path}: sections[0] (samverkan) › fields[1] (aktorer): 'max_rows' must be a whole number",
        f"{path}: sections[0] (samverkan) › fields[1] (aktorer) › fields[1] (inre): a group cannot hold a group field",
        f"{path}: sections[0] (samverkan) › fields[2] (niva) › options[0]: 'value' is a required property",
    ]


class Rating(FieldType):
    """A made-up type with a setting of its own: stars out of `scale`."""
    name = "rating"
    schema_properties = {"scale": {"type": "integer", "minimum": 2, "maximum": 10}}

    def declare(self, declaration):
        return {"scale": declaration.whole_number("scale", 5)}


@pytest.fixture
def rating():
    fields.register(Rating())
    yield
    fields.unregister("rating")


def test_a_type_registered_later_is_in_the_schema_with_its_settings(rating):
    assert "rating" in template_schema()["$defs"]["field"]["properties"]["type"]["enum"]
    raw = template({"id": "betyg", "type": "rating", "label": "Betyg", "scale": 4},
                   {"id": "rader", "type": "group", "label": "Rader",
                    "fields": [{"id": "betyg", "type": "rating", "label": "Betyg"}]})
    assert structure_problems(raw, "x.yaml") == []
    assert parse_template(raw, "x.yaml").sections[0].field("betyg").settings == {"scale": 4}
    raw["sections"][0]["fields"][0]["scale"] = 50
    assert structure_problems(raw, "x.yaml") == [
        "x.yaml: sections[0] (samverkan) › fields[0] (betyg) › scale: 50 is greater than the maximum of 10"]
    with pytest.raises(TemplateError) as caught:
        parse_template(raw, "x.yaml")
    assert caught.value.problems == structure_problems(raw, "x.yaml")


def test_an_unregistered_type_is_refused_by_the_schema_too():
    raw = template({"id": "betyg", "type": "rating", "label": "Betyg"})
    assert structure_problems(raw, "x.yaml") == [
        f"x.yaml: sections[0] (samverkan) › fields[0] (betyg): unknown field type 'rating' "
        f"(one of: {', '.join(fields.type_names())})"]
