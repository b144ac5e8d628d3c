"""Parse and validate a request geometry into a Parcel (EPSG:4326 and metric copies).

The zoning check, the budget flags and raster zonal statistics all take their geometry from
here, so its limits, repairs and messages are the same everywhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from app.errors import (
    InvalidGeometry,
    RtrwError,
    TooLarge,
    TooManyVertices,
)
from app.l10n import Notice, both, number, same
from app.services.geo.crs import cached_crs, crs_label, reproject, reproject_many
from app.settings import ZoningSettings

GEOM_TYPES = ("Point", "Polygon", "MultiPolygon")


@dataclass
class Parcel:
    """One geometry to check, parsed and validated: EPSG:4326 and metric CRS copies."""

    geom: BaseGeometry
    metric: BaseGeometry
    is_point: bool
    area_m2: float | None
    warnings: list[Notice] = field(default_factory=list)
    ref: Any = None
    kbli: str | None = None
    activity: str | None = None


# Long by design (C901): one check per refusal, in the order they are reported.
def parse_geometry(  # noqa: C901
    obj: Any,
    crs: str | None,
    metric_srid: int,
    settings: ZoningSettings,
) -> Parcel:
    """Return a validated Parcel from a GeoJSON geometry in `crs`; raise a 4xx domain error.

    Polygons are also kept in the metric CRS (for their area); a point needs no metric copy.
    """
    src = (crs or "EPSG:4326").strip()
    src_crs = cached_crs(src)  # lru_cache keeps no exceptions: unknown CRSs raise every time
    if not isinstance(obj, dict) or "type" not in obj:
        raise InvalidGeometry(
            "geometry must be a GeoJSON object with a 'type'",
            message_id="Geometri persil tidak valid: harus berupa objek GeoJSON dengan 'type'",
        )
    if obj["type"] not in GEOM_TYPES:
        raise InvalidGeometry(
            f"geometry type {obj['type']!r} is not checked; use {', '.join(GEOM_TYPES)}",
            message_id=f"Jenis geometri {obj['type']!r} tidak dapat diperiksa; gunakan "
            f"{', '.join(GEOM_TYPES)}",
        )
    try:
        geom = shape(obj)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise InvalidGeometry(
            f"malformed GeoJSON {obj['type']}: {exc}",
            message_id=f"Geometri persil tidak valid: GeoJSON {obj['type']} salah bentuk ({exc})",
        ) from exc
    if geom.is_empty:
        raise InvalidGeometry(
            "the geometry is empty", message_id="Geometri persil tidak valid: geometrinya kosong"
        )
    n = int(shapely.get_num_coordinates(geom))
    if n > settings.max_vertices:
        raise TooManyVertices(
            f"the geometry has {n} vertices; the limit is {settings.max_vertices}",
            message_id=f"Geometri memiliki {n} titik sudut; batasnya {settings.max_vertices}",
            limit=settings.max_vertices,
        )
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        raise InvalidGeometry(
            "the geometry has coordinates that are not finite numbers",
            message_id="Geometri persil tidak valid: ada koordinat yang bukan angka berhingga",
        )
    if src_crs.is_geographic and (
        (np.abs(coords[:, 0]) > 180).any() or (np.abs(coords[:, 1]) > 90).any()
    ):
        raise InvalidGeometry(
            f"coordinates are outside lon/lat ranges for {crs_label(src_crs)}; "
            'projected coordinates (e.g. UTM) need "crs": "EPSG:32749"',
            message_id=f"Koordinat di luar rentang bujur/lintang untuk {crs_label(src_crs)}; "
            'koordinat proyeksi (mis. UTM) memerlukan "crs": "EPSG:32749"',
        )
    warnings: list[Notice] = []
    is_point = geom.geom_type == "Point"
    if not is_point and not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        fixed = shapely.make_valid(geom)
        polys = [p for p in shapely.get_parts(fixed) if p.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.union_all(polys) if polys else shapely.Polygon()
        if geom.is_empty or geom.area == 0:
            raise InvalidGeometry(
                f"the polygon is invalid ({reason}) and its repair is empty",
                message_id=f"Geometri persil tidak valid ({reason}) dan perbaikannya kosong",
            )
        warnings.append(Notice.of("repaired", both("warn.repaired", reason=same(reason))))
    geom4326 = geom if src.upper() in ("EPSG:4326", "4326") else reproject(geom, src, 4326)
    metric = geom4326 if is_point else reproject(geom4326, "EPSG:4326", metric_srid)
    area = None if is_point else float(metric.area)
    if not np.isfinite(shapely.get_coordinates(geom4326)).all() or (
        area is not None and not np.isfinite(area)
    ):
        raise InvalidGeometry(
            f"the coordinates cannot be placed on the earth from {crs_label(src_crs)} "
            "(far outside its area of use)",
            message_id=f"Koordinat tidak dapat ditempatkan di bumi dari {crs_label(src_crs)} "
            "(jauh di luar wilayah penggunaannya)",
        )
    if area is not None:
        if area <= 0:
            raise InvalidGeometry(
                "the polygon has no area",
                message_id="Geometri persil tidak valid: poligon tidak memiliki luas",
            )
        if area > settings.max_area_ha * 10_000:
            raise TooLarge(
                f"the parcel is {area / 10_000:,.1f} ha; "
                f"the limit is {settings.max_area_ha:,.0f} ha",
                message_id=f"Luas persil {number(area / 10_000, 1, 'id')} ha; "
                f"batasnya {number(settings.max_area_ha, 0, 'id')} ha",
                limit_ha=settings.max_area_ha,
            )
    return Parcel(geom=geom4326, metric=metric, is_point=is_point, area_m2=area, warnings=warnings)


# Long by design (C901): parse_geometry's checks in its order, over arrays.
def parse_many(  # noqa: C901
    objs: list[Any],
    crs: str | None,
    metric_srid: int,
    settings: ZoningSettings,
) -> list[Parcel | RtrwError]:
    """Return a Parcel (or the domain error parse_geometry would raise) for each GeoJSON object.

    Ordinary input (a valid, finite, not too large Point/Polygon/MultiPolygon) takes a
    vectorised path: one GEOS GeoJSON read, one reprojection of all coordinates, one area
    call. Anything else goes through parse_geometry one by one, so answers and messages are
    exactly those of the single check.
    """
    out: list[Parcel | RtrwError | None] = [None] * len(objs)
    src = (crs or "EPSG:4326").strip()
    try:
        src_crs = cached_crs(src)
    except RtrwError as exc:
        return [exc] * len(objs)
    fast = [
        i
        for i, o in enumerate(objs)
        if isinstance(o, dict) and o.get("type") in GEOM_TYPES and "coordinates" in o
    ]
    texts = []
    for i in fast:
        try:
            texts.append(json.dumps(objs[i], allow_nan=False))
        except (TypeError, ValueError):
            texts.append("null")
    geoms = shapely.from_geojson(texts, on_invalid="ignore") if texts else np.empty(0, dtype=object)
    idx = np.asarray(fast, dtype=np.int64)
    ok = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    type_ids = shapely.get_type_id(geoms)
    ok &= np.isin(type_ids, (0, 3, 6))  # GEOS read what the object says (Point/Polygon/Multi)
    ok &= shapely.get_num_coordinates(geoms) <= settings.max_vertices
    if ok.any():
        bounds = shapely.bounds(geoms)
        finite = np.isfinite(bounds).all(axis=1)
        ok &= finite
        if src_crs.is_geographic:
            inside = (np.abs(bounds[:, [0, 2]]) <= 180).all(axis=1) & (
                np.abs(bounds[:, [1, 3]]) <= 90
            ).all(axis=1)
            ok &= inside
        ok &= (type_ids == 0) | shapely.is_valid(geoms)
    good = np.flatnonzero(ok)
    if len(good):
        g = geoms[good]
        g4326 = g if src.upper() in ("EPSG:4326", "4326") else reproject_many(g, src, 4326)
        points = shapely.get_type_id(g4326) == 0
        metric = g4326.copy()
        if (~points).any():
            metric[~points] = reproject_many(g4326[~points], "EPSG:4326", metric_srid)
        areas = shapely.area(metric)
        limit = settings.max_area_ha * 10_000
        for k, j in enumerate(good):
            if not points[k] and not (0 < areas[k] <= limit):
                continue  # parse_geometry says why
            out[int(idx[j])] = Parcel(
                geom=g4326[k],
                metric=metric[k],
                is_point=bool(points[k]),
                area_m2=None if points[k] else float(areas[k]),
            )
    result: list[Parcel | RtrwError] = []
    for i, obj in enumerate(objs):
        parcel = out[i]
        if parcel is None:
            try:
                parcel = parse_geometry(obj, crs, metric_srid, settings)
            except RtrwError as exc:
                result.append(exc)
                continue
        result.append(parcel)
    return result
