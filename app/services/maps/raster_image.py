"""A stored raster as an RGBA image of a static map's frame, coloured as its tiles are.

The COG is warped (nearest neighbour: class values stay classes) onto the map's own grid in the
drawing CRS, then coloured by its classes (categorical) or by its colour map over min..max
(continuous, app/services/rasters/tiles.py); nodata stays transparent.
"""

from __future__ import annotations

import numpy as np
import rasterio
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.transform import from_bounds
from rasterio.vrt import WarpedVRT
from rio_tiler.colormap import cmap as colormaps

from app.services.rasters.records import RasterRecord
from app.services.rasters.tiles import (
    DEFAULT_COLORMAP,
    classified,
    hex_rgba,
    legend,
    parse_style,
    value_range,
)

MAX_PX = 2000  # the image's longer side at most (the figure scales it up)


def raster_rgba(
    record: RasterRecord,
    srid: int,
    frame: tuple[float, float, float, float],
    width: int,
    height: int,
) -> np.ndarray:
    """Return the raster over `frame` (EPSG `srid`) as a height x width x 4 uint8 image."""
    scale = min(1.0, MAX_PX / max(width, height))
    w, h = max(1, int(width * scale)), max(1, int(height * scale))
    style = parse_style(None, None)
    with rasterio.open(record.path) as src, WarpedVRT(
        src, crs=CRS.from_epsg(srid), transform=from_bounds(*frame, w, h), width=w, height=h,
        resampling=Resampling.nearest, nodata=src.nodata,
    ) as vrt:  # fmt: skip
        data = vrt.read(1, masked=True)
    valid = ~np.ma.getmaskarray(data)
    values = np.ma.getdata(data)
    out = np.zeros((h, w, 4), dtype=np.uint8)
    if classified(record, style):
        for c in record.classes:
            out[valid & (values == c.value)] = hex_rgba(c.color)
        return out
    lo, hi = value_range(record, style)
    index = np.clip(np.round((values.astype("float64") - lo) / (hi - lo) * 255), 0, 255)
    table = colormaps.get(record.colormap or DEFAULT_COLORMAP)
    lut = np.array([table[i] for i in range(256)], dtype=np.uint8)
    out[valid] = lut[index[valid].astype(np.int64)]
    out[valid, 3] = 255
    return out


def raster_legend(record: RasterRecord, lang: str) -> list[tuple[str, str]]:
    """Return (colour, label) entries: each class, or the colour map's end and middle stops."""
    doc = legend(record, parse_style(None, None))
    if doc["type"] == "classes":
        return [
            (c["color"], f"{c['value']} {c['name_en'] if lang == 'en' else c['name_id']}")
            for c in doc["classes"]
        ]
    unit = f" {record.unit}" if record.unit else ""
    stops = doc["stops"]
    picks = [stops[0], stops[len(stops) // 2], stops[-1]] if len(stops) >= 3 else stops
    return [(s["color"], f"{s['value']:,.0f}{unit}".replace(",", "." if lang == "id" else ","))
            for s in picks]  # fmt: skip
