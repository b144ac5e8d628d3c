"""What a check reads: current layer versions, the region's metric CRS, the rule book."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from app.errors import (
    RtrwError,
)
from app.l10n import both, same
from app.services.catalog.current import (
    CURRENT_CHECKED_LAYERS_SQL,
    REGION_METRIC_CRS_SQL,
    REGIONS_OF_SQL,
    SINGLE_REGION_SQL,
)
from app.services.catalog.named import region_is
from app.services.geo.crs import STORAGE_SRID, epsg_of
from app.services.geo.parse import Parcel
from app.services.rules.book import REGION_RULE_SET_KEY_SQL, RuleBook, RuleBooks
from app.services.zoning.answer import Notice
from app.settings import Settings, ZoningSettings


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
    title_en: str | None = None  # the English title, if the pack or loader gave one

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
    region: str | None = None  # the Kemendagri code of the region that answers
    rasters: dict[str, int] = field(default_factory=dict)  # name -> current raster_version id
    region_name: str | None = None
    settings: ZoningSettings = field(default_factory=ZoningSettings)  # the app's zoning limits

    def top_admin(self) -> tuple[int, int] | None:
        """Return (version id, level) of the region's top admin level loaded (kabupaten 2,
        else kecamatan 3, else desa 4): its areas are the planning area's boundary. None when
        no admin areas are loaded (the boundary is unknown)."""
        levels = [
            (min(ref.levels), vid)
            for vid, ref in self.layers.items()
            if ref.kind == "admin" and ref.levels
        ]
        if not levels:
            return None
        level, vid = min(levels)
        return vid, level

    def admin_version(self, level: int) -> int | None:
        """Return the id of the admin version current for `level` (3 kecamatan, 4 desa)."""
        return next(
            (vid for vid, ref in self.layers.items() if ref.levels and level in ref.levels), None
        )


_CONTEXT_SQL = f"""
WITH cur AS MATERIALIZED ({CURRENT_CHECKED_LAYERS_SQL})
SELECT
    (SELECT coalesce(json_agg(json_build_array(name, kind, title, version, id, plan,
                                               oss_integrated, admin_levels, title_en)), '[]')
     FROM cur) AS layers,
    ({REGION_METRIC_CRS_SQL}) AS metric_crs,
    ({REGION_RULE_SET_KEY_SQL}) AS rule_set,
    (SELECT coalesce(json_object_agg(r.name, r.current_version_id), '{{}}')
     FROM raster r
     WHERE {region_is("r.region_code")} AND r.current_version_id IS NOT NULL) AS rasters,
    (SELECT name FROM region WHERE code = CAST(:region AS text)) AS region_name
