"""The raster catalog: thematic rasters, their versions (one stored COG each) and audit trail."""

from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    CheckConstraint,
    Double,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import EMPTY_JSON, Base
from app.models.named import Event, Named, Version, event_args, named_args

RASTER_KINDS = ("continuous", "categorical")
_EMPTY_LIST = text("'[]'::jsonb")


class Raster(Named, Base):
    """A named raster; `current_version_id` points at the version that is served."""

    __tablename__ = "raster"
    __table_args__ = named_args("raster", RASTER_KINDS)


class RasterVersion(Version, Base):
    """One load of a raster: the stored COG (path relative to the raster store), its grid,
    statistics, class table and provenance. Earlier versions and their files stay."""

    __tablename__ = "raster_version"
    __table_args__ = (
        UniqueConstraint("raster_id", "version"),
        CheckConstraint(f"kind IN {RASTER_KINDS!r}", name="raster_version_kind_known"),
        Index("raster_version_footprint_idx", "footprint", postgresql_using="gist"),
    )

    raster_id: Mapped[int] = mapped_column(ForeignKey("raster.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(Text)  # of the COG, relative to RTRW_RASTERS_DIR
    # `checksum` is the SHA-256 of the stored COG, `source_checksum` of the file loaded
    source_checksum: Mapped[str] = mapped_column(Text)
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
    stats: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=EMPTY_JSON)
    classes: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=_EMPTY_LIST)
    unit: Mapped[str | None] = mapped_column(Text)
    colormap: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)


class RasterEvent(Event, Base):
    """An audit entry: a raster version made current by a load or a rollback."""

    __tablename__ = "raster_event"
    __table_args__ = event_args("raster_event", "raster")

    raster_id: Mapped[int] = mapped_column(ForeignKey("raster.id", ondelete="CASCADE"))
