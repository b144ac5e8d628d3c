"""PNG tiles (Web Mercator XYZ, 256 px) of a stored raster version, their cache and TileJSON.

A tile is read from the version's Cloud-Optimized GeoTIFF with rio-tiler inside
`rasterio.Env(GDAL_ENV)`: categorical rasters take their class colours, continuous ones a
named rio-tiler colour map over the version's min..max (or `rescale`); nodata is
transparent. Tiles live in the vector tiles' shared TileCache under a key naming the
version (id, checksum), the tile and the style, so a new version is a new key.
"""

from __future__ import annotations

import hashlib
import io
import math
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from PIL import Image
from rasterio.errors import NotGeoreferencedWarning
from rio_tiler.colormap import cmap as colormaps
from rio_tiler.errors import TileOutsideBounds
from rio_tiler.io import Reader
from rio_tiler.models import ImageData
from sqlalchemy import Connection

from app.db import Database
from app.errors import InvalidParameter
from app.services.rasters.catalog import get_raster
from app.services.rasters.files import GDAL_ENV
from app.services.rasters.records import RasterRecord
from app.services.tiles.answer import cached_bytes, resolved
from app.services.tiles.cache import TileCache
from app.services.tiles.catalog import SourceCache
from app.services.tiles.grid import check_tile
from app.settings import TileSettings

# Bump when the rendering changes: every raster tile's cache key and ETag change with it.
RASTER_TILE_FORMAT = 1
TILE_PX = 256
DEFAULT_COLORMAP = "viridis"
LEGEND_STOPS = 6  # colour stops a continuous legend lists

PNG_ZLEVEL = 6  # GDAL's PNG default, written out: the bytes depend on it


@dataclass(frozen=True)
class TileStyle:
    """How a tile is coloured: a named colour map and a value range (None: the record's)."""

    colormap: str | None = None
    rescale: tuple[float, float] | None = None


@dataclass(frozen=True)
class RasterTile:
    """An answer: its ETag and the PNG bytes (b"" empty; None when If-None-Match matched)."""

    etag: str
    data: bytes | None
    record: RasterRecord

    @property
    def not_modified(self) -> bool:
        """Return True when the client's copy is current (304)."""
        return self.data is None


def parse_style(colormap: str | None, rescale: str | None) -> TileStyle:
    """Return the style of `colormap=` and `rescale=min,max`; InvalidParameter when bad."""
    name = None
    if colormap is not None:
        name = colormap.strip().lower()
        if name not in colormaps.list():
            raise InvalidParameter(
                f"unknown colormap {colormap!r}; use a rio-tiler colour map name such as "
                "terrain, viridis, ylorrd, blues",
                message_id=f"colormap {colormap!r} tidak dikenal; gunakan nama colour map "
                "rio-tiler, misalnya terrain, viridis, ylorrd, blues",
            )
    bounds = None
    if rescale is not None:
        parts = rescale.split(",")
        try:
            lo, hi = (float(p) for p in parts)
        except ValueError:
            lo = hi = math.nan
        if len(parts) != 2 or not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
            raise InvalidParameter(
                f"rescale needs two finite numbers min,max with min < max; got {rescale!r}",
                message_id="rescale harus berisi dua angka berhingga min,max dengan min < max; "
                f"diterima {rescale!r}",
            )
        bounds = (lo, hi)
    return TileStyle(name, bounds)


def value_range(record: RasterRecord, style: TileStyle) -> tuple[float, float]:
    """Return the values drawn from the first to the last colour: `rescale` or min..max."""
    if style.rescale is not None:
        return style.rescale
    lo, hi = float(record.stats.get("min", 0.0)), float(record.stats.get("max", 255.0))
    return (lo, hi) if hi > lo else (lo, lo + 1.0)


def classified(record: RasterRecord, style: TileStyle) -> bool:
    """Return True when the tile takes the class colours (a categorical raster, no colormap)."""
    return record.kind == "categorical" and bool(record.classes) and style.colormap is None


def hex_rgba(colour: str) -> tuple[int, int, int, int]:
    """Return "#rrggbb" as an opaque RGBA tuple."""
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16), 255)


