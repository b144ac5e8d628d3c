"""What the rest of the service knows about a stored raster: one current version, as a record.

`app.services.rasters.catalog.get_raster(conn, name, *, region=None, version=None)` returns a
`RasterRecord` (raises NotFound / InvalidParameter like the vector catalog); the tile renderer,
the point and zonal queries, the zoning check and the map page all read rasters through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

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
