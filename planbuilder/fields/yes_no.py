"""`yes_no`: a yes or no, stored as true or false."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice

from .base import N_, RADIO, FieldType, Problem, is_empty, register
from .validators import ChoiceAmong

YES_NO = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]


class YesNo(FieldType):
    name = "yes_no"
    schema_properties = {}  # no settings of its own
    messages = {"not_yes_no": N_("must be yes or no")}
    widget = RADIO

    def form_field(self, field, template):
        return RadioField(field.label, choices=YES_NO, validate_choice=False, description=field.help,
                          validators=[ChoiceAmong({"yes", "no"})])

    def to_form(self, field, value):
        return None if is_empty(value) else ("yes" if value else "no")

    def from_form(self, field, data, template):
        return {"yes": True, "no": False}.get(data)

    def problem(self, field, value, template):
        return None if isinstance(value, bool) else Problem("not_yes_no")

    def texts(self, field, value, template, compact=False):
        return () if is_empty(value) else (_("Yes") if value else _("No"),)


YES_NO_TYPE = register(YesNo())
