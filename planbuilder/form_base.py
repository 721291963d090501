"""The base of every form: WTForms' own messages (a date or number that does not parse) in the reader's
language, in every UI language, also inside the rows of a repeating group."""
from __future__ import annotations

import wtforms
from flask_babel import get_translations
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_catalogue

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


class TranslatedMeta:
    def get_translations(self, form):
        return form_translations


class Form(FlaskForm):
    """A page's form: CSRF-protected (Flask-WTF), WTForms' messages translated."""

    class Meta(TranslatedMeta):
        pass


class RowForm(wtforms.Form):
    """One row of a repeating group: part of its section's form, which carries the one CSRF token."""

    class Meta(TranslatedMeta):
        pass