"""


def context(conn: Connection, books: RuleBooks, region: str | None, settings: Settings) -> Context:
    """Return region `region`'s current zoning, overlay and admin versions and its rules.

    `region` None: the layers and rule sets loaded without a region. `settings`: the app's (or
    the process's); the context carries its zoning limits to everything that reads it.
    """
    row = conn.execute(text(_CONTEXT_SQL), {"region": region}).one()
    return _context_from(conn, books, row, region, settings)


@dataclass
class RegionHit:
    """The region that answers for a geometry, and a warning when it spans several."""

    code: str | None
    warning: Notice | None = None


def regions_of(conn: Connection, geoms: list[Any]) -> list[RegionHit]:
    """Return, per EPSG:4326 geometry, the region whose admin (else zoning) areas hold it.

    A geometry in several regions goes to the one holding its larger part, with a warning; a
    geometry in none gets code None (the layers loaded without a region, usually none).
    """
    if not geoms:
        return []
    # The usual database holds one region (or none) and no layer outside it: then that region
    # answers everything and the geometric look-up below, which probes every admin and zoning
    # polygon under each geometry, is skipped.
    only = conn.execute(text(SINGLE_REGION_SQL)).one()
    if only.regions <= 1 and not (only.regions == 1 and only.unowned):
        return [RegionHit(only.code)] * len(geoms)
    rows = conn.execute(text(REGIONS_OF_SQL), {"wkbs": [g.wkb for g in geoms]}).all()
    shares: dict[int, dict[str, dict[str | None, float]]] = {}
    for r in rows:
        by_kind = shares.setdefault(r.i - 1, {}).setdefault(r.kind, {})
        by_kind[r.region_code] = max(by_kind.get(r.region_code, 0.0), float(r.share or 0.0))
    out = []
    for i in range(len(geoms)):
        kinds = shares.get(i, {})
        regions = kinds.get("admin") or kinds.get("zoning") or {}
        if not regions:
            out.append(RegionHit(None))
            continue
        ranked = sorted(regions.items(), key=lambda kv: (-kv[1], kv[0] or ""))
        warning = None
        if len(ranked) > 1:
            others = ", ".join(str(code) for code, _ in ranked[1:])
            warning = Notice.of(
                "regions",
                both(
                    "warn.regions", regions=same(f"{ranked[0][0]}, {others}"),
                    region=same(str(ranked[0][0])),
                ),
            )  # fmt: skip
        out.append(RegionHit(ranked[0][0], warning))
    return out


def _context_from(
    conn: Connection, books: RuleBooks, row: Any, region: str | None, settings: Settings
) -> Context:
    metric = row.metric_crs or settings.loader.default_metric_crs
    epsg = epsg_of(metric)
    if epsg is None:
        raise RtrwError(
            f"the region's metric CRS {metric} has no EPSG code",
            message_id=f"CRS metrik wilayah ini ({metric}) tidak memiliki kode EPSG",
        )
    return Context(
        layers={r[4]: LayerRef(*r) for r in row.layers},
        metric_srid=epsg,
        book=books.get(conn, row.rule_set) if row.rule_set is not None else None,
        region=region,
        rasters=dict(row.rasters or {}),
        region_name=row.region_name,
        settings=settings.zoning,
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


# The same in the usual database (one region, or none, and no layer outside it): the region is
# chosen in the statement itself, so a point check stays one round trip; `single` says whether
# that held (when not, the caller finds the region by geometry and asks again).
_SINGLE_REGION_CHOICE = f"""reg_choice AS MATERIALIZED (
    SELECT s.regions <= 1 AND NOT (s.regions = 1 AND s.unowned) AS single,
           CASE WHEN s.regions = 1 AND NOT s.unowned THEN s.code END AS r
    FROM ({SINGLE_REGION_SQL}) s
),
"""
_POINT_CONTEXT_AUTO_SQL = (
    _POINT_CONTEXT_SQL.replace("CAST(:region AS text)", "(SELECT r FROM reg_choice)")
    .replace("WITH cur AS MATERIALIZED", "WITH " + _SINGLE_REGION_CHOICE + "cur AS MATERIALIZED", 1)
    .replace(
        "\nSELECT\n",
        "\nSELECT (SELECT single FROM reg_choice) AS single,"
        " (SELECT r FROM reg_choice) AS region,\n",
        1,
    )
)


# Parsed once: text() scans a statement for its bind parameters each time it is built.
_POINT_CONTEXT = text(_POINT_CONTEXT_SQL)
_POINT_CONTEXT_AUTO = text(_POINT_CONTEXT_AUTO_SQL)


def point_context_single_region(
    conn: Connection, books: RuleBooks, parcel: Parcel, settings: Settings
) -> tuple[Context, list[dict[str, Any]]] | None:
    """Return point_context in one round trip when the database holds at most one region.

    None when it holds several (or layers outside its region): use regions_of first.
    """
    row = conn.execute(_POINT_CONTEXT_AUTO, {"x": parcel.geom.x, "y": parcel.geom.y}).one()
    if not row.single:
        return None
    keys = ("version_id", "fid", "code", "name", "level", "props", "parent_name")
    hits = [{**dict(zip(keys, h, strict=True)), "part": None} for h in row.hits]
    return _context_from(conn, books, row, row.region, settings), hits


def point_context(
    conn: Connection, books: RuleBooks, parcel: Parcel, region: str | None, settings: Settings
) -> tuple[Context, list[dict[str, Any]]]:
    """Return region `region`'s context and its features under a point, in one query."""
    row = conn.execute(
        _POINT_CONTEXT, {"x": parcel.geom.x, "y": parcel.geom.y, "region": region}
    ).one()
    keys = ("version_id", "fid", "code", "name", "level", "props", "parent_name")
    hits = [{**dict(zip(keys, h, strict=True)), "part": None} for h in row.hits]
    return _context_from(conn, books, row, region, settings), hits
