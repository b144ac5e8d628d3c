"""Point values and zonal statistics of a stored raster, read in the raster's own CRS.

The question is transformed, never the raster: a lon/lat point or a parcel is projected into
the raster's CRS (pyproj, always x/y) and the pixels are read from the stored COG.

Zonal rule (partial pixels): a pixel counts for a parcel when its **centre** lies inside the
parcel (rasterio `geometry_mask(..., all_touched=False)`, GDAL's rasterize rule). Pixels
whose value is nodata (or NaN) are counted in `nodata_count` and left out of count, min,
max, mean and the class shares. A parcel too small or thin to hold any pixel centre takes
the one pixel under its representative point (`rule: "representative_point"`). Areas are
pixel count x pixel area: exact in a projected CRS (times the CRS unit in metres, squared);
in a geographic CRS one pixel's area on the WGS84 ellipsoid at the parcel's latitude.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
import rasterio
import shapely
from pyproj import CRS, Geod, Transformer
from rasterio.errors import RasterioIOError
from rasterio.features import geometry_mask
from rasterio.windows import Window
from shapely.geometry import box, mapping
from shapely.geometry.base import BaseGeometry

from app.errors import (
    InvalidGeometry,
    OutsideRaster,
    PointOutsideRaster,
    RasterNotFound,
    TooLarge,
)
from app.services.rasters.ingest import valid_mask
from app.services.rasters.records import RasterClass, RasterRecord
from app.services.zoning.parse import parse_geometry
from app.settings import RasterSettings, raster_settings

# GDAL settings for reading our own local COGs
GDAL_ENV = {"GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR", "GDAL_NUM_THREADS": "1"}
GEOD = Geod(ellps="WGS84")


@lru_cache(maxsize=64)
def _to_raster(crs: str) -> Transformer:
    """Return a cached lon/lat -> raster CRS transformer (always x/y)."""
    return Transformer.from_crs(CRS.from_epsg(4326), CRS.from_user_input(crs), always_xy=True)


@lru_cache(maxsize=64)
def _unit_m(crs: str) -> float | None:
    """Return metres per CRS unit of a projected CRS; None for a geographic one."""
    c = CRS.from_user_input(crs)
    if c.is_geographic:
        return None
    return float(c.axis_info[0].unit_conversion_factor) if c.axis_info else 1.0


def _open(record: RasterRecord) -> Any:
    try:
        return rasterio.open(record.path)
    except RasterioIOError as exc:
        raise RasterNotFound(
            f"the stored file of raster {record.name!r} v{record.version} cannot be read",
            message_id=f"Berkas tersimpan raster {record.name!r} v{record.version} tidak "
            "dapat dibaca",
        ) from exc


def _number(value: Any, dtype: str) -> int | float | None:
    """Return a pixel value as a JSON number (int for integer rasters); None for NaN."""
    if np.issubdtype(np.dtype(dtype), np.integer):
        return int(value)
    v = float(value)
    return None if math.isnan(v) else v


def _class_of(record: RasterRecord, value: int | float | None) -> RasterClass | None:
    if value is None:
        return None
    return next((c for c in record.classes if c.value == value), None)


def _class_dict(c: RasterClass | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {"value": c.value, "name_id": c.name_id, "name_en": c.name_en, "color": c.color}


def _header(record: RasterRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "region": record.region_code,
        "version": record.version,
        "kind": record.kind,
        "unit": record.unit,
        "crs": record.crs,
        "source": record.source,
    }


def point_value(record: RasterRecord, lon: float, lat: float) -> dict[str, Any]:
    """Return the value (None on nodata) and class of band 1 at a lon/lat point.

    PointOutsideRaster (404) when the point lies outside the raster's grid.
    """
    x, y = _to_raster(record.crs).transform(lon, lat)
    with rasterio.Env(**GDAL_ENV), _open(record) as ds:
        row, col = ds.index(x, y) if math.isfinite(x) and math.isfinite(y) else (-1, -1)
        if not (0 <= row < ds.height and 0 <= col < ds.width):
            raise PointOutsideRaster(
                f"the point {lon}, {lat} lies outside raster {record.name!r} "
                f"(its extent is {_extent(record)})",
                message_id=f"Titik {lon}, {lat} berada di luar cakupan raster {record.name!r} "
                f"(cakupannya {_extent(record)})",
            )
        data = ds.read(1, window=Window(col, row, 1, 1), masked=True)
    value = _number(data.data[0, 0], record.dtype) if valid_mask(data)[0, 0] else None
    return {
        **_header(record),
        "lon": lon,
        "lat": lat,
        "x": x,
        "y": y,
        "row": int(row),
        "col": int(col),
        "value": value,
        "class": _class_dict(_class_of(record, value)),
    }


def _extent(record: RasterRecord) -> str:
    w, s, e, n = record.bounds_wgs84
    return f"lon {w:.4f}..{e:.4f}, lat {s:.4f}..{n:.4f}"


def _pixel_area_m2(record: RasterRecord, ds: Any, geom: BaseGeometry) -> float:
    """Return the area of one pixel in m²: exact when projected, at the parcel when geographic."""
    rx, ry = abs(ds.res[0]), abs(ds.res[1])
    unit = _unit_m(record.crs)
    if unit is not None:
        return rx * ry * unit * unit
    # A geographic raster: one pixel's ellipsoidal area at the parcel's centre (to lon/lat
    # first when the CRS is another datum: close enough for an area).
    c = geom.centroid
    lons = [c.x - rx / 2, c.x + rx / 2, c.x + rx / 2, c.x - rx / 2]
    lats = [c.y - ry / 2, c.y - ry / 2, c.y + ry / 2, c.y + ry / 2]
    area, _ = GEOD.polygon_area_perimeter(lons, lats)
    return abs(area)


def zonal_stats(
    record: RasterRecord, geometry: BaseGeometry, settings: RasterSettings | None = None
) -> dict[str, Any]:
    """Return count, min, max, mean, nodata_count and covered area of band 1 in a parcel.

    `geometry` is in EPSG:4326. Categorical rasters add each class's pixels, area and share
    of the valid pixels. Pixel-centre rule, see the module docstring. OutsideRaster (422)
    when the parcel lies entirely outside the raster; TooLarge when it spans more pixels
    than RTRW_RASTERS_MAX_ZONAL_PIXELS.
    """
    settings = settings or raster_settings()
    tr = _to_raster(record.crs)
    geom = shapely.transform(geometry, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    warnings: list[str] = []
    with rasterio.Env(**GDAL_ENV), _open(record) as ds:
        grid = box(*ds.bounds)
        if geom.is_empty or not geom.intersects(grid):
            raise OutsideRaster(
                f"the parcel lies entirely outside raster {record.name!r} "
                f"(its extent is {_extent(record)})",
                message_id=f"Persil berada sepenuhnya di luar cakupan raster {record.name!r} "
                f"(cakupannya {_extent(record)})",
            )
        inside_grid = geom.intersection(grid)
        if geom.area > 0 and inside_grid.area < geom.area * (1 - 1e-9):
            outside = 1 - inside_grid.area / geom.area
            warnings.append(f"{outside:.1%} of the parcel lies outside the raster")
        inv = ~ds.transform
        xmin, ymin, xmax, ymax = geom.bounds
        cols, rows = zip(*(inv * (x, y) for x, y in ((xmin, ymax), (xmax, ymin))), strict=True)
        c0 = max(0, math.floor(min(cols)))
        c1 = min(ds.width, math.ceil(max(cols)))
        r0 = max(0, math.floor(min(rows)))
        r1 = min(ds.height, math.ceil(max(rows)))
        if (c1 - c0) * (r1 - r0) > settings.max_zonal_pixels:
            raise TooLarge(
                f"the parcel spans {(c1 - c0) * (r1 - r0):,} pixels of raster {record.name!r}; "
                f"the limit is {settings.max_zonal_pixels:,}",
                message_id=f"Persil mencakup {(c1 - c0) * (r1 - r0):,} piksel raster "
                f"{record.name!r}; batasnya {settings.max_zonal_pixels:,}",
                limit=settings.max_zonal_pixels,
            )
        rule = "pixel_centre"
        inside = np.zeros((0, 0), dtype=bool)
        data: np.ma.MaskedArray | None = None
        if c1 > c0 and r1 > r0 and geom.area > 0:
            window = Window(c0, r0, c1 - c0, r1 - r0)
            inside = geometry_mask(
                [mapping(geom)],
                out_shape=(r1 - r0, c1 - c0),
                transform=ds.window_transform(window),
                all_touched=False,
                invert=True,
            )
            if inside.any():
                data = ds.read(1, window=window, masked=True)
        if data is None:  # no pixel centre inside: the pixel under the representative point
            rule = "representative_point"
            p = inside_grid.representative_point() if not inside_grid.is_empty else geom
            row, col = ds.index(p.x, p.y)
            row, col = min(max(row, 0), ds.height - 1), min(max(col, 0), ds.width - 1)
            data = ds.read(1, window=Window(col, row, 1, 1), masked=True)
            inside = np.ones((1, 1), dtype=bool)
        pixel_area = _pixel_area_m2(record, ds, geometry)
    valid = valid_mask(data) & inside
    values = np.ma.getdata(data)[valid]
    pixels = int(inside.sum())
    count = int(values.size)
    out: dict[str, Any] = {
        **_header(record),
        "rule": rule,
        "pixel_area_m2": pixel_area,
        "pixels": pixels,
        "count": count,
        "nodata_count": pixels - count,
        "min": _number(values.min(), record.dtype) if count else None,
        "max": _number(values.max(), record.dtype) if count else None,
        "mean": float(values.astype(np.float64).mean()) if count else None,
        "area_m2": count * pixel_area,
        "parcel_area_m2": abs(GEOD.geometry_area_perimeter(geometry)[0]) or None,
        "classes": None,
        "warnings": warnings,
    }
    if record.kind == "categorical":
        uniq, counts = np.unique(values, return_counts=True)
        out["classes"] = [
            {
                **(
                    _class_dict(_class_of(record, _number(v, record.dtype)))
                    or {
                        "value": _number(v, record.dtype),
                        "name_id": None,
                        "name_en": None,
                        "color": None,
                    }
                ),
                "pixels": int(n),
                "area_m2": int(n) * pixel_area,
                "share": int(n) / count,
            }
            for v, n in zip(uniq, counts, strict=True)
        ]
    return out


def zonal_geojson(
    record: RasterRecord, obj: Any, settings: RasterSettings | None = None
) -> dict[str, Any]:
    """Return zonal_stats of a GeoJSON Polygon/MultiPolygon (EPSG:4326), validated first.

    The geometry goes through the zoning check's parser (repair, vertex limit, coordinate
    ranges); its size is bounded by the raster pixel limit rather than the check's area.
    """
    if not isinstance(obj, dict) or obj.get("type") not in ("Polygon", "MultiPolygon"):
        raise InvalidGeometry(
            "zonal statistics take a GeoJSON Polygon or MultiPolygon "
            "(for one point use /rasters/{name}/point)",
            message_id="Statistik zonal memerlukan GeoJSON Polygon atau MultiPolygon "
            "(untuk satu titik gunakan /rasters/{name}/point)",
        )
    # metric_srid 4326: no metric copy is needed here (areas come from the pixels)
    parcel = parse_geometry(obj, "EPSG:4326", 4326)
    result = zonal_stats(record, parcel.geom, settings)
    result["warnings"] = [w.en for w in parcel.warnings] + result["warnings"]
    return result
