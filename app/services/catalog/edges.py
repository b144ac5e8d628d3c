"""Guards at the region's edge: what of a new layer lies outside its region, and which of its
zone codes no rule table knows.

Both run in the load's transaction right after the rows are written (a region pack: after all
its layers and its rule set), so they see the boundary and the rules as the load leaves them.
They return findings; the loader puts them in the report and, under --strict, fails on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Connection, text

from app.l10n import number, percent
from app.services.catalog.current import (
    REGION_BOUNDARY_SQL,
    REGION_METRIC_CRS_SQL,
    REGION_RULE_SET_ID_SQL,
)
from app.services.geo.crs import epsg_of

# The kinds measured against the region's boundary (admin layers draw it; base and thematic
# layers, roads and rivers, may well run beyond it).
EDGE_KINDS = ("zoning", "overlay", "parcel")
# Warnings that --strict turns into an error (the others only inform).
STRICT_CODES = ("outside_region", "unknown_zone_code")
_CODES_LISTED = 20  # unknown codes named in one message
Lang = Literal["id", "en"]


def _metric(alias: str) -> str:
    """Return the SQL of `alias`'s geometry in the metric CRS :srid (geom_m when it is in it)."""
    return (
        f"(CASE WHEN ST_SRID({alias}.geom_m) = CAST(:srid AS integer) THEN {alias}.geom_m "
        f"ELSE ST_Transform({alias}.geom, CAST(:srid AS integer)) END)"
    )


# The features of version :v against the boundary of region :region, in the metric CRS :srid.
# Each feature is first tested with ST_Covers (the boundary is the same argument on every row,
# so PostGIS prepares it once) and ST_Intersects; only the few that are neither covered nor
# disjoint are cut. A feature whose cut has no area lies wholly outside (one that only shares
# an edge with the boundary, too); the others lie partly outside by their area not in the cut.
_EDGE_SQL = f"""
WITH b AS MATERIALIZED (
    SELECT ST_Union({_metric("rb")}) AS g, min(rb.version_id) AS version_id
    FROM ({REGION_BOUNDARY_SQL}) rb
), s AS (
    SELECT ST_Area(fm.g) AS area,
           CASE WHEN ST_Covers(b.g, fm.g) THEN NULL
                WHEN NOT ST_Intersects(b.g, fm.g) THEN 0
                ELSE ST_Area(ST_Intersection(fm.g, b.g)) END AS inside_m2
    FROM b CROSS JOIN LATERAL (
        SELECT {_metric("f")} AS g FROM feature f WHERE f.version_id = :v
    ) fm
    WHERE b.g IS NOT NULL
)
SELECT b.version_id AS boundary_version, count(s.area) AS features,
       count(*) FILTER (WHERE s.inside_m2 = 0) AS outside,
       count(*) FILTER (WHERE s.inside_m2 > 0) AS partly,
       coalesce(sum(s.area), 0) AS area_m2,
       coalesce(sum(greatest(s.area - s.inside_m2, 0)), 0) AS outside_m2
FROM b LEFT JOIN s ON true
GROUP BY b.version_id
"""

_BOUNDARY_NAME_SQL = """
SELECT l.name || ' v' || v.version FROM layer_version v JOIN layer l ON l.id = v.layer_id
WHERE v.id = :v
"""

# The distinct codes of version :v that are neither a zone class nor a local alias of the rule
# set :rs, with their feature counts.
_UNKNOWN_CODES_SQL = """
SELECT f.code, count(*) AS n
FROM feature f
WHERE f.version_id = :v AND f.code IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM zone_class z WHERE z.rule_set_id = :rs AND z.code = f.code)
  AND NOT EXISTS (SELECT 1 FROM zone_alias a WHERE a.rule_set_id = :rs AND a.local_code = f.code)
GROUP BY f.code
ORDER BY count(*) DESC, f.code
"""


