"""A hostile-input corpus pushed through every field type of every template: stored as text, shown inert
and literal on every page, in the PDF and in the DOCX; refused with a message where it cannot be stored; never
a 500."""
from __future__ import annotations

import io
import json

import pytest
from docx import Document
from flask import url_for
from pypdf import PdfReader
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from planbuilder.extensions import db
from planbuilder.models import Municipality, User
from planbuilder.plan_templates import parse_template
from planbuilder.section_forms import section_form_class
from planbuilder.services.documents import rendering as documents
from planbuilder.services.plans import plans, versions
from tests.conftest import page_text, sign_in_as
from tests.wizard_helpers import HTMX, form_fields, section_url, working_version

HOSTILE = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "javascript:alert(document.cookie)",
    "'; DROP TABLE plan_version; --",
    "{{7*7}} {% if true %}ja{% endif %}",
    "\u202eevil\u202c reversed",
    "Åäö ÆØ æø 😀 中文 العربية",
]
TAMPERED_CHOICE = "not-an-option"


@pytest.fixture
def plans_by_template(editor_client, app):
    """One fresh plan per shipped template, in the demo editor's municipality (Swedish) — content only."""
    from planbuilder.services.people.accounts import find_municipality
    municipality = find_municipality("Ekdala kommun")
    made = {}
    for template_id in plans.templates():
        plan = plans.create_plan(municipality, template_id, f"Fientlig {template_id}", None)
        made[template_id] = plan.id
    return made


def hostile_answers(section, page_values):
    """Every text field gets a corpus string, every choice a tampered value, every date template syntax."""
    data = dict(page_values)
    for index, field in enumerate(section.fields):
        text = HOSTILE[index % len(HOSTILE)]
        if field.is_group:
            data.update({f"{field.id}-0-{sub.id}": [HOSTILE[(index + n) % len(HOSTILE)]]
                         for n, sub in enumerate(field.fields) if sub.type in ("short_text", "long_text")})
            data[f"{field.id}-0-row_id"] = ["<script>"]
        elif field.type in ("short_text", "long_text"):
            data[field.id] = [text]
    return data


def test_corpus_is_stored_literally_and_shown_escaped_everywhere(editor_client, plans_by_template):
    for template_id, plan_id in plans_by_template.items():
        template = plans.template_for(template_id)
        for section in template.sections:
            page = form_fields(editor_client.get(section_url(plan_id, section.id)).get_data(as_text=True))
            response = editor_client.post(section_url(plan_id, section.id), data=hostile_answers(section, page))
            assert response.status_code == 303, (template_id, section.id, response.status_code)
            html = editor_client.get(section_url(plan_id, section.id)).get_data(as_text=True)
            assert "<script>alert('x')</script>" not in html
            assert "<img src=x onerror" not in html
            assert "49 ja" not in html
        stored = working_version(plan_id).content
        assert "<script>alert('x')</script>" in json.dumps(stored, ensure_ascii=False)
        for url in (url_for("wizard.overview", plan_id=plan_id), url_for("wizard.check", plan_id=plan_id)):
            body = editor_client.get(url)
            assert body.status_code == 200
            assert "<script>alert('x')</script>" not in body.get_data(as_text=True)


def test_tampered_choices_and_dates_are_refused_with_messages(editor_client, plans_by_template):
    for template_id, plan_id in plans_by_template.items():
        for section in plans.template_for(template_id).sections:
            page = form_fields(editor_client.get(section_url(plan_id, section.id)).get_data(as_text=True))
            data = dict(page)
            tampered = [f for f in section.fields if f.type in ("single_choice", "multiple_choice", "checklist",
                                                                "catalogue", "yes_no", "date")]
            if not tampered:
                continue
            for field in tampered:
                data[field.id] = ["{{7*7}}" if field.type == "date" else TAMPERED_CHOICE]
            response = editor_client.post(section_url(plan_id, section.id), data=data)
            assert response.status_code == 422, (template_id, section.id)
            html = response.get_data(as_text=True)
            for field in tampered:
                assert f'id="{field.id}-error"' in html and f'id="{field.id}-error" hidden' not in html
            assert working_version(plan_id).content == {}


