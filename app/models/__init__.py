"""SQLAlchemy + GeoAlchemy2 tables. Alembic (migrations/) owns the schema; these mirror it."""

from app.models.auth import ApiKey, AuditEvent
from app.models.base import Base
from app.models.catalog import (
    LAYER_KINDS,
    POLYGON_KINDS,
    Feature,
    Layer,
    LayerEvent,
    LayerVersion,
    Region,
)
from app.models.projects import Ppid, Project, ProjectFlag, ProjectImport
from app.models.rasters import RASTER_KINDS, Raster, RasterEvent, RasterVersion
from app.models.rules import (
    Activity,
    ActivityKbli,
    LegalSource,
    RuleSet,
    ZoneAlias,
    ZoneClass,
    intensity_rule,
    itbx_rule,
    overlay_rule,
)

__all__ = [
    "LAYER_KINDS",
    "POLYGON_KINDS",
    "RASTER_KINDS",
    "Activity",
    "ActivityKbli",
    "ApiKey",
    "AuditEvent",
    "Base",
    "Feature",
    "Layer",
    "LayerEvent",
    "LayerVersion",
    "LegalSource",
    "Ppid",
    "Project",
    "ProjectFlag",
    "ProjectImport",
    "Raster",
    "RasterEvent",
    "RasterVersion",
    "Region",
    "RuleSet",
    "ZoneAlias",
    "ZoneClass",
    "intensity_rule",
    "itbx_rule",
    "overlay_rule",
]
