"""The layer catalog: regions, layers, their versions and the features of each version."""

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import EMPTY_JSON, Base
from app.models.named import Event, Named, Version, event_args, named_args

LAYER_KINDS = ("admin", "zoning", "overlay", "base", "thematic", "parcel")
# Kinds whose features are areas: points and lines in their files are rejected.
POLYGON_KINDS = ("admin", "zoning", "overlay", "parcel")
# Zoning plans, least detailed first: a later one governs over an earlier one where both lie.
ZONING_PLANS = ("rtrw", "rdtr")
# feature.geom_web (migration 0011): the geometry in Web Mercator for tiles, computed by
# PostgreSQL when a row is written; latitudes beyond Web Mercator's edge are cut off first.
WEB_MAX_LAT = 85.0511
GEOM_WEB_SQL = (
    f"ST_Transform(CASE WHEN ST_YMax(geom) > {WEB_MAX_LAT} OR ST_YMin(geom) < -{WEB_MAX_LAT} "
    f"THEN ST_ClipByBox2D(geom, ST_MakeEnvelope(-180, -{WEB_MAX_LAT}, 180, {WEB_MAX_LAT}, 4326)) "
    "ELSE geom END, 3857)"
)


class Region(Base):
    """A region pack that was loaded (one row per Kemendagri code)."""

    __tablename__ = "region"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    metric_crs: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    licence: Mapped[str | None] = mapped_column(Text)
    pack_path: Mapped[str | None] = mapped_column(Text)
    manifest: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=EMPTY_JSON)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Layer(Named, Base):
    """A named layer; `current_version_id` points at the version that is served."""

    __tablename__ = "layer"
    __table_args__ = named_args("layer", LAYER_KINDS)


class LayerVersion(Version, Base):
    """One load of a layer: provenance, counts and bounds. Earlier versions stay."""

    __tablename__ = "layer_version"
    __table_args__ = (
        UniqueConstraint("layer_id", "version"),
        CheckConstraint(f"plan IN {ZONING_PLANS!r}", name="layer_version_plan_known"),
    )

    layer_id: Mapped[int] = mapped_column(ForeignKey("layer.id", ondelete="CASCADE"))
    source_layer: Mapped[str | None] = mapped_column(Text)
    source_crs: Mapped[str] = mapped_column(Text)
    metric_crs: Mapped[str] = mapped_column(Text)
    geometry_type: Mapped[str | None] = mapped_column(Text)
    feature_count: Mapped[int] = mapped_column(Integer)
    minx: Mapped[float | None] = mapped_column(Double)
    miny: Mapped[float | None] = mapped_column(Double)
    maxx: Mapped[float | None] = mapped_column(Double)
    maxy: Mapped[float | None] = mapped_column(Double)
    field_map: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=EMPTY_JSON)
    # SHA-256 of the file and every load option that shapes the result (migration 0003);
    # a region load skips a layer whose current version has the same fingerprint.
    fingerprint: Mapped[str | None] = mapped_column(Text)
    # Which zoning plan a zoning version is (migration 0005): an RDTR governs over the RTRW
    # where it lies; an OSS-integrated RDTR makes the KKKPR route possible. NULL for others.
    plan: Mapped[str | None] = mapped_column(Text)
    oss_integrated: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # The admin levels (2 kabupaten, 3 kecamatan, 4 desa) an admin version holds (migration
    # 0005), filled at load time: per level one admin version is current (catalog/current.py).
    levels: Mapped[list[int] | None] = mapped_column(ARRAY(SmallInteger))


class LayerEvent(Event, Base):
    """An audit entry: a layer version made current by a load or a rollback."""

    __tablename__ = "layer_event"
    __table_args__ = event_args("layer_event", "layer")

    layer_id: Mapped[int] = mapped_column(ForeignKey("layer.id", ondelete="CASCADE"))


class Feature(Base):
    """A feature of one layer version. Partitioned by LIST (version_id): one partition a version."""

    __tablename__ = "feature"
    # The per-version partitions feature_v<id> are created by the loader, not modelled here
    # (migrations/env.py leaves them out of autogenerate); their indexes mirror these two.
    __table_args__ = (
        Index("feature_geom_idx", "geom", postgresql_using="gist"),
        Index("feature_code_idx", "version_id", "code"),
        {"postgresql_partition_by": "LIST (version_id)"},
    )

    version_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fid: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    parent_code: Mapped[str | None] = mapped_column(Text)
    level: Mapped[int | None] = mapped_column(SmallInteger)
    props: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=EMPTY_JSON)
    geom: Mapped[Any] = mapped_column(Geometry(srid=4326, spatial_index=False))
    area_m2: Mapped[float | None] = mapped_column(Double)
    # The polygon in its version's metric CRS (migration 0004); no SRID constraint.
    geom_m: Mapped[Any | None] = mapped_column(Geometry(srid=-1, spatial_index=False))
    # The geometry in EPSG:3857, what the vector tiles cut (migration 0011); never written.
    geom_web: Mapped[Any | None] = mapped_column(
        Geometry(srid=3857, spatial_index=False), Computed(GEOM_WEB_SQL, persisted=True)
    )
    # Minimum clearance of a small polygon, EPSG:3857 metres (migration 0011; NULL otherwise): the
    # tiles skip ST_AsMVTGeom's validation where snapping cannot make it invalid.
    clearance: Mapped[float | None] = mapped_column(Double)
