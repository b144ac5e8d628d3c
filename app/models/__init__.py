"""SQLAlchemy + GeoAlchemy2 tables. Alembic (migrations/) owns the schema; these mirror it."""

from app.models.base import Base
from app.models.catalog import LAYER_KINDS, Feature, Layer, LayerVersion, Region

__all__ = ["LAYER_KINDS", "Base", "Feature", "Layer", "LayerVersion", "Region"]
