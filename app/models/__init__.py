"""SQLAlchemy + GeoAlchemy2 tables. Alembic (migrations/) owns the schema; these mirror it."""

from app.models.base import Base
from app.models.catalog import (
    LAYER_EVENTS,
    LAYER_KINDS,
    POLYGON_KINDS,
    Feature,
    Layer,
    LayerEvent,
    LayerVersion,
    Region,
)
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
    "LAYER_EVENTS",
    "LAYER_KINDS",
    "POLYGON_KINDS",
    "Activity",
    "ActivityKbli",
    "Base",
    "Feature",
    "Layer",
    "LayerEvent",
    "LayerVersion",
    "LegalSource",
    "Region",
    "RuleSet",
    "ZoneAlias",
    "ZoneClass",
    "intensity_rule",
    "itbx_rule",
    "overlay_rule",
]
