"""APBD projects, their imports and integrity flags, and village PPID (migration 0007)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    REAL,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import EMPTY_JSON, Base

PROJECT_FLAGS = (
    "outside_region",
    "outside_desa",
    "forbidden_zone",
    "protected_zone",
    "duplicate",
    "over_budget",
    "done_unpaid",
    "paid_not_started",
    "unplaced",
)
PLACED_BY = ("coordinates", "wkt", "desa_code", "text")


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class ProjectImport(Base):
    """One import of a budget file: what it was, who did it, what it counted."""

    __tablename__ = "project_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    source_file: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(Text)
    sheet: Mapped[str | None] = mapped_column(Text)
    field_map: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=EMPTY_JSON)
    actor: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    counts: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=EMPTY_JSON)
    report: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=EMPTY_JSON)


class Project(Base):
    """An APBD project (a budget row) with where it is: desa, kecamatan and zones."""

    __tablename__ = "project"
    __table_args__ = (
        UniqueConstraint("year", "key", name="project_year_key"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="project_progress_range"),
        CheckConstraint(f"placed_by IN ({_in(PLACED_BY)})", name="project_placed_by_known"),
        Index("project_geom_idx", "geom", postgresql_using="gist"),
        Index("project_desa_idx", "year", "desa_code"),
        Index("project_kecamatan_idx", "year", "kecamatan_code"),
        Index("project_opd_idx", "year", "opd_code"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(Text)  # ref, or "hash:<row hash>" without one
    ref: Mapped[str | None] = mapped_column(Text)
    row_hash: Mapped[str] = mapped_column(Text)
    opd_code: Mapped[str | None] = mapped_column(Text)
    opd_name: Mapped[str | None] = mapped_column(Text)
    program: Mapped[str | None] = mapped_column(Text)
    activity: Mapped[str | None] = mapped_column(Text)
    sub_activity_code: Mapped[str | None] = mapped_column(Text)
    sub_activity: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    pagu: Mapped[int | None] = mapped_column(BigInteger)
    realisation: Mapped[int | None] = mapped_column(BigInteger)
    progress: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    contract_no: Mapped[str | None] = mapped_column(Text)
    contract_value: Mapped[int | None] = mapped_column(BigInteger)
    contractor: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    kbli: Mapped[str | None] = mapped_column(Text)
    location_text: Mapped[str | None] = mapped_column(Text)
    given_desa_code: Mapped[str | None] = mapped_column(Text)
    given_kecamatan: Mapped[str | None] = mapped_column(Text)
    placed_by: Mapped[str | None] = mapped_column(Text)
    match_confidence: Mapped[float | None] = mapped_column(REAL)
    geom: Mapped[Any] = mapped_column(
        Geometry("GEOMETRY", srid=4326, spatial_index=False), nullable=True
    )
    region_code: Mapped[str | None] = mapped_column(Text)
    desa_code: Mapped[str | None] = mapped_column(Text)
    kecamatan_code: Mapped[str | None] = mapped_column(Text)
    zones: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("project_import.id", ondelete="SET NULL")
    )
    line: Mapped[int | None] = mapped_column(Integer)
    raw: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=EMPTY_JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ProjectFlag(Base):
    """An integrity flag on a project, with a reason a citizen can read (id/en)."""

    __tablename__ = "project_flag"
    __table_args__ = (
        CheckConstraint(f"flag IN ({_in(PROJECT_FLAGS)})", name="project_flag_known"),
        Index("project_flag_project_idx", "project_id"),
        Index("project_flag_flag_idx", "flag"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    flag: Mapped[str] = mapped_column(Text)
    other_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    reason_id: Mapped[str] = mapped_column(Text)
    reason_en: Mapped[str] = mapped_column(Text)


class Ppid(Base):
    """A village's PPID (information and documentation officer): formed or not, and when."""

    __tablename__ = "ppid"
    __table_args__ = (CheckConstraint("info_count >= 0", name="ppid_info_count_positive"),)

    desa_code: Mapped[str] = mapped_column(Text, primary_key=True)
    formed: Mapped[bool] = mapped_column(Boolean)
    decree_no: Mapped[str | None] = mapped_column(Text)
    decree_date: Mapped[date | None] = mapped_column(Date)
    website: Mapped[str | None] = mapped_column(Text)
    info_count: Mapped[int | None] = mapped_column(Integer)
    last_update: Mapped[date | None] = mapped_column(Date)
    source_file: Mapped[str | None] = mapped_column(Text)
    line: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