def tile_key(record: RasterRecord, z: int, x: int, y: int, style: TileStyle) -> str:
    """Return the cache key of a raster tile: a SHA-256 of everything that shapes its bytes."""
    parts = (
        "raster",
        RASTER_TILE_FORMAT,
        record.version_id,
        record.checksum,
        record.name,
        record.kind,
        tuple((c.value, c.color) for c in record.classes),
        record.colormap,
        style.colormap,
        value_range(record, style),
        z,
        x,
        y,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


class _Readers(threading.local):
    """Open COG readers of this thread by (path, checksum): opening costs ~1 ms a tile."""

    def __init__(self) -> None:
        self.open: OrderedDict[tuple[Path, str], Reader] = OrderedDict()


_readers = _Readers()
READERS_PER_THREAD = 8


def _reader(record: RasterRecord) -> Reader:
    """Return this thread's open Reader of the version's file (opened on first use)."""
    key = (record.path, record.checksum)
    cached = _readers.open.get(key)
    if cached is not None:
        _readers.open.move_to_end(key)
        return cached
    reader = Reader(str(record.path))
    _readers.open[key] = reader
    while len(_readers.open) > READERS_PER_THREAD:
        _, old = _readers.open.popitem(last=False)
        old.close()
    return reader


def render_tile(record: RasterRecord, z: int, x: int, y: int, style: TileStyle) -> bytes:
    """Return the PNG of one tile; b"" when the tile misses the raster or holds only nodata."""
    with rasterio.Env(**GDAL_ENV):
        src = _reader(record)
        if not src.tile_exists(x, y, z):
            return b""
        try:
            img = src.tile(x, y, z, tilesize=TILE_PX, indexes=1)
        except TileOutsideBounds:
            return b""
        # img.mask is in the data type's range (float: +-3.4e38): the masked array says it
        nodata = np.ma.getmaskarray(img.array)[0]
        if nodata.all():
            return b""
        return _png(img, record, style, nodata)


def palette(record: RasterRecord, style: TileStyle) -> np.ndarray | None:
    """Return the 256 RGBA colours of the tile's palette PNG, index 0 transparent (nodata).

    Classes: the class value is the index (None when a value is 0 or over 255: the tile is
    then drawn as RGBA). Colour map: indexes 1..255 run through the map's 256 colours evenly.
    """
    table = np.zeros((256, 4), dtype=np.uint8)
    if classified(record, style):
        if any(not 0 < c.value <= 255 for c in record.classes):
            return None
        for c in record.classes:
            table[c.value] = hex_rgba(c.color)
        return table
    name = style.colormap or record.colormap or DEFAULT_COLORMAP
    colours = colormaps.get(name)
    for i in range(1, 256):
        table[i] = colours[round((i - 1) * 255 / 254)]  # type: ignore[index]
    return table


def palette_index(record: RasterRecord, style: TileStyle, data: np.ndarray) -> np.ndarray:
    """Return each value's palette index: its class, or 1..255 over the value range."""
    if classified(record, style):
        return np.where((data > 0) & (data <= 255), data, 0).astype(np.uint8)
    lo, hi = value_range(record, style)
    scaled = (data.astype(np.float64) - lo) * (254.0 / (hi - lo))
    return (1 + np.rint(np.clip(scaled, 0.0, 254.0))).astype(np.uint8)


def _png(img: ImageData, record: RasterRecord, style: TileStyle, nodata: np.ndarray) -> bytes:
    """Return the image coloured by class or by colour map, nodata transparent.

    A palette PNG (one byte a pixel, colours and transparency in PLTE/tRNS): a quarter of
    the bytes to compress of RGBA, so about three times faster to encode, and smaller.
    """
    table = palette(record, style)
    if table is None:  # class values a palette cannot index
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            colours = {c.value: hex_rgba(c.color) for c in record.classes}
            return img.render(img_format="PNG", colormap=colours, ZLEVEL=PNG_ZLEVEL)
    index = palette_index(record, style, img.array[0].data)
    index[nodata] = 0
    out = Image.frombytes("P", (index.shape[1], index.shape[0]), index.tobytes())
    out.putpalette(table[:, :3].tobytes(), rawmode="RGB")
    out.info["transparency"] = table[:, 3].tobytes()
    buf = io.BytesIO()
    out.save(buf, format="PNG", compress_level=PNG_ZLEVEL)
    return buf.getvalue()


def get_tile(
    conn: Connection,
    cache: TileCache,
    settings: TileSettings,
    name: str,
    z: int,
    x: int,
    y: int,
    style: TileStyle,
    *,
    region: str | None = None,
    version: int | None = None,
    if_none_match: str | None = None,
    store: Path | None = None,
) -> RasterTile:
    """Return a tile of a raster version: 304 from its key, else the cache, else rendered.

    InvalidParameter (422) outside the grid; RasterNotFound (404) for an unknown name or
    version. The record is read on `conn`; the file is read after, still on this thread.
    """
    check_tile(z, x, y, settings.min_zoom, settings.max_zoom)
    record = get_raster(conn, name, region=region, version=version, store=store)
    return tile_of(cache, record, z, x, y, style, if_none_match)


def tile_of(
    cache: TileCache,
    record: RasterRecord,
    z: int,
    x: int,
    y: int,
    style: TileStyle,
    if_none_match: str | None = None,
) -> RasterTile:
    """Return a tile of a resolved record: 304 from its key, else the cache, else rendered."""
    etag, data = cached_bytes(
        cache,
        tile_key(record, z, x, y, style),
        if_none_match,
        lambda: render_tile(record, z, x, y, style),
    )
    return RasterTile(etag, data, record)


def load_tile(
    db: Database,
    cache: TileCache,
    settings: TileSettings,
    name: str,
    z: int,
    x: int,
    y: int,
    style: TileStyle,
    *,
    region: str | None = None,
    version: int | None = None,
    if_none_match: str | None = None,
    store: Path | None = None,
    records: SourceCache | None = None,
) -> RasterTile:
    """Return `get_tile` on a read connection (run it in a worker thread); with `records`
    (the catalog-notified cache of the vector tiles), a record resolved since the last
    catalog change is reused and a warm tile takes no query."""
    if records is not None:
        check_tile(z, x, y, settings.min_zoom, settings.max_zoom)
        record: RasterRecord = resolved(  # the cache holds vector TileSources and records
            records,
            ("raster", name, region, version, store),
            lambda: db.run(get_raster, name, region=region, version=version, store=store),
        )
        return tile_of(cache, record, z, x, y, style, if_none_match)
    return db.run(
        get_tile, cache, settings, name, z, x, y, style,
        region=region, version=version, if_none_match=if_none_match, store=store,
    )  # fmt: skip


def legend(record: RasterRecord, style: TileStyle) -> dict[str, Any]:
    """Return the legend of the tiles: the classes, or LEGEND_STOPS stops of the colour map."""
    if classified(record, style):
        return {
            "type": "classes",
            "classes": [
                {"value": c.value, "name_id": c.name_id, "name_en": c.name_en, "color": c.color}
                for c in record.classes
            ],
        }
    lo, hi = value_range(record, style)
    name = style.colormap or record.colormap or DEFAULT_COLORMAP
    table: dict[int, tuple[int, int, int, int]] = colormaps.get(name)  # type: ignore[assignment]
    stops = []
    for value in np.linspace(lo, hi, LEGEND_STOPS):
        index = int(round((value - lo) / (hi - lo) * 255))
        r, g, b = table[index][:3]
        stops.append({"value": round(float(value), 6), "color": f"#{r:02x}{g:02x}{b:02x}"})
    return {"type": "colormap", "colormap": name, "unit": record.unit, "stops": stops}


def tilejson(
    conn: Connection,
    settings: TileSettings,
    name: str,
    base_url: str,
    style: TileStyle,
    *,
    region: str | None = None,
    version: int | None = None,
    store: Path | None = None,
) -> dict[str, Any]:
    """Return the TileJSON 3.0.0 of a raster version's PNG tiles with their legend."""
    record = get_raster(conn, name, region=region, version=version, store=store)
    params = (
        ("colormap", style.colormap),
        ("rescale", ",".join(f"{v:g}" for v in style.rescale) if style.rescale else None),
        ("region", region),
        ("version", version),
    )
    query = "&".join(f"{k}={v}" for k, v in params if v is not None)
    url = f"{base_url.rstrip('/')}/rasters/{record.name}/tiles/{{z}}/{{x}}/{{y}}.png"
    west, south, east, north = record.bounds_wgs84
    # the zoom where a tile pixel is about the raster's pixel (Web Mercator at the centre)
    lat = math.radians((south + north) / 2)
    metres = abs(record.res[0]) if "EPSG:4326" not in record.crs else abs(record.res[0]) * 111_320
    native = math.log2(40_075_016.7 * math.cos(lat) / (TILE_PX * metres)) if metres > 0 else 12
    centre_zoom = min(max(settings.min_zoom, round(native) - 2), settings.max_zoom)
    doc: dict[str, Any] = {
        "tilejson": "3.0.0",
        "name": record.name,
        "description": record.title,
        "version": f"{record.version}.0.0",
        "scheme": "xyz",
        "tiles": [url + (f"?{query}" if query else "")],
        "minzoom": settings.min_zoom,
        "maxzoom": settings.max_zoom,
        "bounds": [west, south, east, north],
        "center": [(west + east) / 2, (south + north) / 2, centre_zoom],
        "raster": {
            "name": record.name,
            "region": record.region_code,
            "kind": record.kind,
            "version": record.version,
            "unit": record.unit,
            "native_zoom": round(native, 2),
        },
        "legend": legend(record, style),
    }
    attribution = "; ".join(t for t in (record.source, record.licence) if t)
    if attribution:
        doc["attribution"] = attribution
    return doc
