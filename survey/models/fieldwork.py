"""Fieldwork: every call attempt, and the interviews with their answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

INTERVIEW_STATUSES = ("received", "processed", "quarantined")


class CallAttempt(db.Model):
    """One dial of a case by a caller, with its outcome and interim AAPOR code."""

    __tablename__ = "call_attempt"
    __table_args__ = (Index("ix_call_attempt_caller_id_started_at", "caller_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("survey_case.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"), index=True)
    caller_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    outcome: Mapped[str] = mapped_column(String(20))
    aapor_code: Mapped[str] = mapped_column(String(5))
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(String(500), default="")


class Interview(db.Model):
    """A submitted interview: stored first (``received``), processed by a worker afterwards."""

    __tablename__ = "interview"
    __table_args__ = (
        CheckConstraint("status IN ('" + "', '".join(INTERVIEW_STATUSES) + "')", name="status_known"),
        UniqueConstraint("idempotency_key"),
        # The interviews still waiting to be processed, per round, oldest first: a live job takes them along
        # with its own, and the sweeper looks for them. Partial, so it holds only the few waiting rows.
        Index("ix_interview_waiting", "round_id", "id", sqlite_where=text("status = 'received'"),
              postgresql_where=text("status = 'received'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("survey_case.id", ondelete="CASCADE"), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"), index=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"))
    caller_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="received")
    outcome: Mapped[str] = mapped_column(String(20))  # complete | breakoff | ineligible
    final_code: Mapped[str] = mapped_column(String(5))
    answered_share: Mapped[float]
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duration_seconds: Mapped[float | None]
    paradata: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # seconds per question, back-edits
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the answers as submitted
    # Set by processing: indicator → score (None: don't know) and → 1/0 satisfied, for bulk reads.
    scores: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    satisfied: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The same two vectors as float64 bytes in the version's indicator order (scores, then satisfied; NaN =
    # don't know): a round of 10⁶ respondents loads into NumPy without parsing JSON (issue 10's 15 s).
    vector: Mapped[bytes | None] = mapped_column(LargeBinary)

    answers: Mapped[list[Answer]] = relationship(back_populates="interview", cascade="all, delete-orphan")


class Answer(db.Model):
    """One answered question of an interview."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("interview_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interview.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    option_id: Mapped[int | None] = mapped_column(ForeignKey("question_option.id"))
    option_ids: Mapped[list[int] | None] = mapped_column(JSON)  # multiple choice
    text: Mapped[str | None] = mapped_column(Text)
    number: Mapped[float | None]
    seconds: Mapped[float | None]

    interview: Mapped[Interview] = relationship(back_populates="answers")


class Complaint(db.Model):
    """An open answer that goes to the issue loop: a "why?" after a low rating, or a closing request."""

    __tablename__ = "complaint"
    __table_args__ = (UniqueConstraint("interview_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interview.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("indicator.id"))
    kind: Mapped[str] = mapped_column(String(8))  # why | open
    text: Mapped[str] = mapped_column(Text)


class QualitySignal(db.Model):
    """A raised quality signal of one interview (too short, straight-lining, many "don't know" …)."""

    __tablename__ = "qc_signal"
    __table_args__ = (UniqueConstraint("interview_id", "kind"),
                      Index("ix_qc_signal_round_id_caller_id", "round_id", "caller_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interview.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"))
    caller_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(30))
    value: Mapped[float]
