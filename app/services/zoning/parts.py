"""The one SQL statement that cuts parcels by every current zoning, overlay and admin feature."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import shapely
from sqlalchemy import Connection, text

from app.services.geo.crs import STORAGE_SRID
from app.services.geo.parse import Parcel
from app.services.zoning.attributes import ATTRIBUTE_KEYS_RE
from app.services.zoning.context import PARENT_NAME_SQL, Context

# MATERIALIZED: each parcel's WKB is parsed once, not once per partition probed.
_PARTS_SQL = f"""
WITH p AS MATERIALIZED (
    SELECT t.pid, ST_GeomFromWKB(t.wkb, {STORAGE_SRID}) AS geom,
        ST_GeomFromWKB(t.mwkb, CAST(:srid AS integer)) AS gm
    FROM unnest(CAST(:pids AS integer[]), CAST(:wkbs AS bytea[]), CAST(:mwkbs AS bytea[]))
        AS t(pid, wkb, mwkb)
)
SELECT p.pid, f.version_id, f.fid, f.code, f.name, f.level, {{cut}} AS wkb,
    CASE WHEN f.version_id = ANY(CAST(:zvids AS integer[])) THEN (
        SELECT jsonb_object_agg(e.k, e.v) FROM jsonb_each(f.props) AS e(k, v)
        WHERE upper(btrim(e.k)) ~ CAST(:attr_re AS text)) END AS props,
    {PARENT_NAME_SQL.format(kvid="CAST(:kvid AS integer)")} AS parent_name
FROM p JOIN feature f
  ON f.version_id = ANY(CAST(:vids AS integer[])) AND ST_Intersects(f.geom, p.geom)
WHERE f.level IS NULL OR f.level >= 3
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

Rows = list[tuple[Any, ...]]


def _query(conn: Connection, ctx: Context, parcels: list[Parcel], start: int) -> Rows:
    """Return the raw rows (pid, version_id, fid, code, name, level, wkb, props, parent_name).

    `props` (every source attribute) comes only with zoning features: per-polygon intensity
    and overlay attributes (services/zoning/attributes.py). `parent_name` comes with desa: the
    name of the kecamatan their code names, in the current kecamatan version.
    """
    vids = list(ctx.layers)
    zvids = [vid for vid, ref in ctx.layers.items() if ref.kind == "zoning"]
    rows: Rows = []
    for points in (True, False):
        idx = [i for i, p in enumerate(parcels) if p.is_point == points]
        if not idx:
            continue
        wkbs = [shapely.to_wkb(parcels[i].geom) for i in idx]
        result = conn.execute(
            text(_PARTS_SQL.format(cut="NULL" if points else _CUT)),
            {
                "pids": [start + i for i in idx],
                "wkbs": wkbs,
                # a point needs no metric copy (its cut is NULL): send its own WKB as filler
                "mwkbs": wkbs if points else [shapely.to_wkb(parcels[i].metric) for i in idx],
                "vids": vids,
                "zvids": zvids,
                "attr_re": ATTRIBUTE_KEYS_RE,
                "srid": ctx.metric_srid,
                "kvid": ctx.admin_version(3),
            },
        )
        rows.extend(tuple(r) for r in result)
    return rows


def _grouped(rows: Rows, parcels: list[Parcel], start: int) -> dict[int, list[dict[str, Any]]]:
    """Return the rows as parts per parcel index, in (version, fid) order, WKB parsed at once."""
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    geoms = shapely.from_wkb([r[6] for r in rows])
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r, geom in zip(rows, geoms, strict=True):
        parcel = parcels[r[0] - start]
        out[r[0]].append(
            {
                "version_id": r[1],
                "fid": r[2],
                "code": r[3],
                "name": r[4],
                "level": r[5],
                "part": None if parcel.is_point else (parcel.metric if geom is None else geom),
                "props": r[7],
                "parent_name": r[8],
            }
        )
    return out


def find_parts(
    conn: Connection, ctx: Context, parcels: list[Parcel]
) -> dict[int, list[dict[str, Any]]]:
    """Return, per parcel index, the features it touches with the cut parts (metric CRS)."""
    if not ctx.layers or not parcels:
        return defaultdict(list)
    return _grouped(_query(conn, ctx, parcels, 0), parcels, 0)


def parts_in_chunks(
    conns: list[Connection], ctx: Context, parcels: list[Parcel], size: int = 1000
) -> Iterator[dict[int, list[dict[str, Any]]]]:
    """Yield find_parts of each chunk of `size` parcels in turn (keys index into `parcels`).

    The next chunks' queries run in helper threads, one per connection in `conns`, while the
    caller evaluates the current chunk, so PostgreSQL (one backend per connection) and Python
    work at the same time. Chunk k always goes to connection k mod n and is sent only after
    chunk k - n was taken, so no connection is used by two threads at once. Every chunk reads
    the same layer versions (`ctx`), which are immutable once loaded.
    """
    starts = list(range(0, len(parcels), size))
    if not ctx.layers:  # nothing loaded: every chunk touches nothing
        for _ in starts:
            yield {}
        return
    n = len(conns)

    def submit(pool: ThreadPoolExecutor, k: int) -> Future[Rows]:
        start = starts[k]
        return pool.submit(_query, conns[k % n], ctx, parcels[start : start + size], start)

    with ThreadPoolExecutor(max_workers=n, thread_name_prefix="rtrw-parts") as pool:
        pending = deque(submit(pool, k) for k in range(min(n, len(starts))))
        for k, start in enumerate(starts):
            rows = pending.popleft().result()
            if k + n < len(starts):
                pending.append(submit(pool, k + n))
            yield _grouped(rows, parcels[start : start + size], start)
