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
    SELECT t.pid, ST_GeomFromWKB(t.wkb, 4326) AS geom
    FROM unnest(CAST(:pids AS integer[]), CAST(:wkbs AS bytea[])) AS t(pid, wkb)
)
SELECT p.pid, f.version_id, f.fid, f.code, f.name, f.level, {cut} AS wkb
FROM p JOIN feature f
  ON f.version_id = ANY(CAST(:vids AS integer[])) AND ST_Intersects(f.geom, p.geom)
WHERE f.level IS NULL OR f.level >= 3
ORDER BY p.pid, f.version_id, f.fid
"""
# Cut in the metric CRS: features were loaded from (and parcels are often drawn in) that CRS,
# so edges that coincide there stay coincident and leave no slivers.
_CUT = (
    "ST_AsBinary(CASE WHEN ST_CoveredBy(p.geom, f.geom) "
    "THEN ST_Transform(p.geom, CAST(:srid AS integer)) "
    "ELSE ST_Intersection(ST_Transform(p.geom, CAST(:srid AS integer)), "
    "ST_Transform(f.geom, CAST(:srid AS integer))) END)"
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
        rows = conn.execute(
            text(_PARTS_SQL.format(cut="NULL" if points else _CUT)),
            {
                "pids": idx,
                "wkbs": [shapely.to_wkb(parcels[i].geom) for i in idx],
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
                    "part": shapely.from_wkb(r.wkb) if r.wkb is not None else None,
                }
            )
    return out
