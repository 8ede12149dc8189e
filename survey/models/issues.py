"""The issue loop and verification: issues (问题诉求) with their events, call-backs and spot checks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from ..extensions import db
from ..issues.workflow import STATUSES, URGENCIES
from .types import UTCDateTime, utcnow

VERIFICATION_KINDS = ("interview", "issue")
INTERVIEW_OUTCOMES = ("confirmed", "discrepancy", "falsified", "unreachable")
ISSUE_OUTCOMES = ("confirmed", "not_fixed", "unreachable")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ('" + "', '".join(values) + "')"


class IssueRule(db.Model):
    """A keyword rule coordinators edit: complaints with these words go to this category and department."""

    __tablename__ = "issue_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    keywords: Mapped[list[str]] = mapped_column(JSON)
    category: Mapped[str] = mapped_column(String(60))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    urgency: Mapped[str | None] = mapped_column(String(10))
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("indicator.id"))
    active: Mapped[bool] = mapped_column(default=True)
    auto_assign: Mapped[bool] = mapped_column(default=False)  # matched issues are assigned without a coordinator
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class IssueCluster(db.Model):
    """Near-duplicate issues of one round: the same problem in the same place."""

    __tablename__ = "issue_cluster"
    __table_args__ = (Index("ix_issue_cluster_group", "round_id", "region_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    category: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(Text)  # the first issue's text: the cluster's representative
    tokens: Mapped[list[str]] = mapped_column(JSON)
    size: Mapped[int] = mapped_column(default=0)


class Issue(db.Model):
    """One complaint turned into work for a department, followed until it is closed."""

    __tablename__ = "issue"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status_known"),
        CheckConstraint(_in("urgency", URGENCIES), name="urgency_known"),
        Index("ix_issue_round_id_status", "round_id", "status"),
        Index("ix_issue_department_id_status", "department_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"))
    interview_id: Mapped[int] = mapped_column(ForeignKey("interview.id", ondelete="CASCADE"), index=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), unique=True)
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("indicator.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))  # the respondent's district
    text: Mapped[str] = mapped_column(Text)
    tokens: Mapped[list[str]] = mapped_column(JSON, default=list)
    category: Mapped[str] = mapped_column(String(60))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("issue_rule.id", ondelete="SET NULL"))
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("issue_cluster.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="new")
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recontact: Mapped[bool] = mapped_column(default=False, server_default=false())
    evidence: Mapped[str] = mapped_column(Text, default="")
    callback_solved: Mapped[bool | None]
    callback_satisfied: Mapped[bool | None]
    doubtful: Mapped[list[str]] = mapped_column(JSON, default=list)  # why it is doubtful (spot check it)
    reopened: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    events: Mapped[list[IssueEvent]] = relationship(order_by="IssueEvent.id", cascade="all, delete-orphan")


class IssueEvent(db.Model):
    """A change of an issue: who, when, from → to, and why."""

    __tablename__ = "issue_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(String(64))  # username, or "system"
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class IssueAttachment(db.Model):
    """A file a department attaches as rectification evidence (kept in the database: one transaction)."""

    __tablename__ = "issue_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("issue_event.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Callback(db.Model):
    """A call-back (回访) to a respondent after their issue was reported rectified."""

    __tablename__ = "callback"
    __table_args__ = (CheckConstraint(_in("status", ("open", "done")), name="status_known"),
                      Index("ix_callback_round_id_status", "round_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"))
    interview_id: Mapped[int] = mapped_column(ForeignKey("interview.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default="open")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    solved: Mapped[bool | None]
    satisfied: Mapped[bool | None]
    unreachable: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class VerificationRun(db.Model):
    """One selection for verification: its seed and settings, so it can be reproduced and explained."""

    __tablename__ = "verification_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    seed: Mapped[int]
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    picked: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class Verification(db.Model):
    """A verification task: re-ask an interview's anchor questions (回访复核) or spot-check an issue (暗访核查)."""

    __tablename__ = "verification"
    __table_args__ = (
        CheckConstraint(_in("kind", VERIFICATION_KINDS), name="kind_known"),
        CheckConstraint(_in("status", ("open", "done")), name="status_known"),
        CheckConstraint("(kind = 'interview' AND interview_id IS NOT NULL) OR "
                        "(kind = 'issue' AND issue_id IS NOT NULL)", name="target_given"),
        Index("ix_verification_round_id_status", "round_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("verification_run.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10))
    # An interview is verified once; an issue may be spot-checked again after it is reopened and fixed.
    interview_id: Mapped[int | None] = mapped_column(ForeignKey("interview.id", ondelete="CASCADE"), unique=True)
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)  # who interviewed
    rule: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{"template", "params"}]
    risk: Mapped[float | None]
    anchors: Mapped[list[str]] = mapped_column(JSON, default=list)  # question codes to re-ask
    status: Mapped[str] = mapped_column(String(10), default="open")
    verifier_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    outcome: Mapped[str | None] = mapped_column(String(20))
    reasked: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # code → answer given now
    evidence: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
