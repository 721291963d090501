"""Answers chosen among the template's options: `single_choice` (radio buttons), `multiple_choice` and
`checklist` (checkboxes; a checklist prints as ticked items)."""
from __future__ import annotations

from wtforms import RadioField, SelectChoice, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from ..template_model import Option
from .base import CHECKBOXES, ITEMS, N_, RADIO, FieldType, Problem, is_empty, register
from .blocks import Item, Items, clean_text
from .declaration import Reader, place_of
from .validators import OTHER_MAX, OTHER_PREFIX, ChoiceAmong

CHOICE_MESSAGES = {
    "not_an_option": N_("'%(value)s' is not one of the options"),
    "not_a_choice_list": N_("must be a list of choices"),
    "other_too_long": N_("has an 'other' answer longer than %(limit)s characters"),
}


def other_text(values) -> str:
    """The "other" answer's own text in a stored or posted list, or ""."""
    found = [v for v in values or [] if isinstance(v, str) and v.startswith(OTHER_PREFIX)]
    return found[0][len(OTHER_PREFIX):] if found else ""


class ChoicesWithOther(SelectMultipleField):
    """Checkboxes and, beside them, a text box for an answer the options do not have; its text comes back as
    one more item of the list (OTHER_PREFIX + text)."""

    def process(self, formdata, data=None, extra_filters=None):
        super().process(formdata, data, extra_filters)
        if formdata is not None:
            text = (formdata.get(self.name + "__other") or "").strip()
            self.data = [v for v in self.data or [] if not v.startswith(OTHER_PREFIX)]
            if text:
                self.data.append(OTHER_PREFIX + text)

    @property
    def other(self) -> str:
        return other_text(self.data)


def read_options(declaration) -> tuple[Option, ...]:
    options = declaration.raw.get("options")
    if not isinstance(options, list) or not options:
        declaration.problem("a choice field needs a non-empty 'options' list")
        return ()
    result, seen = [], set()
    for i, raw in enumerate(options):
        option = Reader(raw if isinstance(raw, dict) else {}, place_of(declaration.place, "options", i, raw),
                        declaration.problems)
        if not isinstance(raw, dict):
            option.problem("an option must have 'value' and 'label'")
            continue
        value = option.unique_id(str(raw.get("value", "")), "option value", seen)
        result.append(Option(value=value, label=option.text("label", required=True)))
    return tuple(result)


def checkbox_list(label, choices, allowed, hint, other: bool = False):
    field_class = ChoicesWithOther if other else SelectMultipleField
    return field_class(label, choices=choices, validate_choice=False, description=hint,
                       widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                       validators=[ChoiceAmong(allowed, other_allowed=other)])


class SingleChoice(FieldType):
    name = "single_choice"
    schema_properties = {"options": {
        "type": "array", "minItems": 1, "description": "The answers to choose among, in order (required).",
        "items": {"type": "object", "required": ["value", "label"], "properties": {
            "value": {"type": ["string", "integer"], "minimum": 0, "pattern": "^[a-z0-9][a-z0-9_-]*$",
                      "description": "Stored in the plan; unique in the list; lowercase letters, digits, '_', '-'."},
            "label": {"type": ["string", "number"], "minLength": 1, "description": "What the user sees."}}}}}
    messages = CHOICE_MESSAGES
    widget = RADIO

    def declare(self, declaration):
        return {"options": read_options(declaration)}

    def form_field(self, field, template):
        choices = [SelectChoice(o.value, o.label) for o in field.options]
        return RadioField(field.label, choices=choices, validate_choice=False, description=field.help,
                          validators=[ChoiceAmong({o.value for o in field.options})])

    def problem(self, field, value, template):
        return None if value in {o.value for o in field.options} else Problem("not_an_option", {"value": str(value)})

    def texts(self, field, value, template, compact=False):
        return () if is_empty(value) else (field.option_label(str(value)),)


class MultipleChoice(FieldType):
    """Several of the template's options; stored as the list of their values, in the order ticked. With
    `other: true`, also an answer of the person's own (a duty the template does not list, say)."""
    name = "multiple_choice"
    schema_properties = {**SingleChoice.schema_properties, "other": {
        "type": "boolean", "description": "true: the person may add an answer of their own beside the options."}}
    messages = CHOICE_MESSAGES
    widget = CHECKBOXES
    diff_style = ITEMS
    multiple = True
    # The document shows the chosen items as ticked (a checklist) rather than as a plain list.
    ticked = False

    def declare(self, declaration):
        return {"options": read_options(declaration), "other": declaration.flag("other")}

    def allowed(self, field, template) -> dict[str, str]:
        """The values that may be stored, with the text a reader sees for each."""
        return {o.value: o.label for o in field.options}

    def form_field(self, field, template):
        allowed = self.allowed(field, template)
        return checkbox_list(field.label, [SelectChoice(v, label) for v, label in allowed.items()], set(allowed),
                             field.help, other=bool(field.settings.get("other")))

    def to_form(self, field, value):
        return [] if is_empty(value) else value

    def from_form(self, field, data, template):
        return list(dict.fromkeys(data or [])) or None

    def problem(self, field, value, template):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return Problem("not_a_choice_list")
        allowed = self.allowed(field, template)
        own = field.settings.get("other")
        unknown = [v for v in value if v not in allowed and not (own and v.startswith(OTHER_PREFIX))]
        if unknown:
            return Problem("not_an_option", {"value": unknown[0]})
        return Problem("other_too_long", {"limit": OTHER_MAX}) if len(other_text(value)) > OTHER_MAX else None

    def texts(self, field, value, template, compact=False):
        if is_empty(value):
            return ()
        values = value if isinstance(value, list) else [value]
        labels = self.allowed(field, template) if template is not None else {}
        return tuple(str(v)[len(OTHER_PREFIX):] if str(v).startswith(OTHER_PREFIX)
                     else labels.get(str(v), field.option_label(str(v))) for v in values)

    def document_block(self, field, value, template, edition):
        items = tuple(Item(clean_text(text)) for text in self.texts(field, value, template))
        return Items(field.label, items, ticked=self.ticked) if items else None


class Checklist(MultipleChoice):
    name = "checklist"
    ticked = True


SINGLE_CHOICE = register(SingleChoice())
MULTIPLE_CHOICE = register(MultipleChoice())
CHECKLIST = register(Checklist())
