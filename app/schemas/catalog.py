"""Response models of the catalog, admin and health endpoints."""

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.models.catalog import LAYER_KINDS

# The members come from the model's tuple (one list for the CHECK constraint and the API).
LayerKind = StrEnum("LayerKind", {k: k for k in LAYER_KINDS})  # type: ignore[misc]


class Health(BaseModel):
    """GET /health."""

    status: str
    database: str
    postgresql: str
    postgis: str
    layers: int


class NamedSummary(BaseModel):
    """What every named thing of the catalog (a layer, a raster) shows of its current version."""

    name: str
    region: str | None = None  # the Kemendagri code of its region
    title: str = Field(description="the title in Bahasa Indonesia")
    title_en: str | None = Field(
        default=None, description="the title in English (null: none given; show `title`)"
    )
    kind: str
    version: int
    version_id: int


class LayerSummary(NamedSummary):
    """A layer and its current version."""

    source_file: str
    source_layer: str | None = None
    checksum: str
    source_crs: str
    metric_crs: str
    geometry_type: str | None = None
    feature_count: int
    bounds: list[float] | None = None
    licence: str | None = None
    loaded_at: datetime
    plan: Literal["rtrw", "rdtr"] | None = Field(
        default=None, description="zoning: the plan (an RDTR governs over the RTRW where it lies)"
    )
    oss_integrated: bool = Field(default=False, description="zoning: an RDTR integrated in OSS")


class LayerDetail(LayerSummary):
    """A layer with its field map, load report and number of versions."""

    field_map: dict[str, str]
    report: dict[str, Any]
    versions: int


class LayerEventOut(BaseModel):
    """An audit entry: a load or a rollback made `to_version` current (from `from_version`)."""

    action: str
    from_version: int | None = None
    to_version: int
    actor: str | None = None
    note: str | None = None
    happened_at: datetime


class LayerVersionOut(LayerSummary):
    """One version of a layer, with the loads and rollbacks that made it current."""

    current: bool
    field_map: dict[str, str]
    events: list[LayerEventOut] = []


class AdminParent(BaseModel):
    """A parent of an administrative area."""

    code: str
    name: str | None
    level: int
    level_name: str | None


class AdminArea(BaseModel):
    """GET /admin/{code}: the area, its parents (nearest first) and its geometry."""

    code: str
    name: str | None
    level: int
    level_name: str | None
    jenis: str | None = None
    area_m2: float | None
    layer: str
    version: int
    parents: list[AdminParent]
    geometry: dict[str, Any]


class Place(BaseModel):
    """GET /admin/places: a desa, kecamatan or kabupaten with a label point and its bbox."""

    code: str
    name: str | None
    level: int
    level_name: str | None
    parent_code: str | None
    parent_name: str | None
    region: str | None
    point: list[float] = Field(description="[lon, lat] of a point inside the area")
    bbox: list[float] = Field(description="[minlon, minlat, maxlon, maxlat]")
    score: float | None = Field(default=None, description="how well the name matched (0-100)")


class Feature(BaseModel):
    """A GeoJSON Feature in EPSG:4326; properties carry code, name, level, area_m2 and the rest."""

    type: Literal["Feature"]
    id: int
    properties: dict[str, Any]
    geometry: dict[str, Any] | None


class Link(BaseModel):
    """A link of a features page (`self`, `next`)."""

    rel: str
    href: str
    type: str


class FeatureCollection(BaseModel):
    """GET /layers/{name}/features: one page of a layer version as GeoJSON."""

    type: Literal["FeatureCollection"]
    layer: str
    version: int
    number_returned: int = Field(alias="numberReturned")
    features: list[Feature]
    links: list[Link]
