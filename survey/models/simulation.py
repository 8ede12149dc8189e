"""Simulation runs: a fieldwork rehearsal of a round, or a design evaluation comparing allocations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

SIMULATION_KINDS = ("fieldwork", "design")
SIMULATION_STATUSES = ("queued", "running", "done", "failed")


class SimulationRun(db.Model):
    """One run, its settings and (when done) its result: stage times, or the evaluation of each option."""

    __tablename__ = "simulation_run"
    __table_args__ = (
        CheckConstraint("kind IN ('" + "', '".join(SIMULATION_KINDS) + "')", name="kind_known"),
        CheckConstraint("status IN ('" + "', '".join(SIMULATION_STATUSES) + "')", name="status_known"),
        Index("ix_simulation_run_round_id_kind", "round_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(String(500), default="")
    job_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
