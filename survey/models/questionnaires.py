"""Questionnaires, versioned: a draft is edited; a frozen version never changes (rounds field it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .reference import Indicator
from .types import UTCDateTime, utcnow

QUESTIONNAIRE_STATUSES = ("draft", "frozen")
QUESTION_TYPES = ("scale", "single", "multiple", "text", "number")


class Questionnaire(db.Model):
    """One version of a questionnaire; versions of the same questionnaire share its name."""

    __tablename__ = "questionnaire"
    __table_args__ = (
        UniqueConstraint("name", "version"),
        CheckConstraint("status IN ('" + "', '".join(QUESTIONNAIRE_STATUSES) + "')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    title_zh: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    intro_zh: Mapped[str] = mapped_column(Text, default="")
    intro_en: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaire.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    questions: Mapped[list[Question]] = relationship(back_populates="questionnaire", order_by="Question.position",
                                                     cascade="all, delete-orphan")

    @property
    def frozen(self) -> bool:
        return self.status == "frozen"

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"


class Question(db.Model):
    """A question of one questionnaire version (answers refer to it)."""

    __tablename__ = "question"
    __table_args__ = (
        UniqueConstraint("questionnaire_id", "code"),
        CheckConstraint("type IN ('" + "', '".join(QUESTION_TYPES) + "')", name="type_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(12))
    text_zh: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("indicator.id"), index=True)
    weight: Mapped[float | None]
    scale_code: Mapped[str | None] = mapped_column(String(40))
    screening: Mapped[bool] = mapped_column(default=False)
    required: Mapped[bool] = mapped_column(default=True)
    condition: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {"question": code, "options": [codes]}
    min_value: Mapped[float | None]
    max_value: Mapped[float | None]
    eligible_min: Mapped[float | None]
    eligible_max: Mapped[float | None]

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="questions")
    indicator: Mapped[Indicator | None] = relationship()
    options: Mapped[list[QuestionOption]] = relationship(back_populates="question", order_by="QuestionOption.position",
                                                        cascade="all, delete-orphan")


class QuestionOption(db.Model):
    """An answer of a question, copied from a scale template or written for it."""

    __tablename__ = "question_option"
    __table_args__ = (UniqueConstraint("question_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(40))
    label_zh: Mapped[str] = mapped_column(String(200), default="")
    label_en: Mapped[str] = mapped_column(String(200), default="")
    score: Mapped[float | None]
    satisfied: Mapped[bool] = mapped_column(default=False)
    dont_know: Mapped[bool] = mapped_column(default=False)
    read_aloud: Mapped[bool] = mapped_column(default=True)
    ineligible: Mapped[bool] = mapped_column(default=False)

    question: Mapped[Question] = relationship(back_populates="options")
