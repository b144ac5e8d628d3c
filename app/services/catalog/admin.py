"""Administrative areas by Kemendagri code, with their parents, from the current admin layers.

Each level is answered from its one current admin version (catalog/current.py).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, text

from app.errors import AdminAreaNotFound, InvalidParameter
from app.services.catalog.current import CURRENT_ADMIN_SQL
from app.services.geo import kemendagri

_SQL = f"""
    SELECT f.code, f.name, f.level, f.parent_code, f.area_m2, c.layer, v.version,
           {{geom}} AS geometry
    FROM ({CURRENT_ADMIN_SQL}) c
    JOIN feature f ON f.version_id = c.version_id AND f.level = c.level
    JOIN layer_version v ON v.id = f.version_id
    WHERE f.code = ANY(:codes)
    ORDER BY f.fid DESC
"""


def get_area(conn: Connection, raw_code: str, with_geometry: bool = True) -> dict[str, Any]:
    """Return the area with `raw_code` and its parents (nearest first); raise if unknown."""
    code = kemendagri.normalize_code(raw_code)
    if code is None:
        raise InvalidParameter(
            f"{raw_code!r} is not a Kemendagri code (like 33.25, 33.25.01 or 33.25.01.2001)",
            message_id=f"{raw_code!r} bukan kode Kemendagri "
            "(contoh: 33.25, 33.25.01 atau 33.25.01.2001)",
        )
    codes = [code, *kemendagri.ancestors(code)]
    geom = "ST_AsGeoJSON(f.geom, 7)" if with_geometry else "NULL"
    rows = {r.code: r for r in conn.execute(text(_SQL.format(geom=geom)), {"codes": codes}).all()}
    if code not in rows:
        raise AdminAreaNotFound(
            f"no administrative area with code {code!r} is loaded",
            message_id=f"Wilayah administrasi dengan kode {code!r} belum dimuat",
        )
    area = rows[code]
    out: dict[str, Any] = {
        "code": code,
        "name": area.name,
        "level": area.level,
        "level_name": kemendagri.LEVEL_NAMES.get(area.level),
        "area_m2": None if area.area_m2 is None else round(area.area_m2, 2),
        "layer": area.layer,
        "version": area.version,
        "parents": [
            {
                "code": c,
                "name": rows[c].name if c in rows else None,
                "level": kemendagri.level_of(c),
                "level_name": kemendagri.LEVEL_NAMES.get(kemendagri.level_of(c)),
            }
            for c in codes[1:]
        ],
    }
    if kemendagri.level_of(code) == 4:
        out["jenis"] = "kelurahan" if kemendagri.is_kelurahan(code) else "desa"
    if with_geometry:
        out["geometry"] = json.loads(area.geometry)
    return out