@pytest.mark.parametrize("value, message", [
    ("a\x00b", "cannot be stored"),
    ("x" * 100_000, "at most"),
])
def test_null_bytes_and_huge_strings_are_refused_next_to_the_field(editor_client, plans_by_template, value,
                                                                  message):
    plan_id = plans_by_template["se-vbe"]
    page = form_fields(editor_client.get(section_url(plan_id, "ansvar")).get_data(as_text=True))
    for headers, data in (({}, {**page, "samordnare": [value], "politiskt_ansvar": ["Kommunstyrelsen"]}),
                          (HTMX, {**page, "samordnare": [value], "_autosave": ["samordnare"]})):
        response = editor_client.post(section_url(plan_id, "ansvar"), data=data, headers=headers)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
        if not headers:  # the whole page comes back, with the other answer kept (htmx gets the message only)
            assert 'value="Kommunstyrelsen"' in response.get_data(as_text=True)
    assert working_version(plan_id).content == {}


def test_invalid_utf8_in_a_form_post_is_no_500(editor_client, plans_by_template):
    plan_id = plans_by_template["se-vbe"]
    page = form_fields(editor_client.get(section_url(plan_id, "ansvar")).get_data(as_text=True))
    body = "&".join(f"{k}={v[0]}" for k, v in page.items() if k in ("csrf_token", "lock", "editor_token"))
    body = body.encode() + b"&samordnare=%FF%FE%C3%28&_autosave=samordnare"
    response = editor_client.post(section_url(plan_id, "ansvar"), data=body, headers={
        **HTMX, "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    saved = (working_version(plan_id).content.get("ansvar") or {}).get("samordnare", "")
    # Werkzeug keeps bytes that are not UTF-8 as their percent-escaped text: stored inert, as text.
    assert saved == "%FF%FE%C3("


def test_every_field_type_refuses_what_it_cannot_store(app):
    """Including types no shipped template uses yet (number), through the one form builder."""
    template = parse_template({
        "id": "xx-all-types", "revision": 1, "country": "SE", "language": "sv", "title": "Alla typer",
        "catalogues": {"c": [{"id": "a", "name": "A"}]},
        "sections": [{"id": "s", "title": "S", "fields": [
            {"id": "t", "type": "short_text", "label": "T", "max_length": 10},
            {"id": "l", "type": "long_text", "label": "L", "max_length": 20},
            {"id": "n", "type": "number", "label": "N", "min": 0, "max": 10},
            {"id": "d", "type": "date", "label": "D"},
            {"id": "y", "type": "yes_no", "label": "Y"},
            {"id": "c1", "type": "single_choice", "label": "C1", "options": [{"value": "a", "label": "A"}]},
            {"id": "cm", "type": "multiple_choice", "label": "CM", "options": [{"value": "a", "label": "A"}]},
            {"id": "ck", "type": "checklist", "label": "CK", "options": [{"value": "a", "label": "A"}]},
            {"id": "ca", "type": "catalogue", "label": "CA", "catalogue": "c"},
            {"id": "g", "type": "group", "label": "G", "max_rows": 1,
             "fields": [{"id": "name", "type": "short_text", "label": "Name"}]},
        ]}]}, "test")
    section = template.section("s")
    hostile = MultiDict([("t", "<b>" * 4), ("l", "\x00"), ("n", "NaN"), ("d", "{{7*7}}"), ("y", "maybe"),
                         ("c1", "z"), ("cm", "z"), ("ck", "z"), ("ca", "z"),
                         ("g-0-name", "a"), ("g-1-name", "b")])
    form = section_form_class(template, section)(hostile, meta={"csrf": False})
    results = {field.id: form[field.id].validate(form) for field in section.fields}
    assert not any(results.values()), results
    for value in ("Infinity", "-1e400", "11"):
        form = section_form_class(template, section)(MultiDict([("n", value)]), meta={"csrf": False})
        assert not form.n.validate(form), value


def test_pdf_and_docx_show_the_corpus_literally(editor_client, plans_by_template):
    plan_id = plans_by_template["se-vbe"]
    page = form_fields(editor_client.get(section_url(plan_id, "ansvar")).get_data(as_text=True))
    answers = {"samordnare": "<script>alert('x')</script>", "politiskt_ansvar": "{{7*7}} {% if x %}",
               "samordningsfunktion": "javascript:alert(1)"}
    editor_client.post(section_url(plan_id, "ansvar"), data={**page, **{k: [v] for k, v in answers.items()}})
    version = working_version(plan_id)
    pdf_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(documents.render_pdf(version, "internal"))).pages)
    docx = Document(io.BytesIO(documents.document_for_download(version, "internal", "docx")))
    docx_text = "\n".join(p.text for p in docx.paragraphs)
    for value in answers.values():  # the PDF may break a line anywhere, so spaces are not compared
        assert "".join(value.split()) in "".join(pdf_text.split()), value
        assert value in docx_text, value
    assert "49" not in docx_text
    db.session.remove()


