"""Reference data every round builds on: geography, departments, indicators and answer scales."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

REGION_LEVELS = ("city", "district", "county_city", "county", "town")


class Region(db.Model):
    """A unit of the administrative tree (city → district/county → town) with census figures."""

    __tablename__ = "region"
    __table_args__ = (
        CheckConstraint("population >= 0", name="population_non_negative"),
        CheckConstraint("urban_share >= 0 AND urban_share <= 1", name="urban_share_is_share"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    level: Mapped[str] = mapped_column(String(20))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    population: Mapped[int] = mapped_column(default=0)
    urban_share: Mapped[float] = mapped_column(default=0.0)
    position: Mapped[int] = mapped_column(default=0)

    parent: Mapped[Region | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Region]] = relationship(back_populates="parent", order_by="Region.position")


class Department(db.Model):
    """A responsible department (承办单位) that issues are routed to."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)


class Indicator(db.Model):
    """A satisfaction indicator (e.g. 社会治安) with its weight in the composite index."""

    __tablename__ = "indicator"
    __table_args__ = (CheckConstraint("weight >= 0", name="weight_non_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    weight: Mapped[float] = mapped_column(default=1.0)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    department: Mapped[Department | None] = relationship()


class Scale(db.Model):
    """An answer scale as data (the 5-point default, Shandong's 3-point variant, …)."""

    __tablename__ = "scale"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    options: Mapped[list[ScaleOption]] = relationship(
        back_populates="scale", order_by="ScaleOption.position", cascade="all, delete-orphan"
    )


class ScaleOption(db.Model):
    """One answer of a scale. "Don't know" carries no score and is excluded from every measure."""

    __tablename__ = "scale_option"
    __table_args__ = (
        UniqueConstraint("scale_id", "code"),
        CheckConstraint(
            "(is_dont_know AND score IS NULL AND NOT counts_as_satisfied) OR (NOT is_dont_know AND score IS NOT NULL)",
            name="dont_know_has_no_score",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scale_id: Mapped[int] = mapped_column(ForeignKey("scale.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(40))
    label_zh: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100))
    score: Mapped[float | None]
    counts_as_satisfied: Mapped[bool] = mapped_column(default=False)
    is_dont_know: Mapped[bool] = mapped_column(default=False)
    read_aloud: Mapped[bool] = mapped_column(default=True)

    scale: Mapped[Scale] = relationship(back_populates="options")
