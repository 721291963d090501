"""Section forms, built from the plan template's definitions: one form class per (template, revision, section)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateField, DecimalField, FieldList, Form, FormField, HiddenField, RadioField, SelectChoice,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .plan_templates import Field as TemplateField
from .plan_templates import PlanTemplate, Section


class ChoiceAmong:
    """Accepts only values offered by the template; an empty answer is left to completeness checks."""

    def __init__(self, allowed: set[str]):
        self.allowed = allowed

    def __call__(self, form, field):
        values = field.data if isinstance(field.data, list) else [field.data]
        if any(v not in self.allowed for v in values if v not in (None, "")):
            raise ValidationError(_("Choose one of the options shown."))


class LengthAtMost:
    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, form, field):
        if field.data and len(field.data) > self.limit:
            raise ValidationError(_("This can have at most %(limit)s characters; it has %(count)s.",
                                    limit=self.limit, count=len(field.data)))


class FiniteNumber:
    """NaN and infinity parse as numbers but cannot be stored as JSON (PostgreSQL refuses them)."""

    def __call__(self, form, field):
        if field.data is not None and not field.data.is_finite():
            raise ValidationError(_("Enter a number."))


class NoNullCharacters:
    def __call__(self, form, field):
        if field.data and "\x00" in field.data:
            raise ValidationError(_("This contains a character that cannot be stored (a null byte)."))


YES_NO = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]


def _checkbox_list(label, choices, allowed, hint):
    return SelectMultipleField(label, choices=choices, validate_choice=False, description=hint,
                               widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                               validators=[ChoiceAmong(allowed)])


def _wtforms_field(field: TemplateField, template: PlanTemplate):
    """One WTForms field for one template field (groups are built by _group_field)."""
    label, hint = field.label, field.help
    text_validators = [LengthAtMost(field.max_length or 10000), NoNullCharacters()]
    kind = field.type
    if kind == "short_text":
        return StringField(label, description=hint, validators=text_validators, filters=[_strip])
    if kind == "long_text":
        return TextAreaField(label, description=hint, validators=text_validators)
    if kind == "single_choice":
        choices = [SelectChoice(o.value, o.label) for o in field.options]
        return RadioField(label, choices=choices, validate_choice=False, description=hint,
                          validators=[ChoiceAmong({o.value for o in field.options})])
    if kind in ("multiple_choice", "checklist"):
        choices = [SelectChoice(o.value, o.label) for o in field.options]
        return _checkbox_list(label, choices, {o.value for o in field.options}, hint)
    if kind == "catalogue":
        entries = template.catalogues.get(field.catalogue or "", ())
        return _checkbox_list(label, [SelectChoice(e.id, e.name) for e in entries], {e.id for e in entries}, hint)
    if kind == "date":
        return DateField(label, description=hint, validators=[Optional()],
                         render_kw={"autocomplete": "off"})
    if kind == "number":
        return DecimalField(label, description=hint, places=None,
                            validators=[Optional(), FiniteNumber(), NumberRange(min=field.min, max=field.max)])
    if kind == "yes_no":
        return RadioField(label, choices=YES_NO, validate_choice=False, description=hint,
                          validators=[ChoiceAmong({"yes", "no"})])
    raise ValueError(f"no form field for type {kind}")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class RowsAtMost:
    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, form, field):
        if len(field.entries) > self.limit:
            raise ValidationError(_("There can be at most %(limit)s rows here.", limit=self.limit))


def _row_form_class(field: TemplateField, template: PlanTemplate) -> type[Form]:
    # Plain wtforms.Form: rows are part of the section form, which carries the one CSRF token.
    attributes = {"row_id": HiddenField(), "row_ref": HiddenField()}
    for sub in field.fields:
        attributes[sub.id] = _wtforms_field(sub, template)
    return type(f"Row_{field.id}", (Form,), attributes)


def _group_field(field: TemplateField, template: PlanTemplate):
    return FieldList(FormField(_row_form_class(field, template)), label=field.label, description=field.help,
                     min_entries=0, validators=[RowsAtMost(field.max_rows)])


_SECTION_FORM_CACHE: dict[tuple[str, int, str], type[FlaskForm]] = {}


def section_form_class(template: PlanTemplate, section: Section) -> type[FlaskForm]:
    """The form class for one section, built once per template revision from the field definitions."""
    key = (template.id, template.revision, section.id)
    if key not in _SECTION_FORM_CACHE:
        attributes = {
            "lock": HiddenField(),
            "completed": RadioField(_l("Have you completed this section?"), validate_choice=False,
                                    choices=[SelectChoice("yes", _l("Yes, I have completed this section")),
                                             SelectChoice("no", _l("No, I will come back to it later"))]),
        }
        for field in section.fields:
            attributes[field.id] = (_group_field(field, template) if field.is_group
                                    else _wtforms_field(field, template))
        _SECTION_FORM_CACHE[key] = type(f"Section_{template.id}_{section.id}", (FlaskForm,), attributes)
    return _SECTION_FORM_CACHE[key]
