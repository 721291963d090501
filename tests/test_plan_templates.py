"""Plan templates are data: loaded and validated at start-up, with precise messages when broken."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from planbuilder import create_app
from planbuilder.config import REPO_ROOT
from planbuilder.plan_templates import TemplateError, load_template_file, load_templates

SE_TEMPLATE = REPO_ROOT / "plan_templates" / "se-vbe.yaml"


def minimal_template(**overrides) -> dict:
    template = {
        "id": "xx-test",
        "revision": 1,
        "country": "SE",
        "language": "sv",
        "title": "Testplan",
        "catalogues": {"aktorer": [{"id": "polisen", "name": "Polisen", "description": "Lägesbild"}]},
        "sections": [{
            "id": "samverkan",
            "title": "Samverkan",
            "fields": [
                {"id": "beskrivning", "type": "long_text", "label": "Beskrivning"},
                {"id": "aktorer", "type": "group", "label": "Aktörer", "catalogue": "aktorer",
                 "fields": [{"id": "name", "type": "short_text", "label": "Namn"}]},
            ],
        }],
    }
    template.update(overrides)
    return template


def write(tmp_path: Path, data: dict, name: str = "broken.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(TemplateError) as caught:
        load_template_file(path)
    return caught.value.problems


def test_every_shipped_template_loads():
    templates = load_templates(REPO_ROOT / "plan_templates")
    swedish = templates["se-vbe"]
    assert swedish.language == "sv" and swedish.country == "SE"
    titles = [s.title for s in swedish.sections]
    for expected in ("Ansvar", "Samverkan", "Stöd till anhöriga", "Lokal lägesbild"):
        assert any(expected in title for title in titles), expected


def test_swedish_template_has_the_sections_the_issue_names():
    template = load_template_file(SE_TEMPLATE)
    samverkan = template.section("samverkan")
    actors = samverkan.field("aktorer")
    assert actors.is_group and actors.catalogue == "aktorer"
    assert {"name", "description", "contact_function", "meeting_cadence"} <= {f.id for f in actors.fields}
    assert template.section("lagesbild").sensitive
    duties = template.section("ansvar").field("samordnarens_uppgifter")
    assert duties.type == "checklist" and len(duties.options) >= 5
    measures = template.section("uppfoljning").field("atgarder")
    assert [o.value for o in measures.subfield("status").options] == ["done", "ongoing", "not_started", "dropped"]


def test_valid_minimal_template_loads(tmp_path):
    template = load_template_file(write(tmp_path, minimal_template(), "ok.yaml"))
    entry = template.catalogue_entry("aktorer", "polisen")
    assert entry.values() == {"name": "Polisen", "description": "Lägesbild"}


def test_unknown_field_type_names_file_section_and_field(tmp_path):
    data = minimal_template()
    data["sections"][0]["fields"][0]["type"] = "tabel"
    problems = problems_of(write(tmp_path, data))
    assert len(problems) == 1
    assert "broken.yaml: sections[0] (samverkan) › fields[0] (beskrivning): unknown field type 'tabel'" in problems[0]


def test_duplicate_field_id(tmp_path):
    data = minimal_template()
    data["sections"][0]["fields"][1]["id"] = "beskrivning"
    problems = problems_of(write(tmp_path, data))
    assert any("fields[1] (beskrivning): duplicate field id 'beskrivning'" in p for p in problems)


def test_repeated_or_malformed_option_values_and_catalogue_entry_ids(tmp_path):
    data = minimal_template()
    data["catalogues"]["aktorer"].append({"id": "polisen", "name": "Polisen igen"})
    data["sections"][0]["fields"].append({"id": "niva", "type": "single_choice", "label": "Nivå", "options": [
        {"value": "Hög", "label": "Hög"}, {"value": "lag", "label": "Låg"}, {"value": "lag", "label": "Låg igen"}]})
    problems = problems_of(write(tmp_path, data))
    assert any("catalogues › aktorer › entries[1]" in p and "duplicate entry id 'polisen'" in p for p in problems)
    assert any("option value 'Hög' must be lowercase letters" in p for p in problems)
    assert any("fields[2] (niva) › options[2]: duplicate option value 'lag'" in p for p in problems)


def test_catalogue_that_does_not_exist(tmp_path):
    data = minimal_template()
    data["sections"][0]["fields"][1]["catalogue"] = "aktorer_saknas"
    problems = problems_of(write(tmp_path, data))
    assert any("fields[1] (aktorer): catalogue 'aktorer_saknas' does not exist" in p for p in problems)


def test_choice_field_without_options_and_missing_label(tmp_path):
    data = minimal_template()
    data["sections"][0]["fields"].append({"id": "val", "type": "single_choice"})
    problems = problems_of(write(tmp_path, data))
    assert any("fields[2] (val): 'label' is missing" in p for p in problems)
    assert any("fields[2] (val): a choice field needs a non-empty 'options' list" in p for p in problems)


def test_unknown_language_and_missing_revision(tmp_path):
    data = minimal_template(language="qq")
    del data["revision"]
    problems = problems_of(write(tmp_path, data))
    assert any("language: 'qq' is not a language code" in p for p in problems)
    assert any("revision: 'revision' is missing" in p for p in problems)


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\nsections: [\n  - broken: : :\n", encoding="utf-8")
    problems = problems_of(path)
    assert problems[0].startswith(f"{path}: line ")
    assert "not valid YAML" in problems[0]


def test_two_files_with_the_same_id(tmp_path):
    write(tmp_path, minimal_template(), "a.yaml")
    write(tmp_path, minimal_template(), "b.yaml")
    with pytest.raises(TemplateError) as caught:
        load_templates(tmp_path)
    assert "template id 'xx-test' is already used by" in caught.value.problems[0]


def test_broken_template_stops_start_up_with_the_message(tmp_path, database_url, translations_dir):
    shutil.copy(SE_TEMPLATE, tmp_path / "se-vbe.yaml")
    data = minimal_template()
    data["sections"][0]["fields"][0]["type"] = "tabel"
    write(tmp_path, data)
    with pytest.raises(SystemExit) as caught:
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x",
                    "PLAN_TEMPLATES_DIR": str(tmp_path), "BABEL_TRANSLATION_DIRECTORIES": translations_dir})
    message = str(caught.value.code)
    assert "Planbuilder cannot start" in message
    assert "unknown field type 'tabel'" in message and "broken.yaml" in message
