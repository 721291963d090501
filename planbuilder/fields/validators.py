"""WTForms validators the field types share."""
from __future__ import annotations

from flask_babel import gettext as _
from wtforms.validators import ValidationError


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
