"""A field type is one module: a made-up type, registered from this test module alone, works through a
template, the wizard (form, save, reload), check your answers, the printed plan and a comparison.

It is a "date range": two dates typed into two inputs, stored as {"from": ISO date, "to": ISO date}.
"""
from __future__ import annotations

import io
from datetime import date

import pytest
import yaml
from flask import url_for
from markupsafe import Markup, escape
from pypdf import PdfReader
from wtforms import Field as FormField
from wtforms.validators import ValidationError

from planbuilder import fields
from planbuilder.fields.base import N_, FieldType, Problem, is_empty
from planbuilder.fields.date import local_date
from planbuilder.services.compare import diff
from planbuilder.services.documents import rendering as documents
from planbuilder.services.people import accounts
from planbuilder.services.plans import plans
from planbuilder.services.plans.content import content_problems
from tests.conftest import page_text, sign_in_as
from tests.wizard_helpers import post_section, section_url, working_version


class TwoDates:
    """The widget: a "from" and a "to" date input with one name; the browser sends both values."""

    def __call__(self, field, **attributes):
        start, end = field._value()
        disabled = " disabled" if attributes.get("disabled") else ""
        return Markup(
            f'<input type="date" id="{field.id}" name="{field.name}" value="{escape(start)}" '
            f'aria-label="{escape(field.label.text)}: from"{disabled}> – '
            f'<input type="date" id="{field.id}-to" name="{field.name}" value="{escape(end)}" '
            f'aria-label="{escape(field.label.text)}: to"{disabled}>')


class DateRangeFormField(FormField):
    widget = TwoDates()

    def _value(self):
        data = self.data or {}
        return data.get("from", ""), data.get("to", "")

    def process_formdata(self, valuelist):
        start, end = (list(valuelist) + ["", ""])[:2]
        self.data = {"from": start.strip(), "to": end.strip()} if (start or end) else None

    def pre_validate(self, form):
        if not self.data:
            return
        try:
            start, end = (date.fromisoformat(self.data[k]) for k in ("from", "to"))
        except ValueError:
            raise ValidationError("Give both dates, like 2027-01-31.") from None
        if end < start:
            raise ValidationError("The period cannot end before it starts.")


class DateRange(FieldType):
    name = "date_range"
    messages = {"not_a_range": N_("must be two dates, the first not after the second")}

    def form_field(self, field, template):
        return DateRangeFormField(field.label, description=field.help)

    def problem(self, field, value, template):
        try:
            ok = date.fromisoformat(value["from"]) <= date.fromisoformat(value["to"])
        except (TypeError, KeyError, ValueError):
            ok = False
        return None if ok else Problem("not_a_range")

    def texts(self, field, value, template, compact=False):
        if is_empty(value):
            return ()
        return (f"{local_date(value['from'], compact)} – {local_date(value['to'], compact)}",)


TEMPLATE = {
    "id": "se-test-ranges", "revision": 1, "country": "SE", "language": "sv", "title": "Plan med perioder",
    "sections": [{"id": "period", "title": "Planperiod", "fields": [
        {"id": "giltighet", "type": "date_range", "label": "Planen gäller", "required": True},
        {"id": "kommentar", "type": "short_text", "label": "Kommentar"},
    ]}],
}


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory):
    fields.register(DateRange())
    folder = tmp_path_factory.mktemp("templates")
    (folder / "se-test-ranges.yaml").write_text(yaml.safe_dump(TEMPLATE, allow_unicode=True), encoding="utf-8")
    yield folder
    fields.unregister("date_range")


@pytest.fixture
def app_config(template_dir):
    return {"PLAN_TEMPLATES_DIR": str(template_dir)}


@pytest.fixture
def editor(app, client):
    municipality = accounts.create_municipality("Testby kommun", "SE", "en")
    accounts.create_user("editor@testby.example", "Editor", "a-long-password", municipality, "editor")
    sign_in_as(client, "editor@testby.example", "a-long-password")
    response = client.post(url_for("plans.create"), data={"title": "Perioder", "template_id": "se-test-ranges"})
    assert response.status_code == 303
    return client, plans.all_plans()[0]


def test_the_template_declaring_the_new_type_passes_the_check(runner, template_dir):
    result = runner.invoke(args=["templates", "check", str(template_dir / "se-test-ranges.yaml")])
    assert result.exit_code == 0, result.output
    assert "ok  se-test-ranges" in result.output


def test_an_unregistered_type_is_refused_by_name(runner, tmp_path):
    broken = {**TEMPLATE, "sections": [{"id": "period", "title": "Planperiod", "fields": [
        {"id": "giltighet", "type": "date_rang", "label": "Planen gäller"}]}]}
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    result = runner.invoke(args=["templates", "check", str(path)])
    assert result.exit_code == 1
    assert "unknown field type 'date_rang'" in result.output and "date_range" in result.output


def test_the_wizard_saves_and_shows_the_new_type_again(editor):
    client, plan = editor
    page = client.get(section_url(plan.id, "period")).get_data(as_text=True)
    assert 'id="giltighet-to"' in page  # the type's own widget
    response = post_section(client, plan.id, "period", {"giltighet": ["2027-01-01", "2027-06-30"]})
    assert response.status_code == 303
    assert working_version(plan.id).content["period"]["giltighet"] == {"from": "2027-01-01", "to": "2027-06-30"}
    again = client.get(section_url(plan.id, "period")).get_data(as_text=True)
    assert 'value="2027-01-01"' in again and 'value="2027-06-30"' in again


def test_the_new_types_own_validation_speaks_next_to_the_field(editor):
    client, plan = editor
    response = post_section(client, plan.id, "period", {"giltighet": ["2027-06-30", "2027-01-01"],
                                                         "kommentar": "Kept"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="giltighet-error"' in html and "The period cannot end before it starts." in page_text(response)
    assert 'value="Kept"' in html
    assert "giltighet" not in (working_version(plan.id).content.get("period") or {})


def test_check_your_answers_the_pdf_and_the_comparison_read_it_the_same_way(editor):
    client, plan = editor
    post_section(client, plan.id, "period", {"giltighet": ["2027-01-01", "2027-06-30"]})
    answers = page_text(client.get(url_for("wizard.check", plan_id=plan.id)))
    assert "1 January 2027 – 30 June 2027" in answers  # the reader's language (English here)

    version = working_version(plan.id)
    pdf = PdfReader(io.BytesIO(documents.render_pdf(version, "internal")))
    assert "1 januari 2027 – 30 juni 2027" in " ".join(p.extract_text() for p in pdf.pages)  # the plan's own

    template = plans.template_for("se-test-ranges")
    later = {"period": {"giltighet": {"from": "2027-01-01", "to": "2027-12-31"}}}
    change = diff.compare(template, version.content, template, later).section("period").changes[0]
    assert (change.kind, change.old, change.new) == (
        "changed", ("1 January 2027 – 30 June 2027",), ("1 January 2027 – 31 December 2027",))


def test_a_stored_value_that_does_not_fit_the_new_type_is_named(app):
    template = plans.template_for("se-test-ranges")
    problems = content_problems(template, {"period": {"giltighet": {"from": "2027-06-30", "to": "2027-01-01"}}})
    assert problems == ["period › giltighet: must be two dates, the first not after the second"]
