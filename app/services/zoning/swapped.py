"""Coordinates given latitude first: when swapping them lands in a loaded region, say so.

`GET /zoning/at?lon=-6.9&lat=109.7` and a GeoJSON Point `[-6.9, 109.7]` are Batang written
lat, lon. Out of the lon/lat ranges they are refused anyway; the refusal then asks "did you
mean lon=109.7, lat=-6.9?" (and carries `suggestion`) when the swapped place lies inside the
bounds of a current admin or zoning layer: one query, on the error path only.
"""

from __future__ import annotations

from typing import Any, NoReturn, Unpack

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from sqlalchemy import Connection, text

from app.errors import InvalidGeometry, InvalidRequest, validation_id
from app.services.catalog.layers import LAYER
from app.services.geo.crs import cached_crs, crs_label
from app.services.zoning.answer import Answer
from app.services.zoning.check import Ask, check

LON_MAX, LAT_MAX = 180.0, 90.0

# Whether the box (:x0, :y0)-(:x1, :y1), EPSG:4326, meets the bounds of the current version
# of any admin or zoning layer (layer_version.minx..maxy): "inside a loaded region", cheaply.
LOADED_BOUNDS_SQL = f"""
    SELECT EXISTS (
        SELECT 1 FROM {LAYER.current()}
        WHERE l.kind IN ('admin', 'zoning')
          AND v.minx <= :x1 AND v.maxx >= :x0 AND v.miny <= :y1 AND v.maxy >= :y0
    )
"""


def in_range(lon: float, lat: float) -> bool:
    """Return whether lon is within -180..180 and lat within -90..90."""
    return abs(lon) <= LON_MAX and abs(lat) <= LAT_MAX


def lands_in_region(conn: Connection, bounds: tuple[float, float, float, float]) -> bool:
    """Return whether the lon/lat box meets the bounds of a loaded admin or zoning layer."""
    x0, y0, x1, y1 = bounds
    params = {"x0": x0, "y0": y0, "x1": x1, "y1": y1}
    return bool(conn.execute(text(LOADED_BOUNDS_SQL), params).scalar())


def _coordinate(value: float) -> str:
    """Return a coordinate as typed back to the user: 109.7, not 109.70000000000000284."""
    return repr(float(value)).removesuffix(".0")


def _limit_error(name: str, value: float, limit: float) -> dict[str, Any]:
    """Return the pydantic-like error of a value past its range (loc, msg, type, ctx)."""
    if value > limit:
        kind, ctx, msg = "less_than_equal", {"le": limit}, f"less than or equal to {limit:g}"
    else:
        kind, ctx = "greater_than_equal", {"ge": -limit}
        msg = f"greater than or equal to {-limit:g}"
    return {"loc": ["query", name], "msg": f"Input should be {msg}", "type": kind, "ctx": ctx}


def refuse_lonlat(conn: Connection, lon: float, lat: float) -> NoReturn:
    """Raise the InvalidRequest (422) of a lon/lat pair outside its ranges.

    When the swapped pair is within range and inside a loaded region, the message asks
    "did you mean lon=<lat>, lat=<lon>?" in both languages and `suggestion` carries them.
    """
    errors = [
        _limit_error(name, value, limit)
        for name, value, limit in (("lon", lon, LON_MAX), ("lat", lat, LAT_MAX))
        if abs(value) > limit
    ]
    en = "; ".join(f"{e['loc'][1]}: {e['msg']}" for e in errors)
    id_ = "; ".join(f"{e['loc'][1]}: {validation_id(e)}" for e in errors)
    extra: dict[str, Any] = {}
    if in_range(lat, lon) and lands_in_region(conn, (lat, lon, lat, lon)):
        mean = f"lon={_coordinate(lat)}, lat={_coordinate(lon)}"
        en += f"; lon and lat look swapped: did you mean {mean}?"
        id_ += f"; lon dan lat tampaknya tertukar: maksud Anda {mean}?"
        extra["suggestion"] = {"lon": lat, "lat": lon}
    raise InvalidRequest(
        en,
        message_id=f"Permintaan tidak valid: {id_}",
        errors=[{k: e[k] for k in ("loc", "msg", "type")} for e in errors],
        **extra,
    )


def swap_pairs(obj: Any, crs: str | None) -> dict[str, Any] | None:
    """Return the GeoJSON geometry with each [x, y] turned into [y, x] when that is what
    puts coordinates outside the lon/lat ranges of a geographic CRS back inside; else None."""
    try:
        if not cached_crs((crs or "EPSG:4326").strip()).is_geographic:
            return None
        geom = shape(obj)
    except Exception:  # not a geometry we could read: the original error stands
        return None
    coords = shapely.get_coordinates(geom)
    if geom.is_empty or not np.isfinite(coords).all():
        return None
    lon, lat = np.abs(coords[:, 0]), np.abs(coords[:, 1])
    if (lon <= LON_MAX).all() and (lat <= LAT_MAX).all():
        return None  # in range: not the range error
    if (lat > LON_MAX).any() or (lon > LAT_MAX).any():
        return None  # swapped would be out of range too
    return dict(mapping(shapely.transform(geom, lambda xy: xy[:, ::-1])))


def hint_swapped(conn: Connection, obj: Any, crs: str | None) -> InvalidGeometry | None:
    """Return the range error of `obj` with a "did you mean" hint when its coordinates look
    swapped (swapped, they lie in a loaded region); None when they do not."""
    swapped = swap_pairs(obj, crs)
    if swapped is None:
        return None
    geom = shape(swapped)
    if not lands_in_region(conn, geom.bounds):
        return None
    first = shapely.get_coordinates(geom)[0]
    mean = f"lon={_coordinate(first[0])}, lat={_coordinate(first[1])}"
    label = crs_label(cached_crs((crs or "EPSG:4326").strip()))
    if swapped["type"] == "Point":
        en_tail, id_tail = f"did you mean {mean}?", f"maksud Anda {mean}?"
        suggestion: dict[str, Any] = {"lon": float(first[0]), "lat": float(first[1])}
    else:
        en_tail = f"swap every pair (the first vertex would be {mean})"
        id_tail = f"tukar setiap pasangan (titik sudut pertama menjadi {mean})"
        suggestion = {"lon": float(first[0]), "lat": float(first[1]), "geometry": swapped}
    return InvalidGeometry(
        f"coordinates are outside lon/lat ranges for {label}; they look swapped (GeoJSON "
        f"is [lon, lat]): {en_tail}",
        message_id=f"Koordinat di luar rentang bujur/lintang untuk {label}; tampaknya "
        f"tertukar (GeoJSON adalah [bujur, lintang]): {id_tail}",
        suggestion=suggestion,
    )


def check_geometry(
    conn: Connection, geometry: Any, crs: str | None = None, **ask: Unpack[Ask]
) -> Answer:
    """Return `check`'s answer; its lon/lat range error gains the swap hint when it applies."""
    try:
        return check(conn, geometry, crs, **ask)
    except InvalidGeometry as exc:
        hinted = hint_swapped(conn, geometry, crs)
        if hinted is None:
            raise
        raise hinted from exc
