"""Forms (Flask-WTF: every form carries a CSRF token). Labels are lazily translated."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ..models import ROLES
from .labels import ROLE_LABELS


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    next = HiddenField()


class LanguageForm(FlaskForm):
    lang = SelectField(choices=[SelectChoice("zh_CN", "中文"), SelectChoice("en", "English")])
    next = HiddenField()


class _RoleFields(FlaskForm):
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES])
    department = SelectField(_l("Department (liaisons only)"), choices=[], validate_choice=False)


class UserCreateForm(_RoleFields):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])


class UserEditForm(_RoleFields):
    active = BooleanField(_l("Account active"))


class PasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=128)])
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])


def apply_errors(form: FlaskForm, details: list[dict]) -> None:
    """Show a service's ValidationError details, translated, next to the fields they name."""
    for item in details:
        english = item["message"]
        message = gettext(english)
        field = getattr(form, item.get("field", ""), None)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


def form_number(form, name: str, default: float | int, kind: type = float):
    """A number from a submitted form: the default when left empty, a ValidationError naming the field when it
    is not a number (werkzeug's ``type=`` would silently fall back to the default)."""
    from ..errors import ValidationError
    from ..i18n import N_

    raw = (form.get(name) or "").strip()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        raise ValidationError(N_("%(field)s must be a number"), params={"field": name},
                              details=[{"field": name, "message": f"not a number: {raw[:40]!r}"}]) from None
