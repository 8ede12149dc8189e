"""The questionnaire builder: versions, questions, scale templates, indicators, preview, files, diffs."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import instrument as doc
from ..errors import DomainError, ValidationError
from ..i18n import N_
from ..instrument.document import _flag, _number
from ..services import questionnaires, reference
from .forms import field_refusals, query_number, refusal
from .labels import QUESTION_TYPE_LABELS

bp = Blueprint("questionnaires", __name__, url_prefix="/questionnaires")
OPTION_FIELDS = ("code", "label_zh", "label_en", "score", "satisfied", "dont_know", "read_aloud", "ineligible")
BLANK_OPTION_ROWS = 3
# Fields as the forms label them: a refusal names the field at fault by its label.
HEADER_LABELS = {"name": _l("Name (versions share it)"), "title_zh": _l("Title (Chinese)"),
                 "title_en": _l("Title (English)"), "intro_zh": _l("What the caller says first (Chinese)"),
                 "intro_en": _l("What the caller says first (English)")}
REFERENCE_LABELS = {"code": _l("Code"), "name_zh": _l("Name (Chinese)"), "name_en": _l("Name (English)"),
                    "department": _l("Responsible department"), "weight": _l("Default weight"),
                    "options": _l("Answers")}


def _user():
    return current_user._get_current_object()


def _detail(questionnaire_id: int):
    return redirect(url_for("questionnaires.detail", questionnaire_id=questionnaire_id))


@bp.get("/")
def index():
    return render_template("questionnaires/index.html", questionnaires=questionnaires.list_questionnaires(),
                           rounds_using=questionnaires.rounds_using)


@bp.route("/new", methods=["GET", "POST"])
def create():
    errors: list[dict] = []
    if request.method == "POST":
        instrument = doc.Instrument(name=request.form.get("name", "").strip(), **_header(request.form))
        try:
            questionnaire = questionnaires.create(instrument, by=_user())
        except DomainError as exc:
            errors = refusal(exc, HEADER_LABELS)
        else:
            return _detail(questionnaire.id)
    return render_template("questionnaires/new.html", form=request.form, errors=errors), 422 if errors else 200


def _header(form) -> dict[str, str]:
    return {name: form.get(name, "").strip() for name in ("title_zh", "title_en", "intro_zh", "intro_en")}


@bp.post("/import")
def import_file():
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationError(N_("choose a .json or .xlsx questionnaire file"),
                                  details=[{"field": "file", "message": "no file"}])
        questionnaire = questionnaires.import_file(upload.filename, upload.read(), by=_user())
    except ValidationError as exc:
        filename = upload.filename if upload and upload.filename else ""
        errors = refusal(exc, {"file": _l("File")}) if not filename else \
            [{"field": "file", "label": filename, "message": exc.localised(_)}]
        return render_template("questionnaires/import_errors.html", errors=errors,
                               details=exc.details if filename else []), 422
    flash(_("Imported as %(label)s (a draft).", label=questionnaire.label), "info")
    return _detail(questionnaire.id)


@bp.route("/<int:questionnaire_id>", methods=["GET", "POST"])
def detail(questionnaire_id: int):
    questionnaire = questionnaires.get(questionnaire_id)
    if request.method == "POST":  # the header of a draft

        def change(instrument: doc.Instrument) -> None:
            for name, value in _header(request.form).items():
                setattr(instrument, name, value)

        _edit(questionnaire_id, change, _("Saved."))
        return _detail(questionnaire_id)
    problems = questionnaires.problems(questionnaire)
    return render_template(
        "questionnaires/detail.html", questionnaire=questionnaire, problems=problems,
        errors=[p for p in problems if p.level == "error"], versions=questionnaires.versions(questionnaire.name),
        rounds=questionnaires.rounds_using(questionnaire.id), type_labels=QUESTION_TYPE_LABELS,
        weights=questionnaires.document(questionnaire).indicator_weights())


def _edit(questionnaire_id: int, change, message: str) -> bool:
    try:
        questionnaires.edit(questionnaire_id, change, by=_user())
    except DomainError as exc:
        flash(exc.localised(_), "error")
        return False
    flash(message, "info")
    return True


# --- questions --------------------------------------------------------------------------------------

@bp.route("/<int:questionnaire_id>/questions/new", methods=["GET", "POST"])
def question_new(questionnaire_id: int):
    return _question_form(questionnaire_id, None)


@bp.route("/<int:questionnaire_id>/questions/<code>", methods=["GET", "POST"])
def question(questionnaire_id: int, code: str):
    return _question_form(questionnaire_id, code)


def _question_form(questionnaire_id: int, code: str | None):
    questionnaire = questionnaires.get(questionnaire_id)
    instrument = questionnaires.document(questionnaire)
    existing = instrument.question(code) if code else None
    if code and existing is None:
        flash(_("No question %(code)s in %(label)s.", code=code, label=questionnaire.label), "error")
        return _detail(questionnaire_id)
    errors: list[dict[str, Any]] = []
    if request.method == "POST":
        edited, errors = _question_from_form(request.form)
        if request.form.get("action") == "template" and edited.scale:
            try:
                edited.options = questionnaires.scale_options(edited.scale)
            except DomainError as exc:
                errors.append({"field": "scale", "message": exc.localised(_)})
        elif not errors and _save_question(questionnaire_id, code, edited):
            return _detail(questionnaire_id)
        current = edited
    else:
        current = existing or doc.Question(code="", type=request.args.get("type", "scale"), text_zh="",
                                           scale="five_point" if request.args.get("type", "scale") == "scale" else None)
        if existing is None and current.type == "scale" and not current.options:
            current.options = questionnaires.scale_options("five_point")
    position = instrument.questions.index(existing) if existing else len(instrument.questions)
    earlier = [q for q in instrument.questions[:position] if q.type in doc.CHOICE_TYPES]
    problems = [p for p in questionnaires.problems(questionnaire) if code and p.question == code]
    return render_template(
        "questionnaires/question.html", questionnaire=questionnaire, question=current, code=code, errors=errors,
        problems=problems, earlier=earlier, indicators=reference.indicators(), scales=reference.scales(),
        type_labels=QUESTION_TYPE_LABELS, blank_rows=BLANK_OPTION_ROWS), 422 if errors else 200


def _question_from_form(form) -> tuple[doc.Question, list[dict[str, Any]]]:
    """The question as entered; structural problems (a score that is not a number…) are named by field."""
    errors: list[dict[str, Any]] = []

    def problem(where: str, template: str, **params: Any) -> None:
        errors.append({"field": where, "message": _(template, **params)})

    def number(name: str) -> float | None:
        return _number(form.get(name), name, problem)

    options = _options_from_form(form, problem)
    chosen = [v.split(":", 1) for v in form.getlist("condition") if ":" in v]
    condition = None
    if chosen:
        questions = {q for q, _ in chosen}
        if len(questions) > 1:
            problem("condition", "a condition can refer to one question only (chosen: %(codes)s)",
                    codes=", ".join(sorted(questions)))
        condition = doc.Condition(chosen[0][0], [o for q, o in chosen if q == chosen[0][0]])
    kind = form.get("type", "")
    return doc.Question(
        code=form.get("code", "").strip(), type=kind, text_zh=form.get("text_zh", "").strip(),
        text_en=form.get("text_en", "").strip(), indicator=form.get("indicator") or None, weight=number("weight"),
        scale=form.get("scale") or None, options=options if kind in doc.CHOICE_TYPES else [],
        screening=bool(form.get("screening")), required=bool(form.get("required")), condition=condition,
        min_value=number("min_value"), max_value=number("max_value"), eligible_min=number("eligible_min"),
        eligible_max=number("eligible_max")), errors


def _options_from_form(form, problem) -> list[doc.Option]:
    """The rows of the options table; empty and ticked-for-deletion rows are left out."""
    options = []
    try:
        rows = int(form.get("option_rows") or 0)
    except ValueError:
        rows = 0
    for i in range(min(rows, 200)):
        values = {name: form.get(f"option-{i}-{name}", "") for name in OPTION_FIELDS}
        if form.get(f"option-{i}-delete") or not (values["code"].strip() or values["label_zh"].strip()):
            continue
        options.append(doc.Option(
            code=values["code"].strip(), label_zh=values["label_zh"].strip(), label_en=values["label_en"].strip(),
            score=_number(values["score"], f"option-{i}-score", problem),
            satisfied=_flag(values["satisfied"], False), dont_know=_flag(values["dont_know"], False),
            read_aloud=_flag(values["read_aloud"], False), ineligible=_flag(values["ineligible"], False)))
    return options


def _save_question(questionnaire_id: int, code: str | None, edited: doc.Question) -> bool:
    def change(instrument: doc.Instrument) -> None:
        if code is None:
            instrument.questions.append(edited)
            return
        index = next(i for i, q in enumerate(instrument.questions) if q.code == code)
        instrument.questions[index] = edited
        if edited.code != code:  # conditions follow a renamed question
            for q in instrument.questions:
                if q.condition and q.condition.question == code:
                    q.condition.question = edited.code

    return _edit(questionnaire_id, change, _("Question %(code)s saved.", code=edited.code))


@bp.post("/<int:questionnaire_id>/questions/<code>/<any(up, down, delete):action>")
def question_action(questionnaire_id: int, code: str, action: str):
    def change(instrument: doc.Instrument) -> None:
        index = next((i for i, q in enumerate(instrument.questions) if q.code == code), None)
        if index is None:
            return
        if action == "delete":
            del instrument.questions[index]
            return
        other = index - 1 if action == "up" else index + 1
        if 0 <= other < len(instrument.questions):
            instrument.questions[index], instrument.questions[other] = \
                instrument.questions[other], instrument.questions[index]

    _edit(questionnaire_id, change, _("Question %(code)s deleted.", code=code) if action == "delete" else
          _("Question %(code)s moved.", code=code))
    return _detail(questionnaire_id)


# --- versions, files, preview -----------------------------------------------------------------------

@bp.post("/<int:questionnaire_id>/freeze")
def freeze(questionnaire_id: int):
    try:
        questionnaire = questionnaires.freeze(questionnaire_id, by=_user())
    except DomainError as exc:
        flash(exc.localised(_), "error")
    else:
        flash(_("%(label)s is frozen: rounds can field it; changes now go into a new version.",
                label=questionnaire.label), "info")
    return _detail(questionnaire_id)


@bp.post("/<int:questionnaire_id>/new-version")
def new_version(questionnaire_id: int):
    questionnaire = questionnaires.new_version(questionnaire_id, by=_user())
    flash(_("%(label)s created as a draft.", label=questionnaire.label), "info")
    return _detail(questionnaire.id)


@bp.post("/<int:questionnaire_id>/delete")
def delete(questionnaire_id: int):
    try:
        questionnaires.delete_draft(questionnaire_id, by=_user())
    except DomainError as exc:
        flash(exc.localised(_), "error")
        return _detail(questionnaire_id)
    flash(_("The draft was deleted."), "info")
    return redirect(url_for("questionnaires.index"))


@bp.get("/<int:questionnaire_id>/export.<any(json, xlsx):fmt>")
def export(questionnaire_id: int, fmt: str):
    questionnaire = questionnaires.get(questionnaire_id)
    filename = f"questionnaire-{questionnaire.id}-v{questionnaire.version}.{fmt}"
    if fmt == "json":
        body, mimetype = questionnaires.export_json(questionnaire), "application/json"
    else:
        body = questionnaires.export_xlsx(questionnaire)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={filename}"})


@bp.get("/<int:questionnaire_id>/preview")
def preview(questionnaire_id: int):
    questionnaire = questionnaires.get(questionnaire_id)
    return render_template("questionnaires/preview.html", questionnaire=questionnaire,
                           instrument=questionnaires.document(questionnaire))


@bp.get("/<int:questionnaire_id>/compare")
def compare(questionnaire_id: int):
    questionnaire = questionnaires.get(questionnaire_id)
    others = [v for v in questionnaires.versions(questionnaire.name) if v.id != questionnaire.id]
    against_id = query_number("with") or (questionnaire.parent_id or (others[0].id if others else None))
    changes, comparable, against = [], {}, None
    if against_id:
        against = questionnaires.get(against_id)
        changes, comparable = questionnaires.compare(against.id, questionnaire.id)
    return render_template("questionnaires/compare.html", questionnaire=questionnaire, against=against,
                           others=others, changes=changes, comparable=comparable,
                           indicator_names={i.code: i.name_zh for i in reference.indicators()})


# --- scale templates and indicators -----------------------------------------------------------------

@bp.route("/scales", methods=["GET", "POST"])
def scales():
    errors: list[dict[str, Any]] = []
    if request.method == "POST":
        def problem(where: str, template: str, **params: Any) -> None:
            errors.append({"field": where, "message": _(template, **params)})

        options = _options_from_form(request.form, problem)
        try:
            if errors:
                raise ValidationError("check the answers", details=errors)
            reference.create_scale(request.form.get("code", ""), request.form.get("name_zh", ""),
                                   request.form.get("name_en", ""), options, by=_user())
        except ValidationError as exc:
            errors = field_refusals(exc.details, REFERENCE_LABELS) if exc.details else refusal(exc, {})
        else:
            flash(_("Scale template saved."), "info")
            return redirect(url_for("questionnaires.scales"))
    return render_template("questionnaires/scales.html", scales=reference.scales(), errors=errors, form=request.form,
                           blank_rows=6), 422 if errors else 200


@bp.route("/indicators", methods=["GET", "POST"])
def indicators():
    errors: list[dict[str, Any]] = []
    if request.method == "POST":
        try:
            reference.save_indicator(request.form.get("code", ""), request.form.get("name_zh", ""),
                                     request.form.get("name_en", ""), request.form.get("department") or None,
                                     request.form.get("weight", ""), by=_user())
        except ValidationError as exc:
            errors = field_refusals(exc.details, REFERENCE_LABELS) if exc.details else refusal(exc, {})
        else:
            flash(_("Indicator saved."), "info")
            return redirect(url_for("questionnaires.indicators"))
    return render_template("questionnaires/indicators.html", indicators=reference.indicators(),
                           departments=reference.departments(), errors=errors, form=request.form), \
        422 if errors else 200
