"""The planning area's edge: the union of the region's top admin level, kept prepared in memory.

A check asks, for every parcel, what part lies inside the region. Cutting each parcel by the
kabupaten polygon in SQL cost two predicates on a 1,000-vertex polygon per parcel; here the
union of the top level's areas (Context.top_admin: the kabupaten, else the kecamatan, else the
desa) is read once per layer version and metric CRS, prepared, and tested in Python: a parcel
it covers costs microseconds, and only a parcel on the edge is cut. Layer versions never
change once loaded, so the cache needs no invalidation.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, text

from app.services.zoning.context import Context

# The union of one admin version's areas of one level, in EPSG:4326 and in a metric CRS.
_BOUNDARY_SQL = """
    SELECT ST_AsBinary(ST_Union(f.geom)) AS wgs,
           ST_AsBinary(ST_Union(CASE WHEN ST_SRID(f.geom_m) = CAST(:srid AS integer)
                                     THEN f.geom_m
                                     ELSE ST_Transform(f.geom, CAST(:srid AS integer)) END))
               AS metric
    FROM feature f
    WHERE f.version_id = :vid AND f.level = :level
"""


@dataclass(frozen=True)
class Boundary:
    """The planning area's boundary, prepared: in EPSG:4326 (points) and metric (parcels)."""

    wgs: BaseGeometry
    metric: BaseGeometry

    def holds_point(self, point: BaseGeometry) -> bool:
        """Return whether a point (EPSG:4326) lies inside (or on) the boundary."""
        return bool(shapely.covers(self.wgs, point))

    def inside(self, parcel: BaseGeometry) -> BaseGeometry:
        """Return the part of a parcel (metric CRS) inside the boundary (the parcel itself
        when wholly inside)."""
        if shapely.covers(self.metric, parcel):
            return parcel
        return shapely.intersection(parcel, self.metric)


_CACHE: OrderedDict[tuple[int, int, int], Boundary | None] = OrderedDict()
_LOCK = threading.Lock()
KEPT = 16


def region_boundary(conn: Connection, ctx: Context) -> Boundary | None:
    """Return the region's boundary, or None when it has no admin areas (edge unknown)."""
    top = ctx.top_admin()
    if top is None:
        return None
    key = (top[0], top[1], ctx.metric_srid)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    row = conn.execute(
        text(_BOUNDARY_SQL), {"vid": top[0], "level": top[1], "srid": ctx.metric_srid}
    ).one()
    found = None
    if row.wgs is not None and row.metric is not None:
        wgs, metric = shapely.from_wkb(row.wgs), shapely.from_wkb(row.metric)
        shapely.prepare(wgs)
        shapely.prepare(metric)
        found = Boundary(wgs, metric)
    with _LOCK:
        _CACHE[key] = found
        while len(_CACHE) > KEPT:
            _CACHE.popitem(last=False)
    return found
