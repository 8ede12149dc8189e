"""Questionnaire versions: build a draft, check it, freeze it, start the next version, compare, import/export.

A draft is edited as a document (:mod:`survey.instrument`): load it, change it, save it — the rows
are rewritten, which is fine because no answer can refer to a draft. A frozen version never changes;
editing it means starting a new version (``new_version``). Rounds field frozen versions only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import instrument as doc
from ..errors import InvalidState, NotFound, ValidationError
from ..extensions import db
from ..i18n import N_
from ..models import Indicator, Question, Questionnaire, QuestionOption, Round, Scale, User
from ..models.types import too_long, utcnow
from . import audit


def list_questionnaires() -> list[Questionnaire]:
    return list(db.session.scalars(select(Questionnaire).order_by(Questionnaire.name, Questionnaire.version.desc())))


def get(questionnaire_id: int) -> Questionnaire:
    questionnaire = db.session.get(Questionnaire, questionnaire_id)
    if questionnaire is None:
        raise NotFound(N_("no such questionnaire"))
    return questionnaire


def versions(name: str) -> list[Questionnaire]:
    return list(db.session.scalars(select(Questionnaire).where(Questionnaire.name == name)
                                   .order_by(Questionnaire.version.desc())))


def rounds_using(questionnaire_id: int) -> list[Round]:
    return list(db.session.scalars(select(Round).where(Round.questionnaire_id == questionnaire_id).order_by(Round.id)))


def indicator_codes() -> list[str]:
    return list(db.session.scalars(select(Indicator.code).order_by(Indicator.position, Indicator.id)))


# --- document ⇄ rows ------------------------------------------------------------------------------

def document(questionnaire: Questionnaire) -> doc.Instrument:
    return doc.Instrument(
        name=questionnaire.name, title_zh=questionnaire.title_zh, title_en=questionnaire.title_en,
        intro_zh=questionnaire.intro_zh, intro_en=questionnaire.intro_en,
        questions=[doc.Question(
            code=q.code, type=q.type, text_zh=q.text_zh, text_en=q.text_en,
            indicator=q.indicator.code if q.indicator else None, weight=q.weight, scale=q.scale_code,
            screening=q.screening, required=q.required,
            condition=doc.Condition(q.condition["question"], list(q.condition.get("options", [])))
            if q.condition else None,
            min_value=q.min_value, max_value=q.max_value, eligible_min=q.eligible_min, eligible_max=q.eligible_max,
            options=[doc.Option(code=o.code, label_zh=o.label_zh, label_en=o.label_en, score=o.score,
                                satisfied=o.satisfied, dont_know=o.dont_know, read_aloud=o.read_aloud,
                                ineligible=o.ineligible) for o in q.options])
            for q in questionnaire.questions])


# A frozen version never changes, so each process keeps its document and its ids once read (the
# caller's screen and every submission need them; reading them costs one query per question). The key
# includes the database and the freezing time, so a restored or different database is never confused.
_FROZEN: dict[tuple, tuple[doc.Instrument, dict[str, tuple[int, dict[str, int]]], dict[str, int]]] = {}


def frozen(questionnaire_id: int) -> tuple[doc.Instrument, dict[str, tuple[int, dict[str, int]]]]:
    """A frozen version's document and ``{question code: (question id, {option code: option id})}``."""
    instrument, ids, _ = _frozen(questionnaire_id)
    return instrument, ids


def frozen_indicator_ids(questionnaire_id: int) -> dict[str, int]:
    """``{indicator code: indicator id}`` for the indicators the version measures."""
    return _frozen(questionnaire_id)[2]


def _frozen(questionnaire_id: int):
    frozen_at = db.session.scalar(select(Questionnaire.frozen_at).where(Questionnaire.id == questionnaire_id))
    key = (str(db.engine.url), questionnaire_id, frozen_at)
    if frozen_at is None or key not in _FROZEN:
        questionnaire = db.session.scalar(select(Questionnaire).where(Questionnaire.id == questionnaire_id)
                                          .options(selectinload(Questionnaire.questions).selectinload(Question.options),
                                                   selectinload(Questionnaire.questions).joinedload(Question.indicator)))
        if questionnaire is None:
            raise NotFound(N_("no such questionnaire"))
        entry = (document(questionnaire), _ids(questionnaire),
                 {q.indicator.code: q.indicator_id for q in questionnaire.questions if q.indicator is not None})
        if not questionnaire.frozen:  # drafts change: never cached
            return entry
        _FROZEN[key] = entry
    return _FROZEN[key]


def _ids(questionnaire: Questionnaire) -> dict[str, tuple[int, dict[str, int]]]:
    return {q.code: (q.id, {o.code: o.id for o in q.options}) for q in questionnaire.questions}


