"""Administration: system status, maintenance jobs, user accounts, phone-number retention and the audit log."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from .. import auditlog
from ..errors import DomainError, ValidationError
from ..extensions import db
from ..models import Department
from ..services import accounts, audit, retention
from ..services import jobs as job_service
from ..services.system import reference_counts, system_status
from .downloads import download
from .forms import PasswordForm, UserCreateForm, UserEditForm, apply_errors

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
def index():
    job_id = request.args.get("job") or job_service.pending(job_service.DEMO_ROUNDS_JOB)
    return render_template("admin/index.html", status=system_status(), reference=reference_counts(),
                           job_id=job_id, retention_days=current_app.config.get("PHONE_RETENTION_DAYS"))


@bp.post("/demo")
def load_demo():
    return _started(job_service.start_demo_load())


@bp.post("/demo-rounds")
def simulate_demo_rounds():
    return _started(job_service.start_demo_rounds())


@bp.post("/queue-check")
def queue_check():
    return _started(job_service.start_queue_check())


@bp.get("/jobs/failed")
def failed_jobs():
    return render_template("admin/failed_jobs.html", jobs=job_service.failed_jobs())


@bp.post("/jobs/<job_id>/retry")
def retry_job(job_id: str):
    if job_service.retry_failed(job_id):
        flash(_("Job %(id)s is queued again.", id=job_id), "info")
    else:
        flash(_("Job %(id)s is not in the failed list any more.", id=job_id), "error")
    return redirect(url_for("admin.failed_jobs"))


def _started(job_id: str | None):
    if job_id is None:
        flash(_("The job queue (Redis) is not reachable: nothing was started. "
                "Run `survey seed demo` from a shell, or start Redis and try again."), "error")
        return redirect(url_for("admin.index"))
    return redirect(url_for("admin.index", job=job_id))


# --- users -----------------------------------------------------------------------------------------

def _department_choices() -> list[SelectChoice]:
    departments = db.session.scalars(select(Department).where(Department.active).order_by(Department.code))
    return [SelectChoice("", "—"), *(SelectChoice(d.code, d.name_zh) for d in departments)]


@bp.get("/users")
def users():
    return render_template("admin/users.html", users=accounts.list_users())


@bp.route("/users/new", methods=["GET", "POST"])
def user_create():
    form = UserCreateForm()
    form.department.choices = _department_choices()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(form.username.data, password=form.password.data, role=form.role.data,
                                        display_name=form.display_name.data or "",
                                        department_code=form.department.data or None,
                                        by=current_user._get_current_object())
        except DomainError as exc:
            _rejected(form, exc)
        else:
            flash(_("User %(name)s created.", name=user.username), "info")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_create.html", form=form), 422 if form.errors or form.form_errors else 200


def _edit_forms(user) -> tuple[UserEditForm, PasswordForm]:
    """The user page's two forms; the role form shows the stored values unless it was just posted."""
    posted = request.method == "POST" and request.endpoint == "admin.user_edit"
    form = UserEditForm(obj=None if posted else user)
    form.department.choices = _department_choices()
    if not posted:
        form.department.data = user.department.code if user.department else ""
    return form, PasswordForm(prefix="pw")


def _rejected(form, exc: DomainError) -> None:
    """Put a service's refusal on the form; nothing of the attempt is kept."""
    db.session.rollback()
    if isinstance(exc, ValidationError):
        apply_errors(form, exc.details)
    else:
        form.form_errors.append(_(exc.message))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = accounts.get_user(user_id)
    form, password_form = _edit_forms(user)
    if form.validate_on_submit():
        try:
            accounts.update_user(user, role=form.role.data, department_code=form.department.data or None,
                                 display_name=form.display_name.data or "", active=form.active.data,
                                 by=current_user._get_current_object())
        except DomainError as exc:
            _rejected(form, exc)
        else:
            flash(_("Saved."), "info")
            return redirect(url_for("admin.users"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("admin/user_edit.html", user=user, form=form, password_form=password_form), status


@bp.post("/users/<int:user_id>/password")
def user_password(user_id: int):
    user = accounts.get_user(user_id)
    form, password_form = _edit_forms(user)
    if password_form.validate_on_submit():
        try:
            accounts.set_password(user, password_form.password.data, by=current_user._get_current_object())
        except DomainError as exc:
            _rejected(password_form, exc)
        else:
            flash(_("Password changed for %(name)s; their open sessions have ended.", name=user.username), "info")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_edit.html", user=user, form=form, password_form=password_form), 422


# --- personal data: phone-number retention ----------------------------------------------------------------

@bp.get("/retention")
def retention_page():
    """The dry run: what an erasure now would erase, per round, and what it keeps for now and why."""
    plan, problem = None, None
    try:
        plan = retention.plan()
    except DomainError as exc:
        db.session.rollback()
        problem = exc.localised(_)
    return render_template("admin/retention.html", plan=plan, problem=problem, recent=retention.recent_erasures())


@bp.post("/retention")
def retention_erase():
    if request.form.get("confirm") != "1":
        flash(_("Tick “%(field)s” to erase: erased numbers cannot be brought back.",
                field=_("I understand that erased numbers cannot be brought back")), "error")
        return redirect(url_for("admin.retention_page")), 303
    try:
        result = retention.erase(by=current_user._get_current_object())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.localised(_), "error")
    else:
        flash(_("%(n)s phone numbers of %(rounds)s rounds erased; the figures are kept.",
                n=format_decimal(result.numbers), rounds=len(result.rounds)), "info")
    return redirect(url_for("admin.retention_page")), 303


# --- the audit log --------------------------------------------------------------------------------------

def _audit_filters() -> auditlog.Filters:
    return auditlog.parse_filters(request.args, audit.kinds())


def _audit_refused(exc: ValidationError):
    db.session.rollback()
    errors = {d["field"]: _(d["message"]) for d in exc.details}
    labels = {"from": _("From (day)"), "to": _("To (day, included)"), "kind": _("Event kind"), "page": _("Page")}
    problem = _("the audit log filter is not valid: %(fields)s", fields="; ".join(
        f"{labels.get(field, field)} ({field}): {message}" for field, message in errors.items()))
    return render_template("admin/audit.html", page=None, kinds=audit.kinds(), errors=errors, problem=problem,
                           args=request.args), 422


@bp.get("/audit")
def audit_log():
    try:
        filters = _audit_filters()
        number = auditlog.parse_page(request.args.get("page"))
    except ValidationError as exc:
        return _audit_refused(exc)
    return render_template("admin/audit.html", page=audit.page(filters, number), kinds=audit.kinds(), errors={},
                           problem=None, args=request.args, filters=filters)


def _audit_export(fmt: str):
    try:
        filters = _audit_filters()
    except ValidationError as exc:
        return _audit_refused(exc)
    headers = [_(h) % {"zone": audit.zone().key} if "%(zone)s" in h else _(h) for h in auditlog.HEADERS]
    body = audit.export(filters, fmt, by=current_user._get_current_object(), headers=headers, title=_("Audit log"))
    name = "-".join(["audit", *filters.args().values()]) + "." + fmt
    mimetype = ("text/csv; charset=utf-8" if fmt == "csv"
                else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return download(body, mimetype, name)


@bp.get("/audit.csv")
def audit_csv():
    return _audit_export("csv")


@bp.get("/audit.xlsx")
def audit_xlsx():
    return _audit_export("xlsx")
