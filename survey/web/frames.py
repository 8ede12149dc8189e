"""Coordinators bring phone frames in: upload, map the columns, import as a job, read the error report."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import DomainError, ValidationError
from ..phones import InvalidPhone, mask, mask_within, normalise
from ..sampling.frame_rows import FIELDS, REQUIRED, guess_mapping
from ..services import frames
from ..services.frame_files import open_frame_file
from .labels import FIELD_LABELS

bp = Blueprint("frames", __name__, url_prefix="/frames")
UPLOAD_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")


def _upload_dir() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _upload_path(token: str) -> Path:
    if not token.isalnum():
        abort(404)
    matches = list(_upload_dir().glob(f"{token}.*"))
    if not matches:
        abort(404)
    return matches[0]


@bp.get("/")
def index():
    return render_template("frames/index.html", frames=frames.list_frames())


@bp.post("/upload")
def upload():
    file = request.files.get("file")
    name = (request.form.get("frame_name") or "").strip()
    suffix = Path(file.filename or "").suffix.lower() if file else ""
    if not file or not file.filename:
        flash(_("Choose a file to import."), "error")
        return redirect(url_for("frames.index"))
    if suffix not in UPLOAD_SUFFIXES:
        flash(_("Only CSV and XLSX files can be imported."), "error")
        return redirect(url_for("frames.index"))
    if not name:
        flash(_("Give the frame a name."), "error")
        return redirect(url_for("frames.index"))
    token = secrets.token_hex(12)
    path = _upload_dir() / f"{token}{suffix}"
    file.save(path)
    path.chmod(0o600)
    return redirect(url_for("frames.mapping", token=token, frame_name=name, filename=file.filename[:200]))


@bp.route("/uploads/<token>/mapping", methods=["GET", "POST"])
def mapping(token: str):
    path = _upload_path(token)
    frame_name = request.values.get("frame_name", "")
    filename = request.values.get("filename", path.name)
    try:
        source = open_frame_file(path)
    except ValidationError as exc:
        path.unlink(missing_ok=True)
        flash(_("The file cannot be read: %(reason)s", reason=exc.message), "error")
        return redirect(url_for("frames.index"))
    if request.method == "POST":
        chosen = {field: request.form.get(f"map_{field}", "") for field in FIELDS}
        try:
            frames.check_mapping(source.header, chosen)  # before the frame exists: bad input saves nothing
            frame = frames.find_or_create_frame(frame_name, by=current_user._get_current_object())
            record = frames.start_import(frame.id, path, chosen, allow_partial=bool(request.form.get("allow_partial")),
                                         filename=filename, by=current_user._get_current_object())
        except DomainError as exc:
            for problem in frames.localise_errors(getattr(exc, "details", []), _) or [{"reason": exc.message}]:
                field = problem.get("field", "").removeprefix("mapping.")
                flash(f"{FIELD_LABELS[field]}：{problem['reason']}" if field in FIELD_LABELS else problem["reason"],
                      "error")
            guessed = chosen
        else:
            return redirect(url_for("frames.import_status", import_id=record.id))
    else:
        guessed = guess_mapping(source.header)
    sample = []
    for _number, values, _position in source.rows():
        # A preview never shows a clear number, whichever column holds it and whatever is mapped.
        sample.append([_masked_if_phone(v) for v in values])
        if len(sample) == 5:
            break
    return render_template("frames/mapping.html", token=token, frame_name=frame_name, filename=filename,
                           header=source.header, sample=sample, mapping=guessed, fields=FIELDS, required=REQUIRED,
                           encoding=source.encoding)


def _masked_if_phone(value: object) -> str:
    if value is None:
        return ""
    try:
        normalise(value)
    except InvalidPhone:
        return mask_within(str(value))  # a number among other words ("备用电话 139…") too
    return mask(value)


@bp.get("/imports/<int:import_id>")
def import_status(import_id: int):
    record = frames.get_import(import_id)
    return render_template("frames/import.html", record=record,
                           errors=frames.localise_errors(record.errors[:200], _))


@bp.get("/imports/<int:import_id>/errors.csv")
def import_errors(import_id: int):
    record = frames.get_import(import_id)
    return Response(frames.error_report_csv(record, _), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=frame-import-{record.id}-errors.csv"})