def _write(questionnaire: Questionnaire, instrument: doc.Instrument) -> None:
    """Replace the draft's header and questions with the document's (unknown indicators stay unlinked;
    the checks report them)."""
    indicators = {i.code: i for i in db.session.scalars(select(Indicator))}
    questionnaire.title_zh, questionnaire.title_en = instrument.title_zh, instrument.title_en
    questionnaire.intro_zh, questionnaire.intro_en = instrument.intro_zh, instrument.intro_en
    questionnaire.questions.clear()
    db.session.flush()  # the old rows go before new ones reuse their codes
    seen: set[str] = set()
    for position, q in enumerate(instrument.questions):
        if q.code in seen:  # a duplicate cannot be stored; the checks have reported it
            continue
        seen.add(q.code)
        option_codes: set[str] = set()
        options = []
        for i, o in enumerate(q.options):
            if o.code in option_codes:
                continue
            option_codes.add(o.code)
            options.append(QuestionOption(position=i, code=o.code[:40], label_zh=o.label_zh[:200],
                                          label_en=o.label_en[:200], score=o.score, satisfied=o.satisfied,
                                          dont_know=o.dont_know, read_aloud=o.read_aloud, ineligible=o.ineligible))
        questionnaire.questions.append(Question(
            position=position, code=q.code[:40], type=q.type if q.type in doc.QUESTION_TYPES else "text",
            text_zh=q.text_zh, text_en=q.text_en, indicator=indicators.get(q.indicator or ""), weight=q.weight,
            scale_code=(q.scale or None) and q.scale[:40], screening=q.screening, required=q.required,
            condition={"question": q.condition.question, "options": list(q.condition.options)} if q.condition
            else None,
            min_value=q.min_value, max_value=q.max_value, eligible_min=q.eligible_min, eligible_max=q.eligible_max,
            options=options))


def problems(questionnaire: Questionnaire) -> list[doc.Problem]:
    return doc.check(document(questionnaire), indicators=indicator_codes())


def _unstorable(instrument: doc.Instrument) -> None:
    """Problems the rows cannot hold at all (a type we do not know, two questions or answers with one
    code) are refused before saving: storing would lose one of them."""
    duplicates = [problem for problem in doc.check(instrument) if problem.template in DUPLICATES]
    if duplicates:
        first = duplicates[0]
        raise ValidationError(first.template, params=first.params,
                              details=[{"field": p.question or p.field, "message": p.message} for p in duplicates])
    bad = [q for q in instrument.questions if q.type not in doc.QUESTION_TYPES]
    if bad:
        raise ValidationError(N_("unknown question type %(type)s"), params={"type": bad[0].type or "—"},
                              details=[{"field": q.code, "message": f"unknown question type {q.type!r}"}
                                       for q in bad])
    if not instrument.name:
        raise ValidationError(N_("the questionnaire needs a name"), details=[{"field": "name",
                                                                             "message": "missing"}])
    long = too_long(Questionnaire, {"name": instrument.name, "title_zh": instrument.title_zh,
                                    "title_en": instrument.title_en})
    for q in instrument.questions:
        long += too_long(Question, {"code": q.code, "scale_code": q.scale}, field_prefix=f"{q.code}.")
        for o in q.options:
            long += too_long(QuestionOption, {"code": o.code, "label_zh": o.label_zh, "label_en": o.label_en},
                             field_prefix=f"{q.code}.{o.code}.")
    if long:
        raise ValidationError(N_("%(field)s is too long: %(why)s"), params={"field": long[0]["field"],
                                                                            "why": long[0]["message"]},
                              details=long)


DUPLICATES = {"duplicate question code %(code)s (questions %(first)s and %(second)s)", "duplicate option code %(code)s"}


# --- versions ---------------------------------------------------------------------------------------

def create(instrument: doc.Instrument, *, by: User | None) -> Questionnaire:
    """A new draft: version 1 of a new name, or the next version of an existing one."""
    _unstorable(instrument)
    latest = db.session.scalar(select(Questionnaire).where(Questionnaire.name == instrument.name)
                               .order_by(Questionnaire.version.desc()).limit(1))
    questionnaire = Questionnaire(name=instrument.name[:100], version=(latest.version + 1) if latest else 1,
                                  parent_id=latest.id if latest else None, created_by_id=by.id if by else None)
    db.session.add(questionnaire)
    _write(questionnaire, instrument)
    db.session.flush()
    audit.record("questionnaire.created", actor=by, target=questionnaire, version=questionnaire.version)
    db.session.commit()
    return questionnaire


