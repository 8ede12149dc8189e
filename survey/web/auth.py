"""Log in, log out, choose the language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..extensions import db, login_manager
from ..services import accounts, audit
from .errors import wants_json
from .forms import LanguageForm, LoginForm

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def _load_user(session_id: str):
    return accounts.load_session_user(session_id)


@login_manager.unauthorized_handler
def _unauthorized():
    if wants_json():
        return jsonify({"error": "Unauthorized", "message": "log in first"}), 401
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: never redirect a user to another host after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def client_ip() -> str:
    return (request.remote_addr or "unknown")[:64]


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        try:
            result = accounts.authenticate(form.username.data, form.password.data, ip=client_ip())
        except accounts.LoginThrottled as exc:
            minutes = max(1, round(exc.context["retry_after"] / 60))
            form.form_errors.append(_("Too many failed attempts. Try again in %(minutes)d minutes.", minutes=minutes))
            status = 429
        else:
            if result.user is not None:
                lang = session.get("lang")
                session.clear()  # a fresh session at every login (no fixation)
                login_user(result.user)
                if lang and lang != result.user.locale:
                    accounts.set_locale(result.user, lang)
                return redirect(safe_next(form.next.data) or url_for("main.home"))
            form.form_errors.append(_("This account is disabled.") if result.reason == "disabled"
                                    else _("Wrong user name or password."))
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    audit.record("logout", actor=current_user._get_current_object(), ip=client_ip())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language():
    form = LanguageForm()
    if not form.validate_on_submit():
        current_app.logger.info("language switch refused: %s", form.errors)
        return redirect(url_for("main.home"))
    session["lang"] = form.lang.data
    if current_user.is_authenticated:
        accounts.set_locale(current_user._get_current_object(), form.lang.data)
    return redirect(safe_next(form.next.data) or url_for("main.home"))
