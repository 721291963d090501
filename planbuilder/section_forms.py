"""Section forms, built from the plan template's definitions: one form class per (template, revision, section).

Each field's own type builds its form field (planbuilder/fields/), so nothing here knows the types.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectChoice

from .form_base import Form
from .template_model import PlanTemplate, Section

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
        _SECTION_FORM_CACHE[key] = type(f"Section_{template.id}_{section.id}", (Form,), attributes)
    return _SECTION_FORM_CACHE[key]
