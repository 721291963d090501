"""The base of every form: WTForms' own messages (a date or number that does not parse) in the reader's
language, in every UI language, also inside the rows of a repeating group."""
from __future__ import annotations

import wtforms
from flask_babel import get_translations
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_catalogue
from wtforms import FieldList, FormField
from wtforms.validators import ValidationError

from .fields.base import N_

# --- WTForms' own messages ----------------------------------------------------------------------------------------

# The messages WTForms itself gives that our forms can show: a choice, date or number that does not parse or fit.
# WTForms ships Swedish and Norwegian catalogues but no Danish one, so ours translate these in every UI language.
FORM_MESSAGES = frozenset({
    N_("Not a valid choice."),
    N_("Not a valid date value."),
    N_("Not a valid decimal value."),
    N_("Number must be at least %(min)s."),
    N_("Number must be at most %(max)s."),
    N_("Number must be between %(min)s and %(max)s."),
})


class FormTranslations:
    """What a form's Meta.get_translations returns: FORM_MESSAGES from our catalogues, in the request's
    language; any other WTForms message from WTForms' catalogue, as Flask-WTF does by default."""

    def gettext(self, string: str) -> str:
        if string in FORM_MESSAGES:
            return get_translations().ugettext(string)  # WTForms fills in the %(min)s itself
        return wtforms_catalogue.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return wtforms_catalogue.ngettext(singular, plural, n)


form_translations = FormTranslations()


class StorableText:
    """Text the database can store: PostgreSQL refuses the null character, so a pasted one would fail the save
    with an error instead of a message next to the field."""

    def __call__(self, form, field):
        values = field.data if isinstance(field.data, list) else [field.data]
        if any(isinstance(value, str) and "\x00" in value for value in values):
            raise ValidationError(_("This contains a character that cannot be stored (a null byte)."))


class TranslatedMeta:
    """Every form's Meta: WTForms' messages in the reader's language, and every text field checked once, here,
    for what cannot be stored (query arguments and rows included)."""

    def get_translations(self, form):
        return form_translations

    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        if not isinstance(field, (FieldList, FormField)):  # those check their own fields
            field.validators = [*field.validators, StorableText()]
        return field


class Form(FlaskForm):
    """A page's form: CSRF-protected (Flask-WTF), WTForms' messages translated."""

    class Meta(TranslatedMeta):
        pass


class RowForm(wtforms.Form):
    """One row of a repeating group: part of its section's form, which carries the one CSRF token."""

    class Meta(TranslatedMeta):
        pass
