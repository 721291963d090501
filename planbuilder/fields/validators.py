"""WTForms validators the field types share."""
from __future__ import annotations

from flask_babel import gettext as _
from wtforms.validators import ValidationError

# A choice list that allows "other" stores the person's own answer as one more item: OTHER_PREFIX + its text
# (option values never hold a colon).
OTHER_PREFIX = "other:"
OTHER_MAX = 300


class ChoiceAmong:
    """Accepts only values offered by the template; an empty answer is left to completeness checks."""

    def __init__(self, allowed: set[str], other_allowed: bool = False):
        self.allowed = allowed
        self.other_allowed = other_allowed  # "other:<text>", the person's own answer (fields/choice.py)

    def __call__(self, form, field):
        values = field.data if isinstance(field.data, list) else [field.data]
        own = [v for v in values if self.other_allowed and isinstance(v, str) and v.startswith(OTHER_PREFIX)]
        if any(v not in self.allowed for v in values if v not in (None, "") and v not in own):
            raise ValidationError(_("Choose one of the options shown."))
        if any(len(v) - len(OTHER_PREFIX) > OTHER_MAX for v in own):
            raise ValidationError(_("Your own answer can have at most %(limit)s characters.", limit=OTHER_MAX))


class LengthAtMost:
    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, form, field):
        if field.data and len(field.data) > self.limit:
            raise ValidationError(_("This can have at most %(limit)s characters; it has %(count)s.",
                                    limit=self.limit, count=len(field.data)))
