"""Point values and zonal statistics of a stored raster, read in the raster's own CRS.

Both read through the one sampler (`sample.py`), which the zoning check's raster findings use
too: the question is transformed, never the raster, and the same pixels are counted.

Zonal rule (partial pixels): a pixel counts for a parcel when its **centre** lies inside the
parcel. Pixels whose value is nodata (or NaN) are counted in `nodata_count` and left out of
count, min, max, mean and the class shares. A parcel too small or thin to hold any pixel
centre takes the one pixel under its representative point (`rule: "representative_point"`).
Areas are pixel count x pixel area: exact in a projected CRS (times the CRS unit in metres,
squared); in a geographic CRS one pixel's area on the WGS84 ellipsoid at the parcel's
latitude.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Geod
from shapely.geometry.base import BaseGeometry

from app.errors import (
    InvalidGeometry,
    OutsideRaster,
    PointOutsideRaster,
)
from app.services.geo.parse import parse_geometry
from app.services.rasters.records import RasterClass, RasterRecord
from app.services.rasters.sample import class_of, number, sample_geoms, to_raster_crs
from app.settings import RasterSettings, ZoningSettings, raster_settings

GEOD = Geod(ellps="WGS84")


@lru_cache(maxsize=64)
def _unit_m(crs: str) -> float | None:
    """Return metres per CRS unit of a projected CRS; None for a geographic one."""
    c = CRS.from_user_input(crs)
    if c.is_geographic:
        return None
    return float(c.axis_info[0].unit_conversion_factor) if c.axis_info else 1.0


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
    moved = to_raster_crs(record.crs, np.array([shapely.Point(lon, lat)], dtype=object))
    (sample,) = sample_geoms(record, moved)
    if sample.outside:
        raise PointOutsideRaster(
            f"the point {lon}, {lat} lies outside raster {record.name!r} "
            f"(its extent is {_extent(record)})",
            message_id=f"Titik {lon}, {lat} berada di luar cakupan raster {record.name!r} "
            f"(cakupannya {_extent(record)})",
        )
    value = sample.value
    return {
        **_header(record),
        "lon": lon,
        "lat": lat,
        "x": float(shapely.get_x(moved[0])),
        "y": float(shapely.get_y(moved[0])),
        "row": sample.row,
        "col": sample.col,
        "value": value,
        "class": _class_dict(class_of(record, value)),
    }


def _extent(record: RasterRecord) -> str:
    w, s, e, n = record.bounds_wgs84
    return f"lon {w:.4f}..{e:.4f}, lat {s:.4f}..{n:.4f}"


def _pixel_area_m2(record: RasterRecord, geom: BaseGeometry) -> float:
    """Return the area of one pixel in m²: exact when projected, at the parcel when geographic."""
    rx, ry = abs(record.res[0]), abs(record.res[1])
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
    moved = to_raster_crs(record.crs, np.array([geometry], dtype=object))
    (sample,) = sample_geoms(record, moved, settings.max_zonal_pixels)
    if sample.outside:
        raise OutsideRaster(
            f"the parcel lies entirely outside raster {record.name!r} "
            f"(its extent is {_extent(record)})",
            message_id=f"Persil berada sepenuhnya di luar cakupan raster {record.name!r} "
            f"(cakupannya {_extent(record)})",
        )
    warnings: list[str] = []
    if sample.inside_share < 1 - 1e-9:
        warnings.append(f"{1 - sample.inside_share:.1%} of the parcel lies outside the raster")
    pixel_area = _pixel_area_m2(record, geometry)
    stats = sample.stats()
    out: dict[str, Any] = {
        **_header(record),
        "rule": sample.rule,
        "pixel_area_m2": pixel_area,
        "pixels": sample.pixels,
        "count": sample.count,
        "nodata_count": sample.nodata_count,
        "min": stats.min if stats else None,
        "max": stats.max if stats else None,
        "mean": stats.mean if stats else None,
        "area_m2": sample.count * pixel_area,
        "parcel_area_m2": abs(GEOD.geometry_area_perimeter(geometry)[0]) or None,
        "classes": None,
        "warnings": warnings,
    }
    if record.kind == "categorical":
        uniq, counts = np.unique(sample.values, return_counts=True)
        out["classes"] = [
            {
                **(
                    _class_dict(class_of(record, number(v, record.dtype)))
                    or {
                        "value": number(v, record.dtype),
                        "name_id": None,
                        "name_en": None,
                        "color": None,
                    }
                ),
                "pixels": int(n),
                "area_m2": int(n) * pixel_area,
                "share": int(n) / sample.count,
            }
            for v, n in zip(uniq, counts, strict=True)
        ]
    return out


def zonal_geojson(
    record: RasterRecord,
    obj: Any,
    settings: RasterSettings | None = None,
    limits: ZoningSettings | None = None,
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
    parcel = parse_geometry(obj, "EPSG:4326", 4326, limits or ZoningSettings())
    result = zonal_stats(record, parcel.geom, settings)
    result["warnings"] = [w.en for w in parcel.warnings] + result["warnings"]
    return result