@dataclass
class Edge:
    """How a layer version lies against its region's boundary (areas in the metric CRS, m²)."""

    region: str
    region_name: str
    boundary: str  # the admin layer version whose areas make up the boundary, e.g. kabupaten v1
    features: int
    outside: int  # features wholly outside
    partly: int  # features partly outside
    area_m2: float
    outside_m2: float  # the area outside: whole features outside and the outside parts of others

    @property
    def share(self) -> float:
        """Return the share of the layer's area outside the boundary (0 for a layer of no area)."""
        return self.outside_m2 / self.area_m2 if self.area_m2 > 0 else 0.0

    def fails(self, max_share: float) -> bool:
        """Return True if a feature lies wholly outside or more than `max_share` of the area."""
        return self.outside > 0 or self.share > max_share

    def text(self, lang: Lang) -> str:
        """Return the finding as one sentence in `lang` (id or en)."""
        n, out, partly = (number(v, 0, lang) for v in (self.features, self.outside, self.partly))
        pct = percent(self.share, lang)
        where = f"{self.region_name} ({self.boundary})"
        if lang == "id":
            if self.outside:
                said = f"{out} dari {n} fitur ({pct} dari luasnya) berada di luar batas {where}"
                return said + (
                    f"; {partly} fitur lain sebagian keluar batas" if self.partly else ""
                )
            if self.partly:
                return (
                    f"tidak ada fitur yang seluruhnya di luar batas {where}; {partly} dari {n} "
                    f"fitur sebagian keluar batas ({pct} dari luasnya)"
                )
            return f"semua {n} fitur berada di dalam batas {where}"
        if self.outside:
            said = f"{out} of {n} features ({pct} of the area) lie outside the boundary of {where}"
            lie = "lies" if self.partly == 1 else "lie"
            return said + (f"; {partly} more {lie} partly outside" if self.partly else "")
        if self.partly:
            lie = "lies" if self.partly == 1 else "lie"
            return (
                f"no feature lies wholly outside the boundary of {where}; {partly} of {n} "
                f"{lie} partly outside ({pct} of the area)"
            )
        return f"all {n} features lie inside the boundary of {where}"

    def as_dict(self) -> dict[str, Any]:
        """Return the measure as JSON-ready data with its sentence in both languages."""
        return {
            "measured": True,
            "region": self.region,
            "boundary": self.boundary,
            "features": self.features,
            "outside": self.outside,
            "partly": self.partly,
            "area_m2": round(self.area_m2, 2),
            "outside_m2": round(self.outside_m2, 2),
            "outside_share": round(self.share, 4),
            "message": self.text("en"),
            "message_id": self.text("id"),
        }


@dataclass
class Findings:
    """What the guards found on one layer version: the edge measure and the warnings."""

    edge: dict[str, Any] | None = None
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def strict_failures(self) -> list[dict[str, Any]]:
        """Return the warnings --strict turns into an error."""
        return [w for w in self.warnings if w["code"] in STRICT_CODES]


def _region_name(conn: Connection, region: str) -> str:
    name = conn.execute(text("SELECT name FROM region WHERE code = :r"), {"r": region}).scalar()
    return str(name or region)


def region_srid(conn: Connection, region: str) -> int | None:
    """Return the EPSG code of region `region`'s metric CRS (None: it has none)."""
    crs = conn.execute(text(REGION_METRIC_CRS_SQL), {"region": region}).scalar()
    return epsg_of(crs) if crs else None


def measure_edge(conn: Connection, version_id: int, region: str, srid: int) -> Edge | None:
    """Return how version `version_id` lies against region `region`'s boundary (in `srid`).

    None when the region has no admin areas loaded: its edge is unknown.
    """
    row = conn.execute(text(_EDGE_SQL), {"region": region, "srid": srid, "v": version_id}).first()
    if row is None or row.boundary_version is None:
        return None
    boundary = conn.execute(text(_BOUNDARY_NAME_SQL), {"v": row.boundary_version}).scalar_one()
    return Edge(
        region=region,
        region_name=_region_name(conn, region),
        boundary=str(boundary),
        features=int(row.features),
        outside=int(row.outside),
        partly=int(row.partly),
        area_m2=float(row.area_m2),
        outside_m2=float(row.outside_m2 or 0.0),
    )


