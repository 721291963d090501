"""Section forms, built from the plan template's definitions: one form class per (template, revision, section).

Each field's own type builds its form field (planbuilder/fields/), so nothing here knows the types.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectChoice, StringField, ValidationError

from .fields.honest import HONEST_SUFFIX, KINDS, NOT_APPLICABLE, REASON_MAX, REASON_SUFFIX, UNKNOWN, honest_names
from .form_base import Form
from .template_model import Field, PlanTemplate, Section

_SECTION_FORM_CACHE: dict[tuple[str, int, str], type[Form]] = {}


def section_form_class(template: PlanTemplate, section: Section) -> type[Form]:
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
            attributes[field.id] = field.kind.form_field(field, template)
            if field.honest:
                attributes.update(_honest_fields(field))
        _SECTION_FORM_CACHE[key] = type(f"Section_{template.id}_{section.id}", (Form,), attributes)
    return _SECTION_FORM_CACHE[key]


def _reason_given(form, reason) -> None:
    chosen = form[reason.name[:-len(REASON_SUFFIX)] + HONEST_SUFFIX].data
    if chosen in KINDS and not (reason.data or "").strip():
        raise ValidationError(_l("Say in a few words why, for example when it will be known."))
    if len(reason.data or "") > REASON_MAX:
        raise ValidationError(_l("The reason can have at most %(limit)s characters.", limit=REASON_MAX))


def _honest_fields(field: Field) -> dict:
    """"Not known yet" or "not applicable", and the reason the plan prints with it."""
    kind, reason = honest_names(field)
    return {
        kind: RadioField(_l("Your answer"), validate_choice=False, default="",
                         choices=[SelectChoice("", _l("I give the answer above")),
                                  SelectChoice(UNKNOWN, _l("Not known yet")),
                                  SelectChoice(NOT_APPLICABLE, _l("Not applicable"))]),
        reason: StringField(_l("Why (printed in the plan)"), validators=[_reason_given],
                            filters=[lambda text: text.strip() if isinstance(text, str) else text]),
    }
