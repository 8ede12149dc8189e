"""Retention of phone numbers: the numbers of rounds closed longer ago than ``PHONE_RETENTION_DAYS`` are erased.

What is erased, per frame unit (one number of a frame): the encrypted number (``phone_enc``), its keyed digest
(``phone_hash``) and the row's extra columns (names, other numbers kept masked) — set to NULL, with ``erased_at``.
What stays: the unit's stratum attributes (region, urban/rural, sex, age, cell) and every row that refers to it
(cases, attempts, interviews, answers, issues, call-backs, verification, report snapshots), so every figure of
those rounds is computed exactly as before.

A unit's number is erased when, at ``now``:

- it was drawn into a round, and every round that drew it is closed or reported and was closed at least the
  retention period ago — a unit that an open round (or one closed more recently) also drew keeps its number:
  frames are shared by rounds;
- no call-back and no verification task about one of its interviews is still open: the call cannot be made
  without the number (it is erased at the first run after the task is done);
- no round is drawing from its frame at this moment (status ``sampling``). On PostgreSQL the frames concerned are
  also locked, and a draw takes a share lock on its frame, so a draw never picks a unit being erased; on SQLite
  both run under the write lock (``BEGIN IMMEDIATE``), one after the other.

Units never drawn are the frame's own source data; they stay until the frame is removed. An erased unit is no
longer drawn (``rounds._eligible``), and the digest goes with the number: see docs/architecture.md for why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, null, or_, select, update
from sqlalchemy.orm import aliased

from ..errors import Gone, ValidationError
from ..extensions import db
from ..i18n import N_
from ..models import AuditEvent, Callback, Case, Frame, FrameUnit, Interview, Issue, Round, User, Verification
from ..models.types import utcnow
from . import audit

CLOSED = ("closed", "reported")
MAX_DAYS = 36_500
ACTION = "phones.erased"
ERASED = N_("this number was erased after the retention period")


def retention_days() -> int:
    """The configured period (``SURVEY_PHONE_RETENTION_DAYS``), checked: a whole number of days, at least 1."""
    value = current_app.config.get("PHONE_RETENTION_DAYS")
    days = value if isinstance(value, int) and not isinstance(value, bool) else None
    if days is None and isinstance(value, str) and value.strip().isdigit():
        days = int(value.strip())
    if days is None or not 1 <= days <= MAX_DAYS:
        raise ValidationError(
            N_("the setting SURVEY_PHONE_RETENTION_DAYS must be a whole number of days from 1 to %(max)d, "
               "not %(value)s"),
            params={"max": MAX_DAYS, "value": repr(value)},
            details=[{"field": "PHONE_RETENTION_DAYS", "message": f"a whole number of days from 1 to {MAX_DAYS}"}])
    return days


@dataclass(frozen=True)
class RoundNumbers:
    id: int
    name: str
    closed_at: datetime | None
    numbers: int


@dataclass(frozen=True)
class Plan:
    """What an erasure does (dry run) or did: the numbers, per round, and the numbers kept for now and why."""

    days: int
    cutoff: datetime  # rounds closed at or before this are past their retention
    numbers: int
    rounds: list[RoundNumbers] = field(default_factory=list)
    kept_for_open_round: int = 0  # also drawn by a round still open or closed more recently
    kept_for_open_task: int = 0  # an open call-back or verification task needs the number
    kept_other: int = 0  # the frame is being drawn from right now

    def to_dict(self) -> dict:
        return {"numbers": self.numbers, "days": self.days, "cutoff": self.cutoff.isoformat(),
                "rounds": [{"id": r.id, "name": r.name, "numbers": r.numbers} for r in self.rounds],
                "kept_for_open_round": self.kept_for_open_round, "kept_for_open_task": self.kept_for_open_task,
                "kept_other": self.kept_other}


class _Rules:
    """The SQL conditions on ``FrameUnit`` for a cutoff (correlated subqueries, each with its own aliases)."""

    def __init__(self, cutoff: datetime) -> None:
        self.cutoff = cutoff

    def past(self, round_):
        return and_(round_.status.in_(CLOSED), round_.closed_at.is_not(None), round_.closed_at <= self.cutoff)

    def not_past(self, round_):
        return or_(round_.status.not_in(CLOSED), round_.closed_at.is_(None), round_.closed_at > self.cutoff)

    def in_past_round(self):
        """Drawn into a round past its retention (the candidates), and not erased yet."""
        case, round_ = aliased(Case), aliased(Round)
        return and_(FrameUnit.erased_at.is_(None),
                    FrameUnit.id.in_(select(case.frame_unit_id).join(round_, round_.id == case.round_id)
                                     .where(self.past(round_))))

    def held_by_round(self):
        case, round_ = aliased(Case), aliased(Round)
        return (select(case.id).join(round_, round_.id == case.round_id)
                .where(case.frame_unit_id == FrameUnit.id, self.not_past(round_)).exists())

    @staticmethod
    def held_by_task():
        case, interview = aliased(Case), aliased(Interview)
        callback = (select(Callback.id).join(interview, interview.id == Callback.interview_id)
                    .join(case, case.id == interview.case_id)
                    .where(case.frame_unit_id == FrameUnit.id, Callback.status == "open").exists())
        case2, interview2 = aliased(Case), aliased(Interview)
        checked = (select(Verification.id).join(interview2, interview2.id == Verification.interview_id)
                   .join(case2, case2.id == interview2.case_id)
                   .where(case2.frame_unit_id == FrameUnit.id, Verification.status == "open").exists())
        case3, interview3 = aliased(Case), aliased(Interview)
        spot = (select(Verification.id).join(Issue, Issue.id == Verification.issue_id)
                .join(interview3, interview3.id == Issue.interview_id).join(case3, case3.id == interview3.case_id)
                .where(case3.frame_unit_id == FrameUnit.id, Verification.status == "open").exists())
        return or_(callback, checked, spot)

    @staticmethod
    def being_drawn():
        return FrameUnit.frame_id.in_(select(Round.frame_id).where(Round.status == "sampling",
                                                                   Round.frame_id.is_not(None)))

    def erasable(self):
        return and_(self.in_past_round(), ~self.held_by_round(), ~self.held_by_task(), ~self.being_drawn())


def _count(*conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(FrameUnit).where(*conditions)) or 0


def _per_round(condition) -> list[RoundNumbers]:
    rows = db.session.execute(
        select(Round.id, Round.name, Round.closed_at, func.count(Case.id))
        .join(Case, Case.round_id == Round.id).join(FrameUnit, FrameUnit.id == Case.frame_unit_id)
        .where(condition).group_by(Round.id, Round.name, Round.closed_at).order_by(Round.id)).all()
    return [RoundNumbers(*row) for row in rows]


def plan(*, now: datetime | None = None) -> Plan:
    """The dry run: what an erasure now would erase, per round, and what it would keep for now and why."""
    days = retention_days()
    cutoff = (now or utcnow()) - timedelta(days=days)
    rules = _Rules(cutoff)
    erasable = rules.erasable()
    numbers = _count(erasable)
    candidates = rules.in_past_round()
    by_round = _count(candidates, rules.held_by_round())
    by_task = _count(candidates, ~rules.held_by_round(), rules.held_by_task())
    pending = _count(candidates)
    result = Plan(days, cutoff, numbers, _per_round(erasable) if numbers else [], by_round, by_task,
                  pending - numbers - by_round - by_task)
    db.session.rollback()  # a read: end it, so a SQLite reader holds nothing
    return result


def erase(*, now: datetime | None = None, by: User | None = None) -> Plan:
    """Erase every number past its retention, in one transaction; audited when something was erased or a person
    asked. Returns what was erased."""
    days = retention_days()
    stamp = now or utcnow()
    cutoff = stamp - timedelta(days=days)
    rules = _Rules(cutoff)
    past_frames = select(Round.frame_id).where(rules.past(Round), Round.frame_id.is_not(None))
    # PostgreSQL: a draw starting now waits for this transaction (it share-locks its frame first).
    db.session.execute(select(Frame.id).where(Frame.id.in_(past_frames)).order_by(Frame.id).with_for_update())
    erased = db.session.execute(
        update(FrameUnit).where(rules.erasable())
        .values(phone_enc=null(), phone_hash=null(), extra=null(), erased_at=stamp)
        .execution_options(synchronize_session=False)).rowcount or 0
    rounds = _per_round(FrameUnit.erased_at == stamp) if erased else []
    result = Plan(days, cutoff, erased, rounds)
    if erased or by is not None:
        audit.record(ACTION, actor=by, numbers=erased, days=days, cutoff=cutoff.isoformat(),
                     rounds=[{"id": r.id, "name": r.name, "numbers": r.numbers} for r in rounds])
    db.session.commit()
    if erased:
        current_app.logger.info("erased %d phone numbers of %d rounds closed before %s", erased, len(rounds),
                                cutoff.isoformat())
    return result


def recent_erasures(limit: int = 10) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == ACTION)
                                   .order_by(AuditEvent.id.desc()).limit(limit)))


@dataclass(frozen=True)
class RoundErasure:
    erased: int
    last_at: datetime | None


def round_erasure(round_id: int) -> RoundErasure:
    """How many of a round's numbers are erased, and when the last was."""
    erased, last_at = db.session.execute(
        select(func.count(FrameUnit.id), func.max(FrameUnit.erased_at)).join(Case, Case.frame_unit_id == FrameUnit.id)
        .where(Case.round_id == round_id, FrameUnit.erased_at.is_not(None))).one()
    return RoundErasure(erased or 0, last_at)


def interview_phone(interview_id: int) -> bytes:
    """The encrypted number behind an interview; :class:`Gone` when it was erased after its retention period."""
    token = db.session.scalar(select(FrameUnit.phone_enc).join(Case, Case.frame_unit_id == FrameUnit.id)
                              .join(Interview, Interview.case_id == Case.id).where(Interview.id == interview_id))
    if token is None:
        raise Gone(ERASED)
    return token


def interview_phone_erased(interview_id: int) -> bool:
    return db.session.scalar(select(FrameUnit.erased_at.is_not(None)).join(Case, Case.frame_unit_id == FrameUnit.id)
                             .join(Interview, Interview.case_id == Case.id).where(Interview.id == interview_id)) is True
