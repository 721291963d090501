"""Forms. Fixed forms for accounts and plans here; section forms are built from the template definitions."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length


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
        self.template_id.choices = [(t.id, t.title) for t in templates]
