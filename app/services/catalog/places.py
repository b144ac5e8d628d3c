"""Desa, kecamatan and kabupaten by name or code: the map's place search and its labels.

Names are matched the way people type them: case, spaces and the usual prefixes (Ds., Desa,
Kel., Kelurahan, Kec., Kecamatan, Kab.) do not matter, and typos are tolerated (rapidfuzz).
Each place comes with a label point inside it and its bounding box, from the current admin
layer of its level (catalog/current.py).
"""

from __future__ import annotations

import re
from typing import Any

from rapidfuzz import fuzz, process, utils
from sqlalchemy import Connection, text

from app.services.catalog.current import CURRENT_ADMIN_SQL
from app.services.catalog.named import region_or_all
from app.services.geo import kemendagri

LEVELS = {"kabupaten": 2, "kecamatan": 3, "desa": 4}

# Every area of the current admin version of each level (of :region, if given), with its
# parent's name, a point inside it (for a label) and its bounding box.
PLACES_SQL = f"""
    WITH cur AS ({CURRENT_ADMIN_SQL})
    SELECT f.code, f.name, f.level, f.parent_code, c.region_code,
           (SELECT p.name FROM cur pc JOIN feature p
                ON p.version_id = pc.version_id AND p.level = pc.level
            WHERE pc.level = f.level - 1 AND pc.region_code IS NOT DISTINCT FROM c.region_code
              AND p.code = f.parent_code
            ORDER BY p.fid LIMIT 1) AS parent_name,
           ST_X(ST_PointOnSurface(f.geom)) AS lon, ST_Y(ST_PointOnSurface(f.geom)) AS lat,
           ST_XMin(f.geom) AS minx, ST_YMin(f.geom) AS miny,
           ST_XMax(f.geom) AS maxx, ST_YMax(f.geom) AS maxy
    FROM cur c
    JOIN feature f ON f.version_id = c.version_id AND f.level = c.level
    WHERE (CAST(:level AS int) IS NULL OR f.level = :level)
      AND {region_or_all("c.region_code")}
      AND f.code IS NOT NULL
    ORDER BY f.level, f.code
"""

_PREFIX = re.compile(
    r"^(?:desa|ds|kelurahan|kel|kecamatan|kec|kabupaten|kab|kota)\b\.?\s*", re.IGNORECASE
)


def normalize_name(raw: str) -> str:
    """Return a place name as compared: lower case, no prefix, no punctuation, no spaces."""
    name = raw.strip()
    while True:
        stripped = _PREFIX.sub("", name, count=1)
        if stripped == name:
            break
        name = stripped
    return re.sub(r"[^0-9a-z]", "", utils.default_process(name))


def _place(r: Any) -> dict[str, Any]:
    return {
        "code": r.code,
        "name": r.name,
        "level": r.level,
        "level_name": kemendagri.LEVEL_NAMES.get(r.level),
        "parent_code": r.parent_code,
        "parent_name": r.parent_name,
        "region": r.region_code,
        "point": [round(r.lon, 6), round(r.lat, 6)],
        "bbox": [round(v, 6) for v in (r.minx, r.miny, r.maxx, r.maxy)],
    }


def list_places(
    conn: Connection, level: int | None = None, region: str | None = None
) -> list[dict[str, Any]]:
    """Return every area of `level` (all levels if None) with its label point and bbox."""
    rows = conn.execute(text(PLACES_SQL), {"level": level, "region": region}).all()
    return [_place(r) for r in rows]


def search_places(
    conn: Connection,
    q: str,
    limit: int = 10,
    level: int | None = None,
    region: str | None = None,
    min_score: float = 70.0,
) -> list[dict[str, Any]]:
    """Return areas whose code starts with `q`, or whose name is like `q`, best first.

    A query of digits and dots is a code prefix (33.25.11 or 3325112001). Otherwise names are
    compared normalised (normalize_name) with rapidfuzz; each place gets a `score` 0-100.
    """
    places = list_places(conn, level, region)
    digits = re.sub(r"[^0-9]", "", q)
    if digits and re.fullmatch(r"[\d.\s]+", q.strip()):
        hits = [p for p in places if re.sub(r"[^0-9]", "", p["code"]).startswith(digits)]
        return [{**p, "score": 100.0} for p in hits[:limit]]
    wanted = normalize_name(q)
    if not wanted:
        return []
    names = [normalize_name(p["name"] or "") for p in places]
    scored: list[tuple[float, int]] = []
    for _, score, i in process.extract(
        wanted, names, scorer=fuzz.WRatio, limit=None, score_cutoff=min_score
    ):
        exact = names[i] == wanted
        prefix = names[i].startswith(wanted)
        scored.append((100.0 if exact else score + (5 if prefix else 0), i))
    scored.sort(key=lambda s: (-s[0], -places[s[1]]["level"], places[s[1]]["code"]))
    return [{**places[i], "score": round(min(s, 100.0), 1)} for s, i in scored[:limit]]
