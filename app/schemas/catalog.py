"""Response models of the catalog, admin and health endpoints."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class Health(BaseModel):
    """GET /health."""

    status: str
    database: str
    postgresql: str
    postgis: str
    layers: int


class LayerSummary(BaseModel):
    """A layer and its current version."""

    name: str
    title: str
    kind: str
    version: int
    version_id: int
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


class LayerDetail(LayerSummary):
    """A layer with its field map, load report and number of versions."""

    field_map: dict[str, str]
    report: dict[str, Any]
    versions: int


class LayerVersionOut(LayerSummary):
    """One version of a layer."""

    current: bool
    field_map: dict[str, str]


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
