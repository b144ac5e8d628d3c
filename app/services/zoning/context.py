"""What a check reads: current layer versions, the region's metric CRS, the rule book."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from app.errors import (
    RtrwError,
)
from app.services.catalog.current import CURRENT_CHECKED_LAYERS_SQL, METRIC_CRS_SQL
from app.services.geo.crs import STORAGE_SRID, epsg_of
from app.services.rules.book import CURRENT_RULE_SET_KEY_SQL, RuleBook, RuleBooks
from app.services.zoning.parse import Parcel
from app.settings import loader_settings


@dataclass
class LayerRef:
    """A current layer version the check reads."""

    name: str
    kind: str
    title: str
    version: int
    version_id: int
    plan: str | None = None  # zoning: rtrw or rdtr
    oss_integrated: bool = False
    levels: list[int] | None = None  # admin: the levels this version is current for

    def precedence(self) -> tuple[int, int]:
        """Return the rank of a zoning version: an RDTR over the RTRW, then the newer version."""
        return (PLAN_RANK.get(self.plan or "rtrw", 0), self.version_id)


# The more detailed plan governs where both lie.
PLAN_RANK = {"rtrw": 0, "rdtr": 1}


@dataclass
class Context:
    """What a check reads: current layer versions, the rule book and the metric CRS."""

    layers: dict[int, LayerRef]
    metric_srid: int
    book: RuleBook | None

    def admin_version(self, level: int) -> int | None:
        """Return the id of the admin version current for `level` (3 kecamatan, 4 desa)."""
        return next(
            (vid for vid, ref in self.layers.items() if ref.levels and level in ref.levels), None
        )


_CONTEXT_SQL = f"""
WITH cur AS MATERIALIZED ({CURRENT_CHECKED_LAYERS_SQL})
SELECT
    (SELECT coalesce(json_agg(json_build_array(name, kind, title, version, id, plan,
                                               oss_integrated, admin_levels)), '[]')
     FROM cur) AS layers,
    ({METRIC_CRS_SQL}) AS metric_crs,
    ({CURRENT_RULE_SET_KEY_SQL}) AS rule_set
"""


def context(conn: Connection, books: RuleBooks) -> Context:
    """Return the current zoning and overlay versions, one admin version a level, the rules."""
    return _context_from(conn, books, conn.execute(text(_CONTEXT_SQL)).one())


def _context_from(conn: Connection, books: RuleBooks, row: Any) -> Context:
    metric = row.metric_crs or loader_settings().default_metric_crs
    epsg = epsg_of(metric)
    if epsg is None:
        raise RtrwError(f"the region's metric CRS {metric} has no EPSG code")
    return Context(
        layers={r[4]: LayerRef(*r) for r in row.layers},
        metric_srid=epsg,
        book=books.get(conn, row.rule_set) if row.rule_set is not None else None,
    )


# A desa's kecamatan name: the feature of the current kecamatan version ({kvid}) whose code
# the desa's code names (its parent_code); NULL for other features.
PARENT_NAME_SQL = """CASE WHEN f.level = 4 THEN (
        SELECT k.name FROM feature k
        WHERE k.version_id = {kvid} AND k.level = 3 AND k.code = f.parent_code
        ORDER BY k.fid LIMIT 1) END"""

# A point check in one round trip: the context and the features under the point together.
_KVID = "(SELECT id FROM cur WHERE 3 = ANY(admin_levels) LIMIT 1)"
_POINT_CONTEXT_SQL = (
    _CONTEXT_SQL
    + f""",
    (SELECT coalesce(json_agg(json_build_array(f.version_id, f.fid, f.code, f.name, f.level,
                                               CASE WHEN f.version_id = ANY(ARRAY(
                                                   SELECT id FROM cur WHERE kind = 'zoning'))
                                               THEN f.props END,
                                               {PARENT_NAME_SQL.format(kvid=_KVID)})
                              ORDER BY f.version_id, f.fid), '[]')
     FROM feature f
     WHERE f.version_id = ANY(ARRAY(SELECT id FROM cur))
       AND ST_Intersects(f.geom, ST_SetSRID(ST_MakePoint(:x, :y), {STORAGE_SRID}))
       AND (f.level IS NULL OR f.level >= 3)) AS hits
"""
)


def point_context(
    conn: Connection, books: RuleBooks, parcel: Parcel
) -> tuple[Context, list[dict[str, Any]]]:
    """Return the context and the features under a point, in one query."""
    row = conn.execute(text(_POINT_CONTEXT_SQL), {"x": parcel.geom.x, "y": parcel.geom.y}).one()
    keys = ("version_id", "fid", "code", "name", "level", "props", "parent_name")
    hits = [{**dict(zip(keys, h, strict=True)), "part": None} for h in row.hits]
    return _context_from(conn, books, row), hits