NULL = "\x00"


def test_a_null_byte_is_refused_with_a_message_wherever_it_is_typed(client, seeded):
    """Each of these gave a 500 on PostgreSQL; every form now checks it in one place (form_base.StorableText)."""
    refused = "cannot be stored (a null byte)"
    sign_in = client.post(url_for("auth.sign_in"), data={"email": f"nobody{NULL}@x.example", "password": "x" * 12})
    assert sign_in.status_code == 422 and refused in page_text(sign_in)

    sign_in_as(client, "admin@demo.example")
    plan = client.post(url_for("plans.create"), data={"title": f"Plan{NULL}", "template_id": "se-vbe"})
    assert plan.status_code == 422 and refused in page_text(plan)
    user = client.post(url_for("admin.new_user"), data={"email": f"new{NULL}@x.example", "display_name": "New",
                                                         "role": "editor", "method": "link"})
    assert user.status_code == 422 and refused in page_text(user)
    assert 'value="New"' in user.get_data(as_text=True)  # the other answers are kept
    audit = client.get(url_for("admin.audit", action=f"auth.sign_in{NULL}"))
    assert audit.status_code == 422 and refused in page_text(audit)


def test_a_null_byte_in_the_council_decision_is_told_next_to_its_field(app):
    """The decision's body, paragraph and case number go through the same form check as every other form."""
    template = plans.template_for("se-vbe")
    decision = {"decision_body": f"Kommun{NULL}fullmäktige", "decision_date": "2026-03-02",
                "decision_paragraph": f"§{NULL}12", "case_number": f"2026/{NULL}77"}
    with app.test_request_context():
        _decision, problems = versions.parse_decision(template, decision)
    for name in ("decision_body", "decision_paragraph", "case_number"):
        assert "cannot be stored (a null byte)" in problems[name], name
    assert "decision_date" not in problems


@pytest.mark.parametrize("args, named", [
    (["municipalities", "create", f"Nul{NULL}by", "--country", "SE"], "name contains a character that cannot be"),
    (["users", "create", "--email", f"a{NULL}@x.example", "--municipality", "Ekdala kommun", "--role", "editor",
      "--password", "a long enough passphrase"], "email contains a character that cannot be stored"),
])
def test_a_null_byte_given_to_a_command_is_refused_by_name_with_nothing_written(runner, seeded, args, named):
    """A prompt's answer (or a value from a script) reaches a command as any argument does."""
    before = row_counts()
    result = runner.invoke(args=args)
    assert result.exit_code == 1 and named in result.output and "Traceback" not in result.output, result.output
    assert row_counts() == before


def row_counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Municipality)),
            db.session.scalar(select(func.count()).select_from(User)))
