"""Forms (Flask-WTF: every form carries a CSRF token). Labels are lazily translated."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from flask import request
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


# The largest whole number the database stores (64-bit); an id or count beyond it is refused by field, not sent on.
LARGEST_INTEGER = 2**63 - 1


def refusal(exc, labels: Mapping[str, Any]) -> list[dict[str, str]]:
    """A refused submission as its form shows it (``macros/forms.html`` ``refusals``): the message, led by the label
    of the field at fault, which links to the input; one line per field when the service names several."""
    details = [d for d in getattr(exc, "details", []) or [] if d.get("field") in labels]
    # Several problems, or one with its own translatable template: each in the reader's language by its field.
    if len(details) > 1 or (details and details[0].get("template")):
        return field_refusals(details, labels)
    field = details[0]["field"] if details else ""
    return [{"field": field, "label": str(labels[field]) if field else "", "message": exc.localised(gettext)}]


def field_refusals(details: list[dict[str, Any]], labels: Mapping[str, Any]) -> list[dict[str, str]]:
    """Problems named by field (``{"field", "message"}``), each with the field's label when the form has one."""
    return [{"field": d.get("field", ""), "label": str(labels.get(d.get("field", ""), "")),
             "message": gettext(d["template"], **d.get("params", {})) if d.get("template") else gettext(d["message"])}
            for d in details]


def form_number(form, name: str, default: float | int, kind: type = float):
    """A number from a submitted form: the default when left empty, a ValidationError naming the field when it
    is not a number (werkzeug's ``type=`` would silently fall back to the default), not finite, or a whole number
    too large to store."""
    from ..errors import ValidationError
    from ..i18n import N_

    raw = (form.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
        if value != value:  # NaN
            raise ValueError
    except ValueError:
        raise ValidationError(N_("%(field)s must be a number"), params={"field": name},
                              details=[{"field": name, "message": f"not a number: {raw[:40]!r}"}]) from None
    if (kind is float and math.isinf(value)) or (kind is int and abs(value) > LARGEST_INTEGER):
        raise ValidationError(N_("%(field)s is out of range"), params={"field": name},
                              details=[{"field": name, "message": f"out of range: {raw[:40]!r}"}])
    return value


def query_number(name: str, default: float | int | None = None, kind: type = int):
    """A number from the query string (a page's filter, page number or choice), parsed as :func:`form_number`
    parses forms: a value that is not a number is refused naming the parameter, never silently ignored."""
    return form_number(request.args, name, default, kind)