def edge_unknown(region: str, region_name: str, no_epsg: bool = False) -> dict[str, Any]:
    """Return the report's edge entry for a region whose boundary cannot be measured.

    Its admin areas are not loaded (or, `no_epsg`, its metric CRS has no EPSG code).
    """
    if no_epsg:
        en = f"the metric CRS of {region_name} has no EPSG code"
        id_ = f"CRS metrik {region_name} tidak memiliki kode EPSG"
    else:
        en = f"{region_name} has no admin areas loaded"
        id_ = f"{region_name} belum memiliki wilayah administrasi yang dimuat"
    return {
        "measured": False,
        "region": region,
        "message": f"edge unknown: {en}, so what lies outside its boundary was not measured",
        "message_id": f"Batas wilayah tidak diketahui: {id_}, sehingga bagian di luar batasnya "
        "tidak diukur",
    }


def unknown_codes_warning(counts: Mapping[str, int], rule_set: str) -> dict[str, Any] | None:
    """Return the warning on zone codes (code -> features) no rule table of `rule_set` knows."""
    if not counts:
        return None
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    def listed(lang: Lang) -> str:
        feat = "fitur" if lang == "id" else "feature"
        items = [
            f"{code!r} ({number(n, 0, lang)} {feat}{'s' if lang == 'en' and n != 1 else ''})"
            for code, n in ranked[:_CODES_LISTED]
        ]
        more = len(ranked) - _CODES_LISTED
        if more > 0:
            rest = "dan {} lainnya" if lang == "id" else "and {} more"
            items.append(rest.format(number(more, 0, lang)))
        return ", ".join(items)

    if len(ranked) == 1:
        en = f"zone code {listed('en')} is not in the rule tables ({rule_set})"
        id_ = f"Kode zona {listed('id')} tidak ada dalam tabel aturan ({rule_set})"
    else:
        n_en, n_id = number(len(ranked), 0, "en"), number(len(ranked), 0, "id")
        en = f"{n_en} zone codes are not in the rule tables ({rule_set}): {listed('en')}"
        id_ = f"{n_id} kode zona tidak ada dalam tabel aturan ({rule_set}): {listed('id')}"
    return {
        "code": "unknown_zone_code",
        "message": en,
        "message_id": id_,
        "count": len(ranked),
        "codes": [{"code": c, "features": n} for c, n in ranked],
    }


NO_RULE_SET = {
    "code": "no_rule_set",
    "message": "no rule set is loaded for this region: zone codes were not checked",
    "message_id": "Belum ada set aturan yang dimuat untuk wilayah ini: kode zona tidak diperiksa",
}


def unknown_zone_codes(
    conn: Connection, version_id: int, region: str | None
) -> dict[str, Any] | None:
    """Return the warning on codes of zoning version `version_id` the region's rules lack.

    The rules are the region's current rule set (a pack's own when it loads one); with none
    loaded, one warning says so instead of listing every code.
    """
    row = conn.execute(
        text(f"SELECT id, version FROM rule_set WHERE id = ({REGION_RULE_SET_ID_SQL})"),
        {"region": region},
    ).first()
    if row is None:
        return dict(NO_RULE_SET)
    found = conn.execute(text(_UNKNOWN_CODES_SQL), {"v": version_id, "rs": row.id})
    counts: dict[str, int] = {str(code): int(n) for code, n in found}
    return unknown_codes_warning(counts, f"rule set v{row.version}")


def guard(
    conn: Connection, version_id: int, kind: str, region: str | None, max_share: float
) -> Findings:
    """Return the edge measure and warnings of a version just written (nothing is changed).

    A layer of no region is not measured; the zone codes of a zoning layer are checked against
    the current rule set of its region.
    """
    found = Findings()
    if kind in EDGE_KINDS and region is not None:
        srid = region_srid(conn, region)
        edge = None if srid is None else measure_edge(conn, version_id, region, srid)
        if edge is None:
            found.edge = edge_unknown(region, _region_name(conn, region), srid is None)
            found.warnings.append(
                {
                    "code": "edge_unknown",
                    "message": found.edge["message"],
                    "message_id": found.edge["message_id"],
                }
            )
        else:
            found.edge = edge.as_dict()
            if edge.fails(max_share):
                found.warnings.append(
                    {
                        "code": "outside_region",
                        "message": edge.text("en"),
                        "message_id": edge.text("id"),
                        "count": edge.outside,
                        "share": round(edge.share, 4),
                    }
                )
    if kind == "zoning":
        codes = unknown_zone_codes(conn, version_id, region)
        if codes is not None:
            found.warnings.append(codes)
    return found
