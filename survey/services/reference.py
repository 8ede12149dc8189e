"""Reference data coordinators maintain: indicators (with their department) and scale templates."""

from __future__ import annotations

from sqlalchemy import func, select

from .. import instrument as doc
from ..errors import ValidationError
from ..extensions import db
from ..i18n import N_
from ..instrument.checks import CODE
from ..models import Department, Indicator, Scale, ScaleOption, User
from . import audit


def indicators() -> list[Indicator]:
    return list(db.session.scalars(select(Indicator).order_by(Indicator.position, Indicator.id)))


def departments() -> list[Department]:
    return list(db.session.scalars(select(Department).where(Department.active).order_by(Department.id)))


def scales() -> list[Scale]:
    return list(db.session.scalars(select(Scale).order_by(Scale.id)))


def _fail(field: str, template: str, **params) -> ValidationError:
    return ValidationError(template, params=params,
                           details=[{"field": field, "message": template % params if params else template}])


def save_indicator(code: str, name_zh: str, name_en: str, department_code: str | None, weight: str | float | None,
                   *, by: User | None) -> Indicator:
    """Create an indicator, or update the one with this code."""
    code, name_zh, name_en = code.strip(), name_zh.strip(), name_en.strip()
    if not CODE.match(code):
        raise _fail("code", N_("code %(code)s: use letters, digits, _ or - and start with a letter"), code=code or "—")
    if not name_zh:
        raise _fail("name_zh", N_("the indicator needs a Chinese name"))
    try:
        value = 1.0 if weight in (None, "") else float(weight)
    except ValueError as exc:
        raise _fail("weight", N_("not a number: %(value)s"), value=str(weight)[:40]) from exc
    if not value >= 0:
        raise _fail("weight", N_("a weight cannot be negative"))
    department = None
    if department_code:
        department = db.session.scalar(select(Department).where(Department.code == department_code))
        if department is None:
            raise _fail("department", N_("no department %(code)s"), code=department_code)
    indicator = db.session.scalar(select(Indicator).where(Indicator.code == code))
    if indicator is None:
        position = (db.session.scalar(select(func.max(Indicator.position))) or 0) + 1
        indicator = Indicator(code=code, position=position)
        db.session.add(indicator)
    indicator.name_zh, indicator.name_en, indicator.weight = name_zh[:100], name_en[:100], value
    indicator.department = department
    db.session.flush()
    audit.record("indicator.saved", actor=by, target=indicator, code=code)
    db.session.commit()
    return indicator


def create_scale(code: str, name_zh: str, name_en: str, options: list[doc.Option], *, by: User | None) -> Scale:
    """A new scale template; its answers are checked like a satisfaction question's."""
    code, name_zh, name_en = code.strip(), name_zh.strip(), name_en.strip()
    if not CODE.match(code):
        raise _fail("code", N_("code %(code)s: use letters, digits, _ or - and start with a letter"), code=code or "—")
    if db.session.scalar(select(Scale).where(Scale.code == code)):
        raise _fail("code", N_("a scale template %(code)s exists already"), code=code)
    if not name_zh:
        raise _fail("name_zh", N_("the scale needs a Chinese name"))
    probe = doc.Instrument("scale", questions=[doc.Question(code, "scale", name_zh, name_en or name_zh,
                                                            indicator="probe", options=options)])
    errors = [p for p in doc.check(probe) if p.level == "error" and p.field != "indicator"]
    if errors:
        raise ValidationError(errors[0].template, params=errors[0].params,
                              details=[{"field": p.field, "message": p.message} for p in errors])
    scale = Scale(code=code, name_zh=name_zh[:100], name_en=(name_en or name_zh)[:100], options=[
        ScaleOption(position=i, code=o.code, label_zh=o.label_zh, label_en=o.label_en, score=o.score,
                    counts_as_satisfied=o.satisfied, is_dont_know=o.dont_know, read_aloud=o.read_aloud)
        for i, o in enumerate(options)])
    db.session.add(scale)
    db.session.flush()
    audit.record("scale.created", actor=by, target=scale, code=code)
    db.session.commit()
    return scale
