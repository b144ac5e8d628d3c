"""What the rest of the service knows about a stored raster: one current version, as a record.

`app.services.rasters.catalog.get_raster(conn, name, *, region=None, version=None)` returns a
`RasterRecord` (raises NotFound / InvalidParameter like the vector catalog); the tile renderer,
the point and zonal queries, the zoning check and the map page all read rasters through it.
The catalog's listings hand out `RasterRow`s (`RasterDetailRow`, `RasterVersionRow`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

RasterKind = Literal["continuous", "categorical"]


@dataclass(frozen=True, slots=True)
class RasterClass:
    """One class of a categorical raster (from the pack's classes.csv)."""

    value: int
    name_id: str
    name_en: str
    color: str  # "#rrggbb"


@dataclass(frozen=True, slots=True)
class RasterRecord:
    """The current (or asked-for) version of a raster layer, as stored."""

    id: int  # raster (layer) id
    version_id: int  # raster_version id: the cache key of tiles and the ETag
    name: str
    region_code: str | None
    title: str
    version: int
    kind: RasterKind
    path: Path  # absolute path of the stored Cloud-Optimized GeoTIFF
    crs: str  # "EPSG:32749" (or WKT when there is no EPSG code)
    width: int
    height: int
    res: tuple[float, float]  # pixel size (x, y) in CRS units
    bands: int
    dtype: str  # numpy dtype name, e.g. "float32"
    nodata: float | None
    bounds_wgs84: tuple[float, float, float, float]  # west, south, east, north
    stats: dict[str, float]  # band 1: min, max, mean, std over valid pixels
    checksum: str  # sha256 of the stored COG
    unit: str | None = None  # "m", "%", ... (pack or CLI)
    colormap: str | None = None  # rio-tiler colormap name for continuous rasters, e.g. "terrain"
    classes: tuple[RasterClass, ...] = field(default_factory=tuple)
    source: str | None = None  # legal/data source id or text
    licence: str | None = None  # licence / provenance text of the version
    title_en: str | None = None  # English title (None: English pages show `title`)


@dataclass(frozen=True, slots=True)
class RasterRow:
    """A raster and one of its versions as the catalog lists it (the current one, when listed):
    the store-relative path, the grid, statistics and class table as stored."""

    name: str
    region: str | None  # the Kemendagri code of the raster's region (None: loaded without)
    version_id: int
    version: int
    title: str
    title_en: str | None
    kind: RasterKind
    path: str  # of the COG, relative to the raster store
    checksum: str
    source_file: str
    source_checksum: str
    crs: str
    width: int
    height: int
    res: list[float]  # pixel size x, y in CRS units
    bands: int
    dtype: str
    nodata: float | None
    stats: dict[str, Any]
    classes: list[dict[str, Any]]  # value, name_id, name_en, color (categorical)
    unit: str | None
    colormap: str | None
    source: str | None
    licence: str | None
    loaded_at: datetime
    bounds: list[float]  # west, south, east, north (EPSG:4326)
    tilejson: str  # the TileJSON of its PNG tiles


@dataclass(frozen=True, slots=True)
class RasterDetailRow(RasterRow):
    """A raster's version with its load report and the number of versions it has."""

    report: dict[str, Any]
    versions: int


@dataclass(frozen=True, slots=True)
class RasterVersionRow(RasterRow):
    """One version of a raster and whether it is current."""

    current: bool
