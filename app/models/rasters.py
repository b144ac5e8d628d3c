"""The raster catalog: thematic rasters, their versions (one stored COG each) and audit trail."""

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

RASTER_KINDS = ("continuous", "categorical")
RASTER_EVENTS = ("load", "rollback")
_EMPTY_JSON = text("'{}'::jsonb")
_EMPTY_LIST = text("'[]'::jsonb")


class Raster(Base):
    """A named raster; `current_version_id` points at the version that is served."""

    __tablename__ = "raster"
    __table_args__ = (
        CheckConstraint("name ~ '^[a-z][a-z0-9_]{0,62}$'", name="raster_name_format"),
        CheckConstraint(f"kind IN {RASTER_KINDS!r}", name="raster_kind_known"),
        # as for layers: unique within a region, NULL (no region) is one namespace
        UniqueConstraint(
            "region_code", "name", name="raster_region_name_key", postgresql_nulls_not_distinct=True
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    region_code: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("raster_version.id", use_alter=True, name="raster_current_version_fk")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RasterVersion(Base):
    """One load of a raster: the stored COG (path relative to the raster store), its grid,
    statistics, class table and provenance. Earlier versions and their files stay."""

    __tablename__ = "raster_version"
    __table_args__ = (
        UniqueConstraint("raster_id", "version"),
        CheckConstraint(f"kind IN {RASTER_KINDS!r}", name="raster_version_kind_known"),
        Index("raster_version_footprint_idx", "footprint", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    raster_id: Mapped[int] = mapped_column(ForeignKey("raster.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)  # English title (migration 0012)
    kind: Mapped[str] = mapped_column(Text)
    path: Mapped[str] = mapped_column(Text)  # of the COG, relative to RTRW_RASTERS_DIR
    checksum: Mapped[str] = mapped_column(Text)  # SHA-256 of the stored COG
    source_file: Mapped[str] = mapped_column(Text)
    source_checksum: Mapped[str] = mapped_column(Text)  # SHA-256 of the file loaded
    # SHA-256 of the source bytes and every load option: a reload with the same is "unchanged"
    fingerprint: Mapped[str] = mapped_column(Text)
    crs: Mapped[str] = mapped_column(Text)  # the raster's own CRS ("EPSG:32749" or WKT)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    res_x: Mapped[float] = mapped_column(Double)
    res_y: Mapped[float] = mapped_column(Double)
    bands: Mapped[int] = mapped_column(SmallInteger)
    dtype: Mapped[str] = mapped_column(Text)
    nodata: Mapped[float | None] = mapped_column(Double)
    footprint: Mapped[Any] = mapped_column(Geometry("POLYGON", srid=4326, spatial_index=False))
    stats: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=_EMPTY_JSON)
    classes: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=_EMPTY_LIST)
    unit: Mapped[str | None] = mapped_column(Text)
    colormap: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    licence: Mapped[str | None] = mapped_column(Text)
    report: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=_EMPTY_JSON)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RasterEvent(Base):
    """An audit entry: a raster version made current by a load or a rollback."""

    __tablename__ = "raster_event"
    __table_args__ = (
        CheckConstraint(f"action IN {RASTER_EVENTS!r}", name="raster_event_action_known"),
        Index("raster_event_raster_idx", "raster_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    raster_id: Mapped[int] = mapped_column(ForeignKey("raster.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(Text)
    from_version: Mapped[int | None] = mapped_column(Integer)
    to_version: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    happened_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
