"""rtrw: spatial-planning service for Indonesian regencies (RTRW/RDTR zoning on PostGIS)."""

__version__ = "0.1.0"