def edit(questionnaire_id: int, change: Callable[[doc.Instrument], None], *, by: User | None) -> Questionnaire:
    """Apply ``change`` to a draft's document and save it. A frozen version is never edited."""
    questionnaire = get(questionnaire_id)
    if questionnaire.frozen:
        raise InvalidState(N_("%(label)s is frozen: start a new version to change it"),
                           params={"label": questionnaire.label})
    instrument = document(questionnaire)
    change(instrument)
    instrument.name = questionnaire.name  # the name identifies the versions; it does not change
    _unstorable(instrument)
    _write(questionnaire, instrument)
    db.session.commit()
    return questionnaire


def freeze(questionnaire_id: int, *, by: User | None) -> Questionnaire:
    """Freeze a draft; refused while it has errors (warnings are fine)."""
    questionnaire = get(questionnaire_id)
    if questionnaire.frozen:
        return questionnaire
    errors = [p for p in problems(questionnaire) if p.level == "error"]
    if errors:
        raise ValidationError(N_("%(label)s has %(count)s error(s): fix them before freezing"),
                              params={"label": questionnaire.label, "count": len(errors)},
                              details=[{"field": p.question or p.field, "message": p.message} for p in errors])
    questionnaire.status, questionnaire.frozen_at = "frozen", utcnow()
    audit.record("questionnaire.frozen", actor=by, target=questionnaire)
    db.session.commit()
    return questionnaire


def new_version(questionnaire_id: int, *, by: User | None) -> Questionnaire:
    """A new draft with the content of ``questionnaire_id`` (usually a frozen one)."""
    return create(document(get(questionnaire_id)), by=by)


def delete_draft(questionnaire_id: int, *, by: User | None) -> None:
    questionnaire = get(questionnaire_id)
    if questionnaire.frozen:
        raise InvalidState(N_("a frozen version is kept for the rounds that used it"))
    if rounds_using(questionnaire_id):
        raise InvalidState(N_("a round uses this draft: choose another questionnaire for it first"))
    audit.record("questionnaire.deleted", actor=by, target=questionnaire, label=questionnaire.label)
    db.session.delete(questionnaire)
    db.session.commit()


def compare(old_id: int, new_id: int) -> tuple[list[doc.Change], dict[str, bool]]:
    old, new = document(get(old_id)), document(get(new_id))
    return doc.diff(old, new), doc.comparability(old, new)


# --- files ------------------------------------------------------------------------------------------

def export_json(questionnaire: Questionnaire) -> str:
    return json.dumps(doc.to_dict(document(questionnaire)), ensure_ascii=False, indent=1)


def export_xlsx(questionnaire: Questionnaire) -> bytes:
    return doc.to_xlsx(document(questionnaire))


def read_file(filename: str, data: bytes) -> doc.Instrument:
    """A questionnaire from an uploaded .json or .xlsx file (clear errors for anything else)."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        return doc.from_xlsx(data)
    if name.endswith(".json"):
        try:
            content: Any = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationError(N_("not a readable JSON file: %(reason)s"), params={"reason": str(exc)[:200]},
                                  details=[{"field": "file", "message": str(exc)[:200]}]) from exc
        return doc.from_dict(content)
    raise ValidationError(N_("choose a .json or .xlsx questionnaire file"),
                          details=[{"field": "file", "message": "neither .json nor .xlsx"}])


def import_file(filename: str, data: bytes, *, by: User | None) -> Questionnaire:
    """Import as a new draft version (of the name in the file)."""
    return create(read_file(filename, data), by=by)


# --- scale templates --------------------------------------------------------------------------------

def scale_options(scale_code: str) -> list[doc.Option]:
    scale = db.session.scalar(select(Scale).where(Scale.code == scale_code))
    if scale is None:
        raise NotFound(N_("no scale template %(code)s"), params={"code": scale_code})
    return [doc.Option(code=o.code, label_zh=o.label_zh, label_en=o.label_en, score=o.score,
                       satisfied=o.counts_as_satisfied, dont_know=o.is_dont_know, read_aloud=o.read_aloud)
            for o in scale.options]


def load_seed(path, *, by: User | None = None) -> Questionnaire:
    """The demo questionnaire from its JSON seed, frozen — unless a version of it exists already."""
    with open(path, encoding="utf-8") as fh:
        instrument = doc.from_dict(json.load(fh))
    existing = db.session.scalar(select(func.count()).select_from(Questionnaire)
                                 .where(Questionnaire.name == instrument.name))
    if existing:
        return versions(instrument.name)[0]
    questionnaire = create(instrument, by=by)
    return freeze(questionnaire.id, by=by)
