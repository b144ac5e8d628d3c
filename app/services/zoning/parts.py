"""The one SQL statement that cuts parcels by every current zoning, overlay and admin feature."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import shapely
from sqlalchemy import Connection, text

from app.services.zoning.context import Context
from app.services.zoning.parse import Parcel

_PARTS_SQL = """
WITH p AS (
    SELECT t.pid, ST_GeomFromWKB(t.wkb, 4326) AS geom,
        ST_GeomFromWKB(t.mwkb, CAST(:srid AS integer)) AS gm
    FROM unnest(CAST(:pids AS integer[]), CAST(:wkbs AS bytea[]), CAST(:mwkbs AS bytea[]))
        AS t(pid, wkb, mwkb)
)
SELECT p.pid, f.version_id, f.fid, f.code, f.name, f.level, {cut} AS wkb
FROM p JOIN feature f
  ON f.version_id = ANY(CAST(:vids AS integer[])) AND ST_Intersects(f.geom, p.geom)
WHERE f.level IS NULL OR f.level >= 3
ORDER BY p.pid, f.version_id, f.fid
"""
# Cut in the metric CRS on the metric geometry stored at load time (geom_m), so no feature is
# re-projected per parcel; versions without it (or loaded under another metric CRS) are
# transformed here. Features were loaded from (and parcels are often drawn in) that CRS, so
# edges that coincide there stay coincident and leave no slivers. A parcel wholly inside a
# feature comes back as NULL: its part is the parcel itself, which the caller already has.
_FM = (
    "(CASE WHEN ST_SRID(f.geom_m) = CAST(:srid AS integer) THEN f.geom_m "
    "ELSE ST_Transform(f.geom, CAST(:srid AS integer)) END)"
)
_CUT = (
    f"CASE WHEN ST_CoveredBy(p.gm, {_FM}) THEN NULL "
    f"ELSE ST_AsBinary(ST_Intersection(p.gm, {_FM})) END"
)


def find_parts(
    conn: Connection, ctx: Context, parcels: list[Parcel]
) -> dict[int, list[dict[str, Any]]]:
    """Return, per parcel index, the features it touches with the cut parts (metric CRS)."""
    vids = list(ctx.layers)
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not vids or not parcels:
        return out
    for points in (True, False):
        idx = [i for i, p in enumerate(parcels) if p.is_point == points]
        if not idx:
            continue
        wkbs = [shapely.to_wkb(parcels[i].geom) for i in idx]
        rows = conn.execute(
            text(_PARTS_SQL.format(cut="NULL" if points else _CUT)),
            {
                "pids": idx,
                "wkbs": wkbs,
                # a point needs no metric copy (its cut is NULL): send its own WKB as filler
                "mwkbs": wkbs if points else [shapely.to_wkb(parcels[i].metric) for i in idx],
                "vids": vids,
                "srid": ctx.metric_srid,
            },
        ).all()
        for r in rows:
            out[r.pid].append(
                {
                    "version_id": r.version_id,
                    "fid": r.fid,
                    "code": r.code,
                    "name": r.name,
                    "level": r.level,
                    "part": None
                    if points
                    else (parcels[r.pid].metric if r.wkb is None else shapely.from_wkb(r.wkb)),
                }
            )
    return out
