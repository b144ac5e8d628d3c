"""PPID coverage: per kecamatan or kabupaten, how many desa have formed a PPID; the gaps.

Only desa count: level-4 features of the current admin layers whose Kemendagri code's last
part starts with 2. A kelurahan (1xxx) is part of the regional government, has no village
PPID and is left out. A desa without a PPID row counts as not formed.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Connection, text

from app.services.catalog.current import CURRENT_ADMIN_SQL
from app.services.catalog.named import region_or_all

Level = Literal["kecamatan", "kabupaten"]
LEVELS: dict[str, int] = {"kabupaten": 2, "kecamatan": 3}

# The desa (2xxx) of the current desa layers of region :region (NULL: every region), with
# their region. Columns: code, name, parent_code, region_code, geom.
DESA_SQL = f"""
    SELECT f.code, f.name, f.parent_code, a.region_code, f.geom
    FROM ({CURRENT_ADMIN_SQL}) a
    JOIN feature f ON f.version_id = a.version_id AND f.level = 4
    WHERE a.level = 4 AND split_part(f.code, '.', 4) LIKE '2%'
      AND {region_or_all("a.region_code")}
"""

# The areas of one level (:level) of the current admin layers. Columns: code, name, region_code.
AREAS_SQL = f"""
    SELECT f.code, f.name, a.region_code
    FROM ({CURRENT_ADMIN_SQL}) a
    JOIN feature f ON f.version_id = a.version_id AND f.level = a.level
    WHERE a.level = CAST(:level AS integer) AND {region_or_all("a.region_code")}
"""

COVERAGE_SQL = f"""
    WITH d AS ({DESA_SQL}), ar AS ({AREAS_SQL})
    SELECT ar.code, ar.name, count(d.code) AS desa_total,
           count(d.code) FILTER (WHERE p.formed) AS ppid_formed,
           round(100.0 * count(d.code) FILTER (WHERE p.formed)
                 / NULLIF(count(d.code), 0), 1)::float8 AS percent
    FROM ar
    LEFT JOIN d ON d.code LIKE ar.code || '.%'
               AND d.region_code IS NOT DISTINCT FROM ar.region_code
    LEFT JOIN ppid p ON p.desa_code = d.code
    GROUP BY ar.code, ar.name
    ORDER BY ar.code
"""

DESA_LIST_SQL = f"""
    WITH d AS ({DESA_SQL}),
         kec AS ({AREAS_SQL.replace("CAST(:level AS integer)", "3")})
    SELECT d.code, d.name, d.parent_code AS kecamatan_code, k.name AS kecamatan,
           COALESCE(p.formed, false) AS formed, p.desa_code IS NOT NULL AS reported,
           p.decree_no, p.decree_date, p.website, p.info_count, p.last_update,
           round(ST_X(s.pt)::numeric, 6)::float8 AS lon,
           round(ST_Y(s.pt)::numeric, 6)::float8 AS lat
    FROM d
    LEFT JOIN kec k ON k.code = d.parent_code AND k.region_code IS NOT DISTINCT FROM d.region_code
    LEFT JOIN ppid p ON p.desa_code = d.code
    CROSS JOIN LATERAL (SELECT ST_PointOnSurface(d.geom) AS pt) s
    WHERE (CAST(:formed AS boolean) IS NULL OR COALESCE(p.formed, false) = CAST(:formed AS boolean))
      AND (CAST(:kecamatan AS text) IS NULL OR d.parent_code = CAST(:kecamatan AS text)
           OR lower(k.name) = lower(CAST(:kecamatan AS text)))
    ORDER BY d.code
"""


def coverage(conn: Connection, by: Level = "kecamatan", region: str | None = None) -> list[dict]:
    """Return per area (kecamatan or kabupaten): code, name, desa_total, ppid_formed, percent.

    `percent` has one decimal (None for an area without any desa).
    """
    rows = conn.execute(text(COVERAGE_SQL), {"level": LEVELS[by], "region": region})
    return [dict(r) for r in rows.mappings()]


def desa_list(
    conn: Connection,
    formed: bool | None = None,
    kecamatan: str | None = None,
    region: str | None = None,
) -> list[dict[str, Any]]:
    """Return the desa with their PPID row (or none: not formed) and a label point [lon, lat].

    `kecamatan` is a kecamatan's code or name; `formed=False` lists the gaps.
    """
    rows = conn.execute(
        text(DESA_LIST_SQL), {"formed": formed, "kecamatan": kecamatan, "region": region}
    )
    out = []
    for r in rows.mappings():
        row = dict(r)
        row["point"] = [row.pop("lon"), row.pop("lat")]
        out.append(row)
    return out


def current_desa(conn: Connection) -> set[str]:
    """Return the codes of the desa (2xxx) of every region's current desa layer."""
    return set(conn.execute(text(f"SELECT code FROM ({DESA_SQL}) d"), {"region": None}).scalars())
