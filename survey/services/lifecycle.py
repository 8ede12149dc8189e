"""The round lifecycle: one table of allowed status changes, enforced here and nowhere else.

    draft ─(draw requested)→ sampling ─(draw done)→ sampled ─→ fielding ─→ closed ─→ reported
                 ↑__(draw failed)__|                              ↑___(reopen, with a reason)___|

Every change is audited with who, when, from, to and why; the round page shows that history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import exists, select

from ..errors import InvalidState, ValidationError
from ..extensions import db
from ..i18n import N_
from ..models import AuditEvent, Case, FrameUnit, Round, User
from ..models.types import utcnow
from . import audit

SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    label: str  # what the button says
    by: str  # "coordinator" or "system"
    needs_reason: bool = False
    guards: tuple[Callable[[Round], InvalidState | None], ...] = ()


def _has_sample(round_: Round) -> InvalidState | None:
    if not db.session.scalar(select(exists().where(Case.round_id == round_.id))):
        return InvalidState(N_("the round has no sample: draw it first"))
    return None


def _has_frozen_questionnaire(round_: Round) -> InvalidState | None:
    if round_.questionnaire is None:
        return InvalidState(N_("the round has no questionnaire: choose one first"))
    if not round_.questionnaire.frozen:
        return InvalidState(N_("questionnaire %(label)s is still a draft: freeze it first"),
                            params={"label": round_.questionnaire.label})
    return None


def _numbers_kept(round_: Round) -> InvalidState | None:
    if db.session.scalar(select(exists().where(Case.round_id == round_.id, Case.frame_unit_id == FrameUnit.id,
                                               FrameUnit.erased_at.is_not(None)))):
        return InvalidState(N_("the numbers of this round were erased after the retention period: "
                               "it cannot be fielded again"))
    return None


TRANSITIONS: dict[tuple[str, str], Transition] = {
    ("draft", "sampling"): Transition(N_("Draw the sample"), "coordinator"),
    ("sampling", "sampled"): Transition(N_("Sample drawn"), SYSTEM, guards=(_has_sample,)),
    ("sampling", "draft"): Transition(N_("Draw failed"), SYSTEM),
    ("sampled", "fielding"): Transition(N_("Start fieldwork"), "coordinator",
                                        guards=(_has_sample, _has_frozen_questionnaire)),
    ("fielding", "closed"): Transition(N_("Close fieldwork"), "coordinator"),
    ("closed", "fielding"): Transition(N_("Reopen fieldwork"), "coordinator", needs_reason=True,
                                       guards=(_numbers_kept,)),
    ("closed", "reported"): Transition(N_("Mark as reported"), "coordinator"),
}
TIMESTAMPS = {"fielding": "fielding_at", "closed": "closed_at", "reported": "reported_at"}


def move(round_: Round, to: str, *, by: User | None, reason: str = "", system: bool = False) -> None:
    """Change the round's status if the table allows it (the caller commits)."""
    transition = TRANSITIONS.get((round_.status, to))
    params = {"name": round_.name, "from": round_.status, "to": to}
    if transition is None:
        raise InvalidState(N_("round %(name)s is %(from)s: it cannot go to %(to)s"), params=params)
    if transition.by == SYSTEM and not system:
        raise InvalidState(N_("round %(name)s goes from %(from)s to %(to)s by itself, not by hand"), params=params)
    reason = (reason or "").strip()
    if transition.needs_reason and not reason:
        raise ValidationError(N_("give a reason to reopen fieldwork"),
                              details=[{"field": "reason", "message": "a reason is required"}])
    for guard in transition.guards:
        problem = guard(round_)
        if problem is not None:
            raise problem
    before = round_.status
    round_.status = to
    stamp = TIMESTAMPS.get(to)
    if stamp and (getattr(round_, stamp) is None or to != "fielding"):
        setattr(round_, stamp, utcnow())  # fielding_at keeps the first start; reopenings are in the history
    if to == "fielding":
        round_.closed_at = None  # reopened: no longer closed
    audit.record("round.status", actor=by or SYSTEM, target=round_, before=before, after=to, reason=reason or None)


def change_status(round_id: int, to: str, *, by: User, reason: str = "") -> Round:
    """A coordinator's status change (start, close, reopen, report)."""
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise InvalidState(N_("no such round"))
    move(round_, to, by=by, reason=reason)
    db.session.commit()
    return round_


def next_steps(round_: Round) -> list[tuple[str, Transition]]:
    """The changes a coordinator may try from the round's status (guards are checked on the attempt)."""
    return [(to, t) for (frm, to), t in TRANSITIONS.items() if frm == round_.status and t.by != SYSTEM
            and (frm, to) != ("draft", "sampling")]  # the draw has its own form (seed)


def history(round_: Round) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.target_type == Round.__tablename__, AuditEvent.target_id == str(round_.id),
                                 AuditEvent.action == "round.status").order_by(AuditEvent.id)))
