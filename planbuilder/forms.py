"""The fixed forms: signing in, accounts, administration, plans, adoption, comments and share links.

Section forms are not written by hand: section_forms.py builds them from the plan template's definitions.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, EmailField, PasswordField, RadioField, SelectChoice, SelectField, StringField
from wtforms.fields import HiddenField, IntegerField, SelectMultipleField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from . import locales
from .fields.number import FiniteNumber, LocalDecimalField
from .form_base import Form
from .models import ROLES
from .services.documents.document_model import EDITIONS
from .services.mail.messages import KINDS as MAIL_KINDS
from .services.people import accounts, sharing
from .services.people import admin as admin_service
from .services.plans import review as review_service
from .services.plans.follow_up import COMMENT_MAX_LENGTH as FOLLOW_UP_COMMENT_MAX

ROLE_LABELS = {"admin": _l("Admin – manages users and roles"), "editor": _l("Editor – writes plans"),
               "reviewer": _l("Reviewer – reads and comments")}


def _role_choices():
    return [SelectChoice(role, ROLE_LABELS[role]) for role in ROLES]


def _email_field() -> EmailField:
    return EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter your e-mail address.")),
                                                        Length(max=320)])


class SignInForm(Form):
    email = _email_field()
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")),
                                                         Length(max=1000)])


class ForgotPasswordForm(Form):
    email = _email_field()


class NewPlanForm(Form):
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


class ChoosePasswordForm(Form):
    new_password = _password(_l("New password"), _l("Choose a password."))
    confirm_password = _password(_l("New password again"), _l("Type the new password again."))


class MailPreferencesForm(Form):
    """The kinds of mail the person gets (ticked) and does not (unticked); services/mail/preferences.py."""
    wanted = SelectMultipleField(_l("Tell me by e-mail when"),
                                 choices=[SelectChoice(kind, label) for kind, label in MAIL_KINDS.items()],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


class ProfileForm(Form):
    display_name = StringField(_l("Your name"), validators=[DataRequired(_l("Enter your name.")),
                                                            Length(max=accounts.DISPLAY_NAME_MAX_LENGTH)])
    language = SelectField(_l("Language of Planbuilder"), choices=[], validate_choice=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = [SelectChoice("", _("Follow the municipality"))] + [
            SelectChoice(code, locales.language_name(code)) for code in locales.ui_languages()]


class PasswordForm(Form):
    current_password = _password(_l("Current password"), _l("Enter your current password."))
    new_password = _password(_l("New password"), _l("Choose a new password."))
    confirm_password = _password(_l("New password again"), _l("Type the new password again."))


# --- administration --------------------------------------------------------------------------------------------

class NewUserForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter the person's e-mail address.")),
                                                         Length(max=320)])
    display_name = StringField(_l("Name"), validators=[Length(max=accounts.DISPLAY_NAME_MAX_LENGTH)])
    role = RadioField(_l("Role in this municipality"), choices=[], default="reviewer",
                      validators=[DataRequired(_l("Choose a role."))])
    method = RadioField(_l("First sign-in"), default=admin_service.LINK,
                        choices=[SelectChoice(admin_service.LINK,
                                              _l("A one-time link with which they choose their password")),
                                 SelectChoice(admin_service.PASSWORD, _l("A password I give them"))])
    password = PasswordField(_l("Initial password"), validators=[Length(max=accounts.MAX_PASSWORD_LENGTH)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()


class RoleForm(Form):
    role = RadioField(_l("Role"), choices=[], validators=[DataRequired(_l("Choose a role."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()


class AuditFilterForm(Form):
    class Meta:
        csrf = False  # a GET search form changes nothing

    # Unknown values simply match nothing; only the dates can be wrong in a way worth a message.
    action = SelectField(_l("Action"), choices=[], validate_choice=False)
    user = SelectField(_l("Person"), choices=[], validate_choice=False)
    plan = SelectField(_l("Plan"), choices=[], validate_choice=False)
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def __init__(self, actions: list[tuple[str, str]], people, plans, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = [SelectChoice("", _("Everything but sign-ins"))] + [
            SelectChoice(value, label) for value, label in actions]
        self.user.choices = [SelectChoice("", _("Everyone"))] + [
            SelectChoice(str(u.id), f"{u.display_name} ({u.email})") for u in people]
        self.plan.choices = [SelectChoice("", _("All plans"))] + [SelectChoice(str(p.id), p.title) for p in plans]


# --- versions --------------------------------------------------------------------------------------------------

# --- parsing and checking typed input, for the forms below -----------------------------------------------------

def _stripped(value):
    return value.strip() if isinstance(value, str) else value


def _comment_text(value):
    """A comment as stored: Windows line ends made plain, blank lines and spaces around it dropped."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


