"""Report snapshots: every figure of a round's report, computed once by a job; pages and exports read them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

SNAPSHOT_STATUSES = ("building", "ready", "failed")


class ReportSnapshot(db.Model):
    """One build of a round's report. The newest ready one is what leaders see; older ones stay as history."""

    __tablename__ = "report_snapshot"
    __table_args__ = (
        CheckConstraint("status IN ('" + "', '".join(SNAPSHOT_STATUSES) + "')", name="status_known"),
        Index("ix_report_snapshot_round_id_status", "round_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default="building")
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the figures (no personal data)
    message: Mapped[str] = mapped_column(String(500), default="")
    job_id: Mapped[str | None] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    built_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    seconds: Mapped[float | None]
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
