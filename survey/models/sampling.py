"""Frames (who can be called), rounds and their strata, and the cases drawn for a round."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .questionnaires import Questionnaire
from .reference import Region
from .types import UTCDateTime, utcnow

FRAME_STATUSES = ("empty", "importing", "ready")
IMPORT_STATUSES = ("pending", "running", "done", "rejected", "failed")
ROUND_STATUSES = ("draft", "sampling", "sampled", "fielding", "closed", "reported")


class Frame(db.Model):
    """A sampling frame: phone units with their stratum attributes."""

    __tablename__ = "frame"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    source: Mapped[str] = mapped_column(String(20), default="import")  # import | synthetic
    status: Mapped[str] = mapped_column(String(20), default="empty")
    unit_count: Mapped[int] = mapped_column(default=0)
    extra_columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class FrameUnit(db.Model):
    """One phone number of a frame. The number itself is only ever stored keyed-hashed and encrypted.

    After the retention period of the rounds that drew it (``services/retention.py``) the number is erased:
    ``phone_hash``, ``phone_enc`` and ``extra`` become NULL and ``erased_at`` is set; the unit's stratum
    attributes stay, so every figure of those rounds can still be computed.
    """

    __tablename__ = "frame_unit"
    __table_args__ = (
        # Also the index for "is this number in this frame" and for contact history (frame, hash).
        UniqueConstraint("frame_id", "phone_hash"),
        # Covers the draw's read: (id, cell) of a frame's units not erased, in id order, from the index alone.
        Index("ix_frame_unit_frame_id_id_cell_erased_at", "frame_id", "id", "cell", "erased_at"),
        CheckConstraint("sex IN ('M', 'F')", name="sex_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    frame_id: Mapped[int] = mapped_column(ForeignKey("frame.id", ondelete="CASCADE"))
    phone_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))  # NULL once erased
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary(64))  # NULL once erased
    phone_kind: Mapped[str] = mapped_column(String(10))  # mobile | landline
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    urban: Mapped[bool | None]
    sex: Mapped[str | None] = mapped_column(String(1))
    age: Mapped[int | None]
    age_band: Mapped[str | None] = mapped_column(String(10))
    # region, urban, sex and age band in one integer (sampling.frame_rows.cell_code): what a draw reads
    cell: Mapped[int]
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the number erased (retention)

    region: Mapped[Region] = relationship()


class FrameImport(db.Model):
    """One file brought into a frame, with its per-row error report."""

    __tablename__ = "frame_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    frame_id: Mapped[int] = mapped_column(ForeignKey("frame.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    mapping: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    allow_partial: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    rows_read: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    # [{"row", "column", "value" (masked where it is a phone), "reason"}], the first MAX_STORED_ERRORS
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(String(500), default="")
    job_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    frame: Mapped[Frame] = relationship()


class Round(db.Model):
    """One fielding of a questionnaire on a fresh sample (轮次)."""

    __tablename__ = "survey_round"
    __table_args__ = (CheckConstraint("status IN ('" + "', '".join(ROUND_STATUSES) + "')", name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    frame_id: Mapped[int | None] = mapped_column(ForeignKey("frame.id"))
    design: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seed: Mapped[int | None]
    draw_job_id: Mapped[str | None] = mapped_column(String(100))
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    questionnaire_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaire.id"), index=True)
    fielding_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # first started fielding
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("survey_round.id"))  # copied from
    call_rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")  # CallRules

    frame: Mapped[Frame | None] = relationship()
    questionnaire: Mapped[Questionnaire | None] = relationship()
    strata: Mapped[list[Stratum]] = relationship(back_populates="round", order_by="Stratum.position",
                                                 cascade="all, delete-orphan")


class Stratum(db.Model):
    """A stratum of a round: population N_h, target completes n_h, numbers issued and released."""

    __tablename__ = "stratum"
    __table_args__ = (UniqueConstraint("round_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(200))  # e.g. "chengzhong|urban|F|30-44"
    label: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"region": "chengzhong", "urban": true, …}
    population: Mapped[int]  # N_h in the frame (after exclusions)
    target: Mapped[int]  # completes wanted, n_h
    issued: Mapped[int]  # numbers expected to be needed: ⌈n_h / completion rate⌉
    selected: Mapped[int]  # numbers drawn: issued plus the reserve replicates
    replicate_size: Mapped[int]
    released: Mapped[int] = mapped_column(default=0)  # numbers released so far (base weight N_h / released)

    round: Mapped[Round] = relationship(back_populates="strata")


class Case(db.Model):
    """A drawn phone unit in a round."""

    __tablename__ = "survey_case"
    __table_args__ = (
        UniqueConstraint("round_id", "frame_unit_id"),
        Index("ix_survey_case_round_id_stratum_id_replicate", "round_id", "stratum_id", "replicate"),
        # The claim's search: open, released cases of a round by when they may be called.
        Index("ix_survey_case_claim", "round_id", "released", "final_code", "next_call_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"))
    stratum_id: Mapped[int] = mapped_column(ForeignKey("stratum.id", ondelete="CASCADE"))
    frame_unit_id: Mapped[int] = mapped_column(ForeignKey("frame_unit.id"), index=True)
    replicate: Mapped[int]
    released: Mapped[bool] = mapped_column(default=False)
    # Fieldwork. A case is open until it has a final AAPOR disposition; a caller holds it while
    # claimed_by_id is set and claimed_at is recent (an idle claim expires by the round's rules).
    # Server defaults: the draw writes cases through the driver with only the sampling columns.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_call_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # None: callable now (fresh)
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    contacted: Mapped[bool] = mapped_column(default=False, server_default=false())
    eligible: Mapped[bool] = mapped_column(default=False, server_default=false())
    refusals: Mapped[int] = mapped_column(default=0, server_default="0")
    last_outcome: Mapped[str | None] = mapped_column(String(20))
    final_code: Mapped[str | None] = mapped_column(String(5))  # AAPOR final disposition, e.g. 1.1
    final_group: Mapped[str | None] = mapped_column(String(2))  # I P R NC O UH UO NE
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