class AtMost:
    """At most `limit` characters; the message can name the limit (%(limit)s) and the length typed (%(count)s)."""

    def __init__(self, limit: int, message):
        self.limit, self.message = limit, message

    def __call__(self, form, field):
        if field.data and len(field.data) > self.limit:
            raise ValidationError(str(self.message) % {"limit": self.limit, "count": len(field.data)})


class Filled:
    """Something other than spaces was typed. Unlike DataRequired it looks at the text as typed, so a date that
    does not parse keeps its own message instead of being called missing."""

    field_flags = {"required": True}

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if field.raw_data and str(field.raw_data[0]).strip():
            return
        field.errors[:] = []
        raise StopValidation(str(self.message))


class _TypedText:
    """A value typed into a text box and read by `parse`: spaces around it do not matter, an empty box is no
    value (None) rather than a wrong one, and a wrong one gets invalid_message and is shown again as typed."""

    def __init__(self, label=None, validators=None, *, invalid_message, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message

    def parse(self, text: str):
        raise NotImplementedError

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        text = str(valuelist[0]).strip()
        if text:
            try:
                self.data = self.parse(text)
            except ValueError:
                raise ValueError(str(self.invalid_message)) from None


class DayField(_TypedText, DateField):
    """A day as year-month-day (what a date input sends)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format="%Y-%m-%d", **kwargs)

    def parse(self, text: str) -> date:
        return date.fromisoformat(text)


class WholeNumberField(_TypedText, IntegerField):
    """A whole number typed in a text box (digits only; a box of type "number" would hide a mistyped "ten")."""

    widget = TextInput()

    def parse(self, text: str) -> int:
        if not text.isdigit():
            raise ValueError(text)
        return int(text)  # also refuses digits int() does not read ("²") and absurdly long numbers


# --- adoption ---------------------------------------------------------------------------------------------------

DECISION_TEXT_MAX = 200
DECISION_PARAGRAPH_MAX = 100  # the paragraph and the case number: as long as their columns
_DATE_FORMAT_MESSAGE = _l("Enter the date as year-month-day, for example 2027-03-15.")


def _decision_text(label, required_message, limit: int = DECISION_TEXT_MAX) -> StringField:
    return StringField(label, filters=[_stripped], validators=[
        DataRequired(required_message), AtMost(limit, _l("This can have at most %(limit)s characters."))])


class LabelForm(Form):
    """A version's label; what it may be is services/plans/labels.rename's to say."""
    label = StringField(_l("Label of the version"))


class DecisionForm(Form):
    """The council's decision as typed: the body, the paragraph and the case number filled in and not too long,
    the dates real days. The rules that weigh the dates (not in the future, review-by after the decision and
    within the law) are versions.parse_decision's, which reads a plain dict through this form too."""
    decision_body = _decision_text(_l("Decision-making body"),
                                   _l("Enter the body that adopted the plan, for example the municipal council."))
    decision_date = DayField(_l("Date of the decision"), validators=[Filled(_l("Enter the date of the decision."))],
                             invalid_message=_DATE_FORMAT_MESSAGE)
    decision_paragraph = _decision_text(_l("Minute paragraph"),
                                        _l("Enter the paragraph of the minutes that records the decision."),
                                        DECISION_PARAGRAPH_MAX)
    case_number = _decision_text(_l("Case number"), _l("Enter the case number the decision was made under."),
                                 DECISION_PARAGRAPH_MAX)
    review_by = DayField(_l("Review the plan by"), validators=[Optional()], invalid_message=_DATE_FORMAT_MESSAGE)


CORRECTION_REASON_MAX = 1000


class CorrectionForm(DecisionForm):
    """The decision as it should have been recorded, and why it is corrected (services/plans/corrections.py)."""
    reason = TextAreaField(_l("Why the recorded decision is corrected"), filters=[_stripped],
                           render_kw={"rows": 3}, validators=[
                               DataRequired(_l("Say why the decision is corrected; the reason is kept with it.")),
                               AtMost(CORRECTION_REASON_MAX, _l("This can have at most %(limit)s characters."))])


# --- review: comments and share links ---------------------------------------------------------------------------

class CommentPanelForm(Form):
    """What every form of a section's comment panel sends: `back`, the page a plain (not htmx) post returns to:
    the wizard's section page, else the review page. On its own: resolving and reopening a thread."""
    back = HiddenField(filters=[lambda value: "wizard" if value == "wizard" else "review"])


def _comment_body(label, rows: int) -> TextAreaField:
    return TextAreaField(label, filters=[_comment_text], render_kw={"rows": rows}, validators=[
        DataRequired(_l("Write your comment before sending it.")),
        AtMost(review_service.COMMENT_MAX_LENGTH,
               _l("A comment can have at most %(limit)s characters; this one has %(count)s."))])


class CommentForm(CommentPanelForm):
    """A new comment on a section: some text, at most review.COMMENT_MAX_LENGTH characters.

    A panel has several comment boxes that all post `body`; box_id is this one's id on the page."""
    body = _comment_body(_l("Comment on this section"), rows=4)

    def __init__(self, *args, box_id: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if box_id:
            self.body.id = self.body.label.field_id = box_id


class ReplyForm(CommentForm):
    """A reply in a thread, checked as a comment is."""
    body = _comment_body(_l("Your reply"), rows=3)


class ShareLinkForm(Form):
    """A new share link: the edition one of those there are (the public one when none is chosen), the days a
    whole number (the default when empty). How many days a link may work is sharing.create_link's rule."""
    edition = RadioField(_l("Edition"), id="share-edition", choices=[SelectChoice(e, e) for e in EDITIONS],
                         default=sharing.DEFAULT_EDITION, validate_choice=False,
                         validators=[Optional(),
                                     AnyOf(EDITIONS, message=_l("Choose the internal or the public edition."))])
    days = WholeNumberField(_l("Works for how many days"), id="share-days", default=sharing.DEFAULT_DAYS,
                            validators=[Optional()],
                            invalid_message=_l("Choose a number of days from 1 to %(max)s.", max=sharing.MAX_DAYS))


# --- follow-up of an adopted plan's measures --------------------------------------------------------------------

class FollowUpForm(Form):
    """One follow-up of one measure. The status's choices are the template's (set by the view); the rules that
    need the plan (not in the future, not before the adoption) are services/plans/follow_up.py's."""
    entry_date = DayField(_l("Date of the follow-up"), validators=[Filled(_l("Enter the date of the follow-up."))],
                          invalid_message=_DATE_FORMAT_MESSAGE)
    status = RadioField(_l("Status"), validators=[DataRequired(_l("Choose the measure's status."))],
                        validate_choice=False)
    comment = TextAreaField(_l("What was done, and why it is late if it is"), filters=[_comment_text],
                            render_kw={"rows": 3},
                            validators=[AtMost(FOLLOW_UP_COMMENT_MAX,
                                               _l("A comment can have at most %(limit)s characters; this one "
                                                  "has %(count)s."))])
    indicator_value = LocalDecimalField(_l("Indicator value (optional)"), validators=[Optional(), FiniteNumber()],
                                        places=None)
