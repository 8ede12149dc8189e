"""Names that people give things (frames, rounds): trimmed, 1–100 characters, unique per kind."""

from __future__ import annotations

from sqlalchemy import select

from ..errors import ValidationError
from ..extensions import db
from ..i18n import N_


def unique_name(model, name: str) -> str:
    """The trimmed name, or a ValidationError on field ``name`` when it is empty, too long or taken."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError(N_("a name of 1–100 characters is needed"),
                              details=[{"field": "name", "message": N_("1–100 characters")}])
    if db.session.scalar(select(model.id).where(model.name == name)):
        raise ValidationError(N_("the name %(name)s is taken already"), params={"name": name},
                              details=[{"field": "name", "message": N_("already taken")}])
    return name
