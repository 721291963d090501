"""The fixed forms: signing in, accounts, administration, plans and adoption.

Section forms are not written by hand: section_forms.py builds them from the plan template's definitions.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateField, EmailField, PasswordField, RadioField, SelectChoice, SelectField, StringField)
from wtforms.validators import DataRequired, Length, Optional

from .models import ROLES
from .services import accounts
from .services import admin as admin_service

LANGUAGE_NAMES = {"sv": "Svenska", "nb": "Norsk bokmål", "da": "Dansk", "en": "English"}
ROLE_LABELS = {"admin": _l("Admin – manages users and roles"), "editor": _l("Editor – writes plans"),
               "reviewer": _l("Reviewer – reads and comments")}


def _role_choices():
    return [SelectChoice(role, ROLE_LABELS[role]) for role in ROLES]


class SignInForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter your e-mail address.")),
                                                         Length(max=320)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")),
                                                         Length(max=1000)])


class NewPlanForm(FlaskForm):
    title = StringField(_l("Title of the plan"), validators=[DataRequired(_l("Give the plan a title.")),
                                                             Length(max=300)])
    template_id = SelectField(_l("Plan template"), choices=[],
                              validate_choice=True)

    def __init__(self, templates, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.template_id.choices = [SelectChoice(t.id, t.title) for t in templates]


# --- accounts --------------------------------------------------------------------------------------------------

def _password(label, required_message) -> PasswordField:
    """A password field that must be filled in; the length limit keeps hashing a huge input from costing much."""
    return PasswordField(label, validators=[DataRequired(required_message), Length(max=accounts.MAX_PASSWORD_LENGTH)])


class ChoosePasswordForm(FlaskForm):
    new_password = _password(_l("New password"), _l("Choose a password."))
    confirm_password = _password(_l("New password again"), _l("Type the new password again."))


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(_l("Enter your name.")),
                                                            Length(max=accounts.DISPLAY_NAME_MAX_LENGTH)])
    language = SelectField(_l("Language of Planbuilder"), choices=[], validate_choice=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = [SelectChoice("", _("Follow the municipality"))] + [
            SelectChoice(code, LANGUAGE_NAMES[code]) for code in accounts.LANGUAGES]


class PasswordForm(FlaskForm):
    current_password = _password(_l("Current password"), _l("Enter your current password."))
    new_password = _password(_l("New password"), _l("Choose a new password."))
    confirm_password = _password(_l("New password again"), _l("Type the new password again."))


# --- administration --------------------------------------------------------------------------------------------

class NewUserForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter the person's e-mail address.")),
                                                         Length(max=320)])
    display_name = StringField(_l("Name"), validators=[Length(max=accounts.DISPLAY_NAME_MAX_LENGTH)])
    role = RadioField(_l("Role in this municipality"), choices=[], default="reviewer",
                      validators=[DataRequired(_l("Choose a role."))])
    method = RadioField(_l("First sign-in"), default=admin_service.LINK,
                        choices=[SelectChoice(admin_service.LINK, _l("A one-time link with which they choose their password")),
                                 SelectChoice(admin_service.PASSWORD, _l("A password I give them"))])
    password = PasswordField(_l("Initial password"), validators=[Length(max=accounts.MAX_PASSWORD_LENGTH)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()


class RoleForm(FlaskForm):
    role = RadioField(_l("Role"), choices=[], validators=[DataRequired(_l("Choose a role."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    # Unknown values simply match nothing; only the dates can be wrong in a way worth a message.
    action = SelectField(_l("Action"), choices=[], validate_choice=False)
    user = SelectField(_l("Person"), choices=[], validate_choice=False)
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def __init__(self, actions, people, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = [SelectChoice("", _("All actions"))] + [SelectChoice(a, a) for a in actions]
        self.user.choices = [SelectChoice("", _("Everyone"))] + [
            SelectChoice(str(u.id), f"{u.display_name} ({u.email})") for u in people]


# --- versions --------------------------------------------------------------------------------------------------

class AdoptForm(FlaskForm):
    """The council's decision. Only parsed here; the rules (dates, limits) are versions.parse_decision's."""
    decision_body = StringField(_l("Decision-making body"))
    decision_date = StringField(_l("Date of the decision"))
    decision_reference = StringField(_l("Case number or minute paragraph"))
    review_by = StringField(_l("Review the plan by"))
